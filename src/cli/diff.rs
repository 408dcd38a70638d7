//! `contrail-sim diff FILE`: the scenario's requests under Contrail's semantics and the
//! Kubernetes spec's, side by side, with the reason wherever they differ.

use std::io::Write;

use super::{DiffArgs, EXIT_INVALID, EXIT_OK, Format};
use crate::diag::render;
use crate::scenario::diff::diff;

/// Exit 0 when both runs complete (differences are the output, not a failure), 2 for invalid
/// input. The scenario's expectations are not checked: they are written for one semantics.
pub fn run(args: &DiffArgs) -> i32 {
    let (scenario, sources) = match super::load_scenario(&args.file) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let seed = args.seed.unwrap_or(scenario.seed);
    let result = match diff(&scenario, seed) {
        Ok(d) => d,
        Err(e) => {
            eprint!("{}", render(&[e.0], &sources));
            return EXIT_INVALID;
        }
    };
    let output = match args.format {
        Format::Text => crate::report::diff::text(&scenario, &result),
        Format::Jsonl => crate::report::diff::jsonl(&scenario, &result),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(output.as_bytes());
    let _ = stdout.flush();
    EXIT_OK
}
