//! A compute node: the vRouter agent (interfaces, floating IPs, haproxy processes, XMPP routes),
//! the vRouter's forwarding (in [`super::vrouter`]), and the pods and haproxy processes it hosts.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;

use super::endpoint::{Client, WebServer, page};
use super::haproxy::cfgline::{LineError, first_error};
use super::proxy::Haproxy;
use super::vrouter::Flows;
use crate::control::config::PodInterface;
use crate::routing::{Prefix, RouteAttrs, Vrf};
use crate::scenario::model::ObjectKey;
use crate::sim::hash::FastMap;
use crate::sim::rng;
use crate::topology::{NodeId, Topology};
use crate::trace::{Component, DropReason, Step, Tag};
use crate::wire::{HttpResponse, Packet};
use crate::world::msg::{HaproxyInstance, ServiceFips};
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg, Part};

/// A floating IP attached to an interface, with its port map (servicePort → targetPort).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fip {
    pub ip: Ipv4Addr,
    pub public: bool,
    pub port_map: Vec<(u16, u16)>,
}

/// A virtual-machine interface plumbed on this vRouter.
#[derive(Clone, Debug)]
pub struct Interface {
    pub vmi: Arc<str>,
    pub ip: Ipv4Addr,
    pub label: u32,
    pub owner: Component,
    pub fips: Vec<Fip>,
    pub live: bool,
}

impl Interface {
    /// `tapeth0-` and the first six characters of the VMI uuid, as the agent names taps.
    pub fn tap(&self) -> String {
        format!("tapeth0-{}", self.vmi.get(..6).unwrap_or(&self.vmi))
    }
}

/// A pod running on this node.
#[derive(Debug)]
pub struct Pod {
    pub key: ObjectKey,
    pub ip: Ipv4Addr,
    pub iface: usize,
    pub live: bool,
    /// Runs the book's web server (image `contrail-webserver`).
    pub web: Option<(WebServer, Arc<HttpResponse>)>,
    pub client: Client,
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

pub struct Compute {
    pub id: NodeId,
    pub name: &'static str,
    pub address: Ipv4Addr,
    pub up: bool,
    rng: ChaCha8Rng,
    /// Salt of the ECMP hash, fixed per seed.
    pub hash_salt: u64,
    next_label: u32,
    next_pid: u32,
    pub interfaces: Vec<Interface>,
    pub by_label: FastMap<u32, usize>,
    pub by_ip: FastMap<Ipv4Addr, usize>,
    service_fips: BTreeMap<Arc<str>, Arc<ServiceFips>>,
    /// Routes from the control node: the best paths of each prefix.
    pub routes: BTreeMap<(Vrf, Prefix), Arc<[RouteAttrs]>>,
    /// Host routes for forwarding lookups.
    pub fib: FastMap<Ipv4Addr, (Vrf, Arc<[RouteAttrs]>)>,
    advertised: BTreeSet<(Vrf, Prefix, RouteAttrs)>,
    pub flows: Flows,
    pub pods: Vec<Pod>,
    pub haproxies: Vec<Haproxy>,
}

impl Compute {
    pub fn new(id: NodeId, topology: &Topology, seed: u64) -> Compute {
        let name = topology.name(id);
        let mut rng = rng::stream(seed, &format!("{name}/vrouter-agent"));
        let next_label = 17 + rng.next_u32() % 16;
        let next_pid = 10_000 + rng.next_u32() % 20_000;
        let hash_salt = rng.next_u64();
        Compute {
            id,
            name,
            address: topology.node(id).address,
            up: true,
            rng,
            hash_salt,
            next_label,
            next_pid,
            interfaces: Vec::new(),
            by_label: FastMap::default(),
            by_ip: FastMap::default(),
            service_fips: BTreeMap::new(),
            routes: BTreeMap::new(),
            fib: FastMap::default(),
            advertised: BTreeSet::new(),
            flows: Flows::default(),
            pods: Vec::new(),
            haproxies: Vec::new(),
        }
    }

    pub fn handle(&mut self, part: Part, msg: Msg, ctx: &mut Ctx) {
        match (part, msg) {
            (Part::VRouter, Msg::Packet(packet, tag)) => self.forward(packet, tag, ctx),
            (Part::Pod(slot), Msg::Packet(packet, tag)) => self.pod_packet(slot, &packet, tag, ctx),
            (Part::Pod(slot), Msg::CurlStart(job)) => self.pod_curl(slot, job, ctx),
            (Part::Haproxy(slot), Msg::Packet(packet, tag)) => {
                self.haproxy_packet(slot, &packet, tag, ctx)
            }
            (Part::Agent, msg) => self.agent(msg, ctx),
            _ => {}
        }
    }

