//! `contrail-sim sweep FILE --seeds A..B`: the scenario once per seed, then the outcome
//! distribution of each step and the seeds whose expectations failed.

use std::io::Write;

use super::pool::ordered;
use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK, Format, SweepArgs};
use crate::report::sweep::{self as report, SweepInfo};
use crate::sweep::outcome::{RunOutcome, Stopped};
use crate::sweep::run_seed;
use crate::sweep::tally::Tally;

pub fn sweep(args: &SweepArgs) -> i32 {
    let scenario = match super::load_scenario(&args.file) {
        Ok((scenario, _)) => scenario,
        Err(code) => return code,
    };
    let partition = args.partition.unwrap_or(super::partition::Partition::WHOLE);
    let seeds: Vec<u64> = args.seeds.seeds(partition).collect();
    let info = SweepInfo {
        file: args.file.display().to_string(),
        scenario: scenario.name.clone(),
        first_seed: args.seeds.first(),
        last_seed: args.seeds.last(),
        partition: args.partition.map(|p| p.to_string()),
        runs: seeds.len() as u64,
    };
    let mut stdout = std::io::stdout().lock();
    let jsonl = args.format == Format::Jsonl;
    let mut open = !jsonl
        || stdout
            .write_all(report::jsonl_header(&info).as_bytes())
            .is_ok();
    let mut tally = Tally::default();
    let seed_at = |i: usize| seeds.get(i).copied().unwrap_or_default();
    ordered(
        seeds.len(),
        args.jobs,
        |i| run_seed(&scenario, seed_at(i)),
        |i, outcome| {
            let outcome = outcome.unwrap_or_else(|panic| crashed(seed_at(i), &panic));
            tally.add(&outcome);
            if jsonl && open {
                open = stdout
                    .write_all(report::jsonl_seed(&info, &outcome).as_bytes())
                    .is_ok();
            }
            open
        },
    );
    if !open {
        return EXIT_FAILED;
    }
    let closing = if jsonl {
        report::jsonl_tally(&tally)
    } else {
        report::text(&info, &tally)
    };
    let _ = stdout.write_all(closing.as_bytes());
    let _ = stdout.flush();
    if tally.stopped() > 0 {
        EXIT_INVALID
    } else if tally.failed() > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// The outcome of a seed whose run panicked: a bug in the simulator, reported as the run's
/// error so the sweep goes on and names the seed.
fn crashed(seed: u64, panic: &str) -> RunOutcome {
    RunOutcome {
        seed,
        steps: Vec::new(),
        stopped: Some(Stopped {
            step: 0,
            message: format!("the simulator panicked (a bug; please report it): {panic}"),
        }),
    }
}
