//! TLS for the referee: self-signed certificates made with the `openssl` command (one per
//! common name, made once per test run), and HTTPS requests sent with the `curl` command, which
//! reports the certificate haproxy presented. Both commands must exist where haproxy does.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use super::process::TempDir;

/// The folder holding the generated PEM files (certificate and key in one file, as haproxy
/// reads a `crt`), kept for the whole test run.
fn pem_dir() -> &'static TempDir {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| TempDir::new("pems"))
}

/// A PEM file for a self-signed certificate with common name `cn`.
pub fn pem_for(cn: &str) -> PathBuf {
    static MADE: OnceLock<Mutex<BTreeMap<String, PathBuf>>> = OnceLock::new();
    let made = MADE.get_or_init(|| Mutex::new(BTreeMap::new()));
    let mut made = made.lock().expect("pem lock");
    if let Some(p) = made.get(cn) {
        return p.clone();
    }
    let dir = pem_dir().path();
    let stem = cn.replace('*', "star");
    let (key, cert, pem) = (
        dir.join(format!("{stem}.key")),
        dir.join(format!("{stem}.crt")),
        dir.join(format!("{stem}.pem")),
    );
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "30", "-subj", &format!("/CN={cn}")])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl (install it with .ci/haproxy-deps.sh)");
    assert!(out.status.success(), "openssl: {out:?}");
    let text = std::fs::read_to_string(&cert).expect("certificate")
        + &std::fs::read_to_string(&key).expect("key");
    std::fs::write(&pem, text).expect("write pem");
    made.insert(cn.to_owned(), pem.clone());
    pem
}

/// The raw response to an HTTPS GET of `target` at `addr` (curl `-k -i`), and the common name of
/// the certificate haproxy presented. `sni` is the server name offered (none: the address);
/// `host` the Host header (`None`: none at all).
pub fn https_exchange(
    addr: SocketAddr,
    sni: Option<&str>,
    host: Option<&str>,
    target: &str,
) -> (String, Option<String>) {
    let port = addr.port();
    let mut cmd = Command::new("curl");
    cmd.args(["-k", "-s", "-i", "-v", "--http1.1", "--max-time", "10"]);
    let url = match sni {
        Some(name) => {
            cmd.arg("--resolve")
                .arg(format!("{name}:{port}:{}", addr.ip()));
            format!("https://{name}:{port}{target}")
        }
        None => format!("https://{addr}{target}"),
    };
    cmd.arg("-H").arg(match host {
        Some(h) => format!("Host: {h}"),
        None => "Host:".to_owned(),
    });
    cmd.arg("--path-as-is").arg(url);
    let out = cmd.output().expect("run curl");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let cn = stderr.lines().find_map(|l| {
        l.trim_start_matches(['*', ' '])
            .strip_prefix("subject: CN=")
            .map(str::to_owned)
    });
    (String::from_utf8_lossy(&out.stdout).into_owned(), cn)
}
