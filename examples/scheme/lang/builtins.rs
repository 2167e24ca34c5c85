//! The procedures written in Rust.
//!
//! A builtin is an entry in [`BUILTINS`]: a name, an arity, and either a plain
//! function of its arguments or a *special* that only the VM can perform:
//!
//! - `apply` rearranges the VM stack and calls again;
//! - `collect` and `gc-stats` need the `Heap` itself, which is not reachable
//!   inside `mutate`: the VM suspends with a host request, the host loop runs
//!   the collection (or reads `Heap::stats`) at the safe point, and resumes the
//!   VM with the result. This is the general pattern for any builtin that
//!   needs the host.
//!
//! Plain builtins get the arguments as a slice of the VM stack and return a
//! value or an error message; the VM adds the position. They may allocate but
//! never call back into Scheme (higher-order procedures such as `map` are in
//! the Scheme prelude, so the VM's stack is the only stack).

use std::collections::HashMap;
use std::fmt::Write as _;

use tenure::{unlock, Gc, Mutation};

use super::host::{as_timer, lap, new_timer, Timer};
use super::printer::{format_float, print, to_string};
use super::value::{equal, eqv, Guardian, Pair, Symbols, Table, TableKind, Value, Vector};

/// What a builtin needs besides its arguments.
pub struct Ctx<'gc, 'a> {
    /// The mutation context (to allocate and to pass write barriers).
    pub m: &'gc Mutation<'gc>,
    /// The symbol table (to intern and print symbols).
    pub symbols: &'a mut Symbols,
    /// The program's output buffer (drained by the host after each slice).
    pub out: &'a mut String,
    /// Host-supplied parameters (`param`).
    pub params: &'a Params,
}

/// Values the host passes to the program (`(param 'name default)`).
pub type Params = HashMap<String, Param>;

/// One host parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    /// An exact integer.
    Int(i64),
    /// An inexact number.
    Float(f64),
    /// A string.
    Str(String),
}

impl Param {
    /// Parses `text` as an integer, then a float, else keeps it as a string.
    pub fn parse(text: &str) -> Param {
        if let Ok(n) = text.parse() {
            Param::Int(n)
        } else if let Ok(x) = text.parse() {
            Param::Float(x)
        } else {
            Param::Str(text.to_owned())
        }
    }
}

