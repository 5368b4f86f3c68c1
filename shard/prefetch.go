package shard

// PrefetchMax is how many keys one Prefetch holds.
const PrefetchMax = 32

// Prefetch carries a pipelined batch's keys into the CPU cache ahead of the
// commands that will look them up. At tens of millions of keys a lookup is
// two dependent cache misses, the index slot and then the record it names,
// and a batch executed one command after another pays them in series.
// PrefetchSlot starts loading each key's home slot; PrefetchRecords, once
// those have had time to arrive, starts loading the record of each key's
// first tag match.
// The batch's misses then overlap, and each command finds its lines on the
// way. A prefetch never faults and never changes what a lookup returns, so
// a stale or wrong address only wastes the prefetch.
//
// The zero value is ready for use. It keeps nothing of the store between
// batches; it is meant to be embedded in the connection that reuses it, so
// that it does not allocate.
type Prefetch struct {
	n     int                 // keys remembered
	db    int                 // their database: a batch's keys are looked up in one
	shard [PrefetchMax]int32  // each key's shard
	hash  [PrefetchMax]uint64 // each key's hash, for its tag and home slot
}

// PrefetchSlot hashes key, starts loading its home slot in database db's
// index, and remembers it for PrefetchRecords. Keys past PrefetchMax, and
// every key where the CPU has no prefetch instruction, are ignored.
func (s *Store) PrefetchSlot(p *Prefetch, db int, key []byte) {
	if !prefetchOn || p.n == PrefetchMax || db < 0 || db >= s.ndb {
		return
	}
	j, h := s.locate(key)
	p.shard[p.n], p.hash[p.n], p.db = int32(j), h, db
	p.n++
	sh := &s.shards[j].shardData
	if raceEnabled {
		if !sh.mu.TryRLock() {
			return
		}
		defer sh.mu.RUnlock()
	}
	if a := homeAddr(&sh.dbs[db], tagOf(h)); a != 0 {
		prefetch(a)
	}
}

// PrefetchRecords starts loading, for each key PrefetchSlot remembered, the
// record of the first slot whose tag matches, and empties p. It reads the
// index under each shard's read lock, since it follows what it reads, but
// skips a shard whose lock is taken rather than wait: a prefetch must never
// make a connection wait on a lock its commands do not need (the second
// argument of SCRIPT KILL is no key, and a busy script holds every shard).
func (s *Store) PrefetchRecords(p *Prefetch) {
	for k := 0; k < p.n; k++ {
		sh := &s.shards[p.shard[k]].shardData
		if !sh.mu.TryRLock() {
			continue
		}
		d := &sh.dbs[p.db]
		if loc, ok := d.firstTagMatch(tagOf(p.hash[k])); ok {
			prefetch(d.rec(loc).addr())
		}
		sh.mu.RUnlock()
	}
	p.n = 0
}
