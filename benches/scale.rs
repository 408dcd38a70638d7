//! Clusters that converge: wall time, events and peak memory of a generated cluster, from
//! `contrail-sim generate` to the end of its scenario, at several sizes.
//!
//! Each size runs in a child process of its own, so its peak resident memory (`VmHWM` of
//! /proc/self/status) is its own. The child does what a user does: writes the cluster with the
//! generator into a temporary folder, loads the scenario, and runs it step by step (the apply
//! steps, `wait: converged`, then the checks: `kubectl get nodes`, the endpoints, two curls)
//! through the text renderer into a sink. It prints one line of `key=value` figures; the parent
//! prints them as a table, with each size's growth over the previous one.
//!
//! `cargo bench --bench scale [-- --sizes 100x1000,1000x10000 --rounds R]`
//! (`CxS`: C computes and S Services, 10 pods per Service; the defaults are the four sizes of
//! benches/README.md.)

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use contrail_sim::generate::{Cluster, SCENARIO_FILE};
use contrail_sim::report::text::Text;
use contrail_sim::scenario::load::load;
use contrail_sim::scenario::model::{Action, Wait};
use contrail_sim::scenario::run::{CurlResult, Keep, Run, Sink, StepResult};
use contrail_sim::world::World;

const DEFAULT_SIZES: &str = "100x1000,100x10000,1000x1000,1000x10000";
const PODS_PER_SERVICE: u32 = 10;

/// What one child measured.
#[derive(Clone, Debug, Default)]
struct Figures {
    generate_s: f64,
    load_s: f64,
    /// The apply steps and `wait: converged`.
    converge_s: f64,
    /// The steps after convergence.
    checks_s: f64,
    events: u64,
    failures: usize,
    peak_mib: f64,
}

impl Figures {
    fn total(&self) -> f64 {
        self.generate_s + self.load_s + self.converge_s + self.checks_s
    }

    fn line(&self) -> String {
        format!(
            "generate_s={:.3} load_s={:.3} converge_s={:.3} checks_s={:.3} events={} failures={} peak_mib={:.0}",
            self.generate_s,
            self.load_s,
            self.converge_s,
            self.checks_s,
            self.events,
            self.failures,
            self.peak_mib
        )
    }

    fn parse(line: &str) -> Option<Figures> {
        let mut f = Figures::default();
        for pair in line.split_whitespace() {
            let (k, v) = pair.split_once('=')?;
            match k {
                "generate_s" => f.generate_s = v.parse().ok()?,
                "load_s" => f.load_s = v.parse().ok()?,
                "converge_s" => f.converge_s = v.parse().ok()?,
                "checks_s" => f.checks_s = v.parse().ok()?,
                "events" => f.events = v.parse().ok()?,
                "failures" => f.failures = v.parse().ok()?,
                "peak_mib" => f.peak_mib = v.parse().ok()?,
                _ => return None,
            }
        }
        Some(f)
    }
}

/// Peak resident memory of this process so far, in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A sink that notes when each step ended and hands the records on.
struct Timed<S> {
    inner: S,
    ended: Vec<Instant>,
}

impl<S: Sink> Sink for Timed<S> {
    fn request(&mut self, world: &World, step: usize, result: &CurlResult) {
        self.inner.request(world, step, result);
    }

    fn step(&mut self, world: &World, step: &StepResult) {
        self.inner.step(world, step);
        self.ended.push(Instant::now());
    }
}

