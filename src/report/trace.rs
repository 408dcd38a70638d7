//! The hop-by-hop trace of a request for a person: per connection, per packet, the path and what
//! each component decided and why.

use std::fmt::Write;
use std::net::Ipv4Addr;

use super::names::{component_name, hop_name};
use crate::dataplane::haproxy::Semantics;
use crate::scenario::run::CurlResult;
use crate::trace::{Component, Hop, NextHop, Step, Timeout};
use crate::wire::{FlowKey, TcpFlags};
use crate::world::World;

/// The names a request's hops visited, in order: each hop contributes its node and then
/// `node/component` (what `via` expectations match).
pub fn hop_names(world: &World, request: u32) -> Vec<String> {
    let mut names = Vec::new();
    for hop in world.trace.hops_of(request) {
        names.push(world.env.topology.name(hop.node).to_string());
        names.push(format!(
            "{}/{}",
            world.env.topology.name(hop.node),
            component_name(world, hop)
        ));
    }
    names
}

/// How much of a request's trace to show (`run --trace`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Detail {
    /// Only the decisions: routes, ECMP, flows, NAT, haproxy's rule, drops, exits.
    Decisions,
    /// Only the first packet of each connection, with every decision.
    First,
    /// Every packet: the first of a connection and its answer with every decision, later ones
    /// with what differs.
    #[default]
    All,
}

/// What curl prints, then the trace.
pub fn render_curl(world: &World, r: &CurlResult, detail: Detail, out: &mut String) {
    super::curl_output::render(world, r, out);
    let _ = writeln!(
        out,
        "=> {}; curl exit {}; {} from {} to {}",
        answer(r),
        r.exit.code,
        duration(r.finished.0 - r.started.0),
        r.started,
        r.finished
    );
    render_trace(world, r.request_id, detail, out);
}

/// What a request got: `200 OK, served by pod/NAME; disposition delivered`.
pub fn answer(r: &CurlResult) -> String {
    let status = r.response.as_ref().map_or("no response".to_string(), |x| {
        format!("{} {}", x.status, x.reason)
    });
    let served = r
        .served_by
        .as_ref()
        .map_or(String::new(), |p| format!(", served by pod/{}", p.name));
    format!("{status}{served}; disposition {}", r.disposition)
}

/// A segment's header fields, as a step records them.
struct Segment<'a> {
    key: &'a FlowKey,
    flags: &'a TcpFlags,
    seq: u32,
    ack: u32,
    len: u32,
}

fn segment(step: &Step) -> Option<Segment<'_>> {
    match step {
        Step::Receive {
            key,
            flags,
            seq,
            ack,
            len,
        }
        | Step::Send {
            key,
            flags,
            seq,
            ack,
            len,
            ..
        } => Some(Segment {
            key,
            flags,
            seq: *seq,
            ack: *ack,
            len: *len,
        }),
        _ => None,
    }
}

/// The step that sent packet `packet` of connection `conn` of a request.
fn sent_step(world: &World, request: u32, conn: u8, packet: u16) -> Option<&Step> {
    world
        .trace
        .hops_of(request)
        .flat_map(|h| world.trace.steps_of(h))
        .find(|s| matches!(s, Step::Send { conn: c, packet: p, .. } if *c == conn && *p == packet))
}

/// A packet's first line: its flags, addresses and numbers as it was received (or sent, when
/// it never arrived), with the addresses it was sent with when NAT changed them.
fn packet_line(world: &World, request: u32, tag: (u8, u16), path: &[&Hop]) -> String {
    let sent = sent_step(world, request, tag.0, tag.1).and_then(segment);
    let received = path
        .iter()
        .rev()
        .flat_map(|h| world.trace.steps_of(h))
        .find_map(|s| {
            matches!(s, Step::Receive { .. })
                .then(|| segment(s))
                .flatten()
        });
    let Some(seen) = received.as_ref().or(sent.as_ref()) else {
        return "(no packet: a timer)".to_string();
    };
    let addresses = match (&sent, &received) {
        (Some(s), Some(r)) if s.key != r.key => format!("{} (sent as {})", r.key, s.key),
        _ => seen.key.to_string(),
    };
    format!(
        "{:<4} {addresses}  seq {} ack {} len {}",
        seen.flags.to_string(),
        seen.seq,
        seen.ack,
        seen.len
    )
}

