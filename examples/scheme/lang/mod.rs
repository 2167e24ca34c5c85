//! A small Scheme on the `tenure` collector.
//!
//! The pipeline, one module per step:
//!
//! - `reader`: text to syntax trees with positions;
//! - `compiler`: syntax to bytecode, resolving every variable;
//! - `value`: the value type and the managed objects (pairs, strings,
//!   vectors, tables, closures, environments, prototypes);
//! - `vm`: the explicit-stack machine that runs in slices inside `mutate`;
//! - `builtins` and `prelude.scm`: the standard procedures;
//! - `host`: native objects held as `Gc<dyn HostObject>` (the `timer` demo);
//! - `printer`: `display` and `write`;
//! - `interp`: the host side: the heap, the slice loop and its safe points,
//!   stashed handles, the GC report;
//! - `repl`: a line-at-a-time REPL that a test can drive.
//!
//! This is the library crate `tenure-scheme`: the example binary
//! (`main.rs`), the integration tests (`tests/interpreter*.rs`) and gc-bench's
//! Scheme workloads all link this one copy.

pub mod builtins;
pub mod compiler;
pub mod host;
pub mod interp;
pub mod printer;
pub mod reader;
pub mod repl;
pub mod value;
pub mod vm;

use std::fmt;

use reader::Pos;

/// Which stage found the error.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The reader: malformed text.
    Syntax,
    /// The compiler: a malformed special form.
    Compile,
    /// The VM: a failure while running.
    Runtime,
}

/// An error in a Scheme program, with the position it points at.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    /// Which stage found it.
    pub kind: ErrorKind,
    /// Where (for a runtime error, the innermost call's position).
    pub pos: Pos,
    /// What went wrong.
    pub message: String,
    /// For a runtime error: the active calls, innermost first.
    pub trace: Vec<(String, Pos)>,
}

impl Error {
    /// An error without a backtrace.
    pub fn new(kind: ErrorKind, pos: Pos, message: impl Into<String>) -> Error {
        Error {
            kind,
            pos,
            message: message.into(),
            trace: Vec::new(),
        }
    }

    /// How many backtrace lines `render` prints at each end.
    const TRACE_ENDS: usize = 4;

    /// The error as `file:line:col: kind error: message` plus a short
    /// backtrace (the innermost and outermost calls of a deep one).
    pub fn render(&self, file: &str) -> String {
        let kind = match self.kind {
            ErrorKind::Syntax => "syntax",
            ErrorKind::Compile => "compile",
            ErrorKind::Runtime => "runtime",
        };
        let mut text = format!("{file}:{}: {kind} error: {}", self.pos, self.message);
        let n = self.trace.len();
        for (i, (name, pos)) in self.trace.iter().enumerate() {
            if n > 2 * Self::TRACE_ENDS && i == Self::TRACE_ENDS {
                text.push_str(&format!(
                    "\n  ... {} more calls ...",
                    n - 2 * Self::TRACE_ENDS
                ));
            }
            if n <= 2 * Self::TRACE_ENDS || i < Self::TRACE_ENDS || i >= n - Self::TRACE_ENDS {
                text.push_str(&format!("\n  in {name} at {file}:{pos}"));
            }
        }
        text
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render("input"))
    }
}

impl std::error::Error for Error {}
