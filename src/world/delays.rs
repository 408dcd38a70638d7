//! How long things take, in simulated nanoseconds: [`Delays`] for messages and processing,
//! [`Timers`] for the protocol and controller timers that decide what a failure looks like.
//! Every value can be replaced per scenario (`topology.delays`, `topology.timers`).

use crate::sim::time::{MICROSECOND, MILLISECOND, SECOND};

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

/// The timers of the real systems, with their defaults and where each comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timers {
    /// XMPP hold time between a vRouter agent and the control node: 90 s
    /// (`XmppStateMachine::kHoldTime`, controller `src/xmpp/xmpp_state_machine.h`).
    pub xmpp_hold: u64,
    /// XMPP keepalive interval: a third of the hold time, as the state machine sends them.
    pub xmpp_keepalive: u64,
    /// How long a vRouter agent waits before reconnecting to the control node.
    pub xmpp_connect_retry: u64,
    /// BGP hold time between the control node and the gateway: 90 s
    /// (`StateMachine::kHoldTime`, controller `src/bgp/state_machine.h`).
    pub bgp_hold: u64,
    /// BGP keepalive interval: a third of the hold time.
    pub bgp_keepalive: u64,
    /// How long a BGP speaker waits before reconnecting a session that went down.
    pub bgp_connect_retry: u64,
    /// contrail-svc-monitor's periodic check of service instances (`check_service_interval`,
    /// 60 s).
    pub svc_check: u64,
    /// Idle time after which the vRouter ages a flow out (180 s).
    pub flow_idle: u64,
    /// The kubelet posts its node's status this often (`--node-status-update-frequency`, 10 s).
    pub node_status: u64,
    /// The node lifecycle controller checks node status this often (`--node-monitor-period`,
    /// 5 s).
    pub node_monitor: u64,
    /// A node whose status is older than this is NotReady (`--node-monitor-grace-period`,
    /// 40 s).
    pub node_grace: u64,
    /// Pods of a NotReady node are evicted after this (`--pod-eviction-timeout`, 5 min).
    pub pod_eviction: u64,
    /// The kubelet's first delay before restarting a container that exited (10 s, doubling up
    /// to five minutes).
    pub restart_backoff: u64,
    /// Linux's first SYN retransmission timeout (`TCP_TIMEOUT_INIT`, 1 s, doubling).
    pub tcp_syn_rto: u64,
    /// Linux's smallest retransmission timeout for data (`TCP_RTO_MIN`, 200 ms).
    pub tcp_rto_min: u64,
    /// curl's default connect timeout (`DEFAULT_CONNECT_TIMEOUT`, 300 s).
    pub curl_connect_timeout: u64,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            xmpp_hold: 90 * SECOND,
            xmpp_keepalive: 30 * SECOND,
            xmpp_connect_retry: 30 * SECOND,
            bgp_hold: 90 * SECOND,
            bgp_keepalive: 30 * SECOND,
            bgp_connect_retry: 30 * SECOND,
            svc_check: 60 * SECOND,
            flow_idle: 180 * SECOND,
            node_status: 10 * SECOND,
            node_monitor: 5 * SECOND,
            node_grace: 40 * SECOND,
            pod_eviction: 300 * SECOND,
            restart_backoff: 10 * SECOND,
            tcp_syn_rto: SECOND,
            tcp_rto_min: 200 * MILLISECOND,
            curl_connect_timeout: 300 * SECOND,
        }
    }
}

impl Timers {
    /// The names a scenario may set under `topology.timers`.
    pub const NAMES: [&'static str; 16] = [
        "xmpp_hold",
        "xmpp_keepalive",
        "xmpp_connect_retry",
        "bgp_hold",
        "bgp_keepalive",
        "bgp_connect_retry",
        "svc_check",
        "flow_idle",
        "node_status",
        "node_monitor",
        "node_grace",
        "pod_eviction",
        "restart_backoff",
        "tcp_syn_rto",
        "tcp_rto_min",
        "curl_connect_timeout",
    ];

    /// Sets the timer called `name`; false when there is no such timer.
    pub fn set(&mut self, name: &str, ns: u64) -> bool {
        let slot = match name {
            "xmpp_hold" => &mut self.xmpp_hold,
            "xmpp_keepalive" => &mut self.xmpp_keepalive,
            "xmpp_connect_retry" => &mut self.xmpp_connect_retry,
            "bgp_hold" => &mut self.bgp_hold,
            "bgp_keepalive" => &mut self.bgp_keepalive,
            "bgp_connect_retry" => &mut self.bgp_connect_retry,
            "svc_check" => &mut self.svc_check,
            "flow_idle" => &mut self.flow_idle,
            "node_status" => &mut self.node_status,
            "node_monitor" => &mut self.node_monitor,
            "node_grace" => &mut self.node_grace,
            "pod_eviction" => &mut self.pod_eviction,
            "restart_backoff" => &mut self.restart_backoff,
            "tcp_syn_rto" => &mut self.tcp_syn_rto,
            "tcp_rto_min" => &mut self.tcp_rto_min,
            "curl_connect_timeout" => &mut self.curl_connect_timeout,
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

    #[test]
    fn every_named_timer_can_be_set() {
        let mut t = Timers::default();
        for (i, name) in Timers::NAMES.iter().enumerate() {
            assert!(t.set(name, 7 + i as u64), "{name}");
        }
        assert_eq!((t.xmpp_hold, t.curl_connect_timeout), (7, 22));
        assert!(!t.set("kubectl", 1));
    }
}
