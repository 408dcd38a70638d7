//! The run as a person reads it: each step's result, written as the step ends.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use super::trace::{Detail, render_curl};
use crate::scenario::model::{Action, Namespaces, Scenario, Show, VRouterView, Wait};
use crate::scenario::run::{CurlResult, Failure, Output, Run, Sink, StepResult};
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
        Action::Curl(c) => format!(
            "curl {}   (from {})",
            c.request.raw,
            endpoint(&c.from, &scenario.namespace)
        ),
        Action::Compare(c) => format!(
            "compare {} requests (from {})",
            c.requests.len(),
            endpoint(&c.from, &scenario.namespace)
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

/// Where a request starts, as a scenario writes it: `pod/NAME`, `pod/NAMESPACE/NAME` for a pod
/// outside the scenario's namespace `ns`, or `host/NAME`.
pub fn endpoint(e: &crate::scenario::model::Endpoint, ns: &str) -> String {
    use crate::scenario::model::Endpoint;
    match e {
        Endpoint::Pod(key) if &*key.namespace == ns => format!("pod/{}", key.name),
        Endpoint::Pod(key) => format!("pod/{}/{}", key.namespace, key.name),
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

/// Renders a finished run whole.
pub fn render(scenario: &Scenario, run: &Run, seed: u64, timeline: bool) -> String {
    let mut text = Text::new(scenario, seed, timeline, Vec::new());
    super::replay(run, &mut text);
    String::from_utf8_lossy(&text.finish(&run.world).unwrap_or_default()).into_owned()
}

/// The text renderer: writes the scenario's header at once and each step as soon as it ends.
/// A curl step's first request is rendered when it settles (its packets may be forgotten after);
/// the others are only counted.
pub struct Text<'a, W: Write> {
    scenario: &'a Scenario,
    timeline: bool,
    detail: Detail,
    out: W,
    /// The current step's first request, rendered.
    first: String,
    /// The current step's requests by who served them.
    served: BTreeMap<String, usize>,
    steps: usize,
    failures: usize,
    error: Option<std::io::Error>,
}

impl<'a, W: Write> Text<'a, W> {
    pub fn new(scenario: &'a Scenario, seed: u64, timeline: bool, out: W) -> Text<'a, W> {
        let semantics = match scenario.semantics {
            crate::dataplane::haproxy::Semantics::Contrail => String::new(),
            other => format!(", {other} semantics"),
        };
        let mut header = format!("scenario {} (seed {seed}{semantics})\n", scenario.name);
        if let Some(d) = &scenario.description {
            header.push_str(&format!("  {d}\n"));
        }
        let mut text = Text {
            scenario,
            timeline,
            detail: Detail::All,
            out,
            first: String::new(),
            served: BTreeMap::new(),
            steps: 0,
            failures: 0,
            error: None,
        };
        text.write(&header);
        text
    }

    /// Shows curl traces as `detail` says (all of them by default).
    pub fn with_trace(mut self, detail: Detail) -> Self {
        self.detail = detail;
        self
    }

    /// Writes the summary, flushes the output and hands it back; the first write error, if
    /// any.
    pub fn finish(mut self, world: &World) -> std::io::Result<W> {
        let summary = format!(
            "\n== {} step(s), {} expectation(s) failed; simulated time {}, {} events\n",
            self.steps,
            self.failures,
            world.now(),
            world.events_handled
        );
        self.write(&summary);
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn write(&mut self, text: &str) {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(text.as_bytes())
        {
            self.error = Some(e);
        }
    }
}

impl<W: Write> Sink for Text<'_, W> {
    fn request(&mut self, world: &World, step: usize, result: &CurlResult) {
        let is_curl = self
            .scenario
            .steps
            .get(step)
            .is_some_and(|s| matches!(s.action, Action::Curl(_)));
        if !is_curl {
            return;
        }
        if self.served.is_empty() {
            render_curl(world, result, self.detail, &mut self.first);
        }
        let who = result.served_by.as_ref().map_or_else(
            || format!("({})", result.disposition),
            |p| format!("pod/{}", p.name),
        );
        *self.served.entry(who).or_default() += 1;
    }

    fn step(&mut self, world: &World, step: &StepResult) {
        let mut out = String::new();
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
            step_title(self.scenario, step)
        );
        if self.timeline
            && let Some(notes) = world.timeline.get(step.notes.clone())
        {
            out.push_str(&super::timeline::render(world, notes));
        }
        if let Output::Curl(_) = step.output {
            out.push_str(&std::mem::take(&mut self.first));
            let requests: usize = self.served.values().sum();
            if requests > 1 {
                let _ = writeln!(out, "{requests} requests:");
                for (who, n) in &self.served {
                    let _ = writeln!(out, "  {n:>6}  {who}");
                }
            }
            self.served.clear();
        } else {
            let waited = match self.scenario.steps.get(step.index).map(|s| &s.action) {
                Some(Action::Wait(w)) => Some(*w),
                _ => None,
            };
            render_output(world, &step.output, waited, &mut out);
        }
        for f in &step.failures {
            render_failure(f, &mut out);
        }
        self.steps += 1;
        self.failures += step.failures.len();
        self.write(&out);
    }
}

fn render_output(world: &World, output: &Output, waited: Option<Wait>, out: &mut String) {
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
        Output::Waited {
            converged,
            pending,
            next,
        } => {
            let left = super::pending::pending(world, *pending, next);
            out.push_str(&waited_line(waited, *converged, &left));
        }
        Output::Shown { text, .. } => out.push_str(text),
        // Rendered request by request (see `Text`).
        Output::Curl(_) => {}
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

/// What a wait left: only `wait: converged` may say the world converged; a timed wait says
/// what is still pending, or that nothing is.
fn waited_line(waited: Option<Wait>, converged: bool, left: &str) -> String {
    match waited {
        Some(Wait::Converged) if converged => "converged: nothing pending\n".to_string(),
        Some(Wait::For(d)) => format!("waited {}: {left}\n", span(d)),
        _ => format!("{left}\n"),
    }
}

/// A wait's length as written in scenarios: `95s`, `500ms`, else the trace's units.
fn span(ns: u64) -> String {
    use crate::sim::time::{MILLISECOND, SECOND};
    if ns > 0 && ns.is_multiple_of(60 * SECOND) {
        format!("{}m", ns / (60 * SECOND))
    } else if ns > 0 && ns.is_multiple_of(SECOND) {
        format!("{}s", ns / SECOND)
    } else if ns > 0 && ns.is_multiple_of(MILLISECOND) {
        format!("{}ms", ns / MILLISECOND)
    } else {
        super::trace::duration(ns)
    }
}

pub fn render_failure(f: &Failure, out: &mut String) {
    let _ = writeln!(
        out,
        "EXPECTATION FAILED: {}\n  expected: {}\n  actual:   {}",
        f.what, f.expected, f.actual
    );
}
