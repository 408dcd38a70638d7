//! A compute node: the vRouter agent ([`agent`]), the kubelet ([`kubelet`]), the vRouter's
//! kernel tables ([`tables`]) and forwarding (`dataplane::vrouter`), and the pods and haproxy
//! processes it hosts. Its parts share the node's tables as the agent and the kernel module
//! share theirs; a packet between a pod and the vRouter is still an event (the tap), so one
//! part's handling of a packet is one trace hop.

pub mod agent;
pub mod kubelet;
pub mod tables;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;

use super::endpoint::{Client, WebServer, kernel_reset};
use super::proxy::Haproxy;
use super::vrouter::Flows;
use crate::k8s::objects::ObjectKey;
use crate::sim::rng;
use crate::topology::NodeId;
use crate::trace::{Component, DropReason, Step, Tag};
use crate::wire::{HttpResponse, Packet};
use crate::world::{Addr, Ctx, Env, Fault, Msg, Part, TimerKind};
pub use agent::Agent;
pub use kubelet::Kubelet;
pub use tables::{Fip, Tables, Vif};

/// A pod on this node: its interface, its container, and the applications in it.
#[derive(Debug)]
pub struct Pod {
    pub key: ObjectKey,
    pub ip: Ipv4Addr,
    pub vif: u32,
    /// The pod exists here (its network namespace and interface).
    pub live: bool,
    /// Its container runs: the web server listens.
    pub running: bool,
    pub restarts: u32,
    pub web: WebServer,
    pub page: Arc<HttpResponse>,
    pub client: Client,
}

/// Counters of dropped packets, by reason, as `dropstats` shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DropStats {
    pub discards: u64,
    pub invalid_label: u64,
    pub flow_unusable: u64,
    pub node_down: u64,
}

pub struct Compute {
    pub id: NodeId,
    pub name: String,
    pub address: Ipv4Addr,
    /// Powered on: a failed node runs nothing and answers nothing.
    pub powered: bool,
    pub agent: Agent,
    pub kubelet: Kubelet,
    pub tables: Tables,
    pub flows: Flows,
    pub drops: DropStats,
    /// Every pod since boot, by slot.
    pub pods: Vec<Pod>,
    /// The slot of each live pod.
    live_pods: BTreeMap<ObjectKey, u32>,
    /// Every haproxy process since boot, by slot.
    pub haproxies: Vec<Haproxy>,
    rng: ChaCha8Rng,
    /// Salt of the ECMP hash, fixed per seed.
    pub hash_salt: u64,
    next_label: u32,
    next_pid: u32,
    /// Boots since the run started: a rebooted node's streams differ from the first boot's.
    boots: u32,
}

impl Compute {
    pub fn new(id: NodeId, env: &Env) -> Compute {
        let name = env.topology.name(id).to_string();
        let mut rng = rng::stream(env.seed, &format!("{name}/vrouter-agent"));
        let next_label = 17 + rng.next_u32() % 16;
        let next_pid = 10_000 + rng.next_u32() % 20_000;
        let hash_salt = rng.next_u64();
        Compute {
            id,
            address: env.topology.node(id).address,
            powered: true,
            agent: Agent::running(id, env),
            kubelet: Kubelet::default(),
            tables: Tables::default(),
            flows: Flows::default(),
            drops: DropStats::default(),
            pods: Vec::new(),
            live_pods: BTreeMap::new(),
            haproxies: Vec::new(),
            rng,
            hash_salt,
            next_label,
            next_pid,
            boots: 0,
            name,
        }
    }

