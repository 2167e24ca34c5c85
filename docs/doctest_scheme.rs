// A miniature of the Scheme example's types, so that the excerpts quoted in
// `docs/embedding.md` compile and run as doctests (`cargo test -p tenure
// --doc`). Each block includes this file inside `mod scheme` and glob-imports
// it; an item the block defines itself shadows the one here. Methods a block
// defines live here as trait methods (`VmOps`, `InterpOps`), so a block's
// inherent method of the same name does not clash with them.
//
// This is not the example: the real code is in `examples/scheme/lang/`.

pub use std::collections::HashMap;
pub use std::hash::{Hash, Hasher};
pub use std::rc::Rc;

pub use tenure::{
    gc_dyn, unlock, Array, Config, ConfigError, FinalizationQueue, Gc, GcWeak, GcWeakMap, Heap,
    Lock, Mutation, RefLock, Rootable, Stashed, Trace, WithTail,
};

#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Trace)]
pub struct Symbol(pub u32);

#[derive(Copy, Clone, Debug, Trace)]
pub struct Builtin(pub u16);

#[derive(Copy, Clone, Trace)]
pub enum Value<'gc> {
    Nil,
    Unspecified,
    Undefined,
    Bool(bool),
    Int(i64),
    Float(f64),
    Sym(Symbol),
    Str(Gc<'gc, str>),
    Pair(Gc<'gc, Pair<'gc>>),
    Vector(Gc<'gc, Vector<'gc>>),
    Table(Gc<'gc, Table<'gc>>),
    Guardian(Gc<'gc, Guardian<'gc>>),
    Closure(Gc<'gc, Closure<'gc>>),
    Builtin(Builtin),
    Host(Gc<'gc, DynHost<'gc>>),
}

pub trait HostObject<'gc> {
    fn kind(&self) -> &'static str;
    fn describe(&self) -> String;
}

gc_dyn!(<'gc> dyn HostObject<'gc> + 'gc);

pub type DynHost<'gc> = dyn HostObject<'gc> + 'gc;

#[derive(Trace)]
pub struct Pair<'gc> {
    pub car: Lock<Value<'gc>>,
    pub cdr: Lock<Value<'gc>>,
}

pub type Vector<'gc> = Array<Value<'gc>>;

#[derive(Copy, Clone, Trace)]
pub struct Ephemerons<'gc> {
    pub pairs: GcWeakMap<'gc, Pair<'gc>, Value<'gc>>,
    pub vectors: GcWeakMap<'gc, Vector<'gc>, Value<'gc>>,
    pub tables: GcWeakMap<'gc, Table<'gc>, Value<'gc>>,
    pub closures: GcWeakMap<'gc, Closure<'gc>, Value<'gc>>,
    pub guardians: GcWeakMap<'gc, Guardian<'gc>, Value<'gc>>,
    pub hosts: GcWeakMap<'gc, DynHost<'gc>, Value<'gc>>,
}

#[derive(Trace)]
pub struct Table<'gc> {
    pub entries: RefLock<Vec<(Value<'gc>, Stored<'gc>)>>,
    pub ephemerons: Option<Ephemerons<'gc>>,
}

#[derive(Copy, Clone, Trace)]
pub enum WeakValue<'gc> {
    Str(GcWeak<'gc, str>),
    Pair(GcWeak<'gc, Pair<'gc>>),
}

#[derive(Copy, Clone, Trace)]
pub enum Stored<'gc> {
    Strong(Value<'gc>),
    Weak(WeakValue<'gc>),
}

#[derive(Trace)]
pub struct Guardian<'gc> {
    pub queue: FinalizationQueue<'gc, Value<'gc>>,
}

pub struct Code {
    pub ops: Vec<u32>,
}

pub type Proto<'gc> = WithTail<ProtoHead<'gc>, Value<'gc>>;

#[derive(Trace)]
pub struct ProtoHead<'gc> {
    #[trace(skip)]
    pub code: Rc<Code>,
    pub protos: Vec<Gc<'gc, Proto<'gc>>>,
}

pub type Env<'gc> = WithTail<EnvHead, Lock<Value<'gc>>>;

#[derive(Trace)]
pub struct EnvHead;

pub type Closure<'gc> = WithTail<ClosureHead<'gc>, Gc<'gc, Env<'gc>>>;

#[derive(Trace)]
pub struct ClosureHead<'gc> {
    pub proto: Gc<'gc, Proto<'gc>>,
}

#[derive(Default)]
pub struct Symbols {
    pub names: Vec<String>,
}

#[derive(Default)]
pub struct Globals {
    pub names: Vec<Symbol>,
}

/// A builtin waiting for the host.
pub struct Pending {
    pub callee: usize,
    pub tail: bool,
}

pub enum HostRequest {
    Collect { minor: bool },
    Stats { key: Symbol },
}

pub type Error = String;

pub enum Status {
    Done,
    Error(Error),
    Yield,
    Host(HostRequest),
}

#[derive(Trace)]
pub struct Frame<'gc> {
    pub closure: Gc<'gc, Closure<'gc>>,
    pub env: Option<Gc<'gc, Env<'gc>>>,
    pub pc: usize,
    pub base: usize,
}

