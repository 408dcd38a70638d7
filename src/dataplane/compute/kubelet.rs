//! The kubelet: it runs the containers of the pods bound to its node once their interface is
//! plumbed (the CNI call to the vRouter agent), reports their status, restarts a container
//! that exits (10 s back-off doubling to five minutes), and confirms a deleted pod's end. A
//! container that keeps exiting is not replayed restart by restart: its restarts follow the
//! back-off schedule and are counted when shown (see `world::heartbeat`).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Compute;
use crate::k8s::objects::{ObjectKey, Spec};
use crate::k8s::store::{StoredObject, WatchKind};
use crate::sim::Time;
use crate::sim::time::SECOND;
use crate::world::msg::ApiWrite;
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Fault, Msg, TimerKind};

/// The longest back-off between restarts of a container that keeps exiting.
pub const MAX_BACKOFF: u64 = 300 * SECOND;

/// A pod bound to this node, as the kubelet knows it.
#[derive(Clone, Debug)]
pub struct Bound {
    pub stored: Arc<StoredObject>,
    pub interface_ready: bool,
    /// The container was started (or is starting).
    pub started: bool,
    /// The container keeps exiting since then (a `pod/NAME` fault).
    pub crashing: Option<Time>,
}

#[derive(Clone, Debug, Default)]
pub struct Kubelet {
    pub pods: BTreeMap<ObjectKey, Bound>,
}

impl Kubelet {
    pub fn stop(&mut self) {
        self.pods.clear();
    }
}

/// The restart attempts of a container that started exiting at `since`: at `since`, then
/// after `backoff`, twice that, ... up to [`MAX_BACKOFF`] apart. Returns how many happened
/// by `t` and when the next one comes.
pub fn restart_attempts(since: Time, backoff: u64, t: Time) -> (u32, Time) {
    let (mut at, mut wait, mut n) = (since, backoff.max(1), 0u32);
    while at <= t {
        n += 1;
        at = at.plus(wait);
        wait = wait.saturating_mul(2).min(MAX_BACKOFF);
    }
    (n, at)
}

impl Compute {
    /// The kubelet starts with its node: it asks for the pods bound to it.
    pub(super) fn kubelet_start(&mut self, ctx: &mut Ctx) {
        let list = Msg::ListPods { node: self.id };
        ctx.send(Addr::ApiServer, ctx.env.delays.watch, list);
    }

