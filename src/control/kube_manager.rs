//! contrail-kube-manager: turns Kubernetes objects into Contrail configuration. Pods get an
//! interface and an address; a Service becomes a `native` loadbalancer; an Ingress becomes an
//! `opencontrail` loadbalancer with a VIP interface, a floating IP and one listener, pool and
//! member per backend (reference section 2).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;

use crate::control::config::{
    Listener, Loadbalancer, Member, PodInterface, Pool, PoolRule, Provider,
};
use crate::control::ingress_tls::TlsHosts;
use crate::control::ipam;
use crate::dataplane::haproxy::Semantics;
use crate::k8s::annotations;
use crate::k8s::objects::{IngressBackend, Kind, PortRef, ServiceType, Spec};
use crate::k8s::store::{Endpoints, StoredObject, WatchKind};
use crate::scenario::model::ObjectKey;
use crate::sim::rng;
use crate::topology::plan;
use crate::world::msg::ApiWrite;
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg, Part};

const INGRESS_CLASS: &str = "opencontrail";

pub struct KubeManager {
    rng: ChaCha8Rng,
    pod_ipam: ipam::Pool,
    fip_pools: BTreeMap<&'static str, ipam::Pool>,
    namespaces: BTreeMap<String, Arc<StoredObject>>,
    pods: BTreeMap<ObjectKey, (Arc<StoredObject>, PodInterface)>,
    services: BTreeMap<ObjectKey, Arc<StoredObject>>,
    endpoints: BTreeMap<ObjectKey, Arc<Endpoints>>,
    ingresses: BTreeMap<ObjectKey, Arc<StoredObject>>,
    /// Secrets by TLS container name (`<namespace>__<name>`).
    secrets: BTreeMap<String, Arc<StoredObject>>,
    /// Loadbalancers by the object they serve.
    pub loadbalancers: BTreeMap<ObjectKey, Arc<Loadbalancer>>,
    /// Stable uuids per (owner, backend identity): listener, pool, member.
    uuids: BTreeMap<(ObjectKey, String), [Arc<str>; 3]>,
}

/// The pool names kube-manager knows, with their subnets.
pub const NS_POOL_NAME: &str = "default-domain:k8s-ns-user-1:vn-ns-default:pool-ns-default";
pub const GLOBAL_POOL_NAME: &str =
    "default-domain:k8s-default:vn-global-default:pool-global-default";

impl KubeManager {
    pub fn new(seed: u64) -> KubeManager {
        KubeManager {
            rng: rng::stream(seed, "contrail-kube-manager"),
            pod_ipam: ipam::Pool::new(plan::POD_SUBNET, true, 2),
            fip_pools: BTreeMap::from([
                (NS_POOL_NAME, ipam::Pool::new(plan::NS_POOL, false, 0)),
                (
                    GLOBAL_POOL_NAME,
                    ipam::Pool::new(plan::GLOBAL_POOL, false, 0),
                ),
            ]),
            namespaces: BTreeMap::new(),
            pods: BTreeMap::new(),
            services: BTreeMap::new(),
            endpoints: BTreeMap::new(),
            ingresses: BTreeMap::new(),
            secrets: BTreeMap::new(),
            loadbalancers: BTreeMap::new(),
            uuids: BTreeMap::new(),
        }
    }

    /// A namespace that existed before the run started.
    pub fn know_namespace(&mut self, ns: Arc<StoredObject>) {
        self.namespaces.insert(ns.object.meta.name.clone(), ns);
    }

    pub fn pod_interface(&self, pod: &ObjectKey) -> Option<&PodInterface> {
        self.pods.get(pod).map(|(_, i)| i)
    }

