//! `--jobs N`: work on N threads, results handed back in item order.
//!
//! Output never depends on N: the caller sees item 0's result, then item 1's, and so on, as
//! soon as each is ready. Threads run at most a window of items ahead of the caller, so memory
//! holds a bounded number of finished results however many items there are.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Condvar, Mutex, MutexGuard};

/// Most threads `--jobs` starts.
pub const MAX_JOBS: usize = 256;

struct State<R> {
    /// The next item a thread may take.
    next_take: usize,
    /// The next item the caller waits for.
    next_give: usize,
    ready: BTreeMap<usize, Result<R, String>>,
    /// The caller stopped: threads take nothing more.
    closed: bool,
}

struct Shared<R> {
    state: Mutex<State<R>>,
    changed: Condvar,
}

impl<R> Shared<R> {
    fn lock(&self) -> MutexGuard<'_, State<R>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, State<R>>) -> MutexGuard<'a, State<R>> {
        self.changed.wait(guard).unwrap_or_else(|e| e.into_inner())
    }

    fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }
}

/// Closes the pool when the caller's side ends, normally or by a panic.
struct CloseOnDrop<'a, R>(&'a Shared<R>);

impl<R> Drop for CloseOnDrop<'_, R> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Runs `work(i)` for every `i` in `0..count` on `jobs` threads and calls `sink(i, result)`
/// in increasing `i`. A panic inside `work` becomes `Err(message)` for that item. `sink`
/// returns `false` to stop early (e.g. stdout was closed); items not yet started are dropped.
pub fn ordered<R: Send>(
    count: usize,
    jobs: usize,
    work: impl Fn(usize) -> R + Sync,
    mut sink: impl FnMut(usize, Result<R, String>) -> bool,
) {
    let jobs = jobs.clamp(1, MAX_JOBS);
    let window = jobs.saturating_mul(4);
    let shared = Shared {
        state: Mutex::new(State {
            next_take: 0,
            next_give: 0,
            ready: BTreeMap::new(),
            closed: false,
        }),
        changed: Condvar::new(),
    };
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(count) {
            scope.spawn(|| {
                while let Some(i) = take(&shared, count, window) {
                    let result = catch_unwind(AssertUnwindSafe(|| work(i))).map_err(|p| {
                        p.downcast_ref::<&str>()
                            .map(|s| (*s).to_string())
                            .or_else(|| p.downcast_ref::<String>().cloned())
                            .unwrap_or_else(|| "a panic".into())
                    });
                    shared.lock().ready.insert(i, result);
                    shared.changed.notify_all();
                }
            });
        }
        let _close = CloseOnDrop(&shared);
        for i in 0..count {
            let result = {
                let mut state = shared.lock();
                loop {
                    if let Some(r) = state.ready.remove(&i) {
                        state.next_give = i + 1;
                        break r;
                    }
                    state = shared.wait(state);
                }
            };
            shared.changed.notify_all();
            if !sink(i, result) {
                break;
            }
        }
    });
}

/// The next item for a thread, once the caller is close enough behind; `None` when done.
fn take<R>(shared: &Shared<R>, count: usize, window: usize) -> Option<usize> {
    let mut state = shared.lock();
    loop {
        if state.closed || state.next_take >= count {
            return None;
        }
        if state.next_take < state.next_give.saturating_add(window) {
            let i = state.next_take;
            state.next_take += 1;
            return Some(i);
        }
        state = shared.wait(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_arrive_in_item_order_whatever_the_threads() {
        for jobs in [1, 2, 3, 8] {
            let mut seen = Vec::new();
            ordered(
                50,
                jobs,
                |i| {
                    // Later items finish first often.
                    std::thread::sleep(std::time::Duration::from_micros(((50 - i) * 20) as u64));
                    i * 2
                },
                |i, r| {
                    seen.push((i, r));
                    true
                },
            );
            let want: Vec<_> = (0..50).map(|i| (i, Ok(i * 2))).collect();
            assert_eq!(seen, want, "jobs {jobs}");
        }
    }

    #[test]
    fn a_panic_is_reported_for_its_item_and_the_rest_still_run() {
        let mut seen = Vec::new();
        ordered(
            4,
            2,
            |i| {
                assert!(i != 2, "item two breaks");
                i
            },
            |i, r| {
                seen.push((i, r.map_err(|e| e.contains("item two breaks"))));
                true
            },
        );
        assert_eq!(seen, [(0, Ok(0)), (1, Ok(1)), (2, Err(true)), (3, Ok(3))]);
    }

    #[test]
    fn the_sink_can_stop_early() {
        let mut seen = 0;
        ordered(
            1000,
            3,
            |i| i,
            |_, _| {
                seen += 1;
                seen < 5
            },
        );
        assert_eq!(seen, 5);
    }
}
