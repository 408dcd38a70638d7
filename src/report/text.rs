//! The run as a person reads it: each step's result, then the summary.

use std::fmt::Write;

use super::trace::render_curl;
use crate::scenario::model::{Action, Namespaces, Scenario, Show, VRouterView};
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
        Action::Fault(f) => format!(
            "{} {}{}",
            if f.up { "recover" } else { "fail" },
            f.target,
            f.alias
                .as_ref()
                .map(|a| format!(" (as {a})"))
                .unwrap_or_default()
        ),
        Action::Hosts(h) => format!("hosts: {} line(s)", h.len()),
    }
}

pub fn endpoint(e: &crate::scenario::model::Endpoint) -> String {
    use crate::scenario::model::Endpoint;
    match e {
        Endpoint::Pod(key) => format!("pod/{}", key.name),
        Endpoint::Host(n) => format!("host/{n}"),
    }
}

fn namespaces_flag(n: &Namespaces) -> String {
    match n {
        Namespaces::Default => String::new(),
        Namespaces::Named(n) => format!(" -n {n}"),
        Namespaces::All => " -A".to_string(),
    }
}

pub fn show_title(s: &Show) -> String {
    match s {
        Show::Get {
            kind,
            name,
            namespace,
            output,
        } => format!(
            "kubectl get {}{}{}{}",
            kind.reference_word(),
            name.as_ref().map(|n| format!(" {n}")).unwrap_or_default(),
            namespaces_flag(namespace),
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
            "haproxy.conf ingress/{}{}",
            ingress.name,
            node.as_ref()
                .map(|n| format!(" on {n}"))
                .unwrap_or_default()
        ),
        Show::GatewayRoutes { detail } => format!(
            "show route table k8s-test{}",
            if *detail { " detail" } else { "" }
        ),
        Show::ControlRoutes => "show control-node routes".into(),
        Show::Endpoints { name, namespace } => format!(
            "kubectl get endpoints{}{}",
            name.as_ref().map(|n| format!(" {n}")).unwrap_or_default(),
            namespaces_flag(namespace)
        ),
        Show::VRouter { node, view } => {
            let tool = match view {
                VRouterView::Flows => "flow -l".to_string(),
                VRouterView::Interfaces => "vif --list".to_string(),
                VRouterView::Routes(v) => format!("rt --dump {v}"),
                VRouterView::NextHops => "nh --list".to_string(),
                VRouterView::Labels => "mpls --dump".to_string(),
                VRouterView::Drops => "dropstats".to_string(),
            };
            format!("{tool} on {node}")
        }
        Show::Timeline { last: None } => "show timeline".into(),
        Show::Timeline { last: Some(d) } => {
            format!("show timeline (last {})", super::trace::duration(*d))
        }
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
    for step in &run.steps {
        render_step(scenario, run, step, timeline, &mut out);
    }
    out
}

/// One step: its header (where it is written, when it started and ended), the timeline notes
/// it caused when asked, its output and its failed expectations.
pub fn render_step(
    scenario: &Scenario,
    run: &Run,
    step: &StepResult,
    timeline: bool,
    out: &mut String,
) {
    let ended = if step.ended > step.started {
        format!(" (until {})", step.ended)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "\n== step {} [{}:{}] at {}{ended}: {}",
        step.index + 1,
        step.origin.file,
        step.origin.line,
        step.started,
        step_title(scenario, step)
    );
    if timeline && let Some(notes) = run.world.timeline.get(step.notes.clone()) {
        out.push_str(&super::timeline::render(&run.world, notes));
    }
    render_output(&run.world, &step.output, out);
    for f in &step.failures {
        render_failure(f, out);
    }
}

fn render_output(world: &World, output: &Output, out: &mut String) {
    match output {
        Output::Applied { objects } => {
            for o in objects {
                let _ = writeln!(out, "{}/{} applied", o.kind.reference_word(), o.name);
            }
        }
        Output::Deleted { objects } => {
            for o in objects {
                let _ = writeln!(out, "{}/{} deleted", o.kind.reference_word(), o.name);
            }
        }
        Output::Hosts { lines } => {
            let _ = writeln!(out, "{lines} line(s) added to cent-client's /etc/hosts");
        }
        Output::Waited { converged, pending } => {
            if *converged {
                let _ = writeln!(out, "converged: nothing pending");
            } else {
                let _ = writeln!(
                    out,
                    "{pending} event(s) still pending (timers that have not run out yet)"
                );
            }
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
        Output::Fault {
            target,
            resolved,
            up,
        } => {
            let what = if *up { "recovered" } else { "failed" };
            if target == resolved {
                let _ = writeln!(out, "{target} {what}");
            } else {
                let _ = writeln!(out, "{target} {what} ({resolved})");
            }
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
