//! vRouter forwarding: flows (created on the first packet with their reverse), route lookup per
//! VRF, ECMP composite next hops hashed on the 5-tuple, NAT for floating IPs and services, and
//! MPLSoUDP / MPLSoGRE tunnels.

use std::net::Ipv4Addr;

use super::compute::Compute;
use crate::routing::{Prefix, RouteAttrs, Vrf};
use crate::sim::hash::FastMap;
use crate::topology::{NodeId, Role, plan};
use crate::trace::{Component, DropReason, FlowAction, NextHop, Step, Tag};
use crate::wire::{Encap, FlowKey, Packet, Tunnel};
use crate::world::{Addr, Ctx, Msg, Part};

/// Where a flow sends its packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowNextHop {
    Local(Component),
    Tunnel { to: NodeId, label: u32 },
}

/// A NAT rewrite: the destination (or source) becomes this address and port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rewrite {
    pub dst: bool,
    pub address: Ipv4Addr,
    pub port: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flow {
    pub index: u32,
    pub reverse: u32,
    pub action: FlowAction,
    pub rewrite: Option<Rewrite>,
    pub next_hop: FlowNextHop,
    pub vrf: Vrf,
    pub packets: u64,
}

/// The flow table: lookups by key; `order` keeps creation order for display.
#[derive(Clone, Debug, Default)]
pub struct Flows {
    pub table: FastMap<FlowKey, Flow>,
    pub order: Vec<FlowKey>,
}

impl Flows {
    fn insert(&mut self, key: FlowKey, flow: Flow) {
        if self.table.insert(key, flow).is_none() {
            self.order.push(key);
        }
    }

    fn next_index(&self) -> u32 {
        u32::try_from(self.order.len()).unwrap_or(u32::MAX)
    }
}

/// A forwarding decision for the first packet of a flow.
struct Decision {
    action: FlowAction,
    rewrite: Option<Rewrite>,
    next_hop: FlowNextHop,
    vrf: Vrf,
}

impl Compute {
    /// Forwards one packet arriving at this vRouter, from a tap (no encapsulation) or the fabric.
    pub fn forward(&mut self, mut packet: Packet, tag: Tag, ctx: &mut Ctx) {
        ctx.hop(tag, self.id, Component::VRouter);
        if !self.up {
            ctx.step(Step::Drop(DropReason::NodeDown));
            return;
        }
        let from_label = match packet.encap.take() {
            Some(e) => {
                ctx.step(Step::Decap {
                    tunnel: e.tunnel,
                    label: e.label,
                    outer_src: e.outer_src,
                    outer_dst: e.outer_dst,
                });
                Some((e.label, e.outer_src))
            }
            None => None,
        };
        let key = packet.key;
        let flow = match self.flows.table.get_mut(&key) {
            Some(flow) => {
                flow.packets += 1;
                ctx.step(Step::FlowHit {
                    key,
                    action: flow.action,
                });
                *flow
            }
            None => {
                let decision = match from_label {
                    Some((label, _)) => self.decide_from_fabric(key, label),
                    None => self.decide_from_tap(key, ctx),
                };
                let Some(d) = decision else {
                    ctx.step(Step::Drop(DropReason::NoRoute));
                    return;
                };
                self.create_flows(key, d, from_label.map(|(_, src)| src), ctx)
            }
        };
        if let Some(rw) = flow.rewrite {
            let old = if rw.dst {
                (packet.key.dst, packet.key.dport)
            } else {
                (packet.key.src, packet.key.sport)
            };
            if rw.dst {
                packet.key.dst = rw.address;
                packet.key.dport = rw.port;
            } else {
                packet.key.src = rw.address;
                packet.key.sport = rw.port;
            }
            ctx.step(Step::Nat {
                dst: rw.dst,
                old,
                new: (rw.address, rw.port),
            });
        }
        match flow.next_hop {
            FlowNextHop::Local(component) => {
                let part = match component {
                    Component::Haproxy(s) => Part::Haproxy(s),
                    Component::Pod(s) => Part::Pod(s),
                    _ => return,
                };
                ctx.step(Step::Deliver { to: component });
                ctx.send(
                    Addr::Compute(self.id, part),
                    ctx.env.delays.tap,
                    Msg::Packet(packet, tag),
                );
            }
            FlowNextHop::Tunnel { to, label } => self.encapsulate(packet, tag, to, label, ctx),
        }
    }

