//! `contrail-sim run FILE`.

use std::io::Write;
use std::mem::ManuallyDrop;
use std::path::Path;

use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK, Format, RunArgs};
use crate::diag::{SourceMap, render};
use crate::report::jsonl::Jsonl;
use crate::report::text::Text;
use crate::scenario::load::load;
use crate::scenario::model::Scenario;
use crate::scenario::run::{Keep, Run, RunError};
use crate::trace::capture::Capture;
use crate::trace::capture::pcapng::PcapngSink;

/// What a streamed run came to.
pub struct Streamed {
    pub run: Run,
    pub failures: usize,
    /// The run-time error that stopped the run, rendered.
    pub error: Option<String>,
}

/// Runs a loaded scenario, writing its records to `out` in `format` as the run makes them,
/// keeping what `keep` says.
#[allow(clippy::too_many_arguments)]
pub fn stream(
    scenario: &Scenario,
    seed: u64,
    format: Format,
    timeline: bool,
    sources: &SourceMap,
    capture: Option<Capture>,
    keep: Keep,
    out: &mut dyn Write,
) -> std::io::Result<Streamed> {
    let (run, error) = match format {
        Format::Text => {
            let mut text = Text::new(scenario, seed, timeline, out);
            let result = Run::stream(scenario, seed, capture, keep, &mut text);
            text.finish()?;
            split(result)
        }
        Format::Jsonl => {
            let mut jsonl = Jsonl::new(scenario, seed, out);
            match split(Run::stream(scenario, seed, capture, keep, &mut jsonl)) {
                (run, None) => {
                    jsonl.finish(&run.world)?;
                    (run, None)
                }
                (run, Some(e)) => {
                    jsonl.fail(&e.0)?;
                    (run, Some(e))
                }
            }
        }
    };
    Ok(Streamed {
        failures: run.steps.iter().map(|s| s.failures.len()).sum(),
        error: error.map(|e| render(&[e.0], sources)),
        run,
    })
}

fn split(result: Result<Run, Box<(Run, RunError)>>) -> (Run, Option<RunError>) {
    match result {
        Ok(run) => (run, None),
        Err(failed) => {
            let (run, e) = *failed;
            (run, Some(e))
        }
    }
}

pub fn run(args: &RunArgs) -> i32 {
    let loaded = load(&args.file);
    let warnings: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| !d.is_error())
        .cloned()
        .collect();
    let Some(scenario) = loaded.scenario else {
        eprint!("{}", render(&loaded.diagnostics, &loaded.sources));
        return EXIT_INVALID;
    };
    // The process exits after this command: a large cluster's scenario and world are
    // millions of allocations, and handing them back one by one would take longer than the
    // run's last steps. So they are left to the operating system (`ManuallyDrop`).
    let mut scenario = ManuallyDrop::new(scenario);
    if !warnings.is_empty() {
        eprint!("{}", render(&warnings, &loaded.sources));
    }
    let seed = args.seed.unwrap_or(scenario.seed);
    if let Some(semantics) = args.semantics {
        scenario.semantics = semantics;
    }
    let replay = replay_command(args, seed);
    let capture = match args.pcap.as_deref().map(open_capture).transpose() {
        Ok(capture) => capture,
        Err((path, e)) => {
            eprintln!("error: cannot write the capture to {}: {e}", path.display());
            return EXIT_INVALID;
        }
    };
    // A report reads every request's packets after the run; otherwise they are forgotten as
    // soon as they are written.
    let keep = if args.report.is_some() {
        Keep::All
    } else {
        Keep::Verdicts
    };
    let printed = Fingerprint::default();
    let mut stdout = Tee(
        std::io::BufWriter::new(std::io::stdout().lock()),
        printed.clone(),
    );
    let streamed = stream(
        &scenario,
        seed,
        args.format,
        args.timeline,
        &loaded.sources,
        capture,
        keep,
        &mut stdout,
    );
    drop(stdout);
    let mut streamed = match streamed {
        Ok(s) => ManuallyDrop::new(s),
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            return EXIT_INVALID;
        }
    };
    if let (Some(path), Some(capture)) = (&args.pcap, streamed.run.world.capture.take())
        && let Err(e) = capture.finish()
    {
        eprintln!("error: cannot write the capture to {}: {e}", path.display());
        return EXIT_INVALID;
    }
    if let Some(e) = &streamed.error {
        eprint!("{e}");
        return EXIT_INVALID;
    }
    if args.check_determinism
        && !same_again(args, &scenario, seed, &loaded.sources, &printed, &replay)
    {
        return EXIT_FAILED;
    }
    let run = &streamed.run;
    if let Some(dir) = &args.export
        && let Err(e) = export(run, dir)
    {
        eprintln!("error: cannot export to {}: {e}", dir.display());
        return EXIT_INVALID;
    }
    if let Some(dir) = &args.report
        && let Err(e) = report(run, &scenario, seed, dir, &args.file)
    {
        eprintln!("error: cannot write the report to {}: {e}", dir.display());
        return EXIT_INVALID;
    }
    if streamed.failures > 0 {
        eprintln!(
            "{} expectation(s) failed (seed {seed}); replay: {replay}",
            streamed.failures
        );
        return EXIT_FAILED;
    }
    EXIT_OK
}

