//! `teach`: a small program that takes the collector through every phase,
//! recorded, and the page to watch it (`docs/recording.md`).
//!
//! ```text
//! cargo run --release --example teach -- --html target/teach.html [--jsonl target/teach.jsonl]
//! ```
//!
//! It builds a list that grows old, a cycle that dies, an old object pointing
//! at a young one, a weak reference that is cleared and a finalized object
//! that is resurrected, then allocates for a while so the pacer runs cycles on
//! its own. It prints each chapter with the page's step where it begins.

mod scenario;

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut html = String::from("target/teach.html");
    let mut jsonl = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--html", Some(path)) => html = path,
            ("--jsonl", Some(path)) => jsonl = Some(path),
            _ => {
                eprintln!("usage: teach [--html FILE.html] [--jsonl FILE.jsonl]");
                return ExitCode::from(2);
            }
        }
    }
    let (recording, chapters) = scenario::run();
    println!("chapters (step where each begins):");
    for (name, step) in &chapters {
        println!("  step {step:>4}: {name}");
    }
    if let Some(path) = jsonl {
        if let Err(error) = std::fs::write(&path, recording.to_jsonl()) {
            eprintln!("teach: cannot write {path}: {error}");
            return ExitCode::FAILURE;
        }
        println!("recording: {path}");
    }
    if let Err(error) = recording.write_html(&html) {
        eprintln!("teach: cannot write {html}: {error}");
        return ExitCode::FAILURE;
    }
    println!(
        "{} events; page: {html} (open it in a browser; arrow keys step)",
        recording.events.len()
    );
    ExitCode::SUCCESS
}
