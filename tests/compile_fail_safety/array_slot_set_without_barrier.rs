// A managed array's slots are `Lock`s: reading one needs nothing, but `set` exists only
// on `Write<Lock<T>>`. Indexing the array gives a plain `&Lock`, so a young pointer
// cannot be stored into an old array without the indexed barrier (`Gc::set`).
use tenure::{Array, Gc, Heap, Rootable};

fn main() {
    let heap = Heap::<Rootable![()]>::new(|_| ());
    heap.mutate(|m, _| {
        let array: Gc<Array<Option<Gc<u32>>>> = Gc::new_array_filled(m, 4, None);
        let leaf = Gc::new(m, 7u32);
        array[0].set(Some(leaf));
    });
}
