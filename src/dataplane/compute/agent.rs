//! The vRouter agent: its XMPP session with the control node, the config it receives (pod
//! interfaces, service floating IPs, haproxy instances), the kernel tables it programs from
//! them, and the routes it advertises. When its session stops it keeps the routes it learned
//! (R5 has no headless option: routes are always retained); when the session comes back it
//! starts again from the control node's current table and advertises everything again.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;

use super::tables::{Fip, Learned, RouteKey};
use super::{Compute, Pod};
use crate::control::config::PodInterface;
use crate::control::session::{PathChange, SessionEnd};
use crate::dataplane::endpoint::{Client, WebServer, page};
use crate::dataplane::haproxy::cfgline::{LineError, first_error};
use crate::dataplane::proxy::Haproxy;
use crate::k8s::objects::ObjectKey;
use crate::routing::{Prefix, RouteAttrs, Vrf};
use crate::sim::rng;
use crate::topology::NodeId;
use crate::trace::Component;
use crate::world::heartbeat::Ticks;
use crate::world::msg::{HaproxyInstance, ServiceFips};
use crate::world::timeline::{Actor, SessionEnded, What};
use crate::world::{Addr, Ctx, Env, Fault, Msg, Part, Session, TimerKind};

pub struct Agent {
    /// Whether the contrail-vrouter-agent process runs.
    pub running: bool,
    pub session: SessionEnd,
    /// Config as received: pod interfaces, floating IPs per loadbalancer, haproxy instances.
    pub pods: BTreeMap<ObjectKey, PodInterface>,
    pub service_fips: BTreeMap<Arc<str>, Arc<ServiceFips>>,
    /// The loadbalancers whose floating IPs go on each interface address.
    fips_by_ip: BTreeMap<Ipv4Addr, BTreeSet<Arc<str>>>,
    /// Interface addresses whose floating IPs changed since the tables were last programmed.
    fips_pending: BTreeSet<Ipv4Addr>,
    pub instances: BTreeMap<Arc<str>, Arc<HaproxyInstance>>,
    /// What it advertised, per VRF and prefix.
    pub advertised: BTreeMap<(Vrf, Prefix), RouteAttrs>,
}

impl Agent {
    /// An agent whose session has been up since before the run.
    pub fn running(node: NodeId, env: &Env) -> Agent {
        let name = format!(
            "{}/xmpp-keepalive/{}",
            env.topology.name(env.topology.master()),
            env.topology.name(node)
        );
        let peer = Ticks::seeded(env.seed, &name, env.timers.xmpp_keepalive);
        Agent {
            running: true,
            session: SessionEnd::established(Session::Xmpp(node), peer, true),
            pods: BTreeMap::new(),
            service_fips: BTreeMap::new(),
            fips_by_ip: BTreeMap::new(),
            fips_pending: BTreeSet::new(),
            instances: BTreeMap::new(),
            advertised: BTreeMap::new(),
        }
    }

    /// An agent process starting now: no config, no session yet.
    pub fn starting(node: NodeId, ctx: &mut Ctx) -> Agent {
        let keepalive = ctx.env.timers.xmpp_keepalive;
        Agent {
            session: SessionEnd::down(Session::Xmpp(node), ctx.now, true, keepalive),
            ..Agent::running(node, ctx.env)
        }
    }

    /// Sets a loadbalancer's floating IPs; the interfaces they leave or reach get theirs again
    /// when the tables are next programmed.
    fn set_service_fips(&mut self, fips: Arc<ServiceFips>) {
        let lb = fips.lb_uuid.clone();
        let old = self.service_fips.insert(lb.clone(), fips.clone());
        let old_ips = old.iter().flat_map(|f| f.attachments.iter());
        for a in old_ips {
            if let Some(lbs) = self.fips_by_ip.get_mut(&a.interface.ip) {
                lbs.remove(&lb);
                if lbs.is_empty() {
                    self.fips_by_ip.remove(&a.interface.ip);
                }
            }
            self.fips_pending.insert(a.interface.ip);
        }
        for a in &fips.attachments {
            let lbs = self.fips_by_ip.entry(a.interface.ip).or_default();
            lbs.insert(lb.clone());
            self.fips_pending.insert(a.interface.ip);
        }
    }

