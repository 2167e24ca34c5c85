//! `#[derive(Trace)]` on the shapes an interpreter keeps in its heap, run on a real heap.
//!
//! Each test builds a graph out of derived types, runs every kind of collection (minor GCs
//! move the young objects and rewrite the pointers to them, a full GC marks and sweeps the
//! old generation) with the heap verifier after each, and then reads the whole graph back:
//! a field the derived `trace` forgot would show up as a verifier error, a freed object or
//! a stale pointer. Garbage must be freed too (`live_objects` after a full GC), and a
//! `Drop` that the type opted into must run exactly once.
//!
//! The compile-time side of the derive (what it refuses) is in `compile_fail/`.

use std::any::TypeId;
use std::cell::Cell;
use std::marker::PhantomData;
use std::rc::Rc;

use tenure::{unlock, Gc, GcWeak, Heap, Lock, RefLock, Root, Rootable, Trace};

/// Objects per test: enough for several Eden pages natively, small under Miri.
const N: u64 = if cfg!(miri) { 20 } else { 500 };

/// Runs two minor GCs (the second promotes what the first kept) and a full GC,
/// verifying the heap after each.
fn collect_everything<R>(heap: &mut Heap<R>)
where
    R: for<'a> Rootable<'a>,
    Root<'static, R>: Trace,
{
    heap.collect_minor();
    heap.verify().expect("heap is sound after a minor GC");
    heap.collect_minor();
    heap.verify()
        .expect("heap is sound after a second minor GC");
    heap.collect_full();
    heap.verify().expect("heap is sound after a full GC");
}

// ---------------------------------------------------------------------------------------
// A named struct: a linked list.

#[derive(Trace)]
struct Node<'gc> {
    value: u64,
    /// Plain data in a `Cell` is fine once skipped: it holds no `Gc`.
    #[trace(skip)]
    reads: Cell<u32>,
    next: Lock<Option<Gc<'gc, Node<'gc>>>>,
}

#[derive(Trace)]
struct List<'gc> {
    head: Lock<Option<Gc<'gc, Node<'gc>>>>,
    name: String,
}

fn list_sum(list: &List<'_>) -> u64 {
    let mut sum = 0;
    let mut cursor = list.head.get();
    while let Some(node) = cursor {
        node.reads.set(node.reads.get() + 1);
        sum += node.value;
        cursor = node.next.get();
    }
    sum
}

#[test]
fn a_derived_struct_keeps_its_list_alive_across_collections() {
    let mut heap = Heap::<Rootable!['gc => List<'gc>]>::new(|_| List {
        head: Lock::new(None),
        name: String::from("numbers"),
    });
    heap.mutate_root(|m, list| {
        for value in 0..N {
            let next = Lock::new(list.head.get());
            let node = Gc::new(
                m,
                Node {
                    value,
                    reads: Cell::new(0),
                    next,
                },
            );
            *list.head.get_mut() = Some(node);
            Gc::new(
                m,
                Node {
                    value: 1_000_000,
                    reads: Cell::new(0),
                    next: Lock::new(None),
                },
            );
        }
    });
    collect_everything(&mut heap);
    assert_eq!(
        heap.stats().live_objects as u64,
        N,
        "the garbage nodes were freed"
    );
    heap.mutate(|m, list| {
        assert_eq!(list_sum(list), N * (N - 1) / 2);
        assert_eq!(list.name, "numbers");
        // Cut the list after its first node, through the barrier.
        let first = list.head.get().unwrap();
        assert_eq!(first.reads.get(), 1, "a skipped field keeps its value");
        unlock!(Gc::write(m, first), Node, next).set(None);
    });
    heap.collect_full();
    heap.verify().unwrap();
    assert_eq!(heap.stats().live_objects, 1);
    heap.mutate(|_, list| assert_eq!(list_sum(list), N - 1));
}

// ---------------------------------------------------------------------------------------
// An enum with every kind of variant: an interpreter's values.

#[derive(Trace, Clone)]
enum Value<'gc> {
    Nil,
    Int(i64),
    Str(String),
    Pair(Gc<'gc, RefLock<(Value<'gc>, Value<'gc>)>>),
    Table {
        entries: Vec<(Value<'gc>, Value<'gc>)>,
        #[trace(skip)]
        kind: TypeId,
    },
}

/// `(0 . (1 . (2 . ... nil)))`
fn cons_list<'gc>(m: &'gc tenure::Mutation<'gc>, len: u64) -> Value<'gc> {
    (0..len).rev().fold(Value::Nil, |rest, i| {
        let int = Value::Int(i64::try_from(i).unwrap());
        Value::Pair(Gc::new(m, RefLock::new((int, rest))))
    })
}

