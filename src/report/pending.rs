//! What a timed wait left pending, in words: the timers that have not run out yet.

use super::timeline::session_name;
use crate::world::msg::TimerKind;
use crate::world::{Msg, World};

/// At most this many pending events are named; the rest are counted.
const NAMED: usize = 4;

/// `2 event(s) still pending: the hold timer of XMPP cent333 <-> cent111 at 90.131000s; …`,
/// or `nothing pending`.
pub fn pending(world: &World) -> String {
    let events = world.pending_events();
    if events.is_empty() {
        return "nothing pending".to_string();
    }
    let mut named: Vec<String> = events
        .iter()
        .take(NAMED)
        .map(|e| format!("{} at {}", what(world, &e.msg.1), e.at))
        .collect();
    if events.len() > NAMED {
        named.push(format!("{} more", events.len() - NAMED));
    }
    format!(
        "{} event(s) still pending: {}",
        events.len(),
        named.join("; ")
    )
}

fn what(world: &World, msg: &Msg) -> String {
    let node = |n| world.env.topology.name(n).to_string();
    let Msg::Timer(kind) = msg else {
        return "a message on its way".to_string();
    };
    match kind {
        TimerKind::Hold(s) => format!("the hold timer of {}", session_name(world, *s)),
        TimerKind::Connect(s) => format!("a new attempt at {}", session_name(world, *s)),
        TimerKind::NodeMonitor { node: n, evict } => format!(
            "the node controller's {} of {}",
            if *evict {
                "eviction"
            } else {
                "NotReady verdict"
            },
            node(*n)
        ),
        TimerKind::NodeReady(n) => format!("the node controller's look at {}", node(*n)),
        TimerKind::ServiceCheck => "contrail-svc-monitor's next check".to_string(),
        TimerKind::Container { restart, .. } => {
            if *restart {
                "a kubelet's container restart".to_string()
            } else {
                "a kubelet's container start".to_string()
            }
        }
        TimerKind::Tcp { .. } => "a TCP retransmission".to_string(),
        TimerKind::Curl { .. } => "curl's timeout".to_string(),
        TimerKind::Haproxy { .. } => "an haproxy timeout".to_string(),
    }
}
