//! The run as JSON Lines for programs: one typed record per request, hop, step, control-plane
//! event and failed expectation, written as the run makes them. Field names are stable and
//! documented in the README; each record's own fields are declared in byte order of their
//! names, so its top-level keys read sorted (a hop's steps keep their declared order).

use std::io::Write;

use serde::Serialize;

use super::names::component_name;
use super::text::{endpoint, step_title};
use super::timeline::{actor_name, describe};
use crate::dataplane::haproxy::Semantics;
use crate::scenario::model::Scenario;
use crate::scenario::run::{CurlResult, Output, Run, Sink, StepResult};
use crate::trace::Step;
use crate::world::World;

/// Renders a finished run whole.
pub fn render(scenario: &Scenario, run: &Run, seed: u64) -> String {
    let mut jsonl = Jsonl::new(scenario, seed, Vec::new());
    super::replay(run, &mut jsonl);
    String::from_utf8_lossy(&jsonl.finish(&run.world).unwrap_or_default()).into_owned()
}

#[derive(Serialize)]
struct RunRecord<'a> {
    scenario: &'a str,
    seed: u64,
    /// Contrail's semantics are the default and go unsaid.
    #[serde(skip_serializing_if = "Option::is_none")]
    semantics: Option<&'static str>,
    r#type: &'static str,
}

#[derive(Serialize)]
struct RequestRecord<'a> {
    curl: &'a str,
    curl_error: Option<&'a str>,
    destination: String,
    disposition: &'a str,
    exit_code: u8,
    finished_ns: u64,
    from: String,
    host_header: Option<String>,
    port: u16,
    request: u32,
    served_by: Option<String>,
    started_ns: u64,
    status: Option<u16>,
    step: usize,
    r#type: &'static str,
}

#[derive(Serialize)]
struct HopRecord<'a> {
    at_ns: u64,
    cause: Option<u64>,
    component: String,
    conn: u8,
    event: u64,
    node: &'a str,
    packet: u16,
    request: u32,
    steps: &'a [Step],
    r#type: &'static str,
}

#[derive(Serialize)]
struct StepRecord<'a> {
    at_ns: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    converged: Option<bool>,
    ended_ns: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    fault: Option<FaultRecord<'a>>,
    file: &'a str,
    index: usize,
    line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pending: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    title: String,
    r#type: &'static str,
}

#[derive(Serialize)]
struct FaultRecord<'a> {
    resolved: &'a str,
    target: &'a str,
    up: bool,
}

#[derive(Serialize)]
struct EventRecord<'a> {
    at_ns: u64,
    cause: Option<u64>,
    component: &'a str,
    event: u64,
    r#type: &'static str,
    what: String,
}

#[derive(Serialize)]
struct FailureRecord<'a> {
    actual: &'a str,
    expected: &'a str,
    line: u32,
    seed: u64,
    step: usize,
    r#type: &'static str,
    what: &'a str,
}

#[derive(Serialize)]
struct ErrorRecord<'a> {
    column: Option<u32>,
    file: Option<&'a str>,
    hint: Option<&'a str>,
    line: Option<u32>,
    message: &'a str,
    r#type: &'static str,
}

#[derive(Serialize)]
struct SummaryRecord {
    end_ns: u64,
    events: u64,
    failures: usize,
    steps: usize,
    r#type: &'static str,
}

/// The JSON Lines renderer: the run record at once, then each request with its hops as it
/// settles, each step with its events and failures as it ends, and the summary at the end.
pub struct Jsonl<'a, W: Write> {
    scenario: &'a Scenario,
    seed: u64,
    out: W,
    steps: usize,
    failures: usize,
    /// One record, serialized here first: one write per record, not one per token.
    line: Vec<u8>,
    error: Option<std::io::Error>,
}

