//! The node lifecycle controller of Kubernetes 1.12 (without taint-based eviction). It hears a
//! kubelet's node-status updates stop or resume (see `world::heartbeat`); a node whose last
//! status is older than `node-monitor-grace-period` becomes NotReady at the next monitor tick
//! and its pods are marked not ready; after `pod-eviction-timeout` its pods are evicted
//! (deleted with reason NodeLost), unless every node is down or, in a small cluster, most are.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::k8s::objects::{ObjectKey, Spec};
use crate::k8s::store::StoredObject;
use crate::sim::{Time, Timer};
use crate::topology::NodeId;
use crate::world::heartbeat::Ticks;
use crate::world::msg::ApiWrite;
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Env, Msg, TimerKind};

/// One compute as the controller sees it.
#[derive(Debug)]
pub struct NodeHealth {
    pub name: String,
    pub ready: bool,
    /// When its kubelet posts status.
    pub posts: Ticks,
    /// The last status it is known to have posted.
    pub last_post: Time,
    timer: Option<Timer>,
}

#[derive(Debug)]
pub struct NodeLifecycle {
    pub nodes: BTreeMap<NodeId, NodeHealth>,
    /// The controller's own monitor ticks.
    monitor: Ticks,
}

impl NodeLifecycle {
    pub fn new(env: &Env) -> NodeLifecycle {
        let t = &env.timers;
        let nodes = env
            .topology
            .computes()
            .iter()
            .map(|&n| {
                let name = env.topology.name(n).to_string();
                let posts =
                    Ticks::seeded(env.seed, &format!("{name}/kubelet-status"), t.node_status);
                let health = NodeHealth {
                    name,
                    ready: true,
                    posts,
                    last_post: Time::ZERO,
                    timer: None,
                };
                (n, health)
            })
            .collect();
        NodeLifecycle {
            nodes,
            monitor: Ticks::seeded(env.seed, "node-lifecycle-controller", t.node_monitor),
        }
    }

    fn set_timer(&mut self, node: NodeId, at: Time, kind: TimerKind, ctx: &mut Ctx) {
        let timer = ctx.timer(at.0.saturating_sub(ctx.now.0), kind);
        if let Some(h) = self.nodes.get_mut(&node)
            && let Some(old) = h.timer.replace(timer)
        {
            ctx.cancel(old);
        }
    }

    /// A kubelet's status updates stop reaching the apiserver, or resume.
    pub fn path(&mut self, node: NodeId, up: bool, ctx: &mut Ctx) {
        let grace = ctx.env.timers.node_grace;
        let monitor = self.monitor;
        let Some(h) = self.nodes.get_mut(&node) else {
            return;
        };
        if up {
            if let Some(t) = h.timer.take() {
                ctx.cancel(t);
            }
            h.last_post = ctx.now;
            if !h.ready {
                let at = monitor.next_at_or_after(ctx.now);
                self.set_timer(node, at, TimerKind::NodeReady(node), ctx);
            }
            return;
        }
        h.last_post = h.posts.last_at_or_before(ctx.now);
        let at = monitor.next_at_or_after(h.last_post.plus(grace).max(ctx.now));
        let what = What::NodeSilent {
            node,
            last_status: h.last_post,
            not_ready_at: at,
        };
        ctx.note(Actor::ControllerManager, what);
        self.set_timer(node, at, TimerKind::NodeMonitor { node, evict: false }, ctx);
    }

    /// A monitor tick's verdict: the node is NotReady, or its pods are evicted.
    pub fn verdict(
        &mut self,
        node: NodeId,
        evict: bool,
        pods: &BTreeMap<ObjectKey, Arc<StoredObject>>,
        ctx: &mut Ctx,
    ) {
        let eviction = ctx.env.timers.pod_eviction;
        let monitor = self.monitor;
        let Some(h) = self.nodes.get_mut(&node) else {
            return;
        };
        h.timer = None;
        let name = h.name.clone();
        let on_node: Vec<ObjectKey> = pods
            .iter()
            .filter(|(_, p)| {
                p.deletion.is_none()
                    && matches!(&p.object.spec, Spec::Pod(s) if s.node_name.as_deref() == Some(name.as_str()))
            })
            .map(|(k, _)| k.clone())
            .collect();
        let write = ctx.env.delays.api_write;
        if !evict {
            h.ready = false;
            ctx.note(
                Actor::ControllerManager,
                What::NodeReady { node, ready: false },
            );
            let status = ApiWrite::NodeReady {
                node: name,
                ready: false,
            };
            ctx.send(Addr::ApiServer, write, Msg::Write(status));
            for pod in on_node {
                ctx.send(
                    Addr::ApiServer,
                    write,
                    Msg::Write(ApiWrite::PodNotReady(pod)),
                );
            }
            let at = monitor.next_at_or_after(h.last_post.plus(eviction).max(ctx.now));
            self.set_timer(node, at, TimerKind::NodeMonitor { node, evict: true }, ctx);
            return;
        }
        if let Some(why) = self.disruption() {
            ctx.note(Actor::ControllerManager, What::EvictionsHeld { why });
            return;
        }
        ctx.note(
            Actor::ControllerManager,
            What::Evicting {
                node,
                pods: on_node.len(),
            },
        );
        for pod in on_node {
            ctx.send(Addr::ApiServer, write, Msg::Write(ApiWrite::Evict(pod)));
        }
    }

    /// Why evictions stop: every node is down, or a small cluster (at most 50 nodes) has more
    /// than two nodes and at least 55 % of them down.
    fn disruption(&self) -> Option<&'static str> {
        let total = self.nodes.len();
        let down = self.nodes.values().filter(|h| !h.ready).count();
        if down == total {
            return Some("every node is NotReady: master disruption mode");
        }
        if total <= 50 && down > 2 && down * 100 >= total * 55 {
            return Some("most nodes of a small zone are NotReady: evictions stop");
        }
        None
    }

    /// A monitor tick sees the node's fresh status: Ready again.
    pub fn ready(&mut self, node: NodeId, ctx: &mut Ctx) {
        let Some(h) = self.nodes.get_mut(&node) else {
            return;
        };
        h.timer = None;
        h.ready = true;
        ctx.note(
            Actor::ControllerManager,
            What::NodeReady { node, ready: true },
        );
        let status = ApiWrite::NodeReady {
            node: h.name.clone(),
            ready: true,
        };
        ctx.send(
            Addr::ApiServer,
            ctx.env.delays.api_write,
            Msg::Write(status),
        );
    }
}
