// A `GcVec` hands out its buffer array, but the buffer's slots need a barrier like any
// array's, and the vector's own buffer pointer is a `Lock` inside a private object: the
// only stores are `GcVec::set`/`push`/`pop`, which run the indexed barrier.
use tenure::{Gc, GcVec, Heap, Rootable};

fn main() {
    let heap = Heap::<Rootable![()]>::new(|_| ());
    heap.mutate(|m, _| {
        let vec: GcVec<Option<Gc<u32>>> = GcVec::with_capacity(m, 4);
        vec.push(m, None);
        let leaf = Gc::new(m, 7u32);
        vec.buffer()[0].set(Some(leaf));
    });
}
