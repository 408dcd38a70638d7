//! `contrail-sim test PATH...`: every scenario, one line each, then `N passed, N failed`.

use std::io::Write;
use std::path::Path;

use super::discover::{discover, folders};
use super::partition::Partition;
use super::pool::ordered;
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
    let found = discover(&args.paths);
    if !found.missing.is_empty() {
        for p in &found.missing {
            eprintln!("error: {}: no such file or folder", p.display());
        }
        return EXIT_INVALID;
    }
    if found.judged.is_empty() {
        let shown: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        eprint!("error: no scenario files under {}", shown.join(", "));
        if !found.manifests.is_empty() {
            eprint!(
                " ({} Kubernetes manifest file(s) skipped)",
                found.manifests.len()
            );
        }
        eprintln!();
        return EXIT_INVALID;
    }
    let total = found.judged.len();
    let partition = args.partition.unwrap_or(Partition::WHOLE);
    let files = partition.select(found.judged);
    let (mut passed, mut failed, mut invalid) = (0, 0, 0);
    let mut stdout = std::io::stdout().lock();
    let mut open = true;
    ordered(
        files.len(),
        args.jobs,
        |i| match files.get(i) {
            Some((file, None)) => judge(file),
            Some((file, Some(why))) => Verdict::Invalid(format!(
                "{}: error: {why}\n  hint: a scenario has a top-level `steps:` list; the \
                 documents of a Kubernetes manifest have `apiVersion` and `kind`\n",
                file.display()
            )),
            None => Verdict::Invalid(String::new()),
        },
        |i, verdict| {
            let file = files.get(i).map(|(f, _)| f.display().to_string());
            let file = file.unwrap_or_default();
            let verdict = verdict.unwrap_or_else(|panic| {
                Verdict::Failed(format!(
                    "  the simulator panicked (a bug; please report it): {panic}\n"
                ))
            });
            let line = match verdict {
                Verdict::Passed => {
                    passed += 1;
                    format!("ok      {file}\n")
                }
                Verdict::Failed(why) => {
                    failed += 1;
                    format!("FAILED  {file}\n{why}")
                }
                Verdict::Invalid(why) => {
                    invalid += 1;
                    format!("INVALID {file}\n{why}")
                }
            };
            open = stdout.write_all(line.as_bytes()).is_ok();
            open
        },
    );
    if !open {
        return EXIT_FAILED;
    }
    let mut closing = String::new();
    if !found.manifests.is_empty() {
        closing.push_str(&format!(
            "skipped {} Kubernetes manifest file(s), not scenarios: {}\n",
            found.manifests.len(),
            folders(&found.manifests)
        ));
    }
    if args.partition.is_some() {
        closing.push_str(&format!(
            "partition {partition}: {} of {total} file(s)\n",
            files.len()
        ));
    }
    if invalid > 0 {
        closing.push_str(&format!("{invalid} invalid, counted as failed\n"));
    }
    closing.push_str(&format!("{passed} passed, {} failed\n", failed + invalid));
    let _ = stdout.write_all(closing.as_bytes());
    let _ = stdout.flush();
    if invalid > 0 {
        EXIT_INVALID
    } else if failed > 0 {
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
