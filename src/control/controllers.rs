//! kube-controller-manager: the Deployment controller (pods from the template, ReplicaSet style)
//! and the Endpoints controller (ready pods selected by each Service).

use std::collections::BTreeMap;
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;

use crate::k8s::objects::ObjectKey;
use crate::k8s::objects::{Labels, Meta, Object, Spec};
use crate::k8s::store::{Endpoints, StoredObject, WatchKind};
use crate::sim::rng;
use crate::world::msg::ApiWrite;
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg};

pub struct ControllerManager {
    rng: ChaCha8Rng,
    pods: BTreeMap<ObjectKey, Arc<StoredObject>>,
    services: BTreeMap<ObjectKey, Arc<StoredObject>>,
    /// Deployment → (pod-template-hash, its pods).
    deployments: BTreeMap<ObjectKey, (String, Vec<ObjectKey>)>,
    endpoints: BTreeMap<ObjectKey, Endpoints>,
}

/// The alphabet Kubernetes uses for generated name suffixes.
const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

impl ControllerManager {
    pub fn new(seed: u64) -> ControllerManager {
        ControllerManager {
            rng: rng::stream(seed, "kube-controller-manager"),
            pods: BTreeMap::new(),
            services: BTreeMap::new(),
            deployments: BTreeMap::new(),
            endpoints: BTreeMap::new(),
        }
    }

    pub fn handle(&mut self, msg: Msg, ctx: &mut Ctx) {
        let Msg::Watch(kind, stored) = msg else {
            return;
        };
        let key = stored.key();
        match &stored.object.spec {
            Spec::Deployment(_) => self.reconcile_deployment(kind, &stored, ctx),
            Spec::Pod(_) => {
                if kind == WatchKind::Deleted {
                    self.pods.remove(&key);
                } else {
                    self.pods.insert(key, stored.clone());
                }
                self.sync_endpoints(ctx);
            }
            Spec::Service(_) => {
                if kind == WatchKind::Deleted {
                    self.services.remove(&key);
                    self.endpoints.remove(&key);
                } else {
                    self.services.insert(key, stored.clone());
                }
                self.sync_endpoints(ctx);
            }
            _ => {}
        }
    }

    fn suffix(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(ALPHANUMS[(self.rng.next_u32() as usize) % ALPHANUMS.len()]))
            .collect()
    }

    fn reconcile_deployment(&mut self, kind: WatchKind, stored: &StoredObject, ctx: &mut Ctx) {
        let key = stored.key();
        let Spec::Deployment(spec) = &stored.object.spec else {
            return;
        };
        if kind == WatchKind::Deleted {
            for pod in self
                .deployments
                .remove(&key)
                .map(|(_, p)| p)
                .unwrap_or_default()
            {
                ctx.send(
                    Addr::ApiServer,
                    ctx.env.delays.api_write,
                    Msg::Write(ApiWrite::Delete(pod)),
                );
            }
            return;
        }
        let hash = match self.deployments.get(&key) {
            Some((h, _)) => h.clone(),
            None => format!(
                "{:08x}{}",
                self.rng.next_u32() & 0x0fff_ffff,
                self.suffix(2)
            ),
        };
        let mut pods = self
            .deployments
            .remove(&key)
            .map(|(_, p)| p)
            .unwrap_or_default();
        let want = spec.replicas as usize;
        while pods.len() > want {
            if let Some(pod) = pods.pop() {
                ctx.send(
                    Addr::ApiServer,
                    ctx.env.delays.api_write,
                    Msg::Write(ApiWrite::Delete(pod)),
                );
            }
        }
        while pods.len() < want {
            let name = format!("{}-{}-{}", key.name, hash, self.suffix(5));
            let mut labels: Labels = spec.template_labels.clone();
            labels.insert("pod-template-hash".into(), hash.clone());
            let meta = Meta {
                name: name.clone(),
                namespace: key.namespace.clone(),
                labels,
                ..Meta::default()
            };
            let object = Object {
                meta,
                spec: Spec::Pod(spec.template.clone()),
                origin: stored.object.origin.clone(),
            };
            let pod = ObjectKey {
                kind: crate::k8s::objects::Kind::Pod,
                namespace: key.namespace.clone(),
                name,
            };
            ctx.note(
                Actor::ControllerManager,
                What::PodCreated {
                    pod: pod.clone(),
                    deployment: key.name.clone(),
                },
            );
            ctx.send(
                Addr::ApiServer,
                ctx.env.delays.api_write,
                Msg::Write(ApiWrite::Create {
                    object: Arc::new(object),
                    owner: Some(key.name.clone()),
                }),
            );
            pods.push(pod);
        }
        self.deployments.insert(key, (hash, pods));
    }

    fn sync_endpoints(&mut self, ctx: &mut Ctx) {
        for (key, service) in &self.services {
            let Spec::Service(spec) = &service.object.spec else {
                continue;
            };
            let addresses: Vec<_> = self
                .pods
                .values()
                .filter(|p| {
                    p.key().namespace == key.namespace
                        && selects(&spec.selector, &p.object.meta.labels)
                })
                .filter_map(|p| {
                    let ip = p.status.pod_ip?;
                    let Spec::Pod(ps) = &p.object.spec else {
                        return None;
                    };
                    Some((p.key(), ip, ps.node_name.clone()?))
                })
                .collect();
            let endpoints = Endpoints {
                service: key.clone(),
                addresses,
            };
            if self.endpoints.get(key) != Some(&endpoints) {
                ctx.note(
                    Actor::ControllerManager,
                    What::Endpoints {
                        service: key.clone(),
                        count: endpoints.addresses.len(),
                    },
                );
                self.endpoints.insert(key.clone(), endpoints.clone());
                ctx.send(
                    Addr::ApiServer,
                    ctx.env.delays.api_write,
                    Msg::EndpointsChanged(Arc::new(endpoints)),
                );
            }
        }
    }
}

/// A selector selects labels when every selector pair is among them; an empty selector selects
/// nothing (a Service without selector has manually managed endpoints).
pub fn selects(selector: &Labels, labels: &Labels) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}
