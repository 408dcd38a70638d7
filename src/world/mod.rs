//! The world: every component of the cluster, the event queue, and the loop that delivers each
//! event to its component. Handlers act through a [`Ctx`]: messages they send go straight into
//! the queue, caused by the event being handled, unless the link they would cross is cut.

pub mod delays;
pub mod heartbeat;
pub mod msg;
pub mod network;
pub mod timeline;

use std::sync::Arc;

use crate::control::{
    ApiServer, ControlNode, ControllerManager, KubeManager, Scheduler, SvcMonitor,
};
use crate::dataplane::{Compute, Gateway, InternetHost};
use crate::routing::Rib;
use crate::scenario::model::HostsEntry;
use crate::sim::{EventId, Queue, Time, Timer};
use crate::topology::links::LinkRules;
use crate::topology::{NodeId, Role, Topology};
use crate::trace::capture::Capture;
use crate::trace::{Component, DropReason, Step, Tag, TraceLog};
pub use delays::{Delays, Timers};
pub use msg::{Addr, Fault, Msg, Part, Session, TimerKind};
use network::Network;
use timeline::{Actor, Note, What};

/// What every handler may read: the topology, the delays and timers, the seed.
pub struct Env {
    pub topology: Arc<Topology>,
    pub delays: Delays,
    pub timers: Timers,
    pub seed: u64,
    pub gateway_multipath: bool,
    /// The ingress semantics kube-manager, svc-monitor and haproxy follow (Contrail's unless
    /// the runner sets another).
    pub semantics: crate::dataplane::haproxy::Semantics,
}

impl Env {
    /// The book's lab with default delays and timers.
    pub fn book(seed: u64) -> Env {
        Env {
            topology: Arc::new(Topology::book()),
            delays: Delays::default(),
            timers: Timers::default(),
            seed,
            gateway_multipath: false,
            semantics: crate::dataplane::haproxy::Semantics::default(),
        }
    }
}

/// Link rules for handlers that cross no link (the fault layer itself).
static NO_RULES: LinkRules = LinkRules::new();

/// What a handler may do: send messages, set timers, write the timeline, record trace hops.
pub struct Ctx<'a> {
    pub now: Time,
    pub event: EventId,
    pub cause: Option<EventId>,
    /// The component handling the event.
    pub here: Addr,
    pub env: &'a Env,
    /// The agents' shared view of the control node's routes.
    pub rib: &'a Rib,
    links: &'a LinkRules,
    queue: &'a mut Queue<(Addr, Msg)>,
    pub trace: &'a mut TraceLog,
    timeline: &'a mut Vec<Note>,
}

impl Ctx<'_> {
    /// Sends `msg` to `to` after `delay`. A message that would cross a cut link is lost; a
    /// lost packet is recorded as a drop in the current hop.
    pub fn send(&mut self, to: Addr, delay: u64, msg: Msg) {
        let topology = &self.env.topology;
        if let (Some(from), Some(dest)) = (self.here.node(topology), to.node(topology))
            && !self.links.passes(from, dest)
        {
            if let Msg::Packet(..) = msg {
                self.trace.step(Step::Drop(DropReason::LinkDown));
            }
            return;
        }
        if let Msg::Packet(_, tag) = &msg {
            self.trace.request(tag.request).in_flight += 1;
        }
        self.queue.schedule(delay, Some(self.event), (to, msg));
    }

    /// Sets a timer of the handling component.
    pub fn timer(&mut self, delay: u64, kind: TimerKind) -> Timer {
        self.queue
            .schedule_timer(delay, Some(self.event), (self.here, Msg::Timer(kind)))
    }

    /// Cancels a timer that is no longer needed.
    pub fn cancel(&mut self, timer: Timer) {
        self.queue.cancel(timer);
    }

    pub fn note(&mut self, actor: Actor, what: What) {
        self.timeline.push(Note {
            at: self.now,
            event: self.event,
            cause: self.cause,
            actor,
            what,
        });
    }

    /// Opens a trace hop for the packet being handled.
    pub fn hop(&mut self, tag: Tag, node: NodeId, component: Component) {
        self.trace
            .begin(self.now, self.event, self.cause, tag, node, component);
    }

    pub fn step(&mut self, step: Step) {
        self.trace.step(step);
    }
}

/// The whole simulated cluster.
pub struct World {
    pub env: Env,
    queue: Queue<(Addr, Msg)>,
    pub trace: TraceLog,
    pub timeline: Vec<Note>,
    pub apiserver: ApiServer,
    pub scheduler: Scheduler,
    pub controllers: ControllerManager,
    pub kube_manager: KubeManager,
    pub svc_monitor: SvcMonitor,
    pub control_node: ControlNode,
    /// Indexed by node id; `None` for nodes that are not computes.
    pub computes: Vec<Option<Compute>>,
    pub gateway: Gateway,
    pub internet_host: InternetHost,
    /// What the control node last sent the agents (each agent in step reads it).
    pub rib: Rib,
    /// Which links are cut, beside the topology.
    pub links: LinkRules,
    pub network: Network,
    /// Names the scenario gave nodes (`as:` on a fault step), for its later steps.
    pub aliases: std::collections::BTreeMap<String, NodeId>,
    pub events_handled: u64,
    /// Records every packet delivery when set (`run --pcap`).
    pub capture: Option<Capture>,
}

/// A run that would not end: more events than the budget allows in one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventBudgetExceeded(pub u64);

