//! vRouter forwarding: flows (created on the first packet with their reverse, aged out after
//! the idle time), route lookup per VRF with the routes policies leak into it, ECMP across
//! computes and across the local interfaces of one compute, NAT for floating IPs and services,
//! and MPLSoUDP / MPLSoGRE tunnels. A flow miss needs the agent: with the agent down, only
//! packets of existing flows get through.

use std::collections::VecDeque;
use std::net::Ipv4Addr;

use super::compute::Compute;
use super::compute::tables::{Fip, LocalNh, Lookup};
use crate::routing::{RouteAttrs, Vrf};
use crate::sim::Time;
use crate::sim::hash::FastMap;
use crate::topology::{NodeId, Role, plan};
use crate::trace::{Component, DropReason, FlowAction, NextHop, Step, Tag};
use crate::wire::{Encap, FlowKey, Packet, Tunnel};
use crate::world::{Addr, Ctx, Msg, Part};

/// Where a flow sends its packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowNextHop {
    /// A local interface, by vif index.
    Local(u32),
    Tunnel {
        to: NodeId,
        label: u32,
    },
}

/// A NAT rewrite: the destination (or source) becomes this address and port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rewrite {
    pub dst: bool,
    pub address: Ipv4Addr,
    pub port: u16,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    pub index: u32,
    pub reverse: u32,
    pub action: FlowAction,
    pub rewrite: Option<Rewrite>,
    pub next_hop: FlowNextHop,
    pub vrf: Vrf,
    pub packets: u64,
    pub last_used: Time,
}

/// Where a flow's packets come from: a local interface, or the fabric. It is part of the key,
/// as the source next hop is in the vRouter's: a local haproxy and a remote one sharing a VIP
/// and a port have different flows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    Local(u32),
    Fabric,
}

/// A flow's key: the packet's five fields and where it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowId {
    pub key: FlowKey,
    pub source: Source,
}

/// The flow table: lookups by key. Aged flows are swept a little at every insertion (a
/// clock over the flows in `sweep` order), so the table holds about the flows used within
/// the idle time, however long the run.
#[derive(Clone, Debug, Default)]
pub struct Flows {
    pub table: FastMap<FlowId, Flow>,
    sweep: VecDeque<FlowId>,
    next_index: u32,
}

/// Flows looked at per insertion: more than one, so the sweep outpaces the insertions.
const SWEEP_PER_INSERT: usize = 2;

impl Flows {
    /// Adds a flow; with `idle` (the agent is up to age flows), sweeps aged flows out.
    fn insert(&mut self, id: FlowId, flow: Flow, now: Time, idle: Option<u64>) {
        if self.table.insert(id, flow).is_none() {
            self.sweep.push_back(id);
        }
        let Some(idle) = idle else {
            return;
        };
        for _ in 0..SWEEP_PER_INSERT {
            let Some(next) = self.sweep.pop_front() else {
                break;
            };
            match self.table.get(&next) {
                Some(f) if now.0.saturating_sub(f.last_used.0) > idle => {
                    self.table.remove(&next);
                }
                Some(_) => self.sweep.push_back(next),
                None => {}
            }
        }
    }

