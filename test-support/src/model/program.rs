//! Mutator programs: the ops, the op mix, and a seeded generator. `tests/model.rs` builds
//! its proptest strategies from the same mix and limits; `gc-core/tests/model_miri.rs`
//! uses the seeded generator. Part of the model test; see [`engine`](super::engine).

/// Number of `Lock<Option<Gc>>` fields per object.
pub const FIELDS: usize = 3;

/// Mark work units (bytes scanned) per live object, for sizing [`CollectOp::MarkStep`]:
/// an `Obj` box is about 140 bytes, plus its payload and children.
pub const UNITS_PER_OBJECT: usize = 200;

/// The large-object thresholds `Knob::LargeThreshold` chooses from, in bytes.
pub const LARGE_THRESHOLDS: [usize; 3] = [256, 1024, 8 * 1024];

// ---------------------------------------------------------------------------------------
// Programs.

/// Picks one of `len` things: the value modulo `len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sel(pub u16);

impl Sel {
    /// The value modulo `len`.
    pub fn pick(self, len: usize) -> usize {
        usize::from(self.0) % len
    }
}

/// What an object carries besides its edges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadSpec {
    /// No payload.
    Nothing,
    /// A `Vec<u8>` of this length.
    Bytes(u16),
    /// A `String` of this length.
    Text(u16),
}

/// How to build a new object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocSpec {
    /// Its payload.
    pub payload: PayloadSpec,
    /// Whether its `Drop` is counted in the drop log.
    pub counted: bool,
    /// Whether it gets a [`Leaf`](super::objects::Leaf) child.
    pub leaf: bool,
    /// Whether it gets a [`BigNode`](super::objects::BigNode) child.
    pub big: bool,
}

/// Where a new object goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attach {
    /// Pushed onto the root slots.
    Root,
    /// Stored into an edge of a reachable object (`edge` as in [`Op::Link`]).
    Edge {
        /// The parent, among the reachable objects.
        parent: Sel,
        /// Which edge.
        edge: u8,
    },
}

/// The collections a program can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollectOp {
    /// `collect_debt()`.
    Debt,
    /// `collect_minor()`.
    Minor,
    /// `collect_full()`.
    Full,
    /// `start_marking()`.
    StartMarking,
    /// `mark_step` with a budget of `share / 1024` of the live heap (estimated as
    /// [`UNITS_PER_OBJECT`] per reachable object, at least one unit), so that a step
    /// scans part of the heap whatever its size, and marking is often left part done
    /// while the program mutates.
    MarkStep(u16),
    /// `finish_marking()`.
    FinishMarking,
    /// `sweep_step(cells)`.
    SweepStep(u16),
}

