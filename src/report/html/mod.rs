//! `run --report DIR` writes `DIR/index.html`: one self-contained page to step through a run
//! as a class would. A [`Collector`] rides along the run as a [`Sink`] (so each step's route
//! tables and each request's haproxy.conf are read as they were then), and [`Collector::page`]
//! writes the page: the collected [`model::Page`] as JSON inside the HTML, with the inline
//! script (`js/`, plain JavaScript, one file a view) and style (`page.css`) that lay it out.
//! Nothing is fetched: the page opens from `file://`, and its state (step, request, packet,
//! hop, event) lives in the URL fragment, so every view can be opened directly.

pub mod model;
mod packets;
mod rule;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::rc::Rc;

use model::{
    ComputeView, EventView, Labelled, Machine, Page, RequestSummary, RequestView, StepView, Testbed,
};

use super::names::hop_name;
use super::text::{Text, endpoint, step_title};
use crate::scenario::model::{Action, Scenario, Show};
use crate::scenario::run::{CurlResult, Output, Sink, StepResult};
use crate::topology::NodeId;
use crate::trace::{Component, Step};
use crate::world::World;

const TEMPLATE: &str = include_str!("page.html");
const STYLE: &str = include_str!("page.css");
/// The script, one file a view, in the order they are concatenated (helpers first, the start
/// last).
const SCRIPT: [&str; 7] = [
    include_str!("js/base.js"),
    include_str!("js/page.js"),
    include_str!("js/testbed.js"),
    include_str!("js/request.js"),
    include_str!("js/haproxy.js"),
    include_str!("js/control.js"),
    include_str!("js/start.js"),
];

/// Collects what the page shows while the run goes.
pub struct Collector<'a> {
    scenario: &'a Scenario,
    text: Text<'a, Shared>,
    written: Shared,
    page: Page,
    /// The current step's traced requests, and how many it had.
    traced: Vec<RequestView>,
    requests: usize,
    tables: BTreeMap<String, usize>,
    /// Per compute, every pod and haproxy it held at the end of any step.
    pods: BTreeMap<NodeId, BTreeSet<Labelled>>,
    haproxies: BTreeMap<NodeId, BTreeSet<Labelled>>,
}

/// A buffer the text renderer writes into while the collector reads it.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn take(&self) -> String {
        String::from_utf8_lossy(&std::mem::take(&mut *self.0.borrow_mut())).into_owned()
    }
}

impl<'a> Collector<'a> {
    pub fn new(scenario: &'a Scenario, seed: u64) -> Collector<'a> {
        let written = Shared::default();
        let text = Text::new(scenario, seed, false, written.clone());
        written.take();
        Collector {
            scenario,
            text,
            written,
            page: Page {
                scenario: scenario.name.clone(),
                description: scenario.description.clone(),
                seed,
                semantics: scenario.semantics.as_str(),
                kinds: crate::report::charts::timeline::KINDS
                    .iter()
                    .map(|(name, _)| *name)
                    .collect(),
                ..Page::default()
            },
            traced: Vec::new(),
            requests: 0,
            tables: BTreeMap::new(),
            pods: BTreeMap::new(),
            haproxies: BTreeMap::new(),
        }
    }

    /// The page, once the run is over.
    pub fn page(mut self, world: &World) -> String {
        self.page.testbed = self.testbed(world);
        let json = serde_json::to_string(&self.page).unwrap_or_else(|_| "{}".to_string());
        // Inside <script>, `<` may only appear escaped: `</script>` would end it.
        let json = json.replace('<', "\\u003c");
        TEMPLATE
            .replace("{{TITLE}}", &html_escape(&self.page.scenario))
            .replace("{{STYLE}}", STYLE)
            .replace("{{SCRIPT}}", &SCRIPT.join("\n"))
            .replace("{{DATA}}", &json)
    }

    fn table(&mut self, text: String) -> usize {
        let next = self.tables.len();
        *self.tables.entry(text.clone()).or_insert_with(|| {
            self.page.tables.push(text);
            next
        })
    }

    /// Notes the pods and haproxy processes each compute holds now; returns those running and
    /// the computes that are down.
    fn survey(&mut self, world: &World) -> (Vec<String>, Vec<String>) {
        let (mut present, mut down) = (Vec::new(), Vec::new());
        for c in world.computes.iter().flatten() {
            if !c.powered {
                down.push(c.name.clone());
            }
            present.extend(
                c.pods
                    .iter()
                    .filter(|p| p.live && p.running)
                    .map(|p| format!("{}/{}", c.name, p.key.name)),
            );
            if c.haproxies.iter().any(|h| h.running) {
                present.push(format!("{}/haproxy", c.name));
            }
            let pods = self.pods.entry(c.id).or_default();
            for p in c.pods.iter().filter(|p| p.live) {
                pods.insert(Labelled {
                    name: p.key.name.to_string(),
                    detail: p.ip.to_string(),
                });
            }
            let haproxies = self.haproxies.entry(c.id).or_default();
            for h in &c.haproxies {
                let role = if h.instance.index == 0 {
                    "active"
                } else {
                    "standby"
                };
                haproxies.insert(Labelled {
                    name: format!("haproxy ingress/{}", h.instance.ingress.name),
                    detail: format!("{role}, VIP {}", h.instance.vip),
                });
            }
        }
        (present, down)
    }

    fn testbed(&self, world: &World) -> Testbed {
        let topology = &world.env.topology;
        let machine = |id: NodeId, role: &str| {
            let node = topology.node(id);
            Machine {
                name: node.name.clone(),
                address: node.address.to_string(),
                role: role.to_string(),
            }
        };
        let listed = |map: &BTreeMap<NodeId, BTreeSet<Labelled>>, id| {
            map.get(&id)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default()
        };
        Testbed {
            host: machine(topology.internet_host(), "internet host"),
            gateway: machine(topology.gateway(), "gateway, VRF k8s-test"),
            control: machine(
                topology.master(),
                "kube-apiserver, contrail-kube-manager, svc-monitor, control node",
            ),
            computes: topology
                .computes()
                .iter()
                .map(|&id| {
                    let node = topology.node(id);
                    ComputeView {
                        name: node.name.clone(),
                        address: node.address.to_string(),
                        pods: listed(&self.pods, id),
                        haproxies: listed(&self.haproxies, id),
                    }
                })
                .collect(),
        }
    }
}

impl Sink for Collector<'_> {
    fn request(&mut self, world: &World, step: usize, r: &CurlResult) {
        self.text.request(world, step, r);
        let compare = self
            .scenario
            .steps
            .get(step)
            .is_some_and(|s| matches!(s.action, Action::Compare(_)));
        let from = endpoint(&r.from, &self.scenario.namespace);
        if compare || self.requests == 0 {
            self.traced
                .push(packets::request_view(world, r, from.clone()));
        }
        self.requests += 1;
        self.page.requests.push(summary(world, step, r, from));
    }

