//! Byte sizes and durations as people write them: parsing and printing.
//!
//! The configuration (`TENURE_GC=memory_limit=512MiB,...`), error messages, the
//! per-cycle trace line and the statistics report all show sizes and times to a
//! person, so they share one spelling, defined here:
//!
//! - **Sizes** are a number, optional spaces, then a unit. Binary units are
//!   powers of 1024: `B`, `KiB`, `MiB`, `GiB`, `TiB`. Decimal (SI) units are
//!   powers of 1000: `KB`, `MB`, `GB`, `TB`, so `1MB` is 1,000,000 bytes, as on
//!   a disk label. A bare number is bytes. Units are matched without regard to
//!   case (`mib` = `MiB`); bare `K`/`M`/`G` are rejected as ambiguous. The
//!   number may have a decimal fraction (`1.5GiB`); a result that is not a whole
//!   number of bytes is rounded down.
//! - **Durations** need a unit, in lower case: `ns`, `us` (or `µs`), `ms`, `s`,
//!   with the same number syntax (`0.5ms` = `500us`).
//! - [`format_bytes`] prints binary units with one decimal (`4.0 MiB`) and
//!   [`format_duration`] prints the largest unit that keeps the number >= 1.
//!   Both outputs parse back with the parsers here (to within the printed
//!   precision).
//!
//! Invariant: parsing never panics and never overflows silently. Every
//! malformed or too-large input is an [`UnitError`] that quotes the input.

use std::fmt;
use std::time::Duration;

/// One kibibyte, in bytes (2^10).
pub const KIB: usize = 1 << 10;
/// One mebibyte, in bytes (2^20).
pub const MIB: usize = 1 << 20;
/// One gibibyte, in bytes (2^30). Fits in `usize` on every 32- and 64-bit target.
pub const GIB: usize = 1 << 30;

/// The size suffixes [`parse_size`] accepts, lower-cased, with their value in bytes.
///
/// Kept as `u128` so that `TiB` and `TB` exist on 32-bit targets too; a result
/// that does not fit in `usize` is reported as too large.
const SIZE_UNITS: [(&str, u128); 9] = [
    ("b", 1),
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("tib", 1 << 40),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("tb", 1_000_000_000_000),
];

/// The duration suffixes [`parse_duration`] accepts, with their value in nanoseconds.
const DURATION_UNITS: [(&str, u128); 5] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
];

/// Most fractional digits honoured, in decimal digits. 10^18 still fits in a
/// `u64`, and no unit here is finer than a byte or a nanosecond by more than
/// 10^12, so further digits cannot change the rounded-down result.
const MAX_FRACTION_DIGITS: u32 = 18;

/// Why a size or duration could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitError {
    /// The text that was being parsed, as given.
    pub input: String,
    /// What was wrong with it, in words (for example "unknown unit `K`").
    pub reason: String,
}

