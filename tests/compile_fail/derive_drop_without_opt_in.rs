// A Drop impl could follow a `Gc` to an object freed in the same sweep.
use tenure::{Gc, Trace};

#[derive(Trace)]
struct Handle<'gc> {
    target: Gc<'gc, u32>,
}

impl Drop for Handle<'_> {
    fn drop(&mut self) {
        println!("{}", *self.target);
    }
}

fn main() {}
