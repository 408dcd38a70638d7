//! Property tests over generated clusters, Ingresses and requests, run end to end through the
//! simulator: determinism, conservation of packets and requests, NAT symmetry, routing against a
//! reference model, and real haproxy as the referee for the configs the simulator renders.
//!
//! Case counts default to CI-friendly values; `PROPTEST_CASES` overrides them all.

pub(crate) mod cases;
mod determinism;
mod faults;
mod flows;
mod model;
mod referee;

use std::path::Path;

use contrail_sim::k8s::objects::Kind;
use contrail_sim::scenario::load::load_str;
use contrail_sim::scenario::model::{ObjectKey, Scenario};
use contrail_sim::scenario::run::{CurlResult, Output, Run, pods_of_service};
use proptest::test_runner::Config;

use cases::Case;

/// The proptest config: `cases` unless `PROPTEST_CASES` says otherwise; no persistence files.
pub(crate) fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        max_shrink_iters: 1024,
        failure_persistence: None,
        ..Config::default()
    }
}

/// A case after the simulator ran it.
struct Simulated {
    scenario: Scenario,
    run: Run,
    /// One per request, in order.
    results: Vec<CurlResult>,
}

/// Loads the case's scenario file and runs it with the case's seed.
fn simulate(case: &Case) -> Simulated {
    let yaml = case.scenario_yaml();
    let loaded = load_str(&yaml, "props.yaml", Path::new("."));
    let Some(scenario) = loaded.scenario else {
        panic!(
            "generated scenario does not load:\n{}\n{yaml}",
            contrail_sim::diag::render(&loaded.diagnostics, &loaded.sources)
        );
    };
    let run = match Run::execute(&scenario, case.seed) {
        Ok(run) => run,
        Err(failed) => panic!("run failed: {:?}\n{yaml}", failed.1.0),
    };
    let results: Vec<CurlResult> = run
        .steps
        .iter()
        .filter_map(|s| match &s.output {
            Output::Curl(r) => Some(r),
            _ => None,
        })
        .flatten()
        .cloned()
        .collect();
    assert_eq!(results.len(), case.requests.len(), "one result per request");
    Simulated {
        scenario,
        run,
        results,
    }
}

fn service_key(i: usize) -> ObjectKey {
    ObjectKey {
        kind: Kind::Service,
        namespace: contrail_sim::scenario::load::DEFAULT_NAMESPACE.into(),
        name: cases::service_name(i).into(),
    }
}

impl Simulated {
    /// The Services (indices) whose selector picks `pod`.
    fn services_of(&self, case: &Case, pod: &ObjectKey) -> Vec<usize> {
        (0..case.services.len())
            .filter(|&i| pods_of_service(&self.run.world, &service_key(i)).contains(pod))
            .collect()
    }
}
