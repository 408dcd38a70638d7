//! `contrail-sim generate`: the written cluster runs and passes its own checks, the same
//! arguments write the same bytes, and sizes out of range are refused with exit code 2.

use std::path::Path;

use super::support::{TempDir, contrail_sim, text};

/// Every file under `dir`, with its text, in path order.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read the folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path
                    .strip_prefix(dir)
                    .expect("under dir")
                    .display()
                    .to_string();
                out.push((name, std::fs::read_to_string(&path).expect("a text file")));
            }
        }
    }
    out.sort();
    out
}

fn generate(out: &Path, sizes: &[&str]) -> std::process::Output {
    let out = out.to_string_lossy();
    let mut args = vec!["generate", "--out", &out];
    args.extend_from_slice(sizes);
    contrail_sim(&args)
}

const SMALL: &[&str] = &[
    "--computes",
    "12",
    "--services",
    "30",
    "--pods",
    "95",
    "--namespaces",
    "3",
    "--isolated",
    "1",
    "--ingresses",
    "2",
    "--seed",
    "5",
];

#[test]
fn a_generated_cluster_converges_and_passes_its_checks() {
    let dir = TempDir::new("generate-run");
    let out = generate(dir.path(), SMALL);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let scenario = dir.path().join("scenario.yaml");
    let written = files(dir.path());
    let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "manifests/client.yaml",
            "manifests/namespaces.yaml",
            "manifests/team-1.yaml",
            "manifests/team-2.yaml",
            "manifests/team-3.yaml",
            "scenario.yaml"
        ]
    );
    let team1 = &written[2].1;
    assert_eq!(team1.matches("kind: Service\n").count(), 10, "{team1}");
    assert!(team1.contains("name: ing-1,"), "{team1}");
    // 95 pods over 30 Services: the first five have four replicas, the others three.
    assert!(team1.contains("name: web-1,") && team1.contains("replicas: 4\n"));
    assert!(written[1].1.contains("opencontrail.org/isolation"));

    let run = contrail_sim(&["run", &scenario.to_string_lossy()]);
    let stdout = text(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&run.stderr)
    );
    assert!(stdout.contains("converged: nothing pending"), "{stdout}");
    assert!(stdout.contains("compute-12 "), "{stdout}");
    assert!(stdout.contains("+ 1 more..."), "{stdout}");
    assert_eq!(
        stdout.matches("=> 200 OK, served by pod/web-1-").count(),
        2,
        "{stdout}"
    );
}

#[test]
fn the_same_arguments_write_the_same_bytes() {
    let (a, b) = (TempDir::new("generate-a"), TempDir::new("generate-b"));
    for dir in [&a, &b] {
        let out = generate(dir.path(), SMALL);
        assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    }
    assert_eq!(files(a.path()), files(b.path()));
}

#[test]
fn sizes_out_of_range_exit_2_with_a_message_and_write_nothing() {
    let dir = TempDir::new("generate-bad");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--computes", "0"],
            "--computes is 0; it must be between 1 and 4000",
        ),
        (
            &["--computes", "2", "--namespaces", "2", "--isolated", "3"],
            "--isolated is 3",
        ),
        (
            &["--computes", "2", "--services", "0", "--pods", "5"],
            "--services is 0",
        ),
        (
            &["--computes", "2", "--services", "1", "--pods", "1001"],
            "more than 1000 replicas",
        ),
        (
            &["--computes", "2", "--services", "3", "--ingresses", "4"],
            "--ingresses is 4",
        ),
        (&["--computes", "two"], "invalid value 'two'"),
    ];
    for (args, wanted) in cases {
        let out = generate(dir.path(), args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(wanted), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert!(files(dir.path()).is_empty());
}

/// A manifest of ten thousand objects loads: 5,000 Deployments and their Services (about
/// 330,000 YAML values) in one file. The old parser limit of 250,000 values refused about
/// 7,460 such objects, and the old object limit 10,000.
#[test]
fn a_manifest_of_ten_thousand_objects_loads() {
    let dir = TempDir::new("generate-10k");
    let out = generate(
        dir.path(),
        &[
            "--computes",
            "4",
            "--services",
            "5000",
            "--pods",
            "0",
            "--ingresses",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let loaded = contrail_sim::scenario::load::load(&dir.path().join("scenario.yaml"));
    let errors: Vec<_> = loaded.errors().map(|d| d.message.clone()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let scenario = loaded.scenario.expect("the scenario loads");
    let largest = scenario
        .steps
        .iter()
        .map(|s| match &s.action {
            contrail_sim::scenario::model::Action::Apply(objects) => objects.len(),
            _ => 0,
        })
        .max();
    assert_eq!(
        largest,
        Some(10_001),
        "5,000 Deployments, 5,000 Services, an Ingress"
    );
}

/// A step of a large cluster may take more events than a hand-written scenario's: the budget
/// grows by `EVENTS_PER_OBJECT` for each object applied, a Deployment's replicas included.
#[test]
fn the_event_budget_grows_with_the_cluster() {
    use contrail_sim::scenario::run::{EVENT_BUDGET, EVENTS_PER_OBJECT, event_budget};
    let dir = TempDir::new("generate-budget");
    let out = generate(dir.path(), SMALL);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let loaded = contrail_sim::scenario::load::load(&dir.path().join("scenario.yaml"));
    let scenario = loaded.scenario.expect("the scenario loads");
    // 3 namespaces, 30 Deployments with 95 pods, 30 Services, 2 Ingresses, the client.
    let objects = 3 + 30 + 95 + 30 + 2 + 1;
    assert_eq!(
        event_budget(&scenario),
        EVENT_BUDGET + EVENTS_PER_OBJECT * objects
    );
}