    fn encapsulate(&self, mut packet: Packet, tag: Tag, to: NodeId, label: u32, ctx: &mut Ctx) {
        let topology = &ctx.env.topology;
        let outer_dst = topology.node(to).address;
        let tunnel = if topology.node(to).role == Role::Gateway {
            Tunnel::MplsOverGre
        } else {
            // The UDP source port carries the flow's entropy, as vRouter does for ECMP underlays.
            Tunnel::MplsOverUdp {
                source_port: 49152 | (packet.key.hash(self.hash_salt) as u16 & 0x3fff),
            }
        };
        let encap = Encap {
            outer_src: self.address,
            outer_dst,
            tunnel,
            label,
        };
        ctx.step(Step::Encap {
            tunnel,
            label,
            outer_src: self.address,
            outer_dst,
        });
        packet.encap = Some(encap);
        let delay = topology.delay(self.id, to);
        let addr = if topology.node(to).role == Role::Gateway {
            Addr::Gateway
        } else {
            Addr::Compute(to, Part::VRouter)
        };
        ctx.send(addr, delay, Msg::Packet(packet, tag));
    }

    /// A packet from the fabric: the label names the local interface; its address or one of
    /// its floating IPs must be the destination.
    fn decide_from_fabric(&self, key: FlowKey, label: u32) -> Option<Decision> {
        let iface = self.interfaces.get(*self.by_label.get(&label)?)?;
        let next_hop = FlowNextHop::Local(iface.owner);
        if key.dst == iface.ip {
            return Some(Decision {
                action: FlowAction::Forward,
                rewrite: None,
                next_hop,
                vrf: Vrf::PodNetwork,
            });
        }
        let fip = iface.fips.iter().find(|f| f.ip == key.dst)?;
        Some(nat_to_interface(fip, key, iface.ip, next_hop))
    }

    /// A packet from a local interface: route lookup, ECMP, and service NAT when the chosen
    /// backend is local.
    fn decide_from_tap(&self, key: FlowKey, ctx: &mut Ctx) -> Option<Decision> {
        if let Some((vrf, paths)) = self.fib.get(&key.dst) {
            let vrf = *vrf;
            let best = paths.first().map_or(0, |p| p.local_pref);
            let next_hop = if paths.len() > 1 {
                NextHop::Composite(paths.len() as u8)
            } else {
                self.next_hop_of(paths.first()?)
            };
            ctx.step(Step::Route {
                vrf,
                prefix: crate::routing::host(key.dst),
                next_hop,
                local_pref: best,
            });
            let chosen = super::ecmp::choose(paths, key, self.hash_salt, ctx)?;
            if chosen.origin != self.id {
                return Some(Decision {
                    action: FlowAction::Forward,
                    rewrite: None,
                    next_hop: FlowNextHop::Tunnel {
                        to: chosen.origin,
                        label: chosen.label,
                    },
                    vrf,
                });
            }
            let iface = self.interfaces.get(*self.by_label.get(&chosen.label)?)?;
            let next_hop = FlowNextHop::Local(iface.owner);
            if iface.ip == key.dst {
                return Some(Decision {
                    action: FlowAction::Forward,
                    rewrite: None,
                    next_hop,
                    vrf,
                });
            }
            let fip = iface.fips.iter().find(|f| f.ip == key.dst)?;
            return Some(Decision {
                vrf,
                ..nat_to_interface(fip, key, iface.ip, next_hop)
            });
        }
        if [plan::POD_SUBNET, plan::SERVICE_SUBNET]
            .iter()
            .any(|s| s.contains(&key.dst))
        {
            return None;
        }
        let gateway = ctx.env.topology.gateway();
        let label = plan::GATEWAY_VRF_LABEL;
        let next_hop = NextHop::Tunnel { to: gateway, label };
        ctx.step(Step::Route {
            vrf: Vrf::Public,
            prefix: Prefix::default(),
            next_hop,
            local_pref: 100,
        });
        Some(Decision {
            action: FlowAction::Forward,
            rewrite: None,
            next_hop: FlowNextHop::Tunnel { to: gateway, label },
            vrf: Vrf::Public,
        })
    }