impl UnitError {
    fn new(input: &str, reason: impl Into<String>) -> UnitError {
        UnitError {
            input: input.to_owned(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for UnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot parse `{}`: {}", self.input, self.reason)
    }
}

impl std::error::Error for UnitError {}

/// Parses a byte size such as `512`, `64KiB`, `1.5 GiB` or `10MB` (see the
/// module docs for the units).
///
/// # Examples
///
/// ```
/// use gc_core::units::parse_size;
/// assert_eq!(parse_size("4MiB"), Ok(4 << 20));
/// assert_eq!(parse_size("1.5 KiB"), Ok(1536));
/// assert_eq!(parse_size("2KB"), Ok(2000));
/// assert!(parse_size("4K").is_err());
/// ```
pub fn parse_size(text: &str) -> Result<usize, UnitError> {
    const EXPECTED: &str = "expected a unit: B, KiB, MiB, GiB, TiB, KB, MB, GB or TB";
    let (number, unit) = split_number(text)?;
    let unit_lower = unit.to_ascii_lowercase();
    let multiplier = match unit_lower.as_str() {
        "" => 1,
        u => lookup(&SIZE_UNITS, u)
            .ok_or_else(|| UnitError::new(text, format!("unknown unit `{unit}`; {EXPECTED}")))?,
    };
    let bytes = scale(text, number, multiplier)?;
    usize::try_from(bytes)
        .map_err(|_| UnitError::new(text, "too large for this machine's address space"))
}

/// Parses a duration such as `500us`, `2ms`, `1.5 s` (see the module docs).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gc_core::units::parse_duration;
/// assert_eq!(parse_duration("500us"), Ok(Duration::from_micros(500)));
/// assert_eq!(parse_duration("0.5ms"), Ok(Duration::from_micros(500)));
/// assert!(parse_duration("5").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, UnitError> {
    const EXPECTED: &str = "expected a unit: ns, us, ms or s";
    let (number, unit) = split_number(text)?;
    if unit.is_empty() {
        return Err(UnitError::new(
            text,
            format!("a duration needs a unit; {EXPECTED}"),
        ));
    }
    let multiplier = lookup(&DURATION_UNITS, unit)
        .ok_or_else(|| UnitError::new(text, format!("unknown unit `{unit}`; {EXPECTED}")))?;
    let nanos = scale(text, number, multiplier)?;
    let nanos = u64::try_from(nanos).map_err(|_| UnitError::new(text, "too long"))?;
    Ok(Duration::from_nanos(nanos))
}

/// Formats a byte count for people: bytes below 1 KiB (`512 B`), otherwise the
/// largest binary unit with one decimal (`4.0 MiB`, `1.5 GiB`).
///
/// # Examples
///
/// ```
/// use gc_core::units::format_bytes;
/// assert_eq!(format_bytes(100), "100 B");
/// assert_eq!(format_bytes(4 << 20), "4.0 MiB");
/// assert_eq!(format_bytes(1536), "1.5 KiB");
/// ```
pub fn format_bytes(bytes: usize) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < KIB {
        return format!("{bytes} B");
    }
    // f64 has 53 bits of mantissa: exact below 8 PiB, and one printed decimal
    // never needs more than that.
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    // Move up while the value would print as 1024.0 or more.
    while value >= 1023.95 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Formats a byte count exactly, in the largest binary unit that divides it
/// (`64 KiB`, `1 GiB`, `100000 B`): for limits and error messages, where a
/// rounded figure would mislead.
///
/// # Examples
///
/// ```
/// use gc_core::units::format_bytes_exact;
/// assert_eq!(format_bytes_exact(64 << 10), "64 KiB");
/// assert_eq!(format_bytes_exact(1 << 30), "1 GiB");
/// assert_eq!(format_bytes_exact(1536), "1536 B");
/// ```
pub fn format_bytes_exact(bytes: usize) -> String {
    const UNITS: [(&str, u32); 6] = [
        ("EiB", 60),
        ("PiB", 50),
        ("TiB", 40),
        ("GiB", 30),
        ("MiB", 20),
        ("KiB", 10),
    ];
    let bytes = bytes as u64;
    for (name, shift) in UNITS {
        // Nonzero and divisible by 2^shift: the low `shift` bits are all zero.
        if bytes != 0 && bytes.trailing_zeros() >= shift {
            return format!("{} {name}", bytes >> shift);
        }
    }
    format!("{bytes} B")
}

/// Formats a duration for people with the largest unit that keeps the number
/// at least 1 (`750 ns`, `1.5 us`, `2 ms`, `1.25 s`), dropping trailing zeros
/// after at most three decimals.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gc_core::units::format_duration;
/// assert_eq!(format_duration(Duration::from_micros(500)), "500 us");
/// assert_eq!(format_duration(Duration::from_millis(1500)), "1.5 s");
/// ```
pub fn format_duration(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    let (value, unit) = match nanos {
        n if n >= 1_000_000_000 => (n as f64 / 1e9, "s"),
        n if n >= 1_000_000 => (n as f64 / 1e6, "ms"),
        n if n >= 1_000 => (n as f64 / 1e3, "us"),
        n => (n as f64, "ns"),
    };
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} {unit}")
}

