package shard

import (
	"math/rand/v2"
	"runtime"
	"slices"
)

// DB is a handle on one database of a Store, the keyspace handle every
// command runs against. A handle from Store.DB locks, for each call, the
// shards that call needs; a handle from Held.DB runs inside a transaction or
// script that already holds its shards write-locked, so the same command code
// serves a plain call, a command inside EXEC and a call from a script. A DB
// is a small value: copy it freely. Its methods are safe for concurrent use
// when it comes from Store.DB; one from Held.DB belongs to the goroutine
// that holds the shards.
type DB struct {
	s     *Store
	n     int
	held  *Held // nil: lock per call
	actor any   // who writes through the handle (see WithActor)
}

// DB returns a handle on database n, which must be in [0, DBs()).
func (s *Store) DB(n int) DB { return DB{s: s, n: n} }

// Index returns the database number.
func (d DB) Index() int { return d.n }

// Store returns the Store the database belongs to.
func (d DB) Store() *Store { return d.s }

// Held returns the shard set the handle runs under, nil for a plain handle.
func (d DB) Held() *Held { return d.held }

// View runs fn with the live value of key under the shard's read lock and
// reports whether the key exists. fn is not called for a missing or expired
// key. v and all bytes reachable from it are valid only inside fn; fn must not
// keep them, modify them, or call back into the Store.
func (d DB) View(key []byte, now int64, fn func(v Value)) bool {
	j, h := d.s.locate(key)
	sh := &d.s.shards[j]
	if d.held != nil {
		d.held.need(j)
		return d.s.viewLocked(&sh.shardData, d.n, key, h, now, fn)
	}
	sh.mu.RLock()
	// Deferred so that a panicking fn (recovered by the server) cannot leave
	// the shard locked; open-coded defers cost about a nanosecond.
	defer sh.mu.RUnlock()
	return d.s.viewLocked(&sh.shardData, d.n, key, h, now, fn)
}

