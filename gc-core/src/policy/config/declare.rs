//! The macro that turns the knob table into code, and the per-field record
//! ([`Field`]) the parser, printer and validator walk.
//!
//! [`knob_table!`] takes one entry per knob (see [`super::table`] for the
//! table and its format) and generates everything that used to be written by
//! hand for each knob, in the spirit of MMTk's `options!`:
//!
//! | generated | from |
//! |---|---|
//! | the `Config` field and its doc | name, type, doc |
//! | `Config::DEFAULT` and `impl Default` | default |
//! | the getter `Config::NAME()` | name, type, doc, default, rule, unit |
//! | the validating setter `Config::set_NAME()` | setter name |
//! | the builder method `ConfigBuilder::NAME()` | name, type, doc |
//! | the [`Field`] row: `TENURE_GC` key, aliases, parser, printer, range text, check | name, aliases, type, rule |
//! | one bounds test per knob (`table::bounds::NAME`) | rule, default, builder, setter |
//! | the knob's row in `docs/tuning.md` (through `reference.rs`) | everything above |
//!
//! The parsing and printing come from the type's [`super::syntax::Value`]
//! impl and the range from the rule ([`super::rule`]); the macro only wires
//! them to the field.

use super::error::ConfigError;
use super::Config;

/// Everything the parser, the printer and the validator know about one knob:
/// one row of the table, in declaration order.
pub(crate) struct Field {
    /// Canonical `TENURE_GC` key, also the field's name in errors.
    pub(crate) name: &'static str,
    /// Other keys accepted in `TENURE_GC` (lower case).
    pub(crate) aliases: &'static [&'static str],
    /// Parses a trimmed value into the config; on failure returns the
    /// expected syntax. Ranges are not checked here.
    pub(crate) parse: fn(&mut Config, &str) -> Result<(), &'static str>,
    /// Prints the field's value in `TENURE_GC` syntax.
    pub(crate) show: fn(&Config) -> String,
    /// Describes the accepted values (the text errors and docs show).
    pub(crate) accepted: fn() -> String,
    /// Checks the field's range (relations are checked separately).
    pub(crate) check: fn(&Config) -> Result<(), ConfigError>,
    /// The unit or syntax, in words, for the docs.
    #[cfg(test)]
    pub(crate) unit: &'static str,
    /// The knob's doc comment, one line per `///` line.
    #[cfg(test)]
    pub(crate) doc: &'static str,
}

/// Declares the knobs: see the module docs for what it generates and
/// [`super::table`] for the one invocation.
macro_rules! knob_table {
    (
        $(#[$struct_meta:meta])*
        pub struct Config;

        $(
            $(#[doc = $doc:literal])+
            $name:ident: $ty:ty {
                set: $setter:ident,
                aliases: [$($alias:literal),*],
                default: $default:expr,
                accepts: $accept:expr,
                unit: $unit:literal,
            }
        )+
    ) => {
        $(#[$struct_meta])*
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct Config {
            $(
                $(#[doc = $doc])+
                pub(crate) $name: $ty,
            )+
        }

        impl Config {
            /// Every knob at its default, as a constant (the pacer's defaults
            /// are read from here too).
            pub(crate) const DEFAULT: Config = Config {
                $($name: $default,)+
            };

            $(
                $(#[doc = $doc])+
                ///
                #[doc = concat!(
                    "Table entry: default `", stringify!($default), "`, accepts `",
                    stringify!($accept), "`, unit ", $unit, "; `TENURE_GC` key `",
                    stringify!($name), "`", $(", alias `", $alias, "`",)* "."
                )]
                pub fn $name(&self) -> $ty {
                    self.$name
                }

                #[doc = concat!(
                    "Sets [`Config::", stringify!($name), "`] at run time after checking ",
                    "it like the builder does; returns the old value, or an error and no change."
                )]
                pub fn $setter(&mut self, value: $ty) -> Result<$ty, ConfigError> {
                    self.update(value, |c| &mut c.$name)
                }
            )+
        }

        impl Default for Config {
            fn default() -> Config {
                Config::DEFAULT
            }
        }

        impl ConfigBuilder {
            $(
                $(#[doc = $doc])+
                ///
                #[doc = concat!("Checked by [`ConfigBuilder::build`]; see [`Config::", stringify!($name), "`].")]
                pub fn $name(mut self, value: $ty) -> ConfigBuilder {
                    self.draft.$name = value;
                    self
                }
            )+
        }

        /// The knobs, in declaration order (the order of `TENURE_GC` keys in
        /// [`Config::keys`] and [`Config::to_env_string`]).
        pub(crate) const FIELDS: &[Field] = &[
            $(
                Field {
                    name: stringify!($name),
                    aliases: &[$($alias),*],
                    parse: |c, v| match <$ty as Value>::parse(v) {
                        Some(x) => {
                            c.$name = x;
                            Ok(())
                        }
                        None => Err(<$ty as Value>::EXPECTED),
                    },
                    show: |c| Value::env(c.$name),
                    accepted: || Rule::<$ty>::describe(&$accept),
                    check: |c| rule::check(stringify!($name), &$accept, c.$name),
                    #[cfg(test)]
                    unit: $unit,
                    #[cfg(test)]
                    doc: concat!($($doc, "\n"),+),
                },
            )+
        ];

        /// One bounds test per knob, named after it: the default is in range,
        /// each bound is accepted and the nearest value past it rejected, by
        /// the builder, the setter and `TENURE_GC` alike.
        #[cfg(test)]
        mod bounds {
            use super::*;

            $(
                #[test]
                fn $name() {
                    $crate::policy::config::bounds::check_bounds::<$ty>(
                        stringify!($name),
                        &$accept,
                        |b, v| b.$name(v),
                        |c, v| c.$setter(v),
                        |c| c.$name,
                    );
                }
            )+
        }
    };
}

pub(crate) use knob_table;
