//! The virtual machine: an explicit-stack bytecode interpreter that can stop
//! at any instruction boundary.
//!
//! All of the machine's state that points into the heap is in [`Vm`], the
//! heap's root: the value stack, the call frames (each with its closure and
//! environment), and the globals. Nothing that holds a `Gc` is kept on the
//! Rust stack between instructions, and a Scheme call pushes a [`Frame`]
//! instead of recursing in Rust. So [`Vm::run`] can return after any
//! instruction, which is what lets the host end the `mutate` call and reach a
//! safe point in the middle of a deep computation:
//!
//! ```text
//! loop {
//!     status = heap.mutate_root(|m, vm| vm.run(m, host, BUDGET));  // a slice
//!     match status {
//!         Yield => heap.collect_debt(),       // the safe point
//!         Host(request) => ...,               // collect / gc-stats, then resume
//!         Done | Error(_) => break,
//!     }
//! }
//! ```
//!
//! A slice ends when its instruction budget is spent or when the collector
//! asks for its debt (`Mutation::debt_due`), whichever comes first.
//!
//! Recursion depth is bounded by `max_frames`: a program that recurses too
//! deeply gets a "stack overflow" error at the call that went too deep, and
//! the VM is reset (stack and frames cleared), so nothing it held stays alive.

use std::rc::Rc;

use tenure::{Gc, Lock, Mutation, Rootable, Stashed, Stats, Trace};

use super::builtins::{call_guardian, list_items, BuiltinDef, Ctx, Imp, Params, BUILTINS};
use super::compiler::{Code, Compiler, Const, Globals, Op};
use super::printer::to_string;
use super::reader::{Pos, Syntax};
use super::value::{
    new_closure, Builtin, Closure, Env, EnvHead, Proto, ProtoHead, Symbol, Symbols, Value,
};
use super::{Error, ErrorKind};

/// A value kept alive across `mutate` calls by the host: the REPL's `$N`
/// history and the results of `Interp::eval`. `Stashed` needs a `Gc`, and a
/// `Value` may be an immediate, so every kept value is boxed.
#[derive(Trace)]
pub struct Boxed<'gc> {
    /// The kept value.
    pub value: Value<'gc>,
}

/// A host handle to a value: `'static`, usable in any later `mutate` call.
pub type Handle = Stashed<Rootable!['gc => Boxed<'gc>]>;

/// What the host lends the VM for one slice.
pub struct Host<'a> {
    /// REPL history (`$1` is `history[0]`).
    pub history: &'a [Handle],
    /// Parameters for `(param 'name default)`.
    pub params: &'a Params,
}

/// One procedure call in progress.
#[derive(Trace)]
pub struct Frame<'gc> {
    /// The procedure being run.
    pub closure: Gc<'gc, Closure<'gc>>,
    /// Its own environment frame, if its code has one (the frames it
    /// closed over are the closure's tail).
    pub env: Option<Gc<'gc, Env<'gc>>>,
    /// The next instruction.
    pub pc: usize,
    /// Stack index of its first variable slot (the closure sits just below).
    pub base: usize,
}

/// A builtin call waiting for the host.
#[derive(Copy, Clone, Debug)]
struct Pending {
    /// Stack index of the builtin being called.
    callee: usize,
    /// Whether the call was in tail position.
    tail: bool,
}

/// Work only the host can do, at a safe point.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum HostRequest {
    /// Run a collection (`(collect)` or `(collect 'minor)`).
    Collect {
        /// Minor only, rather than full.
        minor: bool,
    },
    /// Read the heap's counters (`(gc-stats)` or `(gc-stats 'key)`).
    Stats {
        /// The one counter asked for, if any.
        key: Option<Symbol>,
    },
}

/// How a slice ended.
#[derive(Debug)]
pub enum Status {
    /// Budget spent or GC debt due: collect and call `run` again.
    Yield,
    /// The computation finished; its value is on the stack (`take_result`).
    Done,
    /// A builtin needs the host; call `resume` with the answer.
    Host(HostRequest),
    /// The program failed; the VM has been reset.
    Error(Error),
}

/// The default limit on nested (non-tail) calls.
pub const MAX_FRAMES: usize = 10_000;

