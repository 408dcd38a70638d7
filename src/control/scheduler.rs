//! kube-scheduler: binds each unscheduled pod to the compute with the fewest pods (the first
//! such compute in the topology's order on a tie), so placement is deterministic.

use std::collections::BTreeMap;

use crate::k8s::objects::ObjectKey;
use crate::k8s::objects::Spec;
use crate::k8s::store::WatchKind;
use crate::topology::Topology;
use crate::world::msg::ApiWrite;
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg};

pub struct Scheduler {
    /// Compute names in topology order, with the pods bound to each.
    nodes: Vec<(String, Vec<ObjectKey>)>,
    placed: BTreeMap<ObjectKey, usize>,
}

impl Scheduler {
    pub fn new(topology: &Topology) -> Scheduler {
        let nodes = topology
            .computes()
            .iter()
            .map(|&n| (topology.name(n).to_string(), Vec::new()))
            .collect();
        Scheduler {
            nodes,
            placed: BTreeMap::new(),
        }
    }

    pub fn handle(&mut self, msg: Msg, ctx: &mut Ctx) {
        let Msg::Watch(kind, stored) = msg else {
            return;
        };
        let Spec::Pod(spec) = &stored.object.spec else {
            return;
        };
        let key = stored.key();
        match kind {
            WatchKind::Deleted => {
                if let Some(i) = self.placed.remove(&key)
                    && let Some((_, pods)) = self.nodes.get_mut(i)
                {
                    pods.retain(|p| p != &key);
                }
            }
            WatchKind::Added | WatchKind::Modified => {
                if self.placed.contains_key(&key) {
                    return;
                }
                let chosen = match &spec.node_name {
                    Some(name) => self.nodes.iter().position(|(n, _)| n == name),
                    None => self
                        .nodes
                        .iter()
                        .enumerate()
                        .min_by_key(|(i, (_, pods))| (pods.len(), *i))
                        .map(|(i, _)| i),
                };
                let Some(i) = chosen else { return };
                let Some((name, pods)) = self.nodes.get_mut(i) else {
                    return;
                };
                pods.push(key.clone());
                self.placed.insert(key.clone(), i);
                if spec.node_name.is_none() {
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
                            node: name.clone(),
                        }),
                    );
                }
            }
        }
    }
}
