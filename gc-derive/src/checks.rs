//! The checks that make a derived `Trace` impl sound, whatever type it is derived for.
//!
//! The derive emits `unsafe impl Trace`, so it must itself keep the promises of the trait's
//! `# Safety` contract and of the safety model (DESIGN.md). Each check here covers one way
//! a type could break them; a check that can run on the syntax reports a `syn::Error` at the
//! offending field, and the rest are emitted as code that fails to compile:
//!
//! 1. **Skipped fields hold no `Gc`.** A skipped field is never visited, so a `Gc` in it
//!    would dangle after a collection (rule 1 of the contract). Every `Gc<'gc, _>` carries
//!    the branded lifetime, so a `'static` type cannot hold one: [`skipped_static_asserts`]
//!    makes the impl require `FieldType: 'static`, with the error at the field.
//! 2. **No mutation past the write barrier.** `Cell<Gc>` and friends store a pointer through
//!    `&self`, so neither the remembered set nor the tri-colour invariant would see it:
//!    [`reject_interior_mut`] points at the cell and names the barriered replacement.
//! 3. **No `Drop` that can reach a freed object.** A sweep may free the objects a value
//!    points to before it drops the value; a `Drop` impl that followed a `Gc` would read
//!    freed memory. [`drop_guard`] makes `impl Drop` a coherence error unless the type opts
//!    out with `#[trace(unsafe_drop)]`, by which the user promises not to do that.
//! 4. **Every field can be borrowed `&mut`.** [`reject_packed`] refuses `repr(packed)`,
//!    whose fields may be unaligned.

use crate::errors::Errors;
use crate::model::Model;
use crate::types;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Attribute;

/// Records an error for each traced field whose type names a std cell (check 2).
pub(crate) fn reject_interior_mut(model: &Model<'_>, errors: &mut Errors) {
    for field in model.traced_fields() {
        if let Some(cell) = types::find_unbarriered_cell(field.ty) {
            errors.push(syn::Error::new(
                cell.span(),
                cell_message(&cell.to_string()),
            ));
        }
    }
}

/// What to tell a user who put the cell `name` in a traced field.
fn cell_message(name: &str) -> String {
    format!(
        "`{name}` in a traced field would let code mutate Gc pointers without the write \
         barrier; use `tenure::RefLock` (or `tenure::Lock` for Copy values), or mark the field \
         `#[trace(skip)]` if it holds no Gc"
    )
}

/// Records an error if the type is `#[repr(packed)]` (check 4).
pub(crate) fn reject_packed(attrs: &[Attribute], errors: &mut Errors) {
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("repr")) {
        if repr_is_packed(attr) {
            errors.push(syn::Error::new(
                attr.span(),
                "`#[derive(Trace)]` does not support `#[repr(packed)]`: `trace` needs `&mut` to \
                 every field, and a field of a packed struct may be unaligned; implement `Trace` \
                 by hand",
            ));
        }
    }
}

/// Whether a `#[repr(...)]` lists `packed` or `packed(N)`.
fn repr_is_packed(attr: &Attribute) -> bool {
    let mut packed = false;
    // A malformed `repr` is the compiler's to report, so a parse error is ignored here.
    let _ = attr.parse_nested_meta(|meta| {
        packed |= meta.path.is_ident("packed");
        if meta.input.peek(syn::token::Paren) {
            meta.input.parse::<proc_macro2::TokenTree>()?;
        }
        Ok(())
    });
    packed
}

