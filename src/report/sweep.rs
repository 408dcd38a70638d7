//! A sweep for a person (the distribution per step, the failing seeds with their replay
//! commands) and for programs (JSON Lines: `sweep`, `seed`, `step`, `error`, `summary`
//! records; field names are stable and documented in the README).

use std::fmt::Write;

use serde_json::{Value, json};

use crate::sweep::outcome::RunOutcome;
use crate::sweep::tally::{Count, StepTally, Tally};

/// Failing seeds listed in the text output; JSON Lines lists every seed.
pub const LISTED_SEEDS: usize = 20;

/// What was swept.
#[derive(Clone, Debug)]
pub struct SweepInfo {
    /// The scenario file as given on the command line.
    pub file: String,
    pub scenario: String,
    pub first_seed: u64,
    pub last_seed: u64,
    /// `K/N`, when the sweep is one partition of the range.
    pub partition: Option<String>,
    /// Seeds this sweep runs.
    pub runs: u64,
}

impl SweepInfo {
    /// The command that replays one seed.
    pub fn replay(&self, seed: u64) -> String {
        format!(
            "contrail-sim run {} --seed {seed}",
            shell_words::quote(&self.file)
        )
    }
}

/// The text report, after every seed has run.
pub fn text(info: &SweepInfo, tally: &Tally) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "sweep {} ({}): seeds {}..{}",
        info.file, info.scenario, info.first_seed, info.last_seed
    );
    if let Some(p) = &info.partition {
        let _ = write!(out, ", partition {p}");
    }
    let _ = writeln!(out, ": {} run(s)", info.runs);
    let by_deployment = tally
        .steps
        .values()
        .any(|s| s.served_by.keys().any(|k| k.starts_with("deployment/")));
    if by_deployment {
        out.push_str(
            "served by: the pods of a Deployment are counted together as deployment/NAME \
             (their names differ per seed)\n",
        );
    }
    for step in tally.steps.values().filter(|s| s.notable()) {
        text_step(info, step, &mut out);
    }
    text_errors(tally, &mut out);
    text_failing(info, tally, &mut out);
    let numbers = |steps: Vec<usize>| -> String {
        let list: Vec<String> = steps.iter().map(|i| (i + 1).to_string()).collect();
        list.join(", ")
    };
    out.push('\n');
    match numbers(tally.varying_steps()) {
        none if none.is_empty() => out.push_str("no step's answer varies across seeds\n"),
        list => {
            let _ = writeln!(out, "steps whose answer varies across seeds: {list}");
        }
    }
    let path = numbers(tally.path_varying_steps());
    if !path.is_empty() {
        let _ = writeln!(
            out,
            "steps whose path varies across seeds, with the same answer: {path}"
        );
    }
    let _ = write!(
        out,
        "{} seeds: {} passed, {} failed",
        tally.runs,
        tally.passed,
        tally.failed()
    );
    if tally.stopped() > 0 {
        let _ = write!(out, ", {} stopped by an error", tally.stopped());
    }
    out.push('\n');
    out
}

fn text_step(info: &SweepInfo, step: &StepTally, out: &mut String) {
    let _ = writeln!(
        out,
        "\n== step {} [{}:{}]: {}",
        step.index + 1,
        info.file,
        step.line,
        step.title
    );
    let _ = writeln!(
        out,
        "   {} seeds, {} requests{}",
        step.seeds,
        step.requests,
        if step.varies() {
            "; the answer VARIES across seeds"
        } else if step.path_varies() {
            "; the path varies across seeds, the answer does not"
        } else {
            ""
        }
    );
    let rows: Vec<(&str, &String, &Count)> = [
        ("served by", &step.served_by),
        ("server node", &step.server_nodes),
        ("haproxy", &step.haproxies),
        ("disposition", &step.dispositions),
        ("status", &step.statuses),
    ]
    .into_iter()
    .flat_map(|(label, map)| map.iter().map(move |(v, c)| (label, v, c)))
    .collect();
    let width = rows
        .iter()
        .map(|(_, v, _)| v.chars().count())
        .max()
        .unwrap_or(0);
    let mut last = "";
    for (label, value, count) in rows {
        let shown = if label == last { "" } else { label };
        last = label;
        let _ = write!(
            out,
            "   {shown:<12} {value:<width$}  {:>6} seeds {:>8} requests",
            count.seeds, count.times
        );
        if count.seeds < step.seeds {
            let _ = write!(out, "   {}", examples(count));
        }
        out.push('\n');
    }
    for (key, group) in &step.failures {
        let _ = writeln!(
            out,
            "   FAILED in {} seeds ({}): {}\n     expected: {}",
            group.count.seeds,
            examples(&group.count),
            key.what,
            key.expected,
        );
        for (i, (actual, count)) in group.actuals.iter().enumerate() {
            let label = if i == 0 { "actual:" } else { "" };
            let _ = write!(out, "     {label:<9} {actual}");
            if count.seeds < group.count.seeds {
                let _ = write!(out, "   ({})", examples(count));
            }
            out.push('\n');
        }
        let other = &group.other_actuals;
        if other.seeds > 0 {
            let _ = writeln!(
                out,
                "               and other values in {} seeds ({})",
                other.seeds,
                examples(other)
            );
        }
    }
    let other = &step.other_failures;
    if other.seeds > 0 {
        let _ = writeln!(
            out,
            "   FAILED in {} seeds ({}): {} failure(s) of other expectations",
            other.seeds,
            examples(other),
            other.times
        );
    }
}

