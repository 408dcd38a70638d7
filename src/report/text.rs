//! The run as a person reads it: each step's result, then the summary.

use std::fmt::Write;

use super::trace::render_curl;
use crate::scenario::model::{Action, Scenario, Show};
use crate::scenario::run::{Failure, Output, Run, StepResult};
use crate::world::World;

/// A step as the scenario wrote it, on one line.
pub fn step_title(scenario: &Scenario, step: &StepResult) -> String {
    let Some(s) = scenario.steps.get(step.index) else {
        return String::new();
    };
    match &s.action {
        Action::Apply(objects) => format!("apply {} object(s)", objects.len()),
        Action::Delete(keys) => format!(
            "delete {}",
            keys.iter()
                .map(|k| format!("{}/{}", k.kind.reference_word(), k.name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Action::Wait(_) => "wait".into(),
        Action::Show(show) => show_title(&show.what),
        Action::Curl(c) => format!("curl {}   (from {})", c.request.raw, endpoint(&c.from)),
        Action::Compare(c) => format!(
            "compare {} requests (from {})",
            c.requests.len(),
            endpoint(&c.from)
        ),
        Action::Fail(crate::scenario::model::FaultTarget::Node(n)) => format!("fail node/{n}"),
        Action::Recover(crate::scenario::model::FaultTarget::Node(n)) => {
            format!("recover node/{n}")
        }
        Action::Hosts(h) => format!("hosts: {} line(s)", h.len()),
    }
}

pub fn endpoint(e: &crate::scenario::model::Endpoint) -> String {
    use crate::scenario::model::Endpoint;
    match e {
        Endpoint::Pod(n) => format!("pod/{n}"),
        Endpoint::Host(n) => format!("host/{n}"),
        Endpoint::Node(n) => format!("node/{n}"),
    }
}

pub fn show_title(s: &Show) -> String {
    match s {
        Show::Get { kind, name, output } => format!(
            "kubectl get {}{}{}",
            kind.reference_word(),
            name.as_ref().map(|n| format!(" {n}")).unwrap_or_default(),
            match output {
                crate::scenario::model::GetOutput::Table => "",
                crate::scenario::model::GetOutput::Wide => " -o wide",
                crate::scenario::model::GetOutput::Yaml => " -o yaml",
            }
        ),
        Show::Loadbalancers => "loadbalancers".into(),
        Show::Processes { node } => format!(
            "processes{}",
            node.as_ref().map(|n| format!(" {n}")).unwrap_or_default()
        ),
        Show::HaproxyConf { ingress, node } => format!(
            "haproxy.conf ingress/{ingress}{}",
            node.as_ref()
                .map(|n| format!(" on {n}"))
                .unwrap_or_default()
        ),
        Show::GatewayRoutes { detail } => format!(
            "show route table k8s-test{}",
            if *detail { " detail" } else { "" }
        ),
        Show::ControlRoutes => "show control-node routes".into(),
        Show::Flows { node } => format!("flow -l on {node}"),
        Show::Timeline => "show timeline".into(),
    }
}

/// Renders the whole run.
pub fn render(scenario: &Scenario, run: &Run, seed: u64, timeline: bool) -> String {
    let mut out = String::new();
    let semantics = match scenario.semantics {
        crate::dataplane::haproxy::Semantics::Contrail => String::new(),
        other => format!(", {other} semantics"),
    };
    let _ = writeln!(out, "scenario {} (seed {seed}{semantics})", scenario.name);
    if let Some(d) = &scenario.description {
        let _ = writeln!(out, "  {d}");
    }
    let mut last_note = 0;
    for step in &run.steps {
        let _ = writeln!(
            out,
            "\n== step {} [{}:{}] at {}: {}",
            step.index + 1,
            step.origin.file,
            step.origin.line,
            step.at,
            step_title(scenario, step)
        );
        if timeline {
            let notes = run
                .world
                .timeline
                .iter()
                .skip(last_note)
                .take_while(|n| n.at <= step.at)
                .count();
            if notes > 0 {
                out.push_str(&super::timeline::render(
                    &run.world,
                    &run.world.timeline[last_note..last_note + notes],
                ));
                last_note += notes;
            }
        }
        render_output(&run.world, &step.output, &mut out);
        for f in &step.failures {
            render_failure(f, &mut out);
        }
    }
    out
}

fn render_output(world: &World, output: &Output, out: &mut String) {
    match output {
        Output::Applied { .. } | Output::Deleted { .. } | Output::Hosts { .. } => {}
        Output::Waited { until } => {
            let _ = writeln!(out, "converged at {until}");
        }
        Output::Shown { text, .. } => out.push_str(text),
        Output::Curl(results) => {
            if let Some(first) = results.first() {
                render_curl(world, first, out);
            }
            if results.len() > 1 {
                let mut counts: std::collections::BTreeMap<String, usize> =
                    std::collections::BTreeMap::new();
                for r in results {
                    let who = r
                        .served_by
                        .as_ref()
                        .map_or(format!("({})", r.disposition), |p| {
                            format!("pod/{}", p.name)
                        });
                    *counts.entry(who).or_default() += 1;
                }
                let _ = writeln!(out, "{} requests:", results.len());
                for (who, n) in counts {
                    let _ = writeln!(out, "  {n:>6}  {who}");
                }
            }
        }
        Output::Compare(results) => super::compare::render(world, results, out),
        Output::Fault { node, up } => {
            let _ = writeln!(out, "{node} {}", if *up { "recovered" } else { "failed" });
        }
    }
}

pub fn render_failure(f: &Failure, out: &mut String) {
    let _ = writeln!(
        out,
        "EXPECTATION FAILED: {}\n  expected: {}\n  actual:   {}",
        f.what, f.expected, f.actual
    );
}
