//! The host side: the heap, the slice loop and its safe points, host
//! handles, and the GC report.
//!
//! [`Interp`] owns a `Heap` whose root is the [`Vm`]. Running code is a loop
//! of *slices*: one `mutate_root` call runs the VM for a bounded number of
//! instructions (or until the collector wants its debt paid), then the host
//! is at a **safe point**, with no `Gc` anywhere on the Rust stack, and calls
//! `collect_debt()`. Builtins that need the heap itself (`collect`,
//! `gc-stats`) suspend the VM with a request that the loop serves here.
//!
//! Values the host keeps between calls (`eval` results, REPL history) are
//! [`Handle`]s: stashed roots that come back as `Gc` in a later `mutate`.
//! Everything else the program can reach is reachable from the VM root.

use std::io::Write as _;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tenure::{Config, ConfigError, CycleReport, Gc, Heap, Pause, PauseKind, Rootable, Stats};

use super::builtins::{Param, Params};
use super::compiler::Code;
use super::printer::to_string;
use super::reader::read_all;
use super::value::Value;
use super::vm::{stats_value, Boxed, GcFigures, Handle, Host, HostRequest, Status, Vm};
use super::{Error, ErrorKind};

/// The heap's root type.
pub type VmRoot = Rootable!['gc => Vm<'gc>];

/// Instructions per slice when the collector does not ask sooner: about a
/// millisecond of interpretation, so a `collect` or `gc-stats` request, or a
/// host wanting control back, waits no longer than that.
pub const SLICE_BUDGET: usize = 100_000;

/// The procedures written in Scheme, loaded into every interpreter.
const PRELUDE: &str = include_str!("prelude.scm");

/// An interpreter: a heap, its VM, and the host's handles.
pub struct Interp {
    /// The heap (hosts reach it through [`Interp::heap_mut`]).
    heap: Heap<VmRoot>,
    /// REPL history: `$1` is `history[0]`. Dropping a handle lets the
    /// collector free its value.
    pub history: Vec<Handle>,
    /// Parameters the program reads with `(param 'name default)`.
    pub params: Params,
    /// Instructions per slice.
    pub budget: usize,
    /// If set, a computation whose heap is still larger than this many
    /// bytes after the collector paid its debt is stopped with an error
    /// (checked at safe points, so one slice may overshoot it).
    pub heap_limit: Option<usize>,
    /// If set, a computation (one top-level form, or one `call`) that runs
    /// more instructions than this is stopped with an error.
    pub step_limit: Option<u64>,
    /// Program output collected here instead of printed, if set.
    captured: Option<String>,
    /// Every pause seen so far (for percentiles).
    pauses: Vec<Pause>,
    /// `Stats::pause_count` when `pauses` was last brought up to date.
    seen_pauses: u64,
    /// Slices run (each ends at a safe point).
    slices: u64,
    started: Instant,
    /// How the slice loop pays the GC debt at a safe point: `collect_debt`,
    /// unless a host replaced it (`on_safe_point`).
    safe_point: Box<PayDebt>,
}

/// How a host pays the GC debt at a safe point (`Interp::on_safe_point`).
type PayDebt = dyn FnMut(&mut Heap<VmRoot>);

impl Interp {
    /// An interpreter on a heap with the process-wide default configuration
    /// (`TENURE_GC`), printing program output to stdout.
    pub fn new() -> Interp {
        Interp::from_heap(Heap::new(|m| Vm::new(m)))
    }

    /// An interpreter on a heap with `config`.
    pub fn with_config(config: Config) -> Result<Interp, ConfigError> {
        Ok(Interp::from_heap(Heap::with_config(config, |m| {
            Vm::new(m)
        })?))
    }

    /// The interpreter's heap, for hosts that drive the collector's own
    /// tools on it (the example binary records it for a page).
    pub fn heap_mut(&mut self) -> &mut Heap<VmRoot> {
        &mut self.heap
    }

