//! How long each kind of message takes, in simulated nanoseconds.

use crate::sim::time::{MICROSECOND, MILLISECOND};

/// Delays of control-plane messages and of processing inside a node. Link delays live on the
/// topology's edges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delays {
    /// kubectl → kube-apiserver.
    pub kubectl: u64,
    /// kube-apiserver → a watcher.
    pub watch: u64,
    /// A Kubernetes controller, the scheduler or kube-manager → kube-apiserver.
    pub api_write: u64,
    /// contrail-kube-manager → the Contrail config (and on to svc-monitor and the agents).
    pub config: u64,
    /// contrail-svc-monitor → a vRouter agent.
    pub svc_monitor: u64,
    /// A container or haproxy process starting.
    pub process_start: u64,
    /// vRouter agent ↔ control node (XMPP).
    pub xmpp: u64,
    /// Control node → gateway (MP-BGP).
    pub bgp: u64,
    /// A pod or haproxy ↔ its vRouter (tap interface).
    pub tap: u64,
    /// haproxy's time to parse a request and pick a backend.
    pub proxy: u64,
    /// The web server's time to answer.
    pub server: u64,
}

impl Default for Delays {
    fn default() -> Self {
        Delays {
            kubectl: MILLISECOND,
            watch: MILLISECOND,
            api_write: 2 * MILLISECOND,
            config: 5 * MILLISECOND,
            svc_monitor: 5 * MILLISECOND,
            process_start: 100 * MILLISECOND,
            xmpp: 2 * MILLISECOND,
            bgp: 5 * MILLISECOND,
            tap: 5 * MICROSECOND,
            proxy: 20 * MICROSECOND,
            server: 50 * MICROSECOND,
        }
    }
}