    pub fn handle(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::Watch(kind, stored) => {
                let key = stored.key();
                match &stored.object.spec {
                    Spec::Namespace => {
                        self.namespaces.insert(key.name.clone(), stored);
                    }
                    Spec::Pod(_) => self.on_pod(kind, stored, ctx),
                    Spec::Service(_) => {
                        if kind == WatchKind::Deleted {
                            self.services.remove(&key);
                            self.remove_lb(&key, ctx);
                        } else {
                            self.services.insert(key.clone(), stored);
                            self.sync_service(&key, ctx);
                        }
                        self.sync_all_ingresses(ctx);
                    }
                    Spec::Ingress(_) => {
                        if kind == WatchKind::Deleted {
                            self.ingresses.remove(&key);
                            self.remove_lb(&key, ctx);
                        } else {
                            self.ingresses.insert(key.clone(), stored);
                            self.sync_ingress(&key, ctx);
                        }
                    }
                    Spec::Deployment(_) => {}
                    Spec::Secret(_) => {
                        let container = format!("{}__{}", key.namespace, key.name);
                        if kind == WatchKind::Deleted {
                            self.secrets.remove(&container);
                        } else {
                            self.secrets.insert(container, stored);
                        }
                        self.sync_all_ingresses(ctx);
                    }
                }
            }
            Msg::EndpointsChanged(ep) => {
                let key = ep.service.clone();
                self.endpoints.insert(key.clone(), ep);
                self.sync_service(&key, ctx);
            }
            _ => {}
        }
    }

    fn on_pod(&mut self, kind: WatchKind, stored: Arc<StoredObject>, ctx: &mut Ctx) {
        let key = stored.key();
        let delay = ctx.env.delays.config;
        if kind == WatchKind::Deleted {
            if let Some((_, iface)) = self.pods.remove(&key) {
                self.pod_ipam.release(iface.ip);
                ctx.send(
                    Addr::Compute(iface.node, Part::Agent),
                    delay,
                    Msg::PodInterfaceDel(iface),
                );
            }
            return;
        }
        if let Some(entry) = self.pods.get_mut(&key) {
            entry.0 = stored;
            return;
        }
        let Spec::Pod(spec) = &stored.object.spec else {
            return;
        };
        let Some(node) = spec
            .node_name
            .as_deref()
            .and_then(|n| ctx.env.topology.find(n))
        else {
            return;
        };
        let ip = match self.pod_ipam.allocate() {
            Ok(ip) => ip,
            Err(ipam::Exhausted) => {
                ctx.note(
                    Actor::KubeManager,
                    What::Failed {
                        key,
                        reason: "pod subnet 10.32.0.0/12 exhausted".into(),
                    },
                );
                return;
            }
        };
        let vmi: Arc<str> = rng::uuid(&mut self.rng).into();
        let iface = PodInterface {
            pod: key.clone(),
            vmi: vmi.clone(),
            ip,
            node,
        };
        ctx.note(
            Actor::KubeManager,
            What::Interface {
                pod: key.clone(),
                vmi,
                ip,
                node,
            },
        );
        ctx.send(
            Addr::Compute(node, Part::Agent),
            delay,
            Msg::PodInterfaceAdd(iface.clone()),
        );
        self.pods.insert(key, (stored, iface));
    }

    /// The pool an object's fip-pool annotation names (fully qualified), if it has one.
    fn annotated_pool(meta: &crate::k8s::objects::Meta) -> Option<String> {
        meta.annotations
            .get(annotations::FIP_POOL)
            .and_then(|a| annotations::fip_pool_fq_name(a).ok())
    }

    /// The pool of that fully qualified name, if the lab has it.
    fn known_pool(&self, fq_name: &str) -> Option<&'static str> {
        self.fip_pools.keys().copied().find(|k| *k == fq_name)
    }

    /// The pool kube-manager takes for an Ingress (`vnc_ingress.py`, `_get_floating_ip`): the one
    /// its fip-pool annotation names, else its namespace's, else the global one. A named pool
    /// that does not exist gives no floating IP: `Err` holds its name.
    fn ingress_fip_pool(&self, stored: &StoredObject) -> Result<&'static str, String> {
        let ns = self.namespaces.get(&stored.object.meta.namespace);
        let named = Self::annotated_pool(&stored.object.meta)
            .or_else(|| ns.and_then(|n| Self::annotated_pool(&n.object.meta)));
        match named {
            Some(fq) => self.known_pool(&fq).ok_or(fq),
            None => Ok(GLOBAL_POOL_NAME),
        }
    }

    /// The pool kube-manager takes for a LoadBalancer Service (`vnc_service.py`): the one its
    /// annotation names if it exists, else its namespace's if that exists, else the global one.
    fn service_fip_pool(&self, stored: &StoredObject) -> &'static str {
        let ns = self.namespaces.get(&stored.object.meta.namespace);
        Self::annotated_pool(&stored.object.meta)
            .and_then(|fq| self.known_pool(&fq))
            .or_else(|| {
                ns.and_then(|n| Self::annotated_pool(&n.object.meta))
                    .and_then(|fq| self.known_pool(&fq))
            })
            .unwrap_or(GLOBAL_POOL_NAME)
    }

    fn allocate_fip(&mut self, pool: &'static str) -> Option<Ipv4Addr> {
        self.fip_pools.get_mut(pool).and_then(|p| p.allocate().ok())
    }

    fn release_fip(&mut self, lb: &Loadbalancer) {
        if let (Some(fip), Some(pool)) = (lb.fip, lb.fip_pool.as_deref())
            && let Some(p) = self
                .fip_pools
                .iter_mut()
                .find(|(n, _)| **n == pool)
                .map(|(_, p)| p)
        {
            p.release(fip);
        }
    }

    fn ids(&mut self, owner: &ObjectKey, backend: String) -> [Arc<str>; 3] {
        let rng = &mut self.rng;
        self.uuids
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

    fn sync_service(&mut self, key: &ObjectKey, ctx: &mut Ctx) {
        let Some(stored) = self.services.get(key).cloned() else {
            return;
        };
        let Spec::Service(spec) = &stored.object.spec else {
            return;
        };
        let Some(vip) = stored.status.cluster_ip else {
            return;
        };
        let previous = self.loadbalancers.get(key).cloned();
        let (fip, fip_pool) = match (&previous, spec.service_type) {
            (Some(lb), _) => (lb.fip, lb.fip_pool.clone()),
            (None, ServiceType::LoadBalancer) => {
                let pool = self.service_fip_pool(&stored);
                match self.allocate_fip(pool) {
                    Some(ip) => (Some(ip), Some(pool.to_string())),
                    None => {
                        ctx.note(
                            Actor::KubeManager,
                            What::Failed {
                                key: key.clone(),
                                reason: format!("floating-IP pool {pool} exhausted"),
                            },
                        );
                        (None, None)
                    }
                }
            }
            (None, _) => (None, None),
        };
        let endpoints = self.endpoints.get(key).cloned();
        let mut listeners = Vec::new();
        for port in &spec.ports {
            let [listener, pool, _] = self.ids(key, format!("port/{}", port.port));
            let mut members = Vec::new();
            for (pod, ip, _) in endpoints.iter().flat_map(|e| e.addresses.iter()) {
                let Some((pod_obj, iface)) = self.pods.get(pod).cloned() else {
                    continue;
                };
                let Some(target) = resolve_target_port(&port.target_port, &pod_obj) else {
                    continue;
                };
                let [_, _, member] = self.ids(key, format!("member/{}/{}", port.port, pod.name));
                members.push(Member {
                    uuid: member.to_string(),
                    address: *ip,
                    port: target,
                    target: Some(iface.clone()),
                    service: None,
                });
            }
            let pool = Pool {
                uuid: pool.to_string(),
                rule: PoolRule::Service,
                members,
            };
            listeners.push(Listener {
                uuid: listener.to_string(),
                protocol: "TCP",
                port: port.port,
                pool,
                tls: None,
            });
        }
        let lb = Loadbalancer {
            uuid: stored.object.meta.uid.clone(),
            display_name: format!("{}__{}", key.namespace, key.name),
            provider: Provider::Native,
            owner: key.clone(),
            created: stored.created,
            vip,
            fip,
            fip_pool,
            vmi: None,
            listeners,
            certificates: Vec::new(),
        };
        if let (Some(ip), None) = (fip, previous.as_ref()) {
            let write = ApiWrite::ServiceStatus {
                service: key.clone(),
                external_ip: ip,
            };
            ctx.send(Addr::ApiServer, ctx.env.delays.api_write, Msg::Write(write));
        }
        self.publish(lb, previous, ctx);
    }

    fn sync_all_ingresses(&mut self, ctx: &mut Ctx) {
        let keys: Vec<ObjectKey> = self.ingresses.keys().cloned().collect();
        for key in keys {
            self.sync_ingress(&key, ctx);
        }
    }

    fn sync_ingress(&mut self, key: &ObjectKey, ctx: &mut Ctx) {
        let Some(stored) = self.ingresses.get(key).cloned() else {
            return;
        };
        let Spec::Ingress(spec) = &stored.object.spec else {
            return;
        };
        if spec.class.as_deref().is_some_and(|c| c != INGRESS_CLASS) {
            ctx.note(
                Actor::KubeManager,
                What::Waiting {
                    key: key.clone(),
                    reason: "ingress class is not opencontrail: ignored",
                },
            );
            // An Ingress that moved to another controller gives up what it had.
            self.remove_lb(key, ctx);
            return;
        }
        let previous = self.loadbalancers.get(key).cloned();
        let (vip, vmi, fip, fip_pool) = match &previous {
            Some(lb) => (lb.vip, lb.vmi.clone(), lb.fip, lb.fip_pool.clone()),
            None => {
                let Ok(vip) = self.pod_ipam.allocate() else {
                    ctx.note(
                        Actor::KubeManager,
                        What::Failed {
                            key: key.clone(),
                            reason: "pod subnet exhausted: no VIP".into(),
                        },
                    );
                    return;
                };
                let (fip, pool) = match self.ingress_fip_pool(&stored) {
                    Ok(pool) => {
                        let fip = self.allocate_fip(pool);
                        if fip.is_none() {
                            ctx.note(
                                Actor::KubeManager,
                                What::Failed {
                                    key: key.clone(),
                                    reason: format!("floating-IP pool {pool} exhausted"),
                                },
                            );
                        }
                        (fip, fip.map(|_| pool.to_string()))
                    }
                    Err(missing) => {
                        ctx.note(
                            Actor::KubeManager,
                            What::NoFloatingIp {
                                key: key.clone(),
                                pool: missing,
                            },
                        );
                        (None, None)
                    }
                };
                (vip, Some(rng::uuid(&mut self.rng)), fip, pool)
            }
        };
        let spec_profile = ctx.env.semantics == Semantics::Kubernetes;
        let backends = spec
            .rules
            .iter()
            .flat_map(|r| {
                r.paths.iter().map(move |p| {
                    (
                        PoolRule::Acl {
                            host: r.host.clone(),
                            path: p.path.clone(),
                            path_type: p.path_type.filter(|_| spec_profile),
                        },
                        &p.backend,
                    )
                })
            })
            .chain(spec.default_backend.iter().map(|b| (PoolRule::Default, b)));
        let tls = TlsHosts::of(&key.namespace, &spec.tls);
        let mut listeners = Vec::new();
        let mut missing = false;
        let mut no_port = false;
        // How often each backend identity occurred so far: a repeated rule × path (same host,
        // path and Service) still gets a listener and pool of its own, as in Contrail.
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (rule, backend) in backends.collect::<Vec<_>>() {
            let (address, port) = match self.service_address(&key.namespace, backend) {
                Ok(found) => found,
                Err(Unresolved::Service) => {
                    missing = true;
                    continue;
                }
                Err(Unresolved::PortName) => {
                    no_port = true;
                    continue;
                }
            };
            let mut identity = format!(
                "{rule:?}/{}/{:?}",
                backend.service_name, backend.service_port
            );
            let n = seen.entry(identity.clone()).or_default();
            *n += 1;
            if *n > 1 {
                identity.push_str(&format!("#{n}"));
            }
            let [listener, pool, member] = self.ids(key, identity.clone());
            let service = ObjectKey {
                kind: Kind::Service,
                namespace: key.namespace.clone(),
                name: backend.service_name.clone(),
            };
            let member = Member {
                uuid: member.to_string(),
                address,
                port,
                target: None,
                service: Some(service),
            };
            // Contrail's TERMINATED_HTTPS copy: the same backend on 443, ids of its own.
            let https = tls.listener_for(&rule).map(|t| {
                let [listener, pool, member_id] = self.ids(key, format!("{identity}/https"));
                Listener {
                    uuid: listener.to_string(),
                    protocol: "TERMINATED_HTTPS",
                    port: 443,
                    pool: Pool {
                        uuid: pool.to_string(),
                        rule: rule.clone(),
                        members: vec![Member {
                            uuid: member_id.to_string(),
                            ..member.clone()
                        }],
                    },
                    tls: Some(t),
                }
            });
            let pool = Pool {
                uuid: pool.to_string(),
                rule,
                members: vec![member],
            };
            listeners.push(Listener {
                uuid: listener.to_string(),
                protocol: "HTTP",
                port: 80,
                pool,
                tls: None,
            });
            listeners.extend(https);
        }
        if missing {
            ctx.note(
                Actor::KubeManager,
                What::Waiting {
                    key: key.clone(),
                    reason: "a backend Service does not exist yet: left out",
                },
            );
        }
        if no_port {
            ctx.note(
                Actor::KubeManager,
                What::Waiting {
                    key: key.clone(),
                    reason: "a backend names a port its Service does not have: left out",
                },
            );
        }
        let lb = Loadbalancer {
            uuid: stored.object.meta.uid.clone(),
            display_name: format!("{}__{}", key.namespace, key.name),
            provider: Provider::Opencontrail,
            owner: key.clone(),
            created: stored.created,
            vip,
            fip,
            fip_pool,
            vmi,
            listeners,
            certificates: {
                let secrets = self
                    .secrets
                    .iter()
                    .map(|(k, v)| (k.clone(), &**v))
                    .collect();
                tls.certificates(&secrets)
            },
        };
        if previous.is_none() {
            let ips = fip.into_iter().chain([vip]).collect();
            ctx.send(
                Addr::ApiServer,
                ctx.env.delays.api_write,
                Msg::Write(ApiWrite::IngressStatus {
                    ingress: key.clone(),
                    ips,
                }),
            );
        }
        self.publish(lb, previous, ctx);
    }

    /// The member address of an Ingress backend: the Service's clusterIP and the servicePort.
    fn service_address(
        &self,
        namespace: &str,
        backend: &IngressBackend,
    ) -> Result<(Ipv4Addr, u16), Unresolved> {
        let key = ObjectKey {
            kind: Kind::Service,
            namespace: namespace.to_string(),
            name: backend.service_name.clone(),
        };
        let stored = self.services.get(&key).ok_or(Unresolved::Service)?;
        let Spec::Service(spec) = &stored.object.spec else {
            return Err(Unresolved::Service);
        };
        let port = match &backend.service_port {
            PortRef::Number(n) => *n,
            PortRef::Name(name) => {
                spec.ports
                    .iter()
                    .find(|p| p.name.as_deref() == Some(name.as_str()))
                    .ok_or(Unresolved::PortName)?
                    .port
            }
        };
        let ip = stored.status.cluster_ip.ok_or(Unresolved::Service)?;
        Ok((ip, port))
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
        self.release_fip(&lb);
        if lb.provider == Provider::Opencontrail {
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

/// Why an Ingress backend has no member.
enum Unresolved {
    /// Its Service does not exist (or has no clusterIP yet).
    Service,
    /// Its Service has no port of the name the backend gives.
    PortName,
}

/// A Service targetPort on one pod: a number, or the container port of that name.
fn resolve_target_port(target: &PortRef, pod: &StoredObject) -> Option<u16> {
    match target {
        PortRef::Number(n) => Some(*n),
        PortRef::Name(name) => {
            let Spec::Pod(spec) = &pod.object.spec else {
                return None;
            };
            spec.containers
                .iter()
                .flat_map(|c| &c.ports)
                .find(|p| p.name.as_deref() == Some(name.as_str()))
                .map(|p| p.container_port)
        }
    }
}