/// A plain builtin.
pub type BuiltinFn =
    for<'gc, 'a> fn(&mut Ctx<'gc, 'a>, &[Value<'gc>]) -> Result<Value<'gc>, String>;

/// How a builtin is carried out.
#[derive(Copy, Clone)]
pub enum Imp {
    /// A function of the arguments.
    Plain(BuiltinFn),
    /// `(apply f arg... list)`.
    Apply,
    /// `(collect)` / `(collect 'minor)`: a collection at the next safe point.
    Collect,
    /// `(gc-stats)` / `(gc-stats 'key)`: the heap's counters.
    GcStats,
}

/// One builtin.
pub struct BuiltinDef {
    /// The global name.
    pub name: &'static str,
    /// Fewest arguments.
    pub min: usize,
    /// Most arguments (`usize::MAX` for any number).
    pub max: usize,
    /// What it does.
    pub imp: Imp,
}

const ANY: usize = usize::MAX;

macro_rules! builtins {
    ($($name:literal $min:literal ..= $max:tt => $imp:expr,)*) => {
        /// Every builtin, in the order their `Builtin` indices refer to.
        pub static BUILTINS: &[BuiltinDef] = &[
            $(BuiltinDef { name: $name, min: $min, max: builtins!(@max $max), imp: $imp },)*
        ];
    };
    (@max any) => { ANY };
    (@max $n:literal) => { $n };
}

builtins! {
    // numbers
    "+" 0..=any => Imp::Plain(add),
    "-" 1..=any => Imp::Plain(sub),
    "*" 0..=any => Imp::Plain(mul),
    "/" 1..=any => Imp::Plain(div),
    "=" 1..=any => Imp::Plain(num_eq),
    "<" 1..=any => Imp::Plain(lt),
    ">" 1..=any => Imp::Plain(gt),
    "<=" 1..=any => Imp::Plain(le),
    ">=" 1..=any => Imp::Plain(ge),
    "quotient" 2..=2 => Imp::Plain(quotient),
    "remainder" 2..=2 => Imp::Plain(remainder),
    "modulo" 2..=2 => Imp::Plain(modulo),
    "abs" 1..=1 => Imp::Plain(abs),
    "min" 1..=any => Imp::Plain(min),
    "max" 1..=any => Imp::Plain(max),
    "sqrt" 1..=1 => Imp::Plain(sqrt),
    "expt" 2..=2 => Imp::Plain(expt),
    "floor" 1..=1 => Imp::Plain(floor),
    "round" 1..=1 => Imp::Plain(round),
    "exact->inexact" 1..=1 => Imp::Plain(to_inexact),
    "inexact->exact" 1..=1 => Imp::Plain(to_exact),
    "number?" 1..=1 => Imp::Plain(is_number),
    "integer?" 1..=1 => Imp::Plain(is_integer),
    "zero?" 1..=1 => Imp::Plain(is_zero),
    "even?" 1..=1 => Imp::Plain(is_even),
    "odd?" 1..=1 => Imp::Plain(is_odd),
    "number->string" 1..=1 => Imp::Plain(number_to_string),
    "string->number" 1..=1 => Imp::Plain(string_to_number),
    // equivalence and types
    "not" 1..=1 => Imp::Plain(not),
    "eq?" 2..=2 => Imp::Plain(is_eqv),
    "eqv?" 2..=2 => Imp::Plain(is_eqv),
    "equal?" 2..=2 => Imp::Plain(is_equal),
    "boolean?" 1..=1 => Imp::Plain(is_boolean),
    "symbol?" 1..=1 => Imp::Plain(is_symbol),
    "string?" 1..=1 => Imp::Plain(is_string),
    "procedure?" 1..=1 => Imp::Plain(is_procedure),
    // pairs and lists
    "cons" 2..=2 => Imp::Plain(cons),
    "car" 1..=1 => Imp::Plain(car),
    "cdr" 1..=1 => Imp::Plain(cdr),
    "set-car!" 2..=2 => Imp::Plain(set_car),
    "set-cdr!" 2..=2 => Imp::Plain(set_cdr),
    "cadr" 1..=1 => Imp::Plain(cadr),
    "cddr" 1..=1 => Imp::Plain(cddr),
    "caddr" 1..=1 => Imp::Plain(caddr),
    "list" 0..=any => Imp::Plain(list),
    "length" 1..=1 => Imp::Plain(length),
    "reverse" 1..=1 => Imp::Plain(reverse),
    "append" 0..=any => Imp::Plain(append),
    "list-tail" 2..=2 => Imp::Plain(list_tail),
    "list-ref" 2..=2 => Imp::Plain(list_ref),
    "null?" 1..=1 => Imp::Plain(is_null),
    "pair?" 1..=1 => Imp::Plain(is_pair),
    "list?" 1..=1 => Imp::Plain(is_list),
    "memq" 2..=2 => Imp::Plain(memq),
    "member" 2..=2 => Imp::Plain(member),
    "assq" 2..=2 => Imp::Plain(assq),
    "assoc" 2..=2 => Imp::Plain(assoc),
    // symbols and strings
    "symbol->string" 1..=1 => Imp::Plain(symbol_to_string),
    "string->symbol" 1..=1 => Imp::Plain(string_to_symbol),
    "string-length" 1..=1 => Imp::Plain(string_length),
    "string-append" 0..=any => Imp::Plain(string_append),
    "substring" 3..=3 => Imp::Plain(substring),
    "string=?" 2..=2 => Imp::Plain(string_eq),
    "string<?" 2..=2 => Imp::Plain(string_lt),
    "string-upcase" 1..=1 => Imp::Plain(string_upcase),
    // vectors
    "vector" 0..=any => Imp::Plain(vector),
    "make-vector" 1..=2 => Imp::Plain(make_vector),
    "vector?" 1..=1 => Imp::Plain(is_vector),
    "vector-length" 1..=1 => Imp::Plain(vector_length),
    "vector-ref" 2..=2 => Imp::Plain(vector_ref),
    "vector-set!" 3..=3 => Imp::Plain(vector_set),
    "vector->list" 1..=1 => Imp::Plain(vector_to_list),
    "list->vector" 1..=1 => Imp::Plain(list_to_vector),
    // tables
    "make-table" 0..=0 => Imp::Plain(make_table),
    "make-weak-value-table" 0..=0 => Imp::Plain(make_weak_value_table),
    "make-weak-key-table" 0..=0 => Imp::Plain(make_weak_key_table),
    "table?" 1..=1 => Imp::Plain(is_table),
    "table-set!" 3..=3 => Imp::Plain(table_set),
    "table-ref" 2..=3 => Imp::Plain(table_ref),
    "table-contains?" 2..=2 => Imp::Plain(table_contains),
    "table-delete!" 2..=2 => Imp::Plain(table_delete),
    "table-count" 1..=1 => Imp::Plain(table_count),
    "table-keys" 1..=1 => Imp::Plain(table_keys),
    // output
    "display" 1..=1 => Imp::Plain(display),
    "write" 1..=1 => Imp::Plain(write),
    "newline" 0..=0 => Imp::Plain(newline),
    // control and the host
    "apply" 2..=any => Imp::Apply,
    "error" 1..=any => Imp::Plain(error),
    "param" 2..=2 => Imp::Plain(param),
    "make-guardian" 0..=0 => Imp::Plain(make_guardian),
    "collect" 0..=1 => Imp::Collect,
    // host objects (host.rs)
    "make-timer" 1..=1 => Imp::Plain(make_timer),
    "timer?" 1..=1 => Imp::Plain(is_timer),
    "timer-elapsed" 1..=1 => Imp::Plain(timer_elapsed),
    "timer-lap!" 1..=1 => Imp::Plain(timer_lap),
    "timer-label" 1..=1 => Imp::Plain(timer_label),
    "gc-stats" 0..=1 => Imp::GcStats,
}

// ---------------------------------------------------------------- helpers

type R<'gc> = Result<Value<'gc>, String>;

fn describe(ctx: &Ctx<'_, '_>, value: Value<'_>) -> String {
    let mut text = to_string(value, ctx.symbols, true);
    if text.len() > 60 {
        let mut cut = 57;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...");
    }
    text
}

fn wrong_type(ctx: &Ctx<'_, '_>, expected: &str, got: Value<'_>) -> String {
    format!("expected {expected}, got {}", describe(ctx, got))
}

/// A number, for arithmetic.
#[derive(Copy, Clone)]
enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    fn float(self) -> f64 {
        match self {
            Num::Int(n) => n as f64,
            Num::Float(x) => x,
        }
    }

    fn value<'gc>(self) -> Value<'gc> {
        match self {
            Num::Int(n) => Value::Int(n),
            Num::Float(x) => Value::Float(x),
        }
    }
}

fn num(ctx: &Ctx<'_, '_>, value: Value<'_>) -> Result<Num, String> {
    match value {
        Value::Int(n) => Ok(Num::Int(n)),
        Value::Float(x) => Ok(Num::Float(x)),
        other => Err(wrong_type(ctx, "a number", other)),
    }
}

fn int(ctx: &Ctx<'_, '_>, value: Value<'_>) -> Result<i64, String> {
    match value {
        Value::Int(n) => Ok(n),
        Value::Float(x) if x == x.trunc() && x.abs() < 9e15 => Ok(x as i64),
        other => Err(wrong_type(ctx, "an integer", other)),
    }
}

fn index(ctx: &Ctx<'_, '_>, value: Value<'_>) -> Result<usize, String> {
    match value {
        Value::Int(n) if n >= 0 => Ok(n as usize),
        other => Err(wrong_type(ctx, "a non-negative index", other)),
    }
}

fn string<'gc>(ctx: &Ctx<'gc, '_>, value: Value<'gc>) -> Result<Gc<'gc, str>, String> {
    match value {
        Value::Str(s) => Ok(s),
        other => Err(wrong_type(ctx, "a string", other)),
    }
}

