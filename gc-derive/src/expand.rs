//! Code generation: from a checked [`Model`] to the `unsafe impl Trace`.
//!
//! For `struct Node<'gc, T> { value: T, next: Option<Gc<'gc, Node<'gc, T>>> }` it emits
//! (paths shortened):
//!
//! ```text
//! unsafe impl<'gc, T> Trace for Node<'gc, T> where T: Trace {
//!     const NEEDS_TRACE: bool = false || <T as Trace>::NEEDS_TRACE || true;
//!     fn trace(&mut self, tracer: &mut Tracer) {
//!         match self {
//!             Self { value: field_0, next: field_1, .. } => {
//!                 if <T as Trace>::NEEDS_TRACE { <T as Trace>::trace(field_0, tracer); }
//!                 <Option<Gc<'gc, Node<'gc, T>>> as Trace>::trace(field_1, tracer);
//!             }
//!         }
//!     }
//! }
//! const _: () = { /* the Drop guard, see `checks` */ };
//! ```
//!
//! Every traced field is visited exactly once per call (contract rule 1); skipped fields
//! fall into the `..`. `NEEDS_TRACE` is the `||` of the traced fields' own, so a type made of
//! plain data reports `false` and containers of it skip it. A field whose type names the
//! derived type (`next` above) counts as `true` without asking: its `NEEDS_TRACE` would
//! depend on the one being defined, a cycle the compiler rejects, and `true` is always a
//! sound answer (it only forgoes a shortcut). Code that an error should point at is spanned
//! at the field's type but resolved at the derive, so lints treat it as generated code.
//! Local names use mixed-site hygiene and cannot clash with the user's.

use crate::errors::Errors;
use crate::model::{self, Field, Model, Variant};
use crate::{bounds, checks, crate_path, types};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Ident, Path};

/// Expands `#[derive(Trace)]` on `input`, or returns every error found in it.
pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let model = match model::build(input, &mut errors) {
        Ok(model) => model,
        Err(error) => return Err(errors.fail(error)),
    };
    checks::reject_packed(&input.attrs, &mut errors);
    checks::reject_interior_mut(&model, &mut errors);
    errors.finish()?;
    Ok(generate(&model))
}

/// The names shared by every part of one expansion.
struct Names {
    /// The path to the collector crate.
    krate: Path,
    /// The `tracer` parameter of `trace`.
    tracer: Ident,
}

/// The impl and the Drop guard for a model that passed every check.
fn generate(model: &Model<'_>) -> TokenStream {
    let names = Names {
        krate: crate_path::resolve(model.attrs.crate_path.as_ref()),
        tracer: Ident::new("tracer", Span::mixed_site()),
    };
    let Names { krate, tracer } = &names;
    let generics = bounds::trace_impl_generics(model.generics, &model.attrs, krate);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let ident = model.ident;
    let needs_trace = needs_trace(model, krate);
    let static_asserts = checks::skipped_static_asserts(model);
    let body = trace_body(model, &names, false);
    let named_body = trace_body(model, &names, true);
    let drop_guard = checks::drop_guard(model);
    quote! {
        #[automatically_derived]
        unsafe impl #impl_generics #krate::Trace for #ident #ty_generics #where_clause {
            const NEEDS_TRACE: bool = #needs_trace;

            #[inline]
            fn trace(&mut self, #tracer: &mut #krate::Tracer) {
                #static_asserts
                #body
            }

            fn trace_named(&mut self, #tracer: &mut #krate::Tracer) {
                #named_body
            }
        }
        #drop_guard
    }
}

