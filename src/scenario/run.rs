//! The runner: builds the world for a scenario and executes its steps in order, collecting one
//! result per step (with expectation failures) for the printers.

use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::diag::{Diagnostic, Origin};
use crate::k8s::objects::{Kind, Spec};
use crate::k8s::store::key_of;
use crate::scenario::model::{
    Action, AddressField, AddressRef, CurlRequest, Endpoint, FaultTarget, ObjectKey, Scenario,
    Show, Url, UrlHost, Wait,
};
use crate::sim::Time;
use crate::topology::NodeId;
use crate::trace::{Component, DropReason, Step};
use crate::wire::HttpResponse;
use crate::world::msg::CurlJob;
use crate::world::{Addr, Delays, EventBudgetExceeded, Msg, Part, World};

/// Events one step may take before the run is declared runaway.
pub const EVENT_BUDGET: u64 = 50_000_000;

/// What a step produced.
#[derive(Clone, Debug)]
pub enum Output {
    Applied { objects: Vec<ObjectKey> },
    Deleted { objects: Vec<ObjectKey> },
    Waited { until: Time },
    Shown { what: Show, text: String },
    Curl(Vec<CurlResult>),
    Compare(Vec<CurlResult>),
    Fault { node: String, up: bool },
    Hosts { lines: usize },
}

/// One request and what became of it.
#[derive(Clone, Debug)]
pub struct CurlResult {
    pub request_id: u32,
    pub from: Endpoint,
    pub request: CurlRequest,
    pub destination: Ipv4Addr,
    pub port: u16,
    pub host_header: String,
    pub response: Option<Arc<HttpResponse>>,
    /// The pod whose web server answered.
    pub served_by: Option<ObjectKey>,
    pub disposition: &'static str,
    pub started: Time,
    pub finished: Time,
}

/// One step's result.
#[derive(Clone, Debug)]
pub struct StepResult {
    pub index: usize,
    pub origin: Origin,
    pub at: Time,
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
    next_request: u32,
}

impl Run {
    pub fn new(scenario: &Scenario, seed: u64) -> Run {
        let mut delays = Delays::default();
        for (name, ns) in &scenario.topology.delays {
            delays.set(name, *ns);
        }
        let mut world = World::new(
            seed,
            delays,
            &scenario.topology.hosts,
            scenario.topology.gateway_multipath,
        );
        world.env.semantics = scenario.semantics;
        Run {
            world,
            steps: Vec::new(),
            next_request: 0,
        }
    }

    /// Executes every step; stops at the first step that cannot run.
    pub fn execute(scenario: &Scenario, seed: u64) -> Result<Run, Box<(Run, RunError)>> {
        let mut run = Run::new(scenario, seed);
        for (index, step) in scenario.steps.iter().enumerate() {
            let notes_before = run.world.timeline.len();
            let result = run
                .step(scenario, &step.action, &step.origin)
                .and_then(|r| run.refused(notes_before, &step.origin).map(|()| r));
            match result {
                Ok((output, failures)) => {
                    let at = run.world.now();
                    run.steps.push(StepResult {
                        index,
                        origin: step.origin.clone(),
                        at,
                        output,
                        failures,
                    });
                }
                Err(e) => return Err(Box::new((run, e))),
            }
        }
        Ok(run)
    }

    /// A controller that refused work during the step (an address pool ran out) ends the run.
    fn refused(&self, since: usize, origin: &Origin) -> Result<(), RunError> {
        let failed = self
            .world
            .timeline
            .iter()
            .skip(since)
            .find_map(|n| match &n.what {
                crate::world::timeline::What::Failed { key, reason } => Some((key, reason)),
                _ => None,
            });
        let Some((key, reason)) = failed else {
            return Ok(());
        };
        let declared = self
            .world
            .apiserver
            .get(key)
            .map(|o| format!(" (declared at {})", o.object.origin))
            .unwrap_or_default();
        let message = format!(
            "{}/{}{declared}: {reason}",
            key.kind.reference_word(),
            key.name
        );
        Err(RunError(Diagnostic::error(Some(origin.clone()), message).with_hint(
            "the lab's pools are fixed (pod subnet 10.32.0.0/12, pool-ns-default 101.101.101.0/24, \
             pool-global-default 102.102.102.0/24): delete objects or use fewer",
        )))
    }

