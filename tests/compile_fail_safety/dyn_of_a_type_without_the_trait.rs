// `Gc::new_dyn_static` views a value as the trait object only through the unsizing
// coercion `gc_dyn!` writes, so a value whose type does not implement the trait cannot
// be allocated as one (its vtable would not exist).
use tenure::{gc_dyn, Gc, Heap, Rootable};

trait Shape {
    fn area(&self) -> u32;
}
gc_dyn!(dyn Shape);

fn main() {
    let heap = Heap::<Rootable![()]>::new(|_| ());
    heap.mutate(|m, _| {
        let shape: Gc<dyn Shape> = Gc::new_dyn_static(m, 5u32);
        let _ = shape.area();
    });
}
