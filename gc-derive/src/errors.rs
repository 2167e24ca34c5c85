//! Collects every mistake in one derive input, so that one compile reports them all.
//!
//! `syn::Error` can hold several messages (`combine`), each with its own span. The
//! derive pushes into an [`Errors`] as it goes (attributes, field types, the shape of
//! the type) and only gives up at the end, so a user who wrote two bad attributes
//! and a `RefCell` sees three errors at once instead of fixing them one compile at a
//! time. When there is any error, no impl is generated at all: a half-checked impl
//! would be unsound, and its own follow-on errors would only bury the real ones.

/// An accumulator of `syn::Error`s.
#[derive(Default)]
pub(crate) struct Errors {
    /// All errors so far, combined into one; `None` while there are none.
    combined: Option<syn::Error>,
}

impl Errors {
    /// Records `error`.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// Records the error of `result`, if any, and returns its value otherwise.
    pub(crate) fn ok<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    /// Every recorded error followed by `last`, for a mistake that ends the derive.
    pub(crate) fn fail(self, last: syn::Error) -> syn::Error {
        match self.combined {
            Some(mut combined) => {
                combined.combine(last);
                combined
            }
            None => last,
        }
    }

    /// `Ok` when nothing was recorded, else every recorded error.
    pub(crate) fn finish(self) -> syn::Result<()> {
        match self.combined {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    #[test]
    fn empty_is_ok() {
        assert!(Errors::default().finish().is_ok());
    }

    #[test]
    fn keeps_every_error_in_order() {
        let mut errors = Errors::default();
        errors.push(syn::Error::new(Span::call_site(), "first"));
        let value: Option<u8> = errors.ok(Err(syn::Error::new(Span::call_site(), "second")));
        assert_eq!(value, None);
        assert_eq!(errors.ok(Ok(7)), Some(7));
        let messages: Vec<String> = errors
            .finish()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(messages, ["first", "second"]);
    }

    #[test]
    fn fail_puts_the_last_error_last() {
        let last = || syn::Error::new(Span::call_site(), "last");
        assert_eq!(Errors::default().fail(last()).to_string(), "last");
        let mut errors = Errors::default();
        errors.push(syn::Error::new(Span::call_site(), "first"));
        let all: Vec<String> = errors
            .fail(last())
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(all, ["first", "last"]);
    }
}
