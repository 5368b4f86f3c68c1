package shard

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync/atomic"
)

// Memory accounting and eviction (maxmemory), approximated the way Redis
// does it: each shard counts the bytes of what it stores under its own lock;
// a store-wide total is brought up to date in steps of at most Grain bytes
// per shard, so a write pays a shared atomic add only once per Grain bytes of
// change; eviction samples a few keys of one shard and removes the best
// candidate of the policy.

// Policy is a maxmemory eviction policy.
type Policy uint8

const (
	// NoEviction evicts nothing; the caller refuses writes instead.
	NoEviction Policy = iota
	// AllKeysLRU evicts the least recently used of the sampled keys.
	AllKeysLRU
	// VolatileTTL evicts the sampled key with a deadline nearest to now;
	// keys without a deadline are never evicted.
	VolatileTTL
)

// ParsePolicy parses a maxmemory-policy name as Redis spells it.
func ParsePolicy(s string) (Policy, error) {
	switch s {
	case "noeviction":
		return NoEviction, nil
	case "allkeys-lru":
		return AllKeysLRU, nil
	case "volatile-ttl":
		return VolatileTTL, nil
	}
	return 0, errors.New("shard: unknown maxmemory policy " + s + " (want noeviction, allkeys-lru or volatile-ttl)")
}

// String returns the policy's Redis name.
func (p Policy) String() string {
	switch p {
	case AllKeysLRU:
		return "allkeys-lru"
	case VolatileTTL:
		return "volatile-ttl"
	}
	return "noeviction"
}

// Per-entry costs beyond the key and value bytes. A string's record is
// exact (recSize); the index slot, its load headroom and a chunk's unused
// tail are estimated.
const (
	entryOverhead  = 16  // index slot (8 B) at 1/2 to 3/4 load, arena slack
	volOverhead    = 4   // a volatile key's vol slot
	elemOverhead   = 32  // a list element: its slice header in the ring plus size class rounding
	fieldOverhead  = 64  // a hash field: hashField (48 B) plus rounding; the index map when large
	objOverhead    = 64  // a List, Hash, Set or ZSet header
	memberOverhead = 64  // a set member: its string header in the slice, its index map slot
	znodeOverhead  = 112 // a sorted-set member: the node with ~1.33 levels, its score map slot
)

// DefaultGrain is the accounting step used until SetAccounting is called.
const DefaultGrain = 64 << 10

// memState is shared by all shards of a Store. Only the atomics change
// once the Store is shared.
type memState struct {
	used        atomic.Int64 // store-wide bytes, behind the shards by < grain each
	grain       int64
	lru         bool
	collections bool
	next        atomic.Uint64
}

// Accounting configures memory accounting; see SetAccounting.
type Accounting struct {
	// Grain is how far (in bytes) each shard's count may run ahead of the
	// store-wide total UsedMemory reads: the total is off by less than Grain
	// times the shard count, and writes touch the shared total once per
	// Grain bytes of change.
	Grain int64
	// LRU makes reads maintain the access clock AllKeysLRU needs.
	LRU bool
	// Collections makes every Update and UpdateMulti re-estimate a list or
	// hash whose length it changed in place (one more map lookup per
	// write), so pushes onto a stored collection count.
	Collections bool
}

// SetAccounting configures memory accounting (the default is a Grain of
// DefaultGrain and nothing else). Call it before the Store is shared.
func (s *Store) SetAccounting(a Accounting) {
	s.mem.grain = max(a.Grain, 0)
	s.mem.lru = a.LRU
	s.mem.collections = a.Collections
}

// UsedMemory returns the estimated bytes held by keys and values: key and
// value lengths plus a per-entry overhead, counted when they are stored. It
// is one atomic load, cheap enough for every write.
func (s *Store) UsedMemory() int64 { return s.mem.used.Load() }

// entrySize is what an entry stored under a key of klen bytes counts for.
func entrySize(e entry, klen int) int64 {
	switch e.n {
	case nList:
		return ptrList(e.p).acct
	case nHash:
		return ptrHash(e.p).acct
	case nSet:
		return ptrSet(e.p).acct
	case nZSet:
		return ptrZSet(e.p).acct
	case nStream:
		return ptrStream(e.p).acct
	}
	if e.r.isObject() { // an object kind this file does not know
		return entryOverhead + int64(recSize(false, klen, 0))
	}
	n := entryOverhead + int64(recSize(e.exp > 0, klen, int(e.n)))
	if e.exp > 0 {
		n += volOverhead
	}
	return n
}

