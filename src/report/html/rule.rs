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
        .map(|p| verdict(frontend, p, rule, config.semantics))
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
fn verdict(
    frontend: &Frontend,
    pool: &FrontendPool,
    rule: &HttpRule,
    semantics: Semantics,
) -> Verdict {
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
                    PathMatch::Prefix(p) => format!("{} (Prefix)", prefix(p)),
                }),
            ),
            route_misses(frontend, &route.host, &route.path, rule),
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

/// The Kubernetes profile: the Host header's name (a rule with that exact host comes first,
/// then a wildcard's, then rules without a host), the path exact or element by element.
fn route_misses(
    frontend: &Frontend,
    host: &HostMatch,
    path: &PathMatch,
    rule: &HttpRule,
) -> Vec<String> {
    let name = rule.host.as_deref().map(host_name);
    let n = name.as_deref();
    let taken = |by: &dyn Fn(&HostMatch) -> bool| {
        frontend.pools.iter().any(|p| match &p.rule {
            PoolRule::Route(r) => by(&r.host),
            _ => false,
        })
    };
    let exact = taken(&|h| matches!(h, HostMatch::Exact(e) if Some(e.as_str()) == n));
    let wildcard = taken(
        &|h| matches!(h, HostMatch::Wildcard(s) if n.is_some_and(|n| wildcard_matches(s, n))),
    );
    let mut misses = Vec::new();
    let shown = n.unwrap_or("(none)");
    match host {
        HostMatch::Exact(h) if n != Some(h.as_str()) => {
            misses.push(format!("host {shown} is not {h}"));
        }
        HostMatch::Wildcard(s) if !n.is_some_and(|n| wildcard_matches(s, n)) => {
            misses.push(format!("host {shown} is not one label before {s}"));
        }
        HostMatch::Wildcard(_) if exact => {
            misses.push(format!(
                "host {shown} has rules of its own, which come first"
            ));
        }
        HostMatch::Any if exact || wildcard => {
            misses.push(format!(
                "host {shown} has rules with a host, so rules without one do not apply"
            ));
        }
        _ => {}
    }
    if !path_matches(path, &rule.path) {
        misses.push(match path {
            PathMatch::Exact(p) => format!("path {} is not {p}", rule.path),
            PathMatch::Prefix(p) => {
                format!(
                    "path {} is not under {} (element by element)",
                    rule.path,
                    prefix(p)
                )
            }
        });
    }
    misses
}

/// A Prefix path as the Ingress wrote it (held without its trailing slash; `/` is empty).
fn prefix(p: &str) -> &str {
    if p.is_empty() { "/" } else { p }
}

/// A pool uuid's first group, as people quote it.
fn short(uuid: &str) -> String {
    format!("{}…", uuid.split('-').next().unwrap_or(uuid))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn pool(uuid: &str, rule: PoolRule) -> FrontendPool {
        FrontendPool {
            pool_uuid: uuid.to_string(),
            rule,
            origin: None,
        }
    }

    fn frontend(pools: Vec<FrontendPool>) -> Frontend {
        Frontend {
            listener_uuid: "fe".to_string(),
            port: 80,
            pools,
            tls: None,
        }
    }

    fn request(host: &str, path: &str, pool: Option<&str>) -> HttpRule {
        HttpRule {
            host: Some(Arc::from(host)),
            path: Arc::from(path),
            pool: pool.map(Arc::from),
            server: None,
            origin: None,
        }
    }

    fn acl(host: &str, path: &str) -> PoolRule {
        PoolRule::Acl {
            host: Some(host.to_string()),
            path: Some(path.to_string()),
        }
    }

    fn whys(fe: &Frontend, rule: &HttpRule, semantics: Semantics) -> Vec<(bool, String)> {
        fe.pools
            .iter()
            .map(|p| verdict(fe, p, rule, semantics))
            .map(|v| (v.matched, v.why))
            .collect()
    }

    #[test]
    fn contrail_rules_say_which_acl_failed_and_that_a_later_match_lost_to_file_order() {
        let fe = frontend(vec![
            pool("a", acl("www.juniper.net", "/dev")),
            pool("b", acl("www.juniper.net", "/qa")),
            pool("c", acl("WWW.JUNIPER.NET", "/qa")),
            pool("d", PoolRule::Default),
        ]);
        let got = whys(
            &fe,
            &request("www.juniper.net", "/qa", Some("b")),
            Semantics::Contrail,
        );
        assert_eq!(
            got,
            [
                (
                    false,
                    "path /qa is not /dev (an exact, case-sensitive match)".to_string()
                ),
                (true, "matched: haproxy takes this rule".to_string()),
                (
                    false,
                    "holds too, but an earlier use_backend line was taken".to_string()
                ),
                (
                    false,
                    "the default backend: used only when no rule holds, and one did".to_string()
                ),
            ]
        );
        let got = whys(
            &fe,
            &request("www.cisco.com", "/qa", Some("d")),
            Semantics::Contrail,
        );
        assert_eq!(got[1].1, "Host www.cisco.com is not www.juniper.net");
        assert_eq!(
            got[3],
            (
                true,
                "no rule held: the default backend takes the request".to_string()
            )
        );
    }

    #[test]
    fn kubernetes_rules_explain_host_precedence_and_element_wise_prefixes() {
        let route =
            |host, path| PoolRule::Route(crate::dataplane::haproxy::config::Route { host, path });
        let fe = frontend(vec![
            pool(
                "exact",
                route(
                    HostMatch::Exact("www.juniper.net".into()),
                    PathMatch::Prefix("/dev".into()),
                ),
            ),
            pool(
                "wild",
                route(
                    HostMatch::Wildcard(".juniper.net".into()),
                    PathMatch::Prefix(String::new()),
                ),
            ),
            pool(
                "any",
                route(HostMatch::Any, PathMatch::Exact("/devices".into())),
            ),
        ]);
        let got = whys(
            &fe,
            &request("www.juniper.net:80", "/devices", None),
            Semantics::Kubernetes,
        );
        assert_eq!(
            got.iter().map(|g| g.1.as_str()).collect::<Vec<_>>(),
            [
                "path /devices is not under /dev (element by element)",
                "host www.juniper.net has rules of its own, which come first",
                "host www.juniper.net has rules with a host, so rules without one do not apply",
            ]
        );
    }

    #[test]
    fn the_chosen_pools_lines_and_server_are_marked_and_the_others_struck() {
        let fe = frontend(vec![
            pool("aaa", acl("h", "/a")),
            pool("bbb", acl("h", "/b")),
        ]);
        let conf = "frontend fe\n\tacl aaa_path path /a\n\tuse_backend aaa if aaa_path\n\
                    \tacl bbb_path path /b\n\tuse_backend bbb if bbb_path\n\
                    backend aaa\n\tserver x 10.0.0.1:80 weight 1\n\
                    backend bbb\n\tserver y 10.0.0.1:80 weight 1\n";
        let mut chosen = request("h", "/b", Some("bbb"));
        chosen.server = Some(("10.0.0.1".parse().expect("addr"), 80));
        let marks: Vec<&str> = lines(conf, &fe, &chosen).iter().map(|l| l.mark).collect();
        assert_eq!(
            marks,
            [
                "", "miss", "miss", "match", "match", "miss", "", "match", "match"
            ]
        );
    }
}
