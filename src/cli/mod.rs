//! The command line: `run`, `test` and `diff`. Parsing and exit codes live here; the work is the
//! library's.

pub mod diff;
pub mod run;
pub mod test;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::dataplane::haproxy::Semantics;

/// Deterministic simulator of a Kubernetes cluster networked by Contrail.
#[derive(Parser, Debug)]
#[command(name = "contrail-sim", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run one scenario and print each step's result.
    Run(RunArgs),
    /// Run every scenario under the given files and folders.
    Test(TestArgs),
    /// Run a scenario under Contrail's ingress semantics and the Kubernetes spec's, and show
    /// per request the two answers and why they differ.
    Diff(DiffArgs),
}

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The scenario file.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The scenario file.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Ingress semantics: `contrail` (Contrail's haproxy driver) or `kubernetes` (the Ingress
    /// spec); overrides the scenario's `semantics:`.
    #[arg(long, value_parser = parse_semantics, value_name = "PROFILE")]
    pub semantics: Option<Semantics>,
    /// Also write the files the simulated nodes hold under DIR/<node>/<path>.
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
    /// Also write SVG charts (control-plane timeline, requests per pod) and the text output
    /// under DIR.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Interleave the control-plane timeline with the steps (text format).
    #[arg(long)]
    pub timeline: bool,
    /// Run twice with the same seed and fail unless the outputs are byte-identical.
    #[arg(long)]
    pub check_determinism: bool,
}

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Scenario files or folders (searched for *.yaml files with a `steps:` key).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Scenarios to run at once.
    #[arg(long, short, default_value_t = 1)]
    pub jobs: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Jsonl,
}

/// `--semantics`: one of the profile names.
fn parse_semantics(s: &str) -> Result<Semantics, String> {
    Semantics::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Semantics::ALL.iter().map(|s| s.as_str()).collect();
        format!("expected one of: {}", names.join(", "))
    })
}

/// Exit codes of the contract.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_INVALID: i32 = crate::diag::EXIT_INVALID_INPUT;

pub fn main(cli: Cli) -> i32 {
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Test(args) => test::test(&args),
        Command::Diff(args) => diff::run(&args),
    }
}
