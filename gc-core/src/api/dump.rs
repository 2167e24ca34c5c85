//! Heap dumps: the object graph written out, as JSON lines or Graphviz DOT.
//!
//! Both stream a heap snapshot (`collect/snapshot.rs`) to a writer at a safe
//! point, one record at a time, so a dump needs memory for one id per object,
//! not a copy of the heap.
//!
//! **JSON lines** (`Heap::write_heap_dump`), one JSON object per line, in
//! this order (fields always present unless marked optional):
//!
//! ```text
//! {"kind":"root","to":ID,"field":"list","edge":"strong"}       field optional
//! {"kind":"stash","slot":0,"to":ID}
//! {"kind":"object","id":ID,"type":"app::Node<'_>","space":"eden","colour":"white",
//!  "age":0,"remembered":false,"size":48,"external":0,
//!  "edges":[{"to":ID,"field":"next","edge":"strong"}]}
//! ```
//!
//! `space` is eden / survivor / old / large, `colour` white / gray / black,
//! `edge` strong / ephemeron / weak; `size` is in bytes with the 16-byte
//! header, `external` the bytes owned outside the heap. Ids are the objects'
//! identity hashes (stable across dumps).
//!
//! **DOT** (`Heap::write_heap_dot`) draws small heaps with `dot -Tsvg`: a
//! box for the root and each stash entry, an ellipse per object labelled
//! with its type, size and space, an arrow per edge labelled with its field
//! (dashed when weak). Past `max_objects` objects it stops with a comment.

use std::io::{self, Write};

use crate::api::heap::Heap;
use crate::api::root::{Root, Rootable};
use crate::collect::snapshot::{EdgeKind, EdgeRecord, ObjectRecord, SnapshotVisitor, StashRecord};
use crate::object::trace::Trace;

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_edge(edge: &EdgeRecord) -> String {
    let field = match edge.field {
        Some(field) => format!(",\"field\":{}", json_string(field)),
        None => String::new(),
    };
    format!(
        "{{\"to\":{}{field},\"edge\":\"{}\"}}",
        edge.to,
        edge.kind.name()
    )
}

/// Streams JSON lines; remembers the first write error.
struct JsonLines<'a> {
    out: &'a mut dyn Write,
    error: Option<io::Error>,
}

impl JsonLines<'_> {
    fn line(&mut self, text: String) {
        if self.error.is_none() {
            if let Err(error) = writeln!(self.out, "{text}") {
                self.error = Some(error);
            }
        }
    }
}

impl SnapshotVisitor for JsonLines<'_> {
    fn root_edge(&mut self, edge: &EdgeRecord) {
        let edge = json_edge(edge);
        self.line(format!("{{\"kind\":\"root\",{}", &edge[1..]));
    }
    fn stash_entry(&mut self, entry: &StashRecord) {
        let StashRecord { slot, to } = entry;
        self.line(format!(
            "{{\"kind\":\"stash\",\"slot\":{slot},\"to\":{to}}}"
        ));
    }
    fn object(&mut self, o: &ObjectRecord) {
        let edges: Vec<String> = o.edges.iter().map(json_edge).collect();
        self.line(format!(
            "{{\"kind\":\"object\",\"id\":{},\"type\":{},\"space\":\"{}\",\"colour\":\"{}\",\
             \"age\":{},\"remembered\":{},\"size\":{},\"external\":{},\"edges\":[{}]}}",
            o.id,
            json_string(o.type_name),
            o.space.name(),
            o.colour.name(),
            o.age,
            o.remembered,
            o.size,
            o.external_bytes,
            edges.join(",")
        ));
    }
}

/// Streams Graphviz DOT.
struct Dot<'a> {
    lines: JsonLines<'a>,
    max_objects: usize,
    written: usize,
}

fn dot_edge(from: &str, edge: &EdgeRecord) -> String {
    let label = edge.field.unwrap_or("");
    let style = if edge.kind == EdgeKind::Weak {
        ", style=dashed"
    } else {
        ""
    };
    format!(
        "  {from} -> n{} [label={}{style}];",
        edge.to,
        json_string(label)
    )
}

impl SnapshotVisitor for Dot<'_> {
    fn root_edge(&mut self, edge: &EdgeRecord) {
        self.lines.line(dot_edge("root", edge));
    }
    fn stash_entry(&mut self, entry: &StashRecord) {
        let slot = entry.slot;
        self.lines.line(format!(
            "  stash{slot} [shape=box, label=\"stash[{slot}]\"];\n  stash{slot} -> n{};",
            entry.to
        ));
    }
    fn object(&mut self, o: &ObjectRecord) {
        self.written += 1;
        if self.written > self.max_objects {
            if self.written == self.max_objects + 1 {
                self.lines
                    .line(format!("  // stopped after {} objects", self.max_objects));
            }
            return;
        }
        let short = o.type_name.rsplit("::").next().unwrap_or(o.type_name);
        let label = format!("{short}\n{} B {}", o.size, o.space.name());
        self.lines
            .line(format!("  n{} [label={}];", o.id, json_string(&label)));
        for edge in &o.edges {
            self.lines.line(dot_edge(&format!("n{}", o.id), edge));
        }
    }
}

impl<R> Heap<R>
where
    R: for<'a> Rootable<'a>,
    Root<'static, R>: Trace,
{
    /// Writes every reachable object, the root's edges and the stash entries
    /// to `out` as JSON lines (the format is in this module's docs).
    pub fn write_heap_dump(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let mut lines = JsonLines { out, error: None };
        self.walk_snapshot(&mut lines);
        match lines.error {
            Some(error) => Err(error),
            None => lines.out.flush(),
        }
    }

    /// Writes the object graph as a Graphviz `digraph` (`dot -Tsvg` draws
    /// it), stopping after `max_objects` objects (a few hundred stay legible).
    pub fn write_heap_dot(&mut self, out: &mut dyn Write, max_objects: usize) -> io::Result<()> {
        writeln!(out, "digraph heap {{\n  root [shape=box];")?;
        let mut dot = Dot {
            lines: JsonLines { out, error: None },
            max_objects,
            written: 0,
        };
        self.walk_snapshot(&mut dot);
        if let Some(error) = dot.lines.error {
            return Err(error);
        }
        writeln!(dot.lines.out, "}}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
        let edge = EdgeRecord {
            to: 7,
            field: Some("next"),
            kind: EdgeKind::Weak,
        };
        assert_eq!(
            json_edge(&edge),
            "{\"to\":7,\"field\":\"next\",\"edge\":\"weak\"}"
        );
    }
}
