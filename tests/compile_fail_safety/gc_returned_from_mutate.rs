// A `Gc` returned from `mutate` would outlive the call, and a collection between two
// calls may move or free its object. The brand `'gc` cannot be named outside.
use tenure::{Gc, Heap, Rootable};

fn main() {
    let mut heap = Heap::<Rootable![()]>::new(|_| ());
    let escaped = heap.mutate(|m, _| Gc::new(m, 7u32));
    heap.collect_full();
    println!("{}", *escaped);
}
