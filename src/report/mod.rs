//! Renderers: they read records (as a run makes them, or from a finished run) and the world's
//! state, never change them.

pub mod charts;
pub mod compare;
pub mod curl_output;
pub mod diff;
pub mod jsonl;
pub mod names;
pub mod show;
pub mod sweep;
pub mod table;
pub mod text;
pub mod timeline;
pub mod trace;

use crate::scenario::run::{Output, Run, Sink};

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
