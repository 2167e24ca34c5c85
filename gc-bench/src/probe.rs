//! What a run measures while it runs.
//!
//! A [`Probe`] is handed to the workload. The workload calls it at each safe
//! point (tenure, gc-arena) or after each unit of work (every collector):
//!
//! - **Pauses.** [`Probe::tenure_safe_point`] and [`Probe::arena_safe_point`]
//!   time each `collect_debt` call from outside. Every call that did
//!   collection work is a pause and goes into an HDR histogram (nanoseconds,
//!   3 significant digits). Calls that found no debt are counted as safe
//!   points but are not pauses (else a thousand no-op calls would make p50
//!   meaningless). Collectors that collect inside allocation or `drop` (`gc`,
//!   `dumpster`) have no separable pause; their worst stop shows up in the
//!   per-operation latency instead.
//! - **Operation latency.** [`Probe::op`] records one operation's duration
//!   (a push in gc-latency), including any collection it triggered.
//! - **Heap over time.** [`Probe::tick`] samples the process's RSS (and
//!   tenure's heap size and goal) at most every [`SAMPLE_INTERVAL`], keeping
//!   at most [`MAX_SAMPLES`] samples.
//! - **Cycles.** [`Probe::watch`] keeps tenure's per-cycle reports.
//! - **Pauses by kind** (tenure). Once [`Probe::by_kind`] is switched on,
//!   every paying `collect_debt` call is also filed under what it did, read
//!   from the heap's pause ring: `minor`, `mark`, `minor+mark`, `mark-end`,
//!   `sweep`, ... (the kinds of `tenure::PauseKind`, joined in the order they
//!   ran). The duration is still the whole call, timed from outside: that is
//!   what the program waits for (the interpreter's host loop hands its safe
//!   point to the probe through `Interp::on_safe_point`). Each call's *on-CPU* time
//!   (the thread's CPU clock, where the platform has one) is kept beside its
//!   wall time: a call the scheduler interrupted shows a long wall time but a
//!   short CPU time, which tells the collector's work from the machine's load.
//!   gc-arena's calls are filed too, all under one kind ([`ARENA_KIND`]),
//!   with their on-CPU time. The environment variable `GC_BENCH_BY_KIND`
//!   (any value) switches it on for every workload from the start: on a
//!   loaded machine the on-CPU figures are what tells a long step from a
//!   descheduled one (the price is one CPU-clock read per safe point).
//!   Without it, [`Probe::finish_tenure`] still notes the heap's own pause
//!   timings by kind (p50, p99, p99.9 and longest, wall time).
//! - **Steps of a phase.** [`Probe::restart_pauses`] forgets the pauses so
//!   far (after a workload's build), and [`Probe::step_summary`] describes
//!   the steps since, wall and on-CPU, for a note.
//! - **Machine load.** The 1-minute load average at the start and end of the
//!   run, so a reader can tell a quiet machine from a busy one: on a shared
//!   2-core machine a pause can be stretched by a scheduler tick (4 ms).
//!
//! Everything is read back by `result::RunResult::from_probe` at the end.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use tenure::{CycleReport, Heap, PauseKind, Root, Rootable, Stats, Trace};

/// Shortest time between two heap samples. 2 ms keeps the cost of reading
/// `/proc/self/status` (about 15 us) under 1% of the run, and still gives a
/// hundred samples over a 0.2 s quick run.
pub const SAMPLE_INTERVAL: Duration = Duration::from_millis(2);

/// Most samples kept: when reached, every other one is dropped and the
/// interval doubles, so a long run keeps an even picture in bounded memory
/// (4096 samples x 32 bytes = 128 KiB of JSON at most per run).
pub const MAX_SAMPLES: usize = 4096;

/// Largest latency the histograms hold: 100 s in nanoseconds. Longer values
/// are clamped (and would be a result worth reporting anyway).
const MAX_LATENCY_NS: u64 = 100_000_000_000;

/// A fresh latency histogram: 1 ns .. [`MAX_LATENCY_NS`], 3 significant digits.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_NS, 3).expect("static bounds are valid")
}

/// The name of a pause kind in reports (the interpreter's GC report uses the
/// same names).
pub fn kind_name(kind: PauseKind) -> &'static str {
    match kind {
        PauseKind::Minor => "minor",
        PauseKind::MarkStart => "mark-start",
        PauseKind::MarkStep => "mark",
        PauseKind::MarkTermination => "mark-end",
        PauseKind::SweepStep => "sweep",
        PauseKind::Full => "full",
    }
}

