//! SVG charts of a run (plotters), each teaching one thing:
//!
//! - [`timeline`]: the control plane, one lane per component in a fixed order, with the steps
//!   and faults marked across;
//! - [`served_by`]: for each repeated curl, which pod served how many requests, grouped by
//!   compute and coloured local or remote to whoever chose the pod;
//! - [`requests`]: for runs with faults, every request's outcome along time, with the fault and
//!   the recovery marked;
//! - [`paths`]: for each `compare` step, the requests' paths box by box (Service vs Ingress).
//!
//! Charts read the recorded run and draw on a pixel canvas; [`axis`] maps simulated time to x.

pub mod axis;
pub mod draw;
pub mod outcome;
pub mod paths;
pub mod requests;
pub mod served_by;
pub mod timeline;

use draw::Marker;

use crate::report::text::step_title;
use crate::scenario::model::Scenario;
use crate::scenario::run::{Output, Run};

/// One chart: a file name and its SVG text.
pub struct Chart {
    pub file: String,
    pub svg: String,
}

/// Every chart of a run, named after `stem`.
pub fn charts(run: &Run, scenario: &Scenario, stem: &str) -> Result<Vec<Chart>, String> {
    let marks = markers(run);
    let steps: Vec<(usize, String)> = run
        .steps
        .iter()
        .map(|s| (s.index + 1, step_title(scenario, s)))
        .collect();
    let mut out = vec![Chart {
        file: format!("{stem}-timeline.svg"),
        svg: timeline::render(
            &run.world,
            &format!("Control plane of {}: who acted when", scenario.name),
            &run.world.timeline,
            &marks,
            &steps,
        )?,
    }];
    for step in &run.steps {
        match &step.output {
            Output::Curl(results) if results.len() > 1 => out.push(Chart {
                file: format!("{stem}-step{}-served-by.svg", step.index + 1),
                svg: served_by::render(run, step, results, &scenario.namespace)?,
            }),
            Output::Compare(results) if !results.is_empty() => out.push(Chart {
                file: format!("{stem}-step{}-paths.svg", step.index + 1),
                svg: paths::render(&run.world, step, results, &scenario.namespace)?,
            }),
            _ => {}
        }
    }
    if marks.iter().any(|(_, m)| matches!(m, Marker::Fault { .. })) {
        out.push(Chart {
            file: format!("{stem}-requests.svg"),
            svg: requests::render(
                run,
                &format!("Requests of {} through the fault", scenario.name),
                &marks,
                &steps,
            )?,
        });
    }
    Ok(out)
}

/// When each step started, steps starting together in one marker; a fault or recovery step
/// also gets its own marker.
pub fn markers(run: &Run) -> Vec<(u64, Marker)> {
    let mut steps: Vec<(u64, Marker)> = Vec::new();
    let mut faults: Vec<(u64, Marker)> = Vec::new();
    for step in &run.steps {
        let start = step.started.0;
        match steps.last_mut() {
            Some((at, Marker::Steps(numbers))) if *at == start => numbers.push(step.index + 1),
            _ => steps.push((start, Marker::Steps(vec![step.index + 1]))),
        }
        if let Output::Fault { resolved, up, .. } = &step.output {
            let down = !up;
            faults.push((
                start,
                Marker::Fault {
                    target: resolved.clone(),
                    down,
                },
            ));
        }
    }
    // At one instant the steps come first, then the faults.
    steps.extend(faults);
    steps.sort_by_key(|(at, m)| (*at, matches!(m, Marker::Fault { .. })));
    steps
}
