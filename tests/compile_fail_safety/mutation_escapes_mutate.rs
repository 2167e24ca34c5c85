// The mutation context is the capability to allocate and run the barrier; it is lent
// for one `mutate` call only.
use tenure::{Heap, Rootable};

fn main() {
    let heap = Heap::<Rootable![()]>::new(|_| ());
    let m = heap.mutate(|m, _| m);
    let _ = m;
}
