//! The Scheme REPL and the host API keep values alive with stashed handles.
//!
//! A value the REPL prints as `$N` is held only by a `Stashed` handle in the
//! host (outside the heap), and must survive any number of collections until
//! the handle is dropped; then the collector may free it. The tests watch
//! that through a weak table, whose entries disappear when (and only when)
//! the value is freed.

use tenure_scheme::interp::Interp;
use tenure_scheme::repl::{Repl, Reply};

fn repl() -> Repl {
    Repl::new(Interp::new())
}

/// Feeds a complete line and returns the text shown.
#[track_caller]
fn say(repl: &mut Repl, line: &str) -> String {
    match repl.feed(line) {
        Reply::Text(text) => text,
        Reply::More => panic!("{line:?} was not complete"),
    }
}

#[test]
fn values_are_numbered_and_reusable() {
    let mut r = repl();
    assert_eq!(say(&mut r, "(define x (list 1 2 3))"), "");
    assert_eq!(say(&mut r, "(cdr x)"), "$1 = (2 3)");
    assert_eq!(say(&mut r, "(+ 40 2)"), "$2 = 42");
    assert_eq!(say(&mut r, "(collect)"), "");
    assert_eq!(say(&mut r, "(cons $2 $1)"), "$3 = (42 2 3)");
    assert_eq!(say(&mut r, "\"two\" 'values"), "$4 = \"two\"\n$5 = values");
    assert_eq!(say(&mut r, "(display \"out\") 7"), "out\n$6 = 7");
}

#[test]
fn incomplete_input_continues_on_the_next_line() {
    let mut r = repl();
    assert_eq!(r.feed("(define (square x)"), Reply::More);
    assert!(r.is_continuing());
    assert_eq!(r.feed("  (* x x))"), Reply::Text(String::new()));
    assert_eq!(r.feed("(square"), Reply::More);
    assert_eq!(say(&mut r, "12)"), "$1 = 144");
}

#[test]
fn errors_are_reported_and_the_repl_goes_on() {
    let mut r = repl();
    let text = say(&mut r, "(car 5)");
    assert!(
        text.starts_with("repl:1:1: runtime error: car: expected a pair, got 5"),
        "{text}"
    );
    let text = say(&mut r, "(+ 1 2))");
    assert!(
        text.starts_with("repl:1:8: syntax error: unexpected ')'"),
        "{text}"
    );
    let text = say(&mut r, "$9");
    assert!(text.contains("no REPL value $9"), "{text}");
    assert_eq!(say(&mut r, "(* 6 7)"), "$1 = 42");
    assert!(say(&mut r, ",bogus").contains("unknown command"));
    assert!(say(&mut r, ",stats").contains("GC report"));
    say(
        &mut r,
        "(define keep (map (lambda (i) (list i)) (iota 1000)))",
    );
    let profile = say(&mut r, ",profile");
    assert!(
        profile.lines().nth(1).unwrap().ends_with("Pair<'_>"),
        "{profile}"
    );
}

/// The stash is what keeps `$N` alive: the value survives minor and full
/// collections while the handle exists, and is freed once `,clear` drops it.
#[test]
fn stashed_handles_keep_values_alive_until_dropped() {
    let mut r = repl();
    say(&mut r, "(define w (make-weak-value-table))");
    assert_eq!(
        say(&mut r, "(list 'kept (make-vector 3 'x))"),
        "$1 = (kept #(x x x))"
    );
    say(&mut r, "(table-set! w 'value $1)");
    // Only the handle holds the list now (the weak table does not).
    let handles = r.interp.stats().stashed_handles;
    for _ in 0..3 {
        say(&mut r, "(collect 'minor)");
        say(&mut r, "(collect)");
    }
    assert_eq!(say(&mut r, "(table-ref w 'value)"), "$2 = (kept #(x x x))");
    assert_eq!(say(&mut r, ",clear"), "dropped 2 handles");
    assert_eq!(r.interp.stats().stashed_handles, handles - 1);
    say(&mut r, "(collect)");
    assert_eq!(say(&mut r, "(table-ref w 'value 'gone)"), "$1 = gone");
}

/// The host API: evaluate to handles, keep them across collections and
/// heap activity, call a Scheme procedure with them, and bind them as globals.
#[test]
fn host_handles_cross_mutate_calls() {
    let mut interp = Interp::new();
    interp.capture_output();
    let maker = interp
        .eval("(lambda (n) (let ((count n)) (lambda () (set! count (+ count 1)) count)))")
        .unwrap()
        .pop()
        .flatten()
        .expect("a procedure");
    let start = interp.eval("100").unwrap().pop().flatten().unwrap();
    let counter = interp.call(&maker, &[&start]).unwrap().expect("a closure");
    // Lots of garbage and every kind of collection between the calls: the
    // handles are roots, and their objects move with the collector.
    interp
        .run("(define (waste n) (if (> n 0) (begin (make-vector 10 n) (waste (- n 1))))) (waste 20000)")
        .unwrap();
    interp.collect_full();
    let results: Vec<String> = (0..3)
        .map(|_| {
            let value = interp.call(&counter, &[]).unwrap().unwrap();
            interp.write(&value)
        })
        .collect();
    assert_eq!(results, ["101", "102", "103"]);
    interp.define("tick", &counter);
    interp.run("(display (tick))").unwrap();
    assert_eq!(interp.take_output(), "104");
    let global = interp.global("tick").expect("bound");
    assert_eq!(interp.write(&global), "#<procedure>");
    let error = interp.call(&start, &[]).unwrap_err();
    assert!(
        error.message.contains("not a procedure: 100"),
        "{}",
        error.message
    );
    interp.verify().expect("the heap is sound");
}
