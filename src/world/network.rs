//! The fault layer. Faults arrive here as messages: it cuts or restores links (the rules live
//! beside the topology, per direction), tells each failed or recovered process so (the
//! component changes its own state), and works out which control sessions can still carry
//! their keepalives. When a session's path is cut or comes back, both ends hear of it: that
//! stands for the keepalives that stop or resume (see `world::heartbeat`), and each end reacts
//! with its own timers. A crashed process is different: its kernel closes its connections, so
//! its peer sees the session close at once.

use std::collections::{BTreeMap, BTreeSet};

use super::Ctx;
use super::msg::{Addr, Fault, Msg, Part, Session};
use super::timeline::{Actor, What};
use crate::topology::links::LinkRules;
use crate::topology::{NodeId, Topology};

/// Which processes are down and which sessions are cut, and what each path was last seen as.
#[derive(Debug, Default)]
pub struct Network {
    pub nodes_down: BTreeSet<NodeId>,
    pub agents_down: BTreeSet<NodeId>,
    pub xmpp_cut: BTreeSet<NodeId>,
    pub control_down: bool,
    pub bgp_cut: bool,
    /// Restarts of each compute's agent (a node reboot restarts it too) and of the control
    /// node: a path restored across a restart carries a dead TCP connection.
    agent_restarts: BTreeMap<NodeId, u32>,
    control_restarts: u32,
    /// Each session's path as last seen: up, or cut with the restart counts of its ends then.
    paths: BTreeMap<Session, Option<(u32, u32)>>,
    master: Option<NodeId>,
    gateway: Option<NodeId>,
}

impl Network {
    pub fn new(topology: &Topology) -> Network {
        let mut paths = BTreeMap::new();
        for &c in topology.computes() {
            paths.insert(Session::Xmpp(c), None);
            paths.insert(Session::Kubelet(c), None);
        }
        paths.insert(Session::Bgp, None);
        Network {
            paths,
            master: Some(topology.master()),
            gateway: Some(topology.gateway()),
            ..Network::default()
        }
    }

    pub fn handle(&mut self, msg: Msg, links: &mut LinkRules, ctx: &mut Ctx) {
        let Msg::Fault { fault, up } = msg else {
            return;
        };
        // Failing what is down, or recovering what is up, changes nothing.
        if self.is_up(&fault, links) == Some(up) {
            return;
        }
        match &fault {
            Fault::Node(n) => {
                set(&mut self.nodes_down, *n, up);
                if up {
                    *self.agent_restarts.entry(*n).or_default() += 1;
                }
                ctx.send(Addr::Compute(*n, Part::Agent), 0, Msg::Fault { fault, up });
            }
            Fault::Agent(n) => {
                let connected = self.path_up(Session::Xmpp(*n), links);
                set(&mut self.agents_down, *n, up);
                if up {
                    *self.agent_restarts.entry(*n).or_default() += 1;
                }
                // A crashed agent's kernel closes its XMPP connection: the control node sees it.
                if !up && connected {
                    let close = Msg::SessionClosed {
                        session: Session::Xmpp(*n),
                    };
                    ctx.send(Addr::ControlNode, ctx.env.delays.xmpp, close);
                }
                ctx.send(Addr::Compute(*n, Part::Agent), 0, Msg::Fault { fault, up });
            }
            Fault::Xmpp(n) => set(&mut self.xmpp_cut, *n, up),
            Fault::ControlNode => {
                if up {
                    self.control_restarts += 1;
                }
                self.control_down = !up;
                ctx.send(Addr::ControlNode, 0, Msg::Fault { fault, up });
            }
            Fault::Bgp => self.bgp_cut = !up,
            Fault::Link(a, b) => links.set(*a, *b, up),
            Fault::Haproxy { node, .. } | Fault::Pod { node, .. } => {
                let part = match fault {
                    Fault::Haproxy { .. } => Part::Agent,
                    _ => Part::Kubelet,
                };
                ctx.send(Addr::Compute(*node, part), 0, Msg::Fault { fault, up });
            }
        }
        self.update_paths(links, ctx);
    }

    /// Whether a fault's target is up now: its process runs, its session or link passes.
    /// Processes inside a compute (haproxy, a pod's container) are the compute's to judge.
    fn is_up(&self, fault: &Fault, links: &LinkRules) -> Option<bool> {
        Some(match fault {
            Fault::Node(n) => !self.nodes_down.contains(n),
            Fault::Agent(n) => !self.agents_down.contains(n),
            Fault::Xmpp(n) => !self.xmpp_cut.contains(n),
            Fault::ControlNode => !self.control_down,
            Fault::Bgp => !self.bgp_cut,
            Fault::Link(a, b) => links.passes(*a, *b) && links.passes(*b, *a),
            Fault::Haproxy { .. } | Fault::Pod { .. } => return None,
        })
    }

    /// Whether a session's keepalives get through: both ends' processes are up, nothing cut
    /// the session, and the link passes both ways.
    pub fn path_up(&self, session: Session, links: &LinkRules) -> bool {
        let (Some(master), Some(gateway)) = (self.master, self.gateway) else {
            return false;
        };
        let both_ways = |a, b| links.passes(a, b) && links.passes(b, a);
        match session {
            Session::Xmpp(n) => {
                !self.nodes_down.contains(&n)
                    && !self.agents_down.contains(&n)
                    && !self.xmpp_cut.contains(&n)
                    && !self.control_down
                    && both_ways(n, master)
            }
            Session::Kubelet(n) => !self.nodes_down.contains(&n) && both_ways(n, master),
            Session::Bgp => !self.control_down && !self.bgp_cut && both_ways(master, gateway),
        }
    }

    /// The restart counts of a session's two ends.
    fn restarts(&self, session: Session) -> (u32, u32) {
        match session {
            Session::Xmpp(n) => (
                self.agent_restarts.get(&n).copied().unwrap_or(0),
                self.control_restarts,
            ),
            Session::Kubelet(n) => (self.agent_restarts.get(&n).copied().unwrap_or(0), 0),
            Session::Bgp => (self.control_restarts, 0),
        }
    }

    /// Tells both ends of every session whose path changed.
    fn update_paths(&mut self, links: &LinkRules, ctx: &mut Ctx) {
        let sessions: Vec<Session> = self.paths.keys().copied().collect();
        for session in sessions {
            let up = self.path_up(session, links);
            let now = self.restarts(session);
            let Some(was) = self.paths.get_mut(&session) else {
                continue;
            };
            let reset = match (*was, up) {
                (None, false) => {
                    *was = Some(now);
                    false
                }
                (Some(then), true) => {
                    *was = None;
                    then != now
                }
                _ => continue,
            };
            ctx.note(Actor::Network, What::Path { session, up });
            let msg = Msg::Path { session, up, reset };
            for end in ends(session) {
                ctx.send(end, 0, msg.clone());
            }
        }
    }
}

/// Marks `n` as down in `down`, or as up again.
fn set(down: &mut BTreeSet<NodeId>, n: NodeId, up: bool) {
    if up {
        down.remove(&n);
    } else {
        down.insert(n);
    }
}

/// The components at the two ends of a session.
fn ends(session: Session) -> [Addr; 2] {
    match session {
        Session::Xmpp(n) => [Addr::ControlNode, Addr::Compute(n, Part::Agent)],
        Session::Kubelet(n) => [Addr::ControllerManager, Addr::Compute(n, Part::Kubelet)],
        Session::Bgp => [Addr::ControlNode, Addr::Gateway],
    }
}
