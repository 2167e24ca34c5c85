//! `scheme`: a small Scheme interpreter embedding the `tenure` collector.
//!
//! ```text
//! cargo run --release --example scheme -- examples/scheme/programs/demo.scm
//! cargo run --release --example scheme -- [--trace] [--max-frames N] [--max-heap MiB] [--record FILE.html | --no-record] FILE [name=value ...]
//! cargo run --release --example scheme -- --pprof target/demo.pb.gz examples/scheme/programs/demo.scm
//! cargo run --release --example scheme -- --heap-dump target/demo.jsonl examples/scheme/programs/demo.scm
//! cargo run --release --example scheme            # the REPL
//! ```
//!
//! Running a file prints the program's output on stdout, then the GC report
//! on stderr. `name=value` arguments are read by the program with
//! `(param 'name default)`; `--trace` prints one line per major GC cycle;
//! `--max-heap` stops a program whose heap stays above the limit.
//! `--pprof FILE` writes a heap profile at exit, by Scheme procedure
//! (`demo.scm:12 make-tree`), for `go tool pprof -top FILE`, sampling one
//! allocation per 4 KiB on average (`--profile-rate BYTES`; 1 counts every
//! allocation exactly, at about ten times the run time; `--pprof-backtraces`
//! adds the interpreter's Rust frames to each sample). `--heap-dump
//! FILE` writes the heap at exit as JSON lines (Graphviz DOT for `*.dot`).
//! `--record FILE.html` records the collector's steps and writes a page to
//! watch them (`docs/recording.md`). The demo (`demo.scm`) writes its page to
//! `target/scheme-demo.html` unless `--no-record` is given; the report ends
//! with the page's path.
//! The language, the design and the programs are described in README.md.

mod recording;

use std::io::BufRead as _;
use std::process::ExitCode;

use tenure::Config;
use tenure_scheme::interp::Interp;
use tenure_scheme::repl::{Repl, Reply};

fn main() -> ExitCode {
    let mut file = None;
    let mut params = Vec::new();
    let mut trace = false;
    let mut max_frames = None;
    let mut max_heap_mib = None;
    let mut pprof = None;
    let mut heap_dump = None;
    // One sample per 4 KiB allocated: estimates within a few percent on the
    // demo, at a cost lost in the noise (1 = exact, and about 10x slower).
    let mut profile_rate = 4096;
    let mut backtraces = false;
    let mut record = None;
    let mut no_record = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--trace" => trace = true,
            "--max-frames" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => max_frames = Some(n),
                None => return usage("--max-frames needs a number"),
            },
            "--max-heap" => match args.next().and_then(|n| n.parse::<usize>().ok()) {
                Some(n) => max_heap_mib = Some(n),
                None => return usage("--max-heap needs a number of MiB"),
            },
            "--pprof" => match args.next() {
                Some(path) => pprof = Some(path),
                None => return usage("--pprof needs a file name"),
            },
            "--heap-dump" => match args.next() {
                Some(path) => heap_dump = Some(path),
                None => return usage("--heap-dump needs a file name"),
            },
            "--pprof-backtraces" => backtraces = true,
            "--profile-rate" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => profile_rate = n,
                None => {
                    return usage("--profile-rate needs a number of bytes (1 = every allocation)")
                }
            },
            "--record" => match args.next() {
                Some(path) => record = Some(path),
                None => return usage("--record needs a file name (FILE.html)"),
            },
            "--no-record" => no_record = true,
            "-h" | "--help" => return usage(""),
            _ if arg.starts_with("--") => return usage(&format!("unknown option {arg}")),
            _ if file.is_some() => match arg.split_once('=') {
                Some((name, value)) => params.push((name.to_owned(), value.to_owned())),
                None => return usage(&format!("expected name=value, got {arg}")),
            },
            _ => file = Some(arg),
        }
    }

    let mut interp = match max_heap_mib {
        None => Interp::new(),
        // The limit is also the collector's soft memory limit, so the pacer
        // keeps the heap under it while the live data fits.
        Some(mib) => {
            let config = Config::process_default()
                .cloned()
                .unwrap_or_default()
                .to_builder()
                .memory_limit(Some(mib << 20))
                .build();
            match config.map(Interp::with_config) {
                Ok(Ok(interp)) => interp,
                Ok(Err(error)) | Err(error) => return usage(&format!("--max-heap: {error}")),
            }
        }
    };
    if trace {
        interp.on_cycle(|report| eprintln!("{report}"));
    }
    if let Some(n) = max_frames {
        interp.set_max_frames(n);
    }
    interp.heap_limit = max_heap_mib.map(|mib| mib << 20);
    for (name, value) in &params {
        interp.set_param(name, value);
    }

    if pprof.is_some() {
        interp.enable_profiling(profile_rate);
        if backtraces {
            interp.enable_backtraces();
        }
    }
    let outputs = Outputs { pprof, heap_dump };
    match file {
        Some(path) => {
            // The README's first command shows the collector at work: the
            // demo writes a page of its run unless asked not to.
            let is_demo = std::path::Path::new(&path).file_name() == Some("demo.scm".as_ref());
            let page = match record {
                Some(page) => Some(page),
                None if is_demo && !no_record => Some(String::from("target/scheme-demo.html")),
                None => None,
            };
            if page.is_some() {
                recording::start(&mut interp);
            }
            run_file(interp, &path, &outputs, page.as_deref())
        }
        None => repl(interp),
    }
}

