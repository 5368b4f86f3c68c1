package shard

import "slices"

// Held is a set of shards write-locked for one transaction or script, so that
// the commands it runs see and change those shards with nothing of other
// clients in between: what EXEC and EVAL need for atomicity while clients on
// other shards carry on. It belongs to the goroutine that made it.
//
// The shards are taken without waiting while holding (see lockSet), so Held sets
// never deadlock with each other or with multi-key commands. A command that
// reaches a shard the set does not hold first tries to add it (TryAdd); a
// caller that cannot start over (a script that already wrote) may wait for it (Add), which is
// safe as long as only one Held in the Store waits that way at a time: the
// server runs scripts one at a time for this reason.
type Held struct {
	s    *Store
	own  []bool // per shard: locked by this set
	list []int  // the locked shards
	// Miss, when set, is called with any shard a handle of this set
	// touches without holding it, before the set takes it: the command
	// table tests use it to prove each command's declared keys cover every
	// shard it reaches. It may panic.
	Miss func(j int)
}

// Hold write-locks the shards of keys (in any order, duplicates allowed) and
// returns the set. Release must follow.
func (s *Store) Hold(keys [][]byte) *Held {
	h := &Held{s: s, own: make([]bool, len(s.shards))}
	for _, k := range keys {
		if j := s.index(k); !h.own[j] {
			h.own[j] = true
			h.list = append(h.list, j)
		}
	}
	slices.Sort(h.list)
	s.lockSet(h.list, false)
	return h
}

// HoldAll write-locks every shard: what a transaction with a command that
// names no keys (KEYS, SCAN, FLUSHALL, DBSIZE...) needs to see one instant of
// the whole keyspace.
func (s *Store) HoldAll() *Held {
	h := &Held{s: s, own: make([]bool, len(s.shards)), list: s.allShards()}
	for j := range h.own {
		h.own[j] = true
	}
	s.lockSet(h.list, false)
	return h
}

// DB returns a handle on database n that runs under the set's locks.
func (h *Held) DB(n int) DB { return DB{s: h.s, n: n, held: h} }

// TryAdd adds the shard of key to the set if it can without waiting and
// reports whether the set now holds it.
func (h *Held) TryAdd(key []byte) bool { return h.TryAddShard(h.s.index(key)) }

// Add adds the shard of key to the set, waiting for it if another client
// holds it. See the type's comment for when that is safe.
func (h *Held) Add(key []byte) { h.add(h.s.index(key)) }

func (h *Held) add(j int) {
	if h.own[j] {
		return
	}
	h.s.shards[j].mu.Lock()
	h.own[j] = true
	h.list = append(h.list, j)
}

// TryAddShard is TryAdd for shard j itself (a command that needs every
// shard).
func (h *Held) TryAddShard(j int) bool {
	if h.own[j] {
		return true
	}
	if !h.s.shards[j].mu.TryLock() {
		return false
	}
	h.own[j] = true
	h.list = append(h.list, j)
	return true
}

// AddShard is Add for shard j itself.
func (h *Held) AddShard(j int) { h.add(j) }

// need makes sure the set holds shard j before a handle touches it.
func (h *Held) need(j int) {
	if h.own[j] {
		return
	}
	if h.Miss != nil {
		h.Miss(j)
	}
	if h.s.shards[j].mu.TryLock() {
		h.own[j] = true
		h.list = append(h.list, j)
		return
	}
	h.add(j)
}

// Release unlocks every shard of the set. The set is unusable afterwards.
func (h *Held) Release() {
	for _, j := range h.list {
		h.s.shards[j].mu.Unlock()
	}
	h.list = nil
	clear(h.own)
}
