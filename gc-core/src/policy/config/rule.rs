//! The accepted values of a knob, as one rule that checks, describes and (in
//! tests) finds its own edges.
//!
//! A knob's `accepts:` entry in the table ([`super::table`]) is built from the
//! functions here: [`between`] (`min ..= max`), [`at_least`], [`above_at_most`]
//! (`(low, high]`), [`on_off`] (every switch value), [`off_or`] (`None` or a
//! value the inner rule accepts) and [`ages`] (a tenuring threshold in range).
//! One rule serves three readers, so they cannot disagree:
//! - the validator ([`check`]), whose [`ConfigError::OutOfRange`] names the
//!   field and quotes [`Rule::describe`];
//! - the docs, whose knob table prints the same description;
//! - the generated bounds tests, which take each rule's edges: the bound
//!   itself (accepted) and the nearest value outside it (rejected).

use super::error::ConfigError;
use super::syntax::Value;
use crate::policy::pacer::young::Tenuring;

/// The set of values a knob accepts.
pub(crate) trait Rule<T: Value> {
    /// Whether `value` is accepted.
    fn accepts(&self, value: T) -> bool;

    /// The accepted values in words (`64 KiB ..= 1 GiB`), as errors and docs show them.
    fn describe(&self) -> String;

    /// Each edge of the accepted set: a value on it (accepted) and the nearest
    /// value beyond it, if the type has one (rejected).
    #[cfg(test)]
    fn edges(&self) -> Vec<Edge<T>>;
}

/// One edge of a rule, for the bounds tests.
#[cfg(test)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Edge<T> {
    /// The value on the edge; accepted.
    pub(crate) inside: T,
    /// The nearest value past it; rejected. `None` at the end of the type.
    pub(crate) outside: Option<T>,
}

/// Checks one field's value against its rule.
pub(crate) fn check<T: Value>(
    field: &'static str,
    rule: &impl Rule<T>,
    value: T,
) -> Result<(), ConfigError> {
    if rule.accepts(value) {
        return Ok(());
    }
    Err(ConfigError::OutOfRange {
        field,
        value: value.human(),
        accepted: rule.describe(),
    })
}

/// Every value of a switch.
pub(crate) struct OnOff;

/// Accepts both `on` and `off`.
pub(crate) const fn on_off() -> OnOff {
    OnOff
}

impl Rule<bool> for OnOff {
    fn accepts(&self, _: bool) -> bool {
        true
    }

    fn describe(&self) -> String {
        "on or off".to_owned()
    }

    #[cfg(test)]
    fn edges(&self) -> Vec<Edge<bool>> {
        [false, true]
            .map(|inside| Edge {
                inside,
                outside: None,
            })
            .to_vec()
    }
}

/// `min ..= max`.
pub(crate) struct Between<T> {
    min: T,
    max: T,
}

/// Accepts `min ..= max`.
pub(crate) const fn between<T>(min: T, max: T) -> Between<T> {
    Between { min, max }
}

impl<T: Value + PartialOrd + Step> Rule<T> for Between<T> {
    fn accepts(&self, value: T) -> bool {
        self.min <= value && value <= self.max
    }

    fn describe(&self) -> String {
        format!("{} ..= {}", self.min.human(), self.max.human())
    }

    #[cfg(test)]
    fn edges(&self) -> Vec<Edge<T>> {
        vec![
            Edge {
                inside: self.min,
                outside: self.min.below(),
            },
            Edge {
                inside: self.max,
                outside: self.max.above(),
            },
        ]
    }
}

/// `min` or more, with no upper bound.
pub(crate) struct AtLeast<T> {
    min: T,
}

/// Accepts `min` and above.
pub(crate) const fn at_least<T>(min: T) -> AtLeast<T> {
    AtLeast { min }
}

impl<T: Value + PartialOrd + Step> Rule<T> for AtLeast<T> {
    fn accepts(&self, value: T) -> bool {
        self.min <= value
    }

    fn describe(&self) -> String {
        format!("at least {}", self.min.human())
    }

    #[cfg(test)]
    fn edges(&self) -> Vec<Edge<T>> {
        vec![Edge {
            inside: self.min,
            outside: self.min.below(),
        }]
    }
}

/// `(low, high]`: above `low`, at most `high`.
pub(crate) struct AboveAtMost<T> {
    low: T,
    high: T,
}

/// Accepts values above `low` and at most `high`.
pub(crate) const fn above_at_most<T>(low: T, high: T) -> AboveAtMost<T> {
    AboveAtMost { low, high }
}

impl<T: Value + PartialOrd + Step> Rule<T> for AboveAtMost<T> {
    fn accepts(&self, value: T) -> bool {
        // Written so that an unordered value (NaN) is rejected.
        self.low < value && value <= self.high
    }

    fn describe(&self) -> String {
        format!("({}, {}]", self.low.human(), self.high.human())
    }

