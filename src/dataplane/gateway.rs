//! The MX gateway `camaro`: VRF `k8s-test` holds the floating-IP routes the control node
//! reflects; it tunnels towards computes over MPLSoGRE and delivers to the internet side.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::control::session::{PathChange, SessionEnd};
use crate::routing::{Paths, Prefix, RouteAttrs, Vrf};
use crate::topology::{NodeId, Topology};
use crate::trace::{Component, DropReason, NextHop, Step, Tag};
use crate::wire::{Encap, Packet, Tunnel};
use crate::world::heartbeat::Ticks;
use crate::world::timeline::{Actor, SessionEnded, What};
use crate::world::{Addr, Ctx, Env, Msg, Part, Session, TimerKind};

pub struct Gateway {
    pub id: NodeId,
    pub address: Ipv4Addr,
    internet_host: NodeId,
    /// VRF `k8s-test`: every received path per prefix.
    pub vrf: BTreeMap<Prefix, Arc<[RouteAttrs]>>,
    /// The network each prefix was exported from (its route distinguisher's index).
    pub origins: BTreeMap<Prefix, Vrf>,
    /// The BGP session with the control node.
    pub bgp: SessionEnd,
}

impl Gateway {
    pub fn new(env: &Env) -> Gateway {
        let topology: &Topology = &env.topology;
        let id = topology.gateway();
        let peer = Ticks::seeded(env.seed, "cent111/bgp-keepalive", env.timers.bgp_keepalive);
        Gateway {
            id,
            address: topology.node(id).address,
            internet_host: topology.internet_host(),
            vrf: BTreeMap::new(),
            origins: BTreeMap::new(),
            bgp: SessionEnd::established(Session::Bgp, peer, false),
        }
    }