fn text_errors(tally: &Tally, out: &mut String) {
    if tally.errors.is_empty() {
        return;
    }
    out.push_str("\nruns stopped by an error:\n");
    for (message, count) in &tally.errors {
        let _ = writeln!(
            out,
            "   {} seeds ({}): {message}",
            count.seeds,
            examples(count)
        );
    }
    if tally.other_errors.seeds > 0 {
        let _ = writeln!(
            out,
            "   {} seeds ({}): other errors",
            tally.other_errors.seeds,
            examples(&tally.other_errors)
        );
    }
}

fn text_failing(info: &SweepInfo, tally: &Tally, out: &mut String) {
    if tally.failing.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nfailing seeds ({} of {}):",
        tally.failing.len(),
        tally.runs
    );
    for f in tally.failing.iter().take(LISTED_SEEDS) {
        let _ = write!(out, "  seed {}: ", f.seed);
        if f.failures > 0 {
            let _ = write!(out, "{} expectation(s) failed", f.failures);
            if let Some((step, what)) = &f.first {
                let _ = write!(out, ", first at step {} ({what})", step + 1);
            }
        }
        if let Some((step, message)) = &f.stopped {
            if f.failures > 0 {
                out.push_str("; ");
            }
            let _ = write!(out, "stopped at step {}: {message}", step + 1);
        }
        let _ = writeln!(out, "\n    replay: {}", info.replay(f.seed));
    }
    if tally.failing.len() > LISTED_SEEDS {
        let _ = writeln!(
            out,
            "  … and {} more (--format jsonl lists every seed)",
            tally.failing.len() - LISTED_SEEDS
        );
    }
}

/// `3, 5, 9, …`: the first seeds a count was seen in.
fn examples(c: &Count) -> String {
    let mut s: Vec<String> = c.examples.iter().map(u64::to_string).collect();
    if c.seeds > c.examples.len() as u64 {
        s.push("…".into());
    }
    format!("seeds {}", s.join(", "))
}

/// The `sweep` record that opens the JSON Lines output.
pub fn jsonl_header(info: &SweepInfo) -> String {
    line(&json!({
        "type": "sweep", "scenario": info.scenario, "file": info.file,
        "first_seed": info.first_seed, "last_seed": info.last_seed,
        "partition": info.partition, "runs": info.runs,
    }))
}

/// The `seed` record of one run, written as soon as the seeds before it are.
pub fn jsonl_seed(info: &SweepInfo, run: &RunOutcome) -> String {
    let verdict = match (&run.stopped, run.failures()) {
        (Some(_), _) => "error",
        (None, 0) => "passed",
        (None, _) => "failed",
    };
    let failures: Vec<Value> = run
        .steps
        .iter()
        .flat_map(|s| {
            s.failures.iter().map(|f| {
                json!({"step": s.index, "line": s.line, "what": f.what, "expected": f.expected, "actual": f.actual})
            })
        })
        .collect();
    line(&json!({
        "type": "seed", "seed": run.seed, "verdict": verdict, "failures": failures,
        "error": run.stopped.as_ref().map(|s| json!({"step": s.step, "message": s.message})),
        "replay": info.replay(run.seed),
    }))
}

/// The `step`, `error` and `summary` records, after every seed has run.
pub fn jsonl_tally(tally: &Tally) -> String {
    let mut out = String::new();
    for step in tally.steps.values() {
        let values = |map: &std::collections::BTreeMap<String, Count>| -> Vec<Value> {
            map.iter()
                .map(|(v, c)| json!({"value": v, "seeds": c.seeds, "requests": c.times, "first_seeds": c.examples}))
                .collect()
        };
        let failures: Vec<Value> = step
            .failures
            .iter()
            .map(|(k, g)| {
                let actuals: Vec<Value> = g
                    .actuals
                    .iter()
                    .map(|(a, c)| json!({"actual": a, "seeds": c.seeds, "first_seeds": c.examples}))
                    .collect();
                let other = &g.other_actuals;
                json!({
                    "what": k.what, "expected": k.expected, "seeds": g.count.seeds,
                    "first_seeds": g.count.examples, "actuals": actuals,
                    "other_actuals": {"seeds": other.seeds, "first_seeds": other.examples},
                })
            })
            .collect();
        let other = &step.other_failures;
        out.push_str(&line(&json!({
            "type": "step", "index": step.index, "line": step.line, "title": step.title,
            "seeds": step.seeds, "requests": step.requests, "varies": step.varies(),
            "path_varies": step.path_varies(),
            "served_by": values(&step.served_by), "server_nodes": values(&step.server_nodes),
            "haproxies": values(&step.haproxies), "dispositions": values(&step.dispositions),
            "statuses": values(&step.statuses), "failures": failures,
            "other_failures": json!({"seeds": other.seeds, "first_seeds": other.examples}),
        })));
    }
    let errors = tally.errors.iter().map(|(m, c)| (Some(m.as_str()), c));
    let other = (tally.other_errors.seeds > 0).then_some((None, &tally.other_errors));
    for (message, c) in errors.chain(other) {
        out.push_str(&line(&json!({
            "type": "error", "message": message, "seeds": c.seeds, "first_seeds": c.examples,
        })));
    }
    out.push_str(&line(&json!({
        "type": "summary", "seeds": tally.runs, "passed": tally.passed, "failed": tally.failed(),
        "stopped": tally.stopped(), "varying_steps": tally.varying_steps(),
        "path_varying_steps": tally.path_varying_steps(),
    })));
    out
}

fn line(v: &Value) -> String {
    let mut s = v.to_string();
    s.push('\n');
    s
}