    /// Replaces every loadbalancer's floating IPs (the config sent again after a resync).
    fn replace_service_fips(&mut self, all: Vec<Arc<ServiceFips>>) {
        let old = std::mem::take(&mut self.service_fips);
        let old_ips = old
            .values()
            .flat_map(|f| &f.attachments)
            .map(|a| a.interface.ip);
        self.fips_pending.extend(old_ips);
        self.fips_by_ip.clear();
        for fips in all {
            self.set_service_fips(fips);
        }
    }

    /// The floating IPs of the interface with address `ip`, in loadbalancer order.
    fn fips_for(&self, ip: Ipv4Addr) -> Vec<Fip> {
        let lbs = self.fips_by_ip.get(&ip).into_iter().flatten();
        lbs.filter_map(|lb| self.service_fips.get(lb))
            .flat_map(|f| f.attachments.iter())
            .filter(|a| a.interface.ip == ip)
            .map(|a| Fip {
                ip: a.fip,
                vrf: a.vrf.clone(),
                port_map: a.port_map.clone(),
            })
            .collect()
    }

    /// The process stops: its timers go with it.
    pub fn stop(&mut self, ctx: &mut Ctx) {
        self.running = false;
        self.session.lost(ctx);
    }
}

impl Compute {
    pub(super) fn agent(&mut self, msg: Msg, ctx: &mut Ctx) {
        if let Msg::Fault { fault, up } = &msg {
            match fault {
                Fault::Agent(_) => self.agent_process(*up, ctx),
                Fault::Haproxy { lb_uuid, .. } => self.haproxy_fault(lb_uuid, *up, ctx),
                _ => {}
            }
            return;
        }
        if !self.agent.running {
            return;
        }
        match msg {
            Msg::PodInterfaceAdd(iface) => {
                self.agent.pods.insert(iface.pod.clone(), iface.clone());
                self.plumb_pod(iface, ctx);
            }
            Msg::PodInterfaceDel(iface) => {
                self.agent.pods.remove(&iface.pod);
                self.unplumb_pod(&iface.pod);
            }
            Msg::PodInterfaces(list) => {
                let wanted: BTreeMap<ObjectKey, PodInterface> =
                    list.into_iter().map(|i| (i.pod.clone(), i)).collect();
                let gone: Vec<ObjectKey> = self
                    .live_pods
                    .keys()
                    .filter(|k| !wanted.contains_key(*k))
                    .cloned()
                    .collect();
                for key in gone {
                    self.unplumb_pod(&key);
                }
                for iface in wanted.values() {
                    self.plumb_pod(iface.clone(), ctx);
                }
                self.agent.pods = wanted;
            }
            Msg::ServiceFips(fips) => self.agent.set_service_fips(fips),
            Msg::ServiceConfig { fips, instances } => {
                self.agent.replace_service_fips(fips);
                let wanted: BTreeMap<Arc<str>, Arc<HaproxyInstance>> = instances
                    .into_iter()
                    .map(|i| (i.lb_uuid.clone(), i))
                    .collect();
                let gone: Vec<Arc<str>> = self
                    .agent
                    .instances
                    .keys()
                    .filter(|k| !wanted.contains_key(*k))
                    .cloned()
                    .collect();
                for lb in gone {
                    self.stop_haproxy(&lb, true, ctx);
                }
                for inst in wanted.values() {
                    let same = self.agent.instances.get(&inst.lb_uuid) == Some(inst)
                        && self.haproxy_running(&inst.lb_uuid);
                    if !same {
                        self.run_haproxy(inst.clone(), ctx);
                    }
                }
                self.agent.instances = wanted;
            }
            Msg::HaproxyRun(instance) => {
                self.agent
                    .instances
                    .insert(instance.lb_uuid.clone(), instance.clone());
                self.run_haproxy(instance, ctx);
            }
            Msg::HaproxyStop { lb_uuid } => {
                self.agent.instances.remove(&lb_uuid);
                self.stop_haproxy(&lb_uuid, true, ctx);
            }
            Msg::XmppReady => {
                self.agent.session.up(ctx, ctx.env.timers.xmpp_keepalive);
                self.tables.learned = Learned::Shared;
                ctx.note(
                    Actor::Agent(self.id),
                    What::SessionUp {
                        session: Session::Xmpp(self.id),
                    },
                );
                self.sync_routes(ctx);
            }
            Msg::Path { up, reset, .. } => self.xmpp_path(up, reset, ctx),
            Msg::Timer(TimerKind::Hold(_)) => {
                let last_heard = self.agent.session.last_heard;
                if self.agent.session.hold_expired(ctx) {
                    let what = What::SessionDown {
                        session: Session::Xmpp(self.id),
                        why: SessionEnded::HoldExpired { last_heard },
                    };
                    ctx.note(Actor::Agent(self.id), what);
                    ctx.note(Actor::Agent(self.id), What::RoutesKept);
                }
            }
            Msg::Timer(TimerKind::Connect(_)) => {
                self.agent.session.connect_fired();
                if self.agent.session.path_up {
                    let open = Msg::XmppOpen { from: self.id };
                    ctx.send(Addr::ControlNode, ctx.env.delays.xmpp, open);
                }
            }
            _ => return,
        }
        self.reprogram(ctx);
    }