    fn pod_curl(&mut self, slot: u16, job: Arc<crate::world::msg::CurlJob>, ctx: &mut Ctx) {
        let id = self.id;
        let Some(pod) = self.pods.get_mut(usize::from(slot)) else {
            return;
        };
        ctx.hop(
            Tag {
                request: job.request_id,
                conn: 0,
                packet: 0,
            },
            id,
            Component::Pod(slot),
        );
        let tap = ctx.env.delays.tap;
        pod.client
            .start(job, pod.ip, ctx, &mut |p, t, ctx: &mut Ctx| {
                ctx.send(Addr::Compute(id, Part::VRouter), tap, Msg::Packet(p, t));
            });
    }

    fn pod_packet(&mut self, slot: u16, packet: &Packet, tag: Tag, ctx: &mut Ctx) {
        let id = self.id;
        ctx.hop(tag, id, Component::Pod(slot));
        let Some(pod) = self.pods.get_mut(usize::from(slot)).filter(|p| p.live) else {
            ctx.step(Step::Drop(DropReason::NoListener));
            return;
        };
        let tap = ctx.env.delays.tap;
        let server = ctx.env.delays.server;
        let mut emit = |p: Packet, t: Tag, ctx: &mut Ctx| {
            let delay = if p.payload.is_empty() {
                tap
            } else {
                tap + server
            };
            ctx.send(Addr::Compute(id, Part::VRouter), delay, Msg::Packet(p, t));
        };
        if pod.client.receive(packet, tag, ctx, &mut emit) {
            return;
        }
        match &mut pod.web {
            Some((web, page)) if packet.key.dport == 80 => {
                web.receive(packet, tag, page, ctx, &mut emit);
            }
            _ => ctx.step(Step::Drop(DropReason::NoListener)),
        }
    }

    fn haproxy_packet(&mut self, slot: u16, packet: &Packet, tag: Tag, ctx: &mut Ctx) {
        let id = self.id;
        ctx.hop(tag, id, Component::Haproxy(slot));
        let tap = ctx.env.delays.tap;
        let proxy = ctx.env.delays.proxy;
        let Some(h) = self
            .haproxies
            .get_mut(usize::from(slot))
            .filter(|h| h.running)
        else {
            ctx.step(Step::Drop(DropReason::NoListener));
            return;
        };
        let mut emit = |p: Packet, t: Tag, ctx: &mut Ctx| {
            ctx.send(
                Addr::Compute(id, Part::VRouter),
                tap + proxy,
                Msg::Packet(p, t),
            );
        };
        if !h.receive(packet, tag, ctx, &mut emit) {
            ctx.step(Step::Drop(DropReason::NoListener));
        }
    }

    // ---- the vRouter agent ----

    fn agent(&mut self, msg: Msg, ctx: &mut Ctx) {
        if !self.up {
            return;
        }
        match msg {
            Msg::PodInterfaceAdd(iface) => self.plumb_pod(iface, ctx),
            Msg::PodInterfaceDel(iface) => {
                if let Some(&i) = self.by_ip.get(&iface.ip) {
                    self.unplumb(i);
                    if let Some(pod) = self.pods.iter_mut().find(|p| p.iface == i) {
                        pod.live = false;
                    }
                }
            }
            Msg::ServiceFips(fips) => {
                self.service_fips.insert(fips.lb_uuid.clone(), fips);
                self.apply_service_fips();
            }
            Msg::HaproxyRun(instance) => match refusal(&instance) {
                None => self.run_haproxy(instance, ctx),
                Some(Refusal::Certificate(container)) => {
                    // Contrail's agent cannot write the PEM file: its exception path stops
                    // haproxy and removes the loadbalancer's folder.
                    ctx.note(
                        Actor::Agent(self.id),
                        What::HaproxyFailed {
                            uuid: instance.lb_uuid.clone(),
                            reason: format!(
                                "no certificate for TLS container {container} (Secret missing or \
                                 tls.crt unreadable): haproxy stopped"
                            ),
                        },
                    );
                    self.stop_haproxy(&instance.lb_uuid, ctx);
                }
                Some(Refusal::Line(line, why)) => {
                    // haproxy refuses the file; the running process, if any, keeps its old one.
                    ctx.note(
                        Actor::Agent(self.id),
                        What::HaproxyFailed {
                            uuid: instance.lb_uuid.clone(),
                            reason: format!(
                                "haproxy -f haproxy.conf: parsing [haproxy.conf:{line}]: {}; \
                                 the new configuration does not run",
                                why.as_str()
                            ),
                        },
                    );
                }
            },
            Msg::NodeUp(_) => {}
            Msg::HaproxyStop { lb_uuid } => self.stop_haproxy(&lb_uuid, ctx),
            Msg::XmppRoutes { vrf, prefix, paths } => {
                if paths.is_empty() {
                    self.routes.remove(&(vrf, prefix));
                } else {
                    self.routes.insert((vrf, prefix), paths);
                }
                self.rebuild_fib();
                return;
            }
            _ => return,
        }
        self.readvertise(ctx);
    }

