//! The charts' time axis: simulated time along x, with long quiet stretches cut out (drawn as a
//! break labelled with the time skipped), and tick labels a person reads (µs, ms, s, min).

use crate::sim::time::{MICROSECOND, MILLISECOND, SECOND};

/// A quiet stretch longer than this may be cut out of the axis.
const MIN_CUT: u64 = SECOND;
/// At most this many stretches of activity, so at most one less cut.
const MAX_SEGMENTS: usize = 6;
/// The width of a cut, in pixels.
pub const CUT_PX: f64 = 30.0;
/// Roughly one tick label per this many pixels.
const TICK_PX: f64 = 90.0;
const MINUTE: u64 = 60 * SECOND;

/// One stretch of the axis drawn at a linear scale.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Segment {
    start: u64,
    end: u64,
    x0: f64,
    x1: f64,
}

impl Segment {
    fn x(&self, t: u64) -> f64 {
        if self.end == self.start {
            return (self.x0 + self.x1) / 2.0;
        }
        let f = (t.saturating_sub(self.start)) as f64 / (self.end - self.start) as f64;
        self.x0 + f.clamp(0.0, 1.0) * (self.x1 - self.x0)
    }
}

/// A tick: where, and its label.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub x: f64,
    pub label: String,
}

/// A cut: where it is drawn, and how much time it skips.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cut {
    pub x: f64,
    pub skipped: u64,
}

/// Simulated time to pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeAxis {
    segments: Vec<Segment>,
}

impl TimeAxis {
    /// An axis from the start of the run (time 0) to the last of `times`, between pixels `left`
    /// and `right`. Quiet stretches longer than a second between them are cut out, the longest
    /// first, keeping at most six stretches of activity.
    pub fn new(times: &[u64], left: f64, right: f64) -> TimeAxis {
        let mut ts = times.to_vec();
        ts.push(0);
        TimeAxis::spanning(ts, left, right)
    }

    /// Like [`TimeAxis::new`], from the first of `times` rather than from the start of the run.
    pub fn around(times: &[u64], left: f64, right: f64) -> TimeAxis {
        let mut ts = times.to_vec();
        if ts.is_empty() {
            ts.push(0);
        }
        TimeAxis::spanning(ts, left, right)
    }

    fn spanning(mut ts: Vec<u64>, left: f64, right: f64) -> TimeAxis {
        ts.sort_unstable();
        ts.dedup();
        let mut gaps: Vec<(u64, usize)> = ts
            .windows(2)
            .enumerate()
            .map(|(i, w)| (w[1] - w[0], i))
            .filter(|(g, _)| *g > MIN_CUT)
            .collect();
        gaps.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        gaps.truncate(MAX_SEGMENTS - 1);
        let mut cuts: Vec<usize> = gaps.into_iter().map(|(_, i)| i).collect();
        cuts.sort_unstable();
        let mut spans = Vec::new();
        let mut first = 0;
        for &i in &cuts {
            spans.push((ts[first], ts[i]));
            first = i + 1;
        }
        spans.push((ts[first], ts[ts.len() - 1]));
        // A little room around each stretch so its first and last events are not on its edge.
        let spans: Vec<(u64, u64)> = spans
            .into_iter()
            .enumerate()
            .map(|(i, (s, e))| {
                let pad = ((e - s) / 25).max(MILLISECOND);
                let start = if i == 0 && s == 0 {
                    s
                } else {
                    s.saturating_sub(pad)
                };
                (start, e.saturating_add(pad))
            })
            .collect();
        let total: u64 = spans.iter().map(|(s, e)| e - s).sum();
        let n = spans.len() as f64;
        let room = (right - left - CUT_PX * (n - 1.0)).max(n);
        let mut x = left;
        let segments = spans
            .iter()
            .map(|&(start, end)| {
                // Each stretch gets an equal share of a third of the room, and of the rest in
                // proportion to its duration: short bursts stay readable next to long ones.
                let share = (end - start) as f64 / total.max(1) as f64;
                let width = room * (1.0 / (3.0 * n) + 2.0 / 3.0 * share);
                let seg = Segment {
                    start,
                    end,
                    x0: x,
                    x1: x + width,
                };
                x += width + CUT_PX;
                seg
            })
            .collect();
        TimeAxis { segments }
    }

    pub fn left(&self) -> f64 {
        self.segments.first().map_or(0.0, |s| s.x0)
    }

