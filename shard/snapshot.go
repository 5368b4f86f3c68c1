package shard

import (
	"sync/atomic"
	"unsafe"
)

// Snapshot is a point-in-time copy of a Store in the making, taken without
// stopping writers (BGSAVE without fork). BeginSnapshot marks every shard
// pending at one instant; from then on each shard is handed to the copy
// function exactly once, under its lock, while it still holds the contents
// of that instant: either by the saver walking the shards (Visit, under the
// read lock), or by the first writer that reaches a pending shard, which
// hands it over before it changes anything (under its write lock). So the
// copy is the keyspace as of BeginSnapshot, and a shard is never copied
// twice.
//
// The granularity is the shard: a writer that reaches a pending shard pays
// for copying all of it, and holds its lock meanwhile. Per-entry versions
// (copy one key before its first write) would refine that.
type Snapshot struct {
	s   *Store
	now int64
	fn  func(j int, v ShardView)
}

// ShardView is one shard's contents as of a snapshot, handed to the copy
// function while the shard is locked. It and everything it yields are valid
// only during that call.
type ShardView struct {
	sh  *shardData
	now int64
}

// Each calls fn on every key of database db that is live at the snapshot
// instant, with its value (whose ExpireAt is the key's deadline).
func (v ShardView) Each(db int, fn func(key []byte, val Value)) {
	for k, e := range v.sh.dbs[db].m {
		if !e.expired(v.now) {
			fn(keyBytes(k), e.value(len(k)))
		}
	}
}

// Size returns the number of keys of database db, expired ones not yet
// reclaimed included, and how many carry a deadline.
func (v ShardView) Size(db int) (keys, volatile int) {
	return len(v.sh.dbs[db].m), len(v.sh.dbs[db].vol)
}

// BeginSnapshot write-locks every shard (waiting for transactions and
// scripts in progress, so the instant falls between them), marks them
// pending for a new Snapshot, and unlocks them. fn receives each shard
// once; it may run on any goroutine, several at a time for different
// shards, and must not call back into the Store. Keys whose deadline is at
// or before now are left out. One snapshot at a time: the caller must End
// the previous one first.
func (s *Store) BeginSnapshot(now int64, fn func(j int, v ShardView)) *Snapshot {
	sn := &Snapshot{s: s, now: now, fn: fn}
	all := s.allShards()
	s.lockSet(all, false)
	for j := range s.shards {
		s.shards[j].setSnap(sn)
	}
	for _, j := range all {
		s.shards[j].mu.Unlock()
	}
	return sn
}

// Visit hands shard j to the copy function unless a writer already did,
// and reports whether it did.
func (sn *Snapshot) Visit(j int) bool {
	sh := &sn.s.shards[j]
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	if sh.snap() != sn {
		return false
	}
	sn.fn(j, ShardView{sh: &sh.shardData, now: sn.now})
	sh.setSnap(nil)
	return true
}

// End forgets the snapshot: shards not yet copied are not copied anymore.
func (sn *Snapshot) End() {
	for j := range sn.s.shards {
		sh := &sn.s.shards[j]
		sh.mu.Lock()
		if sh.snap() == sn {
			sh.setSnap(nil)
		}
		sh.mu.Unlock()
	}
}

// snapState is the per-shard part of a snapshot: the snapshot the shard
// still owes its contents to, nil when none. Set under every shard's write
// lock and cleared under the shard's lock, so a writer that holds the write
// lock sees a stable value; atomic because the saver clears it under the
// read lock.
//
// The pointer is untyped because shardData's size feeds a constant
// (shardPad), and a typed pointer to Snapshot would make that constant
// depend on itself through Store.
type snapState struct {
	snapPtr unsafe.Pointer // *Snapshot
	idx     int            // the shard's index, for the copy function
}

func (st *snapState) snap() *Snapshot      { return (*Snapshot)(atomic.LoadPointer(&st.snapPtr)) }
func (st *snapState) setSnap(sn *Snapshot) { atomic.StorePointer(&st.snapPtr, unsafe.Pointer(sn)) }

// beforeWrite is called, with the shard write-locked, before any change to
// its contents: a shard still owed to a snapshot is copied first.
func (sh *shardData) beforeWrite() {
	if sn := sh.snap(); sn != nil {
		sn.fn(sh.idx, ShardView{sh: sh, now: sn.now})
		sh.setSnap(nil)
	}
}

// Changes returns the number of real changes of keys since the Store was
// made (each event reported to the Observer, and each key a flush removed):
// Redis's dirty counter, from which INFO derives
// rdb_changes_since_last_save. It reads each shard under its read lock.
func (s *Store) Changes() uint64 {
	var n uint64
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		n += sh.changes
		sh.mu.RUnlock()
	}
	return n
}
