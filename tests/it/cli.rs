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
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("== 15 step(s), 0 expectation(s) failed; simulated time 0.1")
            && last.ends_with(" events"),
        "{last}"
    );
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
    assert!(
        stdout.contains("\n== 5 step(s), 1 expectation(s) failed; "),
        "{stdout}"
    );
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

/// How many files `scenarios/manifests/` holds (every one a Kubernetes manifest).
fn manifest_count() -> usize {
    let n = std::fs::read_dir(scenario_path("manifests"))
        .expect("scenarios/manifests/")
        .filter(|e| {
            e.as_ref()
                .expect("entry")
                .path()
                .extension()
                .is_some_and(|x| x == "yaml")
        })
        .count();
    assert!(n >= 7, "scenarios/manifests/ lost its manifests");
    n
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
    let m = manifest_count();
    assert_eq!(
        lines[n..],
        [
            format!(
                "skipped {m} Kubernetes manifest file(s), not scenarios: scenarios/manifests/ ({m})"
            ),
            format!("{n} passed, 0 failed")
        ],
        "{stdout}"
    );
}

#[test]
fn test_of_a_folder_reports_a_misspelt_scenario_as_invalid_and_exits_2() {
    let dir = TempDir::new("cli-test-classify");
    dir.write("good.yaml", "name: good\nsteps:\n  - wait: converged\n");
    dir.write("typo.yml", "name: typo\nsetps:\n  - wait: converged\n");
    dir.write("unrelated.yaml", "foo: 1\n");
    std::fs::create_dir_all(dir.path().join("manifests")).expect("mkdir");
    dir.write(
        "manifests/pods.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n",
    );
    dir.write(
        "manifests/svc.yml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n",
    );
    let d = dir.path().to_string_lossy();
    let out = contrail_sim(&["test", &d]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("ok      {d}/good.yaml\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "INVALID {d}/typo.yml\n{d}/typo.yml:2:1: error: unknown field `setps`"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("did you mean `steps`?"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "INVALID {d}/unrelated.yaml\n{d}/unrelated.yaml: error: neither a scenario"
        )),
        "{stdout}"
    );
    // The manifests are said to be skipped once, in the summary, and judged never.
    assert_eq!(stdout.matches("skipped").count(), 1, "{stdout}");
    assert!(
        !stdout.contains("pods.yaml") && !stdout.contains("svc.yml"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(&format!(
            "skipped 2 Kubernetes manifest file(s), not scenarios: {d}/manifests/ (2)\n2 invalid, counted as failed\n1 passed, 2 failed\n"
        )),
        "{stdout}"
    );
}

#[test]
fn test_of_a_failing_and_an_invalid_scenario_exits_2() {
    let dir = TempDir::new("cli-test-fail-invalid");
    wrong_served_by(&dir);
    dir.write("typo.yaml", "name: typo\nstep: []\n");
    let out = contrail_sim(&["test", &dir.path().to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stdout).ends_with("0 passed, 2 failed\n"));
}

#[test]
fn test_of_a_path_that_does_not_exist_exits_2_instead_of_skipping_it() {
    let out = contrail_sim(&["test", "scenarios/", "scenarios/no-such-folder"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("scenarios/no-such-folder: no such file or folder"));
}

#[test]
fn test_of_a_folder_of_manifests_only_is_invalid_input() {
    let out = contrail_sim(&["test", "scenarios/manifests"]);
    assert_eq!(out.status.code(), Some(2));
    let m = manifest_count();
    assert!(
        text(&out.stderr).contains(&format!(
            "no scenario files under scenarios/manifests ({m} Kubernetes manifest file(s) skipped)"
        )),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_empty_test_partition_passes() {
    let out = contrail_sim(&[
        "test",
        "scenarios/service-clusterip.yaml",
        "--partition",
        "2/2",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "partition 2/2: 0 of 1 file(s)\n0 passed, 0 failed\n"
    );
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