    pub(super) fn kubelet(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::Watch(kind, stored) => self.pod_event(kind, stored, ctx),
            Msg::PodList(list) => {
                for stored in list {
                    self.pod_event(WatchKind::Added, stored, ctx);
                }
            }
            Msg::InterfaceReady { pod } => {
                if let Some(b) = self.kubelet.pods.get_mut(&pod) {
                    b.interface_ready = true;
                }
                self.maybe_start(&pod, ctx);
            }
            Msg::Timer(TimerKind::Container { slot, restart }) => {
                self.container_up(slot, restart, ctx)
            }
            Msg::Fault {
                fault: Fault::Pod { pod, .. },
                up,
            } => self.pod_fault(&pod, up, ctx),
            _ => {}
        }
    }

    fn pod_event(&mut self, kind: WatchKind, stored: Arc<StoredObject>, ctx: &mut Ctx) {
        let key = stored.key();
        if kind == WatchKind::Deleted {
            self.kubelet.pods.remove(&key);
            return;
        }
        if stored.deletion.is_some() {
            // Graceful deletion: stop the container, then confirm the pod is gone.
            self.kubelet.pods.remove(&key);
            if let Some(p) = self.live_pod(&key).and_then(|slot| self.pods.get_mut(slot)) {
                p.running = false;
                p.web.stop(ctx);
            }
            let gone = Msg::Write(ApiWrite::Gone(key));
            ctx.send(Addr::ApiServer, ctx.env.delays.api_write, gone);
            return;
        }
        let ready = self.live_pod(&key).is_some();
        let entry = self.kubelet.pods.entry(key.clone()).or_insert(Bound {
            stored: stored.clone(),
            interface_ready: ready,
            started: false,
            crashing: None,
        });
        entry.stored = stored;
        self.maybe_start(&key, ctx);
    }

    /// Starts the container once the pod is bound here and its interface is plumbed.
    fn maybe_start(&mut self, key: &ObjectKey, ctx: &mut Ctx) {
        let slot = self.live_pod(key);
        let Some(b) = self.kubelet.pods.get_mut(key) else {
            return;
        };
        if b.started || !b.interface_ready {
            return;
        }
        let Some(slot) = slot else {
            return;
        };
        b.started = true;
        let restart = b.stored.status.pod_ip.is_some();
        let start = ctx.env.delays.process_start;
        ctx.timer(
            start,
            TimerKind::Container {
                slot: slot as u32,
                restart,
            },
        );
    }

    /// A container is up: its web server listens and the pod is ready.
    fn container_up(&mut self, slot: u32, restart: bool, ctx: &mut Ctx) {
        let Some(pod) = self.pods.get_mut(slot as usize).filter(|p| p.live) else {
            return;
        };
        let Some(b) = self.kubelet.pods.get_mut(&pod.key) else {
            return;
        };
        if b.crashing.is_some() {
            return;
        }
        pod.running = true;
        if restart {
            pod.restarts = b.stored.status.restarts + 1;
        }
        let key = pod.key.clone();
        ctx.note(
            Actor::Kubelet(self.id),
            What::ContainerStarted {
                pod: key.clone(),
                restarts: pod.restarts,
            },
        );
        let status = ApiWrite::PodStatus {
            pod: key,
            ip: Some(pod.ip),
            running: true,
            ready: true,
            restarts: pod.restarts,
            crash_since: None,
        };
        ctx.send(
            Addr::ApiServer,
            ctx.env.delays.api_write,
            Msg::Write(status),
        );
    }

    /// `pod/NAME`: the container exits and keeps exiting (CrashLoopBackOff) until recovered;
    /// then it starts at its next restart attempt.
    fn pod_fault(&mut self, key: &ObjectKey, up: bool, ctx: &mut Ctx) {
        let Some(slot) = self.live_pod(key) else {
            return;
        };
        let Some(b) = self.kubelet.pods.get_mut(key) else {
            return;
        };
        let backoff = ctx.env.timers.restart_backoff;
        let Some(pod) = self.pods.get_mut(slot) else {
            return;
        };
        match (up, b.crashing) {
            (false, None) => {
                b.crashing = Some(ctx.now);
                pod.running = false;
                pod.web.stop(ctx);
                ctx.note(
                    Actor::Kubelet(self.id),
                    What::ContainerExited { pod: key.clone() },
                );
                let status = ApiWrite::PodStatus {
                    pod: key.clone(),
                    ip: Some(pod.ip),
                    running: false,
                    ready: false,
                    restarts: pod.restarts,
                    crash_since: Some(ctx.now),
                };
                ctx.send(
                    Addr::ApiServer,
                    ctx.env.delays.api_write,
                    Msg::Write(status),
                );
            }
            (true, Some(since)) => {
                b.crashing = None;
                let (done, next) = restart_attempts(since, backoff, ctx.now);
                // The failed attempts so far count as restarts; the next one succeeds.
                pod.restarts += done;
                b.stored = Arc::new(StoredObject {
                    status: crate::k8s::store::Status {
                        restarts: pod.restarts,
                        ..b.stored.status.clone()
                    },
                    ..(*b.stored).clone()
                });
                let start = ctx.env.delays.process_start;
                ctx.timer(
                    next.0 - ctx.now.0 + start,
                    TimerKind::Container {
                        slot: slot as u32,
                        restart: true,
                    },
                );
            }
            _ => {}
        }
    }
}

/// Whether a stored pod's spec binds it to `node`.
pub fn bound_to(stored: &StoredObject, node: &str) -> bool {
    matches!(&stored.object.spec, Spec::Pod(p) if p.node_name.as_deref() == Some(node))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_back_off_from_ten_seconds_to_five_minutes() {
        let s = Time::ZERO;
        let b = 10 * SECOND;
        assert_eq!(restart_attempts(s, b, Time(0)), (1, Time(10 * SECOND)));
        assert_eq!(
            restart_attempts(s, b, Time(35 * SECOND)),
            (3, Time(70 * SECOND))
        );
        // 0, 10, 30, 70, 150, 310, 610, 910 ...
        let (n, next) = restart_attempts(s, b, Time(700 * SECOND));
        assert_eq!((n, next), (7, Time(910 * SECOND)));
    }
}
