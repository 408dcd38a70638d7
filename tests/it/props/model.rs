//! A small reference model of where a request ends, written from the model's prose (sections 2
//! and 3) and independent of the simulator's code:
//!
//! - kube-manager makes one pool per rule × path, in order, then one for the default backend;
//!   a backend whose Service does not exist is left out. All listeners are on port 80.
//! - haproxy matches `path` exactly (the target up to `?`, case-sensitive) and `hdr(host) -i`
//!   against the whole Host header, ASCII-case-insensitively (a port is part of the value; no
//!   header matches nothing). A pool with neither host nor path renders an empty condition,
//!   which haproxy never takes. Rules are tried in order, the first match wins, then the
//!   default backend, else 503.
//! - A Service request reaches one of that Service's pods, whatever its Host or path.
//!
//! In the Kubernetes profile the Ingress is read as the spec reads it
//! ([`crate::real_haproxy::spec_model`]); no rule and no default backend is a 404.

use contrail_sim::dataplane::haproxy::Semantics;
use contrail_sim::k8s::objects::PathType as K8sPathType;

use super::cases::{Api, Case, HostHeader, PathType, Request, Target};
use crate::real_haproxy::spec_model::{self, Decision, IngressDef, PathDef, RuleDef};

/// What the client should get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// 200 from a pod of this Service (index into the case's services).
    Service(usize),
    /// haproxy's 503.
    Unavailable,
    /// haproxy's 404 (Kubernetes profile).
    NotFound,
    /// Nothing listens on that port: the connection is refused.
    Refused,
}

/// The Host header value as sent, given curl's own (`host[:port]` of the URL).
pub fn host_value<'a>(req: &'a Request, curl_host: &'a str) -> Option<&'a str> {
    match &req.host {
        HostHeader::Curl => Some(curl_host),
        HostHeader::Absent => None,
        HostHeader::Value(v) => Some(v),
    }
}

/// The expected answer; `curl_host` is the Host header curl derives from the URL.
pub fn expect(case: &Case, req: &Request, curl_host: &str) -> Expect {
    if let Target::ClusterIp(i) = req.target {
        return Expect::Service(i);
    }
    if req.url_port.is_some_and(|p| p != 80) {
        return Expect::Refused;
    }
    let host = host_value(req, curl_host);
    if case.semantics == Semantics::Kubernetes {
        return expect_spec(case, host, &req.path);
    }
    let ing = &case.ingress;
    for rule in &ing.rules {
        for p in &rule.paths {
            let Some(service) = p.backend else { continue };
            if rule.host.is_none() && p.path.is_none() {
                continue;
            }
            let host_ok = rule
                .host
                .is_none_or(|h| host.is_some_and(|v| v.eq_ignore_ascii_case(h)));
            let path_ok = p.path.is_none_or(|want| want == req.path);
            if host_ok && path_ok {
                return Expect::Service(service);
            }
        }
    }
    match ing.default.flatten() {
        Some(service) => Expect::Service(service),
        None => Expect::Unavailable,
    }
}

/// The Kubernetes profile: the spec's decision over the pools kube-manager makes (a backend
/// whose Service does not exist has none).
fn expect_spec(case: &Case, host: Option<&str>, path: &str) -> Expect {
    let ing = &case.ingress;
    let mut services: Vec<Vec<usize>> = Vec::new();
    let rules = ing
        .rules
        .iter()
        .map(|rule| {
            let kept: Vec<(usize, PathDef)> = rule
                .paths
                .iter()
                .filter_map(|p| {
                    let service = p.backend?;
                    // v1beta1 has no pathType: Kubernetes defaults it to ImplementationSpecific.
                    let path_type = match (ing.api, p.path_type) {
                        (Api::V1, PathType::Exact) => K8sPathType::Exact,
                        (Api::V1, PathType::Prefix) => K8sPathType::Prefix,
                        _ => K8sPathType::ImplementationSpecific,
                    };
                    Some((
                        service,
                        PathDef {
                            path: p.path,
                            path_type,
                            service: 0,
                        },
                    ))
                })
                .collect();
            services.push(kept.iter().map(|(s, _)| *s).collect());
            RuleDef {
                host: rule.host,
                paths: kept.into_iter().map(|(_, d)| d).collect(),
            }
        })
        .collect();
    let def = IngressDef {
        rules,
        default: ing.default.flatten().map(|_| 0),
        certs: Vec::new(),
    };
    match spec_model::decision(std::slice::from_ref(&def), host, path) {
        Decision::Rule(_, r, p) => Expect::Service(services[r][p]),
        Decision::Default(_) => ing
            .default
            .flatten()
            .map_or(Expect::NotFound, Expect::Service),
        Decision::NotFound => Expect::NotFound,
    }
}
