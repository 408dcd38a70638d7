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

/// Objects by namespace, label key and label value; looked up without allocating.
#[derive(Default)]
struct LabelIndex(BTreeMap<String, BTreeMap<String, BTreeMap<String, BTreeSet<ObjectKey>>>>);

impl LabelIndex {
    fn get(&self, namespace: &str, key: &str, value: &str) -> Option<&BTreeSet<ObjectKey>> {
        self.0.get(namespace)?.get(key)?.get(value)
    }

    fn insert(&mut self, object: &ObjectKey, labels: &Labels) {
        for (k, v) in labels {
            let by_key = entry(&mut self.0, &object.namespace);
            let by_value = entry(by_key, k);
            entry(by_value, v).insert(object.clone());
        }
    }

    fn remove(&mut self, object: &ObjectKey, labels: &Labels) {
        for (k, v) in labels {
            let Some(by_key) = self.0.get_mut(&*object.namespace) else {
                continue;
            };
            let Some(by_value) = by_key.get_mut(k) else {
                continue;
            };
            if let Some(set) = by_value.get_mut(v) {
                set.remove(object);
                if set.is_empty() {
                    by_value.remove(v);
                }
            }
            if by_value.is_empty() {
                by_key.remove(k);
            }
            if by_key.is_empty() {
                self.0.remove(&*object.namespace);
            }
        }
    }
}

/// The value under `key`, created when missing; the key is copied only then.
fn entry<'a, V: Default>(map: &'a mut BTreeMap<String, V>, key: &str) -> &'a mut V {
    if !map.contains_key(key) {
        map.insert(key.to_string(), V::default());
    }
    map.get_mut(key)
        .unwrap_or_else(|| unreachable!("inserted above"))
}

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
            pods_by_label: LabelIndex::default(),
            services_by_label: LabelIndex::default(),
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
                let labels = &stored.object.meta.labels;
                let old = if kind == WatchKind::Deleted {
                    self.pods.remove(&key)
                } else if let Some(slot) = self.pods.get_mut(&key) {
                    Some(std::mem::replace(slot, stored.clone()))
                } else {
                    self.pods.insert(key.clone(), stored.clone());
                    None
                };
                let old_labels = old.as_ref().map(|o| &o.object.meta.labels);
                let relabelled = kind == WatchKind::Deleted || old_labels != Some(labels);
                if relabelled {
                    if let Some(old) = old_labels {
                        self.pods_by_label.remove(&key, old);
                    }
                    if kind != WatchKind::Deleted {
                        self.pods_by_label.insert(&key, labels);
                    }
                }
                let leaving = kind == WatchKind::Deleted || stored.deletion.is_some();
                if leaving && let Some(owner) = &stored.owner {
                    self.deployments.pod_gone(&key, owner, &mut self.rng, ctx);
                }
                let mut services = self.selecting(&key.namespace, labels);
                if let Some(old) = old_labels.filter(|_| relabelled) {
                    services.extend(self.selecting(&key.namespace, old));
                }
                let pod = self.pods.get(&key);
                for service in services {
                    let selected = self.services.get(&service).is_some_and(|s| {
                        matches!(&s.object.spec, Spec::Service(spec)
                            if pod.is_some_and(|p| selects(&spec.selector, &p.object.meta.labels)))
                    });
                    self.endpoints
                        .pod_changed(&service, &key, pod.filter(|_| selected));
                    self.endpoints.sync(&service, ctx);
                }
            }
            Spec::Service(spec) => {
                if let Some(old) = self.services.get(&key)
                    && let Spec::Service(old_spec) = &old.object.spec
                {
                    self.services_by_label.remove(&key, &old_spec.selector);
                }
                if kind == WatchKind::Deleted {
                    self.services.remove(&key);
                    self.endpoints.forget(&key);
                    return;
                }
                self.services_by_label.insert(&key, &spec.selector);
                self.services.insert(key.clone(), stored.clone());
                let selected = self.select(&key.namespace, &spec.selector);
                self.endpoints.set_selected(&key, selected);
                self.endpoints.sync(&key, ctx);
            }
            _ => {}
        }
    }

    /// The Services whose selectors a pod's labels satisfy.
    fn selecting(&self, namespace: &str, labels: &Labels) -> BTreeSet<ObjectKey> {
        let mut found = BTreeSet::new();
        for (k, v) in labels {
            let candidates = self.services_by_label.get(namespace, k, v);
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

    /// The pods a selector selects: the smallest label set, filtered.
    fn select(&self, namespace: &str, selector: &Labels) -> BTreeMap<ObjectKey, Arc<StoredObject>> {
        let smallest = selector
            .iter()
            .filter_map(|(k, v)| self.pods_by_label.get(namespace, k, v))
            .min_by_key(|s| s.len());
        let Some(candidates) = smallest.filter(|_| !selector.is_empty()) else {
            return BTreeMap::new();
        };
        candidates
            .iter()
            .filter_map(|p| self.pods.get_key_value(p))
            .filter(|(_, s)| selects(selector, &s.object.meta.labels))
            .map(|(k, s)| (k.clone(), s.clone()))
            .collect()
    }
}

/// A selector selects labels when every selector pair is among them; an empty selector selects
/// nothing (a Service without selector has manually managed endpoints).
pub fn selects(selector: &Labels, labels: &Labels) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}