    fn settle(&mut self, origin: &Origin) -> Result<(), RunError> {
        self.world
            .run_until_idle(EVENT_BUDGET)
            .map_err(|EventBudgetExceeded(n)| runaway(origin, n))
    }

    fn step(
        &mut self,
        scenario: &Scenario,
        action: &Action,
        origin: &Origin,
    ) -> Result<(Output, Vec<Failure>), RunError> {
        let ns = &scenario.namespace;
        let delay = self.world.env.delays.kubectl;
        Ok(match action {
            Action::Apply(objects) => {
                let mut keys = Vec::new();
                for object in objects {
                    let mut object = object.clone();
                    if object.meta.namespace.is_empty() && object.kind() != Kind::Namespace {
                        object.meta.namespace = ns.clone();
                    }
                    keys.push(key_of(&object));
                    self.world
                        .inject(Addr::ApiServer, delay, Msg::Apply(Arc::new(object)));
                }
                (Output::Applied { objects: keys }, Vec::new())
            }
            Action::Delete(keys) => {
                let keys: Vec<ObjectKey> = keys.iter().map(|k| with_namespace(k, ns)).collect();
                for key in &keys {
                    self.world
                        .inject(Addr::ApiServer, delay, Msg::Delete(key.clone()));
                }
                (Output::Deleted { objects: keys }, Vec::new())
            }
            Action::Wait(Wait::Converged) => {
                self.settle(origin)?;
                (
                    Output::Waited {
                        until: self.world.now(),
                    },
                    Vec::new(),
                )
            }
            Action::Wait(Wait::For(d)) => {
                self.world
                    .run_for(*d, EVENT_BUDGET)
                    .map_err(|EventBudgetExceeded(n)| runaway(origin, n))?;
                (
                    Output::Waited {
                        until: self.world.now(),
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
                for _ in 0..curl.repeat.max(1) {
                    results.push(self.curl(&curl.request, &curl.from, ns, origin)?);
                }
                let failures =
                    crate::scenario::expect::check_curls(&self.world, curl, &results, ns);
                (Output::Curl(results), failures)
            }
            Action::Compare(compare) => {
                let mut results = Vec::new();
                for request in &compare.requests {
                    results.push(self.curl(request, &compare.from, ns, origin)?);
                }
                (Output::Compare(results), Vec::new())
            }
            Action::Fail(FaultTarget::Node(name)) | Action::Recover(FaultTarget::Node(name)) => {
                let up = matches!(action, Action::Recover(_));
                let node = self
                    .world
                    .env
                    .topology
                    .find(name)
                    .ok_or_else(|| unknown(origin, &format!("node/{name}")))?;
                self.set_node(node, up);
                (
                    Output::Fault {
                        node: name.clone(),
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

    /// Fails or recovers a compute: its agent's sessions drop (the control node withdraws its
    /// routes) and svc-monitor's health check sees it.
    fn set_node(&mut self, node: NodeId, up: bool) {
        let health = 60 * crate::sim::time::SECOND;
        let hold = 3 * crate::sim::time::SECOND;
        if let Some(Some(c)) = self.world.computes.get_mut(usize::from(node.0)) {
            if up {
                c.up = true;
                self.world
                    .inject(Addr::Compute(node, Part::Agent), 0, Msg::NodeUp(node));
                self.world
                    .inject(Addr::SvcMonitor, health, Msg::NodeUp(node));
            } else {
                c.fail();
                self.world
                    .inject(Addr::ControlNode, hold, Msg::NodeDown(node));
                self.world
                    .inject(Addr::SvcMonitor, health, Msg::NodeDown(node));
            }
        }
    }

    /// Sends one request and runs the world until it has played out.
    fn curl(
        &mut self,
        request: &CurlRequest,
        from: &Endpoint,
        ns: &str,
        origin: &Origin,
    ) -> Result<CurlResult, RunError> {
        let (to, resolve_hosts) = self.source(from, ns, origin)?;
        let destination = self.resolve(&request.url, request, resolve_hosts, ns, origin)?;
        let port = request.url.port_or_default();
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
        };
        self.world.inject(to, 0, Msg::CurlStart(Arc::new(job)));
        self.settle(origin)?;
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
        request: &CurlRequest,
        destination: Ipv4Addr,
        port: u16,
        host_header: String,
        started: Time,
    ) -> CurlResult {
        let trace = &self.world.trace;
        let response = trace
            .outcomes
            .iter()
            .rev()
            .find(|o| o.request == request_id)
            .and_then(|o| o.response.clone());
        let mut served_by = None;
        let mut dropped = None;
        let mut finished = started;
        for hop in trace.hops_of(request_id) {
            finished = finished.max(hop.at);
            for step in trace.steps_of(hop) {
                match step {
                    Step::Served { .. } => {
                        if let Component::Pod(slot) = hop.component {
                            served_by = self
                                .world
                                .compute(hop.node)
                                .and_then(|c| c.pods.get(usize::from(slot)))
                                .map(|p| p.key.clone());
                        }
                    }
                    Step::Drop(reason) => dropped = dropped.or(Some(*reason)),
                    _ => {}
                }
            }
        }
        let disposition = match (dropped, &served_by, &response) {
            (Some(reason), _, _) => reason.as_str(),
            (None, Some(_), _) => "delivered",
            (None, None, Some(r)) if r.status == 503 => "no-backend",
            (None, None, Some(r)) if r.status == 404 => "not-found",
            (None, None, Some(_)) => "answered",
            (None, None, None) => DropReason::NoFlow.as_str(),
        };
        CurlResult {
            request_id,
            from: from.clone(),
            request: request.clone(),
            destination,
            port,
            host_header,
            response,
            served_by,
            disposition,
            started,
            finished,
        }
    }

    /// Where a request starts, and whether names resolve through the internet host's /etc/hosts.
    fn source(&self, from: &Endpoint, ns: &str, origin: &Origin) -> Result<(Addr, bool), RunError> {
        match from {
            Endpoint::Pod(name) => {
                let key = ObjectKey {
                    kind: Kind::Pod,
                    namespace: ns.to_string(),
                    name: name.clone(),
                };
                self.world
                    .computes
                    .iter()
                    .flatten()
                    .find_map(|c| {
                        let slot = c.pods.iter().position(|p| p.live && p.key == key)?;
                        Some(Addr::Compute(c.id, Part::Pod(u16::try_from(slot).ok()?)))
                    })
                    .map(|a| (a, false))
                    .ok_or_else(|| unknown(origin, &format!("pod/{name} (not running)")))
            }
            Endpoint::Host(name)
                if self.world.env.topology.find(name) == Some(self.world.internet_host.id) =>
            {
                Ok((Addr::InternetHost, true))
            }
            Endpoint::Host(name) | Endpoint::Node(name) => Err(RunError(
                Diagnostic::error(
                    Some(origin.clone()),
                    format!("requests cannot start at `{name}`"),
                )
                .with_hint("send from pod/NAME or host/cent-client"),
            )),
        }
    }

    fn resolve(
        &self,
        url: &Url,
        request: &CurlRequest,
        etc_hosts: bool,
        ns: &str,
        origin: &Origin,
    ) -> Result<Ipv4Addr, RunError> {
        match &url.host {
            UrlHost::Ip(ip) => Ok(*ip),
            UrlHost::Placeholder(r) => self.address_of(r, ns).ok_or_else(|| {
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

    /// The address a placeholder names, as the cluster holds it now.
    pub fn address_of(&self, r: &AddressRef, ns: &str) -> Option<Ipv4Addr> {
        let key = ObjectKey {
            kind: r.kind,
            namespace: ns.to_string(),
            name: r.name.clone(),
        };
        let stored = self.world.apiserver.get(&key)?;
        match (r.kind, r.field) {
            (Kind::Ingress, AddressField::Vip) => self
                .world
                .kube_manager
                .loadbalancers
                .get(&key)
                .map(|lb| lb.vip),
            (Kind::Ingress, AddressField::Fip) => self
                .world
                .kube_manager
                .loadbalancers
                .get(&key)
                .and_then(|lb| lb.fip),
            (Kind::Service, AddressField::ClusterIp) => stored.status.cluster_ip,
            (Kind::Service, AddressField::ExternalIp) => {
                stored.status.load_balancer.first().copied()
            }
            (Kind::Pod, AddressField::Ip) => stored.status.pod_ip,
            _ => None,
        }
    }
}

fn with_namespace(key: &ObjectKey, ns: &str) -> ObjectKey {
    let mut key = key.clone();
    if key.namespace.is_empty() && key.kind != Kind::Namespace {
        key.namespace = ns.to_string();
    }
    key
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
