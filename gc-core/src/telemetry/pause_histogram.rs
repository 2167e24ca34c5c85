//! Pause histograms: every pause ever, by kind, in a log-linear histogram.
//!
//! The pause ring (`Stats::recent_pauses`) keeps the last 256 pauses and
//! forgets the rest; a tail latency (p99.9) needs them all. As in
//! HdrHistogram, a pause of `d` nanoseconds is counted in a bucket whose
//! width is a fixed fraction of `d`: the bucket's power of two, split into
//! `SUB_BUCKETS` equal parts. Quantiles are reported as the bucket's upper
//! edge, so they are never below the true value and at most 1/64 (1.6%)
//! above it; the maximum is exact. Memory is bounded: 64 powers of two times
//! 64 sub-buckets of `u64` per kind (32 KiB), allocated as pauses need them.
//!
//! Two sets are kept per kind: since the heap was built, and since the last
//! `Heap::reset_pause_histograms` (for "p99 over the last minute" views).

use std::time::Duration;

use crate::telemetry::stats::PauseKind;

/// Sub-buckets per power of two: 64 gives 1/64 relative resolution.
const SUB_BUCKETS: usize = 64;
/// log2(SUB_BUCKETS).
const SUB_BITS: u32 = 6;

/// The kinds, in `PauseKind` order (the histograms are indexed by it).
const KINDS: [PauseKind; 6] = [
    PauseKind::Minor,
    PauseKind::MarkStart,
    PauseKind::MarkStep,
    PauseKind::MarkTermination,
    PauseKind::SweepStep,
    PauseKind::Full,
];

/// A log-linear histogram of nanosecond values.
#[derive(Clone, Default, Debug)]
pub(crate) struct LogHistogram {
    counts: Vec<u64>,
    /// The sum of each run of `SUB_BUCKETS` buckets (one power of two), so
    /// a quantile skips whole powers instead of scanning every bucket.
    group_counts: Vec<u64>,
    total: u64,
    max: u64,
}

/// The bucket of `value`: values below `SUB_BUCKETS` have their own; above,
/// the power of two and the next `SUB_BITS` bits pick it.
fn bucket_of(value: u64) -> usize {
    if value < SUB_BUCKETS as u64 {
        return value as usize;
    }
    let power = 63 - value.leading_zeros();
    let shift = power - SUB_BITS;
    let sub = (value >> shift) as usize - SUB_BUCKETS;
    (shift as usize + 1) * SUB_BUCKETS + sub
}

/// The largest value that falls in `bucket`.
fn upper_edge(bucket: usize) -> u64 {
    if bucket < SUB_BUCKETS {
        return bucket as u64;
    }
    let shift = (bucket / SUB_BUCKETS - 1) as u32;
    let sub = (bucket % SUB_BUCKETS + SUB_BUCKETS) as u64;
    ((sub + 1) << shift) - 1
}

impl LogHistogram {
    pub(crate) fn record(&mut self, nanos: u64) {
        let bucket = bucket_of(nanos);
        if self.counts.len() <= bucket {
            self.counts.resize(bucket + 1, 0);
            self.group_counts.resize(bucket / SUB_BUCKETS + 1, 0);
        }
        self.counts[bucket] += 1;
        self.group_counts[bucket / SUB_BUCKETS] += 1;
        self.total += 1;
        self.max = self.max.max(nanos);
    }

    /// For each fraction in `fractions` (ascending), the smallest
    /// recorded-bucket edge at or above that fraction of the values. One
    /// pass for all of them, skipping each power of two whose buckets hold
    /// none of the ranks sought: `Heap::stats` calls this for every kind, and
    /// a scan of every bucket per quantile made it the cost of a safe point
    /// in programs that read their stats often (and of tests under Miri).
    fn quantiles<const N: usize>(&self, fractions: [f64; N]) -> [u64; N] {
        if self.total == 0 {
            return [0; N];
        }
        let ranks = fractions.map(|q| ((q * self.total as f64).ceil() as u64).clamp(1, self.total));
        let mut found = [self.max; N];
        let (mut next, mut seen) = (0, 0);
        for (group, &group_count) in self.group_counts.iter().enumerate() {
            if next == N {
                break;
            }
            if seen + group_count < ranks[next] {
                seen += group_count;
                continue;
            }
            let first = group * SUB_BUCKETS;
            let buckets = self.counts[first..].iter().take(SUB_BUCKETS);
            for (bucket, &count) in (first..).zip(buckets) {
                seen += count;
                while next < N && seen >= ranks[next] {
                    found[next] = upper_edge(bucket).min(self.max);
                    next += 1;
                }
            }
        }
        found
    }

    fn summary(&self) -> PauseQuantiles {
        let [p50, p99, p999] = self.quantiles([0.5, 0.99, 0.999]);
        PauseQuantiles {
            count: self.total,
            p50: Duration::from_nanos(p50),
            p99: Duration::from_nanos(p99),
            p999: Duration::from_nanos(p999),
            max: Duration::from_nanos(self.max),
        }
    }
}

