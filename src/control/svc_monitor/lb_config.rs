//! The haproxy configuration svc-monitor's haproxy driver builds from an Ingress loadbalancer.

use crate::control::config::{Loadbalancer, PoolRule};
use crate::control::ingress_table;
use crate::dataplane::haproxy::Semantics;
use crate::dataplane::haproxy::config::{self as hc, LbConfig};

/// The haproxy configuration of an Ingress loadbalancer as Contrail's driver builds it: one
/// frontend per listener port, named after its first listener; pools in listener order.
pub fn lb_config(lb: &Loadbalancer) -> LbConfig {
    let mut frontends: Vec<hc::Frontend> = Vec::new();
    let mut backends = Vec::new();
    for listener in &lb.listeners {
        let rule = match &listener.pool.rule {
            PoolRule::Default | PoolRule::Service => hc::PoolRule::Default,
            PoolRule::Acl { host, path, .. } => hc::PoolRule::Acl {
                host: host.clone(),
                path: path.clone(),
            },
        };
        let pool = hc::FrontendPool {
            pool_uuid: listener.pool.uuid.clone(),
            rule,
            origin: Some(ingress_table::rule_origin(lb, listener)),
        };
        // Contrail's `get_listeners`: listeners sharing a port share the first one's frontend
        // and its default container; every listener adds its SNI containers.
        let certificate = |container: &String| hc::Certificate {
            container: container.clone(),
            cn: lb
                .certificates
                .iter()
                .find(|c| &c.container == container)
                .and_then(|c| c.cn.clone()),
        };
        let sni = listener.tls.iter().flat_map(|t| &t.sni_containers);
        match frontends.iter_mut().find(|f| f.port == listener.port) {
            Some(f) => {
                f.pools.push(pool);
                if let Some(t) = &mut f.tls {
                    t.certificates.extend(sni.map(certificate));
                }
            }
            None => frontends.push(hc::Frontend {
                listener_uuid: listener.uuid.clone(),
                port: listener.port,
                pools: vec![pool],
                tls: listener.tls.as_ref().map(|t| hc::FrontendTls {
                    certificates: t
                        .default_container
                        .iter()
                        .chain(sni)
                        .map(certificate)
                        .collect(),
                }),
            }),
        }
        let members = listener
            .pool
            .members
            .iter()
            .map(|m| hc::Member {
                member_uuid: m.uuid.clone(),
                address: m.address,
                port: m.port,
                weight: 1,
            })
            .collect();
        backends.push(hc::Backend {
            pool_uuid: listener.pool.uuid.clone(),
            members,
        });
    }
    LbConfig {
        lb_uuid: lb.uuid.clone(),
        vip: lb.vip,
        semantics: Semantics::Contrail,
        frontends,
        backends,
    }
}