    pub fn handle(&mut self, part: Part, msg: Msg, ctx: &mut Ctx) {
        if let Msg::Fault {
            fault: Fault::Node(_),
            up,
        } = msg
        {
            self.power(up, ctx);
            return;
        }
        if !self.powered {
            if let (Part::VRouter, Msg::Packet(_, tag)) = (part, &msg) {
                ctx.hop(*tag, self.id, Component::VRouter);
                ctx.step(Step::Drop(DropReason::NodeDown));
                self.drops.node_down += 1;
            }
            return;
        }
        match (part, msg) {
            (Part::VRouter, Msg::Packet(packet, tag)) => self.forward(packet, tag, ctx),
            (Part::Pod(slot), Msg::Packet(packet, tag)) => self.pod_packet(slot, &packet, tag, ctx),
            (Part::Pod(slot), Msg::CurlStart(job)) => self.pod_curl(slot, job, ctx),
            (Part::Pod(slot), Msg::Timer(kind)) => self.pod_timer(slot, kind, ctx),
            (Part::Haproxy(slot), Msg::Packet(packet, tag)) => {
                self.haproxy_packet(slot, &packet, tag, ctx)
            }
            (Part::Haproxy(slot), Msg::Timer(kind)) => self.haproxy_timer(slot, kind, ctx),
            (Part::Kubelet, msg) => self.kubelet(msg, ctx),
            (Part::Agent, msg) => self.agent(msg, ctx),
            _ => {}
        }
    }

    /// The node loses power (everything stops, the kernel's tables are gone) or boots again:
    /// the agent and the kubelet start afresh and the agent dials the control node.
    fn power(&mut self, up: bool, ctx: &mut Ctx) {
        if up == self.powered {
            return;
        }
        self.powered = up;
        self.live_pods.clear();
        for p in &mut self.pods {
            p.live = false;
            p.running = false;
            p.web.stop(ctx);
        }
        for h in &mut self.haproxies {
            h.stop(ctx);
            h.vif = tables::NO_VIF;
        }
        self.tables = Tables::default();
        self.flows = Flows::default();
        if up {
            self.boots += 1;
            self.tables.learned = tables::Learned::Kept(Default::default());
            self.agent = Agent::starting(self.id, ctx);
            self.kubelet = Kubelet::default();
            self.kubelet_start(ctx);
        } else {
            self.agent.stop(ctx);
            self.kubelet.stop();
        }
    }

    /// The stream of an application started now (names differ per boot).
    fn app_rng(&self, ctx: &Ctx, what: &str) -> ChaCha8Rng {
        rng::stream(
            ctx.env.seed,
            &format!("{}/{what}/boot{}", self.name, self.boots),
        )
    }

    /// The slot of the live pod `key`.
    fn live_pod(&self, key: &ObjectKey) -> Option<usize> {
        self.live_pods.get(key).map(|&slot| slot as usize)
    }

    fn allocate_label(&mut self) -> u32 {
        let label = self.next_label;
        self.next_label += 1;
        label
    }

    fn pod_curl(&mut self, slot: u32, job: Arc<crate::world::msg::CurlJob>, ctx: &mut Ctx) {
        let id = self.id;
        let Some(pod) = self.pods.get_mut(slot as usize).filter(|p| p.live) else {
            return;
        };
        let tag = Tag {
            request: job.request_id,
            conn: 0,
            packet: 0,
        };
        ctx.hop(tag, id, Component::Pod(slot));
        let tap = ctx.env.delays.tap;
        pod.client
            .start(job, pod.ip, ctx, &mut |p, t, ctx: &mut Ctx| {
                ctx.send(Addr::Compute(id, Part::VRouter), tap, Msg::Packet(p, t));
            });
    }

    fn pod_packet(&mut self, slot: u32, packet: &Packet, tag: Tag, ctx: &mut Ctx) {
        let id = self.id;
        ctx.hop(tag, id, Component::Pod(slot));
        let Some(pod) = self.pods.get_mut(slot as usize).filter(|p| p.live) else {
            return;
        };
        let tap = ctx.env.delays.tap;
        let server = ctx.env.delays.server;
        let mut emit = |p: Packet, t: Tag, ctx: &mut Ctx| {
            let delay = if p.payload.is_empty() {
                tap
            } else {
                tap + server
            };
            ctx.send(Addr::Compute(id, Part::VRouter), delay, Msg::Packet(p, t));
        };
        if pod.client.receive(packet, tag, ctx, &mut emit) {
            return;
        }
        let listening = pod.running && packet.key.dport == 80;
        match pod
            .web
            .receive(packet, tag, listening, &pod.page, ctx, &mut emit)
        {
            None => kernel_reset(packet, tag, ctx, &mut emit),
            Some(true) => ctx.trace.request(tag.request).served_by = Some((id, slot)),
            Some(false) => {}
        }
    }

