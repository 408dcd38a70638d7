//! The run as JSON Lines for programs: one record per step result, request, hop and control-plane
//! event. Field names are stable and documented in the README.

use serde_json::{Value, json};

use super::names::component_name;
use super::text::{endpoint, step_title};
use super::timeline::{actor_name, describe};
use crate::dataplane::haproxy::Semantics;
use crate::scenario::model::Scenario;
use crate::scenario::run::{CurlResult, Output, Run};
use crate::world::World;

pub fn render(scenario: &Scenario, run: &Run, seed: u64) -> String {
    let mut header = json!({"type": "run", "scenario": scenario.name, "seed": seed});
    // Contrail's semantics are the default and go unsaid.
    if scenario.semantics != Semantics::Contrail {
        header["semantics"] = json!(scenario.semantics.as_str());
    }
    let mut lines: Vec<Value> = vec![header];
    let world = &run.world;
    for step in &run.steps {
        let mut record = json!({
            "type": "step", "index": step.index, "file": &*step.origin.file, "line": step.origin.line,
            "at_ns": step.started.0, "ended_ns": step.ended.0, "title": step_title(scenario, step),
        });
        match &step.output {
            Output::Shown { text, .. } => record["text"] = json!(text),
            Output::Waited { converged, pending } => {
                record["converged"] = json!(converged);
                record["pending"] = json!(pending);
            }
            Output::Fault {
                target,
                resolved,
                up,
            } => record["fault"] = json!({"target": target, "resolved": resolved, "up": up}),
            _ => {}
        }
        lines.push(record);
        for n in world.timeline.get(step.notes.clone()).unwrap_or_default() {
            lines.push(json!({
                "type": "event", "at_ns": n.at.0, "event": n.event.0, "cause": n.cause.map(|c| c.0),
                "component": actor_name(world, n.actor), "what": describe(world, &n.what),
            }));
        }
        if let Output::Curl(results) | Output::Compare(results) = &step.output {
            for r in results {
                lines.push(request(r, step.index));
                hops(world, r.request_id, &mut lines);
            }
        }
        for f in &step.failures {
            lines.push(json!({"type": "failure", "step": step.index, "line": step.origin.line, "what": f.what, "expected": f.expected, "actual": f.actual, "seed": seed}));
        }
    }
    let failures: usize = run.steps.iter().map(|s| s.failures.len()).sum();
    lines.push(json!({"type": "summary", "steps": run.steps.len(), "failures": failures, "events": world.events_handled, "end_ns": world.now().0}));
    let mut out = String::new();
    for l in lines {
        out.push_str(&l.to_string());
        out.push('\n');
    }
    out
}

fn request(r: &CurlResult, step: usize) -> Value {
    json!({
        "type": "request", "step": step, "request": r.request_id, "from": endpoint(&r.from), "curl": r.request.raw,
        "destination": r.destination.to_string(), "port": r.port, "host_header": sent_host(r),
        "status": r.response.as_ref().map(|x| x.status), "served_by": r.served_by.as_ref().map(|p| format!("pod/{}", p.name)),
        "disposition": r.disposition, "exit_code": r.exit.code, "curl_error": r.exit.message,
        "started_ns": r.started.0, "finished_ns": r.finished.0,
    })
}

fn hops(world: &World, request: u32, lines: &mut Vec<Value>) {
    for hop in world.trace.hops_of(request) {
        lines.push(json!({
            "type": "hop", "request": request, "conn": hop.tag.conn, "packet": hop.tag.packet, "at_ns": hop.at.0,
            "event": hop.event.0, "cause": hop.cause.map(|c| c.0), "node": world.env.topology.name(hop.node),
            "component": component_name(world, hop), "steps": world.trace.steps_of(hop),
        }));
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