/// One size, measured in this process.
fn child(computes: u32, services: u32, dir: &Path) -> Figures {
    let cluster = Cluster {
        computes,
        services,
        pods: services * PODS_PER_SERVICE,
        namespaces: 10,
        isolated: 1,
        ingresses: 1,
        seed: 1,
    };
    cluster.validate().expect("a valid size");
    let mut f = Figures::default();

    let t = Instant::now();
    for file in cluster.files() {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("the folder");
        std::fs::write(&path, file.text).expect("the file");
    }
    f.generate_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let loaded = load(&dir.join(SCENARIO_FILE));
    let scenario = loaded.scenario.expect("the generated scenario loads");
    f.load_s = t.elapsed().as_secs_f64();

    let converged_at = scenario
        .steps
        .iter()
        .position(|s| matches!(s.action, Action::Wait(Wait::Converged)))
        .expect("a wait: converged step");
    let mut sink = Timed {
        inner: Text::new(&scenario, scenario.seed, false, std::io::sink()),
        ended: Vec::new(),
    };
    let t = Instant::now();
    let run = match Run::stream(&scenario, scenario.seed, None, Keep::Verdicts, &mut sink) {
        Ok(run) => run,
        Err(e) => panic!("the run stopped: {}", e.1.0.message),
    };
    let converged = sink.ended[converged_at];
    f.converge_s = (converged - t).as_secs_f64();
    f.checks_s = (Instant::now() - converged).as_secs_f64();
    f.events = run.world.events_handled;
    f.failures = run.steps.iter().map(|s| s.failures.len()).sum();
    f.peak_mib = peak_mib();
    // The process ends here: freeing the world would only add to the wall time.
    std::mem::forget(run);
    f
}

fn parse_size(s: &str) -> (u32, u32) {
    let (c, svc) = s.split_once('x').expect("a size is CxS, e.g. 100x1000");
    (
        c.parse().expect("computes: a number"),
        svc.parse().expect("services: a number"),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if let Some(size) = value("--child") {
        let (computes, services) = parse_size(&size);
        let dir = PathBuf::from(value("--dir").expect("--dir"));
        let f = child(computes, services, &dir);
        println!("{}", f.line());
        return;
    }
    let sizes: Vec<(u32, u32)> = value("--sizes")
        .unwrap_or_else(|| DEFAULT_SIZES.to_string())
        .split(',')
        .map(parse_size)
        .collect();
    let rounds: usize = value("--rounds").map_or(1, |r| r.parse().expect("--rounds: a number"));
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let tmp = std::env::temp_dir().join(format!("contrail-sim-scale-{}", std::process::id()));

    println!(
        "{:>8} {:>8} {:>8} {:>10} {:>9} {:>8} {:>9} {:>8} {:>8} {:>9} {:>9}",
        "computes",
        "services",
        "pods",
        "events",
        "generate",
        "load",
        "converge",
        "checks",
        "total",
        "peak MiB",
        "µs/event"
    );
    for (computes, services) in sizes {
        let mut best: Option<Figures> = None;
        for round in 0..rounds {
            let dir = tmp.join(format!("{computes}x{services}-{round}"));
            let out = Command::new(&exe)
                .args(["--child", &format!("{computes}x{services}")])
                .args(["--dir", &dir.to_string_lossy()])
                .output()
                .expect("the child runs");
            let _ = std::fs::remove_dir_all(&dir);
            let text = String::from_utf8_lossy(&out.stdout);
            let Some(f) = text.lines().last().and_then(Figures::parse) else {
                eprintln!(
                    "{computes}x{services}: the child failed:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                std::process::exit(1);
            };
            assert_eq!(
                f.failures, 0,
                "{computes}x{services}: an expectation failed"
            );
            if best.as_ref().is_none_or(|b| f.total() < b.total()) {
                best = Some(f);
            }
        }
        let Some(f) = best else { continue };
        println!(
            "{:>8} {:>8} {:>8} {:>10} {:>8.2}s {:>7.2}s {:>8.2}s {:>7.2}s {:>7.2}s {:>9.0} {:>9.2}",
            computes,
            services,
            services * PODS_PER_SERVICE,
            f.events,
            f.generate_s,
            f.load_s,
            f.converge_s,
            f.checks_s,
            f.total(),
            f.peak_mib,
            (f.converge_s + f.checks_s) * 1e6 / f.events as f64
        );
        let _ = std::io::stdout().flush();
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