/// The sum of the integers in a cons list and in any tables inside it.
fn value_sum(value: &Value<'_>) -> i64 {
    match value {
        Value::Nil | Value::Str(_) => 0,
        Value::Int(i) => *i,
        Value::Pair(pair) => {
            let pair = pair.borrow();
            value_sum(&pair.0) + value_sum(&pair.1)
        }
        Value::Table { entries, .. } => entries
            .iter()
            .map(|(k, v)| value_sum(k) + value_sum(v))
            .sum(),
    }
}

#[derive(Trace)]
struct Globals<'gc> {
    slots: RefLock<Vec<Value<'gc>>>,
}

#[test]
fn a_derived_enum_traces_the_live_variant() {
    let mut heap = Heap::<Rootable!['gc => Globals<'gc>]>::new(|_| Globals {
        slots: RefLock::new(Vec::new()),
    });
    heap.mutate_root(|m, globals| {
        let list = cons_list(m, N);
        let table = Value::Table {
            entries: vec![
                (Value::Str("list".into()), list.clone()),
                (Value::Int(7), cons_list(m, 3)),
            ],
            kind: TypeId::of::<u8>(),
        };
        let boxed_table = Value::Pair(Gc::new(m, RefLock::new((table, Value::Nil))));
        let slots = globals.slots.get_mut();
        slots.extend([Value::Nil, Value::Int(-1), list, boxed_table]);
        cons_list(m, N); // garbage
    });
    collect_everything(&mut heap);
    let list_sum = i64::try_from(N * (N - 1) / 2).unwrap();
    // N pairs in the shared list, 3 in the small one, 1 boxing the table.
    assert_eq!(heap.stats().live_objects as u64, N + 3 + 1);
    heap.mutate(|m, globals| {
        let slots = globals.slots.borrow();
        assert_eq!(value_sum(&slots[2]), list_sum);
        assert_eq!(value_sum(&slots[3]), list_sum + 7 + 3);
        let Value::Pair(outer) = &slots[3] else {
            panic!("slot 3 holds the boxed table")
        };
        let Value::Table { kind, .. } = &outer.borrow().0 else {
            panic!("a table")
        };
        assert_eq!(*kind, TypeId::of::<u8>());
        // Store a young list into the old table, through the barrier.
        let Value::Pair(first) = &slots[2] else {
            panic!("slot 2 holds the list")
        };
        Gc::write(m, *first).borrow_mut().0 = cons_list(m, 4);
    });
    heap.collect_minor();
    heap.verify().unwrap();
    heap.mutate(|_, globals| {
        let slots = globals.slots.borrow();
        assert_eq!(value_sum(&slots[2]), list_sum + 6);
    });
}

// ---------------------------------------------------------------------------------------
// Tuple and unit structs, generics with bounds and where-clauses, and `bound = "..."`.

#[derive(Trace, Clone)]
struct Tagged<'gc>(u8, Gc<'gc, u64>, #[trace(skip)] &'static str);

#[derive(Trace)]
struct Empty;

#[derive(Trace)]
struct Pair<A, B: Clone>
where
    A: Copy,
{
    first: A,
    rest: Vec<B>,
}

/// `T` is only a marker, so it needs no `Trace`: `bound = ""` drops the default bound.
#[derive(Trace)]
#[trace(bound = "")]
struct Typed<'gc, T> {
    raw: Gc<'gc, u64>,
    _type: PhantomData<fn() -> T>,
}

/// A type parameter that is only in a skipped field must be `'static`.
#[derive(Trace)]
#[trace(bound = "T: 'static")]
struct Opaque<T> {
    #[trace(skip)]
    handle: T,
}

#[derive(Trace)]
struct Shapes<'gc> {
    pair: Pair<Gc<'gc, u64>, Tagged<'gc>>,
    typed: Typed<'gc, std::fs::File>,
    empty: Empty,
    opaque: Gc<'gc, Opaque<Rc<str>>>,
}

