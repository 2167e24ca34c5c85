//! Regression test for a finalization-queue bug (found by the model test in 7975103, fixed
//! in e242596): an object registered twice was queued once when it died, not twice as
//! `FinalizationQueue::register` documents ("Registering an object twice queues it twice",
//! as Chez Scheme's guardians do).
//!
//! What broke: settling resurrected the first registration's object; by the time the second
//! registration is settled, the object was alive again (just resurrected), so it stayed
//! watched. The program took the object once; if it let go of it, the next collection
//! resurrected it a second time. A program counting on one `take` per registration when
//! the object dies (to release two resources, say) saw one, and then a stray one later.
//! The fix (e242596) judges every registration dead or alive before resurrecting any.

use tenure::config::Config;
use tenure::{FinalizationQueue, Gc, Heap, Rootable, Trace};

#[derive(Trace)]
struct Resource {
    id: u32,
}

#[derive(Trace)]
struct Root<'gc> {
    held: Option<Gc<'gc, Resource>>,
    queue: FinalizationQueue<'gc, Resource>,
}

#[test]
fn an_object_registered_twice_is_queued_twice() {
    for generational in [true, false] {
        let config = Config::builder()
            .generational(generational)
            .build()
            .unwrap();
        let mut heap = Heap::<Rootable!['gc => Root<'gc>]>::with_config(config, |m| Root {
            held: None,
            queue: FinalizationQueue::new(m),
        })
        .unwrap();
        heap.mutate_root(|m, root| {
            let resource = Gc::new(m, Resource { id: 7 });
            root.queue.register(m, resource);
            root.queue.register(m, resource);
            root.held = Some(resource);
        });
        heap.collect_full();
        heap.mutate_root(|_, root| root.held = None);
        heap.collect_full();
        let (ready, watched) =
            heap.mutate(|_, root| (root.queue.ready_len(), root.queue.watched_len()));
        assert_eq!(
            (ready, watched),
            (2, 0),
            "both registrations fire when the object dies"
        );
        heap.mutate(|m, root| {
            assert_eq!(root.queue.take(m).map(|r| r.id), Some(7));
            assert_eq!(root.queue.take(m).map(|r| r.id), Some(7));
        });
    }
}
