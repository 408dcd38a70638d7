//! The runner: builds the world for a scenario and executes its steps in order, each at the
//! simulated time the one before it ended. A step runs the world only as far as it needs: a
//! curl until its request is over, a fault only through its immediate effects; timers still
//! pending stay pending for the next step. Records go to a [`Sink`] as they are made: each
//! request once it settled, each step once it ended (with its expectation failures). A run
//! that [`Keep`]s only verdicts forgets each request's packets once handed on, so its memory
//! does not grow with the number of requests.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::ops::Range;
use std::sync::Arc;

use crate::diag::{Diagnostic, Origin};
use crate::k8s::objects::{Kind, Name, Spec};
use crate::k8s::store::key_of;
use crate::scenario::model::{
    Action, CurlRequest, Endpoint, FaultTarget, ObjectKey, Scenario, Show, Url, UrlHost, Wait,
};
use crate::scenario::resolve::{self, in_namespace};
use crate::sim::Time;
use crate::sim::time::SECOND;
use crate::trace::CurlExit;
use crate::trace::capture::Capture;
use crate::wire::HttpResponse;
use crate::world::msg::CurlJob;
use crate::world::{Addr, Delays, Env, EventBudgetExceeded, Fault, Msg, Part, Timers, World};

/// Events one step may take before the run is declared runaway, whatever the cluster's size:
/// far more than any hand-written scenario needs (the shipped ones take under 100,000 events
/// in all).
pub const EVENT_BUDGET: u64 = 50_000_000;
/// Events a step may take in addition for each object the scenario applies (a Deployment
/// counts its replicas), so that a large cluster's convergence is never taken for a runaway:
/// a generated cluster takes about 26 events per pod.
pub const EVENTS_PER_OBJECT: u64 = 1_000;
/// How far `wait: converged` runs at most: an hour of simulated time.
pub const CONVERGE_HORIZON: u64 = 3_600 * SECOND;

/// What a step produced.
#[derive(Clone, Debug)]
pub enum Output {
    Applied {
        objects: Vec<ObjectKey>,
    },
    Deleted {
        objects: Vec<ObjectKey>,
    },
    /// A wait: `converged` tells whether nothing was left pending; `next` holds the first
    /// [`PENDING_KEPT`] of the `pending` events, in the order they will run.
    Waited {
        converged: bool,
        pending: usize,
        next: Vec<Pending>,
    },
    Shown {
        what: Show,
        text: String,
    },
    /// A curl step's results; none kept when the run keeps only verdicts (its sink had them).
    Curl(Vec<CurlResult>),
    Compare(Vec<CurlResult>),
    /// A fault or a recovery: `target` as written, `resolved` with its nodes named.
    Fault {
        target: String,
        resolved: String,
        up: bool,
    },
    Hosts {
        lines: usize,
    },
}

/// How many of the events a wait left pending its output names.
pub const PENDING_KEPT: usize = 4;

/// An event a wait left pending: when it will run and, for a timer, what it is for.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub at: Time,
    pub timer: Option<crate::world::msg::TimerKind>,
}

/// One request and what became of it.
#[derive(Clone, Debug)]
pub struct CurlResult {
    pub request_id: u32,
    pub from: Endpoint,
    pub request: Arc<CurlRequest>,
    pub destination: Ipv4Addr,
    pub port: u16,
    pub host_header: String,
    pub response: Option<Arc<HttpResponse>>,
    /// The pod whose web server answered.
    pub served_by: Option<ObjectKey>,
    pub disposition: &'static str,
    /// curl's exit code and error message.
    pub exit: CurlExit,
    pub started: Time,
    pub finished: Time,
}

impl CurlResult {
    /// The job curl ran, as the runner gave it.
    pub fn job(&self) -> CurlJob {
        let shown_host = self
            .host_header
            .rsplit_once(':')
            .map_or(self.host_header.clone(), |(h, _)| h.to_string());
        CurlJob {
            request_id: self.request_id,
            request: self.request.clone(),
            destination: self.destination,
            port: self.port,
            host_header: self.host_header.clone(),
            shown_host,
            started: self.started,
        }
    }
}

/// One step's result.
#[derive(Clone, Debug)]
pub struct StepResult {
    pub index: usize,
    pub origin: Origin,
    /// The simulated time the step started and ended.
    pub started: Time,
    pub ended: Time,
    /// The timeline notes written during the step (indexes into the world's timeline).
    pub notes: Range<usize>,
    pub output: Output,
    pub failures: Vec<Failure>,
}