/// `false || <F1 as Trace>::NEEDS_TRACE || ...` over the traced fields.
fn needs_trace(model: &Model<'_>, krate: &Path) -> TokenStream {
    let terms = model.traced_fields().map(|field| {
        if types::mentions_type(field.ty, model.ident) {
            quote!(true)
        } else {
            let ty = field.ty;
            quote_spanned!(at(ty.span())=> <#ty as #krate::Trace>::NEEDS_TRACE)
        }
    });
    quote!(false #(|| #terms)*)
}

/// The body of `trace` (or of `trace_named`, which announces each field's
/// name before tracing it): one `match` arm per variant.
fn trace_body(model: &Model<'_>, names: &Names, named: bool) -> TokenStream {
    if model.variants.is_empty() {
        // An enum with no variants has no values; `match self {}` would not compile.
        return quote!(match *self {});
    }
    let tracer = &names.tracer;
    let unused = match model.traced_fields().next() {
        None => quote!(let _ = #tracer;),
        Some(_) => TokenStream::new(),
    };
    let arms = model
        .variants
        .iter()
        .map(|variant| variant_arm(model, variant, names, named));
    quote! {
        #unused
        match self {
            #(#arms)*
        }
    }
}

/// `Path { member: binding, .., } => { trace each binding }` for one variant.
fn variant_arm(
    model: &Model<'_>,
    variant: &Variant<'_>,
    names: &Names,
    named: bool,
) -> TokenStream {
    let traced: Vec<(Ident, &Field<'_>)> = variant
        .fields
        .iter()
        .filter(|field| !field.skip)
        .enumerate()
        .map(|(index, field)| {
            (
                format_ident!("field_{}", index, span = Span::mixed_site()),
                field,
            )
        })
        .collect();
    let patterns = traced.iter().map(|(binding, field)| {
        let member = &field.member;
        quote!(#member: #binding)
    });
    let calls = traced.iter().map(|(binding, field)| {
        let call = trace_field(model, field, binding, names);
        if !named {
            return call;
        }
        let tracer = &names.tracer;
        let member = match &field.member {
            syn::Member::Named(ident) => ident.to_string(),
            syn::Member::Unnamed(index) => index.index.to_string(),
        };
        let name = match &variant.name {
            Some(variant) => format!("{variant}.{member}"),
            None => member,
        };
        quote!(#tracer.field_name(#name); #call)
    });
    let path = &variant.path;
    quote! {
        #path { #(#patterns,)* .. } => {
            #(#calls)*
        }
    }
}

/// The call that traces one field, bound to `binding` (a `&mut` to it).
///
/// Guarded by the field type's `NEEDS_TRACE`, a constant, so a field of plain data costs
/// nothing even in a debug build; a self-referential field is traced unconditionally (see
/// the module docs).
fn trace_field(
    model: &Model<'_>,
    field: &Field<'_>,
    binding: &Ident,
    names: &Names,
) -> TokenStream {
    let Names { krate, tracer } = names;
    let ty = field.ty;
    let span = at(ty.span());
    let call = quote_spanned!(span=> <#ty as #krate::Trace>::trace(#binding, #tracer););
    if types::mentions_type(ty, model.ident) {
        call
    } else {
        quote_spanned!(span=> if <#ty as #krate::Trace>::NEEDS_TRACE { #call })
    }
}

/// A span that points at `location` in errors but belongs to the macro expansion.
fn at(location: Span) -> Span {
    Span::call_site().located_at(location)
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    /// The expansion of `input`, checked to be a valid Rust file, as a string.
    fn expand(input: DeriveInput) -> String {
        let tokens = derive(&input).unwrap_or_else(|e| panic!("derive failed: {e}"));
        let file: syn::File = syn::parse2(tokens.clone()).expect("expansion is valid Rust");
        assert!(!file.items.is_empty());
        tokens.to_string()
    }

    fn errors(input: DeriveInput) -> Vec<String> {
        match derive(&input) {
            Ok(tokens) => panic!("expected errors, got {tokens}"),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn named_struct_traces_each_field_once() {
        let code = expand(parse_quote!(
            struct S<'gc, T> {
                a: Gc<'gc, T>,
                #[trace(skip)]
                b: u32,
                c: Vec<T>,
            }
        ));
        assert!(code.contains("unsafe impl < 'gc , T > :: tenure :: Trace for S < 'gc , T >"));
        assert!(code.contains("where T : :: tenure :: Trace"));
        assert!(code.contains(
            "false || < Gc < 'gc , T > as :: tenure :: Trace > :: NEEDS_TRACE || < Vec < T > as"
        ));
        assert!(
            code.contains("Self { a : field_0 , c : field_1 , .. }"),
            "{code}"
        );
        assert_eq!(
            code.matches(":: trace (field_0 , tracer)").count(),
            2,
            "once in `trace`, once in `trace_named`: {code}"
        );
        assert_eq!(
            code.matches(":: trace (field_1 , tracer)").count(),
            2,
            "once in `trace`, once in `trace_named`: {code}"
        );
        assert!(code.contains("skipped_field_must_be_static :: < u32 >"));
        assert!(code.contains("fn trace_named"), "{code}");
        assert!(code.contains("tracer . field_name (\"a\")"), "{code}");
        assert!(!code.contains("field_name (\"b\")"), "skipped: {code}");
        assert!(code.contains("MustNotImplDrop for S < 'gc , T >"));
    }

    #[test]
    fn tuple_unit_and_empty_shapes() {
        let code = expand(parse_quote!(
            struct T(u8, #[trace(skip)] u16, u32);
        ));
        assert!(
            code.contains("Self { 0 : field_0 , 2 : field_1 , .. }"),
            "{code}"
        );
        let code = expand(parse_quote!(
            struct U;
        ));
        assert!(code.contains("NEEDS_TRACE : bool = false ;"), "{code}");
        assert!(
            code.contains("let _ = tracer ; match self { Self { .. } => { } }"),
            "{code}"
        );
        let code = expand(parse_quote!(
            enum Never {}
        ));
        assert!(code.contains("match * self { }"), "{code}");
    }

    #[test]
    fn enum_has_an_arm_per_variant() {
        let code = expand(parse_quote!(
            enum E<'gc> {
                A,
                B(Gc<'gc, u8>, #[trace(skip)] u8),
                C { x: u8, y: Gc<'gc, u8> },
            }
        ));
        assert!(code.contains("Self :: A { .. } => { }"), "{code}");
        assert!(code.contains("field_name (\"C.y\")"), "{code}");
        assert!(code.contains("field_name (\"B.0\")"), "{code}");
        assert!(code.contains("Self :: B { 0 : field_0 , .. } =>"), "{code}");
        assert!(
            code.contains("Self :: C { x : field_0 , y : field_1 , .. } =>"),
            "{code}"
        );
    }

    #[test]
    fn self_references_count_as_needing_trace_without_a_cycle() {
        let code = expand(parse_quote!(
            struct List {
                head: u8,
                tail: Option<Box<List>>,
            }
        ));
        assert!(
            code.contains("< u8 as :: tenure :: Trace > :: NEEDS_TRACE || true"),
            "{code}"
        );
        assert!(!code.contains("< Option < Box < List > > as :: tenure :: Trace > :: NEEDS_TRACE"));
        assert!(code.contains("< Option < Box < List > > as :: tenure :: Trace > :: trace"));
    }

    #[test]
    fn type_attributes_shape_the_impl() {
        let code = expand(parse_quote!(
            #[trace(crate = "my::gc", bound = "T: 'static", unsafe_drop)]
            struct S<T> {
                #[trace(skip)]
                t: T,
            }
        ));
        assert!(code.contains("unsafe impl < T > my :: gc :: Trace for S < T > where T : 'static"));
        assert!(!code.contains("MustNotImplDrop"), "{code}");
    }

    #[test]
    fn all_errors_are_reported_together() {
        let found = errors(parse_quote!(
            #[trace(skip)]
            struct S<'gc> {
                a: RefCell<Gc<'gc, u8>>,
                #[trace(nope)]
                b: u8,
            }
        ));
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("`skip` goes on a field"));
        assert!(found[1].starts_with("unknown `trace` attribute `nope`"));
        assert!(found[2].starts_with("`RefCell` in a traced field"));
    }

    #[test]
    fn union_error_comes_after_attribute_errors() {
        let found = errors(parse_quote!(#[trace(skip)] union U { a: u8 }));
        assert_eq!(found.len(), 2);
        assert!(found[1].contains("does not support unions"));
    }
}