#[derive(Trace)]
pub struct Vm<'gc> {
    pub stack: Vec<Value<'gc>>,
    pub frames: Vec<Frame<'gc>>,
    pub globals: Vec<Value<'gc>>,
    #[trace(skip)]
    pub symbols: Symbols,
    #[trace(skip)]
    pub out: String,
    #[trace(skip)]
    pub pending: Option<Pending>,
    #[trace(skip)]
    pub steps: u64,
}

pub type VmRoot = Rootable!['gc => Vm<'gc>];

#[derive(Trace)]
pub struct Boxed<'gc> {
    pub value: Value<'gc>,
}

pub type Handle = Stashed<Rootable!['gc => Boxed<'gc>]>;

pub fn keep<'gc>(m: &'gc Mutation<'gc>, value: Value<'gc>) -> Option<Handle> {
    match value {
        Value::Unspecified => None,
        value => Some(m.stash(Gc::new(m, Boxed { value }))),
    }
}

/// Values the host lends a slice.
pub struct Host<'a> {
    pub history: &'a Vec<Handle>,
    pub params: &'a Params,
}

#[derive(Default)]
pub struct Params;

/// The host's figures for `(gc-stats)`.
pub struct Figures {
    pub heap_bytes: usize,
}

pub fn stats_value<'gc>(
    m: &'gc Mutation<'gc>,
    symbols: &Symbols,
    figures: &Figures,
    key: Symbol,
) -> Result<Value<'gc>, Error> {
    Ok(Value::Int(figures.heap_bytes as i64))
}

/// The VM's operations the excerpts call.
pub trait VmOps<'gc> {
    fn fresh() -> Self;
    fn run(&mut self, m: &'gc Mutation<'gc>, host: &Host<'_>, budget: usize) -> Status;
    fn start_call(
        &mut self,
        m: &'gc Mutation<'gc>,
        host: &Host<'_>,
        f: Value<'gc>,
        args: &[Value<'gc>],
    ) -> Status;
    fn resume(
        &mut self,
        m: &'gc Mutation<'gc>,
        answer: impl FnOnce(&'gc Mutation<'gc>, &Symbols) -> Result<Value<'gc>, Error>,
    );
    fn take_result(&mut self) -> Value<'gc>;
    fn push(&mut self, value: Value<'gc>);
}

impl<'gc> VmOps<'gc> for Vm<'gc> {
    fn fresh() -> Self {
        Vm {
            stack: Vec::new(),
            frames: Vec::new(),
            globals: Vec::new(),
            symbols: Symbols::default(),
            out: String::new(),
            pending: None,
            steps: 0,
        }
    }
    fn run(&mut self, m: &'gc Mutation<'gc>, host: &Host<'_>, budget: usize) -> Status {
        self.steps += 1;
        self.stack.push(Value::Int(self.steps as i64));
        Status::Done
    }
    fn start_call(
        &mut self,
        m: &'gc Mutation<'gc>,
        host: &Host<'_>,
        f: Value<'gc>,
        args: &[Value<'gc>],
    ) -> Status {
        self.stack.push(args.first().copied().unwrap_or(f));
        Status::Done
    }
    fn resume(
        &mut self,
        m: &'gc Mutation<'gc>,
        answer: impl FnOnce(&'gc Mutation<'gc>, &Symbols) -> Result<Value<'gc>, Error>,
    ) {
        match answer(m, &self.symbols) {
            Ok(value) => self.stack.push(value),
            Err(error) => self.out.push_str(&error),
        }
    }
    fn take_result(&mut self) -> Value<'gc> {
        self.stack.pop().unwrap_or(Value::Unspecified)
    }
    fn push(&mut self, value: Value<'gc>) {
        self.stack.push(value);
    }
}

/// The interpreter: a heap whose root is the VM, and the host's state.
pub struct Interp {
    pub heap: Heap<VmRoot>,
    pub history: Vec<Handle>,
    pub params: Params,
    pub budget: usize,
    pub output: String,
}

/// The interpreter's operations the excerpts call.
pub trait InterpOps: Sized {
    fn with_config(config: Config) -> Result<Self, ConfigError>;
    fn emit(&mut self, out: String);
    fn figures(&self) -> Figures;
    fn drive(&mut self, status: Status) -> Result<(), Error>;
}

impl InterpOps for Interp {
    fn with_config(config: Config) -> Result<Interp, ConfigError> {
        Ok(Interp {
            heap: Heap::with_config(config, |_| Vm::fresh())?,
            history: Vec::new(),
            params: Params,
            budget: 100_000,
            output: String::new(),
        })
    }
    fn emit(&mut self, out: String) {
        self.output.push_str(&out);
    }
    fn figures(&self) -> Figures {
        Figures {
            heap_bytes: self.heap.stats().heap_bytes,
        }
    }
    fn drive(&mut self, status: Status) -> Result<(), Error> {
        match status {
            Status::Error(error) => Err(error),
            _ => {
                self.heap.collect_debt();
                Ok(())
            }
        }
    }
}
