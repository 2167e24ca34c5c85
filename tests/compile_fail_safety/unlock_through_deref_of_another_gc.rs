// Regression (this compiled before 6db461a, handing out an unbarriered Write).
// The barrier ran for `outer` only. `unlock!` names fields by a pattern, which never
// auto-derefs, so it cannot project through `outer.inner` (another object, whose barrier
// did not run) to reach that object's `Lock`.
use tenure::{unlock, Gc, Heap, Lock, Rootable, Trace};

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
        let written = Gc::write(m, outer);
        let through = unlock!(unlock!(written, Outer, inner), Inner, value);
        through.set(Some(Gc::new(m, 1u32)));
    });
}