/// One step of a mutator program. Object selectors choose among the objects reachable
/// (in the shadow) when the op runs, in id order; an op with nothing to select is a no-op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Allocate one object and attach it.
    Alloc {
        /// What to build.
        spec: AllocSpec,
        /// Where it goes.
        attach: Attach,
    },
    /// Allocate a chain of `len` objects linked through `f0`, rooting the head.
    AllocChain {
        /// Chain length.
        len: u8,
        /// What each link is.
        spec: AllocSpec,
    },
    /// Allocate `count` objects and drop them at once.
    AllocGarbage {
        /// How many.
        count: u16,
        /// What each is.
        spec: AllocSpec,
    },
    /// Store `to` into an edge of `from`: edge `0..FIELDS` is a `Lock` slot, `FIELDS`
    /// pushes onto the `RefLock<Vec>`, `FIELDS + 1` sets the large child's back pointer
    /// (slot 0 if there is no large child). Taken modulo `FIELDS + 2`.
    Link {
        /// The object written.
        from: Sel,
        /// The object stored.
        to: Sel,
        /// Which edge.
        edge: u8,
    },
    /// Clear an edge of `from` (for the list: remove element `index`).
    Unlink {
        /// The object written.
        from: Sel,
        /// Which edge, as in `Link`.
        edge: u8,
        /// Which list element.
        index: Sel,
    },
    /// Move the target of an edge of `from` (the first non-empty one from `edge` on) into
    /// an edge of `to`, then clear the first edge (for the list: its last element). This is the store pattern that loses an
    /// object under incremental marking if the barrier misses it: the only pointer to a
    /// white object moves from an unscanned object into a scanned one.
    Move {
        /// The object the pointer is taken from.
        from: Sel,
        /// Which of its edges, as in `Link`.
        edge: u8,
        /// The object the pointer is stored into.
        to: Sel,
        /// Which of its edges, as in `Link`.
        to_edge: u8,
    },
    /// Push a reachable object onto the root slots.
    PushRoot(Sel),
    /// Remove a root slot.
    PopRoot(Sel),
    /// Stash a reachable object.
    Stash(Sel),
    /// Drop a stash handle.
    Unstash(Sel),
    /// Fetch a stashed object (and maybe root it).
    Fetch {
        /// Which handle.
        handle: Sel,
        /// Whether to push it onto the root slots too.
        reroot: bool,
    },
    /// Downgrade a reachable object into a new weak reference (kept in the root).
    Downgrade(Sel),
    /// Upgrade a weak reference (and maybe root the result, reviving it).
    Upgrade {
        /// Which weak reference.
        weak: Sel,
        /// Whether to push a live result onto the root slots.
        reroot: bool,
    },
    /// Drop a weak reference.
    DropWeak(Sel),
    /// Map `key` to `value` in the root's ephemeron table.
    EphemeronInsert {
        /// The key.
        key: Sel,
        /// The value, kept alive by the table while the key lives.
        value: Sel,
    },
    /// Remove `key`'s entry from the ephemeron table.
    EphemeronRemove(Sel),
    /// Register a reachable object with the root's finalization queue (once more, if it
    /// is watched already). The checks take every object the queue resurrects after each
    /// collection; even ids are rooted again, odd ones dropped.
    Register(Sel),
    /// Change a knob at run time (`Heap::set_config`); skipped if the result is invalid.
    Knob(Knob),
    /// Collect.
    Collect(CollectOp),
}

/// A run-time change of one knob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Knob {
    /// `gc_percent`.
    GcPercent(u16),
    /// `eden_size`, in KiB.
    EdenKib(u16),
    /// `tenuring`: `Fixed(n)` for `1..=15`, `Adaptive { max: 15 }` for 0.
    Tenuring(u8),
    /// `mark_step_budget`, in KiB.
    MarkStepKib(u16),
    /// `stress`.
    Stress(bool),
    /// `large_object_threshold`: `LARGE_THRESHOLDS[n % 3]` bytes. The lowest makes every
    /// model object old-born (a large object), built with pointers to young ones.
    LargeThreshold(u8),
    /// `survivor_ratio` (the survivor spaces shrink or grow with survivors in them).
    SurvivorRatio(u8),
    /// `incremental`.
    Incremental(bool),
    /// `minor_pause_target` in microseconds (0: none), which resizes Eden at run time.
    MinorPauseUs(u16),
    /// `memory_limit` in MiB (0: none).
    MemoryLimitMib(u8),
    /// `gc_percent` off (only the memory limit, if any, paces the heap).
    GcPercentOff,
}

/// How the runner drives the heap besides the program.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Call `collect_debt()` (and check) after every op, as a program that returns to a
    /// safe point after every statement would. With `stress(true)` that collects at
    /// every safe point.
    pub debt_after_each_op: bool,
}

// ---------------------------------------------------------------------------------------
// The op mix, and a seeded program generator (for Miri, where proptest is too slow).
// `tests/model.rs` builds its proptest strategies from the same table and limits.

