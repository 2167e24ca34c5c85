//! `gc-bench`: the command line. See `--help`, and `docs/benchmarks.md` for
//! the command that regenerates the report.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use gc_bench::collector::Collector;
use gc_bench::driver::{self, Job, RunOptions};
use gc_bench::report::{self, Meta, Report};
use gc_bench::settings::{self, Matrix, TenuringSpec};
use gc_bench::{docs, micro, plots, workloads};

/// Pause times, heap growth and throughput of tenure under a matrix of pacing
/// settings, side by side with peer collectors (gc, gc-arena, dumpster, Rc,
/// Box, bumpalo) in the same run.
///
/// Each (workload, collector, setting) runs in a fresh child process, one at
/// a time, so that its peak RSS is its own. Results go to OUT as
/// results.json, results.csv and plots/*.svg; a table is printed.
///
/// Examples:
///
///   gc-bench --quick                          # everything, tiny sizes (CI)
///
///   gc-bench -w binary-trees --size 21 -c tenure,box,bumpalo
///
///   gc-bench -w gc-latency --gc-percent 50,100,200 --young on,off
///
///   gc-bench --gc-percent 100,50,200,400 --docs docs/benchmarks.md   # the full report
#[derive(Parser, Debug)]
#[command(
    name = "gc-bench",
    version,
    verbatim_doc_comment,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Rebuild the table, plots and (with --docs) the Markdown report from
    /// saved results.json files, without running anything. Several files
    /// (comma-separated) are merged, e.g. a depth-21 run of the fast
    /// collectors with a smaller run of the slow ones; a run in a later file
    /// replaces one with the same workload, size and label in an earlier file.
    Report {
        /// The results files to read (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/results/results.json"))]
        from: Vec<PathBuf>,
        /// Where to write the merged results, plots and files (default: beside
        /// the first --from file).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write the Markdown report here (e.g. docs/benchmarks.md).
        #[arg(long)]
        docs: Option<PathBuf>,
        /// Also read the criterion benches' results from this directory
        /// (`target/criterion`, after `cargo bench -p gc-bench`) into the
        /// report.
        #[arg(long)]
        criterion: Option<PathBuf>,
    },
    /// List the workloads (with their sizes) and the collectors.
    List,
    /// Run one job in this process and print its result as JSON (the driver
    /// spawns this; RSS figures are only honest in a fresh process).
    #[command(hide = true)]
    RunOne {
        /// The job, as JSON.
        #[arg(long)]
        job: String,
        /// Print tenure's per-cycle trace to stderr.
        #[arg(long)]
        gctrace: bool,
    },
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Workloads to run (comma-separated; default: all). See `gc-bench list`.
    #[arg(short, long, value_delimiter = ',')]
    workload: Vec<String>,
    /// Collectors to run (comma-separated; default: all):
    /// tenure, gc-arena, gc, dumpster, rc, box, bumpalo.
    #[arg(short, long, value_delimiter = ',')]
    collector: Vec<Collector>,
    /// Size parameter for every chosen workload (tree depth for binary-trees
    /// and gcbench, window for gc-latency, capacity for cache, peak records
    /// for growth). Default: each workload's own (see `gc-bench list`).
    #[arg(long, visible_alias = "depth")]
    size: Option<u32>,
    /// Tiny sizes: the whole suite in seconds (what CI runs).
    #[arg(long)]
    quick: bool,
    /// tenure gc_percent values (heap goal = live x (1 + p/100)), or `off`.
    #[arg(long, value_delimiter = ',', value_parser = settings::parse_gc_percent)]
    gc_percent: Vec<Option<u32>>,
    /// tenure soft memory limits (`64MiB`, `1GiB`), or `none`.
    #[arg(long, value_delimiter = ',', value_parser = settings::parse_limit)]
    memory_limit: Vec<Option<usize>>,
    /// tenure Eden sizes (`1MiB`, `8MiB`).
    #[arg(long, value_delimiter = ',', value_parser = settings::parse_bytes)]
    eden: Vec<usize>,
    /// tenure tenuring thresholds: N (1..=15), `adaptive` or `adaptive:N`.
    #[arg(long, value_delimiter = ',', value_parser = TenuringSpec::parse)]
    tenuring: Vec<TenuringSpec>,
    /// tenure young generation: `on`, `off`, or `on,off` for both.
    #[arg(long, value_delimiter = ',', value_parser = settings::parse_on_off)]
    young: Vec<bool>,
    /// Run each job N times and keep the run with the median wall time.
    #[arg(long, default_value_t = 1)]
    repeat: u32,
    /// Directory for results.json, results.csv and plots/.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/results"))]
    out: PathBuf,
    /// Also write the Markdown report here (e.g. docs/benchmarks.md).
    #[arg(long)]
    docs: Option<PathBuf>,
    /// Kill a job that runs longer than this many seconds.
    #[arg(long, default_value_t = 1800)]
    timeout: u64,
    /// Print tenure's one-line-per-cycle trace (gctrace) to stderr.
    #[arg(long)]
    gctrace: bool,
    /// No progress bar.
    #[arg(long)]
    no_progress: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Some(Command::RunOne { job, gctrace }) => run_one(&job, gctrace),
        Some(Command::List) => {
            list();
            Ok(())
        }
        Some(Command::Report {
            from,
            out,
            docs,
            criterion,
        }) => merge(&from).and_then(|mut report| {
            let out =
                out.unwrap_or_else(|| from[0].parent().map(PathBuf::from).unwrap_or_default());
            let mut write_data = from.len() > 1;
            if let Some(dir) = criterion {
                report.micro = micro::read_dir(&dir)?;
                eprintln!(
                    "read {} criterion results from {}",
                    report.micro.len(),
                    dir.display()
                );
                write_data = true;
            }
            publish(&report, &out, docs, write_data)
        }),
        None => run_suite(cli.run),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gc-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Reads and merges saved reports (see `Command::Report`).