/// Quantiles of a set of pauses.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct PauseQuantiles {
    /// Pauses counted.
    pub count: u64,
    /// Median (within 1.6%, never below the true value).
    pub p50: Duration,
    /// 99th percentile (same precision).
    pub p99: Duration,
    /// 99.9th percentile (same precision).
    pub p999: Duration,
    /// The longest (exact).
    pub max: Duration,
}

/// The pause quantiles of one kind.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct PauseHistogram {
    /// Which pauses.
    pub kind: PauseKind,
    /// Since the heap was built.
    pub since_start: PauseQuantiles,
    /// Since the last `Heap::reset_pause_histograms`.
    pub since_reset: PauseQuantiles,
}

/// Every pause by kind, twice (since start, since reset). Collector side.
#[derive(Default)]
pub(crate) struct PauseHistograms {
    since_start: [LogHistogram; 6],
    since_reset: [LogHistogram; 6],
}

impl PauseHistograms {
    pub(crate) fn record(&mut self, kind: PauseKind, duration: Duration) {
        let index = KINDS.iter().position(|&k| k == kind).unwrap_or(0);
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        self.since_start[index].record(nanos);
        self.since_reset[index].record(nanos);
    }

    /// Starts the "since reset" set afresh.
    pub(crate) fn reset(&mut self) {
        self.since_reset = Default::default();
    }

    /// The quantiles of every kind that has paused at least once.
    pub(crate) fn summaries(&self) -> Vec<PauseHistogram> {
        let kinds = KINDS.iter().enumerate();
        kinds
            .filter(|&(i, _)| self.since_start[i].total > 0)
            .map(|(i, &kind)| {
                let since_start = self.since_start[i].summary();
                // The recent set is a subset of the whole: as many pauses
                // means the same pauses (no reset took any away).
                let since_reset = if self.since_reset[i].total == since_start.count {
                    since_start
                } else {
                    self.since_reset[i].summary()
                };
                PauseHistogram {
                    kind,
                    since_start,
                    since_reset,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_within_a_sixty_fourth() {
        for value in [
            0u64,
            1,
            63,
            64,
            65,
            127,
            128,
            1000,
            123_456_789,
            u64::MAX / 3,
        ] {
            let edge = upper_edge(bucket_of(value));
            assert!(edge >= value, "{value} -> {edge}");
            assert!(edge - value <= value / 64, "{value} -> {edge}");
        }
        assert!(bucket_of(u64::MAX) < 64 * SUB_BUCKETS);
    }

    #[test]
    fn quantiles_of_a_known_distribution() {
        let mut histogram = LogHistogram::default();
        for micros in 1..=1000u64 {
            histogram.record(micros * 1000);
        }
        let summary = histogram.summary();
        assert_eq!(summary.count, 1000);
        let near = |d: Duration, micros: u64| {
            let got = d.as_nanos() as f64;
            let want = (micros * 1000) as f64;
            got >= want && got <= want * (1.0 + 1.0 / 64.0)
        };
        assert!(near(summary.p50, 500), "{summary:?}");
        assert!(near(summary.p99, 990), "{summary:?}");
        assert!(near(summary.p999, 999), "{summary:?}");
        assert_eq!(summary.max, Duration::from_micros(1000));
    }

    #[test]
    fn reset_clears_only_the_recent_set() {
        let mut histograms = PauseHistograms::default();
        histograms.record(PauseKind::Minor, Duration::from_millis(5));
        histograms.reset();
        histograms.record(PauseKind::Minor, Duration::from_millis(1));
        let minor = histograms.summaries()[0];
        assert_eq!(minor.kind, PauseKind::Minor);
        assert_eq!(minor.since_start.count, 2);
        assert_eq!(minor.since_start.max, Duration::from_millis(5));
        assert_eq!(minor.since_reset.count, 1);
        assert_eq!(minor.since_reset.max, Duration::from_millis(1));
    }

    /// The skipping scan agrees with the plain one (every bucket, a rank at
    /// a time) on a spread of pauses from nanoseconds to seconds.
    #[test]
    fn quantiles_agree_with_a_scan_of_every_bucket() {
        let mut histogram = LogHistogram::default();
        let mut value = 7u64;
        for _ in 0..5000 {
            value = value
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            histogram.record((value >> 40) >> (value % 24));
        }
        let plain = |q: f64| {
            let rank = ((q * histogram.total as f64).ceil() as u64).clamp(1, histogram.total);
            let mut seen = 0;
            for (bucket, &count) in histogram.counts.iter().enumerate() {
                seen += count;
                if seen >= rank {
                    return upper_edge(bucket).min(histogram.max);
                }
            }
            histogram.max
        };
        let fractions = [0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0];
        assert_eq!(histogram.quantiles(fractions), fractions.map(plain));
    }
}
