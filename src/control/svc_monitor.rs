//! contrail-svc-monitor: calls the driver of each loadbalancer's provider. The ECMP driver
//! (`native`) attaches the service IPs as floating IPs to every backend pod's interface; the
//! haproxy driver (`opencontrail`) runs an active-standby pair of haproxy instances on two
//! different computes and re-renders haproxy.conf on every change.
//!
//! In the Kubernetes profile the placement is the same, but every instance runs the rule table
//! of all Ingress loadbalancers ([`crate::control::ingress_table`]): a change to one Ingress
//! re-renders, and reloads, every haproxy whose file changes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;

use crate::control::config::{Loadbalancer, PodInterface, PoolRule, Provider};
use crate::control::ingress_table;
use crate::dataplane::haproxy::Semantics;
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
    /// Kubernetes profile: every Ingress loadbalancer, by uuid (the merged rule table's input).
    ingress_lbs: BTreeMap<Arc<str>, Arc<Loadbalancer>>,
}

impl SvcMonitor {
    pub fn new(seed: u64, topology: &Topology) -> SvcMonitor {
        SvcMonitor {
            rng: rng::stream(seed, "contrail-svc-monitor"),
            computes: topology.computes().collect(),
            down: BTreeSet::new(),
            instances: BTreeMap::new(),
            ingress_lbs: BTreeMap::new(),
        }
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
                    self.ingress_lbs.remove(lb.uuid.as_str());
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
                    if ctx.env.semantics == Semantics::Kubernetes {
                        self.reconfigure_all(ctx);
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
    fn haproxy(&mut self, lb: &Arc<Loadbalancer>, ctx: &mut Ctx) {
        let uuid: Arc<str> = lb.uuid.as_str().into();
        let nodes = self.place(&uuid, ctx);
        match ctx.env.semantics {
            Semantics::Contrail => {
                let config = Arc::new(lb_config(lb));
                self.run(lb, nodes, config, ctx);
            }
            Semantics::Kubernetes => {
                self.ingress_lbs.insert(uuid.clone(), lb.clone());
                if !self.instances.contains_key(&uuid) {
                    let config = Arc::new(self.table_config(lb));
                    self.run(lb, nodes, config, ctx);
                }
                self.reconfigure_all(ctx);
            }
        }
    }

    /// The Kubernetes profile's configuration of `lb`: the table of every Ingress.
    fn table_config(&self, lb: &Loadbalancer) -> LbConfig {
        let all: Vec<Arc<Loadbalancer>> = self.ingress_lbs.values().cloned().collect();
        ingress_table::lb_config(lb, &all)
    }

    /// Kubernetes profile: re-renders every instance and reloads those whose file changed.
    fn reconfigure_all(&mut self, ctx: &mut Ctx) {
        let changed: Vec<(Arc<Loadbalancer>, Vec<NodeId>, Arc<LbConfig>)> = self
            .instances
            .iter()
            .filter_map(|(uuid, (nodes, inst))| {
                let lb = self.ingress_lbs.get(uuid)?;
                let config = self.table_config(lb);
                (config != *inst.config).then(|| (lb.clone(), nodes.clone(), Arc::new(config)))
            })
            .collect();
        for (lb, nodes, config) in changed {
            self.run(&lb, nodes, config, ctx);
        }
    }

    /// Renders `config` and sends the instance to its nodes (index 0 active, 1 standby).
    fn run(&mut self, lb: &Loadbalancer, nodes: Vec<NodeId>, config: Arc<LbConfig>, ctx: &mut Ctx) {
        let uuid: Arc<str> = lb.uuid.as_str().into();
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

    /// The computes of an instance: its placement, or a new one (random among healthy computes,
    /// never both on one node).
    fn place(&mut self, uuid: &Arc<str>, ctx: &mut Ctx) -> Vec<NodeId> {
        match self.instances.get(uuid) {
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
        }
    }
}

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
