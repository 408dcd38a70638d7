//! Every message a component can receive: one closed enum, so dispatch is a `match`.

use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::control::config::{Loadbalancer, PodInterface};
use crate::dataplane::haproxy::config::LbConfig;
use crate::k8s::objects::{Object, ObjectKey};
use crate::k8s::store::{Endpoints, StoredObject, WatchKind};
use crate::routing::{Paths, Prefix, RouteAttrs, Vrf};
use crate::scenario::model::CurlRequest;
use crate::sim::time::SECOND;
use crate::topology::{NodeId, Topology};
use crate::trace::Tag;
use crate::wire::{FlowKey, Packet};

/// Where a message goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Addr {
    ApiServer,
    Scheduler,
    ControllerManager,
    KubeManager,
    SvcMonitor,
    ControlNode,
    /// A part of a compute node.
    Compute(NodeId, Part),
    Gateway,
    InternetHost,
    /// The vRouter agents' shared view of the control node's routes: one XMPP update reaches
    /// every agent whose session is in step (see `dataplane::compute::agent`).
    Agents,
    /// The fault layer: link rules and which processes and sessions are alive.
    Network,
}

impl Addr {
    /// The machine the component runs on; `None` for the simulator's own layers.
    pub fn node(self, topology: &Topology) -> Option<NodeId> {
        match self {
            Addr::ApiServer
            | Addr::Scheduler
            | Addr::ControllerManager
            | Addr::KubeManager
            | Addr::SvcMonitor
            | Addr::ControlNode => Some(topology.master()),
            Addr::Compute(n, _) => Some(n),
            Addr::Gateway => Some(topology.gateway()),
            Addr::InternetHost => Some(topology.internet_host()),
            Addr::Agents | Addr::Network => None,
        }
    }
}

/// The components inside a compute node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    Agent,
    Kubelet,
    VRouter,
    /// A pod by its slot on the node.
    Pod(u32),
    /// An haproxy process by its slot on the node.
    Haproxy(u32),
}

/// A control session whose path the fault layer watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Session {
    /// A vRouter agent's XMPP session with the control node.
    Xmpp(NodeId),
    /// The control node's BGP session with the gateway.
    Bgp,
    /// A kubelet's node-status updates to kube-apiserver.
    Kubelet(NodeId),
}

/// What a fault acts on, once the runner resolved the scenario's names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    Node(NodeId),
    Agent(NodeId),
    Xmpp(NodeId),
    ControlNode,
    Bgp,
    Link(NodeId, NodeId),
    Haproxy { node: NodeId, lb_uuid: Arc<str> },
    Pod { node: NodeId, pod: ObjectKey },
}

impl Fault {
    /// The one node a fault acts on, if there is one.
    pub fn node(&self) -> Option<NodeId> {
        match self {
            Fault::Node(n) | Fault::Agent(n) | Fault::Xmpp(n) => Some(*n),
            Fault::Haproxy { node, .. } | Fault::Pod { node, .. } => Some(*node),
            Fault::ControlNode | Fault::Bgp | Fault::Link(..) => None,
        }
    }

    /// The fault in a scenario's words, with every node named: `xmpp/cent222`.
    pub fn describe(&self, topology: &crate::topology::Topology) -> String {
        let name = |n: &NodeId| topology.name(*n);
        match self {
            Fault::Node(n) => format!("node/{}", name(n)),
            Fault::Agent(n) => format!("agent/{}", name(n)),
            Fault::Xmpp(n) => format!("xmpp/{}", name(n)),
            Fault::ControlNode => "control-node".into(),
            Fault::Bgp => format!("bgp/{}", topology.name(topology.gateway())),
            Fault::Link(a, b) => format!("link/{}-{}", name(a), name(b)),
            Fault::Haproxy { node, lb_uuid } => format!("haproxy/{lb_uuid}@{}", name(node)),
            Fault::Pod { pod, .. } => format!("pod/{}", pod.name),
        }
    }
}

