//! For a `compare` step: each request's path drawn as the boxes its first packets visit, left to
//! right, with what each box decided (flow, ECMP, NAT, haproxy's rule) and how each hop was
//! crossed (a tap, MPLSoUDP, MPLSoGRE). A Service shows one connection and one NAT on the
//! backend's compute; an Ingress shows haproxy ending the client's connection and opening its
//! own, drawn in a second colour.

use plotters::prelude::*;

use super::draw::{Align, Area, INK, MUTED, RULE, bold, canvas, clip, line, rect, text};
use crate::report::names::hop_name;
use crate::report::text::endpoint;
use crate::scenario::run::{CurlResult, StepResult};
use crate::trace::{Component, Hop, Step};
use crate::world::World;

const WIDTH: f64 = 1200.0;
const MARGIN: f64 = 20.0;
const GAP: f64 = 50.0;
const BOX_H: f64 = 70.0;
const BLOCK: f64 = 150.0;
const TOP: f64 = 70.0;
/// The colours of the client's connection and of haproxy's.
const CONN: [RGBColor; 2] = [RGBColor(25, 113, 194), RGBColor(232, 89, 12)];

/// One box: a component's handling of the packet.
struct Visit {
    name: String,
    notes: Vec<String>,
    conn: u8,
    /// How the packet reached this box from the previous one.
    via: String,
}

pub fn render(
    world: &World,
    step: &StepResult,
    results: &[CurlResult],
    ns: &str,
) -> Result<String, String> {
    let height = TOP + BLOCK * results.len() as f64 + 20.0;
    canvas(WIDTH, height, |area| {
        let from = results
            .first()
            .map_or(String::new(), |r| endpoint(&r.from, ns));
        bold(
            area,
            &format!(
                "Step {}: the same request, {} paths, from {from}",
                step.index + 1,
                results.len()
            ),
            (MARGIN, 22.0),
            17.0,
        )?;
        text(
            area,
            "the first packet of each connection, box by box: blue the client's connection, orange haproxy's own",
            (MARGIN, 46.0),
            11.0,
            MUTED,
            Align::Left,
        )?;
        for (i, r) in results.iter().enumerate() {
            draw_request(area, world, r, TOP + BLOCK * i as f64)?;
        }
        Ok(())
    })
}

fn draw_request(area: &Area, world: &World, r: &CurlResult, top: f64) -> Result<(), String> {
    let visits = visits(world, r);
    let connections = visits.iter().map(|v| v.conn).max().map_or(0, |c| c + 1);
    let nats = visits
        .iter()
        .flat_map(|v| &v.notes)
        .filter(|n| n.starts_with("DNAT") || n.starts_with("SNAT"))
        .count();
    let outcome = match (&r.response, &r.served_by) {
        (Some(resp), Some(pod)) => format!("{} from pod/{}", resp.status, pod.name),
        (Some(resp), None) => format!("{} ({})", resp.status, r.disposition),
        (None, _) => format!("no answer ({})", r.disposition),
    };
    bold(
        area,
        &clip(&format!("curl {}", r.request.raw), 110),
        (MARGIN, top + 12.0),
        13.0,
    )?;
    text(
        area,
        &format!(
            "{connections} TCP connection{} · {nats} NAT · {}",
            if connections == 1 { "" } else { "s" },
            outcome
        ),
        (MARGIN, top + 30.0),
        11.0,
        MUTED,
        Align::Left,
    )?;
    let n = visits.len().max(1) as f64;
    let box_w = ((WIDTH - 2.0 * MARGIN - GAP * (n - 1.0)) / n).min(170.0);
    let y0 = top + 48.0;
    for (i, v) in visits.iter().enumerate() {
        let x0 = MARGIN + i as f64 * (box_w + GAP);
        let colour = CONN[usize::from(v.conn.min(1))];
        if i > 0 {
            let (xa, xb, ym) = (x0 - GAP + 2.0, x0 - 2.0, y0 + BOX_H / 2.0);
            line(area, (xa, ym), (xb, ym), colour.stroke_width(2))?;
            line(area, (xb - 6.0, ym - 4.0), (xb, ym), colour.stroke_width(2))?;
            line(area, (xb - 6.0, ym + 4.0), (xb, ym), colour.stroke_width(2))?;
            let mut lines = v.via.lines();
            if let Some(above) = lines.next() {
                text(
                    area,
                    above,
                    ((xa + xb) / 2.0, ym - 9.0),
                    9.5,
                    MUTED,
                    Align::Centre,
                )?;
            }
            if let Some(below) = lines.next() {
                text(
                    area,
                    below,
                    ((xa + xb) / 2.0, ym + 10.0),
                    9.5,
                    MUTED,
                    Align::Centre,
                )?;
            }
        }
        rect(
            area,
            (x0, y0),
            (x0 + box_w, y0 + BOX_H),
            colour.mix(0.08).filled(),
        )?;
        rect(
            area,
            (x0, y0),
            (x0 + box_w, y0 + BOX_H),
            colour.stroke_width(1),
        )?;
        let chars = ((box_w - 8.0) / (10.0 * 0.55)) as usize;
        bold(area, &clip(&v.name, chars), (x0 + 6.0, y0 + 13.0), 10.5)?;
        for (j, note) in v.notes.iter().take(3).enumerate() {
            text(
                area,
                &clip(note, chars),
                (x0 + 6.0, y0 + 31.0 + 15.0 * j as f64),
                10.0,
                INK,
                Align::Left,
            )?;
        }
    }
    line(
        area,
        (MARGIN, top + BLOCK - 12.0),
        (WIDTH - MARGIN, top + BLOCK - 12.0),
        RULE.stroke_width(1),
    )
}