/// Files written when a program ends.
struct Outputs {
    pprof: Option<String>,
    heap_dump: Option<String>,
}

impl Outputs {
    fn write(&self, interp: &mut Interp) -> bool {
        let mut ok = true;
        if let Some(path) = &self.pprof {
            if let Err(error) = interp.write_pprof(path) {
                eprintln!("scheme: cannot write the profile {path}: {error}");
                ok = false;
            }
        }
        if let Some(path) = &self.heap_dump {
            if let Err(error) = interp.write_heap_dump(path) {
                eprintln!("scheme: cannot write the heap dump {path}: {error}");
                ok = false;
            }
        }
        ok
    }
}

fn usage(problem: &str) -> ExitCode {
    if !problem.is_empty() {
        eprintln!("scheme: {problem}");
    }
    eprintln!("usage: scheme [--trace] [--max-frames N] [--max-heap MiB] [--pprof FILE]");
    eprintln!("              [--profile-rate BYTES] [--pprof-backtraces] [--heap-dump FILE]");
    eprintln!("              [--record FILE.html | --no-record] [FILE [name=value ...]]");
    eprintln!("       with no FILE, starts a REPL");
    ExitCode::from(2)
}

fn run_file(mut interp: Interp, path: &str, outputs: &Outputs, page: Option<&str>) -> ExitCode {
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(error) => {
            eprintln!("scheme: cannot read {path}: {error}");
            return ExitCode::from(2);
        }
    };
    let name = std::path::Path::new(path)
        .file_name()
        .map_or(path.into(), |name| name.to_string_lossy());
    interp.set_source_name(&name);
    let result = interp.run(&source);
    if let Err(error) = &result {
        eprintln!("{}", error.render(path));
    }
    eprintln!("{}", interp.report());
    if let (Some(page), Some(mut recording)) = (page, recording::stop(&mut interp)) {
        recording.title = format!("scheme {path}");
        if let Some(dir) = std::path::Path::new(page).parent() {
            // A missing directory is made; any other problem is reported by the write.
            let _ = std::fs::create_dir_all(dir);
        }
        let written = recording.write_html(page);
        match written {
            Ok(()) => eprintln!(
                "page of this run: {page} ({} collector steps; open it in a browser, arrow keys step)",
                recording.events.len()
            ),
            Err(error) => eprintln!("scheme: cannot write the page {page}: {error}"),
        }
    }
    let written = outputs.write(&mut interp);
    if result.is_ok() && written {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn repl(interp: Interp) -> ExitCode {
    let mut repl = Repl::new(interp);
    eprintln!("tenure scheme REPL: ,help for commands");
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        eprint!("{}", if repl.is_continuing() { "... " } else { "> " });
        let Some(Ok(line)) = lines.next() else {
            break;
        };
        if line.trim() == ",quit" {
            break;
        }
        match repl.feed(&line) {
            Reply::More => {}
            Reply::Text(text) if text.is_empty() => {}
            Reply::Text(text) => println!("{}", text.trim_end_matches('\n')),
        }
    }
    eprintln!();
    ExitCode::SUCCESS
}
