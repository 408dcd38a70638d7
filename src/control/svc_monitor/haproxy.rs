//! The haproxy driver (`opencontrail` loadbalancers, Ingresses): a service instance in
//! active-standby mode, two virtual machines scheduled by the `RandomScheduler` (a random
//! functional vRouter that does not host the sibling), local preference 200 for index 0 and
//! 100 for index 1 for good (R5 never swaps them). The config is rendered on every change and
//! sent to both computes.
//!
//! In the Kubernetes profile the placement is the same, but every instance runs the rule table
//! of all Ingress loadbalancers ([`crate::control::ingress_table`]): a change to one Ingress
//! re-renders, and reloads, every haproxy whose file changes.

use std::sync::Arc;

use rand_core::RngCore;

use super::SvcMonitor;
use super::lb_config::lb_config;
use crate::control::config::Loadbalancer;
use crate::control::ingress_table;
use crate::dataplane::haproxy::Semantics;
use crate::dataplane::haproxy::config::LbConfig;
use crate::dataplane::haproxy::render::render;
use crate::topology::NodeId;
use crate::world::msg::HaproxyInstance;
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg, Part};

/// One service instance: its config and where its two virtual machines run.
#[derive(Clone, Debug)]
pub struct ServiceInstance {
    pub base: Arc<HaproxyInstance>,
    /// The compute of each VM (index 0 active, 1 standby); `None` while unscheduled.
    pub vms: [Option<NodeId>; 2],
    /// Launches so far; every tenth is followed by ten skipped checks.
    pub launches: u32,
    pub back_off: u32,
}

impl ServiceInstance {
    /// The instance a compute runs, with its index, if it hosts one.
    pub fn instance_on(&self, node: NodeId) -> Option<Arc<HaproxyInstance>> {
        let index = self.vms.iter().position(|n| *n == Some(node))?;
        Some(Arc::new(HaproxyInstance {
            index: index as u8,
            ..(*self.base).clone()
        }))
    }
}

impl SvcMonitor {
    /// Creates the instance (once) or reconfigures it; in the Kubernetes profile, also every
    /// other instance whose rule table changed with it.
    pub(super) fn haproxy(&mut self, lb: &Arc<Loadbalancer>, ctx: &mut Ctx) {
        let config = match ctx.env.semantics {
            Semantics::Contrail => lb_config(lb),
            Semantics::Kubernetes => {
                self.ingress_lbs.insert(lb.uuid.as_str().into(), lb.clone());
                self.table_config(lb)
            }
        };
        self.configure(lb, Arc::new(config), ctx);
        if ctx.env.semantics == Semantics::Kubernetes {
            self.reconfigure_all(ctx);
        }
    }

    /// An Ingress loadbalancer is gone: its instance stops; in the Kubernetes profile the
    /// others lose its rules.
    pub(super) fn haproxy_deleted(&mut self, lb: &Loadbalancer, ctx: &mut Ctx) {
        self.remove_instance(&lb.uuid, ctx);
        if self.ingress_lbs.remove(lb.uuid.as_str()).is_some() {
            self.reconfigure_all(ctx);
        }
    }

    /// The Kubernetes profile's configuration of `lb`: the table of every Ingress.
    fn table_config(&self, lb: &Loadbalancer) -> LbConfig {
        let all: Vec<Arc<Loadbalancer>> = self.ingress_lbs.values().cloned().collect();
        ingress_table::lb_config(lb, &all)
    }

    /// Kubernetes profile: re-renders every instance and reloads those whose file changed.
    fn reconfigure_all(&mut self, ctx: &mut Ctx) {
        let changed: Vec<(Arc<Loadbalancer>, LbConfig)> = self
            .instances
            .iter()
            .filter_map(|(uuid, si)| {
                let lb = self.ingress_lbs.get(uuid)?;
                let config = self.table_config(lb);
                (config != *si.base.config).then(|| (lb.clone(), config))
            })
            .collect();
        for (lb, config) in changed {
            self.configure(&lb, Arc::new(config), ctx);
        }
    }

    /// Renders `config` and sends the instance to its computes, placing it the first time.
    fn configure(&mut self, lb: &Loadbalancer, config: Arc<LbConfig>, ctx: &mut Ctx) {
        let uuid: Arc<str> = lb.uuid.as_str().into();
        let conf: Arc<str> = render(&config).into();
        let base = Arc::new(HaproxyInstance {
            lb_uuid: uuid.clone(),
            ingress: lb.owner.clone(),
            config,
            conf,
            vip: lb.vip,
            vrf: lb.vrf.clone(),
            fip: lb.fip.zip(lb.fip_vrf.clone()),
            index: 0,
        });
        match self.instances.get_mut(&uuid) {
            Some(si) => {
                si.base = base;
                let si = si.clone();
                for node in si.vms.into_iter().flatten() {
                    self.send_instance(&si, node, ctx);
                }
            }
            None => {
                let si = ServiceInstance {
                    base,
                    vms: [None, None],
                    launches: 0,
                    back_off: 0,
                };
                self.instances.insert(uuid.clone(), si);
                for index in 0..2 {
                    self.launch(&uuid, index, ctx);
                }
                if let Some(si) = self.instances.get(&uuid) {
                    let what = What::ServiceInstance {
                        uuid: uuid.clone(),
                        active: si.vms[0],
                        standby: si.vms[1],
                    };
                    ctx.note(Actor::SvcMonitor, what);
                }
            }
        }
    }

    /// Schedules VM `index` of an instance on a random functional vRouter that does not host
    /// its sibling, and starts it there. False when no vRouter can take it.
    pub(super) fn launch(&mut self, uuid: &Arc<str>, index: usize, ctx: &mut Ctx) -> bool {
        let Some(si) = self.instances.get(uuid) else {
            return false;
        };
        let sibling = si.vms[1 - index];
        let candidates: Vec<NodeId> = self
            .vrouters
            .iter()
            .filter(|(n, v)| v.functional && Some(**n) != sibling)
            .map(|(n, _)| *n)
            .collect();
        if candidates.is_empty() {
            ctx.note(Actor::SvcMonitor, What::NoVrouter { uuid: uuid.clone() });
            return false;
        }
        let chosen = candidates[(self.rng.next_u32() as usize) % candidates.len()];
        let Some(si) = self.instances.get_mut(uuid) else {
            return false;
        };
        si.vms[index] = Some(chosen);
        si.launches += 1;
        if si.launches % 10 == 0 {
            si.back_off = 10;
        }
        let si = si.clone();
        self.send_instance(&si, chosen, ctx);
        true
    }

    fn send_instance(&self, si: &ServiceInstance, node: NodeId, ctx: &mut Ctx) {
        if let Some(inst) = si.instance_on(node) {
            ctx.send(
                Addr::Compute(node, Part::Agent),
                ctx.env.delays.svc_monitor,
                Msg::HaproxyRun(inst),
            );
        }
    }

    pub(super) fn remove_instance(&mut self, uuid: &str, ctx: &mut Ctx) {
        let Some(si) = self.instances.remove(uuid) else {
            return;
        };
        for node in si.vms.into_iter().flatten() {
            let stop = Msg::HaproxyStop {
                lb_uuid: uuid.into(),
            };
            ctx.send(
                Addr::Compute(node, Part::Agent),
                ctx.env.delays.svc_monitor,
                stop,
            );
        }
    }
}
