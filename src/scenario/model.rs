//! A validated scenario: what the loader hands to the runner. Everything here has been checked;
//! the runner never sees raw YAML.

use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::dataplane::haproxy::Semantics;
use crate::diag::Origin;
pub use crate::k8s::objects::ObjectKey;
use crate::k8s::objects::{Kind, Object};
use crate::topology::Topology;

/// Largest number of requests one curl step may ask for (see `repeat`).
pub const MAX_REPEAT: u32 = 100_000;

#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    pub seed: u64,
    /// `semantics:`: the ingress semantics of the run (Contrail's by default).
    pub semantics: Semantics,
    pub topology: TopologySpec,
    /// Default namespace for manifests that name none.
    pub namespace: String,
    pub steps: Vec<Step>,
    /// The scenario file, as given on the command line.
    pub file: Arc<str>,
}

/// The cluster to build: its machines (the book's lab unless the scenario names computes), the
/// internet host's /etc/hosts, the gateway's multipath setting and the delays and timers that
/// replace the defaults.
#[derive(Clone, Debug)]
pub struct TopologySpec {
    /// The master, the computes, the gateway and the internet host.
    pub nodes: Arc<Topology>,
    /// Extra lines of the internet host's /etc/hosts.
    pub hosts: Vec<HostsEntry>,
    /// `routing-options multipath vpn-unequal-cost` on the gateway.
    pub gateway_multipath: bool,
    /// `topology.delays` and `topology.timers`: durations (ns) that replace the defaults.
    pub delays: Vec<(&'static str, u64)>,
}

impl Default for TopologySpec {
    fn default() -> Self {
        TopologySpec {
            nodes: Arc::new(Topology::book()),
            hosts: Vec::new(),
            gateway_multipath: false,
            delays: Vec::new(),
        }
    }
}

/// One /etc/hosts line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostsEntry {
    pub address: Ipv4Addr,
    pub names: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Step {
    /// Where the step starts in the scenario file.
    pub origin: Origin,
    pub action: Action,
}

#[derive(Clone, Debug)]
pub enum Action {
    Apply(Vec<Object>),
    Delete(Vec<ObjectKey>),
    Wait(Wait),
    Show(ShowStep),
    Curl(Box<CurlStep>),
    /// The same request sent two ways (e.g. through a Service and through an Ingress), shown side by side.
    Compare(Box<CompareStep>),
    /// `fail:` or `recover:`.
    Fault(FaultStep),
    /// Adds lines to the internet host's /etc/hosts.
    Hosts(Vec<HostsEntry>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Until no control-plane event is pending.
    Converged,
    /// A simulated duration in nanoseconds.
    For(u64),
}

/// A machine as a step names it: by name, or by the role it plays when the step runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeRef {
    Name(String),
    /// `{ingress/NAME.active}` or `{ingress/NAME.standby}`: the compute whose haproxy instance
    /// of that Ingress advertises local preference 200 (active) or 100 (standby).
    Haproxy {
        ingress: ObjectKey,
        standby: bool,
    },
    /// `{pod/NAME.node}`: the compute the pod runs on.
    PodNode(ObjectKey),
    /// `{NAME}`: the node an earlier fault step named with `as: NAME`.
    Alias(String),
}

impl std::fmt::Display for NodeRef {
    /// As written in a scenario.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NodeRef::Name(n) => f.write_str(n),
            NodeRef::Haproxy { ingress, standby } => write!(
                f,
                "{{ingress/{}.{}}}",
                ingress.name,
                if *standby { "standby" } else { "active" }
            ),
            NodeRef::PodNode(pod) => write!(f, "{{pod/{}.node}}", pod.name),
            NodeRef::Alias(a) => write!(f, "{{{a}}}"),
        }
    }
}

/// A `fail:` (`up` false) or `recover:` step, and the name it gives the node it acts on
/// (`as: NAME`, for later steps to write `{NAME}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultStep {
    pub target: FaultTarget,
    pub up: bool,
    pub alias: Option<String>,
}