    /// The flows still in the table at `now`: a flow idle longer than `idle` is aged out.
    pub fn live(&self, now: Time, idle: u64) -> impl Iterator<Item = (&FlowKey, &Flow)> {
        self.table
            .iter()
            .filter(move |(_, f)| now.0.saturating_sub(f.last_used.0) <= idle)
            .map(|(id, f)| (&id.key, f))
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
        let from_fabric = match packet.encap.take() {
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
        let from_tap = match from_fabric {
            Some(_) => None,
            None => self.tables.by_ip.get(&packet.key.src).copied(),
        };
        if let Some(vif) = from_tap {
            self.tables.received(vif);
            self.traffic_seen(vif, ctx);
        }
        let key = packet.key;
        let source = from_tap.map_or(Source::Fabric, Source::Local);
        let flow = match self.flow_hit(FlowId { key, source }, ctx) {
            Some(flow) => flow,
            None => {
                if !self.agent.running {
                    ctx.step(Step::Drop(DropReason::AgentDown));
                    self.drops.flow_unusable += 1;
                    return;
                }
                let decision = match (from_fabric, from_tap) {
                    (Some((label, _)), _) => self.decide_from_fabric(key, label, ctx),
                    (None, Some(vif)) => self.decide_from_tap(key, vif, ctx),
                    (None, None) => None,
                };
                let Some(d) = decision else {
                    self.drops.discards += 1;
                    ctx.step(Step::Drop(DropReason::NoRoute));
                    return;
                };
                self.create_flows(key, source, d, from_fabric.map(|(_, src)| src), ctx)
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
            FlowNextHop::Local(vif) => {
                let Some(component) = self.tables.sent(vif) else {
                    self.drops.discards += 1;
                    ctx.step(Step::Drop(DropReason::NoRoute));
                    return;
                };
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

    /// The flow of a packet, unless it aged out (the agent ages flows; with it down they stay).
    fn flow_hit(&mut self, id: FlowId, ctx: &mut Ctx) -> Option<Flow> {
        let key = id.key;
        let idle = ctx.env.timers.flow_idle;
        let aging = self.agent.running;
        let flow = self.flows.table.get_mut(&id)?;
        if aging && ctx.now.0.saturating_sub(flow.last_used.0) > idle {
            return None;
        }
        flow.packets += 1;
        flow.last_used = ctx.now;
        ctx.step(Step::FlowHit {
            key,
            action: flow.action,
        });
        Some(flow.clone())
    }

    fn encapsulate(&self, mut packet: Packet, tag: Tag, to: NodeId, label: u32, ctx: &mut Ctx) {
        let topology = &ctx.env.topology;
        let outer_dst = topology.node(to).address;
        let to_gateway = topology.role(to) == Role::Gateway;
        let tunnel = if to_gateway {
            Tunnel::MplsOverGre
        } else {
            // The UDP source port carries the flow's entropy, as vRouter does for ECMP underlays.
            Tunnel::MplsOverUdp {
                source_port: 49152 | (packet.key.hash(self.hash_salt) as u16 & 0x3fff),
            }
        };
        ctx.step(Step::Encap {
            tunnel,
            label,
            outer_src: self.address,
            outer_dst,
        });
        packet.encap = Some(Encap {
            outer_src: self.address,
            outer_dst,
            tunnel,
            label,
        });
        let delay = topology.delay(self.id, to);
        let addr = if to_gateway {
            Addr::Gateway
        } else {
            Addr::Compute(to, Part::VRouter)
        };
        ctx.send(addr, delay, Msg::Packet(packet, tag));
    }

    /// A packet from the fabric: the label names a local interface or a local ECMP composite;
    /// the destination must be its address or one of its floating IPs.
    fn decide_from_fabric(&mut self, key: FlowKey, label: u32, ctx: &mut Ctx) -> Option<Decision> {
        let Some(nh) = self.tables.by_label.get(&label).cloned() else {
            self.drops.invalid_label += 1;
            ctx.step(Step::Drop(DropReason::InvalidLabel));
            return None;
        };
        let vif = self.pick_local(&nh, key, ctx)?;
        self.to_interface(vif, key)
    }

    /// One member of a local next hop: the interface, or an ECMP choice among several.
    fn pick_local(&self, nh: &LocalNh, key: FlowKey, ctx: &mut Ctx) -> Option<u32> {
        match nh {
            LocalNh::Vif(v) => Some(*v),
            LocalNh::Composite(members) => {
                let hash = key.hash(self.hash_salt.rotate_left(32));
                let chosen = hash as usize % members.len().max(1);
                let vif = *members.get(chosen)?;
                ctx.step(Step::Ecmp {
                    hash,
                    chosen: u16::try_from(chosen).unwrap_or(u16::MAX),
                    of: u16::try_from(members.len()).unwrap_or(u16::MAX),
                    to: self.id,
                    label: self.tables.vif(vif).map_or(0, |v| v.label),
                });
                Some(vif)
            }
        }
    }

    /// Delivery to a local interface: forward when the destination is its address, NAT when
    /// it is one of its floating IPs.
    fn to_interface(&self, vif: u32, key: FlowKey) -> Option<Decision> {
        let v = self.tables.vif(vif).filter(|v| v.live)?;
        if key.dst == v.ip {
            return Some(Decision {
                action: FlowAction::Forward,
                rewrite: None,
                next_hop: FlowNextHop::Local(vif),
                vrf: v.vrf.clone(),
            });
        }
        let fip = v.fips.iter().find(|f| f.ip == key.dst)?;
        Some(nat_to_interface(fip, key, v.ip, vif))
    }

    /// A packet from a local interface: route lookup in its VRF (and those leaked into it),
    /// ECMP among the best paths, and NAT when the chosen member is local.
    fn decide_from_tap(&mut self, key: FlowKey, vif: u32, ctx: &mut Ctx) -> Option<Decision> {
        let vrf = self.tables.vif(vif)?.vrf.clone();
        let Some(found) = self.tables.lookup(ctx.rib, &vrf, key.dst, self.id) else {
            ctx.step(Step::Miss { vrf, dst: key.dst });
            return None;
        };
        let Lookup {
            vrf: route_vrf,
            prefix,
            local,
            remote: mut all,
        } = found;
        all.extend(local.map(|r| r.attrs(self.id, self.address)));
        let best = crate::routing::best_paths(&all);
        let local_nh = local.map(|r| r.nh.clone());
        let first = *best.first()?;
        let next_hop = if best.len() > 1 {
            NextHop::Composite(u16::try_from(best.len()).unwrap_or(u16::MAX))
        } else {
            self.next_hop_of(&first, local_nh.as_ref())
        };
        ctx.step(Step::Route {
            vrf: route_vrf.clone(),
            prefix,
            next_hop,
            local_pref: first.local_pref,
        });
        let chosen = *super::ecmp::choose(&best, key, self.hash_salt, ctx)?;
        if chosen.origin != self.id {
            return Some(Decision {
                action: FlowAction::Forward,
                rewrite: None,
                next_hop: FlowNextHop::Tunnel {
                    to: chosen.origin,
                    label: chosen.label,
                },
                vrf: route_vrf,
            });
        }
        let member = self.pick_local(local_nh.as_ref()?, key, ctx)?;
        let d = self.to_interface(member, key)?;
        Some(Decision {
            vrf: if d.rewrite.is_some() {
                d.vrf
            } else {
                route_vrf
            },
            ..d
        })
    }

    fn next_hop_of(&self, path: &RouteAttrs, local: Option<&LocalNh>) -> NextHop {
        match (path.origin == self.id, local) {
            (true, Some(LocalNh::Vif(v))) => self
                .tables
                .vif(*v)
                .map_or(NextHop::Connected, |v| NextHop::Interface(v.owner)),
            (true, Some(LocalNh::Composite(m))) => {
                NextHop::Composite(u16::try_from(m.len()).unwrap_or(u16::MAX))
            }
            _ => NextHop::Tunnel {
                to: path.origin,
                label: path.label,
            },
        }
    }

    /// Installs the flow and its reverse; returns the forward flow.
    fn create_flows(
        &mut self,
        key: FlowKey,
        source: Source,
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
        let reverse_hop = match source {
            Source::Local(vif) => FlowNextHop::Local(vif),
            Source::Fabric => self.reverse_next_hop(key, &d.vrf, came_from, ctx),
        };
        let reverse_source = match d.next_hop {
            FlowNextHop::Local(vif) => Source::Local(vif),
            FlowNextHop::Tunnel { .. } => Source::Fabric,
        };
        let index = self.flows.next_index;
        self.flows.next_index += 2;
        let forward = Flow {
            index,
            reverse: index + 1,
            action: d.action,
            rewrite: d.rewrite,
            next_hop: d.next_hop,
            vrf: d.vrf.clone(),
            packets: 1,
            last_used: ctx.now,
        };
        let reverse = Flow {
            index: index + 1,
            reverse: index,
            action: d.action.reverse(),
            rewrite: reverse_rewrite,
            next_hop: reverse_hop,
            vrf: d.vrf,
            packets: 0,
            last_used: ctx.now,
        };
        ctx.step(Step::FlowCreated {
            key,
            action: d.action,
            reverse: reverse_key,
        });
        let idle = self.agent.running.then_some(ctx.env.timers.flow_idle);
        self.flows
            .insert(FlowId { key, source }, forward.clone(), ctx.now, idle);
        let reverse_id = FlowId {
            key: reverse_key,
            source: reverse_source,
        };
        self.flows.insert(reverse_id, reverse, ctx.now, idle);
        forward
    }

    /// Where replies to a packet from the fabric go: back through the tunnel to the node that
    /// owns the source address in the flow's VRF, else to the gateway it came from.
    fn reverse_next_hop(
        &self,
        key: FlowKey,
        vrf: &Vrf,
        came_from: Option<Ipv4Addr>,
        ctx: &Ctx,
    ) -> FlowNextHop {
        if let Some(found) = self.tables.lookup(ctx.rib, vrf, key.src, self.id)
            && let Some(path) = found.remote.first()
        {
            return FlowNextHop::Tunnel {
                to: path.origin,
                label: path.label,
            };
        }
        let topology = &ctx.env.topology;
        let gateway = topology.gateway();
        match came_from.and_then(|a| topology.by_address(a)) {
            Some(node) if topology.role(node) != Role::Gateway => FlowNextHop::Tunnel {
                to: node,
                label: plan::GATEWAY_VRF_LABEL,
            },
            _ => FlowNextHop::Tunnel {
                to: gateway,
                label: plan::GATEWAY_VRF_LABEL,
            },
        }
    }
}

/// NAT towards an interface that holds `fip`: with a port map (a service), destination NAT with
/// port translation; without (an ingress FIP), destination NAT only.
fn nat_to_interface(fip: &Fip, key: FlowKey, ip: Ipv4Addr, vif: u32) -> Decision {
    let mapped = fip
        .port_map
        .iter()
        .find(|(from, _)| *from == key.dport)
        .map(|(_, to)| *to);
    let (action, port) = match mapped {
        Some(port) => (FlowAction::NatDstPort, port),
        None => (FlowAction::NatDst, key.dport),
    };
    Decision {
        action,
        rewrite: Some(Rewrite {
            dst: true,
            address: ip,
            port,
        }),
        next_hop: FlowNextHop::Local(vif),
        vrf: fip.vrf.clone(),
    }
}