    fn from_heap(heap: Heap<VmRoot>) -> Interp {
        let mut interp = Interp {
            heap,
            history: Vec::new(),
            params: Params::new(),
            budget: SLICE_BUDGET,
            heap_limit: None,
            step_limit: None,
            captured: None,
            pauses: Vec::new(),
            seen_pauses: 0,
            slices: 0,
            started: Instant::now(),
            safe_point: Box::new(|heap| heap.collect_debt()),
        };
        if let Err(error) = interp.run(PRELUDE) {
            panic!("the prelude failed: {}", error.render("prelude.scm"));
        }
        interp
    }

    /// Collects program output (see `take_output`) instead of printing it.
    pub fn capture_output(&mut self) {
        self.captured = Some(String::new());
    }

    /// The output collected since the last call (with `capture_output`).
    pub fn take_output(&mut self) -> String {
        self.captured
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Sets a parameter, parsed as a number if it looks like one.
    pub fn set_param(&mut self, name: &str, value: &str) {
        self.params.insert(name.to_owned(), Param::parse(value));
    }

    /// Sets the limit on nested calls.
    pub fn set_max_frames(&mut self, frames: usize) {
        self.heap.mutate_root(|_, vm| vm.max_frames = frames);
    }

    /// Calls `callback` with the report of every major GC cycle.
    pub fn on_cycle(&mut self, callback: impl FnMut(&CycleReport) + 'static) {
        self.heap.on_cycle(callback);
    }

    /// Replaces how the slice loop pays the GC debt at each safe point;
    /// `pay` must call `heap.collect_debt()`. A benchmark times the call
    /// from outside this way, on the wall and the thread's CPU clock.
    pub fn on_safe_point(&mut self, pay: impl FnMut(&mut Heap<VmRoot>) + 'static) {
        self.safe_point = Box::new(pay);
    }

    fn emit(&mut self, text: String) {
        if text.is_empty() {
            return;
        }
        match &mut self.captured {
            Some(buffer) => buffer.push_str(&text),
            None => {
                let mut stdout = std::io::stdout().lock();
                let _ = stdout.write_all(text.as_bytes());
                let _ = stdout.flush();
            }
        }
    }

    // ------------------------------------------------------------ running

    /// Reads and compiles every form of `source` (nothing runs if any form
    /// is malformed).
    fn compile(&mut self, source: &str) -> Result<Vec<Rc<Code>>, Error> {
        let forms =
            read_all(source).map_err(|e| Error::new(ErrorKind::Syntax, e.pos, e.message))?;
        self.heap.mutate_root(|_, vm| vm.compile(&forms))
    }

    /// Runs a program: every top-level form in order.
    pub fn run(&mut self, source: &str) -> Result<(), Error> {
        for code in self.compile(source)? {
            self.execute(&code)?;
            self.heap.mutate_root(|_, vm| {
                vm.take_result();
            });
        }
        Ok(())
    }

    /// Runs every top-level form of `source`, returning a handle to each
    /// form's value (`None` for forms with no value, such as `define`).
    pub fn eval(&mut self, source: &str) -> Result<Vec<Option<Handle>>, Error> {
        let mut values = Vec::new();
        for code in self.compile(source)? {
            self.execute(&code)?;
            values.push(self.heap.mutate_root(|m, vm| keep(m, vm.take_result())));
        }
        Ok(values)
    }

    /// Calls the procedure `f` with `args`, all host handles.
    pub fn call(&mut self, f: &Handle, args: &[&Handle]) -> Result<Option<Handle>, Error> {
        let Interp {
            heap,
            history,
            params,
            ..
        } = self;
        let host = Host { history, params };
        let (status, out) = heap.mutate_root(|m, vm| {
            let f = m.fetch(f).value;
            let args: Vec<Value<'_>> = args.iter().map(|h| m.fetch(h).value).collect();
            vm.steps = 0;
            let status = vm.start_call(m, &host, f, &args);
            (status, std::mem::take(&mut vm.out))
        });
        self.emit(out);
        self.drive(status)?;
        Ok(self.heap.mutate_root(|m, vm| keep(m, vm.take_result())))
    }

    fn execute(&mut self, code: &Rc<Code>) -> Result<(), Error> {
        self.heap.mutate_root(|m, vm| {
            vm.steps = 0;
            vm.start(m, code);
        });
        self.drive(Status::Yield)
    }

    /// The slice loop: runs the VM until the computation is done or fails,
    /// paying the GC debt at the safe point after every slice and serving
    /// the VM's requests for the heap.
    fn drive(&mut self, mut status: Status) -> Result<(), Error> {
        loop {
            match status {
                Status::Done => return Ok(()),
                Status::Error(error) => return Err(error),
                Status::Yield => {
                    // The safe point: nothing on the Rust stack points into the heap.
                    (self.safe_point)(&mut self.heap);
                    self.note_pauses();
                }
                Status::Host(HostRequest::Collect { minor }) => {
                    if minor {
                        self.heap.collect_minor();
                    } else {
                        self.heap.collect_full();
                    }
                    self.note_pauses();
                    if let Some(error) = self
                        .heap
                        .mutate_root(|m, vm| vm.resume(m, |_, _| Ok(Value::Unspecified)))
                    {
                        return Err(error);
                    }
                }
                Status::Host(HostRequest::Stats { key }) => {
                    let figures = self.figures();
                    let resumed = self.heap.mutate_root(|m, vm| {
                        vm.resume(m, |m, symbols| stats_value(m, symbols, &figures, key))
                    });
                    if let Some(error) = resumed {
                        return Err(error);
                    }
                }
            }
            if let Some(error) = self.check_limits() {
                return Err(error);
            }
            status = self.slice();
        }
    }

    /// Stops the computation if it went over the heap or step limit. Over
    /// the heap limit, a full collection runs first: only live data counts.
    fn check_limits(&mut self) -> Option<Error> {
        let over_heap = |interp: &Interp| {
            let heap_bytes = interp.heap.stats().heap_bytes;
            interp.heap_limit.filter(|&limit| heap_bytes > limit)
        };
        let message = if over_heap(self).is_some() {
            self.collect_full();
            let limit = over_heap(self)?;
            format!(
                "out of memory: {:.1} MiB live after a full collection, over the limit of {:.1} MiB",
                self.heap.stats().heap_bytes as f64 / (1 << 20) as f64,
                limit as f64 / (1 << 20) as f64
            )
        } else {
            let limit = self.step_limit?;
            if self.heap.mutate(|_, vm| vm.steps) <= limit {
                return None;
            }
            format!("step limit of {limit} instructions exceeded")
        };
        Some(self.heap.mutate_root(|_, vm| vm.abort(message)))
    }

    /// One slice of VM work inside `mutate_root`.
    fn slice(&mut self) -> Status {
        let Interp {
            heap,
            history,
            params,
            budget,
            ..
        } = self;
        let host = Host { history, params };
        let (status, out) = heap.mutate_root(|m, vm| {
            let status = vm.run(m, &host, *budget);
            (status, std::mem::take(&mut vm.out))
        });
        self.slices += 1;
        self.emit(out);
        status
    }

    // ------------------------------------------------------------ handles

    /// The written form of a handle's value.
    pub fn write(&self, handle: &Handle) -> String {
        self.heap
            .mutate(|m, vm| to_string(m.fetch(handle).value, &vm.symbols, true))
    }

    /// A handle to global `name`'s value.
    pub fn global(&self, name: &str) -> Option<Handle> {
        self.heap.mutate(|m, vm| {
            let value = vm.global(name)?;
            Some(m.stash(Gc::new(m, Boxed { value })))
        })
    }

    /// Binds global `name` to a handle's value.
    pub fn define(&mut self, name: &str, handle: &Handle) {
        self.heap.mutate_root(|m, vm| {
            let value = m.fetch(handle).value;
            vm.define(name, value);
        });
    }

    /// Stack slots and frames in use (both 0 between computations).
    pub fn vm_depth(&self) -> (usize, usize) {
        self.heap.mutate(|_, vm| vm.depth())
    }

    // ------------------------------------------------------------ the collector

    /// The heap's counters.
    pub fn stats(&self) -> Stats {
        self.heap.stats()
    }

    /// A full collection now.
    pub fn collect_full(&mut self) {
        self.heap.collect_full();
        self.note_pauses();
    }

    /// Checks the heap's invariants (the collector's verifier).
    pub fn verify(&mut self) -> Result<usize, tenure::VerifyError> {
        self.heap.verify()
    }

    /// The heap profile: reachable objects and bytes per type, largest first
    /// (walks the heap).
    pub fn heap_profile(&mut self) -> Vec<(&'static str, tenure::TypeTally)> {
        self.heap.heap_profile()
    }

    // ------------------------------------------------------------ profiling

    /// Charges allocations to Scheme procedures: each call enters its
    /// procedure's site (`file:line name`) and the heap samples allocation
    /// every `rate` bytes on average (1 = every allocation, exact figures).
    pub fn enable_profiling(&mut self, rate: usize) {
        self.heap.set_profile_rate(rate);
        self.heap.mutate_root(|_, vm| vm.profile_sites = true);
    }

    /// Records the Rust backtrace of each allocation sample too (the
    /// interpreter's own functions then show between types and sites).
    pub fn enable_backtraces(&mut self) {
        self.heap.set_profile_backtraces(true);
    }

    /// Names the source file that the next `run` or `eval` loads, for sites.
    pub fn set_source_name(&mut self, name: &str) {
        self.heap.mutate_root(|_, vm| vm.source_name = name.into());
    }

    /// Writes the heap profile in pprof's format to `path`.
    pub fn write_pprof(&mut self, path: &str) -> std::io::Result<()> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        self.heap.write_pprof(&mut file)?;
        file.flush()
    }

