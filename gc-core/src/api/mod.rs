//! Layer 7, api: what the program uses.
//!
//! The heap and its safe points (`heap`), the mutation context (`mutation`),
//! managed pointers (`gc`) and unsized objects (`unsized`: `str`, slices,
//! `WithTail`), managed arrays behind the indexed barrier (`array`) and the
//! growable vector on them (`vec`), host objects (`erased`: `Gc<dyn Trait>`
//! and downcasting), cells behind the write barrier (`lock`), root
//! types (`root`), cross-thread control (`control`), handles that outlive one
//! `mutate` call (`stash`), and the weak containers: weak cells (`weak`),
//! ephemeron tables (`ephemeron`), finalization queues (`finalize`) and object
//! pools (`pool`); heap snapshots (`snapshot`), heap dumps (`dump`), retaining paths
//! (`retain`), allocation sites and heap profiles (`profile`), the
//! memory-limit callback (`memory_watch`).

pub(crate) mod array;
pub(crate) mod control;
pub(crate) mod dump;
pub(crate) mod ephemeron;
pub(crate) mod erased;
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
pub(crate) mod snapshot;
pub(crate) mod stash;
pub(crate) mod r#unsized;
pub(crate) mod vec;
pub(crate) mod weak;