/// The packets of each connection, each with its path and its decisions, as `detail` says.
pub fn render_trace(world: &World, request: u32, detail: Detail, out: &mut String) {
    let hops: Vec<&Hop> = world.trace.hops_of(request).collect();
    let conns: std::collections::BTreeSet<u8> = hops.iter().map(|h| h.tag.conn).collect();
    for conn in conns {
        let title = if conn == 0 {
            "client connection".to_string()
        } else if conn == 1 {
            "haproxy's connection to the backend".to_string()
        } else {
            format!("haproxy's connection to the backend, attempt {conn}")
        };
        let _ = writeln!(out, "  -- {title} --");
        let packets: std::collections::BTreeSet<u16> = hops
            .iter()
            .filter(|h| h.tag.conn == conn)
            .map(|h| h.tag.packet)
            .filter(|&p| detail != Detail::First || p == 0)
            .collect();
        for packet in packets {
            let path: Vec<&Hop> = hops
                .iter()
                .copied()
                .filter(|h| h.tag.conn == conn && h.tag.packet == packet)
                .collect();
            if path.is_empty() {
                continue;
            }
            if detail != Detail::Decisions {
                let names: Vec<String> = path
                    .iter()
                    .map(|h| hop_name(world, h.node, h.component))
                    .collect();
                let _ = writeln!(
                    out,
                    "  [{packet}] {}",
                    packet_line(world, request, (conn, packet), &path)
                );
                let _ = writeln!(out, "      {}", names.join(" -> "));
            }
            // The first packet and its answer show every decision; later ones only what differs.
            let full = packet <= 1;
            for hop in &path {
                for step in world
                    .trace
                    .steps_of(hop)
                    .iter()
                    .filter(|s| full || notable(s))
                    .filter(|s| detail != Detail::Decisions || is_decision(s))
                {
                    if let Some(text) = describe(world, step) {
                        let who = hop_name(world, hop.node, hop.component);
                        let _ = match detail {
                            Detail::Decisions => {
                                writeln!(out, "  [{packet}] {who:<22} {text}")
                            }
                            _ => writeln!(out, "        {who:<22} {text}"),
                        };
                    }
                }
            }
        }
    }
}

/// The steps `--trace decisions` keeps: where a packet goes and what is done to it.
fn is_decision(step: &Step) -> bool {
    matches!(
        step,
        Step::Route { .. }
            | Step::Ecmp { .. }
            | Step::FlowCreated { .. }
            | Step::FlowHit { .. }
            | Step::Nat { .. }
            | Step::HttpRule(_)
            | Step::Miss { .. }
            | Step::Drop(_)
            | Step::Reset
            | Step::TimedOut(_)
            | Step::ProxyError { .. }
            | Step::TlsTerminated { .. }
            | Step::TlsMismatch
            | Step::CurlExit(_)
    )
}

/// Steps worth showing on every packet, not only the first of a connection.
fn notable(step: &Step) -> bool {
    matches!(
        step,
        Step::HttpRule(_)
            | Step::ProxyConnect { .. }
            | Step::Served { .. }
            | Step::Drop(_)
            | Step::Miss { .. }
            | Step::FlowCreated { .. }
            | Step::Http(_)
            | Step::Retransmit { .. }
            | Step::Reset
            | Step::TimedOut(_)
            | Step::ProxyRetry { .. }
            | Step::ProxyError { .. }
            | Step::CurlExit(_)
            | Step::TlsHello { .. }
            | Step::TlsTerminated { .. }
            | Step::TlsMismatch
    )
}

fn timeout_name(t: Timeout) -> &'static str {
    match t {
        Timeout::Connect => "haproxy timeout connect",
        Timeout::Server => "haproxy timeout server",
        Timeout::Client => "haproxy timeout client",
        Timeout::CurlConnect => "curl --connect-timeout",
        Timeout::CurlMax => "curl --max-time",
        Timeout::Retransmissions => "the kernel gave up retransmitting",
    }
}

/// A duration for people: µs below a millisecond, ms below a second, else seconds.
pub fn duration(ns: u64) -> String {
    if ns < 1_000_000 {
        format!("{}µs", ns / 1_000)
    } else if ns < 1_000_000_000 {
        format!("{:.1}ms", ns as f64 / 1e6)
    } else {
        format!("{:.3}s", ns as f64 / 1e9)
    }
}

/// A translation: `dst 101.101.101.1:80 -> 10.47.255.251:80`.
pub fn nat(dst: bool, old: (Ipv4Addr, u16), new: (Ipv4Addr, u16)) -> String {
    format!(
        "{} {}:{} -> {}:{}",
        if dst { "dst" } else { "src" },
        old.0,
        old.1,
        new.0,
        new.1
    )
}