fn merge(files: &[PathBuf]) -> Result<Report, String> {
    let mut merged: Option<Report> = None;
    for file in files {
        let next = report::read_json(file)?;
        match merged.as_mut() {
            None => merged = Some(next),
            Some(report) => {
                for run in next.runs {
                    report.runs.retain(|r| {
                        !(r.workload == run.workload && r.size == run.size && r.label == run.label)
                    });
                    report.runs.push(run);
                }
                report.failures.extend(next.failures);
                report.declined.retain(|d| {
                    !next
                        .declined
                        .iter()
                        .any(|n| n.workload == d.workload && n.collector == d.collector)
                });
                report.declined.extend(next.declined);
                if !next.micro.is_empty() {
                    report.micro = next.micro;
                }
                report.meta.command =
                    format!("{}\n  and: {}", report.meta.command, next.meta.command);
                report.meta.suite_seconds += next.meta.suite_seconds;
            }
        }
    }
    let mut report = merged.ok_or("no --from file given")?;
    // Keep workloads together, in the built-in order, tenure first.
    let order: Vec<&str> = workloads::all().iter().map(|w| w.name()).collect();
    report.runs.sort_by_key(|r| {
        (
            order.iter().position(|n| *n == r.workload),
            r.collector != Collector::Tenure,
            r.collector,
        )
    });
    Ok(report)
}

fn run_one(job: &str, gctrace: bool) -> Result<(), String> {
    let job: Job = serde_json::from_str(job).map_err(|e| format!("bad --job: {e}"))?;
    let result = driver::run_in_process(&job, gctrace)?;
    println!(
        "{}",
        serde_json::to_string(&result).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn list() {
    println!("workloads (size: default / --quick):");
    for w in workloads::all() {
        println!(
            "  {:<13} {} / {}  ({})",
            w.name(),
            w.default_size(),
            w.quick_size(),
            w.size_meaning()
        );
        println!("  {:<13} {}", "", w.about());
    }
    let names: Vec<&str> = Collector::ALL.iter().map(|c| c.name()).collect();
    println!("collectors: {}", names.join(", "));
}

fn run_suite(args: RunArgs) -> Result<(), String> {
    let started = Instant::now();
    let chosen = if args.workload.is_empty() {
        workloads::all()
    } else {
        args.workload
            .iter()
            .map(|n| workloads::by_name(n))
            .collect::<Result<_, _>>()?
    };
    let collectors = if args.collector.is_empty() {
        Collector::ALL.to_vec()
    } else {
        args.collector.clone()
    };
    let matrix = Matrix {
        gc_percent: args.gc_percent.clone(),
        memory_limit: args.memory_limit.clone(),
        eden: args.eden.clone(),
        tenuring: args.tenuring.clone(),
        young: args.young.clone(),
    };
    let size = |w: &dyn workloads::Workload| {
        args.size.unwrap_or(if args.quick {
            w.quick_size()
        } else {
            w.default_size()
        })
    };
    let (jobs, declined) = driver::plan(&chosen, &collectors, &matrix.cells(), size);
    if jobs.is_empty() {
        return Err("nothing to run (no workload supports the chosen collectors)".to_owned());
    }
    let options = RunOptions {
        repeat: args.repeat.max(1),
        gctrace: args.gctrace,
        timeout: Some(Duration::from_secs(args.timeout)),
        progress: !args.no_progress,
    };
    eprintln!("gc-bench: {} jobs, each in its own process", jobs.len());
    let (runs, failures) = driver::run_all(&jobs, &options);
    let command: Vec<String> = std::env::args().skip(1).collect();
    let mut meta = Meta::now(
        format!("cargo run --release -p gc-bench -- {}", command.join(" ")),
        args.quick,
    );
    meta.suite_seconds = started.elapsed().as_secs_f64();
    let report = Report {
        meta,
        runs,
        failures,
        declined,
        micro: Vec::new(),
    };
    publish(&report, &args.out, args.docs, true)?;
    eprintln!("gc-bench: done in {:.1} s", started.elapsed().as_secs_f64());
    if report.failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{} job(s) failed", report.failures.len()))
    }
}

/// Prints the table and writes the files, plots and (optionally) docs.
fn publish(
    report: &Report,
    out: &std::path::Path,
    docs: Option<PathBuf>,
    write_data: bool,
) -> Result<(), String> {
    print!("{}", report::terminal(report));
    let io = |e: std::io::Error| format!("{}: {e}", out.display());
    if write_data {
        for path in report::write_files(report, out).map_err(io)? {
            eprintln!("wrote {}", path.display());
        }
    }
    let plots = plots::draw_all(report, out).map_err(io)?;
    eprintln!(
        "wrote {} plots into {}",
        plots.len(),
        out.join("plots").display()
    );
    if let Some(path) = docs {
        let dir = path.parent().map(|p| p.to_path_buf()).unwrap_or_default();
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        // The hand-written analysis in the file being replaced is kept.
        let previous = std::fs::read_to_string(&path).ok();
        let text = docs::markdown(report, &dir, &plots, previous.as_deref());
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
