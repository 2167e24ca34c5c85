// `Gc` is neither `Send` nor `Sync`: headers and locks use unsynchronised cells, and the
// heap's collector runs on its own thread only.
use tenure::{Gc, Heap, Rootable};

fn main() {
    let heap = Heap::<Rootable![()]>::new(|_| ());
    heap.mutate(|m, _| {
        let gc = Gc::new(m, 7u32);
        std::thread::scope(|scope| {
            scope.spawn(|| println!("{}", *gc));
        });
    });
}