/// Messages between components.
#[derive(Clone, Debug)]
pub enum Msg {
    /// kubectl → kube-apiserver.
    Apply(Arc<Object>),
    Delete(ObjectKey),
    /// kube-apiserver → a watcher.
    Watch(WatchKind, Arc<StoredObject>),
    /// A kubelet starting → kube-apiserver: the pods bound to its node, please.
    ListPods {
        node: NodeId,
    },
    /// kube-apiserver → that kubelet.
    PodList(Vec<Arc<StoredObject>>),
    EndpointsChanged(Arc<Endpoints>),
    /// A controller, the scheduler or a kubelet → kube-apiserver.
    Write(ApiWrite),
    /// contrail-kube-manager → the control node: a network's routing instance and the
    /// networks a policy connects it to (each sees the other's routes).
    NetworkPolicy {
        vrf: Vrf,
        connected: Vec<Vrf>,
    },
    /// contrail-kube-manager → contrail-svc-monitor: a loadbalancer was created or changed.
    LoadbalancerSet(Arc<Loadbalancer>),
    LoadbalancerDeleted(Arc<Loadbalancer>),
    /// contrail-kube-manager → a vRouter agent: plumb (or remove) a pod's interface.
    PodInterfaceAdd(PodInterface),
    PodInterfaceDel(PodInterface),
    /// Config for an agent whose session (re)started: every pod interface it hosts.
    PodInterfaces(Vec<PodInterface>),
    /// contrail-svc-monitor → a vRouter agent.
    ServiceFips(Arc<ServiceFips>),
    HaproxyRun(Arc<HaproxyInstance>),
    HaproxyStop {
        lb_uuid: Arc<str>,
    },
    /// Config for an agent whose session (re)started: its floating IPs and instances.
    ServiceConfig {
        fips: Vec<Arc<ServiceFips>>,
        instances: Vec<Arc<HaproxyInstance>>,
    },
    /// A vRouter agent → the control node: open an XMPP session.
    XmppOpen {
        from: NodeId,
    },
    /// The control node → an agent: the session is established.
    XmppReady,
    /// The control node → kube-manager and svc-monitor: an agent's session started; send its
    /// config again (as the control node's IF-MAP server would).
    ConfigResync {
        node: NodeId,
    },
    /// An agent → the control node (XMPP).
    XmppPublish {
        from: NodeId,
        vrf: Vrf,
        prefix: Prefix,
        attrs: RouteAttrs,
    },
    /// An agent → the control node: it no longer advertises `prefix` in `vrf`.
    XmppRetract {
        from: NodeId,
        vrf: Vrf,
        prefix: Prefix,
    },
    /// An agent → the control node: every route it advertises (a session start or a path
    /// that came back: what TCP would have delivered).
    XmppSync {
        from: NodeId,
        routes: Vec<(Vrf, Prefix, RouteAttrs)>,
    },
    /// The control node → the agents: the best paths of a prefix (empty = withdrawn).
    XmppRoutes {
        vrf: Vrf,
        prefix: Prefix,
        paths: Paths,
    },
    /// The control node → the agents: `vrf` sees the routes of `from`.
    XmppImport {
        vrf: Vrf,
        from: Vrf,
    },
    /// The control node (re)started: the agents' view of its routes is empty.
    XmppFlush,
    /// The control node → the gateway: open the BGP session / it is established.
    BgpOpen,
    BgpReady,
    /// The control node → the gateway (MP-BGP): the reflected paths of a prefix of a
    /// floating-IP network.
    BgpRoutes {
        vrf: Vrf,
        prefix: Prefix,
        paths: Paths,
    },
    /// The control node → the gateway: every route, when the session starts or its path
    /// comes back (what TCP would have delivered).
    BgpTable(Vec<(Vrf, Prefix, Paths)>),
    /// The control node → svc-monitor: a vRouter agent is up or down (what analytics shows).
    VrouterState {
        node: NodeId,
        up: bool,
    },
    /// The fault layer → a session's ends: its path was cut or is back. `reset`: the peer
    /// restarted meanwhile, so the old TCP connection is dead.
    Path {
        session: Session,
        up: bool,
        reset: bool,
    },
    /// A peer's TCP connection closed (its process crashed; its kernel sent FIN).
    SessionClosed {
        session: Session,
    },
    /// A timer of the receiving component.
    Timer(TimerKind),
    /// A kubelet → the kubelet's own node's agent: the pod's interface is wanted (CNI).
    InterfaceReady {
        pod: ObjectKey,
    },
    /// A fault or its end, for the component it acts on.
    Fault {
        fault: Fault,
        up: bool,
    },
    /// A packet arriving at a component.
    Packet(Packet, Tag),
    /// The runner starts a request at its source.
    CurlStart(Arc<CurlJob>),
}

