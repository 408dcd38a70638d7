//! The loadbalancer configuration that svc-monitor's haproxy driver hands to haproxy: one frontend
//! per listener port, one backend per pool. Rendering and request routing read only this model.

use std::net::Ipv4Addr;
use std::sync::Arc;

use super::Semantics;
use crate::k8s::objects::PathType;
use crate::scenario::model::ObjectKey;

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
    /// Which renderer wrote the file and which rules route its requests.
    pub semantics: Semantics,
    pub frontends: Vec<Frontend>,
    pub backends: Vec<Backend>,
}

/// One `frontend` section: all listeners sharing a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frontend {
    /// The uuid of the first listener on this port (the section's name).
    pub listener_uuid: String,
    pub port: u16,
    /// In file order: `use_backend` rules are tried in this order.
    pub pools: Vec<FrontendPool>,
    /// A TLS frontend (`bind … ssl crt …`): haproxy ends TLS, then routes the HTTP inside.
    pub tls: Option<FrontendTls>,
}

/// The certificates of a TLS frontend, in bind-line order: haproxy gives a client the one whose
/// name matches its SNI, else the first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontendTls {
    pub certificates: Vec<Certificate>,
}

/// One `crt` of a bind line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// `<namespace>__<secret>`: the TLS container kube-manager names for a Secret.
    pub container: String,
    /// The certificate's common name, when the Secret exists and holds a readable certificate.
    /// The vRouter agent writes it to `<lb folder>/<cn>.pem`.
    pub cn: Option<String>,
}

impl Certificate {
    /// The PEM file the agent writes, when the certificate could be read.
    pub fn file(&self, lb_uuid: &str) -> Option<String> {
        self.cn
            .as_ref()
            .map(|cn| format!("{}/{lb_uuid}/{cn}.pem", super::render::LB_DIR))
    }

    /// Whether haproxy gives this certificate to a client asking for `sni`: its name is the
    /// server name (ASCII case-insensitively), or a `*.` wildcard over exactly one label of it.
    pub fn matches(&self, sni: &str) -> bool {
        let Some(cn) = &self.cn else { return false };
        if cn.eq_ignore_ascii_case(sni) {
            return true;
        }
        cn.strip_prefix("*.").is_some_and(|suffix| {
            sni.split_once('.')
                .is_some_and(|(label, rest)| !label.is_empty() && rest.eq_ignore_ascii_case(suffix))
        })
    }
}

impl FrontendTls {
    /// The certificate haproxy presents for `sni`: the first matching one, else the first.
    pub fn choose(&self, sni: Option<&str>) -> Option<&Certificate> {
        sni.and_then(|s| self.certificates.iter().find(|c| c.matches(s)))
            .or_else(|| self.certificates.first())
    }

    /// The `ssl crt …` part of the bind line: each certificate's file, or for one whose Secret
    /// could not be read the driver's `crt__<container>` marker (a file haproxy never runs).
    pub fn crt_list(&self, lb_uuid: &str) -> String {
        let crts: Vec<String> = self
            .certificates
            .iter()
            .map(|c| match c.file(lb_uuid) {
                Some(f) => format!("crt {f}"),
                None => format!("crt__{}", c.container),
            })
            .collect();
        format!("ssl {}", crts.join(" "))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontendPool {
    pub pool_uuid: String,
    pub rule: PoolRule,
    /// The Ingress rule the pool stands for, when known (for traces and `diff`; not rendered).
    pub origin: Option<Arc<RuleOrigin>>,
}

/// How a pool is selected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolRule {
    /// `default_backend`: Contrail's `type=default` pool, or the spec's `defaultBackend`.
    Default,
    /// Contrail: the pool's annotations `type=acl, host, path`, rendered as `hdr(host) -i` and
    /// `path` ACLs.
    Acl {
        host: Option<String>,
        path: Option<String>,
    },
    /// The Kubernetes profile: one rule of the merged rule table.
    Route(Route),
}

/// A rule of the Kubernetes profile: which hosts and paths it takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub host: HostMatch,
    pub path: PathMatch,
}

/// The host part of a rule, as the spec reads `rules[].host`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum HostMatch {
    /// `host: www.juniper.net`: the Host header's name, case-insensitively.
    Exact(String),
    /// `host: *.juniper.net`: exactly one label, then this suffix (`.juniper.net`).
    Wildcard(String),
    /// No host: any request whose name no other rule's host takes.
    Any,
}

/// The path part of a rule, as the spec reads `path` and `pathType`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathMatch {
    /// `pathType: Exact`: the path, byte for byte.
    Exact(String),
    /// `pathType: Prefix` (and this simulator's `ImplementationSpecific`): element-wise prefix.
    /// Held without its trailing slashes, so `/` is the empty string and takes every path.
    Prefix(String),
}

/// The Ingress rule a pool stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleOrigin {
    pub ingress: ObjectKey,
    pub source: RuleSource,
    /// The Service the rule sends to.
    pub service: Option<ObjectKey>,
}

/// Which part of the Ingress made the pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleSource {
    /// `rules[].http.paths[]`.
    Path {
        host: Option<String>,
        path: Option<String>,
        path_type: Option<PathType>,
    },
    /// `spec.backend` / `spec.defaultBackend`.
    DefaultBackend,
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
