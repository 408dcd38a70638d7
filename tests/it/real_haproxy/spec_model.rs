//! What the Kubernetes Ingress spec promises, written from its prose and independent of the
//! simulator's rule table: generated sets of Ingresses (as kube-manager's loadbalancers), and
//! the backend the spec gives a request.
//!
//! The model: the Host header's name (before any `:`, case-folded) picks the rules first — the
//! rules naming it exactly, else the wildcard rules it matches (`*.a.io` takes one label), else
//! the rules without host. Among those, the longest matching path wins (a `Prefix` path is
//! compared element by element and without its trailing slashes; `ImplementationSpecific` reads
//! as `Prefix`), `Exact` before `Prefix` at equal length, then the oldest Ingress and the first
//! rule. No match: the oldest Ingress's default backend, else 404.

use std::net::Ipv4Addr;
use std::sync::Arc;

use contrail_sim::control::config::{Listener, Loadbalancer, Member, Pool, PoolRule, Provider};
use contrail_sim::dataplane::haproxy::config::Certificate;
use contrail_sim::k8s::objects::{Kind, PathType};
use contrail_sim::routing::{VnKind, Vrf};
use contrail_sim::scenario::model::ObjectKey;
use contrail_sim::sim::Time;
use proptest::prelude::*;
use proptest::sample::select;

/// Rule hosts (`None`: no host).
const HOSTS: &[Option<&str>] = &[
    Some("a.io"),
    Some("b.io"),
    Some("www.a.io"),
    Some("*.a.io"),
    Some("*.b.a.io"),
    None,
];
/// Rule paths; `//a` only with `ImplementationSpecific`, as Kubernetes requires.
const PATHS: &[&str] = &["/", "/a", "/a/", "/a/b", "/ab", "/b", "//a", "/a b", "/c#d"];
const TYPES: &[PathType] = &[
    PathType::Exact,
    PathType::Prefix,
    PathType::ImplementationSpecific,
];

#[derive(Clone, Debug)]
pub struct PathDef {
    pub path: Option<&'static str>,
    pub path_type: PathType,
    pub service: u8,
}

#[derive(Clone, Debug)]
pub struct RuleDef {
    pub host: Option<&'static str>,
    pub paths: Vec<PathDef>,
}

#[derive(Clone, Debug)]
pub struct IngressDef {
    pub rules: Vec<RuleDef>,
    pub default: Option<u8>,
    /// The common names of its `spec.tls` certificates (Secrets all readable).
    pub certs: Vec<&'static str>,
}

fn path_def() -> impl Strategy<Value = PathDef> {
    (
        proptest::option::weighted(0.9, select(PATHS)),
        select(TYPES),
        0u8..4,
    )
        .prop_map(|(path, path_type, service)| {
            // Kubernetes: Exact and Prefix need a path without `//`.
            let strict = matches!(path_type, PathType::Exact | PathType::Prefix);
            let path_type = if strict && (path.is_none() || path == Some("//a")) {
                PathType::ImplementationSpecific
            } else {
                path_type
            };
            PathDef {
                path,
                path_type,
                service,
            }
        })
}

fn ingress_def() -> impl Strategy<Value = IngressDef> {
    let rule = (select(HOSTS), proptest::collection::vec(path_def(), 1..=3))
        .prop_map(|(host, paths)| RuleDef { host, paths });
    (
        proptest::collection::vec(rule, 0..=3),
        proptest::option::weighted(0.3, 0u8..4),
        proptest::sample::subsequence(super::arb::CERT_NAMES, 0..=2),
    )
        .prop_map(|(rules, default, certs)| IngressDef {
            rules,
            default,
            certs,
        })
}

/// One to three Ingresses, in creation order.
pub fn ingress_set() -> impl Strategy<Value = Vec<IngressDef>> {
    proptest::collection::vec(ingress_def(), 1..=3)
}

/// The pool uuid of rule `r`, path `p` of Ingress `i`, and of its default backend.
pub fn pool_id(i: usize, r: usize, p: usize) -> String {
    format!("p{i}-{r}-{p}")
}

pub fn default_pool_id(i: usize) -> String {
    format!("d{i}")
}

fn listener(i: usize, pool: String, rule: PoolRule, service: u8) -> Listener {
    Listener {
        uuid: format!("l-{pool}"),
        protocol: "HTTP",
        port: 80,
        pool: Pool {
            uuid: pool.clone(),
            rule,
            members: vec![Member {
                uuid: format!("m-{pool}"),
                address: Ipv4Addr::new(10, 103, i as u8, service),
                port: 8888,
                target: None,
                service: Some(ObjectKey {
                    kind: Kind::Service,
                    namespace: "ns-user-1".into(),
                    name: format!("svc-{service}").into(),
                }),
            }],
        },
        tls: None,
    }
}

