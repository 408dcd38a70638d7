//! Real haproxy judges the configs the simulator renders: every haproxy.conf of the shipped
//! scenarios and of generated Ingresses passes `haproxy -c`, and a real haproxy running a
//! generated config (derived for 127.0.0.1 by the referee's helper) picks the backend the
//! simulator's end-to-end answer came from, or answers 503 when the simulator did.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use contrail_sim::dataplane::haproxy::Semantics;
use contrail_sim::dataplane::haproxy::render::render;
use contrail_sim::scenario::load::load_scenario;
use contrail_sim::scenario::model::{Action, Scenario, Wait};
use contrail_sim::scenario::run::Run;
use contrail_sim::world::World;
use proptest::test_runner::{TestCaseError, TestRunner};

use super::cases::{self, Case, Target};
use super::model::host_value;
use super::{Simulated, config, simulate};
use crate::real_haproxy::arb::Request as RawRequest;
use crate::real_haproxy::echo::{Answer, classify, exchange};
use crate::real_haproxy::process::check_config;
use crate::real_haproxy::referee::{bin, serve_rendered};

/// Every haproxy.conf the computes hold, with the config it was rendered from.
fn confs(world: &World) -> Vec<(String, contrail_sim::dataplane::haproxy::config::LbConfig)> {
    world
        .computes
        .iter()
        .flatten()
        .flat_map(|c| &c.haproxies)
        .map(|h| (h.instance.conf.to_string(), (*h.instance.config).clone()))
        .collect()
}

/// The shipped scenarios under both semantics, cut after each `wait`, so that Ingresses deleted
/// later are seen too.
#[test]
fn props_shipped_scenario_configs_pass_haproxy_check() {
    let Some(bin) = bin() else { return };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut checked = BTreeSet::new();
    let runs = files
        .iter()
        .flat_map(|f| Semantics::ALL.into_iter().map(move |s| (f, s)));
    for (file, semantics) in runs {
        let full = load_scenario(file).unwrap_or_else(|e| panic!("{}: {e:?}", file.display()));
        for (i, step) in full.steps.iter().enumerate() {
            if !matches!(step.action, Action::Wait(Wait::Converged | Wait::For(_))) {
                continue;
            }
            let cut = Scenario {
                steps: full.steps[..=i].to_vec(),
                semantics,
                ..full.clone()
            };
            let run = Run::execute(&cut, cut.seed).unwrap_or_else(|e| panic!("{:?}", e.1.0));
            for (conf, cfg) in confs(&run.world) {
                assert_eq!(conf, render(&cfg), "conf is the rendering of its config");
                if checked.insert(conf.clone())
                    && let Err(e) = check_config(bin, &conf)
                {
                    panic!(
                        "haproxy -c rejects {} ({semantics}, step {i}):\n{e}\n{conf}",
                        file.display()
                    );
                }
            }
        }
    }
    assert!(
        checked.len() >= 6,
        "the book's three ingresses, in both profiles: {}",
        checked.len()
    );
}

static REQUESTS: AtomicUsize = AtomicUsize::new(0);