/// `--check-determinism`: runs the scenario again with the same seed and compares what it
/// writes (and, with `--pcap`, its capture) with the first run's, by fingerprint.
fn same_again(
    args: &RunArgs,
    scenario: &Scenario,
    seed: u64,
    sources: &SourceMap,
    printed: &Fingerprint,
    replay: &str,
) -> bool {
    let captured = args.pcap.as_ref().map(|_| Fingerprint::default());
    let capture = captured.as_ref().and_then(|f| {
        let sink = PcapngSink::new(f.clone()).ok()?;
        Some(Capture::new(Box::new(sink)))
    });
    let mut again = Fingerprint::default();
    let second = stream(
        scenario,
        seed,
        args.format,
        args.timeline,
        sources,
        capture,
        Keep::Verdicts,
        &mut again,
    );
    if let Ok(mut s) = second
        && let Some(capture) = s.run.world.capture.take()
    {
        let _ = capture.finish();
    }
    let captures_differ = match (&args.pcap, &captured) {
        (Some(path), Some(f)) => Fingerprint::of_file(path).ok() != Some(f.value()),
        _ => false,
    };
    if again.value() != printed.value() || captures_differ {
        let what = if captures_differ {
            "captures"
        } else {
            "outputs"
        };
        eprintln!("determinism check FAILED: the {what} of two runs with seed {seed} differ");
        eprintln!("replay: {replay}");
        return false;
    }
    eprintln!(
        "determinism check passed: two runs with seed {seed} are byte-identical ({} bytes{})",
        printed.value().1,
        if args.pcap.is_some() {
            ", and so are their captures"
        } else {
            ""
        }
    );
    true
}

/// The command that replays this run: the file, the seed and an explicit `--semantics`.
fn replay_command(args: &RunArgs, seed: u64) -> String {
    let semantics = args
        .semantics
        .map(|s| format!(" --semantics {s}"))
        .unwrap_or_default();
    format!(
        "contrail-sim run {} --seed {seed}{semantics}",
        args.file.display()
    )
}

/// A capture writing pcapng to `path`.
fn open_capture(path: &Path) -> Result<Capture, (&Path, std::io::Error)> {
    let file = std::fs::File::create(path).map_err(|e| (path, e))?;
    let sink = PcapngSink::new(std::io::BufWriter::new(file)).map_err(|e| (path, e))?;
    Ok(Capture::new(Box::new(sink)))
}

/// Writes every node's files under `dir/<node>/<absolute path>`.
pub fn export(run: &Run, dir: &Path) -> std::io::Result<()> {
    for c in run.world.computes.iter().flatten() {
        for (path, text) in c.files() {
            let target = dir.join(&c.name).join(path.trim_start_matches('/'));
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(target, text)?;
        }
    }
    Ok(())
}

/// Writes the run's charts and its text output under `dir`, named after the scenario file.
pub fn report(
    run: &Run,
    scenario: &Scenario,
    seed: u64,
    dir: &Path,
    file: &Path,
) -> Result<(), String> {
    let stem = file
        .file_stem()
        .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    for chart in crate::report::charts::charts(run, scenario, &stem)? {
        std::fs::write(dir.join(&chart.file), chart.svg).map_err(|e| e.to_string())?;
    }
    let text = crate::report::text::render(scenario, run, seed, true);
    std::fs::write(dir.join(format!("{stem}.txt")), text).map_err(|e| e.to_string())
}

/// Writes everything to both.
struct Tee<A, B>(A, B);

impl<A: Write, B: Write> Write for Tee<A, B> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_all(buf)?;
        self.1.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()?;
        self.1.flush()
    }
}

/// A running FNV-1a hash and length of the bytes written through any of its clones.
#[derive(Clone, Default)]
struct Fingerprint(std::sync::Arc<std::sync::Mutex<(u64, u64)>>);

impl Fingerprint {
    fn value(&self) -> (u64, u64) {
        self.0.lock().map_or((0, 0), |v| *v)
    }

    fn of_file(path: &Path) -> std::io::Result<(u64, u64)> {
        let mut f = Fingerprint::default();
        std::io::copy(&mut std::fs::File::open(path)?, &mut f)?;
        Ok(f.value())
    }
}

impl Write for Fingerprint {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            let (hash, len) = &mut *v;
            if *len == 0 {
                *hash = 0xcbf2_9ce4_8422_2325;
            }
            for b in buf {
                *hash = (*hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
            }
            *len += buf.len() as u64;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
