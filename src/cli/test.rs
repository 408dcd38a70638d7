//! `contrail-sim test PATH...`: every scenario, one line each, then `N passed, N failed`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK, Format, TestArgs};
use crate::diag::render;
use crate::scenario::load::load;

/// What became of one scenario file.
enum Verdict {
    Passed,
    Failed(String),
    Invalid(String),
}

pub fn test(args: &TestArgs) -> i32 {
    let mut files = Vec::new();
    for p in &args.paths {
        collect(p, &mut files);
    }
    files.sort();
    files.dedup();
    if files.is_empty() {
        eprintln!(
            "error: no scenario files under {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return EXIT_INVALID;
    }
    let verdicts: Vec<Mutex<Option<Verdict>>> = files.iter().map(|_| Mutex::new(None)).collect();
    let next = Mutex::new(0usize);
    std::thread::scope(|s| {
        for _ in 0..args.jobs.clamp(1, 64) {
            s.spawn(|| {
                loop {
                    let i = {
                        let Ok(mut n) = next.lock() else { return };
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some(file) = files.get(i) else { return };
                    let v = judge(file);
                    if let Some(slot) = verdicts.get(i)
                        && let Ok(mut slot) = slot.lock()
                    {
                        *slot = Some(v);
                    }
                }
            });
        }
    });
    let (mut passed, mut failed, mut invalid) = (0, 0, 0);
    for (file, v) in files.iter().zip(verdicts) {
        match v.into_inner().ok().flatten() {
            Some(Verdict::Passed) => {
                passed += 1;
                println!("ok      {}", file.display());
            }
            Some(Verdict::Failed(why)) => {
                failed += 1;
                println!("FAILED  {}\n{why}", file.display());
            }
            Some(Verdict::Invalid(why)) => {
                invalid += 1;
                println!("INVALID {}\n{why}", file.display());
            }
            None => failed += 1,
        }
    }
    println!("{passed} passed, {} failed", failed + invalid);
    if invalid > 0 && failed == 0 {
        EXIT_INVALID
    } else if failed + invalid > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

fn judge(file: &Path) -> Verdict {
    let loaded = load(file);
    let Some(scenario) = loaded.scenario else {
        return Verdict::Invalid(render(&loaded.diagnostics, &loaded.sources));
    };
    let (rendered, run) = super::run::execute(
        &scenario,
        scenario.seed,
        Format::Text,
        false,
        &loaded.sources,
        None,
    );
    if let Some(e) = rendered.error {
        return Verdict::Invalid(e);
    }
    if rendered.failures == 0 {
        return Verdict::Passed;
    }
    let mut why = String::new();
    for step in run
        .iter()
        .flat_map(|r| r.steps.iter())
        .filter(|s| !s.failures.is_empty())
    {
        why.push_str(&format!(
            "  step {} ({}:{}):\n",
            step.index + 1,
            step.origin.file,
            step.origin.line
        ));
        for f in &step.failures {
            why.push_str(&format!(
                "    {}: expected {}, got {}\n",
                f.what, f.expected, f.actual
            ));
        }
    }
    why.push_str(&format!(
        "  replay: contrail-sim run {} --seed {}\n",
        file.display(),
        scenario.seed
    ));
    Verdict::Failed(why)
}

/// Scenario files: the given files, and under folders every `.yaml` with a top-level `steps:`.
fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && std::fs::read_to_string(&p).is_ok_and(|t| t.lines().any(|l| l.starts_with("steps:")))
        {
            out.push(p);
        }
    }
}
