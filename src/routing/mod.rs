//! Routes as vRouter agents advertise them over XMPP and the control node reflects them over
//! BGP: prefix, next hop, label, local preference, MED; VRFs and their tables.

pub mod table;
pub mod vrf;

use std::net::Ipv4Addr;
use std::sync::Arc;

use serde::Serialize;

use crate::topology::NodeId;
pub use table::{Rib, RouteTable};
pub use vrf::{VnKind, Vrf};

/// A route's prefix.
pub type Prefix = ipnet::Ipv4Net;

/// The /32 of one address.
pub fn host(address: Ipv4Addr) -> Prefix {
    Prefix::from(address)
}

/// One path to a prefix.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RouteAttrs {
    /// The compute that advertised it: the protocol next hop.
    pub origin: NodeId,
    pub next_hop: Ipv4Addr,
    /// The MPLS label that selects the next hop (an interface or a local ECMP composite) on
    /// the origin.
    pub label: u32,
    pub local_pref: u32,
    pub med: u32,
}

/// The paths of a prefix, shared between the tables that hold them.
pub type Paths = Arc<[RouteAttrs]>;

impl RouteAttrs {
    /// The route distinguisher `<next hop>:<vrf index>`.
    pub fn rd(&self, vrf: &Vrf) -> String {
        format!("{}:{}", self.next_hop, vrf.index())
    }
}

/// The MED the control node gives a path whose agent set no MED: 100 for local preference
/// 200, 200 for 100 (`BgpXmppChannel::GetMedFromLocalPref`).
pub fn med_from_local_pref(local_pref: u32) -> u32 {
    match local_pref {
        0 => 0,
        100 => 200,
        200 => 100,
        lp => u32::MAX - lp,
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

    #[test]
    fn med_follows_local_preference_as_the_control_node_derives_it() {
        assert_eq!(med_from_local_pref(200), 100);
        assert_eq!(med_from_local_pref(100), 200);
        assert_eq!(med_from_local_pref(0), 0);
    }

    #[test]
    fn a_vrf_sees_the_routes_of_the_vrfs_it_imports() {
        let pods = Vrf::new(0, "k8s-default", "k8s-default-pod-network", VnKind::Pod);
        let svc = Vrf::new(
            1,
            "k8s-default",
            "k8s-default-service-network",
            VnKind::Service,
        );
        let mut rib = Rib::default();
        let cip = Ipv4Addr::new(10, 96, 0, 20);
        rib.set(&svc, host(cip), Arc::from([path(1, 200, 100)]));
        assert!(rib.lookup(&pods, cip).is_none());
        rib.import(&pods, &svc);
        let (vrf, prefix, paths) = rib.lookup(&pods, cip).expect("leaked");
        assert_eq!((vrf, prefix, paths.len()), (&svc, host(cip), 1));
        let snapshot = rib.clone();
        rib.set(&svc, host(cip), Arc::from([]));
        assert!(rib.lookup(&pods, cip).is_none());
        assert!(
            snapshot.lookup(&pods, cip).is_some(),
            "a snapshot keeps its routes"
        );
    }
}
