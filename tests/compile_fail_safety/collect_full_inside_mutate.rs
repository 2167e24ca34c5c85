// Collections take `&mut Heap`; `mutate` holds `&Heap` for the whole call, so no
// collection can run while `Gc` pointers are live on the stack.
use tenure::{Gc, Heap, Rootable};

fn main() {
    let mut heap = Heap::<Rootable![()]>::new(|_| ());
    heap.mutate(|m, _| {
        let gc = Gc::new(m, 7u32);
        heap.collect_full();
        println!("{}", *gc);
    });
}
