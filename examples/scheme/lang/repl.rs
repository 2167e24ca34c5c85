//! A REPL that keeps its values alive with stashed handles.
//!
//! Each value a line produces is stashed and numbered: `$1`, `$2`, ... The
//! handles live in the host (`Interp::history`), outside the heap, and
//! are roots for the collector: a value that only the REPL remembers
//! survives any number of collections, and `,clear` drops the handles so the
//! next collection can free the values. Later lines read `$N` (compiled to
//! `Op::History`, which fetches the handle inside the VM's `mutate`).
//!
//! The REPL is a plain state machine fed one line at a time, so a test can
//! drive it without a terminal.

use super::interp::Interp;
use super::reader::read_all;

/// What the REPL says after a line.
#[derive(Debug, PartialEq)]
pub enum Reply {
    /// The input so far is an incomplete form: send more lines.
    More,
    /// The text to show (program output, results, or an error).
    Text(String),
}

/// The REPL state.
pub struct Repl {
    /// The interpreter (its output is captured and returned in replies).
    pub interp: Interp,
    /// Lines of an incomplete form.
    pending: String,
}

const HELP: &str = "\
Enter Scheme expressions. Each value is kept as $N until ,clear.
,stats   the GC report      ,profile live objects by type
,profile FILE  write a pprof heap profile (go tool pprof -top FILE)
,dump FILE     write a heap dump (JSON lines; DOT if FILE ends in .dot)
,why EXPR      what keeps EXPR's value alive
,clear   drop the $N handles ,help   this text
,quit    leave (or end of input)";

impl Repl {
    /// A REPL over `interp`.
    pub fn new(mut interp: Interp) -> Repl {
        interp.capture_output();
        Repl {
            interp,
            pending: String::new(),
        }
    }

    /// True when the last line left a form open.
    pub fn is_continuing(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The heap profile: reachable objects and bytes per type, like
    /// `pprof`'s in-use view (the type names shortened to the last path part).
    fn profile(&mut self) -> String {
        let mut text = format!("{:>10} {:>12}  type", "objects", "bytes");
        for (name, tally) in self.interp.heap_profile().iter().take(12) {
            let short = name.rsplit("::").next().unwrap_or(name);
            text.push_str(&format!(
                "\n{:>10} {:>12}  {short}",
                tally.objects, tally.bytes
            ));
        }
        text
    }

    /// `,why EXPR`: evaluates EXPR and tells what keeps its value alive.
    fn why(&mut self, source: &str) -> String {
        match self.interp.eval(source) {
            Ok(mut values) => match values.pop().flatten() {
                Some(handle) => {
                    let mut text = self.interp.take_output();
                    text.push_str(&self.interp.why(handle));
                    text
                }
                None => ",why: the expression has no value".to_owned(),
            },
            Err(error) => error.render("repl"),
        }
    }

    /// Feeds one line of input.
    pub fn feed(&mut self, line: &str) -> Reply {
        if self.pending.is_empty() {
            match line.trim() {
                "" => return Reply::Text(String::new()),
                ",help" => return Reply::Text(HELP.to_owned()),
                ",stats" => return Reply::Text(self.interp.report().to_string()),
                ",profile" => return Reply::Text(self.profile()),
                ",clear" => {
                    let dropped = self.interp.history.len();
                    self.interp.history.clear();
                    return Reply::Text(format!("dropped {dropped} handles"));
                }
                command if command.starts_with(",profile ") => {
                    let path = command[",profile ".len()..].trim();
                    return Reply::Text(match self.interp.write_pprof(path) {
                        Ok(()) => format!("wrote {path}: go tool pprof -top {path}"),
                        Err(error) => format!(",profile: cannot write {path}: {error}"),
                    });
                }
                command if command.starts_with(",dump ") => {
                    let path = command[",dump ".len()..].trim();
                    return Reply::Text(match self.interp.write_heap_dump(path) {
                        Ok(()) => format!("wrote {path}"),
                        Err(error) => format!(",dump: cannot write {path}: {error}"),
                    });
                }
                command if command.starts_with(",why ") => {
                    return Reply::Text(self.why(&command[",why ".len()..]));
                }
                command if command.starts_with(',') => {
                    return Reply::Text(format!("unknown command {command} (try ,help)"));
                }
                _ => {}
            }
        }
        self.pending.push_str(line);
        self.pending.push('\n');
        if let Err(error) = read_all(&self.pending) {
            if error.incomplete {
                return Reply::More;
            }
        }
        let source = std::mem::take(&mut self.pending);
        let result = self.interp.eval(&source);
        let mut text = self.interp.take_output();
        let mut say = |line: String| {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&line);
        };
        match result {
            Ok(values) => {
                for handle in values.into_iter().flatten() {
                    let n = self.interp.history.len() + 1;
                    say(format!("${n} = {}", self.interp.write(&handle)));
                    self.interp.history.push(handle);
                }
            }
            Err(error) => say(error.render("repl")),
        }
        Reply::Text(text)
    }
}
