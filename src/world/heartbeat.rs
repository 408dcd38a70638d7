//! Periodic timers without periodic events. A keepalive, a node-status update or a periodic
//! check fires at `phase + k * period`; while nothing changes, firing changes nothing, so the
//! simulator schedules an event only for the tick that matters: the last keepalive a peer got
//! before a path was cut (its hold timer runs from there), the first check after a change.
//! The outcome is the one ticking every period would give; `wait: converged` is not kept busy.

use crate::sim::Time;
use crate::sim::rng::fnv1a;

/// A periodic schedule: ticks at `phase + k * period` for every integer `k`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticks {
    pub phase: u64,
    pub period: u64,
}

impl Ticks {
    /// A schedule whose phase is drawn from the seed and the name of what ticks, so each
    /// sender keeps its own phase and a run replays exactly.
    pub fn seeded(seed: u64, name: &str, period: u64) -> Ticks {
        let period = period.max(1);
        let mixed = fnv1a(name.as_bytes()) ^ seed.rotate_left(17);
        let mixed = mixed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Ticks {
            phase: (mixed >> 11) % period,
            period,
        }
    }

    /// Ticks starting at `start` (a session established then sends its first keepalive one
    /// period later).
    pub fn from(start: Time, period: u64) -> Ticks {
        let period = period.max(1);
        Ticks {
            phase: start.0 % period,
            period,
        }
    }

    /// The last tick at or before `t`; time zero when the last one came before the run.
    pub fn last_at_or_before(&self, t: Time) -> Time {
        if t.0 < self.phase {
            return Time::ZERO;
        }
        Time(t.0 - (t.0 - self.phase) % self.period)
    }

    /// The first tick at or after `t`.
    pub fn next_at_or_after(&self, t: Time) -> Time {
        if t.0 <= self.phase {
            return Time(self.phase);
        }
        let since = (t.0 - self.phase) % self.period;
        if since == 0 {
            t
        } else {
            t.plus(self.period - since)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_round_to_the_schedule() {
        let t = Ticks {
            phase: 7,
            period: 30,
        };
        assert_eq!(t.last_at_or_before(Time(100)), Time(97));
        assert_eq!(t.last_at_or_before(Time(97)), Time(97));
        assert_eq!(t.next_at_or_after(Time(98)), Time(127));
        assert_eq!(t.next_at_or_after(Time(127)), Time(127));
        assert_eq!(t.next_at_or_after(Time(3)), Time(7));
        assert_eq!(t.last_at_or_before(Time(3)), Time(0));
    }

    #[test]
    fn seeded_phases_differ_by_name_and_stay_below_the_period() {
        let a = Ticks::seeded(1, "cent222/xmpp", 30);
        let b = Ticks::seeded(1, "cent333/xmpp", 30);
        assert!(a.phase < 30 && b.phase < 30);
        let phases: std::collections::BTreeSet<u64> = (0..50)
            .map(|i| Ticks::seeded(1, &format!("node{i}"), 1_000_000).phase)
            .collect();
        assert!(phases.len() > 40, "phases spread: {phases:?}");
        assert_eq!(a, Ticks::seeded(1, "cent222/xmpp", 30));
    }
}
