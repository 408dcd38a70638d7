//! A request's packets hop by hop, with their headers as each component received and sent
//! them. The trace records what each component did (a send, a NAT, an encapsulation); the
//! headers are replayed from those steps here, after the run.

use super::model::{Headers, HopView, Outer, PacketView, RequestView};
use crate::report::names::hop_name;
use crate::report::trace::{answer, describe, nat};
use crate::scenario::run::CurlResult;
use crate::topology::plan::MPLS_OVER_UDP_PORT;
use crate::trace::{Component, Hop, Step};
use crate::wire::{HttpRequest, HttpResponse, Tunnel};
use crate::world::World;

/// A request with every packet it sent, in the order they were sent.
pub fn request_view(world: &World, r: &CurlResult, from: String) -> RequestView {
    let hops: Vec<&Hop> = world.trace.hops_of(r.request_id).collect();
    let mut sends = Vec::new();
    for hop in &hops {
        let steps = world.trace.steps_of(hop);
        for (i, step) in steps.iter().enumerate() {
            if let Step::Send { conn, packet, .. } = step {
                sends.push((*conn, *packet, *hop, &steps[..=i]));
            }
        }
    }
    let clients: Vec<(u8, (u16, Component))> = sends
        .iter()
        .filter(|s| s.1 == 0)
        .map(|s| (s.0, (s.2.node.0, s.2.component)))
        .collect();
    let packets = sends
        .iter()
        .map(|&(conn, number, sender, upto)| {
            let client = clients
                .iter()
                .any(|(c, who)| *c == conn && *who == (sender.node.0, sender.component));
            let response = (!client).then_some(r.response.as_deref()).flatten();
            let path = hops
                .iter()
                .copied()
                .filter(|h| h.tag.conn == conn && h.tag.packet == number);
            packet_view(world, (conn, number), sender, upto, response, path)
        })
        .collect();
    let conns = (0..=hops.iter().map(|h| h.tag.conn).max().unwrap_or(0))
        .map(conn_title)
        .collect();
    RequestView {
        id: r.request_id,
        curl: r.request.raw.clone(),
        from,
        outcome: answer(r),
        conns,
        packets,
        rule: super::rule::rule_view(world, r),
    }
}

pub fn conn_title(conn: u8) -> String {
    match conn {
        0 => "client connection".to_string(),
        1 => "haproxy's connection to the backend".to_string(),
        n => format!("haproxy's connection to the backend, attempt {n}"),
    }
}

/// One packet: as its sender sent it (`upto` ends with its send step), then at every hop.
fn packet_view<'a>(
    world: &World,
    (conn, number): (u8, u16),
    sender: &Hop,
    upto: &[Step],
    response: Option<&HttpResponse>,
    path: impl Iterator<Item = &'a Hop>,
) -> PacketView {
    let mut headers = sent_headers(upto, response);
    let label = label(&headers);
    let mut views = vec![HopView {
        at_ns: sender.at.0,
        event: None,
        cause: None,
        who: hop_name(world, sender.node, sender.component),
        node: world.env.topology.name(sender.node).to_string(),
        role: role(sender.component),
        arrived: None,
        left: Some(headers.clone()),
        decisions: Vec::new(),
        action: None,
        nat: None,
        tunnel: None,
        dropped: None,
    }];
    for hop in path {
        if std::ptr::eq(hop, sender) {
            // The sender's own hop carries this packet's tag: its decisions are the sender's.
            let first = &mut views[0];
            first.event = Some(hop.event.0);
            first.cause = hop.cause.map(|c| c.0);
            first.decisions = world
                .trace
                .steps_of(hop)
                .iter()
                .filter_map(|s| describe(world, s))
                .collect();
            continue;
        }
        let arrived = headers.clone();
        let mut view = HopView {
            at_ns: hop.at.0,
            event: Some(hop.event.0),
            cause: hop.cause.map(|c| c.0),
            who: hop_name(world, hop.node, hop.component),
            node: world.env.topology.name(hop.node).to_string(),
            role: role(hop.component),
            arrived: Some(arrived),
            left: None,
            decisions: Vec::new(),
            action: None,
            nat: None,
            tunnel: None,
            dropped: None,
        };
        let mut ends_here = false;
        for step in world.trace.steps_of(hop) {
            apply(step, &mut headers, &mut view, &mut ends_here);
            if let Some(text) = describe(world, step) {
                view.decisions.push(text);
            }
        }
        if !ends_here {
            view.left = Some(headers.clone());
        }
        views.push(view);
    }
    PacketView {
        conn,
        number,
        label,
        hops: views,
    }
}