/// The interpreter state: the heap's root.
#[derive(Trace)]
pub struct Vm<'gc> {
    /// Operands and the variables of stack-allocated frames.
    stack: Vec<Value<'gc>>,
    /// Calls in progress, innermost last.
    frames: Vec<Frame<'gc>>,
    /// Global values by index (`Value::Undefined` when unbound).
    globals: Vec<Value<'gc>>,
    /// Interned symbols (plain data).
    #[trace(skip)]
    pub symbols: Symbols,
    /// Global names, for the compiler (plain data).
    #[trace(skip)]
    pub global_names: Globals,
    /// Output written since the host last drained it.
    #[trace(skip)]
    pub out: String,
    /// The builtin call suspended on a host request.
    #[trace(skip)]
    pending: Option<Pending>,
    /// The limit on nested calls.
    #[trace(skip)]
    pub max_frames: usize,
    /// Instructions run since the host last reset the count.
    #[trace(skip)]
    pub steps: u64,
    /// The source file code is being loaded from, for allocation sites
    /// (`file:line name`, see `Proto::site`).
    #[trace(skip)]
    pub source_name: Rc<str>,
    /// True when the heap's site stack follows the call stack (`--pprof`):
    /// each call enters its procedure's site, each return leaves it.
    #[trace(skip)]
    pub profile_sites: bool,
}