/// The kind every paying gc-arena `collect_debt` call is filed under when
/// [`Probe::by_kind`] is on (gc-arena does not report what a call did).
pub const ARENA_KIND: &str = "collect_debt";

/// The 1-minute load average (`/proc/loadavg`), None where there is none.
pub fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Pauses of one kind (or combination of kinds made by one call).
pub struct KindPauses {
    /// Every such pause, wall time, nanoseconds.
    pub histogram: Histogram<u64>,
    /// Their exact sum.
    pub total: Duration,
    /// The same pauses' on-CPU time, nanoseconds (empty where unknown).
    pub cpu: Histogram<u64>,
    /// Sum of the on-CPU times.
    pub cpu_total: Duration,
}

/// The on-CPU threshold above which each paying safe point is logged to
/// stderr with its `CLOCK_MONOTONIC` start and end (`slow-step START END
/// KIND wall NS cpu NS`), read once from `GC_BENCH_SLOW_STEP_US`: a profile
/// taken with `perf record -k CLOCK_MONOTONIC` can then be cut to the
/// samples inside the slow steps. Unset: nothing is logged.
fn slow_step_log() -> Option<Duration> {
    static THRESHOLD: std::sync::OnceLock<Option<Duration>> = std::sync::OnceLock::new();
    *THRESHOLD.get_or_init(|| {
        let us = std::env::var("GC_BENCH_SLOW_STEP_US").ok()?;
        us.trim().parse().ok().map(Duration::from_micros)
    })
}

/// `CLOCK_MONOTONIC` in nanoseconds (what `perf record -k CLOCK_MONOTONIC`
/// stamps its samples with); 0 where unknown.
fn monotonic_ns() -> u64 {
    monotonic().map_or(0, |d| d.as_nanos() as u64)
}

/// The calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`): time it ran
/// on a CPU, not counting time it waited for one. None off Linux.
pub fn thread_cpu_time() -> Option<Duration> {
    /// `CLOCK_THREAD_CPUTIME_ID` in Linux's `<time.h>`.
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    clock(CLOCK_THREAD_CPUTIME_ID)
}

/// `CLOCK_MONOTONIC`'s reading. None off Linux.
fn monotonic() -> Option<Duration> {
    /// `CLOCK_MONOTONIC` in Linux's `<time.h>`.
    const CLOCK_MONOTONIC: i32 = 1;
    clock(CLOCK_MONOTONIC)
}

