//! Splitting work across machines: `--partition K/N` and `--seeds A..B`.
//!
//! A partition is a count partition as in nextest: the items (scenario files in sorted order,
//! or seeds in increasing order) are dealt round-robin, so the item at 0-based position `p` is
//! in partition `p % N + 1`. Every item is in exactly one of the N partitions, and the
//! partitions' sizes differ by at most one. `K` counts from 1.

use std::fmt;
use std::str::FromStr;

/// Most seeds one `--seeds` range may hold.
pub const MAX_SEEDS: u64 = 1_000_000;
/// Most partitions `--partition` accepts.
pub const MAX_PARTITIONS: u64 = 1_000_000;

/// `--partition K/N`: the K-th (1-based) of N partitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    index: u64,
    count: u64,
}

impl Partition {
    /// The whole run: partition 1 of 1.
    pub const WHOLE: Partition = Partition { index: 1, count: 1 };

    /// `K/N`, or an error that says what is wrong.
    pub fn new(index: u64, count: u64) -> Result<Partition, String> {
        if count == 0 {
            return Err("the number of partitions N must be at least 1".into());
        }
        if count > MAX_PARTITIONS {
            return Err(format!("at most {MAX_PARTITIONS} partitions"));
        }
        if index == 0 || index > count {
            return Err(format!(
                "the partition K must be between 1 and N ({count}); K counts from 1"
            ));
        }
        Ok(Partition { index, count })
    }

    /// K, from 1.
    pub fn index(self) -> u64 {
        self.index
    }

    /// N.
    pub fn count(self) -> u64 {
        self.count
    }

    /// Whether the item at 0-based `position` belongs to this partition.
    pub fn contains(self, position: u64) -> bool {
        position % self.count == self.index - 1
    }

    /// This partition's items, in their order.
    pub fn select<T>(self, items: Vec<T>) -> Vec<T> {
        items
            .into_iter()
            .zip(0u64..)
            .filter(|(_, p)| self.contains(*p))
            .map(|(item, _)| item)
            .collect()
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Partition {
    type Err = String;

    /// `K/N`; nextest's spelling `count:K/N` is accepted too.
    fn from_str(s: &str) -> Result<Partition, String> {
        let body = s.strip_prefix("count:").unwrap_or(s);
        if body.starts_with("hash:") || body.starts_with("slice:") {
            return Err("only count partitions exist: write K/N".into());
        }
        let (k, n) = body
            .split_once('/')
            .ok_or_else(|| format!("expected K/N, such as 1/3, found {s:?}"))?;
        Partition::new(number(k, "K")?, number(n, "N")?)
    }
}

/// `--seeds A..B`: every seed from A to B, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedRange {
    first: u64,
    last: u64,
}

impl SeedRange {
    pub fn new(first: u64, last: u64) -> Result<SeedRange, String> {
        if first > last {
            return Err(format!(
                "the range {first}..{last} is empty: the first seed must not exceed the last"
            ));
        }
        let count = u128::from(last) - u128::from(first) + 1;
        if count > u128::from(MAX_SEEDS) {
            return Err(format!(
                "{count} seeds; a sweep runs at most {MAX_SEEDS} (use several sweeps)"
            ));
        }
        Ok(SeedRange { first, last })
    }

    pub fn first(self) -> u64 {
        self.first
    }

    pub fn last(self) -> u64 {
        self.last
    }

    /// How many seeds the range holds.
    pub fn len(self) -> u64 {
        self.last - self.first + 1
    }

    /// Never true: a range holds at least one seed.
    pub fn is_empty(self) -> bool {
        false
    }

    /// The seeds of one partition, in increasing order.
    pub fn seeds(self, partition: Partition) -> impl Iterator<Item = u64> {
        let start = self.first.checked_add(partition.index - 1);
        let step = usize::try_from(partition.count).unwrap_or(usize::MAX);
        let last = self.last;
        start
            .into_iter()
            .flat_map(move |s| (s..=last).step_by(step))
    }
}

impl fmt::Display for SeedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.first, self.last)
    }
}

