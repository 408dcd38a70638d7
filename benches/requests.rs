//! End-to-end simulated HTTP requests per second through an ingress.
//!
//! Builds the cluster of `scenarios/ingress-simple-fanout.yaml` (its steps up to the first
//! `wait: converged`), then sends `GET http://www.juniper.net/dev` from `cent-client` one request
//! after another, as the runner does: through the gateway to haproxy on cent222, and on to the
//! backend pod on cent333. Each round starts from a fresh cluster, so every request creates its
//! flows. Two modes: the trace kept whole, as in a real run (it grows by every hop), and the
//! trace drained every 1,000 requests, which leaves out the cost of fresh memory.
//!
//! `cargo bench --bench requests [-- --requests N --rounds R]`

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::mem::size_of;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use contrail_sim::diag::Origin;
use contrail_sim::scenario::curl::parse_curl;
use contrail_sim::scenario::load::load;
use contrail_sim::scenario::model::{Action, Scenario, Wait};
use contrail_sim::scenario::run::Run;
use contrail_sim::trace::record::RequestTrace;
use contrail_sim::trace::{Hop, Step, TraceLog};
use contrail_sim::wire::Packet;
use contrail_sim::world::msg::CurlJob;
use contrail_sim::world::{Addr, Msg, World};

/// The system allocator, counting allocations while `COUNTING` is set (an untimed round).
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const SCENARIO: &str = "scenarios/ingress-simple-fanout.yaml";
const HOST: &str = "www.juniper.net";

/// The scenario's setup: its steps up to and including the first `wait: converged`.
fn setup() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCENARIO);
    let Some(mut scenario) = load(&path).scenario else {
        panic!("{SCENARIO} does not load");
    };
    let end = scenario
        .steps
        .iter()
        .position(|s| matches!(s.action, Action::Wait(Wait::Converged)))
        .expect("a `wait: converged` step");
    scenario.steps.truncate(end + 1);
    scenario
}

/// A converged cluster and the request to send.
fn world(scenario: &Scenario) -> (World, CurlJob) {
    let run = match Run::execute(scenario, scenario.seed) {
        Ok(run) => run,
        Err(_) => panic!("the setup of {SCENARIO} fails"),
    };
    let world = run.world;
    let request = parse_curl("http://www.juniper.net/dev", &Origin::new(SCENARIO, 0, 0))
        .expect("a valid curl");
    let destination = world.internet_host.resolve(HOST).expect("in /etc/hosts");
    let job = CurlJob {
        request_id: 0,
        request,
        destination,
        port: 80,
        host_header: HOST.to_string(),
        shown_host: HOST.to_string(),
        started: world.now(),
    };
    (world, job)
}

struct Round {
    seconds: f64,
    events: u64,
    hops: usize,
    steps: usize,
    trace_bytes: usize,
}

/// Requests between trace drains in the drained mode.
const DRAIN_EVERY: u32 = 1_000;

/// Sends `n` requests one after another; each runs to completion before the next starts.
/// With `drain`, the trace is emptied (keeping its capacity) every [`DRAIN_EVERY`] requests,
/// as a long run that hands its records on would. Checks that every request is answered 200.
fn round(world: &mut World, job: &CurlJob, n: u32, drain: bool) -> Round {
    let events = world.events_handled;
    let (mut hops, mut steps, mut trace_bytes, mut served) = (0, 0, 0, 0);
    let mut take = |t: &mut TraceLog| {
        hops += t.hops.len();
        steps += t.steps.len();
        trace_bytes += t.hops.len() * size_of::<Hop>()
            + t.steps.len() * size_of::<Step>()
            + t.requests.len() * size_of::<RequestTrace>();
        served += t
            .requests
            .values()
            .filter_map(|r| r.done.as_ref())
            .filter(|o| o.response.as_ref().is_some_and(|r| r.status == 200))
            .count();
        t.drain();
    };
    take(&mut world.trace);
    let start = Instant::now();
    for i in 0..n {
        let job = CurlJob {
            request_id: 1_000 + i,
            ..job.clone()
        };
        world.inject(Addr::InternetHost, 0, Msg::CurlStart(Arc::new(job)));
        world.run_until_idle(u64::MAX).expect("an unbounded budget");
        if drain && (i + 1) % DRAIN_EVERY == 0 {
            take(&mut world.trace);
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let events = world.events_handled - events;
    take(&mut world.trace);
    assert_eq!(served, n as usize, "every request is answered 200");
    Round {
        seconds,
        events,
        hops,
        steps,
        trace_bytes,
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs the rounds of one mode and prints its rates.
fn mode(scenario: &Scenario, n: u32, rounds: usize, drain: bool) -> Round {
    let (mut req_rates, mut ev_rates) = (Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..rounds {
        let (mut world, job) = world(scenario);
        let r = round(&mut world, &job, n, drain);
        req_rates.push(f64::from(n) / r.seconds);
        ev_rates.push(r.events as f64 / r.seconds);
        last = Some(r);
        black_box(&world);
    }
    let (lo, hi) = (
        req_rates.iter().copied().fold(f64::MAX, f64::min),
        req_rates.iter().copied().fold(0.0, f64::max),
    );
    let label = if drain {
        "trace drained every 1000 requests"
    } else {
        "trace kept (grows)"
    };
    println!(
        "{label:<34} requests/s {:>8.0} (min {lo:.0}, max {hi:.0})  events/s {:>9.0}",
        median(&mut req_rates),
        median(&mut ev_rates)
    );
    last.expect("at least one round")
}

fn main() {
    let mut n: u32 = 10_000;
    let mut rounds = 7;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--requests" => n = args.next().and_then(|v| v.parse().ok()).unwrap_or(n),
            "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(rounds),
            _ => {} // cargo bench passes --bench
        }
    }
    let scenario = setup();
    println!(
        "{n} requests per round, median of {rounds} rounds, a fresh cluster each round; (Addr, Msg) {} B, Packet {} B",
        size_of::<(Addr, Msg)>(),
        size_of::<Packet>()
    );
    let r = mode(&scenario, n, rounds, false);
    mode(&scenario, n, rounds, true);
    let allocations = {
        let (mut world, job) = world(&scenario);
        COUNTING.store(true, Relaxed);
        round(&mut world, &job, n, true);
        COUNTING.store(false, Relaxed);
        ALLOCATIONS.load(Relaxed)
    };
    let n = f64::from(n);
    println!(
        "per request: {:.1} events, {:.1} hops, {:.1} trace steps, {:.0} bytes of trace (Hop {} B, Step {} B), {:.1} heap allocations",
        r.events as f64 / n,
        r.hops as f64 / n,
        r.steps as f64 / n,
        r.trace_bytes as f64 / n,
        size_of::<Hop>(),
        size_of::<Step>(),
        allocations as f64 / n,
    );
}