    /// Writes a heap dump to `path`: Graphviz DOT if it ends in `.dot`
    /// (the first 500 objects), JSON lines otherwise.
    pub fn write_heap_dump(&mut self, path: &str) -> std::io::Result<()> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        if path.ends_with(".dot") {
            self.heap.write_heap_dot(&mut file, 500)?;
        } else {
            self.heap.write_heap_dump(&mut file)?;
        }
        file.flush()
    }

    /// Why `handle`'s value is alive: the shortest chain of pointers from the
    /// VM (the root) or a REPL handle to it, not counting `handle` itself.
    pub fn why(&mut self, handle: Handle) -> String {
        let id = self.heap.mutate(|m, _| m.fetch(&handle).value.identity());
        let Some(id) = id else {
            return "an immediate value: not a heap object".to_owned();
        };
        drop(handle);
        match self.heap.retaining_path_to(u64::from(id)) {
            Some(path) => {
                let mut text = String::new();
                let start = match path.start {
                    tenure::PathStart::Root => "the VM (root)".to_owned(),
                    tenure::PathStart::Stash { slot } => format!("host handle #{slot}"),
                };
                text.push_str(&format!("kept alive by {start}:"));
                for step in &path.steps {
                    let short = short_type(step.type_name);
                    let field = step.field.unwrap_or("?");
                    text.push_str(&format!(
                        "
  .{field} -> {short}#{}",
                        step.id
                    ));
                }
                text
            }
            None => "not reachable: garbage the next collection frees".to_owned(),
        }
    }

    /// Brings the pause list up to date with the heap's pause ring.
    fn note_pauses(&mut self) {
        let stats = self.heap.stats();
        let new = stats.pause_count.saturating_sub(self.seen_pauses) as usize;
        let recent = &stats.recent_pauses;
        let take = new.min(recent.len());
        self.pauses
            .extend_from_slice(&recent[recent.len() - take..]);
        self.seen_pauses = stats.pause_count;
    }

    fn figures(&mut self) -> GcFigures {
        self.note_pauses();
        let sorted = sorted_durations(&self.pauses);
        GcFigures {
            stats: self.heap.stats(),
            pause_p50_ms: quantile(&sorted, 0.50).as_secs_f64() * 1e3,
            pause_p99_ms: quantile(&sorted, 0.99).as_secs_f64() * 1e3,
        }
    }

    /// The GC report printed after a program.
    pub fn report(&mut self) -> Report {
        self.note_pauses();
        Report {
            stats: self.heap.stats(),
            pauses: self.pauses.clone(),
            slices: self.slices,
            elapsed: self.started.elapsed(),
        }
    }
}

