//! Every shipped scenario holds for every seed tried, not only its own: expectations name
//! roles (`{ingress/NAME.active}`), never the compute a seed happened to pick.

use contrail_sim::cli::discover::discover;
use contrail_sim::scenario::load::load;
use contrail_sim::sweep::run_seed;

use crate::support::scenario_path;

/// Seeds tried per scenario, beside the scenario's own.
const SEEDS: std::ops::RangeInclusive<u64> = 1..=12;

#[test]
fn every_shipped_scenario_holds_for_every_seed_tried() {
    let found = discover(&[scenario_path("")]);
    let files: Vec<_> = found
        .judged
        .iter()
        .map(|(f, why)| {
            assert!(why.is_none(), "{}: {why:?}", f.display());
            f.clone()
        })
        .collect();
    assert!(files.len() >= 12, "{files:?}");
    let mut failing = Vec::new();
    for file in &files {
        let scenario = load(file)
            .scenario
            .unwrap_or_else(|| panic!("{} does not load", file.display()));
        for seed in SEEDS.chain([scenario.seed]) {
            let outcome = run_seed(&scenario, seed);
            if !outcome.passed() {
                failing.push(format!(
                    "contrail-sim run {} --seed {seed}: {:?}",
                    file.display(),
                    outcome
                        .steps
                        .iter()
                        .flat_map(|s| &s.failures)
                        .map(|f| &f.what)
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(
        failing.is_empty(),
        "seed-dependent scenarios:\n{}",
        failing.join("\n")
    );
}