fn pair<'gc>(ctx: &Ctx<'gc, '_>, value: Value<'gc>) -> Result<Gc<'gc, Pair<'gc>>, String> {
    match value {
        Value::Pair(p) => Ok(p),
        other => Err(wrong_type(ctx, "a pair", other)),
    }
}

fn vector_arg<'gc>(ctx: &Ctx<'gc, '_>, value: Value<'gc>) -> Result<Gc<'gc, Vector<'gc>>, String> {
    match value {
        Value::Vector(v) => Ok(v),
        other => Err(wrong_type(ctx, "a vector", other)),
    }
}

fn table<'gc>(ctx: &Ctx<'gc, '_>, value: Value<'gc>) -> Result<Gc<'gc, Table<'gc>>, String> {
    match value {
        Value::Table(t) => Ok(t),
        other => Err(wrong_type(ctx, "a table", other)),
    }
}

/// The elements of a proper list. Detects cycles (Floyd's tortoise and hare),
/// so a circular list is an error rather than a hang.
pub fn list_items<'gc>(value: Value<'gc>) -> Result<Vec<Value<'gc>>, &'static str> {
    let mut items = Vec::new();
    let mut slow = value;
    let mut fast = value;
    loop {
        match fast {
            Value::Nil => return Ok(items),
            Value::Pair(p) => {
                items.push(p.car.get());
                fast = p.cdr.get();
            }
            _ => return Err("expected a proper list"),
        }
        if items.len() % 2 == 0 {
            if let Value::Pair(s) = slow {
                slow = s.cdr.get();
            }
            if let (Value::Pair(s), Value::Pair(f)) = (slow, fast) {
                if Gc::ptr_eq(s, f) {
                    return Err("expected a proper list, got a circular one");
                }
            }
        }
    }
}