/// An expectation that did not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub what: String,
    pub expected: String,
    pub actual: String,
}

/// A run that could not go on: a reference that resolves to nothing at run time, a runaway.
#[derive(Clone, Debug)]
pub struct RunError(pub Diagnostic);

pub struct Run {
    pub world: World,
    pub steps: Vec<StepResult>,
    keep: Keep,
    next_request: u32,
    /// Events one step may take: [`event_budget`] of the scenario.
    budget: u64,
    /// The namespaces of the objects applied so far: objects of one namespace share its
    /// name, so their keys compare without reading it.
    namespaces: BTreeSet<Name>,
}

/// The events one step of `scenario` may take: [`EVENT_BUDGET`], plus [`EVENTS_PER_OBJECT`]
/// for every object its apply steps create (a Deployment and each of its replicas).
pub fn event_budget(scenario: &Scenario) -> u64 {
    let objects: u64 = scenario
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Apply(objects) => Some(objects),
            _ => None,
        })
        .flatten()
        .map(|o| match &o.spec {
            Spec::Deployment(d) => 1 + u64::from(d.replicas),
            _ => 1,
        })
        .sum();
    EVENT_BUDGET.saturating_add(EVENTS_PER_OBJECT.saturating_mul(objects))
}

/// What a run keeps of the records it has handed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Every request's result and packets: reports, sweeps and tests read them afterwards.
    All,
    /// The steps and their verdicts only: a curl step's results and every packet are
    /// forgotten once handed on (a compare step's at the end of the step).
    Verdicts,
}

/// Receives a run's records as they are made.
pub trait Sink {
    /// A request of step `step` (0-based) settled; its packets are in `world.trace`.
    fn request(&mut self, world: &World, step: usize, result: &CurlResult) {
        let _ = (world, step, result);
    }

    /// A step ended.
    fn step(&mut self, world: &World, step: &StepResult) {
        let _ = (world, step);
    }
}

/// A sink that drops every record (the results stay in the [`Run`]).
pub struct Quiet;

impl Sink for Quiet {}

impl Run {
    pub fn new(scenario: &Scenario, seed: u64) -> Run {
        let spec = &scenario.topology;
        let mut env = Env {
            topology: spec.nodes.clone(),
            delays: Delays::default(),
            timers: Timers::default(),
            seed,
            gateway_multipath: spec.gateway_multipath,
            semantics: scenario.semantics,
        };
        for (name, ns) in &spec.delays {
            let _ = env.delays.set(name, *ns) || env.timers.set(name, *ns);
        }
        let world = World::new(env, &spec.hosts);
        Run {
            world,
            steps: Vec::new(),
            keep: Keep::All,
            next_request: 0,
            budget: event_budget(scenario),
            namespaces: BTreeSet::new(),
        }
    }

    /// Executes every step; stops at the first step that cannot run.
    pub fn execute(scenario: &Scenario, seed: u64) -> Result<Run, Box<(Run, RunError)>> {
        Run::execute_with(scenario, seed, None)
    }

    /// [`Run::execute`] with every packet captured from the start (`run --pcap`).
    pub fn execute_with(
        scenario: &Scenario,
        seed: u64,
        capture: Option<Capture>,
    ) -> Result<Run, Box<(Run, RunError)>> {
        Run::stream(scenario, seed, capture, Keep::All, &mut Quiet)
    }

    /// Executes every step, handing each record to `sink` as soon as it is made and keeping
    /// what `keep` says; stops at the first step that cannot run.
    pub fn stream(
        scenario: &Scenario,
        seed: u64,
        capture: Option<Capture>,
        keep: Keep,
        sink: &mut dyn Sink,
    ) -> Result<Run, Box<(Run, RunError)>> {
        let mut run = Run::new(scenario, seed);
        run.world.capture = capture;
        run.keep = keep;
        for index in 0..scenario.steps.len() {
            if let Err(e) = run.next_step(scenario, index, sink) {
                return Err(Box::new((run, e)));
            }
        }
        Ok(run)
    }

