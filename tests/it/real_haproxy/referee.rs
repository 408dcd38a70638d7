//! Real haproxy as the referee: every rendered config passes `haproxy -c`, and requests sent to a
//! running haproxy (config derived as in [`super::derive`]) reach the backend `select_pool`
//! names, or haproxy's 503 page when it names none.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use contrail_sim::dataplane::haproxy::Choice;
use contrail_sim::dataplane::haproxy::config::{Frontend, LbConfig};
use contrail_sim::dataplane::haproxy::render::render;
use contrail_sim::dataplane::haproxy::rules::{HTTP_503_BODY, HTTP_503_RESPONSE};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::arb::{self, Request};
use super::book;
use super::derive::derive;
use super::echo::{Answer, EchoServer, classify, exchange};
use super::process::{Running, TempDir, check_config, free_ports, haproxy, port_taken};
use super::tls::https_exchange;

/// The haproxy binary, located once (see [`haproxy`]).
pub(crate) fn bin() -> Option<&'static Path> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(haproxy).as_deref()
}

/// A running haproxy for one config, with an echo server per pool.
pub(crate) struct Served {
    pub frontends: Vec<SocketAddr>,
    _run: Running,
    _echo: Vec<(String, EchoServer)>,
}

fn serve(bin: &Path, cfg: &LbConfig) -> Served {
    serve_rendered(bin, &render(cfg), cfg)
}

/// Runs `rendered` (a config rendered from `cfg`, which names its pools and frontends).
pub(crate) fn serve_rendered(bin: &Path, rendered: &str, cfg: &LbConfig) -> Served {
    let mut pools: Vec<&str> = cfg
        .frontends
        .iter()
        .flat_map(|f| &f.pools)
        .map(|p| p.pool_uuid.as_str())
        .collect();
    pools.sort_unstable();
    pools.dedup();
    let echo: Vec<(String, EchoServer)> = pools
        .into_iter()
        .map(|p| (p.to_owned(), EchoServer::start(p)))
        .collect();
    // Ports are chosen free, then bound by haproxy: another process may take one between.
    let mut attempts = 0;
    let (frontends, run) = loop {
        let ports = free_ports(cfg.frontends.len());
        let dir = TempDir::new("run");
        let text = derive(rendered, &dir.path().join("haproxy.sock"), &ports, |pool| {
            echo.iter()
                .find(|(p, _)| p == pool)
                .map(|(_, e)| e.addr.port())
                .expect("an echo server per backend")
        });
        let frontends: Vec<SocketAddr> = ports
            .iter()
            .map(|p| SocketAddr::from(([127, 0, 0, 1], *p)))
            .collect();
        match Running::start(bin, &text, dir, frontends[0]) {
            Ok(run) => break (frontends, run),
            Err(e) if port_taken(&e) && attempts < 5 => attempts += 1,
            Err(e) => panic!("{e}"),
        }
    };
    Served {
        frontends,
        _run: run,
        _echo: echo,
    }
}

fn expected_answer(pool: Option<&str>) -> Answer {
    pool.map_or(Answer::Unavailable, |p| Answer::Backend(p.to_owned()))
}

/// What the simulator's haproxy decides, as the answer a client sees.
pub(crate) fn answer_of(choice: Choice) -> Answer {
    match choice {
        Choice::Pool(p) => Answer::Backend(p.to_owned()),
        Choice::Unavailable => Answer::Unavailable,
        Choice::NotFound => Answer::NotFound,
    }
}

/// The configs exactly as rendered. `haproxy -c` needs nothing on disk (not the log socket, the
/// stats socket folder nor the VIP), but the `haproxy` user and group must exist: the Debian
/// package creates them.
#[test]
fn book_configs_pass_haproxy_check() {
    let Some(bin) = bin() else { return };
    for (name, cfg) in book::all() {
        if let Err(e) = check_config(bin, &render(&cfg)) {
            panic!("haproxy -c rejects {name}:\n{e}\n{}", render(&cfg));
        }
    }
}

#[test]
fn book_ingresses_route_as_predicted() {
    let Some(bin) = bin() else { return };
    for (name, cfg) in book::all() {
        let served = serve(bin, &cfg);
        for c in book::CASES.iter().filter(|c| c.ingress == name) {
            let req = Request {
                http11: true,
                target: c.target.to_owned(),
                host: c.host.map(str::to_owned),
                sni: None,
            };
            let got = classify(&exchange(served.frontends[0], &req.raw()));
            assert_eq!(got, expected_answer(c.expected), "{name}: {:?}", req.raw());
        }
    }
}

