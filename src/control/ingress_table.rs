//! The Kubernetes profile's rule table: one controller serves every Ingress it claims, so the
//! haproxy of each Ingress runs the pools of all of them, ranked as the spec ranks rules.
//!
//! Ranking (first match wins in the rendered file): rules with an exact host, then with a
//! wildcard host, then without host; inside each, the longest path first (a `Prefix` path counts
//! without its trailing slashes) and `Exact` before `Prefix` at equal length; then the older
//! Ingress (creation time, then namespace and name) and the rule's place in it. The default
//! backend is the oldest Ingress's `defaultBackend`. A rule whose host, path and path type
//! repeat an earlier one is shadowed by it, as in a controller that merges Ingresses. When any
//! Ingress has `tls`, an `https` frontend on 443 serves the same rules with every certificate.

use std::cmp::Reverse;
use std::sync::Arc;

use crate::control::config::{Listener, Loadbalancer, PoolRule};
use crate::dataplane::haproxy::Semantics;
use crate::dataplane::haproxy::config::{
    self as hc, Backend, FrontendPool, HostMatch, LbConfig, Member, PathMatch, Route, RuleOrigin,
    RuleSource,
};
use crate::dataplane::haproxy::kubernetes::{HTTP_FRONTEND, HTTPS_FRONTEND};
use crate::k8s::objects::PathType;

/// The Ingress rule a listener's pool stands for.
pub fn rule_origin(lb: &Loadbalancer, listener: &Listener) -> Arc<RuleOrigin> {
    let source = match &listener.pool.rule {
        PoolRule::Acl {
            host,
            path,
            path_type,
        } => RuleSource::Path {
            host: host.clone(),
            path: path.clone(),
            path_type: *path_type,
        },
        PoolRule::Default | PoolRule::Service => RuleSource::DefaultBackend,
    };
    Arc::new(RuleOrigin {
        ingress: lb.owner.clone(),
        source,
        service: listener
            .pool
            .members
            .first()
            .and_then(|m| m.service.clone()),
    })
}

/// The haproxy configuration of `lb` in the Kubernetes profile: its VIP, and the rule table of
/// every Ingress loadbalancer in `ingresses` (which includes `lb`).
pub fn lb_config(lb: &Loadbalancer, ingresses: &[Arc<Loadbalancer>]) -> LbConfig {
    let ordered = ordered_all(ingresses);
    let mut routes: Vec<(RankKey, FrontendPool)> = Vec::new();
    let mut default: Option<FrontendPool> = None;
    let mut backends = Vec::new();
    for owner in ordered {
        // Only the plain-HTTP listeners: Contrail's TERMINATED_HTTPS copies repeat them.
        for listener in owner.listeners.iter().filter(|l| l.port == 80) {
            let origin = Some(rule_origin(owner, listener));
            let pool_uuid = listener.pool.uuid.clone();
            match &listener.pool.rule {
                PoolRule::Acl {
                    host,
                    path,
                    path_type,
                } => {
                    let route = Route {
                        host: host_match(host.as_deref()),
                        path: path_match(path.as_deref(), *path_type),
                    };
                    let key = rank(&route);
                    let pool = FrontendPool {
                        pool_uuid,
                        rule: hc::PoolRule::Route(route),
                        origin,
                    };
                    routes.push((key, pool));
                }
                PoolRule::Default | PoolRule::Service => {
                    if default.is_some() {
                        continue;
                    }
                    default = Some(FrontendPool {
                        pool_uuid,
                        rule: hc::PoolRule::Default,
                        origin,
                    });
                }
            }
            backends.push(backend(listener));
        }
    }
    // Stable: equal keys keep the Ingresses' age and the rules' order.
    routes.sort_by(|a, b| a.0.cmp(&b.0));
    let mut pools: Vec<FrontendPool> = routes.into_iter().map(|(_, p)| p).collect();
    pools.extend(default);
    backends.retain(|b| pools.iter().any(|p| p.pool_uuid == b.pool_uuid));
    let mut frontends = Vec::new();
    let certificates = certificates(&ordered_all(ingresses));
    if !certificates.is_empty() {
        frontends.push(hc::Frontend {
            listener_uuid: HTTPS_FRONTEND.into(),
            port: 443,
            pools: pools.clone(),
            tls: Some(hc::FrontendTls { certificates }),
        });
    }
    frontends.insert(
        0,
        hc::Frontend {
            listener_uuid: HTTP_FRONTEND.into(),
            port: 80,
            pools,
            tls: None,
        },
    );
    LbConfig {
        lb_uuid: lb.uuid.clone(),
        vip: lb.vip,
        semantics: Semantics::Kubernetes,
        frontends,
        backends,
    }
}

