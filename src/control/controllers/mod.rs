//! kube-controller-manager: the Deployment controller ([`deployments`]), the Endpoints
//! controller ([`endpoints`]) and the node lifecycle controller ([`nodes`]). They share the
//! pods and services the manager watches, indexed by label so that one pod's change touches
//! only the Services that select it.

pub mod deployments;
pub mod endpoints;
pub mod nodes;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;

use crate::k8s::objects::{Labels, ObjectKey, Spec};
use crate::k8s::store::{StoredObject, WatchKind};
use crate::sim::rng;
use crate::world::{Ctx, Env, Msg, Session, TimerKind};

/// Objects by (namespace, label key, label value).
type LabelIndex = BTreeMap<(String, String, String), BTreeSet<ObjectKey>>;

pub struct ControllerManager {
    rng: ChaCha8Rng,
    pub pods: BTreeMap<ObjectKey, Arc<StoredObject>>,
    services: BTreeMap<ObjectKey, Arc<StoredObject>>,
    pods_by_label: LabelIndex,
    services_by_label: LabelIndex,
    deployments: deployments::Deployments,
    endpoints: endpoints::EndpointsState,
    pub nodes: nodes::NodeLifecycle,
}

impl ControllerManager {
    pub fn new(env: &Env) -> ControllerManager {
        ControllerManager {
            rng: rng::stream(env.seed, "kube-controller-manager"),
            pods: BTreeMap::new(),
            services: BTreeMap::new(),
            pods_by_label: LabelIndex::new(),
            services_by_label: LabelIndex::new(),
            deployments: deployments::Deployments::default(),
            endpoints: endpoints::EndpointsState::default(),
            nodes: nodes::NodeLifecycle::new(env),
        }
    }

    pub fn handle(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::Watch(kind, stored) => self.watch(kind, stored, ctx),
            Msg::Path {
                session: Session::Kubelet(node),
                up,
                ..
            } => self.nodes.path(node, up, ctx),
            Msg::Timer(TimerKind::NodeMonitor { node, evict }) => {
                self.nodes.verdict(node, evict, &self.pods, ctx)
            }
            Msg::Timer(TimerKind::NodeReady(node)) => self.nodes.ready(node, ctx),
            _ => {}
        }
    }

    fn watch(&mut self, kind: WatchKind, stored: Arc<StoredObject>, ctx: &mut Ctx) {
        let key = stored.key();
        match &stored.object.spec {
            Spec::Deployment(_) => self
                .deployments
                .reconcile(kind, &stored, &mut self.rng, ctx),
            Spec::Pod(_) => {
                let old = if kind == WatchKind::Deleted {
                    self.pods.remove(&key)
                } else {
                    self.pods.insert(key.clone(), stored.clone())
                };
                if let Some(old) = &old {
                    unindex(&mut self.pods_by_label, &key, &old.object.meta.labels);
                }
                if kind != WatchKind::Deleted {
                    index(&mut self.pods_by_label, &key, &stored.object.meta.labels);
                }
                let leaving = kind == WatchKind::Deleted || stored.deletion.is_some();
                if leaving && let Some(owner) = &stored.owner {
                    self.deployments.pod_gone(&key, owner, &mut self.rng, ctx);
                }
                let mut services = self.selecting(&key.namespace, &stored.object.meta.labels);
                if let Some(old) = &old {
                    services.extend(self.selecting(&key.namespace, &old.object.meta.labels));
                }
                for service in services {
                    self.endpoints
                        .pod_changed(&service, &key, self.pod_selected(&service, &key));
                    self.sync(&service, ctx);
                }
            }
            Spec::Service(spec) => {
                if let Some(old) = self.services.get(&key)
                    && let Spec::Service(old_spec) = &old.object.spec
                {
                    unindex(&mut self.services_by_label, &key, &old_spec.selector);
                }
                if kind == WatchKind::Deleted {
                    self.services.remove(&key);
                    self.endpoints.forget(&key);
                    return;
                }
                index(&mut self.services_by_label, &key, &spec.selector);
                self.services.insert(key.clone(), stored.clone());
                let selected = self.select(&key.namespace, &spec.selector);
                self.endpoints.set_selected(&key, selected);
                self.sync(&key, ctx);
            }
            _ => {}
        }
    }

    /// The Services whose selectors a pod's labels satisfy.
    fn selecting(&self, namespace: &str, labels: &Labels) -> BTreeSet<ObjectKey> {
        let mut found = BTreeSet::new();
        for (k, v) in labels {
            let candidates =
                self.services_by_label
                    .get(&(namespace.to_string(), k.clone(), v.clone()));
            for service in candidates.into_iter().flatten() {
                if let Some(s) = self.services.get(service)
                    && let Spec::Service(spec) = &s.object.spec
                    && selects(&spec.selector, labels)
                {
                    found.insert(service.clone());
                }
            }
        }
        found
    }

    fn pod_selected(&self, service: &ObjectKey, pod: &ObjectKey) -> bool {
        let (Some(s), Some(p)) = (self.services.get(service), self.pods.get(pod)) else {
            return false;
        };
        matches!(&s.object.spec, Spec::Service(spec) if selects(&spec.selector, &p.object.meta.labels))
    }

    /// The pods a selector selects: the smallest label set, filtered.
    fn select(&self, namespace: &str, selector: &Labels) -> BTreeSet<ObjectKey> {
        let smallest = selector
            .iter()
            .filter_map(|(k, v)| {
                self.pods_by_label
                    .get(&(namespace.to_string(), k.clone(), v.clone()))
            })
            .min_by_key(|s| s.len());
        let Some(candidates) = smallest.filter(|_| !selector.is_empty()) else {
            return BTreeSet::new();
        };
        candidates
            .iter()
            .filter(|p| {
                self.pods
                    .get(*p)
                    .is_some_and(|s| selects(selector, &s.object.meta.labels))
            })
            .cloned()
            .collect()
    }

    fn sync(&mut self, service: &ObjectKey, ctx: &mut Ctx) {
        self.endpoints.sync(service, &self.pods, ctx);
    }
}

fn index(idx: &mut LabelIndex, key: &ObjectKey, labels: &Labels) {
    for (k, v) in labels {
        idx.entry((key.namespace.clone(), k.clone(), v.clone()))
            .or_default()
            .insert(key.clone());
    }
}

fn unindex(idx: &mut LabelIndex, key: &ObjectKey, labels: &Labels) {
    for (k, v) in labels {
        let slot = (key.namespace.clone(), k.clone(), v.clone());
        if let Some(set) = idx.get_mut(&slot) {
            set.remove(key);
            if set.is_empty() {
                idx.remove(&slot);
            }
        }
    }
}

/// A selector selects labels when every selector pair is among them; an empty selector selects
/// nothing (a Service without selector has manually managed endpoints).
pub fn selects(selector: &Labels, labels: &Labels) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}
