//! The Contrail control node (contrail-control on the master): an XMPP session with every
//! vRouter agent and a BGP session with the gateway. It keeps every path the agents advertise,
//! per VRF; sends the best ones back to the agents and, for floating-IP networks, to the
//! gateway; and leaks routes between networks a policy connects. Graceful restart is off (R5's
//! default): a session that goes down takes its paths with it at once.

use std::collections::{BTreeMap, BTreeSet};

use super::kube_manager::KubeManager;
use super::session::{PathChange, SessionEnd};
use crate::routing::{Paths, Prefix, RouteAttrs, VnKind, Vrf, best_paths, med_from_local_pref};
use crate::topology::NodeId;
use crate::world::heartbeat::Ticks;
use crate::world::timeline::{Actor, SessionEnded, What};
use crate::world::{Addr, Ctx, Env, Fault, Msg, Part, Session, TimerKind};

pub struct ControlNode {
    /// Whether the contrail-control process runs.
    pub up: bool,
    /// The XMPP session with each compute's agent.
    pub agents: BTreeMap<NodeId, SessionEnd>,
    /// The BGP session with the gateway.
    pub bgp: SessionEnd,
    /// Every path of every prefix, as advertised, by the VRF it was advertised in.
    pub table: BTreeMap<(Vrf, Prefix), Vec<RouteAttrs>>,
    /// What was last sent for each prefix.
    best: BTreeMap<(Vrf, Prefix), Paths>,
    /// The networks each VRF imports, from kube-manager's policies (config, kept across a
    /// restart).
    pub imports: BTreeMap<Vrf, BTreeSet<Vrf>>,
}

impl ControlNode {
    pub fn new(env: &Env, kube_manager: &KubeManager) -> ControlNode {
        let t = &env.timers;
        let agents = env
            .topology
            .computes()
            .iter()
            .map(|&n| {
                let name = format!("{}/xmpp-keepalive", env.topology.name(n));
                let peer = Ticks::seeded(env.seed, &name, t.xmpp_keepalive);
                (n, SessionEnd::established(Session::Xmpp(n), peer, false))
            })
            .collect();
        let peer = Ticks::seeded(env.seed, "camaro/bgp-keepalive", t.bgp_keepalive);
        let mut imports: BTreeMap<Vrf, BTreeSet<Vrf>> = BTreeMap::new();
        for (vrf, from) in kube_manager.policies() {
            imports.entry(vrf.clone()).or_default().insert(from.clone());
        }
        ControlNode {
            up: true,
            agents,
            bgp: SessionEnd::established(Session::Bgp, peer, true),
            table: BTreeMap::new(),
            best: BTreeMap::new(),
            imports,
        }
    }

    /// The best paths last sent for a prefix.
    pub fn best(&self, vrf: &Vrf, prefix: Prefix) -> Option<&Paths> {
        self.best.get(&(vrf.clone(), prefix))
    }

