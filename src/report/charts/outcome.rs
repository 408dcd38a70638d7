//! Where a request went, read from its trace: the compute it started on (a pod's), the haproxy
//! that proxied it, the pod that served it.

use std::collections::BTreeMap;

use crate::report::names::pod_name;
use crate::scenario::run::CurlResult;
use crate::topology::NodeId;
use crate::trace::{Component, Step};
use crate::world::World;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    /// The compute of the client pod; `None` for the internet host.
    pub source: Option<NodeId>,
    /// The compute whose haproxy proxied the request.
    pub haproxy: Option<NodeId>,
    /// The compute and name of the pod whose web server answered.
    pub served: Option<(NodeId, String)>,
}

impl Path {
    /// The compute that chose the serving pod's compute: haproxy's for an ingress (it opens the
    /// connection to the Service), else the client pod's (its vRouter's ECMP); `None` when the
    /// gateway chose (a client on the internet).
    pub fn chooser(&self) -> Option<NodeId> {
        self.haproxy.or(self.source)
    }
}

/// The path of each request in `ids`, in one pass over the trace.
pub fn paths(world: &World, ids: &[u32]) -> Vec<Path> {
    let trace = &world.trace;
    let index: BTreeMap<u32, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut out = vec![
        Path {
            source: None,
            haproxy: None,
            served: None,
        };
        ids.len()
    ];
    let mut seen = vec![false; ids.len()];
    for hop in &trace.hops {
        let Some(&i) = index.get(&hop.tag.request) else {
            continue;
        };
        let (Some(path), Some(seen)) = (out.get_mut(i), seen.get_mut(i)) else {
            continue;
        };
        // The request's first hop is its start at the client.
        if !std::mem::replace(seen, true) && matches!(hop.component, Component::Pod(_)) {
            path.source = Some(hop.node);
        }
        match hop.component {
            Component::Haproxy(_) if path.haproxy.is_none() => path.haproxy = Some(hop.node),
            Component::Pod(slot)
                if trace
                    .steps_of(hop)
                    .iter()
                    .any(|s| matches!(s, Step::Served { .. })) =>
            {
                path.served = Some((hop.node, pod_name(world, hop.node, slot)));
            }
            _ => {}
        }
    }
    out
}

/// The path of one request.
pub fn path(world: &World, result: &CurlResult) -> Path {
    paths(world, &[result.request_id]).pop().unwrap_or(Path {
        source: None,
        haproxy: None,
        served: None,
    })
}
