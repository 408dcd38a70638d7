//! The event queue: ordered by (time, insertion sequence), with a plain FIFO beside the heap for
//! events scheduled for the current instant, so ties always run first-in-first-out. A future
//! event can be cancelled (a timer that is no longer needed): it leaves the queue at once, so a
//! cancelled timer never keeps a run going.

use std::cmp::Ordering;
use std::collections::binary_heap::PeekMut;
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

/// A heap entry: the time and id of a pending event, and where it waits: in its slot, or at
/// the front of a run of events of the same time (`run != NO_RUN`).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    at: Time,
    id: EventId,
    slot: u32,
    run: u32,
}

/// A key whose event waits alone in its slot.
const NO_RUN: u32 = u32::MAX;

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    /// Reversed, so the max-heap pops the earliest (time, id) first. Ids are unique, so the
    /// slot and run never decide.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.id).cmp(&(self.at, self.id))
    }
}

/// Events of one time, in insertion (id) order, behind one heap key: (id, slot).
struct Run {
    at: Time,
    entries: VecDeque<(EventId, u32)>,
}

/// How many recent times remember their run: a handler's messages, and the handlers of one
/// instant, send most of their events with a few fixed delays.
const RECENT: usize = 8;
/// Pending future events from which new ones join runs: below, the heap is small and cheap,
/// and runs are not worth their bookkeeping.
const RUNS_FROM: usize = 4096;

/// A discrete-event queue. `pop` advances `now`.
///
/// Future events wait in slots and a heap orders their keys by (time, id). Once many events
/// are pending, when several events are scheduled for the same time in a row (a watch fanned out to
/// every watcher, a wave of thousands of pods), the second and later ones join a run behind
/// one heap key, which takes the id of the run's front event as it drains: the order stays
/// (time, id), and most pops take the front of a run instead of sifting a heap of every
/// pending event.
pub struct Queue<M> {
    now: Time,
    next_id: u64,
    /// Heap keys; a key whose slot no longer holds its event (cancelled) is skipped.
    later: BinaryHeap<Key>,
    /// Runs by index; `free_runs` lists the unused ones (kept with their capacity).
    runs: Vec<Run>,
    free_runs: Vec<u32>,
    /// Recently scheduled times: with the run their events join (`NO_RUN` until a second
    /// event comes). Entries of retired runs are stale and checked against the run's time.
    recent: [(Time, u32); RECENT],
    next_recent: usize,
    /// The events, by slot; `None` for free slots (listed in `free`).
    slots: Vec<Option<Event<M>>>,
    free: Vec<u32>,
    /// Events in `slots`: live events behind heap keys.
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
            runs: Vec::new(),
            free_runs: Vec::new(),
            recent: [(Time::ZERO, NO_RUN); RECENT],
            next_recent: 0,
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

    /// Queues an event: in the FIFO for the current instant, else in a slot, behind a heap key
    /// of its own or at the end of its time's run.
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
            return (id, None);
        }
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
        self.pending_later += 1;
        if self.pending_later < RUNS_FROM {
            self.later.push(Key {
                at,
                id,
                slot,
                run: NO_RUN,
            });
            return (id, Some(slot));
        }
        match self.recent.iter().position(|(t, _)| *t == at) {
            // A run of this time takes it.
            Some(i) if self.open_run(self.recent[i]) => {
                let run = self.recent[i].1 as usize;
                self.runs[run].entries.push_back((id, slot));
            }
            // The second event of a recent time starts a run.
            Some(i) => {
                let run = self.new_run(at);
                self.runs[run as usize].entries.push_back((id, slot));
                self.recent[i] = (at, run);
                self.later.push(Key { at, id, slot, run });
            }
            None => {
                self.recent[self.next_recent] = (at, NO_RUN);
                self.next_recent = (self.next_recent + 1) % RECENT;
                self.later.push(Key {
                    at,
                    id,
                    slot,
                    run: NO_RUN,
                });
            }
        }
        (id, Some(slot))
    }

    /// Whether a recent time's run is still that time's and pending.
    fn open_run(&self, (at, run): (Time, u32)) -> bool {
        self.runs
            .get(run as usize)
            .is_some_and(|r| r.at == at && !r.entries.is_empty())
    }

    fn new_run(&mut self, at: Time) -> u32 {
        match self.free_runs.pop() {
            Some(run) => {
                self.runs[run as usize].at = at;
                run
            }
            None => {
                self.runs.push(Run {
                    at,
                    entries: VecDeque::new(),
                });
                u32::try_from(self.runs.len() - 1).expect("fewer than 2^32 runs")
            }
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

    /// Whether `slot` still holds event `id`.
    fn live(&self, id: EventId, slot: u32) -> bool {
        self.slots
            .get(slot as usize)
            .and_then(Option::as_ref)
            .is_some_and(|e| e.id == id)
    }

    /// Drops cancelled events from the top of the heap, so the top key's event is live.
    fn skip_cancelled(&mut self) {
        while let Some(&top) = self.later.peek() {
            if self.live(top.id, top.slot) {
                return;
            }
            self.advance_top(top);
        }
    }

    /// The top key's event is taken or cancelled: the key moves on to its run's next event,
    /// or leaves the heap.
    fn advance_top(&mut self, top: Key) {
        let next = match self.runs.get_mut(top.run as usize) {
            Some(run) => {
                run.entries.pop_front();
                run.entries.front().copied()
            }
            None => None,
        };
        match (next, self.later.peek_mut()) {
            (Some((id, slot)), Some(mut key)) => {
                key.id = id;
                key.slot = slot;
            }
            (None, Some(key)) => {
                PeekMut::pop(key);
                if top.run != NO_RUN {
                    self.free_runs.push(top.run);
                }
            }
            (_, None) => {}
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
        let top = *self.later.peek()?;
        let event = self.slots[top.slot as usize].take();
        self.free.push(top.slot);
        self.pending_later -= 1;
        self.advance_top(top);
        event
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

    /// Runs `ops` against the queue and a plain sorted model: any interleaving of schedules,
    /// cancellations and pops comes out in (time, id) order, every event exactly once.
    /// Payloads are the expected ids. `prefill` far-future events (a few times, many each)
    /// make the heap large enough for runs.
    fn matches_the_sorted_model(
        ops: Vec<(u8, u64)>,
        prefill: usize,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let mut q = Queue::default();
        let mut model: Vec<(Time, u64)> = Vec::new();
        let mut next = 0u64;
        for i in 0..prefill as u64 {
            let delay = 1_000_000 + i % 7;
            q.schedule(delay, None, next);
            model.push((Time(delay), next));
            next += 1;
        }
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
        let rest: Vec<_> = std::iter::from_fn(|| q.pop())
            .map(|e| (e.at, e.msg))
            .collect();
        model.sort();
        proptest::prop_assert_eq!(rest, model);
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn pops_in_the_order_of_a_sorted_model(
            ops in proptest::collection::vec((0u8..5, 0u64..5), 1..200),
        ) {
            matches_the_sorted_model(ops, 0)?;
        }

        /// The same with a heap large enough for events of one time to share runs.
        #[test]
        fn pops_in_the_order_of_a_sorted_model_with_runs(
            ops in proptest::collection::vec((0u8..5, 0u64..5), 1..200),
        ) {
            matches_the_sorted_model(ops, RUNS_FROM + 50)?;
        }
    }
}