/// One decision in words; `None` for the steps the path line already says.
pub fn describe(world: &World, step: &Step) -> Option<String> {
    let name = |n| world.env.topology.name(n);
    Some(match step {
        Step::Send { .. } | Step::Receive { .. } | Step::Deliver { .. } => return None,
        Step::FlowHit { key, action } => format!("flow hit {key} action {}", action.as_str()),
        Step::FlowCreated {
            key,
            action,
            reverse,
        } => format!(
            "flow created {key} action {} (reverse {reverse} {})",
            action.as_str(),
            action.reverse().as_str()
        ),
        Step::Route {
            vrf,
            prefix,
            next_hop,
            local_pref,
        } => {
            let nh = match next_hop {
                NextHop::Interface(Component::Haproxy(_)) => "local haproxy interface".to_string(),
                NextHop::Interface(_) => "local pod interface".to_string(),
                NextHop::Tunnel { to, label } => format!("tunnel to {} label {label}", name(*to)),
                NextHop::Composite(n) => format!("ECMP composite of {n}"),
                NextHop::Connected => "directly connected".to_string(),
            };
            format!(
                "route {prefix} in {} -> {nh} (localpref {local_pref})",
                vrf.network()
            )
        }
        Step::Ecmp {
            hash,
            chosen,
            of,
            to,
            label,
        } => format!(
            "ECMP hash {hash:#010x} picks member {}/{of}: {} label {label}",
            chosen + 1,
            name(*to)
        ),
        Step::Nat { dst, old, new } => format!("NAT {}", nat(*dst, *old, *new)),
        Step::Encap {
            tunnel,
            label,
            outer_src,
            outer_dst,
        } => format!("encap {tunnel} label {label} {outer_src} -> {outer_dst}"),
        Step::Decap {
            tunnel,
            label,
            outer_src,
            outer_dst,
        } => format!("decap {tunnel} label {label} {outer_src} -> {outer_dst}"),
        Step::HttpRule(rule) => match (&rule.pool, rule.server) {
            (Some(pool), Some((a, p))) => format!(
                "Host {} path {} -> backend {pool} server {a}:{p}",
                rule.host.as_deref().unwrap_or("(none)"),
                rule.path
            ),
            _ => format!(
                "Host {} path {} -> {}",
                rule.host.as_deref().unwrap_or("(none)"),
                rule.path,
                match world.env.semantics {
                    Semantics::Contrail => "no backend matches: 503",
                    Semantics::Kubernetes => "no rule matches: 404",
                }
            ),
        },
        Step::ProxyConnect { from, to, .. } => format!("proxies {from} over a new connection {to}"),
        Step::Served { status } => format!("web server answers {status}"),
        Step::Miss { vrf, dst } => format!("no route to {dst} in {}", vrf.network()),
        Step::Http(request) => {
            let xff = request
                .header("x-forwarded-for")
                .map(|v| format!(" X-Forwarded-For: {v}"))
                .unwrap_or_default();
            format!(
                "HTTP {} {} Host: {}{xff}",
                request.method,
                request.target,
                request.header("host").unwrap_or("(none)")
            )
        }
        Step::Retransmit { attempt, rto_ns } => {
            format!("retransmission {attempt} (after {})", duration(*rto_ns))
        }
        Step::Reset => "nothing listens: the kernel answers with a reset".to_string(),
        Step::TimedOut(t) => format!("TIMEOUT: {}", timeout_name(*t)),
        Step::ProxyRetry { attempt, delay_ns } => match delay_ns {
            0 => format!("attempt {attempt} failed: retries at once"),
            d => format!("attempt {attempt} refused: retries after {}", duration(*d)),
        },
        Step::ProxyError { status } => format!("haproxy answers {status} itself"),
        Step::CurlExit(exit) => match &exit.message {
            Some(m) => format!("curl exits {}: {m}", exit.code),
            None => "curl exits 0".to_string(),
        },
        Step::TlsHello { sni } => format!(
            "TLS ClientHello, server name {} (handshake abstracted); the request goes as TLS application data",
            sni.as_deref().unwrap_or("(none: an address)")
        ),
        Step::TlsTerminated { sni, certificate } => format!(
            "TLS terminated: server name {} -> certificate {certificate}",
            sni.as_deref().unwrap_or("(none)")
        ),
        Step::TlsMismatch => {
            "TLS where the listener speaks plain HTTP, or plain HTTP where it expects TLS: it \
             closes without an answer"
                .to_string()
        }
        Step::Drop(reason) => format!("DROP: {}", reason.as_str()),
    })
}