impl<'gc> Vm<'gc> {
    /// A VM with every builtin bound.
    pub fn new(_m: &'gc Mutation<'gc>) -> Vm<'gc> {
        let mut vm = Vm {
            stack: Vec::new(),
            frames: Vec::new(),
            globals: Vec::new(),
            symbols: Symbols::default(),
            global_names: Globals::default(),
            out: String::new(),
            pending: None,
            max_frames: MAX_FRAMES,
            steps: 0,
            source_name: "prelude.scm".into(),
            profile_sites: false,
        };
        for (i, def) in BUILTINS.iter().enumerate() {
            let index = vm.global_names.intern(def.name);
            vm.ensure_globals();
            vm.globals[index as usize] = Value::Builtin(Builtin(i as u16));
        }
        vm
    }

    fn ensure_globals(&mut self) {
        self.globals
            .resize(self.global_names.len(), Value::Undefined);
    }

    /// True when no computation is in progress.
    pub fn is_idle(&self) -> bool {
        self.frames.is_empty() && self.stack.is_empty() && self.pending.is_none()
    }

    /// Stack slots and frames in use (for tests that check errors clean up).
    pub fn depth(&self) -> (usize, usize) {
        (self.stack.len(), self.frames.len())
    }

    /// The value of global `name`, if bound.
    pub fn global(&self, name: &str) -> Option<Value<'gc>> {
        let (i, _) = (0..self.global_names.len() as u32)
            .map(|i| (i, self.global_names.name(i)))
            .find(|(_, n)| *n == name)?;
        match self.globals.get(i as usize) {
            Some(Value::Undefined) | None => None,
            Some(&value) => Some(value),
        }
    }

    /// Binds global `name` to `value`.
    pub fn define(&mut self, name: &str, value: Value<'gc>) {
        let index = self.global_names.intern(name) as usize;
        self.ensure_globals();
        self.globals[index] = value;
    }

    // ------------------------------------------------------------ loading

    /// Compiles top-level forms. The result holds no `Gc`, so the host can
    /// keep it across `mutate` calls and `start` each form in turn.
    pub fn compile(&mut self, forms: &[Syntax]) -> Result<Vec<Rc<Code>>, Error> {
        let mut compiler = Compiler::new(&mut self.symbols, &mut self.global_names);
        let codes = forms
            .iter()
            .map(|form| compiler.toplevel(form))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::new(ErrorKind::Compile, e.pos, e.message))?;
        self.ensure_globals();
        Ok(codes)
    }

    /// Starts running a compiled top-level form.
    ///
    /// # Requires
    /// The VM is idle.
    pub fn start(&mut self, m: &'gc Mutation<'gc>, code: &Rc<Code>) {
        assert!(
            self.is_idle(),
            "start: a computation is already in progress"
        );
        if self.profile_sites {
            m.truncate_sites(0);
        }
        let proto = materialize(m, code, &self.source_name, "top-level");
        let closure = new_closure(m, proto, std::iter::empty());
        self.stack.push(Value::Closure(closure));
        let no_host = Host {
            history: &[],
            params: &Params::new(),
        };
        // Calling a fresh closure of no parameters cannot fail or suspend.
        let started = self.call(m, &no_host, 0, false);
        debug_assert!(matches!(started, Ok(None)));
    }

    /// Starts a call of `f` with `args` from the host.
    ///
    /// # Requires
    /// The VM is idle.
    pub fn start_call(
        &mut self,
        m: &'gc Mutation<'gc>,
        host: &Host<'_>,
        f: Value<'gc>,
        args: &[Value<'gc>],
    ) -> Status {
        assert!(
            self.is_idle(),
            "start_call: a computation is already in progress"
        );
        if self.profile_sites {
            m.truncate_sites(0);
        }
        self.stack.push(f);
        self.stack.extend_from_slice(args);
        match self.call(m, host, args.len(), false) {
            Ok(None) => Status::Yield,
            Ok(Some(status)) => status,
            Err(message) => Status::Error(self.fail(message)),
        }
    }

    /// The finished computation's value (after `Status::Done`).
    pub fn take_result(&mut self) -> Value<'gc> {
        debug_assert!(self.frames.is_empty() && self.stack.len() == 1);
        let value = self.stack.pop().unwrap_or(Value::Unspecified);
        self.stack.clear();
        self.release_memory();
        value
    }

    // ------------------------------------------------------------ running

    /// Runs at most `budget` instructions, stopping early when the collector
    /// wants its debt paid. Never holds a `Gc` across its return.
    pub fn run(&mut self, m: &'gc Mutation<'gc>, host: &Host<'_>, budget: usize) -> Status {
        let mut steps = 0;
        let result = self.exec(m, host, budget, &mut steps);
        self.steps += steps as u64;
        match result {
            Ok(status) => status,
            Err(message) => Status::Error(self.fail(message)),
        }
    }

    /// Finishes the builtin call that asked for the host, with `answer`
    /// (computed from what the host learned).
    pub fn resume(
        &mut self,
        m: &'gc Mutation<'gc>,
        answer: impl FnOnce(&'gc Mutation<'gc>, &mut Symbols) -> Result<Value<'gc>, String>,
    ) -> Option<Error> {
        let pending = self.pending.take().expect("resume without a host request");
        match answer(m, &mut self.symbols) {
            Ok(value) => {
                self.finish_call(m, pending.callee, value, pending.tail);
                None
            }
            Err(message) => Some(self.fail(message)),
        }
    }

    /// Stops the computation in progress with an error at the current
    /// instruction (the host's limits use it), and resets the VM.
    pub fn abort(&mut self, message: String) -> Error {
        self.pending = None;
        self.fail(message)
    }

    /// Abandons the computation in progress (stack, frames, host request),
    /// so nothing it referenced stays reachable.
    pub fn reset(&mut self) {
        self.stack.clear();
        self.frames.clear();
        self.pending = None;
        self.release_memory();
    }

    /// Gives back the stacks' memory after a deep computation: the buffers
    /// are owned by the root, so their capacity would count as live heap
    /// (through `Vec`'s `Trace` impl) for as long as the VM lives.
    fn release_memory(&mut self) {
        /// Slots kept: enough for ordinary programs not to regrow.
        const KEEP: usize = 1024;
        if self.stack.capacity() > 4 * KEEP {
            self.stack.shrink_to(KEEP);
        }
        if self.frames.capacity() > KEEP {
            self.frames.shrink_to(KEEP / 4);
        }
    }

    /// Turns a runtime error message into an `Error` with the position of
    /// the instruction that failed and a backtrace, and resets the VM.
    fn fail(&mut self, message: String) -> Error {
        let mut trace = Vec::new();
        for frame in self.frames.iter().rev() {
            let code = &frame.closure.head.proto.head.code;
            let pos = code.op_pos[frame.pc.saturating_sub(1)];
            let name = code.name.as_deref().unwrap_or("lambda").to_owned();
            trace.push((name, pos));
        }
        let pos = trace.first().map_or(Pos::default(), |(_, pos)| *pos);
        self.reset();
        let mut error = Error::new(ErrorKind::Runtime, pos, message);
        error.trace = trace;
        error
    }

    fn push(&mut self, value: Value<'gc>) {
        self.stack.push(value);
    }

    fn pop(&mut self) -> Value<'gc> {
        self.stack.pop().expect("the compiler balances the stack")
    }

    fn jump(&mut self, target: u32) {
        self.frames.last_mut().expect("running a frame").pc = target as usize;
    }

    fn exec(
        &mut self,
        m: &'gc Mutation<'gc>,
        host: &Host<'_>,
        budget: usize,
        steps: &mut usize,
    ) -> Result<Status, String> {
        loop {
            let Some(frame) = self.frames.last_mut() else {
                return Ok(Status::Done);
            };
            if *steps >= budget || m.debt_due() {
                return Ok(Status::Yield);
            }
            *steps += 1;
            let (closure, env, base, pc) = (frame.closure, frame.env, frame.base, frame.pc);
            frame.pc += 1;
            let proto: &'gc Proto<'gc> = closure.as_ref_gc().head.proto.as_ref_gc();
            let code: &'gc Code = &proto.head.code;
            match code.ops[pc] {
                Op::Const(i) => self.push(proto.tail[i as usize]),
                Op::SmallInt(n) => self.push(Value::Int(n.into())),
                Op::Nil => self.push(Value::Nil),
                Op::Bool(b) => self.push(Value::Bool(b)),
                Op::Unspecified => self.push(Value::Unspecified),
                Op::Local(slot) => {
                    let value = self.stack[base + slot as usize];
                    if let Value::Undefined = value {
                        return Err(used_before_definition(code, pc));
                    }
                    self.push(value);
                }
                Op::SetLocal(slot) => {
                    let value = self.pop();
                    self.stack[base + slot as usize] = value;
                }
                Op::EnvGet(depth, slot) => {
                    let value = frame_at(closure, env, depth).tail[slot as usize].get();
                    if let Value::Undefined = value {
                        return Err(used_before_definition(code, pc));
                    }
                    self.push(value);
                }
                Op::EnvSet(depth, slot) => {
                    let value = self.pop();
                    let env = frame_at(closure, env, depth);
                    // The store goes through the write barrier: the Env may be old.
                    Gc::write(m, env).tail().set(slot as usize, value);
                }
                Op::Global(i) => match self.globals[i as usize] {
                    Value::Undefined => {
                        return Err(format!("unbound variable: {}", self.global_names.name(i)))
                    }
                    value => self.push(value),
                },
                Op::SetGlobal(i) => {
                    if let Value::Undefined = self.globals[i as usize] {
                        return Err(format!(
                            "set!: unbound variable: {}",
                            self.global_names.name(i)
                        ));
                    }
                    // The globals are in the root: no barrier needed.
                    self.globals[i as usize] = self.pop();
                }
                Op::DefGlobal(i) => self.globals[i as usize] = self.pop(),
                Op::History(n) => {
                    let handle = (n as usize)
                        .checked_sub(1)
                        .and_then(|i| host.history.get(i))
                        .ok_or_else(|| format!("no REPL value ${n}"))?;
                    let boxed = m.fetch(handle);
                    self.push(boxed.value);
                }
                Op::Pop => {
                    self.pop();
                }
                Op::Jump(target) => self.jump(target),
                Op::JumpIfFalse(target) => {
                    if !self.pop().is_true() {
                        self.jump(target);
                    }
                }
                Op::JumpIfFalseKeep(target) => {
                    if self.stack.last().is_some_and(|v| !v.is_true()) {
                        self.jump(target);
                    } else {
                        self.pop();
                    }
                }
                Op::JumpIfTrueKeep(target) => {
                    if self.stack.last().is_some_and(|v| v.is_true()) {
                        self.jump(target);
                    } else {
                        self.pop();
                    }
                }
                Op::Closure(i) => {
                    // The new closure sees this call's frame (if any) and
                    // every frame the running closure sees.
                    let seen = closure.as_ref_gc().tail.iter().copied();
                    let child = proto.head.protos[i as usize];
                    let closure = match env {
                        Some(own) => {
                            let len = seen.len() + 1;
                            new_closure(m, child, Exact::new(std::iter::once(own).chain(seen), len))
                        }
                        None => new_closure(m, child, seen),
                    };
                    self.push(Value::Closure(closure));
                }
                Op::Call(argc) => {
                    if let Some(status) = self.call(m, host, argc as usize, false)? {
                        return Ok(status);
                    }
                }
                Op::TailCall(argc) => {
                    if let Some(status) = self.call(m, host, argc as usize, true)? {
                        return Ok(status);
                    }
                }
                Op::Return => {
                    let value = self.pop();
                    let frame = self.frames.pop().expect("returning from a frame");
                    if self.profile_sites {
                        m.pop_site();
                    }
                    self.stack.truncate(frame.base - 1);
                    self.push(value);
                }
            }
        }
    }

    /// Calls the procedure below the top `argc` values. A closure gets a new
    /// frame (replacing the current one for a tail call); a builtin runs at
    /// once, or suspends the VM with a host request.
    fn call(
        &mut self,
        m: &'gc Mutation<'gc>,
        host: &Host<'_>,
        argc: usize,
        tail: bool,
    ) -> Result<Option<Status>, String> {
        let mut argc = argc;
        loop {
            let callee = self.stack.len() - argc - 1;
            match self.stack[callee] {
                Value::Closure(closure) => {
                    self.enter(m, closure, callee, argc, tail)?;
                    return Ok(None);
                }
                Value::Builtin(b) => {
                    let def: &'static BuiltinDef = &BUILTINS[b.0 as usize];
                    check_arity(def, argc)?;
                    match def.imp {
                        Imp::Plain(f) => {
                            let mut ctx = Ctx {
                                m,
                                symbols: &mut self.symbols,
                                out: &mut self.out,
                                params: host.params,
                            };
                            let value = f(&mut ctx, &self.stack[callee + 1..])
                                .map_err(|e| format!("{}: {e}", def.name))?;
                            self.finish_call(m, callee, value, tail);
                            return Ok(None);
                        }
                        Imp::Apply => {
                            let list = self.pop();
                            let spread = list_items(list).map_err(|e| format!("apply: {e}"))?;
                            // Drop `apply` itself: the procedure becomes the callee.
                            self.stack.remove(callee);
                            argc = argc - 2 + spread.len();
                            self.stack.extend(spread);
                        }
                        Imp::Collect => {
                            let minor = match self.stack.get(callee + 1) {
                                None => false,
                                Some(&Value::Sym(s)) if self.symbols.name(s) == "minor" => true,
                                Some(&Value::Sym(s)) if self.symbols.name(s) == "full" => false,
                                Some(&other) => {
                                    return Err(format!(
                                        "collect: expected 'minor or 'full, got {}",
                                        to_string(other, &self.symbols, true)
                                    ))
                                }
                            };
                            self.pending = Some(Pending { callee, tail });
                            return Ok(Some(Status::Host(HostRequest::Collect { minor })));
                        }
                        Imp::GcStats => {
                            let key = match self.stack.get(callee + 1) {
                                None => None,
                                Some(&Value::Sym(s)) => Some(s),
                                Some(&other) => {
                                    return Err(format!(
                                        "gc-stats: expected a symbol, got {}",
                                        to_string(other, &self.symbols, true)
                                    ))
                                }
                            };
                            self.pending = Some(Pending { callee, tail });
                            return Ok(Some(Status::Host(HostRequest::Stats { key })));
                        }
                    }
                }
                Value::Guardian(guardian) => {
                    let value =
                        call_guardian(m, &self.symbols, guardian, &self.stack[callee + 1..])?;
                    self.finish_call(m, callee, value, tail);
                    return Ok(None);
                }
                other => {
                    return Err(format!(
                        "not a procedure: {}",
                        to_string(other, &self.symbols, true)
                    ))
                }
            }
        }
    }

    /// Pushes a frame for `closure`, whose `argc` arguments sit above it.
    fn enter(
        &mut self,
        m: &'gc Mutation<'gc>,
        closure: Gc<'gc, Closure<'gc>>,
        callee: usize,
        argc: usize,
        tail: bool,
    ) -> Result<(), String> {
        let code: &'gc Code = &closure.as_ref_gc().head.proto.as_ref_gc().head.code;
        let nparams = code.nparams as usize;
        if code.rest {
            if argc < nparams {
                return Err(arity_error(code, argc));
            }
            let rest = Value::list(m, self.stack.drain(callee + 1 + nparams..));
            self.stack.push(rest);
        } else if argc != nparams {
            return Err(arity_error(code, argc));
        }
        let nargs = nparams + usize::from(code.rest);
        let mut callee = callee;
        if tail {
            // Reuse the caller's place: a loop written as a tail call runs in
            // constant stack, however many times it goes round.
            let frame = self.frames.pop().expect("a tail call is inside a frame");
            if self.profile_sites {
                m.pop_site();
            }
            let dst = frame.base - 1;
            self.stack.copy_within(callee..callee + 1 + nargs, dst);
            self.stack.truncate(dst + 1 + nargs);
            callee = dst;
        }
        if self.frames.len() >= self.max_frames {
            return Err(format!(
                "stack overflow: more than {} nested calls (unbounded recursion?)",
                self.max_frames
            ));
        }
        let base = callee + 1;
        let env = if code.has_env {
            let args = self.stack.drain(base..);
            let undefined = code.nslots as usize - args.len();
            let slots = args
                .chain(std::iter::repeat_n(Value::Undefined, undefined))
                .map(Lock::new);
            Some(Gc::new_with_tail(
                m,
                EnvHead,
                Exact::new(slots, code.nslots as usize),
            ))
        } else {
            self.stack
                .resize(base + code.nslots as usize, Value::Undefined);
            None
        };
        if self.profile_sites {
            m.push_site(closure.head.proto.head.site);
        }
        self.frames.push(Frame {
            closure,
            env,
            pc: 0,
            base,
        });
        Ok(())
    }

    /// Replaces a builtin call (callee and arguments) with its value, and
    /// returns from the current frame if the call was in tail position.
    fn finish_call(&mut self, m: &Mutation<'gc>, callee: usize, value: Value<'gc>, tail: bool) {
        self.stack.truncate(callee);
        if tail {
            if let Some(frame) = self.frames.pop() {
                if self.profile_sites {
                    m.pop_site();
                }
                self.stack.truncate(frame.base - 1);
            }
        }
        self.push(value);
    }
}

