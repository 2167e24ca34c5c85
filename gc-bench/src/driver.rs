//! The driver: expands the matrix into jobs and runs each one in a fresh
//! child process of this same binary (`gc-bench run-one ...`).
//!
//! Why a child per job: peak RSS (`VmHWM`) is a per-process high-water mark,
//! and allocators rarely give memory back, so two runs in one process would
//! contaminate each other's RSS (and the second would start with a warm
//! allocator). The child prints its [`RunResult`] as one JSON line on stdout;
//! anything else it prints (a `gctrace` line, a panic) goes to stderr, which
//! the driver shows when the job fails.
//!
//! Jobs run one at a time, never in parallel: on a shared 2-core machine two
//! runs would time each other.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::collector::Collector;
use crate::probe::Probe;
use crate::result::RunResult;
use crate::settings::TenureSettings;
use crate::workloads::{self, Ctx, Workload};

/// One cell of the matrix: a workload on a collector (with settings for tenure).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Job {
    /// Workload name.
    pub workload: String,
    /// Collector.
    pub collector: Collector,
    /// tenure's settings (None for peers).
    pub settings: Option<TenureSettings>,
    /// Size parameter.
    pub size: u32,
}

impl Job {
    /// `binary-trees/tenure gc=100`.
    pub fn label(&self) -> String {
        match &self.settings {
            Some(s) => format!("{}/tenure {}", self.workload, s.label()),
            None => format!("{}/{}", self.workload, self.collector),
        }
    }
}

/// A job that did not produce a result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Failure {
    /// The job.
    pub job: Job,
    /// What went wrong (the child's stderr tail, or the spawn error).
    pub message: String,
}

/// A workload/collector pair that was not run, and why.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Declined {
    /// Workload name.
    pub workload: String,
    /// Collector.
    pub collector: Collector,
    /// The workload's reason.
    pub reason: String,
}

/// The jobs for `workloads` x `collectors` (tenure once per settings cell,
/// each peer once), and the pairs declined.
pub fn plan(
    workloads: &[&'static dyn Workload],
    collectors: &[Collector],
    cells: &[TenureSettings],
    size: impl Fn(&dyn Workload) -> u32,
) -> (Vec<Job>, Vec<Declined>) {
    let mut jobs = Vec::new();
    let mut declined = Vec::new();
    for &workload in workloads {
        for &collector in collectors {
            if let Err(reason) = workload.supports(collector) {
                declined.push(Declined {
                    workload: workload.name().to_owned(),
                    collector,
                    reason: reason.to_owned(),
                });
                continue;
            }
            let settings: Vec<Option<TenureSettings>> = if collector.is_tenure() {
                cells.iter().cloned().map(Some).collect()
            } else {
                vec![None]
            };
            for settings in settings {
                jobs.push(Job {
                    workload: workload.name().to_owned(),
                    collector,
                    settings,
                    size: size(workload),
                });
            }
        }
    }
    (jobs, declined)
}

/// Runs one job in this process (what `run-one` does in the child).
pub fn run_in_process(job: &Job, gctrace: bool) -> Result<RunResult, String> {
    let workload = workloads::by_name(&job.workload)?;
    workload.supports(job.collector).map_err(str::to_owned)?;
    let config = match &job.settings {
        Some(settings) => settings.to_config(gctrace)?,
        None => tenure::Config::default(),
    };
    let mut ctx = Ctx {
        size: job.size,
        config,
        probe: Probe::new(),
    };
    let start = Instant::now();
    let outcome = workload.run(job.collector, &mut ctx);
    let wall = start.elapsed();
    Ok(RunResult::from_probe(
        &job.workload,
        job.collector,
        job.settings.clone(),
        job.size,
        wall,
        outcome,
        ctx.probe,
    ))
}

/// Runs one job in a child process and parses its result.
pub fn run_in_child(
    job: &Job,
    gctrace: bool,
    timeout: Option<Duration>,
) -> Result<RunResult, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own binary: {e}"))?;
    let mut command = Command::new(exe);
    command
        .arg("run-one")
        .arg("--job")
        .arg(serde_json::to_string(job).map_err(|e| e.to_string())?)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if gctrace {
        command.arg("--gctrace");
    }
    let child = command
        .spawn()
        .map_err(|e| format!("cannot spawn child: {e}"))?;
    let pid = child.id();
    // A watchdog thread kills the child (by its own pid) if it overruns.
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let watchdog = timeout.map(|limit| {
        std::thread::spawn(move || {
            // Only a real timeout kills: a disconnect means the child was
            // already waited for, and its pid may belong to someone else now.
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(limit) {
                let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            }
        })
    });
    let output = child
        .wait_with_output()
        .map_err(|e| format!("child failed: {e}"))?;
    drop(done_tx);
    if let Some(watchdog) = watchdog {
        let _ = watchdog.join();
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The slow-step log (`GC_BENCH_SLOW_STEP_US`, see `probe`) is passed on.
    for line in stderr.lines().filter(|l| l.starts_with("slow-step ")) {
        eprintln!("{line}");
    }
    if !output.status.success() {
        let tail: Vec<&str> = stderr.lines().rev().take(12).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "child exited with {} (timeout or crash):\n{}",
            output.status,
            tail.join("\n")
        ));
    }
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or("child printed no result")?;
    serde_json::from_str(line).map_err(|e| format!("unreadable result: {e}"))
}

