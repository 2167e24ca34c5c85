//! Errors in Scheme programs are reported with a position and leave the
//! interpreter usable, with nothing leaked.
//!
//! Syntax errors come from the reader, malformed special forms from the
//! compiler (both before anything runs), and the rest from the VM at the
//! instruction that failed. A runtime error resets the VM: its stack and
//! frames are cleared, so whatever they referenced becomes garbage.

use tenure_scheme::interp::Interp;
use tenure_scheme::reader::Pos;
use tenure_scheme::{Error, ErrorKind};

fn error_of(source: &str) -> Error {
    let mut interp = Interp::new();
    interp.capture_output();
    match interp.run(source) {
        Ok(()) => panic!("expected an error from {source:?}"),
        Err(error) => error,
    }
}

/// Asserts the error's kind, `line:col` and a fragment of its message.
#[track_caller]
fn assert_error(source: &str, kind: ErrorKind, line: u32, col: u32, fragment: &str) {
    let error = error_of(source);
    assert_eq!(
        (error.kind, error.pos),
        (kind, Pos { line, col }),
        "wrong kind or position for {source:?}: {}",
        error.render("test")
    );
    assert!(
        error.message.contains(fragment),
        "message {:?} lacks {fragment:?}",
        error.message
    );
}

#[test]
fn syntax_errors_point_at_the_problem() {
    assert_error(
        "(display 1)\n(car (list 1 2)",
        ErrorKind::Syntax,
        2,
        1,
        "unterminated list",
    );
    assert_error("(+ 1 2))", ErrorKind::Syntax, 1, 8, "unexpected ')'");
    assert_error(
        "(display \"abc)",
        ErrorKind::Syntax,
        1,
        10,
        "unterminated string",
    );
    assert_error("  \"a\\qb\"", ErrorKind::Syntax, 1, 5, "unknown escape");
    assert_error("(list #x)", ErrorKind::Syntax, 1, 7, "unknown syntax");
    assert_error("(1 . )", ErrorKind::Syntax, 1, 6, "unexpected ')'");
    assert_error("(a . b c)", ErrorKind::Syntax, 1, 6, "expected ')'");
    let deep = "(".repeat(1000) + &")".repeat(1000);
    assert_error(&deep, ErrorKind::Syntax, 1, 201, "nesting deeper");
}

#[test]
fn malformed_forms_are_compile_errors() {
    assert_error("(define x 1)\n  (if)", ErrorKind::Compile, 2, 3, "if takes");
    assert_error(
        "(lambda (x x) x)",
        ErrorKind::Compile,
        1,
        12,
        "duplicate parameter",
    );
    assert_error(
        "(let ((x)) x)",
        ErrorKind::Compile,
        1,
        7,
        "expected a binding",
    );
    assert_error(
        "(define (f) (if #t (define y 1)) y)",
        ErrorKind::Compile,
        1,
        20,
        "define is only allowed",
    );
    assert_error(
        "(set! 5 1)",
        ErrorKind::Compile,
        1,
        7,
        "expected a variable name",
    );
    assert_error("()", ErrorKind::Compile, 1, 1, "empty combination");
    assert_error("(display if)", ErrorKind::Compile, 1, 10, "keyword");
    assert_error(
        "(cond (else 1) (#t 2))",
        ErrorKind::Compile,
        1,
        7,
        "else must be the last",
    );
}

#[test]
fn nothing_runs_when_a_later_form_is_malformed() {
    let mut interp = Interp::new();
    interp.capture_output();
    assert!(interp.run("(display \"ran\")\n(if)").is_err());
    assert_eq!(interp.take_output(), "");
}

