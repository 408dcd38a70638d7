//! `contrail-sim diff`: every difference between the two semantics gets a named reason, over
//! generated cases and the shipped scenarios, in text and JSON Lines.

use std::path::Path;
use std::process::Command;

use contrail_sim::scenario::diff::{Reason, diff};
use contrail_sim::scenario::load::{load_scenario, load_str};
use proptest::test_runner::{TestCaseError, TestRunner};
use serde_json::Value;

use crate::props::cases;

/// Generated clusters (one Ingress, wildcard hosts, ports in Host headers, missing Services...):
/// both runs pair up request by request, and no difference is left unexplained.
#[test]
fn every_difference_in_generated_cases_has_a_named_reason() {
    let mut runner = TestRunner::new(crate::props::config(32));
    let result = runner.run(&cases::case(1..=12), |case| {
        let yaml = case.scenario_yaml();
        let scenario = load_str(&yaml, "diff.yaml", Path::new("."))
            .scenario
            .ok_or_else(|| TestCaseError::fail(format!("does not load:\n{yaml}")))?;
        let d = diff(&scenario, case.seed)
            .map_err(|e| TestCaseError::fail(format!("{:?}\n{yaml}", e.0)))?;
        if d.pairs.len() != case.requests.len() {
            return Err(TestCaseError::fail("one pair per request"));
        }
        for p in &d.pairs {
            if p.reasons.contains(&Reason::Other) {
                return Err(TestCaseError::fail(format!(
                    "unexplained: curl {}\n  contrail {:?}\n  kubernetes {:?}\n{yaml}",
                    p.curl, p.contrail, p.kubernetes
                )));
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

fn jsonl(file: &str) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_contrail-sim"))
        .args(["diff", file, "--format", "jsonl"])
        .output()
        .expect("run contrail-sim diff");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// The reasons of each request of `file`, in order.
fn reasons(records: &[Value]) -> Vec<Vec<String>> {
    records
        .iter()
        .filter(|r| r["type"] == "diff")
        .map(|r| {
            r["reasons"]
                .as_array()
                .expect("reasons")
                .iter()
                .map(|x| x.as_str().expect("a reason").to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn kubernetes_scenario_names_each_way_the_semantics_part() {
    let records = jsonl("scenarios/ingress-kubernetes.yaml");
    let got = reasons(&records);
    let want: Vec<Vec<&str>> = vec![
        vec!["exact vs prefix"],
        vec![],
        vec!["precedence"],
        vec!["host with port", "precedence"],
        vec!["exact vs prefix", "one loadbalancer per Ingress"],
        vec!["503 vs 404"],
        vec![],
        vec!["exact vs prefix", "wildcard host"],
        vec!["503 vs 404"],
        vec!["one loadbalancer per Ingress"],
    ];
    assert_eq!(got, want);
    let summary = records.last().expect("a summary");
    assert_eq!(summary["type"], "diff_summary");
    assert_eq!(
        (summary["same"].as_u64(), summary["differ"].as_u64()),
        (Some(2), Some(8))
    );
    // The answers behind a reason: Contrail's 503 page, the spec's 404.
    let first_404 = records
        .iter()
        .find(|r| {
            r["reasons"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == "503 vs 404"))
        })
        .expect("a 503 vs 404");
    assert_eq!(first_404["contrail"]["status"], 503);
    assert_eq!(first_404["kubernetes"]["status"], 404);
}

#[test]
fn tls_scenario_names_contrails_tls_frontend() {
    let got = reasons(&jsonl("scenarios/ingress-tls.yaml"));
    assert!(
        got.contains(&vec!["TLS frontend rules".to_owned()]),
        "{got:?}"
    );
    assert!(got.contains(&vec!["exact vs prefix".to_owned()]), "{got:?}");
}

/// The shipped scenarios all diff without an unexplained difference.
#[test]
fn shipped_scenarios_have_no_unexplained_difference() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for f in files {
        let s = load_scenario(&f).unwrap_or_else(|e| panic!("{}: {e:?}", f.display()));
        let d = diff(&s, s.seed).unwrap_or_else(|e| panic!("{}: {:?}", f.display(), e.0));
        for p in &d.pairs {
            assert!(
                !p.reasons.contains(&Reason::Other),
                "{}: {} unexplained",
                f.display(),
                p.curl
            );
        }
    }
}