impl World {
    pub fn new(env: Env, hosts: &[HostsEntry]) -> World {
        let seed = env.seed;
        let topology = &env.topology;
        let computes = topology
            .nodes()
            .map(|(id, node)| (node.role == Role::Compute).then(|| Compute::new(id, &env)))
            .collect();
        let apiserver = ApiServer::new(seed, topology);
        let kube_manager = KubeManager::new(seed, &apiserver);
        World {
            queue: Queue::default(),
            trace: TraceLog::default(),
            timeline: Vec::new(),
            scheduler: Scheduler::new(topology),
            controllers: ControllerManager::new(&env),
            svc_monitor: SvcMonitor::new(&env),
            control_node: ControlNode::new(&env, &kube_manager),
            rib: kube_manager.initial_rib(),
            gateway: Gateway::new(&env),
            internet_host: InternetHost::new(topology, hosts, seed),
            network: Network::new(topology),
            links: LinkRules::default(),
            aliases: Default::default(),
            apiserver,
            kube_manager,
            computes,
            env,
            events_handled: 0,
            capture: None,
        }
    }

    pub fn now(&self) -> Time {
        self.queue.now()
    }

    /// Puts a message into the world from outside (the scenario runner).
    pub fn inject(&mut self, to: Addr, delay: u64, msg: Msg) -> EventId {
        if let Msg::Packet(_, tag) = &msg {
            self.trace.request(tag.request).in_flight += 1;
        }
        self.queue.schedule(delay, None, (to, msg))
    }

    pub fn compute(&self, node: NodeId) -> Option<&Compute> {
        self.computes
            .get(usize::from(node.0))
            .and_then(Option::as_ref)
    }

    /// Whether anything is pending.
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }

    /// How many events are pending.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// The pending events, in the order they will run.
    pub fn pending_events(&self) -> Vec<&crate::sim::Event<(Addr, Msg)>> {
        self.queue.pending()
    }

    /// Moves the clock to `t` when nothing is pending before it.
    pub fn advance_to(&mut self, t: Time) {
        self.queue.advance_to(t);
    }

    /// The time of the next pending event.
    pub fn next_event(&mut self) -> Option<Time> {
        self.queue.peek_time()
    }

    /// Handles one event; false when the queue is empty.
    pub fn step(&mut self) -> bool {
        let Some(event) = self.queue.pop() else {
            return false;
        };
        self.events_handled += 1;
        let (to, msg) = event.msg;
        if let (Some(capture), Msg::Packet(packet, _)) = (&mut self.capture, &msg) {
            capture.record(event.at, to, packet, &self.env.topology, &self.computes);
        }
        if let Msg::Packet(_, tag) = &msg
            && let Some(r) = self.trace.requests.get_mut(&tag.request)
        {
            r.in_flight = r.in_flight.saturating_sub(1);
        }
        if to == Addr::Agents {
            self.rib_update(msg);
            return true;
        }
        // The handler's context, reading the link rules `$links`.
        macro_rules! ctx {
            ($links:expr) => {
                Ctx {
                    now: event.at,
                    event: event.id,
                    cause: event.cause,
                    here: to,
                    env: &self.env,
                    rib: &self.rib,
                    links: $links,
                    queue: &mut self.queue,
                    trace: &mut self.trace,
                    timeline: &mut self.timeline,
                }
            };
        }
        if to == Addr::Network {
            // The fault layer changes the link rules, so its context reads none.
            let mut ctx = ctx!(&NO_RULES);
            self.network.handle(msg, &mut self.links, &mut ctx);
            return true;
        }
        let mut ctx = ctx!(&self.links);
        match to {
            Addr::ApiServer => self.apiserver.handle(msg, &mut ctx),
            Addr::Scheduler => self.scheduler.handle(msg, &mut ctx),
            Addr::ControllerManager => self.controllers.handle(msg, &mut ctx),
            Addr::KubeManager => self.kube_manager.handle(msg, &mut ctx),
            Addr::SvcMonitor => self.svc_monitor.handle(msg, &mut ctx),
            Addr::ControlNode => self.control_node.handle(msg, &mut ctx),
            Addr::Compute(node, part) => {
                if let Some(Some(c)) = self.computes.get_mut(usize::from(node.0)) {
                    c.handle(part, msg, &mut ctx);
                }
            }
            Addr::Gateway => self.gateway.handle(msg, &mut ctx),
            Addr::InternetHost => self.internet_host.handle(msg, &mut ctx),
            Addr::Network | Addr::Agents => {}
        }
        true
    }

    /// An XMPP update from the control node, as every agent in step receives it.
    fn rib_update(&mut self, msg: Msg) {
        match msg {
            Msg::XmppRoutes { vrf, prefix, paths } => self.rib.set(&vrf, prefix, paths),
            Msg::XmppImport { vrf, from } => self.rib.import(&vrf, &from),
            Msg::XmppFlush => self.rib.clear_routes(),
            _ => {}
        }
    }

    /// Runs until nothing is pending.
    pub fn run_until_idle(&mut self, budget: u64) -> Result<(), EventBudgetExceeded> {
        self.run_while(|_| true, Time(u64::MAX), budget)
    }

    /// Runs every event up to `now + duration`, then moves the clock there.
    pub fn run_for(&mut self, duration: u64, budget: u64) -> Result<(), EventBudgetExceeded> {
        let end = self.now().plus(duration);
        self.run_while(|_| true, end, budget)?;
        self.queue.advance_to(end);
        Ok(())
    }

    /// Runs events up to `until` while `go` holds (it is asked before each event).
    pub fn run_while(
        &mut self,
        mut go: impl FnMut(&World) -> bool,
        until: Time,
        budget: u64,
    ) -> Result<(), EventBudgetExceeded> {
        let start = self.events_handled;
        while go(self) && self.queue.peek_time().is_some_and(|t| t <= until) {
            self.step();
            if self.events_handled - start > budget {
                return Err(EventBudgetExceeded(budget));
            }
        }
        Ok(())
    }
}
