//! Syntactic inspection of field types.
//!
//! A derive macro sees tokens, not resolved types, so these questions are answered by
//! walking the type's syntax (with `syn::visit`) and looking at path segments:
//!
//! - [`find_unbarriered_cell`]: does the type name a std interior-mutability cell
//!   (`Cell`, `RefCell`, `UnsafeCell`, `OnceCell`, ...) anywhere, including inside generic
//!   arguments such as `Vec<Cell<Gc<'gc, T>>>`? Such a cell lets code store a `Gc` through
//!   `&self`, past the write barrier (see `checks`).
//! - [`mentions_type`]: does the type name the derived type itself (or `Self`)? Then its
//!   `NEEDS_TRACE` must not be evaluated inside the type's own `NEEDS_TRACE` (see `expand`).
//!
//! Being syntactic, the cell check is a lint, not the soundness guarantee: that comes from
//! gc-core, which does not implement `Trace` for the cells, so a cell hidden behind a type
//! alias still fails to compile (with a less helpful error). To keep the lint free of false
//! positives, a segment counts as a std cell only if it is written the way std's is used:
//! with type arguments and no lifetime arguments (an interpreter's own `Cell<'gc>` cons cell
//! is not flagged), and either alone (`Cell<T>`) or right after a `cell`/`sync` module
//! (`std::cell::Cell<T>`). Types inside `PhantomData<...>` (a marker such as
//! `PhantomData<Cell<&'gc ()>>` holds no cell), `fn(...)` pointers, `Fn(...)` sugar and array
//! length expressions are not inspected.

use syn::visit::{self, Visit};
use syn::{GenericArgument, Ident, Path, PathArguments, PathSegment, Type};

/// Std types that hand out mutation through `&self`, and the modules that export them.
const CELLS: [&str; 10] = [
    "Cell",
    "RefCell",
    "UnsafeCell",
    "SyncUnsafeCell",
    "OnceCell",
    "LazyCell",
    "OnceLock",
    "LazyLock",
    "Mutex",
    "RwLock",
];

/// The std modules that export [`CELLS`].
const CELL_MODULES: [&str; 2] = ["cell", "sync"];

/// The first std cell named in `ty`, if any (its identifier, for the message and span).
pub(crate) fn find_unbarriered_cell(ty: &Type) -> Option<&Ident> {
    let mut finder = CellFinder { found: None };
    finder.visit_type(ty);
    finder.found
}

/// Whether `ty` names `Self` or the type `name` anywhere (outside `PhantomData`).
pub(crate) fn mentions_type(ty: &Type, name: &Ident) -> bool {
    let mut finder = SelfFinder { name, found: false };
    finder.visit_type(ty);
    finder.found
}

/// Whether segment `index` of `path` is written like a std cell (see the module docs).
fn is_std_cell(path: &Path, index: usize) -> bool {
    let segment = &path.segments[index];
    let name = segment.ident.to_string();
    if !CELLS.contains(&name.as_str()) || !has_only_type_like_args(segment) {
        return false;
    }
    match index.checked_sub(1) {
        None => path.leading_colon.is_none() && path.segments.len() == 1,
        Some(previous) => {
            let module = path.segments[previous].ident.to_string();
            CELL_MODULES.contains(&module.as_str())
        }
    }
}

/// `<...>` arguments, at least one, none of them a lifetime.
fn has_only_type_like_args(segment: &PathSegment) -> bool {
    match &segment.arguments {
        PathArguments::AngleBracketed(args) => {
            !args.args.is_empty()
                && !args
                    .args
                    .iter()
                    .any(|arg| matches!(arg, GenericArgument::Lifetime(_)))
        }
        PathArguments::None | PathArguments::Parenthesized(_) => false,
    }
}

/// Whether the segment is `PhantomData`, whose arguments are never stored.
fn is_phantom(segment: &PathSegment) -> bool {
    segment.ident == "PhantomData"
}

/// Walks a type looking for a std cell; see [`find_unbarriered_cell`].
struct CellFinder<'ast> {
    found: Option<&'ast Ident>,
}

