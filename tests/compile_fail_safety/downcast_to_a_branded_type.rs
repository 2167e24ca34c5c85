// `Gc::downcast::<T>` takes a `'static` type: were a type with a `'gc` lifetime allowed,
// `downcast::<Node<'static>>` could relabel the brand of the pointers inside and let them
// escape `mutate`. Branded types are downcast through a `Rootable` marker instead
// (`Gc::downcast_root`), whose result keeps the brand.
use tenure::{gc_dyn, Gc, Lock, Trace};

trait Host<'gc> {}
gc_dyn!(<'gc> dyn Host<'gc> + 'gc);

#[derive(Trace)]
struct Node<'gc> {
    next: Lock<Option<Gc<'gc, Node<'gc>>>>,
}

impl<'gc> Host<'gc> for Node<'gc> {}

fn relabel<'gc>(host: Gc<'gc, dyn Host<'gc> + 'gc>) -> Option<Gc<'gc, Node<'gc>>> {
    Gc::downcast::<Node<'gc>>(host)
}

fn main() {}
