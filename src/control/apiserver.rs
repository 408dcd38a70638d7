//! kube-apiserver: stores objects (uid, resourceVersion, clusterIP), applies writes from the
//! controllers, and tells each watcher about the kinds it watches.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;

use crate::k8s::objects::{Kind, Meta, Object, Spec};
use crate::k8s::store::{Endpoints, Status, StoredObject, WatchKind, key_of};
use crate::scenario::model::ObjectKey;
use crate::sim::rng;
use crate::topology::plan;
use crate::world::msg::ApiWrite;
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg};

/// The lab's namespace, present before any scenario starts (reference section 1).
pub const LAB_NAMESPACE: &str = "ns-user-1";
pub const LAB_FIP_POOL: &str = "{'domain': 'default-domain', 'project': 'k8s-ns-user-1', 'network': 'vn-ns-default', 'name': 'pool-ns-default'}";

pub struct ApiServer {
    rng: ChaCha8Rng,
    resource_version: u64,
    pub objects: BTreeMap<ObjectKey, Arc<StoredObject>>,
    pub endpoints: BTreeMap<ObjectKey, Arc<Endpoints>>,
    cluster_ips: BTreeSet<Ipv4Addr>,
}

impl ApiServer {
    pub fn new(seed: u64) -> ApiServer {
        let mut api = ApiServer {
            rng: rng::stream(seed, "kube-apiserver"),
            resource_version: 1000,
            objects: BTreeMap::new(),
            endpoints: BTreeMap::new(),
            cluster_ips: BTreeSet::from([
                Ipv4Addr::new(10, 96, 0, 1),
                Ipv4Addr::new(10, 96, 0, 10),
            ]),
        };
        for (name, annotations) in [
            ("default", vec![]),
            (
                LAB_NAMESPACE,
                vec![
                    ("opencontrail.org/isolation", "true"),
                    ("opencontrail.org/fip-pool", LAB_FIP_POOL),
                ],
            ),
        ] {
            let meta = Meta {
                name: name.into(),
                annotations: annotations
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Meta::default()
            };
            let object = Object {
                meta,
                spec: Spec::Namespace,
                origin: crate::diag::Origin::new("<cluster>", 0, 0),
            };
            let stored = api.admit(object, None, crate::sim::Time::ZERO);
            api.objects.insert(stored.key(), Arc::new(stored));
        }
        api
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
            _ => {}
        }
    }

    fn write(&mut self, write: ApiWrite, ctx: &mut Ctx) {
        match write {
            ApiWrite::Create { object, owner } => self.apply(object, owner, ctx),
            ApiWrite::Delete(key) => self.delete(&key, ctx),
            ApiWrite::Bind { pod, node } => self.modify(&pod, ctx, |o, _| {
                let mut object = (*o.object).clone();
                if let Spec::Pod(spec) = &mut object.spec {
                    spec.node_name = Some(node.clone());
                }
                o.object = Arc::new(object);
            }),
            ApiWrite::PodRunning { pod, ip } => {
                self.modify(&pod, ctx, |o, _| o.status.pod_ip = Some(ip))
            }
            ApiWrite::IngressStatus { ingress, ips } => {
                self.modify(&ingress, ctx, |o, _| o.status.load_balancer = ips.clone())
            }
            ApiWrite::ServiceStatus {
                service,
                external_ip,
            } => self.modify(&service, ctx, |o, _| {
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
            new_object.meta.resource_version = self.resource_version;
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
    fn admit(
        &mut self,
        mut object: Object,
        owner: Option<String>,
        now: crate::sim::Time,
    ) -> StoredObject {
        object.meta.uid = rng::uuid(&mut self.rng);
        self.resource_version += 1;
        object.meta.resource_version = self.resource_version;
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
            created: now,
            owner,
            status,
        }
    }

    fn allocate_cluster_ip(&mut self) -> Ipv4Addr {
        let (base, len) = plan::SERVICE_SUBNET;
        let size = 1u32 << (32 - u32::from(len));
        loop {
            let offset = (self.rng.next_u32() % (size - 2)) + 1;
            let ip = Ipv4Addr::from(u32::from(base) + offset);
            if self.cluster_ips.insert(ip) {
                return ip;
            }
        }
    }

    fn modify(
        &mut self,
        key: &ObjectKey,
        ctx: &mut Ctx,
        change: impl FnOnce(&mut StoredObject, &mut Ctx),
    ) {
        let Some(old) = self.objects.get(key) else {
            return;
        };
        let mut updated = (**old).clone();
        change(&mut updated, ctx);
        if updated == **old {
            return;
        }
        self.resource_version += 1;
        let mut object = (*updated.object).clone();
        object.meta.resource_version = self.resource_version;
        updated.object = Arc::new(object);
        self.publish(updated, WatchKind::Modified, ctx);
    }

    fn delete(&mut self, key: &ObjectKey, ctx: &mut Ctx) {
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
                resource_version: stored.object.meta.resource_version,
            },
        );
        for watcher in watchers(stored.object.kind()) {
            ctx.send(
                *watcher,
                ctx.env.delays.watch,
                Msg::Watch(kind, stored.clone()),
            );
        }
    }
}

/// Who watches which kind.
fn watchers(kind: Kind) -> &'static [Addr] {
    match kind {
        Kind::Pod => &[Addr::Scheduler, Addr::ControllerManager, Addr::KubeManager],
        Kind::Service => &[Addr::ControllerManager, Addr::KubeManager],
        Kind::Deployment => &[Addr::ControllerManager],
        Kind::Ingress | Kind::Namespace | Kind::Secret => &[Addr::KubeManager],
    }
}
