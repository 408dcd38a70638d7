//! The command line contract: exit codes, what goes to stdout and stderr, `test` and
//! `--check-determinism`.

use super::support::{TempDir, contrail_sim, scenario_path, text};

#[test]
fn run_of_a_passing_scenario_exits_0_with_a_summary() {
    let out = contrail_sim(&["run", "scenarios/ingress-single-service.yaml"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("scenario ingress-single-service (seed 1)"),
        "{stdout}"
    );
    assert!(stdout.contains("served by pod/webserver-"), "{stdout}");
}

/// A copy of the fanout scenario's internal /dev request whose `served_by` names the wrong
/// Deployment: /dev goes to webserver-1 (model section 5).
fn wrong_served_by(dir: &TempDir) -> std::path::PathBuf {
    let manifests = scenario_path("manifests");
    dir.write(
        "wrong-served-by.yaml",
        &format!(
            "name: wrong-served-by\nseed: 42\nsteps:\n  - apply: {m}/client.yaml\n  - apply: {m}/webservers.yaml\n  - apply: {m}/ingress-sf.yaml\n  - wait: converged\n  - curl: \"-H 'Host: www.juniper.net' http://{{ingress/ingress-sf.vip}}/dev\"\n    from: pod/client\n    expect: {{status: 200, served_by: deployment/webserver-2}}\n",
            m = manifests.display()
        ),
    )
}

#[test]
fn run_with_a_failing_expectation_exits_1_and_prints_seed_and_replay_command() {
    let dir = TempDir::new("cli-fail");
    let file = wrong_served_by(&dir);
    let file = file.to_string_lossy();
    let out = contrail_sim(&["run", &file]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    let all = format!("{stdout}{stderr}");
    assert!(all.contains("webserver-2"), "expected value shown: {all}");
    assert!(all.contains("webserver-1-"), "actual pod shown: {all}");
    assert!(
        stderr.contains(&format!("replay: contrail-sim run {file} --seed 42")),
        "{stderr}"
    );
    assert!(stderr.contains("seed 42"), "{stderr}");
}

#[test]
fn run_with_a_failing_expectation_in_jsonl_records_the_failure_with_its_seed() {
    let dir = TempDir::new("cli-fail-jsonl");
    let file = wrong_served_by(&dir);
    let out = contrail_sim(&["run", &file.to_string_lossy(), "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    let failure = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("each line is JSON"))
        .find(|v| v["type"] == "failure")
        .expect("a failure record");
    assert_eq!(failure["seed"], 42);
    assert_eq!(failure["step"], 4);
}

#[test]
fn run_of_invalid_input_exits_2_with_file_line_column_on_stderr_and_nothing_on_stdout() {
    let dir = TempDir::new("cli-invalid");
    let file = dir.write(
        "invalid.yaml",
        "name: invalid\nsteps:\n  - wait: converged\n  - show: processes\n    expcet: {contains: [x]}\n",
    );
    let file = file.to_string_lossy();
    let out = contrail_sim(&["run", &file]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "stdout: {}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(&format!("{file}:5:5: error: unknown field `expcet`")),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn run_of_a_missing_file_exits_2_without_a_panic() {
    let out = contrail_sim(&["run", "scenarios/no-such-scenario.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("scenarios/no-such-scenario.yaml"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn test_command_prints_one_line_per_scenario_and_the_totals() {
    let out = contrail_sim(&["test", "scenarios/"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let mut scenarios: Vec<String> = std::fs::read_dir(scenario_path(""))
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            format!(
                "ok      scenarios/{}",
                p.file_name().expect("name").to_string_lossy()
            )
        })
        .collect();
    scenarios.sort();
    let n = scenarios.len();
    assert!(n >= 5);
    assert_eq!(lines[..n], scenarios[..], "{stdout}");
    assert_eq!(lines[n..], [format!("{n} passed, 0 failed")], "{stdout}");
}

#[test]
fn test_command_counts_a_failing_scenario_and_exits_1() {
    let dir = TempDir::new("cli-test-fail");
    wrong_served_by(&dir);
    let out = contrail_sim(&[
        "test",
        &dir.path().to_string_lossy(),
        "scenarios/ingress-single-service.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("FAILED  "), "{stdout}");
    assert!(
        stdout.contains("ok      scenarios/ingress-single-service.yaml"),
        "{stdout}"
    );
    assert!(stdout.ends_with("1 passed, 1 failed\n"), "{stdout}");
}

#[test]
fn check_determinism_passes_for_a_book_scenario() {
    let out = contrail_sim(&[
        "run",
        "scenarios/ingress-simple-fanout.yaml",
        "--format",
        "jsonl",
        "--check-determinism",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("determinism check passed: two runs with seed 7 are byte-identical"),
        "{stderr}"
    );
}

#[test]
fn seed_option_overrides_the_scenario_seed() {
    // A scenario whose expectations hold for any seed (no seed-pinned placement or file).
    let own = contrail_sim(&[
        "run",
        "scenarios/service-clusterip.yaml",
        "--format",
        "jsonl",
    ]);
    let other = contrail_sim(&[
        "run",
        "scenarios/service-clusterip.yaml",
        "--format",
        "jsonl",
        "--seed",
        "99",
    ]);
    assert_eq!(other.status.code(), Some(0));
    let first = |o: &std::process::Output| text(&o.stdout).lines().next().map(str::to_owned);
    assert_eq!(
        first(&other).as_deref(),
        Some(r#"{"scenario":"service-clusterip","seed":99,"type":"run"}"#)
    );
    assert_ne!(own.stdout, other.stdout);
}