/// Formats a duration exactly, in the largest unit whose decimal digits hold
/// it without rounding: what `TENURE_GC` writes, so that a configuration
/// printed by `Config::to_env_string` parses back to the same value (found by
/// the `env_config` fuzz target: `1.7991s` printed as `1.799 s`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gc_core::units::format_duration_exact;
/// assert_eq!(format_duration_exact(Duration::from_nanos(1_799_100_000)), "1.7991 s");
/// assert_eq!(format_duration_exact(Duration::from_micros(1500)), "1.5 ms");
/// assert_eq!(format_duration_exact(Duration::from_nanos(1_000_001)), "1.000001 ms");
/// ```
pub fn format_duration_exact(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    let (scale, unit) = match nanos {
        n if n >= 1_000_000_000 => (1_000_000_000, "s"),
        n if n >= 1_000_000 => (1_000_000, "ms"),
        n if n >= 1_000 => (1_000, "us"),
        _ => (1, "ns"),
    };
    let whole = nanos / scale;
    let fraction = nanos % scale;
    if fraction == 0 {
        return format!("{whole} {unit}");
    }
    let digits = scale.ilog10() as usize;
    let fraction = format!("{fraction:0digits$}");
    format!("{whole}.{} {unit}", fraction.trim_end_matches('0'))
}

/// A decimal number split into its integer digits and fraction digits.
struct Decimal<'a> {
    integer: &'a str,
    fraction: &'a str,
}

/// Splits `text` (trimmed) into a decimal number and the unit after it.
fn split_number(text: &str) -> Result<(Decimal<'_>, &str), UnitError> {
    let trimmed = text.trim();
    let end = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(end);
    let (integer, fraction) = number.split_once('.').unwrap_or((number, ""));
    let valid = !integer.is_empty()
        && !fraction.contains('.')
        && (number.len() == integer.len() || !fraction.is_empty());
    if !valid {
        return Err(UnitError::new(
            text,
            "expected a non-negative number such as `64` or `1.5`",
        ));
    }
    Ok((Decimal { integer, fraction }, unit.trim_start()))
}

/// Finds `unit` in a unit table.
fn lookup(table: &[(&str, u128)], unit: &str) -> Option<u128> {
    table
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|&(_, value)| value)
}