    pub fn right(&self) -> f64 {
        self.segments.last().map_or(0.0, |s| s.x1)
    }

    /// Where `t` is drawn; inside a cut, at the cut.
    pub fn x(&self, t: u64) -> f64 {
        let mut previous: Option<&Segment> = None;
        for s in &self.segments {
            if t < s.start {
                return previous.map_or(s.x0, |p| (p.x1 + s.x0) / 2.0);
            }
            if t <= s.end {
                return s.x(t);
            }
            previous = Some(s);
        }
        self.right()
    }

    /// The cuts between stretches.
    pub fn cuts(&self) -> Vec<Cut> {
        self.segments
            .windows(2)
            .map(|w| Cut {
                x: (w[0].x1 + w[1].x0) / 2.0,
                skipped: w[1].start - w[0].end,
            })
            .collect()
    }

    /// The x ranges drawn at a linear scale.
    pub fn stretches(&self) -> Vec<(f64, f64)> {
        self.segments.iter().map(|s| (s.x0, s.x1)).collect()
    }

    /// Round-valued ticks in every stretch, about one per 90 pixels, at least one per stretch.
    pub fn ticks(&self) -> Vec<Tick> {
        let mut out = Vec::new();
        for s in &self.segments {
            let wanted = ((s.x1 - s.x0) / TICK_PX).floor().max(1.0) as u64;
            let step = nice_step((s.end - s.start).max(1) / wanted);
            let mut t = s.start.div_ceil(step).saturating_mul(step);
            let before = out.len();
            while t <= s.end {
                out.push(Tick {
                    x: s.x(t),
                    label: human(t, step),
                });
                let Some(next) = t.checked_add(step) else {
                    break;
                };
                t = next;
            }
            if out.len() == before {
                // A stretch too short for a round tick: its start, to three significant digits.
                out.push(Tick {
                    x: s.x(s.start),
                    label: significant(s.start),
                });
            }
        }
        out
    }
}

/// The smallest of 1, 2, 5 × 10^k nanoseconds (or 1, 2, 5, 10, 15, 30 minutes) at least `at_least`.
pub fn nice_step(at_least: u64) -> u64 {
    if at_least > MINUTE {
        for m in [1, 2, 5, 10, 15, 30, 60] {
            if m * MINUTE >= at_least {
                return m * MINUTE;
            }
        }
        return at_least.div_ceil(60 * MINUTE).saturating_mul(60 * MINUTE);
    }
    let mut power = 1u64;
    loop {
        for f in [1, 2, 5] {
            if f * power >= at_least {
                return f * power;
            }
        }
        power *= 10;
    }
}

/// The unit a time is written in, by its size: µs below a millisecond, ms below a second, s
/// below ten minutes, then min.
fn unit(t: u64) -> (u64, &'static str) {
    if t < MILLISECOND {
        (MICROSECOND, "µs")
    } else if t < SECOND {
        (MILLISECOND, "ms")
    } else if t < 10 * MINUTE {
        (SECOND, "s")
    } else {
        (MINUTE, "min")
    }
}

/// `t` in its unit with as many decimals as `step` needs: `150 ms`, `3.150 s`, `2 min`.
pub fn human(t: u64, step: u64) -> String {
    if t == 0 {
        return "0".into();
    }
    let (unit, name) = unit(t);
    let mut decimals = 0u32;
    while decimals < 6
        && !(u128::from(step.max(1)) * 10u128.pow(decimals)).is_multiple_of(u128::from(unit))
    {
        decimals += 1;
    }
    format!("{} {name}", fixed(t, unit, decimals))
}

/// `t` in its unit to three significant digits: `42.9 s`, `229 s`, `1.50 ms`.
pub fn significant(t: u64) -> String {
    if t == 0 {
        return "0".into();
    }
    let (unit, name) = unit(t);
    let decimals = match t / unit {
        0..=9 => 2,
        10..=99 => 1,
        _ => 0,
    };
    format!("{} {name}", fixed(t, unit, decimals))
}

/// A duration with about two significant digits: `850 µs`, `2.9 s`, `55 s`, `1.9 min`.
pub fn duration(d: u64) -> String {
    let (unit, name) = unit(d.max(1));
    let decimals = if d < 10 * unit { 1 } else { 0 };
    format!("{} {name}", fixed(d, unit, decimals))
}

