//! The outcome distribution across seeds: run outcomes folded in seed order.
//!
//! Folding in seed order makes the tally (its example seeds, which failure texts are kept
//! when there are too many) a function of the seeds alone, whatever the threads did.

use std::collections::BTreeMap;

use super::outcome::{RunOutcome, StepOutcome};

/// Example seeds kept for each value.
pub const EXAMPLES: usize = 5;
/// Distinct failed expectations kept per step, and distinct errors per sweep; the rest are
/// counted together.
pub const MAX_GROUPS: usize = 20;
/// Distinct actual values kept per failed expectation; the rest are counted together.
pub const MAX_ACTUALS: usize = 5;

/// How often one value was seen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Count {
    /// Runs in which it was seen at least once.
    pub seeds: u64,
    /// Requests that had it (request values) or times it happened (failures, errors).
    pub times: u64,
    /// The first seeds in which it was seen, at most [`EXAMPLES`].
    pub examples: Vec<u64>,
}

impl Count {
    fn add(&mut self, seed: u64, times: u64) {
        self.seeds += 1;
        self.times += times;
        if self.examples.len() < EXAMPLES {
            self.examples.push(seed);
        }
    }
}

/// An expectation that failed: what was checked and what the scenario expected.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FailureKey {
    pub what: String,
    pub expected: String,
}

/// The seeds in which one expectation failed, and what they got instead.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FailureGroup {
    pub count: Count,
    /// Actual values (Deployment pods written `DEPLOYMENT-…`) in the order first seen; at
    /// most [`MAX_ACTUALS`].
    pub actuals: Vec<(String, Count)>,
    /// Failures whose actual value is not among those kept.
    pub other_actuals: Count,
}

/// One step across the seeds that reached it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepTally {
    pub index: usize,
    pub line: u32,
    pub title: String,
    /// Runs that reached the step.
    pub seeds: u64,
    pub requests: u64,
    pub served_by: BTreeMap<String, Count>,
    pub server_nodes: BTreeMap<String, Count>,
    pub haproxies: BTreeMap<String, Count>,
    pub dispositions: BTreeMap<String, Count>,
    pub statuses: BTreeMap<String, Count>,
    /// In the order first seen; at most [`MAX_GROUPS`].
    pub failures: Vec<(FailureKey, FailureGroup)>,
    /// Failures of expectations beyond the first [`MAX_GROUPS`] distinct ones.
    pub other_failures: Count,
}

impl StepTally {
    /// Whether the step's answer depends on the seed: some served-by value, disposition,
    /// status or failed expectation was seen in some of the seeds that reached it, not all.
    pub fn varies(&self) -> bool {
        self.served_by
            .values()
            .chain(self.dispositions.values())
            .chain(self.statuses.values())
            .chain(self.failures.iter().map(|(_, g)| &g.count))
            .chain(std::iter::once(&self.other_failures))
            .any(|c| self.partial(c))
    }

    /// Whether the node that served or the haproxy on the way depends on the seed.
    pub fn path_varies(&self) -> bool {
        self.server_nodes
            .values()
            .chain(self.haproxies.values())
            .any(|c| self.partial(c))
    }

    /// Seen in some of the seeds that reached the step, not all.
    fn partial(&self, c: &Count) -> bool {
        c.seeds > 0 && c.seeds < self.seeds
    }

    /// Whether the step is worth a person's attention: it sent requests or something failed.
    pub fn notable(&self) -> bool {
        self.requests > 0 || !self.failures.is_empty() || self.other_failures.seeds > 0
    }

