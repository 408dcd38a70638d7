//! kube-scheduler: binds each unscheduled pod to the Ready compute with the fewest pods (the
//! first in the topology's order on a tie), which spreads a Deployment's pods over the computes
//! as the default spreading priorities do. Placement is deterministic.

use std::collections::{BTreeMap, BTreeSet};

use crate::k8s::objects::{ObjectKey, Spec};
use crate::k8s::store::WatchKind;
use crate::topology::Topology;
use crate::world::msg::ApiWrite;
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg};

pub struct Scheduler {
    /// Compute names in topology order.
    names: Vec<String>,
    /// (pods bound, index) of every Ready compute: the least loaded first.
    load: BTreeSet<(usize, usize)>,
    /// Pods bound to each compute.
    counts: Vec<usize>,
    ready: Vec<bool>,
    placed: BTreeMap<ObjectKey, usize>,
    /// Pods waiting for a Ready node.
    pending: BTreeSet<ObjectKey>,
}

impl Scheduler {
    pub fn new(topology: &Topology) -> Scheduler {
        let names: Vec<String> = topology
            .computes()
            .iter()
            .map(|&n| topology.name(n).to_string())
            .collect();
        let n = names.len();
        Scheduler {
            load: (0..n).map(|i| (0, i)).collect(),
            counts: vec![0; n],
            ready: vec![true; n],
            names,
            placed: BTreeMap::new(),
            pending: BTreeSet::new(),
        }
    }

    pub fn handle(&mut self, msg: Msg, ctx: &mut Ctx) {
        let Msg::Watch(kind, stored) = msg else {
            return;
        };
        match &stored.object.spec {
            Spec::Node(_) => {
                if let Some(i) = self.index_of(&stored.object.meta.name) {
                    self.set_ready(i, stored.status.ready);
                }
                for key in std::mem::take(&mut self.pending) {
                    self.schedule(key, ctx);
                }
            }
            Spec::Pod(spec) => {
                let key = stored.key();
                match kind {
                    WatchKind::Deleted => {
                        self.pending.remove(&key);
                        self.unplace(&key);
                    }
                    WatchKind::Added | WatchKind::Modified => {
                        if self.placed.contains_key(&key) || stored.deletion.is_some() {
                            return;
                        }
                        match &spec.node_name {
                            Some(name) => {
                                if let Some(i) = self.index_of(name) {
                                    self.place(key, i);
                                }
                            }
                            None => self.schedule(key, ctx),
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    fn set_ready(&mut self, i: usize, ready: bool) {
        if self.ready.get(i) == Some(&ready) {
            return;
        }
        if let Some(r) = self.ready.get_mut(i) {
            *r = ready;
        }
        let count = self.counts.get(i).copied().unwrap_or(0);
        if ready {
            self.load.insert((count, i));
        } else {
            self.load.remove(&(count, i));
        }
    }

    fn place(&mut self, key: ObjectKey, i: usize) {
        let Some(count) = self.counts.get_mut(i) else {
            return;
        };
        if self.ready.get(i) == Some(&true) {
            self.load.remove(&(*count, i));
            self.load.insert((*count + 1, i));
        }
        *count += 1;
        self.placed.insert(key, i);
    }

    fn unplace(&mut self, key: &ObjectKey) {
        let Some(i) = self.placed.remove(key) else {
            return;
        };
        let Some(count) = self.counts.get_mut(i) else {
            return;
        };
        if self.ready.get(i) == Some(&true) {
            self.load.remove(&(*count, i));
            self.load.insert((*count - 1, i));
        }
        *count -= 1;
    }

    fn schedule(&mut self, key: ObjectKey, ctx: &mut Ctx) {
        let Some(&(_, i)) = self.load.first() else {
            if self.pending.insert(key.clone()) {
                ctx.note(
                    Actor::Scheduler,
                    What::Waiting {
                        key,
                        reason: "no Ready node: the pod stays Pending",
                    },
                );
            }
            return;
        };
        let Some(name) = self.names.get(i).cloned() else {
            return;
        };
        self.place(key.clone(), i);
        ctx.note(
            Actor::Scheduler,
            What::Scheduled {
                pod: key.clone(),
                node: name.clone(),
            },
        );
        ctx.send(
            Addr::ApiServer,
            ctx.env.delays.api_write,
            Msg::Write(ApiWrite::Bind {
                pod: key,
                node: name,
            }),
        );
    }
}