// Update runs fn under the shard's write lock with a cursor on key, whether
// the key exists or not. An expired entry is deleted (and counted) before fn
// runs. The cursor and anything it returns are valid only inside fn; fn must
// not call back into the Store. key is borrowed for the duration of the call.
// When fn returns, a real change of the key is reported to the Observer.
func (d DB) Update(key []byte, now int64, fn func(e *Entry)) {
	j, h := d.s.locate(key)
	sh := &d.s.shards[j]
	if d.held != nil {
		// The set's goroutine owns the shard, and handlers never nest
		// store calls, so the shard's reusable cursor is free here too.
		d.held.need(j)
		sh.setActor(d.actor)
		defer sh.clearActor()
		sh.updateLocked(d.n, key, h, now, fn)
		return
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.setActor(d.actor)
	defer sh.clearActor()
	sh.updateLocked(d.n, key, h, now, fn)
}

// ViewMulti read-locks the shards of all keys and runs fn once. Cursors from
// tx are read-only: their mutating methods panic. keys are borrowed for the
// duration of the call; fn must not call back into the Store.
func (d DB) ViewMulti(keys [][]byte, now int64, fn func(tx *Tx)) {
	tx := d.beginTx(keys, now, true)
	defer d.endTx(tx)
	fn(tx)
}

// UpdateMulti write-locks the shards of all keys and runs fn once. Expired
// entries among keys are deleted (and counted) before fn runs. keys are
// borrowed for the duration of the call; fn must not call back into the
// Store. Real changes are reported to the Observer when fn returns.
func (d DB) UpdateMulti(keys [][]byte, now int64, fn func(tx *Tx)) {
	tx := d.beginTx(keys, now, false)
	defer d.endTx(tx)
	for i := range tx.ents {
		tx.ents[i].sh.purgeLocked(d.n, tx.keys[i], tx.ents[i].h, now)
	}
	fn(tx)
}

// ViewMulti runs DB.ViewMulti on database 0.
func (s *Store) ViewMulti(keys [][]byte, now int64, fn func(tx *Tx)) {
	s.DB(0).ViewMulti(keys, now, fn)
}

// UpdateMulti runs DB.UpdateMulti on database 0.
func (s *Store) UpdateMulti(keys [][]byte, now int64, fn func(tx *Tx)) {
	s.DB(0).UpdateMulti(keys, now, fn)
}

// beginTx builds the cursors of keys and locks their shards (or checks a
// held handle holds them).
func (d DB) beginTx(keys [][]byte, now int64, ro bool) *Tx {
	s := d.s
	tx := s.txs.Get().(*Tx)
	tx.keys, tx.ro, tx.held = keys, ro, d.held != nil
	tx.ents = slices.Grow(tx.ents[:0], len(keys))[:len(keys)]
	tx.locked = tx.locked[:0]
	tx.next, tx.byKey = 0, nil
	if len(tx.seen) < len(s.shards) {
		tx.seen = make([]bool, len(s.shards))
	}
	for i, k := range keys {
		j, h := s.locate(k)
		tx.ents[i] = Entry{sh: &s.shards[j].shardData}
		tx.ents[i].begin(d.n, k, h, now, ro)
		if !tx.seen[j] {
			tx.seen[j] = true
			tx.locked = append(tx.locked, j)
		}
	}
	for _, j := range tx.locked {
		tx.seen[j] = false
	}
	slices.Sort(tx.locked)
	if d.held != nil {
		for _, j := range tx.locked {
			d.held.need(j)
		}
	} else {
		s.lockSet(tx.locked, ro)
	}
	if !ro {
		for _, j := range tx.locked {
			s.shards[j].writes++
			s.shards[j].setActor(d.actor)
		}
		for i, k := range keys {
			tx.ents[i].sh.beforeWriteKey(d.n, k)
		}
	}
	return tx
}

// endTx finishes the cursors, releases the locks of tx (deferred by the
// callers, so a panicking callback cannot leave shards locked) and returns
// it to the pool.
func (d DB) endTx(tx *Tx) {
	s := d.s
	if !tx.ro {
		for i := range tx.ents {
			tx.ents[i].end()
		}
		// Every callback has returned: pay the compaction the writes owe.
		for i := range tx.ents {
			tx.ents[i].d.settle()
		}
		for _, j := range tx.locked {
			s.shards[j].clearActor()
		}
	}
	if !tx.held {
		for _, j := range tx.locked {
			if tx.ro {
				s.shards[j].mu.RUnlock()
			} else {
				s.shards[j].mu.Unlock()
			}
		}
	}
	clear(tx.ents) // drop borrowed keys
	tx.keys, tx.byKey = nil, nil
	s.txs.Put(tx)
}

// lockShard locks shard j of a plain handle, or checks a held one holds it;
// unlock undoes it.
func (d DB) lockShard(j int, ro bool) {
	switch {
	case d.held != nil:
		d.held.need(j)
	case ro:
		d.s.shards[j].mu.RLock()
	default:
		d.s.shards[j].mu.Lock()
	}
}

func (d DB) unlockShard(j int, ro bool) {
	switch {
	case d.held != nil:
	case ro:
		d.s.shards[j].mu.RUnlock()
	default:
		d.s.shards[j].mu.Unlock()
	}
}

// Scan calls fn on every live key of shard int(cursor) of the database under
// its read lock and returns the cursor of the next shard, or 0 after the last
// one (and for a cursor out of range). Keys present for a whole walk from
// cursor 0 to 0 are reported exactly once. key and v are valid only inside
// fn; fn must not keep or modify them, nor call back into the Store.
func (d DB) Scan(cursor uint64, now int64, fn func(key []byte, v Value)) (next uint64) {
	if cursor >= uint64(len(d.s.shards)) {
		return 0
	}
	d.scanShard(int(cursor), now, fn)
	if cursor+1 == uint64(len(d.s.shards)) {
		return 0
	}
	return cursor + 1
}

// scanShard runs Scan's callback over one shard. The unlock is deferred: fn
// may panic (the server recovers per command), and a shard left read-locked
// would block every writer of it for good.
func (d DB) scanShard(j int, now int64, fn func(key []byte, v Value)) {
	d.lockShard(j, true)
	defer d.unlockShard(j, true)
	d.s.shards[j].dbs[d.n].each(func(e entry) bool {
		if !e.expired(now) {
			fn(e.r.key(), e.value())
		}
		return true
	})
}

// RandomKey appends a random live key to dst (RANDOMKEY) and reports whether
// there was one. It picks a random shard, then the first live key from a
// random slot of its index, so keys are not exactly uniformly likely.
func (d DB) RandomKey(now int64, dst []byte) ([]byte, bool) {
	n := len(d.s.shards)
	start := rand.IntN(n)
	for i := range n {
		j := (start + i) & int(d.s.mask)
		if out, ok := d.randomIn(j, now, dst); ok {
			return out, true
		}
	}
	return dst, false
}

// randomIn appends a live key of shard j to dst, copied before the unlock.
func (d DB) randomIn(j int, now int64, dst []byte) ([]byte, bool) {
	d.lockShard(j, true)
	defer d.unlockShard(j, true)
	sp := &d.s.shards[j].dbs[d.n]
	if sp.n == 0 {
		return dst, false
	}
	for i, k := rand.IntN(len(sp.slots)), 0; k < len(sp.slots); i, k = sp.next(i), k+1 {
		if s := sp.slots[i]; s != 0 {
			if e := sp.decode(i, slotLoc(s)); !e.expired(now) {
				return append(dst, e.r.key()...), true
			}
		}
	}
	return dst, false
}

// Expired reports whether key is still stored although its deadline has
// passed (logically gone, not yet reclaimed): what WATCH remembers so that
// EXEC can tell a key that expired since from one that was already gone.
func (d DB) Expired(key []byte, now int64) bool {
	j, h := d.s.locate(key)
	d.lockShard(j, true)
	defer d.unlockShard(j, true)
	e, ok := d.s.shards[j].dbs[d.n].get(key, h)
	return ok && e.expired(now)
}

// Size returns the number of keys in the database, expired ones not yet
// reclaimed included, as Redis's DBSIZE counts them; and how many of them
// carry a deadline.
func (d DB) Size() (keys, volatile int) {
	for j := range d.s.shards {
		d.lockShard(j, true)
		sp := &d.s.shards[j].dbs[d.n]
		keys += sp.n
		volatile += len(sp.vol)
		d.unlockShard(j, true)
	}
	return keys, volatile
}

// AvgTTL estimates the average remaining time to live in ms of the
// database's keys with a deadline from a random sample of them (INFO
// keyspace avg_ttl). It returns 0 when no live key has a deadline.
func (d DB) AvgTTL(now int64) int64 {
	var sum, n int64
	for j := range d.s.shards {
		d.lockShard(j, true)
		sp := &d.s.shards[j].dbs[d.n]
		if v := len(sp.vol); v > 0 {
			for i := range min(v, avgTTLSample) {
				if v > avgTTLSample {
					i = rand.IntN(v) // sample a big shard; a small one is read whole
				}
				if exp := sp.rec(sp.vol[i]).exp(); exp > now {
					sum += exp - now
					n++
				}
			}
		}
		d.unlockShard(j, true)
	}
	if n == 0 {
		return 0
	}
	return sum / n
}

// Flush deletes every key of the database (FLUSHDB), one shard at a time
// unless the handle holds them all, and returns how many were removed.
func (d DB) Flush() int {
	n := 0
	for j := range d.s.shards {
		d.lockShard(j, false)
		n += d.s.shards[j].flushLocked(d.n)
		d.unlockShard(j, false)
	}
	return n
}

// FlushAll deletes every key of every database (FLUSHALL) through the
// handle's locking, and returns how many were removed.
func (d DB) FlushAll() int {
	n := 0
	for db := range d.s.ndb {
		n += DB{s: d.s, n: db, held: d.held}.Flush()
	}
	return n
}

// Swap exchanges the contents of this database and database other
// (SWAPDB): every shard is locked first, so no client sees one swapped shard
// beside one that is not. Watchers of keys in either database are told
// through Observer.Flushed.
func (d DB) Swap(other int) {
	if other == d.n {
		return
	}
	all := d.s.allShards()
	if d.held != nil {
		for _, j := range all {
			d.held.need(j)
		}
	} else {
		d.s.lockSet(all, false)
		defer func() {
			for _, j := range all {
				d.s.shards[j].mu.Unlock()
			}
		}()
	}
	for j := range d.s.shards {
		sh := &d.s.shards[j].shardData
		a, b := &sh.dbs[d.n], &sh.dbs[other]
		if a.n+b.n == 0 {
			continue
		}
		sh.beforeWrite()
		sh.writes++
		if sh.obs != nil {
			either := func(key []byte) bool { return a.had(key) || b.had(key) }
			sh.obs.Flushed(d.n, either)
			sh.obs.Flushed(other, either)
		}
		*a, *b = *b, *a
	}
}

// Move moves key to database to (MOVE) and reports whether it did: not when
// the key is missing here or already exists there. The key stays in its
// shard, so one lock covers both ends.
func (d DB) Move(key []byte, to int, now int64) bool {
	j, h := d.s.locate(key)
	sh := &d.s.shards[j].shardData
	if d.held != nil {
		d.held.need(j)
	} else {
		sh.mu.Lock()
		defer sh.mu.Unlock()
	}
	sh.setActor(d.actor)
	defer sh.clearActor()
	sh.beforeWriteKey(d.n, key)
	sh.beforeWriteKey(to, key)
	sh.purgeLocked(d.n, key, h, now)
	sh.purgeLocked(to, key, h, now)
	src, dst := &sh.dbs[d.n], &sh.dbs[to]
	e, ok := src.get(key, h)
	if !ok || dst.had(key) {
		return false
	}
	sh.writes++
	// Copy the record into the other database's arena, then remove it
	// here; the byte count stays the same.
	size := e.r.size()
	loc, r := dst.alloc(size)
	copyRec(r, e.r, size)
	if r.isObject() {
		r.setVlen(dst.newObj(src.objs[e.r.vlen()]))
	}
	if r.volatile() {
		r.setVidx(uint32(len(dst.vol)))
		dst.vol = append(dst.vol, loc)
	}
	dst.insertSlot(slotOf(tagOf(h), loc))
	src.remove(e)
	sh.touched(d.n, key, Modified)
	sh.touched(to, key, Modified)
	src.settle()
	return true
}

// allShards returns every shard index in ascending order.
func (s *Store) allShards() []int {
	all := make([]int, len(s.shards))
	for j := range all {
		all[j] = j
	}
	return all
}

// spinTries is how often lockSet retries a busy shard, yielding in between,
// before it lets go of what it holds: a reader holds a shard for well under
// a microsecond, so a short wait usually suffices.
const spinTries = 4

// lockSet locks the shards idx (ascending, distinct) for writing, or for
// reading when ro, without ever blocking on one while holding another: it
// takes what it can with TryLock and, on a busy shard, lets go of all of
// them and blocks on that one alone. A Held that must add a shard while it
// holds others (a script touching a key it did not declare, after it wrote)
// is then the only party that waits while holding, and the Store's users
// allow one such at a time; so no cycle of waiters can form, whatever order
// the shards are asked for in.
func (s *Store) lockSet(idx []int, ro bool) {
	lock := func(j int) {
		if ro {
			s.shards[j].mu.RLock()
		} else {
			s.shards[j].mu.Lock()
		}
	}
	unlock := func(j int) {
		if ro {
			s.shards[j].mu.RUnlock()
		} else {
			s.shards[j].mu.Unlock()
		}
	}
	try := func(j int) bool {
		for range spinTries {
			if ro && s.shards[j].mu.TryRLock() || !ro && s.shards[j].mu.TryLock() {
				return true
			}
			runtime.Gosched()
		}
		return false
	}
	if len(idx) == 1 {
		lock(idx[0])
		return
	}
	first := -1 // a shard already locked by a blocking wait
	for {
		failed := -1
		for i, j := range idx {
			if j == first {
				continue
			}
			if !try(j) {
				failed = i
				break
			}
		}
		if failed < 0 {
			return
		}
		for _, j := range idx[:failed] {
			if j != first {
				unlock(j)
			}
		}
		if first >= 0 {
			unlock(first)
		}
		first = idx[failed]
		lock(first)
	}
}