    fn allocate_interface(&mut self, vmi: Arc<str>, ip: Ipv4Addr, owner: Component) -> usize {
        let label = self.next_label;
        self.next_label += 1;
        self.interfaces.push(Interface {
            vmi,
            ip,
            label,
            owner,
            fips: Vec::new(),
            live: true,
        });
        let i = self.interfaces.len() - 1;
        self.reindex();
        i
    }

    fn unplumb(&mut self, i: usize) {
        if let Some(iface) = self.interfaces.get_mut(i) {
            iface.live = false;
        }
        self.reindex();
    }

    /// Rebuilds the label and address indexes from the live interfaces.
    fn reindex(&mut self) {
        self.by_label = self
            .interfaces
            .iter()
            .enumerate()
            .filter(|(_, f)| f.live)
            .map(|(i, f)| (f.label, i))
            .collect();
        self.by_ip = self
            .interfaces
            .iter()
            .enumerate()
            .filter(|(_, f)| f.live)
            .map(|(i, f)| (f.ip, i))
            .collect();
    }

    fn plumb_pod(&mut self, iface: PodInterface, ctx: &mut Ctx) {
        let slot = u16::try_from(self.pods.len()).unwrap_or(u16::MAX);
        let i = self.allocate_interface(iface.vmi.clone(), iface.ip, Component::Pod(slot));
        let pod_rng = rng::stream(
            ctx.env.seed,
            &format!("pod/{}/{}", iface.pod.namespace, iface.pod.name),
        );
        let web = Some((
            WebServer::new(pod_rng.clone()),
            Arc::new(page(iface.ip, &iface.pod.name)),
        ));
        self.pods.push(Pod {
            key: iface.pod.clone(),
            ip: iface.ip,
            iface: i,
            live: true,
            web,
            client: Client::new(pod_rng),
        });
        ctx.note(
            Actor::Agent(self.id),
            What::PodRunning {
                pod: iface.pod.clone(),
                ip: iface.ip,
            },
        );
        let write = crate::world::msg::ApiWrite::PodRunning {
            pod: iface.pod,
            ip: iface.ip,
        };
        ctx.send(
            Addr::ApiServer,
            ctx.env.delays.process_start,
            Msg::Write(write),
        );
    }

    fn apply_service_fips(&mut self) {
        for iface in &mut self.interfaces {
            if matches!(iface.owner, Component::Pod(_)) {
                iface.fips.clear();
            }
        }
        for fips in self.service_fips.values() {
            for a in &fips.attachments {
                if let Some(&i) = self.by_ip.get(&a.interface.ip)
                    && let Some(iface) = self.interfaces.get_mut(i)
                {
                    iface.fips.push(Fip {
                        ip: a.fip,
                        public: a.public,
                        port_map: a.port_map.clone(),
                    });
                }
            }
        }
    }

    /// Stops the running haproxy of a loadbalancer and takes its VIP interface down.
    fn stop_haproxy(&mut self, lb_uuid: &Arc<str>, ctx: &mut Ctx) {
        for h in self
            .haproxies
            .iter_mut()
            .filter(|h| h.running && h.instance.lb_uuid == *lb_uuid)
        {
            h.running = false;
            ctx.note(
                Actor::Agent(self.id),
                What::HaproxyStopped {
                    uuid: lb_uuid.clone(),
                    pid: h.pid,
                },
            );
            if let Some(iface) = self.interfaces.get_mut(h.iface) {
                iface.live = false;
            }
        }
        self.reindex();
    }

