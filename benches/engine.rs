//! Throughput of the event queue (`sim::Queue`) against a bare `BinaryHeap` loop doing the same
//! pushes and pops with the same delays.
//!
//! A steady population of `N` pending events: each popped event schedules one new event, half
//! of them with zero delay, the rest with a delay drawn from a seeded ChaCha stream. Two
//! payloads: a `u64`, and a blob the size of the world's real message `(Addr, Msg)`. A second
//! mix has no zero-delay events, so every event goes through the heap.
//!
//! `cargo bench --bench engine [-- --events N --rounds R]`

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::mem::size_of;
use std::time::Instant;

use contrail_sim::sim::Queue;
use contrail_sim::world::{Addr, Msg};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// Words in a blob as large as the world's message.
const MSG_WORDS: usize = size_of::<(Addr, Msg)>().div_ceil(8);

/// A payload the size of `(Addr, Msg)`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Blob([u64; MSG_WORDS]);

trait Payload: Copy + Ord {
    fn make(i: u64) -> Self;
    fn word(&self) -> u64;
}

impl Payload for u64 {
    fn make(i: u64) -> Self {
        i
    }
    fn word(&self) -> u64 {
        *self
    }
}

impl Payload for Blob {
    fn make(i: u64) -> Self {
        Blob([i; MSG_WORDS])
    }
    fn word(&self) -> u64 {
        self.0[MSG_WORDS - 1]
    }
}

/// Delays replayed cyclically by both loops: `zero_percent` of them zero, the rest in 1..=100µs.
fn delays(seed: u64, zero_percent: u64) -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..1 << 16)
        .map(|_| {
            let r = rng.next_u64();
            if r % 100 < zero_percent {
                0
            } else {
                1 + (r >> 8) % 100_000
            }
        })
        .collect()
}

/// `sim::Queue`: `pending` initial events, then `ops` pops each scheduling one event.
/// Returns a checksum of the (time, id) order.
fn run_queue<P: Payload>(pending: usize, ops: u64, delays: &[u64]) -> u64 {
    let mask = delays.len() - 1;
    let mut q: Queue<P> = Queue::default();
    for i in 0..pending {
        q.schedule(1 + delays[i & mask] % 1000, None, P::make(i as u64));
    }
    let mut sum = 0u64;
    for i in 0..ops {
        let Some(e) = q.pop() else { break };
        sum = sum
            .wrapping_mul(31)
            .wrapping_add(e.at.0 ^ e.id.0 ^ e.msg.word());
        let d = delays[(i as usize + pending) & mask];
        q.schedule(d, Some(e.id), P::make(i));
    }
    sum
}

/// The same work on a bare heap keyed on (time, seq).
fn run_bare<P: Payload>(pending: usize, ops: u64, delays: &[u64]) -> u64 {
    let mask = delays.len() - 1;
    let mut heap: BinaryHeap<Reverse<(u64, u64, P)>> = BinaryHeap::new();
    let mut seq = 0u64;
    for i in 0..pending {
        heap.push(Reverse((
            1 + delays[i & mask] % 1000,
            seq,
            P::make(i as u64),
        )));
        seq += 1;
    }
    let mut sum = 0u64;
    for i in 0..ops {
        let Some(Reverse((at, id, msg))) = heap.pop() else {
            break;
        };
        sum = sum.wrapping_mul(31).wrapping_add(at ^ id ^ msg.word());
        let d = delays[(i as usize + pending) & mask];
        heap.push(Reverse((at + d, seq, P::make(i))));
        seq += 1;
    }
    sum
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn bench<P: Payload>(label: &str, pending: usize, ops: u64, rounds: usize, delays: &[u64]) {
    let (mut q_rates, mut b_rates) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let a = black_box(run_queue::<P>(black_box(pending), ops, delays));
        q_rates.push(ops as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        let b = black_box(run_bare::<P>(black_box(pending), ops, delays));
        b_rates.push(ops as f64 / t.elapsed().as_secs_f64());
        assert_eq!(a, b, "the queue and the bare heap popped different orders");
    }
    let (qmin, qmax) = (
        q_rates.iter().copied().fold(f64::MAX, f64::min),
        q_rates.iter().copied().fold(0.0, f64::max),
    );
    let (q, b) = (median(&mut q_rates), median(&mut b_rates));
    println!(
        "{label:<10} pending {pending:>7}  queue {:>6.2} M ev/s (min {:.2}, max {:.2})  bare heap {:>6.2} M ev/s  ratio {:.2}",
        q / 1e6,
        qmin / 1e6,
        qmax / 1e6,
        b / 1e6,
        q / b
    );
}

fn main() {
    let mut ops: u64 = 2_000_000;
    let mut rounds = 5;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--events" => ops = args.next().and_then(|v| v.parse().ok()).unwrap_or(ops),
            "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(rounds),
            _ => {} // cargo bench passes --bench
        }
    }
    println!(
        "{ops} events per round, median of {rounds} rounds; (Addr, Msg) is {} bytes",
        size_of::<(Addr, Msg)>()
    );
    for zero_percent in [50, 0] {
        println!("-- {zero_percent}% zero-delay events --");
        let delays = delays(42, zero_percent);
        for pending in [16, 1_024, 65_536] {
            bench::<u64>("u64", pending, ops, rounds, &delays);
            bench::<Blob>("msg-sized", pending, ops, rounds, &delays);
        }
    }
}
