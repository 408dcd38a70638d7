//! Ingresses: an `opencontrail` loadbalancer with a VIP (an address of the namespace's pod
//! network on its own interface) and a floating IP (the annotated pool, else the namespace's,
//! else the cluster's; an annotated pool that does not exist leaves it without one), and one
//! listener, pool and member per rule path and for the default backend; the member is the
//! Service's clusterIP:servicePort. A backend whose Service does not exist yet is left out
//! until it appears. With `spec.tls`, the backends it covers get a `TERMINATED_HTTPS` copy on
//! 443 ([`crate::control::ingress_tls`]).

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::Arc;

use super::KubeManager;
use crate::control::config::{Listener, Loadbalancer, Member, Pool, PoolRule, Provider};
use crate::control::ingress_tls::TlsHosts;
use crate::dataplane::haproxy::Semantics;
use crate::k8s::objects::{IngressBackend, Kind, ObjectKey, PortRef, Spec};
use crate::k8s::store::StoredObject;
use crate::sim::rng;
use crate::world::msg::ApiWrite;
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg};

const INGRESS_CLASS: &str = "opencontrail";

impl KubeManager {
    /// Keeps an Ingress as now stored, and which Services its backends name.
    pub(super) fn keep_ingress(&mut self, stored: Arc<StoredObject>) {
        let key = stored.key();
        self.forget_ingress(&key);
        for service in backend_services(&stored) {
            self.ingresses_by_service
                .entry(service)
                .or_default()
                .insert(key.clone());
        }
        self.ingresses.insert(key, stored);
    }

    pub(super) fn forget_ingress(&mut self, key: &ObjectKey) {
        let Some(old) = self.ingresses.remove(key) else {
            return;
        };
        for service in backend_services(&old) {
            if let Some(set) = self.ingresses_by_service.get_mut(&service) {
                set.remove(key);
                if set.is_empty() {
                    self.ingresses_by_service.remove(&service);
                }
            }
        }
    }

    /// A Service changed: the Ingresses whose backends name it follow.
    pub(super) fn sync_ingresses_of(&mut self, service: &ObjectKey, ctx: &mut Ctx) {
        let keys = self
            .ingresses_by_service
            .get(service)
            .cloned()
            .unwrap_or_default();
        for key in keys {
            self.sync_ingress(&key, ctx);
        }
    }

    pub(super) fn sync_all_ingresses(&mut self, ctx: &mut Ctx) {
        let keys: Vec<ObjectKey> = self.ingresses.keys().cloned().collect();
        for key in keys {
            self.sync_ingress(&key, ctx);
        }
    }

    pub(super) fn sync_ingress(&mut self, key: &ObjectKey, ctx: &mut Ctx) {
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
        let (vip, vmi, fip, fip_pool, fip_vrf) = match &previous {
            Some(lb) => (
                lb.vip,
                lb.vmi.clone(),
                lb.fip,
                lb.fip_pool.clone(),
                lb.fip_vrf.clone(),
            ),
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
                let (fip, pool, vrf) = match self.fip_pool_for(&stored, false) {
                    Ok(pool) => self.allocate_fip(pool, key, ctx),
                    Err(pool) => {
                        ctx.note(
                            Actor::KubeManager,
                            What::NoFloatingIp {
                                key: key.clone(),
                                pool,
                            },
                        );
                        (None, None, None)
                    }
                };
                (vip, Some(rng::uuid(&mut self.rng)), fip, pool, vrf)
            }
        };
        // Contrail does not record a rule's pathType; the Kubernetes profile's table needs it.
        let spec_profile = ctx.env.semantics == Semantics::Kubernetes;
        let backends: Vec<(PoolRule, &IngressBackend)> = spec
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
            .chain(spec.default_backend.iter().map(|b| (PoolRule::Default, b)))
            .collect();
        let tls = TlsHosts::of(&key.namespace, &spec.tls);
        let mut listeners = Vec::new();
        let mut missing = false;
        let mut no_port = false;
        // How often each backend identity occurred so far: a repeated rule × path (same host,
        // path and Service) still gets a listener and pool of its own, as in Contrail.
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (rule, backend) in backends {
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
            let service = ObjectKey::new(Kind::Service, &key.namespace, &backend.service_name);
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
            listeners.push(Listener {
                uuid: listener.to_string(),
                protocol: "HTTP",
                port: 80,
                pool: Pool {
                    uuid: pool.to_string(),
                    rule,
                    members: vec![member],
                },
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
            vrf: self.networks.of(&key.namespace).pods.clone(),
            fip_vrf,
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
        let key = ObjectKey::new(Kind::Service, namespace, &backend.service_name);
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
}

/// The Services an Ingress's rules and default backend name (in its namespace).
fn backend_services(stored: &StoredObject) -> BTreeSet<ObjectKey> {
    let Spec::Ingress(spec) = &stored.object.spec else {
        return BTreeSet::new();
    };
    let namespace = &stored.object.meta.namespace;
    spec.rules
        .iter()
        .flat_map(|r| r.paths.iter().map(|p| &p.backend))
        .chain(&spec.default_backend)
        .map(|b| ObjectKey::new(Kind::Service, namespace, &b.service_name))
        .collect()
}

/// Why an Ingress backend has no member.
enum Unresolved {
    /// Its Service does not exist (or has no clusterIP yet).
    Service,
    /// Its Service has no port of the name the backend gives.
    PortName,
}
