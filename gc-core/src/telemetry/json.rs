//! A minimal JSON object writer for the recorder (`record` feature): gc-core
//! has no serde dependency, and the recording's lines are flat objects of
//! numbers and short strings, so a few lines of escaping suffice.

use std::fmt::{Display, Write as _};

/// One JSON object being written, member by member.
pub(crate) struct JsonLine {
    out: String,
    first: bool,
}

impl JsonLine {
    pub(crate) fn new() -> JsonLine {
        JsonLine {
            out: String::from("{"),
            first: true,
        }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        push_string(&mut self.out, key);
        self.out.push(':');
    }

    /// A member whose value is already JSON text.
    pub(crate) fn raw(&mut self, key: &str, json: &str) {
        self.key(key);
        self.out.push_str(json);
    }

    /// An integer member.
    pub(crate) fn num(&mut self, key: &str, value: impl Display) {
        self.key(key);
        let _ = write!(self.out, "{value}");
    }

    /// A float member (non-finite values are written as `null`).
    pub(crate) fn float(&mut self, key: &str, value: f64) {
        if value.is_finite() {
            self.num(key, value);
        } else {
            self.raw(key, "null");
        }
    }

    /// An optional integer member (`null` when absent).
    pub(crate) fn opt(&mut self, key: &str, value: Option<impl Display>) {
        match value {
            Some(value) => self.num(key, value),
            None => self.raw(key, "null"),
        }
    }

    /// A boolean member.
    pub(crate) fn bool(&mut self, key: &str, value: bool) {
        self.raw(key, if value { "true" } else { "false" });
    }

    /// A string member.
    pub(crate) fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        push_string(&mut self.out, value);
    }

    pub(crate) fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// Writes `value` as a JSON string. `<` is escaped too, so that a recording
/// embedded in an HTML `<script>` element cannot close it.
fn push_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::JsonLine;

    #[test]
    fn strings_are_escaped() {
        let mut line = JsonLine::new();
        line.str("a", "q\"b\\</script>\n\u{1}");
        line.num("n", 3);
        line.opt("o", None::<u32>);
        line.float("f", f64::NAN);
        assert_eq!(
            line.finish(),
            r#"{"a":"q\"b\\\u003c/script>\n\u0001","n":3,"o":null,"f":null}"#
        );
    }
}
