//! The event queue: ordered by (time, insertion sequence), with a plain FIFO beside the heap for
//! events scheduled for the current instant, so ties always run first-in-first-out. A future
//! event can be cancelled (a timer that is no longer needed): it leaves the queue at once, so a
//! cancelled timer never keeps a run going.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use super::time::Time;

/// Identifies one event; also its insertion sequence number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(pub u64);

/// A future event that can be cancelled: its id and where it waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timer {
    pub id: EventId,
    slot: u32,
}

/// An event taken from the queue.
#[derive(Debug)]
pub struct Event<M> {
    pub at: Time,
    pub id: EventId,
    /// The event whose handling scheduled this one; `None` for events injected from outside.
    pub cause: Option<EventId>,
    pub msg: M,
}

/// A heap entry: the order key of an event and the slot holding it. The heap moves only these
/// small entries; the events themselves stay put in `slots` until popped.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    at: Time,
    id: EventId,
    slot: u32,
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    /// Reversed, so the max-heap pops the earliest (time, id) first. Ids are unique, so the
    /// slot never decides.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.id).cmp(&(self.at, self.id))
    }
}

/// A discrete-event queue. `pop` advances `now`.
pub struct Queue<M> {
    now: Time,
    next_id: u64,
    /// Heap keys; a key whose slot no longer holds its event (cancelled) is skipped.
    later: BinaryHeap<Key>,
    /// The events in `later`, by slot; `None` for free slots (listed in `free`).
    slots: Vec<Option<Event<M>>>,
    free: Vec<u32>,
    /// Events in `slots`: the heap's live keys.
    pending_later: usize,
    /// Events at `now`, in insertion order. Every entry has `at == now`.
    current: VecDeque<Event<M>>,
}

impl<M> Default for Queue<M> {
    fn default() -> Self {
        Queue {
            now: Time::ZERO,
            next_id: 0,
            later: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            pending_later: 0,
            current: VecDeque::new(),
        }
    }
}

impl<M> Queue<M> {
    pub fn now(&self) -> Time {
        self.now
    }

    /// Schedules `msg` after `delay_ns` (at least a nanosecond) and returns a handle that can
    /// cancel it.
    pub fn schedule_timer(&mut self, delay_ns: u64, cause: Option<EventId>, msg: M) -> Timer {
        let (id, slot) = self.push(delay_ns.max(1), cause, msg);
        Timer {
            id,
            slot: slot.unwrap_or(u32::MAX),
        }
    }

    /// Schedules `msg` after `delay_ns` and returns its id.
    pub fn schedule(&mut self, delay_ns: u64, cause: Option<EventId>, msg: M) -> EventId {
        self.push(delay_ns, cause, msg).0
    }

    /// Queues an event: in the FIFO for the current instant, else in a heap slot.
    fn push(&mut self, delay_ns: u64, cause: Option<EventId>, msg: M) -> (EventId, Option<u32>) {
        let id = EventId(self.next_id);
        self.next_id += 1;
        let event = Event {
            at: self.now.plus(delay_ns),
            id,
            cause,
            msg,
        };
        if delay_ns == 0 {
            self.current.push_back(event);
            (id, None)
        } else {
            let at = event.at;
            let slot = match self.free.pop() {
                Some(slot) => {
                    self.slots[slot as usize] = Some(event);
                    slot
                }
                None => {
                    self.slots.push(Some(event));
                    u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 pending events")
                }
            };
            self.later.push(Key { at, id, slot });
            self.pending_later += 1;
            (id, Some(slot))
        }
    }

    /// Cancels a timer; false when it already ran or was cancelled.
    pub fn cancel(&mut self, timer: Timer) -> bool {
        let (id, slot) = (timer.id, timer.slot as usize);
        match self.slots.get_mut(slot) {
            Some(entry @ Some(_)) if entry.as_ref().is_some_and(|e| e.id == id) => {
                *entry = None;
                self.free.push(slot as u32);
                self.pending_later -= 1;
                true
            }
            _ => false,
        }
    }

    /// Drops heap keys whose events were cancelled, so the top key is live.
    fn skip_cancelled(&mut self) {
        while let Some(top) = self.later.peek() {
            let live = self
                .slots
                .get(top.slot as usize)
                .and_then(Option::as_ref)
                .is_some_and(|e| e.id == top.id);
            if live {
                return;
            }
            self.later.pop();
        }
    }

    /// The time of the next event, if any.
    pub fn peek_time(&mut self) -> Option<Time> {
        if self.current.is_empty() {
            self.skip_cancelled();
            self.later.peek().map(|k| k.at)
        } else {
            Some(self.now)
        }
    }

    /// Takes the next event and moves `now` to its time.
    ///
    /// Heap events at `now` were inserted before any event now in `current` (which were all
    /// scheduled at `now` with zero delay, hence later), so the heap drains first.
    pub fn pop(&mut self) -> Option<Event<M>> {
        self.skip_cancelled();
        if let Some(top) = self.later.peek()
            && top.at == self.now
        {
            return self.pop_later();
        }
        if let Some(event) = self.current.pop_front() {
            return Some(event);
        }
        let event = self.pop_later()?;
        self.now = event.at;
        Some(event)
    }

