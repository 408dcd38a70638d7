//! Contrail's configuration objects as contrail-kube-manager writes them: loadbalancers with
//! their listeners, pools and members, virtual-machine interfaces, instance and floating IPs.

use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::dataplane::haproxy::config::Certificate;
use crate::k8s::objects::{ObjectKey, PathType};
use crate::routing::Vrf;
use crate::sim::Time;
use crate::topology::NodeId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Provider {
    /// A Service: svc-monitor's ECMP driver.
    Native,
    /// An Ingress: svc-monitor's haproxy driver.
    Opencontrail,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Native => "native",
            Provider::Opencontrail => "opencontrail",
        }
    }
}

/// A loadbalancer object with everything under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loadbalancer {
    /// The Service or Ingress uid.
    pub uuid: String,
    /// `<namespace>__<name>`.
    pub display_name: String,
    pub provider: Provider,
    pub owner: ObjectKey,
    /// When the owner was created: older Ingresses win ties in the Kubernetes profile.
    pub created: Time,
    /// The clusterIP (Service) or the instance IP of the VMI (Ingress).
    pub vip: Ipv4Addr,
    /// The public floating IP, when one was allocated.
    pub fip: Option<Ipv4Addr>,
    /// `<domain>:<project>:<network>:<pool>` of the pool the FIP came from.
    pub fip_pool: Option<String>,
    /// The network of the VIP: the pod network (Ingress) or the service network (Service).
    pub vrf: Vrf,
    /// The public network of the floating IP.
    pub fip_vrf: Option<Vrf>,
    /// The virtual-machine interface holding the VIP (Ingress only).
    pub vmi: Option<String>,
    pub listeners: Vec<Listener>,
    /// An Ingress's TLS containers (`<namespace>__<secret>`, in `spec.tls` order) and the
    /// common names of their certificates, as the vRouter agent will read them.
    pub certificates: Vec<Certificate>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listener {
    pub uuid: String,
    /// `HTTP` (or `TERMINATED_HTTPS` on 443) for an Ingress, `TCP` for a Service.
    pub protocol: &'static str,
    pub port: u16,
    pub pool: Pool,
    /// A `TERMINATED_HTTPS` listener's TLS containers.
    pub tls: Option<ListenerTls>,
}

/// The TLS containers of a `TERMINATED_HTTPS` listener.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListenerTls {
    pub default_container: Option<String>,
    pub sni_containers: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    pub uuid: String,
    pub rule: PoolRule,
    pub members: Vec<Member>,
}

/// The pool annotations kube-manager writes: `type=default` or `type=acl, host=…, path=…`
/// (and, in the Kubernetes profile, `pathType=…`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolRule {
    Default,
    Acl {
        host: Option<String>,
        path: Option<String>,
        /// The rule's `pathType` (Kubernetes profile only; Contrail does not record it).
        path_type: Option<PathType>,
    },
    /// A Service's pool: every member of the listener's port.
    Service,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub uuid: String,
    pub address: Ipv4Addr,
    pub port: u16,
    /// For a Service member: the backend pod's interface.
    pub target: Option<PodInterface>,
    /// For an Ingress member: the Service it points at.
    pub service: Option<ObjectKey>,
}

/// A pod's virtual-machine interface and where it lives.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodInterface {
    pub pod: ObjectKey,
    pub vmi: Arc<str>,
    pub ip: Ipv4Addr,
    pub node: NodeId,
    /// The pod network it is in.
    pub vrf: Vrf,
}
