//! Same scenario and seed, same bytes: in process (JSON Lines) and through the CLI's
//! `--check-determinism`.

use std::process::Command;

use contrail_sim::report::jsonl;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

use super::{cases, config, simulate};
use crate::real_haproxy::process::TempDir;

#[test]
fn props_same_seed_same_jsonl() {
    let mut runner = TestRunner::new(config(32));
    let result = runner.run(&cases::case(2..=6), |case| {
        let first = simulate(&case);
        let second = simulate(&case);
        let a = jsonl::render(&first.scenario, &first.run, case.seed);
        let b = jsonl::render(&second.scenario, &second.run, case.seed);
        if a != b {
            let line = a
                .lines()
                .zip(b.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            return Err(TestCaseError::fail(format!(
                "runs differ at line {line}:\n{}\n{}\nscenario:\n{}",
                a.lines().nth(line).unwrap_or(""),
                b.lines().nth(line).unwrap_or(""),
                case.scenario_yaml()
            )));
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// `contrail-sim run FILE --check-determinism` passes on generated scenario files, and prints
/// the bytes the library renders for the same file.
#[test]
fn props_cli_check_determinism() {
    let mut runner = TestRunner::new(config(12));
    let result = runner.run(&cases::case(2..=4), |case| {
        let dir = TempDir::new("props-cli");
        let file = dir.path().join("scenario.yaml");
        std::fs::write(&file, case.scenario_yaml()).expect("write scenario");
        let out = Command::new(env!("CARGO_BIN_EXE_contrail-sim"))
            .arg("run")
            .arg(&file)
            .args(["--check-determinism", "--format", "jsonl"])
            .output()
            .expect("run contrail-sim");
        let stderr = String::from_utf8_lossy(&out.stderr);
        prop_assert!(
            out.status.success() && stderr.contains("determinism check passed"),
            "{}: {stderr}\n{}",
            out.status,
            case.scenario_yaml()
        );
        let scenario = contrail_sim::scenario::load::load_scenario(&file).expect("loads");
        let run = contrail_sim::scenario::run::Run::execute(&scenario, case.seed)
            .unwrap_or_else(|e| panic!("{:?}", e.1.0));
        let ours = jsonl::render(&scenario, &run, case.seed);
        prop_assert!(
            ours.as_bytes() == out.stdout.as_slice(),
            "the CLI's output differs from the library's"
        );
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
