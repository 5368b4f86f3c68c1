package shard

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"sync"

	"github.com/cespare/xxhash/v2"
)

// DefaultShards is the shard count used when the caller has no measurement of
// its own.
const DefaultShards = 256

// maxShards bounds New; more stripes than this only cost memory.
const maxShards = 1 << 16

// ErrShards is returned by New for a shard count that is not a power of two in
// [1, 65536].
var ErrShards = errors.New("shard: shard count must be a power of two in [1, 65536]")

// Kind markers for entry.n and objRef.n of collections. String lengths are
// at most maxString, far below these.
const (
	nList uint32 = 0xFFFFFF00 | uint32(KindList)
	nHash uint32 = 0xFFFFFF00 | uint32(KindHash)
	nSet  uint32 = 0xFFFFFF00 | uint32(KindSet)
	nZSet uint32 = 0xFFFFFF00 | uint32(KindZSet)
)

// entry is a decoded view of one stored key, built on each lookup and
// valid until the space next changes. For a string, p is the first value
// byte (nil when empty) and n the value length; for a collection, p is the
// object and n its kind marker. exp is the deadline in unix ms (0 = none).
type entry struct {
	p    ptr
	exp  int64
	n    uint32
	loc  uint32 // the record's location in the arena
	slot int    // the index slot that points at it
	r    rec
}

func (e *entry) kind() Kind {
	switch e.n {
	case nList:
		return KindList
	case nHash:
		return KindHash
	case nSet:
		return KindSet
	case nZSet:
		return KindZSet
	case nStream:
		return KindStream
	}
	return KindString
}

func (e *entry) expired(now int64) bool { return e.exp > 0 && e.exp <= now }

func (e *entry) value() Value {
	if e.r.isObject() {
		return Value{p: e.p, exp: e.exp, kind: e.kind()}
	}
	return Value{p: e.p, exp: e.exp, n: e.n, kind: KindString, enc: e.r.enc()}
}

// shardData is one stripe: the keys of every database that hash to it, so
// one lock covers a key in all databases (MOVE and SWAPDB stay within a
// shard). mu guards every field below it; the counters are plain integers
// for that reason.
type shardData struct {
	mu      sync.RWMutex
	dbs     []space       // one per database
	writes  uint64        // write-lock acquisitions by Update, UpdateMulti, Flush
	expired uint64        // keys deleted because their deadline passed
	cur     Entry         // the cursor Update hands out, reused so Update does not allocate
	obs     Observer      // the Store's, copied here so a write reaches it without a hop
	aobs    ActorObserver // obs when it implements ActorObserver, else nil
	actor   any           // the actor of the handle writing now (see actor.go)

	used     int64     // bytes counted for the keys of this shard (see evict.go)
	unsynced int64     // part of used not yet added to mem.used
	evicted  uint64    // keys removed by Evict
	mem      *memState // shared by all shards of the Store

	snapState        // a snapshot this shard still owes its contents to (see snapshot.go)
	changes   uint64 // real changes of keys (the Observer's events and flushed keys): INFO's dirty count
}

type shard struct {
	// Keep neighbouring shards on separate cache lines. The pad goes first:
	// a zero-length last field would itself be padded (Go keeps a pointer
	// to it inside the object).
	_ [shardPad]byte
	shardData
}

// Store is a map from keys to values split over a power-of-two number of
// independently locked shards, holding one or more numbered databases. A
// key's shard follows its hash tag (see Slot), so keys that share a tag share
// a shard. All methods are safe for concurrent use. The methods that take no
// database work on database 0; DB gives a handle on any of them.
//
// Lock order: shards are locked in ascending index order, or (Hold,
// ViewMulti, UpdateMulti on several shards) without waiting while holding any
// (see lockSet); an Observer runs under the lock of the key's shard and must
// not call back into the Store.
type Store struct {
	shards []shard
	mask   uint64
	ndb    int
	txs    sync.Pool
	mem    memState
}

// DefaultDBs is the number of databases New creates, as Redis's default.
const DefaultDBs = 16

// maxDBs bounds NewDBs.
const maxDBs = 1 << 16

// ErrDBs is returned by NewDBs for a database count outside [1, 65536].
var ErrDBs = errors.New("shard: database count must be in [1, 65536]")

// New returns an empty Store with DefaultDBs databases and the given number
// of shards, which must be a power of two in [1, 65536].
func New(shards int) (*Store, error) { return NewDBs(shards, DefaultDBs) }

// NewDBs returns an empty Store with dbs databases and the given number of
// shards. A database's maps are made on its first write, so unused
// databases cost a few words per shard.
func NewDBs(shards, dbs int) (*Store, error) {
	if shards < 1 || shards > maxShards || shards&(shards-1) != 0 {
		return nil, ErrShards
	}
	if dbs < 1 || dbs > maxDBs {
		return nil, ErrDBs
	}
	s := &Store{shards: make([]shard, shards), mask: uint64(shards - 1), ndb: dbs}
	s.mem.grain = DefaultGrain
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mem = &s.mem
		sh.dbs = make([]space, dbs)
		sh.cur.sh = &sh.shardData
		sh.idx = i
	}
	s.txs.New = func() any { return &Tx{s: s} }
	return s, nil
}

