//! Printing values: `display` (strings raw) and `write` (strings quoted).
//!
//! Printing reads managed objects, so it runs inside `mutate`. Lists are
//! walked along the `cdr` with a loop and into the `car` with recursion that
//! is capped at [`MAX_DEPTH`]; a budget of [`MAX_ITEMS`] elements stops
//! cyclic structures (made with `set-cdr!`) from printing forever.

use std::fmt::Write;

use super::builtins::BUILTINS;
use super::value::{Symbols, TableKind, Value};

/// Nesting depth beyond which a sub-structure prints as `...`.
pub const MAX_DEPTH: usize = 100;

/// Elements printed in total before the rest prints as `...`.
pub const MAX_ITEMS: usize = 100_000;

/// Prints `value` into `out`; `write` quotes strings.
pub fn print(out: &mut String, value: Value<'_>, symbols: &Symbols, write: bool) {
    let mut printer = Printer {
        out,
        symbols,
        write,
        budget: MAX_ITEMS,
    };
    printer.value(value, 0);
}

/// The printed form of `value` as a new string.
pub fn to_string(value: Value<'_>, symbols: &Symbols, write: bool) -> String {
    let mut out = String::new();
    print(&mut out, value, symbols, write);
    out
}

/// Formats a float so that it reads back as a float (`2.0`, not `2`).
pub fn format_float(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e16 {
        format!("{x:.1}")
    } else if x.is_nan() {
        "+nan.0".to_owned()
    } else if x.is_infinite() {
        if x > 0.0 { "+inf.0" } else { "-inf.0" }.to_owned()
    } else if x.abs() >= 1e16 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

struct Printer<'a> {
    out: &'a mut String,
    symbols: &'a Symbols,
    write: bool,
    budget: usize,
}

impl Printer<'_> {
    fn value(&mut self, value: Value<'_>, depth: usize) {
        if self.budget == 0 || depth > MAX_DEPTH {
            self.out.push_str("...");
            return;
        }
        self.budget -= 1;
        match value {
            Value::Nil => self.out.push_str("()"),
            Value::Unspecified => self.out.push_str("#<unspecified>"),
            Value::Undefined => self.out.push_str("#<undefined>"),
            Value::Bool(true) => self.out.push_str("#t"),
            Value::Bool(false) => self.out.push_str("#f"),
            Value::Int(n) => {
                let _ = write!(self.out, "{n}");
            }
            Value::Float(x) => self.out.push_str(&format_float(x)),
            Value::Sym(s) => self.out.push_str(self.symbols.name(s)),
            Value::Str(s) if self.write => {
                let _ = write!(self.out, "{:?}", &*s);
            }
            Value::Str(s) => self.out.push_str(&s),
            Value::Pair(pair) => {
                self.out.push('(');
                self.value(pair.car.get(), depth + 1);
                let mut rest = pair.cdr.get();
                loop {
                    match rest {
                        Value::Nil => break,
                        Value::Pair(next) => {
                            if self.budget == 0 {
                                self.out.push_str(" ...");
                                break;
                            }
                            self.out.push(' ');
                            self.value(next.car.get(), depth + 1);
                            rest = next.cdr.get();
                        }
                        tail => {
                            self.out.push_str(" . ");
                            self.value(tail, depth + 1);
                            break;
                        }
                    }
                }
                self.out.push(')');
            }
            Value::Vector(vector) => {
                self.out.push_str("#(");
                for (i, item) in vector.iter().enumerate() {
                    if i > 0 {
                        self.out.push(' ');
                    }
                    self.value(item, depth + 1);
                }
                self.out.push(')');
            }
            Value::Table(table) => {
                let kind = match table.kind {
                    TableKind::Strong => "table",
                    TableKind::WeakValues => "weak-value-table",
                    TableKind::WeakKeys => "weak-key-table",
                };
                self.out.push_str("#<");
                self.out.push_str(kind);
                self.out.push('>');
            }
            Value::Guardian(_) => self.out.push_str("#<guardian>"),
            Value::Host(host) => self.out.push_str(&host.as_ref_gc().describe()),
            Value::Closure(closure) => match &closure.head.proto.head.code.name {
                Some(name) => {
                    let _ = write!(self.out, "#<procedure {name}>");
                }
                None => self.out.push_str("#<procedure>"),
            },
            Value::Builtin(b) => {
                let _ = write!(self.out, "#<builtin {}>", BUILTINS[b.0 as usize].name);
            }
        }
    }
}