/// What a `fail:` or `recover:` step acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultTarget {
    /// `node/NAME`: the whole compute: kubelet, vRouter agent and forwarding, pods, haproxy.
    Node(NodeRef),
    /// `agent/NAME`: the vrouter-agent process; the kernel vRouter keeps forwarding.
    Agent(NodeRef),
    /// `xmpp/NAME`: only the agent's XMPP session with the control node.
    Xmpp(NodeRef),
    /// `control-node`: contrail-control on the master.
    ControlNode,
    /// `bgp/camaro`: the gateway's BGP session with the control node.
    Bgp,
    /// `link/A-B`: both directions of a fabric or gateway link.
    Link(NodeRef, NodeRef),
    /// `haproxy/INGRESS@NODE`: that haproxy process.
    Haproxy { ingress: ObjectKey, node: NodeRef },
    /// `pod/NAME`: the pod's container.
    Pod(ObjectKey),
}

impl std::fmt::Display for FaultTarget {
    /// As written in a scenario.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FaultTarget::Node(n) => write!(f, "node/{n}"),
            FaultTarget::Agent(n) => write!(f, "agent/{n}"),
            FaultTarget::Xmpp(n) => write!(f, "xmpp/{n}"),
            FaultTarget::ControlNode => f.write_str("control-node"),
            FaultTarget::Bgp => write!(f, "bgp/{}", crate::topology::names::GATEWAY),
            FaultTarget::Link(a, b) => write!(f, "link/{a}-{b}"),
            FaultTarget::Haproxy { ingress, node } => {
                write!(f, "haproxy/{}@{node}", ingress.name)
            }
            FaultTarget::Pod(pod) => write!(f, "pod/{}", pod.name),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ShowStep {
    pub what: Show,
    pub expect: ShowExpect,
}

/// What a `show` step prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Show {
    /// `kubectl get KIND [NAME] [-n NAMESPACE | -A] [-o wide|yaml]`, nodes included.
    Get {
        kind: Kind,
        name: Option<String>,
        namespace: Namespaces,
        output: GetOutput,
    },
    /// Contrail's loadbalancer objects with their provider, listeners, pools and members.
    Loadbalancers,
    /// haproxy processes per node, `ps` style; all computes when `node` is `None`.
    Processes { node: Option<NodeRef> },
    /// `haproxy.conf ingress/NAME`: the file on the active compute (or on `node`).
    HaproxyConf {
        ingress: ObjectKey,
        node: Option<NodeRef>,
    },
    /// The gateway's `show route table k8s-test`, brief or detail.
    GatewayRoutes { detail: bool },
    /// The control node's routing table with every path.
    ControlRoutes,
    /// `kubectl get endpoints [NAME] [-n NAMESPACE | -A]`.
    Endpoints {
        name: Option<String>,
        namespace: Namespaces,
    },
    /// A compute's vRouter, as its own tools print it.
    VRouter { node: NodeRef, view: VRouterView },
    /// The control-plane timeline so far, or its last stretch of simulated time.
    Timeline { last: Option<u64> },
}

/// The vRouter tools `show` can run on a compute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VRouterView {
    /// `flow -l`.
    Flows,
    /// `vif --list`.
    Interfaces,
    /// `rt --dump <vrf>`: a VRF by index or by (network or fq) name.
    Routes(String),
    /// `nh --list`.
    NextHops,
    /// `mpls --dump`.
    Labels,
    /// `dropstats`.
    Drops,
}

/// The namespaces a `kubectl get` lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Namespaces {
    /// The scenario's namespace.
    Default,
    /// `-n NAME`.
    Named(String),
    /// `-A` / `--all-namespaces`.
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetOutput {
    Table,
    Wide,
    Yaml,
}

/// Expectations on a `show` result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShowExpect {
    /// Lines (or fragments) that must appear in the output, as written and as templates (their
    /// placeholders are resolved when the step runs).
    pub contains: Vec<(String, crate::scenario::template::Template)>,
    /// Fragments that must not appear.
    pub not_contains: Vec<(String, crate::scenario::template::Template)>,
    /// The whole output must equal this text (read from the named file at load time).
    pub equals: Option<ExpectedText>,
    /// Gateway or control-node routes that must be present.
    pub routes: Vec<RouteExpect>,
}

/// The whole output a `show` must print: a file, read as a template (see
/// [`crate::scenario::template`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedText {
    pub file: String,
    pub text: String,
    pub template: crate::scenario::template::Template,
}

/// A route that must be in the table: the prefix, and optionally its best path's attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteExpect {
    pub prefix: Prefix,
    pub next_hop: Option<NextHopRef>,
    pub local_preference: Option<u32>,
    /// Number of paths (ECMP or all paths on the control node).
    pub paths: Option<usize>,
}

