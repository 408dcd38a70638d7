//! One finished run reduced to what a sweep compares across seeds: per step, who served the
//! requests, their dispositions and status codes, and the expectations that failed.
//!
//! [`summarize`] is the only code of the sweep that reads a [`Run`]; everything after it sees
//! [`RunOutcome`]s, so a sweep holds no run longer than it takes to summarize it.

use std::collections::BTreeMap;

use crate::scenario::model::{ObjectKey, Scenario};
use crate::scenario::run::{CurlResult, Output, Run, RunError};
use crate::trace::{Component, Step};
use crate::world::timeline::What;

/// The served-by value of a request no pod answered.
pub const NO_POD: &str = "(no pod)";
/// The status value of a request that got no HTTP response.
pub const NO_RESPONSE: &str = "(no response)";

/// What one seed's run came to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunOutcome {
    pub seed: u64,
    /// The steps that ran, in order.
    pub steps: Vec<StepOutcome>,
    /// Why the run stopped before its last step, when it did.
    pub stopped: Option<Stopped>,
}

/// A run-time error that ended the run: the step that could not run and the diagnostic on
/// one line (`FILE:LINE:COLUMN: error: ...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stopped {
    pub step: usize,
    pub message: String,
}

/// One step of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepOutcome {
    /// 0-based, as in the scenario.
    pub index: usize,
    pub line: u32,
    pub title: String,
    /// Requests by who served them: `deployment/NAME` for a pod of a Deployment (pod names
    /// differ per seed), `pod/NAME` for another pod, [`NO_POD`] when no pod answered.
    pub served_by: BTreeMap<String, u64>,
    /// Requests by the node of the pod that answered ([`NO_POD`] when none did).
    pub server_nodes: BTreeMap<String, u64>,
    /// Requests by the haproxy that proxied them (`cent222/haproxy`); requests that met no
    /// haproxy are not counted.
    pub haproxies: BTreeMap<String, u64>,
    pub dispositions: BTreeMap<String, u64>,
    /// Requests by HTTP status code, or [`NO_RESPONSE`].
    pub statuses: BTreeMap<String, u64>,
    pub failures: Vec<FailureOutcome>,
}

impl StepOutcome {
    /// The requests the step sent.
    pub fn requests(&self) -> u64 {
        self.dispositions.values().sum()
    }
}

/// An expectation that did not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailureOutcome {
    pub what: String,
    pub expected: String,
    /// As the run printed it.
    pub actual: String,
    /// `actual` with each Deployment pod's name written `DEPLOYMENT-…`, so that the same
    /// failure reads the same for every seed.
    pub grouped: String,
}

impl RunOutcome {
    pub fn failures(&self) -> usize {
        self.steps.iter().map(|s| s.failures.len()).sum()
    }

    pub fn passed(&self) -> bool {
        self.stopped.is_none() && self.failures() == 0
    }
}

/// Reduces a finished run (or one that stopped with `error`) to its outcome.
pub fn summarize(
    scenario: &Scenario,
    seed: u64,
    run: &Run,
    error: Option<&RunError>,
) -> RunOutcome {
    let owners = deployment_pods(run);
    let places = places(run);
    let steps = run
        .steps
        .iter()
        .map(|step| {
            let mut out = StepOutcome {
                index: step.index,
                line: step.origin.line,
                title: crate::report::text::step_title(scenario, step),
                ..StepOutcome::default()
            };
            if let Output::Curl(results) | Output::Compare(results) = &step.output {
                for r in results {
                    count(&mut out, r, &owners, places.get(&r.request_id));
                }
            }
            out.failures = step
                .failures
                .iter()
                .map(|f| FailureOutcome {
                    what: f.what.clone(),
                    expected: f.expected.clone(),
                    actual: f.actual.clone(),
                    grouped: grouped(&f.actual, &owners),
                })
                .collect();
            out
        })
        .collect();
    RunOutcome {
        seed,
        steps,
        stopped: error.map(|e| Stopped {
            step: run.steps.len(),
            message: e.0.to_string().replace('\n', " "),
        }),
    }
}

fn count(
    out: &mut StepOutcome,
    r: &CurlResult,
    owners: &BTreeMap<ObjectKey, String>,
    place: Option<&Place>,
) {
    let served = match &r.served_by {
        Some(pod) => match owners.get(pod) {
            Some(deployment) => format!("deployment/{deployment}"),
            None => format!("pod/{}", pod.name),
        },
        None => NO_POD.to_string(),
    };
    let status = r
        .response
        .as_ref()
        .map_or_else(|| NO_RESPONSE.to_string(), |x| x.status.to_string());
    *out.served_by.entry(served).or_default() += 1;
    let node = place.and_then(|p| p.server.clone());
    *out.server_nodes
        .entry(node.unwrap_or_else(|| NO_POD.to_string()))
        .or_default() += 1;
    if let Some(haproxy) = place.and_then(|p| p.haproxy.clone()) {
        *out.haproxies.entry(haproxy).or_default() += 1;
    }
    *out.dispositions
        .entry(r.disposition.to_string())
        .or_default() += 1;
    *out.statuses.entry(status).or_default() += 1;
}

/// Where a request was handled.
#[derive(Default)]
struct Place {
    /// The node of the pod whose web server answered.
    server: Option<String>,
    /// `NODE/haproxy` of the first haproxy on the path.
    haproxy: Option<String>,
}

/// Where each request was handled, in one pass over the trace.
fn places(run: &Run) -> BTreeMap<u32, Place> {
    let world = &run.world;
    let mut places: BTreeMap<u32, Place> = BTreeMap::new();
    for hop in &world.trace.hops {
        let node = || world.env.topology.name(hop.node).to_string();
        match hop.component {
            Component::Haproxy(_) => {
                let place = places.entry(hop.tag.request).or_default();
                if place.haproxy.is_none() {
                    place.haproxy = Some(format!("{}/haproxy", node()));
                }
            }
            Component::Pod(_)
                if world
                    .trace
                    .steps_of(hop)
                    .iter()
                    .any(|s| matches!(s, Step::Served { .. })) =>
            {
                places.entry(hop.tag.request).or_default().server = Some(node());
            }
            _ => {}
        }
    }
    places
}

/// Every pod a Deployment created during the run, with the Deployment's name (the timeline
/// keeps them after the pod is gone).
fn deployment_pods(run: &Run) -> BTreeMap<ObjectKey, String> {
    run.world
        .timeline
        .iter()
        .filter_map(|n| match &n.what {
            What::PodCreated { pod, deployment } => Some((pod.clone(), deployment.clone())),
            _ => None,
        })
        .collect()
}

fn grouped(actual: &str, owners: &BTreeMap<ObjectKey, String>) -> String {
    let mut text = actual.to_string();
    for (pod, deployment) in owners {
        if text.contains(&*pod.name) {
            text = text.replace(&*pod.name, &format!("{deployment}-…"));
        }
    }
    text
}
