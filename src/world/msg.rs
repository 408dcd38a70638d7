//! Every message a component can receive: one closed enum, so dispatch is a `match`.

use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::control::config::{Loadbalancer, PodInterface};
use crate::dataplane::haproxy::config::LbConfig;
use crate::k8s::objects::Object;
use crate::k8s::objects::ObjectKey;
use crate::k8s::store::{Endpoints, StoredObject, WatchKind};
use crate::routing::{Prefix, RouteAttrs, Vrf};
use crate::scenario::model::CurlRequest;
use crate::topology::NodeId;
use crate::trace::Tag;
use crate::wire::Packet;

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
}

/// The components inside a compute node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    Agent,
    VRouter,
    /// A pod by its slot on the node.
    Pod(u16),
    /// An haproxy process by its slot on the node.
    Haproxy(u16),
}

/// Messages between components.
#[derive(Clone, Debug)]
pub enum Msg {
    /// kubectl → kube-apiserver.
    Apply(Arc<Object>),
    Delete(ObjectKey),
    /// kube-apiserver → a watcher.
    Watch(WatchKind, Arc<StoredObject>),
    EndpointsChanged(Arc<Endpoints>),
    /// A controller → kube-apiserver.
    Write(ApiWrite),
    /// contrail-kube-manager → contrail-svc-monitor: a loadbalancer was created or changed.
    LoadbalancerSet(Arc<Loadbalancer>),
    LoadbalancerDeleted(Arc<Loadbalancer>),
    /// contrail-kube-manager → a vRouter agent: plumb (or remove) a pod's interface.
    PodInterfaceAdd(PodInterface),
    PodInterfaceDel(PodInterface),
    /// contrail-svc-monitor → a vRouter agent.
    ServiceFips(Arc<ServiceFips>),
    HaproxyRun(Arc<HaproxyInstance>),
    HaproxyStop {
        lb_uuid: Arc<str>,
    },
    /// vRouter agent → control node (XMPP).
    XmppPublish {
        from: NodeId,
        vrf: Vrf,
        prefix: Prefix,
        attrs: RouteAttrs,
    },
    XmppRetract {
        from: NodeId,
        vrf: Vrf,
        prefix: Prefix,
        label: u32,
    },
    /// Control node → vRouter agent (XMPP): the best paths of a prefix (empty = withdrawn).
    XmppRoutes {
        vrf: Vrf,
        prefix: Prefix,
        paths: Arc<[RouteAttrs]>,
    },
    /// Control node → gateway (MP-BGP): the reflected paths of a prefix (empty = withdrawn).
    BgpRoutes {
        prefix: Prefix,
        paths: Arc<[RouteAttrs]>,
    },
    /// A packet arriving at a component.
    Packet(Packet, Tag),
    /// The runner starts a request at its source.
    CurlStart(Arc<CurlJob>),
    /// A compute fails or recovers: its agent's sessions drop or come back.
    NodeDown(NodeId),
    NodeUp(NodeId),
}

/// Writes to kube-apiserver by the controllers, the scheduler, the kubelet and kube-manager.
#[derive(Clone, Debug)]
pub enum ApiWrite {
    /// A pod created by a Deployment (`owner`), or any object a controller creates.
    Create {
        object: Arc<Object>,
        owner: Option<String>,
    },
    Delete(ObjectKey),
    Bind {
        pod: ObjectKey,
        node: String,
    },
    PodRunning {
        pod: ObjectKey,
        ip: Ipv4Addr,
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
    /// (floating IP, whether it is public, interface, port map servicePort → targetPort).
    pub attachments: Vec<FipAttachment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FipAttachment {
    pub fip: Ipv4Addr,
    pub public: bool,
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
    pub fip: Option<Ipv4Addr>,
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
}
