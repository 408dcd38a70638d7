//! Sweeps: one scenario run for many seeds, to learn which of its answers depend on chance
//! (ECMP hashing, haproxy placement, pod placement).
//!
//! Each run is reduced to a [`outcome::RunOutcome`] as soon as it ends, and the outcomes are
//! folded in seed order into a [`tally::Tally`]: the distribution of each step's outcomes.

pub mod outcome;
pub mod tally;

use crate::scenario::model::Scenario;
use crate::scenario::run::Run;

/// Runs the scenario with one seed and reduces the run to its outcome.
pub fn run_seed(scenario: &Scenario, seed: u64) -> outcome::RunOutcome {
    match Run::execute(scenario, seed) {
        Ok(run) => outcome::summarize(scenario, seed, &run, None),
        Err(failed) => {
            let (run, error) = *failed;
            outcome::summarize(scenario, seed, &run, Some(&error))
        }
    }
}
