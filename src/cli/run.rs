//! `contrail-sim run FILE`.

use std::io::{BufWriter, Write};
use std::mem::ManuallyDrop;
use std::path::Path;

use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK, Format, RunArgs};
use crate::diag::{SourceMap, render};
use crate::report::Both;
use crate::report::html::Collector;
use crate::report::jsonl::Jsonl;
use crate::report::text::Text;
use crate::report::trace::Detail;
use crate::scenario::model::Scenario;
use crate::scenario::run::{Keep, Quiet, Run, RunError, Sink};
use crate::trace::capture::Capture;
use crate::trace::capture::pcapng::PcapngSink;

/// What a streamed run came to.
pub struct Streamed {
    pub run: Run,
    pub failures: usize,
    /// The run-time error that stopped the run, rendered.
    pub error: Option<String>,
}

/// How a run is written as it goes: the format, and for text whether the timeline is
/// interleaved and how much of each curl trace shows.
#[derive(Clone, Copy, Debug)]
pub struct Rendering {
    pub format: Format,
    pub timeline: bool,
    pub trace: Detail,
}

/// Runs a loaded scenario, writing its records to `out` as `rendering` says as the run makes
/// them, handing them to `also` too, and keeping what `keep` says.
#[allow(clippy::too_many_arguments)]
pub fn stream(
    scenario: &Scenario,
    seed: u64,
    rendering: Rendering,
    sources: &SourceMap,
    capture: Option<Capture>,
    keep: Keep,
    also: &mut dyn Sink,
    out: &mut dyn Write,
) -> std::io::Result<Streamed> {
    let (run, error) = match rendering.format {
        Format::Text => {
            let mut text =
                Text::new(scenario, seed, rendering.timeline, out).with_trace(rendering.trace);
            let (run, error) = split(Run::stream(
                scenario,
                seed,
                capture,
                keep,
                &mut Both(&mut text, also),
            ));
            if error.is_none() {
                text.finish(&run.world)?;
            }
            (run, error)
        }
        Format::Jsonl => {
            let mut jsonl = Jsonl::new(scenario, seed, out);
            let result = Run::stream(scenario, seed, capture, keep, &mut Both(&mut jsonl, also));
            match split(result) {
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
    let (scenario, sources) = match super::load_scenario(&args.file) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    // The process exits after this command: a large cluster's scenario and world are
    // millions of allocations, and handing them back one by one would take longer than the
    // run's last steps. So they are left to the operating system (`ManuallyDrop`).
    let mut scenario = ManuallyDrop::new(scenario);
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
    // Fingerprinted only when a second run will be compared with it.
    let printed = args.check_determinism.then(Fingerprint::default);
    let mut stdout = BufWriter::with_capacity(
        1 << 16,
        Fingerprinted {
            out: std::io::stdout().lock(),
            fingerprint: printed.clone(),
        },
    );
    let mut collector = args
        .report
        .is_some()
        .then(|| Collector::new(&scenario, seed));
    let streamed = stream(
        &scenario,
        seed,
        rendering(args),
        &sources,
        capture,
        keep,
        collector
            .as_mut()
            .map_or(&mut Quiet as &mut dyn Sink, |c| c),
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
    if let Some(printed) = &printed
        && !same_again(args, &scenario, seed, &sources, printed, &replay)
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
    if let (Some(dir), Some(collector)) = (&args.report, collector)
        && let Err(e) = report(run, &scenario, seed, collector, dir, &args.file)
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
    let again = Fingerprint::default();
    let mut buffered = BufWriter::with_capacity(1 << 16, again.clone());
    let second = stream(
        scenario,
        seed,
        rendering(args),
        sources,
        capture,
        Keep::Verdicts,
        &mut Quiet,
        &mut buffered,
    );
    drop(buffered);
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

fn rendering(args: &RunArgs) -> Rendering {
    Rendering {
        format: args.format,
        timeline: args.timeline,
        trace: args.trace,
    }
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

/// Writes the run's charts, its text output and its HTML page (from `collector`, which rode
/// along the run) under `dir`, named after the scenario file.
pub fn report(
    run: &Run,
    scenario: &Scenario,
    seed: u64,
    collector: Collector,
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
    std::fs::write(dir.join(format!("{stem}.txt")), text).map_err(|e| e.to_string())?;
    let page = collector.page(&run.world);
    std::fs::write(dir.join("index.html"), page).map_err(|e| e.to_string())
}

/// Writes to `out`, and into `fingerprint` when there is one.
struct Fingerprinted<W> {
    out: W,
    fingerprint: Option<Fingerprint>,
}

impl<W: Write> Write for Fingerprinted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write_all(buf)?;
        if let Some(f) = &mut self.fingerprint {
            f.write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
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
