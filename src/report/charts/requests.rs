//! Requests along time, for runs with faults: each request is a dot at the time it was sent, in
//! the lane of its outcome (a pod served it, or why not), coloured by the compute that served
//! it; the time between a failure and its recovery is shaded. The simulator's curl does not
//! retry, so every repetition is a request of its own.

use std::collections::{BTreeMap, BTreeSet};

use plotters::prelude::*;

use super::axis::TimeAxis;
use super::draw::{
    Align, Area, BAND, FAULT, INK, MUTED, Marker, bold, canvas, compute_colour, err, markers, rect,
    step_legend, step_legend_height, text, text_width, time_axis,
};
use super::outcome::{Path, paths};
use crate::scenario::run::{CurlResult, Output, Run};
use crate::topology::NodeId;
use crate::trace::record::DISPOSITIONS;

const WIDTH: f64 = 1200.0;
const LEFT: f64 = 230.0;
const RIGHT: f64 = 40.0;
const TOP: f64 = 110.0;
const LANE: f64 = 34.0;
/// Label each request when there are at most this many.
const LABELLED: usize = 16;

const FADED: RGBColor = RGBColor(255, 236, 236);

pub fn render(
    run: &Run,
    title: &str,
    marks: &[(u64, Marker)],
    steps: &[(usize, String)],
) -> Result<String, String> {
    let world = &run.world;
    let computes: Vec<_> = world.env.topology.computes().to_vec();
    let position: BTreeMap<NodeId, usize> =
        computes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let results: Vec<&CurlResult> = run
        .steps
        .iter()
        .flat_map(|s| match &s.output {
            Output::Curl(r) | Output::Compare(r) => r.iter().collect(),
            _ => Vec::new(),
        })
        .collect();
    let ids: Vec<u32> = results.iter().map(|r| r.request_id).collect();
    let paths: Vec<Path> = paths(world, &ids);
    // From the first request on: the steps before it only set the cluster up.
    let first = results.iter().map(|r| r.started.0).min().unwrap_or(0);
    let marks: Vec<(u64, Marker)> = marks.iter().filter(|(t, _)| *t >= first).cloned().collect();
    let mut times: Vec<u64> = results.iter().map(|r| r.started.0).collect();
    times.extend(marks.iter().map(|(t, _)| *t));
    let axis = TimeAxis::around(&times, LEFT, WIDTH - RIGHT);
    // One lane per disposition that occurred, in the documented order; served always first.
    let lanes: Vec<&str> = DISPOSITIONS
        .iter()
        .copied()
        .filter(|d| *d == "delivered" || results.iter().any(|r| r.disposition == *d))
        .collect();
    let lanes_bottom = TOP + LANE * lanes.len() as f64;
    let listed: Vec<(usize, String)> = if results.len() <= LABELLED {
        results
            .iter()
            .zip(&paths)
            .map(|(r, p)| (r.request_id as usize + 1, describe(world, r, p)))
            .collect()
    } else {
        Vec::new()
    };
    let list_top = lanes_bottom + 62.0;
    let list_height = if listed.is_empty() {
        0.0
    } else {
        16.0 * (listed.len() as f64 + 1.0) + 12.0
    };
    let legend_top = list_top + list_height;
    let height = legend_top + step_legend_height(steps.len());
    canvas(WIDTH, height, |area| {
        bold(area, title, (20.0, 22.0), 17.0)?;
        let served: BTreeSet<NodeId> = paths
            .iter()
            .filter_map(|p| p.served.as_ref().map(|(n, _)| *n))
            .collect();
        let serving: Vec<(usize, NodeId)> = computes
            .iter()
            .enumerate()
            .filter(|(_, c)| served.contains(c))
            .map(|(i, c)| (i, *c))
            .collect();
        key(area, world, &serving)?;
        degraded(area, &axis, &marks, lanes_bottom)?;
        for (i, label) in lanes.iter().enumerate() {
            let y0 = TOP + LANE * i as f64;
            if i % 2 == 0 {
                rect(
                    area,
                    (axis.left(), y0),
                    (axis.right(), y0 + LANE),
                    BAND.mix(0.7).filled(),
                )?;
            }
            text(
                area,
                label,
                (LEFT - 10.0, y0 + LANE / 2.0),
                12.0,
                INK,
                Align::Right,
            )?;
        }
        markers(area, &axis, &marks, TOP, lanes_bottom)?;
        let mut last_label_end = vec![f64::MIN; lanes.len()];
        for (r, p) in results.iter().zip(&paths) {
            let lane = lanes.iter().position(|d| *d == r.disposition).unwrap_or(0);
            let colour = match &p.served {
                Some((node, _)) => compute_colour(position.get(node).copied().unwrap_or(0)),
                None => FAULT,
            };
            let x = axis.x(r.started.0);
            let y = TOP + LANE * lane as f64 + LANE / 2.0;
            area.draw(&Circle::new((x as i32, y as i32), 5, colour.filled()))
                .map_err(err)?;
            if results.len() <= LABELLED {
                // The request's number, above its dot, lifted when the previous one is close.
                let label = (r.request_id + 1).to_string();
                let slot = &mut last_label_end[lane];
                let ly = if x - 4.0 > *slot { y - 12.0 } else { y + 13.0 };
                text(area, &label, (x, ly), 10.5, INK, Align::Centre)?;
                *slot = x + text_width(&label, 10.5) / 2.0;
            }
        }
        time_axis(area, &axis, lanes_bottom + 8.0)?;
        text(
            area,
            "when the request was sent (simulated time since the start of the run)",
            ((axis.left() + axis.right()) / 2.0, lanes_bottom + 46.0),
            11.0,
            MUTED,
            Align::Centre,
        )?;
        if !listed.is_empty() {
            list(area, &listed, (LEFT, list_top))?;
        }
        step_legend(area, steps, (LEFT, legend_top), WIDTH - LEFT - RIGHT)?;
        Ok(())
    })
}

