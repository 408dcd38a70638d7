//! The control-plane timeline: what each component did, when, and because of which event.

use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::control::config::Provider;
use crate::k8s::store::WatchKind;
use crate::routing::{Prefix, Vrf};
use crate::scenario::model::ObjectKey;
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
    Gateway,
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
    Interface {
        pod: ObjectKey,
        vmi: Arc<str>,
        ip: Ipv4Addr,
        node: NodeId,
    },
    PodRunning {
        pod: ObjectKey,
        ip: Ipv4Addr,
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
    IngressStatus {
        ingress: ObjectKey,
        ips: Vec<Ipv4Addr>,
    },
    ServiceInstance {
        uuid: Arc<str>,
        active: NodeId,
        standby: NodeId,
    },
    EcmpFloatingIps {
        service: ObjectKey,
        fip: Ipv4Addr,
        interfaces: usize,
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
        med: u32,
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
    /// An object the controller could not act on yet (e.g. an Ingress naming a missing Service).
    Waiting {
        key: ObjectKey,
        reason: &'static str,
    },
    /// An object's fip-pool annotation names a pool that does not exist: no floating IP.
    NoFloatingIp {
        key: ObjectKey,
        pool: String,
    },
    /// Something the component refused (pool exhausted, no healthy compute...).
    Failed {
        key: ObjectKey,
        reason: String,
    },
}