fn bool_value<'gc>(b: bool) -> R<'gc> {
    Ok(Value::Bool(b))
}

// ---------------------------------------------------------------- numbers

fn arith<'gc>(
    ctx: &mut Ctx<'gc, '_>,
    args: &[Value<'gc>],
    init: Num,
    int_op: fn(i64, i64) -> Option<i64>,
    float_op: fn(f64, f64) -> f64,
) -> R<'gc> {
    let mut acc = init;
    for &arg in args {
        let n = num(ctx, arg)?;
        acc = match (acc, n) {
            (Num::Int(a), Num::Int(b)) => match int_op(a, b) {
                Some(c) => Num::Int(c),
                None => Num::Float(float_op(a as f64, b as f64)),
            },
            (a, b) => Num::Float(float_op(a.float(), b.float())),
        };
    }
    Ok(acc.value())
}

fn add<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    arith(ctx, args, Num::Int(0), i64::checked_add, |a, b| a + b)
}

fn mul<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    arith(ctx, args, Num::Int(1), i64::checked_mul, |a, b| a * b)
}

fn sub<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    if args.len() == 1 {
        return arith(ctx, args, Num::Int(0), i64::checked_sub, |a, b| a - b);
    }
    let first = num(ctx, args[0])?;
    arith(ctx, &args[1..], first, i64::checked_sub, |a, b| a - b)
}

fn div<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let (mut acc, rest) = if args.len() == 1 {
        (Num::Int(1), args)
    } else {
        (num(ctx, args[0])?, &args[1..])
    };
    for &arg in rest {
        let n = num(ctx, arg)?;
        acc = match (acc, n) {
            (_, Num::Int(0)) => return Err("division by zero".to_owned()),
            (Num::Int(a), Num::Int(b)) if a % b == 0 => Num::Int(a / b),
            (a, b) => Num::Float(a.float() / b.float()),
        };
    }
    Ok(acc.value())
}

fn compare<'gc>(
    ctx: &mut Ctx<'gc, '_>,
    args: &[Value<'gc>],
    test: fn(std::cmp::Ordering) -> bool,
) -> R<'gc> {
    let mut result = true;
    for pair in args.windows(2) {
        let ordering = match (num(ctx, pair[0])?, num(ctx, pair[1])?) {
            (Num::Int(a), Num::Int(b)) => a.cmp(&b),
            (a, b) => match a.float().partial_cmp(&b.float()) {
                Some(ordering) => ordering,
                None => return Ok(Value::Bool(false)),
            },
        };
        result &= test(ordering);
    }
    if args.len() == 1 {
        num(ctx, args[0])?;
    }
    bool_value(result)
}

fn num_eq<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    compare(ctx, args, |o| o.is_eq())
}
fn lt<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    compare(ctx, args, |o| o.is_lt())
}
fn gt<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    compare(ctx, args, |o| o.is_gt())
}
fn le<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    compare(ctx, args, |o| o.is_le())
}
fn ge<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    compare(ctx, args, |o| o.is_ge())
}

fn int_div<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>], op: fn(i64, i64) -> i64) -> R<'gc> {
    let (a, b) = (int(ctx, args[0])?, int(ctx, args[1])?);
    if b == 0 {
        return Err("division by zero".to_owned());
    }
    if a == i64::MIN && b == -1 {
        return Err("integer overflow".to_owned());
    }
    Ok(Value::Int(op(a, b)))
}

fn quotient<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    int_div(ctx, args, |a, b| a / b)
}
fn remainder<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    int_div(ctx, args, |a, b| a % b)
}
fn modulo<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    int_div(ctx, args, i64::rem_euclid)
}

fn abs<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    Ok(match num(ctx, args[0])? {
        Num::Int(n) => n
            .checked_abs()
            .map_or(Value::Float((n as f64).abs()), Value::Int),
        Num::Float(x) => Value::Float(x.abs()),
    })
}