/// kube-manager's loadbalancers for the set (Kubernetes profile: pools carry the path type).
pub fn loadbalancers(set: &[IngressDef]) -> Vec<Arc<Loadbalancer>> {
    set.iter()
        .enumerate()
        .map(|(i, ing)| {
            let mut listeners = Vec::new();
            for (r, rule) in ing.rules.iter().enumerate() {
                for (p, path) in rule.paths.iter().enumerate() {
                    let acl = PoolRule::Acl {
                        host: rule.host.map(str::to_owned),
                        path: path.path.map(str::to_owned),
                        path_type: Some(path.path_type),
                    };
                    listeners.push(listener(i, pool_id(i, r, p), acl, path.service));
                }
            }
            if let Some(s) = ing.default {
                listeners.push(listener(i, default_pool_id(i), PoolRule::Default, s));
            }
            Arc::new(Loadbalancer {
                uuid: format!("a11ce000-0000-4000-8000-00000000000{i}"),
                display_name: format!("ns-user-1__ing-{i}"),
                provider: Provider::Opencontrail,
                owner: ObjectKey {
                    kind: Kind::Ingress,
                    namespace: "ns-user-1".into(),
                    name: format!("ing-{i}").into(),
                },
                created: Time(i as u64 * 1000),
                vip: Ipv4Addr::new(10, 47, 255, 250 - i as u8),
                fip: None,
                fip_pool: None,
                vrf: Vrf::new(0, "k8s-default", "k8s-default-pod-network", VnKind::Pod),
                fip_vrf: None,
                vmi: None,
                listeners,
                certificates: ing
                    .certs
                    .iter()
                    .map(|cn| Certificate {
                        container: format!("ns-user-1__{}", cn.replace('*', "star")),
                        cn: Some((*cn).to_owned()),
                    })
                    .collect(),
            })
        })
        .collect()
}

/// A request's Host header (`None`: absent) and path.
pub fn request() -> impl Strategy<Value = (Option<String>, String)> {
    let host = prop_oneof![
        2 => Just(None),
        6 => select(&["a.io", "b.io", "www.a.io", "x.a.io", "y.b.a.io", "z.y.b.a.io", "a.io.", "other.org"][..])
            .prop_map(|h| Some(h.to_owned())),
        2 => select(&["A.IO:8080", "www.a.io:80", "X.a.io:443", "b.io:"][..]).prop_map(|h| Some(h.to_owned())),
    ];
    let path = select(
        &[
            "/", "/a", "/a/", "/a/b", "/a/b/c", "/ab", "/b", "/b/", "//a", "//a/x", "/A", "/c",
        ][..],
    )
    .prop_map(str::to_owned);
    (host, path)
}

/// Where the spec sends a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Ingress `i`, rule `r`, path `p`.
    Rule(usize, usize, usize),
    /// Ingress `i`'s default backend.
    Default(usize),
    NotFound,
}

impl Decision {
    /// The pool uuid [`loadbalancers`] gives the decision (`None`: 404).
    pub fn pool(self) -> Option<String> {
        match self {
            Decision::Rule(i, r, p) => Some(pool_id(i, r, p)),
            Decision::Default(i) => Some(default_pool_id(i)),
            Decision::NotFound => None,
        }
    }
}

/// Where the spec sends the request: a pool uuid, or `None` for 404.
pub fn decide(set: &[IngressDef], host: Option<&str>, path: &str) -> Option<String> {
    decision(set, host, path).pool()
}

/// Where the spec sends the request.
pub fn decision(set: &[IngressDef], host: Option<&str>, path: &str) -> Decision {
    let name = host.map(|h| h.split(':').next().unwrap_or("").to_ascii_lowercase());
    let rules = || {
        set.iter().enumerate().flat_map(|(i, ing)| {
            ing.rules.iter().enumerate().flat_map(move |(r, rule)| {
                rule.paths
                    .iter()
                    .enumerate()
                    .map(move |(p, def)| (i, r, p, rule.host, def))
            })
        })
    };
    let exact = |h: &str| name.as_deref() == Some(h);
    let wildcard = |h: &str| {
        let suffix = h.strip_prefix('*').unwrap_or(h);
        name.as_deref().is_some_and(|n| {
            n.strip_suffix(suffix)
                .is_some_and(|label| !label.is_empty() && !label.contains('.'))
        })
    };
    let named_exactly =
        rules().any(|(.., h, _)| h.is_some_and(|h| !h.starts_with('*') && exact(h)));
    let named_by_wildcard =
        rules().any(|(.., h, _)| h.is_some_and(|h| h.starts_with('*') && wildcard(h)));
    let applies = |h: Option<&str>| match h {
        Some(h) if h.starts_with('*') => !named_exactly && wildcard(h),
        Some(h) => exact(h),
        None => !named_exactly && !named_by_wildcard,
    };
    // (matched length, Exact first, creation order, rule, path) — smallest wins after the length.
    let mut best: Option<(usize, u8, usize, usize, usize)> = None;
    for (i, r, p, h, def) in rules() {
        if !applies(h) {
            continue;
        }
        let Some(len) = path_match(def, path) else {
            continue;
        };
        let exact_first = u8::from(def.path_type != PathType::Exact);
        let better = match best {
            None => true,
            Some((blen, bexact, ..)) => len > blen || (len == blen && exact_first < bexact),
        };
        if better {
            best = Some((len, exact_first, i, r, p));
        }
    }
    if let Some((_, _, i, r, p)) = best {
        return Decision::Rule(i, r, p);
    }
    set.iter()
        .position(|ing| ing.default.is_some())
        .map_or(Decision::NotFound, Decision::Default)
}

/// The length of the rule path that matches `path`, if it does.
fn path_match(def: &PathDef, path: &str) -> Option<usize> {
    let rule = def.path.unwrap_or("");
    if def.path_type == PathType::Exact {
        return (rule == path).then_some(rule.len());
    }
    // Prefix: element by element. Split both at '/'; the rule's elements (trailing slashes
    // dropped) must be the first elements of the request path.
    let rule = rule.trim_end_matches('/');
    if rule.is_empty() {
        return path.starts_with('/').then_some(0);
    }
    let want: Vec<&str> = rule.split('/').collect();
    let got: Vec<&str> = path.split('/').collect();
    let prefix = got.len() >= want.len() && got[..want.len()] == want[..];
    prefix.then_some(rule.len())
}
