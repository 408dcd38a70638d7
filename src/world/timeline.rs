//! The control-plane timeline: what each component did, when, and because of which event.

use std::net::Ipv4Addr;
use std::sync::Arc;

use super::msg::Session;
use crate::control::config::Provider;
use crate::k8s::objects::ObjectKey;
use crate::k8s::store::WatchKind;
use crate::routing::{Prefix, Vrf};
use crate::sim::{EventId, Time};
use crate::topology::NodeId;

/// The component that acted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Actor {
    ApiServer,
    Scheduler,
    ControllerManager,
    KubeManager,
    SvcMonitor,
    ControlNode,
    Agent(NodeId),
    Kubelet(NodeId),
    Gateway,
    /// The fault layer: a session's keepalives stop or resume.
    Network,
}

/// One control-plane record.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    pub at: Time,
    pub event: EventId,
    pub cause: Option<EventId>,
    pub actor: Actor,
    pub what: What,
}

/// Why a session went down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEnded {
    /// Nothing came from the peer for a hold time after this.
    HoldExpired { last_heard: Time },
    /// The peer's TCP connection closed (its process crashed).
    Closed,
    /// The peer restarted: the old connection is dead.
    Reset,
    /// The peer opened a new session.
    Replaced,
}

#[derive(Clone, Debug, PartialEq)]
pub enum What {
    Stored {
        key: ObjectKey,
        watch: WatchKind,
        resource_version: u64,
    },
    Unchanged {
        key: ObjectKey,
    },
    ClusterIp {
        service: ObjectKey,
        ip: Ipv4Addr,
    },
    PodCreated {
        pod: ObjectKey,
        deployment: String,
    },
    Scheduled {
        pod: ObjectKey,
        node: String,
    },
    Endpoints {
        service: ObjectKey,
        count: usize,
    },
    NetworkPolicy {
        a: Vrf,
        b: Vrf,
    },
    Interface {
        pod: ObjectKey,
        vmi: Arc<str>,
        ip: Ipv4Addr,
        node: NodeId,
        vrf: Vrf,
    },
    InterfacePlumbed {
        pod: ObjectKey,
        ip: Ipv4Addr,
        vrf: Vrf,
    },
    ContainerStarted {
        pod: ObjectKey,
        restarts: u32,
    },
    ContainerExited {
        pod: ObjectKey,
    },
    Loadbalancer {
        uuid: Arc<str>,
        name: String,
        provider: Provider,
        vip: Ipv4Addr,
        fip: Option<Ipv4Addr>,
        pools: usize,
        members: usize,
        created: bool,
    },
    LoadbalancerDeleted {
        uuid: Arc<str>,
        name: String,
    },
    /// An Ingress whose annotated floating-IP pool does not exist gets none.
    NoFloatingIp {
        key: ObjectKey,
        pool: String,
    },
    IngressStatus {
        ingress: ObjectKey,
        ips: Vec<Ipv4Addr>,
    },
    ServiceInstance {
        uuid: Arc<str>,
        active: Option<NodeId>,
        standby: Option<NodeId>,
    },
    EcmpFloatingIps {
        service: ObjectKey,
        fip: Ipv4Addr,
        interfaces: usize,
    },
    /// svc-monitor's verdict on a vRouter.
    VrouterState {
        node: NodeId,
        up: bool,
    },
    VmUnscheduled {
        uuid: Arc<str>,
        node: NodeId,
    },
    NoVrouter {
        uuid: Arc<str>,
    },
    HaproxyStarted {
        uuid: Arc<str>,
        pid: u32,
        previous: Option<u32>,
    },
    HaproxyStopped {
        uuid: Arc<str>,
        pid: u32,
    },
    /// The process exited by itself (a fault): its interface and routes stay.
    HaproxyExited {
        uuid: Arc<str>,
        pid: u32,
    },
    /// The agent could not run a configuration (a certificate it cannot fetch, a line haproxy
    /// cannot read).
    HaproxyFailed {
        uuid: Arc<str>,
        reason: String,
    },
    Published {
        vrf: Vrf,
        prefix: Prefix,
        label: u32,
        local_pref: u32,
    },
    Retracted {
        vrf: Vrf,
        prefix: Prefix,
        label: u32,
    },
    BestPath {
        vrf: Vrf,
        prefix: Prefix,
        next_hops: Vec<Ipv4Addr>,
        local_pref: u32,
    },
    GatewayRoute {
        prefix: Prefix,
        next_hops: Vec<Ipv4Addr>,
        local_pref: u32,
    },
    /// A session's keepalives stop reaching the other end, or get through again.
    Path {
        session: Session,
        up: bool,
    },
    SessionUp {
        session: Session,
    },
    SessionDown {
        session: Session,
        why: SessionEnded,
    },
    /// The path is cut while the session is up: the hold timer runs out at `expires`.
    HoldRunning {
        session: Session,
        last_heard: Time,
        expires: Time,
    },
    /// The path came back before the hold timer ran out.
    SessionResumed {
        session: Session,
    },
    /// An agent whose session went down keeps the routes it learned.
    RoutesKept,
    ProcessStarted {
        /// It starts with nothing learned.
        empty: bool,
    },
    ProcessStopped,
    /// The node lifecycle controller hears no more status from a node.
    NodeSilent {
        node: NodeId,
        last_status: Time,
        not_ready_at: Time,
    },
    NodeReady {
        node: NodeId,
        ready: bool,
    },
    Evicting {
        node: NodeId,
        pods: usize,
    },
    EvictionsHeld {
        why: &'static str,
    },
    /// An object the controller could not act on yet (e.g. an Ingress naming a missing Service).
    Waiting {
        key: ObjectKey,
        reason: &'static str,
    },
    /// Something the component refused (pool exhausted, no healthy compute...).
    Failed {
        key: ObjectKey,
        reason: String,
    },
}