// measure is what the entry e being stored under a key of klen bytes counts
// for. A list or hash is measured now and remembers the result, which
// entrySize returns until it is stored again: a collection changed in place
// keeps the size it was stored with.
func measure(e entry, klen int) int64 {
	switch e.n {
	case nList:
		l := ptrList(e.p)
		l.acct, l.alen = listSize(l, klen), l.Len()
		return l.acct
	case nHash:
		h := ptrHash(e.p)
		h.acct, h.alen = hashSize(h, klen), h.Len()
		return h.acct
	case nSet:
		st := ptrSet(e.p)
		st.acct, st.alen = setSize(st, klen), st.Len()
		return st.acct
	case nZSet:
		z := ptrZSet(e.p)
		z.acct, z.alen = zsetSize(z, klen), z.Len()
		return z.acct
	case nStream:
		st := ptrStream(e.p)
		st.acct, st.alen = streamSize(st, klen), st.Len()
		return st.acct
	}
	return entrySize(e, klen)
}

// remeasureLocked re-estimates the list or hash stored under key when its
// length changed in place since it was measured, in O(1): each element
// added or removed counts as the per-element overhead plus the size of an
// element at the ends (a list's first and last, a hash's newest field),
// where pushes and new fields land. Values replaced in place without a
// change of length keep their old estimate.
func (sh *shardData) remeasureLocked(d *space, key []byte, h uint64) {
	e, ok := d.get(key, h)
	if !ok {
		return
	}
	var (
		acct *int64
		alen *int
		n    int
		per  int64
	)
	switch e.n {
	case nList:
		l := ptrList(e.p)
		acct, alen, n = &l.acct, &l.alen, l.Len()
		if n > 0 {
			per = int64(len(l.Index(0))+len(l.Index(n-1))) / 2
		}
		per += elemOverhead
	case nHash:
		h := ptrHash(e.p)
		acct, alen, n = &h.acct, &h.alen, h.Len()
		if k := len(h.fields); k > 0 && !h.fields[k-1].dead {
			per = int64(len(h.fields[k-1].f) + len(h.fields[k-1].v))
		}
		per += fieldOverhead
	case nSet:
		st := ptrSet(e.p)
		acct, alen, n = &st.acct, &st.alen, st.Len()
		if n > 0 {
			per = int64(len(st.members[n-1]))
		}
		per += memberOverhead
	case nZSet:
		z := ptrZSet(e.p)
		acct, alen, n = &z.acct, &z.alen, z.Len()
		if z.tail != nil {
			per = int64(len(z.tail.member))
		}
		per += znodeOverhead
	case nStream:
		st := ptrStream(e.p)
		acct, alen, n = &st.acct, &st.alen, st.Len()
		per = streamEntrySize(st)
	default:
		return
	}
	if n == *alen {
		return
	}
	next := max(*acct+int64(n-*alen)*per, entryOverhead+objOverhead+int64(len(key)))
	sh.addUsedLocked(next - *acct)
	*acct, *alen = next, n
}

// listSize estimates the bytes of l stored under a key of klen bytes.
func listSize(l *List, klen int) int64 {
	n := int64(entryOverhead + objOverhead + klen + 24*len(l.buf))
	for i := 0; i < l.n; i++ {
		n += int64(len(l.buf[l.slot(i)])) + elemOverhead - 24
	}
	return n
}

// hashSize estimates the bytes of h stored under a key of klen bytes.
func hashSize(h *Hash, klen int) int64 {
	n := int64(entryOverhead + objOverhead + klen)
	for _, hf := range h.fields {
		n += int64(len(hf.f)+len(hf.v)) + fieldOverhead
	}
	return n
}

// setSize estimates the bytes of st stored under a key of klen bytes.
func setSize(st *Set, klen int) int64 {
	n := int64(entryOverhead + objOverhead + klen)
	for _, m := range st.members {
		n += int64(len(m)) + memberOverhead
	}
	return n
}

// zsetSize estimates the bytes of z stored under a key of klen bytes.
func zsetSize(z *ZSet, klen int) int64 {
	n := int64(entryOverhead + objOverhead + klen)
	for m := range z.scores {
		n += int64(len(m)) + znodeOverhead
	}
	return n
}

// addUsedLocked adds d bytes to the shard's count and publishes the count to
// the store-wide total once it has moved by more than the grain.
func (sh *shardData) addUsedLocked(d int64) {
	sh.used += d
	sh.unsynced += d
	if sh.unsynced > sh.mem.grain || sh.unsynced < -sh.mem.grain {
		sh.mem.used.Add(sh.unsynced)
		sh.unsynced = 0
	}
}

// clock is the access clock for now (unix ms): seconds, wrapping after 136
// years, which only matters for comparing ages across the wrap.
func clock(now int64) uint32 { return uint32(now / 1000) }

