// A `Gc<[Lock<T>]>` derefs to `&[Lock<T>]`: its elements are set only through
// `Gc::write(m, slice).set(i, value)`, after the barrier for the whole object ran.
use tenure::{Gc, Heap, Lock, Rootable};

fn main() {
    let heap = Heap::<Rootable![()]>::new(|_| ());
    heap.mutate(|m, _| {
        let slice: Gc<[Lock<Option<Gc<u32>>>]> = Gc::from_iter_exact(m, [Lock::new(None)]);
        let leaf = Gc::new(m, 7u32);
        slice[0].set(Some(leaf));
    });
}