#[test]
fn runtime_errors_point_at_the_failing_expression() {
    // A host object's builtins check its concrete type by downcast.
    assert_error(
        "(timer-lap! (vector 1))",
        ErrorKind::Runtime,
        1,
        1,
        "timer-lap!: expected a timer, got #(1)",
    );
    assert_error(
        "(make-timer 'name)",
        ErrorKind::Runtime,
        1,
        1,
        "make-timer: expected a string, got name",
    );
    assert_error(
        "(define x 1)\n(display (+ x y))",
        ErrorKind::Runtime,
        2,
        15,
        "unbound variable: y",
    );
    assert_error(
        "(set! undefined-thing 1)",
        ErrorKind::Runtime,
        1,
        7,
        "set!: unbound variable",
    );
    assert_error(
        "(define (f l) (car l))\n(f 5)",
        ErrorKind::Runtime,
        1,
        15,
        "car: expected a pair, got 5",
    );
    assert_error(
        "(+ 1 \"two\")",
        ErrorKind::Runtime,
        1,
        1,
        "+: expected a number, got \"two\"",
    );
    assert_error(
        "(vector-ref (vector 1 2) 2)",
        ErrorKind::Runtime,
        1,
        1,
        "out of range",
    );
    assert_error(
        "(quotient 1 0)",
        ErrorKind::Runtime,
        1,
        1,
        "division by zero",
    );
    assert_error(
        "(let ((f 5)) (f 1))",
        ErrorKind::Runtime,
        1,
        14,
        "not a procedure: 5",
    );
    assert_error(
        "(define (f a b) a)\n(f 1)",
        ErrorKind::Runtime,
        2,
        1,
        "f: expected 2 arguments, got 1",
    );
    assert_error(
        "(car 1 2)",
        ErrorKind::Runtime,
        1,
        1,
        "car: expected 1 argument, got 2",
    );
    assert_error(
        "(error \"bad thing:\" 42 'x)",
        ErrorKind::Runtime,
        1,
        1,
        "bad thing: 42 x",
    );
    assert_error(
        "(letrec ((a b) (b 1)) a)",
        ErrorKind::Runtime,
        1,
        13,
        "variable b used before its definition",
    );
    assert_error(
        "(apply + 1 2)",
        ErrorKind::Runtime,
        1,
        1,
        "apply: expected a proper list",
    );
    assert_error(
        "(length (let ((l (list 1))) (set-cdr! l l) l))",
        ErrorKind::Runtime,
        1,
        1,
        "circular",
    );
    assert_error(
        "(gc-stats 'no-such-figure)",
        ErrorKind::Runtime,
        1,
        1,
        "no statistic named no-such-figure",
    );
    assert_error(
        "(collect 'sideways)",
        ErrorKind::Runtime,
        1,
        1,
        "expected 'minor or 'full",
    );
    assert_error("$1", ErrorKind::Runtime, 1, 1, "no REPL value $1");
    assert_error(
        "((make-guardian) 42)",
        ErrorKind::Runtime,
        1,
        1,
        "cannot guard 42",
    );
    assert_error(
        "((make-guardian) 1 2)",
        ErrorKind::Runtime,
        1,
        1,
        "expected 0 or 1 arguments",
    );
    assert_error(
        "(table-keys (make-weak-key-table))",
        ErrorKind::Runtime,
        1,
        1,
        "cannot be listed",
    );
}

#[test]
fn a_runtime_error_carries_a_backtrace() {
    let error =
        error_of("(define (inner x) (car x))\n(define (outer x) (+ 1 (inner x)))\n(outer 'oops)");
    let names: Vec<&str> = error.trace.iter().map(|(name, _)| name.as_str()).collect();
    // `(outer 'oops)` is a tail call, so it replaced the top-level frame.
    assert_eq!(names, ["inner", "outer"]);
    assert_eq!(error.trace[1].1, Pos { line: 2, col: 24 });
    let text = error.render("prog.scm");
    assert!(
        text.starts_with("prog.scm:1:19: runtime error: car: expected a pair, got oops"),
        "{text}"
    );
    assert!(text.contains("in outer at prog.scm:2:24"), "{text}");
}

