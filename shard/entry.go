package shard

import (
	"bytes"
)

// Value is a read-only view of a stored value. It and everything reachable
// from it (bytes, *List, *Hash, *Set, *ZSet) are valid only inside the callback that
// received it, while the shard lock is held; the bytes must not be modified.
// The zero Value is a missing key (KindNone).
type Value struct {
	p    ptr // string: first value byte (nil when empty); list/hash: the object
	exp  int64
	n    uint32
	kind Kind
}

// Kind returns the type of the value, KindNone for a missing key.
func (v Value) Kind() Kind { return v.kind }

// Bytes returns the string value (non-nil, possibly empty) for KindString and
// nil otherwise.
func (v Value) Bytes() []byte {
	if v.kind != KindString {
		return nil
	}
	return valueBytes(v.p, v.n)
}

// List returns the list for KindList and nil otherwise.
func (v Value) List() *List {
	if v.kind != KindList {
		return nil
	}
	return ptrList(v.p)
}

// Hash returns the hash for KindHash and nil otherwise.
func (v Value) Hash() *Hash {
	if v.kind != KindHash {
		return nil
	}
	return ptrHash(v.p)
}

// ExpireAt returns the deadline in unix milliseconds, 0 when there is none.
func (v Value) ExpireAt() int64 { return v.exp }

// Entry is a cursor on one key, handed out by Update, UpdateMulti and
// ViewMulti while the key's shard is locked. It is valid only inside the
// callback that received it. It caches nothing: every method looks the key up
// again, so several cursors on keys of one shard stay consistent with each
// other. Cursors from ViewMulti panic on any mutating method.
type Entry struct {
	sh    *shardData
	d     *space // sh.dbs[db]
	db    int
	key   []byte // borrowed from the caller
	now   int64
	ro    bool
	dirty bool    // a Set*, Delete or deadline change happened
	verp  *uint32 // the version of a collection handed out for in-place changes
	ver   uint32  // its value when handed out
}

// begin points the cursor at key in database db.
func (c *Entry) begin(db int, key []byte, now int64, ro bool) {
	c.d, c.db, c.key, c.now, c.ro = &c.sh.dbs[db], db, key, now, ro
	c.dirty, c.verp = false, nil
}

// end finishes a write cursor: it re-measures a collection changed in place
// and reports the key to the observer when anything changed.
func (c *Entry) end() {
	if c.ro || c.key == nil {
		return
	}
	if c.sh.mem.collections {
		c.sh.remeasureLocked(c.d, c.key)
	}
	if c.dirty || (c.verp != nil && *c.verp != c.ver) {
		c.sh.touched(c.db, c.key, Modified)
	}
}

func (c *Entry) get() (entry, bool) {
	e, ok := c.d.m[string(c.key)]
	if !ok || e.expired(c.now) {
		return entry{}, false
	}
	return e, true
}

func (c *Entry) mutable() {
	if c.ro {
		panic("shard: mutation through a ViewMulti cursor")
	}
}

// Exists reports whether the key holds a live value.
func (c *Entry) Exists() bool {
	_, ok := c.get()
	return ok
}

// Value returns the key's value, the zero Value (KindNone) when it is missing.
// It stays valid until the key is next modified inside the same callback.
func (c *Entry) Value() Value {
	e, ok := c.get()
	if !ok {
		return Value{}
	}
	if c.sh.mem.lru {
		touch(e, c.now)
	}
	return e.value(len(c.key))
}

// Kind returns the type of the key's value, KindNone when it is missing.
func (c *Entry) Kind() Kind {
	e, ok := c.get()
	if !ok {
		return KindNone
	}
	return e.kind()
}

// ExpireAt returns the key's deadline in unix ms, 0 when it has none or is
// missing.
func (c *Entry) ExpireAt() int64 {
	e, _ := c.get()
	return e.exp
}

// past reports whether a deadline has already passed, in which case a write
// stores nothing (as Redis does for SET with an EXAT in the past).
func (c *Entry) past(expireAt int64) bool { return expireAt > 0 && expireAt <= c.now }