/// How to run the jobs.
pub struct RunOptions {
    /// Run each job this many times; the run with the median wall time is kept.
    pub repeat: u32,
    /// Pass `gctrace` to tenure.
    pub gctrace: bool,
    /// Kill a child that runs longer than this.
    pub timeout: Option<Duration>,
    /// Show a progress bar.
    pub progress: bool,
}

/// Runs every job in its own child, one at a time, with a progress bar.
pub fn run_all(jobs: &[Job], options: &RunOptions) -> (Vec<RunResult>, Vec<Failure>) {
    let total = jobs.len() as u64 * options.repeat as u64;
    let bar = if options.progress {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
                .expect("static template")
                .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut results = Vec::new();
    let mut failures = Vec::new();
    for job in jobs {
        let mut runs = Vec::new();
        for attempt in 0..options.repeat {
            bar.set_message(format!(
                "{} ({}/{})",
                job.label(),
                attempt + 1,
                options.repeat
            ));
            match run_in_child(job, options.gctrace, options.timeout) {
                Ok(result) => runs.push(result),
                Err(message) => {
                    bar.println(format!("FAILED {}: {message}", job.label()));
                    failures.push(Failure {
                        job: job.clone(),
                        message,
                    });
                    bar.inc(1);
                    break;
                }
            }
            bar.inc(1);
        }
        if !runs.is_empty() {
            results.push(median_run(runs));
        }
    }
    bar.finish_and_clear();
    (results, failures)
}

/// The run with the median wall time, with every run's wall time, longest
/// pause (overall and per kind) and load attached.
fn median_run(mut runs: Vec<RunResult>) -> RunResult {
    if runs.len() == 1 {
        return runs.swap_remove(0);
    }
    let walls: Vec<f64> = runs.iter().map(|r| r.wall_s).collect();
    let max_pauses: Vec<u64> = runs
        .iter()
        .map(|r| r.pauses.as_ref().map_or(0, |p| p.max_ns))
        .collect();
    let loads: Vec<f64> = runs.iter().filter_map(|r| r.load_end).collect();
    // The longest wall and on-CPU time of `kind` in each run (0 if absent).
    let kind_max = |kind: &str, cpu: bool| -> Vec<u64> {
        runs.iter()
            .map(|r| {
                let k = r.pause_kinds.iter().find(|k| k.kind == kind);
                match (k, cpu) {
                    (Some(k), false) => k.latency.max_ns,
                    (Some(k), true) => k.cpu.as_ref().map_or(0, |c| c.max_ns),
                    (None, _) => 0,
                }
            })
            .collect()
    };
    let per_kind: Vec<(String, Vec<u64>, Vec<u64>)> = runs
        .iter()
        .flat_map(|r| r.pause_kinds.iter().map(|k| k.kind.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|kind| {
            let (wall, cpu) = (kind_max(&kind, false), kind_max(&kind, true));
            (kind, wall, cpu)
        })
        .collect();
    runs.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
    let mut median = runs.swap_remove(runs.len() / 2);
    median.wall_s_runs = walls;
    median.max_pause_ns_runs = max_pauses;
    median.load_end_runs = loads;
    for (kind, wall, cpu) in per_kind {
        if let Some(k) = median.pause_kinds.iter_mut().find(|k| k.kind == kind) {
            k.max_ns_runs = wall;
            k.cpu_max_ns_runs = cpu;
        }
    }
    median
}
