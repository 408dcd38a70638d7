//! haproxy.conf text, byte for byte as svc-monitor's haproxy driver (`haproxy_config.py`,
//! `get_config_v2`) writes it for an Ingress loadbalancer.
//!
//! Layout: `global` and `defaults` sections, then every frontend, then every backend. A section's
//! first line is at column 0 and each of its other lines starts with one tab. In a frontend each
//! pool's lines are followed by a tab-only line and an empty line (Contrail appends a `"\n"` item to
//! the list it joins with `"\n\t"`). Frontends follow each other without an extra blank line, as in
//! Contrail; each backend ends with an empty line.

use std::fmt::Write as _;

use super::Semantics;
use super::config::{Backend, Frontend, FrontendPool, LbConfig, PoolRule};

/// The folder holding `haproxy.conf`, `haproxy.pid` and `haproxy.sock` of each loadbalancer.
pub const LB_DIR: &str = "/var/lib/contrail/loadbalancer/haproxy";

/// The syslog socket haproxy logs to (Contrail 5.x, the book's era).
pub const LOG_SOCKET: &str = "/var/log/contrail/lbaas/haproxy.log.sock";

/// Contrail's default `ssl-default-bind-ciphers` value.
pub const SSL_CIPHERS: &str = "ECDH+AESGCM:DH+AESGCM:ECDH+AES256:DH+AES256:\
ECDH+AES128:DH+AES:ECDH+3DES:DH+3DES:RSA+AESGCM:RSA+AES:RSA+3DES:!aNULL:!MD5:!DSS";

/// `global` maxconn.
pub const MAXCONN: u32 = 65000;

/// The stats socket of a loadbalancer: `<LB_DIR>/<lb-uuid>/haproxy.sock`.
pub fn stats_socket_path(lb_uuid: &str) -> String {
    format!("{LB_DIR}/{lb_uuid}/haproxy.sock")
}

/// The path the vRouter agent writes the config to: `<LB_DIR>/<lb-uuid>/haproxy.conf`.
pub fn config_path(lb_uuid: &str) -> String {
    format!("{LB_DIR}/{lb_uuid}/haproxy.conf")
}

/// Renders `cfg`: Contrail's haproxy.conf, or for the Kubernetes profile the file
/// [`super::kubernetes::render`] writes.
pub fn render(cfg: &LbConfig) -> String {
    match cfg.semantics {
        Semantics::Contrail => render_contrail(cfg),
        Semantics::Kubernetes => super::kubernetes::render(cfg),
    }
}

/// Renders `cfg` as Contrail's haproxy.conf.
///
/// Backends are emitted in the order their pools appear in the frontends (Contrail renders a
/// backend right after adding its pool to a frontend); a pool without an entry in
/// `cfg.backends` gets a backend section without servers. Backends no frontend refers to are not
/// rendered. A frontend is expected to hold at least one pool (kube-manager always attaches one);
/// an empty one that is not the last is terminated by a newline, where Contrail would glue the
/// next frontend onto its last line. Kubernetes-profile pools ([`PoolRule::Route`]) are not
/// Contrail's and write no rule line.
pub fn render_contrail(cfg: &LbConfig) -> String {
    let pools: usize = cfg.frontends.iter().map(|f| f.pools.len()).sum();
    let mut out = String::with_capacity(1024 + 512 * pools);
    write_global(&mut out, &cfg.lb_uuid);
    out.push_str("\n\n");
    write_defaults(&mut out);
    out.push_str("\n\n");
    for (i, fe) in cfg.frontends.iter().enumerate() {
        write_frontend(&mut out, cfg, fe, i + 1 == cfg.frontends.len());
    }
    out.push('\n');
    for fe in &cfg.frontends {
        for pool in &fe.pools {
            let backend = cfg.backends.iter().find(|b| b.pool_uuid == pool.pool_uuid);
            write_backend(&mut out, &pool.pool_uuid, backend);
        }
    }
    out
}

// `write!` into a `String` cannot fail; the results below are ignored for that reason.

pub(super) fn write_global(out: &mut String, lb_uuid: &str) {
    out.push_str("global\n\tdaemon\n\tuser haproxy\n\tgroup haproxy\n");
    let _ = write!(
        out,
        "\tlog {LOG_SOCKET} local0\n\tlog {LOG_SOCKET} local1 notice\n\
         \ttune.ssl.default-dh-param 2048\n\tssl-default-bind-ciphers {SSL_CIPHERS}\n\
         \tulimit-n 200000\n\tmaxconn {MAXCONN}\n\
         \tstats socket {LB_DIR}/{lb_uuid}/haproxy.sock mode 0666 level user"
    );
}

pub(super) fn write_defaults(out: &mut String) {
    let d = super::config::CONTRAIL_DEFAULTS;
    let _ = write!(
        out,
        "defaults\n\tlog global\n\tretries {}\n{}\ttimeout connect {}\n\ttimeout client {}\n\ttimeout server {}",
        d.retries,
        if d.redispatch {
            "\toption redispatch\n"
        } else {
            ""
        },
        d.connect_ms,
        d.client_ms,
        d.server_ms
    );
}

fn write_frontend(out: &mut String, cfg: &LbConfig, fe: &Frontend, last: bool) {
    // After the port, Contrail's `bind` line holds its TLS part: empty for an HTTP listener,
    // `ssl crt … no-sslv3` for TERMINATED_HTTPS (whose frontend has no `option forwardfor`).
    let ssl = fe
        .tls
        .as_ref()
        .map(|t| format!("{} no-sslv3", t.crt_list(&cfg.lb_uuid)))
        .unwrap_or_default();
    let _ = write!(
        out,
        "frontend {}\n\toption tcplog\n\tbind {}:{} {ssl}\n\tmode http",
        fe.listener_uuid, cfg.vip, fe.port
    );
    if fe.tls.is_none() {
        out.push_str("\n\toption forwardfor");
    }
    for pool in &fe.pools {
        write_pool_rule(out, pool);
        // Contrail's `"\n"` list item, joined with `"\n\t"`.
        out.push_str("\n\t\n");
    }
    if fe.pools.is_empty() && !last {
        out.push('\n');
    }
}

fn write_pool_rule(out: &mut String, pool: &FrontendPool) {
    let id = &pool.pool_uuid;
    match &pool.rule {
        PoolRule::Default => {
            let _ = write!(out, "\n\tdefault_backend {id}");
        }
        PoolRule::Acl { host, path } => {
            if let Some(host) = host {
                let _ = write!(out, "\n\tacl {id}_host hdr(host) -i {host}");
            }
            if let Some(path) = path {
                let _ = write!(out, "\n\tacl {id}_path path {path}");
            }
            // Contrail joins the two condition names with one space, each possibly empty.
            let _ = write!(out, "\n\tuse_backend {id} if ");
            if host.is_some() {
                let _ = write!(out, "{id}_host");
            }
            out.push(' ');
            if path.is_some() {
                let _ = write!(out, "{id}_path");
            }
        }
        PoolRule::Route(_) => {}
    }
}

pub(super) fn write_backend(out: &mut String, pool_uuid: &str, backend: Option<&Backend>) {
    let _ = write!(
        out,
        "backend {pool_uuid}\n\tmode http\n\tbalance roundrobin\n\toption forwardfor"
    );
    for m in backend.map_or(&[][..], |b| &b.members[..]) {
        let _ = write!(
            out,
            "\n\tserver {} {}:{} weight {}",
            m.member_uuid, m.address, m.port, m.weight
        );
    }
    out.push_str("\n\n");
}

#[cfg(test)]
mod tests;