    fn next_hop_of(&self, path: &RouteAttrs) -> NextHop {
        if path.origin == self.id {
            match self
                .by_label
                .get(&path.label)
                .and_then(|&i| self.interfaces.get(i))
            {
                Some(iface) => NextHop::Interface(iface.owner),
                None => NextHop::Tunnel {
                    to: path.origin,
                    label: path.label,
                },
            }
        } else {
            NextHop::Tunnel {
                to: path.origin,
                label: path.label,
            }
        }
    }

    /// Installs the flow and its reverse; returns the forward flow.
    fn create_flows(
        &mut self,
        key: FlowKey,
        d: Decision,
        came_from: Option<Ipv4Addr>,
        ctx: &mut Ctx,
    ) -> Flow {
        let translated = match d.rewrite {
            Some(rw) if rw.dst => FlowKey {
                dst: rw.address,
                dport: rw.port,
                ..key
            },
            Some(rw) => FlowKey {
                src: rw.address,
                sport: rw.port,
                ..key
            },
            None => key,
        };
        let reverse_key = translated.reversed();
        let reverse_rewrite = d.rewrite.map(|rw| {
            if rw.dst {
                Rewrite {
                    dst: false,
                    address: key.dst,
                    port: key.dport,
                }
            } else {
                Rewrite {
                    dst: true,
                    address: key.src,
                    port: key.sport,
                }
            }
        });
        let reverse_hop = self.reverse_next_hop(key, came_from, ctx);
        let index = self.flows.next_index();
        let forward = Flow {
            index,
            reverse: index + 1,
            action: d.action,
            rewrite: d.rewrite,
            next_hop: d.next_hop,
            vrf: d.vrf,
            packets: 1,
        };
        let reverse = Flow {
            index: index + 1,
            reverse: index,
            action: d.action.reverse(),
            rewrite: reverse_rewrite,
            next_hop: reverse_hop,
            vrf: d.vrf,
            packets: 0,
        };
        ctx.step(Step::FlowCreated {
            key,
            action: d.action,
            reverse: reverse_key,
        });
        self.flows.insert(key, forward);
        self.flows.insert(reverse_key, reverse);
        forward
    }

    /// Where replies go: back to the local interface that sent, or back through the tunnel to
    /// the node that owns the source address.
    fn reverse_next_hop(
        &self,
        key: FlowKey,
        came_from: Option<Ipv4Addr>,
        ctx: &Ctx,
    ) -> FlowNextHop {
        if came_from.is_none()
            && let Some(iface) = self
                .by_ip
                .get(&key.src)
                .and_then(|&i| self.interfaces.get(i))
        {
            return FlowNextHop::Local(iface.owner);
        }
        if let Some((_, paths)) = self.fib.get(&key.src)
            && let Some(path) = paths.first()
        {
            return FlowNextHop::Tunnel {
                to: path.origin,
                label: path.label,
            };
        }
        let topology = &ctx.env.topology;
        match came_from.and_then(|a| topology.by_address(a)) {
            Some(node) if topology.node(node).role == Role::Gateway => FlowNextHop::Tunnel {
                to: node,
                label: plan::GATEWAY_VRF_LABEL,
            },
            _ => FlowNextHop::Tunnel {
                to: topology.gateway(),
                label: plan::GATEWAY_VRF_LABEL,
            },
        }
    }
}

/// NAT towards an interface that holds `fip`: with a port map (a service), destination NAT with
/// port translation; without (an ingress FIP), destination NAT only.
fn nat_to_interface(
    fip: &super::compute::Fip,
    key: FlowKey,
    ip: Ipv4Addr,
    next_hop: FlowNextHop,
) -> Decision {
    let mapped = fip
        .port_map
        .iter()
        .find(|(from, _)| *from == key.dport)
        .map(|(_, to)| *to);
    match mapped {
        Some(port) => Decision {
            action: FlowAction::NatDstPort,
            rewrite: Some(Rewrite {
                dst: true,
                address: ip,
                port,
            }),
            next_hop,
            vrf: Vrf::ServiceNetwork,
        },
        None => Decision {
            action: FlowAction::NatDst,
            rewrite: Some(Rewrite {
                dst: true,
                address: ip,
                port: key.dport,
            }),
            next_hop,
            vrf: Vrf::Public,
        },
    }
}
