//! `cent-client`, a host on the internet: its /etc/hosts, its route to the floating-IP pools via
//! the gateway, and curl.

use std::net::Ipv4Addr;

use super::endpoint::Client;
use super::endpoint::kernel_reset;
use crate::scenario::model::HostsEntry;
use crate::sim::rng;
use crate::topology::{NodeId, Topology};
use crate::trace::{Component, Tag};
use crate::world::{Addr, Ctx, Msg, TimerKind};

pub struct InternetHost {
    pub id: NodeId,
    pub address: Ipv4Addr,
    gateway: NodeId,
    /// /etc/hosts, in file order.
    pub hosts: Vec<HostsEntry>,
    client: Client,
}

impl InternetHost {
    pub fn new(topology: &Topology, hosts: &[HostsEntry], seed: u64) -> InternetHost {
        let id = topology.internet_host();
        InternetHost {
            id,
            address: topology.node(id).address,
            gateway: topology.gateway(),
            hosts: hosts.to_vec(),
            client: Client::new(rng::stream(seed, "cent-client/curl")),
        }
    }

    /// The address /etc/hosts gives a name (the first matching line wins).
    pub fn resolve(&self, name: &str) -> Option<Ipv4Addr> {
        self.hosts
            .iter()
            .find(|e| e.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
            .map(|e| e.address)
    }

    pub fn handle(&mut self, msg: Msg, ctx: &mut Ctx) {
        let (id, gateway) = (self.id, self.gateway);
        let delay = ctx.env.topology.delay(id, gateway);
        let mut emit = |p, t, ctx: &mut Ctx| ctx.send(Addr::Gateway, delay, Msg::Packet(p, t));
        match msg {
            Msg::CurlStart(job) => {
                ctx.hop(
                    Tag {
                        request: job.request_id,
                        conn: 0,
                        packet: 0,
                    },
                    id,
                    Component::Host,
                );
                self.client.start(job, self.address, ctx, &mut emit);
            }
            Msg::Packet(packet, tag) => {
                ctx.hop(tag, id, Component::Host);
                if !self.client.receive(&packet, tag, ctx, &mut emit) {
                    kernel_reset(&packet, tag, ctx, &mut emit);
                }
            }
            Msg::Timer(TimerKind::Tcp { key }) => {
                if let Some(tag) = self.client.tag_of(key) {
                    ctx.hop(tag, id, Component::Host);
                    self.client.tcp_timer(key, ctx, &mut emit);
                }
            }
            Msg::Timer(TimerKind::Curl { request }) => {
                if let Some(tag) = self.client.tag_of_request(request) {
                    ctx.hop(tag, id, Component::Host);
                    self.client.curl_timer(request, ctx, &mut emit);
                }
            }
            _ => {}
        }
    }
}