// clockOf returns the access clock of e, kept in its record for every kind.
func clockOf(e entry) *uint32 { return e.r.clock() }

// touch records an access at now. It runs under the read lock, so it writes
// atomically, and only when the second changed, so hot keys read from many
// cores do not bounce a cache line on every read.
func touch(e entry, now int64) {
	p := clockOf(e)
	if c := clock(now); atomic.LoadUint32(p) != c {
		atomic.StoreUint32(p, c)
	}
}

// idle returns how many seconds e has not been accessed, as of now.
func idle(e entry, now int64) uint32 {
	p := clockOf(e)
	return clock(now) - atomic.LoadUint32(p)
}

// DefaultSamples is how many keys Evict looks at per shard, Redis's
// maxmemory-samples default.
const DefaultSamples = 5

// evictShards is how many shards (with candidates) Evict samples before it
// picks a victim. One shard alone would evict from every shard in turn
// whatever its keys; four give the best of 20 samples, close to what Redis's
// eviction pool achieves.
const evictShards = 4

// candidate is the best victim found so far. score orders candidates: a key
// past its deadline first, then the longest idle (AllKeysLRU) or the nearest
// deadline (VolatileTTL).
type candidate struct {
	slot uint64 // the index slot's value: tag and record location

	shard int
	db    int
	score uint64
	found bool
}

// Evict removes one key chosen by policy p and reports whether it removed
// one. It samples up to samples keys in each of a few shards (taken
// round-robin, skipping shards with no candidate) under their read locks,
// then deletes the best candidate under its shard's write lock. AllKeysLRU
// considers every key and takes the one idle longest; VolatileTTL considers
// only keys with a deadline and takes the nearest; a key whose deadline has
// passed is taken first (and counted as expired, not evicted). It returns
// false for NoEviction and when no shard has a candidate.
func (s *Store) Evict(p Policy, now int64, samples int) bool {
	if p == NoEviction {
		return false
	}
	samples = max(samples, 1)
	for range 3 { // the victim may change under us between the two locks
		var best candidate
		start := s.mem.next.Add(evictShards)
		looked := 0
		for i := uint64(0); i < uint64(len(s.shards)) && looked < evictShards; i++ {
			j := int((start + i) & s.mask)
			sh := &s.shards[j]
			sh.mu.RLock()
			if sh.sampleLocked(p, now, samples, j, &best) {
				looked++
			}
			sh.mu.RUnlock()
		}
		if !best.found {
			return false
		}
		if s.shards[best.shard].evictLocking(best, now) {
			return true
		}
	}
	return false
}

// sampleLocked offers up to samples keys of the shard to best and reports
// whether the shard had any candidate. The caller holds at least the read
// lock.
func (sh *shardData) sampleLocked(p Policy, now int64, samples, idx int, best *candidate) bool {
	found := false
	for db := range sh.dbs {
		d := &sh.dbs[db]
		offer := func(e entry, s uint64) {
			var score uint64
			switch {
			case e.expired(now):
				score = math.MaxUint64
			case p == AllKeysLRU:
				score = uint64(idle(e, now))
			default:
				score = uint64(math.MaxInt64 - e.exp)
			}
			if !best.found || score > best.score {
				*best = candidate{slot: s, shard: idx, db: db, score: score, found: true}
			}
		}
		switch p {
		case AllKeysLRU:
			if d.n == 0 {
				continue
			}
			// The keys met walking from a random slot are a random
			// sample, like Redis's dictGetSomeKeys.
			n := 0
			for i, j := rand.IntN(len(d.slots)), 0; j < len(d.slots) && n < samples; i, j = d.next(i), j+1 {
				if s := d.slots[i]; s != 0 {
					offer(d.decode(i, slotLoc(s)), s)
					n++
				}
			}
			found = true
		case VolatileTTL:
			for range min(samples, len(d.vol)) {
				loc := d.vol[rand.IntN(len(d.vol))]
				s := slotOf(tagOf(hashKey(d.rec(loc).key())), loc)
				offer(d.decode(-1, loc), s)
			}
			found = found || len(d.vol) > 0
		}
	}
	return found
}

// evictLocking deletes the candidate if its record is still the one sampled.
func (sh *shardData) evictLocking(c candidate, now int64) bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	d := &sh.dbs[c.db]
	i := d.findSlot(c.slot)
	if i < 0 {
		return false
	}
	e := d.decode(i, slotLoc(c.slot))
	key := e.r.key()
	sh.beforeWriteKey(c.db, key)
	sh.deleteLocked(d, e, len(key))
	if e.expired(now) {
		sh.expired++
		sh.touched(c.db, key, Expired)
	} else {
		sh.evicted++
		sh.touched(c.db, key, Evicted)
	}
	d.settle()
	return true
}