    pub fn handle(&mut self, msg: Msg, ctx: &mut Ctx) {
        if let Msg::Fault {
            fault: Fault::ControlNode,
            up,
        } = msg
        {
            self.power(up, ctx);
            return;
        }
        if !self.up {
            return;
        }
        match msg {
            Msg::XmppOpen { from } => self.open(from, ctx),
            Msg::XmppPublish {
                from,
                vrf,
                prefix,
                attrs,
            } => {
                if !self.heard(from, ctx) {
                    return;
                }
                // An XMPP item is keyed by prefix per peer: a new label replaces the old path.
                let paths = self.table.entry((vrf.clone(), prefix)).or_default();
                paths.retain(|p| p.origin != attrs.origin);
                paths.push(with_med(attrs));
                self.reselect(&vrf, prefix, ctx);
            }
            Msg::XmppRetract { from, vrf, prefix } => {
                if !self.heard(from, ctx) {
                    return;
                }
                if let Some(paths) = self.table.get_mut(&(vrf.clone(), prefix)) {
                    paths.retain(|p| p.origin != from);
                }
                self.reselect(&vrf, prefix, ctx);
            }
            Msg::XmppSync { from, routes } => {
                if !self.heard(from, ctx) {
                    return;
                }
                self.replace_paths(from, routes, ctx);
            }
            Msg::SessionClosed {
                session: Session::Xmpp(n),
            } if self.agents.get(&n).is_some_and(SessionEnd::is_up) => {
                self.agent_down(n, SessionEnded::Closed, ctx);
            }
            Msg::Path { session, up, reset } => self.path(session, up, reset, ctx),
            Msg::Timer(TimerKind::Hold(Session::Xmpp(n))) => {
                let Some(end) = self.agents.get_mut(&n) else {
                    return;
                };
                let last = end.last_heard;
                if end.hold_expired(ctx) {
                    self.agent_down(n, SessionEnded::HoldExpired { last_heard: last }, ctx);
                }
            }
            Msg::Timer(TimerKind::Hold(Session::Bgp)) => {
                let last = self.bgp.last_heard;
                if self.bgp.hold_expired(ctx) {
                    let what = What::SessionDown {
                        session: Session::Bgp,
                        why: SessionEnded::HoldExpired { last_heard: last },
                    };
                    ctx.note(Actor::ControlNode, what);
                }
            }
            Msg::Timer(TimerKind::Connect(Session::Bgp)) => {
                self.bgp.connect_fired();
                if self.bgp.path_up {
                    ctx.send(Addr::Gateway, ctx.env.delays.bgp, Msg::BgpOpen);
                }
            }
            Msg::BgpReady => {
                self.bgp.up(ctx, ctx.env.timers.bgp_keepalive);
                ctx.note(
                    Actor::ControlNode,
                    What::SessionUp {
                        session: Session::Bgp,
                    },
                );
                self.send_bgp_table(ctx);
            }
            Msg::NetworkPolicy { vrf, connected } => {
                for other in connected {
                    for (a, b) in [(&vrf, &other), (&other, &vrf)] {
                        if self.imports.entry(a.clone()).or_default().insert(b.clone()) {
                            let import = Msg::XmppImport {
                                vrf: a.clone(),
                                from: b.clone(),
                            };
                            ctx.send(Addr::Agents, ctx.env.delays.xmpp, import);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The contrail-control process stops (silently: its peers notice by their hold timers)
    /// or starts again with nothing learned.
    fn power(&mut self, up: bool, ctx: &mut Ctx) {
        self.up = up;
        self.table.clear();
        self.best.clear();
        let t = &ctx.env.timers;
        let now = ctx.now;
        for (n, end) in self.agents.iter_mut() {
            *end = SessionEnd::down(Session::Xmpp(*n), now, false, t.xmpp_keepalive);
        }
        self.bgp = SessionEnd::down(Session::Bgp, now, true, t.bgp_keepalive);
        if up {
            ctx.note(Actor::ControlNode, What::ProcessStarted { empty: true });
            ctx.send(Addr::Agents, ctx.env.delays.xmpp, Msg::XmppFlush);
        } else {
            ctx.note(Actor::ControlNode, What::ProcessStopped);
        }
    }

    /// Every floating-IP route to the gateway at once.
    fn send_bgp_table(&self, ctx: &mut Ctx) {
        let public: Vec<(Vrf, Prefix, Paths)> = self
            .best
            .iter()
            .filter(|((v, _), _)| v.kind() == VnKind::Public)
            .map(|((v, p), paths)| (v.clone(), *p, paths.clone()))
            .collect();
        ctx.send(Addr::Gateway, ctx.env.delays.bgp, Msg::BgpTable(public));
    }

    /// A message from an agent whose session is up; false (ignored) otherwise.
    fn heard(&mut self, from: NodeId, ctx: &mut Ctx) -> bool {
        match self.agents.get_mut(&from) {
            Some(end) if end.is_up() => {
                end.heard(ctx.now);
                true
            }
            _ => false,
        }
    }

    /// An agent opens its session; one that was still up is replaced (the agent restarted).
    fn open(&mut self, from: NodeId, ctx: &mut Ctx) {
        if self.agents.get(&from).is_some_and(SessionEnd::is_up) {
            self.agent_down(from, SessionEnded::Replaced, ctx);
        }
        let Some(end) = self.agents.get_mut(&from) else {
            return;
        };
        end.up(ctx, ctx.env.timers.xmpp_keepalive);
        let session = Session::Xmpp(from);
        ctx.note(Actor::ControlNode, What::SessionUp { session });
        let xmpp = ctx.env.delays.xmpp;
        ctx.send(Addr::Compute(from, Part::Agent), xmpp, Msg::XmppReady);
        for to in [Addr::KubeManager, Addr::SvcMonitor] {
            ctx.send(to, ctx.env.delays.config, Msg::ConfigResync { node: from });
        }
        let state = Msg::VrouterState {
            node: from,
            up: true,
        };
        ctx.send(Addr::SvcMonitor, ctx.env.delays.config, state);
    }

    fn path(&mut self, session: Session, up: bool, reset: bool, ctx: &mut Ctx) {
        let t = &ctx.env.timers;
        let (hold, cap) = match session {
            Session::Bgp => (t.bgp_hold, t.bgp_connect_retry),
            _ => (t.xmpp_hold, t.xmpp_connect_retry),
        };
        let end = match session {
            Session::Xmpp(n) => match self.agents.get_mut(&n) {
                Some(end) => end,
                None => return,
            },
            Session::Bgp => &mut self.bgp,
            Session::Kubelet(_) => return,
        };
        match end.path(up, reset, hold, cap, ctx) {
            PathChange::Silent {
                last_heard,
                expires,
            } => ctx.note(
                Actor::ControlNode,
                What::HoldRunning {
                    session,
                    last_heard,
                    expires,
                },
            ),
            PathChange::Resumed => {
                ctx.note(Actor::ControlNode, What::SessionResumed { session });
                if session == Session::Bgp {
                    self.send_bgp_table(ctx);
                }
            }
            PathChange::Reset => match session {
                Session::Xmpp(n) => self.agent_down(n, SessionEnded::Reset, ctx),
                _ => {
                    self.bgp.lost(ctx);
                    let what = What::SessionDown {
                        session,
                        why: SessionEnded::Reset,
                    };
                    ctx.note(Actor::ControlNode, what);
                    self.bgp.dial(cap, ctx);
                }
            },
            PathChange::Dial(_) | PathChange::Quiet => {}
        }
    }

    /// An agent's session is gone: every path it advertised is withdrawn (no graceful restart).
    fn agent_down(&mut self, node: NodeId, why: SessionEnded, ctx: &mut Ctx) {
        if let Some(end) = self.agents.get_mut(&node) {
            end.lost(ctx);
        }
        ctx.note(
            Actor::ControlNode,
            What::SessionDown {
                session: Session::Xmpp(node),
                why,
            },
        );
        let state = Msg::VrouterState { node, up: false };
        ctx.send(Addr::SvcMonitor, ctx.env.delays.config, state);
        self.replace_paths(node, Vec::new(), ctx);
    }

    /// Replaces every path `origin` advertised by `routes`.
    fn replace_paths(
        &mut self,
        origin: NodeId,
        routes: Vec<(Vrf, Prefix, RouteAttrs)>,
        ctx: &mut Ctx,
    ) {
        let mut touched: BTreeSet<(Vrf, Prefix)> = BTreeSet::new();
        for (key, paths) in self.table.iter_mut() {
            let before = paths.len();
            paths.retain(|p| p.origin != origin);
            if paths.len() != before {
                touched.insert(key.clone());
            }
        }
        for (vrf, prefix, attrs) in routes {
            self.table
                .entry((vrf.clone(), prefix))
                .or_default()
                .push(with_med(attrs));
            touched.insert((vrf, prefix));
        }
        for (vrf, prefix) in touched {
            self.reselect(&vrf, prefix, ctx);
        }
    }

    fn reselect(&mut self, vrf: &Vrf, prefix: Prefix, ctx: &mut Ctx) {
        let key = (vrf.clone(), prefix);
        let all = self.table.get(&key).cloned().unwrap_or_default();
        if all.is_empty() {
            self.table.remove(&key);
        }
        let best: Paths = best_paths(&all).into();
        let unchanged = match self.best.get(&key) {
            Some(b) => **b == *best,
            None => best.is_empty(),
        };
        if unchanged {
            return;
        }
        // A new label behind the same next hops (a compute's composite grew) goes to the agents
        // without a note: the timeline tells where traffic goes, not how it is labelled.
        let seen = |paths: &[RouteAttrs]| {
            let hops: Vec<_> = paths.iter().map(|p| p.next_hop).collect();
            (hops, paths.first().map_or(0, |p| p.local_pref))
        };
        let before = self.best.get(&key).map(|b| seen(b));
        let (next_hops, local_pref) = seen(&best);
        if before != Some((next_hops.clone(), local_pref)) {
            ctx.note(
                Actor::ControlNode,
                What::BestPath {
                    vrf: vrf.clone(),
                    prefix,
                    next_hops,
                    local_pref,
                },
            );
        }
        let update = Msg::XmppRoutes {
            vrf: vrf.clone(),
            prefix,
            paths: best.clone(),
        };
        ctx.send(Addr::Agents, ctx.env.delays.xmpp, update);
        if vrf.kind() == VnKind::Public && self.bgp.is_up() {
            let routes = Msg::BgpRoutes {
                vrf: vrf.clone(),
                prefix,
                paths: best.clone(),
            };
            ctx.send(Addr::Gateway, ctx.env.delays.bgp, routes);
        }
        if best.is_empty() {
            self.best.remove(&key);
        } else {
            self.best.insert(key, best);
        }
    }
}

/// A path as the control node keeps it: an agent that set no MED gets one from its local
/// preference.
fn with_med(attrs: RouteAttrs) -> RouteAttrs {
    RouteAttrs {
        med: if attrs.med == 0 {
            med_from_local_pref(attrs.local_pref)
        } else {
            attrs.med
        },
        ..attrs
    }
}
