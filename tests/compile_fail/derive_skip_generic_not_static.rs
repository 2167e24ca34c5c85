// A skipped field of a type parameter needs `T: 'static` (for instance with
// `#[trace(bound = "T: 'static")]`): `T` could be a `Gc`.
use tenure::Trace;

#[derive(Trace)]
struct Wrapper<T> {
    #[trace(skip)]
    inner: T,
}

fn main() {}
