//! contrail-kube-manager: turns Kubernetes objects into Contrail configuration. Namespaces get
//! networks ([`networks`]); pods an interface and an address in their namespace's pod network
//! ([`pods`]); a Service becomes a `native` loadbalancer ([`services`]); an Ingress an
//! `opencontrail` loadbalancer with a VIP interface, a floating IP and one listener, pool and
//! member per backend ([`ingresses`]) (reference section 2).

pub mod ingresses;
pub mod networks;
pub mod pods;
pub mod services;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;

use crate::control::config::{Loadbalancer, PodInterface};
use crate::control::ipam;
use crate::k8s::objects::{Name, ObjectKey, Spec};
use crate::k8s::store::{Endpoints, StoredObject, WatchKind};
use crate::routing::{Rib, Vrf};
use crate::sim::rng;
use crate::topology::plan;
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg, Part};
pub use networks::{GLOBAL_POOL_NAME, NS_POOL_NAME, Networks};

const FIP_POOL_ANNOTATION: &str = "opencontrail.org/fip-pool";
const ISOLATION_ANNOTATION: &str = "opencontrail.org/isolation";

pub struct KubeManager {
    rng: ChaCha8Rng,
    pod_ipam: ipam::Pool,
    pub networks: Networks,
    namespaces: BTreeMap<Name, Arc<StoredObject>>,
    pods: BTreeMap<ObjectKey, (Arc<StoredObject>, PodInterface)>,
    services: BTreeMap<ObjectKey, Arc<StoredObject>>,
    endpoints: BTreeMap<ObjectKey, Arc<Endpoints>>,
    ingresses: BTreeMap<ObjectKey, Arc<StoredObject>>,
    /// The Ingresses whose backends name each Service.
    ingresses_by_service: BTreeMap<ObjectKey, BTreeSet<ObjectKey>>,
    /// Secrets by TLS container name (`<namespace>__<name>`).
    secrets: BTreeMap<String, Arc<StoredObject>>,
    /// Loadbalancers by the object they serve.
    pub loadbalancers: BTreeMap<ObjectKey, Arc<Loadbalancer>>,
    /// Stable uuids per (owner, backend identity): listener, pool, member.
    uuids: BTreeMap<(ObjectKey, String), [Arc<str>; 3]>,
}

impl KubeManager {
    /// kube-manager as it stands when the run starts: the cluster's networks and those of the
    /// namespaces that already exist.
    pub fn new(seed: u64, apiserver: &crate::control::ApiServer) -> KubeManager {
        let mut km = KubeManager {
            rng: rng::stream(seed, "contrail-kube-manager"),
            pod_ipam: ipam::Pool::new(plan::POD_SUBNET, true, 2),
            networks: Networks::new(),
            namespaces: BTreeMap::new(),
            pods: BTreeMap::new(),
            services: BTreeMap::new(),
            endpoints: BTreeMap::new(),
            ingresses: BTreeMap::new(),
            ingresses_by_service: BTreeMap::new(),
            secrets: BTreeMap::new(),
            loadbalancers: BTreeMap::new(),
            uuids: BTreeMap::new(),
        };
        for ns in apiserver.list(crate::k8s::objects::Kind::Namespace) {
            if isolated(ns) {
                km.networks.isolate(&ns.object.meta.name);
            }
            km.namespaces
                .insert(ns.object.meta.name.clone(), ns.clone());
        }
        km
    }

    /// The agents' first view of the control node's routes: the policies' imports.
    pub fn initial_rib(&self) -> Rib {
        self.networks.rib()
    }

    /// Every pair of connected networks, both ways.
    pub fn policies(&self) -> Vec<(Vrf, Vrf)> {
        self.networks
            .policies
            .iter()
            .flat_map(|(a, b)| [(a.clone(), b.clone()), (b.clone(), a.clone())])
            .collect()
    }

    pub fn pod_interface(&self, pod: &ObjectKey) -> Option<&PodInterface> {
        self.pods.get(pod).map(|(_, i)| i)
    }

