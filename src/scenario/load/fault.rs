//! Targets of `fail:` and `recover:`.

use super::{Loader, err};
use crate::k8s::objects::Kind;
use crate::scenario::model::{Action, FaultStep, FaultTarget, NodeRef};
use crate::scenario::refs::object_ref;
use crate::topology::names;
use crate::yaml::{MapReader, Node};

const FAULT_HINT: &str = "fault targets: node/NAME, agent/NAME, xmpp/NAME, control-node, \
     bgp/camaro, link/A-B, haproxy/INGRESS@NODE, pod/NAME";

impl Loader<'_> {
    /// `fail: TARGET` or `recover: TARGET`, with `as: NAME` binding the node it acts on.
    pub(super) fn fault_step(
        &mut self,
        value: &Node,
        up: bool,
        step: &mut MapReader,
    ) -> Option<Action> {
        let target = self.fault(value);
        let alias = match step.take("as") {
            Some(a) => {
                let name = a.as_nonempty_str("`as`", &mut self.diags)?;
                if let Some(why) = crate::k8s::validation::dns1123_label(name) {
                    self.diags
                        .push(err(a, format!("invalid name {name:?}: {why}")));
                    return None;
                }
                let single = match &target {
                    Some(FaultTarget::ControlNode | FaultTarget::Bgp) => false,
                    Some(FaultTarget::Link(a, b)) => self.is_compute(a) != self.is_compute(b),
                    _ => true,
                };
                if !single {
                    self.diags.push(
                        err(
                            a,
                            "`as:` names the compute a fault acts on; this target has none, or two",
                        )
                        .with_hint(
                            "use it with node/, agent/, xmpp/, haproxy/ or pod/ targets, or a \
                                 link with one compute end",
                        ),
                    );
                    return None;
                }
                self.aliases.insert(name.to_string());
                Some(name.to_string())
            }
            None => None,
        };
        Some(Action::Fault(FaultStep {
            target: target?,
            up,
            alias,
        }))
    }

    pub(super) fn fault(&mut self, value: &Node) -> Option<FaultTarget> {
        let s = value.as_nonempty_str("a fault target", &mut self.diags)?;
        if s == "control-node" {
            return Some(FaultTarget::ControlNode);
        }
        let Some((word, rest)) = s.split_once('/') else {
            self.diags
                .push(err(value, format!("{s:?} is not a fault target")).with_hint(FAULT_HINT));
            return None;
        };
        match word {
            "node" => self.compute(value, rest).map(FaultTarget::Node),
            "agent" => self.compute(value, rest).map(FaultTarget::Agent),
            "xmpp" => self.compute(value, rest).map(FaultTarget::Xmpp),
            "bgp" if rest == names::GATEWAY => Some(FaultTarget::Bgp),
            "bgp" => {
                self.diags.push(
                    err(value, format!("no BGP session with {rest:?}"))
                        .with_hint(format!("the gateway's session is bgp/{}", names::GATEWAY)),
                );
                None
            }
            "link" => self.link(value, rest),
            "haproxy" => self.haproxy_fault(value, rest),
            "pod" => {
                let (kind, ns, name) = object_ref(s)?;
                let key = self.object_key(kind, ns, name);
                self.require_pod(value, &key)
                    .then_some(FaultTarget::Pod(key))
            }
            _ => {
                self.diags.push(
                    err(value, format!("unknown fault target kind {word:?}")).with_hint(FAULT_HINT),
                );
                None
            }
        }
    }

    /// Whether a node reference names a compute (every role does).
    fn is_compute(&self, r: &NodeRef) -> bool {
        match r {
            NodeRef::Name(n) => {
                let t = &self.topology.nodes;
                t.find(n).is_some_and(|id| t.is_compute(id))
            }
            _ => true,
        }
    }

    /// `link/A-B`: names may hold '-', so every split is tried; exactly one must name two
    /// linked nodes.
    fn link(&mut self, value: &Node, rest: &str) -> Option<FaultTarget> {
        let t = self.topology.nodes.clone();
        let known = |n: &str| n.starts_with('{') || t.find(n).is_some();
        let splits: Vec<(&str, &str)> = rest
            .match_indices('-')
            .filter_map(|(i, _)| {
                let (a, b) = rest.split_at(i);
                Some((a, b.get(1..)?))
            })
            .filter(|(a, b)| known(a) && known(b))
            .collect();
        let [(a, b)] = splits.as_slice() else {
            let why = if splits.is_empty() {
                format!("{rest:?} does not name two nodes A-B")
            } else {
                format!("{rest:?} can be read as more than one pair of nodes")
            };
            self.diags.push(err(value, why).with_hint(
                "link/A-B names a fabric or gateway link, e.g. link/cent222-cent333 or \
                 link/camaro-cent222",
            ));
            return None;
        };
        let (a, b) = (self.node(value, a)?, self.node(value, b)?);
        if let (NodeRef::Name(x), NodeRef::Name(y)) = (&a, &b)
            && let (Some(ix), Some(iy)) = (t.find(x), t.find(y))
            && (ix == iy || t.link_delay(ix, iy).is_none())
        {
            self.diags.push(
                err(value, format!("there is no link between {x} and {y}")).with_hint(
                    "links join the master and the computes (the fabric), the gateway and every \
                 fabric node, and the gateway and the internet host",
                ),
            );
            return None;
        }
        Some(FaultTarget::Link(a, b))
    }

    /// `haproxy/INGRESS@NODE`, the ingress optionally as `NAMESPACE/NAME`.
    fn haproxy_fault(&mut self, value: &Node, rest: &str) -> Option<FaultTarget> {
        let Some((ingress, node)) = rest.rsplit_once('@') else {
            self.diags.push(
                err(value, format!("{rest:?} is not INGRESS@NODE")).with_hint(
                    "name the haproxy by its Ingress and compute: haproxy/ingress-sf@cent222 or \
                     haproxy/ingress-sf@{ingress/ingress-sf.active}",
                ),
            );
            return None;
        };
        let (ns, name) = match ingress.split_once('/') {
            Some((ns, name)) => (Some(ns), name),
            None => (None, ingress),
        };
        let key = self.object_key(Kind::Ingress, ns, name);
        let known = self.require_created(value, &key);
        let node = self.compute(value, node)?;
        known.then_some(FaultTarget::Haproxy { ingress: key, node })
    }
}
