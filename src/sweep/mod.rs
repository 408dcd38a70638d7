//! Sweeps: one scenario run for many seeds, to learn which of its answers depend on chance
//! (ECMP hashing, haproxy placement, pod placement).
//!
//! Each run is reduced to a [`outcome::RunOutcome`] as it goes, and the outcomes are
//! folded in seed order into a [`tally::Tally`]: the distribution of each step's outcomes.

pub mod outcome;
pub mod tally;

use crate::scenario::model::Scenario;
use crate::scenario::run::{Keep, Run};

/// Runs the scenario with one seed, reducing the run to its outcome as it goes.
pub fn run_seed(scenario: &Scenario, seed: u64) -> outcome::RunOutcome {
    let mut summarizer = outcome::Summarizer::new(scenario);
    match Run::stream(scenario, seed, None, Keep::Verdicts, &mut summarizer) {
        Ok(_) => summarizer.finish(seed, None),
        Err(failed) => summarizer.finish(seed, Some(&failed.1)),
    }
}