    #[cfg(test)]
    fn edges(&self) -> Vec<Edge<T>> {
        let lowest = self.low.above().expect("a value above the lower bound");
        vec![
            Edge {
                inside: lowest,
                outside: Some(self.low),
            },
            Edge {
                inside: self.high,
                outside: self.high.above(),
            },
        ]
    }
}

/// `None` (written `off`), or a value the inner rule accepts.
pub(crate) struct OffOr<R> {
    inner: R,
}

/// Accepts `off` and whatever `inner` accepts.
pub(crate) const fn off_or<R>(inner: R) -> OffOr<R> {
    OffOr { inner }
}

impl<T: Value, R: Rule<T>> Rule<Option<T>> for OffOr<R>
where
    Option<T>: Value,
{
    fn accepts(&self, value: Option<T>) -> bool {
        value.is_none_or(|v| self.inner.accepts(v))
    }

    fn describe(&self) -> String {
        format!("{}, or off", self.inner.describe())
    }

    #[cfg(test)]
    fn edges(&self) -> Vec<Edge<Option<T>>> {
        self.inner
            .edges()
            .into_iter()
            .map(|edge| Edge {
                inside: Some(edge.inside),
                outside: edge.outside.map(Some),
            })
            .collect()
    }
}

/// A tenuring policy whose threshold (fixed, or the adaptive maximum) the
/// inner rule accepts.
pub(crate) struct Ages<R> {
    threshold: R,
}

/// Accepts `fixed|N` and `adaptive|N` for every `N` that `threshold` accepts.
pub(crate) const fn ages<R>(threshold: R) -> Ages<R> {
    Ages { threshold }
}

impl<R: Rule<u8>> Rule<Tenuring> for Ages<R> {
    fn accepts(&self, value: Tenuring) -> bool {
        let (Tenuring::Fixed(age) | Tenuring::Adaptive { max: age }) = value;
        self.threshold.accepts(age)
    }

    fn describe(&self) -> String {
        format!(
            "adaptive|N or fixed|N with N in {}",
            self.threshold.describe()
        )
    }

    #[cfg(test)]
    fn edges(&self) -> Vec<Edge<Tenuring>> {
        let forms: [fn(u8) -> Tenuring; 2] = [Tenuring::Fixed, |max| Tenuring::Adaptive { max }];
        let mut edges = Vec::new();
        for edge in self.threshold.edges() {
            for form in forms {
                edges.push(Edge {
                    inside: form(edge.inside),
                    outside: edge.outside.map(form),
                });
            }
        }
        edges
    }
}

/// The neighbours of a bound, for the bounds tests: the nearest value below
/// and above that messages and `TENURE_GC` can still tell apart from it.
pub(crate) trait Step: Sized {
    /// The nearest distinguishable value below, if any.
    #[cfg(test)]
    fn below(self) -> Option<Self>;
    /// The nearest distinguishable value above, if any.
    #[cfg(test)]
    fn above(self) -> Option<Self>;
}

macro_rules! integer_step {
    ($($t:ty),*) => {
        $(
            impl Step for $t {
                #[cfg(test)]
                fn below(self) -> Option<$t> {
                    self.checked_sub(1)
                }
                #[cfg(test)]
                fn above(self) -> Option<$t> {
                    self.checked_add(1)
                }
            }
        )*
    };
}

integer_step!(u8, u32, usize);

/// Durations step by a thousandth of the unit they print in (`10 s` is next
/// to `10.001 s`): a step a reader of the error text can see. (`TENURE_GC`
/// itself round-trips every duration exactly, through
/// [`crate::policy::units::format_duration_exact`].)
impl Step for std::time::Duration {
    #[cfg(test)]
    fn below(self) -> Option<Self> {
        self.checked_sub(duration_step(self))
    }
    #[cfg(test)]
    fn above(self) -> Option<Self> {
        self.checked_add(duration_step(self))
    }
}

/// A thousandth of the unit a duration of this size prints in.
#[cfg(test)]
fn duration_step(d: std::time::Duration) -> std::time::Duration {
    use std::time::Duration;
    match d.as_nanos() {
        n if n >= 1_000_000_000 => Duration::from_millis(1),
        n if n >= 1_000_000 => Duration::from_micros(1),
        _ => Duration::from_nanos(1),
    }
}

/// Fractions step to the adjacent `f64` (they print exactly).
impl Step for f64 {
    #[cfg(test)]
    fn below(self) -> Option<f64> {
        if self.is_nan() || self == f64::NEG_INFINITY {
            None
        } else if self == 0.0 {
            Some(-f64::from_bits(1))
        } else if self > 0.0 {
            Some(f64::from_bits(self.to_bits() - 1))
        } else {
            Some(f64::from_bits(self.to_bits() + 1))
        }
    }
    #[cfg(test)]
    fn above(self) -> Option<f64> {
        (-self).below().map(|x| -x)
    }
}