#[test]
fn tuple_unit_and_generic_structs() {
    let mut heap = Heap::<Rootable!['gc => Shapes<'gc>]>::new(|m| Shapes {
        pair: Pair {
            first: Gc::new(m, 1),
            rest: (0..N).map(|i| Tagged(3, Gc::new(m, i), "tag")).collect(),
        },
        typed: Typed {
            raw: Gc::new(m, 42),
            _type: PhantomData,
        },
        empty: Empty,
        opaque: Gc::new(
            m,
            Opaque {
                handle: Rc::from("outside the heap"),
            },
        ),
    });
    collect_everything(&mut heap);
    assert_eq!(heap.stats().live_objects as u64, 1 + N + 1 + 1);
    heap.mutate(|_, shapes| {
        assert_eq!(*shapes.pair.first, 1);
        let sum: u64 = shapes.pair.rest.iter().map(|t| *t.1 + u64::from(t.0)).sum();
        assert_eq!(sum, N * (N - 1) / 2 + 3 * N);
        assert!(shapes.pair.rest.iter().all(|t| t.2 == "tag"));
        assert_eq!(*shapes.typed.raw, 42);
        assert_eq!(&*shapes.opaque.handle, "outside the heap");
    });
}

// ---------------------------------------------------------------------------------------
// Weak pointers in a derived type.

#[derive(Trace)]
struct Cache<'gc> {
    strong: Lock<Option<Gc<'gc, u64>>>,
    weak: Lock<Option<GcWeak<'gc, u64>>>,
}

#[test]
fn a_derived_weak_field_is_cleared_when_its_target_dies() {
    let mut heap = Heap::<Rootable!['gc => Cache<'gc>]>::new(|_| Cache {
        strong: Lock::new(None),
        weak: Lock::new(None),
    });
    heap.mutate_root(|m, cache| {
        let target = Gc::new(m, 99);
        *cache.strong.get_mut() = Some(target);
        *cache.weak.get_mut() = Some(Gc::downgrade(m, target));
    });
    collect_everything(&mut heap);
    heap.mutate(|m, cache| {
        let target = cache
            .weak
            .get()
            .unwrap()
            .upgrade(m)
            .expect("still strongly held");
        assert!(Gc::ptr_eq(target, cache.strong.get().unwrap()));
    });
    heap.mutate_root(|_, cache| *cache.strong.get_mut() = None);
    collect_everything(&mut heap);
    heap.mutate(|_, cache| assert!(cache.weak.get().unwrap().is_dropped()));
}

// ---------------------------------------------------------------------------------------
// `#[trace(unsafe_drop)]`: a Drop that touches no Gc runs once per object.

#[derive(Trace)]
#[trace(unsafe_drop)]
struct Resource<'gc> {
    owner: Option<Gc<'gc, u64>>,
    #[trace(skip)]
    drops: Rc<Cell<u32>>,
}

impl Drop for Resource<'_> {
    fn drop(&mut self) {
        // Only the skipped, 'static field: `owner` may already be freed.
        self.drops.set(self.drops.get() + 1);
    }
}

#[derive(Trace)]
struct Keeper<'gc> {
    kept: Lock<Option<Gc<'gc, Resource<'gc>>>>,
}

#[test]
fn an_opted_in_drop_runs_once_per_object() {
    let drops = Rc::new(Cell::new(0));
    let mut heap = Heap::<Rootable!['gc => Keeper<'gc>]>::new(|_| Keeper {
        kept: Lock::new(None),
    });
    heap.mutate_root(|m, keeper| {
        for i in 0..N {
            let owner = Some(Gc::new(m, i));
            let resource = Gc::new(
                m,
                Resource {
                    owner,
                    drops: Rc::clone(&drops),
                },
            );
            if i == 0 {
                *keeper.kept.get_mut() = Some(resource);
            }
        }
    });
    collect_everything(&mut heap);
    assert_eq!(
        u64::from(drops.get()),
        N - 1,
        "every dead resource dropped once"
    );
    heap.mutate(|_, keeper| assert_eq!(keeper.kept.get().unwrap().owner.map(|o| *o), Some(0)));
    collect_everything(&mut heap);
    assert_eq!(
        u64::from(drops.get()),
        N - 1,
        "no drop twice, no drop of the live one"
    );
    drop(heap);
    assert_eq!(
        u64::from(drops.get()),
        N,
        "the heap drops what is still live"
    );
}

// ---------------------------------------------------------------------------------------
// Recursive types: an AST, self- and mutually recursive through `Box` and `Vec`.

#[derive(Trace)]
enum Expr<'gc> {
    Lit(i64),
    Var(Gc<'gc, Lock<i64>>),
    Add(Box<Expr<'gc>>, Box<Self>),
    Block(Vec<Stmt<'gc>>, Box<Expr<'gc>>),
}

#[derive(Trace)]
enum Stmt<'gc> {
    Set(Gc<'gc, Lock<i64>>, Expr<'gc>),
    Nop,
}