/// The kinds of op, one per variant of [`Op`] and [`CollectOp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `Op::Alloc` onto the root slots.
    AllocRoot,
    /// `Op::Alloc` into an edge.
    AllocEdge,
    /// `Op::AllocChain`.
    AllocChain,
    /// `Op::AllocGarbage`.
    AllocGarbage,
    /// `Op::Link`.
    Link,
    /// `Op::Unlink`.
    Unlink,
    /// `Op::Move`.
    Move,
    /// `Op::PushRoot`.
    PushRoot,
    /// `Op::PopRoot`.
    PopRoot,
    /// `Op::Stash`.
    Stash,
    /// `Op::Unstash`.
    Unstash,
    /// `Op::Fetch`.
    Fetch,
    /// `Op::Downgrade`.
    Downgrade,
    /// `Op::Upgrade`.
    Upgrade,
    /// `Op::DropWeak`.
    DropWeak,
    /// `Op::EphemeronInsert`.
    EphemeronInsert,
    /// `Op::EphemeronRemove`.
    EphemeronRemove,
    /// `Op::Register`.
    Register,
    /// `Op::Knob`.
    Knob,
    /// `CollectOp::Debt`.
    Debt,
    /// `CollectOp::Minor`.
    Minor,
    /// `CollectOp::Full`.
    Full,
    /// `CollectOp::StartMarking`.
    StartMarking,
    /// `CollectOp::MarkStep`.
    MarkStep,
    /// `CollectOp::FinishMarking`.
    FinishMarking,
    /// `CollectOp::SweepStep`.
    SweepStep,
}

impl Kind {
    /// True for the collections.
    pub fn is_collection(self) -> bool {
        matches!(
            self,
            Kind::Debt
                | Kind::Minor
                | Kind::Full
                | Kind::StartMarking
                | Kind::MarkStep
                | Kind::FinishMarking
                | Kind::SweepStep
        )
    }
}

/// The op mix of a general program: relative weights. Few root allocations and more
/// root pops than pushes keep objects deep (reachable through other objects only), and
/// `Move` is common: both make objects that incremental marking can lose.
pub const MIX: [(u32, Kind); 26] = [
    (6, Kind::AllocRoot),
    (14, Kind::AllocEdge),
    (4, Kind::AllocChain),
    (3, Kind::AllocGarbage),
    (6, Kind::Link),
    (5, Kind::Unlink),
    (14, Kind::Move),
    (1, Kind::PushRoot),
    (3, Kind::PopRoot),
    (3, Kind::Stash),
    (2, Kind::Unstash),
    (2, Kind::Fetch),
    (3, Kind::Downgrade),
    (4, Kind::Upgrade),
    (1, Kind::DropWeak),
    (3, Kind::EphemeronInsert),
    (1, Kind::EphemeronRemove),
    (2, Kind::Register),
    (1, Kind::Knob),
    (2, Kind::Debt),
    (2, Kind::Minor),
    (2, Kind::Full),
    (6, Kind::StartMarking),
    (12, Kind::MarkStep),
    (2, Kind::FinishMarking),
    (3, Kind::SweepStep),
];

/// The mutations of [`MIX`], with `Move` three times as likely: the mix between the
/// steps of a marking episode.
pub fn mutation_mix() -> Vec<(u32, Kind)> {
    MIX.into_iter()
        .filter(|(_, kind)| !kind.is_collection())
        .map(|(weight, kind)| {
            (
                if kind == Kind::Move {
                    weight * 3
                } else {
                    weight
                },
                kind,
            )
        })
        .collect()
}

/// Limits on what ops build.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Ops per general program (at most, for proptest).
    pub ops: usize,
    /// Marking episodes per episode program (at most, for proptest).
    pub episodes: usize,
    /// Longest chain.
    pub chain: u8,
    /// Most garbage objects per op.
    pub garbage: u16,
    /// Longest payload, in bytes.
    pub payload: u16,
    /// Percent of objects that get a large child.
    pub big_percent: u8,
}

