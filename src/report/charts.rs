//! SVG charts of a run (plotters): the control-plane timeline as swimlanes, and for each
//! repeated curl step which pod served how many requests.

use std::collections::BTreeMap;

use plotters::prelude::*;

use super::timeline::actor_name;
use crate::scenario::run::{CurlResult, Output, Run};

/// One chart: a file name and its SVG text.
pub struct Chart {
    pub file: String,
    pub svg: String,
}

/// Every chart of a run, named after `stem`.
pub fn charts(run: &Run, stem: &str) -> Result<Vec<Chart>, String> {
    let mut out = vec![Chart {
        file: format!("{stem}-timeline.svg"),
        svg: timeline(run)?,
    }];
    for step in &run.steps {
        if let Output::Curl(results) = &step.output
            && results.len() > 1
        {
            let title = format!("step {}: {} requests", step.index + 1, results.len());
            out.push(Chart {
                file: format!("{stem}-step{}-served-by.svg", step.index + 1),
                svg: served_by(results, &title)?,
            });
        }
    }
    Ok(out)
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Control-plane events over simulated time, one lane per component.
fn timeline(run: &Run) -> Result<String, String> {
    let world = &run.world;
    let mut lanes: Vec<String> = Vec::new();
    let mut points = Vec::new();
    for note in &world.timeline {
        let lane = actor_name(world, note.actor);
        let y = match lanes.iter().position(|l| *l == lane) {
            Some(i) => i,
            None => {
                lanes.push(lane);
                lanes.len() - 1
            }
        };
        points.push((note.at.0 as f64 / 1e6, y as i32));
    }
    let end = points.iter().map(|p| p.0).fold(1.0f64, f64::max) * 1.05;
    let mut svg = String::new();
    {
        let height = 120 + 36 * lanes.len() as u32;
        let root = SVGBackend::with_string(&mut svg, (960, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("control-plane events", ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(210)
            .build_cartesian_2d(0f64..end, -1i32..lanes.len() as i32)
            .map_err(err)?;
        let names = lanes.clone();
        chart
            .configure_mesh()
            .x_desc("simulated time (ms)")
            .y_labels(lanes.len() + 2)
            .y_label_formatter(&|y| {
                usize::try_from(*y)
                    .ok()
                    .and_then(|i| names.get(i))
                    .cloned()
                    .unwrap_or_default()
            })
            .draw()
            .map_err(err)?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 4, BLUE.filled())),
            )
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// How many requests each pod served.
fn served_by(results: &[CurlResult], title: &str) -> Result<String, String> {
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for r in results {
        let who = r
            .served_by
            .as_ref()
            .map_or_else(|| format!("({})", r.disposition), |p| p.name.clone());
        *counts.entry(who).or_default() += 1;
    }
    let bars: Vec<(String, u32)> = counts.into_iter().collect();
    let top = bars.iter().map(|b| b.1).max().unwrap_or(1) + 1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 120 + 40 * bars.len() as u32))
            .into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(260)
            .build_cartesian_2d(0u32..top, -0.5f64..bars.len() as f64 - 0.5)
            .map_err(err)?;
        let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
        chart
            .configure_mesh()
            .x_desc("requests served")
            .y_labels(bars.len() + 1)
            .y_label_formatter(&|y| {
                let i = y.round();
                if (y - i).abs() > 1e-6 || i < 0.0 {
                    String::new()
                } else {
                    names.get(i as usize).cloned().unwrap_or_default()
                }
            })
            .draw()
            .map_err(err)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, n))| {
                let y = i as f64;
                Rectangle::new([(0, y - 0.35), (*n, y + 0.35)], GREEN.mix(0.6).filled())
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}