impl Default for Interp {
    fn default() -> Self {
        Interp::new()
    }
}

/// Stashes `value` for the host (`None` for the unspecified value).
fn keep<'gc>(m: &'gc tenure::Mutation<'gc>, value: Value<'gc>) -> Option<Handle> {
    match value {
        Value::Unspecified => None,
        value => Some(m.stash(Gc::new(m, Boxed { value }))),
    }
}

/// The durations of `pauses`, sorted.
fn sorted_durations(pauses: &[Pause]) -> Vec<Duration> {
    let mut sorted: Vec<Duration> = pauses.iter().map(|p| p.duration).collect();
    sorted.sort();
    sorted
}

/// The nearest-rank quantile `q` of `sorted` (zero if empty).
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// `vm::Vm<'_>` -> `Vm`; `WithTail<value::ClosureHead<'_>, ..>` -> `Closure`;
/// `Array<value::Value<'_>>` -> `Vector`.
fn short_type(name: &str) -> &str {
    let (base, args) = name.split_once('<').unwrap_or((name, ""));
    let base = base.rsplit("::").next().unwrap_or(base);
    if base == "WithTail" {
        // A fixed part and a tail (`Closure`, `Proto`, `Env`): the fixed
        // part's type names the object.
        let head = short_type(args);
        return head.strip_suffix("Head").unwrap_or(head);
    }
    if base == "Array" {
        // The only managed array the interpreter makes is a vector.
        return "Vector";
    }
    base
}