    fn step(&mut self, world: &World, step: &StepResult) {
        self.text.step(world, step);
        let text = self.written.take();
        let first_event = self.page.events.len();
        for n in world.timeline.get(step.notes.clone()).unwrap_or_default() {
            let (kind, removes) = crate::report::charts::timeline::kind(&n.what);
            self.page.events.push(EventView {
                id: n.event.0,
                cause: n.cause.map(|c| c.0),
                at_ns: n.at.0,
                who: super::timeline::actor_name(world, n.actor),
                what: super::timeline::describe(world, &n.what),
                kind,
                removes,
            });
        }
        let ns = &self.scenario.namespace;
        let show = |what| super::show::render(world, &what, ns).unwrap_or_default();
        let gateway_routes = self.table(show(Show::GatewayRoutes { detail: false }));
        let control_routes = self.table(show(Show::ControlRoutes));
        let (present, down) = self.survey(world);
        self.page.steps.push(StepView {
            present,
            down,
            number: step.index + 1,
            origin: format!("{}:{}", step.origin.file, step.origin.line),
            title: step_title(self.scenario, step),
            kind: kind(&step.output),
            at_ns: step.started.0,
            until_ns: step.ended.0,
            text,
            traced: std::mem::take(&mut self.traced),
            request_count: std::mem::take(&mut self.requests),
            first_event,
            end_event: self.page.events.len(),
            gateway_routes,
            control_routes,
            failures: step
                .failures
                .iter()
                .map(|f| format!("{}: expected {}, got {}", f.what, f.expected, f.actual))
                .collect(),
            fault_up: match &step.output {
                Output::Fault { up, .. } => Some(*up),
                _ => None,
            },
        });
    }
}

fn kind(output: &Output) -> &'static str {
    match output {
        Output::Applied { .. } => "apply",
        Output::Deleted { .. } => "delete",
        Output::Waited { .. } => "wait",
        Output::Shown { .. } => "show",
        Output::Curl(_) => "curl",
        Output::Compare(_) => "compare",
        Output::Fault { up: false, .. } => "fail",
        Output::Fault { up: true, .. } => "recover",
        Output::Hosts { .. } => "hosts",
    }
}

fn summary(world: &World, step: usize, r: &CurlResult, from: String) -> RequestSummary {
    let hops = || world.trace.hops_of(r.request_id);
    let haproxy = hops()
        .find(|h| matches!(h.component, Component::Haproxy(_)))
        .map(|h| hop_name(world, h.node, h.component));
    let server_node = hops()
        .find(|h| {
            world
                .trace
                .steps_of(h)
                .iter()
                .any(|s| matches!(s, Step::Served { .. }))
        })
        .map(|h| world.env.topology.name(h.node).to_string());
    let count = |want: fn(&Step) -> bool| {
        hops()
            .flat_map(|h| world.trace.steps_of(h))
            .filter(|s| want(s))
            .count()
    };
    RequestSummary {
        retransmissions: count(|s| matches!(s, Step::Retransmit { .. })),
        proxy_retries: count(|s| matches!(s, Step::ProxyRetry { .. })),
        id: r.request_id,
        step: step + 1,
        curl: r.request.raw.clone(),
        from,
        at_ns: r.started.0,
        end_ns: r.finished.0,
        status: r.response.as_ref().map(|x| x.status),
        disposition: r.disposition,
        served_by: r.served_by.as_ref().map(|p| format!("pod/{}", p.name)),
        server_node,
        haproxy,
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