pub use crate::routing::Prefix;

/// A route's expected next hop: an address, or the compute a role names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextHopRef {
    Address(Ipv4Addr),
    Node(NodeRef),
}

#[derive(Clone, Debug)]
pub struct CurlStep {
    /// Shared by every repetition and its records.
    pub request: Arc<CurlRequest>,
    pub from: Endpoint,
    /// How many times to send the request (default 1); each is traced.
    pub repeat: u32,
    pub expect: CurlExpect,
}

#[derive(Clone, Debug)]
pub struct CompareStep {
    pub from: Endpoint,
    /// Two or more requests, shown side by side.
    pub requests: Vec<Arc<CurlRequest>>,
}

/// Where a request starts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    Pod(ObjectKey),
    Host(String),
}

/// A parsed curl command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurlRequest {
    /// The string as the user wrote it.
    pub raw: String,
    /// `-X`, default GET.
    pub method: String,
    pub url: Url,
    /// `-H` headers in order, names as written.
    pub headers: Vec<(String, String)>,
    /// `-v`.
    pub verbose: bool,
    /// `-i`: the response head is printed before the body.
    pub include: bool,
    /// `-k`: the server's certificate is not verified (required for `https://`).
    pub insecure: bool,
    /// `--resolve host:port:addr`.
    pub resolve: Vec<Resolve>,
    /// `--connect-timeout SECONDS`, in milliseconds.
    pub connect_timeout_ms: Option<u64>,
    /// `-m`/`--max-time SECONDS`, in milliseconds.
    pub max_time_ms: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    pub scheme: Scheme,
    pub host: UrlHost,
    /// A port written in the URL.
    pub port: Option<u16>,
    /// Starts with `/`; no query string.
    pub path: String,
    pub query: Option<String>,
}

impl Url {
    /// The port connected to: the written one, else the scheme's.
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(self.scheme.default_port())
    }
}

/// `http://` (the default) or `https://`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scheme {
    #[default]
    Http,
    /// HTTP inside TLS; the simulator abstracts the handshake into one exchange.
    Https,
}

impl Scheme {
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlHost {
    Ip(Ipv4Addr),
    /// A hostname, resolved through `--resolve` or the source host's /etc/hosts.
    Name(String),
    Placeholder(AddressRef),
}

/// `{ingress/NAME.vip}`, `{pod/NAMESPACE/NAME.ip}` and their siblings.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AddressRef {
    pub kind: Kind,
    /// As written; `None` means the scenario's namespace.
    pub namespace: Option<String>,
    pub name: String,
    pub field: AddressField,
}

impl AddressRef {
    /// The object it names, `default` standing for an unwritten namespace.
    pub fn key(&self, default: &str) -> ObjectKey {
        ObjectKey::new(
            self.kind,
            self.namespace.as_deref().unwrap_or(default),
            &self.name,
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddressField {
    Vip,
    Fip,
    ClusterIp,
    ExternalIp,
    Ip,
}

impl std::fmt::Display for AddressRef {
    /// The placeholder as written in a curl string: `{ingress/NAME.vip}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let field = match self.field {
            AddressField::Vip => "vip",
            AddressField::Fip => "fip",
            AddressField::ClusterIp => "clusterIP",
            AddressField::ExternalIp => "externalIP",
            AddressField::Ip => "ip",
        };
        let kind = self.kind.reference_word();
        match &self.namespace {
            Some(ns) => write!(f, "{{{kind}/{ns}/{}.{field}}}", self.name),
            None => write!(f, "{{{kind}/{}.{field}}}", self.name),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolve {
    pub host: String,
    pub port: u16,
    pub address: UrlHost,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CurlExpect {
    pub status: Option<u16>,
    pub served_by: Option<ServedBy>,
    pub body_contains: Vec<String>,
    /// Names that must appear in this order in the hop list.
    pub via: Vec<ViaName>,
    pub disposition: Option<String>,
    /// curl's exit code: 0, or 7, 28, 52, 56 for the failures it reports.
    pub exit_code: Option<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServedBy {
    Pod(ObjectKey),
    Deployment(ObjectKey),
    Service(ObjectKey),
}

/// `cent222`, `cent222/haproxy` or `{ingress/ing.active}/haproxy`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViaName {
    pub node: NodeRef,
    pub component: Option<String>,
}