/// haproxy's own 503 page: the body is exactly [`HTTP_503_BODY`]; haproxy 2.x frames it as
/// `HTTP/1.1` (1.x used `HTTP/1.0`, as in `HTTP_503_STATUS_LINE`).
#[test]
fn haproxy_503_page_is_the_documented_one() {
    let Some(bin) = bin() else { return };
    let served = serve(bin, &book::ingress_sf());
    for http11 in [false, true] {
        let req = Request {
            http11,
            target: "/abc".into(),
            host: Some("www.juniper.net".into()),
            sni: None,
        };
        let raw = exchange(served.frontends[0], &req.raw());
        let (head, body) = raw.split_once("\r\n\r\n").expect("a header block");
        assert_eq!(body, HTTP_503_BODY);
        let status = head.lines().next().unwrap_or("");
        assert!(
            status.starts_with("HTTP/1.") && status.ends_with(" 503 Service Unavailable"),
            "{status}"
        );
    }
    // The same page in haproxy 1.x framing, as Debian ships it for `errorfile 503` (the file
    // carries one more newline at its end than the built-in page).
    if let Ok(file) = std::fs::read_to_string("/etc/haproxy/errors/503.http") {
        assert_eq!(file.strip_suffix('\n'), Some(HTTP_503_RESPONSE));
    }
}

static REQUESTS: AtomicUsize = AtomicUsize::new(0);

/// Sends `req` to the running frontend at `addr`: over TLS (with curl, offering `req.sni`) when
/// the frontend ends TLS, else as raw bytes. The answer, and the certificate presented.
pub(crate) fn send(addr: SocketAddr, fe: &Frontend, req: &Request) -> (Answer, Option<String>) {
    if fe.tls.is_none() {
        return (classify(&exchange(addr, &req.raw())), None);
    }
    let (raw, cn) = https_exchange(addr, req.sni.as_deref(), req.host.as_deref(), &req.target);
    (classify(&raw), cn)
}

/// The common name of the certificate the simulator's haproxy presents for `req` on `fe`.
pub(crate) fn certificate(fe: &Frontend, req: &Request) -> Option<String> {
    fe.tls
        .as_ref()
        .and_then(|t| t.choose(req.sni.as_deref()))
        .and_then(|c| c.cn.clone())
}

fn referee_case(
    bin: &Path,
    cfg: &LbConfig,
    requests: &[(usize, Request)],
) -> Result<(), TestCaseError> {
    let rendered = render(cfg);
    if let Err(e) = check_config(bin, &rendered) {
        return Err(TestCaseError::fail(format!(
            "haproxy -c rejects:\n{e}\n{rendered}"
        )));
    }
    let served = serve(bin, cfg);
    let mut disagreements = String::new();
    for (index, req) in requests {
        let f = index % cfg.frontends.len();
        let fe = &cfg.frontends[f];
        let theirs = send(served.frontends[f], fe, req);
        REQUESTS.fetch_add(1, Ordering::Relaxed);
        let ours = (expected_answer(req.expected(fe)), certificate(fe, req));
        if theirs != ours {
            disagreements.push_str(&format!(
                "frontend {f} request {:?} (server name {:?})\n  haproxy:     {theirs:?}\n  select_pool: {ours:?}\n",
                req.raw(),
                req.sni
            ));
        }
    }
    verdict(&disagreements, &rendered)
}

/// A case passes when no request disagreed; otherwise its disagreements and the config.
pub(crate) fn verdict(disagreements: &str, rendered: &str) -> Result<(), TestCaseError> {
    if disagreements.is_empty() {
        Ok(())
    } else {
        Err(TestCaseError::fail(format!(
            "{disagreements}config:\n{rendered}"
        )))
    }
}

/// The referee tests' proptest settings: 40 configs, short shrinking (each case runs haproxy).
pub(crate) fn referee_config() -> ProptestConfig {
    ProptestConfig {
        cases: 40,
        max_shrink_iters: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

#[test]
fn generated_ingresses_route_like_select_pool() {
    let Some(bin) = bin() else { return };
    let started = Instant::now();
    let config = referee_config();
    let strategy = (
        arb::lb_config(),
        proptest::collection::vec(arb::request(true), 12),
    );
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(
        &strategy,
        |(cfg, requests): (LbConfig, Vec<(usize, Request)>)| referee_case(bin, &cfg, &requests),
    );
    eprintln!(
        "referee: {} requests to real haproxy in {:.2?}",
        REQUESTS.load(Ordering::Relaxed),
        started.elapsed()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}