/// The boxes of a request: the first packet of the client's connection; where haproxy opened
/// its own, its box carries the rule it matched and the first packet of that connection
/// follows.
fn visits(world: &World, r: &CurlResult) -> Vec<Visit> {
    let trace = &world.trace;
    let hops: Vec<&Hop> = trace.hops_of(r.request_id).collect();
    let mut out: Vec<Visit> = Vec::new();
    let mut via = String::new();
    for conn in 0..=1u8 {
        for hop in hops
            .iter()
            .filter(|h| h.tag.conn == conn && h.tag.packet == 0)
        {
            let mut notes = Vec::new();
            let mut next_via = "tap".to_string();
            for s in trace.steps_of(hop) {
                match s {
                    Step::FlowCreated { action, .. } => {
                        notes.push(format!("flow {}", action.as_str()))
                    }
                    Step::Ecmp { chosen, of, .. } => {
                        notes.push(format!("ECMP: {} of {of}", chosen + 1))
                    }
                    Step::Nat { new, dst, .. } => notes.push(format!(
                        "{} → {}:{}",
                        if *dst { "DNAT" } else { "SNAT" },
                        new.0,
                        new.1
                    )),
                    Step::Encap { tunnel, label, .. } => {
                        next_via = format!("{tunnel}\nlabel {label}")
                    }
                    Step::Send { key, .. } if notes.is_empty() => {
                        notes.push(format!("to {}:{}", key.dst, key.dport));
                    }
                    Step::Receive { key, .. }
                        if matches!(hop.component, Component::Pod(_) | Component::Haproxy(_)) =>
                    {
                        notes.push(format!("at {}:{}", key.dst, key.dport));
                    }
                    Step::Route { prefix, .. } if hop.component == Component::Gateway => {
                        notes.push(format!("route {prefix}"));
                    }
                    Step::Drop(reason) => notes.push(format!("drop: {}", reason.as_str())),
                    _ => {}
                }
            }
            if matches!(hop.component, Component::Gateway | Component::Host) && next_via == "tap" {
                next_via = "link".into();
            }
            // haproxy's decision lives on the hop of the request packet.
            if let Component::Haproxy(_) = hop.component
                && let Some(rule) = hops
                    .iter()
                    .filter(|h| h.tag.conn == conn && h.component == hop.component)
                    .flat_map(|h| trace.steps_of(h))
                    .find_map(|s| match s {
                        Step::HttpRule(rule) => Some(rule),
                        _ => None,
                    })
            {
                notes.push(match rule.server {
                    Some((a, p)) => format!("rule → {a}:{p}"),
                    None => "no rule matched: 503".into(),
                });
                if rule.server.is_some() {
                    notes.push("opens its own connection".into());
                }
            }
            out.push(Visit {
                name: short(&hop_name(world, hop.node, hop.component)),
                notes,
                conn,
                via: std::mem::replace(&mut via, next_via),
            });
        }
        // haproxy's connection starts at its own box: the next hop is its vRouter, over the tap.
        via = "tap".into();
    }
    out
}

/// Pod names without their generated suffixes: `cent333/webserver-1-…`.
fn short(name: &str) -> String {
    let parts: Vec<&str> = name.rsplitn(3, '-').collect();
    match parts.as_slice() {
        [suffix, hash, rest] if suffix.len() == 5 && hash.len() >= 8 && rest.contains('/') => {
            format!("{rest}-…")
        }
        _ => name.to_string(),
    }
}
