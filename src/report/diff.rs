//! `contrail-sim diff` for a person (per request: both answers, `same` or the reasons) and as
//! JSON Lines (one `diff` record per request, then a `diff_summary`).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{Value, json};

use super::text::endpoint;
use crate::dataplane::haproxy::Semantics;
use crate::dataplane::haproxy::config::{RuleOrigin, RuleSource};
use crate::scenario::diff::{Answer, Diff, Reason};
use crate::scenario::model::Scenario;

/// The rule haproxy took, in words: `ingress/NAME: host H path P (Type)` or its default backend.
/// A rule without `pathType` is shown as the Kubernetes profile reads it.
fn rule(o: &RuleOrigin, semantics: Semantics) -> String {
    match &o.source {
        RuleSource::Path {
            host,
            path,
            path_type,
        } => format!(
            "ingress/{}: host {} path {}{}",
            o.ingress.name,
            host.as_deref().unwrap_or("(any)"),
            path.as_deref().unwrap_or("(any)"),
            match (path_type, semantics) {
                (Some(t), _) => format!(" ({t:?})"),
                (None, Semantics::Kubernetes) => " (ImplementationSpecific)".to_string(),
                (None, Semantics::Contrail) => String::new(),
            }
        ),
        RuleSource::DefaultBackend => format!("ingress/{}: default backend", o.ingress.name),
    }
}

fn answer_line(a: &Answer, semantics: Semantics) -> String {
    let status = match (a.status, a.reason_phrase) {
        (Some(s), Some(r)) => format!("{s} {r}"),
        _ => "no response".to_string(),
    };
    let mut line = format!("{status} ({})", a.disposition);
    if let Some(b) = &a.backend {
        let _ = write!(line, " {b}");
    }
    if let Some(r) = &a.rule {
        let _ = write!(line, "  via {}", rule(r, semantics));
    }
    line
}

/// Counts of each reason over the requests that differ.
fn tally(diff: &Diff) -> BTreeMap<Reason, usize> {
    let mut counts = BTreeMap::new();
    for p in &diff.pairs {
        for r in &p.reasons {
            *counts.entry(*r).or_default() += 1;
        }
    }
    counts
}

/// The text view.
pub fn text(scenario: &Scenario, diff: &Diff) -> String {
    let mut out = format!(
        "diff {} (seed {}): contrail vs kubernetes semantics\n",
        scenario.name, diff.seed
    );
    for p in &diff.pairs {
        let _ = writeln!(
            out,
            "\n== step {} [{}:{}]: curl {}   (from {})",
            p.step + 1,
            p.origin.file,
            p.origin.line,
            p.curl,
            endpoint(&p.from, &scenario.namespace)
        );
        let _ = writeln!(
            out,
            "  contrail    {}",
            answer_line(&p.contrail, Semantics::Contrail)
        );
        let _ = writeln!(
            out,
            "  kubernetes  {}",
            answer_line(&p.kubernetes, Semantics::Kubernetes)
        );
        if p.reasons.is_empty() {
            out.push_str("  same\n");
        } else {
            let names: Vec<&str> = p.reasons.iter().map(|r| r.as_str()).collect();
            let _ = writeln!(out, "  DIFFER: {}", names.join(", "));
        }
    }
    let differ = diff.pairs.iter().filter(|p| !p.reasons.is_empty()).count();
    let _ = write!(
        out,
        "\n{} request(s): {} same, {differ} differ",
        diff.pairs.len(),
        diff.pairs.len() - differ
    );
    let counts: Vec<String> = tally(diff)
        .into_iter()
        .map(|(r, n)| format!("{}: {n}", r.as_str()))
        .collect();
    if !counts.is_empty() {
        let _ = write!(out, " ({})", counts.join(", "));
    }
    out.push('\n');
    out
}

fn answer_json(a: &Answer, semantics: Semantics) -> Value {
    json!({
        "status": a.status,
        "disposition": a.disposition,
        "backend": a.backend,
        "rule": a.rule.as_deref().map(|r| rule(r, semantics)),
        "host_header": a.host.as_deref(),
        "path": a.path.as_deref(),
    })
}

/// JSON Lines: `diff` per request, then `diff_summary`.
pub fn jsonl(scenario: &Scenario, diff: &Diff) -> String {
    let mut out = String::new();
    let mut push = |v: Value| {
        out.push_str(&v.to_string());
        out.push('\n');
    };
    push(json!({"type": "diff_run", "scenario": scenario.name, "seed": diff.seed}));
    for p in &diff.pairs {
        push(json!({
            "type": "diff", "step": p.step, "file": &*p.origin.file, "line": p.origin.line,
            "curl": p.curl, "from": endpoint(&p.from, &scenario.namespace),
            "contrail": answer_json(&p.contrail, Semantics::Contrail),
            "kubernetes": answer_json(&p.kubernetes, Semantics::Kubernetes),
            "same": p.reasons.is_empty(),
            "reasons": p.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        }));
    }
    let reasons: serde_json::Map<String, Value> = tally(diff)
        .into_iter()
        .map(|(r, n)| (r.as_str().to_string(), json!(n)))
        .collect();
    let differ = diff.pairs.iter().filter(|p| !p.reasons.is_empty()).count();
    push(json!({
        "type": "diff_summary", "requests": diff.pairs.len(), "same": diff.pairs.len() - differ,
        "differ": differ, "reasons": reasons,
    }));
    out
}
