// The root is lent at the call's brand: a reference to it cannot leave the call either
// (a minor GC rewrites the pointers inside it).
use tenure::{Gc, Heap, Rootable};

fn main() {
    let mut heap = Heap::<Rootable!['gc => Option<Gc<'gc, u32>>]>::new(|m| Some(Gc::new(m, 7u32)));
    let root = heap.mutate(|_, root| root);
    heap.collect_minor();
    println!("{:?}", root);
}
