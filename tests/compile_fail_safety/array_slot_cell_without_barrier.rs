// The unlocked `Cell` behind a slot (`as_cell`) is also only on `Write<Lock<T>>`: the
// slots a managed array hands out for reading cannot be turned into plain cells.
use tenure::{Array, Gc, Heap, Rootable};

fn main() {
    let heap = Heap::<Rootable![()]>::new(|_| ());
    heap.mutate(|m, _| {
        let array: Gc<Array<Option<Gc<u32>>>> = Gc::new_array_filled(m, 4, None);
        let leaf = Gc::new(m, 7u32);
        array.slots()[1].as_cell().set(Some(leaf));
    });
}
