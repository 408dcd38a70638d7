//! The MX gateway `camaro`: VRF `k8s-test` holds the floating-IP routes the control node
//! reflects; it tunnels towards computes over MPLSoGRE and delivers to the internet side.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::routing::{Prefix, RouteAttrs, Vrf};
use crate::topology::{NodeId, Topology};
use crate::trace::{Component, DropReason, NextHop, Step, Tag};
use crate::wire::{Encap, Packet, Tunnel};
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg, Part};

pub struct Gateway {
    pub id: NodeId,
    pub address: Ipv4Addr,
    internet_host: NodeId,
    /// VRF `k8s-test`: every received path per prefix.
    pub vrf: BTreeMap<Prefix, Arc<[RouteAttrs]>>,
}

impl Gateway {
    pub fn new(topology: &Topology) -> Gateway {
        let id = topology.gateway();
        Gateway {
            id,
            address: topology.node(id).address,
            internet_host: topology.internet_host(),
            vrf: BTreeMap::new(),
        }
    }

    pub fn handle(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::BgpRoutes { prefix, paths } => {
                let what = What::GatewayRoute {
                    prefix,
                    next_hops: paths.iter().map(|p| p.next_hop).collect(),
                    local_pref: paths.first().map_or(0, |p| p.local_pref),
                };
                ctx.note(Actor::Gateway, what);
                if paths.is_empty() {
                    self.vrf.remove(&prefix);
                } else {
                    self.vrf.insert(prefix, paths);
                }
            }
            Msg::Packet(packet, tag) => self.forward(packet, tag, ctx),
            _ => {}
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
                vrf: Vrf::Public,
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
            NextHop::Composite(usable.len() as u8)
        } else {
            NextHop::Tunnel {
                to: first.origin,
                label: first.label,
            }
        };
        ctx.step(Step::Route {
            vrf: Vrf::Public,
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

    /// Longest-prefix match in the VRF.
    fn lookup(&self, dst: Ipv4Addr) -> Option<(Prefix, &[RouteAttrs])> {
        self.vrf
            .iter()
            .filter(|(p, _)| p.contains(&dst))
            .max_by_key(|(p, _)| p.prefix_len())
            .map(|(p, paths)| (*p, &**paths))
    }
}
