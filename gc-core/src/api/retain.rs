//! "Why is this alive": the shortest retaining path to an object.
//!
//! A leak in a collected heap is an object that is still reachable although
//! the program no longer needs it. [`Heap::retaining_path_to`] answers which
//! chain of pointers keeps it: the shortest path, in strong edges, from the
//! root or a stash entry to the object, with the type and field at each hop.
//! It walks a heap snapshot (`collect/snapshot.rs`), keeping the strong edges
//! (memory proportional to the edges), and runs a breadth-first search.
//! Weak edges keep nothing alive and are not followed; an ephemeron value is
//! followed (it is strong while its key lives) and shown as such.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::fmt;

use crate::api::heap::Heap;
use crate::api::root::{Root, Rootable};
use crate::api::stash::Stashed;
use crate::collect::snapshot::{EdgeKind, EdgeRecord, ObjectRecord, SnapshotVisitor, StashRecord};
use crate::object::trace::Trace;

/// Where a retaining path starts.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum PathStart {
    /// The heap's root object.
    Root,
    /// A stashed handle, by its slot (see `Stashed::slot`).
    Stash {
        /// The slot.
        slot: usize,
    },
}

/// One hop of a retaining path: the pointer followed and the object reached.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PathStep {
    /// The field the pointer is stored in, if the source names it.
    pub field: Option<&'static str>,
    /// How the pointer holds its target (`Strong` or `Ephemeron`).
    pub kind: EdgeKind,
    /// The object reached (its snapshot id).
    pub id: u64,
    /// Its type.
    pub type_name: &'static str,
}

/// The chain of pointers that keeps an object alive.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RetainingPath {
    /// Where it starts.
    pub start: PathStart,
    /// The hops, the last one reaching the object asked about.
    pub steps: Vec<PathStep>,
}

impl fmt::Display for RetainingPath {
    /// `root.list -> Node#12 .next -> Node#40`, one hop per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.start {
            PathStart::Root => write!(f, "root")?,
            PathStart::Stash { slot } => write!(f, "stash[{slot}]")?,
        }
        for step in &self.steps {
            let field = step.field.unwrap_or("?");
            let kind = match step.kind {
                EdgeKind::Ephemeron => " (ephemeron value)",
                _ => "",
            };
            write!(f, "\n  .{field}{kind} -> {}#{}", step.type_name, step.id)?;
        }
        Ok(())
    }
}

/// The strong graph, gathered from a snapshot walk.
#[derive(Default)]
struct Graph {
    starts: Vec<(PathStart, EdgeRecord)>,
    /// Strong and ephemeron edges and the type, by object id.
    objects: HashMap<u64, (&'static str, Vec<EdgeRecord>)>,
    /// A stash slot to leave out.
    skip_slot: Option<usize>,
    /// The object in that slot.
    skipped_target: Option<u64>,
}

impl SnapshotVisitor for Graph {
    fn root_edge(&mut self, edge: &EdgeRecord) {
        if edge.kind != EdgeKind::Weak {
            self.starts.push((PathStart::Root, *edge));
        }
    }
    fn stash_entry(&mut self, entry: &StashRecord) {
        if self.skip_slot == Some(entry.slot) {
            self.skipped_target = Some(entry.to);
        } else {
            let edge = EdgeRecord {
                to: entry.to,
                field: None,
                kind: EdgeKind::Strong,
            };
            self.starts
                .push((PathStart::Stash { slot: entry.slot }, edge));
        }
    }
    fn object(&mut self, object: &ObjectRecord) {
        let strong = object.edges.iter().filter(|e| e.kind != EdgeKind::Weak);
        self.objects
            .insert(object.id, (object.type_name, strong.copied().collect()));
    }
}

impl Graph {
    /// Breadth-first search from every start at once.
    fn shortest_path(&self, target: u64) -> Option<RetainingPath> {
        // id -> (the start it was reached from, the previous id, the edge).
        let mut parent: HashMap<u64, (usize, Option<u64>, EdgeRecord)> = HashMap::new();
        let mut queue = VecDeque::new();
        for (index, (_, edge)) in self.starts.iter().enumerate() {
            if let Entry::Vacant(entry) = parent.entry(edge.to) {
                entry.insert((index, None, *edge));
                queue.push_back(edge.to);
            }
        }
        while let Some(id) = queue.pop_front() {
            if id == target {
                break;
            }
            let start = parent[&id].0;
            let Some((_, edges)) = self.objects.get(&id) else {
                continue;
            };
            for edge in edges {
                if let Entry::Vacant(entry) = parent.entry(edge.to) {
                    entry.insert((start, Some(id), *edge));
                    queue.push_back(edge.to);
                }
            }
        }
        let (start, _, _) = *parent.get(&target)?;
        let mut steps = Vec::new();
        let mut at = target;
        loop {
            let (_, previous, edge) = parent[&at];
            steps.push(PathStep {
                field: edge.field,
                kind: edge.kind,
                id: at,
                type_name: self.objects.get(&at).map_or("?", |(name, _)| name),
            });
            match previous {
                Some(previous) => at = previous,
                None => break,
            }
        }
        steps.reverse();
        Some(RetainingPath {
            start: self.starts[start].0,
            steps,
        })
    }
}

impl<R> Heap<R>
where
    R: for<'a> Rootable<'a>,
    Root<'static, R>: Trace,
{
    /// The shortest chain of strong pointers from the root or a stash entry
    /// to the object whose snapshot id is `id` (its identity hash:
    /// `Gc::identity_hash(gc) as u64`, or an `ObjectRecord::id`). `None` if
    /// nothing reaches it: it is garbage the next collection frees (or no
    /// object has that id). For a weak reference, take the id of its
    /// upgraded target.
    pub fn retaining_path_to(&mut self, id: u64) -> Option<RetainingPath> {
        let mut graph = Graph::default();
        self.walk_snapshot(&mut graph);
        graph.shortest_path(id)
    }

    /// What keeps `handle`'s object alive besides `handle` itself: the
    /// shortest path to it that does not start at the handle's stash slot.
    /// `None` if the handle is all that holds it.
    pub fn retaining_path<T: ?Sized>(&mut self, handle: &Stashed<T>) -> Option<RetainingPath> {
        let mut graph = Graph {
            skip_slot: Some(handle.slot()),
            ..Graph::default()
        };
        self.walk_snapshot(&mut graph);
        graph.shortest_path(graph.skipped_target?)
    }
}