    /// The agent process crashes (the kernel keeps forwarding on its tables and flows) or
    /// starts again (it dials the control node and gets its config anew).
    fn agent_process(&mut self, up: bool, ctx: &mut Ctx) {
        if up == self.agent.running || !self.powered {
            return;
        }
        if up {
            self.agent = Agent::starting(self.id, ctx);
            // The new process has advertised nothing yet, and has no floating IPs to attach.
            self.tables.touch_all();
            let ips = self.tables.by_ip.keys().copied();
            self.agent.fips_pending.extend(ips);
            ctx.note(Actor::Agent(self.id), What::ProcessStarted { empty: true });
            let cap = ctx.env.timers.xmpp_connect_retry;
            self.agent.session.dial(cap, ctx);
        } else {
            self.tables.learned = Learned::Kept(self.tables.learned.rib(ctx.rib).clone());
            self.agent.stop(ctx);
            ctx.note(Actor::Agent(self.id), What::ProcessStopped);
        }
    }

    fn xmpp_path(&mut self, up: bool, reset: bool, ctx: &mut Ctx) {
        let t = &ctx.env.timers;
        let (hold, cap) = (t.xmpp_hold, t.xmpp_connect_retry);
        let session = Session::Xmpp(self.id);
        let was_shared = matches!(self.tables.learned, Learned::Shared);
        match self.agent.session.path(up, reset, hold, cap, ctx) {
            PathChange::Silent {
                last_heard,
                expires,
            } => {
                // Updates stop arriving: the kernel keeps what it had.
                if was_shared {
                    self.tables.learned = Learned::Kept(ctx.rib.clone());
                }
                let what = What::HoldRunning {
                    session,
                    last_heard,
                    expires,
                };
                ctx.note(Actor::Agent(self.id), what);
            }
            PathChange::Resumed => {
                self.tables.learned = Learned::Shared;
                ctx.note(Actor::Agent(self.id), What::SessionResumed { session });
                self.sync_routes(ctx);
            }
            PathChange::Reset => {
                self.agent.session.lost(ctx);
                let what = What::SessionDown {
                    session,
                    why: SessionEnded::Reset,
                };
                ctx.note(Actor::Agent(self.id), what);
                self.agent.session.dial(cap, ctx);
            }
            PathChange::Dial(_) | PathChange::Quiet => {}
        }
    }

