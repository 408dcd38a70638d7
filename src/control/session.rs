//! One end of a control session (XMPP or BGP): up or down, its hold timer, and the connect
//! attempts of the end that dials. The keepalives themselves are not events (see
//! `world::heartbeat`): when the fault layer says the path is cut, the hold timer is set to
//! run out one hold time after the last thing heard (the peer's last keepalive tick, or a later
//! update); when the path comes back first, it is cancelled.

use crate::sim::time::{MILLISECOND, SECOND};
use crate::sim::{Time, Timer};
use crate::world::heartbeat::Ticks;
use crate::world::{Ctx, Session, TimerKind};

/// The state of one end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Up,
    Down,
}

/// What a change of path means for this end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathChange {
    /// Nothing to do now.
    Quiet,
    /// The path is cut while the session is up: the hold timer now runs, to `expires`.
    Silent { last_heard: Time, expires: Time },
    /// The path came back before the hold timer ran out: what was sent meanwhile arrives now.
    Resumed,
    /// The path came back but the peer restarted meanwhile: the connection is dead.
    Reset,
    /// The session is down and the path is back: this end dials at the given time.
    Dial(Time),
}

#[derive(Clone, Debug)]
pub struct SessionEnd {
    pub session: Session,
    pub state: State,
    /// When the state last changed.
    pub since: Time,
    /// The last time anything arrived from the peer.
    pub last_heard: Time,
    /// When the peer sends its keepalives.
    pub peer_keepalives: Ticks,
    /// Whether the path carries keepalives, as the fault layer last said.
    pub path_up: bool,
    /// Whether this end opens the session (an agent; the control node for BGP).
    pub dials: bool,
    hold: Option<Timer>,
    connect: Option<Timer>,
}

impl SessionEnd {
    /// An end whose session has been up since before the run (its keepalive phase drawn from
    /// the seed).
    pub fn established(session: Session, peer: Ticks, dials: bool) -> SessionEnd {
        SessionEnd {
            session,
            state: State::Up,
            since: Time::ZERO,
            last_heard: Time::ZERO,
            peer_keepalives: peer,
            path_up: true,
            dials,
            hold: None,
            connect: None,
        }
    }

    /// An end whose session has not started (its process just started).
    pub fn down(session: Session, now: Time, dials: bool, keepalive: u64) -> SessionEnd {
        SessionEnd {
            state: State::Down,
            since: now,
            last_heard: now,
            peer_keepalives: Ticks::from(now, keepalive),
            ..SessionEnd::established(session, Ticks::from(now, keepalive), dials)
        }
    }

    pub fn is_up(&self) -> bool {
        self.state == State::Up
    }

    /// Something arrived from the peer: the hold timer starts again.
    pub fn heard(&mut self, now: Time) {
        self.last_heard = now;
    }

    /// The session is established now; the peer's keepalives follow one period apart.
    pub fn up(&mut self, ctx: &mut Ctx, keepalive: u64) {
        self.clear_timers(ctx);
        self.state = State::Up;
        self.since = ctx.now;
        self.last_heard = ctx.now;
        self.peer_keepalives = Ticks::from(ctx.now, keepalive);
    }

    /// The session went down now.
    pub fn lost(&mut self, ctx: &mut Ctx) {
        self.clear_timers(ctx);
        self.state = State::Down;
        self.since = ctx.now;
    }

    fn clear_timers(&mut self, ctx: &mut Ctx) {
        for t in [self.hold.take(), self.connect.take()]
            .into_iter()
            .flatten()
        {
            ctx.cancel(t);
        }
    }

    /// The fault layer says the path is cut or back; `hold` is this end's hold time and
    /// `retry_cap` the longest wait between dials.
    pub fn path(
        &mut self,
        up: bool,
        reset: bool,
        hold: u64,
        retry_cap: u64,
        ctx: &mut Ctx,
    ) -> PathChange {
        self.path_up = up;
        match (self.state, up) {
            (State::Up, false) => {
                let last = self
                    .last_heard
                    .max(self.peer_keepalives.last_at_or_before(ctx.now));
                let expires = last.plus(hold).max(ctx.now);
                let timer = ctx.timer(expires.0 - ctx.now.0, TimerKind::Hold(self.session));
                if let Some(old) = self.hold.replace(timer) {
                    ctx.cancel(old);
                }
                PathChange::Silent {
                    last_heard: last,
                    expires,
                }
            }
            (State::Up, true) => {
                if let Some(t) = self.hold.take() {
                    ctx.cancel(t);
                }
                self.last_heard = ctx.now;
                if reset {
                    PathChange::Reset
                } else {
                    PathChange::Resumed
                }
            }
            (State::Down, true) if self.dials => PathChange::Dial(self.dial(retry_cap, ctx)),
            (State::Down, _) => PathChange::Quiet,
        }
    }

    /// The hold timer ran out: true when it was this end's live timer.
    pub fn hold_expired(&mut self, ctx: &mut Ctx) -> bool {
        if self.state != State::Up || self.path_up {
            return false;
        }
        self.hold = None;
        self.lost(ctx);
        true
    }

    /// Schedules the next dial: the first attempt of the back-off schedule (50 ms, then 1, 2,
    /// 4, 8, 16 s, then every `retry_cap`) at or after now. Attempts while the path was cut
    /// would have failed; they are not simulated one by one.
    pub fn dial(&mut self, retry_cap: u64, ctx: &mut Ctx) -> Time {
        let at = next_attempt(self.since, ctx.now, retry_cap);
        let timer = ctx.timer(at.0 - ctx.now.0, TimerKind::Connect(self.session));
        if let Some(old) = self.connect.replace(timer) {
            ctx.cancel(old);
        }
        at
    }

    /// The connect timer fired.
    pub fn connect_fired(&mut self) {
        self.connect = None;
    }
}

/// The first attempt at or after `now` of a dialer that lost its session at `since`.
pub fn next_attempt(since: Time, now: Time, retry_cap: u64) -> Time {
    let mut at = since.plus(50 * MILLISECOND);
    let mut wait = SECOND;
    while at < now {
        at = at.plus(wait.min(retry_cap));
        wait = wait.saturating_mul(2);
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dials_follow_the_back_off_schedule() {
        let s = Time::ZERO;
        let cap = 30 * SECOND;
        assert_eq!(next_attempt(s, s, cap), Time(50 * MILLISECOND));
        // 0.05, 1.05, 3.05, 7.05, 15.05, 31.05, 61.05, 91.05 ...
        assert_eq!(
            next_attempt(s, Time(2 * SECOND), cap),
            Time(3_050 * MILLISECOND)
        );
        assert_eq!(
            next_attempt(s, Time(40 * SECOND), cap),
            Time(61_050 * MILLISECOND)
        );
        assert_eq!(
            next_attempt(s, Time(62 * SECOND), cap),
            Time(91_050 * MILLISECOND)
        );
    }
}