/// The environment frame `depth` levels out from the running code: its own
/// frame `env` (if it has one) is level 0, then the frames its closure
/// closed over.
#[inline]
fn frame_at<'gc>(
    closure: Gc<'gc, Closure<'gc>>,
    env: Option<Gc<'gc, Env<'gc>>>,
    depth: u16,
) -> Gc<'gc, Env<'gc>> {
    let depth = depth as usize;
    match env {
        Some(own) if depth == 0 => own,
        Some(_) => closure.as_ref_gc().tail[depth - 1],
        None => closure.as_ref_gc().tail[depth],
    }
}

/// An iterator that yields exactly `len` items and says so (`Chain` cannot
/// promise an exact length, which `Gc::new_with_tail` needs).
struct Exact<I> {
    iter: I,
    len: usize,
}

impl<I: Iterator> Exact<I> {
    /// `iter`, which must yield exactly `len` items.
    fn new(iter: I, len: usize) -> Exact<I> {
        Exact { iter, len }
    }
}

impl<I: Iterator> Iterator for Exact<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let item = self.iter.next()?;
        self.len = self.len.saturating_sub(1);
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len, Some(self.len))
    }
}

impl<I: Iterator> ExactSizeIterator for Exact<I> {}

fn check_arity(def: &BuiltinDef, argc: usize) -> Result<(), String> {
    if argc >= def.min && argc <= def.max {
        return Ok(());
    }
    let expected = if def.min == def.max {
        format!(
            "{} argument{}",
            def.min,
            if def.min == 1 { "" } else { "s" }
        )
    } else if def.max == usize::MAX {
        format!(
            "at least {} argument{}",
            def.min,
            if def.min == 1 { "" } else { "s" }
        )
    } else {
        format!("{} to {} arguments", def.min, def.max)
    };
    Err(format!("{}: expected {expected}, got {argc}", def.name))
}

