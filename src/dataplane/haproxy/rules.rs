//! The L7 decision haproxy makes for a request on a frontend rendered by
//! [`render`](super::render::render), with haproxy's semantics (checked against haproxy 2.6):
//!
//! - `acl <pool>_path path <p>`: the request path (target up to the first `?`) equals `<p>`
//!   byte for byte: case-sensitive, no prefix match, no normalisation. `<p>` is what haproxy
//!   reads on the rendered line ([`super::cfgline`]): Contrail does not escape the rule path, so
//!   `/a b` is two patterns (`/a`, `b`) and `/c#d` is `/c` (the rest is a comment).
//! - `acl <pool>_host hdr(host) -i <h>`: in an ACL, `hdr()` tries every comma-separated value of
//!   every `Host` header (commas inside double quotes do not separate; spaces and tabs around a
//!   value are dropped) and matches if one equals `<h>` ASCII-case-insensitively. The port is part
//!   of the value, so `www.juniper.net:80` does not match `www.juniper.net`. Without a Host header
//!   the ACL is false. (haproxy answers 400 to a request with two different `Host` headers, so a
//!   routed request has at most one distinct value; an HTTP/1.1 request without Host is routed,
//!   not rejected.)
//! - `use_backend <pool> if <conditions>`: all named ACLs must hold. A pool with neither host nor
//!   path renders `use_backend <pool> if  ` (an empty condition), which haproxy never takes.
//! - `use_backend` lines are tried in file order and the first match wins; otherwise the LAST
//!   `default_backend` line applies (each one overrides the previous, silently); with neither,
//!   haproxy answers 503.
//! - Kubernetes-profile pools ([`PoolRule::Route`]) are not Contrail's: this evaluator skips them
//!   (see [`super::kubernetes`]).

use super::cfgline;
use super::config::{Frontend, PoolRule};

/// The status line of haproxy's 503 page (haproxy 1.x built-in, and Debian's
/// `/etc/haproxy/errors/503.http`). haproxy 2.x sends the same page with `HTTP/1.1`.
pub const HTTP_503_STATUS_LINE: &str = "HTTP/1.0 503 Service Unavailable";

/// The body of haproxy's 503 page, identical in haproxy 1.x and 2.x (107 bytes).
pub const HTTP_503_BODY: &str = "<html><body><h1>503 Service Unavailable</h1>\n\
No server is available to handle this request.\n</body></html>\n";

/// haproxy's complete 503 response as haproxy 1.x sends it when no backend applies.
pub const HTTP_503_RESPONSE: &str = "HTTP/1.0 503 Service Unavailable\r\n\
Cache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n\
<html><body><h1>503 Service Unavailable</h1>\n\
No server is available to handle this request.\n</body></html>\n";

/// The pool uuid haproxy routes a request to, or `None` for haproxy's 503.
///
/// `host_header` is the value of the request's Host header (`None` when absent); `path` is the
/// request path without the query string (see [`split_target`]).
pub fn select_pool<'a>(
    frontend: &'a Frontend,
    host_header: Option<&str>,
    path: &str,
) -> Option<&'a str> {
    let mut default = None;
    for pool in &frontend.pools {
        match &pool.rule {
            PoolRule::Default => default = Some(pool.pool_uuid.as_str()),
            PoolRule::Acl { host, path: want } => {
                if host.is_none() && want.is_none() {
                    continue;
                }
                let host_ok = host
                    .as_deref()
                    .is_none_or(|h| host_header.is_some_and(|v| host_acl_matches(v, h)));
                let path_ok = want.as_deref().is_none_or(|p| path_acl_matches(p, path));
                if host_ok && path_ok {
                    return Some(&pool.pool_uuid);
                }
            }
            PoolRule::Route(_) => {}
        }
    }
    default
}

/// Whether `acl <pool>_path path <rule_path>`, as rendered, holds for `path`.
pub fn path_acl_matches(rule_path: &str, path: &str) -> bool {
    if !needs_reading(rule_path) {
        return rule_path == path;
    }
    path_patterns(rule_path).iter().any(|p| p == path)
}

/// Whether haproxy's line reader changes `value` (it holds a blank, `#`, a quote, `\` or `$`).
fn needs_reading(value: &str) -> bool {
    value.bytes().any(|b| {
        matches!(
            b,
            b' ' | b'\t' | b'\r' | b'\n' | b'#' | b'"' | b'\'' | b'\\' | b'$'
        )
    })
}

/// The patterns haproxy reads from Contrail's `acl <pool>_path path <rule_path>` line; none when
/// haproxy cannot read the line at all.
pub fn path_patterns(rule_path: &str) -> Vec<String> {
    match cfgline::words(&format!("acl p_path path {rule_path}")) {
        Ok(words) => words.into_iter().skip(3).collect(),
        Err(_) => Vec::new(),
    }
}

/// Whether `hdr(host) -i <pattern>` holds for a Host header value.
pub fn host_acl_matches(header_value: &str, pattern: &str) -> bool {
    header_values(header_value).any(|v| v.eq_ignore_ascii_case(pattern))
}

/// The values `hdr()` sees in one header: split at commas outside double-quoted strings (where
/// a backslash escapes the next character), each trimmed of spaces and tabs.
pub fn header_values(value: &str) -> impl Iterator<Item = &str> {
    let bytes = value.as_bytes();
    let mut start = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let (mut quoted, mut escaped) = (false, false);
        let mut end = bytes.len();
        for (i, &b) in bytes.iter().enumerate().skip(start) {
            if escaped {
                escaped = false;
            } else if quoted {
                match b {
                    b'\\' => escaped = true,
                    b'"' => quoted = false,
                    _ => {}
                }
            } else if b == b'"' {
                quoted = true;
            } else if b == b',' {
                end = i;
                break;
            }
        }
        let item = value[start..end].trim_matches([' ', '\t']);
        if end == bytes.len() {
            done = true;
        } else {
            start = end + 1;
        }
        Some(item)
    })
}

/// Splits a request target into haproxy's `path` and the query string (without the `?`).
///
/// An origin-form target (`/dev?x=1`) splits at its first `?`. For an absolute-form target
/// (`http://host/dev?x=1`) the path starts at the first `/` after the authority and is empty if
/// there is none.
pub fn split_target(target: &str) -> (&str, Option<&str>) {
    let (before, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let path = match before.split_once("://") {
        Some((scheme, rest)) if !before.starts_with('/') && !scheme.is_empty() => {
            rest.find('/').map_or("", |i| &rest[i..])
        }
        _ => before,
    };
    (path, query)
}

#[cfg(test)]
mod tests;