/// What one step does to the packet's headers and to the hop's summary.
fn apply(step: &Step, headers: &mut Headers, view: &mut HopView, ends_here: &mut bool) {
    match step {
        Step::Nat { dst, old, new } => {
            let (addr, port) = if *dst {
                (&mut headers.dst, &mut headers.dport)
            } else {
                (&mut headers.src, &mut headers.sport)
            };
            *addr = new.0.to_string();
            *port = new.1;
            view.nat = Some(nat(*dst, *old, *new));
        }
        Step::Encap {
            tunnel,
            label,
            outer_src,
            outer_dst,
        } => {
            headers.outer = Some(Outer {
                tunnel: tunnel.to_string(),
                src: outer_src.to_string(),
                dst: outer_dst.to_string(),
                udp: match tunnel {
                    Tunnel::MplsOverUdp { source_port } => {
                        Some(format!("{source_port} -> {MPLS_OVER_UDP_PORT}"))
                    }
                    Tunnel::MplsOverGre => None,
                },
                label: *label,
            });
            view.tunnel = Some(format!("{tunnel} label {label}"));
        }
        Step::Decap { .. } => headers.outer = None,
        Step::FlowCreated { action, .. } | Step::FlowHit { action, .. } => {
            view.action = Some(action.as_str());
        }
        Step::Receive { .. } => *ends_here = true,
        Step::Drop(reason) => {
            *ends_here = true;
            view.dropped = Some(reason.as_str().to_string());
        }
        _ => {}
    }
}

/// The headers of the segment sent by the last step of `upto`, with the HTTP head it carries:
/// the request recorded just before it, or the response when the server end sent data.
fn sent_headers(upto: &[Step], response: Option<&HttpResponse>) -> Headers {
    let Some(Step::Send {
        key,
        flags,
        seq,
        ack,
        len,
        ..
    }) = upto.last()
    else {
        return Headers::default();
    };
    let since_last_send = || {
        upto[..upto.len() - 1]
            .iter()
            .rev()
            .take_while(|s| !matches!(s, Step::Send { .. }))
    };
    let request = since_last_send().find_map(|s| match s {
        Step::Http(r) => Some(r),
        _ => None,
    });
    let tls = since_last_send().find_map(|s| match s {
        Step::TlsHello { sni } => Some(format!(
            "{TLS_MARK} server name {}; the request inside:)",
            sni.as_deref().unwrap_or("(none: an address)")
        )),
        _ => None,
    });
    let http = match (request, response) {
        _ if *len == 0 => Vec::new(),
        (Some(r), _) => tls.into_iter().chain(request_head(r)).collect(),
        (None, Some(r)) => response_head(r),
        (None, None) => Vec::new(),
    };
    Headers {
        outer: None,
        src: key.src.to_string(),
        sport: key.sport,
        dst: key.dst.to_string(),
        dport: key.dport,
        flags: flags.to_string(),
        seq: *seq,
        ack: *ack,
        len: *len,
        http,
    }
}

fn request_head(r: &HttpRequest) -> Vec<String> {
    std::iter::once(format!("{} {} {}", r.method, r.target, r.version))
        .chain(r.headers.iter().map(|(n, v)| format!("{n}: {v}")))
        .collect()
}

fn response_head(r: &HttpResponse) -> Vec<String> {
    std::iter::once(format!("{} {} {}", r.version, r.status, r.reason))
        .chain(r.headers.iter().map(|(n, v)| format!("{n}: {v}")))
        .collect()
}

/// `S`, `P. GET /dev HTTP/1.1`, `FP. HTTP/1.1 200 OK`.
fn label(h: &Headers) -> String {
    match h.http.as_slice() {
        [tls, line, ..] if tls.starts_with(TLS_MARK) => format!("{} TLS: {line}", h.flags),
        [line, ..] => format!("{} {line}", h.flags),
        [] => h.flags.clone(),
    }
}

/// The first line of a request sent inside TLS.
const TLS_MARK: &str = "(TLS,";

fn role(c: Component) -> &'static str {
    match c {
        Component::VRouter => "vrouter",
        Component::Haproxy(_) => "haproxy",
        Component::Pod(_) => "pod",
        Component::Gateway => "gateway",
        Component::Host => "host",
    }
}
