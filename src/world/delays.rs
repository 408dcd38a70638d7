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

impl Delays {
    /// The names a scenario may set under `topology.delays`.
    pub const NAMES: [&'static str; 11] = [
        "kubectl",
        "watch",
        "api_write",
        "config",
        "svc_monitor",
        "process_start",
        "xmpp",
        "bgp",
        "tap",
        "proxy",
        "server",
    ];

    /// Sets the delay called `name`; false when there is no such delay.
    pub fn set(&mut self, name: &str, ns: u64) -> bool {
        let slot = match name {
            "kubectl" => &mut self.kubectl,
            "watch" => &mut self.watch,
            "api_write" => &mut self.api_write,
            "config" => &mut self.config,
            "svc_monitor" => &mut self.svc_monitor,
            "process_start" => &mut self.process_start,
            "xmpp" => &mut self.xmpp,
            "bgp" => &mut self.bgp,
            "tap" => &mut self.tap,
            "proxy" => &mut self.proxy,
            "server" => &mut self.server,
            _ => return false,
        };
        *slot = ns;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_delay_can_be_set() {
        let mut d = Delays::default();
        for (i, name) in Delays::NAMES.iter().enumerate() {
            assert!(d.set(name, 1000 + i as u64), "{name}");
        }
        assert_eq!((d.kubectl, d.server), (1000, 1010));
        assert!(!d.set("nope", 1));
    }
}
