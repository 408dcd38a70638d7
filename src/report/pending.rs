//! What a wait left pending, in words: the timers that have not run out yet.

use super::timeline::session_name;
use crate::scenario::run::Pending;
use crate::world::World;
use crate::world::msg::TimerKind;

/// `2 event(s) still pending: the hold timer of XMPP cent333 <-> cent111 at 90.131000s; …`,
/// or `nothing pending`; `next` are the first of the `pending` events.
pub fn pending(world: &World, pending: usize, next: &[Pending]) -> String {
    if pending == 0 {
        return "nothing pending".to_string();
    }
    let mut named: Vec<String> = next
        .iter()
        .map(|p| format!("{} at {}", what(world, p.timer.as_ref()), p.at))
        .collect();
    if pending > next.len() {
        named.push(format!("{} more", pending - next.len()));
    }
    format!("{pending} event(s) still pending: {}", named.join("; "))
}

fn what(world: &World, timer: Option<&TimerKind>) -> String {
    let node = |n| world.env.topology.name(n).to_string();
    let Some(kind) = timer else {
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
