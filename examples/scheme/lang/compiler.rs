//! The compiler: syntax trees to bytecode for the stack machine in `vm`.
//!
//! Each `lambda` (and each top-level form) becomes one [`Code`]: a flat list
//! of [`Op`]s with a source position per op, the constants it uses, and the
//! `Code` of the `lambda`s nested in it. Code is plain Rust data shared with
//! `Rc`; `vm::load` turns it into managed [`Proto`](super::value::Proto)s
//! whose constants live in the heap.
//!
//! Variables are resolved here, at compile time, to one of four places:
//!
//! - a **stack slot** of the current call, if the procedure has no inner
//!   `lambda` (nothing can capture its variables, so no environment frame is
//!   allocated: the commonest calls allocate nothing);
//! - an **environment slot** `(depth, slot)`, if the procedure has an inner
//!   `lambda`: its variables live in a managed `Env` that closures capture;
//! - a **global**, by index into the VM's global vector;
//! - a REPL **history** value `$N`, kept alive by a stashed handle.
//!
//! `let`, `let*`, `letrec` and internal `define`s get fresh slots in the
//! enclosing procedure's frame: without loops or continuations, a `let` runs
//! at most once per call, so a slot per binding is enough. Named `let` and
//! `do` are loops written as procedures, as in standard Scheme.
//!
//! Special-form keywords are reserved: they cannot be rebound.

use std::collections::HashMap;
use std::rc::Rc;

use super::reader::{Datum, Pos, Syntax};
use super::value::{Symbol, Symbols};

/// One bytecode instruction. Operands index the current `Code`'s tables.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Op {
    /// Push `consts[i]`.
    Const(u32),
    /// Push a small integer.
    SmallInt(i32),
    /// Push `()`.
    Nil,
    /// Push `#t` / `#f`.
    Bool(bool),
    /// Push the unspecified value.
    Unspecified,
    /// Push stack slot `i` of the current call.
    Local(u16),
    /// Pop into stack slot `i`.
    SetLocal(u16),
    /// Push slot `.1` of the environment `.0` frames out.
    EnvGet(u16, u16),
    /// Pop into slot `.1` of the environment `.0` frames out.
    EnvSet(u16, u16),
    /// Push global `i` (error if unbound).
    Global(u32),
    /// Pop into global `i` (error if unbound: `set!` does not define).
    SetGlobal(u32),
    /// Pop into global `i`, defining it.
    DefGlobal(u32),
    /// Push REPL history value `$i` (1-based).
    History(u32),
    /// Drop the top of the stack.
    Pop,
    /// Continue at `i`.
    Jump(u32),
    /// Pop; continue at `i` if it was `#f`.
    JumpIfFalse(u32),
    /// If the top is `#f`, continue at `i` leaving it; else pop it (`and`).
    JumpIfFalseKeep(u32),
    /// If the top is true, continue at `i` leaving it; else pop it (`or`).
    JumpIfTrueKeep(u32),
    /// Push a closure of `protos[i]` over the current environment.
    Closure(u32),
    /// Call the procedure below `n` arguments.
    Call(u16),
    /// The same, replacing the current call (a proper tail call).
    TailCall(u16),
    /// Return the top of the stack to the caller.
    Return,
}

/// A constant, before it is materialised in the heap.
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    /// An exact integer too big for `SmallInt`.
    Int(i64),
    /// An inexact number.
    Float(f64),
    /// A string literal.
    Str(Rc<str>),
    /// A quoted symbol.
    Sym(Symbol),
    /// A quoted boolean.
    Bool(bool),
    /// A quoted empty list.
    Nil,
    /// A quoted list, with its dotted tail if any.
    List(Vec<Const>, Option<Box<Const>>),
    /// A quoted vector.
    Vector(Vec<Const>),
}