/// Reads the clock `id` with `clock_gettime`.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn clock(id: i32) -> Option<Duration> {
    /// `struct timespec` on 64-bit Linux: `time_t` and `long` are both 64 bits.
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` is the C library's (always linked on Linux);
    // it writes one `struct timespec`, whose layout `Timespec` matches on
    // 64-bit Linux, through a pointer to a live, writable local.
    let status = unsafe { clock_gettime(id, &mut ts) };
    (status == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// No clock to read on this platform.
#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn clock(_id: i32) -> Option<Duration> {
    None
}

/// One point of heap size over time.
#[derive(Copy, Clone, Debug, Serialize, Deserialize)]
pub struct Sample {
    /// Seconds since the run started.
    pub t: f64,
    /// Resident set size of the process, bytes.
    pub rss: u64,
    /// tenure's `heap_bytes` (None for peers).
    pub heap: Option<u64>,
    /// tenure's heap goal (None for peers).
    pub goal: Option<u64>,
}

/// One completed major cycle of tenure, as reported by `on_cycle`.
#[derive(Copy, Clone, Debug, Serialize, Deserialize)]
pub struct CycleRecord {
    /// Seconds since the heap was built.
    pub t: f64,
    /// Heap bytes when marking started.
    pub heap_at_start: u64,
    /// Heap bytes when marking finished.
    pub heap_at_end: u64,
    /// Bytes found live.
    pub live: u64,
    /// The goal the cycle aimed at.
    pub goal: u64,
    /// Whether `collect_full` forced it.
    pub forced: bool,
}

impl From<&CycleReport> for CycleRecord {
    fn from(report: &CycleReport) -> CycleRecord {
        CycleRecord {
            t: report.at_seconds,
            heap_at_start: report.heap_at_start as u64,
            heap_at_end: report.heap_at_end as u64,
            live: report.live_bytes as u64,
            goal: report.heap_goal as u64,
            forced: report.forced,
        }
    }
}

/// The measurements of one run in progress.
pub struct Probe {
    /// When the run started.
    pub start: Instant,
    /// Every pause, nanoseconds.
    pub pauses: Histogram<u64>,
    /// Sum of every pause.
    pub pause_total: Duration,
    /// Safe points visited (with or without work).
    pub safe_points: u64,
    /// Per-operation latency, nanoseconds (only workloads that time operations).
    pub ops: Histogram<u64>,
    /// Worst operation after the workload's warm-up (e.g. after the window filled).
    pub worst_op_after_warmup: Option<Duration>,
    /// Heap samples, oldest first.
    pub samples: Vec<Sample>,
    interval: Duration,
    next_sample: Instant,
    cycles: Rc<RefCell<Vec<CycleRecord>>>,
    /// Samples taken by `cycle_recorder`, merged in by `finish_stats`.
    cycle_samples: Rc<RefCell<Vec<Sample>>>,
    /// tenure's counters at the end of the run.
    pub tenure_stats: Option<Stats>,
    /// Collections a peer reported running (where it counts them).
    pub peer_collections: Option<u64>,
    /// Things a reader must know about this run (leaks, adaptations).
    pub notes: Vec<String>,
    /// File each paying tenure safe point under the kinds of work it did
    /// (off unless `GC_BENCH_BY_KIND` is set: it reads the heap's stats
    /// after every pause).
    pub by_kind: bool,
    /// Pauses by kind (see the module docs), keyed by name.
    pub kinds: BTreeMap<String, KindPauses>,
    /// Put before each kind's name (`build: `), so that a workload can keep
    /// the pauses of its phases apart.
    pub kind_prefix: &'static str,
    /// The 1-minute load average when the probe was made.
    pub load_start: Option<f64>,
    /// Promoted bytes, assist work, committed old bytes and root slots
    /// scanned at the last paying safe point (for the slow-step log's deltas).
    slow_prev: [u64; 4],
}

impl Default for Probe {
    fn default() -> Probe {
        Probe::new()
    }
}

impl Probe {
    /// A fresh probe; the run's clock starts now.
    pub fn new() -> Probe {
        let load_start = load_average();
        let start = Instant::now();
        Probe {
            start,
            pauses: new_histogram(),
            pause_total: Duration::ZERO,
            safe_points: 0,
            ops: new_histogram(),
            worst_op_after_warmup: None,
            samples: Vec::new(),
            interval: SAMPLE_INTERVAL,
            next_sample: start,
            cycles: Rc::default(),
            cycle_samples: Rc::default(),
            tenure_stats: None,
            peer_collections: None,
            notes: Vec::new(),
            // See the module docs.
            by_kind: std::env::var_os("GC_BENCH_BY_KIND").is_some(),
            kinds: BTreeMap::new(),
            kind_prefix: "",
            load_start,
            slow_prev: [0; 4],
        }
    }

    /// Files one pause of `duration` (and `cpu` of on-CPU time, if known)
    /// under `kind`.
    pub fn kind_pause(&mut self, kind: &str, duration: Duration, cpu: Option<Duration>) {
        let entry = self
            .kinds
            .entry(format!("{}{kind}", self.kind_prefix))
            .or_insert_with(|| KindPauses {
                histogram: new_histogram(),
                total: Duration::ZERO,
                cpu: new_histogram(),
                cpu_total: Duration::ZERO,
            });
        entry.total += duration;
        entry.histogram.saturating_record(nanos(duration).max(1));
        if let Some(cpu) = cpu {
            entry.cpu_total += cpu;
            entry.cpu.saturating_record(nanos(cpu).max(1));
        }
    }

    /// Records one pause.
    #[inline]
    pub fn pause(&mut self, duration: Duration) {
        self.pause_total += duration;
        self.pauses.saturating_record(nanos(duration).max(1));
    }

    /// Records one operation's latency; `warm` says the warm-up is over.
    #[inline]
    pub fn op(&mut self, duration: Duration, warm: bool) {
        self.ops.saturating_record(nanos(duration).max(1));
        if warm {
            let worst = self.worst_op_after_warmup.get_or_insert(duration);
            *worst = (*worst).max(duration);
        }
    }

    /// The safe point of a tenure heap: runs `collect_debt`, timed; then
    /// samples the heap if a sample is due.
    #[inline]
    pub fn tenure_safe_point<R>(&mut self, heap: &mut Heap<R>)
    where
        R: for<'a> Rootable<'a>,
        Root<'static, R>: Trace,
    {
        let before = heap.pause_total();
        let cpu_start = if self.by_kind {
            thread_cpu_time()
        } else {
            None
        };
        let start = Instant::now();
        let mono_start = slow_step_log().map(|_| monotonic_ns());
        heap.collect_debt();
        let took = start.elapsed();
        self.safe_points += 1;
        if heap.pause_total() != before {
            self.pause(took);
            if self.by_kind {
                let cpu = cpu_start
                    .zip(thread_cpu_time())
                    .map(|(a, b)| b.saturating_sub(a));
                self.file_call(heap, before, took, cpu, mono_start);
            }
        }
        if Instant::now() >= self.next_sample {
            self.sample_tenure(heap);
        }
    }

    /// Files one `collect_debt` call that took `took` under the kinds of the
    /// pauses it added to the heap's ring (those after `before` in total).
    #[cold]
    #[inline(never)]
    fn file_call<R>(
        &mut self,
        heap: &Heap<R>,
        before: Duration,
        took: Duration,
        cpu: Option<Duration>,
        mono_start: Option<u64>,
    ) where
        R: for<'a> Rootable<'a>,
        Root<'static, R>: Trace,
    {
        let stats = heap.stats();
        // Walk back from the newest pause until the ones this call made are
        // accounted for (their durations sum to the growth of pause_total).
        let grew = stats.pause_total.saturating_sub(before);
        let mut seen = Duration::ZERO;
        let mut kinds = Vec::new();
        let mut parts = Vec::new();
        for pause in stats.recent_pauses.iter().rev() {
            if seen >= grew {
                break;
            }
            seen += pause.duration;
            kinds.push(kind_name(pause.kind));
            parts.push(pause.duration.as_nanos());
        }
        kinds.reverse();
        parts.reverse();
        let name = if kinds.is_empty() {
            "unknown".to_owned()
        } else {
            kinds.join("+")
        };
        if let (Some(threshold), Some(start)) = (slow_step_log(), mono_start) {
            let on_cpu = cpu.unwrap_or(took);
            let now = [
                stats.promoted_bytes,
                stats.assist_work,
                stats.old_committed as u64,
                stats.root_slots_scanned,
            ];
            let [promoted, assist, committed, root_slots] =
                [0, 1, 2, 3].map(|i| now[i] as i64 - self.slow_prev[i] as i64);
            self.slow_prev = now;
            if on_cpu >= threshold {
                // For lining up with `perf record -k CLOCK_MONOTONIC` samples.
                eprintln!(
                    "slow-step {start} {} {}{name} wall {} cpu {} parts {parts:?} promoted {promoted} assist {assist} committed {committed} root-slots {root_slots} last-minor {}",
                    monotonic_ns(),
                    self.kind_prefix,
                    took.as_nanos(),
                    on_cpu.as_nanos(),
                    minor_summary(&stats.last_minor)
                );
            }
        }
        self.kind_pause(&name, took, cpu);
    }

    /// Forgets the pauses recorded so far (the histogram and total, not the
    /// kinds), so that the pause columns describe only what follows (e.g. a
    /// workload's steady state after its build).
    pub fn restart_pauses(&mut self) {
        self.pauses = new_histogram();
        self.pause_total = Duration::ZERO;
    }

    /// One line on the paying safe points since [`Probe::restart_pauses`]:
    /// count, p99.9, longest, how many over 1 ms, and the same on-CPU from
    /// the kinds whose names do not start with `skip_prefix` (with
    /// `by_kind` on).
    pub fn step_summary(&self, skip_prefix: &str) -> String {
        const MS: u64 = 1_000_000;
        let h = &self.pauses;
        let over = |h: &Histogram<u64>| h.len() - h.count_between(0, MS);
        let mut line = format!(
            "{} steps: p99.9 {}, longest {}, {} over 1 ms",
            h.len(),
            crate::report::fmt_ns(h.value_at_quantile(0.999)),
            crate::report::fmt_ns(h.max()),
            over(h)
        );
        let mut cpu = new_histogram();
        for (name, kind) in &self.kinds {
            if skip_prefix.is_empty() || !name.starts_with(skip_prefix) {
                let _ = cpu.add(&kind.cpu);
            }
        }
        if !cpu.is_empty() {
            line += &format!(
                "; on-CPU p99.9 {}, longest {}, {} over 1 ms",
                crate::report::fmt_ns(cpu.value_at_quantile(0.999)),
                crate::report::fmt_ns(cpu.max()),
                over(&cpu)
            );
        }
        line
    }

    /// Samples the heap from a stats snapshot (for hosts that own their heap).
    pub fn sample_stats(&mut self, stats: &Stats) {
        self.push_sample(Some(stats.heap_bytes as u64), Some(stats.heap_goal as u64));
    }

    /// A callback for `on_cycle` that keeps each cycle's report and samples
    /// the heap (and RSS) at the cycle's end (for hosts that own their heap).
    pub fn cycle_recorder(&self) -> impl FnMut(&CycleReport) + 'static {
        let cycles = Rc::clone(&self.cycles);
        let start = self.start;
        let samples = Rc::clone(&self.cycle_samples);
        move |report: &CycleReport| {
            cycles.borrow_mut().push(CycleRecord::from(report));
            samples.borrow_mut().push(Sample {
                t: start.elapsed().as_secs_f64(),
                rss: crate::result::read_status_kib("VmRSS:").unwrap_or(0) * 1024,
                heap: Some(report.heap_at_end as u64),
                goal: Some(report.heap_goal as u64),
            });
        }
    }

    /// Runs any other collection call on a tenure heap (`collect_full`,
    /// `collect_minor`) as a timed pause.
    pub fn tenure_pause<R>(&mut self, heap: &mut Heap<R>, collect: impl FnOnce(&mut Heap<R>))
    where
        R: for<'a> Rootable<'a>,
        Root<'static, R>: Trace,
    {
        let start = Instant::now();
        collect(heap);
        self.pause(start.elapsed());
        self.safe_points += 1;
    }

    /// Keeps tenure's per-cycle reports for the result.
    pub fn watch<R>(&mut self, heap: &mut Heap<R>)
    where
        R: for<'a> Rootable<'a>,
        Root<'static, R>: Trace,
    {
        let cycles = Rc::clone(&self.cycles);
        heap.on_cycle(move |report| cycles.borrow_mut().push(CycleRecord::from(report)));
        self.sample_tenure(heap);
    }

    /// Takes the final counters of a tenure heap (call once, at the end).
    pub fn finish_tenure<R>(&mut self, heap: &Heap<R>)
    where
        R: for<'a> Rootable<'a>,
        Root<'static, R>: Trace,
    {
        self.sample_tenure(heap);
        let stats = heap.stats();
        self.notes.push(pauses_by_kind(&stats));
        self.notes.push(young_generation(&stats));
        self.tenure_stats = Some(stats);
    }

    /// Takes the final counters from a stats snapshot (for hosts that own
    /// their heap; call once, at the end), with the samples taken at each
    /// cycle's end.
    pub fn finish_stats(&mut self, stats: Stats) {
        let from_cycles = std::mem::take(&mut *self.cycle_samples.borrow_mut());
        self.samples.extend(from_cycles);
        self.samples.sort_by(|a, b| a.t.total_cmp(&b.t));
        self.sample_stats(&stats);
        self.notes.push(young_generation(&stats));
        self.tenure_stats = Some(stats);
    }

    fn sample_tenure<R>(&mut self, heap: &Heap<R>)
    where
        R: for<'a> Rootable<'a>,
        Root<'static, R>: Trace,
    {
        let stats = heap.stats();
        self.push_sample(Some(stats.heap_bytes as u64), Some(stats.heap_goal as u64));
    }

    /// The safe point of a gc-arena: `collect_debt`, timed, a pause if there
    /// was debt to pay.
    #[inline]
    pub fn arena_safe_point<R>(&mut self, arena: &mut gc_arena::Arena<R>)
    where
        R: for<'a> gc_arena::Rootable<'a>,
        for<'a> gc_arena::arena::Root<'a, R>: gc_arena::Collect<'a>,
    {
        let indebted = arena.metrics().allocation_debt() > 0.0;
        let cpu_start = if self.by_kind && indebted {
            thread_cpu_time()
        } else {
            None
        };
        let start = Instant::now();
        arena.collect_debt();
        let took = start.elapsed();
        self.safe_points += 1;
        if indebted {
            self.pause(took);
            if self.by_kind {
                // gc-arena does not say what a call did: one kind for all.
                let cpu = cpu_start
                    .zip(thread_cpu_time())
                    .map(|(a, b)| b.saturating_sub(a));
                self.kind_pause(ARENA_KIND, took, cpu);
            }
        }
        self.tick();
    }

    /// Samples RSS if a sample is due (for collectors without a heap size).
    #[inline]
    pub fn tick(&mut self) {
        if Instant::now() >= self.next_sample {
            self.push_sample(None, None);
        }
    }

    fn push_sample(&mut self, heap: Option<u64>, goal: Option<u64>) {
        let now = Instant::now();
        self.samples.push(Sample {
            t: now.duration_since(self.start).as_secs_f64(),
            rss: crate::result::read_status_kib("VmRSS:").unwrap_or(0) * 1024,
            heap,
            goal,
        });
        if self.samples.len() >= MAX_SAMPLES {
            let mut keep = false;
            self.samples.retain(|_| {
                keep = !keep;
                keep
            });
            self.interval *= 2;
        }
        self.next_sample = now + self.interval;
    }

    /// The cycle reports collected so far.
    pub fn cycles(&self) -> Vec<CycleRecord> {
        self.cycles.borrow().clone()
    }
}

/// One note line on the heap's own pause timings by kind (each piece of a
/// `collect_debt` call timed inside the heap; no system call per safe point,
/// unlike `by_kind`'s on-CPU clock): count, p50, p99, p99.9 and longest per kind.
fn pauses_by_kind(stats: &Stats) -> String {
    let kinds: Vec<String> = stats
        .pause_histograms
        .iter()
        .map(|h| {
            let q = &h.since_start;
            format!(
                "{} {} (p50 {}, p99 {}, p99.9 {}, max {})",
                kind_name(h.kind),
                q.count,
                crate::report::fmt_ns(nanos(q.p50)),
                crate::report::fmt_ns(nanos(q.p99)),
                crate::report::fmt_ns(nanos(q.p999)),
                crate::report::fmt_ns(nanos(q.max))
            )
        })
        .collect();
    format!("heap pauses by kind: {}", kinds.join("; "))
}

/// What the young generation's policy did: the minor GCs the remembered
/// set asked for, what was promoted (and how much of it before its
/// tenuring threshold, because the survivor space overflowed), and the
/// pretenuring decisions.
fn young_generation(stats: &Stats) -> String {
    let mib = |bytes: u64| bytes as f64 / (1u64 << 20) as f64;
    let pretenured = match stats.pretenured_types.as_slice() {
        [] => "none".to_string(),
        types => types.join(", "),
    };
    format!(
        "young generation: {} minor GCs ({} asked for by a full remembered set); \
         survived {:.1} MiB, promoted {:.1} MiB ({:.1} MiB early); \
         pretenured {:.1} MiB in {} decisions, {} reverts; pretenured now: {}",
        stats.minor_collections,
        stats.remembered_set_minors,
        mib(stats.survived_bytes),
        mib(stats.promoted_bytes),
        mib(stats.premature_promoted_bytes),
        mib(stats.pretenured_bytes),
        stats.pretenure_decisions,
        stats.pretenure_reverts,
        pretenured,
    )
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos())
        .unwrap_or(u64::MAX)
        .min(MAX_LATENCY_NS)
}

/// The last minor GC's figures, for the slow-step log: Eden bytes used, bytes
/// survived and promoted, objects copied, root-scan and drop time (us).
fn minor_summary(minor: &tenure::MinorOutcome) -> String {
    format!(
        "eden {} survived {} promoted {} objects {} roots {}us drops {}us dropped {}",
        minor.eden_bytes,
        minor.survived_bytes,
        minor.promoted_bytes,
        minor.copied_objects,
        minor.root_scan_time.as_micros(),
        minor.drop_time.as_micros(),
        minor.dropped_objects
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_stay_bounded() {
        let mut probe = Probe::new();
        for _ in 0..(MAX_SAMPLES * 3) {
            probe.push_sample(None, None);
        }
        assert!(probe.samples.len() < MAX_SAMPLES);
        assert!(probe.samples.windows(2).all(|w| w[0].t <= w[1].t));
    }

    #[test]
    fn pauses_accumulate() {
        let mut probe = Probe::new();
        probe.pause(Duration::from_micros(10));
        probe.pause(Duration::from_micros(30));
        assert_eq!(probe.pauses.len(), 2);
        assert_eq!(probe.pause_total, Duration::from_micros(40));
        assert!(probe.pauses.max() >= 29_000);
    }
}
