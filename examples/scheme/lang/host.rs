//! Host objects: native Rust types that Scheme programs hold as values,
//! without a variant of their own in [`Value`].
//!
//! Every such type implements [`HostObject`] and is stored type-erased as
//! `Value::Host(Gc<'gc, dyn HostObject<'gc>>)`: one thin pointer, an ordinary
//! managed object the collector traces, moves and frees through the
//! concrete type's own descriptor (`Gc::new_dyn`). Code that needs the
//! concrete type gets it back with `Gc::downcast_root`, which returns `None`
//! for any other type, so a builtin handed the wrong host object reports a
//! type error instead of misreading it.
//!
//! The demo type is [`Timer`]: `(make-timer "label")` starts one,
//! `(timer-elapsed t)` reads its milliseconds, `(timer-lap! t)` counts a lap
//! (a store into the host object, through the write barrier) and
//! `(timer-label t)` returns its label, a managed string the timer keeps
//! alive.

use std::time::Instant;

use tenure::{gc_dyn, unlock, Gc, Lock, Mutation, Rootable, Trace};

use super::value::Value;

/// A native object a Scheme program can hold.
pub trait HostObject<'gc> {
    /// Its type's name, for `display` and error messages (`"timer"`).
    fn kind(&self) -> &'static str;
    /// How `display` and `write` show it (`#<timer "lap">`).
    fn describe(&self) -> String;
}

gc_dyn!(<'gc> dyn HostObject<'gc> + 'gc);

/// A type-erased host object, as `Value::Host` holds it (`Host` is the VM's
/// host context, so the object type is `DynHost`).
pub type DynHost<'gc> = dyn HostObject<'gc> + 'gc;

/// A stopwatch started by `(make-timer label)`.
#[derive(Trace)]
pub struct Timer<'gc> {
    /// The label given to `make-timer` (a managed string: tracing reaches it
    /// through the erased object).
    pub label: Gc<'gc, str>,
    /// Laps counted by `timer-lap!`.
    pub laps: Lock<i64>,
    /// When the timer was made (plain data, nothing to trace).
    #[trace(skip)]
    pub started: Instant,
}

impl<'gc> HostObject<'gc> for Timer<'gc> {
    fn kind(&self) -> &'static str {
        "timer"
    }

    fn describe(&self) -> String {
        format!("#<timer {:?}>", &*self.label)
    }
}

/// The `Rootable` identity `Gc::new_dyn` and `Gc::downcast_root` use for
/// [`Timer`] (its `'static` stand-in, so a downcast keeps the `'gc` brand).
type TimerRoot = Rootable!['a => Timer<'a>];

/// A new timer labelled `label`, started now.
pub fn new_timer<'gc>(m: &Mutation<'gc>, label: Gc<'gc, str>) -> Value<'gc> {
    let timer = Timer {
        label,
        laps: Lock::new(0),
        started: Instant::now(),
    };
    Value::Host(Gc::new_dyn::<TimerRoot>(m, timer))
}

/// The timer `value` is, or `None` for any other value (including other
/// host objects).
pub fn as_timer<'gc>(value: Value<'gc>) -> Option<Gc<'gc, Timer<'gc>>> {
    match value {
        Value::Host(host) => Gc::downcast_root::<TimerRoot>(host),
        _ => None,
    }
}

/// Counts a lap of `timer`; returns the laps so far.
pub fn lap<'gc>(m: &Mutation<'gc>, timer: Gc<'gc, Timer<'gc>>) -> i64 {
    let laps = timer.laps.get() + 1;
    // The timer may be old: the store goes through the write barrier like
    // any other (here it holds no pointer, but the pattern is the same).
    unlock!(Gc::write(m, timer), Timer, laps).set(laps);
    laps
}
