//! The Scheme interpreter of `examples/scheme` runs its programs correctly.
//!
//! Each program in `examples/scheme/programs/` runs at a small size and its
//! whole output is compared with the expected text. The programs also run
//! with a tiny slice budget (the VM stops at a safe point every few
//! instructions, mid-recursion) and in the collector's stress mode (every
//! safe point collects and verifies the heap), which checks that all the
//! interpreter's state that points into the heap is reachable from its root
//! and traced correctly.
//!
//! Errors are in `interpreter_errors.rs`; the REPL and host handles in
//! `interpreter_repl.rs`.

use tenure::Config;
use tenure_scheme::interp::Interp;

/// The source of a program in `examples/scheme/programs/`.
fn program(name: &str) -> String {
    let path = format!(
        "{}/examples/scheme/programs/{name}.scm",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// Runs program `name` with `params` on `interp`; returns its output.
fn run_on(mut interp: Interp, name: &str, params: &[(&str, &str)]) -> (String, Interp) {
    interp.capture_output();
    for (key, value) in params {
        interp.set_param(key, value);
    }
    if let Err(error) = interp.run(&program(name)) {
        panic!("{}", error.render(name));
    }
    let output = interp.take_output();
    (output, interp)
}

fn run(name: &str, params: &[(&str, &str)]) -> String {
    run_on(Interp::new(), name, params).0
}

/// An interpreter that stops at a safe point every `budget` instructions.
fn sliced(budget: usize) -> Interp {
    let mut interp = Interp::new();
    interp.budget = budget;
    interp
}

/// An interpreter on a heap in stress mode: every safe point runs a minor
/// GC and a step of the major cycle, and the heap verifier checks every
/// pointer after each collection.
fn stressed(budget: usize) -> Interp {
    let config = Config::builder()
        .stress(true)
        .build()
        .expect("a valid config");
    let mut interp = Interp::with_config(config).expect("a valid config");
    interp.budget = budget;
    interp
}

const BINARY_TREES: &str = "\
stretch tree of depth 7\t check: 255
64\t trees of depth 4\t check: 1984
16\t trees of depth 6\t check: 2032
long lived tree of depth 6\t check: 127
";

const CLOSURES: &str = "\
counters: (3 2)
balance: 120
compose: 13
repeat: 1000
church: 49
primes: (2 3 5 7 11 13 17 19 23 29 31 37 41 43 47)
churn: 1502501
handlers: (3 30 300)
";

const STRING_TABLE: &str = "\
round 1: 2000 entries, 39427 characters
  deleted 1000, left 1000, key-1 -> \"value-1-of-1\", key-2 -> #f
  dropped; heap shrank: #t
round 2: 2000 entries, 39427 characters
  deleted 1000, left 1000, key-1 -> \"value-1-of-1\", key-2 -> #f
  dropped; heap shrank: #t
";

/// Checked against an independent model of the same computation.
const MIXED: &str = "\
steps: 5000
records retired: 25
balance in store: 6054
balance retired: 284
history entries: 1968
recent: 100, newest \"tx-5000\"
";

const WEAK_CACHE: &str = "\
cached before collection: 4
cached after collection: 2
still cached: (3 5)
computed: 5
same object: #t
answer: 42
";

/// Ephemerons: self-references, a chain and a cycle between entries.
const WEAK_KEYS: &str = "\
entries: 8
after a collection: 6
after dropping b: 5
after dropping c: 2
metadata of a
kept like in any table
";

/// Finalization through guardians: once per registration, resurrection.
const GUARDIANS: &str = "\
open: 6
finalized: 5
open: 1
anything more? #f
resurrected: phoenix
handed back twice? #f
kinds: (string pair procedure)
";

/// A host object (`Gc<dyn HostObject>`): printing, downcasts, a store into
/// it, weak keys and a guardian.
const TIMERS: &str = "\
#<timer \"counting\">
(#t #f #f)
laps: (1 2 3)
\"counting\"
elapsed is a time
notes: 1
finalized: #<timer \"finished\">, laps 1
more? #f
";

const DEMO: &str = "\
1. index built: 6000 records
2. churn: 153300 tree nodes made and dropped, checksum 45750
3. index rebuilt, score sum 125979000
4. weak cache: 10 of 100 entries survive a collection
minor collections ran: #t
major cycles ran before the explicit collect: #t
";

#[test]
fn binary_trees() {
    assert_eq!(run("binary-trees", &[("depth", "6")]), BINARY_TREES);
}

#[test]
fn closures() {
    assert_eq!(run("closures", &[("rounds", "1000")]), CLOSURES);
}

#[test]
fn string_table() {
    assert_eq!(
        run("string-table", &[("size", "2000"), ("rounds", "2")]),
        STRING_TABLE
    );
}

#[test]
fn mixed_lifetimes() {
    assert_eq!(
        run("mixed", &[("accounts", "500"), ("steps", "5000")]),
        MIXED
    );
}

#[test]
fn weak_cache() {
    assert_eq!(run("weak-cache", &[]), WEAK_CACHE);
}

#[test]
fn weak_keys() {
    assert_eq!(run("weak-keys", &[]), WEAK_KEYS);
}

#[test]
fn guardians() {
    assert_eq!(run("guardians", &[]), GUARDIANS);
}

#[test]
fn timers_are_host_objects() {
    assert_eq!(run("timers", &[]), TIMERS);
}

/// An object a guardian resurrects is whole: weak references and
/// ephemeron entries keyed by it survive with it, and go when it is
/// finally freed.
#[test]
fn resurrection_keeps_weak_references_until_the_object_is_freed() {
    let mut interp = Interp::new();
    interp.capture_output();
    interp
        .run(
            "(define g (make-guardian))
             (define w (make-weak-value-table))
             (define k (make-weak-key-table))
             (let ((obj (list 'guarded)))
               (g obj)
               (table-set! w 'obj obj)
               (table-set! k obj 'meta))
             (collect)
             (define back (g))
             (display (list back (eq? back (table-ref w 'obj)) (table-ref k back)))
             (set! back #f)
             (collect)
             (display (list (table-ref w 'obj) (table-count k) (g)))",
        )
        .unwrap();
    assert_eq!(interp.take_output(), "((guarded) #t meta)(#f 0 #f)");
}

/// The demo runs minor collections and paced major cycles (not only the
/// full collection it asks for), and the report says so.
#[test]
fn demo_runs_minor_and_major_collections() {
    let (output, mut interp) = run_on(Interp::new(), "demo", &[("scale", "1")]);
    assert_eq!(output, DEMO);
    let stats = interp.stats();
    assert!(stats.minor_collections > 0, "{stats:?}");
    assert!(
        stats.major_collections > stats.full_collections,
        "{stats:?}"
    );
    let report = interp.report().to_string();
    for needle in [
        "minor", "major", "p50", "p99", "max", "goal", "peak", "GC CPU",
    ] {
        assert!(
            report.contains(needle),
            "{needle} missing from the report:\n{report}"
        );
    }
}

/// With a budget of a few instructions per slice, the VM returns to the
/// host (a safe point, where the GC may move every young object) thousands
/// of times in the middle of recursive calls, and the results do not change.
#[test]
fn programs_survive_safe_points_anywhere() {
    let (output, mut interp) = run_on(sliced(7), "binary-trees", &[("depth", "6")]);
    assert_eq!(output, BINARY_TREES);
    assert!(interp.report().slices > 1000);
    let (output, _) = run_on(sliced(13), "closures", &[("rounds", "300")]);
    assert!(
        output.starts_with("counters: (3 2)\nbalance: 120\n"),
        "{output}"
    );
}

fn after_first_line(text: &str) -> &str {
    text.split_once('\n').map_or("", |(_, rest)| rest)
}

/// In stress mode every safe point collects and verifies the whole heap: a
/// `Gc` the interpreter forgot to trace, or one kept on the Rust stack
/// across a safe point, would be caught here.
#[test]
fn programs_pass_the_heap_verifier_in_stress_mode() {
    let (output, _) = run_on(stressed(200), "binary-trees", &[("depth", "4")]);
    assert!(
        output.starts_with("stretch tree of depth 7\t check: 255\n"),
        "{output}"
    );
    let (output, _) = run_on(stressed(500), "closures", &[("rounds", "50")]);
    assert!(output.contains("church: 49\n"), "{output}");
    let (output, _) = run_on(
        stressed(500),
        "mixed",
        &[("accounts", "100"), ("steps", "300")],
    );
    assert!(output.starts_with("steps: 300\n"), "{output}");
    // Under stress, unreachable weak entries may go before the first count.
    let (output, _) = run_on(stressed(500), "weak-cache", &[]);
    assert_eq!(after_first_line(&output), after_first_line(WEAK_CACHE));
    let (output, _) = run_on(stressed(500), "weak-keys", &[]);
    assert_eq!(after_first_line(&output), after_first_line(WEAK_KEYS));
    let (output, _) = run_on(stressed(500), "guardians", &[]);
    assert_eq!(output, GUARDIANS);
    let (output, _) = run_on(stressed(50), "timers", &[]);
    assert_eq!(output, TIMERS);
    let (output, _) = run_on(
        stressed(500),
        "string-table",
        &[("size", "200"), ("rounds", "1")],
    );
    assert!(output.ends_with("heap shrank: #t\n"), "{output}");
}

/// A deep (non-tail) recursion that allocates at every level and collects
/// at the bottom: all frames and their values are in the VM root, so they
/// survive and are updated when the collector moves them.
#[test]
fn collection_in_the_middle_of_deep_recursion() {
    let mut interp = sliced(50);
    interp.capture_output();
    interp
        .run(
            "(define (build n)
               (if (= n 0)
                   (begin (collect 'minor) (collect) '())
                   (let ((cell (list n (number->string n))))
                     (let ((rest (build (- n 1))))
                       (cons (car cell) rest)))))
             (define result (build 3000))
             (display (length result)) (newline)
             (display (apply + result)) (newline)",
        )
        .unwrap();
    assert_eq!(interp.take_output(), "3000\n4501500\n");
}

/// Tail calls run in constant stack: a loop of a million iterations is far
/// deeper than the frame limit.
#[test]
fn tail_calls_do_not_grow_the_stack() {
    let mut interp = Interp::new();
    interp.capture_output();
    interp.set_max_frames(100);
    interp
        .run(
            "(define (loop i acc) (if (= i 0) acc (loop (- i 1) (+ acc 1))))
             (display (loop 200000 0))
             (define (even? n) (if (= n 0) #t (odd? (- n 1))))
             (define (odd? n) (if (= n 0) #f (even? (- n 1))))
             (display (even? 10001))",
        )
        .unwrap();
    assert_eq!(interp.take_output(), "200000#f");
}

/// A grab bag of the language: special forms, builtins and the prelude.
#[test]
fn language_features() {
    let cases: &[(&str, &str)] = &[
        ("(let* ((x 1) (y (+ x 1)) (x (* y 10))) (list x y))", "(20 2)"),
        ("(letrec ((ev? (lambda (n) (if (= n 0) #t (od? (- n 1))))) (od? (lambda (n) (if (= n 0) #f (ev? (- n 1)))))) (ev? 10))", "#t"),
        ("(cond ((memq 'c '(a b c))) (else 'else))", "(c)"),
        ("(cond ((> 1 2) 'a) ((> 2 1) 'b))", "b"),
        ("(and 1 2 3)", "3"),
        ("(and 1 #f 3)", "#f"),
        ("(or #f #f)", "#f"),
        ("(or #f 2)", "2"),
        ("(when (> 1 0) 'yes)", "yes"),
        ("(unless (> 1 0) 'yes)", ""),
        ("(do ((i 0 (+ i 1)) (acc '() (cons i acc))) ((= i 4) acc))", "(3 2 1 0)"),
        ("(let loop ((i 0) (acc 1)) (if (= i 10) acc (loop (+ i 1) (* acc 2))))", "1024"),
        ("((lambda args args) 1 2 3)", "(1 2 3)"),
        ("((lambda (a . rest) (list a rest)) 1 2 3)", "(1 (2 3))"),
        ("(apply + 1 2 '(3 4))", "10"),
        ("(apply apply (list + (list 1 2)))", "3"),
        ("(map + '(1 2 3) '(10 20 30))", "(11 22 33)"),
        ("(filter odd? (iota 10))", "(1 3 5 7 9)"),
        ("(fold-left + 0 (iota 101))", "5050"),
        ("(fold-right cons '() '(1 2 3))", "(1 2 3)"),
        ("(reverse (append '(1 2) '(3) '() '(4 5)))", "(5 4 3 2 1)"),
        ("(list-ref '(a b c) 2)", "c"),
        ("(assoc \"b\" '((\"a\" . 1) (\"b\" . 2)))", "(\"b\" . 2)"),
        ("(equal? (list 1 (vector 2 \"x\")) (list 1 (vector 2 \"x\")))", "#t"),
        ("(eq? (list 1) (list 1))", "#f"),
        ("(/ 6 4)", "1.5"),
        ("(/ 6 3)", "2"),
        ("(+ 9223372036854775807 1)", "9.223372036854776e18"),
        ("(exact->inexact 1)", "1.0"),
        ("(sqrt 16)", "4"),
        ("(expt 2 10)", "1024"),
        ("(modulo -7 3)", "2"),
        ("(remainder -7 3)", "-1"),
        ("(max 1 2.0)", "2.0"),
        ("(string-append \"a\" \"b\" \"c\")", "\"abc\""),
        ("(substring \"hello\" 1 3)", "\"el\""),
        ("(string->symbol \"sym\")", "sym"),
        ("(symbol->string 'abc)", "\"abc\""),
        ("(number->string 42)", "\"42\""),
        ("(string->number \"2.5\")", "2.5"),
        ("(let ((v (make-vector 3 0))) (vector-set! v 1 'x) v)", "#(0 x 0)"),
        ("(vector-map (lambda (x) (* x x)) #(1 2 3))", "#(1 4 9)"),
        ("(let ((p (cons 1 2))) (set-car! p 10) (set-cdr! p '(20)) p)", "(10 20)"),
        ("(let ((t (make-table))) (table-set! t '(1) 'list-key) (table-set! t 1.5 'x) (list (table-ref t 1.5) (table-ref t '(1)) (table-count t)))", "(x list-key 2)"),
        ("(let ((t (make-table)) (k (list 1))) (table-set! t k 'v) (table-ref t k))", "v"),
        ("(define x 5) (set! x (+ x 1)) x", "6"),
        ("(begin)", ""),
        ("'(1 . (2 . (3 . ())))", "(1 2 3)"),
        ("'(a . b)", "(a . b)"),
        ("(let ((x 'outer)) (define (f) x) (let ((x 'inner)) (f)))", "outer"),
        ("(define (make-adder n) (lambda (x) (+ x n))) ((make-adder 3) 4)", "7"),
        ("(procedure? car)", "#t"),
        ("car", "#<builtin car>"),
        ("(define (named) 1) named", "#<procedure named>"),
        ("(let ((l (list 1 2))) (set-cdr! (cdr l) l) (list? l))", "#f"),
        ("(let ((t (make-weak-key-table)) (k (list 1))) (table-set! t k 'v) (table-set! t 7 'seven) (table-set! t \"s\" 'str) (list (table-ref t k) (table-ref t 7) (table-ref t \"s\") (table-count t) (table-delete! t k) (table-count t)))", "(v seven str 3 #t 2)"),
        ("(make-weak-key-table)", "#<weak-key-table>"),
        ("(let ((a (list 1 2)) (b (list 1 2 1 2))) (set-cdr! (cdr a) a) (set-cdr! (cdr (cddr b)) b) (equal? a b))", "#t"),
        ("(let ((a (list 1 2)) (b (list 1 3))) (set-cdr! (cdr a) a) (set-cdr! (cdr b) b) (equal? a b))", "#f"),
        ("(let ((c (list 'a 'b 'c))) (set-cdr! (cddr c) c) (list-ref c 9223372036854775807))", "b"),
        ("(make-guardian)", "#<guardian>"),
        ("(procedure? (make-guardian))", "#t"),
    ];
    let mut failures = Vec::new();
    for (source, expected) in cases {
        let mut interp = Interp::new();
        interp.capture_output();
        let got = match interp.eval(source) {
            Ok(values) => values
                .last()
                .map(|h| h.as_ref().map_or(String::new(), |h| interp.write(h)))
                .unwrap_or_default(),
            Err(_) => "error".to_owned(),
        };
        if got != *expected {
            failures.push(format!("{source}\n  expected {expected}\n  got      {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Tables stay consistent through inserts, replacements, deletes (which
/// compact the entry list) and re-inserts, with keys of every kind.
#[test]
fn tables_insert_delete_and_reinsert() {
    let mut interp = Interp::new();
    interp.capture_output();
    interp
        .run(
            "(define t (make-table))
             (define keys (list 'sym \"str\" 1.5 (list 1) #t))
             (do ((i 0 (+ i 1))) ((= i 1000)) (table-set! t i (* i i)))
             (for-each (lambda (k) (table-set! t k k)) keys)
             (do ((i 0 (+ i 2))) ((= i 1000)) (table-delete! t i))
             (do ((i 0 (+ i 4))) ((= i 1000)) (table-set! t i 'back))
             (table-set! t 1 'replaced)
             (define (check i)
               (let ((v (table-ref t i 'absent)))
                 (cond ((= i 1) (eq? v 'replaced))
                       ((= 0 (remainder i 4)) (eq? v 'back))
                       ((even? i) (eq? v 'absent))
                       (else (= v (* i i))))))
             (display (list (table-count t)
                            (length (filter check (iota 1000)))
                            (map (lambda (k) (equal? k (table-ref t k))) keys)
                            (table-ref t \"str\")
                            (length (table-keys t))))",
        )
        .unwrap();
    assert_eq!(interp.take_output(), "(755 1000 (#t #t #t #t #t) str 755)");
}

/// A large vector, already old, written at every step while a major cycle
/// marks it. With object-granularity re-graying, every mark step can rescan
/// the whole vector and marking never finish: an intermediate version of the
/// pacer took a minute and 54 000 pauses for 200 000 stores, at 99% GC CPU.
/// Re-grayed objects wait for mark termination, so the pauses must stay
/// proportional to the allocation.
#[test]
fn writes_to_a_large_old_vector_while_marking_do_not_stall() {
    let mut interp = Interp::new();
    interp.capture_output();
    interp
        .run(
            "(define n 100000)
             (define v (make-vector n 0))
             (do ((i 0 (+ i 1))) ((= i n))
               (vector-set! v i (list i i)))
             (display (gc-stats 'major-collections))",
        )
        .unwrap();
    let stats = interp.stats();
    assert!(stats.major_collections >= 1, "a major cycle ran: {stats:?}");
    assert!(
        stats.pause_count < 2_000,
        "{} pauses for 100 000 stores",
        stats.pause_count
    );
}

/// A cyclic list prints in bounded time and space.
#[test]
fn printing_a_cycle_terminates() {
    let mut interp = Interp::new();
    interp.capture_output();
    interp
        .run("(define l (list 1 2)) (set-cdr! (cdr l) l) (display l)")
        .unwrap();
    let output = interp.take_output();
    assert!(output.starts_with("(1 2 1 2"), "{}", &output[..20]);
    assert!(output.ends_with("...)"));
}

/// Closures carry the frames they see as their tail (a display): a variable
/// three frames out is read and written from the innermost `lambda`, two
/// closures over the same frame share its variables through `set!`, and all
/// of it survives moves and full collections in stress mode.
#[test]
fn closures_over_nested_frames_share_their_variables() {
    let mut interp = stressed(7);
    interp.capture_output();
    interp
        .run(
            "(define (outer a)
               (lambda (b)
                 (let ((c (* b 10)))
                   (list
                     (lambda (d) (set! a (+ a 1)) (list a b c d))
                     (lambda () (set! c (+ c 100)) a)
                     (lambda () c)))))
             (define fs ((outer 1) 2))
             (collect 'minor)
             (display ((car fs) 3)) (newline)
             (display ((cadr fs))) (newline)
             (collect)
             (display ((car fs) 4)) (newline)
             (display ((caddr fs))) (newline)
             (define other ((outer 50) 5))
             (display ((car other) 6)) (newline)
             (display ((car fs) 7)) (newline)",
        )
        .unwrap();
    assert_eq!(
        interp.take_output(),
        "(2 2 20 3)\n2\n(3 2 120 4)\n120\n(51 5 50 6)\n(4 2 120 7)\n"
    );
}

/// `vector-set!` goes through the indexed barrier: a store into an old
/// vector dirties the one card of the written slot (not the whole vector),
/// and the young value it stored survives the next minor GC through it.
/// (Without the card, the minor GC would not see the old-to-young pointer.)
#[test]
fn vector_set_dirties_one_card_of_an_old_vector() {
    let mut interp = Interp::new();
    interp.capture_output();
    interp
        .run("(define v (make-vector 4000 0)) (collect)")
        .unwrap();
    interp.run("(vector-set! v 3000 (list 1 2))").unwrap();
    let handle = interp.global("v").expect("v is defined");
    let dirty = |interp: &mut Interp| {
        interp
            .heap_mut()
            .mutate(|m, _| match m.fetch(&handle).value {
                tenure_scheme::value::Value::Vector(v) => tenure::__dirty_cards(v),
                _ => panic!("v is a vector"),
            })
    };
    assert_eq!(dirty(&mut interp), 1, "one card of 4000 slots");
    interp.heap_mut().collect_minor();
    // The card stays dirty only while the slot may still point to a young
    // object (a survivor), and never spreads to the rest of the vector.
    assert!(dirty(&mut interp) <= 1);
    interp.run("(display (vector-ref v 3000))").unwrap();
    assert_eq!(interp.take_output(), "(1 2)");
}
