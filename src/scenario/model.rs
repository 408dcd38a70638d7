//! A validated scenario: what the loader hands to the runner. Everything here has been checked;
//! the runner never sees raw YAML.

use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::dataplane::haproxy::Semantics;
use crate::diag::Origin;
use crate::k8s::objects::{Kind, Object};

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

/// The testbed to build. Only the book's lab exists today.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopologySpec {
    /// Extra lines of the internet host's /etc/hosts.
    pub hosts: Vec<HostsEntry>,
    /// `routing-options multipath vpn-unequal-cost` on the gateway.
    pub gateway_multipath: bool,
    /// `topology.delays`: message and processing delays (ns) that replace the defaults.
    pub delays: Vec<(&'static str, u64)>,
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
    Fail(FaultTarget),
    Recover(FaultTarget),
    /// Adds lines to the internet host's /etc/hosts.
    Hosts(Vec<HostsEntry>),
}

/// Names one object: `ingress/ingress-sf`, or a document of a deleted manifest.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    pub kind: Kind,
    /// Empty means the scenario's default namespace.
    pub namespace: String,
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Until no control-plane event is pending.
    Converged,
    /// A simulated duration in nanoseconds.
    For(u64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultTarget {
    /// The whole compute node: its vRouter agent, forwarding and haproxy processes.
    Node(String),
}

#[derive(Clone, Debug)]
pub struct ShowStep {
    pub what: Show,
    pub expect: ShowExpect,
}

/// What a `show` step prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Show {
    /// `kubectl get KIND [NAME] [-o wide|yaml]`.
    Get {
        kind: Kind,
        name: Option<String>,
        output: GetOutput,
    },
    /// Contrail's loadbalancer objects with their provider, listeners, pools and members.
    Loadbalancers,
    /// haproxy processes per node, `ps` style; all computes when `node` is `None`.
    Processes { node: Option<String> },
    /// `haproxy.conf ingress/NAME`: the file on the active compute (or on `node`).
    HaproxyConf {
        ingress: String,
        node: Option<String>,
    },
    /// The gateway's `show route table k8s-test`, brief or detail.
    GatewayRoutes { detail: bool },
    /// The control node's routing table with every path.
    ControlRoutes,
    /// A vRouter's flow table.
    Flows { node: String },
    /// The control-plane timeline so far.
    Timeline,
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
    /// Lines (or fragments) that must appear in the output.
    pub contains: Vec<String>,
    /// Fragments that must not appear.
    pub not_contains: Vec<String>,
    /// The whole output must equal this text (read from the named file at load time).
    pub equals: Option<ExpectedText>,
    /// Gateway or control-node routes that must be present.
    pub routes: Vec<RouteExpect>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedText {
    pub file: String,
    pub text: String,
}

/// A route that must be in the table: the prefix, and optionally its best path's attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteExpect {
    pub prefix: Prefix,
    pub next_hop: Option<Ipv4Addr>,
    pub local_preference: Option<u32>,
    /// Number of paths (ECMP or all paths on the control node).
    pub paths: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Prefix {
    pub address: Ipv4Addr,
    pub len: u8,
}

#[derive(Clone, Debug)]
pub struct CurlStep {
    pub request: CurlRequest,
    pub from: Endpoint,
    /// How many times to send the request (default 1); each is traced.
    pub repeat: u32,
    pub expect: CurlExpect,
}

#[derive(Clone, Debug)]
pub struct CompareStep {
    pub from: Endpoint,
    /// Two or more requests, shown side by side.
    pub requests: Vec<CurlRequest>,
}

/// Where a request starts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    Pod(String),
    Host(String),
    Node(String),
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

/// `{ingress/NAME.vip}` and its siblings.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AddressRef {
    pub kind: Kind,
    pub name: String,
    pub field: AddressField,
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
        write!(
            f,
            "{{{}/{}.{field}}}",
            self.kind.reference_word(),
            self.name
        )
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
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServedBy {
    Pod(String),
    Deployment(String),
    Service(String),
}

/// `cent222` or `cent222/haproxy`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViaName {
    pub node: String,
    pub component: Option<String>,
}