/// The compiled form of one `lambda` or top-level form.
#[derive(Debug, Default)]
pub struct Code {
    /// The procedure's name (from `define` or named `let`), for messages.
    pub name: Option<Rc<str>>,
    /// Where the `lambda` (or top-level form) starts.
    pub pos: Pos,
    /// Required parameters.
    pub nparams: u16,
    /// True if extra arguments are collected into a list (one more slot).
    pub rest: bool,
    /// Variable slots: parameters first, then `let`s and internal `define`s.
    pub nslots: u16,
    /// True if the variables live in a managed `Env` (the body has a
    /// `lambda` that may capture them); false if they live on the stack.
    pub has_env: bool,
    /// The instructions.
    pub ops: Vec<Op>,
    /// The source position of each instruction.
    pub op_pos: Vec<Pos>,
    /// Constants used by `Op::Const`.
    pub consts: Vec<Const>,
    /// Nested `lambda`s, used by `Op::Closure`.
    pub children: Vec<Rc<Code>>,
    /// Names of the variables read by `Local`/`EnvGet` ops, by op index
    /// (only consulted to word the "used before its definition" error).
    pub var_names: Vec<(u32, Rc<str>)>,
}

impl Code {
    /// The name of the variable read by the op at `pc`.
    pub fn var_name(&self, pc: usize) -> &str {
        self.var_names
            .iter()
            .find(|(at, _)| *at as usize == pc)
            .map_or("?", |(_, name)| name)
    }
}

/// The compile-time table of global names (the values are in the VM).
#[derive(Default)]
pub struct Globals {
    names: Vec<Rc<str>>,
    index: HashMap<Rc<str>, u32>,
}

impl Globals {
    /// The index of global `name`, creating it (unbound) if new.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        let name: Rc<str> = name.into();
        self.names.push(name.clone());
        self.index.insert(name, i);
        i
    }

    /// The name of global `i`.
    pub fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }

    /// How many globals exist.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True if no global is defined yet.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// A compile error: malformed special form.
#[derive(Clone, Debug, PartialEq)]
pub struct CompileError {
    /// Where.
    pub pos: Pos,
    /// What.
    pub message: String,
}

type Result<T> = std::result::Result<T, CompileError>;

fn error<T>(pos: Pos, message: impl Into<String>) -> Result<T> {
    Err(CompileError {
        pos,
        message: message.into(),
    })
}

/// Where a variable lives.
enum Place {
    Local(u16),
    Env(u16, u16),
    Global(u32),
    History(u32),
}

/// The procedure being compiled.
struct FnState {
    code: Code,
    /// Lexical scopes, innermost last: (name, slot).
    scopes: Vec<Vec<(Rc<str>, u16)>>,
}

/// Compiles top-level forms.
pub struct Compiler<'a> {
    symbols: &'a mut Symbols,
    globals: &'a mut Globals,
    fns: Vec<FnState>,
}

const SPECIAL_FORMS: &[&str] = &[
    "quote", "if", "define", "set!", "lambda", "begin", "let", "let*", "letrec", "letrec*", "cond",
    "and", "or", "when", "unless", "do",
];

/// A procedure needs a managed environment if anything in its body may
/// create a closure that captures its variables.
fn makes_closures(forms: &[Syntax]) -> bool {
    forms.iter().any(|form| match &form.datum {
        Datum::List(items, tail) => {
            let head = items.first().and_then(Syntax::as_sym);
            let second = items.get(1);
            match head {
                Some("quote") => false,
                Some("lambda" | "do") => true,
                Some("define") if second.is_some_and(|s| matches!(s.datum, Datum::List(..))) => {
                    true
                }
                Some("let") if second.is_some_and(|s| s.as_sym().is_some()) => true,
                _ => {
                    makes_closures(items)
                        || tail
                            .as_deref()
                            .is_some_and(|t| makes_closures(std::slice::from_ref(t)))
                }
            }
        }
        _ => false,
    })
}

