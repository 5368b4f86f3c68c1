package shard

import (
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

// Kind markers stored in entry.n for non-string values. String lengths are at
// most 512 MiB, far below these.
const (
	nList uint32 = 0xFFFFFF00 | uint32(KindList)
	nHash uint32 = 0xFFFFFF00 | uint32(KindHash)
	nSet  uint32 = 0xFFFFFF00 | uint32(KindSet)
	nZSet uint32 = 0xFFFFFF00 | uint32(KindZSet)
	// maxString is the longest string value the n field can describe.
	maxString = 0xFFFFFF00 - 1
)

// entry is one map value (24 bytes). For a string, p is the start of the
// key+value allocation and n the value length; for a list, hash, set or
// sorted set, p is the object and n the kind marker. exp is the deadline in unix ms (0 =
// none) and vidx the position of the key in shard.vol (-1 when exp == 0).
type entry struct {
	p    ptr
	exp  int64
	n    uint32
	vidx int32
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
	}
	return KindString
}

func (e *entry) expired(now int64) bool { return e.exp > 0 && e.exp <= now }

// storedKey returns the key string held by the map for e, given the length
// of the key it was looked up with, so writes can reuse it without allocating.
func (e *entry) storedKey(klen int) string {
	switch e.n {
	case nList:
		return ptrList(e.p).key
	case nHash:
		return ptrHash(e.p).key
	case nSet:
		return ptrSet(e.p).key
	case nZSet:
		return ptrZSet(e.p).key
	}
	return kvKey(e.p, klen)
}

func (e *entry) value(klen int) Value {
	switch e.n {
	case nList, nHash, nSet, nZSet:
		return Value{p: e.p, exp: e.exp, kind: e.kind()}
	}
	return Value{p: kvValue(e.p, klen, e.n), exp: e.exp, n: e.n, kind: KindString}
}

// shardData is one stripe. mu guards every field below it; the counters are
// plain integers for that reason.
type shardData struct {
	mu      sync.RWMutex
	m       map[string]entry
	vol     []string // keys with a deadline; the same string headers as in m
	writes  uint64   // write-lock acquisitions by Update, UpdateMulti, Flush
	expired uint64   // keys deleted because their deadline passed
	cur     Entry    // the cursor Update hands out, reused so Update does not allocate

	used     int64     // bytes counted for the keys of this shard (see evict.go)
	unsynced int64     // part of used not yet added to mem.used
	evicted  uint64    // keys removed by Evict
	mem      *memState // shared by all shards of the Store
}

type shard struct {
	shardData
	_ [shardPad]byte // keep neighbouring shards on separate cache lines
}

// Store is a map from keys to values split over a power-of-two number of
// independently locked shards. All methods are safe for concurrent use.
type Store struct {
	shards []shard
	mask   uint64
	txs    sync.Pool
	mem    memState
}

// New returns an empty Store with the given number of shards, which must be a
// power of two in [1, 65536].
func New(shards int) (*Store, error) {
	if shards < 1 || shards > maxShards || shards&(shards-1) != 0 {
		return nil, ErrShards
	}
	s := &Store{shards: make([]shard, shards), mask: uint64(shards - 1)}
	s.mem.grain = DefaultGrain
	for i := range s.shards {
		s.shards[i].mem = &s.mem
		s.shards[i].m = make(map[string]entry)
		s.shards[i].cur.sh = &s.shards[i].shardData
	}
	s.txs.New = func() any { return &Tx{s: s} }
	return s, nil
}

// Shards returns the number of shards.
func (s *Store) Shards() int { return len(s.shards) }

func (s *Store) index(key []byte) int { return int(xxhash.Sum64(key) & s.mask) }

// View runs fn with the live value of key under the shard's read lock and
// reports whether the key exists. fn is not called for a missing or expired
// key. v and all bytes reachable from it are valid only inside fn; fn must not
// keep them, modify them, or call back into the Store.
func (s *Store) View(key []byte, now int64, fn func(v Value)) bool {
	sh := &s.shards[s.index(key)]
	sh.mu.RLock()
	// Deferred so that a panicking fn (recovered by the server) cannot leave
	// the shard locked; open-coded defers cost about a nanosecond.
	defer sh.mu.RUnlock()
	e, ok := sh.m[string(key)]
	if !ok || e.expired(now) {
		return false
	}
	if s.mem.lru {
		touch(e, now)
	}
	fn(e.value(len(key)))
	return true
}

// Update runs fn under the shard's write lock with a cursor on key, whether
// the key exists or not. An expired entry is deleted (and counted) before fn
// runs. The cursor and anything it returns are valid only inside fn; fn must
// not call back into the Store. key is borrowed for the duration of the call.
func (s *Store) Update(key []byte, now int64, fn func(e *Entry)) {
	sh := &s.shards[s.index(key)]
	sh.mu.Lock()
	defer sh.unlockCur()
	sh.writes++
	sh.purgeLocked(key, now)
	c := &sh.cur
	c.key, c.now = key, now
	fn(c)
}

// unlockCur releases the write lock taken by Update, dropping the borrowed key.
func (sh *shardData) unlockCur() {
	if sh.mem.collections && sh.cur.key != nil {
		sh.remeasureLocked(sh.cur.key)
	}
	sh.cur.key = nil
	sh.mu.Unlock()
}