fn arity_error(code: &Code, argc: usize) -> String {
    let name = code.name.as_deref().unwrap_or("lambda");
    let n = code.nparams;
    let expected = match (code.rest, n) {
        (true, _) => format!("at least {n} argument{}", if n == 1 { "" } else { "s" }),
        (false, 1) => "1 argument".to_owned(),
        (false, _) => format!("{n} arguments"),
    };
    format!("{name}: expected {expected}, got {argc}")
}

fn used_before_definition(code: &Code, pc: usize) -> String {
    format!("variable {} used before its definition", code.var_name(pc))
}

// ---------------------------------------------------------------- materialising code

/// Builds the managed prototype for `code`: its constants become heap
/// values and its nested `lambda`s prototypes of their own.
/// `file` and `unnamed` (the name of code without one) make its allocation site.
fn materialize<'gc>(
    m: &'gc Mutation<'gc>,
    code: &Rc<Code>,
    file: &str,
    unnamed: &str,
) -> Gc<'gc, Proto<'gc>> {
    // Materialise the constants first: nothing else may be allocated while
    // the prototype's elements are being written.
    let consts: Vec<Value<'gc>> = code.consts.iter().map(|c| constant(m, c)).collect();
    let protos = code
        .children
        .iter()
        .map(|child| materialize(m, child, file, "lambda"))
        .collect();
    let name = code.name.as_deref().map_or(unnamed, str::trim);
    let site = m.intern_site(&format!("{file}:{} {name}", code.pos.line));
    let head = ProtoHead {
        code: code.clone(),
        protos,
        site,
    };
    Gc::new_with_tail(m, head, consts)
}

