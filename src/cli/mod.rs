//! The command line: `run`, `test`, `sweep`, `diff` and `generate`. Parsing and exit codes live here; the
//! work is the library's.

pub mod diff;
pub mod discover;
pub mod generate;
pub mod partition;
pub mod pool;
pub mod run;
pub mod sweep;
pub mod test;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::dataplane::haproxy::Semantics;
use crate::report::trace::Detail;
use partition::{Partition, SeedRange};

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
    /// Run one scenario for every seed of a range and show how its outcomes vary.
    Sweep(SweepArgs),
    /// Run a scenario under Contrail's ingress semantics and the Kubernetes spec's, and show
    /// per request the two answers and why they differ.
    Diff(DiffArgs),
    /// Write a cluster of the given size as a scenario file and its manifests.
    Generate(GenerateArgs),
}

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Computes (named cent222 … for up to eight, else compute-1 …).
    #[arg(long)]
    pub computes: u32,
    /// ClusterIP Services, each with its own Deployment.
    #[arg(long, default_value_t = 10)]
    pub services: u32,
    /// Pods in all, split evenly among the Services' Deployments [default: 10 per Service].
    #[arg(long)]
    pub pods: Option<u32>,
    /// Namespaces (team-1 …); the Services go round-robin over them.
    #[arg(long, default_value_t = 1)]
    pub namespaces: u32,
    /// How many of the namespaces are isolated (their own pod and service networks).
    #[arg(long, default_value_t = 0)]
    pub isolated: u32,
    /// Ingresses, one to each of the first Services [default: 1, or 0 without Services].
    #[arg(long)]
    pub ingresses: Option<u32>,
    /// The scenario's seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The folder to write scenario.yaml and manifests/ into (created if needed; files of the
    /// same names are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
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
    /// Also write under DIR a page to step through the run in a browser (DIR/index.html), SVG
    /// charts (control-plane timeline, requests per pod) and the text output.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Also write a pcapng capture of every packet at every link and tap it crosses, with
    /// simulated timestamps, to FILE (open it with Wireshark or tshark).
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
    /// Interleave the control-plane timeline with the steps (text format).
    #[arg(long)]
    pub timeline: bool,
    /// How much of each curl trace to show (text format): only the decisions (routes, ECMP,
    /// flows, NAT, haproxy's rule, drops, exits), the first packet of each connection, or all.
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = Detail::All)]
    pub trace: Detail,
    /// Run twice with the same seed and fail unless the outputs are byte-identical.
    #[arg(long)]
    pub check_determinism: bool,
}

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Scenario files or folders (every .yaml/.yml under a folder is classified: scenarios
    /// run, Kubernetes manifests are skipped and counted, anything else is invalid).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Scenarios to run at once (threads); the output does not depend on it.
    #[arg(long, short, default_value_t = 1, value_parser = parse_jobs)]
    pub jobs: usize,
    /// Run only the K-th of N partitions of the scenario files (K from 1).
    #[arg(long, value_name = "K/N")]
    pub partition: Option<Partition>,
}

#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// The scenario file.
    pub file: PathBuf,
    /// The seeds, both ends included: A..B (also A..=B, or one seed).
    #[arg(long, value_name = "A..B")]
    pub seeds: SeedRange,
    /// Seeds to run at once (threads); the output does not depend on it.
    #[arg(long, short, default_value_t = 1, value_parser = parse_jobs)]
    pub jobs: usize,
    /// Run only the K-th of N partitions of the seeds (K from 1).
    #[arg(long, value_name = "K/N")]
    pub partition: Option<Partition>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `--jobs`: 1 to [`pool::MAX_JOBS`].
fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=pool::MAX_JOBS).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a number of threads from 1 to {}",
            pool::MAX_JOBS
        )),
    }
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

/// Loads a scenario for a command: its errors are printed and mean exit code 2; its warnings
/// are printed and the command goes on.
pub fn load_scenario(
    file: &std::path::Path,
) -> Result<(crate::scenario::model::Scenario, crate::diag::SourceMap), i32> {
    let loaded = crate::scenario::load::load(file);
    let Some(scenario) = loaded.scenario else {
        eprint!(
            "{}",
            crate::diag::render(&loaded.diagnostics, &loaded.sources)
        );
        return Err(EXIT_INVALID);
    };
    let warnings: Vec<_> = loaded
        .diagnostics
        .into_iter()
        .filter(|d| !d.is_error())
        .collect();
    if !warnings.is_empty() {
        eprint!("{}", crate::diag::render(&warnings, &loaded.sources));
    }
    Ok((scenario, loaded.sources))
}

/// Exit codes of the contract.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_INVALID: i32 = crate::diag::EXIT_INVALID_INPUT;

pub fn main(cli: Cli) -> i32 {
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Test(args) => test::test(&args),
        Command::Sweep(args) => sweep::sweep(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Generate(args) => generate::run(&args),
    }
}
