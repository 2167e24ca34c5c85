//! How each knob's value is written in `TENURE_GC` and in messages.
//!
//! The knob table ([`super::table`]) names each knob's Rust type; this module
//! gives every such type one [`Value`] impl: how `TENURE_GC` spells it (parse
//! and print, which round-trip), how an error message shows it, and the phrase
//! that says what was expected when a value does not parse. So a new knob of an
//! existing type needs no parsing code at all.
//!
//! The spellings (see the [module docs of `config`](super) for the whole
//! syntax): sizes as in [`crate::policy::units`] (`8MiB`), durations with a
//! unit (`500us`), switches `on`/`off` (also `true`/`false`, `yes`/`no`,
//! `1`/`0`), an optional value `off` or `none` for `None`, a fraction as
//! `0.5` or `50%`, tenuring as `adaptive`, `adaptive|MAX`, `fixed|N` or `N`.
//! Parsing only reads syntax; ranges are the rules' job ([`super::rule`]).
//! Invariant: parsing never panics, and `parse(v.env()) == Some(v)` for every
//! value a rule accepts.

use std::time::Duration;

use crate::policy::pacer::young::Tenuring;
use crate::policy::units::{format_bytes_exact, format_duration_exact, parse_duration, parse_size};

/// A knob's value type: its `TENURE_GC` syntax and its spelling in messages.
pub(crate) trait Value: Copy + PartialEq + std::fmt::Debug {
    /// What a `TENURE_GC` value of this type must look like, for
    /// [`super::ConfigError::BadValue`] (for example "a size such as `8MiB`").
    const EXPECTED: &'static str;

    /// Reads a trimmed `TENURE_GC` value; `None` when it does not parse.
    fn parse(text: &str) -> Option<Self>;

    /// The value in `TENURE_GC` syntax (no spaces); parses back to `self`.
    fn env(self) -> String;

    /// The value as messages show it to people (`64 KiB`, `500 us`).
    fn human(self) -> String {
        self.env()
    }
}

impl Value for bool {
    const EXPECTED: &'static str = "`on` or `off`";

    fn parse(text: &str) -> Option<bool> {
        match text.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => Some(true),
            "off" | "false" | "no" | "0" => Some(false),
            _ => None,
        }
    }

    fn env(self) -> String {
        let text = if self { "on" } else { "off" };
        text.to_owned()
    }
}

/// Sizes in bytes (and work units, which count bytes scanned).
impl Value for usize {
    const EXPECTED: &'static str = "a size such as `8MiB`";

    fn parse(text: &str) -> Option<usize> {
        parse_size(text).ok()
    }

    fn env(self) -> String {
        self.human().replace(' ', "")
    }

    fn human(self) -> String {
        format_bytes_exact(self)
    }
}

impl Value for u32 {
    const EXPECTED: &'static str = "an integer";

    fn parse(text: &str) -> Option<u32> {
        text.parse().ok()
    }

    fn env(self) -> String {
        self.to_string()
    }
}

impl Value for u8 {
    const EXPECTED: &'static str = "an integer";

    fn parse(text: &str) -> Option<u8> {
        text.parse().ok()
    }

    fn env(self) -> String {
        self.to_string()
    }
}

impl Value for Duration {
    const EXPECTED: &'static str = "a duration such as `500us` or `2ms`";

    fn parse(text: &str) -> Option<Duration> {
        parse_duration(text).ok()
    }

    fn env(self) -> String {
        self.human().replace(' ', "")
    }

    fn human(self) -> String {
        format_duration_exact(self)
    }
}

/// A fraction, written `0.5` or `50%`.
impl Value for f64 {
    const EXPECTED: &'static str = "a fraction such as `0.5` or a percent such as `50%`";

    fn parse(text: &str) -> Option<f64> {
        let (number, scale) = match text.strip_suffix('%') {
            Some(number) => (number.trim_end(), 100.0),
            None => (text, 1.0),
        };
        // Accept only plain decimals: `f64::from_str` would also take `inf` and `NaN`.
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return None;
        }
        number.parse::<f64>().ok().map(|value| value / scale)
    }

    fn env(self) -> String {
        self.to_string()
    }
}

impl Value for Tenuring {
    const EXPECTED: &'static str = "`adaptive`, `adaptive|MAX`, `fixed|N` or `N`";

    fn parse(text: &str) -> Option<Tenuring> {
        let lower = text.to_ascii_lowercase();
        let (kind, number) = match lower.split_once('|') {
            Some((kind, number)) => (kind.trim(), Some(number.trim())),
            None => (lower.trim(), None),
        };
        match (kind, number) {
            ("adaptive", None) => Some(Tenuring::default()),
            ("adaptive", Some(n)) => n.parse().ok().map(|max| Tenuring::Adaptive { max }),
            ("fixed", Some(n)) => n.parse().ok().map(Tenuring::Fixed),
            (n, None) => n.parse().ok().map(Tenuring::Fixed),
            _ => None,
        }
    }

    fn env(self) -> String {
        match self {
            Tenuring::Fixed(age) => format!("fixed|{age}"),
            Tenuring::Adaptive { max } => format!("adaptive|{max}"),
        }
    }
}

/// An optional value: `off` (or `none`) for `None`.
///
/// The expected-syntax phrase is per concrete type, because `BadValue` holds a
/// `&'static str`: `Option<u32>` reads as a percent, as `gc_percent` is the
/// only optional integer knob (give a new one its own type if it is not a
/// percent).
macro_rules! optional_value {
    ($($inner:ty => $expected:literal;)*) => {
        $(
            impl Value for Option<$inner> {
                const EXPECTED: &'static str = $expected;

                fn parse(text: &str) -> Option<Option<$inner>> {
                    if text.eq_ignore_ascii_case("off") || text.eq_ignore_ascii_case("none") {
                        return Some(None);
                    }
                    <$inner as Value>::parse(text).map(Some)
                }

                fn env(self) -> String {
                    self.map_or_else(|| "off".to_owned(), Value::env)
                }

                fn human(self) -> String {
                    self.map_or_else(|| "off".to_owned(), Value::human)
                }
            }
        )*
    };
}

optional_value! {
    u32 => "an integer percent or `off`";
    usize => "a size such as `512MiB`, or `off`";
    Duration => "a duration such as `500us` or `2ms`, or `off`";
}