    /// Sends the control node every route this agent advertises.
    fn sync_routes(&mut self, ctx: &mut Ctx) {
        let routes = self
            .agent
            .advertised
            .iter()
            .map(|((v, p), a)| (v.clone(), *p, *a))
            .collect();
        let sync = Msg::XmppSync {
            from: self.id,
            routes,
        };
        ctx.send(Addr::ControlNode, ctx.env.delays.xmpp, sync);
    }

    /// Puts the floating IPs the agent holds on the live pod interfaces whose floating IPs
    /// changed.
    fn attach_fips(&mut self) {
        for ip in std::mem::take(&mut self.agent.fips_pending) {
            let Some(&vif) = self.tables.by_ip.get(&ip) else {
                continue;
            };
            if self
                .tables
                .vif(vif)
                .is_some_and(|v| matches!(v.owner, Component::Pod(_)))
            {
                self.tables.set_fips(vif, self.agent.fips_for(ip));
            }
        }
    }

    /// Plumbs a pod's interface (once) and tells the kubelet its network is ready.
    fn plumb_pod(&mut self, iface: PodInterface, ctx: &mut Ctx) {
        if self.live_pods.contains_key(&iface.pod) {
            return;
        }
        let slot = self.pods.len() as u32;
        let label = self.allocate_label();
        let vif = self.tables.plumb(
            iface.vmi.clone(),
            iface.ip,
            iface.vrf.clone(),
            Component::Pod(slot),
            label,
        );
        self.agent.fips_pending.insert(iface.ip);
        let name = format!("pod/{}/{}", iface.pod.namespace, iface.pod.name);
        let pod_rng = self.app_rng(ctx, &name);
        self.live_pods.insert(iface.pod.clone(), slot);
        self.pods.push(Pod {
            key: iface.pod.clone(),
            ip: iface.ip,
            vif,
            live: true,
            running: false,
            restarts: 0,
            web: WebServer::new(pod_rng.clone()),
            page: Arc::new(page(iface.ip, &iface.pod.name)),
            client: Client::new(pod_rng),
        });
        ctx.note(
            Actor::Agent(self.id),
            What::InterfacePlumbed {
                pod: iface.pod.clone(),
                ip: iface.ip,
                vrf: iface.vrf.clone(),
            },
        );
        let ready = Msg::InterfaceReady { pod: iface.pod };
        ctx.send(Addr::Compute(self.id, Part::Kubelet), 0, ready);
    }

    fn unplumb_pod(&mut self, key: &ObjectKey) {
        let Some(slot) = self.live_pods.remove(key) else {
            return;
        };
        if let Some(p) = self.pods.get_mut(slot as usize) {
            p.live = false;
            p.running = false;
            self.tables.retire(p.vif);
        }
    }

    fn haproxy_running(&self, lb: &str) -> bool {
        self.haproxies
            .iter()
            .any(|h| h.running && &*h.instance.lb_uuid == lb)
    }

