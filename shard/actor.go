package shard

// Actors: a DB handle may name who writes through it (WithActor), and an
// Observer that implements ActorObserver learns that name with each change
// the handle makes. Client-side caching needs it: a client tracking with
// NOLOOP is not told of its own writes, and a client's own invalidations
// go out after its reply. The shard records the actor of the handle that
// holds its write lock for the duration of one write call, so changes made
// without a handle (the expiry cycle, eviction) carry none.

// ActorObserver is an Observer that is also told who made a change: the
// actor of the handle the write went through, nil when none was named (the
// expiry cycle, eviction, a handle without one). When an Observer
// implements it, TouchedBy is called instead of Touched, under the same
// rules.
type ActorObserver interface {
	Observer
	TouchedBy(db int, key []byte, ev Event, actor any)
}

// WithActor returns a copy of the handle whose writes are reported to an
// ActorObserver with actor a.
func (d DB) WithActor(a any) DB {
	d.actor = a
	return d
}

// Actor returns the handle's actor, nil when it has none.
func (d DB) Actor() any { return d.actor }

// setActor records the actor of the handle that writes to the shard now;
// under the shard's write lock, and undone with clearActor before the lock
// is released.
func (sh *shardData) setActor(a any) {
	if sh.aobs != nil {
		sh.actor = a
	}
}

func (sh *shardData) clearActor() {
	if sh.aobs != nil {
		sh.actor = nil
	}
}
