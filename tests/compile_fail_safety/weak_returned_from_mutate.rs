// A `GcWeak` is branded like a `Gc`: its weak cell is a managed object that may move.
use tenure::{Gc, Heap, Rootable};

fn main() {
    let heap = Heap::<Rootable![()]>::new(|_| ());
    let weak = heap.mutate(|m, _| Gc::downgrade(m, Gc::new(m, 7u32)));
    let _ = weak;
}
