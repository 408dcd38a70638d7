//! `show` steps: what an operator looks at, in the formats the real tools print: kubectl
//! ([`kubectl`]), Contrail's loadbalancer objects, `ps` and haproxy.conf ([`contrail`]),
//! Junos `show route table` and the control node's table ([`routes`]), and a compute's vRouter
//! tools: `flow -l`, `vif --list`, `rt --dump`, `nh --list`, `mpls --dump`, `dropstats`
//! ([`vrouter`]).

mod contrail;
mod kubectl;
mod routes;
mod vrouter;

use crate::dataplane::Compute;
use crate::scenario::model::{Namespaces, Show};
use crate::topology::NodeId;
use crate::world::World;

/// Renders a show step against the world's current state; `ns` is the scenario's namespace.
/// `Err` names what does not exist.
pub fn render(world: &World, what: &Show, ns: &str) -> Result<String, String> {
    let node = |r| crate::scenario::resolve::node(world, r);
    let namespaces = |n: &Namespaces| match n {
        Namespaces::Default => Some(ns.to_string()),
        Namespaces::Named(n) => Some(n.clone()),
        Namespaces::All => None,
    };
    Ok(match what {
        Show::Get {
            kind,
            name,
            namespace,
            output,
        } => kubectl::get(
            world,
            *kind,
            name.as_deref(),
            *output,
            namespaces(namespace).as_deref(),
        )?,
        Show::Endpoints { name, namespace } => {
            kubectl::endpoints(world, name.as_deref(), namespaces(namespace).as_deref())?
        }
        Show::Loadbalancers => contrail::loadbalancers(world),
        Show::Processes { node: n } => {
            contrail::processes(world, n.as_ref().map(node).transpose()?)?
        }
        Show::HaproxyConf { ingress, node: n } => {
            contrail::haproxy_conf(world, ingress, n.as_ref().map(node).transpose()?)?
        }
        Show::GatewayRoutes { detail } => routes::gateway(world, *detail),
        Show::ControlRoutes => routes::control(world),
        Show::VRouter { node: n, view } => {
            let c = compute(world, node(n)?)?;
            vrouter::render(world, c, view)?
        }
        Show::Timeline { last } => {
            let since = last.map_or(0, |d| world.now().0.saturating_sub(d));
            let from = world.timeline.partition_point(|n| n.at.0 < since);
            super::timeline::render(world, world.timeline.get(from..).unwrap_or_default())
        }
    })
}

/// The compute a view is about.
fn compute(world: &World, node: NodeId) -> Result<&Compute, String> {
    world.compute(node).ok_or_else(|| {
        format!(
            "node/{} is not a compute node",
            world.env.topology.name(node)
        )
    })
}

/// The computes a view covers: one, or all of them.
fn computes(world: &World, node: Option<NodeId>) -> Result<Vec<&Compute>, String> {
    match node {
        Some(n) => Ok(vec![compute(world, n)?]),
        None => Ok(world.computes.iter().flatten().collect()),
    }
}
