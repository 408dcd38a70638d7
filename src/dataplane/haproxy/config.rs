//! The loadbalancer configuration that svc-monitor's haproxy driver hands to haproxy: one frontend
//! per listener port, one backend per pool. Rendering and request routing read only this model.

use std::net::Ipv4Addr;

/// The `defaults` section Contrail writes; haproxy behaves as these say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Defaults {
    /// `retries`: connection attempts after the first.
    pub retries: u8,
    /// `option redispatch`: the last retry may pick another server.
    pub redispatch: bool,
    /// `timeout connect`, `timeout client`, `timeout server`, in milliseconds.
    pub connect_ms: u64,
    pub client_ms: u64,
    pub server_ms: u64,
}

/// Contrail's `defaults` (`haproxy_config.py`).
pub const CONTRAIL_DEFAULTS: Defaults = Defaults {
    retries: 3,
    redispatch: true,
    connect_ms: 5000,
    client_ms: 300_000,
    server_ms: 300_000,
};

/// Everything needed to render one haproxy.conf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LbConfig {
    /// The loadbalancer uuid (= the Ingress uid); names the config folder and the stats socket.
    pub lb_uuid: String,
    pub vip: Ipv4Addr,
    pub frontends: Vec<Frontend>,
    pub backends: Vec<Backend>,
}

/// One `frontend` section: all listeners sharing a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frontend {
    /// The uuid of the first listener on this port.
    pub listener_uuid: String,
    pub port: u16,
    /// In file order: `use_backend` rules are tried in this order.
    pub pools: Vec<FrontendPool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontendPool {
    pub pool_uuid: String,
    pub rule: PoolRule,
}

/// How a pool is selected, from the pool's annotations (`type=default` or `type=acl, host, path`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolRule {
    Default,
    Acl {
        host: Option<String>,
        path: Option<String>,
    },
}

/// One `backend` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    pub pool_uuid: String,
    pub members: Vec<Member>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub member_uuid: String,
    /// For an Ingress: the Service's clusterIP.
    pub address: Ipv4Addr,
    /// For an Ingress: the Ingress servicePort.
    pub port: u16,
    pub weight: u32,
}