    pub fn handle(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::BgpRoutes { vrf, prefix, paths } if self.bgp.is_up() => {
                self.bgp.heard(ctx.now);
                self.origins.insert(prefix, vrf);
                self.set_route(prefix, paths, ctx);
            }
            Msg::BgpTable(routes) if self.bgp.is_up() => {
                self.bgp.heard(ctx.now);
                let stale: Vec<Prefix> = self
                    .vrf
                    .keys()
                    .filter(|p| !routes.iter().any(|(_, r, _)| r == *p))
                    .copied()
                    .collect();
                for prefix in stale {
                    self.set_route(prefix, Paths::from([]), ctx);
                }
                for (vrf, prefix, paths) in routes {
                    self.origins.insert(prefix, vrf);
                    if self.vrf.get(&prefix) != Some(&paths) {
                        self.set_route(prefix, paths, ctx);
                    }
                }
            }
            Msg::BgpOpen => {
                self.bgp.up(ctx, ctx.env.timers.bgp_keepalive);
                ctx.note(
                    Actor::Gateway,
                    What::SessionUp {
                        session: Session::Bgp,
                    },
                );
                ctx.send(Addr::ControlNode, ctx.env.delays.bgp, Msg::BgpReady);
            }
            Msg::Path { up, reset, .. } => {
                let t = &ctx.env.timers;
                let (hold, cap) = (t.bgp_hold, t.bgp_connect_retry);
                match self.bgp.path(up, reset, hold, cap, ctx) {
                    PathChange::Silent {
                        last_heard,
                        expires,
                    } => ctx.note(
                        Actor::Gateway,
                        What::HoldRunning {
                            session: Session::Bgp,
                            last_heard,
                            expires,
                        },
                    ),
                    PathChange::Reset => {
                        self.bgp.lost(ctx);
                        self.session_down(SessionEnded::Reset, ctx);
                    }
                    _ => {}
                }
            }
            Msg::Timer(TimerKind::Hold(Session::Bgp)) => {
                let last_heard = self.bgp.last_heard;
                if self.bgp.hold_expired(ctx) {
                    self.session_down(SessionEnded::HoldExpired { last_heard }, ctx);
                }
            }
            Msg::Packet(packet, tag) => self.forward(packet, tag, ctx),
            _ => {}
        }
    }

    /// The session is gone: every route learned over it goes (no graceful restart).
    fn session_down(&mut self, why: SessionEnded, ctx: &mut Ctx) {
        let what = What::SessionDown {
            session: Session::Bgp,
            why,
        };
        ctx.note(Actor::Gateway, what);
        let prefixes: Vec<Prefix> = self.vrf.keys().copied().collect();
        for prefix in prefixes {
            self.set_route(prefix, Paths::from([]), ctx);
        }
    }

    fn set_route(&mut self, prefix: Prefix, paths: Paths, ctx: &mut Ctx) {
        let what = What::GatewayRoute {
            prefix,
            next_hops: paths.iter().map(|p| p.next_hop).collect(),
            local_pref: paths.first().map_or(0, |p| p.local_pref),
        };
        ctx.note(Actor::Gateway, what);
        if paths.is_empty() {
            self.vrf.remove(&prefix);
            self.origins.remove(&prefix);
        } else {
            self.vrf.insert(prefix, paths);
        }
    }

    /// The paths the gateway forwards on: all equal-preference paths with `multipath`, else the
    /// single best (lowest MED, then lowest next hop).
    pub fn active_paths<'a>(&self, paths: &'a [RouteAttrs], multipath: bool) -> &'a [RouteAttrs] {
        if multipath {
            paths
        } else {
            paths.get(..1).unwrap_or(&[])
        }
    }

    fn forward(&mut self, mut packet: Packet, tag: Tag, ctx: &mut Ctx) {
        ctx.hop(tag, self.id, Component::Gateway);
        if let Some(e) = packet.encap.take() {
            ctx.step(Step::Decap {
                tunnel: e.tunnel,
                label: e.label,
                outer_src: e.outer_src,
                outer_dst: e.outer_dst,
            });
            let host = ctx.env.topology.node(self.internet_host).address;
            if packet.key.dst != host {
                ctx.step(Step::Drop(DropReason::NoRoute));
                return;
            }
            let prefix = crate::topology::plan::OUTSIDE;
            ctx.step(Step::Route {
                vrf: Vrf::gateway(),
                prefix,
                next_hop: NextHop::Connected,
                local_pref: 0,
            });
            ctx.step(Step::Deliver {
                to: Component::Host,
            });
            let delay = ctx.env.topology.delay(self.id, self.internet_host);
            ctx.send(Addr::InternetHost, delay, Msg::Packet(packet, tag));
            return;
        }
        let Some((prefix, paths)) = self.lookup(packet.key.dst) else {
            ctx.step(Step::Drop(DropReason::NoRoute));
            return;
        };
        let usable = self.active_paths(paths, ctx.env.gateway_multipath);
        let Some(first) = usable.first() else {
            ctx.step(Step::Drop(DropReason::NoRoute));
            return;
        };
        let next_hop = if usable.len() > 1 {
            NextHop::Composite(u16::try_from(usable.len()).unwrap_or(u16::MAX))
        } else {
            NextHop::Tunnel {
                to: first.origin,
                label: first.label,
            }
        };
        ctx.step(Step::Route {
            vrf: Vrf::gateway(),
            prefix,
            next_hop,
            local_pref: first.local_pref,
        });
        let path = super::ecmp::choose(usable, packet.key, 0, ctx).unwrap_or(first);
        let outer_dst = path.next_hop;
        ctx.step(Step::Encap {
            tunnel: Tunnel::MplsOverGre,
            label: path.label,
            outer_src: self.address,
            outer_dst,
        });
        packet.encap = Some(Encap {
            outer_src: self.address,
            outer_dst,
            tunnel: Tunnel::MplsOverGre,
            label: path.label,
        });
        let delay = ctx.env.topology.delay(self.id, path.origin);
        ctx.send(
            Addr::Compute(path.origin, Part::VRouter),
            delay,
            Msg::Packet(packet, tag),
        );
    }

    /// Longest-prefix match in the VRF: a host route first, else the longest prefix holding
    /// the address.
    fn lookup(&self, dst: Ipv4Addr) -> Option<(Prefix, &[RouteAttrs])> {
        let host = crate::routing::host(dst);
        if let Some(paths) = self.vrf.get(&host) {
            return Some((host, paths));
        }
        self.vrf
            .iter()
            .filter(|(p, _)| p.contains(&dst))
            .max_by_key(|(p, _)| p.prefix_len())
            .map(|(p, paths)| (*p, &**paths))
    }
}