/// Limits for native runs.
pub const NATIVE: Sizes = Sizes {
    ops: 150,
    episodes: 5,
    chain: 12,
    garbage: 300,
    payload: 512,
    big_percent: 3,
};

/// Limits for Miri.
pub const MIRI: Sizes = Sizes {
    ops: 30,
    episodes: 1,
    chain: 3,
    garbage: 8,
    payload: 16,
    big_percent: 2,
};

/// Mark steps scan `share / 1024` of the live heap: shares up to this keep a step
/// below half of it, so marking is usually left part done.
pub const MAX_MARK_SHARE: u16 = 512;

/// Most mark steps per marking episode.
pub const EPISODE_MARK_STEPS: u64 = 8;

/// SplitMix64: a tiny, good-enough generator for test programs.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }

    fn sel(&mut self) -> Sel {
        Sel(self.next_u64() as u16)
    }

    fn flag(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }

    fn edge(&mut self) -> u8 {
        self.below(FIELDS as u64 + 2) as u8
    }

    fn pick_kind(&mut self, mix: &[(u32, Kind)]) -> Kind {
        let total: u32 = mix.iter().map(|(weight, _)| weight).sum();
        let mut point = self.below(u64::from(total)) as u32;
        for &(weight, kind) in mix {
            if point < weight {
                return kind;
            }
            point -= weight;
        }
        unreachable!("the point falls inside the total weight")
    }
}

/// A general program: `sizes.ops` ops drawn from [`MIX`].
pub fn random_program(rng: &mut SplitMix, sizes: Sizes) -> Vec<Op> {
    (0..sizes.ops)
        .map(|_| {
            let kind = rng.pick_kind(&MIX);
            random_op(rng, sizes, kind)
        })
        .collect()
}

/// A program of `sizes.episodes` marking episodes. Each: up to 11 mutations, a
/// collection that settles the heap (full, minor or debt), `start_marking`, 1 to
/// [`EPISODE_MARK_STEPS`] mark steps each followed by up to 4 mutations, the end of
/// marking (`finish_marking` or debt), then up to 3 sweep steps each followed by up to
/// 2 mutations. Dense in the stores that lose objects if a barrier is wrong.
pub fn random_marking_program(rng: &mut SplitMix, sizes: Sizes) -> Vec<Op> {
    let mix = mutation_mix();
    let mut program = Vec::new();
    let mutations = |rng: &mut SplitMix, program: &mut Vec<Op>, most: u64| {
        for _ in 0..rng.below(most + 1) {
            let kind = rng.pick_kind(&mix);
            program.push(random_op(rng, sizes, kind));
        }
    };
    for _ in 0..sizes.episodes {
        mutations(rng, &mut program, 11);
        let settle = [CollectOp::Full, CollectOp::Minor, CollectOp::Debt][rng.below(3) as usize];
        program.push(Op::Collect(settle));
        program.push(Op::Collect(CollectOp::StartMarking));
        for _ in 0..1 + rng.below(EPISODE_MARK_STEPS) {
            program.push(random_op(rng, sizes, Kind::MarkStep));
            mutations(rng, &mut program, 4);
        }
        let finish = if rng.flag(2) {
            CollectOp::FinishMarking
        } else {
            CollectOp::Debt
        };
        program.push(Op::Collect(finish));
        for _ in 0..rng.below(4) {
            program.push(random_op(rng, sizes, Kind::SweepStep));
            mutations(rng, &mut program, 2);
        }
    }
    program
}

fn random_spec(rng: &mut SplitMix, sizes: Sizes) -> AllocSpec {
    let len = rng.below(u64::from(sizes.payload) + 1) as u16;
    AllocSpec {
        payload: match rng.below(3) {
            0 => PayloadSpec::Nothing,
            1 => PayloadSpec::Bytes(len),
            _ => PayloadSpec::Text(len),
        },
        counted: rng.flag(2),
        leaf: rng.flag(3),
        big: rng.below(100) < u64::from(sizes.big_percent),
    }
}

