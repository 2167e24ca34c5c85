// A thread-local (or any `static`) slot lives for `'static`; a `Gc<'gc, _>` cannot be
// stored in it, because `'gc` is a fresh, invariant lifetime of one `mutate` call.
use std::cell::Cell;
use tenure::{Gc, Heap, Rootable};

thread_local! {
    static SLOT: Cell<Option<Gc<'static, u32>>> = const { Cell::new(None) };
}

fn main() {
    let heap = Heap::<Rootable![()]>::new(|_| ());
    heap.mutate(|m, _| {
        let gc = Gc::new(m, 7u32);
        SLOT.with(|slot| slot.set(Some(gc)));
    });
}
