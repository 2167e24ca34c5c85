// The barrier ran for `outer`; its `Write<Outer>` cannot be used to unlock a field of the
// `Inner` object that `outer` points to (that object's barrier did not run).
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
        unlock!(Gc::write(m, outer), Inner, value).set(Some(Gc::new(m, 1u32)));
    });
}