    fn pop_later(&mut self) -> Option<Event<M>> {
        self.skip_cancelled();
        let key = self.later.pop()?;
        self.free.push(key.slot);
        self.pending_later -= 1;
        self.slots[key.slot as usize].take()
    }

    /// Moves the clock forward to `t` when nothing is pending before it.
    pub fn advance_to(&mut self, t: Time) {
        if t > self.now && self.peek_time().is_none_or(|next| next >= t) {
            self.now = t;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.current.is_empty() && self.pending_later == 0
    }

    pub fn len(&self) -> usize {
        self.current.len() + self.pending_later
    }

    /// Every pending event, in the order they will run (for reports; not on the hot path).
    pub fn pending(&self) -> Vec<&Event<M>> {
        let mut events: Vec<&Event<M>> = self.slots.iter().flatten().chain(&self.current).collect();
        events.sort_by_key(|e| (e.at, e.id));
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut q = Queue::default();
        q.schedule(5, None, "b");
        q.schedule(1, None, "a");
        q.schedule(5, None, "c");
        q.schedule(0, None, "now");
        let order: Vec<_> = std::iter::from_fn(|| q.pop())
            .map(|e| (e.at.0, e.msg))
            .collect();
        assert_eq!(order, vec![(0, "now"), (1, "a"), (5, "b"), (5, "c")]);
    }

    #[test]
    fn zero_delay_events_run_after_earlier_events_of_the_same_instant() {
        let mut q = Queue::default();
        q.schedule(3, None, 1);
        q.schedule(3, None, 2);
        let first = q.pop().map(|e| e.msg);
        assert_eq!(first, Some(1));
        // Handling event 1 at t=3 schedules a zero-delay event: it must run after event 2.
        q.schedule(0, Some(EventId(0)), 3);
        let rest: Vec<_> = std::iter::from_fn(|| q.pop()).map(|e| e.msg).collect();
        assert_eq!(rest, vec![2, 3]);
    }

    #[test]
    fn records_cause_and_advances_clock() {
        let mut q = Queue::default();
        let a = q.schedule(10, None, ());
        let e = q.pop().expect("event");
        assert_eq!((e.id, e.at, e.cause), (a, Time(10), None));
        q.schedule(0, Some(e.id), ());
        assert_eq!(q.pop().map(|e| e.cause), Some(Some(a)));
        q.advance_to(Time(50));
        assert_eq!(q.now(), Time(50));
        assert!(q.is_empty());
    }

    #[test]
    fn a_cancelled_event_never_runs_and_empties_the_queue() {
        let mut q = Queue::default();
        let a = q.schedule_timer(10, None, "timer");
        let b = q.schedule_timer(20, None, "later");
        assert!(q.cancel(a));
        assert!(!q.cancel(a), "cancelled twice");
        assert_eq!(q.len(), 1);
        assert_eq!(q.peek_time(), Some(Time(20)));
        assert!(q.cancel(b));
        assert!(q.is_empty());
        assert_eq!(q.pop().map(|e| e.msg), None);
        // A freed slot is reused; a stale key of the old event must not pop the new one early.
        let c = q.schedule(30, None, "new");
        assert_eq!(q.pop().map(|e| (e.id, e.at)), Some((c, Time(30))));
    }

    proptest::proptest! {
        /// Any interleaving of schedules and pops comes out in (time, id) order, the order of a
        /// plain sorted model, with every event exactly once. Payloads are the expected ids.
        #[test]
        fn pops_in_the_order_of_a_sorted_model(
            ops in proptest::collection::vec((0u8..5, 0u64..5), 1..200),
        ) {
            let mut q = Queue::default();
            let mut model: Vec<(Time, u64)> = Vec::new();
            let mut next = 0u64;
            let mut timers: Vec<(Timer, (Time, u64))> = Vec::new();
            for (op, delay) in ops {
                if op == 4 {
                    // Cancel the latest future event still pending, if any.
                    if let Some((t, m)) = timers.pop().filter(|(_, m)| model.contains(m)) {
                        proptest::prop_assert!(q.cancel(t));
                        model.retain(|x| *x != m);
                    }
                    proptest::prop_assert_eq!(q.len(), model.len());
                } else if op == 0 {
                    let expected = model.iter().copied().min();
                    let got = q.pop().map(|e| (e.at, e.msg));
                    proptest::prop_assert_eq!(got, expected);
                    model.retain(|m| Some(*m) != expected);
                } else if op == 3 {
                    let at = q.now().plus(delay.max(1));
                    let t = q.schedule_timer(delay, None, next);
                    proptest::prop_assert_eq!(t.id.0, next);
                    model.push((at, next));
                    timers.push((t, (at, next)));
                    next += 1;
                } else {
                    let at = q.now().plus(delay);
                    let id = q.schedule(delay, None, next).0;
                    proptest::prop_assert_eq!(id, next);
                    model.push((at, id));
                    next += 1;
                }
            }
            let rest: Vec<_> = std::iter::from_fn(|| q.pop()).map(|e| (e.at, e.msg)).collect();
            model.sort();
            proptest::prop_assert_eq!(rest, model);
        }
    }
}