    /// Executes step `index`, hands its records to `sink` and keeps its result.
    pub fn next_step(
        &mut self,
        scenario: &Scenario,
        index: usize,
        sink: &mut dyn Sink,
    ) -> Result<(), RunError> {
        let Some(step) = scenario.steps.get(index) else {
            return Ok(());
        };
        let notes_before = self.world.timeline.len();
        let started = self.world.now();
        let (output, failures) = self.step(scenario, (index, step), sink)?;
        let result = StepResult {
            index,
            origin: step.origin.clone(),
            started,
            ended: self.world.now(),
            notes: notes_before..self.world.timeline.len(),
            output,
            failures,
        };
        sink.step(&self.world, &result);
        if self.keep == Keep::Verdicts {
            self.world.trace.drain();
        }
        self.steps.push(result);
        Ok(())
    }

    /// The first [`PENDING_KEPT`] pending events, in the order they will run.
    fn next_pending(&self) -> Vec<Pending> {
        self.world
            .pending_events()
            .into_iter()
            .take(PENDING_KEPT)
            .map(|e| Pending {
                at: e.at,
                timer: match &e.msg.1 {
                    Msg::Timer(kind) => Some(kind.clone()),
                    _ => None,
                },
            })
            .collect()
    }

    /// The namespace `name` as the objects applied so far share it.
    fn shared(&mut self, name: &str) -> Name {
        if let Some(shared) = self.namespaces.get(name) {
            return shared.clone();
        }
        let shared: Name = name.into();
        self.namespaces.insert(shared.clone());
        shared
    }

    fn budget(&self, origin: &Origin) -> impl Fn(EventBudgetExceeded) -> RunError {
        let origin = origin.clone();
        move |EventBudgetExceeded(n)| runaway(&origin, n)
    }

    /// Executes `step`, the scenario's step `index`.
    fn step(
        &mut self,
        scenario: &Scenario,
        (index, step): (usize, &crate::scenario::model::Step),
        sink: &mut dyn Sink,
    ) -> Result<(Output, Vec<Failure>), RunError> {
        let ns = &scenario.namespace;
        let (action, origin) = (&step.action, &step.origin);
        let delay = self.world.env.delays.kubectl;
        Ok(match action {
            Action::Apply(objects) => {
                let mut keys = Vec::new();
                for object in objects {
                    let mut object = object.clone();
                    let namespace = match &*object.meta.namespace {
                        "" if object.kind() != Kind::Namespace => ns.as_str(),
                        named => named,
                    };
                    object.meta.namespace = self.shared(namespace);
                    keys.push(key_of(&object));
                    self.world
                        .inject(Addr::ApiServer, delay, Msg::Apply(Arc::new(object)));
                }
                (Output::Applied { objects: keys }, Vec::new())
            }
            Action::Delete(keys) => {
                let keys: Vec<ObjectKey> = keys.iter().map(|k| in_namespace(k, ns)).collect();
                for key in &keys {
                    self.world
                        .inject(Addr::ApiServer, delay, Msg::Delete(key.clone()));
                }
                (Output::Deleted { objects: keys }, Vec::new())
            }
            Action::Wait(Wait::Converged) => {
                let horizon = self.world.now().plus(CONVERGE_HORIZON);
                self.world
                    .run_while(|_| true, horizon, self.budget)
                    .map_err(self.budget(origin))?;
                let pending = self.pending();
                if pending > 0 {
                    self.world.advance_to(horizon);
                }
                (
                    Output::Waited {
                        converged: pending == 0,
                        pending,
                        next: self.next_pending(),
                    },
                    Vec::new(),
                )
            }
            Action::Wait(Wait::For(d)) => {
                self.world
                    .run_for(*d, self.budget)
                    .map_err(self.budget(origin))?;
                (
                    Output::Waited {
                        converged: self.world.is_idle(),
                        pending: self.pending(),
                        next: self.next_pending(),
                    },
                    Vec::new(),
                )
            }
            Action::Show(show) => {
                let text = crate::report::show::render(&self.world, &show.what, ns)
                    .map_err(|m| RunError(Diagnostic::error(Some(origin.clone()), m)))?;
                let failures =
                    crate::scenario::expect::check_show(&self.world, &show.expect, &text, ns);
                (
                    Output::Shown {
                        what: show.what.clone(),
                        text,
                    },
                    failures,
                )
            }
            Action::Curl(curl) => {
                let mut results = Vec::new();
                let mut failures = Vec::new();
                for _ in 0..curl.repeat.max(1) {
                    let result = self.curl(&curl.request, &curl.from, ns, origin)?;
                    // Every repetition must meet the expectation; the first that does not is
                    // the one reported.
                    if failures.is_empty() {
                        failures = crate::scenario::expect::check_curl(&self.world, curl, &result);
                    }
                    sink.request(&self.world, index, &result);
                    if self.keep == Keep::All {
                        results.push(result);
                    } else {
                        self.world.trace.drain();
                    }
                }
                (Output::Curl(results), failures)
            }
            Action::Compare(compare) => {
                let mut results = Vec::new();
                for request in &compare.requests {
                    let result = self.curl(request, &compare.from, ns, origin)?;
                    sink.request(&self.world, index, &result);
                    results.push(result);
                }
                (Output::Compare(results), Vec::new())
            }
            Action::Fault(step) => {
                let (target, up) = (&step.target, step.up);
                let fault = self
                    .fault(target)
                    .map_err(|m| RunError(Diagnostic::error(Some(origin.clone()), m)))?;
                let topology = &self.world.env.topology;
                let named = match &fault {
                    Fault::Link(a, b) if topology.is_compute(*b) => Some(*b),
                    Fault::Link(a, _) => Some(*a),
                    f => f.node(),
                };
                if let (Some(alias), Some(node)) = (&step.alias, named) {
                    self.world.aliases.insert(alias.clone(), node);
                }
                let resolved = fault.describe(topology);
                self.world
                    .inject(Addr::Network, 0, Msg::Fault { fault, up });
                let now = self.world.now();
                self.world
                    .run_while(|_| true, now, self.budget)
                    .map_err(self.budget(origin))?;
                (
                    Output::Fault {
                        target: target.to_string(),
                        resolved,
                        up,
                    },
                    Vec::new(),
                )
            }
            Action::Hosts(entries) => {
                self.world
                    .internet_host
                    .hosts
                    .extend(entries.iter().cloned());
                (
                    Output::Hosts {
                        lines: entries.len(),
                    },
                    Vec::new(),
                )
            }
        })
    }

