//! Typed Kubernetes objects, as the simulator understands them after parsing.
//!
//! Both Ingress API versions (`extensions/v1beta1` and `networking.k8s.io/v1`) parse into one
//! [`Ingress`] shape. Objects carry the [`Origin`] of their manifest so later checks can point at
//! the line a person wrote.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::diag::Origin;

/// Labels, annotations and selectors: ordered so every iteration is deterministic.
pub type Labels = BTreeMap<String, String>;

/// Metadata shared by every object kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    pub name: Name,
    /// Empty until the namespace is defaulted (by the scenario or the apiserver).
    pub namespace: Name,
    pub labels: Labels,
    pub annotations: Labels,
    /// Assigned by the apiserver.
    pub uid: String,
}

/// The kinds of object the simulator knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Namespace,
    Pod,
    Service,
    Deployment,
    Ingress,
    /// A machine of the cluster: the apiserver registers each at start.
    Node,
    Secret,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Namespace => "Namespace",
            Kind::Pod => "Pod",
            Kind::Service => "Service",
            Kind::Deployment => "Deployment",
            Kind::Ingress => "Ingress",
            Kind::Node => "Node",
            Kind::Secret => "Secret",
        }
    }

    /// The lower-case word used in references such as `pod/client` or `kubectl get svc`.
    pub fn reference_word(self) -> &'static str {
        match self {
            Kind::Namespace => "namespace",
            Kind::Pod => "pod",
            Kind::Service => "service",
            Kind::Deployment => "deployment",
            Kind::Ingress => "ingress",
            Kind::Node => "node",
            Kind::Secret => "secret",
        }
    }
}

/// Names one object: its kind, namespace and name (`ingress/ns-user-1/ingress-sf`). Keys are
/// ordered by kind, then namespace, then name; names compare as text, and two that share their
/// text (the same [`Name`]) are equal without reading it.
#[derive(Clone, Debug)]
pub struct ObjectKey {
    pub kind: Kind,
    /// Empty only for cluster-scoped kinds (Namespace).
    pub namespace: Name,
    pub name: Name,
}

/// An object's name or namespace: shared, so that keys are copied without copying text.
pub type Name = Arc<str>;

fn cmp_names(a: &Name, b: &Name) -> std::cmp::Ordering {
    if Arc::ptr_eq(a, b) {
        std::cmp::Ordering::Equal
    } else {
        a.cmp(b)
    }
}

impl Ord for ObjectKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.kind
            .cmp(&other.kind)
            .then_with(|| cmp_names(&self.namespace, &other.namespace))
            .then_with(|| cmp_names(&self.name, &other.name))
    }
}

impl PartialOrd for ObjectKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ObjectKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for ObjectKey {}

impl std::hash::Hash for ObjectKey {
    /// The text of the names, as equality compares them.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
        self.namespace.hash(state);
        self.name.hash(state);
    }
}

impl ObjectKey {
    pub fn new(kind: Kind, namespace: &str, name: &str) -> ObjectKey {
        ObjectKey {
            kind,
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl std::fmt::Display for ObjectKey {
    /// `pod/NAMESPACE/NAME`, or `namespace/NAME`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind.reference_word(), self.name)
        } else {
            write!(
                f,
                "{}/{}/{}",
                self.kind.reference_word(),
                self.namespace,
                self.name
            )
        }
    }
}

/// One parsed manifest document.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    pub meta: Meta,
    pub spec: Spec,
    /// Where the document starts in its file.
    pub origin: Origin,
}

impl Object {
    pub fn kind(&self) -> Kind {
        match self.spec {
            Spec::Namespace => Kind::Namespace,
            Spec::Pod(_) => Kind::Pod,
            Spec::Service(_) => Kind::Service,
            Spec::Deployment(_) => Kind::Deployment,
            Spec::Ingress(_) => Kind::Ingress,
            Spec::Node(_) => Kind::Node,
            Spec::Secret(_) => Kind::Secret,
        }
    }
}

