//! Names of what trace records refer to by index: nodes, pods, haproxy processes.

use crate::topology::NodeId;
use crate::trace::{Component, Hop};
use crate::world::World;

/// `cent222/vrouter`, `cent222/haproxy`, `cent333/webserver-1-…`, `camaro`, `cent-client`.
pub fn hop_name(world: &World, node: NodeId, component: Component) -> String {
    let n = world.env.topology.name(node);
    match component {
        Component::VRouter => format!("{n}/vrouter"),
        Component::Haproxy(_) => format!("{n}/haproxy"),
        Component::Pod(slot) => format!("{n}/{}", pod_name(world, node, slot)),
        Component::Gateway | Component::Host => n.to_string(),
    }
}

pub fn pod_name(world: &World, node: NodeId, slot: u32) -> String {
    world
        .compute(node)
        .and_then(|c| c.pods.get(slot as usize))
        .map_or_else(|| format!("pod#{slot}"), |p| p.key.name.to_string())
}

pub fn component_name(world: &World, hop: &Hop) -> String {
    match hop.component {
        Component::VRouter => "vrouter".into(),
        Component::Haproxy(_) => "haproxy".into(),
        Component::Pod(slot) => pod_name(world, hop.node, slot),
        Component::Gateway => "gateway".into(),
        Component::Host => "host".into(),
    }
}