    /// Starts haproxy for an instance, or reloads it (`-sf <old pid>`) with a new config —
    /// unless the agent cannot write a certificate it names (Contrail's agent then stops the
    /// loadbalancer's haproxy) or haproxy cannot read the file (the running process keeps its
    /// old one).
    fn run_haproxy(&mut self, instance: Arc<HaproxyInstance>, ctx: &mut Ctx) {
        match refusal(&instance) {
            None => {}
            Some(Refusal::Certificate(container)) => {
                let reason = format!(
                    "no certificate for TLS container {container} (Secret missing or tls.crt \
                     unreadable): haproxy stopped"
                );
                let failed = What::HaproxyFailed {
                    uuid: instance.lb_uuid.clone(),
                    reason,
                };
                ctx.note(Actor::Agent(self.id), failed);
                self.stop_haproxy(&instance.lb_uuid, true, ctx);
                return;
            }
            Some(Refusal::Line(line, why)) => {
                let reason = format!(
                    "haproxy -f haproxy.conf: parsing [haproxy.conf:{line}]: {}; the new \
                     configuration does not run",
                    why.as_str()
                );
                let failed = What::HaproxyFailed {
                    uuid: instance.lb_uuid.clone(),
                    reason,
                };
                ctx.note(Actor::Agent(self.id), failed);
                return;
            }
        }
        let pid = self.next_pid;
        self.next_pid += 1 + (rand_core::RngCore::next_u32(&mut self.rng) % 7);
        let uuid = instance.lb_uuid.clone();
        let existing = self
            .haproxies
            .iter()
            .position(|h| h.running && h.instance.lb_uuid == uuid)
            .or_else(|| {
                // A process that exited keeps its interface: a new one takes it over.
                self.haproxies.iter().position(|h| {
                    h.instance.lb_uuid == uuid && self.tables.vif(h.vif).is_some_and(|v| v.live)
                })
            });
        let hrng = |this: &Compute| -> ChaCha8Rng {
            rng::stream(
                ctx.env.seed,
                &format!("{}/haproxy/{uuid}/{pid}/boot{}", this.name, this.boots),
            )
        };
        let previous = match existing {
            Some(slot) => {
                let rng = hrng(self);
                let Some(h) = self.haproxies.get_mut(slot) else {
                    return;
                };
                let old = h.running.then_some(h.pid);
                h.stop(ctx);
                let vif = h.vif;
                *h = Haproxy::new(instance.clone(), pid, vif, rng);
                self.tables.set_vrf(vif, instance.vrf.clone());
                old
            }
            None => {
                let slot = self.haproxies.len() as u32;
                let vmi: Arc<str> = rng::uuid(&mut self.rng).into();
                let label = self.allocate_label();
                let vif = self.tables.plumb(
                    vmi,
                    instance.vip,
                    instance.vrf.clone(),
                    Component::Haproxy(slot),
                    label,
                );
                let rng = hrng(self);
                self.haproxies
                    .push(Haproxy::new(instance.clone(), pid, vif, rng));
                None
            }
        };
        if let Some(h) = self
            .haproxies
            .iter()
            .find(|h| h.running && h.instance.lb_uuid == uuid)
        {
            let fips = instance
                .fip
                .iter()
                .map(|(ip, vrf)| Fip {
                    ip: *ip,
                    vrf: vrf.clone(),
                    port_map: Vec::new(),
                })
                .collect();
            self.tables.set_fips(h.vif, fips);
        }
        ctx.note(
            Actor::Agent(self.id),
            What::HaproxyStarted {
                uuid,
                pid,
                previous,
            },
        );
    }

    /// Stops an instance's haproxy; `remove` also takes its interface away (the instance left
    /// this node), else the interface and its routes stay (the process just exited).
    fn stop_haproxy(&mut self, lb: &Arc<str>, remove: bool, ctx: &mut Ctx) {
        let id = self.id;
        for h in self
            .haproxies
            .iter_mut()
            .filter(|h| &h.instance.lb_uuid == lb)
        {
            if h.running {
                h.stop(ctx);
                let what = if remove {
                    What::HaproxyStopped {
                        uuid: lb.clone(),
                        pid: h.pid,
                    }
                } else {
                    What::HaproxyExited {
                        uuid: lb.clone(),
                        pid: h.pid,
                    }
                };
                ctx.note(Actor::Agent(id), what);
            }
            if remove {
                self.tables.retire(h.vif);
            }
        }
    }

    /// `haproxy/INGRESS@NODE`: the process exits and nothing restarts it (neither the agent nor
    /// svc-monitor watches it); recovering it stands for an operator starting it again.
    fn haproxy_fault(&mut self, lb: &Arc<str>, up: bool, ctx: &mut Ctx) {
        if !self.powered {
            return;
        }
        if up {
            if let Some(inst) = self.agent.instances.get(lb).cloned()
                && !self.haproxy_running(lb)
            {
                self.run_haproxy(inst, ctx);
            }
        } else {
            self.stop_haproxy(lb, false, ctx);
        }
    }

    /// The vRouter saw the first packet from a pod: its route's preference goes to 200.
    pub(crate) fn traffic_seen(&mut self, vif: u32, ctx: &mut Ctx) {
        if self.tables.mark_traffic_seen(vif) && self.agent.running {
            self.reprogram(ctx);
        }
    }