/// The kind-specific part of an object.
#[derive(Clone, Debug, PartialEq)]
pub enum Spec {
    Namespace,
    Pod(PodSpec),
    Service(ServiceSpec),
    Deployment(DeploymentSpec),
    Ingress(IngressSpec),
    /// A Secret has no `spec`: its `type` and `data` live here.
    Secret(SecretSpec),
    Node(NodeSpec),
}

/// A node as the kubelet registered it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeSpec {
    /// The master runs the control plane; pods are not scheduled there.
    pub master: bool,
}

/// A Secret's `type` and its `data` (decoded) merged with `stringData`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretSpec {
    /// `kubernetes.io/tls`, `Opaque` (the default), ...
    pub secret_type: String,
    pub data: BTreeMap<String, Vec<u8>>,
}

/// The Secret type an Ingress's TLS uses; the apiserver requires `tls.crt` and `tls.key` in it.
pub const TLS_SECRET_TYPE: &str = "kubernetes.io/tls";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodSpec {
    /// `spec.nodeName`: when set, the scheduler leaves the pod where it is.
    pub node_name: Option<String>,
    pub containers: Vec<Container>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Container {
    pub name: String,
    pub image: String,
    pub ports: Vec<ContainerPort>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub container_port: u16,
    pub protocol: Protocol,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    #[default]
    Tcp,
    Udp,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ServiceType {
    #[default]
    ClusterIp,
    LoadBalancer,
    NodePort,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceSpec {
    pub service_type: ServiceType,
    pub selector: Labels,
    pub ports: Vec<ServicePort>,
    /// A clusterIP requested in the manifest; the apiserver allocates one otherwise.
    pub cluster_ip: Option<Ipv4Addr>,
    /// `spec.loadBalancerIP`, when requested.
    pub load_balancer_ip: Option<Ipv4Addr>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePort {
    pub name: Option<String>,
    pub protocol: Protocol,
    pub port: u16,
    pub target_port: PortRef,
}

/// A port given by number or by name (`targetPort`, `servicePort`, `service.port`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PortRef {
    Number(u16),
    Name(String),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeploymentSpec {
    pub replicas: u32,
    /// `spec.selector.matchLabels`.
    pub selector: Labels,
    pub template_labels: Labels,
    pub template: PodSpec,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IngressSpec {
    /// `spec.backend` (v1beta1) or `spec.defaultBackend` (v1).
    pub default_backend: Option<IngressBackend>,
    pub rules: Vec<IngressRule>,
    /// `kubernetes.io/ingress.class` annotation, else `spec.ingressClassName`.
    pub class: Option<String>,
    /// The apiVersion it was written in, so it is shown back in that shape.
    pub api_version: &'static str,
    /// `spec.tls`: the hosts served over TLS with each Secret's certificate.
    pub tls: Vec<IngressTls>,
}

/// One `spec.tls` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IngressTls {
    /// Empty: every host (Contrail names this `ALL`).
    pub hosts: Vec<String>,
    /// Without a Secret the entry is ignored (as Contrail's kube-manager does).
    pub secret_name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IngressRule {
    pub host: Option<String>,
    pub paths: Vec<IngressPath>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressPath {
    pub path: Option<String>,
    pub path_type: Option<PathType>,
    pub backend: IngressBackend,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathType {
    Exact,
    Prefix,
    ImplementationSpecific,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressBackend {
    pub service_name: String,
    pub service_port: PortRef,
    /// Where the port was written, for checks against the Service's ports.
    pub port_at: WrittenAt,
}

/// Where a value was written. A position takes no part in comparisons: two specs that differ
/// only in where they were written are the same spec (kube-apiserver sees no change).
#[derive(Clone, Debug, Default)]
pub struct WrittenAt(pub Option<Origin>);

impl PartialEq for WrittenAt {
    fn eq(&self, _: &WrittenAt) -> bool {
        true
    }
}

impl Eq for WrittenAt {}