fn extremum<'gc>(
    ctx: &mut Ctx<'gc, '_>,
    args: &[Value<'gc>],
    pick_later: fn(f64, f64) -> bool,
) -> R<'gc> {
    let mut best = num(ctx, args[0])?;
    let mut inexact = matches!(best, Num::Float(_));
    for &arg in &args[1..] {
        let n = num(ctx, arg)?;
        inexact |= matches!(n, Num::Float(_));
        if pick_later(best.float(), n.float()) {
            best = n;
        }
    }
    Ok(if inexact {
        Value::Float(best.float())
    } else {
        best.value()
    })
}

fn min<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    extremum(ctx, args, |best, n| n < best)
}
fn max<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    extremum(ctx, args, |best, n| n > best)
}

fn sqrt<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let n = num(ctx, args[0])?;
    let root = n.float().sqrt();
    if let Num::Int(i) = n {
        let r = root.round() as i64;
        if r.checked_mul(r) == Some(i) {
            return Ok(Value::Int(r));
        }
    }
    Ok(Value::Float(root))
}

fn expt<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let (base, power) = (num(ctx, args[0])?, num(ctx, args[1])?);
    if let (Num::Int(b), Num::Int(p)) = (base, power) {
        if let Some(r) = u32::try_from(p).ok().and_then(|p| b.checked_pow(p)) {
            return Ok(Value::Int(r));
        }
    }
    Ok(Value::Float(base.float().powf(power.float())))
}

fn floor<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    Ok(match num(ctx, args[0])? {
        Num::Int(n) => Value::Int(n),
        Num::Float(x) => Value::Float(x.floor()),
    })
}

fn round<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    Ok(match num(ctx, args[0])? {
        Num::Int(n) => Value::Int(n),
        Num::Float(x) => Value::Float(x.round_ties_even()),
    })
}

fn to_inexact<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    Ok(Value::Float(num(ctx, args[0])?.float()))
}

fn to_exact<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    Ok(Value::Int(int(ctx, args[0])?))
}

fn is_number<'gc>(_: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(matches!(args[0], Value::Int(_) | Value::Float(_)))
}

fn is_integer<'gc>(_: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(match args[0] {
        Value::Int(_) => true,
        Value::Float(x) => x == x.trunc(),
        _ => false,
    })
}

fn is_zero<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(num(ctx, args[0])?.float() == 0.0)
}

fn is_even<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(int(ctx, args[0])? % 2 == 0)
}

fn is_odd<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(int(ctx, args[0])? % 2 != 0)
}

fn number_to_string<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let text = match num(ctx, args[0])? {
        Num::Int(n) => n.to_string(),
        Num::Float(x) => format_float(x),
    };
    Ok(Value::string(ctx.m, &text))
}

fn string_to_number<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let s = string(ctx, args[0])?;
    Ok(if let Ok(n) = s.parse::<i64>() {
        Value::Int(n)
    } else if let Ok(x) = s.parse::<f64>() {
        Value::Float(x)
    } else {
        Value::Bool(false)
    })
}

// ---------------------------------------------------------------- equivalence and types

fn not<'gc>(_: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(!args[0].is_true())
}
fn is_eqv<'gc>(_: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(eqv(args[0], args[1]))
}
fn is_equal<'gc>(_: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(equal(args[0], args[1]))
}
fn is_boolean<'gc>(_: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(matches!(args[0], Value::Bool(_)))
}
fn is_symbol<'gc>(_: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(matches!(args[0], Value::Sym(_)))
}
fn is_string<'gc>(_: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(matches!(args[0], Value::Str(_)))
}
fn is_procedure<'gc>(_: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(matches!(
        args[0],
        Value::Closure(_) | Value::Builtin(_) | Value::Guardian(_)
    ))
}

// ---------------------------------------------------------------- pairs and lists

fn cons<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    Ok(Value::cons(ctx.m, args[0], args[1]))
}
fn car<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    Ok(pair(ctx, args[0])?.car.get())
}
fn cdr<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    Ok(pair(ctx, args[0])?.cdr.get())
}
fn cadr<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let rest = pair(ctx, args[0])?.cdr.get();
    Ok(pair(ctx, rest)?.car.get())
}
fn cddr<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let rest = pair(ctx, args[0])?.cdr.get();
    Ok(pair(ctx, rest)?.cdr.get())
}
fn caddr<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let rest = cddr(ctx, args)?;
    Ok(pair(ctx, rest)?.car.get())
}

fn set_car<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let p = pair(ctx, args[0])?;
    unlock!(Gc::write(ctx.m, p), Pair, car).set(args[1]);
    Ok(Value::Unspecified)
}

fn set_cdr<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let p = pair(ctx, args[0])?;
    unlock!(Gc::write(ctx.m, p), Pair, cdr).set(args[1]);
    Ok(Value::Unspecified)
}

