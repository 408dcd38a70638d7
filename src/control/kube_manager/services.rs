//! Services: a `native` loadbalancer whose VIP is the clusterIP (a floating IP of the
//! namespace's service network), one listener and pool per port, one member per endpoint
//! (member port = targetPort); a LoadBalancer Service also gets a public floating IP.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{KubeManager, ids};
use crate::control::config::{Listener, Loadbalancer, Member, Pool, PoolRule, Provider};
use crate::k8s::objects::{ObjectKey, PortRef, ServiceType, Spec};
use crate::k8s::store::StoredObject;
use crate::world::msg::ApiWrite;
use crate::world::{Addr, Ctx, Msg};

impl KubeManager {
    pub(super) fn sync_service(&mut self, key: &ObjectKey, ctx: &mut Ctx) {
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
        let (fip, fip_pool, fip_vrf) = match (&previous, spec.service_type) {
            (Some(lb), _) => (lb.fip, lb.fip_pool.clone(), lb.fip_vrf.clone()),
            (None, ServiceType::LoadBalancer) => {
                let pool = self.fip_pool_for(&stored, true).unwrap_or_default();
                self.allocate_fip(pool, key, ctx)
            }
            (None, _) => (None, None, None),
        };
        let endpoints = self.endpoints.get(key).cloned();
        let mut listeners = Vec::new();
        for port in &spec.ports {
            let [listener, pool, _] = self.ids(key, format!("port/{}", port.port));
            // The members this listener had, by pod: their ids are known already.
            let before: BTreeMap<&ObjectKey, &Member> = previous
                .iter()
                .flat_map(|lb| &lb.listeners)
                .filter(|l| l.port == port.port)
                .flat_map(|l| &l.pool.members)
                .filter_map(|m| Some((&m.target.as_ref()?.pod, m)))
                .collect();
            let mut members = Vec::new();
            for (pod, ip, _) in endpoints.iter().flat_map(|e| e.addresses.iter()) {
                let Some((pod_obj, iface)) = self.pods.get(pod) else {
                    continue;
                };
                let Some(target) = resolve_target_port(&port.target_port, pod_obj) else {
                    continue;
                };
                let uuid = match before.get(pod) {
                    Some(m) => m.uuid.clone(),
                    None => {
                        let backend = format!("member/{}/{}", port.port, pod.name);
                        let [_, _, member] = ids(&mut self.rng, &mut self.uuids, key, backend);
                        member.to_string()
                    }
                };
                members.push(Member {
                    uuid,
                    address: *ip,
                    port: target,
                    target: Some(iface.clone()),
                    service: None,
                });
            }
            listeners.push(Listener {
                uuid: listener.to_string(),
                protocol: "TCP",
                port: port.port,
                pool: Pool {
                    uuid: pool.to_string(),
                    rule: PoolRule::Service,
                    members,
                },
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
            vrf: self.networks.of(&key.namespace).services.clone(),
            fip_vrf,
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
}

/// A Service targetPort on one pod: a number, or the container port of that name.
fn resolve_target_port(target: &PortRef, pod: &Arc<StoredObject>) -> Option<u16> {
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