/// A random knob change (see [`Knob`]).
fn random_knob(rng: &mut SplitMix) -> Knob {
    match rng.below(11) {
        6 => Knob::SurvivorRatio(1 + rng.below(64) as u8),
        7 => Knob::Incremental(rng.flag(2)),
        8 => Knob::MinorPauseUs(rng.below(2000) as u16),
        9 => Knob::MemoryLimitMib(rng.below(8) as u8),
        10 => Knob::GcPercentOff,
        0 => Knob::GcPercent(10 + rng.below(400) as u16),
        1 => Knob::EdenKib(64 + rng.below(960) as u16),
        2 => Knob::Tenuring(rng.below(16) as u8),
        3 => Knob::MarkStepKib(1 + rng.below(64) as u16),
        4 => Knob::Stress(rng.flag(2)),
        _ => Knob::LargeThreshold(rng.below(LARGE_THRESHOLDS.len() as u64) as u8),
    }
}

/// A random op of `kind`.
fn random_op(rng: &mut SplitMix, sizes: Sizes, kind: Kind) -> Op {
    match kind {
        Kind::AllocRoot => Op::Alloc {
            spec: random_spec(rng, sizes),
            attach: Attach::Root,
        },
        Kind::AllocEdge => Op::Alloc {
            spec: random_spec(rng, sizes),
            attach: Attach::Edge {
                parent: rng.sel(),
                edge: rng.edge(),
            },
        },
        Kind::AllocChain => Op::AllocChain {
            len: 1 + rng.below(u64::from(sizes.chain)) as u8,
            spec: random_spec(rng, sizes),
        },
        Kind::AllocGarbage => Op::AllocGarbage {
            count: 1 + rng.below(u64::from(sizes.garbage)) as u16,
            spec: random_spec(rng, sizes),
        },
        Kind::Link => Op::Link {
            from: rng.sel(),
            to: rng.sel(),
            edge: rng.edge(),
        },
        Kind::Unlink => Op::Unlink {
            from: rng.sel(),
            edge: rng.edge(),
            index: rng.sel(),
        },
        Kind::Move => Op::Move {
            from: rng.sel(),
            edge: rng.edge(),
            to: rng.sel(),
            to_edge: rng.edge(),
        },
        Kind::PushRoot => Op::PushRoot(rng.sel()),
        Kind::PopRoot => Op::PopRoot(rng.sel()),
        Kind::Stash => Op::Stash(rng.sel()),
        Kind::Unstash => Op::Unstash(rng.sel()),
        Kind::Fetch => Op::Fetch {
            handle: rng.sel(),
            reroot: rng.flag(2),
        },
        Kind::Downgrade => Op::Downgrade(rng.sel()),
        Kind::Upgrade => Op::Upgrade {
            weak: rng.sel(),
            reroot: rng.flag(2),
        },
        Kind::DropWeak => Op::DropWeak(rng.sel()),
        Kind::EphemeronInsert => Op::EphemeronInsert {
            key: rng.sel(),
            value: rng.sel(),
        },
        Kind::EphemeronRemove => Op::EphemeronRemove(rng.sel()),
        Kind::Register => Op::Register(rng.sel()),
        Kind::Knob => Op::Knob(random_knob(rng)),
        Kind::Debt => Op::Collect(CollectOp::Debt),
        Kind::Minor => Op::Collect(CollectOp::Minor),
        Kind::Full => Op::Collect(CollectOp::Full),
        Kind::StartMarking => Op::Collect(CollectOp::StartMarking),
        Kind::MarkStep => Op::Collect(CollectOp::MarkStep(
            1 + rng.below(u64::from(MAX_MARK_SHARE)) as u16,
        )),
        Kind::FinishMarking => Op::Collect(CollectOp::FinishMarking),
        Kind::SweepStep => Op::Collect(CollectOp::SweepStep(1 + rng.below(64) as u16)),
    }
}
