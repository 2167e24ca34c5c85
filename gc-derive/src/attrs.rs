//! Parsing of the `#[trace(...)]` helper attribute.
//!
//! The attribute goes in three places, and each accepts its own keys:
//!
//! | place   | keys                                               |
//! |---------|----------------------------------------------------|
//! | type    | `bound = "..."`, `crate = "..."`, `unsafe_drop`     |
//! | field   | `skip`                                             |
//! | variant | none (put `skip` on the variant's fields)          |
//!
//! A key in the wrong place gets an error that says where it belongs, an unknown key an
//! error that lists the known ones, a repeated key an error at the repeat. Errors go to
//! the shared [`Errors`] so that parsing carries on and reports every mistake; after a
//! syntax error inside one `#[trace(...)]` the rest of that attribute is skipped.
//!
//! This module only reads attributes. What a key *means* for soundness (a skipped field
//! must be `'static`, `unsafe_drop` lifts the `Drop` ban) is enforced in `checks`.

use crate::errors::Errors;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::{Attribute, LitStr, Path, Token, WherePredicate};

/// The name of the helper attribute, as registered in `lib.rs`.
const ATTR: &str = "trace";

/// Keys that are only valid on the type (struct or enum) itself.
const TYPE_KEYS: [&str; 3] = ["bound", "crate", "unsafe_drop"];

/// Keys that are only valid on a field.
const FIELD_KEYS: [&str; 1] = ["skip"];

/// Options given on the type: `#[trace(...)]` above `struct`/`enum`.
#[derive(Default)]
pub(crate) struct TypeAttrs {
    /// `crate = "path"`: where `Trace` and `Tracer` live, instead of the resolved default.
    pub(crate) crate_path: Option<Path>,
    /// `bound = "..."`: where-predicates that replace the default `T: Trace` bounds.
    pub(crate) bound: Option<Vec<WherePredicate>>,
    /// `unsafe_drop`: the type may implement `Drop` (the user vouches for it).
    pub(crate) unsafe_drop: bool,
}

/// Options given on one field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    /// `skip`: the field is not traced (and must be `'static`).
    pub(crate) skip: bool,
}

/// Where an attribute was written; decides which keys are accepted.
#[derive(Clone, Copy)]
enum Place {
    Type,
    Field,
    Variant,
}

/// Parses the `#[trace(...)]` attributes on the type.
pub(crate) fn type_attrs(attrs: &[Attribute], errors: &mut Errors) -> TypeAttrs {
    let mut out = TypeAttrs::default();
    for_each_key(attrs, errors, |key, meta| match key.as_str() {
        "crate" => {
            let lit = parse_string(meta, &key, out.crate_path.is_some())?;
            out.crate_path = Some(parse_crate_path(&lit)?);
            Ok(())
        }
        "bound" => {
            let lit = parse_string(meta, &key, out.bound.is_some())?;
            out.bound = Some(parse_bound(&lit)?);
            Ok(())
        }
        "unsafe_drop" => set_flag(meta, &key, &mut out.unsafe_drop),
        _ => Err(misplaced_or_unknown(meta, &key, Place::Type)),
    });
    out
}

/// Parses the `#[trace(...)]` attributes on one field.
pub(crate) fn field_attrs(attrs: &[Attribute], errors: &mut Errors) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for_each_key(attrs, errors, |key, meta| match key.as_str() {
        "skip" => set_flag(meta, &key, &mut out.skip),
        _ => Err(misplaced_or_unknown(meta, &key, Place::Field)),
    });
    out
}

/// Rejects every `#[trace(...)]` key on an enum variant: none is meaningful there.
pub(crate) fn variant_attrs(attrs: &[Attribute], errors: &mut Errors) {
    for_each_key(attrs, errors, |key, meta| {
        Err(misplaced_or_unknown(meta, &key, Place::Variant))
    });
}

/// Calls `handle` with each key of each `#[trace(...)]` in `attrs`, recording errors.
fn for_each_key(
    attrs: &[Attribute],
    errors: &mut Errors,
    mut handle: impl FnMut(String, &ParseNestedMeta<'_>) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|attr| attr.path().is_ident(ATTR)) {
        let parsed = attr.parse_nested_meta(|meta| {
            let key = key_name(&meta.path);
            if let Err(error) = handle(key, &meta) {
                // Report it and go on with the next key, past this key's value.
                errors.push(error);
                skip_value(&meta);
            }
            Ok(())
        });
        errors.ok(parsed);
    }
}

