//! `contrail-sim run FILE`.

use std::io::Write;
use std::path::Path;

use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK, Format, RunArgs};
use crate::diag::{SourceMap, render};
use crate::scenario::load::load;
use crate::scenario::model::Scenario;
use crate::scenario::run::Run;
use crate::trace::capture::Capture;
use crate::trace::capture::pcapng::PcapngSink;

/// The outcome of running one scenario, rendered.
pub struct Rendered {
    pub output: String,
    pub failures: usize,
    pub error: Option<String>,
}

/// Runs a loaded scenario and renders it in `format`.
pub fn execute(
    scenario: &Scenario,
    seed: u64,
    format: Format,
    timeline: bool,
    sources: &SourceMap,
    capture: Option<Capture>,
) -> (Rendered, Option<Run>) {
    let (run, error) = match Run::execute_with(scenario, seed, capture) {
        Ok(run) => (run, None),
        Err(failed) => {
            let (run, e) = *failed;
            (run, Some(render(&[e.0], sources)))
        }
    };
    let output = match format {
        Format::Text => crate::report::text::render(scenario, &run, seed, timeline),
        Format::Jsonl => crate::report::jsonl::render(scenario, &run, seed),
    };
    let failures = run.steps.iter().map(|s| s.failures.len()).sum();
    (
        Rendered {
            output,
            failures,
            error,
        },
        Some(run),
    )
}

pub fn run(args: &RunArgs) -> i32 {
    let loaded = load(&args.file);
    let warnings: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| !d.is_error())
        .cloned()
        .collect();
    let Some(mut scenario) = loaded.scenario else {
        eprint!("{}", render(&loaded.diagnostics, &loaded.sources));
        return EXIT_INVALID;
    };
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
    let (rendered, mut run) = execute(
        &scenario,
        seed,
        args.format,
        args.timeline,
        &loaded.sources,
        capture,
    );
    if let (Some(path), Some(capture)) = (
        &args.pcap,
        run.as_mut().and_then(|r| r.world.capture.take()),
    ) && let Err(e) = capture.finish()
    {
        eprintln!("error: cannot write the capture to {}: {e}", path.display());
        return EXIT_INVALID;
    }
    if args.check_determinism {
        // With --pcap the second run's capture is compared too, by fingerprint.
        let fingerprint = args.pcap.as_ref().map(|_| Fingerprint::default());
        let second = fingerprint.as_ref().and_then(|f| {
            let sink = PcapngSink::new(f.clone()).ok()?;
            Some(Capture::new(Box::new(sink)))
        });
        let (again, mut again_run) = execute(
            &scenario,
            seed,
            args.format,
            args.timeline,
            &loaded.sources,
            second,
        );
        if let Some(capture) = again_run.as_mut().and_then(|r| r.world.capture.take()) {
            let _ = capture.finish();
        }
        let captures_differ = match (&args.pcap, &fingerprint) {
            (Some(path), Some(f)) => Fingerprint::of_file(path).ok() != Some(f.value()),
            _ => false,
        };
        if again.output != rendered.output || captures_differ {
            let what = if captures_differ {
                "captures"
            } else {
                "outputs"
            };
            eprintln!("determinism check FAILED: the {what} of two runs with seed {seed} differ");
            eprintln!("replay: {replay}");
            return EXIT_FAILED;
        }
        eprintln!(
            "determinism check passed: two runs with seed {seed} are byte-identical ({} bytes{})",
            rendered.output.len(),
            if args.pcap.is_some() {
                ", and so are their captures"
            } else {
                ""
            }
        );
    }
    if let Some(e) = rendered.error {
        eprint!("{e}");
        return EXIT_INVALID;
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(rendered.output.as_bytes());
    let _ = stdout.flush();
    if let (Some(dir), Some(run)) = (&args.export, &run)
        && let Err(e) = export(run, dir)
    {
        eprintln!("error: cannot export to {}: {e}", dir.display());
        return EXIT_INVALID;
    }
    if let (Some(dir), Some(run)) = (&args.report, &run)
        && let Err(e) = report(run, &scenario, seed, dir, &args.file)
    {
        eprintln!("error: cannot write the report to {}: {e}", dir.display());
        return EXIT_INVALID;
    }
    if rendered.failures > 0 {
        eprintln!(
            "{} expectation(s) failed (seed {seed}); replay: {replay}",
            rendered.failures
        );
        return EXIT_FAILED;
    }
    EXIT_OK
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