/// `t / unit` written with `decimals` decimals, rounded half up.
fn fixed(t: u64, unit: u64, decimals: u32) -> String {
    let scale = 10u128.pow(decimals);
    let scaled = (u128::from(t) * scale + u128::from(unit) / 2) / u128::from(unit);
    let whole = scaled / scale;
    if decimals == 0 {
        return whole.to_string();
    }
    let frac = scaled % scale;
    format!("{whole}.{frac:0width$}", width = decimals as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_use_the_unit_of_their_size_and_the_decimals_of_their_step() {
        assert_eq!(human(0, MILLISECOND), "0");
        assert_eq!(human(20 * MILLISECOND, 10 * MILLISECOND), "20 ms");
        assert_eq!(human(150 * MICROSECOND, 50 * MICROSECOND), "150 µs");
        assert_eq!(human(3_150 * MILLISECOND, MILLISECOND), "3.150 s");
        assert_eq!(
            human(60 * SECOND + 150 * MILLISECOND, 50 * MILLISECOND),
            "60.15 s"
        );
        assert_eq!(human(2 * SECOND, SECOND), "2 s");
        assert_eq!(human(20 * MINUTE, 5 * MINUTE), "20 min");
        assert_eq!(duration(2_900 * MILLISECOND), "2.9 s");
        assert_eq!(duration(55 * SECOND), "55 s");
        assert_eq!(duration(115 * SECOND), "115 s");
        assert_eq!(duration(850 * MICROSECOND), "850 µs");
    }

    #[test]
    fn a_short_stretch_is_labelled_to_three_significant_digits() {
        assert_eq!(significant(42_940 * MILLISECOND), "42.9 s");
        assert_eq!(significant(229_322 * MILLISECOND), "229 s");
        assert_eq!(significant(1_500 * MICROSECOND), "1.50 ms");
        assert_eq!(significant(0), "0");
    }

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(3), 5);
        assert_eq!(nice_step(11 * MILLISECOND), 20 * MILLISECOND);
        assert_eq!(nice_step(40 * SECOND), 50 * SECOND);
        assert_eq!(nice_step(70 * SECOND), 2 * MINUTE);
    }

    #[test]
    fn quiet_stretches_are_cut_and_time_stays_in_order() {
        let ms = MILLISECOND;
        let times = [
            ms,
            150 * ms,
            3_150 * ms,
            5_150 * ms,
            5_160 * ms,
            125 * SECOND,
        ];
        let axis = TimeAxis::new(&times, 100.0, 1100.0);
        let cuts = axis.cuts();
        assert_eq!(cuts.len(), 3, "{cuts:?}");
        assert!(cuts.iter().all(|c| c.skipped > SECOND));
        let xs: Vec<f64> = times.iter().map(|&t| axis.x(t)).collect();
        assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
        assert_eq!(axis.left(), 100.0);
        assert!((axis.right() - 1100.0).abs() < 1e-6);
        // The first burst (150 ms) is not squashed by the two minutes after it.
        assert!(axis.x(150 * ms) - axis.x(0) > 50.0);
        let ticks = axis.ticks();
        assert!(
            ticks
                .iter()
                .all(|t| !t.label.contains('.') || t.label.ends_with(" s"))
        );
        assert!(ticks.windows(2).all(|w| w[0].x < w[1].x));
    }

    #[test]
    fn a_run_without_quiet_stretches_is_linear() {
        let axis = TimeAxis::new(&[10 * MILLISECOND, 200 * MILLISECOND], 0.0, 1000.0);
        assert!(axis.cuts().is_empty());
        let labels: Vec<String> = axis.ticks().into_iter().map(|t| t.label).collect();
        assert_eq!(labels.first().map(String::as_str), Some("0"));
        assert!(labels.contains(&"100 ms".to_string()), "{labels:?}");
    }

    proptest::proptest! {
        #[test]
        fn any_times_give_an_ordered_axis(
            times in proptest::collection::vec(0u64..u64::MAX / 2, 0..20),
        ) {
            let axis = TimeAxis::new(&times, 200.0, 1000.0);
            let mut sorted = times.clone();
            sorted.sort_unstable();
            let xs: Vec<f64> = sorted.iter().map(|&t| axis.x(t)).collect();
            proptest::prop_assert!(xs.windows(2).all(|w| w[0] <= w[1]));
            proptest::prop_assert!(xs.iter().all(|x| (200.0..=1000.0 + 1e-6).contains(x)));
            proptest::prop_assert!(!axis.ticks().is_empty());
        }
    }
}