/// The Ingresses, oldest first.
fn ordered_all(ingresses: &[Arc<Loadbalancer>]) -> Vec<&Arc<Loadbalancer>> {
    let mut ordered: Vec<&Arc<Loadbalancer>> = ingresses.iter().collect();
    ordered.sort_by(|a, b| (a.created, &a.owner).cmp(&(b.created, &b.owner)));
    ordered
}

/// The certificates of every Ingress's `spec.tls`, oldest Ingress first, each once, those whose
/// Secret could be read (a controller serves the others with its default certificate; here the
/// first one is the default). The HTTPS frontend routes with the same rules as plain HTTP.
fn certificates(ordered: &[&Arc<Loadbalancer>]) -> Vec<hc::Certificate> {
    let mut out: Vec<hc::Certificate> = Vec::new();
    for c in ordered.iter().flat_map(|lb| &lb.certificates) {
        if c.cn.is_some() && !out.iter().any(|o| o.container == c.container) {
            out.push(c.clone());
        }
    }
    out
}

fn backend(listener: &Listener) -> Backend {
    Backend {
        pool_uuid: listener.pool.uuid.clone(),
        members: listener
            .pool
            .members
            .iter()
            .map(|m| Member {
                member_uuid: m.uuid.clone(),
                address: m.address,
                port: m.port,
                weight: 1,
            })
            .collect(),
    }
}

/// `rules[].host` as the spec reads it.
pub fn host_match(host: Option<&str>) -> HostMatch {
    match host {
        None => HostMatch::Any,
        Some(h) => match h.strip_prefix('*') {
            Some(suffix) => HostMatch::Wildcard(suffix.to_string()),
            None => HostMatch::Exact(h.to_string()),
        },
    }
}

/// `path` and `pathType` as the spec reads them. `ImplementationSpecific` (and a v1beta1 path,
/// which defaults to it) is read as `Prefix`; a rule without path takes every path.
pub fn path_match(path: Option<&str>, path_type: Option<PathType>) -> PathMatch {
    match (path, path_type) {
        (Some(p), Some(PathType::Exact)) => PathMatch::Exact(p.to_string()),
        (Some(p), _) => PathMatch::Prefix(p.trim_end_matches('/').to_string()),
        (None, _) => PathMatch::Prefix(String::new()),
    }
}

/// Sorts rules: host class, host, longer path first, `Exact` before `Prefix`.
type RankKey = (u8, String, Reverse<usize>, u8);

fn rank(route: &Route) -> RankKey {
    let (class, host) = match &route.host {
        HostMatch::Exact(h) => (0, h.clone()),
        HostMatch::Wildcard(s) => (1, s.clone()),
        HostMatch::Any => (2, String::new()),
    };
    let (len, kind) = match &route.path {
        PathMatch::Exact(p) => (p.len(), 0),
        PathMatch::Prefix(p) => (p.len(), 1),
    };
    (class, host, Reverse(len), kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_reading_of_hosts_and_paths() {
        assert_eq!(host_match(None), HostMatch::Any);
        assert_eq!(
            host_match(Some("*.foo.com")),
            HostMatch::Wildcard(".foo.com".into())
        );
        assert_eq!(host_match(Some("a.io")), HostMatch::Exact("a.io".into()));
        assert_eq!(
            path_match(Some("/a/"), Some(PathType::Exact)),
            PathMatch::Exact("/a/".into())
        );
        assert_eq!(
            path_match(Some("/a/"), Some(PathType::Prefix)),
            PathMatch::Prefix("/a".into())
        );
        assert_eq!(
            path_match(Some("/"), None),
            PathMatch::Prefix(String::new())
        );
        assert_eq!(
            path_match(Some("//a"), Some(PathType::ImplementationSpecific)),
            PathMatch::Prefix("//a".into())
        );
        assert_eq!(path_match(None, None), PathMatch::Prefix(String::new()));
    }

    #[test]
    fn rank_puts_specific_rules_first() {
        let r = |h: Option<&str>, p: &str, t| {
            rank(&Route {
                host: host_match(h),
                path: path_match(Some(p), Some(t)),
            })
        };
        let mut keys = [
            r(None, "/", PathType::Prefix),
            r(Some("*.a.io"), "/x", PathType::Prefix),
            r(Some("b.a.io"), "/x", PathType::Prefix),
            r(Some("b.a.io"), "/x", PathType::Exact),
            r(Some("b.a.io"), "/x/y", PathType::Prefix),
        ];
        keys.sort();
        assert_eq!(keys[0], r(Some("b.a.io"), "/x/y", PathType::Prefix));
        assert_eq!(keys[1], r(Some("b.a.io"), "/x", PathType::Exact));
        assert_eq!(keys[2], r(Some("b.a.io"), "/x", PathType::Prefix));
        assert_eq!(keys[3], r(Some("*.a.io"), "/x", PathType::Prefix));
        assert_eq!(keys[4], r(None, "/", PathType::Prefix));
    }
}
