//! Invariants under faults: random schedules of failures and recoveries of random targets at
//! random times, with requests between them, on a cluster of three computes. Every request
//! ends in exactly one disposition, nothing panics, the same seed gives the same bytes, and
//! once everything has recovered and converged, the requests that succeeded before the faults
//! succeed again.

use std::path::Path;

use contrail_sim::report::jsonl;
use contrail_sim::scenario::load::load_str;
use contrail_sim::scenario::run::{CurlResult, Output, Run};
use contrail_sim::trace::record::DISPOSITIONS;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestRunner;

use super::config;

/// What a fault step may name, by name (a role may name no compute once its instance is lost).
/// The client pod is pinned to cent222, so nodes fail only on the other computes (a failed
/// node's bare pods are evicted for good); the haproxy instances land on any two computes.
const TARGETS: &[&str] = &[
    "node/cent333",
    "node/cent444",
    "agent/cent222",
    "agent/cent333",
    "agent/cent444",
    "xmpp/cent222",
    "xmpp/cent444",
    "control-node",
    "bgp/camaro",
    "link/camaro-cent222",
    "link/camaro-cent333",
    "link/camaro-cent444",
    "link/cent222-cent333",
    "link/cent333-cent444",
];

/// The two requests every phase sends: through the Ingress from the internet, and to the
/// Service from the client pod.
const REQUESTS: &str = r#"  - curl: "--connect-timeout 3 -m 30 http://www.web.io/"
    from: host/cent-client
  - curl: "--connect-timeout 3 -m 30 http://{service/web.clusterIP}:8080/"
    from: pod/client
"#;

#[derive(Clone, Debug)]
enum Action {
    Fail(&'static str),
    Recover(&'static str),
    Wait(u32),
    Requests,
}

#[derive(Clone, Debug)]
struct Schedule {
    seed: u64,
    actions: Vec<Action>,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => select(TARGETS).prop_map(Action::Fail),
        2 => select(TARGETS).prop_map(Action::Recover),
        2 => (1u32..200).prop_map(Action::Wait),
        3 => Just(Action::Requests),
    ]
}

fn schedule() -> impl Strategy<Value = Schedule> {
    (1u64..1_000, prop::collection::vec(action(), 1..10))
        .prop_map(|(seed, actions)| Schedule { seed, actions })
}

impl Schedule {
    /// The scenario: a converged cluster and a baseline of requests, the schedule, then every
    /// target recovered, `wait: converged`, and the baseline again.
    fn yaml(&self) -> String {
        let mut out = format!(
            r#"name: fault-schedule
seed: {seed}
topology:
  computes: [cent222, cent333, cent444]
  hosts:
    - 101.101.101.1 www.web.io
steps:
  - apply:
      - apiVersion: v1
        kind: Pod
        metadata: {{name: client}}
        spec: {{nodeName: cent222, containers: [{{name: c, image: busybox}}]}}
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: web}}
        spec:
          replicas: 3
          selector: {{matchLabels: {{app: web}}}}
          template:
            metadata: {{labels: {{app: web}}}}
            spec: {{containers: [{{name: web, image: contrail-webserver}}]}}
      - apiVersion: v1
        kind: Service
        metadata: {{name: web}}
        spec: {{selector: {{app: web}}, ports: [{{port: 8080, targetPort: 80}}]}}
      - apiVersion: extensions/v1beta1
        kind: Ingress
        metadata: {{name: web}}
        spec: {{backend: {{serviceName: web, servicePort: 8080}}}}
  - wait: converged
{REQUESTS}"#,
            seed = self.seed
        );
        for a in &self.actions {
            match a {
                Action::Fail(t) => out.push_str(&format!("  - fail: {t}\n")),
                Action::Recover(t) => out.push_str(&format!("  - recover: {t}\n")),
                Action::Wait(s) => out.push_str(&format!("  - wait: {s}s\n")),
                Action::Requests => out.push_str(REQUESTS),
            }
        }
        for t in TARGETS {
            out.push_str(&format!("  - recover: {t}\n"));
        }
        out.push_str("  - wait: converged\n");
        out.push_str(REQUESTS);
        out
    }
}

/// Every request of a run, in order.
fn requests(run: &Run) -> Vec<&CurlResult> {
    run.steps
        .iter()
        .flat_map(|s| match &s.output {
            Output::Curl(r) | Output::Compare(r) => r.iter().collect(),
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn props_fault_schedules_keep_the_invariants() {
    let mut runner = TestRunner::new(config(24));
    let result = runner.run(&schedule(), |case| {
        let yaml = case.yaml();
        let loaded = load_str(&yaml, "faults.yaml", Path::new("."));
        let Some(scenario) = loaded.scenario else {
            return Err(TestCaseError::fail(format!(
                "does not load:\n{}\n{yaml}",
                contrail_sim::diag::render(&loaded.diagnostics, &loaded.sources)
            )));
        };
        let run = Run::execute(&scenario, case.seed).map_err(|e| {
            TestCaseError::fail(format!("run stopped: {:?}\n{yaml}", e.1.0))
        })?;
        let all = requests(&run);
        for r in &all {
            prop_assert!(
                DISPOSITIONS.contains(&r.disposition),
                "request {} has no documented disposition ({}); seed {}\n{yaml}",
                r.request_id,
                r.disposition,
                case.seed
            );
            prop_assert_eq!(
                r.disposition == "delivered",
                r.served_by.is_some() && r.response.is_some(),
                "request {} delivered without a pod, or served without being delivered; seed {}\n{}",
                r.request_id,
                case.seed,
                yaml
            );
        }
        // The baseline before the faults and the same requests after everything recovered.
        let (before, after) = (&all[..2], &all[all.len() - 2..]);
        for (b, a) in before.iter().zip(after) {
            if b.disposition == "delivered" {
                prop_assert_eq!(
                    a.disposition,
                    "delivered",
                    "{} succeeded before the faults and not after recovery; seed {}\n{}",
                    b.request.raw,
                    case.seed,
                    yaml
                );
            }
        }
        // Same seed, same bytes.
        let again = Run::execute(&scenario, case.seed)
            .map_err(|e| TestCaseError::fail(format!("second run stopped: {:?}", e.1.0)))?;
        prop_assert!(
            jsonl::render(&scenario, &run, case.seed)
                == jsonl::render(&scenario, &again, case.seed),
            "two runs with seed {} differ\n{}",
            case.seed,
            yaml
        );
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