impl<'ast> Visit<'ast> for CellFinder<'ast> {
    fn visit_path(&mut self, path: &'ast Path) {
        for (index, segment) in path.segments.iter().enumerate() {
            if self.found.is_some() {
                return;
            }
            if is_std_cell(path, index) {
                self.found = Some(&segment.ident);
            } else if !is_phantom(segment) {
                visit::visit_path_segment(self, segment);
            }
        }
    }

    fn visit_type_bare_fn(&mut self, _: &'ast syn::TypeBareFn) {}

    fn visit_parenthesized_generic_arguments(
        &mut self,
        _: &'ast syn::ParenthesizedGenericArguments,
    ) {
    }

    fn visit_expr(&mut self, _: &'ast syn::Expr) {}
}

/// Walks a type looking for a self-reference; see [`mentions_type`].
struct SelfFinder<'a> {
    name: &'a Ident,
    found: bool,
}

impl<'ast> Visit<'ast> for SelfFinder<'_> {
    fn visit_path_segment(&mut self, segment: &'ast PathSegment) {
        if segment.ident == "Self" || segment.ident == *self.name {
            self.found = true;
        } else if !is_phantom(segment) {
            visit::visit_path_segment(self, segment);
        }
    }

    fn visit_expr(&mut self, _: &'ast syn::Expr) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn cell_in(ty: Type) -> Option<String> {
        find_unbarriered_cell(&ty).map(|ident| ident.to_string())
    }

    #[test]
    fn finds_cells_at_the_top_and_deep_inside() {
        assert_eq!(
            cell_in(parse_quote!(Cell<Gc<'gc, T>>)).as_deref(),
            Some("Cell")
        );
        assert_eq!(
            cell_in(parse_quote!(Vec<Cell<Gc<'gc, T>>>)).as_deref(),
            Some("Cell")
        );
        assert_eq!(
            cell_in(parse_quote!(Option<Box<[std::cell::RefCell<u8>; 4]>>)).as_deref(),
            Some("RefCell")
        );
        assert_eq!(
            cell_in(parse_quote!(HashMap<String, (u8, ::core::cell::UnsafeCell<u8>)>)).as_deref(),
            Some("UnsafeCell")
        );
        assert_eq!(
            cell_in(parse_quote!(&'a OnceCell<T>)).as_deref(),
            Some("OnceCell")
        );
        assert_eq!(
            cell_in(parse_quote!(<X as Tr<sync::Mutex<T>>>::Out)).as_deref(),
            Some("Mutex")
        );
        assert_eq!(
            cell_in(parse_quote!(Box<dyn Tr<Cell<u8>>>)).as_deref(),
            Some("Cell")
        );
    }

    #[test]
    fn reports_the_outermost_cell() {
        assert_eq!(
            cell_in(parse_quote!(RefCell<Cell<u8>>)).as_deref(),
            Some("RefCell")
        );
    }

    #[test]
    fn ignores_safe_types_and_lookalikes() {
        assert_eq!(
            cell_in(parse_quote!(Vec<Option<Gc<'gc, RefLock<T>>>>)),
            None
        );
        // An interpreter's own cons cell: lifetime arguments, or no arguments, or a path.
        assert_eq!(cell_in(parse_quote!(Gc<'gc, Cell<'gc>>)), None);
        assert_eq!(cell_in(parse_quote!(Cell)), None);
        assert_eq!(cell_in(parse_quote!(crate::lisp::Cell<T>)), None);
        assert_eq!(cell_in(parse_quote!(::Cell<T>)), None);
        // Markers, function pointers and closures hold no cell.
        assert_eq!(cell_in(parse_quote!(PhantomData<Cell<&'gc ()>>)), None);
        assert_eq!(
            cell_in(parse_quote!(core::marker::PhantomData<Cell<u8>>)),
            None
        );
        assert_eq!(cell_in(parse_quote!(fn(&Cell<u8>) -> RefCell<u8>)), None);
        assert_eq!(cell_in(parse_quote!(Box<dyn Fn(&Cell<u8>)>)), None);
        assert_eq!(cell_in(parse_quote!([u8; size_of::<Cell<u8>>()])), None);
    }

    #[test]
    fn finds_self_references() {
        let name: Ident = parse_quote!(Node);
        assert!(mentions_type(&parse_quote!(Option<Box<Node>>), &name));
        assert!(mentions_type(&parse_quote!(Vec<Node<'gc, T>>), &name));
        assert!(mentions_type(&parse_quote!(Box<Self>), &name));
        assert!(mentions_type(&parse_quote!(crate::ast::Node), &name));
        assert!(!mentions_type(&parse_quote!(Option<Box<Leaf>>), &name));
        assert!(!mentions_type(&parse_quote!(PhantomData<Node>), &name));
    }
}