fn eval<'gc>(m: &'gc tenure::Mutation<'gc>, expr: &Expr<'gc>) -> i64 {
    match expr {
        Expr::Lit(n) => *n,
        Expr::Var(var) => var.get(),
        Expr::Add(a, b) => eval(m, a) + eval(m, b),
        Expr::Block(stmts, result) => {
            for stmt in stmts {
                if let Stmt::Set(var, value) = stmt {
                    Gc::write(m, *var).set(eval(m, value));
                }
            }
            eval(m, result)
        }
    }
}

#[test]
fn recursive_types_trace_through_box_and_vec() {
    let mut heap = Heap::<Rootable!['gc => Expr<'gc>]>::new(|m| {
        let x = Gc::new(m, Lock::new(0));
        let sum = (1..=10).fold(Expr::Lit(0), |acc, i| {
            Expr::Add(Box::new(acc), Box::new(Expr::Lit(i)))
        });
        let body = vec![Stmt::Nop, Stmt::Set(x, sum)];
        Expr::Block(
            body,
            Box::new(Expr::Add(Box::new(Expr::Var(x)), Box::new(Expr::Var(x)))),
        )
    });
    collect_everything(&mut heap);
    assert_eq!(heap.stats().live_objects, 1);
    assert_eq!(heap.mutate(eval), 110);
}

// ---------------------------------------------------------------------------------------
// `NEEDS_TRACE`, the crate path, and derives away from any `use`.

#[derive(Trace)]
struct Point {
    x: f64,
    y: f64,
    #[trace(skip)]
    cached_norm: Cell<Option<f64>>,
}

#[derive(Trace)]
#[trace(crate = "::tenure")]
struct ExplicitPath<'gc>(Option<Gc<'gc, u8>>);

mod elsewhere {
    /// No `use` of the crate in scope: the generated code names everything by path.
    #[derive(tenure::Trace)]
    pub(crate) enum Shape<'gc> {
        Circle { radius: f64 },
        Polygon(Vec<tenure::Gc<'gc, (f64, f64)>>),
    }
}

#[derive(Trace)]
enum Never {}

const _: () = {
    // Plain data needs no tracing, so containers of it skip it.
    assert!(!<Point as Trace>::NEEDS_TRACE);
    assert!(!<Empty as Trace>::NEEDS_TRACE);
    assert!(!<Never as Trace>::NEEDS_TRACE);
    assert!(!<Opaque<u8> as Trace>::NEEDS_TRACE);
    assert!(!<[Point; 4] as Trace>::NEEDS_TRACE);
    // Anything that holds a pointer, or owns outside memory, does.
    assert!(<Node<'static> as Trace>::NEEDS_TRACE);
    assert!(<Tagged<'static> as Trace>::NEEDS_TRACE);
    assert!(<Value<'static> as Trace>::NEEDS_TRACE);
    assert!(<ExplicitPath<'static> as Trace>::NEEDS_TRACE);
    assert!(<elsewhere::Shape<'static> as Trace>::NEEDS_TRACE);
    assert!(
        <Pair<u8, u8> as Trace>::NEEDS_TRACE,
        "a Vec reports its buffer"
    );
    assert!(<Expr<'static> as Trace>::NEEDS_TRACE);
};

#[test]
fn leaves_are_not_traced() {
    // A root of plain data: collections find nothing to follow in it.
    let mut heap = Heap::<Rootable![Point]>::new(|_| Point {
        x: 3.0,
        y: 4.0,
        cached_norm: Cell::new(None),
    });
    heap.mutate(|_, p| p.cached_norm.set(Some(p.x.hypot(p.y))));
    collect_everything(&mut heap);
    heap.mutate(|_, p| assert_eq!(p.cached_norm.get(), Some(5.0)));
    let shapes = Heap::<Rootable!['gc => Vec<elsewhere::Shape<'gc>>]>::new(|m| {
        vec![
            elsewhere::Shape::Circle { radius: 1.0 },
            elsewhere::Shape::Polygon(vec![Gc::new(m, (0.0, 0.0)), Gc::new(m, (1.0, 0.0))]),
        ]
    });
    shapes.mutate(|_, shapes| {
        let elsewhere::Shape::Polygon(points) = &shapes[1] else {
            panic!("a polygon")
        };
        assert_eq!(*points[1], (1.0, 0.0));
        let elsewhere::Shape::Circle { radius } = shapes[0] else {
            panic!("a circle")
        };
        assert_eq!(radius, 1.0);
    });
    let _ = ExplicitPath(None);
}