/// Unbounded recursion is a clean error at a position, not a Rust stack
/// overflow; the frames are released and the interpreter keeps working.
#[test]
fn deep_recursion_is_a_stack_overflow_error() {
    let mut interp = Interp::new();
    interp.capture_output();
    interp.set_max_frames(500);
    let error = interp
        .run("(define (down n) (+ 1 (down (+ n 1))))\n(down 0)")
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Runtime);
    assert_eq!(error.pos, Pos { line: 1, col: 23 });
    assert!(
        error.message.starts_with("stack overflow"),
        "{}",
        error.message
    );
    assert_eq!(error.trace.len(), 500);
    assert!(
        error.render("t").contains("more calls"),
        "a long trace is elided"
    );
    assert_eq!(interp.vm_depth(), (0, 0), "the VM is reset");
    interp.run("(display (+ 1 2))").unwrap();
    assert_eq!(interp.take_output(), "3");
}

/// A failing program that held a lot of data in its frames leaks none of it.
#[test]
fn errors_leak_nothing() {
    let objects = |interp: &mut Interp| -> usize {
        interp
            .heap_profile()
            .iter()
            .map(|(_, tally)| tally.objects)
            .sum()
    };
    let mut interp = Interp::new();
    interp.capture_output();
    interp.set_max_frames(2000);
    interp.collect_full();
    let (baseline_objects, baseline_bytes) = (objects(&mut interp), interp.stats().heap_bytes);
    let source = "(define (hoard n)
                    (let ((junk (make-vector 100 (number->string n))))
                      (+ (vector-length junk) (hoard (+ n 1)))))
                  (hoard 0)";
    for _ in 0..3 {
        let error = interp.run(source).unwrap_err();
        assert!(error.message.starts_with("stack overflow"));
        assert_eq!(interp.vm_depth(), (0, 0));
    }
    interp.collect_full();
    // `hoard` itself (its closure, prototype and defining environment) is
    // the only new live data: none of the 6 000 vectors and strings.
    assert_eq!(objects(&mut interp), baseline_objects + 3);
    // The VM keeps some stack capacity for reuse (and a `Vec`'s capacity
    // counts as live bytes), but gives back what the deep recursion took.
    let after = interp.stats().heap_bytes;
    assert!(
        after < baseline_bytes + (64 << 10),
        "heap grew from {baseline_bytes} to {after} bytes after failed runs"
    );
    interp.verify().expect("the heap is sound");
}

/// A host can bound what a program may use: heap (live data after a full
/// collection) and instructions. Both stop the program with an error at the
/// current position, and the interpreter stays usable.
#[test]
fn heap_and_step_limits_stop_a_program_cleanly() {
    let mut interp = Interp::new();
    interp.capture_output();
    interp.heap_limit = Some(8 << 20);
    let error = interp
        .run("(define (grow l) (grow (cons (make-vector 100 0) l)))\n(grow '())")
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Runtime);
    assert!(
        error.message.starts_with("out of memory"),
        "{}",
        error.message
    );
    assert_eq!(error.trace[0].0, "grow");
    assert_eq!(interp.vm_depth(), (0, 0));
    interp.collect_full();
    assert!(interp.stats().heap_bytes < 1 << 20, "the hoard was freed");

    interp.step_limit = Some(100_000);
    let error = interp.run("(let spin () (spin))").unwrap_err();
    assert_eq!(error.message, "step limit of 100000 instructions exceeded");
    // The loop is stopped wherever the slice ended: in `(spin)` (14) or
    // at the `spin` it calls (15).
    assert!(
        matches!(
            error.pos,
            Pos {
                line: 1,
                col: 14 | 15
            }
        ),
        "{:?}",
        error.pos
    );
    interp.run("(display (* 6 7))").unwrap();
    assert_eq!(interp.take_output(), "42");
}

/// An error in one REPL-style evaluation does not disturb later ones, and
/// the globals defined before it remain.
#[test]
fn the_interpreter_keeps_working_after_errors() {
    let mut interp = Interp::new();
    interp.capture_output();
    interp.run("(define kept (list 1 2 3))").unwrap();
    for bad in ["(car '())", "(undefined-procedure)", "(if)", "(((("] {
        assert!(interp.run(bad).is_err(), "{bad}");
    }
    interp.collect_full();
    interp.run("(display (apply + kept))").unwrap();
    assert_eq!(interp.take_output(), "6");
}
