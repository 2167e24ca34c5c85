//! The generics and where-clause of the generated impl.
//!
//! The impl keeps the type's own generics, bounds and where-clause (without them the type
//! could not even be named), and adds bounds that make the fields traceable:
//!
//! - By default, `T: Trace` for every type parameter `T`. That is what a field such as
//!   `Vec<T>` or `Gc<'gc, T>` needs, and it says nothing about lifetimes, so the branded
//!   `'gc` passes through untouched.
//! - With `#[trace(bound = "...")]` on the type, exactly the predicates written there,
//!   instead. For a parameter that is only in a `PhantomData` or a skipped field (write
//!   `bound = ""`, or `"T: 'static"` for a skipped `T`), or for a bound on an associated type
//!   (`"T::Item: Trace"`).
//!
//! Bounds are put on the parameters, never on field types (`Vec<T>: Trace`): a field-type
//! bound on a recursive type such as `List { next: Option<Box<List>> }` would require
//! `List: Trace` to prove `List: Trace`, which the compiler rejects as overflow.

use crate::attrs::TypeAttrs;
use syn::{parse_quote, Generics, Path, WherePredicate};

/// The type's generics plus the bounds its `Trace` impl needs.
pub(crate) fn trace_impl_generics(
    generics: &Generics,
    attrs: &TypeAttrs,
    krate: &Path,
) -> Generics {
    let added = match &attrs.bound {
        Some(user) => user.clone(),
        None => default_bounds(generics, krate),
    };
    let mut out = generics.clone();
    if !added.is_empty() {
        out.make_where_clause().predicates.extend(added);
    }
    out
}

/// `T: Trace` for every type parameter `T`.
fn default_bounds(generics: &Generics, krate: &Path) -> Vec<WherePredicate> {
    let bound = |param: &syn::TypeParam| -> WherePredicate {
        let name = &param.ident;
        parse_quote!(#name: #krate::Trace)
    };
    generics.type_params().map(bound).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn where_clause(generics: &Generics) -> String {
        generics.where_clause.to_token_stream().to_string()
    }

    #[test]
    fn every_type_parameter_gets_trace_and_lifetimes_do_not() {
        let generics: Generics = parse_quote!(<'gc, T: Clone, const N: usize, U: ?Sized>);
        let out = trace_impl_generics(&generics, &TypeAttrs::default(), &parse_quote!(::tenure));
        assert_eq!(
            where_clause(&out),
            "where T : :: tenure :: Trace , U : :: tenure :: Trace"
        );
        // The type's own parameters and bounds are kept.
        assert_eq!(out.params, generics.params);
    }

    #[test]
    fn the_type_where_clause_is_kept() {
        let item: syn::ItemStruct = parse_quote!(
            struct S<T>
            where
                T: Copy,
            {
                t: T,
            }
        );
        let out = trace_impl_generics(&item.generics, &TypeAttrs::default(), &parse_quote!(x));
        assert_eq!(where_clause(&out), "where T : Copy , T : x :: Trace");
    }

    #[test]
    fn a_user_bound_replaces_the_defaults() {
        let generics: Generics = parse_quote!(<T, U>);
        let attrs = TypeAttrs {
            bound: Some(vec![parse_quote!(U: 'static)]),
            ..Default::default()
        };
        let out = trace_impl_generics(&generics, &attrs, &parse_quote!(::tenure));
        assert_eq!(where_clause(&out), "where U : 'static");
        let attrs = TypeAttrs {
            bound: Some(Vec::new()),
            ..Default::default()
        };
        let out = trace_impl_generics(&generics, &attrs, &parse_quote!(::tenure));
        assert!(out.where_clause.is_none());
    }
}