    fn pending(&self) -> usize {
        self.world.pending()
    }

    /// What a fault target names now.
    fn fault(&self, target: &FaultTarget) -> Result<Fault, String> {
        let w = &self.world;
        let node = |r| resolve::node(w, r);
        Ok(match target {
            FaultTarget::Node(r) => Fault::Node(node(r)?),
            FaultTarget::Agent(r) => Fault::Agent(node(r)?),
            FaultTarget::Xmpp(r) => Fault::Xmpp(node(r)?),
            FaultTarget::ControlNode => Fault::ControlNode,
            FaultTarget::Bgp => Fault::Bgp,
            FaultTarget::Link(a, b) => Fault::Link(node(a)?, node(b)?),
            FaultTarget::Haproxy { ingress, node: n } => {
                let lb = w
                    .kube_manager
                    .loadbalancers
                    .get(ingress)
                    .ok_or_else(|| format!("{ingress} has no loadbalancer"))?;
                Fault::Haproxy {
                    node: node(n)?,
                    lb_uuid: lb.uuid.as_str().into(),
                }
            }
            FaultTarget::Pod(pod) => {
                let at = resolve::node(w, &crate::scenario::model::NodeRef::PodNode(pod.clone()))?;
                Fault::Pod {
                    node: at,
                    pod: pod.clone(),
                }
            }
        })
    }

