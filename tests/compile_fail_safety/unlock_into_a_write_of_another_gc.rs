// Regression (this compiled before 6db461a, handing out an unbarriered Write).
// The barrier ran for `outer` only. A `&Write<Inner>` for the object behind `outer.inner`
// would let safe code store into `inner` with no barrier for it (so an old `inner` is not
// remembered, or a black one not re-grayed). `unlock!` must give a `Write` of the named
// field's own type, never one reached by deref coercion through a `Gc` field.
use tenure::{unlock, Gc, Heap, Lock, Rootable, Trace, Write};

#[derive(Trace)]
struct Inner<'gc> {
    value: Lock<Option<Gc<'gc, u32>>>,
}

#[derive(Trace)]
struct Outer<'gc> {
    inner: Gc<'gc, Inner<'gc>>,
}

fn main() {
    let heap = Heap::<Rootable![()]>::new(|_| ());
    heap.mutate(|m, _| {
        let inner = Gc::new(m, Inner { value: Lock::new(None) });
        let outer = Gc::new(m, Outer { inner });
        let smuggled: &Write<Inner> = unlock!(Gc::write(m, outer), Outer, inner);
        unlock!(smuggled, Inner, value).set(Some(Gc::new(m, 1u32)));
    });
}
