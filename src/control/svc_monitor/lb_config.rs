//! The haproxy configuration svc-monitor's haproxy driver builds from an Ingress loadbalancer.

use crate::control::config::{Loadbalancer, PoolRule};
use crate::dataplane::haproxy::config::{self as hc, LbConfig};

/// The haproxy configuration of an Ingress loadbalancer: one frontend per listener port, named
/// after its first listener; pools in listener order.
pub fn lb_config(lb: &Loadbalancer) -> LbConfig {
    let mut frontends: Vec<hc::Frontend> = Vec::new();
    let mut backends = Vec::new();
    for listener in &lb.listeners {
        let rule = match &listener.pool.rule {
            PoolRule::Default | PoolRule::Service => hc::PoolRule::Default,
            PoolRule::Acl { host, path } => hc::PoolRule::Acl {
                host: host.clone(),
                path: path.clone(),
            },
        };
        let pool = hc::FrontendPool {
            pool_uuid: listener.pool.uuid.clone(),
            rule,
        };
        match frontends.iter_mut().find(|f| f.port == listener.port) {
            Some(f) => f.pools.push(pool),
            None => frontends.push(hc::Frontend {
                listener_uuid: listener.uuid.clone(),
                port: listener.port,
                pools: vec![pool],
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
        frontends,
        backends,
    }
}