impl FromStr for SeedRange {
    type Err = String;

    /// `A..B` (both included), `A..=B`, or one seed `A`.
    fn from_str(s: &str) -> Result<SeedRange, String> {
        let hint = |e: String| format!("{e}; write A..B, such as 1..100 (both ends included)");
        let (a, b) = match s.split_once("..") {
            Some((a, b)) => (a, b.strip_prefix('=').unwrap_or(b)),
            None => (s, s),
        };
        let first = number(a, "the first seed").map_err(hint)?;
        let last = number(b, "the last seed").map_err(hint)?;
        SeedRange::new(first, last)
    }
}

fn number(s: &str, what: &str) -> Result<u64, String> {
    let t = s.trim();
    t.parse::<u64>()
        .map_err(|_| format!("{what} {t:?} is not a number from 0 to {}", u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_parse_and_refuse_what_nextest_refuses() {
        assert_eq!("2/3".parse::<Partition>(), Partition::new(2, 3));
        assert_eq!("count:1/2".parse::<Partition>(), Partition::new(1, 2));
        for bad in ["0/3", "4/3", "1/0", "3", "a/b", "hash:1/2", "-1/3", ""] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }

    #[test]
    fn seed_ranges_include_both_ends() {
        let r: SeedRange = "1..12".parse().unwrap();
        assert_eq!((r.first(), r.last(), r.len()), (1, 12, 12));
        assert_eq!("5..=5".parse::<SeedRange>().unwrap().len(), 1);
        assert_eq!("7".parse::<SeedRange>().unwrap().len(), 1);
        for bad in ["5..1", "..3", "1..", "x..2", "0..1000000", ""] {
            assert!(bad.parse::<SeedRange>().is_err(), "{bad}");
        }
        assert!("0..999999".parse::<SeedRange>().is_ok());
    }

    #[test]
    fn every_seed_is_in_exactly_one_partition() {
        for (first, last) in [(1, 1), (1, 12), (0, 99), (u64::MAX - 5, u64::MAX)] {
            let range = SeedRange::new(first, last).unwrap();
            for n in 1..=15 {
                let mut all: Vec<u64> = (1..=n)
                    .flat_map(|k| range.seeds(Partition::new(k, n).unwrap()))
                    .collect();
                all.sort_unstable();
                assert_eq!(all, (first..=last).collect::<Vec<_>>(), "{range} in {n}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn partitions_cover_every_item_once_and_differ_in_size_by_at_most_one(
            first in proptest::prelude::any::<u64>(),
            len in 1u64..400,
            n in 1u64..60,
        ) {
            let last = first.saturating_add(len - 1);
            let range = SeedRange::new(first, last).unwrap();
            let parts: Vec<Vec<u64>> = (1..=n)
                .map(|k| range.seeds(Partition::new(k, n).unwrap()).collect())
                .collect();
            let sizes: Vec<usize> = parts.iter().map(Vec::len).collect();
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            proptest::prop_assert!(max - min <= 1, "{sizes:?}");
            let mut all: Vec<u64> = parts.concat();
            all.sort_unstable();
            proptest::prop_assert_eq!(all, (first..=last).collect::<Vec<_>>());
            let items: Vec<u64> = (0..len).collect();
            let mut files: Vec<u64> = (1..=n)
                .flat_map(|k| Partition::new(k, n).unwrap().select(items.clone()))
                .collect();
            files.sort_unstable();
            proptest::prop_assert_eq!(files, items);
        }
    }

    #[test]
    fn select_deals_items_round_robin() {
        let items: Vec<u32> = (0..10).collect();
        assert_eq!(
            Partition::new(2, 3).unwrap().select(items.clone()),
            [1, 4, 7]
        );
        assert_eq!(Partition::WHOLE.select(items.clone()), items);
    }
}
