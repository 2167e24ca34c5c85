//! Layer 7, api: what the program uses.
//!
//! The heap and its safe points (`heap`), the mutation context (`mutation`),
//! managed pointers (`gc`) and unsized objects (`unsized`: `str`, slices,
//! `WithTail`), managed arrays behind the indexed barrier (`array`) and the
//! growable vector on them (`vec`), host objects (`erased`: `Gc<dyn Trait>`
//! and downcasting), cells behind the write barrier (`lock`), root
//! types (`root`), cross-thread control (`control`), handles that outlive one
//! `mutate` call (`stash`, and weakly `stash_weak`), outside-heap bytes the
//! program reports (`external`), and the weak containers: weak cells (`weak`),
//! ephemeron tables (`ephemeron`), finalization queues (`finalize`), the keys
//! that let one of them serve an interpreter's value type (`weak_key`), and object
//! pools (`pool`); heap snapshots (`snapshot`), heap dumps (`dump`), retaining paths
//! (`retain`), allocation sites and heap profiles (`profile`), the
//! memory-limit callback (`memory_watch`). Big root collections that cost
//! what changed: `RootVec` (`root_vec`) and `RootMap` (`root_map`).

pub(crate) mod array;
pub(crate) mod control;
pub(crate) mod dump;
pub(crate) mod ephemeron;
pub(crate) mod erased;
pub(crate) mod external;
pub(crate) mod finalize;
pub(crate) mod gc;
pub(crate) mod heap;
pub(crate) mod lock;
pub(crate) mod memory_watch;
pub(crate) mod mutation;
pub(crate) mod pool;
pub(crate) mod profile;
pub(crate) mod retain;
pub(crate) mod root;
pub(crate) mod root_map;
pub(crate) mod root_vec;
pub(crate) mod snapshot;
pub(crate) mod stash;
pub(crate) mod stash_weak;
pub(crate) mod r#unsized;
pub(crate) mod vec;
pub(crate) mod weak;
pub(crate) mod weak_key;
