// Smuggling a `Gc` out of `mutate` through a captured variable fails like returning it.
use tenure::{Gc, Heap, Rootable};

fn main() {
    let mut heap = Heap::<Rootable![()]>::new(|_| ());
    let mut outside: Option<Gc<'_, u32>> = None;
    heap.mutate(|m, _| {
        outside = Some(Gc::new(m, 7u32));
    });
    heap.collect_full();
    println!("{}", *outside.unwrap());
}
