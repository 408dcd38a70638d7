//! The routing test runs a config derived from the rendered one by a line-wise transformation
//! that leaves every frontend rule and backend name untouched:
//!
//! - `global`: `daemon`, `user`, `group`, `log`, `ulimit-n` and `maxconn` are dropped (foreground,
//!   unprivileged, no syslog socket); `stats socket <path> ...` points into a temp folder. Any
//!   other `global` line is kept (an unknown one panics, so the list stays complete).
//! - `frontend`: `bind <VIP>:<port>[ <options>]` becomes `bind 127.0.0.1:<local port>[ <options>]`
//!   (one port per frontend, in file order; Contrail's trailing space is kept), and each
//!   `crt <folder>/<cn>.pem` names a test certificate for `<cn>` instead (the vRouter agent's
//!   part: it writes the Secret's certificate there).
//! - `backend <pool>`: `server <member> <addr>:<port> <rest>` becomes
//!   `server <member> 127.0.0.1:<echo port of pool> <rest>`.
//! - Every other line is copied as is.

use std::fmt::Write as _;
use std::path::Path;

/// Derives the runnable config; `bind_ports[i]` is the local port of the i-th frontend and
/// `echo_port(pool)` the port of the echo server standing in for that backend.
pub fn derive(
    rendered: &str,
    stats_socket: &Path,
    bind_ports: &[u16],
    echo_port: impl Fn(&str) -> u16,
) -> String {
    let mut out = String::with_capacity(rendered.len());
    let mut section = "";
    let mut section_arg = "";
    let mut frontends = 0;
    for line in rendered.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        if !body.is_empty() && !body.starts_with('\t') {
            let mut words = body.split(' ');
            section = words.next().unwrap_or("");
            section_arg = words.next().unwrap_or("");
            if section == "frontend" {
                frontends += 1;
            }
            out.push_str(line);
            continue;
        }
        let item = body.strip_prefix('\t').unwrap_or(body);
        let keyword = item.split(' ').next().unwrap_or("");
        match (section, keyword) {
            ("global", "daemon" | "user" | "group" | "log" | "ulimit-n" | "maxconn") => {}
            ("global", "stats") => {
                let rest = item
                    .strip_prefix("stats socket ")
                    .and_then(|r| r.split_once(' '))
                    .map(|(_, rest)| rest)
                    .expect("stats socket <path> <options>");
                let _ = writeln!(out, "\tstats socket {} {rest}", stats_socket.display());
            }
            ("global", "tune.ssl.default-dh-param" | "ssl-default-bind-ciphers" | "") => {
                out.push_str(line)
            }
            ("global", other) => panic!("unexpected global line {other:?}"),
            ("frontend", "bind") => {
                let rest = item["bind ".len()..]
                    .split_once(' ')
                    .map(|(_addr, rest)| format!(" {}", local_certificates(rest)))
                    .unwrap_or_default();
                let port = bind_ports[frontends - 1];
                let _ = writeln!(out, "\tbind 127.0.0.1:{port}{rest}");
            }
            ("backend", "server") => {
                let mut words = item.splitn(4, ' ');
                let (_, member, _addr) = (words.next(), words.next(), words.next());
                let rest = words.next().unwrap_or("");
                let member = member.expect("server <name> <addr> ...");
                let port = echo_port(section_arg);
                let _ = writeln!(out, "\tserver {member} 127.0.0.1:{port} {rest}");
            }
            _ => out.push_str(line),
        }
    }
    assert_eq!(frontends, bind_ports.len(), "one local port per frontend");
    out
}

/// The file with every `crt <folder>/<cn>.pem` of its bind lines naming a test certificate
/// instead, and nothing else changed: what `haproxy -c` can check without the agent's files.
pub fn with_local_certificates(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| match line.strip_prefix("\tbind ") {
            Some(rest) if rest.contains(" crt ") => {
                let (addr, options) = rest
                    .trim_end_matches('\n')
                    .split_once(' ')
                    .unwrap_or((rest, ""));
                format!("\tbind {addr} {}\n", local_certificates(options))
            }
            _ => line.to_owned(),
        })
        .collect()
}

/// `crt <folder>/<cn>.pem` → `crt <test certificate for cn>`, every other word kept.
fn local_certificates(options: &str) -> String {
    let mut words: Vec<String> = options.split(' ').map(str::to_owned).collect();
    for i in 1..words.len() {
        if words[i - 1] == "crt" {
            let cn = words[i]
                .rsplit('/')
                .next()
                .and_then(|f| f.strip_suffix(".pem"))
                .expect("crt <folder>/<cn>.pem");
            words[i] = super::tls::pem_for(cn).display().to_string();
        }
    }
    words.join(" ")
}
