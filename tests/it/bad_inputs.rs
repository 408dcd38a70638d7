//! The bad-input corpus: each folder under `tests/bad_inputs/` holds a `scenario.yaml` (plus the
//! files it names) and `expected.txt`, the exact rendered diagnostics: the loader's, and for a
//! scenario that loads, the run-time error that stops it. `BLESS=1` rewrites them.

use std::fs;
use std::path::{Path, PathBuf};

use contrail_sim::diag::render;
use contrail_sim::scenario::load::load;
use contrail_sim::scenario::run::Run;

fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir("tests/bad_inputs")
        .expect("tests/bad_inputs exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The loader's diagnostics; for a scenario that loads, also the error that stops its run
/// (input that is impossible only at run time, such as an exhausted address pool).
fn rendered(case: &Path) -> String {
    let loaded = load(&case.join("scenario.yaml"));
    let mut diagnostics = loaded.diagnostics.clone();
    if let Some(scenario) = &loaded.scenario
        && let Err(failed) = Run::execute(scenario, scenario.seed)
    {
        diagnostics.push(failed.1.0.clone());
    }
    render(&diagnostics, &loaded.sources)
}

#[test]
fn bad_inputs() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    let all = cases();
    assert!(all.len() >= 20, "the corpus lost cases");
    for case in all {
        let actual = rendered(&case);
        let expected_path = case.join("expected.txt");
        if bless {
            fs::write(&expected_path, &actual).expect("write expected.txt");
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if actual.is_empty() {
            failures.push(format!("{}: no diagnostic at all", case.display()));
        } else if actual != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- actual\n{actual}",
                case.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ (BLESS=1 cargo test --test it bad_inputs to accept):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_header_starts_with_file_line_column() {
    for case in cases() {
        let loaded = load(&case.join("scenario.yaml"));
        for d in &loaded.diagnostics {
            let o = d
                .origin
                .as_ref()
                .expect("every corpus diagnostic has a position");
            let text = render(std::slice::from_ref(d), &loaded.sources);
            assert!(
                text.starts_with(&format!("{}:{}:{}: ", o.file, o.line, o.column)),
                "{text}"
            );
        }
    }
}
