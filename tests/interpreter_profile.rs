//! The Scheme example's profiling: allocation sites per procedure in the
//! heap profile, heap dumps, and the REPL's `,why` and `,profile FILE`.

use tenure_scheme::interp::Interp;
use tenure_scheme::repl::{Repl, Reply};

#[track_caller]
fn say(repl: &mut Repl, line: &str) -> String {
    match repl.feed(line) {
        Reply::Text(text) => text,
        Reply::More => panic!("{line:?} was not complete"),
    }
}

fn tmp(name: &str) -> String {
    format!("{}/{name}", env!("CARGO_TARGET_TMPDIR"))
}

#[test]
fn why_names_the_chain_from_the_root() {
    let mut r = Repl::new(Interp::new());
    say(&mut r, "(define cache (list (vector 1 2) (vector 3 4)))");
    let text = say(&mut r, ",why (cadr cache)");
    assert!(text.starts_with("kept alive by the VM (root):"), "{text}");
    assert!(text.contains(".globals -> Pair#"), "{text}");
    assert!(text.contains(".cdr -> Pair#"), "{text}");
    assert!(text.contains(".car -> Vector#"), "{text}");
    let text = say(&mut r, ",why (vector 5 6)");
    assert_eq!(text, "not reachable: garbage the next collection frees");
    assert_eq!(
        say(&mut r, ",why 42"),
        "an immediate value: not a heap object"
    );
    say(&mut r, "(define v (vector 7))");
    say(&mut r, "v");
    say(&mut r, "(set! v #f)");
    let text = say(&mut r, ",why $1");
    assert!(text.starts_with("kept alive by host handle #"), "{text}");
}

#[test]
#[cfg_attr(miri, ignore = "writes files")]
fn profiles_and_dumps_are_written_from_the_repl() {
    let mut interp = Interp::new();
    interp.enable_profiling(1);
    let mut r = Repl::new(interp);
    say(&mut r, "(define (make-row i) (vector i i i))");
    say(&mut r, "(define rows (map make-row (iota 100)))");
    let path = tmp("repl.pb.gz");
    let text = say(&mut r, &format!(",profile {path}"));
    assert!(text.starts_with("wrote "), "{text}");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..2], [0x1f, 0x8b], "gzip");
    let dump = tmp("repl.jsonl");
    say(&mut r, &format!(",dump {dump}"));
    let json = std::fs::read_to_string(&dump).unwrap();
    let vectors = json
        .lines()
        .filter(|l| l.contains("Array<tenure_scheme::value::Value"))
        .count();
    assert_eq!(vectors, 100, "one per row");
    let dot = tmp("repl.dot");
    say(&mut r, &format!(",dump {dot}"));
    assert!(std::fs::read_to_string(&dot)
        .unwrap()
        .starts_with("digraph heap {"));
    let text = say(&mut r, ",profile /nonexistent/dir/x.pb.gz");
    assert!(text.starts_with(",profile: cannot write"), "{text}");
}

#[test]
#[cfg_attr(miri, ignore = "spawns go")]
fn go_tool_pprof_lists_scheme_procedures() {
    let mut interp = Interp::new();
    interp.enable_profiling(1);
    interp.set_source_name("rows.scm");
    interp
        .run("(define (make-row i) (vector i i i))\n(define rows (map make-row (iota 100)))")
        .unwrap();
    let path = tmp("rows.pb.gz");
    interp.write_pprof(&path).unwrap();
    let output = match std::process::Command::new("go")
        .args(["tool", "pprof", "-top", "-sample_index=inuse_objects"])
        .arg(&path)
        .output()
    {
        Ok(output) => output,
        Err(error) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: `go` is not installed ({error})");
            return;
        }
        Err(error) => panic!("CI is set but go cannot run: {error}"),
    };
    let top = String::from_utf8_lossy(&output.stdout);
    let row = top
        .lines()
        .find(|l| l.ends_with("rows.scm:1 make-row"))
        .unwrap_or_else(|| panic!("no make-row site in:\n{top}"));
    assert_eq!(row.split_whitespace().nth(3), Some("100"), "{row}");
}