impl<'a, W: Write> Jsonl<'a, W> {
    pub fn new(scenario: &'a Scenario, seed: u64, out: W) -> Jsonl<'a, W> {
        let mut jsonl = Jsonl {
            scenario,
            seed,
            out,
            steps: 0,
            failures: 0,
            line: Vec::with_capacity(4096),
            error: None,
        };
        jsonl.record(&RunRecord {
            scenario: &scenario.name,
            seed,
            semantics: (scenario.semantics != Semantics::Contrail)
                .then(|| scenario.semantics.as_str()),
            r#type: "run",
        });
        jsonl
    }

    /// Writes the summary, flushes and hands the output back; the first write error, if any.
    pub fn finish(mut self, world: &World) -> std::io::Result<W> {
        self.record(&SummaryRecord {
            end_ns: world.now().0,
            events: world.events_handled,
            failures: self.failures,
            steps: self.steps,
            r#type: "summary",
        });
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }

    /// Writes the run-time error that stopped the run instead of the summary, flushes and
    /// hands the output back.
    pub fn fail(mut self, error: &crate::diag::Diagnostic) -> std::io::Result<W> {
        let origin = error.origin.as_ref();
        self.record(&ErrorRecord {
            column: origin.map(|o| o.column),
            file: origin.map(|o| &*o.file),
            hint: error.hint.as_deref(),
            line: origin.map(|o| o.line),
            message: &error.message,
            r#type: "error",
        });
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn record(&mut self, record: &impl Serialize) {
        if self.error.is_some() {
            return;
        }
        self.line.clear();
        let written = serde_json::to_writer(&mut self.line, record)
            .map_err(std::io::Error::from)
            .and_then(|()| {
                self.line.push(b'\n');
                self.out.write_all(&self.line)
            });
        if let Err(e) = written {
            self.error = Some(e);
        }
    }
}

impl<W: Write> Sink for Jsonl<'_, W> {
    fn request(&mut self, world: &World, step: usize, r: &CurlResult) {
        self.record(&RequestRecord {
            curl: &r.request.raw,
            curl_error: r.exit.message.as_deref(),
            destination: r.destination.to_string(),
            disposition: r.disposition,
            exit_code: r.exit.code,
            finished_ns: r.finished.0,
            from: endpoint(&r.from, &self.scenario.namespace),
            host_header: sent_host(r),
            port: r.port,
            request: r.request_id,
            served_by: r.served_by.as_ref().map(|p| format!("pod/{}", p.name)),
            started_ns: r.started.0,
            status: r.response.as_ref().map(|x| x.status),
            step,
            r#type: "request",
        });
        for hop in world.trace.hops_of(r.request_id) {
            self.record(&HopRecord {
                at_ns: hop.at.0,
                cause: hop.cause.map(|c| c.0),
                component: component_name(world, hop),
                conn: hop.tag.conn,
                event: hop.event.0,
                node: world.env.topology.name(hop.node),
                packet: hop.tag.packet,
                request: r.request_id,
                steps: world.trace.steps_of(hop),
                r#type: "hop",
            });
        }
    }

    fn step(&mut self, world: &World, step: &StepResult) {
        let mut record = StepRecord {
            at_ns: step.started.0,
            converged: None,
            ended_ns: step.ended.0,
            fault: None,
            file: &step.origin.file,
            index: step.index,
            line: step.origin.line,
            pending: None,
            text: None,
            title: step_title(self.scenario, step),
            r#type: "step",
        };
        match &step.output {
            Output::Shown { text, .. } => record.text = Some(text),
            Output::Waited {
                converged, pending, ..
            } => {
                record.converged = Some(*converged);
                record.pending = Some(*pending);
            }
            Output::Fault {
                target,
                resolved,
                up,
            } => {
                record.fault = Some(FaultRecord {
                    resolved,
                    target,
                    up: *up,
                });
            }
            _ => {}
        }
        self.record(&record);
        for n in world.timeline.get(step.notes.clone()).unwrap_or_default() {
            let component = actor_name(world, n.actor);
            self.record(&EventRecord {
                at_ns: n.at.0,
                cause: n.cause.map(|c| c.0),
                component: &component,
                event: n.event.0,
                r#type: "event",
                what: describe(world, &n.what),
            });
        }
        for f in &step.failures {
            self.record(&FailureRecord {
                actual: &f.actual,
                expected: &f.expected,
                line: step.origin.line,
                seed: self.seed,
                step: step.index,
                r#type: "failure",
                what: &f.what,
            });
        }
        self.steps += 1;
        self.failures += step.failures.len();
    }
}

/// The Host header the request carried: the URL's `host[:port]` unless `-H 'Host: …'` replaced
/// it, `None` when `-H 'Host:'` removed it.
fn sent_host(r: &CurlResult) -> Option<String> {
    let request = crate::dataplane::endpoint::build_request(&r.job());
    request
        .headers
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("host"))
        .map(|(_, value)| value)
}
