//! Reference checks: an object a step names must be created by an earlier `apply`; a node must
//! be in the scenario's topology, or be a role of such an object.

use super::{Loader, err};
use crate::diag::Diagnostic;
use crate::k8s::objects::{Kind, ObjectKey};
use crate::scenario::model::{Endpoint, NodeRef, ServedBy, ViaName};
use crate::scenario::refs::{self, NODE_ROLES, object_ref};
use crate::topology::{Role, names};
use crate::yaml::{MapReader, Node, closest};

/// Components that may follow a node in `via` (`cent222/haproxy`), besides pod names.
const COMPONENTS: &[&str] = &["vrouter", "agent", "haproxy"];

impl Loader<'_> {
    /// The key of `KIND/[NS/]NAME`, the scenario's namespace standing for an unwritten one.
    pub(super) fn object_key(&self, kind: Kind, ns: Option<&str>, name: &str) -> ObjectKey {
        let ns = match kind {
            Kind::Namespace => "",
            _ => ns.unwrap_or(&self.namespace),
        };
        ObjectKey::new(kind, ns, name)
    }

    /// Reports a reference to an object no earlier apply step created.
    pub(super) fn require_created(&mut self, at: &Node, key: &ObjectKey) -> bool {
        if self.created.contains(key) || self.preexisting(key) {
            return true;
        }
        let known: Vec<&str> = self
            .created
            .iter()
            .filter(|k| k.kind == key.kind && k.namespace == key.namespace)
            .map(|k| &*k.name)
            .collect();
        let word = key.kind.reference_word();
        let name = &key.name;
        let place = if key.namespace.is_empty() || *key.namespace == *self.namespace {
            String::new()
        } else {
            format!(" in namespace {:?}", key.namespace)
        };
        let mut d = err(
            at,
            format!("no {word} {name:?}{place} is created by an earlier `apply` step"),
        );
        d = match (closest(name, &known), known.is_empty()) {
            (Some(c), _) => d.with_hint(format!("did you mean {word}/{c}?")),
            (None, true) => d.with_hint(format!(
                "apply a manifest with the {} before this step",
                key.kind.as_str()
            )),
            (None, false) => d.with_hint(format!("known: {}", known.join(", "))),
        };
        self.diags.push(d);
        false
    }

    /// The namespaces every cluster starts with.
    fn preexisting(&self, key: &ObjectKey) -> bool {
        key.kind == Kind::Namespace
            && crate::control::apiserver::INITIAL_NAMESPACES.contains(&&*key.name)
    }

    /// A pod a step may name: a bare Pod applied earlier, or a pod of an earlier Deployment by
    /// its generated name (`<deployment>-<hash>-<suffix>`).
    pub(super) fn require_pod(&mut self, at: &Node, key: &ObjectKey) -> bool {
        self.deployment_of_pod(key) || self.require_created(at, key)
    }

    /// `from: pod/x` must name a bare Pod: Deployment pods get generated names at run time.
    fn require_bare_pod(&mut self, at: &Node, key: &ObjectKey) -> bool {
        let deployment = ObjectKey::new(Kind::Deployment, &key.namespace, &key.name);
        if self.created.contains(&deployment) && !self.created.contains(key) {
            self.diags.push(
                err(
                    at,
                    format!(
                        "{:?} is a Deployment; its pods get generated names",
                        key.name
                    ),
                )
                .with_hint("send from a bare Pod (kind: Pod), e.g. the book's `client` pod"),
            );
            return false;
        }
        self.require_created(at, key)
    }

    /// Whether `pod` looks like a pod of a Deployment applied earlier (`<deployment>-<hash>`).
    pub(super) fn deployment_of_pod(&self, pod: &ObjectKey) -> bool {
        self.created.iter().any(|k| {
            k.kind == Kind::Deployment
                && k.namespace == pod.namespace
                && pod
                    .name
                    .strip_prefix(&*k.name)
                    .is_some_and(|r| r.starts_with('-') && r.len() > 1)
        })
    }

    /// A node reference: a node of the topology, or a role of an object created earlier.
    pub(super) fn node(&mut self, at: &Node, s: &str) -> Option<NodeRef> {
        self.node_among(at, s, false)
    }

    /// A node reference that must name a compute (roles always do).
    pub(super) fn compute(&mut self, at: &Node, s: &str) -> Option<NodeRef> {
        let r = self.node_among(at, s, true)?;
        self.require_compute(at, &r).then_some(r)
    }

    /// A node reference; an unknown name is reported with the computes or all nodes as hint.
    fn node_among(&mut self, at: &Node, s: &str, computes: bool) -> Option<NodeRef> {
        let r = match refs::node_ref(s, &self.namespace) {
            Ok(r) => r,
            Err(m) => {
                self.diags
                    .push(err(at, m).with_hint(format!("name a node, or a role: {NODE_ROLES}")));
                return None;
            }
        };
        let ok = match &r {
            NodeRef::Name(name) => {
                let known = self.topology.nodes.find(name).is_some();
                if !known {
                    let d = self.unknown_node(at, name, computes);
                    self.diags.push(d);
                }
                known
            }
            NodeRef::Haproxy { ingress, .. } => self.require_created(at, ingress),
            NodeRef::PodNode(pod) => self.require_pod(at, pod),
            NodeRef::Alias(a) => {
                let known = self.aliases.contains(a);
                if !known {
                    self.diags.push(
                        err(at, format!("no earlier fault step names a node {a:?}")).with_hint(
                            "give a node a name with `as: NAME` on a fail: or recover: step",
                        ),
                    );
                }
                known
            }
        };
        ok.then_some(r)
    }

    /// A role found in a text fragment: the object it reads must exist by then.
    pub(super) fn require_role(&mut self, at: &Node, r: &NodeRef) -> bool {
        match r {
            NodeRef::Haproxy { ingress, .. } => self.require_created(at, ingress),
            NodeRef::PodNode(pod) => self.require_pod(at, pod),
            NodeRef::Name(_) | NodeRef::Alias(_) => true,
        }
    }

    pub(super) fn require_compute(&mut self, at: &Node, r: &NodeRef) -> bool {
        let NodeRef::Name(name) = r else {
            return true;
        };
        let t = &self.topology.nodes;
        match t.find(name) {
            Some(id) if t.role(id) == Role::Compute => true,
            Some(_) => {
                let d = err(at, format!("{name:?} is not a compute node"))
                    .with_hint(self.computes_hint());
                self.diags.push(d);
                false
            }
            None => {
                let d = self.unknown_node(at, name, true);
                self.diags.push(d);
                false
            }
        }
    }

    pub(super) fn computes_hint(&self) -> String {
        format!("the computes are {}", self.listed(true))
    }

    /// The computes (or all nodes), the first twelve of them.
    fn listed(&self, computes: bool) -> String {
        let names = self.node_names(computes);
        let shown: Vec<&str> = names.iter().take(12).copied().collect();
        let more = if names.len() > 12 { ", …" } else { "" };
        format!("{}{more}", shown.join(", "))
    }

    fn node_names(&self, computes: bool) -> Vec<&str> {
        let t = &self.topology.nodes;
        t.nodes()
            .filter(|(id, _)| !computes || t.is_compute(*id))
            .map(|(_, n)| n.name.as_str())
            .collect()
    }

    fn unknown_node(&self, at: &Node, name: &str, computes: bool) -> Diagnostic {
        let d = err(at, format!("no node {name:?} in the topology"));
        let what = if computes { "computes" } else { "nodes" };
        let listed = self.listed(computes);
        let guess = closest(name, &self.node_names(computes))
            .map(|c| format!("did you mean `{c}`? "))
            .unwrap_or_default();
        d.with_hint(format!(
            "{guess}{what}: {listed} (a scenario names its computes under `topology: {{computes: [...]}}`)"
        ))
    }

    /// The step's `from:` (required).
    pub(super) fn from(&mut self, step: &mut MapReader) -> Option<Endpoint> {
        let hint = format!(
            "from: pod/NAME (a Pod applied earlier; pod/NAMESPACE/NAME in another namespace) \
             or host/{}",
            names::INTERNET_HOST
        );
        let Some(node) = step.take("from") else {
            self.diags
                .push(err(step.node(), "missing required field `from`").with_hint(hint));
            return None;
        };
        let s = node.as_str("`from`", &mut self.diags)?;
        match s.split_once('/') {
            Some(("host", name)) if name == names::INTERNET_HOST => {
                Some(Endpoint::Host(name.to_string()))
            }
            Some(("host", name)) => {
                self.diags.push(
                    err(node, format!("unknown host {name:?}")).with_hint(format!(
                        "the internet host is host/{}",
                        names::INTERNET_HOST
                    )),
                );
                None
            }
            Some(("node", name)) => {
                self.diags.push(
                    err(node, format!("requests cannot start at node/{name}"))
                        .with_hint("a node's own stack is not simulated; send from a pod on it"),
                );
                None
            }
            _ => match object_ref(s) {
                Some((Kind::Pod, ns, name)) => {
                    let key = self.object_key(Kind::Pod, ns, name);
                    self.require_bare_pod(node, &key)
                        .then_some(Endpoint::Pod(key))
                }
                _ => {
                    self.diags
                        .push(err(node, format!("{s:?} is not a request source")).with_hint(hint));
                    None
                }
            },
        }
    }

    pub(super) fn served_by(&mut self, node: &Node) -> Option<ServedBy> {
        let s = node.as_str("`expect.served_by`", &mut self.diags)?;
        let Some((kind @ (Kind::Pod | Kind::Deployment | Kind::Service), ns, name)) = object_ref(s)
        else {
            self.diags.push(
                err(
                    node,
                    format!("{s:?} is not pod/NAME, deployment/NAME or service/NAME"),
                )
                .with_hint("served_by names the pod, Deployment or Service that must answer"),
            );
            return None;
        };
        let key = self.object_key(kind, ns, name);
        let ok = match kind {
            Kind::Pod => self.require_pod(node, &key),
            _ => self.require_created(node, &key),
        };
        ok.then_some(match kind {
            Kind::Pod => ServedBy::Pod(key),
            Kind::Deployment => ServedBy::Deployment(key),
            _ => ServedBy::Service(key),
        })
    }

    pub(super) fn via(&mut self, node: &Node) -> Option<ViaName> {
        let s = node.as_nonempty_str("a `via` name", &mut self.diags)?;
        // A role placeholder holds a '/', so the component follows its closing brace.
        let split = match s.strip_prefix('{') {
            Some(_) => s.find('}').map(|i| i + 1).unwrap_or(s.len()),
            None => s.find('/').unwrap_or(s.len()),
        };
        let (name, component) = s.split_at(split);
        let component = component.strip_prefix('/').filter(|c| !c.is_empty());
        let node_ref = self.node(node, name)?;
        if let Some(c) = component {
            let pod = ObjectKey::new(Kind::Pod, &self.namespace, c);
            let known = COMPONENTS.contains(&c)
                || self
                    .created
                    .iter()
                    .any(|k| k.kind == Kind::Pod && *k.name == *c)
                || self.deployment_of_pod(&pod);
            if !known {
                self.diags.push(
                    err(node, format!("unknown component {c:?} of {name}")).with_hint(format!(
                        "components: {}, or a pod name",
                        COMPONENTS.join(", ")
                    )),
                );
                return None;
            }
        }
        Some(ViaName {
            node: node_ref,
            component: component.map(str::to_string),
        })
    }
}
