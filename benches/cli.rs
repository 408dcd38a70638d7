//! The whole command-line path, as a user meets it: `contrail-sim run FILE [--format jsonl]`
//! on a scenario with two repeated curl steps (an Ingress from the internet host, then a
//! ClusterIP Service from a pod), at several sizes. Each size runs in a fresh process (this
//! binary again, in child mode) whose stdout goes to a file; the parent times it and weighs the
//! file, the child reports its peak resident memory (`VmHWM`).
//!
//! `cargo bench --bench cli [-- --sizes 1000,10000,100000 --rounds R]`

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use clap::Parser;
use contrail_sim::cli::{Cli, main as cli_main};

/// The scenario: converge the book's lab with a Service and an Ingress, then `repeat`
/// requests through each.
fn scenario(repeat: u32) -> String {
    let manifests = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/manifests");
    let m = manifests.display();
    format!(
        "name: cli-bench-{repeat}
topology:
  name: book
  hosts:
    - 101.101.101.1 www.juniper.net
steps:
  - apply: {m}/client.yaml
  - apply: {m}/service-clusterip.yaml
  - apply:
      - apiVersion: extensions/v1beta1
        kind: Ingress
        metadata: {{name: web}}
        spec: {{backend: {{serviceName: service-web-clusterip, servicePort: 8888}}}}
  - wait: converged
  - curl: \"http://www.juniper.net/\"
    from: host/cent-client
    repeat: {repeat}
    expect: {{status: 200}}
  - curl: \"http://{{service/service-web-clusterip.clusterIP}}:8888/\"
    from: pod/client
    repeat: {repeat}
    expect: {{status: 200}}
"
    )
}

/// Child mode: runs the CLI in this process (stdout is the parent's file), then reports its
/// peak resident memory on stderr.
fn child(file: &str, format: &str) -> ! {
    let code = cli_main(Cli::parse_from([
        "contrail-sim",
        "run",
        file,
        "--format",
        format,
    ]));
    let _ = std::io::stdout().flush();
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0);
    eprintln!("peak_kib={peak} exit={code}");
    std::process::exit(code);
}

struct Measured {
    seconds: f64,
    peak_mib: f64,
    bytes: u64,
}

/// Runs one size in a child process, its output to `out`.
fn measure(file: &Path, format: &str, out: &Path) -> Measured {
    let exe = std::env::current_exe().expect("this benchmark's path");
    let sink = std::fs::File::create(out).expect("output file");
    let start = Instant::now();
    let done = Command::new(exe)
        .args(["--child", &file.to_string_lossy(), format])
        .stdout(Stdio::from(sink))
        .stderr(Stdio::piped())
        .output()
        .expect("run the child");
    let seconds = start.elapsed().as_secs_f64();
    let report = String::from_utf8_lossy(&done.stderr);
    assert!(
        report.contains("exit=0"),
        "the run must pass every expectation: {report}"
    );
    let peak_kib: u64 = report
        .split("peak_kib=")
        .nth(1)
        .and_then(|r| r.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    Measured {
        seconds,
        peak_mib: peak_kib as f64 / 1024.0,
        bytes,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        child(&args[2], &args[3]);
    }
    let mut sizes = vec![1_000u32, 10_000, 100_000];
    let mut rounds = 3;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--sizes" => {
                if let Some(v) = it.next() {
                    sizes = v.split(',').filter_map(|s| s.parse().ok()).collect();
                }
            }
            "--rounds" => rounds = it.next().and_then(|v| v.parse().ok()).unwrap_or(rounds),
            _ => {} // cargo bench passes --bench
        }
    }
    let dir: PathBuf =
        std::env::temp_dir().join(format!("contrail-sim-cli-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    println!(
        "repeats/step | requests | format | wall s (median of {rounds}) | µs/request | peak MiB | output MB"
    );
    println!("---:|---:|---|---:|---:|---:|---:");
    for &repeat in &sizes {
        let file = dir.join(format!("bench-{repeat}.yaml"));
        std::fs::write(&file, scenario(repeat)).expect("write scenario");
        for format in ["text", "jsonl"] {
            let out = dir.join(format!("out-{repeat}.{format}"));
            let runs: Vec<Measured> = (0..rounds).map(|_| measure(&file, format, &out)).collect();
            let seconds = median(runs.iter().map(|m| m.seconds).collect());
            let peak = runs.iter().map(|m| m.peak_mib).fold(0.0, f64::max);
            let requests = 2 * u64::from(repeat);
            println!(
                "{repeat} | {requests} | {format} | {seconds:.2} | {:.1} | {peak:.0} | {:.1}",
                seconds * 1e6 / requests as f64,
                runs[0].bytes as f64 / 1e6
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