impl<'a> Compiler<'a> {
    /// A compiler that interns into `symbols` and `globals`.
    pub fn new(symbols: &'a mut Symbols, globals: &'a mut Globals) -> Compiler<'a> {
        Compiler {
            symbols,
            globals,
            fns: Vec::new(),
        }
    }

    /// Compiles one top-level form into a procedure of no arguments.
    pub fn toplevel(&mut self, form: &Syntax) -> Result<Rc<Code>> {
        self.fns.push(FnState {
            code: Code {
                name: Some("top level".into()),
                pos: form.pos,
                has_env: makes_closures(std::slice::from_ref(form)),
                ..Code::default()
            },
            scopes: Vec::new(),
        });
        let result = self.expr(form, true);
        let state = self.fns.pop().expect("pushed above");
        result?;
        let mut code = state.code;
        code.ops.push(Op::Return);
        code.op_pos.push(form.pos);
        Ok(Rc::new(code))
    }

    // ------------------------------------------------------------ emitting

    fn state(&mut self) -> &mut FnState {
        self.fns.last_mut().expect("compiling inside a procedure")
    }

    fn emit(&mut self, op: Op, pos: Pos) -> usize {
        let code = &mut self.state().code;
        code.ops.push(op);
        code.op_pos.push(pos);
        code.ops.len() - 1
    }

    fn here(&mut self) -> u32 {
        self.state().code.ops.len() as u32
    }

    /// Points the jump at `at` to the current end of the code.
    fn patch(&mut self, at: usize) {
        let target = self.here();
        let op = &mut self.state().code.ops[at];
        *op = match *op {
            Op::Jump(_) => Op::Jump(target),
            Op::JumpIfFalse(_) => Op::JumpIfFalse(target),
            Op::JumpIfFalseKeep(_) => Op::JumpIfFalseKeep(target),
            Op::JumpIfTrueKeep(_) => Op::JumpIfTrueKeep(target),
            other => unreachable!("patching a non-jump {other:?}"),
        };
    }

    fn constant(&mut self, value: Const, pos: Pos) {
        let consts = &mut self.state().code.consts;
        let i = match consts.iter().position(|c| *c == value) {
            Some(i) => i,
            None => {
                consts.push(value);
                consts.len() - 1
            }
        };
        self.emit(Op::Const(i as u32), pos);
    }

    /// A fresh variable slot in the current procedure.
    fn new_slot(&mut self, pos: Pos) -> Result<u16> {
        let code = &mut self.state().code;
        if code.nslots == u16::MAX {
            return error(pos, "too many local variables in one procedure");
        }
        code.nslots += 1;
        Ok(code.nslots - 1)
    }

    /// Declares `name` in the innermost scope with a fresh slot.
    fn declare(&mut self, name: &Syntax) -> Result<u16> {
        let Some(text) = name.as_sym() else {
            return error(name.pos, "expected a variable name");
        };
        if SPECIAL_FORMS.contains(&text) {
            return error(
                name.pos,
                format!("'{text}' is a keyword and cannot be a variable"),
            );
        }
        let slot = self.new_slot(name.pos)?;
        let text: Rc<str> = text.into();
        self.state()
            .scopes
            .last_mut()
            .expect("a scope is open")
            .push((text, slot));
        Ok(slot)
    }

    // ------------------------------------------------------------ variables

    fn resolve(&mut self, name: &str) -> Place {
        let mut depth = 0u16;
        let innermost = self.fns.len() - 1;
        for (i, f) in self.fns.iter().enumerate().rev() {
            let found = f
                .scopes
                .iter()
                .rev()
                .flat_map(|s| s.iter().rev())
                .find(|(n, _)| &**n == name);
            if let Some(&(_, slot)) = found {
                return if i == innermost && !f.code.has_env {
                    Place::Local(slot)
                } else {
                    Place::Env(depth, slot)
                };
            }
            if f.code.has_env {
                depth += 1;
            }
        }
        if let Some(n) = name.strip_prefix('$').and_then(|n| n.parse::<u32>().ok()) {
            return Place::History(n);
        }
        Place::Global(self.globals.intern(name))
    }

    fn variable(&mut self, name: &str, pos: Pos) {
        let at = match self.resolve(name) {
            Place::Local(slot) => self.emit(Op::Local(slot), pos),
            Place::Env(depth, slot) => self.emit(Op::EnvGet(depth, slot), pos),
            Place::Global(i) => {
                self.emit(Op::Global(i), pos);
                return;
            }
            Place::History(n) => {
                self.emit(Op::History(n), pos);
                return;
            }
        };
        self.state().code.var_names.push((at as u32, name.into()));
    }

    /// Pops the top of the stack into `name` (`set!` semantics for globals).
    fn store(&mut self, name: &Syntax, define: bool) -> Result<()> {
        let Some(text) = name.as_sym() else {
            return error(name.pos, "expected a variable name");
        };
        if SPECIAL_FORMS.contains(&text) {
            return error(
                name.pos,
                format!("'{text}' is a keyword and cannot be a variable"),
            );
        }
        match self.resolve(text) {
            Place::Local(slot) => self.emit(Op::SetLocal(slot), name.pos),
            Place::Env(depth, slot) => self.emit(Op::EnvSet(depth, slot), name.pos),
            Place::Global(i) if define => self.emit(Op::DefGlobal(i), name.pos),
            Place::Global(i) => self.emit(Op::SetGlobal(i), name.pos),
            Place::History(_) => return error(name.pos, "REPL history values cannot be assigned"),
        };
        Ok(())
    }

    // ------------------------------------------------------------ expressions

    fn expr(&mut self, form: &Syntax, tail: bool) -> Result<()> {
        let pos = form.pos;
        match &form.datum {
            Datum::Int(n) => match i32::try_from(*n) {
                Ok(small) => {
                    self.emit(Op::SmallInt(small), pos);
                }
                Err(_) => self.constant(Const::Int(*n), pos),
            },
            Datum::Float(x) => self.constant(Const::Float(*x), pos),
            Datum::Str(s) => self.constant(Const::Str(s.clone()), pos),
            Datum::Bool(b) => {
                self.emit(Op::Bool(*b), pos);
            }
            Datum::Vector(_) => {
                let value = self.quote(form);
                self.constant(value, pos);
            }
            Datum::Sym(name) => {
                if SPECIAL_FORMS.contains(&&**name) {
                    return error(pos, format!("'{name}' is a keyword, not a value"));
                }
                self.variable(name, pos);
            }
            Datum::List(_, Some(_)) => return error(pos, "a dotted list is not an expression"),
            Datum::List(items, None) => {
                let Some(head) = items.first() else {
                    return error(pos, "empty combination (); write '() for the empty list");
                };
                match head.as_sym() {
                    Some("quote") => {
                        let [_, datum] = items.as_slice() else {
                            return error(pos, "quote takes exactly one datum");
                        };
                        match self.quote(datum) {
                            Const::Nil => {
                                self.emit(Op::Nil, pos);
                            }
                            Const::Bool(b) => {
                                self.emit(Op::Bool(b), pos);
                            }
                            value => self.constant(value, pos),
                        }
                    }
                    Some("if") => self.if_form(items, pos, tail)?,
                    Some("define") => self.define(items, pos)?,
                    Some("set!") => {
                        let [_, name, value] = items.as_slice() else {
                            return error(pos, "set! takes a variable and a value");
                        };
                        self.expr(value, false)?;
                        self.store(name, false)?;
                        self.emit(Op::Unspecified, pos);
                    }
                    Some("lambda") => {
                        let Some(params) = items.get(1) else {
                            return error(pos, "lambda needs a parameter list and a body");
                        };
                        self.lambda(params, &items[2..], None, pos)?;
                    }
                    Some("begin") => self.begin(&items[1..], pos, tail)?,
                    Some("let") => self.let_form(items, pos, tail)?,
                    Some("let*") => self.let_star(items, pos, tail)?,
                    Some("letrec" | "letrec*") => self.letrec(items, pos, tail)?,
                    Some("cond") => self.cond(&items[1..], pos, tail)?,
                    Some("and") => self.and_or(&items[1..], pos, tail, true)?,
                    Some("or") => self.and_or(&items[1..], pos, tail, false)?,
                    Some(which @ ("when" | "unless")) => {
                        let Some(test) = items.get(1) else {
                            return error(pos, format!("{which} needs a test"));
                        };
                        self.expr(test, false)?;
                        if which == "unless" {
                            // (unless t body) = (if t unspecified (begin body))
                            let skip = self.emit(Op::JumpIfFalse(0), pos);
                            self.emit(Op::Unspecified, pos);
                            let end = self.emit(Op::Jump(0), pos);
                            self.patch(skip);
                            self.sequence(&items[2..], pos, tail)?;
                            self.patch(end);
                        } else {
                            let skip = self.emit(Op::JumpIfFalse(0), pos);
                            self.sequence(&items[2..], pos, tail)?;
                            let end = self.emit(Op::Jump(0), pos);
                            self.patch(skip);
                            self.emit(Op::Unspecified, pos);
                            self.patch(end);
                        }
                    }
                    Some("do") => {
                        let desugared = desugar_do(items, pos)?;
                        self.expr(&desugared, tail)?;
                    }
                    _ => self.call(items, pos, tail)?,
                }
            }
        }
        Ok(())
    }

    fn call(&mut self, items: &[Syntax], pos: Pos, tail: bool) -> Result<()> {
        let argc = items.len() - 1;
        let Ok(argc) = u16::try_from(argc) else {
            return error(pos, "too many arguments in one call");
        };
        for item in items {
            self.expr(item, false)?;
        }
        self.emit(
            if tail {
                Op::TailCall(argc)
            } else {
                Op::Call(argc)
            },
            pos,
        );
        Ok(())
    }

    /// The constant for a quoted datum.
    fn quote(&mut self, datum: &Syntax) -> Const {
        match &datum.datum {
            Datum::Int(n) => Const::Int(*n),
            Datum::Float(x) => Const::Float(*x),
            Datum::Str(s) => Const::Str(s.clone()),
            Datum::Bool(b) => Const::Bool(*b),
            Datum::Sym(name) => Const::Sym(self.symbols.intern(name)),
            Datum::List(items, tail) if items.is_empty() && tail.is_none() => Const::Nil,
            Datum::List(items, tail) => Const::List(
                items.iter().map(|item| self.quote(item)).collect(),
                tail.as_ref().map(|t| Box::new(self.quote(t))),
            ),
            Datum::Vector(items) => {
                Const::Vector(items.iter().map(|item| self.quote(item)).collect())
            }
        }
    }

    fn if_form(&mut self, items: &[Syntax], pos: Pos, tail: bool) -> Result<()> {
        let (test, then, otherwise) = match items {
            [_, test, then] => (test, then, None),
            [_, test, then, otherwise] => (test, then, Some(otherwise)),
            _ => {
                return error(
                    pos,
                    "if takes a test, a consequent and an optional alternative",
                )
            }
        };
        self.expr(test, false)?;
        let skip = self.emit(Op::JumpIfFalse(0), pos);
        self.expr(then, tail)?;
        let end = self.emit(Op::Jump(0), pos);
        self.patch(skip);
        match otherwise {
            Some(otherwise) => self.expr(otherwise, tail)?,
            None => {
                self.emit(Op::Unspecified, pos);
            }
        }
        self.patch(end);
        Ok(())
    }

    /// `(define name value)` or `(define (name . params) body...)`.
    /// At top level it defines a global; in a body the name was already
    /// declared by `body`, so it is a store into that slot.
    fn define(&mut self, items: &[Syntax], pos: Pos) -> Result<()> {
        let (name, value_pos) = match items.get(1).map(|s| &s.datum) {
            Some(Datum::Sym(_)) => {
                match items.len() {
                    3 => self.expr_named(&items[2], items[1].as_sym())?,
                    2 => {
                        self.emit(Op::Unspecified, pos);
                    }
                    _ => return error(pos, "define takes a name and one value"),
                }
                (&items[1], pos)
            }
            Some(Datum::List(signature, rest)) if !signature.is_empty() => {
                let name = &signature[0];
                let params = Syntax {
                    datum: Datum::List(signature[1..].to_vec(), rest.clone()),
                    pos: items[1].pos,
                };
                self.lambda(&params, &items[2..], name.as_sym().map(Rc::from), pos)?;
                (name, pos)
            }
            _ => return error(pos, "define needs a name or (name params...)"),
        };
        let at_top = self.fns.len() == 1 && self.state().scopes.is_empty();
        if !at_top {
            // `body` declared the names of its own defines in its scope; a
            // define anywhere else (inside an `if`, say) was not declared.
            let declared = self
                .state()
                .scopes
                .last()
                .is_some_and(|scope| scope.iter().any(|(n, _)| Some(&**n) == name.as_sym()));
            if !declared {
                return error(
                    pos,
                    "define is only allowed at top level or at the start of a body",
                );
            }
        }
        self.store(name, at_top)?;
        self.emit(Op::Unspecified, value_pos);
        Ok(())
    }

    /// Compiles `value`, naming it `name` if it is a `lambda`.
    fn expr_named(&mut self, value: &Syntax, name: Option<&str>) -> Result<()> {
        if let Some(items) = value.as_list() {
            if items.first().and_then(Syntax::as_sym) == Some("lambda") && items.len() >= 2 {
                return self.lambda(&items[1], &items[2..], name.map(Rc::from), value.pos);
            }
        }
        self.expr(value, false)
    }

    fn lambda(
        &mut self,
        params: &Syntax,
        body: &[Syntax],
        name: Option<Rc<str>>,
        pos: Pos,
    ) -> Result<()> {
        let (required, rest): (&[Syntax], Option<&Syntax>) = match &params.datum {
            Datum::List(items, tail) => (items, tail.as_deref()),
            Datum::Sym(_) => (&[], Some(params)),
            _ => return error(params.pos, "expected a parameter list"),
        };
        let Ok(nparams) = u16::try_from(required.len()) else {
            return error(params.pos, "too many parameters");
        };
        self.fns.push(FnState {
            code: Code {
                name,
                pos,
                nparams,
                rest: rest.is_some(),
                has_env: makes_closures(body),
                ..Code::default()
            },
            scopes: vec![Vec::new()],
        });
        let result = (|| {
            for param in required.iter().chain(rest) {
                let text = param.as_sym().unwrap_or("");
                if self.state().scopes[0].iter().any(|(n, _)| &**n == text) {
                    return error(param.pos, format!("duplicate parameter '{text}'"));
                }
                self.declare(param)?;
            }
            self.body(body, pos, true)?;
            self.emit(Op::Return, pos);
            Ok(())
        })();
        let state = self.fns.pop().expect("pushed above");
        result?;
        let children = &mut self.state().code.children;
        children.push(Rc::new(state.code));
        let index = children.len() as u32 - 1;
        self.emit(Op::Closure(index), pos);
        Ok(())
    }

    /// A body: internal `define`s (declared first, so they may refer to
    /// each other) and expressions; the last expression's value is the result.
    fn body(&mut self, forms: &[Syntax], pos: Pos, tail: bool) -> Result<()> {
        self.state().scopes.push(Vec::new());
        let result = (|| {
            for form in forms {
                if let Some(items) = form.as_list() {
                    if items.first().and_then(Syntax::as_sym) == Some("define") {
                        let name = match items.get(1).map(|s| &s.datum) {
                            Some(Datum::List(signature, _)) if !signature.is_empty() => {
                                &signature[0]
                            }
                            Some(_) => &items[1],
                            None => return error(form.pos, "define needs a name"),
                        };
                        self.declare(name)?;
                    }
                }
            }
            self.sequence(forms, pos, tail)
        })();
        self.state().scopes.pop();
        result
    }

    /// Expressions in order; all values but the last are dropped.
    fn sequence(&mut self, forms: &[Syntax], pos: Pos, tail: bool) -> Result<()> {
        let Some((last, init)) = forms.split_last() else {
            return error(pos, "expected at least one expression");
        };
        for form in init {
            self.expr(form, false)?;
            self.emit(Op::Pop, form.pos);
        }
        self.expr(last, tail)
    }

    /// `begin` at top level splices definitions into the top level.
    fn begin(&mut self, forms: &[Syntax], pos: Pos, tail: bool) -> Result<()> {
        if forms.is_empty() {
            self.emit(Op::Unspecified, pos);
            return Ok(());
        }
        self.sequence(forms, pos, tail)
    }

    /// Parses `((name init) ...)`.
    fn bindings<'s>(&self, list: &'s Syntax) -> Result<Vec<(&'s Syntax, &'s Syntax)>> {
        let Some(items) = list.as_list() else {
            return error(list.pos, "expected a list of bindings");
        };
        items
            .iter()
            .map(|binding| match binding.as_list() {
                Some([name, init]) if name.as_sym().is_some() => Ok((name, init)),
                _ => error(binding.pos, "expected a binding (name value)"),
            })
            .collect()
    }

    fn let_form(&mut self, items: &[Syntax], pos: Pos, tail: bool) -> Result<()> {
        if let Some(name) = items.get(1).filter(|s| s.as_sym().is_some()) {
            return self.named_let(name, items, pos, tail);
        }
        let Some(list) = items.get(1) else {
            return error(pos, "let needs bindings and a body");
        };
        let bindings = self.bindings(list)?;
        // Inits are evaluated outside the new scope, then stored.
        for (_, init) in &bindings {
            self.expr_named(init, None)?;
        }
        self.state().scopes.push(Vec::new());
        let result = (|| {
            let mut names: Vec<&Syntax> = Vec::new();
            for (name, _) in &bindings {
                if names.iter().any(|n| n.as_sym() == name.as_sym()) {
                    return error(name.pos, "duplicate name in let");
                }
                names.push(name);
                self.declare(name)?;
            }
            for name in names.iter().rev() {
                self.store(name, false)?;
            }
            self.body(&items[2..], pos, tail)
        })();
        self.state().scopes.pop();
        result
    }

    fn let_star(&mut self, items: &[Syntax], pos: Pos, tail: bool) -> Result<()> {
        let Some(list) = items.get(1) else {
            return error(pos, "let* needs bindings and a body");
        };
        let bindings = self.bindings(list)?;
        // One scope: each name is declared after its init is compiled, and
        // lookups search newest first, so later inits see earlier names and a
        // repeated name shadows the earlier one.
        self.state().scopes.push(Vec::new());
        let result = (|| {
            for (name, init) in &bindings {
                self.expr_named(init, name.as_sym())?;
                self.declare(name)?;
                self.store(name, false)?;
            }
            self.body(&items[2..], pos, tail)
        })();
        self.state().scopes.pop();
        result
    }

    fn letrec(&mut self, items: &[Syntax], pos: Pos, tail: bool) -> Result<()> {
        let Some(list) = items.get(1) else {
            return error(pos, "letrec needs bindings and a body");
        };
        let bindings = self.bindings(list)?;
        self.state().scopes.push(Vec::new());
        let result = (|| {
            for (name, _) in &bindings {
                self.declare(name)?;
            }
            for (name, init) in &bindings {
                self.expr_named(init, name.as_sym())?;
                self.store(name, false)?;
            }
            self.body(&items[2..], pos, tail)
        })();
        self.state().scopes.pop();
        result
    }

    /// `(let loop ((v init) ...) body)`: binds `loop` to a procedure in a
    /// scope of its own, then calls it with the inits.
    fn named_let(&mut self, name: &Syntax, items: &[Syntax], pos: Pos, tail: bool) -> Result<()> {
        let Some(list) = items.get(2) else {
            return error(pos, "named let needs bindings and a body");
        };
        let bindings = self.bindings(list)?;
        let params = Syntax {
            datum: Datum::List(bindings.iter().map(|(n, _)| (*n).clone()).collect(), None),
            pos: list.pos,
        };
        self.state().scopes.push(Vec::new());
        let result = (|| {
            self.declare(name)?;
            self.lambda(&params, &items[3..], name.as_sym().map(Rc::from), pos)?;
            self.store(name, false)?;
            self.variable(name.as_sym().expect("checked by the caller"), name.pos);
            Ok(())
        })();
        self.state().scopes.pop();
        result?;
        // The inits are evaluated outside the loop's scope.
        for (_, init) in &bindings {
            self.expr(init, false)?;
        }
        let argc = bindings.len() as u16;
        self.emit(
            if tail {
                Op::TailCall(argc)
            } else {
                Op::Call(argc)
            },
            pos,
        );
        Ok(())
    }

    fn cond(&mut self, clauses: &[Syntax], pos: Pos, tail: bool) -> Result<()> {
        let mut ends = Vec::new();
        let mut has_else = false;
        for (i, clause) in clauses.iter().enumerate() {
            let Some(items) = clause.as_list().filter(|items| !items.is_empty()) else {
                return error(clause.pos, "expected a cond clause (test body...)");
            };
            if items[0].as_sym() == Some("else") {
                if i != clauses.len() - 1 {
                    return error(clause.pos, "else must be the last cond clause");
                }
                self.sequence(&items[1..], clause.pos, tail)?;
                has_else = true;
                break;
            }
            self.expr(&items[0], false)?;
            if items.len() == 1 {
                // (test): the value of the test itself.
                ends.push(self.emit(Op::JumpIfTrueKeep(0), clause.pos));
                continue;
            }
            let next = self.emit(Op::JumpIfFalse(0), clause.pos);
            self.sequence(&items[1..], clause.pos, tail)?;
            ends.push(self.emit(Op::Jump(0), clause.pos));
            self.patch(next);
        }
        if !has_else {
            self.emit(Op::Unspecified, pos);
        }
        for end in ends {
            self.patch(end);
        }
        Ok(())
    }

    fn and_or(&mut self, forms: &[Syntax], pos: Pos, tail: bool, is_and: bool) -> Result<()> {
        let Some((last, init)) = forms.split_last() else {
            self.emit(Op::Bool(is_and), pos);
            return Ok(());
        };
        let mut ends = Vec::new();
        for form in init {
            self.expr(form, false)?;
            let op = if is_and {
                Op::JumpIfFalseKeep(0)
            } else {
                Op::JumpIfTrueKeep(0)
            };
            ends.push(self.emit(op, form.pos));
        }
        self.expr(last, tail)?;
        for end in ends {
            self.patch(end);
        }
        Ok(())
    }
}

