//! The cluster's machines: the master, the computes a scenario names (the book's two by
//! default), the gateway and the internet host, with their fabric addresses and the links
//! between them. A scenario's topology is built once by the loader and handed to the world.

pub mod links;
pub mod plan;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::sim::hash::FastMap;
use crate::sim::time::MICROSECOND;

/// A node, by index into the topology's node list: the master first, then the computes in the
/// scenario's order, then the gateway and the internet host.
#[derive(serde::Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u16);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// kube-apiserver, contrail-kube-manager, contrail-svc-monitor, the Contrail control node.
    Master,
    /// vRouter agent and forwarding, kubelet, pods, haproxy.
    Compute,
    /// The MX gateway with VRF `k8s-test`.
    Gateway,
    /// A host on the internet.
    InternetHost,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub role: Role,
    /// The address it speaks BGP/XMPP or tunnels from.
    pub address: Ipv4Addr,
}

/// The names every topology shares, and the book's computes.
pub mod names {
    /// The master: apiserver, kube-manager, svc-monitor, control node.
    pub const MASTER: &str = "cent111";
    /// The gateway router.
    pub const GATEWAY: &str = "camaro";
    /// The internet host.
    pub const INTERNET_HOST: &str = "cent-client";
    /// The book's compute nodes, the default.
    pub const BOOK_COMPUTES: [&str; 2] = ["cent222", "cent333"];
    /// The name of the book's topology.
    pub const BOOK_TOPOLOGY: &str = "book";

    /// The names `computes: N` gives: the book's pattern (cent222 … cent999) for up to eight,
    /// else `compute-1` … `compute-N`.
    pub fn numbered(n: usize) -> Vec<String> {
        if n <= 8 {
            (2..2 + n).map(|d| format!("cent{d}{d}{d}")).collect()
        } else {
            (1..=n).map(|i| format!("compute-{i}")).collect()
        }
    }
}

/// One-way delays of the links, by the roles at their ends.
pub mod delays {
    use super::MICROSECOND;

    /// Between two fabric nodes (computes and the master).
    pub const FABRIC: u64 = 50 * MICROSECOND;
    /// Between the gateway and a fabric node.
    pub const GATEWAY: u64 = 200 * MICROSECOND;
    /// Between the gateway and the internet host.
    pub const INTERNET: u64 = 2_000 * MICROSECOND;
}

/// The cluster's machines and how they are linked.
#[derive(Clone, Debug)]
pub struct Topology {
    nodes: Vec<Node>,
    computes: Vec<NodeId>,
    by_name: BTreeMap<String, NodeId>,
    by_address: FastMap<Ipv4Addr, NodeId>,
}

/// Why a list of computes cannot make a topology.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopologyError {
    NoCompute,
    DuplicateName(String),
    DuplicateAddress(Ipv4Addr),
    TooMany(usize),
}

impl std::fmt::Display for TopologyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TopologyError::NoCompute => f.write_str("a topology needs at least one compute"),
            TopologyError::DuplicateName(n) => write!(f, "node name {n:?} is used twice"),
            TopologyError::DuplicateAddress(a) => write!(f, "address {a} is used twice"),
            TopologyError::TooMany(n) => {
                write!(f, "{n} computes: at most {MAX_COMPUTES} are supported")
            }
        }
    }
}

/// The largest number of computes a topology may have.
pub const MAX_COMPUTES: usize = 4_000;

impl Topology {
    /// The book's lab: cent111 (master), cent222 and cent333 (computes), camaro, cent-client.
    pub fn book() -> Topology {
        let computes: Vec<(String, Option<Ipv4Addr>)> = names::BOOK_COMPUTES
            .iter()
            .map(|n| (n.to_string(), None))
            .collect();
        match Topology::new(&computes) {
            Ok(t) => t,
            Err(e) => unreachable!("the book's topology is valid: {e}"),
        }
    }

