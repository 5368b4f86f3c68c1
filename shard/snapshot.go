package shard

import (
	"sync/atomic"
	"unsafe"
)

// Snapshot is a point-in-time copy of a Store in the making, taken without
// stopping writers (BGSAVE without fork). BeginSnapshot marks every shard
// pending at one instant; from then on every key is handed over exactly
// once, under its shard's lock, with its value of that instant, so the
// copy is the keyspace as of BeginSnapshot:
//
//   - a write that names its keys (Update, UpdateMulti, expiry, eviction,
//     Move: every command's path) first hands over the keys it is about to
//     change that the snapshot has not had yet (the key function);
//   - the saver (Visit, under the read lock), or a write that changes a
//     whole shard (FLUSHDB, FLUSHALL, SWAPDB, under the write lock), hands
//     over the rest of the shard at once (the shard function).
//
// What has been handed over is told by the records themselves, not by a
// set of keys: each snapshot has an epoch, and a record whose header
// carries it (the version word, see unsafe.go) is not the saver's to
// write. A write stamps the record of a key it hands over, and every
// record written in a shard still owed to the snapshot is stamped as it is
// made, so a key created since the instant, or written again, is skipped,
// and a key deleted since has no record left to visit. The memory a
// snapshot holds beyond the store is therefore only the copies of the
// keys written while it is being saved, each once: no per-key bookkeeping
// (a set of 1M written keys took about 100 MB).
type Snapshot struct {
	s     *Store
	now   int64
	epoch uint32
	fn    func(j int, v ShardView)
	keyFn func(j, db int, key []byte, v Value)
}

// snapEpochs numbers snapshots. Records keep the epoch of the last one
// that stamped them; a new snapshot's epoch differs from every stamp
// (but for wrapping after 2^30 snapshots, and 0 is never used), so no
// stamp needs clearing when one ends. The epoch takes the low 30 bits of
// the record's ver word; the top two hold a string's Encoding.
var snapEpochs atomic.Uint32

func nextEpoch() uint32 {
	for {
		if e := snapEpochs.Add(1) & verMask; e != 0 {
			return e
		}
	}
}

// ShardView is one shard's contents as of a snapshot, handed to the copy
// function while the shard is locked. It and everything it yields are valid
// only during that call.
type ShardView struct {
	sh    *shardData
	now   int64
	epoch uint32
}

// Each calls fn on every key of database db that is live at the snapshot
// instant and not handed over already, with its value (whose ExpireAt is
// the key's deadline).
func (v ShardView) Each(db int, fn func(key []byte, val Value)) {
	v.sh.dbs[db].each(func(e entry) bool {
		if e.r.ver() == v.epoch || e.expired(v.now) {
			return true
		}
		fn(e.r.key(), e.value())
		return true
	})
}

// Size returns the number of keys of database db, expired ones not yet
// reclaimed included, and how many carry a deadline.
func (v ShardView) Size(db int) (keys, volatile int) {
	return v.sh.dbs[db].n, len(v.sh.dbs[db].vol)
}

// BeginSnapshot write-locks every shard (waiting for transactions and
// scripts in progress, so the instant falls between them), marks them
// pending for a new Snapshot, and unlocks them. fn receives each shard
// once (less the keys keyFn received); keyFn receives, once, each key a
// write is about to change that existed at the instant, with its value
// then. Both may run on any goroutine, several at a time for different
// shards, under the shard's lock, and must not call back into the Store.
// Keys whose deadline is at or before now are left out. One snapshot at a
// time: the caller must End the previous one first.
func (s *Store) BeginSnapshot(now int64, fn func(j int, v ShardView), keyFn func(j, db int, key []byte, v Value)) *Snapshot {
	sn := &Snapshot{s: s, now: now, epoch: nextEpoch(), fn: fn, keyFn: keyFn}
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
	sn.fn(j, ShardView{sh: &sh.shardData, now: sn.now, epoch: sn.epoch})
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

// stamp marks a record written (or written over) while a snapshot is still
// owed this shard: its value is newer than the snapshot's instant, so the
// saver must skip it.
func (sh *shardData) stamp(r rec) {
	if sn := sh.snap(); sn != nil {
		r.setVer(sn.epoch)
	}
}

// beforeWrite is called, with the shard write-locked, before a change to
// its contents that names no key (a flush, a swap): a shard still owed to a
// snapshot is copied first, all that is left of it.
func (sh *shardData) beforeWrite() {
	if sn := sh.snap(); sn != nil {
		sn.fn(sh.idx, ShardView{sh: sh, now: sn.now, epoch: sn.epoch})
		sh.setSnap(nil)
	}
}

// beforeWriteKey is called, with the shard write-locked, before a change
// of key in database db: in a shard still owed to a snapshot, the key's
// value at the instant is handed over first, once, and its record stamped
// so. A key that did not exist then has nothing to hand over; the record
// the write makes for it is stamped as it is made (putLocked), so the
// saver does not write what a writer creates.
func (sh *shardData) beforeWriteKey(db int, key []byte) {
	sn := sh.snap()
	if sn == nil {
		return
	}
	e, ok := sh.dbs[db].get(key, hashKey(key))
	if !ok || e.r.ver() == sn.epoch {
		return
	}
	e.r.setVer(sn.epoch)
	if !e.expired(sn.now) {
		sn.keyFn(sh.idx, db, key, e.value())
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
