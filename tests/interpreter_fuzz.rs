//! Random programs never crash the Scheme interpreter or corrupt the heap.
//!
//! A small generator writes nested expressions from the builtins, the
//! special forms and a few values (including edge cases: the extreme
//! integers, circular and weak structures, guardians). Most programs are
//! wrong; every one must end in a value or an `Error`, never a panic, and
//! the heap must pass the verifier afterwards. One run uses the default
//! heap, one the collector's stress mode with a tiny slice budget, so that
//! collections happen in the middle of everything.

use tenure::Config;
use tenure_scheme::interp::Interp;

/// xorshift64: deterministic, so a failure names a reproducible program.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, choices: &[&'a str]) -> &'a str {
        choices[(self.next() % choices.len() as u64) as usize]
    }
}

const ATOMS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2.5",
    "-0.0",
    "1e308",
    "9223372036854775807",
    "-9223372036854775808",
    "\"s\"",
    "'a",
    "'()",
    "#t",
    "#f",
    "x",
    "y",
    "f",
    "c",
    "$1",
    "car",
    "+",
    "(list 1 2)",
    "(vector 1 2)",
    "(make-table)",
    "(make-weak-key-table)",
    "(make-weak-value-table)",
    "(make-guardian)",
    "(lambda args args)",
];

const HEADS: &[&str] = &[
    "+",
    "-",
    "*",
    "/",
    "quotient",
    "remainder",
    "modulo",
    "abs",
    "min",
    "max",
    "sqrt",
    "expt",
    "floor",
    "round",
    "exact->inexact",
    "inexact->exact",
    "=",
    "<",
    "car",
    "cdr",
    "cons",
    "list",
    "length",
    "reverse",
    "append",
    "list-tail",
    "list-ref",
    "memq",
    "assoc",
    "symbol->string",
    "string->symbol",
    "string-append",
    "substring",
    "string-length",
    "number->string",
    "string->number",
    "vector",
    "make-vector",
    "vector-ref",
    "vector-set!",
    "vector->list",
    "list->vector",
    "table-set!",
    "table-ref",
    "table-delete!",
    "table-count",
    "table-keys",
    "apply",
    "map",
    "for-each",
    "filter",
    "fold-left",
    "iota",
    "equal?",
    "eqv?",
    "display",
    "write",
    "error",
    "collect",
    "gc-stats",
    "set-car!",
    "set-cdr!",
    "if",
    "let",
    "lambda",
    "define",
    "set!",
    "begin",
    "cond",
    "and",
    "or",
    "when",
    "do",
    "quote",
    "let*",
    "letrec",
    "f",
    "x",
    "c",
    "param",
    "string-upcase",
    "vector-map",
];

fn expr(rng: &mut Rng, depth: u32, out: &mut String) {
    if depth == 0 || rng.next() % 3 == 0 {
        out.push_str(rng.pick(ATOMS));
        return;
    }
    out.push('(');
    out.push_str(rng.pick(HEADS));
    for _ in 0..rng.next() % 4 {
        out.push(' ');
        expr(rng, depth - 1, out);
    }
    out.push(')');
}

/// Globals the programs use: a list, a string, a variadic procedure, and a
/// circular list.
const SETUP: &str = "(define x (list 1 2 3)) (define y \"str\") (define (f . a) a)
                     (define c (list 1 2)) (set-cdr! (cdr c) c)";

fn interpreter(stress: bool) -> Interp {
    let mut interp = if stress {
        let config = Config::builder().stress(true).build().expect("valid");
        let mut interp = Interp::with_config(config).expect("valid");
        interp.budget = 50;
        interp
    } else {
        Interp::new()
    };
    interp.capture_output();
    interp.set_max_frames(200);
    interp.heap_limit = Some(64 << 20);
    interp.step_limit = Some(200_000);
    interp.run(SETUP).expect("the setup runs");
    interp
}

fn fuzz(seed: u64, programs: usize, stress: bool) {
    let mut rng = Rng(seed);
    let mut interp = interpreter(stress);
    for i in 0..programs {
        // A fresh interpreter now and then: programs may rebind builtins.
        if i % 500 == 499 {
            interp.verify().expect("the heap is sound");
            interp = interpreter(stress);
        }
        let mut source = String::new();
        expr(&mut rng, 3 + (i % 4) as u32, &mut source);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = interp.run(&source);
        }));
        assert!(outcome.is_ok(), "program {i} panicked: {source}");
        interp.take_output();
        assert_eq!(
            interp.vm_depth(),
            (0, 0),
            "program {i} left the VM busy: {source}"
        );
    }
    interp.verify().expect("the heap is sound");
}

#[test]
fn random_programs_never_panic() {
    fuzz(0x9e37_79b9_7f4a_7c15, 20_000, false);
}

#[test]
fn random_programs_never_panic_in_stress_mode() {
    fuzz(0x2545_f491_4f6c_dd1d, 4_000, true);
}
