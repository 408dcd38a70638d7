//! The Kubernetes profile's haproxy: the file a spec-conformant haproxy ingress controller runs
//! for the merged rule table, and the routing decision haproxy makes with it.
//!
//! What the rendered frontend does, line by line:
//!
//! - `http-request set-var(txn.host) req.fhdr(host),field(1,:),lower`: the host is the last
//!   `Host` header's whole value up to its first `:` (the port is ignored), lower-cased. Without a
//!   `Host` header the variable is unset and no host ACL holds.
//! - `acl exact_hosts` lists every exact rule host, `acl wildcard_hosts` every wildcard as the
//!   regex `^[^.]+\.<suffix>$` (exactly one label before the suffix).
//! - One `use_backend` per rule, in the order the table holds them (exact hosts, then
//!   wildcards, then rules without host; inside each, the longest path first and `Exact` before
//!   `Prefix` at equal length; then the older Ingress). A wildcard rule also needs
//!   `!exact_hosts` and a rule without host `!exact_hosts !wildcard_hosts`: the host picks its
//!   rules first, and a host some rule names never falls through to less specific rules.
//! - Paths: `Exact` is `path <p>`; `Prefix` is `path <p>` or `path_beg <p>/` (two `acl` lines of
//!   one name are ORed), and `/` is `path_beg /`. Paths are escaped ([`super::cfgline::escaped`])
//!   so haproxy reads them as written.
//! - `default_backend`: the spec's `defaultBackend`, else `not_found`, a backend that answers
//!   haproxy's own 404 page (`http-request deny deny_status 404`).

use std::fmt::Write as _;

use super::cfgline::escaped;
use super::config::{Frontend, FrontendPool, HostMatch, LbConfig, PathMatch, PoolRule, RuleSource};
use super::render::{write_backend, write_defaults, write_global};

/// The backend that answers 404 when no rule and no default backend applies.
pub const NOT_FOUND_BACKEND: &str = "not_found";

/// The frontend section names: plain HTTP on port 80, TLS on 443.
pub const HTTP_FRONTEND: &str = "http";
pub const HTTPS_FRONTEND: &str = "https";

/// haproxy 2.x's built-in 404 page body (83 bytes).
pub const HTTP_404_BODY: &str =
    "<html><body><h1>404 Not Found</h1>\nThe resource could not be found.\n</body></html>\n";

/// Renders the Kubernetes profile's haproxy.conf for `cfg`.
pub fn render(cfg: &LbConfig) -> String {
    let mut out = String::with_capacity(2048);
    write_global(&mut out, &cfg.lb_uuid);
    out.push_str("\n\n");
    write_defaults(&mut out);
    out.push_str("\n\n");
    for fe in &cfg.frontends {
        write_frontend(&mut out, cfg, fe);
    }
    let mut written: Vec<&str> = Vec::new();
    for pool in cfg.frontends.iter().flat_map(|f| &f.pools) {
        if written.contains(&pool.pool_uuid.as_str()) {
            continue;
        }
        written.push(&pool.pool_uuid);
        let backend = cfg.backends.iter().find(|b| b.pool_uuid == pool.pool_uuid);
        write_backend(&mut out, &pool.pool_uuid, backend);
    }
    let _ = write!(
        out,
        "backend {NOT_FOUND_BACKEND}\n\tmode http\n\thttp-request deny deny_status 404\n"
    );
    out
}

// `write!` into a `String` cannot fail; the results below are ignored for that reason.

