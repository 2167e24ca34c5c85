//! The derive input reduced to what code generation needs.
//!
//! Structs and enums are handled alike: a struct is one variant named `Self`, an enum has a
//! variant `Self::V` per `V`. Every field is addressed by its [`Member`] (a name, or an index
//! for tuple fields), so that one braced pattern shape covers every kind of struct and
//! variant: `Self { a: f0, 1: f1, .. }` matches a named struct, a tuple struct and (with no
//! fields) a unit struct. Skipped fields are left to the `..`, which is why they are not
//! bound and need no `Trace` impl.
//!
//! Unions are refused here: the macro cannot know which field of a union is live, so it
//! cannot visit exactly the `Gc` pointers the union holds (contract rule 1).

use crate::attrs::{self, TypeAttrs};
use crate::errors::Errors;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Generics, Ident, Index, Member, Type};

/// The derived type, ready for checks and code generation.
pub(crate) struct Model<'a> {
    /// The type's name.
    pub(crate) ident: &'a Ident,
    /// The type's own generics, before any bound is added.
    pub(crate) generics: &'a Generics,
    /// The type-level `#[trace(...)]` options.
    pub(crate) attrs: TypeAttrs,
    /// One entry for a struct, one per variant for an enum (so none for an empty enum).
    pub(crate) variants: Vec<Variant<'a>>,
}

/// One way the value can be laid out: the struct itself, or one enum variant.
pub(crate) struct Variant<'a> {
    /// The path to use in a pattern: `Self` or `Self::Name`.
    pub(crate) path: TokenStream,
    /// The variant's name for an enum, `None` for a struct (field names in
    /// heap snapshots are prefixed with it: `Cons.car`).
    pub(crate) name: Option<String>,
    /// Every field, skipped or not, in declaration order.
    pub(crate) fields: Vec<Field<'a>>,
}

/// One field of a struct or variant.
pub(crate) struct Field<'a> {
    /// How the field is named in a pattern: `name` or `0`.
    pub(crate) member: Member,
    /// The declared type.
    pub(crate) ty: &'a Type,
    /// `#[trace(skip)]`: not traced, must be `'static`.
    pub(crate) skip: bool,
}

impl Model<'_> {
    /// Every field of every variant.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &Field<'_>> {
        self.variants
            .iter()
            .flat_map(|variant| variant.fields.iter())
    }

    /// Every field that is traced (not skipped).
    pub(crate) fn traced_fields(&self) -> impl Iterator<Item = &Field<'_>> {
        self.fields().filter(|field| !field.skip)
    }
}

/// Reduces `input` to a [`Model`], recording attribute mistakes in `errors`.
///
/// Fails at once, with only that error, for a union.
pub(crate) fn build<'a>(input: &'a DeriveInput, errors: &mut Errors) -> syn::Result<Model<'a>> {
    let attrs = attrs::type_attrs(&input.attrs, errors);
    let variants = match &input.data {
        Data::Struct(data) => vec![variant(quote!(Self), None, &data.fields, errors)],
        Data::Enum(data) => {
            let variants = data.variants.iter().map(|v| {
                attrs::variant_attrs(&v.attrs, errors);
                let name = &v.ident;
                variant(
                    quote!(Self::#name),
                    Some(name.to_string()),
                    &v.fields,
                    errors,
                )
            });
            variants.collect()
        }
        Data::Union(data) => return Err(union_error(data.union_token.span)),
    };
    Ok(Model {
        ident: &input.ident,
        generics: &input.generics,
        attrs,
        variants,
    })
}

/// The [`Variant`] at `path` with `fields`.
fn variant<'a>(
    path: TokenStream,
    name: Option<String>,
    fields: &'a Fields,
    errors: &mut Errors,
) -> Variant<'a> {
    let fields = fields.iter().enumerate().map(|(index, field)| {
        let member = match &field.ident {
            Some(name) => Member::Named(name.clone()),
            None => Member::Unnamed(Index {
                index: index as u32,
                span: field.ty.span(),
            }),
        };
        let skip = attrs::field_attrs(&field.attrs, errors).skip;
        Field {
            member,
            ty: &field.ty,
            skip,
        }
    });
    Variant {
        path,
        name,
        fields: fields.collect(),
    }
}

/// Why unions are refused.
fn union_error(span: Span) -> syn::Error {
    syn::Error::new(
        span,
        "`#[derive(Trace)]` does not support unions: it cannot know which field is live, so it \
         cannot visit exactly the Gc pointers the union holds; use an enum, or implement \
         `Trace` by hand",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn structs_of_every_kind_are_one_variant() {
        let named: DeriveInput = parse_quote!(
            struct S<'gc> {
                a: u8,
                #[trace(skip)]
                b: String,
                c: Gc<'gc, u8>,
            }
        );
        let tuple: DeriveInput = parse_quote!(
            struct T(u8, #[trace(skip)] u16);
        );
        let unit: DeriveInput = parse_quote!(
            struct U;
        );
        let mut errors = Errors::default();
        let named = build(&named, &mut errors).unwrap();
        let tuple = build(&tuple, &mut errors).unwrap();
        let unit = build(&unit, &mut errors).unwrap();
        assert!(errors.finish().is_ok());

        assert_eq!(named.variants.len(), 1);
        assert_eq!(named.variants[0].path.to_string(), "Self");
        let members: Vec<Member> = named.fields().map(|f| f.member.clone()).collect();
        assert_eq!(members, [parse_quote!(a), parse_quote!(b), parse_quote!(c)]);
        assert_eq!(named.traced_fields().count(), 2);

        let members: Vec<Member> = tuple.fields().map(|f| f.member.clone()).collect();
        assert_eq!(members, [parse_quote!(0), parse_quote!(1)]);
        assert!(tuple.fields().nth(1).unwrap().skip);

        assert_eq!(unit.fields().count(), 0);
    }

    #[test]
    fn enums_have_a_variant_each() {
        let input: DeriveInput = parse_quote!(
            enum E<T> {
                A,
                B(T),
                C {
                    x: T,
                    #[trace(skip)]
                    y: u8,
                },
            }
        );
        let mut errors = Errors::default();
        let model = build(&input, &mut errors).unwrap();
        assert!(errors.finish().is_ok());
        let paths: Vec<String> = model.variants.iter().map(|v| v.path.to_string()).collect();
        assert_eq!(paths, ["Self :: A", "Self :: B", "Self :: C"]);
        assert_eq!(model.fields().count(), 3);
        assert_eq!(model.traced_fields().count(), 2);
    }

    #[test]
    fn unions_are_refused_with_a_reason() {
        let input: DeriveInput = parse_quote!(union U { a: u8, b: u16 });
        let error = build(&input, &mut Errors::default()).err().unwrap();
        assert!(error.to_string().contains("does not support unions"));
    }

    #[test]
    fn attribute_errors_in_fields_and_variants_are_collected() {
        let input: DeriveInput = parse_quote!(
            #[trace(skip)]
            enum E {
                #[trace(skip)]
                A(#[trace(bogus)] u8),
            }
        );
        let mut errors = Errors::default();
        assert!(build(&input, &mut errors).is_ok());
        assert_eq!(errors.finish().unwrap_err().into_iter().count(), 3);
    }
}