fn constant<'gc>(m: &'gc Mutation<'gc>, c: &Const) -> Value<'gc> {
    match c {
        Const::Int(n) => Value::Int(*n),
        Const::Float(x) => Value::Float(*x),
        Const::Str(s) => Value::string(m, s),
        Const::Sym(s) => Value::Sym(*s),
        Const::Bool(b) => Value::Bool(*b),
        Const::Nil => Value::Nil,
        Const::List(items, tail) => {
            let tail = tail.as_ref().map_or(Value::Nil, |t| constant(m, t));
            items
                .iter()
                .rev()
                .fold(tail, |rest, item| Value::cons(m, constant(m, item), rest))
        }
        Const::Vector(items) => {
            // The elements first: nothing else may be allocated while the
            // array's slots are being written.
            let items: Vec<Value<'gc>> = items.iter().map(|item| constant(m, item)).collect();
            Value::Vector(Gc::new_array(m, items))
        }
    }
}

// ---------------------------------------------------------------- gc-stats

/// The collector figures a program can read with `gc-stats`: the heap's
/// counters plus the pause percentiles the host computes over every pause.
pub struct GcFigures {
    /// `Heap::stats()` at the request.
    pub stats: Stats,
    /// Median pause, in milliseconds.
    pub pause_p50_ms: f64,
    /// 99th-percentile pause, in milliseconds.
    pub pause_p99_ms: f64,
}