/// The key as written, for matching and for messages (`a::b` for a multi-segment path).
fn key_name(path: &Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.join("::")
}

/// Sets a flag key such as `skip`, which takes no value and may appear once.
fn set_flag(meta: &ParseNestedMeta<'_>, key: &str, flag: &mut bool) -> syn::Result<()> {
    if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        return Err(meta.error(format!("`{key}` takes no value: write `#[{ATTR}({key})]`")));
    }
    if *flag {
        return Err(meta.error(format!("duplicate `{ATTR}` attribute `{key}`")));
    }
    *flag = true;
    Ok(())
}

/// Reads the string of `key = "..."`, which may appear once.
fn parse_string(meta: &ParseNestedMeta<'_>, key: &str, seen: bool) -> syn::Result<LitStr> {
    if seen {
        return Err(meta.error(format!("duplicate `{ATTR}` attribute `{key}`")));
    }
    let value = meta
        .value()
        .map_err(|_| meta.error(format!("`{key}` needs a string value: `{key} = \"...\"`")))?;
    value.parse()
}

/// Parses the path of `crate = "..."`.
fn parse_crate_path(lit: &LitStr) -> syn::Result<Path> {
    lit.parse().map_err(|error| {
        syn::Error::new(
            lit.span(),
            format!("`crate` must be a path such as \"::tenure\": {error}"),
        )
    })
}

/// Parses the where-predicates of `bound = "..."`; an empty string is no predicates.
fn parse_bound(lit: &LitStr) -> syn::Result<Vec<WherePredicate>> {
    let predicates = lit
        .parse_with(Punctuated::<WherePredicate, Token![,]>::parse_terminated)
        .map_err(|error| {
            let message = format!(
                "`bound` must be where-predicates such as \"T: tenure::Trace, U: 'static\": {error}"
            );
            syn::Error::new(lit.span(), message)
        })?;
    Ok(predicates.into_iter().collect())
}

/// The error for a key that is not accepted at `place`, saying where it does belong.
fn misplaced_or_unknown(meta: &ParseNestedMeta<'_>, key: &str, place: Place) -> syn::Error {
    let message = match place {
        Place::Type if FIELD_KEYS.contains(&key) => format!(
            "`{key}` goes on a field, not on the type: put `#[{ATTR}({key})]` on each field that \
             holds no Gc"
        ),
        Place::Field | Place::Variant if TYPE_KEYS.contains(&key) => format!(
            "`{key}` is a type-level attribute: put `{}` on the struct or enum",
            usage(key)
        ),
        Place::Variant if FIELD_KEYS.contains(&key) => format!(
            "`{key}` goes on fields, not on a variant: put `#[{ATTR}({key})]` on each field of \
             the variant"
        ),
        _ => format!(
            "unknown `{ATTR}` attribute `{key}`; expected `skip` (on a field), or `bound = \"...\"`, \
             `crate = \"...\"` or `unsafe_drop` (on the type)"
        ),
    };
    meta.error(message)
}

/// How `key` is written, for messages: `#[trace(bound = "...")]`, `#[trace(skip)]`.
fn usage(key: &str) -> String {
    match key {
        "bound" | "crate" => format!("#[{ATTR}({key} = \"...\")]"),
        _ => format!("#[{ATTR}({key})]"),
    }
}

