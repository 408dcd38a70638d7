//! One finished run reduced to what a sweep compares across seeds: per step, who served the
//! requests, their dispositions and status codes, and the expectations that failed.
//!
//! A [`Summarizer`] listens to a run as it goes and is the only code of the sweep that reads
//! one; everything after it sees [`RunOutcome`]s, and the run keeps no packet once counted.

use std::collections::BTreeMap;

use crate::scenario::model::{ObjectKey, Scenario};
use crate::scenario::run::{CurlResult, RunError, Sink, StepResult};
use crate::trace::{Component, Step};
use crate::world::World;
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

/// Reduces a run to its outcome as it goes: a [`Sink`] that counts each request once it
/// settled (while its packets are still in the trace) and closes each step as it ends, so the
/// run it listens to can forget every packet.
pub struct Summarizer<'a> {
    scenario: &'a Scenario,
    /// Every pod a Deployment created so far, with the Deployment's name.
    owners: BTreeMap<ObjectKey, String>,
    /// Timeline notes already read for `owners`.
    notes_read: usize,
    current: StepOutcome,
    steps: Vec<StepOutcome>,
}

impl<'a> Summarizer<'a> {
    pub fn new(scenario: &'a Scenario) -> Summarizer<'a> {
        Summarizer {
            scenario,
            owners: BTreeMap::new(),
            notes_read: 0,
            current: StepOutcome::default(),
            steps: Vec::new(),
        }
    }

    /// The outcome of the run, stopped by `error` after the steps seen when there was one.
    pub fn finish(self, seed: u64, error: Option<&RunError>) -> RunOutcome {
        let stopped = error.map(|e| Stopped {
            step: self.steps.len(),
            message: e.0.to_string().replace('\n', " "),
        });
        RunOutcome {
            seed,
            steps: self.steps,
            stopped,
        }
    }

    /// Reads the timeline notes written since the last call for the pods Deployments created.
    fn learn_owners(&mut self, world: &World) {
        for n in world.timeline.get(self.notes_read..).unwrap_or_default() {
            if let What::PodCreated { pod, deployment } = &n.what {
                self.owners.insert(pod.clone(), deployment.clone());
            }
        }
        self.notes_read = world.timeline.len();
    }
}

impl Sink for Summarizer<'_> {
    fn request(&mut self, world: &World, _step: usize, result: &CurlResult) {
        self.learn_owners(world);
        let place = place(world, result.request_id);
        count(&mut self.current, result, &self.owners, &place);
    }

    fn step(&mut self, world: &World, step: &StepResult) {
        self.learn_owners(world);
        let mut out = std::mem::take(&mut self.current);
        out.index = step.index;
        out.line = step.origin.line;
        out.title = crate::report::text::step_title(self.scenario, step);
        out.failures = step
            .failures
            .iter()
            .map(|f| FailureOutcome {
                what: f.what.clone(),
                expected: f.expected.clone(),
                actual: f.actual.clone(),
                grouped: grouped(&f.actual, &self.owners),
            })
            .collect();
        self.steps.push(out);
    }
}

fn count(
    out: &mut StepOutcome,
    r: &CurlResult,
    owners: &BTreeMap<ObjectKey, String>,
    place: &Place,
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
    let node = place.server.clone();
    *out.server_nodes
        .entry(node.unwrap_or_else(|| NO_POD.to_string()))
        .or_default() += 1;
    if let Some(haproxy) = place.haproxy.clone() {
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

/// Where a request was handled, from its hops.
fn place(world: &World, request: u32) -> Place {
    let mut place = Place::default();
    for hop in world.trace.hops_of(request) {
        let node = || world.env.topology.name(hop.node).to_string();
        match hop.component {
            Component::Haproxy(_) if place.haproxy.is_none() => {
                place.haproxy = Some(format!("{}/haproxy", node()));
            }
            Component::Pod(_)
                if world
                    .trace
                    .steps_of(hop)
                    .iter()
                    .any(|s| matches!(s, Step::Served { .. })) =>
            {
                place.server = Some(node());
            }
            _ => {}
        }
    }
    place
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
