//! The virtual networks kube-manager R5 creates and the policies that connect them:
//!
//! - the cluster's `k8s-default-pod-network` and `k8s-default-service-network` (project
//!   `k8s-default`), for every namespace that is not isolated, connected by
//!   `k8s-default-pod-service-np`;
//! - for a namespace annotated `opencontrail.org/isolation: "true"`, its own
//!   `k8s-<ns>-pod-network` and `k8s-<ns>-service-network` (project `k8s-<ns>`), connected to
//!   each other, its pod network also to the cluster's service network (kube-dns); nothing else
//!   reaches them;
//! - the floating-IP pool networks the operator defines: `vn-ns-default` (pool
//!   `pool-ns-default`, 101.101.101.0/24) and `vn-global-default` (`pool-global-default`,
//!   102.102.102.0/24).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::control::ipam;
use crate::routing::{Rib, VnKind, Vrf};
use crate::topology::plan;

/// The project of the cluster's shared networks.
pub const CLUSTER_PROJECT: &str = "k8s-default";

/// A floating-IP pool: its network and addresses.
pub struct FipPool {
    pub vrf: Vrf,
    pub subnet: Ipv4Net,
    pub ipam: ipam::Pool,
}

/// The pod and service network of a namespace (or of the cluster).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceNetworks {
    pub pods: Vrf,
    pub services: Vrf,
}

pub struct Networks {
    next_id: u32,
    pub cluster: NamespaceNetworks,
    /// Isolated namespaces' own networks.
    pub isolated: BTreeMap<String, NamespaceNetworks>,
    /// Pools by `default-domain:<project>:<network>:<pool>`.
    pub pools: BTreeMap<String, FipPool>,
    /// Pairs of networks a policy connects, in creation order.
    pub policies: Vec<(Vrf, Vrf)>,
}

/// The fq name of the lab namespace's pool.
pub const NS_POOL_NAME: &str = "default-domain:k8s-ns-user-1:vn-ns-default:pool-ns-default";
/// The fq name of the cluster-wide pool.
pub const GLOBAL_POOL_NAME: &str =
    "default-domain:k8s-default:vn-global-default:pool-global-default";

impl Networks {
    pub fn new() -> Networks {
        let mut n = Networks {
            next_id: 0,
            cluster: NamespaceNetworks {
                pods: Vrf::new(0, CLUSTER_PROJECT, "", VnKind::Pod),
                services: Vrf::new(0, CLUSTER_PROJECT, "", VnKind::Service),
            },
            isolated: BTreeMap::new(),
            pools: BTreeMap::new(),
            policies: Vec::new(),
        };
        n.cluster = n.namespace_networks(CLUSTER_PROJECT, "k8s-default");
        for (name, project, network, subnet) in [
            (
                NS_POOL_NAME,
                "k8s-ns-user-1",
                "vn-ns-default",
                plan::NS_POOL,
            ),
            (
                GLOBAL_POOL_NAME,
                CLUSTER_PROJECT,
                "vn-global-default",
                plan::GLOBAL_POOL,
            ),
        ] {
            let vrf = n.vrf(project, network, VnKind::Public);
            let pool = FipPool {
                vrf,
                subnet,
                ipam: ipam::Pool::new(subnet, false, 0),
            };
            n.pools.insert(name.to_string(), pool);
        }
        n
    }

    fn vrf(&mut self, project: &str, network: &str, kind: VnKind) -> Vrf {
        let v = Vrf::new(self.next_id, project, network, kind);
        self.next_id += 1;
        v
    }

    /// A pod and a service network named `<prefix>-pod-network` and `<prefix>-service-network`
    /// in `project`, connected by a policy.
    fn namespace_networks(&mut self, project: &str, prefix: &str) -> NamespaceNetworks {
        let pods = self.vrf(project, &format!("{prefix}-pod-network"), VnKind::Pod);
        let services = self.vrf(
            project,
            &format!("{prefix}-service-network"),
            VnKind::Service,
        );
        self.policies.push((pods.clone(), services.clone()));
        NamespaceNetworks { pods, services }
    }

    /// Creates an isolated namespace's networks (once); returns the policies created.
    pub fn isolate(&mut self, namespace: &str) -> Vec<(Vrf, Vrf)> {
        if self.isolated.contains_key(namespace) {
            return Vec::new();
        }
        let before = self.policies.len();
        let project = format!("k8s-{namespace}");
        let nets = self.namespace_networks(&project, &project);
        self.policies
            .push((nets.pods.clone(), self.cluster.services.clone()));
        self.isolated.insert(namespace.to_string(), nets);
        self.policies.get(before..).unwrap_or_default().to_vec()
    }

    /// The networks a namespace's pods and services use.
    pub fn of(&self, namespace: &str) -> &NamespaceNetworks {
        self.isolated.get(namespace).unwrap_or(&self.cluster)
    }

    /// The agents' first view: no route yet, the policies' imports in place.
    pub fn rib(&self) -> Rib {
        let mut rib = Rib::default();
        for (a, b) in &self.policies {
            rib.import(a, b);
            rib.import(b, a);
        }
        rib
    }

    /// Takes a floating IP from a pool.
    pub fn allocate(&mut self, pool: &str) -> Option<(Ipv4Addr, Vrf)> {
        let p = self.pools.get_mut(pool)?;
        let ip = p.ipam.allocate().ok()?;
        Some((ip, p.vrf.clone()))
    }

    pub fn release(&mut self, pool: &str, ip: Ipv4Addr) {
        if let Some(p) = self.pools.get_mut(pool) {
            p.ipam.release(ip);
        }
    }
}

impl Default for Networks {
    fn default() -> Self {
        Networks::new()
    }
}

/// The pool an `opencontrail.org/fip-pool` annotation names, as
/// `default-domain:<project>:<network>:<pool>`; `None` when it is not of that form
/// (`{'domain': 'default-domain', 'project': 'k8s-ns-user-1', 'network': 'vn-ns-default',
/// 'name': 'pool-ns-default'}`). The loader refuses any other form with the same reading
/// ([`crate::k8s::annotations::fip_pool_fq_name`]).
pub fn pool_name(annotation: &str) -> Option<String> {
    crate::k8s::annotations::fip_pool_fq_name(annotation).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_isolated_namespace_gets_its_own_networks_connected_to_the_cluster_services() {
        let mut n = Networks::new();
        assert_eq!(
            n.cluster.pods.name(),
            "default-domain:k8s-default:k8s-default-pod-network"
        );
        let created = n.isolate("ns-user-1");
        assert_eq!(created.len(), 2);
        let own = n.of("ns-user-1");
        assert_eq!(
            own.pods.name(),
            "default-domain:k8s-ns-user-1:k8s-ns-user-1-pod-network"
        );
        assert_eq!(n.of("dev"), &n.cluster);
        let rib = n.rib();
        assert!(rib.imports(&own.pods).contains(&n.cluster.services));
        assert!(!rib.imports(&n.cluster.pods).contains(&own.pods));
        assert!(n.isolate("ns-user-1").is_empty(), "once");
    }

    #[test]
    fn pool_annotations_name_a_pool() {
        assert_eq!(
            pool_name(crate::control::apiserver::LAB_FIP_POOL).as_deref(),
            Some(NS_POOL_NAME)
        );
        assert_eq!(pool_name("pool-ns-default"), None);
    }
}
