//! haproxy's choice explained: the haproxy.conf the request met, its rule lines marked, and for
//! each rule of the frontend why it did or did not take the request.

use super::model::{ConfLine, RuleView, Verdict};
use crate::dataplane::haproxy::Semantics;
use crate::dataplane::haproxy::config::{Frontend, FrontendPool, HostMatch, PathMatch, PoolRule};
use crate::dataplane::haproxy::kubernetes::{host_name, path_matches, wildcard_matches};
use crate::dataplane::haproxy::rules::{host_acl_matches, path_acl_matches};
use crate::report::names::hop_name;
use crate::scenario::run::CurlResult;
use crate::trace::{Component, HttpRule, Step};
use crate::world::World;

/// The rule view of the haproxy that routed `r`, when one did.
pub fn rule_view(world: &World, r: &CurlResult) -> Option<RuleView> {
    let (hop, rule, port) = world.trace.hops_of(r.request_id).find_map(|h| {
        let steps = world.trace.steps_of(h);
        let rule = steps.iter().find_map(|s| match s {
            Step::HttpRule(rule) => Some(rule),
            _ => None,
        })?;
        let port = steps.iter().find_map(|s| match s {
            Step::Receive { key, .. } => Some(key.dport),
            _ => None,
        });
        Some((h, rule, port))
    })?;
    let Component::Haproxy(slot) = hop.component else {
        return None;
    };
    let haproxy = world.compute(hop.node)?.haproxies.get(slot as usize)?;
    let config = &haproxy.instance.config;
    let frontend = config
        .frontends
        .iter()
        .find(|f| Some(f.port) == port)
        .or(config.frontends.first())?;
    let verdicts = frontend
        .pools
        .iter()
        .map(|p| verdict(p, rule, config.semantics))
        .collect();
    Some(RuleView {
        haproxy: hop_name(world, hop.node, hop.component),
        host: rule.host.as_deref().map(str::to_string),
        path: rule.path.to_string(),
        lines: lines(&haproxy.instance.conf, frontend, rule),
        verdicts,
    })
}

/// The file's lines; those of the chosen pool (and its server) marked `match`, those of the
/// frontend's other pools `miss`.
fn lines(conf: &str, frontend: &Frontend, rule: &HttpRule) -> Vec<ConfLine> {
    let chosen = rule.pool.as_deref();
    let server = rule.server.map(|(a, p)| format!(" {a}:{p} "));
    let mut in_chosen_backend = false;
    conf.lines()
        .map(|text| {
            if text.starts_with("backend ") {
                in_chosen_backend = chosen.is_some_and(|c| text.contains(c));
            }
            let mark = if chosen.is_some_and(|c| text.contains(c))
                || (in_chosen_backend
                    && server
                        .as_deref()
                        .is_some_and(|s| format!("{text} ").contains(s)))
            {
                "match"
            } else if frontend
                .pools
                .iter()
                .any(|p| Some(p.pool_uuid.as_str()) != chosen && text.contains(&p.pool_uuid))
            {
                "miss"
            } else {
                ""
            };
            ConfLine {
                text: text.to_string(),
                mark,
            }
        })
        .collect()
}

/// Why one rule of the frontend took the request or not.
fn verdict(pool: &FrontendPool, rule: &HttpRule, semantics: Semantics) -> Verdict {
    let chosen = rule.pool.as_deref() == Some(pool.pool_uuid.as_str());
    let target = pool
        .origin
        .as_ref()
        .and_then(|o| o.service.as_ref())
        .map_or_else(
            || format!("backend {}", short(&pool.pool_uuid)),
            |s| format!("service/{}", s.name),
        );
    let (what, misses) = match &pool.rule {
        PoolRule::Default => {
            let why = if chosen {
                "no rule held: the default backend takes the request"
            } else if rule.pool.is_some() {
                "the default backend: used only when no rule holds, and one did"
            } else {
                "the default backend"
            };
            return Verdict {
                rule: format!("default_backend -> {target}"),
                matched: chosen,
                why: why.to_string(),
            };
        }
        PoolRule::Acl { host, path } => (
            describe(host.as_deref(), path.as_deref()),
            acl_misses(host.as_deref(), path.as_deref(), rule),
        ),
        PoolRule::Route(route) => (
            describe(
                Some(&match &route.host {
                    HostMatch::Exact(h) => h.clone(),
                    HostMatch::Wildcard(s) => format!("*{s}"),
                    HostMatch::Any => "(any)".to_string(),
                }),
                Some(&match &route.path {
                    PathMatch::Exact(p) => format!("{p} (Exact)"),
                    PathMatch::Prefix(p) => format!("{p}/ (Prefix)"),
                }),
            ),
            route_misses(&route.host, &route.path, rule),
        ),
    };
    let why = if chosen {
        "matched: haproxy takes this rule".to_string()
    } else if !misses.is_empty() {
        misses.join("; ")
    } else {
        match semantics {
            Semantics::Contrail => "holds too, but an earlier use_backend line was taken".into(),
            Semantics::Kubernetes => {
                "holds too, but the spec's precedence picks another rule (exact host before \
                 wildcard, longest path, Exact before Prefix)"
                    .into()
            }
        }
    };
    Verdict {
        rule: format!("{what} -> {target}"),
        matched: chosen,
        why,
    }
}

fn describe(host: Option<&str>, path: Option<&str>) -> String {
    match (host, path) {
        (None, None) => "use_backend with an empty condition".to_string(),
        (h, p) => format!(
            "Host {} path {}",
            h.unwrap_or("(any)"),
            p.unwrap_or("(any)")
        ),
    }
}

/// Contrail's ACLs: the whole Host header case-insensitively, the path byte for byte.
fn acl_misses(host: Option<&str>, path: Option<&str>, rule: &HttpRule) -> Vec<String> {
    if host.is_none() && path.is_none() {
        return vec!["an empty condition: haproxy never takes it".to_string()];
    }
    let mut misses = Vec::new();
    if let Some(h) = host
        && !rule.host.as_deref().is_some_and(|v| host_acl_matches(v, h))
    {
        misses.push(match rule.host.as_deref() {
            Some(v) => format!("Host {v} is not {h}"),
            None => "no Host header".to_string(),
        });
    }
    if let Some(p) = path
        && !path_acl_matches(p, &rule.path)
    {
        misses.push(format!(
            "path {} is not {p} (an exact, case-sensitive match)",
            rule.path
        ));
    }
    misses
}

/// The Kubernetes profile: the Host header's name, the path exact or element by element.
fn route_misses(host: &HostMatch, path: &PathMatch, rule: &HttpRule) -> Vec<String> {
    let name = rule.host.as_deref().map(host_name);
    let mut misses = Vec::new();
    let shown = name.as_deref().unwrap_or("(none)");
    match host {
        HostMatch::Exact(h) if name.as_deref() != Some(h.as_str()) => {
            misses.push(format!("host {shown} is not {h}"));
        }
        HostMatch::Wildcard(s) if !name.as_deref().is_some_and(|n| wildcard_matches(s, n)) => {
            misses.push(format!("host {shown} is not one label before {s}"));
        }
        _ => {}
    }
    if !path_matches(path, &rule.path) {
        misses.push(match path {
            PathMatch::Exact(p) => format!("path {} is not {p}", rule.path),
            PathMatch::Prefix(p) => {
                format!("path {} is not under {p}/ (element by element)", rule.path)
            }
        });
    }
    misses
}

/// A pool uuid's first group, as people quote it.
fn short(uuid: &str) -> String {
    format!("{}…", uuid.split('-').next().unwrap_or(uuid))
}