fn list<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    Ok(Value::list(ctx.m, args.iter().copied()))
}

fn items<'gc>(ctx: &Ctx<'gc, '_>, value: Value<'gc>) -> Result<Vec<Value<'gc>>, String> {
    list_items(value).map_err(|message| format!("{message}: {}", describe(ctx, value)))
}

fn length<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    Ok(Value::Int(items(ctx, args[0])?.len() as i64))
}

fn reverse<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let all = items(ctx, args[0])?;
    Ok(all
        .into_iter()
        .fold(Value::Nil, |tail, item| Value::cons(ctx.m, item, tail)))
}

fn append<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let Some((&last, init)) = args.split_last() else {
        return Ok(Value::Nil);
    };
    let mut all = Vec::new();
    for &arg in init {
        all.extend(items(ctx, arg)?);
    }
    Ok(all
        .into_iter()
        .rev()
        .fold(last, |tail, item| Value::cons(ctx.m, item, tail)))
}

fn list_tail<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let k = index(ctx, args[1])?;
    let cdr_of = |value: Value<'gc>| match value {
        Value::Pair(p) => Ok(p.cdr.get()),
        _ => Err(format!("index {k} out of range")),
    };
    // Walks k cdrs; on a circular list, finds the cycle (tortoise and hare)
    // and skips whole turns of it, so a huge index cannot hang the VM.
    let (mut rest, mut slow) = (args[0], args[0]);
    let mut i = 0;
    while i < k {
        rest = cdr_of(rest)?;
        i += 1;
        if i % 2 == 0 {
            slow = cdr_of(slow)?;
            if let (Value::Pair(a), Value::Pair(b)) = (slow, rest) {
                if Gc::ptr_eq(a, b) {
                    let mut period = 1;
                    let mut probe = cdr_of(rest)?;
                    while !matches!(probe, Value::Pair(p) if Gc::ptr_eq(p, b)) {
                        probe = cdr_of(probe)?;
                        period += 1;
                    }
                    for _ in 0..(k - i) % period {
                        rest = cdr_of(rest)?;
                    }
                    return Ok(rest);
                }
            }
        }
    }
    Ok(rest)
}

fn list_ref<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    match list_tail(ctx, args)? {
        Value::Pair(p) => Ok(p.car.get()),
        _ => Err(format!("index {} out of range", describe(ctx, args[1]))),
    }
}

fn is_null<'gc>(_: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(matches!(args[0], Value::Nil))
}
fn is_pair<'gc>(_: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(matches!(args[0], Value::Pair(_)))
}
fn is_list<'gc>(_: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(list_items(args[0]).is_ok())
}

/// The first tail of `list` whose car satisfies `test` (or `#f`). Stops
/// with an error on an improper or circular list.
fn find_tail<'gc>(
    ctx: &Ctx<'gc, '_>,
    list: Value<'gc>,
    test: impl Fn(Value<'gc>) -> bool,
) -> R<'gc> {
    let mut rest = list;
    let mut slow = list;
    let mut steps = 0usize;
    while let Value::Pair(p) = rest {
        if test(p.car.get()) {
            return Ok(rest);
        }
        rest = p.cdr.get();
        steps += 1;
        if steps % 2 == 0 {
            if let Value::Pair(s) = slow {
                slow = s.cdr.get();
            }
            if let (Value::Pair(s), Value::Pair(r)) = (slow, rest) {
                if Gc::ptr_eq(s, r) {
                    return Err("expected a proper list, got a circular one".to_owned());
                }
            }
        }
    }
    match rest {
        Value::Nil => Ok(Value::Bool(false)),
        other => Err(wrong_type(ctx, "a proper list", other)),
    }
}

fn memq<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    find_tail(ctx, args[1], |item| eqv(item, args[0]))
}
fn member<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    find_tail(ctx, args[1], |item| equal(item, args[0]))
}

fn assoc_by<'gc>(
    ctx: &Ctx<'gc, '_>,
    args: &[Value<'gc>],
    same: fn(Value<'gc>, Value<'gc>) -> bool,
) -> R<'gc> {
    let tail = find_tail(ctx, args[1], |entry| match entry {
        Value::Pair(e) => same(e.car.get(), args[0]),
        _ => false,
    })?;
    Ok(match tail {
        Value::Pair(p) => p.car.get(),
        other => other,
    })
}

fn assq<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    assoc_by(ctx, args, eqv)
}
fn assoc<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    assoc_by(ctx, args, equal)
}

// ---------------------------------------------------------------- symbols and strings

