//! Two requests side by side: the teaching view of "Service vs Ingress" (hops, NAT points,
//! proxies, tunnels).

use std::fmt::Write;

use super::names::hop_name;
use crate::scenario::run::CurlResult;
use crate::trace::Step;
use crate::world::World;

/// A request's path reduced to what a person compares: per packet of the first packet of each
/// connection, the hops with their NATs, tunnels and proxy decisions.
fn summary(world: &World, r: &CurlResult) -> Vec<String> {
    let mut lines = Vec::new();
    let mut nat_points = 0;
    let mut tunnels = 0;
    let mut proxies = 0;
    for hop in world
        .trace
        .hops_of(r.request_id)
        .filter(|h| h.tag.packet == 0 || h.tag.packet == 3)
    {
        let mut notes = Vec::new();
        for s in world.trace.steps_of(hop) {
            match s {
                Step::Nat { dst, old, new } => {
                    nat_points += 1;
                    notes.push(format!(
                        "NAT {} {}→{}",
                        if *dst { "dst" } else { "src" },
                        old.0,
                        new.0
                    ));
                }
                Step::Encap { tunnel, .. } => {
                    tunnels += 1;
                    notes.push(format!("{tunnel}"));
                }
                Step::ProxyConnect { .. } => {
                    proxies += 1;
                    notes.push("new connection".into());
                }
                Step::Ecmp { chosen, of, .. } => notes.push(format!("ECMP {}/{of}", chosen + 1)),
                _ => {}
            }
        }
        let phase = if hop.tag.packet == 0 {
            "SYN"
        } else {
            "request"
        };
        if hop.tag.packet == 3 && notes.is_empty() {
            continue;
        }
        lines.push(format!(
            "c{} {phase:<7} {}{}",
            hop.tag.conn,
            hop_name(world, hop.node, hop.component),
            if notes.is_empty() {
                String::new()
            } else {
                format!("  [{}]", notes.join("; "))
            }
        ));
    }
    lines.push(format!(
        "NAT points {nat_points}, tunnels {tunnels}, proxies {proxies}"
    ));
    let status = r
        .response
        .as_ref()
        .map_or("no response".into(), |x| x.status.to_string());
    lines.push(format!(
        "=> {status} from {}",
        r.served_by
            .as_ref()
            .map_or("-".into(), |p| format!("pod/{}", p.name))
    ));
    lines
}

pub fn render(world: &World, results: &[CurlResult], out: &mut String) {
    let columns: Vec<Vec<String>> = results.iter().map(|r| summary(world, r)).collect();
    let width = columns
        .iter()
        .flatten()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .min(70)
        + 2;
    let heads: Vec<String> = results.iter().map(|r| r.request.raw.clone()).collect();
    let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "{}",
        heads
            .iter()
            .map(|h| format!("{h:<width$}"))
            .collect::<String>()
            .trim_end()
    );
    let _ = writeln!(
        out,
        "{}",
        heads
            .iter()
            .map(|_| format!("{:<width$}", "-".repeat(width - 2)))
            .collect::<String>()
            .trim_end()
    );
    for i in 0..rows {
        let line: String = columns
            .iter()
            .map(|c| format!("{:<width$}", c.get(i).map_or("", String::as_str)))
            .collect();
        let _ = writeln!(out, "{}", line.trim_end());
    }
}
