//! `#[derive(Trace)]` for tenure (re-exported as `tenure::Trace`).
//!
//! A derived `Trace` impl is how the collector finds the `Gc` pointers inside a user's
//! type, and because `Trace` is an `unsafe trait`, the macro is responsible for keeping
//! the trait's safety contract for every input it accepts. It rejects, at compile time,
//! each way a derived type could break it: a skipped field that could hold a `Gc`, a
//! `Cell`-like field that could store a `Gc` past the write barrier, a `Drop` impl that
//! could reach an object freed in the same sweep, unions and packed structs. The user docs
//! are on [`macro@Trace`].
//!
//! One module per step, in the order an expansion runs them:
//!
//! - `attrs`: parse `#[trace(...)]` on the type, its variants and its fields.
//! - `model`: reduce the input to variants and fields (structs are one variant).
//! - `types`: syntactic questions about field types (names a cell? names itself?).
//! - `checks`: the soundness checks, as errors or as code that fails to compile.
//! - `crate_path`: find what the user calls the collector crate.
//! - `bounds`: the impl's generics and where-clause.
//! - `expand`: generate the impl.
//! - `errors`: gather every error, so that one compile reports them all.
//!
//! The macro never panics: every problem becomes a `syn::Error` with a span.

#![deny(missing_docs)]

mod attrs;
mod bounds;
mod checks;
mod crate_path;
mod errors;
mod expand;
mod model;
mod types;

use proc_macro::TokenStream;

/// Derives `Trace` for a struct or enum whose traced fields all implement `Trace`.
///
/// The generated `unsafe impl Trace` visits every field of the value (of the live variant,
/// for an enum) exactly once, except fields marked `#[trace(skip)]`, and sets
/// `NEEDS_TRACE` to `false` when no traced field needs tracing, so that containers and the
/// collector can skip values made of plain data, and `HOLDS_GC` to `false` when no traced
/// field can hold a `Gc` (a struct of `String`s), so that maps keyed by it are never rebuilt. Structs of every kind, enums, generic
/// parameters with bounds and where-clauses, and lifetimes (the branded `'gc`) are supported.
///
/// ```
/// use tenure::{Gc, RefLock, Trace};
///
/// #[derive(Trace)]
/// struct Node<'gc> {
///     value: i64,
///     next: Option<Gc<'gc, Node<'gc>>>,
/// }
///
/// #[derive(Trace)]
/// enum Value<'gc> {
///     Nil,
///     Int(i64),
///     Pair(Gc<'gc, RefLock<(Value<'gc>, Value<'gc>)>>),
///     Native { name: String, #[trace(skip)] id: std::any::TypeId },
/// }
/// ```
///
/// # Bounds
///
/// The impl has the type's own bounds and where-clause, plus `T: Trace` for every type
/// parameter `T`. `#[trace(bound = "...")]` replaces the added bounds with the
/// where-predicates written in the string; use it when a parameter is only in a
/// `PhantomData` or a skipped field (`bound = ""`, or `bound = "T: 'static"`), or when the
/// bound belongs on an associated type (`bound = "T::Item: tenure::Trace"`).
///
/// # Attributes
///
/// On the type:
///
/// - `#[trace(bound = "...")]`: the added bounds, as above.
/// - `#[trace(crate = "path")]`: the path to the crate that exports `Trace` and `Tracer`.
///   By default it is found in your `Cargo.toml`: `::tenure` if you depend on `tenure`
///   (under its name there, if renamed), otherwise `::gc_core` for a dependency on
///   `gc-core`. Set it when the collector reaches you through another crate's re-export.
/// - `#[trace(unsafe_drop)]`: allows the type to implement `Drop`, which is otherwise a
///   compile error. **The `Drop` impl must not dereference any `Gc`/`GcWeak` field**,
///   directly or through anything it calls: when the collector frees a value, the objects
///   it points to may have been freed in the same sweep, so such a `Drop` would read freed
///   memory. The compiler cannot check this promise; the attribute is named `unsafe_` so
///   that it is found when auditing. Cleanup that needs the heap must be explicit.
///
/// On a field:
///
/// - `#[trace(skip)]`: the field is not traced and need not implement `Trace`. **A skipped
///   field must hold no `Gc`/`GcWeak`**, or the objects it points to would be freed (or
///   moved) under it. The derive enforces this by requiring the field's type to be
///   `'static`, which no type holding a `Gc<'gc, _>` is. Use it for data from other crates
///   (`#[trace(skip)] id: TypeId`) or counters in a `Cell` (`#[trace(skip)] hits: Cell<u32>`).
///
/// # Errors
///
/// All problems in one type are reported together, each at the code to change:
///
/// - `Cell`, `RefCell`, `UnsafeCell`, `OnceCell` (and the other std cells, `Mutex` and
///   `RwLock`) anywhere in a traced field's type, such as `Vec<Cell<Gc<'gc, T>>>`: they
///   would let code replace a `Gc` through `&self`, past the write barrier. Use
///   `tenure::RefLock` or `tenure::Lock`, whose writes go through `Gc::write`; or skip the
///   field if it holds no `Gc`. The check reads the field's syntax, so it also flags a cell
///   that is only a type argument of a marker (`MyHandle<Cell<u8>>` where `MyHandle` keeps a
///   `PhantomData<T>`): name such an argument through a type alias. Your own type named
///   `Cell` is not mistaken for std's if it takes only lifetime parameters, or if you write
///   its path (`crate::lisp::Cell<T>`). The check is a lint with a helpful message; the
///   guarantee is that the std cells do not implement `Trace`.
/// - An `impl Drop` for the type without `#[trace(unsafe_drop)]`, reported by the compiler
///   as conflicting implementations of `MustNotImplDrop`.
/// - A skipped field whose type is not `'static` ("may not live long enough", at the field).
/// - Unknown or misplaced `#[trace(...)]` keys, repeated keys, malformed values.
/// - Unions (the macro cannot know which field is live) and `#[repr(packed)]` (fields may
///   be unaligned, and `trace` borrows each one `&mut`): implement `Trace` by hand.
///
/// A field whose type names the derived type itself (`Option<Box<Self>>`) counts as
/// needing trace without evaluating its `NEEDS_TRACE`, which would depend on the constant
/// being defined.
#[proc_macro_derive(Trace, attributes(trace))]
pub fn derive_trace(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
