//! Routes as vRouter agents advertise them over XMPP and the control node reflects them over
//! BGP: prefix, next hop, label, local preference, MED, route distinguisher.

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::topology::NodeId;

/// A route's prefix.
pub type Prefix = ipnet::Ipv4Net;

/// The /32 of one address.
pub fn host(address: Ipv4Addr) -> Prefix {
    Prefix::from(address)
}

/// The virtual networks whose routing instances (VRFs) the simulation keeps apart.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Vrf {
    /// Pod interfaces and ingress VIPs.
    PodNetwork,
    /// Service cluster IPs.
    ServiceNetwork,
    /// Floating IPs reachable from the gateway.
    Public,
}

impl Vrf {
    pub const ALL: [Vrf; 3] = [Vrf::PodNetwork, Vrf::ServiceNetwork, Vrf::Public];

    /// The routing-instance name as Contrail shows it.
    pub fn name(self) -> &'static str {
        match self {
            Vrf::PodNetwork => "default-domain:k8s-ns-user-1:k8s-ns-user-1-pod-network",
            Vrf::ServiceNetwork => "default-domain:k8s-ns-user-1:k8s-ns-user-1-service-network",
            Vrf::Public => "default-domain:k8s-ns-user-1:vn-ns-default",
        }
    }

    /// The VRF index the agents use in route distinguishers.
    pub fn index(self) -> u16 {
        match self {
            Vrf::PodNetwork => 2,
            Vrf::ServiceNetwork => 3,
            Vrf::Public => 4,
        }
    }
}

/// One path to a prefix.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RouteAttrs {
    /// The compute that advertised it: the protocol next hop.
    pub origin: NodeId,
    pub next_hop: Ipv4Addr,
    /// The MPLS label that selects the interface on the origin.
    pub label: u32,
    pub local_pref: u32,
    pub med: u32,
}

impl RouteAttrs {
    /// The route distinguisher `<next hop>:<vrf index>`.
    pub fn rd(&self, vrf: Vrf) -> String {
        format!("{}:{}", self.next_hop, vrf.index())
    }
}

/// The paths that win: the highest local preference, all of them when tied (ECMP), ordered
/// by lowest MED, then next hop and label.
pub fn best_paths(paths: &[RouteAttrs]) -> Vec<RouteAttrs> {
    let Some(top) = paths.iter().map(|p| p.local_pref).max() else {
        return Vec::new();
    };
    let mut best: Vec<RouteAttrs> = paths
        .iter()
        .filter(|p| p.local_pref == top)
        .copied()
        .collect();
    best.sort_by_key(|p| (p.med, p.next_hop, p.label));
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(n: u8, lp: u32, med: u32) -> RouteAttrs {
        RouteAttrs {
            origin: NodeId(u16::from(n)),
            next_hop: Ipv4Addr::new(10, 0, 0, n),
            label: 16 + u32::from(n),
            local_pref: lp,
            med,
        }
    }

    #[test]
    fn highest_local_preference_wins_and_ties_stay_ecmp() {
        assert_eq!(
            best_paths(&[path(1, 100, 200), path(2, 200, 100)]),
            vec![path(2, 200, 100)]
        );
        assert_eq!(
            best_paths(&[path(2, 200, 100), path(1, 200, 100)]),
            vec![path(1, 200, 100), path(2, 200, 100)]
        );
        assert!(best_paths(&[]).is_empty());
    }
}