/// `(do ((var init step)...) (test result...) body...)` as a named `let`:
/// `(let <loop> ((var init)...) (if test (begin #f result...) (begin body... (<loop> step...))))`.
fn desugar_do(items: &[Syntax], pos: Pos) -> Result<Syntax> {
    let sym = |name: &str| Syntax {
        datum: Datum::Sym(name.into()),
        pos,
    };
    let list = |items: Vec<Syntax>| Syntax {
        datum: Datum::List(items, None),
        pos,
    };
    let (Some(specs), Some(exit)) = (
        items.get(1).and_then(Syntax::as_list),
        items.get(2).and_then(Syntax::as_list),
    ) else {
        return error(pos, "do needs ((var init step)...) and (test result...)");
    };
    let Some((test, results)) = exit.split_first() else {
        return error(items[2].pos, "do needs an exit test");
    };
    let mut bindings = Vec::new();
    let mut steps = vec![sym(" do-loop")];
    for spec in specs {
        match spec.as_list() {
            Some([var, init]) => {
                bindings.push(list(vec![var.clone(), init.clone()]));
                steps.push(var.clone());
            }
            Some([var, init, step]) => {
                bindings.push(list(vec![var.clone(), init.clone()]));
                steps.push(step.clone());
            }
            _ => return error(spec.pos, "expected (var init step)"),
        }
    }
    let mut done = vec![sym("begin")];
    if results.is_empty() {
        // (if #f #f) is the unspecified value.
        let false_ = Syntax {
            datum: Datum::Bool(false),
            pos,
        };
        done.push(list(vec![sym("if"), false_.clone(), false_]));
    } else {
        done.extend(results.iter().cloned());
    }
    let mut again = vec![sym("begin")];
    again.extend(items[3..].iter().cloned());
    again.push(list(steps));
    Ok(list(vec![
        sym("let"),
        sym(" do-loop"),
        list(bindings),
        list(vec![sym("if"), test.clone(), list(done), list(again)]),
    ]))
}
