//! The reader: source text to syntax trees that remember where they came from.
//!
//! Scheme's syntax is its data: a program is a sequence of s-expressions. The
//! reader turns text into [`Syntax`] trees, each node tagged with the line and
//! column ([`Pos`]) it started at, so that every later error (compile time or
//! run time) can point back into the source.
//!
//! Nothing here touches the managed heap: syntax trees are plain Rust data,
//! compiled into bytecode before the program runs. The reader recurses once
//! per nesting level, so the nesting depth is capped ([`MAX_NESTING`]) to keep
//! a hostile input from overflowing the Rust stack.

use std::fmt;
use std::rc::Rc;

/// A position in the source: 1-based line and column (in characters).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct Pos {
    /// Line, counting from 1.
    pub line: u32,
    /// Column, counting from 1.
    pub col: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One node of a syntax tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Syntax {
    /// What the node is.
    pub datum: Datum,
    /// Where it starts.
    pub pos: Pos,
}

/// The kinds of syntax node.
#[derive(Clone, Debug, PartialEq)]
pub enum Datum {
    /// An exact integer.
    Int(i64),
    /// An inexact (floating point) number.
    Float(f64),
    /// A string literal (escapes already resolved).
    Str(Rc<str>),
    /// A symbol.
    Sym(Rc<str>),
    /// `#t` or `#f`.
    Bool(bool),
    /// `(a b c)`, or `(a b . c)` when the tail is present.
    List(Vec<Syntax>, Option<Box<Syntax>>),
    /// `#(a b c)`.
    Vector(Vec<Syntax>),
}

impl Syntax {
    /// The symbol's name, if this node is a symbol.
    pub fn as_sym(&self) -> Option<&str> {
        match &self.datum {
            Datum::Sym(name) => Some(name),
            _ => None,
        }
    }

    /// The elements, if this node is a proper list.
    pub fn as_list(&self) -> Option<&[Syntax]> {
        match &self.datum {
            Datum::List(items, None) => Some(items),
            _ => None,
        }
    }
}

/// Why reading failed.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadError {
    /// Where the problem is.
    pub pos: Pos,
    /// What it is.
    pub message: String,
    /// True when the input simply ended too early (an open list or string):
    /// a REPL reads another line instead of reporting an error.
    pub incomplete: bool,
}

/// The deepest nesting of lists the reader accepts. The reader and the
/// compiler each recurse once per level; 200 levels stay far below a 2 MiB
/// thread stack (the size test threads get) even in a debug build.
pub const MAX_NESTING: usize = 200;

/// Reads every datum in `source`.
pub fn read_all(source: &str) -> Result<Vec<Syntax>, ReadError> {
    let mut reader = Reader {
        chars: source.chars().collect(),
        at: 0,
        pos: Pos { line: 1, col: 1 },
        depth: 0,
    };
    let mut items = Vec::new();
    loop {
        reader.skip_atmosphere()?;
        if reader.peek().is_none() {
            return Ok(items);
        }
        items.push(reader.datum()?);
    }
}

struct Reader {
    chars: Vec<char>,
    at: usize,
    pos: Pos,
    depth: usize,
}

