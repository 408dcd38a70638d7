//! contrail-svc-monitor: calls the driver of each loadbalancer's provider. The ECMP driver
//! (`native`, [`ecmp`]) attaches the service IPs as floating IPs to the backend pods'
//! interfaces; the haproxy driver (`opencontrail`, [`haproxy`]) runs an active-standby pair of
//! haproxy instances on two computes and re-renders haproxy.conf on every change. Its periodic
//! check ([`check`]) notices dead vRouters (three failed checks in a row) and relaunches their
//! instances on another one. In the Kubernetes profile every instance runs the rule table of
//! all Ingresses ([`crate::control::ingress_table`]).

pub mod check;
pub mod ecmp;
pub mod haproxy;
pub mod lb_config;

use std::collections::BTreeMap;
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;

use crate::control::config::{Loadbalancer, Provider};
use crate::sim::{Time, Timer, rng};
use crate::topology::NodeId;
use crate::world::heartbeat::Ticks;
use crate::world::msg::{HaproxyInstance, ServiceFips};
use crate::world::{Addr, Ctx, Env, Msg, Part, TimerKind};
pub use haproxy::ServiceInstance;
pub use lb_config::lb_config;

/// A vRouter as svc-monitor sees it through analytics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VrouterView {
    /// What analytics reports now: the agent is connected and functional.
    pub reported_up: bool,
    /// When that report last changed.
    pub since: Time,
    /// svc-monitor's verdict (`agent_state`): false after three checks in a row found it down.
    pub functional: bool,
    pub down_checks: u32,
}

pub struct SvcMonitor {
    rng: ChaCha8Rng,
    pub vrouters: BTreeMap<NodeId, VrouterView>,
    /// ECMP: what each compute was last sent, per loadbalancer.
    ecmp_sent: BTreeMap<(Arc<str>, NodeId), Arc<ServiceFips>>,
    /// haproxy service instances, by loadbalancer uuid.
    pub instances: BTreeMap<Arc<str>, ServiceInstance>,
    /// Kubernetes profile: every Ingress loadbalancer, by uuid (the merged rule table's input).
    ingress_lbs: BTreeMap<Arc<str>, Arc<Loadbalancer>>,
    checks: Ticks,
    /// The next check, while one has something to find.
    check: Option<Timer>,
}

impl SvcMonitor {
    pub fn new(env: &Env) -> SvcMonitor {
        let up = VrouterView {
            reported_up: true,
            since: Time::ZERO,
            functional: true,
            down_checks: 0,
        };
        SvcMonitor {
            rng: rng::stream(env.seed, "contrail-svc-monitor"),
            vrouters: env
                .topology
                .computes()
                .iter()
                .map(|&n| (n, up.clone()))
                .collect(),
            ecmp_sent: BTreeMap::new(),
            instances: BTreeMap::new(),
            ingress_lbs: BTreeMap::new(),
            checks: Ticks::seeded(env.seed, "contrail-svc-monitor/check", env.timers.svc_check),
            check: None,
        }
    }

    /// The compute running an instance of a loadbalancer: index 0 is the active (local
    /// preference 200), 1 the standby.
    pub fn instance_node(&self, lb_uuid: &str, index: usize) -> Option<NodeId> {
        self.instances
            .get(lb_uuid)
            .and_then(|si| si.vms.get(index).copied().flatten())
    }

    pub fn handle(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::LoadbalancerSet(lb) => match lb.provider {
                Provider::Native => self.ecmp(&lb, false, ctx),
                Provider::Opencontrail => self.haproxy(&lb, ctx),
            },
            Msg::LoadbalancerDeleted(lb) => match lb.provider {
                Provider::Native => self.ecmp(&lb, true, ctx),
                Provider::Opencontrail => self.haproxy_deleted(&lb, ctx),
            },
            Msg::VrouterState { node, up } => {
                let checks = self.checks;
                let Some(v) = self.vrouters.get_mut(&node) else {
                    return;
                };
                // A check that ran while the vRouter was back reset its count: ticks that
                // would find nothing to do are not simulated, so the reset is applied here.
                let checked_since = checks.next_at_or_after(v.since.plus(1)) <= ctx.now;
                if !up && v.reported_up && checked_since {
                    v.down_checks = 0;
                }
                v.reported_up = up;
                v.since = ctx.now;
                if self.needs_check() {
                    self.schedule_check(ctx);
                } else if let Some(t) = self.check.take() {
                    ctx.cancel(t);
                }
            }
            Msg::Timer(TimerKind::ServiceCheck) => {
                self.check = None;
                self.check(ctx);
            }
            Msg::ConfigResync { node } => self.resync(node, ctx),
            _ => {}
        }
    }

    /// The config of one compute again: its floating IPs and haproxy instances.
    fn resync(&mut self, node: NodeId, ctx: &mut Ctx) {
        let fips = self
            .ecmp_sent
            .iter()
            .filter(|((_, n), f)| *n == node && !f.attachments.is_empty())
            .map(|(_, f)| f.clone())
            .collect();
        let instances: Vec<Arc<HaproxyInstance>> = self
            .instances
            .values()
            .filter_map(|si| si.instance_on(node))
            .collect();
        let config = Msg::ServiceConfig { fips, instances };
        ctx.send(
            Addr::Compute(node, Part::Agent),
            ctx.env.delays.xmpp,
            config,
        );
    }

    /// Whether a check would find something: a vRouter whose state svc-monitor has not taken
    /// in yet, or an instance waiting out its back-off.
    fn needs_check(&self) -> bool {
        self.vrouters
            .values()
            .any(|v| v.reported_up != v.functional)
            || self.instances.values().any(|si| si.back_off > 0)
    }

    /// Arms the next periodic check, unless one is armed.
    fn schedule_check(&mut self, ctx: &mut Ctx) {
        if self.check.is_some() {
            return;
        }
        let at = self.checks.next_at_or_after(ctx.now.plus(1));
        self.check = Some(ctx.timer(at.0 - ctx.now.0, TimerKind::ServiceCheck));
    }
}