/// Multiplies a decimal number by a unit, rounding down, with overflow checks.
fn scale(text: &str, number: Decimal<'_>, multiplier: u128) -> Result<u128, UnitError> {
    let too_large = || UnitError::new(text, "number too large");
    let integer: u128 = number.integer.parse().map_err(|_| too_large())?;
    let whole = integer.checked_mul(multiplier).ok_or_else(too_large)?;
    let digits = &number.fraction[..number.fraction.len().min(MAX_FRACTION_DIGITS as usize)];
    if digits.is_empty() {
        return Ok(whole);
    }
    let numerator: u128 = digits.parse().map_err(|_| too_large())?;
    let denominator = 10u128.pow(digits.len() as u32);
    // numerator < 10^18 and multiplier <= 10^12: the product fits in a u128.
    let part = numerator * multiplier / denominator;
    whole.checked_add(part).ok_or_else(too_large)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_every_unit() {
        let cases: [(&str, usize); 13] = [
            ("0", 0),
            ("512", 512),
            ("512B", 512),
            ("64KiB", 64 << 10),
            ("4MiB", 4 << 20),
            ("4 MiB", 4 << 20),
            ("  4mib  ", 4 << 20),
            ("1GiB", 1 << 30),
            ("1.5GiB", 3 << 29),
            ("0.5KiB", 512),
            ("10KB", 10_000),
            ("3MB", 3_000_000),
            ("2GB", 2_000_000_000),
        ];
        for (text, want) in cases {
            assert_eq!(parse_size(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn sizes_round_down_to_whole_bytes() {
        assert_eq!(parse_size("0.3KiB"), Ok(307));
        assert_eq!(parse_size("1.9999B"), Ok(1));
    }

    #[test]
    fn bad_sizes_are_errors_that_quote_the_input() {
        for text in [
            "", "K", "4K", "4M", "MiB", "-1", "1.2.3", ".5", "1.", "4 MiB x", "1e3", "0x10",
        ] {
            let err = parse_size(text).expect_err(text);
            assert_eq!(err.input, text);
            assert!(err.to_string().contains(&format!("`{text}`")));
        }
    }

    #[test]
    fn sizes_too_large_are_errors_not_panics() {
        assert!(parse_size("99999999999999999999999999999999999999TiB").is_err());
        assert!(parse_size("18446744073709551616").is_err());
        assert!(parse_size("100000000000TiB").is_err());
    }

    #[test]
    fn many_fraction_digits_are_accepted() {
        assert_eq!(parse_size("1.0000000000000000000000001KiB"), Ok(1024));
    }

    #[test]
    fn durations_in_every_unit() {
        let cases = [
            ("250ns", Duration::from_nanos(250)),
            ("500us", Duration::from_micros(500)),
            ("500µs", Duration::from_micros(500)),
            ("2ms", Duration::from_millis(2)),
            ("2 ms", Duration::from_millis(2)),
            ("1.5s", Duration::from_millis(1500)),
            ("0.5ms", Duration::from_micros(500)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn bad_durations_are_errors() {
        for text in [
            "",
            "5",
            "5 min",
            "ms",
            "-2ms",
            "5MS",
            "99999999999999999999999s",
        ] {
            assert!(parse_duration(text).is_err(), "{text}");
        }
    }

    #[test]
    fn format_bytes_picks_the_largest_unit() {
        assert_eq!(format_bytes(0), "0 B");
        assert_eq!(format_bytes(1023), "1023 B");
        assert_eq!(format_bytes(1024), "1.0 KiB");
        assert_eq!(format_bytes(64 << 10), "64.0 KiB");
        assert_eq!(format_bytes((1 << 20) - 1), "1.0 MiB");
        assert_eq!(format_bytes(3 << 29), "1.5 GiB");
        assert_eq!(format_bytes(usize::MAX), "16.0 EiB");
    }

    #[test]
    fn format_bytes_exact_never_rounds() {
        assert_eq!(format_bytes_exact(0), "0 B");
        assert_eq!(format_bytes_exact(256), "256 B");
        assert_eq!(format_bytes_exact(1024), "1 KiB");
        assert_eq!(format_bytes_exact(1025), "1025 B");
        assert_eq!(format_bytes_exact(3 << 20), "3 MiB");
        assert_eq!(format_bytes_exact(usize::MAX), format!("{} B", usize::MAX));
        for bytes in [0, 7, 4096, 5 << 30, (1 << 20) + 1] {
            assert_eq!(parse_size(&format_bytes_exact(bytes)), Ok(bytes));
        }
    }

    #[test]
    fn format_duration_picks_the_largest_unit() {
        assert_eq!(format_duration(Duration::ZERO), "0 ns");
        assert_eq!(format_duration(Duration::from_nanos(750)), "750 ns");
        assert_eq!(format_duration(Duration::from_nanos(1500)), "1.5 us");
        assert_eq!(format_duration(Duration::from_millis(2)), "2 ms");
        assert_eq!(format_duration(Duration::from_millis(1250)), "1.25 s");
    }

    #[test]
    fn exact_durations_parse_back() {
        for nanos in [
            0,
            1,
            999,
            1_000,
            1_500,
            1_000_001,
            1_799_100_000,
            10_000_000_001,
        ] {
            let duration = Duration::from_nanos(nanos);
            assert_eq!(
                parse_duration(&format_duration_exact(duration)),
                Ok(duration)
            );
        }
    }

    #[test]
    fn formatted_values_parse_back() {
        for bytes in [0, 1, 1023, 1024, 64 << 10, 4 << 20, 1 << 30] {
            assert_eq!(parse_size(&format_bytes(bytes)), Ok(bytes));
        }
        for micros in [1, 10, 500, 2_000, 10_000_000] {
            let d = Duration::from_micros(micros);
            assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }
    }
}