/// Statements for the body of `trace` that require every skipped field to be `'static`
/// (check 1); empty if no field is skipped.
///
/// Each requirement is spanned at the field's type, so the borrow checker's "may not live
/// long enough" error points at the field that must not be skipped.
pub(crate) fn skipped_static_asserts(model: &Model<'_>) -> TokenStream {
    let skipped: Vec<_> = model.fields().filter(|field| field.skip).collect();
    if skipped.is_empty() {
        return TokenStream::new();
    }
    let calls = skipped.iter().map(|field| {
        let ty = field.ty;
        quote_spanned!(ty.span()=> skipped_field_must_be_static::<#ty>();)
    });
    quote! {
        // `#[trace(skip)]` is only sound for fields that cannot hold a `Gc<'gc, _>`.
        fn skipped_field_must_be_static<T: ?::core::marker::Sized + 'static>() {}
        #(#calls)*
    }
}

/// Items that make `impl Drop for` the type a compile error (check 3); empty with
/// `#[trace(unsafe_drop)]`.
///
/// Two impls of a local trait, one for every `T: Drop` and one for this type, overlap
/// exactly when this type implements `Drop`, and coherence rejects overlapping impls.
/// The trait lives in an anonymous `const` block, so it is private to this expansion.
pub(crate) fn drop_guard(model: &Model<'_>) -> TokenStream {
    if model.attrs.unsafe_drop {
        return TokenStream::new();
    }
    let ident = model.ident;
    let (impl_generics, ty_generics, where_clause) = model.generics.split_for_impl();
    quote! {
        const _: () = {
            /// Implemented for every `Drop` type, so it conflicts with the impl below if
            /// the derived type implements `Drop`; see `#[trace(unsafe_drop)]`.
            #[allow(dead_code)]
            trait MustNotImplDrop {}
            #[allow(drop_bounds)]
            impl<T: ::core::ops::Drop> MustNotImplDrop for T {}
            impl #impl_generics MustNotImplDrop for #ident #ty_generics #where_clause {}
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model;
    use syn::{parse_quote, DeriveInput};

    /// The messages of the checks that run on syntax, for `input`.
    fn check(input: &DeriveInput) -> Vec<String> {
        let mut errors = Errors::default();
        let model = model::build(input, &mut errors).unwrap();
        reject_interior_mut(&model, &mut errors);
        reject_packed(&input.attrs, &mut errors);
        match errors.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn a_cell_in_a_traced_field_is_an_error_that_says_what_to_do() {
        let input: DeriveInput = parse_quote!(
            struct S<'gc> {
                ok: Gc<'gc, u8>,
                bad: Vec<Cell<Gc<'gc, u8>>>,
            }
        );
        let found = check(&input);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0],
            "`Cell` in a traced field would let code mutate Gc pointers without the write \
             barrier; use `tenure::RefLock` (or `tenure::Lock` for Copy values), or mark the \
             field `#[trace(skip)]` if it holds no Gc"
        );
    }

    #[test]
    fn every_cell_field_is_reported_in_every_variant() {
        let input: DeriveInput = parse_quote!(
            enum E<'gc> {
                A(RefCell<Gc<'gc, u8>>),
                B { x: Option<UnsafeCell<u8>> },
            }
        );
        let found = check(&input);
        assert_eq!(found.len(), 2);
        assert!(found[0].starts_with("`RefCell` in a traced field"));
        assert!(found[1].starts_with("`UnsafeCell` in a traced field"));
    }

    #[test]
    fn a_cell_in_a_skipped_field_is_allowed() {
        let input: DeriveInput = parse_quote!(
            struct S {
                #[trace(skip)]
                hits: Cell<u32>,
            }
        );
        assert!(check(&input).is_empty());
    }

    #[test]
    fn packed_is_refused_and_other_reprs_are_not() {
        let packed: DeriveInput = parse_quote!(
            #[repr(C, packed(2))]
            struct S {
                a: u8,
            }
        );
        let found = check(&packed);
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("does not support `#[repr(packed)]`"));
        let aligned: DeriveInput = parse_quote!(
            #[repr(C, align(8))]
            struct S {
                a: u8,
            }
        );
        assert!(check(&aligned).is_empty());
    }

    #[test]
    fn static_asserts_only_for_skipped_fields() {
        let input: DeriveInput = parse_quote!(
            struct S<'a> {
                a: u8,
                #[trace(skip)]
                b: &'a str,
            }
        );
        let model = model::build(&input, &mut Errors::default()).unwrap();
        let code = skipped_static_asserts(&model).to_string();
        assert!(
            code.contains("skipped_field_must_be_static :: < & 'a str > ()"),
            "{code}"
        );
        assert!(!code.contains("< u8 >"), "{code}");
        let none: DeriveInput = parse_quote!(
            struct S {
                a: u8,
            }
        );
        let model = model::build(&none, &mut Errors::default()).unwrap();
        assert!(skipped_static_asserts(&model).is_empty());
    }

    #[test]
    fn drop_guard_unless_opted_out() {
        let input: DeriveInput = parse_quote!(
            struct S<T: Copy>
            where
                T: Eq,
            {
                t: T,
            }
        );
        let model = model::build(&input, &mut Errors::default()).unwrap();
        let code = drop_guard(&model).to_string();
        assert!(
            code.contains("impl < T : Copy > MustNotImplDrop for S < T > where T : Eq"),
            "{code}"
        );
        let opted: DeriveInput = parse_quote!(
            #[trace(unsafe_drop)]
            struct S {
                a: u8,
            }
        );
        let model = model::build(&opted, &mut Errors::default()).unwrap();
        assert!(drop_guard(&model).is_empty());
    }
}