/// `(gc-stats)` as an association list, or one entry's value for
/// `(gc-stats 'key)`.
pub fn stats_value<'gc>(
    m: &'gc Mutation<'gc>,
    symbols: &mut Symbols,
    figures: &GcFigures,
    key: Option<Symbol>,
) -> Result<Value<'gc>, String> {
    let s = &figures.stats;
    let ms = |d: std::time::Duration| Value::Float(d.as_secs_f64() * 1e3);
    let int = |n: u64| Value::Int(n as i64);
    let entries: Vec<(&str, Value<'gc>)> = vec![
        ("minor-collections", int(s.minor_collections)),
        ("major-collections", int(s.major_collections)),
        ("full-collections", int(s.full_collections)),
        ("heap-bytes", int(s.heap_bytes as u64)),
        ("peak-heap-bytes", int(s.peak_heap_bytes as u64)),
        ("heap-goal", int(s.heap_goal as u64)),
        ("live-bytes", int(s.live_bytes as u64)),
        ("old-bytes", int((s.old_bytes + s.large_bytes) as u64)),
        ("external-bytes", int(s.external_bytes as u64)),
        ("bytes-allocated", int(s.bytes_allocated)),
        ("objects-allocated", int(s.objects_allocated)),
        ("promoted-bytes", int(s.promoted_bytes)),
        ("pause-count", int(s.pause_count)),
        ("pause-total-ms", ms(s.pause_total)),
        ("pause-p50-ms", Value::Float(figures.pause_p50_ms)),
        ("pause-p99-ms", Value::Float(figures.pause_p99_ms)),
        ("pause-max-ms", ms(s.max_pause)),
        ("gc-cpu-fraction", Value::Float(s.gc_cpu_fraction)),
        ("mark-work", int(s.mark_work)),
        ("assist-work", int(s.assist_work)),
        ("barrier-regrays", int(s.barrier_regrays)),
        ("stashed-handles", int(s.stashed_handles as u64)),
    ];
    if let Some(key) = key {
        let name = symbols.name(key);
        return entries
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| format!("gc-stats: no statistic named {name}"));
    }
    let pairs: Vec<Value<'gc>> = entries
        .into_iter()
        .map(|(k, v)| Value::cons(m, Value::Sym(symbols.intern(k)), v))
        .collect();
    Ok(Value::list(m, pairs.into_iter()))
}