    pub fn handle(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::Watch(kind, stored) => {
                let key = stored.key();
                match &stored.object.spec {
                    Spec::Namespace => self.on_namespace(kind, stored, ctx),
                    Spec::Pod(_) => self.on_pod(kind, stored, ctx),
                    Spec::Service(_) => {
                        if kind == WatchKind::Deleted {
                            self.services.remove(&key);
                            self.remove_lb(&key, ctx);
                        } else {
                            self.services.insert(key.clone(), stored);
                            self.sync_service(&key, ctx);
                        }
                        self.sync_ingresses_of(&key, ctx);
                    }
                    Spec::Ingress(_) => {
                        if kind == WatchKind::Deleted {
                            self.forget_ingress(&key);
                            self.remove_lb(&key, ctx);
                        } else {
                            self.keep_ingress(stored);
                            self.sync_ingress(&key, ctx);
                        }
                    }
                    Spec::Secret(_) => {
                        let container = format!("{}__{}", key.namespace, key.name);
                        if kind == WatchKind::Deleted {
                            self.secrets.remove(&container);
                        } else {
                            self.secrets.insert(container, stored);
                        }
                        self.sync_all_ingresses(ctx);
                    }
                    Spec::Deployment(_) | Spec::Node(_) => {}
                }
            }
            Msg::EndpointsChanged(ep) => {
                let key = ep.service.clone();
                self.endpoints.insert(key.clone(), ep);
                self.sync_service(&key, ctx);
            }
            Msg::ConfigResync { node } => {
                let list = self
                    .pods
                    .values()
                    .filter(|(_, i)| i.node == node)
                    .map(|(_, i)| i.clone())
                    .collect();
                let to = Addr::Compute(node, Part::Agent);
                ctx.send(to, ctx.env.delays.xmpp, Msg::PodInterfaces(list));
            }
            _ => {}
        }
    }

    /// A namespace: an isolated one gets its own networks (kept when it goes, as kube-manager
    /// keeps a namespace's project until its objects are gone).
    fn on_namespace(&mut self, kind: WatchKind, stored: Arc<StoredObject>, ctx: &mut Ctx) {
        let name = stored.object.meta.name.clone();
        if kind == WatchKind::Deleted {
            self.namespaces.remove(&*name);
            return;
        }
        if isolated(&stored) {
            for (a, b) in self.networks.isolate(&name) {
                ctx.note(
                    Actor::KubeManager,
                    What::NetworkPolicy {
                        a: a.clone(),
                        b: b.clone(),
                    },
                );
                let policy = Msg::NetworkPolicy {
                    vrf: a,
                    connected: vec![b],
                };
                ctx.send(Addr::ControlNode, ctx.env.delays.config, policy);
            }
        }
        self.namespaces.insert(name, stored);
    }

    /// A floating IP from `pool` for `key`: the address, the pool and its network; none, said
    /// on the timeline, when the pool is exhausted (Contrail's answer too: the object waits).
    fn allocate_fip(
        &mut self,
        pool: String,
        key: &ObjectKey,
        ctx: &mut Ctx,
    ) -> (Option<std::net::Ipv4Addr>, Option<String>, Option<Vrf>) {
        match self.networks.allocate(&pool) {
            Some((ip, vrf)) => (Some(ip), Some(pool), Some(vrf)),
            None => {
                ctx.note(
                    Actor::KubeManager,
                    What::Failed {
                        key: key.clone(),
                        reason: format!("floating-IP pool {pool} exhausted"),
                    },
                );
                (None, None, None)
            }
        }
    }

    /// The pool an object's floating IP comes from: its own annotation, else its namespace's,
    /// else the cluster's. An annotated pool that does not exist is skipped when
    /// `fall_through` (a Service: kube-manager logs a notice), else it is the error (an
    /// Ingress gets no floating IP).
    fn fip_pool_for(&self, stored: &StoredObject, fall_through: bool) -> Result<String, String> {
        let ns = self.namespaces.get(&*stored.object.meta.namespace);
        let annotations = [
            stored.object.meta.annotations.get(FIP_POOL_ANNOTATION),
            ns.and_then(|n| n.object.meta.annotations.get(FIP_POOL_ANNOTATION)),
        ];
        for a in annotations.into_iter().flatten() {
            let name = networks::pool_name(a).unwrap_or_else(|| a.clone());
            if self.networks.pools.contains_key(&name) {
                return Ok(name);
            }
            if !fall_through {
                return Err(name);
            }
        }
        Ok(GLOBAL_POOL_NAME.to_string())
    }

    fn ids(&mut self, owner: &ObjectKey, backend: String) -> [Arc<str>; 3] {
        ids(&mut self.rng, &mut self.uuids, owner, backend)
    }

    fn publish(&mut self, lb: Loadbalancer, previous: Option<Arc<Loadbalancer>>, ctx: &mut Ctx) {
        if previous.as_deref() == Some(&lb) {
            return;
        }
        let lb = Arc::new(lb);
        ctx.note(
            Actor::KubeManager,
            What::Loadbalancer {
                uuid: lb.uuid.as_str().into(),
                name: lb.display_name.clone(),
                provider: lb.provider,
                vip: lb.vip,
                fip: lb.fip,
                pools: lb.listeners.len(),
                members: lb.listeners.iter().map(|l| l.pool.members.len()).sum(),
                created: previous.is_none(),
            },
        );
        self.loadbalancers.insert(lb.owner.clone(), lb.clone());
        ctx.send(
            Addr::SvcMonitor,
            ctx.env.delays.config,
            Msg::LoadbalancerSet(lb),
        );
    }

    fn remove_lb(&mut self, key: &ObjectKey, ctx: &mut Ctx) {
        let Some(lb) = self.loadbalancers.remove(key) else {
            return;
        };
        if let (Some(fip), Some(pool)) = (lb.fip, lb.fip_pool.as_deref()) {
            self.networks.release(pool, fip);
        }
        if lb.provider == crate::control::config::Provider::Opencontrail {
            self.pod_ipam.release(lb.vip);
        }
        self.uuids.retain(|(owner, _), _| owner != key);
        ctx.note(
            Actor::KubeManager,
            What::LoadbalancerDeleted {
                uuid: lb.uuid.as_str().into(),
                name: lb.display_name.clone(),
            },
        );
        ctx.send(
            Addr::SvcMonitor,
            ctx.env.delays.config,
            Msg::LoadbalancerDeleted(lb),
        );
    }
}

/// The listener, pool and member uuids of one backend of `owner`, drawn the first time the
/// backend is seen.
fn ids(
    rng: &mut ChaCha8Rng,
    uuids: &mut BTreeMap<(ObjectKey, String), [Arc<str>; 3]>,
    owner: &ObjectKey,
    backend: String,
) -> [Arc<str>; 3] {
    uuids
        .entry((owner.clone(), backend))
        .or_insert_with(|| {
            [
                rng::uuid(rng).into(),
                rng::uuid(rng).into(),
                rng::uuid(rng).into(),
            ]
        })
        .clone()
}

/// Whether a namespace asks for isolation (`opencontrail.org/isolation: "true"`).
fn isolated(ns: &StoredObject) -> bool {
    ns.object
        .meta
        .annotations
        .get(ISOLATION_ANNOTATION)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}
