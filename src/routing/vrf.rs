//! Virtual networks and their routing instances (VRFs), as contrail-kube-manager creates them:
//! a pod and a service network per isolated namespace or for the cluster, and the floating-IP
//! pool networks the operator defines. A [`Vrf`] is a cheap shared handle compared by its id.

use std::sync::Arc;

/// What a virtual network is for.
#[derive(serde::Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum VnKind {
    /// Pod interfaces and ingress VIPs.
    Pod,
    /// Service cluster IPs (floating IPs on backend pods).
    Service,
    /// A floating-IP pool reachable from the gateway.
    Public,
}

/// A virtual network's routing instance.
#[derive(Debug, PartialEq, Eq)]
pub struct VrfInfo {
    /// Creation order; also orders VRFs everywhere they are listed.
    pub id: u32,
    /// `default-domain:<project>:<network>`.
    pub fq_name: String,
    /// The network's own name, e.g. `k8s-default-pod-network`.
    pub network: String,
    /// The Contrail project, e.g. `k8s-default` or `k8s-ns-user-1`.
    pub project: String,
    pub kind: VnKind,
}

/// A VRF: shared, compared and ordered by id.
#[derive(Clone, Debug)]
pub struct Vrf(pub Arc<VrfInfo>);

impl Vrf {
    pub fn new(id: u32, project: &str, network: &str, kind: VnKind) -> Vrf {
        Vrf(Arc::new(VrfInfo {
            id,
            fq_name: format!("default-domain:{project}:{network}"),
            network: network.to_string(),
            project: project.to_string(),
            kind,
        }))
    }

    /// The gateway's VRF `k8s-test`, which imports every floating-IP network.
    pub fn gateway() -> Vrf {
        static GATEWAY: std::sync::LazyLock<Vrf> = std::sync::LazyLock::new(|| {
            Vrf(Arc::new(VrfInfo {
                id: u32::MAX,
                fq_name: crate::topology::plan::GATEWAY_VRF.to_string(),
                network: crate::topology::plan::GATEWAY_VRF.to_string(),
                project: String::new(),
                kind: VnKind::Public,
            }))
        });
        GATEWAY.clone()
    }

    pub fn id(&self) -> u32 {
        self.0.id
    }

    pub fn kind(&self) -> VnKind {
        self.0.kind
    }

    /// The routing-instance name as Contrail shows it: the network's fq name.
    pub fn name(&self) -> &str {
        &self.0.fq_name
    }

    pub fn network(&self) -> &str {
        &self.0.network
    }

    /// The VRF index vRouters print (`Vrf:3`) and route distinguishers carry; 0 is the
    /// fabric's.
    pub fn index(&self) -> u32 {
        self.0.id + 1
    }
}

impl PartialEq for Vrf {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}
impl Eq for Vrf {}
impl PartialOrd for Vrf {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Vrf {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.id.cmp(&other.0.id)
    }
}
impl std::hash::Hash for Vrf {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.id.hash(state);
    }
}

impl serde::Serialize for Vrf {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl std::fmt::Display for Vrf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
