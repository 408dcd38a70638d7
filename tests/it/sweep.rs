//! `contrail-sim sweep` and `--partition`: exit codes, the report, JSON Lines, independence
//! from `--jobs`, and partitions that cover every seed and file exactly once.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

use super::support::{CURL_TO_A_DELETED_INGRESS, TempDir, contrail_sim, scenario_path, text};

/// A scenario whose only expectation depends on the seed: the /dev request must pass through
/// the haproxy on cent222, which is where svc-monitor's random scheduler puts the active
/// instance for some seeds and not others. `failing_seeds` finds out which, one `run` at a time.
fn placement_dependent(dir: &TempDir) -> PathBuf {
    let m = scenario_path("manifests");
    dir.write(
        "placement.yaml",
        &format!(
            "name: placement\nsteps:\n  - apply: {m}/client.yaml\n  - apply: {m}/webservers.yaml\n  - apply: {m}/ingress-sf.yaml\n  - wait: converged\n  - curl: \"-H 'Host: www.juniper.net' http://{{ingress/ingress-sf.vip}}/dev\"\n    from: pod/client\n    expect: {{status: 200, served_by: deployment/webserver-1, via: [cent222/haproxy]}}\n",
            m = m.display()
        ),
    )
}

/// The seeds in `seeds` for which `contrail-sim run FILE --seed N` fails, asserted to be some
/// but not all of them (otherwise the sweep tests below would test nothing).
fn failing_seeds(file: &str, seeds: std::ops::RangeInclusive<u64>) -> Vec<u64> {
    let all: Vec<u64> = seeds.collect();
    let failing: Vec<u64> = all
        .iter()
        .copied()
        .filter(|s| {
            let out = contrail_sim(&["run", file, "--seed", &s.to_string()]);
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{}",
                text(&out.stderr)
            );
            out.status.code() == Some(1)
        })
        .collect();
    assert!(
        !failing.is_empty() && failing.len() < all.len(),
        "seeds {all:?}: the placement should vary (failing: {failing:?})"
    );
    failing
}