fn write_frontend(out: &mut String, cfg: &LbConfig, fe: &Frontend) {
    let ssl = fe
        .tls
        .as_ref()
        .map(|t| format!(" {}", t.crt_list(&cfg.lb_uuid)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "frontend {}\n\toption tcplog\n\tbind {}:{}{ssl}\n\tmode http\n\toption forwardfor\n\
         \thttp-request set-var(txn.host) req.fhdr(host),field(1,:),lower",
        fe.listener_uuid, cfg.vip, fe.port
    );
    let hosts = Hosts::of(fe);
    if !hosts.exact.is_empty() {
        let _ = writeln!(
            out,
            "\tacl exact_hosts var(txn.host) -m str {}",
            hosts.exact.join(" ")
        );
    }
    if !hosts.wildcard.is_empty() {
        let regexes: Vec<String> = hosts.wildcard.iter().map(|s| wildcard_regex(s)).collect();
        let _ = writeln!(
            out,
            "\tacl wildcard_hosts var(txn.host) -m reg {}",
            regexes.join(" ")
        );
    }
    let mut default = None;
    for pool in &fe.pools {
        match &pool.rule {
            PoolRule::Route(route) => write_route(out, pool, &route.host, &route.path, &hosts),
            PoolRule::Default => default = default.or(Some(pool.pool_uuid.as_str())),
            PoolRule::Acl { .. } => {}
        }
    }
    let _ = writeln!(
        out,
        "\tdefault_backend {}\n",
        default.unwrap_or(NOT_FOUND_BACKEND)
    );
}

fn write_route(
    out: &mut String,
    pool: &FrontendPool,
    host: &HostMatch,
    path: &PathMatch,
    hosts: &Hosts,
) {
    let id = &pool.pool_uuid;
    if let Some(origin) = &pool.origin
        && let RuleSource::Path {
            host: h,
            path: p,
            path_type,
        } = &origin.source
    {
        let _ = writeln!(
            out,
            "\t# {}/{}: host {} path {} ({})",
            origin.ingress.namespace,
            origin.ingress.name,
            h.as_deref().unwrap_or("*any*"),
            p.as_deref().unwrap_or("(none)"),
            path_type.map_or("ImplementationSpecific".to_string(), |t| format!("{t:?}"))
        );
    }
    let mut conditions: Vec<String> = Vec::new();
    match host {
        HostMatch::Exact(h) => {
            let _ = writeln!(out, "\tacl {id}_host var(txn.host) -m str {h}");
            conditions.push(format!("{id}_host"));
        }
        HostMatch::Wildcard(suffix) => {
            let _ = writeln!(
                out,
                "\tacl {id}_host var(txn.host) -m reg {}",
                wildcard_regex(suffix)
            );
            conditions.push(format!("{id}_host"));
            if !hosts.exact.is_empty() {
                conditions.push("!exact_hosts".into());
            }
        }
        HostMatch::Any => {
            if !hosts.exact.is_empty() {
                conditions.push("!exact_hosts".into());
            }
            if !hosts.wildcard.is_empty() {
                conditions.push("!wildcard_hosts".into());
            }
        }
    }
    match path {
        PathMatch::Exact(p) => {
            let _ = writeln!(out, "\tacl {id}_path path {}", escaped(p));
        }
        PathMatch::Prefix(p) if p.is_empty() => {
            let _ = writeln!(out, "\tacl {id}_path path_beg /");
        }
        PathMatch::Prefix(p) => {
            let _ = writeln!(out, "\tacl {id}_path path {}", escaped(p));
            let _ = writeln!(
                out,
                "\tacl {id}_path path_beg {}",
                escaped(&format!("{p}/"))
            );
        }
    }
    conditions.push(format!("{id}_path"));
    let _ = writeln!(out, "\tuse_backend {id} if {}", conditions.join(" "));
}

/// `^[^.]+\.juniper\.net$` for the suffix `.juniper.net`, single-quoted for haproxy.
fn wildcard_regex(suffix: &str) -> String {
    format!("'^[^.]+{}$'", suffix.replace('.', "\\."))
}

/// The exact and wildcard hosts of a frontend's rules, in first-seen order, each once.
struct Hosts<'a> {
    exact: Vec<&'a str>,
    wildcard: Vec<&'a str>,
}

impl<'a> Hosts<'a> {
    fn of(fe: &'a Frontend) -> Hosts<'a> {
        let mut hosts = Hosts {
            exact: Vec::new(),
            wildcard: Vec::new(),
        };
        for pool in &fe.pools {
            if let PoolRule::Route(r) = &pool.rule {
                let (list, h) = match &r.host {
                    HostMatch::Exact(h) => (&mut hosts.exact, h.as_str()),
                    HostMatch::Wildcard(s) => (&mut hosts.wildcard, s.as_str()),
                    HostMatch::Any => continue,
                };
                if !list.contains(&h) {
                    list.push(h);
                }
            }
        }
        hosts
    }
}

/// What haproxy does with a request on a frontend [`render`] wrote: the pool of the first rule
/// that holds, else the default backend's pool, else `None` (the 404 page).
///
/// `host_header` is the last `Host` header's value (`None` when absent); `path` the request path
/// without the query string.
pub fn select<'a>(fe: &'a Frontend, host_header: Option<&str>, path: &str) -> Option<&'a str> {
    let host = host_header.map(host_name);
    let hosts = Hosts::of(fe);
    let in_exact = host.as_deref().is_some_and(|h| hosts.exact.contains(&h));
    let in_wildcard = host
        .as_deref()
        .is_some_and(|h| hosts.wildcard.iter().any(|s| wildcard_matches(s, h)));
    let mut default = None;
    for pool in &fe.pools {
        match &pool.rule {
            PoolRule::Route(r) => {
                let host_ok = match &r.host {
                    HostMatch::Exact(e) => host.as_deref() == Some(e.as_str()),
                    HostMatch::Wildcard(s) => {
                        !in_exact && host.as_deref().is_some_and(|h| wildcard_matches(s, h))
                    }
                    HostMatch::Any => !in_exact && !in_wildcard,
                };
                if host_ok && path_matches(&r.path, path) {
                    return Some(&pool.pool_uuid);
                }
            }
            PoolRule::Default => default = default.or(Some(pool.pool_uuid.as_str())),
            PoolRule::Acl { .. } => {}
        }
    }
    default
}

/// `req.fhdr(host),field(1,:),lower`: the value up to its first `:`, lower-cased.
pub fn host_name(value: &str) -> String {
    value
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The regex `^[^.]+<suffix>$`: one non-empty label without a dot, then the suffix.
pub fn wildcard_matches(suffix: &str, host: &str) -> bool {
    host.strip_suffix(suffix)
        .is_some_and(|label| !label.is_empty() && !label.contains('.'))
}

/// `path <p>`, or `path <p>` / `path_beg <p>/` for a prefix (`path_beg /` for the root).
pub fn path_matches(rule: &PathMatch, path: &str) -> bool {
    match rule {
        PathMatch::Exact(p) => p == path,
        PathMatch::Prefix(p) if p.is_empty() => path.starts_with('/'),
        PathMatch::Prefix(p) => {
            path == p
                || path
                    .strip_prefix(p.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        }
    }
}

#[cfg(test)]
mod tests;
