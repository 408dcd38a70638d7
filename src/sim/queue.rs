//! The event queue: ordered by (time, insertion sequence), with a plain FIFO beside the heap for
//! events scheduled for the current instant, so ties always run first-in-first-out.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use super::time::Time;

/// Identifies one event; also its insertion sequence number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(pub u64);

/// An event taken from the queue.
#[derive(Debug)]
pub struct Event<M> {
    pub at: Time,
    pub id: EventId,
    /// The event whose handling scheduled this one; `None` for events injected from outside.
    pub cause: Option<EventId>,
    pub msg: M,
}

struct Timed<M>(Event<M>);

impl<M> PartialEq for Timed<M> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<M> Eq for Timed<M> {}
impl<M> PartialOrd for Timed<M> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<M> Ord for Timed<M> {
    /// Reversed, so the max-heap pops the earliest (time, id) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.0.at, other.0.id).cmp(&(self.0.at, self.0.id))
    }
}

/// A discrete-event queue. `pop` advances `now`.
pub struct Queue<M> {
    now: Time,
    next_id: u64,
    later: BinaryHeap<Timed<M>>,
    /// Events at `now`, in insertion order. Every entry has `at == now`.
    current: VecDeque<Event<M>>,
}

impl<M> Default for Queue<M> {
    fn default() -> Self {
        Queue {
            now: Time::ZERO,
            next_id: 0,
            later: BinaryHeap::new(),
            current: VecDeque::new(),
        }
    }
}

impl<M> Queue<M> {
    pub fn now(&self) -> Time {
        self.now
    }

    /// Schedules `msg` after `delay_ns` and returns its id.
    pub fn schedule(&mut self, delay_ns: u64, cause: Option<EventId>, msg: M) -> EventId {
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
        } else {
            self.later.push(Timed(event));
        }
        id
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<Time> {
        if self.current.is_empty() {
            self.later.peek().map(|t| t.0.at)
        } else {
            Some(self.now)
        }
    }

    /// Takes the next event and moves `now` to its time.
    ///
    /// Heap events at `now` were inserted before any event now in `current` (which were all
    /// scheduled at `now` with zero delay, hence later), so the heap drains first.
    pub fn pop(&mut self) -> Option<Event<M>> {
        if let Some(top) = self.later.peek()
            && top.0.at == self.now
        {
            return self.later.pop().map(|t| t.0);
        }
        if let Some(event) = self.current.pop_front() {
            return Some(event);
        }
        let event = self.later.pop()?.0;
        self.now = event.at;
        Some(event)
    }

    /// Moves the clock forward to `t` when nothing is pending before it.
    pub fn advance_to(&mut self, t: Time) {
        if t > self.now && self.peek_time().is_none_or(|next| next >= t) {
            self.now = t;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.current.is_empty() && self.later.is_empty()
    }

    pub fn len(&self) -> usize {
        self.current.len() + self.later.len()
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
}
