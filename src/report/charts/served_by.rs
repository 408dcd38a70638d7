//! For one repeated curl: how many requests each pod served, pods grouped by compute, each bar
//! coloured local or remote to the compute that chose it (the client pod's vRouter for a
//! Service, haproxy's for an Ingress). Requests no pod served get a red bar per disposition.

use std::collections::BTreeMap;

use plotters::prelude::*;

use super::draw::{
    Align, FAULT, INK, MUTED, RULE, bold, canvas, clip, compute_colour, line, rect, text,
    text_width,
};
use super::outcome::paths;
use crate::report::text::endpoint;
use crate::scenario::run::{CurlResult, Run, StepResult};
use crate::topology::NodeId;

const WIDTH: f64 = 960.0;
const LEFT: f64 = 330.0;
const RIGHT: f64 = 60.0;
const TOP: f64 = 92.0;
const ROW: f64 = 26.0;
const HEADER: f64 = 26.0;

const LOCAL: RGBColor = RGBColor(47, 158, 68);
const REMOTE: RGBColor = RGBColor(25, 113, 194);

/// A row of the chart.
enum Row {
    Compute(String),
    Bar {
        label: String,
        count: u32,
        colour: RGBColor,
    },
}

/// The chart of a repeated curl step; `ns` is the scenario's namespace (pods outside it are
/// named with theirs).
pub fn render(
    run: &Run,
    step: &StepResult,
    results: &[CurlResult],
    ns: &str,
) -> Result<String, String> {
    let world = &run.world;
    let topology = &world.env.topology;
    let computes: Vec<NodeId> = topology.computes().to_vec();
    // (compute, pod) → count; disposition → count.
    let mut served: BTreeMap<(usize, String), u32> = BTreeMap::new();
    let mut failed: BTreeMap<&str, u32> = BTreeMap::new();
    let mut choosers: Vec<NodeId> = Vec::new();
    let position: BTreeMap<NodeId, usize> =
        computes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let ids: Vec<u32> = results.iter().map(|r| r.request_id).collect();
    let all = paths(world, &ids);
    for (r, p) in results.iter().zip(all.iter().cloned()) {
        if let Some(c) = p.chooser()
            && !choosers.contains(&c)
        {
            choosers.push(c);
        }
        match p.served {
            Some((node, pod)) => {
                let i = position.get(&node).copied().unwrap_or(usize::MAX);
                *served.entry((i, pod)).or_default() += 1;
            }
            None => *failed.entry(r.disposition).or_default() += 1,
        }
    }
    // Local or remote only means something when one compute chose for every request.
    let chooser = match choosers.as_slice() {
        [one] => Some(*one),
        _ => None,
    };
    let mut rows = Vec::new();
    for (i, node) in computes.iter().enumerate() {
        let pods: Vec<(&String, u32)> = served
            .iter()
            .filter(|((c, _), _)| *c == i)
            .map(|((_, pod), n)| (pod, *n))
            .collect();
        if pods.is_empty() {
            continue;
        }
        let name = topology.name(*node);
        let total: u32 = pods.iter().map(|(_, n)| n).sum();
        let share = format!("{total} of {} requests", results.len());
        let (header, colour) = match chooser {
            Some(c) if c == *node => (format!("{name} · local · {share}"), LOCAL),
            Some(_) => (
                format!("{name} · remote, through MPLSoUDP · {share}"),
                REMOTE,
            ),
            None => (format!("{name} · {share}"), compute_colour(i)),
        };
        rows.push(Row::Compute(header));
        for (pod, count) in pods {
            rows.push(Row::Bar {
                label: format!("pod/{pod}"),
                count,
                colour,
            });
        }
    }
    if !failed.is_empty() {
        let total: u32 = failed.values().sum();
        rows.push(Row::Compute(format!(
            "not served · {total} of {} requests",
            results.len()
        )));
        for (disposition, count) in failed {
            rows.push(Row::Bar {
                label: disposition.to_string(),
                count,
                colour: FAULT,
            });
        }
    }
    let first = results.first();
    let title = first.map_or_else(String::new, |r| format!("curl {}", r.request.raw));
    let chooser_words = match (chooser, all.first()) {
        (Some(c), Some(p)) if p.haproxy.is_some() => format!(
            "local or remote to {}, whose haproxy opened the connection to the Service",
            topology.name(c)
        ),
        (Some(c), _) => format!(
            "local or remote to {}, whose vRouter chose the pod (ECMP)",
            topology.name(c)
        ),
        (None, _) => "the gateway chose the compute; bars coloured by compute".into(),
    };
    let subtitle = first.map_or_else(String::new, |r| {
        format!(
            "from {} to {}:{} · step {} · {} requests",
            endpoint(&r.from, ns),
            r.destination,
            r.port,
            step.index + 1,
            results.len()
        )
    });
    let height = TOP + rows.iter().map(row_height).sum::<f64>() + 60.0;
    let top_count = rows
        .iter()
        .map(|r| match r {
            Row::Bar { count, .. } => *count,
            Row::Compute(_) => 0,
        })
        .max()
        .unwrap_or(1)
        .max(1);
    let scale = (WIDTH - LEFT - RIGHT) / f64::from(top_count);
    canvas(WIDTH, height, |area| {
        bold(area, &clip(&title, 80), (20.0, 24.0), 16.0)?;
        text(area, &subtitle, (20.0, 50.0), 12.0, INK, Align::Left)?;
        text(area, &chooser_words, (20.0, 70.0), 12.0, MUTED, Align::Left)?;
        let mut y = TOP;
        for row in &rows {
            match row {
                Row::Compute(name) => {
                    bold(area, name, (20.0, y + HEADER / 2.0 + 2.0), 12.5)?;
                    line(
                        area,
                        (20.0, y + HEADER - 2.0),
                        (WIDTH - RIGHT, y + HEADER - 2.0),
                        RULE.stroke_width(1),
                    )?;
                }
                Row::Bar {
                    label,
                    count,
                    colour,
                } => {
                    let mid = y + ROW / 2.0;
                    text(
                        area,
                        &clip(label, 44),
                        (LEFT - 10.0, mid),
                        12.0,
                        INK,
                        Align::Right,
                    )?;
                    let end = LEFT + scale * f64::from(*count);
                    rect(area, (LEFT, mid - 8.0), (end, mid + 8.0), colour.filled())?;
                    text(
                        area,
                        &count.to_string(),
                        (end + 6.0, mid),
                        12.0,
                        INK,
                        Align::Left,
                    )?;
                }
            }
            y += row_height(row);
        }
        let axis = y + 8.0;
        line(
            area,
            (LEFT, axis),
            (WIDTH - RIGHT, axis),
            INK.stroke_width(1),
        )?;
        let step = super::axis::nice_step(u64::from(top_count).div_ceil(5)).max(1);
        let mut n = 0u64;
        let mut last_end = f64::MIN;
        while n <= u64::from(top_count) {
            let x = LEFT + scale * n as f64;
            line(area, (x, axis), (x, axis + 4.0), INK.stroke_width(1))?;
            let label = n.to_string();
            if x - text_width(&label, 11.0) / 2.0 > last_end {
                text(area, &label, (x, axis + 14.0), 11.0, INK, Align::Centre)?;
                last_end = x + text_width(&label, 11.0) / 2.0 + 4.0;
            }
            n += step;
        }
        text(
            area,
            "requests served",
            ((LEFT + WIDTH - RIGHT) / 2.0, axis + 32.0),
            11.0,
            MUTED,
            Align::Centre,
        )?;
        Ok(())
    })
}

fn row_height(row: &Row) -> f64 {
    match row {
        Row::Compute(_) => HEADER,
        Row::Bar { .. } => ROW,
    }
}