// purgeLocked deletes key if its deadline has passed.
func (sh *shardData) purgeLocked(key []byte, now int64) {
	if e, ok := sh.m[string(key)]; ok && e.expired(now) {
		sh.deleteLocked(e, e.storedKey(len(key)))
		sh.expired++
	}
}

// deleteLocked removes the entry e stored under k.
func (sh *shardData) deleteLocked(e entry, k string) {
	if e.vidx >= 0 {
		sh.unvolLocked(e.vidx)
	}
	sh.addUsedLocked(-entrySize(e, len(k)))
	delete(sh.m, k)
}

// unvolLocked removes position i from vol by moving the last key into it.
func (sh *shardData) unvolLocked(i int32) {
	last := int32(len(sh.vol) - 1)
	if i != last {
		moved := sh.vol[last]
		sh.vol[i] = moved
		me := sh.m[moved]
		me.vidx = i
		sh.m[moved] = me
	}
	sh.vol[last] = "" // drop the reference so a deleted key can be freed
	sh.vol = sh.vol[:last]
}

// Flush deletes every key and returns how many were removed (expired keys not
// yet reclaimed included, as Redis's DBSIZE counts them).
func (s *Store) Flush() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		sh.writes++
		n += len(sh.m)
		// A fresh map rather than clear(): clear keeps the grown table alive.
		sh.m = make(map[string]entry)
		sh.vol = nil
		sh.addUsedLocked(-sh.used)
		sh.mu.Unlock()
	}
	return n
}

// Stats are counters summed over all shards.
type Stats struct {
	Keys        int    // stored keys, including expired ones not yet reclaimed
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
		st.Keys += len(sh.m)
		st.Volatile += len(sh.vol)
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
// deadline from a random sample of them (INFO keyspace avg_ttl). It returns 0
// when no live key has a deadline.
func (s *Store) AvgTTL(now int64) int64 {
	var sum, n int64
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		if v := len(sh.vol); v > 0 {
			for j := range min(v, avgTTLSample) {
				if v > avgTTLSample {
					j = rand.IntN(v) // sample a big shard; a small one is read whole
				}
				e := sh.m[sh.vol[j]]
				if !e.expired(now) {
					sum += e.exp - now
					n++
				}
			}
		}
		sh.mu.RUnlock()
	}
	if n == 0 {
		return 0
	}
	return sum / n
}

// ExpireSample is the target of the active expiry policy: under shard i's
// write lock it picks up to n random keys among those with a deadline (every
// such key when there are at most n; each pick is O(1)), deletes the expired
// ones and reports how many keys it sampled and deleted.
func (s *Store) ExpireSample(i int, now int64, n int) (sampled, expired int) {
	sh := &s.shards[i]
	sh.mu.Lock()
	if len(sh.vol) <= n {
		// Walk backwards: a removal moves the last key into the hole, and
		// the last key has already been looked at.
		for j := len(sh.vol) - 1; j >= 0; j-- {
			sampled++
			if sh.expireAtLocked(j, now) {
				expired++
			}
		}
	} else {
		for range n {
			sampled++
			if sh.expireAtLocked(rand.IntN(len(sh.vol)), now) {
				expired++
			}
		}
	}
	sh.expired += uint64(expired)
	sh.mu.Unlock()
	return sampled, expired
}

// expireAtLocked deletes the key at vol[j] if its deadline has passed.
func (sh *shardData) expireAtLocked(j int, now int64) bool {
	k := sh.vol[j]
	e := sh.m[k]
	if !e.expired(now) {
		return false
	}
	sh.deleteLocked(e, k)
	return true
}

// RandomKey appends a random live key to dst (RANDOMKEY) and reports whether
// there was one. It picks a random shard, then the first live key of a map
// iteration (Go randomises its starting point), so keys are not exactly
// uniformly likely.
func (s *Store) RandomKey(now int64, dst []byte) ([]byte, bool) {
	start := rand.IntN(len(s.shards))
	for i := range s.shards {
		sh := &s.shards[(start+i)&int(s.mask)]
		sh.mu.RLock()
		for k, e := range sh.m {
			if !e.expired(now) {
				dst = append(dst, k...)
				sh.mu.RUnlock()
				return dst, true
			}
		}
		sh.mu.RUnlock()
	}
	return dst, false
}

// Scan calls fn on every live key of shard int(cursor) under its read lock and
// returns the cursor of the next shard, or 0 after the last one (and for a
// cursor out of range). Keys present for a whole walk from cursor 0 to 0 are
// reported exactly once. key and v are valid only inside fn; fn must not keep
// or modify them, nor call back into the Store.
func (s *Store) Scan(cursor uint64, now int64, fn func(key []byte, v Value)) (next uint64) {
	if cursor >= uint64(len(s.shards)) {
		return 0
	}
	s.scanShard(&s.shards[cursor], now, fn)
	if cursor+1 == uint64(len(s.shards)) {
		return 0
	}
	return cursor + 1
}

// scanShard runs Scan's callback over one shard. The unlock is deferred: fn
// may panic (the server recovers per command), and a shard left read-locked
// would block every writer of it for good.
func (s *Store) scanShard(sh *shard, now int64, fn func(key []byte, v Value)) {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	for k, e := range sh.m {
		if !e.expired(now) {
			fn(keyBytes(k), e.value(len(k)))
		}
	}
}