// putLocked stores (p, n, expireAt) under k, which must equal the cursor key,
// replacing old when present and keeping the volatile index and the byte
// count in step (a list or hash, even one stored again in place, is
// measured here).
func (c *Entry) putLocked(old entry, had bool, k string, p ptr, n uint32, expireAt int64) {
	sh, d := c.sh, c.d
	ne := entry{p: p, exp: expireAt, n: n, vidx: -1}
	if had {
		ne.vidx = old.vidx
	}
	switch {
	case expireAt > 0 && ne.vidx >= 0:
		d.vol[ne.vidx] = k // drop the old key header so its allocation can go
	case expireAt > 0:
		ne.vidx = int32(len(d.vol))
		d.vol = append(d.vol, k)
	case ne.vidx >= 0:
		d.unvol(ne.vidx)
		ne.vidx = -1
	}
	var oldSize int64
	if had {
		oldSize = entrySize(old, len(k)) // before measure: old may be the same object
	}
	sh.addUsedLocked(measure(ne, len(k)) - oldSize)
	// Assigning an existing string key replaces the map's key header too,
	// so the previous key+value allocation is released.
	d.put(k, ne)
	c.dirty = true
}

// SetString stores a copy of v as a string, replacing any value, with the
// given deadline (unix ms, 0 = none). A deadline already passed deletes the key.
func (c *Entry) SetString(v []byte, expireAt int64) {
	c.mutable()
	if len(v) > maxString {
		panic("shard: string value too long")
	}
	old, had := c.d.m[string(c.key)]
	if c.past(expireAt) {
		c.Delete()
		return
	}
	k, p := newKV(c.key, v, clock(c.now))
	c.putLocked(old, had, k, p, uint32(len(v)), expireAt)
}

// objectKey returns the key string a list or hash stored under the cursor key
// should carry: the existing one when the old value was a list or hash, a new
// copy otherwise (reusing a string's key would keep its old value alive).
func (c *Entry) objectKey(old entry, had bool) string {
	if had && old.kind() != KindString {
		return old.storedKey(len(c.key))
	}
	return string(c.key)
}

// SetList stores l, replacing any value, with the given deadline. The store
// takes ownership of l. A deadline already passed deletes the key.
func (c *Entry) SetList(l *List, expireAt int64) {
	c.mutable()
	old, had := c.d.m[string(c.key)]
	if c.past(expireAt) {
		c.Delete()
		return
	}
	l.key = c.objectKey(old, had)
	l.atime = clock(c.now)
	c.putLocked(old, had, l.key, listPtr(l), nList, expireAt)
}

// SetHash stores h, replacing any value, with the given deadline. The store
// takes ownership of h. A deadline already passed deletes the key.
func (c *Entry) SetHash(h *Hash, expireAt int64) {
	c.mutable()
	old, had := c.d.m[string(c.key)]
	if c.past(expireAt) {
		c.Delete()
		return
	}
	h.key = c.objectKey(old, had)
	h.atime = clock(c.now)
	c.putLocked(old, had, h.key, hashPtr(h), nHash, expireAt)
}

// SetInferred stores v typed the Mini-Redis way (see Infer): as a string, a
// list or a hash.
func (c *Entry) SetInferred(v []byte, expireAt int64) {
	switch Infer(v) {
	case KindList:
		c.SetList(parseList(v), expireAt)
	case KindHash:
		c.SetHash(parseHash(v), expireAt)
	default:
		c.SetString(v, expireAt)
	}
}

// SetValue stores a deep copy of v (which may belong to another key, even in
// another shard locked by the same UpdateMulti) with the given deadline. A
// zero Value deletes the key.
func (c *Entry) SetValue(v Value, expireAt int64) {
	switch v.kind {
	case KindString:
		c.SetString(v.Bytes(), expireAt)
	case KindList:
		c.SetList(v.List().clone(), expireAt)
	case KindHash:
		c.SetHash(v.Hash().clone(), expireAt)
	case KindSet:
		c.SetSet(v.Set().clone(), expireAt)
	case KindZSet:
		c.SetZSet(v.ZSet().clone(), expireAt)
	case KindStream:
		c.SetStream(v.Stream().clone(), expireAt)
	default:
		c.mutable()
		c.Delete()
	}
}

