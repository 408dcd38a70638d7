//! Capture points: where a delivered packet was on the wire, and what each point is called.
//!
//! - A link between two nodes, captured once per crossing, is named by its two node names in
//!   byte order joined by `-`: `cent222-cent333` (MPLSoUDP between computes), `camaro-cent222`
//!   (MPLSoGRE between the gateway and a compute), `camaro-cent-client` (the internet side).
//! - A tap between a vRouter and a pod or an haproxy process is named `<node>:<tap>`, with the
//!   tap named as the agent names it: `cent222:tapeth0-428d52`.
//!
//! MACs are `02:00` and the four bytes of an address ([`Mac::of`]): on a link, of the two ends'
//! addresses (the tunnel's outer addresses, or `cent-client` and camaro's outside address); on a
//! tap, of the interface's address and of the pod network's gateway (10.47.255.254), which the
//! vRouter answers for.

use std::net::Ipv4Addr;

use crate::dataplane::Compute;
use crate::dataplane::compute::tables::Vif;
use crate::topology::{NodeId, Role, Topology, plan};
use crate::trace::Component;
use crate::wire::Packet;
use crate::wire::bytes::{Ethernet, Mac};
use crate::world::{Addr, Part};

/// A place where packets are captured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Point {
    /// The link between two nodes, the first in byte order of their names.
    Link(NodeId, NodeId),
    /// A tap: a compute and the vif index of the interface on it.
    Tap(NodeId, u32),
}

/// The pod network's gateway address (the subnet's last host address), the vRouter's side of
/// every tap.
pub fn pod_gateway() -> Ipv4Addr {
    Ipv4Addr::from(u32::from(plan::POD_SUBNET.broadcast()).saturating_sub(1))
}

fn compute(computes: &[Option<Compute>], node: NodeId) -> Option<&Compute> {
    computes.get(usize::from(node.0)).and_then(Option::as_ref)
}

fn link(topology: &Topology, a: NodeId, b: NodeId) -> Point {
    if topology.name(a) <= topology.name(b) {
        Point::Link(a, b)
    } else {
        Point::Link(b, a)
    }
}

/// The capture point and link-layer addresses of `packet` arriving at `to`; `None` for a
/// delivery that crosses no wire of the testbed.
pub fn locate(
    to: Addr,
    packet: &Packet,
    topology: &Topology,
    computes: &[Option<Compute>],
) -> Option<(Point, Ethernet)> {
    let gateway = topology.gateway();
    let host = topology.internet_host();
    let host_mac = Mac::of(topology.node(host).address);
    let outside_mac = Mac::of(plan::GATEWAY_OUTSIDE);
    let router_mac = Mac::of(pod_gateway());
    let here = match to {
        Addr::Compute(node, _) => node,
        Addr::Gateway => gateway,
        Addr::InternetHost => {
            let l2 = Ethernet {
                src: outside_mac,
                dst: host_mac,
            };
            return Some((link(topology, gateway, host), l2));
        }
        _ => return None,
    };
    if let Some(e) = &packet.encap {
        let from = topology.by_address(e.outer_src)?;
        let l2 = Ethernet {
            src: Mac::of(e.outer_src),
            dst: Mac::of(e.outer_dst),
        };
        return Some((link(topology, from, here), l2));
    }
    if to == Addr::Gateway {
        let l2 = Ethernet {
            src: host_mac,
            dst: outside_mac,
        };
        return Some((link(topology, host, gateway), l2));
    }
    let c = compute(computes, here)?;
    let (index, into_tap) = match to {
        Addr::Compute(_, Part::Pod(slot)) => (c.pods.get(slot as usize)?.vif, true),
        Addr::Compute(_, Part::Haproxy(slot)) => (c.haproxies.get(slot as usize)?.vif, true),
        // From a tap: the interface that holds the source address, as the vRouter knows it.
        _ => (sender(c, packet.key.src)?, false),
    };
    let iface = c.tables.vif(index)?;
    let (mac, router) = (Mac::of(iface.ip), router_mac);
    let l2 = if into_tap {
        Ethernet {
            src: router,
            dst: mac,
        }
    } else {
        Ethernet {
            src: mac,
            dst: router,
        }
    };
    Some((Point::Tap(here, index), l2))
}

/// The interface that holds `ip`: the live one, else the last one that held it.
fn sender(c: &Compute, ip: Ipv4Addr) -> Option<u32> {
    let tables = &c.tables;
    tables.by_ip.get(&ip).copied().or_else(|| {
        tables
            .vifs
            .iter()
            .rev()
            .find(|v| v.ip == ip)
            .map(|v| v.index)
    })
}

/// The name and description of a capture point.
pub fn describe(
    point: Point,
    topology: &Topology,
    computes: &[Option<Compute>],
) -> (String, String) {
    match point {
        Point::Link(a, b) => {
            // The gateway faces the internet host with its outside address.
            let end = |n: NodeId, other: NodeId| {
                let node = topology.node(n);
                let address = if node.role == Role::Gateway
                    && topology.node(other).role == Role::InternetHost
                {
                    plan::GATEWAY_OUTSIDE
                } else {
                    node.address
                };
                format!("{} ({address})", node.name)
            };
            let kind = match (topology.node(a).role, topology.node(b).role) {
                (Role::Compute, Role::Compute) => "fabric link, MPLSoUDP",
                (Role::Gateway, Role::Compute) | (Role::Compute, Role::Gateway) => {
                    "gateway link, MPLSoGRE"
                }
                _ => "internet link",
            };
            (
                format!("{}-{}", topology.name(a), topology.name(b)),
                format!("{kind}: {} <-> {}", end(a, b), end(b, a)),
            )
        }
        Point::Tap(node, index) => {
            let name = topology.name(node);
            let c = compute(computes, node);
            match c.and_then(|c| c.tables.vif(index).map(|i| (c, i))) {
                Some((c, iface)) => (
                    format!("{name}:{}", iface.tap()),
                    format!("tap of {} ({}) on {name}", owner(c, iface), iface.ip),
                ),
                None => (format!("{name}:tap{index}"), format!("a tap on {name}")),
            }
        }
    }
}

/// `pod/NAME` or `haproxy of ingress/NAME`.
fn owner(c: &Compute, iface: &Vif) -> String {
    match iface.owner {
        Component::Pod(slot) => c
            .pods
            .get(slot as usize)
            .map_or_else(|| "a pod".into(), |p| format!("pod/{}", p.key.name)),
        Component::Haproxy(slot) => c.haproxies.get(slot as usize).map_or_else(
            || "haproxy".into(),
            |h| format!("haproxy of ingress/{}", h.instance.ingress.name),
        ),
        _ => "the vRouter".into(),
    }
}