/// Consumes what is left of a rejected key's value (`= value` or `(...)`), if anything.
fn skip_value(meta: &ParseNestedMeta<'_>) {
    if meta.input.peek(Token![=]) {
        let _ = meta
            .value()
            .and_then(syn::parse::ParseBuffer::parse::<syn::Expr>);
    } else if meta.input.peek(syn::token::Paren) {
        // The whole `(...)` group is one token tree.
        let _ = meta.input.parse::<proc_macro2::TokenTree>();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    /// The messages of every error recorded while running `f`.
    fn messages(f: impl FnOnce(&mut Errors)) -> Vec<String> {
        let mut errors = Errors::default();
        f(&mut errors);
        match errors.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn reads_every_type_key() {
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[trace(crate = "::my::gc", unsafe_drop)]),
            parse_quote!(#[trace(bound = "T: Trace, U: 'static")]),
            parse_quote!(#[doc = "other attributes are ignored"]),
        ];
        let mut errors = Errors::default();
        let parsed = type_attrs(&attrs, &mut errors);
        assert!(errors.finish().is_ok());
        assert!(parsed.unsafe_drop);
        assert_eq!(parsed.crate_path, Some(parse_quote!(::my::gc)));
        let bound = parsed.bound.unwrap();
        assert_eq!(bound.len(), 2);
        assert_eq!(bound[1], parse_quote!(U: 'static));
    }

    #[test]
    fn empty_bound_means_no_predicates() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[trace(bound = "")])];
        let mut errors = Errors::default();
        assert_eq!(type_attrs(&attrs, &mut errors).bound, Some(Vec::new()));
        assert!(errors.finish().is_ok());
    }

    #[test]
    fn reads_skip_on_a_field() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[trace(skip)])];
        let mut errors = Errors::default();
        assert!(field_attrs(&attrs, &mut errors).skip);
        assert!(!field_attrs(&[], &mut errors).skip);
        assert!(errors.finish().is_ok());
    }

    #[test]
    fn unknown_key_lists_the_known_ones() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[trace(skipp)])];
        let found = messages(|e| {
            field_attrs(&attrs, e);
        });
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("unknown `trace` attribute `skipp`; expected `skip`"));
    }

    #[test]
    fn skip_on_the_type_points_to_fields() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[trace(skip)])];
        let found = messages(|e| {
            type_attrs(&attrs, e);
        });
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("`skip` goes on a field, not on the type"));
    }

    #[test]
    fn type_keys_on_a_field_or_variant_point_to_the_type() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[trace(unsafe_drop, bound = "T: X")])];
        let on_field = messages(|e| {
            field_attrs(&attrs, e);
        });
        assert_eq!(on_field.len(), 2, "{on_field:?}");
        assert!(on_field[0].starts_with("`unsafe_drop` is a type-level attribute"));
        assert_eq!(
            on_field[1],
            "`bound` is a type-level attribute: put `#[trace(bound = \"...\")]` on the struct or enum"
        );
        let on_variant = messages(|e| variant_attrs(&attrs, e));
        assert!(on_variant[0].starts_with("`unsafe_drop` is a type-level attribute"));
    }

    #[test]
    fn skip_on_a_variant_points_to_its_fields() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[trace(skip)])];
        let found = messages(|e| variant_attrs(&attrs, e));
        assert!(found[0].starts_with("`skip` goes on fields, not on a variant"));
    }

    #[test]
    fn every_bad_attribute_is_reported() {
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[trace(nope = "x")]),
            parse_quote!(#[trace(skip)]),
            parse_quote!(#[trace(crate = "not a path")]),
        ];
        let found = messages(|e| {
            type_attrs(&attrs, e);
        });
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("unknown `trace` attribute `nope`"));
        assert!(found[1].starts_with("`skip` goes on a field"));
        assert!(found[2].starts_with("`crate` must be a path"));
    }

    #[test]
    fn duplicates_and_values_on_flags_are_errors() {
        let dup: Vec<Attribute> = vec![parse_quote!(#[trace(skip)]), parse_quote!(#[trace(skip)])];
        let found = messages(|e| {
            field_attrs(&dup, e);
        });
        assert_eq!(found, ["duplicate `trace` attribute `skip`"]);
        let valued: Vec<Attribute> = vec![parse_quote!(#[trace(skip = true)])];
        let found = messages(|e| {
            field_attrs(&valued, e);
        });
        assert!(found[0].starts_with("`skip` takes no value"));
        let dup_crate: Vec<Attribute> = vec![
            parse_quote!(#[trace(crate = "a")]),
            parse_quote!(#[trace(crate = "b")]),
        ];
        let found = messages(|e| {
            type_attrs(&dup_crate, e);
        });
        assert_eq!(found, ["duplicate `trace` attribute `crate`"]);
    }

    #[test]
    fn bad_bound_and_missing_value_are_explained() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[trace(bound = "T +")])];
        let found = messages(|e| {
            type_attrs(&attrs, e);
        });
        assert!(
            found[0].starts_with("`bound` must be where-predicates"),
            "{found:?}"
        );
        let attrs: Vec<Attribute> = vec![parse_quote!(#[trace(bound)])];
        let found = messages(|e| {
            type_attrs(&attrs, e);
        });
        assert!(
            found[0].starts_with("`bound` needs a string value"),
            "{found:?}"
        );
    }

    #[test]
    fn bare_trace_attribute_is_an_error() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[trace])];
        assert_eq!(messages(|e| variant_attrs(&attrs, e)).len(), 1);
    }
}