// Shards returns the number of shards.
func (s *Store) Shards() int { return len(s.shards) }

// DBs returns the number of databases.
func (s *Store) DBs() int { return s.ndb }

// index returns the shard of key: the hash of its hash tag (the part between
// the first '{' and the next '}', when not empty) or of the whole key, the
// Redis Cluster rule, so that multi-key work on keys with one tag locks one
// shard.
func (s *Store) index(key []byte) int { return int(xxhash.Sum64(HashTag(key)) & s.mask) }

// ShardOf returns the shard index of key, for callers that plan which shards
// to Hold.
func (s *Store) ShardOf(key []byte) int { return s.index(key) }

// HashTag returns the part of key that decides its shard (and its cluster
// slot): the bytes between the first '{' and the first '}' after it when
// there are any, else the whole key.
func HashTag(key []byte) []byte {
	open := bytes.IndexByte(key, '{')
	if open < 0 {
		return key
	}
	end := bytes.IndexByte(key[open+1:], '}')
	if end <= 0 { // no '}', or "{}": the whole key
		return key
	}
	return key[open+1 : open+1+end]
}

// Event says what happened to a key, for an Observer.
type Event uint8

const (
	// Modified: the key was written, deleted, renamed away or had its
	// deadline changed by a command.
	Modified Event = iota
	// Expired: the key was deleted because its deadline passed.
	Expired
	// Evicted: the key was deleted to free memory.
	Evicted
)

// Observer is told of every real change of a key: WATCH, blocked clients,
// keyspace notifications and the persistence log attach here. A write that
// changes nothing (an SREM of a missing member, an EXPIRE of a missing key)
// is not reported. Its methods run under the lock of the key's shard, so they
// must be quick and must not call back into the Store; key is valid only
// during the call.
type Observer interface {
	// Touched reports that key in database db changed.
	Touched(db int, key []byte, ev Event)
	// Flushed reports that every key of database db in one shard is about
	// to go (FLUSHDB, FLUSHALL, SWAPDB). had reports whether a key of this
	// shard exists in db; it answers false for keys of other shards, and is
	// valid only during the call.
	Flushed(db int, had func(key []byte) bool)
}

// SetObserver installs o (nil for none). Call it before the Store is shared.
func (s *Store) SetObserver(o Observer) {
	ao, _ := o.(ActorObserver)
	for i := range s.shards {
		s.shards[i].obs = o
		s.shards[i].aobs = ao
	}
}

// touched reports a change of key in db to the observer, if any.
func (sh *shardData) touched(db int, key []byte, ev Event) {
	sh.changes++
	switch {
	case sh.aobs != nil:
		sh.aobs.TouchedBy(db, key, ev, sh.actor)
	case sh.obs != nil:
		sh.obs.Touched(db, key, ev)
	}
}

// View runs fn with the live value of key in database 0; see DB.View.
func (s *Store) View(key []byte, now int64, fn func(v Value)) bool {
	return s.DB(0).View(key, now, fn)
}

// Update runs fn with a cursor on key in database 0; see DB.Update.
func (s *Store) Update(key []byte, now int64, fn func(e *Entry)) {
	s.DB(0).Update(key, now, fn)
}

// locate returns the shard of key and the key's own hash, which the
// shard's index uses: for a key without a hash tag the two hashes are one.
func (s *Store) locate(key []byte) (int, uint64) {
	h := hashKey(key)
	if bytes.IndexByte(key, '{') < 0 {
		return int(h & s.mask), h
	}
	return s.index(key), h
}

// viewLocked runs View's body on shard sh, which the caller has locked.
func (s *Store) viewLocked(sh *shardData, db int, key []byte, h uint64, now int64, fn func(v Value)) bool {
	e, ok := sh.dbs[db].get(key, h)
	if !ok || e.expired(now) {
		return false
	}
	if s.mem.lru {
		touch(e, now)
	}
	fn(e.value())
	return true
}

// updateLocked runs Update's body on shard sh, which the caller has
// write-locked, and reports the cursor's changes when fn returns.
func (sh *shardData) updateLocked(db int, key []byte, h uint64, now int64, fn func(e *Entry)) {
	sh.beforeWriteKey(db, key)
	sh.writes++
	sh.purgeLocked(db, key, h, now)
	c := &sh.cur
	c.begin(db, key, h, now, false)
	defer sh.endCur()
	fn(c)
}

// endCur finishes the cursor Update handed out: re-measures the value,
// reports a change to the observer, drops the borrowed key and pays the
// compaction the write owes (now that no callback holds the arena's bytes).
func (sh *shardData) endCur() {
	sh.cur.end()
	sh.cur.key = nil
	sh.cur.d.settle()
}

// purgeLocked deletes key from db if its deadline has passed.
func (sh *shardData) purgeLocked(db int, key []byte, h uint64, now int64) {
	d := &sh.dbs[db]
	if e, ok := d.get(key, h); ok && e.expired(now) {
		sh.deleteLocked(d, e, len(key))
		sh.expired++
		sh.touched(db, key, Expired)
	}
}

