//! Where a request went, read from its trace: the compute it started on (a pod's), the haproxy
//! that proxied it, the pod that served it.

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

pub fn path(world: &World, result: &CurlResult) -> Path {
    let trace = &world.trace;
    let mut hops = trace.hops_of(result.request_id).peekable();
    let source = hops
        .peek()
        .filter(|h| matches!(h.component, Component::Pod(_)))
        .map(|h| h.node);
    let mut path = Path {
        source,
        haproxy: None,
        served: None,
    };
    for hop in hops {
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
    path
}