fn referee_case(bin: &Path, case: &Case, sim: &Simulated) -> Result<(), TestCaseError> {
    let all = confs(&sim.run.world);
    let Some((conf, cfg)) = all.first() else {
        return Err(TestCaseError::fail("no haproxy runs for the Ingress"));
    };
    if all.iter().any(|(c, _)| c != conf) {
        return Err(TestCaseError::fail(
            "the two instances run different configs",
        ));
    }
    if let Err(e) = check_config(bin, conf) {
        return Err(TestCaseError::fail(format!(
            "haproxy -c rejects:\n{e}\n{conf}\nscenario:\n{}",
            case.scenario_yaml()
        )));
    }
    let served = serve_rendered(bin, conf, cfg);
    let mut disagreements = String::new();
    for (req, res) in case.requests.iter().zip(&sim.results) {
        // Only what reaches haproxy's frontend.
        if matches!(req.target, Target::ClusterIp(_)) || req.url_port.is_some_and(|p| p != 80) {
            continue;
        }
        let raw = RawRequest {
            http11: true,
            target: req.target(),
            host: host_value(req, &res.host_header).map(str::to_owned),
            sni: None,
        };
        let theirs = classify(&exchange(served.frontends[0], &raw.raw()));
        REQUESTS.fetch_add(1, Ordering::Relaxed);
        // The Service behind haproxy's backend, by the member's clusterIP.
        let theirs_service = match &theirs {
            Answer::Backend(pool) => cfg
                .backends
                .iter()
                .find(|b| &b.pool_uuid == pool)
                .and_then(|b| b.members.first())
                .and_then(|m| service_at(sim, case, m.address)),
            _ => None,
        };
        let ours = match (&res.served_by, res.response.as_ref().map(|r| r.status)) {
            (Some(pod), _) => Ok(sim.services_of(case, pod)),
            (None, Some(status @ (503 | 404))) => Err(status),
            _ => {
                disagreements.push_str(&format!("simulator: {}\n", res.disposition));
                continue;
            }
        };
        let agree = match (&theirs, &ours) {
            (Answer::Unavailable, Err(503)) | (Answer::NotFound, Err(404)) => true,
            (Answer::Backend(_), Ok(s)) => theirs_service.is_some_and(|t| s == &[t]),
            _ => false,
        };
        if !agree {
            disagreements.push_str(&format!(
                "{:?}\n  haproxy:   {theirs:?} (Service {theirs_service:?})\n  simulator: {ours:?}\n",
                raw.raw()
            ));
        }
    }
    if disagreements.is_empty() {
        Ok(())
    } else {
        Err(TestCaseError::fail(format!(
            "{disagreements}config:\n{conf}\nscenario:\n{}",
            case.scenario_yaml()
        )))
    }
}

/// The Service (index) whose clusterIP is `addr`.
fn service_at(sim: &Simulated, case: &Case, addr: std::net::Ipv4Addr) -> Option<usize> {
    (0..case.services.len()).find(|&i| {
        contrail_sim::scenario::resolve::address(
            &sim.run.world,
            &contrail_sim::scenario::model::AddressRef {
                kind: contrail_sim::k8s::objects::Kind::Service,
                namespace: None,
                name: cases::service_name(i),
                field: contrail_sim::scenario::model::AddressField::ClusterIp,
            },
            contrail_sim::scenario::load::DEFAULT_NAMESPACE,
        )
        .is_some_and(|a| a == addr)
    })
}

#[test]
fn props_real_haproxy_routes_like_the_simulator() {
    let Some(bin) = bin() else { return };
    let started = Instant::now();
    let mut runner = TestRunner::new(config(48));
    let result = runner.run(&cases::case(1..=24), |case| {
        let sim = simulate(&case);
        referee_case(bin, &case, &sim)
    });
    eprintln!(
        "props referee: {} requests to real haproxy in {:.2?}",
        REQUESTS.load(Ordering::Relaxed),
        started.elapsed()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A rule × path repeated in one Ingress (same host, path and Service) gets a pool of its own:
/// one `backend` section per pool, so that haproxy accepts the config.
#[test]
fn props_repeated_rule_gets_its_own_backend() {
    let yaml = r#"
name: repeated-rule
steps:
  - apply:
      - {apiVersion: v1, kind: Pod, metadata: {name: web, labels: {app: web}}, spec: {nodeName: cent333, containers: [{name: web, image: contrailk8sdayone/contrail-webserver}]}}
      - {apiVersion: v1, kind: Service, metadata: {name: web}, spec: {selector: {app: web}, ports: [{port: 80, targetPort: 80}]}}
      - apiVersion: extensions/v1beta1
        kind: Ingress
        metadata: {name: ing}
        spec:
          rules:
            - http: {paths: [{path: /, backend: {serviceName: web, servicePort: 80}}]}
            - http: {paths: [{path: /, backend: {serviceName: web, servicePort: 80}}]}
  - wait: converged
"#;
    let scenario =
        contrail_sim::scenario::load::load_scenario_str(yaml, "repeated.yaml", Path::new("."))
            .unwrap_or_else(|e| panic!("{e:?}"));
    let run = Run::execute(&scenario, 1).unwrap_or_else(|e| panic!("{:?}", e.1.0));
    let all = confs(&run.world);
    let (conf, _) = all.first().expect("haproxy runs");
    let backends: Vec<&str> = conf.lines().filter(|l| l.starts_with("backend ")).collect();
    let distinct: BTreeSet<&&str> = backends.iter().collect();
    assert_eq!((backends.len(), distinct.len()), (2, 2), "{conf}");
    if let Some(bin) = bin()
        && let Err(e) = check_config(bin, conf)
    {
        panic!("haproxy -c rejects:\n{e}\n{conf}");
    }
}
