//! kube-apiserver: stores objects (uid, resourceVersion, clusterIP), applies writes from the
//! controllers and kubelets, and tells each watcher about the kinds it watches; a pod's kubelet
//! hears about the pods bound to its node. Deleting a bound pod is graceful: it gets a deletion
//! timestamp and goes once its kubelet confirms (a dead kubelet never does: the pod stays
//! Terminating, or Unknown when evicted from an unreachable node).

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;

use crate::k8s::objects::{Kind, Meta, NodeSpec, Object, ObjectKey, Spec};
use crate::k8s::store::{Endpoints, Status, StoredObject, WatchKind, key_of};
use crate::sim::Time;
use crate::sim::rng;
use crate::topology::{Topology, plan};
use crate::world::msg::ApiWrite;
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg, Part};

/// The lab's namespace, present before any scenario starts (reference section 1).
pub const LAB_NAMESPACE: &str = "ns-user-1";
/// The namespaces every cluster starts with.
pub const INITIAL_NAMESPACES: [&str; 2] = ["default", LAB_NAMESPACE];
pub const LAB_FIP_POOL: &str = "{'domain': 'default-domain', 'project': 'k8s-ns-user-1', 'network': 'vn-ns-default', 'name': 'pool-ns-default'}";
/// Why the node lifecycle controller deleted a pod (`NodeUnreachablePodReason`).
pub const NODE_LOST: &str = "NodeLost";

pub struct ApiServer {
    rng: ChaCha8Rng,
    resource_version: u64,
    pub objects: BTreeMap<ObjectKey, Arc<StoredObject>>,
    pub endpoints: BTreeMap<ObjectKey, Arc<Endpoints>>,
    cluster_ips: BTreeSet<Ipv4Addr>,
    /// Node name → its id, for routing pod events to kubelets.
    nodes: BTreeMap<String, crate::topology::NodeId>,
}

impl ApiServer {
    pub fn new(seed: u64, topology: &Topology) -> ApiServer {
        let mut api = ApiServer {
            rng: rng::stream(seed, "kube-apiserver"),
            resource_version: 1000,
            objects: BTreeMap::new(),
            endpoints: BTreeMap::new(),
            cluster_ips: BTreeSet::from([
                Ipv4Addr::new(10, 96, 0, 1),
                Ipv4Addr::new(10, 96, 0, 10),
            ]),
            nodes: topology
                .computes()
                .iter()
                .map(|&c| (topology.name(c).to_string(), c))
                .collect(),
        };
        let namespaces = [
            ("default", vec![]),
            (
                LAB_NAMESPACE,
                vec![
                    ("opencontrail.org/isolation", "true"),
                    ("opencontrail.org/fip-pool", LAB_FIP_POOL),
                ],
            ),
        ];
        for (name, annotations) in namespaces {
            let meta = Meta {
                name: name.into(),
                annotations: annotations
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Meta::default()
            };
            api.preload(meta, Spec::Namespace);
        }
        let master = topology.master();
        for (id, node) in topology.nodes() {
            if id == master || topology.is_compute(id) {
                let meta = Meta {
                    name: node.name.as_str().into(),
                    ..Meta::default()
                };
                api.preload(
                    meta,
                    Spec::Node(NodeSpec {
                        master: id == master,
                    }),
                );
            }
        }
        api
    }

    /// An object that exists before the run: a namespace, a registered node.
    fn preload(&mut self, meta: Meta, spec: Spec) {
        let object = Object {
            meta,
            spec,
            origin: crate::diag::Origin::new("<cluster>", 0, 0),
        };
        let mut stored = self.admit(object, None, Time::ZERO);
        stored.status.ready = true;
        self.objects.insert(stored.key(), Arc::new(stored));
    }

    pub fn get(&self, key: &ObjectKey) -> Option<&Arc<StoredObject>> {
        self.objects.get(key)
    }

    /// All objects of a kind, in key order.
    pub fn list(&self, kind: Kind) -> impl Iterator<Item = &Arc<StoredObject>> {
        self.objects
            .values()
            .filter(move |o| o.object.kind() == kind)
    }