/// The numbered requests under the chart.
fn list(area: &Area, requests: &[(usize, String)], (left, top): (f64, f64)) -> Result<(), String> {
    bold(area, "requests", (left, top), 11.0)?;
    for (i, (number, what)) in requests.iter().enumerate() {
        let y = top + 16.0 * (i as f64 + 1.0);
        text(
            area,
            &number.to_string(),
            (left + 18.0, y),
            10.5,
            MUTED,
            Align::Right,
        )?;
        text(area, what, (left + 26.0, y), 10.5, INK, Align::Left)?;
    }
    Ok(())
}

/// `at 5.018 s: GET www.juniper.net/qa → 200 from webserver-2-… on cent333, via cent333/haproxy`.
fn describe(world: &crate::world::World, r: &CurlResult, p: &super::outcome::Path) -> String {
    let topology = &world.env.topology;
    let mut s = format!(
        "at {}: {} {}{}",
        super::axis::human(r.started.0, crate::sim::time::MILLISECOND),
        r.request.method,
        r.host_header,
        r.request.url.path
    );
    match (&r.response, &p.served) {
        (Some(resp), Some((node, pod))) => s.push_str(&format!(
            " → {} from {} on {}",
            resp.status,
            short_pod(pod),
            topology.name(*node)
        )),
        (Some(resp), None) => s.push_str(&format!(" → {} ({})", resp.status, r.disposition)),
        (None, _) => s.push_str(&format!(" → no answer ({})", r.disposition)),
    }
    if let Some(h) = p.haproxy {
        s.push_str(&format!(", via {}/haproxy", topology.name(h)));
    }
    s
}

/// A Deployment's pod without its generated suffixes: `webserver-1-…`.
fn short_pod(name: &str) -> String {
    let parts: Vec<&str> = name.rsplitn(3, '-').collect();
    match parts.as_slice() {
        [suffix, hash, deployment]
            if suffix.len() == 5 && hash.len() >= 8 && !deployment.is_empty() =>
        {
            format!("{deployment}-…")
        }
        _ => name.to_string(),
    }
}

/// Shades each stretch from a fault to its recovery (or the end).
fn degraded(
    area: &Area,
    axis: &TimeAxis,
    marks: &[(u64, Marker)],
    bottom: f64,
) -> Result<(), String> {
    for (i, (at, m)) in marks.iter().enumerate() {
        let Marker::Fault { target, down: true } = m else {
            continue;
        };
        let end = marks
            .iter()
            .skip(i + 1)
            .find(|(_, m)| matches!(m, Marker::Fault { target: t, down: false } if t == target))
            .map_or(axis.right(), |(t, _)| axis.x(*t));
        rect(area, (axis.x(*at), TOP), (end, bottom), FADED.filled())?;
    }
    Ok(())
}

/// The colour key: the computes that served something (by their colour in topology order).
fn key(
    area: &Area,
    world: &crate::world::World,
    computes: &[(usize, NodeId)],
) -> Result<(), String> {
    let y = 48.0;
    let mut x = 20.0;
    for &(i, node) in computes {
        let label = format!("served by a pod on {}", world.env.topology.name(node));
        area.draw(&Circle::new(
            (x as i32, y as i32),
            5,
            compute_colour(i).filled(),
        ))
        .map_err(err)?;
        text(area, &label, (x + 10.0, y), 11.0, INK, Align::Left)?;
        x += 30.0 + text_width(&label, 11.0);
    }
    area.draw(&Circle::new((x as i32, y as i32), 5, FAULT.filled()))
        .map_err(err)?;
    text(area, "not served", (x + 10.0, y), 11.0, INK, Align::Left)?;
    x += 30.0 + text_width("not served", 11.0);
    rect(area, (x, y - 7.0), (x + 22.0, y + 7.0), FADED.filled())?;
    text(
        area,
        "a fault until its recovery",
        (x + 28.0, y),
        11.0,
        INK,
        Align::Left,
    )?;
    text(
        area,
        "one dot per request, at the time it was sent · curl does not retry: each repetition is its own request · //: quiet time cut out",
        (20.0, y + 20.0),
        11.0,
        MUTED,
        Align::Left,
    )
}