// deleteLocked removes the entry e, stored under a key of klen bytes, from
// d. Its key bytes stay readable until d is next settled.
func (sh *shardData) deleteLocked(d *space, e entry, klen int) {
	sh.addUsedLocked(-entrySize(e, klen))
	d.remove(e)
}

// Flush deletes every key of every database and returns how many were
// removed (expired keys not yet reclaimed included, as Redis's DBSIZE counts
// them).
func (s *Store) Flush() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for db := range sh.dbs {
			n += sh.flushLocked(db)
		}
		sh.mu.Unlock()
	}
	return n
}

// flushLocked empties database db of the shard and returns how many keys it
// held.
func (sh *shardData) flushLocked(db int) int {
	d := &sh.dbs[db]
	n := d.n
	if n == 0 {
		return 0
	}
	sh.beforeWrite()
	sh.writes++
	sh.changes += uint64(n)
	if sh.obs != nil {
		sh.obs.Flushed(db, d.had)
	}
	var used int64
	d.each(func(e entry) bool {
		used += entrySize(e, e.r.klen())
		return true
	})
	sh.addUsedLocked(-used)
	// A fresh space rather than clearing: the grown index and chunks go.
	*d = space{}
	return n
}

// Stats are counters summed over all shards.
type Stats struct {
	Keys        int    // stored keys of every database, including expired ones not yet reclaimed
	Volatile    int    // keys with a deadline
	ExpiredKeys uint64 // keys deleted because their deadline passed (lazily or by ExpireSample)
	Writes      uint64 // write-lock acquisitions by Update, UpdateMulti (per shard) and Flush (per shard)
	EvictedKeys uint64 // keys removed by Evict
	UsedMemory  int64  // exact sum of the shards' byte counts (UsedMemory lags it)
}

// Stats sums the shard counters, taking each read lock briefly, so the result
// is not a consistent snapshot under concurrent writes.
func (s *Store) Stats() Stats {
	var st Stats
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for db := range sh.dbs {
			st.Keys += sh.dbs[db].n
			st.Volatile += len(sh.dbs[db].vol)
		}
		st.ExpiredKeys += sh.expired
		st.Writes += sh.writes
		st.EvictedKeys += sh.evicted
		st.UsedMemory += sh.used
		sh.mu.RUnlock()
	}
	return st
}

// avgTTLSample is how many volatile keys AvgTTL looks at per shard.
const avgTTLSample = 16

// AvgTTL estimates the average remaining time to live in ms of keys with a
// deadline in database 0; see DB.AvgTTL.
func (s *Store) AvgTTL(now int64) int64 { return s.DB(0).AvgTTL(now) }

// expiryCompaction is the compaction debt (dead bytes, walked at the
// victim's pay) ExpireSample adds per database beyond what its deletions
// owe, so that a space nobody writes to still sheds its dead bytes over a
// few cycles.
const expiryCompaction = 4 << 10

// ExpireSample is the target of the active expiry policy: under shard i's
// write lock, in each database with keys that carry a deadline, it picks up
// to n random such keys (every one when there are at most n; each pick is
// O(1)), deletes the expired ones and reports how many keys it sampled and
// deleted. It then advances the compaction of each database of the shard by
// a bounded step.
func (s *Store) ExpireSample(i int, now int64, n int) (sampled, expired int) {
	sh := &s.shards[i]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for db := range sh.dbs {
		d := &sh.dbs[db]
		if len(d.vol) <= n {
			// Walk backwards: a removal moves the last key into the hole,
			// and the last key has already been looked at.
			for j := len(d.vol) - 1; j >= 0; j-- {
				sampled++
				if sh.expireAtLocked(db, j, now) {
					expired++
				}
			}
		} else {
			for range n {
				sampled++
				if sh.expireAtLocked(db, rand.IntN(len(d.vol)), now) {
					expired++
				}
			}
		}
		if d.bytes > 0 {
			d.debt += expiryCompaction
			d.settle()
		}
	}
	sh.expired += uint64(expired)
	return sampled, expired
}

// expireAtLocked deletes the key at vol[j] of db if its deadline has passed.
func (sh *shardData) expireAtLocked(db, j int, now int64) bool {
	d := &sh.dbs[db]
	r := d.rec(d.vol[j])
	if exp := r.exp(); exp > now {
		return false
	}
	key := r.key()
	sh.beforeWriteKey(db, key)
	e, _ := d.get(key, hashKey(key))
	sh.deleteLocked(d, e, len(key))
	sh.touched(db, key, Expired)
	return true
}

// RandomKey appends a random live key of database 0 to dst; see
// DB.RandomKey.
func (s *Store) RandomKey(now int64, dst []byte) ([]byte, bool) {
	return s.DB(0).RandomKey(now, dst)
}

// Scan walks database 0; see DB.Scan.
func (s *Store) Scan(cursor uint64, now int64, fn func(key []byte, v Value)) (next uint64) {
	return s.DB(0).Scan(cursor, now, fn)
}
