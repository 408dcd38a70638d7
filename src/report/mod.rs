//! Renderers: they read records (as a run makes them, or from a finished run) and the world's
//! state, never change them.

pub mod charts;
pub mod compare;
pub mod curl_output;
pub mod diff;
pub mod html;
pub mod jsonl;
pub mod names;
pub mod pending;
pub mod show;
pub mod sweep;
pub mod table;
pub mod text;
pub mod timeline;
pub mod trace;

use crate::scenario::run::{CurlResult, Output, Run, Sink, StepResult};

/// Hands a finished run's records to `sink` in the order a streamed run makes them: each
/// step's requests, then the step.
pub fn replay(run: &Run, sink: &mut dyn Sink) {
    for step in &run.steps {
        if let Output::Curl(results) | Output::Compare(results) = &step.output {
            for r in results {
                sink.request(&run.world, step.index, r);
            }
        }
        sink.step(&run.world, step);
    }
}

/// Hands every record to two sinks, the first first: a renderer that writes as the run goes
/// and one that collects for later (the HTML report).
pub struct Both<'a>(pub &'a mut dyn Sink, pub &'a mut dyn Sink);

impl Sink for Both<'_> {
    fn request(&mut self, world: &crate::world::World, step: usize, result: &CurlResult) {
        self.0.request(world, step, result);
        self.1.request(world, step, result);
    }

    fn step(&mut self, world: &crate::world::World, step: &StepResult) {
        self.0.step(world, step);
        self.1.step(world, step);
    }
}
