//! The world: every component of the cluster, the event queue, and the loop that delivers each
//! event to its component. Handlers act through a [`Ctx`]: messages they send go straight into
//! the queue, caused by the event being handled.

pub mod delays;
pub mod msg;
pub mod timeline;

use crate::control::{
    ApiServer, ControlNode, ControllerManager, KubeManager, Scheduler, SvcMonitor,
};
use crate::dataplane::{Compute, Gateway, InternetHost};
use crate::scenario::model::HostsEntry;
use crate::sim::{EventId, Queue, Time};
use crate::topology::{NodeId, Role, Topology};
use crate::trace::{Component, Step, Tag, TraceLog};
pub use delays::Delays;
pub use msg::{Addr, Msg, Part};
use timeline::{Actor, Note, What};

/// What every handler may read: the testbed, the delays, the seed.
pub struct Env {
    pub topology: Topology,
    pub delays: Delays,
    pub seed: u64,
    pub gateway_multipath: bool,
    /// The ingress semantics kube-manager, svc-monitor and haproxy follow (Contrail's unless
    /// the runner sets another).
    pub semantics: crate::dataplane::haproxy::Semantics,
}

/// What a handler may do: send messages, write the timeline, record trace hops.
pub struct Ctx<'a> {
    pub now: Time,
    pub event: EventId,
    pub cause: Option<EventId>,
    pub env: &'a Env,
    queue: &'a mut Queue<(Addr, Msg)>,
    pub trace: &'a mut TraceLog,
    timeline: &'a mut Vec<Note>,
}

impl Ctx<'_> {
    pub fn send(&mut self, to: Addr, delay: u64, msg: Msg) {
        self.queue.schedule(delay, Some(self.event), (to, msg));
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
    pub events_handled: u64,
}

/// A run that would not end: more events than the budget allows in one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventBudgetExceeded(pub u64);

impl World {
    pub fn new(seed: u64, delays: Delays, hosts: &[HostsEntry], gateway_multipath: bool) -> World {
        let topology = Topology::book();
        let computes = (0..topology.nodes.len())
            .map(|i| {
                let id = NodeId(u8::try_from(i).unwrap_or(u8::MAX));
                (topology.node(id).role == Role::Compute).then(|| Compute::new(id, &topology, seed))
            })
            .collect();
        let env = Env {
            topology,
            delays,
            seed,
            gateway_multipath,
            semantics: crate::dataplane::haproxy::Semantics::default(),
        };
        let apiserver = ApiServer::new(seed);
        let mut kube_manager = KubeManager::new(seed);
        for ns in apiserver.list(crate::k8s::objects::Kind::Namespace) {
            kube_manager.know_namespace(ns.clone());
        }
        World {
            queue: Queue::default(),
            trace: TraceLog::default(),
            timeline: Vec::new(),
            apiserver,
            scheduler: Scheduler::new(&env.topology),
            controllers: ControllerManager::new(seed),
            kube_manager,
            svc_monitor: SvcMonitor::new(seed, &env.topology),
            control_node: ControlNode::default(),
            gateway: Gateway::new(&env.topology),
            internet_host: InternetHost::new(&env.topology, hosts, seed),
            computes,
            env,
            events_handled: 0,
        }
    }

    pub fn now(&self) -> Time {
        self.queue.now()
    }

    /// Puts a message into the world from outside (the scenario runner).
    pub fn inject(&mut self, to: Addr, delay: u64, msg: Msg) -> EventId {
        self.queue.schedule(delay, None, (to, msg))
    }

    pub fn compute(&self, node: NodeId) -> Option<&Compute> {
        self.computes
            .get(usize::from(node.0))
            .and_then(Option::as_ref)
    }

    /// Handles one event; false when the queue is empty.
    pub fn step(&mut self) -> bool {
        let Some(event) = self.queue.pop() else {
            return false;
        };
        let (to, msg) = event.msg;
        let mut ctx = Ctx {
            now: event.at,
            event: event.id,
            cause: event.cause,
            env: &self.env,
            queue: &mut self.queue,
            trace: &mut self.trace,
            timeline: &mut self.timeline,
        };
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
        }
        self.events_handled += 1;
        true
    }

    /// Runs until nothing is pending.
    pub fn run_until_idle(&mut self, budget: u64) -> Result<(), EventBudgetExceeded> {
        let start = self.events_handled;
        while self.step() {
            if self.events_handled - start > budget {
                return Err(EventBudgetExceeded(budget));
            }
        }
        Ok(())
    }

    /// Runs every event up to `now + duration`, then moves the clock there.
    pub fn run_for(&mut self, duration: u64, budget: u64) -> Result<(), EventBudgetExceeded> {
        let end = self.now().plus(duration);
        let start = self.events_handled;
        while self.queue.peek_time().is_some_and(|t| t <= end) {
            self.step();
            if self.events_handled - start > budget {
                return Err(EventBudgetExceeded(budget));
            }
        }
        self.queue.advance_to(end);
        Ok(())
    }
}