    pub fn handle(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::Apply(object) => self.apply(object, None, ctx),
            Msg::Delete(key) => self.delete(&key, ctx),
            Msg::Write(write) => self.write(write, ctx),
            Msg::EndpointsChanged(ep) => {
                self.endpoints.insert(ep.service.clone(), ep.clone());
                ctx.send(
                    Addr::KubeManager,
                    ctx.env.delays.watch,
                    Msg::EndpointsChanged(ep),
                );
            }
            Msg::ListPods { node } => {
                let name = ctx.env.topology.name(node);
                let pods: Vec<Arc<StoredObject>> = self
                    .list(Kind::Pod)
                    .filter(|p| crate::dataplane::compute::kubelet::bound_to(p, name))
                    .cloned()
                    .collect();
                let to = Addr::Compute(node, Part::Kubelet);
                ctx.send(to, ctx.env.delays.watch, Msg::PodList(pods));
            }
            _ => {}
        }
    }

    fn write(&mut self, write: ApiWrite, ctx: &mut Ctx) {
        match write {
            ApiWrite::Create { object, owner } => self.apply(object, owner, ctx),
            ApiWrite::Delete(key) => self.delete(&key, ctx),
            ApiWrite::Evict(key) => {
                let now = ctx.now;
                self.modify(&key, ctx, |o| {
                    o.deletion.get_or_insert(now);
                    o.status.reason = Some(NODE_LOST);
                });
            }
            ApiWrite::Gone(key) => self.remove(&key, ctx),
            ApiWrite::Bind { pod, node } => self.modify(&pod, ctx, |o| {
                let mut object = (*o.object).clone();
                if let Spec::Pod(spec) = &mut object.spec {
                    spec.node_name = Some(node.clone());
                }
                o.object = Arc::new(object);
            }),
            ApiWrite::PodStatus {
                pod,
                ip,
                running,
                ready,
                restarts,
                crash_since,
            } => self.modify(&pod, ctx, |o| {
                o.status.pod_ip = ip.or(o.status.pod_ip);
                o.status.running = running;
                o.status.ready = ready;
                o.status.restarts = restarts;
                o.status.crash_since = crash_since;
            }),
            ApiWrite::PodNotReady(pod) => self.modify(&pod, ctx, |o| o.status.ready = false),
            ApiWrite::NodeReady { node, ready } => {
                let key = ObjectKey::new(Kind::Node, "", &node);
                let now = ctx.now;
                self.modify(&key, ctx, |o| {
                    if o.status.ready != ready {
                        o.status.ready = ready;
                        o.status.transition = now;
                    }
                });
            }
            ApiWrite::IngressStatus { ingress, ips } => {
                self.modify(&ingress, ctx, |o| o.status.load_balancer = ips.clone())
            }
            ApiWrite::ServiceStatus {
                service,
                external_ip,
            } => self.modify(&service, ctx, |o| {
                o.status.load_balancer = vec![external_ip]
            }),
        }
    }

    fn apply(&mut self, object: Arc<Object>, owner: Option<String>, ctx: &mut Ctx) {
        let key = key_of(&object);
        if let Some(old) = self.objects.get(&key) {
            if old.object.spec == object.spec
                && old.object.meta.labels == object.meta.labels
                && old.object.meta.annotations == object.meta.annotations
            {
                ctx.note(Actor::ApiServer, What::Unchanged { key });
                return;
            }
            let mut updated = (**old).clone();
            let mut new_object = (*object).clone();
            new_object.meta.uid = old.object.meta.uid.clone();
            self.resource_version += 1;
            updated.resource_version = self.resource_version;
            updated.object = Arc::new(new_object);
            self.publish(updated, WatchKind::Modified, ctx);
            return;
        }
        let stored = self.admit((*object).clone(), owner, ctx.now);
        if let Some(ip) = stored.status.cluster_ip {
            ctx.note(Actor::ApiServer, What::ClusterIp { service: key, ip });
        }
        self.publish(stored, WatchKind::Added, ctx);
    }

    /// Fills in what the cluster assigns to a new object.
    fn admit(&mut self, mut object: Object, owner: Option<String>, now: Time) -> StoredObject {
        object.meta.uid = rng::uuid(&mut self.rng);
        self.resource_version += 1;
        let mut status = Status::default();
        if let Spec::Service(spec) = &object.spec {
            status.cluster_ip = Some(
                spec.cluster_ip
                    .unwrap_or_else(|| self.allocate_cluster_ip()),
            );
            self.cluster_ips.extend(status.cluster_ip);
        }
        StoredObject {
            object: Arc::new(object),
            resource_version: self.resource_version,
            created: now,
            owner,
            status,
            deletion: None,
        }
    }

    fn allocate_cluster_ip(&mut self) -> Ipv4Addr {
        let base = plan::SERVICE_SUBNET.network();
        let size = 1u32 << (32 - u32::from(plan::SERVICE_SUBNET.prefix_len()));
        loop {
            let offset = (self.rng.next_u32() % (size - 2)) + 1;
            let ip = Ipv4Addr::from(u32::from(base) + offset);
            if self.cluster_ips.insert(ip) {
                return ip;
            }
        }
    }

    fn modify(&mut self, key: &ObjectKey, ctx: &mut Ctx, change: impl FnOnce(&mut StoredObject)) {
        let Some(old) = self.objects.get(key) else {
            return;
        };
        let mut updated = (**old).clone();
        change(&mut updated);
        if updated == **old {
            return;
        }
        self.resource_version += 1;
        updated.resource_version = self.resource_version;
        self.publish(updated, WatchKind::Modified, ctx);
    }

    /// `kubectl delete`: a bound pod is deleted gracefully (its kubelet confirms); anything
    /// else goes at once.
    fn delete(&mut self, key: &ObjectKey, ctx: &mut Ctx) {
        let bound = self
            .objects
            .get(key)
            .is_some_and(|o| matches!(&o.object.spec, Spec::Pod(p) if p.node_name.is_some()));
        if bound {
            let now = ctx.now;
            self.modify(key, ctx, |o| {
                o.deletion.get_or_insert(now);
            });
        } else {
            self.remove(key, ctx);
        }
    }

    fn remove(&mut self, key: &ObjectKey, ctx: &mut Ctx) {
        let Some(old) = self.objects.remove(key) else {
            return;
        };
        if let Some(ip) = old.status.cluster_ip {
            self.cluster_ips.remove(&ip);
        }
        self.endpoints.remove(key);
        self.notify(&old, WatchKind::Deleted, ctx);
    }

    fn publish(&mut self, stored: StoredObject, kind: WatchKind, ctx: &mut Ctx) {
        let stored = Arc::new(stored);
        self.objects.insert(stored.key(), stored.clone());
        self.notify(&stored, kind, ctx);
    }

    fn notify(&mut self, stored: &Arc<StoredObject>, kind: WatchKind, ctx: &mut Ctx) {
        let key = stored.key();
        ctx.note(
            Actor::ApiServer,
            What::Stored {
                key,
                watch: kind,
                resource_version: stored.resource_version,
            },
        );
        let watch = ctx.env.delays.watch;
        for watcher in watchers(stored.object.kind()) {
            ctx.send(*watcher, watch, Msg::Watch(kind, stored.clone()));
        }
        if let Spec::Pod(spec) = &stored.object.spec
            && let Some(node) = spec.node_name.as_ref().and_then(|n| self.nodes.get(n))
        {
            let kubelet = Addr::Compute(*node, Part::Kubelet);
            ctx.send(kubelet, watch, Msg::Watch(kind, stored.clone()));
        }
    }
}

/// Who watches which kind (besides the kubelet of a pod's node).
fn watchers(kind: Kind) -> &'static [Addr] {
    match kind {
        Kind::Pod => &[Addr::Scheduler, Addr::ControllerManager, Addr::KubeManager],
        Kind::Service => &[Addr::ControllerManager, Addr::KubeManager],
        Kind::Deployment => &[Addr::ControllerManager],
        Kind::Ingress | Kind::Namespace | Kind::Secret => &[Addr::KubeManager],
        Kind::Node => &[Addr::Scheduler],
    }
}
