//! Every scenario under `scenarios/`, rendered as JSON Lines with its own seed, compared byte for
//! byte with `tests/golden/traces/<file stem>.jsonl`. `BLESS=1` rewrites the files instead; see
//! `tests/golden/README.md` for how to review them.

use std::path::{Path, PathBuf};

use contrail_sim::report::jsonl::render;
use contrail_sim::scenario::load::load;
use contrail_sim::scenario::model::Scenario;
use contrail_sim::scenario::run::Run;

const BLESS_COMMAND: &str = "BLESS=1 cargo test --test it golden_traces";

/// Scenario files under `dir`, recursively, sorted: every `.yaml`/`.yml` with a top-level
/// `steps:` key (the rule `contrail-sim test` uses; manifests have none).
fn scenario_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(scenario_files(&p));
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && std::fs::read_to_string(&p)
                .expect("read scenario")
                .lines()
                .any(|l| l.starts_with("steps:"))
        {
            out.push(p);
        }
    }
    out
}

/// The scenarios, as paths relative to the crate root (`scenarios/NAME.yaml`), so the `file`
/// fields of the trace read the same as `contrail-sim run scenarios/NAME.yaml` from there.
fn book_scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    scenario_files(&root.join("scenarios"))
        .into_iter()
        .map(|p| {
            p.strip_prefix(root)
                .expect("under the crate root")
                .to_path_buf()
        })
        .collect()
}

fn load_scenario(relative: &Path) -> Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Loading through the relative path keeps the crate-root-relative `file` in the output;
    // tests run with the package root as their working directory.
    assert_eq!(
        std::env::current_dir()
            .expect("cwd")
            .canonicalize()
            .expect("cwd"),
        root.canonicalize().expect("root"),
        "golden traces must be rendered from the crate root"
    );
    let loaded = load(relative);
    loaded.scenario.unwrap_or_else(|| {
        panic!(
            "{} does not load: {:?}",
            relative.display(),
            loaded.diagnostics
        )
    })
}

fn render_jsonl(scenario: &Scenario, seed: u64) -> String {
    let run = Run::execute(scenario, seed)
        .unwrap_or_else(|e| panic!("{} stopped: {:?}", scenario.name, e.1));
    render(scenario, &run, seed)
}

fn golden_path(scenario: &Path) -> PathBuf {
    let stem = scenario.file_stem().expect("file stem").to_string_lossy();
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/traces")
        .join(format!("{stem}.jsonl"))
}

/// A unified-style diff of the first differing region: `context` equal lines around it, then
/// the removed (`-`, golden) and added (`+`, actual) lines up to where both agree again.
pub fn first_difference(expected: &str, actual: &str, context: usize) -> Option<String> {
    let e: Vec<&str> = expected.split_inclusive('\n').collect();
    let a: Vec<&str> = actual.split_inclusive('\n').collect();
    let start = (0..e.len().max(a.len())).find(|&i| e.get(i) != a.get(i))?;
    // Resynchronise: the nearest pair (i, j) after `start` where the lines agree again.
    let limit = 200;
    let mut resync = (e.len(), a.len());
    'search: for dist in 1..=limit.min(e.len().max(a.len()) - start + 1) {
        for i in start..=start + dist {
            let j = start + dist - (i - start);
            if i < e.len() && j < a.len() && e[i] == a[j] && e.get(i + 1) == a.get(j + 1) {
                resync = (i, j);
                break 'search;
            }
        }
    }
    let before = start.saturating_sub(context);
    let after = context.min(e.len() - resync.0);
    let mut out = format!(
        "@@ -{},{} +{},{} @@\n",
        before + 1,
        start - before + resync.0 - start + after,
        before + 1,
        start - before + resync.1 - start + after,
    );
    let show = |l: &str| l.trim_end_matches('\n').to_string();
    for l in &e[before..start] {
        out.push_str(&format!(" {}\n", show(l)));
    }
    let shown = 12;
    for l in e[start..resync.0].iter().take(shown) {
        out.push_str(&format!("-{}\n", show(l)));
    }
    if resync.0 - start > shown {
        out.push_str(&format!("-… {} more\n", resync.0 - start - shown));
    }
    for l in a[start..resync.1].iter().take(shown) {
        out.push_str(&format!("+{}\n", show(l)));
    }
    if resync.1 - start > shown {
        out.push_str(&format!("+… {} more\n", resync.1 - start - shown));
    }
    for l in e[resync.0..].iter().take(context) {
        out.push_str(&format!(" {}\n", show(l)));
    }
    if let (Some(old), Some(new)) = (e.get(start), a.get(start)) {
        out.push_str(&column_note(old, new));
    }
    Some(out)
}

/// Where two long lines (JSON records) first differ, with a little of each around that point.
fn column_note(old: &str, new: &str) -> String {
    let (old, new): (Vec<char>, Vec<char>) = (old.chars().collect(), new.chars().collect());
    let at = (0..old.len().max(new.len()))
        .find(|&i| old.get(i) != new.get(i))
        .unwrap_or(0);
    let window = |s: &[char]| {
        let from = at.saturating_sub(30).min(s.len());
        let to = (at + 40).min(s.len());
        s[from..to]
            .iter()
            .collect::<String>()
            .trim_end_matches('\n')
            .to_string()
    };
    format!(
        "first change at column {}: golden …{}… actual …{}…\n",
        at + 1,
        window(&old),
        window(&new)
    )
}