/// `3, 5` for `[3, 5]`.
fn listed(seeds: &[u64]) -> String {
    seeds
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn jsonl(out: &std::process::Output) -> Vec<Value> {
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn sweep(args: &[&str]) -> std::process::Output {
    let mut all = vec!["sweep"];
    all.extend_from_slice(args);
    contrail_sim(&all)
}

#[test]
fn a_sweep_where_every_seed_passes_exits_0() {
    let out = sweep(&["scenarios/service-clusterip.yaml", "--seeds", "1..3"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(
            "sweep scenarios/service-clusterip.yaml (service-clusterip): seeds 1..3: 3 run(s)\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("deployment/webserver "), "{stdout}");
    assert!(!stdout.contains("failing seeds"), "{stdout}");
    assert!(
        stdout.contains("\nno step's answer varies across seeds\n"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("\n3 seeds: 3 passed, 0 failed\n"),
        "{stdout}"
    );
}

#[test]
fn a_sweep_with_a_seed_dependent_expectation_exits_1_and_lists_the_failing_seeds() {
    let dir = TempDir::new("sweep-fail");
    let file = placement_dependent(&dir);
    let file = file.to_string_lossy();
    let failing = failing_seeds(&file, 1..=6);
    let passing: Vec<u64> = (1..=6).filter(|s| !failing.contains(s)).collect();
    let out = sweep(&[&file, "--seeds", "1..6"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // The distribution: haproxy placement varies, the Deployment that serves does not.
    assert!(
        stdout.contains("   6 seeds, 6 requests; the answer VARIES across seeds\n"),
        "{stdout}"
    );
    let row = |label: &str, value: &str| {
        stdout
            .lines()
            .find(|l| l.contains(value) && (label.is_empty() || l.contains(label)))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| panic!("no row for {value}: {stdout}"))
    };
    assert_eq!(
        row("served by", "deployment/webserver-1"),
        "served by deployment/webserver-1 6 seeds 6 requests"
    );
    let (p, f) = (passing.len(), failing.len());
    assert_eq!(
        row("", "cent222/haproxy "),
        format!(
            "haproxy cent222/haproxy {p} seeds {p} requests seeds {}",
            listed(&passing)
        )
    );
    assert!(
        row("", "cent333/haproxy ").ends_with(&format!(
            "cent333/haproxy {f} seeds {f} requests seeds {}",
            listed(&failing)
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "   FAILED in {f} seeds (seeds {}): via\n",
            listed(&failing)
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("\nfailing seeds ({f} of 6):\n")),
        "{stdout}"
    );
    for seed in &failing {
        assert!(
            stdout.contains(&format!(
                "  seed {seed}: 1 expectation(s) failed, first at step 5 (via)\n    replay: contrail-sim run {file} --seed {seed}\n"
            )),
            "{stdout}"
        );
    }
    assert!(
        stdout.ends_with(&format!(
            "steps whose answer varies across seeds: 5\n6 seeds: {p} passed, {f} failed\n"
        )),
        "{stdout}"
    );
    // The replay command reproduces the failure.
    let replay = contrail_sim(&["run", &file, "--seed", &failing[0].to_string()]);
    assert_eq!(replay.status.code(), Some(1));
}

#[test]
fn a_sweep_whose_runs_stop_with_an_error_exits_2_and_groups_the_error() {
    let dir = TempDir::new("sweep-error");
    let file = dir.write("deleted.yaml", CURL_TO_A_DELETED_INGRESS);
    let file = file.to_string_lossy();
    let out = sweep(&[&file, "--seeds", "1..3", "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let records = jsonl(&out);
    let errors: Vec<&Value> = records.iter().filter(|r| r["type"] == "error").collect();
    assert_eq!(errors.len(), 1, "{records:?}");
    assert_eq!(errors[0]["seeds"], 3);
    let message = errors[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("{ingress/gone.vip} does not exist at this point of the run"),
        "{message}"
    );
    let seeds: Vec<&Value> = records.iter().filter(|r| r["type"] == "seed").collect();
    assert!(
        seeds
            .iter()
            .all(|s| s["verdict"] == "error" && s["error"]["step"] == 4)
    );
    let summary = records.last().expect("records");
    assert_eq!(
        (summary["stopped"].as_u64(), summary["passed"].as_u64()),
        (Some(3), Some(0))
    );
}

#[test]
fn invalid_sweep_input_exits_2_with_a_message_and_nothing_on_stdout() {
    let dir = TempDir::new("sweep-invalid");
    let broken = dir.write("broken.yaml", "name: broken\nsetps: []\n");
    let broken = broken.to_string_lossy();
    let cases: [(&[&str], &str); 8] = [
        (
            &["scenarios/service-clusterip.yaml", "--seeds", "5..1"],
            "empty",
        ),
        (
            &["scenarios/service-clusterip.yaml", "--seeds", "a..3"],
            "not a number",
        ),
        (
            &["scenarios/service-clusterip.yaml", "--seeds", "0..5000000"],
            "at most",
        ),
        (
            &[
                "scenarios/service-clusterip.yaml",
                "--seeds",
                "1..3",
                "--partition",
                "0/3",
            ],
            "K counts from 1",
        ),
        (
            &[
                "scenarios/service-clusterip.yaml",
                "--seeds",
                "1..3",
                "--partition",
                "4/3",
            ],
            "between 1 and N",
        ),
        (
            &[
                "scenarios/service-clusterip.yaml",
                "--seeds",
                "1..3",
                "--jobs",
                "0",
            ],
            "from 1 to",
        ),
        (
            &["scenarios/no-such.yaml", "--seeds", "1..3"],
            "no-such.yaml",
        ),
        (&[&broken, "--seeds", "1..3"], "unknown field `setps`"),
    ];
    for (args, message) in cases {
        let out = sweep(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let missing = sweep(&["scenarios/service-clusterip.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("--seeds"));
}

#[test]
fn jsonl_has_documented_records_in_order() {
    let dir = TempDir::new("sweep-jsonl");
    let file = placement_dependent(&dir);
    let out = sweep(&[
        &file.to_string_lossy(),
        "--seeds",
        "2..5",
        "--format",
        "jsonl",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let records = jsonl(&out);
    let types: Vec<&str> = records.iter().filter_map(|r| r["type"].as_str()).collect();
    assert_eq!(types[..5], ["sweep", "seed", "seed", "seed", "seed"]);
    assert_eq!(types.last(), Some(&"summary"));
    assert!(types[5..types.len() - 1].iter().all(|t| *t == "step"));
    let header = &records[0];
    assert_eq!(
        (
            &header["first_seed"],
            &header["last_seed"],
            &header["runs"],
            &header["partition"]
        ),
        (
            &Value::from(2),
            &Value::from(5),
            &Value::from(4),
            &Value::Null
        )
    );
    let failing = failing_seeds(&file.to_string_lossy(), 2..=5);
    let verdict = |s: u64| {
        if failing.contains(&s) {
            "failed"
        } else {
            "passed"
        }
    };
    let seeds: Vec<(u64, &str)> = records[1..5]
        .iter()
        .map(|r| {
            (
                r["seed"].as_u64().unwrap_or(0),
                r["verdict"].as_str().unwrap_or(""),
            )
        })
        .collect();
    let expected: Vec<(u64, &str)> = (2..=5).map(|s| (s, verdict(s))).collect();
    assert_eq!(seeds, expected);
    let first = failing[0];
    let failed = &records[usize::try_from(first - 1).expect("small")];
    assert_eq!(failed["failures"][0]["what"], "via");
    assert_eq!(failed["failures"][0]["step"], 4);
    assert!(
        failed["replay"]
            .as_str()
            .is_some_and(|r| r.ends_with(&format!("placement.yaml --seed {first}")))
    );
    let curl = records
        .iter()
        .find(|r| r["type"] == "step" && r["index"] == 4)
        .expect("the curl step");
    assert_eq!(curl["varies"], true);
    assert_eq!(curl["path_varies"], true);
    assert_eq!(curl["haproxies"][1]["value"], "cent333/haproxy");
    assert_eq!(
        curl["haproxies"][1]["first_seeds"],
        serde_json::json!(failing)
    );
    assert_eq!(curl["served_by"][0]["value"], "deployment/webserver-1");
    assert_eq!(curl["served_by"][0]["seeds"], 4);
    assert_eq!(curl["failures"][0]["seeds"], failing.len());
    assert_eq!(
        curl["failures"][0]["first_seeds"],
        serde_json::json!(failing)
    );
    let summary = records.last().expect("summary");
    assert_eq!(
        (
            &summary["seeds"],
            &summary["passed"],
            &summary["failed"],
            &summary["varying_steps"]
        ),
        (
            &Value::from(4),
            &Value::from(4 - failing.len()),
            &Value::from(failing.len()),
            &serde_json::json!([4])
        )
    );
}

#[test]
fn output_is_byte_identical_for_any_number_of_jobs() {
    let dir = TempDir::new("sweep-jobs");
    let file = placement_dependent(&dir);
    let file = file.to_string_lossy();
    for format in ["text", "jsonl"] {
        let one = sweep(&[&file, "--seeds", "1..12", "--format", format, "--jobs", "1"]);
        let three = sweep(&[&file, "--seeds", "1..12", "--format", format, "--jobs", "3"]);
        assert_eq!(one.status.code(), Some(1));
        assert_eq!(three.status.code(), Some(1));
        assert!(!one.stdout.is_empty());
        assert_eq!(text(&one.stdout), text(&three.stdout), "{format}");
    }
    let one = contrail_sim(&["test", "scenarios/", "--jobs", "1"]);
    let three = contrail_sim(&["test", "scenarios/", "--jobs", "3"]);
    assert_eq!(text(&one.stdout), text(&three.stdout));
}

#[test]
fn sweep_partitions_cover_every_seed_exactly_once() {
    let dir = TempDir::new("sweep-partitions");
    let file = placement_dependent(&dir);
    let file = file.to_string_lossy();
    let seed_records = |extra: &[&str]| -> Vec<String> {
        let mut args = vec![file.as_ref(), "--seeds", "1..7", "--format", "jsonl"];
        args.extend_from_slice(extra);
        let out = sweep(&args);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            text(&out.stderr)
        );
        text(&out.stdout)
            .lines()
            .filter(|l| l.contains(r#""type":"seed""#))
            .map(str::to_owned)
            .collect()
    };
    let mut whole = seed_records(&[]);
    whole.sort();
    for n in 1..=8 {
        let mut union = Vec::new();
        for k in 1..=n {
            let part = format!("{k}/{n}");
            union.extend(seed_records(&["--partition", &part]));
        }
        union.sort();
        assert_eq!(union, whole, "{n} partitions");
    }
}

/// `test DIR --partition K/N`: the verdict lines of the partitions add up to the whole run's.
#[test]
fn test_partitions_cover_every_file_exactly_once() {
    let dir = TempDir::new("test-partitions");
    for i in 0..7 {
        dir.write(
            &format!("s{i}.yaml"),
            &format!("name: s{i}\nsteps:\n  - wait: converged\n"),
        );
    }
    dir.write("broken.yaml", "name: broken\nsetps: []\n");
    dir.write(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n",
    );
    let verdicts = |extra: &[&str]| -> (Option<i32>, Vec<String>) {
        let d = dir.path().to_string_lossy();
        let mut args = vec!["test", d.as_ref()];
        args.extend_from_slice(extra);
        let out = contrail_sim(&args);
        let lines = text(&out.stdout)
            .lines()
            .filter(|l| {
                l.starts_with("ok ") || l.starts_with("FAILED ") || l.starts_with("INVALID ")
            })
            .map(str::to_owned)
            .collect();
        (out.status.code(), lines)
    };
    let (code, mut whole) = verdicts(&[]);
    assert_eq!(code, Some(2));
    assert_eq!(whole.len(), 8);
    whole.sort();
    for n in 1..=10 {
        let mut union = Vec::new();
        let mut codes = BTreeSet::new();
        for k in 1..=n {
            let (code, lines) = verdicts(&["--partition", &format!("{k}/{n}")]);
            codes.insert(code);
            union.extend(lines);
        }
        union.sort();
        assert_eq!(union, whole, "{n} partitions");
        // Only the partition holding broken.yaml exits 2; an empty partition passes.
        assert!(codes.contains(&Some(2)), "{n}: {codes:?}");
        assert!(
            codes.iter().all(|c| matches!(c, Some(0 | 2))),
            "{n}: {codes:?}"
        );
    }
}