    fn pod_timer(&mut self, slot: u32, kind: TimerKind, ctx: &mut Ctx) {
        let id = self.id;
        let Some(pod) = self.pods.get_mut(slot as usize).filter(|p| p.live) else {
            return;
        };
        let tap = ctx.env.delays.tap;
        let mut emit = |p: Packet, t: Tag, ctx: &mut Ctx| {
            ctx.send(Addr::Compute(id, Part::VRouter), tap, Msg::Packet(p, t));
        };
        match kind {
            TimerKind::Tcp { key } => {
                let Some(tag) = pod.client.tag_of(key).or_else(|| pod.web.tag_of(key)) else {
                    return;
                };
                ctx.hop(tag, id, Component::Pod(slot));
                if !pod.client.tcp_timer(key, ctx, &mut emit) {
                    pod.web.tcp_timer(key, ctx, &mut emit);
                }
            }
            TimerKind::Curl { request } => {
                let Some(tag) = pod.client.tag_of_request(request) else {
                    return;
                };
                ctx.hop(tag, id, Component::Pod(slot));
                pod.client.curl_timer(request, ctx, &mut emit);
            }
            _ => {}
        }
    }

    fn haproxy_packet(&mut self, slot: u32, packet: &Packet, tag: Tag, ctx: &mut Ctx) {
        let id = self.id;
        ctx.hop(tag, id, Component::Haproxy(slot));
        let tap = ctx.env.delays.tap;
        let proxy = ctx.env.delays.proxy;
        let mut emit = |p: Packet, t: Tag, ctx: &mut Ctx| {
            ctx.send(
                Addr::Compute(id, Part::VRouter),
                tap + proxy,
                Msg::Packet(p, t),
            );
        };
        let accepted = self
            .haproxies
            .get_mut(slot as usize)
            .filter(|h| h.running)
            .is_some_and(|h| h.receive(packet, tag, ctx, &mut emit));
        if !accepted {
            kernel_reset(packet, tag, ctx, &mut emit);
        }
    }

    fn haproxy_timer(&mut self, slot: u32, kind: TimerKind, ctx: &mut Ctx) {
        let id = self.id;
        let tap = ctx.env.delays.tap;
        let Some(h) = self.haproxies.get_mut(slot as usize).filter(|h| h.running) else {
            return;
        };
        let tag = match &kind {
            TimerKind::Tcp { key } | TimerKind::Haproxy { front: key } => h.tag_of(*key),
            _ => None,
        };
        let Some(tag) = tag else {
            return;
        };
        ctx.hop(tag, id, Component::Haproxy(slot));
        let mut emit = |p: Packet, t: Tag, ctx: &mut Ctx| {
            ctx.send(Addr::Compute(id, Part::VRouter), tap, Msg::Packet(p, t));
        };
        match kind {
            TimerKind::Tcp { key } => h.tcp_timer(key, ctx, &mut emit),
            TimerKind::Haproxy { front } => h.timer(front, ctx, &mut emit),
            _ => {}
        }
    }

    /// The files this node holds: haproxy.conf and haproxy.pid of each running haproxy.
    pub fn files(&self) -> Vec<(String, String)> {
        let mut files = Vec::new();
        for h in self.haproxies.iter().filter(|h| h.running) {
            let dir = format!(
                "/var/lib/contrail/loadbalancer/haproxy/{}",
                h.instance.lb_uuid
            );
            files.push((format!("{dir}/haproxy.conf"), h.instance.conf.to_string()));
            files.push((format!("{dir}/haproxy.pid"), format!("{}\n", h.pid)));
        }
        files.sort();
        files
    }
}