fn symbol_to_string<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    match args[0] {
        Value::Sym(s) => Ok(Value::string(ctx.m, ctx.symbols.name(s))),
        other => Err(wrong_type(ctx, "a symbol", other)),
    }
}

fn string_to_symbol<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let s = string(ctx, args[0])?;
    Ok(Value::Sym(ctx.symbols.intern(&s)))
}

fn string_length<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    Ok(Value::Int(string(ctx, args[0])?.chars().count() as i64))
}

fn string_append<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let mut text = String::new();
    for &arg in args {
        let piece = string(ctx, arg)?;
        if text.len() + piece.len() > MAX_STRING {
            return Err(format!(
                "the result would be longer than {MAX_STRING} bytes"
            ));
        }
        text.push_str(&piece);
    }
    Ok(Value::string(ctx.m, &text))
}

fn substring<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let s = string(ctx, args[0])?;
    let (start, end) = (index(ctx, args[1])?, index(ctx, args[2])?);
    let count = s.chars().count();
    if start > end || end > count {
        return Err(format!(
            "substring: range {start}..{end} out of bounds for length {count}"
        ));
    }
    let text: String = s.chars().skip(start).take(end - start).collect();
    Ok(Value::string(ctx.m, &text))
}

fn string_eq<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(*string(ctx, args[0])? == *string(ctx, args[1])?)
}

fn string_lt<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(*string(ctx, args[0])? < *string(ctx, args[1])?)
}

fn string_upcase<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let upper = string(ctx, args[0])?.to_uppercase();
    Ok(Value::string(ctx.m, &upper))
}

// ---------------------------------------------------------------- vectors

fn new_vector<'gc>(m: &Mutation<'gc>, items: Vec<Value<'gc>>) -> Value<'gc> {
    Value::Vector(Gc::new_array(m, items))
}

fn vector<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    Ok(Value::Vector(Gc::new_array(ctx.m, args.iter().copied())))
}

/// The longest vector `make-vector` builds (4 M elements, 64 MiB of
/// values): a bound on what one call can ask of the host's memory.
const MAX_VECTOR: usize = 1 << 22;

/// The longest string `string-append` builds (64 MiB): as for vectors.
const MAX_STRING: usize = 64 << 20;

fn make_vector<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let len = index(ctx, args[0])?;
    if len > MAX_VECTOR {
        return Err(format!(
            "make-vector: length {len} is larger than {MAX_VECTOR}"
        ));
    }
    let fill = args.get(1).copied().unwrap_or(Value::Int(0));
    Ok(Value::Vector(Gc::new_array_filled(ctx.m, len, fill)))
}

fn is_vector<'gc>(_: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(matches!(args[0], Value::Vector(_)))
}

fn vector_length<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    Ok(Value::Int(vector_arg(ctx, args[0])?.len() as i64))
}

fn vector_ref<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let v = vector_arg(ctx, args[0])?;
    let i = index(ctx, args[1])?;
    v.get(i)
        .ok_or_else(|| format!("vector-ref: index {i} out of range for length {}", v.len()))
}

fn vector_set<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let v = vector_arg(ctx, args[0])?;
    let i = index(ctx, args[1])?;
    // The indexed barrier: an old vector remembers only the card of slot `i`,
    // so the next minor GC rescans that card, not the whole vector.
    v.try_set(ctx.m, i, args[2])
        .map_err(|_| format!("vector-set!: index {i} out of range for length {}", v.len()))?;
    Ok(Value::Unspecified)
}

fn vector_to_list<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let v = vector_arg(ctx, args[0])?;
    let items: Vec<Value<'gc>> = v.iter().collect();
    Ok(Value::list(ctx.m, items.into_iter()))
}

fn list_to_vector<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let all = items(ctx, args[0])?;
    Ok(new_vector(ctx.m, all))
}

// ---------------------------------------------------------------- tables

fn new_table<'gc>(m: &Mutation<'gc>, kind: TableKind) -> Value<'gc> {
    Value::Table(Gc::new(m, Table::new(m, kind)))
}

fn make_table<'gc>(ctx: &mut Ctx<'gc, '_>, _: &[Value<'gc>]) -> R<'gc> {
    Ok(new_table(ctx.m, TableKind::Strong))
}

fn make_weak_value_table<'gc>(ctx: &mut Ctx<'gc, '_>, _: &[Value<'gc>]) -> R<'gc> {
    Ok(new_table(ctx.m, TableKind::WeakValues))
}

fn make_weak_key_table<'gc>(ctx: &mut Ctx<'gc, '_>, _: &[Value<'gc>]) -> R<'gc> {
    Ok(new_table(ctx.m, TableKind::WeakKeys))
}