#[test]
fn every_scenario_matches_its_golden_trace() {
    let scenarios = book_scenarios();
    assert!(
        scenarios.len() >= 5,
        "expected the book's scenarios under scenarios/, found {scenarios:?}"
    );
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    let mut problems = Vec::new();
    for scenario_path in &scenarios {
        let scenario = load_scenario(scenario_path);
        let actual = render_jsonl(&scenario, scenario.seed);
        let golden = golden_path(scenario_path);
        if bless {
            std::fs::write(&golden, &actual).expect("write golden trace");
            continue;
        }
        let Ok(expected) = std::fs::read_to_string(&golden) else {
            problems.push(format!(
                "{}: no golden trace at {} (create it with `{BLESS_COMMAND}` and review it)",
                scenario_path.display(),
                golden.display()
            ));
            continue;
        };
        if let Some(diff) = first_difference(&expected, &actual, 2) {
            problems.push(format!(
                "{} (seed {}) differs from {}:\n--- golden\n+++ actual\n{diff}",
                scenario_path.display(),
                scenario.seed,
                golden.display()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nIf the change is intended, re-bless with `{BLESS_COMMAND}` and review the diff \
         (tests/golden/README.md).",
        problems.join("\n")
    );
}

#[test]
fn every_golden_trace_belongs_to_a_scenario() {
    let stems: Vec<String> = book_scenarios()
        .iter()
        .map(|p| p.file_stem().expect("stem").to_string_lossy().into_owned())
        .collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/traces");
    for entry in std::fs::read_dir(&dir).expect("golden traces folder") {
        let path = entry.expect("entry").path();
        let stem = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        assert!(
            stems.contains(&stem),
            "{} has no scenario scenarios/{stem}.yaml: delete it",
            path.display()
        );
    }
}

#[test]
fn same_scenario_and_seed_render_byte_identical_traces() {
    for scenario_path in book_scenarios() {
        let scenario = load_scenario(&scenario_path);
        let first = render_jsonl(&scenario, scenario.seed);
        let second = render_jsonl(&scenario, scenario.seed);
        assert!(
            first == second,
            "{} is not deterministic:\n{}",
            scenario_path.display(),
            first_difference(&first, &second, 2).unwrap_or_default()
        );
    }
}

/// Every uuid-shaped token (8-4-4-4-12 lower-case hex) in `text`.
fn uuids(text: &str) -> std::collections::BTreeSet<String> {
    let bytes = text.as_bytes();
    let shape = [8, 4, 4, 4, 12];
    let mut found = std::collections::BTreeSet::new();
    let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    let mut i = 0;
    while i + 36 <= bytes.len() {
        let mut at = i;
        let ok = shape.iter().enumerate().all(|(n, &len)| {
            let run = bytes[at..at + len].iter().all(|&b| hex(b));
            at += len;
            let dash = n == 4 || bytes.get(at) == Some(&b'-');
            at += 1;
            run && dash
        });
        let boundary = i == 0 || !hex(bytes[i - 1]);
        if ok && boundary {
            found.insert(text[i..i + 36].to_string());
            i += 36;
        } else {
            i += 1;
        }
    }
    found
}

#[test]
fn a_different_seed_changes_the_uuids() {
    for scenario_path in book_scenarios() {
        let scenario = load_scenario(&scenario_path);
        let own = uuids(&render_jsonl(&scenario, scenario.seed));
        // Failure records quote the scenario's own expectations (which may pin seed-specific
        // uuids, e.g. an `equals_file`), so only what the run produced is compared.
        let produced: String = render_jsonl(&scenario, scenario.seed + 1000)
            .lines()
            .filter(|l| !l.contains(r#""type":"failure""#))
            .collect::<Vec<_>>()
            .join("\n");
        let other = uuids(&produced);
        assert!(
            !own.is_empty(),
            "{}: no uuid in the trace",
            scenario_path.display()
        );
        assert!(
            own.is_disjoint(&other),
            "{}: seeds {} and {} share uuids {:?}",
            scenario_path.display(),
            scenario.seed,
            scenario.seed + 1000,
            own.intersection(&other).collect::<Vec<_>>()
        );
    }
}

#[test]
fn first_difference_shows_context_removed_and_added_lines() {
    let golden = "a\nb\nc\nd\ne\n";
    let actual = "a\nb\nX\nd\ne\n";
    let diff = first_difference(golden, actual, 1).expect("differs");
    assert_eq!(
        diff,
        "@@ -2,3 +2,3 @@\n b\n-c\n+X\n d\nfirst change at column 1: golden …c… actual …X…\n"
    );
    assert_eq!(first_difference(golden, golden, 1), None);
    let longer = first_difference("a\n", "a\nb\n", 1).expect("differs");
    assert!(longer.starts_with("@@ -1,1 +1,2 @@\n a\n+b\n"), "{longer}");
}