    fn add(&mut self, seed: u64, step: &StepOutcome) {
        if self.seeds == 0 {
            self.index = step.index;
            self.line = step.line;
            self.title.clone_from(&step.title);
        }
        self.seeds += 1;
        self.requests += step.requests();
        for (map, values) in [
            (&mut self.served_by, &step.served_by),
            (&mut self.server_nodes, &step.server_nodes),
            (&mut self.haproxies, &step.haproxies),
            (&mut self.dispositions, &step.dispositions),
            (&mut self.statuses, &step.statuses),
        ] {
            for (value, n) in values {
                map.entry(value.clone()).or_default().add(seed, *n);
            }
        }
        let mut seen: BTreeMap<FailureKey, BTreeMap<&str, u64>> = BTreeMap::new();
        for f in &step.failures {
            let key = FailureKey {
                what: f.what.clone(),
                expected: f.expected.clone(),
            };
            *seen.entry(key).or_default().entry(&f.grouped).or_default() += 1;
        }
        let mut others = 0;
        for (key, actuals) in seen {
            let times = actuals.values().sum();
            let at = match self.failures.iter().position(|(k, _)| *k == key) {
                Some(at) => at,
                None if self.failures.len() < MAX_GROUPS => {
                    self.failures.push((key, FailureGroup::default()));
                    self.failures.len() - 1
                }
                None => {
                    others += times;
                    continue;
                }
            };
            let Some((_, group)) = self.failures.get_mut(at) else {
                continue;
            };
            group.count.add(seed, times);
            let mut other = 0;
            for (actual, n) in actuals {
                if !add_to_group(&mut group.actuals, MAX_ACTUALS, actual.to_string(), seed, n) {
                    other += n;
                }
            }
            if other > 0 {
                group.other_actuals.add(seed, other);
            }
        }
        if others > 0 {
            self.other_failures.add(seed, others);
        }
    }
}

/// Counts `times` for `seed` in the group `key`, opening it unless there are `limit` groups
/// already; `false` when it could not.
fn add_to_group<K: PartialEq>(
    groups: &mut Vec<(K, Count)>,
    limit: usize,
    key: K,
    seed: u64,
    times: u64,
) -> bool {
    if let Some((_, count)) = groups.iter_mut().find(|(k, _)| *k == key) {
        count.add(seed, times);
        return true;
    }
    if groups.len() >= limit {
        return false;
    }
    let mut count = Count::default();
    count.add(seed, times);
    groups.push((key, count));
    true
}

/// A seed that did not pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failing {
    pub seed: u64,
    /// Expectations that failed.
    pub failures: usize,
    /// The first failure: its step (0-based) and what failed.
    pub first: Option<(usize, String)>,
    /// The run stopped: the step it could not run and why.
    pub stopped: Option<(usize, String)>,
}

/// The whole sweep so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub runs: u64,
    pub passed: u64,
    /// Every seed that failed or stopped, in seed order.
    pub failing: Vec<Failing>,
    /// By step index.
    pub steps: BTreeMap<usize, StepTally>,
    /// Run-stopping errors by message, in the order first seen; at most [`MAX_GROUPS`].
    pub errors: Vec<(String, Count)>,
    pub other_errors: Count,
}

impl Tally {
    /// Adds one run. Runs must be added in seed order for the examples to be the first seeds.
    pub fn add(&mut self, run: &RunOutcome) {
        self.runs += 1;
        for step in &run.steps {
            self.steps
                .entry(step.index)
                .or_default()
                .add(run.seed, step);
        }
        if let Some(stopped) = &run.stopped
            && !add_to_group(
                &mut self.errors,
                MAX_GROUPS,
                stopped.message.clone(),
                run.seed,
                1,
            )
        {
            self.other_errors.add(run.seed, 1);
        }
        if run.passed() {
            self.passed += 1;
            return;
        }
        self.failing.push(Failing {
            seed: run.seed,
            failures: run.failures(),
            first: run
                .steps
                .iter()
                .find_map(|s| s.failures.first().map(|f| (s.index, f.what.clone()))),
            stopped: run.stopped.as_ref().map(|s| (s.step, s.message.clone())),
        });
    }

    /// Seeds whose expectations failed and whose run did not stop.
    pub fn failed(&self) -> usize {
        self.failing.iter().filter(|f| f.stopped.is_none()).count()
    }

    /// Seeds whose run stopped with an error.
    pub fn stopped(&self) -> usize {
        self.failing.iter().filter(|f| f.stopped.is_some()).count()
    }