fn is_table<'gc>(_: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(matches!(args[0], Value::Table(_)))
}

fn table_set<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let t = table(ctx, args[0])?;
    Table::set(t, ctx.m, args[1], args[2]);
    Ok(Value::Unspecified)
}

fn table_ref<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let t = table(ctx, args[0])?;
    let default = args.get(2).copied().unwrap_or(Value::Bool(false));
    Ok(t.get(ctx.m, args[1]).unwrap_or(default))
}

fn table_contains<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let t = table(ctx, args[0])?;
    bool_value(t.get(ctx.m, args[1]).is_some())
}

fn table_delete<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let t = table(ctx, args[0])?;
    bool_value(Table::remove(t, ctx.m, args[1]))
}

fn table_count<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let t = table(ctx, args[0])?;
    Ok(Value::Int(Table::count(t, ctx.m) as i64))
}

fn table_keys<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let t = table(ctx, args[0])?;
    let keys = t
        .keys(ctx.m)
        .ok_or("a weak-key table cannot be listed (its live keys depend on the collector)")?;
    Ok(Value::list(ctx.m, keys.into_iter()))
}

// ---------------------------------------------------------------- guardians

// ---------------------------------------------------------------- host objects

fn timer<'gc>(ctx: &Ctx<'gc, '_>, value: Value<'gc>) -> Result<Gc<'gc, Timer<'gc>>, String> {
    as_timer(value).ok_or_else(|| wrong_type(ctx, "a timer", value))
}

fn make_timer<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let label = string(ctx, args[0])?;
    Ok(new_timer(ctx.m, label))
}

fn is_timer<'gc>(_: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    bool_value(as_timer(args[0]).is_some())
}

fn timer_elapsed<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let t = timer(ctx, args[0])?;
    Ok(Value::Float(t.started.elapsed().as_secs_f64() * 1e3))
}

fn timer_lap<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let t = timer(ctx, args[0])?;
    Ok(Value::Int(lap(ctx.m, t)))
}

fn timer_label<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    Ok(Value::Str(timer(ctx, args[0])?.label))
}

fn make_guardian<'gc>(ctx: &mut Ctx<'gc, '_>, _: &[Value<'gc>]) -> R<'gc> {
    Ok(Value::Guardian(Gc::new(ctx.m, Guardian::new(ctx.m))))
}

/// Calling a guardian: `(g obj)` registers `obj`, `(g)` takes an object
/// that became unreachable (or `#f`). Called by the VM.
pub fn call_guardian<'gc>(
    m: &Mutation<'gc>,
    symbols: &Symbols,
    guardian: Gc<'gc, Guardian<'gc>>,
    args: &[Value<'gc>],
) -> R<'gc> {
    match args {
        [] => Ok(guardian.take(m).unwrap_or(Value::Bool(false))),
        [value] if guardian.register(m, *value) => Ok(Value::Unspecified),
        [value] => Err(format!(
            "guardian: cannot guard {}, which has no lifetime",
            to_string(*value, symbols, true)
        )),
        _ => Err(format!(
            "guardian: expected 0 or 1 arguments, got {}",
            args.len()
        )),
    }
}

// ---------------------------------------------------------------- output, control, host

fn display<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    print(ctx.out, args[0], ctx.symbols, false);
    Ok(Value::Unspecified)
}

fn write<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    print(ctx.out, args[0], ctx.symbols, true);
    Ok(Value::Unspecified)
}

fn newline<'gc>(ctx: &mut Ctx<'gc, '_>, _: &[Value<'gc>]) -> R<'gc> {
    ctx.out.push('\n');
    Ok(Value::Unspecified)
}

fn error<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let mut message = to_string(args[0], ctx.symbols, false);
    for &irritant in &args[1..] {
        let _ = write!(message, " {}", describe(ctx, irritant));
    }
    Err(message)
}

fn param<'gc>(ctx: &mut Ctx<'gc, '_>, args: &[Value<'gc>]) -> R<'gc> {
    let name = match args[0] {
        Value::Sym(s) => ctx.symbols.name(s).to_owned(),
        Value::Str(s) => (*s).to_owned(),
        other => return Err(wrong_type(ctx, "a symbol", other)),
    };
    Ok(match ctx.params.get(&name) {
        Some(Param::Int(n)) => Value::Int(*n),
        Some(Param::Float(x)) => Value::Float(*x),
        Some(Param::Str(s)) => Value::string(ctx.m, s.as_str()),
        None => args[1],
    })
}