    /// Applies the config to the kernel tables and advertises what changed.
    fn reprogram(&mut self, ctx: &mut Ctx) {
        self.attach_fips();
        // A haproxy interface's preference follows its instance, which may have changed.
        for vif in self.haproxies.iter().map(|h| h.vif) {
            self.tables.touch(vif);
        }
        let instances = &self.agent.instances;
        let haproxies = &self.haproxies;
        let instance_lp = |owner: Component| match owner {
            Component::Haproxy(slot) => haproxies
                .get(slot as usize)
                .and_then(|h| instances.get(&h.instance.lb_uuid))
                .map(|i| if i.index == 0 { 200 } else { 100 }),
            _ => None,
        };
        let mut next_label = self.next_label;
        let changed = self.tables.refresh(
            |v| instance_lp(v.owner).unwrap_or(if v.traffic_seen { 200 } else { 100 }),
            |v| instance_lp(v.owner).unwrap_or(200),
            || {
                let l = next_label;
                next_label += 1;
                l
            },
        );
        self.next_label = next_label;
        self.readvertise(&changed, ctx);
    }

    /// Publishes the new routes among `keys` and retracts the stale ones over XMPP (when the
    /// session is up): first every retraction, then every publication, each in key order.
    fn readvertise(&mut self, keys: &[RouteKey], ctx: &mut Ctx) {
        for key in keys {
            if self.tables.local.contains_key(key) {
                continue;
            }
            let Some(attrs) = self.agent.advertised.remove(key) else {
                continue;
            };
            let (vrf, prefix) = key.clone();
            let what = What::Retracted {
                vrf: vrf.clone(),
                prefix,
                label: attrs.label,
            };
            let msg = Msg::XmppRetract {
                from: self.id,
                vrf,
                prefix,
            };
            self.tell_control_node(what, msg, ctx);
        }
        for key in keys {
            let Some(route) = self.tables.local.get(key) else {
                continue;
            };
            let attrs = RouteAttrs {
                origin: self.id,
                next_hop: self.address,
                label: route.label,
                local_pref: route.local_pref,
                med: 0,
            };
            if self.agent.advertised.get(key) == Some(&attrs) {
                continue;
            }
            let (vrf, prefix) = key.clone();
            let what = What::Published {
                vrf: vrf.clone(),
                prefix,
                label: attrs.label,
                local_pref: attrs.local_pref,
            };
            let msg = Msg::XmppPublish {
                from: self.id,
                vrf,
                prefix,
                attrs,
            };
            self.tell_control_node(what, msg, ctx);
            self.agent.advertised.insert(key.clone(), attrs);
        }
    }

    /// Notes a change of what the agent advertises, and sends it over XMPP when the session
    /// is up (else the next session's sync carries it).
    fn tell_control_node(&self, what: What, msg: Msg, ctx: &mut Ctx) {
        ctx.note(Actor::Agent(self.id), what);
        if self.agent.session.is_up() {
            ctx.send(Addr::ControlNode, ctx.env.delays.xmpp, msg);
        }
    }
}

/// Why the agent does not run a configuration it was given.
enum Refusal {
    /// A TLS container whose certificate it cannot write as a PEM file.
    Certificate(String),
    /// A line haproxy cannot read: its number and why.
    Line(usize, LineError),
}

/// What stops `instance` from running: a certificate the agent cannot fetch (checked first, as
/// the agent writes the PEM files before it starts haproxy), or a line haproxy refuses.
fn refusal(instance: &HaproxyInstance) -> Option<Refusal> {
    let missing = instance
        .config
        .frontends
        .iter()
        .filter_map(|f| f.tls.as_ref())
        .flat_map(|t| &t.certificates)
        .find(|c| c.cn.is_none());
    if let Some(c) = missing {
        return Some(Refusal::Certificate(c.container.clone()));
    }
    first_error(&instance.conf).map(|(line, why)| Refusal::Line(line, why))
}