    /// Indexes of the steps whose answer varies across seeds.
    pub fn varying_steps(&self) -> Vec<usize> {
        self.steps_where(StepTally::varies)
    }

    /// Indexes of the steps whose path varies across seeds while their answer does not.
    pub fn path_varying_steps(&self) -> Vec<usize> {
        self.steps_where(|s| s.path_varies() && !s.varies())
    }

    fn steps_where(&self, keep: impl Fn(&StepTally) -> bool) -> Vec<usize> {
        self.steps
            .values()
            .filter(|s| keep(s))
            .map(|s| s.index)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::outcome::FailureOutcome;

    fn step(served: &str, failure: Option<&str>) -> StepOutcome {
        StepOutcome {
            index: 3,
            line: 9,
            title: "curl".into(),
            served_by: [(served.to_string(), 2)].into(),
            server_nodes: [("cent333".to_string(), 2)].into(),
            haproxies: BTreeMap::new(),
            dispositions: [("delivered".to_string(), 2)].into(),
            statuses: [("200".to_string(), 2)].into(),
            failures: failure
                .map(|a| FailureOutcome {
                    what: "served_by".into(),
                    expected: "deployment/a".into(),
                    actual: a.into(),
                    grouped: a.into(),
                })
                .into_iter()
                .collect(),
        }
    }

    fn run(seed: u64, served: &str, failure: Option<&str>) -> RunOutcome {
        RunOutcome {
            seed,
            steps: vec![step(served, failure)],
            stopped: None,
        }
    }

    #[test]
    fn counts_seeds_and_requests_and_marks_a_varying_step() {
        let mut t = Tally::default();
        t.add(&run(1, "deployment/a", None));
        t.add(&run(2, "deployment/b", Some("pod/b-…")));
        t.add(&run(3, "deployment/a", None));
        let s = &t.steps[&3];
        assert_eq!((s.seeds, s.requests), (3, 6));
        assert_eq!(
            s.served_by["deployment/a"],
            Count {
                seeds: 2,
                times: 4,
                examples: vec![1, 3]
            }
        );
        assert_eq!(s.dispositions["delivered"].seeds, 3);
        assert!(s.varies());
        assert_eq!(t.varying_steps(), [3]);
        assert_eq!((t.passed, t.failed(), t.stopped()), (2, 1, 0));
        assert_eq!(t.failing[0].first, Some((3, "served_by".into())));
    }

    #[test]
    fn a_path_that_varies_with_the_same_answer_is_told_apart() {
        let mut t = Tally::default();
        for (seed, node) in [(1, "cent222"), (2, "cent333")] {
            let mut r = run(seed, "deployment/a", None);
            r.steps[0].server_nodes = [(node.to_string(), 2)].into();
            t.add(&r);
        }
        assert!(!t.steps[&3].varies());
        assert!(t.steps[&3].path_varies());
        assert_eq!(t.path_varying_steps(), [3]);
        assert!(t.varying_steps().is_empty());
    }

    #[test]
    fn the_same_outcome_in_every_seed_does_not_vary() {
        let mut t = Tally::default();
        for seed in 1..=4 {
            t.add(&run(seed, "deployment/a", Some("pod/b-…")));
        }
        assert!(!t.steps[&3].varies());
        assert_eq!(t.failed(), 4);
    }

    #[test]
    fn one_expectation_with_many_actual_values_is_one_group() {
        let mut t = Tally::default();
        let n = MAX_ACTUALS as u64 + 3;
        for seed in 0..n {
            t.add(&run(seed, "deployment/a", Some(&format!("text {seed}"))));
        }
        let s = &t.steps[&3];
        assert_eq!(s.failures.len(), 1);
        let (key, group) = &s.failures[0];
        assert_eq!(key.what, "served_by");
        assert_eq!(group.count.seeds, n);
        assert_eq!(group.actuals.len(), MAX_ACTUALS);
        assert_eq!(group.actuals[0].0, "text 0");
        assert_eq!(group.other_actuals.seeds, 3);
        assert_eq!(group.other_actuals.examples, [5, 6, 7]);
        assert!(!s.varies(), "the expectation fails in every seed");
    }
}
