//! Names of the book's testbed (see `reference/contrail-model.md`, section 1), in one place.

/// The master: apiserver, kube-manager, svc-monitor, control node.
pub const MASTER: &str = "cent111";
/// The compute nodes (vRouter agent + forwarding); the ones that can be failed and recovered.
pub const COMPUTES: &[&str] = &["cent222", "cent333"];
/// The gateway router.
pub const GATEWAY: &str = "camaro";
/// The internet host.
pub const INTERNET_HOST: &str = "cent-client";
/// Every node of the book's topology.
pub const BOOK_NODES: &[&str] = &["cent111", "cent222", "cent333", "camaro", "cent-client"];
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