/// What a timer is for; each component handles its own kinds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimerKind {
    /// The hold timer of a session ran out.
    Hold(Session),
    /// Time to try a session again.
    Connect(Session),
    /// The node lifecycle controller's verdict on a node: NotReady, or eviction.
    NodeMonitor { node: NodeId, evict: bool },
    /// The node lifecycle controller sees a node's fresh status.
    NodeReady(NodeId),
    /// contrail-svc-monitor's periodic check.
    ServiceCheck,
    /// A kubelet restarts a container that exited, or starts one.
    Container { slot: u32, restart: bool },
    /// A TCP retransmission of the connection whose local end is `key.src`.
    Tcp { key: FlowKey },
    /// curl's connect timeout or maximum time.
    Curl { request: u32 },
    /// haproxy's timer for the client connection `front` (connect, turn-around, server or
    /// client timeout).
    Haproxy { front: FlowKey },
}

/// Writes to kube-apiserver by the controllers, the scheduler, the kubelets and kube-manager.
#[derive(Clone, Debug)]
pub enum ApiWrite {
    /// A pod created by a Deployment (`owner`), or any object a controller creates.
    Create {
        object: Arc<Object>,
        owner: Option<String>,
    },
    Delete(ObjectKey),
    /// The node lifecycle controller evicts a pod of an unreachable node (reason NodeLost).
    Evict(ObjectKey),
    /// A kubelet confirms a pod's containers are gone: the object goes.
    Gone(ObjectKey),
    Bind {
        pod: ObjectKey,
        node: String,
    },
    /// A kubelet reports its pod: running (with its IP) and ready or not, its restarts, and
    /// since when its container keeps exiting.
    PodStatus {
        pod: ObjectKey,
        ip: Option<Ipv4Addr>,
        running: bool,
        ready: bool,
        restarts: u32,
        crash_since: Option<crate::sim::Time>,
    },
    /// The node lifecycle controller marks a pod not ready (`MarkAllPodsNotReady`).
    PodNotReady(ObjectKey),
    /// A node's Ready condition.
    NodeReady {
        node: String,
        ready: bool,
    },
    IngressStatus {
        ingress: ObjectKey,
        ips: Vec<Ipv4Addr>,
    },
    ServiceStatus {
        service: ObjectKey,
        external_ip: Ipv4Addr,
    },
}

/// The floating IPs svc-monitor's ECMP driver wants attached on one compute for one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceFips {
    pub lb_uuid: Arc<str>,
    pub service: ObjectKey,
    pub attachments: Vec<FipAttachment>,
}

/// A floating IP on an interface, in the VRF of the network it comes from, with the port map
/// servicePort → targetPort.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FipAttachment {
    pub fip: Ipv4Addr,
    pub vrf: Vrf,
    pub interface: PodInterface,
    pub port_map: Vec<(u16, u16)>,
}

/// One haproxy instance of an active-standby service instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaproxyInstance {
    pub lb_uuid: Arc<str>,
    pub ingress: ObjectKey,
    pub config: Arc<LbConfig>,
    /// The rendered haproxy.conf.
    pub conf: Arc<str>,
    pub vip: Ipv4Addr,
    /// The pod network the VIP lives in.
    pub vrf: Vrf,
    /// The floating IP and the public network it comes from.
    pub fip: Option<(Ipv4Addr, Vrf)>,
    /// 0 = active (local preference 200), 1 = standby (100).
    pub index: u8,
}

/// A request the runner asks a source to send.
#[derive(Clone, Debug)]
pub struct CurlJob {
    pub request_id: u32,
    pub request: CurlRequest,
    pub destination: Ipv4Addr,
    pub port: u16,
    /// The Host header curl sends (`host[:port]` of the URL unless `-H Host:` overrides).
    pub host_header: String,
    /// The host as curl names it in its messages: the URL's name, or the address a placeholder
    /// stood for.
    pub shown_host: String,
    /// When the runner started it.
    pub started: crate::sim::Time,
}

impl CurlJob {
    /// `--connect-timeout`, else curl's default five minutes.
    pub fn connect_timeout(&self, default: u64) -> u64 {
        self.request
            .connect_timeout_ms
            .map_or(default, |ms| ms.saturating_mul(SECOND / 1000))
    }
}