/// Characters that end a symbol or number.
fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"' | ';' | '\'')
}

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        if c == '\n' {
            self.pos.line += 1;
            self.pos.col = 1;
        } else {
            self.pos.col += 1;
        }
        Some(c)
    }

    fn error(&self, pos: Pos, message: impl Into<String>) -> ReadError {
        ReadError {
            pos,
            message: message.into(),
            incomplete: false,
        }
    }

    fn incomplete(&self, pos: Pos, message: impl Into<String>) -> ReadError {
        ReadError {
            pos,
            message: message.into(),
            incomplete: true,
        }
    }

    /// Skips whitespace, `; line comments` and `#| block comments |#`.
    fn skip_atmosphere(&mut self) -> Result<(), ReadError> {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.bump();
            } else if c == ';' {
                while !matches!(self.bump(), None | Some('\n')) {}
            } else if c == '#' && self.chars.get(self.at + 1) == Some(&'|') {
                let start = self.pos;
                self.bump();
                self.bump();
                loop {
                    match self.bump() {
                        None => return Err(self.incomplete(start, "unterminated block comment")),
                        Some('|') if self.peek() == Some('#') => {
                            self.bump();
                            break;
                        }
                        Some(_) => {}
                    }
                }
            } else {
                break;
            }
        }
        Ok(())
    }

    fn datum(&mut self) -> Result<Syntax, ReadError> {
        let pos = self.pos;
        let Some(c) = self.peek() else {
            return Err(self.incomplete(pos, "unexpected end of input"));
        };
        match c {
            '(' | '[' => {
                self.bump();
                self.list(pos, if c == '(' { ')' } else { ']' })
            }
            ')' | ']' => Err(self.error(pos, format!("unexpected '{c}'"))),
            '\'' => {
                self.bump();
                self.skip_atmosphere()?;
                let quoted = self.nested(|reader| reader.datum(), pos)?;
                let quote = Syntax {
                    datum: Datum::Sym("quote".into()),
                    pos,
                };
                Ok(Syntax {
                    datum: Datum::List(vec![quote, quoted], None),
                    pos,
                })
            }
            '"' => self.string(pos),
            '#' => self.hash(pos),
            _ => self.atom(pos),
        }
    }

    /// Runs `read` one nesting level deeper, refusing to go past the cap.
    fn nested<T>(
        &mut self,
        read: impl FnOnce(&mut Reader) -> Result<T, ReadError>,
        pos: Pos,
    ) -> Result<T, ReadError> {
        if self.depth >= MAX_NESTING {
            return Err(self.error(pos, format!("nesting deeper than {MAX_NESTING} levels")));
        }
        self.depth += 1;
        let result = read(self);
        self.depth -= 1;
        result
    }

    fn list(&mut self, start: Pos, close: char) -> Result<Syntax, ReadError> {
        self.nested(
            |reader| {
                let mut items = Vec::new();
                loop {
                    reader.skip_atmosphere()?;
                    let pos = reader.pos;
                    match reader.peek() {
                        None => {
                            return Err(reader
                                .incomplete(start, "unterminated list (no closing parenthesis)"))
                        }
                        Some(c) if c == close => {
                            reader.bump();
                            return Ok(Syntax {
                                datum: Datum::List(items, None),
                                pos: start,
                            });
                        }
                        Some(')' | ']') => {
                            return Err(reader.error(pos, "mismatched closing bracket"))
                        }
                        Some('.')
                            if reader
                                .chars
                                .get(reader.at + 1)
                                .is_none_or(|&c| is_delimiter(c)) =>
                        {
                            reader.bump();
                            if items.is_empty() {
                                return Err(reader.error(pos, "'.' with nothing before it"));
                            }
                            reader.skip_atmosphere()?;
                            let tail = reader.datum()?;
                            reader.skip_atmosphere()?;
                            match reader.bump() {
                                Some(c) if c == close => {}
                                None => {
                                    return Err(reader.incomplete(
                                        start,
                                        "unterminated list (no closing parenthesis)",
                                    ))
                                }
                                Some(_) => {
                                    return Err(reader
                                        .error(tail.pos, "expected ')' after the dotted tail"))
                                }
                            }
                            return Ok(Syntax {
                                datum: Datum::List(items, Some(Box::new(tail))),
                                pos: start,
                            });
                        }
                        Some(_) => items.push(reader.datum()?),
                    }
                }
            },
            start,
        )
    }

    fn string(&mut self, start: Pos) -> Result<Syntax, ReadError> {
        self.bump();
        let mut text = String::new();
        loop {
            let pos = self.pos;
            match self.bump() {
                None => return Err(self.incomplete(start, "unterminated string")),
                Some('"') => break,
                Some('\\') => match self.bump() {
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some('\\') => text.push('\\'),
                    Some('"') => text.push('"'),
                    None => return Err(self.incomplete(start, "unterminated string")),
                    Some(other) => {
                        return Err(self.error(pos, format!("unknown escape '\\{other}'")))
                    }
                },
                Some(c) => text.push(c),
            }
        }
        Ok(Syntax {
            datum: Datum::Str(text.into()),
            pos: start,
        })
    }

    fn hash(&mut self, pos: Pos) -> Result<Syntax, ReadError> {
        if self.chars.get(self.at + 1) == Some(&'(') {
            self.bump();
            self.bump();
            let list = self.list(pos, ')')?;
            let Datum::List(items, None) = list.datum else {
                return Err(self.error(pos, "a vector literal cannot have a dotted tail"));
            };
            return Ok(Syntax {
                datum: Datum::Vector(items),
                pos,
            });
        }
        let token = self.token();
        let datum = match token.as_str() {
            "#t" | "#true" => Datum::Bool(true),
            "#f" | "#false" => Datum::Bool(false),
            _ => return Err(self.error(pos, format!("unknown syntax '{token}'"))),
        };
        Ok(Syntax { datum, pos })
    }

    fn token(&mut self) -> String {
        let mut token = String::new();
        while let Some(c) = self.peek() {
            if is_delimiter(c) {
                break;
            }
            token.push(c);
            self.bump();
        }
        token
    }

    fn atom(&mut self, pos: Pos) -> Result<Syntax, ReadError> {
        let token = self.token();
        let datum = if let Ok(n) = token.parse::<i64>() {
            Datum::Int(n)
        } else if let Some(n) = parse_float(&token) {
            Datum::Float(n)
        } else {
            Datum::Sym(token.into())
        };
        Ok(Syntax { datum, pos })
    }
}

/// Accepts decimal floats (`1.5`, `-.5`, `1e3`) but not the words Rust's
/// parser also takes (`inf`, `nan`), which are symbols in Scheme.
fn parse_float(token: &str) -> Option<f64> {
    let first = token.trim_start_matches(['+', '-']).chars().next()?;
    if !(first.is_ascii_digit() || first == '.') {
        return None;
    }
    token.parse::<f64>().ok()
}