    fn run_haproxy(&mut self, instance: Arc<HaproxyInstance>, ctx: &mut Ctx) {
        let pid = self.next_pid;
        self.next_pid += 1 + self.rng.next_u32() % 7;
        let existing = self
            .haproxies
            .iter()
            .position(|h| h.running && h.instance.lb_uuid == instance.lb_uuid);
        let uuid = instance.lb_uuid.clone();
        let previous = match existing {
            Some(slot) => {
                let h = &mut self.haproxies[slot];
                let old = h.pid;
                h.running = false;
                let iface = h.iface;
                let fresh = Haproxy::new(
                    instance.clone(),
                    pid,
                    iface,
                    rng::stream(ctx.env.seed, &format!("{}/haproxy/{uuid}/{pid}", self.name)),
                );
                self.haproxies[slot] = fresh;
                Some(old)
            }
            None => {
                let slot = u16::try_from(self.haproxies.len()).unwrap_or(u16::MAX);
                let vmi: Arc<str> = rng::uuid(&mut self.rng).into();
                let i = self.allocate_interface(vmi, instance.vip, Component::Haproxy(slot));
                let h = Haproxy::new(
                    instance.clone(),
                    pid,
                    i,
                    rng::stream(ctx.env.seed, &format!("{}/haproxy/{uuid}/{pid}", self.name)),
                );
                self.haproxies.push(h);
                None
            }
        };
        if let Some(h) = self
            .haproxies
            .iter()
            .find(|h| h.running && h.instance.lb_uuid == uuid)
            && let Some(iface) = self.interfaces.get_mut(h.iface)
        {
            iface.fips = instance
                .fip
                .map(|ip| Fip {
                    ip,
                    public: true,
                    port_map: Vec::new(),
                })
                .into_iter()
                .collect();
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

    /// The routes this agent should advertise, from its interfaces and their floating IPs.
    fn wanted_routes(&self) -> BTreeSet<(Vrf, Prefix, RouteAttrs)> {
        let mut wanted = BTreeSet::new();
        let attrs = |label, local_pref, med| RouteAttrs {
            origin: self.id,
            next_hop: self.address,
            label,
            local_pref,
            med,
        };
        for iface in self.interfaces.iter().filter(|f| f.live) {
            match iface.owner {
                Component::Haproxy(slot) => {
                    let index = self
                        .haproxies
                        .get(usize::from(slot))
                        .map_or(1, |h| h.instance.index);
                    let (lp, med) = if index == 0 { (200, 100) } else { (100, 200) };
                    wanted.insert((
                        Vrf::PodNetwork,
                        Prefix::host(iface.ip),
                        attrs(iface.label, lp, med),
                    ));
                    for fip in &iface.fips {
                        wanted.insert((
                            Vrf::Public,
                            Prefix::host(fip.ip),
                            attrs(iface.label, lp, med),
                        ));
                    }
                }
                _ => {
                    wanted.insert((
                        Vrf::PodNetwork,
                        Prefix::host(iface.ip),
                        attrs(iface.label, 100, 0),
                    ));
                    for fip in &iface.fips {
                        let vrf = if fip.public {
                            Vrf::Public
                        } else {
                            Vrf::ServiceNetwork
                        };
                        wanted.insert((vrf, Prefix::host(fip.ip), attrs(iface.label, 200, 100)));
                    }
                }
            }
        }
        wanted
    }

    /// Publishes new routes and retracts stale ones over XMPP.
    fn readvertise(&mut self, ctx: &mut Ctx) {
        let wanted = self.wanted_routes();
        for (vrf, prefix, attrs) in self.advertised.difference(&wanted) {
            ctx.note(
                Actor::Agent(self.id),
                What::Retracted {
                    vrf: *vrf,
                    prefix: *prefix,
                    label: attrs.label,
                },
            );
            let msg = Msg::XmppRetract {
                from: self.id,
                vrf: *vrf,
                prefix: *prefix,
                label: attrs.label,
            };
            ctx.send(Addr::ControlNode, ctx.env.delays.xmpp, msg);
        }
        for (vrf, prefix, attrs) in wanted.difference(&self.advertised) {
            let what = What::Published {
                vrf: *vrf,
                prefix: *prefix,
                label: attrs.label,
                local_pref: attrs.local_pref,
                med: attrs.med,
            };
            ctx.note(Actor::Agent(self.id), what);
            let msg = Msg::XmppPublish {
                from: self.id,
                vrf: *vrf,
                prefix: *prefix,
                attrs: *attrs,
            };
            ctx.send(Addr::ControlNode, ctx.env.delays.xmpp, msg);
        }
        self.advertised = wanted;
    }

    fn rebuild_fib(&mut self) {
        self.fib = self
            .routes
            .iter()
            .map(|((vrf, prefix), paths)| (prefix.address, (*vrf, paths.clone())))
            .collect();
    }

    /// The node failed: every process stops, every session drops, every flow is lost. Pods come
    /// back with the node; haproxy comes back when svc-monitor restarts it.
    pub fn fail(&mut self) {
        self.up = false;
        for h in &mut self.haproxies {
            h.running = false;
            if let Some(iface) = self.interfaces.get_mut(h.iface) {
                iface.live = false;
            }
        }
        self.reindex();
        self.flows = Flows::default();
        self.routes.clear();
        self.fib.clear();
        self.advertised.clear();
    }

    /// The files this node holds: haproxy.conf and haproxy.pid of each running haproxy.
    pub fn files(&self) -> Vec<(String, String)> {
        let mut files = Vec::new();
        for h in self.haproxies.iter().filter(|h| h.running) {
            let dir = format!(
                "/var/lib/contrail/loadbalancer/haproxy/{}",
                h.instance.lb_uuid
            );
            files.push((format!("{dir}/haproxy.conf"), h.instance.conf.to_string()));
            files.push((format!("{dir}/haproxy.pid"), format!("{}\n", h.pid)));
        }
        files.sort();
        files
    }
}