// SetExpireAt sets the key's deadline in unix ms; 0 removes it and a deadline
// already passed deletes the key. It does nothing when the key is missing.
func (c *Entry) SetExpireAt(ms int64) {
	c.mutable()
	e, ok := c.get()
	if !ok {
		return
	}
	if c.past(ms) {
		c.Delete()
		return
	}
	d := c.d
	k := e.storedKey(len(c.key))
	switch {
	case ms > 0 && e.vidx < 0:
		e.vidx = int32(len(d.vol))
		d.vol = append(d.vol, k)
	case ms == 0 && e.vidx >= 0:
		d.unvol(e.vidx)
		e.vidx = -1
	}
	if e.exp != ms {
		c.dirty = true
	}
	e.exp = ms
	d.m[k] = e
}

// Delete removes the key and reports whether a live value was removed. An
// expired entry is removed too, counted as expired, and reported as false.
func (c *Entry) Delete() bool {
	c.mutable()
	e, ok := c.d.m[string(c.key)]
	if !ok {
		return false
	}
	c.sh.deleteLocked(c.d, e, e.storedKey(len(c.key)))
	if e.expired(c.now) {
		c.sh.expired++
		c.sh.touched(c.db, c.key, Expired)
		return false
	}
	c.dirty = true
	return true
}

// Tx gives cursors on the keys of a ViewMulti or UpdateMulti call. It is valid
// only inside that call's callback and must not be used from other goroutines.
type Tx struct {
	s      *Store
	keys   [][]byte
	ents   []Entry
	locked []int
	ro     bool
	held   bool           // the shards belong to a Held: nothing to unlock
	next   int            // where Entry looks first: callers walk their keys in order
	byKey  map[string]int // built on the first out-of-order lookup in a large call
	seen   []bool         // per shard, whether locked holds it; all false between calls
}

// Entry returns the cursor for key, which must be one of the keys passed to
// ViewMulti or UpdateMulti (it panics otherwise). Each key has its own cursor,
// so cursors on different keys may be used together; cursors cache nothing,
// so two cursors on equal keys stay consistent. The cursor is valid only
// inside the callback.
//
// Multi-key commands ask for their keys in the order they passed them, so
// the key after the last one found is tried first; any other order falls back
// to a scan of a few keys or an index built once per call. Either way a
// lookup is O(1) amortised: a DEL of a million keys used to spend minutes
// here, with every shard locked, searching linearly.
func (tx *Tx) Entry(key []byte) *Entry {
	if i := tx.next; i < len(tx.keys) && sameBytes(tx.keys[i], key) {
		tx.next++
		return &tx.ents[i]
	}
	i := tx.find(key)
	if i < 0 {
		panic("shard: Tx.Entry called with a key not passed to the Multi call")
	}
	tx.next = i + 1
	return &tx.ents[i]
}

// smallTx is the key count up to which an out-of-order lookup scans rather
// than building an index (which allocates).
const smallTx = 16

// find returns the position of key among the call's keys, -1 when absent.
func (tx *Tx) find(key []byte) int {
	if len(tx.keys) <= smallTx {
		for i, k := range tx.keys {
			if sameBytes(k, key) {
				return i
			}
		}
		return -1
	}
	if tx.byKey == nil {
		tx.byKey = make(map[string]int, len(tx.keys))
		for i := len(tx.keys) - 1; i >= 0; i-- {
			tx.byKey[string(tx.keys[i])] = i // the first of equal keys wins
		}
	}
	if i, ok := tx.byKey[string(key)]; ok {
		return i
	}
	return -1
}

// sameBytes reports whether a and b are the same slice (the argument the
// caller passed to the Multi call) or hold equal bytes.
func sameBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0] || bytes.Equal(a, b)
}