/// Pause kinds in the order of an object's life, with the report's names.
const PAUSE_KINDS: [(PauseKind, &str); 6] = [
    (PauseKind::Minor, "minor"),
    (PauseKind::MarkStart, "mark-start"),
    (PauseKind::MarkStep, "mark"),
    (PauseKind::MarkTermination, "mark-end"),
    (PauseKind::SweepStep, "sweep"),
    (PauseKind::Full, "full"),
];

/// The collector's figures for one run.
pub struct Report {
    /// The heap's counters at the end.
    pub stats: Stats,
    /// Every pause, in order.
    pub pauses: Vec<Pause>,
    /// Slices run, i.e. safe points reached.
    pub slices: u64,
    /// Wall time since the interpreter was made.
    pub elapsed: Duration,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const MIB: f64 = (1 << 20) as f64;
        let s = &self.stats;
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let sorted = sorted_durations(&self.pauses);
        writeln!(f, "-- GC report (tenure) --")?;
        writeln!(
            f,
            "cycles     : {} minor, {} major ({} of them full)",
            s.minor_collections, s.major_collections, s.full_collections
        )?;
        writeln!(
            f,
            "pauses     : {} in {:.2} ms; p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            self.pauses.len(),
            ms(s.pause_total),
            ms(quantile(&sorted, 0.50)),
            ms(quantile(&sorted, 0.99)),
            ms(s.max_pause),
        )?;
        write!(f, "  by kind  :")?;
        let mut first = true;
        for (kind, name) in PAUSE_KINDS {
            let of_kind = self.pauses.iter().filter(|p| p.kind == kind);
            let (count, max) = of_kind.fold((0, Duration::ZERO), |(n, max), p| {
                (n + 1, max.max(p.duration))
            });
            if count > 0 {
                let sep = if first { " " } else { ", " };
                write!(f, "{sep}{name} {count} (max {:.2} ms)", ms(max))?;
                first = false;
            }
        }
        writeln!(f)?;
        writeln!(
            f,
            "heap       : goal {:.1} MiB, peak {:.1} MiB, now {:.1} MiB, live after last mark {:.1} MiB",
            s.heap_goal as f64 / MIB,
            s.peak_heap_bytes as f64 / MIB,
            s.heap_bytes as f64 / MIB,
            s.live_bytes as f64 / MIB,
        )?;
        writeln!(
            f,
            "allocated  : {:.1} MiB in {} objects; {:.1} MiB promoted",
            s.bytes_allocated as f64 / MIB,
            s.objects_allocated,
            s.promoted_bytes as f64 / MIB,
        )?;
        write!(
            f,
            "GC CPU     : {:.1}% of {:.2} s ({} safe points)",
            s.gc_cpu_fraction * 100.0,
            self.elapsed.as_secs_f64(),
            self.slices
        )
    }
}
