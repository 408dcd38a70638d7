//! The book's testbed: nodes, their addresses, the links between them and the address plan.
//! Links form a petgraph graph whose edge weights are one-way delays.

use std::hash::BuildHasherDefault;
use std::net::Ipv4Addr;

use petgraph::graphmap::UnGraphMap;

use crate::sim::hash::FastHasher;
use crate::sim::time::MICROSECOND;

/// A node of the testbed, by index into [`Topology::nodes`].
#[derive(serde::Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u8);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// kube-apiserver, contrail-kube-manager, contrail-svc-monitor, the Contrail control node.
    Master,
    /// vRouter agent and forwarding, pods, haproxy.
    Compute,
    /// The MX gateway with VRF `k8s-test`.
    Gateway,
    /// A host on the internet.
    InternetHost,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub name: &'static str,
    pub role: Role,
    /// The address it speaks BGP/XMPP or tunnels from.
    pub address: Ipv4Addr,
}

/// The names of the book's testbed, in one place: the loader checks references against them and
/// [`Topology::book`] builds the graph from them.
pub mod names {
    /// The master: apiserver, kube-manager, svc-monitor, control node.
    pub const MASTER: &str = "cent111";
    /// The compute nodes (vRouter agent + forwarding); the ones that can be failed and recovered.
    pub const COMPUTES: &[&str] = &["cent222", "cent333"];
    /// The gateway router.
    pub const GATEWAY: &str = "camaro";
    /// The internet host.
    pub const INTERNET_HOST: &str = "cent-client";
    /// Every node of the book's topology.
    pub const BOOK_NODES: &[&str] = &[MASTER, "cent222", "cent333", GATEWAY, INTERNET_HOST];
    /// The name of the only topology today.
    pub const BOOK_TOPOLOGY: &str = "book";

    /// Whether `name` is a node of the book's topology.
    pub fn is_book_node(name: &str) -> bool {
        BOOK_NODES.contains(&name)
    }

    /// Whether `name` is a compute node.
    pub fn is_compute(name: &str) -> bool {
        COMPUTES.contains(&name)
    }
}

/// The address plan of the lab (reference section 1).
pub mod plan {
    use std::net::Ipv4Addr;

    pub const POD_SUBNET: (Ipv4Addr, u8) = (Ipv4Addr::new(10, 32, 0, 0), 12);
    pub const SERVICE_SUBNET: (Ipv4Addr, u8) = (Ipv4Addr::new(10, 96, 0, 0), 12);
    /// The namespace's public pool `pool-ns-default` (virtual network `vn-ns-default`).
    pub const NS_POOL: (Ipv4Addr, u8) = (Ipv4Addr::new(101, 101, 101, 0), 24);
    /// The cluster-wide `pool-global-default`; its subnet is this simulator's choice.
    pub const GLOBAL_POOL: (Ipv4Addr, u8) = (Ipv4Addr::new(102, 102, 102, 0), 24);
    pub const GATEWAY_OUTSIDE: Ipv4Addr = Ipv4Addr::new(15, 15, 15, 1);
    /// The vRouter label the gateway advertises for its VRF's default route.
    pub const GATEWAY_VRF_LABEL: u32 = 16;
    pub const MPLS_OVER_UDP_PORT: u16 = 6635;
    pub const BGP_AS_CONTRAIL: u32 = 60100;
    pub const BGP_AS_GATEWAY: u32 = 13979;
    pub const GATEWAY_VRF: &str = "k8s-test";
}

/// The links between nodes, weighted by their one-way delay; looked up for every packet sent.
pub type Links = UnGraphMap<NodeId, u64, BuildHasherDefault<FastHasher>>;

/// The testbed graph.
pub struct Topology {
    pub nodes: Vec<Node>,
    pub links: Links,
}

impl Topology {
    /// cent111 (master), cent222 and cent333 (computes), camaro (gateway), cent-client.
    pub fn book() -> Topology {
        let nodes = vec![
            Node {
                name: names::MASTER,
                role: Role::Master,
                address: Ipv4Addr::new(10, 169, 25, 19),
            },
            Node {
                name: names::COMPUTES[0],
                role: Role::Compute,
                address: Ipv4Addr::new(10, 169, 25, 20),
            },
            Node {
                name: names::COMPUTES[1],
                role: Role::Compute,
                address: Ipv4Addr::new(10, 169, 25, 21),
            },
            Node {
                name: names::GATEWAY,
                role: Role::Gateway,
                address: Ipv4Addr::new(192, 168, 0, 204),
            },
            Node {
                name: names::INTERNET_HOST,
                role: Role::InternetHost,
                address: Ipv4Addr::new(15, 15, 15, 2),
            },
        ];
        let mut links = Links::default();
        let fabric = 50 * MICROSECOND;
        for (a, b, delay) in [
            (0, 1, fabric),
            (0, 2, fabric),
            (1, 2, fabric),
            (1, 3, 200 * MICROSECOND),
            (2, 3, 200 * MICROSECOND),
            (3, 4, 2_000 * MICROSECOND),
        ] {
            links.add_edge(NodeId(a), NodeId(b), delay);
        }
        Topology { nodes, links }
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[usize::from(id.0)]
    }

    pub fn name(&self, id: NodeId) -> &'static str {
        self.node(id).name
    }

    pub fn find(&self, name: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .and_then(|i| u8::try_from(i).ok())
            .map(NodeId)
    }

    pub fn computes(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.with_role(Role::Compute)
    }

    pub fn with_role(&self, role: Role) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(move |(_, n)| n.role == role)
            .filter_map(|(i, _)| u8::try_from(i).ok().map(NodeId))
    }

    pub fn first(&self, role: Role) -> NodeId {
        self.with_role(role).next().unwrap_or(NodeId(0))
    }

    /// The one-way delay of the direct link between two nodes (zero inside a node).
    pub fn delay(&self, a: NodeId, b: NodeId) -> u64 {
        if a == b {
            0
        } else {
            self.links
                .edge_weight(a, b)
                .copied()
                .unwrap_or(MICROSECOND * 500)
        }
    }

    pub fn by_address(&self, addr: Ipv4Addr) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.address == addr)
            .and_then(|i| u8::try_from(i).ok())
            .map(NodeId)
    }
}

/// True when `addr` lies in `subnet`.
pub fn contains((net, len): (Ipv4Addr, u8), addr: Ipv4Addr) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    };
    u32::from(addr) & mask == u32::from(net) & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_book_graph_is_built_from_the_named_nodes() {
        let t = Topology::book();
        let built: Vec<&str> = t.nodes.iter().map(|n| n.name).collect();
        assert_eq!(built, names::BOOK_NODES);
        let computes: Vec<&str> = t.computes().map(|n| t.name(n)).collect();
        assert_eq!(computes, names::COMPUTES);
    }
}
