//! contrail-svc-monitor: calls the driver of each loadbalancer's provider. The ECMP driver
//! (`native`) attaches the service IPs as floating IPs to every backend pod's interface; the
//! haproxy driver (`opencontrail`) runs an active-standby pair of haproxy instances on two
//! different computes and re-renders haproxy.conf on every change.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;

use crate::control::config::{Loadbalancer, PodInterface, PoolRule, Provider};
use crate::dataplane::haproxy::config::{self as hc, LbConfig};
use crate::dataplane::haproxy::render::render;
use crate::sim::rng;
use crate::topology::{NodeId, Topology};
use crate::world::msg::{FipAttachment, HaproxyInstance, ServiceFips};
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg, Part};

pub struct SvcMonitor {
    rng: ChaCha8Rng,
    computes: Vec<NodeId>,
    down: BTreeSet<NodeId>,
    /// Placement of each haproxy service instance: [active, standby].
    pub instances: BTreeMap<Arc<str>, (Vec<NodeId>, Arc<HaproxyInstance>)>,
}

impl SvcMonitor {
    pub fn new(seed: u64, topology: &Topology) -> SvcMonitor {
        SvcMonitor {
            rng: rng::stream(seed, "contrail-svc-monitor"),
            computes: topology.computes().to_vec(),
            down: BTreeSet::new(),
            instances: BTreeMap::new(),
        }
    }

    /// The computes of a haproxy service instance: [active, standby].
    pub fn placement(&self, lb_uuid: &str) -> Option<&[NodeId]> {
        self.instances
            .get(lb_uuid)
            .map(|(nodes, _)| nodes.as_slice())
    }

    pub fn handle(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::LoadbalancerSet(lb) => match lb.provider {
                Provider::Native => self.ecmp(&lb, false, ctx),
                Provider::Opencontrail => self.haproxy(&lb, ctx),
            },
            Msg::LoadbalancerDeleted(lb) => match lb.provider {
                Provider::Native => self.ecmp(&lb, true, ctx),
                Provider::Opencontrail => {
                    if let Some((nodes, _)) = self.instances.remove(lb.uuid.as_str()) {
                        for node in nodes {
                            let stop = Msg::HaproxyStop {
                                lb_uuid: lb.uuid.as_str().into(),
                            };
                            ctx.send(
                                Addr::Compute(node, Part::Agent),
                                ctx.env.delays.svc_monitor,
                                stop,
                            );
                        }
                    }
                }
            },
            Msg::NodeDown(node) => {
                self.down.insert(node);
            }
            Msg::NodeUp(node) => {
                self.down.remove(&node);
                for (nodes, instance) in self.instances.values() {
                    if let Some(index) = nodes.iter().position(|n| *n == node) {
                        let inst = HaproxyInstance {
                            index: u8::try_from(index).unwrap_or(1),
                            ..(**instance).clone()
                        };
                        ctx.send(
                            Addr::Compute(node, Part::Agent),
                            ctx.env.delays.svc_monitor,
                            Msg::HaproxyRun(Arc::new(inst)),
                        );
                    }
                }
            }
            _ => {}
        }
    }

    /// The ECMP driver: per compute, the floating IPs to attach to its backend interfaces.
    fn ecmp(&mut self, lb: &Loadbalancer, deleted: bool, ctx: &mut Ctx) {
        let mut per_iface: BTreeMap<PodInterface, Vec<(u16, u16)>> = BTreeMap::new();
        if !deleted {
            for listener in &lb.listeners {
                for member in &listener.pool.members {
                    if let Some(iface) = &member.target {
                        per_iface
                            .entry(iface.clone())
                            .or_default()
                            .push((listener.port, member.port));
                    }
                }
            }
        }
        for &node in &self.computes {
            let mut attachments = Vec::new();
            for (iface, port_map) in per_iface.iter().filter(|(i, _)| i.node == node) {
                for (fip, public) in [(Some(lb.vip), false), (lb.fip, true)] {
                    if let Some(fip) = fip {
                        attachments.push(FipAttachment {
                            fip,
                            public,
                            interface: iface.clone(),
                            port_map: port_map.clone(),
                        });
                    }
                }
            }
            let fips = ServiceFips {
                lb_uuid: lb.uuid.as_str().into(),
                service: lb.owner.clone(),
                attachments,
            };
            ctx.send(
                Addr::Compute(node, Part::Agent),
                ctx.env.delays.svc_monitor,
                Msg::ServiceFips(Arc::new(fips)),
            );
        }
        if !deleted {
            ctx.note(
                Actor::SvcMonitor,
                What::EcmpFloatingIps {
                    service: lb.owner.clone(),
                    fip: lb.vip,
                    interfaces: per_iface.len(),
                },
            );
        }
    }

    /// The haproxy driver: place (once) and (re)configure the active-standby pair.
    fn haproxy(&mut self, lb: &Loadbalancer, ctx: &mut Ctx) {
        let uuid: Arc<str> = lb.uuid.as_str().into();
        let nodes = match self.instances.get(&uuid) {
            Some((nodes, _)) => nodes.clone(),
            None => {
                let mut healthy: Vec<NodeId> = self
                    .computes
                    .iter()
                    .copied()
                    .filter(|n| !self.down.contains(n))
                    .collect();
                // Random choice among healthy computes, never both instances on one node.
                for i in (1..healthy.len()).rev() {
                    let j = (self.rng.next_u32() as usize) % (i + 1);
                    healthy.swap(i, j);
                }
                healthy.truncate(2);
                if let [active, standby] = healthy[..] {
                    ctx.note(
                        Actor::SvcMonitor,
                        What::ServiceInstance {
                            uuid: uuid.clone(),
                            active,
                            standby,
                        },
                    );
                }
                healthy
            }
        };
        let config = Arc::new(lb_config(lb));
        let conf: Arc<str> = render(&config).into();
        let base = HaproxyInstance {
            lb_uuid: uuid.clone(),
            ingress: lb.owner.clone(),
            config,
            conf,
            vip: lb.vip,
            fip: lb.fip,
            index: 0,
        };
        for (index, &node) in nodes.iter().enumerate() {
            let inst = HaproxyInstance {
                index: u8::try_from(index).unwrap_or(1),
                ..base.clone()
            };
            ctx.send(
                Addr::Compute(node, Part::Agent),
                ctx.env.delays.svc_monitor,
                Msg::HaproxyRun(Arc::new(inst)),
            );
        }
        self.instances.insert(uuid, (nodes, Arc::new(base)));
    }
}

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