    /// Sends one request and runs the world until it is over: curl ended and none of its
    /// packets is still on its way.
    fn curl(
        &mut self,
        request: &Arc<CurlRequest>,
        from: &Endpoint,
        ns: &str,
        origin: &Origin,
    ) -> Result<CurlResult, RunError> {
        let (to, resolve_hosts) = self.source(from, origin)?;
        let destination = self.resolve(&request.url, request, resolve_hosts, ns, origin)?;
        let port = request.url.port_or_default();
        let shown_host = match &request.url.host {
            UrlHost::Name(n) => n.clone(),
            _ => destination.to_string(),
        };
        let host_header = crate::scenario::curl::host_header(&request.url, destination);
        let request_id = self.next_request;
        self.next_request += 1;
        let started = self.world.now();
        let job = CurlJob {
            request_id,
            request: request.clone(),
            destination,
            port,
            host_header: host_header.clone(),
            shown_host,
            started,
        };
        self.world.inject(to, 0, Msg::CurlStart(Arc::new(job)));
        self.world
            .run_while(
                |w| !w.trace.settled(request_id),
                Time(u64::MAX),
                self.budget,
            )
            .map_err(self.budget(origin))?;
        Ok(self.outcome(
            request_id,
            from,
            request,
            destination,
            port,
            host_header,
            started,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn outcome(
        &self,
        request_id: u32,
        from: &Endpoint,
        request: &Arc<CurlRequest>,
        destination: Ipv4Addr,
        port: u16,
        host_header: String,
        started: Time,
    ) -> CurlResult {
        let record = self.world.trace.requests.get(&request_id);
        let done = record.and_then(|r| r.done.as_ref());
        let served_by = record.and_then(|r| r.served_by).and_then(|(node, slot)| {
            let c = self.world.compute(node)?;
            c.pods.get(slot as usize).map(|p| p.key.clone())
        });
        CurlResult {
            request_id,
            from: from.clone(),
            request: request.clone(),
            destination,
            port,
            host_header,
            response: done.and_then(|d| d.response.clone()),
            served_by,
            disposition: record.and_then(|r| r.disposition()).unwrap_or("timed-out"),
            exit: done.map_or(
                CurlExit {
                    code: 28,
                    message: None,
                },
                |d| d.exit.clone(),
            ),
            started,
            finished: done.map_or(self.world.now(), |d| d.at),
        }
    }

    /// Where a request starts, and whether names resolve through the internet host's /etc/hosts.
    fn source(&self, from: &Endpoint, origin: &Origin) -> Result<(Addr, bool), RunError> {
        match from {
            Endpoint::Pod(key) => self
                .world
                .computes
                .iter()
                .flatten()
                .filter(|c| c.powered)
                .find_map(|c| {
                    let slot = c.pods.iter().position(|p| p.live && p.key == *key)?;
                    Some(Addr::Compute(c.id, Part::Pod(slot as u32)))
                })
                .map(|a| (a, false))
                .ok_or_else(|| unknown(origin, &format!("pod/{} (not running)", key.name))),
            Endpoint::Host(_) => Ok((Addr::InternetHost, true)),
        }
    }

    fn resolve(
        &self,
        url: &Url,
        request: &Arc<CurlRequest>,
        etc_hosts: bool,
        ns: &str,
        origin: &Origin,
    ) -> Result<Ipv4Addr, RunError> {
        match &url.host {
            UrlHost::Ip(ip) => Ok(*ip),
            UrlHost::Placeholder(r) => resolve::address(&self.world, r, ns).ok_or_else(|| {
                RunError(crate::scenario::address::unresolved(
                    &self.world,
                    r,
                    ns,
                    origin,
                ))
            }),
            UrlHost::Name(name) => {
                let port = url.port_or_default();
                if let Some(r) = request
                    .resolve
                    .iter()
                    .find(|r| r.host.eq_ignore_ascii_case(name) && r.port == port)
                {
                    let fake = Url {
                        scheme: url.scheme,
                        host: r.address.clone(),
                        port: None,
                        path: String::new(),
                        query: None,
                    };
                    return self.resolve(&fake, request, etc_hosts, ns, origin);
                }
                let found = if etc_hosts {
                    self.world.internet_host.resolve(name)
                } else {
                    None
                };
                found.ok_or_else(|| {
                    RunError(
                        Diagnostic::error(Some(origin.clone()), format!("curl: (6) Could not resolve host: {name}"))
                            .with_hint("add the name to the internet host's /etc/hosts (topology.hosts or a `hosts:` step), or use --resolve"),
                    )
                })
            }
        }
    }
}

fn unknown(origin: &Origin, what: &str) -> RunError {
    RunError(
        Diagnostic::error(
            Some(origin.clone()),
            format!("{what} does not exist at this point of the run"),
        )
        .with_hint("apply it in an earlier step and `wait: converged` before using it"),
    )
}

fn runaway(origin: &Origin, budget: u64) -> RunError {
    RunError(
        Diagnostic::error(
            Some(origin.clone()),
            format!("the step did not settle within {budget} events"),
        )
        .with_hint("the scenario asks for more work than a run allows"),
    )
}

/// The pods selected by a Service in the current state.
pub fn pods_of_service(world: &World, service: &ObjectKey) -> Vec<ObjectKey> {
    let Some(svc) = world.apiserver.get(service) else {
        return Vec::new();
    };
    let Spec::Service(spec) = &svc.object.spec else {
        return Vec::new();
    };
    world
        .apiserver
        .list(Kind::Pod)
        .filter(|p| {
            p.key().namespace == service.namespace
                && crate::control::controllers::selects(&spec.selector, &p.object.meta.labels)
        })
        .map(|p| p.key())
        .collect()
}