    /// The master, the given computes (an address, or the next one from 10.169.25.20 upward),
    /// the gateway and the internet host.
    pub fn new(computes: &[(String, Option<Ipv4Addr>)]) -> Result<Topology, TopologyError> {
        if computes.is_empty() {
            return Err(TopologyError::NoCompute);
        }
        if computes.len() > MAX_COMPUTES {
            return Err(TopologyError::TooMany(computes.len()));
        }
        let mut nodes = vec![Node {
            name: names::MASTER.into(),
            role: Role::Master,
            address: plan::MASTER,
        }];
        let mut next = u32::from(plan::FIRST_COMPUTE);
        for (name, address) in computes {
            let address = address.unwrap_or_else(|| Ipv4Addr::from(next));
            next = u32::from(address).wrapping_add(1);
            nodes.push(Node {
                name: name.clone(),
                role: Role::Compute,
                address,
            });
        }
        nodes.push(Node {
            name: names::GATEWAY.into(),
            role: Role::Gateway,
            address: plan::GATEWAY,
        });
        nodes.push(Node {
            name: names::INTERNET_HOST.into(),
            role: Role::InternetHost,
            address: plan::INTERNET_HOST,
        });
        let mut by_name = BTreeMap::new();
        let mut by_address = FastMap::default();
        for (i, node) in nodes.iter().enumerate() {
            let id = NodeId(i as u16);
            if by_name.insert(node.name.clone(), id).is_some() {
                return Err(TopologyError::DuplicateName(node.name.clone()));
            }
            if by_address.insert(node.address, id).is_some() {
                return Err(TopologyError::DuplicateAddress(node.address));
            }
        }
        let computes = (1..=computes.len()).map(|i| NodeId(i as u16)).collect();
        Ok(Topology {
            nodes,
            computes,
            by_name,
            by_address,
        })
    }

    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (NodeId(i as u16), n))
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[usize::from(id.0)]
    }

    pub fn name(&self, id: NodeId) -> &str {
        &self.node(id).name
    }

    pub fn role(&self, id: NodeId) -> Role {
        self.node(id).role
    }

    pub fn find(&self, name: &str) -> Option<NodeId> {
        self.by_name.get(name).copied()
    }

    pub fn by_address(&self, addr: Ipv4Addr) -> Option<NodeId> {
        self.by_address.get(&addr).copied()
    }

    /// The computes, in the scenario's order.
    pub fn computes(&self) -> &[NodeId] {
        &self.computes
    }

    pub fn is_compute(&self, id: NodeId) -> bool {
        self.role(id) == Role::Compute
    }

    pub fn master(&self) -> NodeId {
        NodeId(0)
    }

    pub fn gateway(&self) -> NodeId {
        NodeId(self.nodes.len() as u16 - 2)
    }

    pub fn internet_host(&self) -> NodeId {
        NodeId(self.nodes.len() as u16 - 1)
    }

    /// The one-way delay of the link between two nodes; `None` when they are not linked.
    /// The fabric joins the master and every compute; the gateway reaches every fabric node;
    /// the internet host reaches only the gateway.
    pub fn link_delay(&self, a: NodeId, b: NodeId) -> Option<u64> {
        use Role::*;
        if a == b {
            return Some(0);
        }
        match (self.role(a), self.role(b)) {
            (Master | Compute, Master | Compute) => Some(delays::FABRIC),
            (Gateway, Master | Compute) | (Master | Compute, Gateway) => Some(delays::GATEWAY),
            (Gateway, InternetHost) | (InternetHost, Gateway) => Some(delays::INTERNET),
            _ => None,
        }
    }

    /// The one-way delay between two nodes (zero inside a node).
    pub fn delay(&self, a: NodeId, b: NodeId) -> u64 {
        self.link_delay(a, b).unwrap_or(delays::INTERNET)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_book_keeps_its_node_ids_and_addresses() {
        let t = Topology::book();
        let built: Vec<(&str, Ipv4Addr)> = t.nodes().map(|(_, n)| (&*n.name, n.address)).collect();
        assert_eq!(
            built,
            [
                ("cent111", Ipv4Addr::new(10, 169, 25, 19)),
                ("cent222", Ipv4Addr::new(10, 169, 25, 20)),
                ("cent333", Ipv4Addr::new(10, 169, 25, 21)),
                ("camaro", Ipv4Addr::new(192, 168, 0, 204)),
                ("cent-client", Ipv4Addr::new(15, 15, 15, 2)),
            ]
        );
        assert_eq!(t.computes(), [NodeId(1), NodeId(2)]);
        assert_eq!((t.gateway(), t.internet_host()), (NodeId(3), NodeId(4)));
    }

    #[test]
    fn computes_are_numbered_upward_from_the_fabric_base_unless_given() {
        let given = Some(Ipv4Addr::new(10, 169, 26, 1));
        let t = Topology::new(&[("a".into(), None), ("b".into(), given), ("c".into(), None)])
            .expect("valid");
        let addrs: Vec<Ipv4Addr> = t.computes().iter().map(|&c| t.node(c).address).collect();
        assert_eq!(
            addrs,
            [
                Ipv4Addr::new(10, 169, 25, 20),
                Ipv4Addr::new(10, 169, 26, 1),
                Ipv4Addr::new(10, 169, 26, 2)
            ]
        );
        assert_eq!(t.find("b"), Some(NodeId(2)));
    }

    #[test]
    fn a_thousand_computes_cross_octets_without_clashing() {
        let names = names::numbered(1000);
        let list: Vec<(String, Option<Ipv4Addr>)> = names.into_iter().map(|n| (n, None)).collect();
        let t = Topology::new(&list).expect("valid");
        assert_eq!(t.computes().len(), 1000);
        let last = *t.computes().last().expect("computes");
        assert_eq!(t.node(last).address, Ipv4Addr::new(10, 169, 28, 251));
        assert_eq!(t.name(last), "compute-1000");
    }

    #[test]
    fn duplicates_and_empty_lists_are_refused() {
        assert_eq!(Topology::new(&[]).err(), Some(TopologyError::NoCompute));
        let dup = Topology::new(&[("cent111".into(), None)]).err();
        assert_eq!(dup, Some(TopologyError::DuplicateName("cent111".into())));
        let clash = Topology::new(&[("x".into(), Some(plan::GATEWAY))]).err();
        assert_eq!(clash, Some(TopologyError::DuplicateAddress(plan::GATEWAY)));
    }

    #[test]
    fn numbered_names_follow_the_book_then_count() {
        assert_eq!(names::numbered(3), ["cent222", "cent333", "cent444"]);
        assert_eq!(names::numbered(9)[8], "compute-9");
    }

    #[test]
    fn links_join_the_fabric_and_the_gateway_only() {
        let t = Topology::book();
        let (m, a, b, g, h) = (NodeId(0), NodeId(1), NodeId(2), NodeId(3), NodeId(4));
        assert_eq!(t.link_delay(a, b), Some(delays::FABRIC));
        assert_eq!(t.link_delay(m, a), Some(delays::FABRIC));
        assert_eq!(t.link_delay(a, g), Some(delays::GATEWAY));
        assert_eq!(t.link_delay(g, h), Some(delays::INTERNET));
        assert_eq!(t.link_delay(a, h), None);
    }
}
