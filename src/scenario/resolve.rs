//! What a step's references name in the cluster as it is when the step runs: roles of nodes
//! (`{ingress/NAME.active}`), address placeholders (`{service/NAME.clusterIP}`), expected next
//! hops. Each answer is read from the world's current state; an `Err` says what is missing.

use std::net::Ipv4Addr;

use crate::k8s::objects::{Kind, ObjectKey, Spec};
use crate::scenario::model::{AddressField, AddressRef, NextHopRef, NodeRef};
use crate::topology::NodeId;
use crate::world::World;

/// The node a reference names now.
pub fn node(world: &World, r: &NodeRef) -> Result<NodeId, String> {
    match r {
        NodeRef::Name(name) => world
            .env
            .topology
            .find(name)
            .ok_or_else(|| format!("no node {name:?}")),
        NodeRef::Haproxy { ingress, standby } => {
            let lb = world
                .kube_manager
                .loadbalancers
                .get(ingress)
                .ok_or_else(|| format!("{ingress} has no loadbalancer ({r})"))?;
            let index = usize::from(*standby);
            world
                .svc_monitor
                .instance_node(&lb.uuid, index)
                .ok_or_else(|| {
                    format!(
                        "{ingress} has no {} haproxy instance ({r})",
                        if *standby { "standby" } else { "active" }
                    )
                })
        }
        NodeRef::Alias(a) => world
            .aliases
            .get(a)
            .copied()
            .ok_or_else(|| format!("no node is named {a:?} yet")),
        NodeRef::PodNode(pod) => {
            let stored = world
                .apiserver
                .get(pod)
                .ok_or_else(|| format!("{pod} does not exist ({r})"))?;
            let Spec::Pod(spec) = &stored.object.spec else {
                return Err(format!("{pod} is not a pod"));
            };
            spec.node_name
                .as_deref()
                .and_then(|n| world.env.topology.find(n))
                .ok_or_else(|| format!("{pod} is not scheduled yet ({r})"))
        }
    }
}

/// The address a placeholder names now; `ns` stands for an unwritten namespace.
pub fn address(world: &World, r: &AddressRef, ns: &str) -> Option<Ipv4Addr> {
    let key = r.key(ns);
    let stored = world.apiserver.get(&key)?;
    let lb = || world.kube_manager.loadbalancers.get(&key);
    match (r.kind, r.field) {
        (Kind::Ingress, AddressField::Vip) => lb().map(|lb| lb.vip),
        (Kind::Ingress, AddressField::Fip) => lb().and_then(|lb| lb.fip),
        (Kind::Service, AddressField::ClusterIp) => stored.status.cluster_ip,
        (Kind::Service, AddressField::ExternalIp) => stored.status.load_balancer.first().copied(),
        (Kind::Pod, AddressField::Ip) => stored.status.pod_ip,
        _ => None,
    }
}

/// The address an expected next hop names now.
pub fn next_hop(world: &World, r: &NextHopRef) -> Result<Ipv4Addr, String> {
    match r {
        NextHopRef::Address(a) => Ok(*a),
        NextHopRef::Node(n) => node(world, n).map(|id| world.env.topology.node(id).address),
    }
}

/// `key` with `ns` as its namespace when it names none (and is namespaced).
pub fn in_namespace(key: &ObjectKey, ns: &str) -> ObjectKey {
    let mut key = key.clone();
    if key.namespace.is_empty() && key.kind != Kind::Namespace {
        key.namespace = ns.into();
    }
    key
}
