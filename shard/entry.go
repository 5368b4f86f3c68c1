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
	enc  Encoding // strings only
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
	h     uint64 // hashKey(key)
	now   int64
	ro    bool
	dirty bool    // a Set*, Delete or deadline change happened
	verp  *uint32 // the version of a collection handed out for in-place changes
	ver   uint32  // its value when handed out
}

// begin points the cursor at key in database db.
func (c *Entry) begin(db int, key []byte, h uint64, now int64, ro bool) {
	if len(key) > maxKey {
		panic("shard: key too long")
	}
	c.d, c.db, c.key, c.h, c.now, c.ro = &c.sh.dbs[db], db, key, h, now, ro
	c.dirty, c.verp = false, nil
}

// end finishes a write cursor: it re-measures a collection changed in place
// and reports the key to the observer when anything changed.
func (c *Entry) end() {
	if c.ro || c.key == nil {
		return
	}
	if c.sh.mem.collections {
		c.sh.remeasureLocked(c.d, c.key, c.h)
	}
	if c.dirty || (c.verp != nil && *c.verp != c.ver) {
		c.sh.touched(c.db, c.key, Modified)
	}
}

func (c *Entry) get() (entry, bool) {
	e, ok := c.d.get(c.key, c.h)
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
	if !c.ro && !e.r.isObject() {
		// Its bytes are out: no overwrite in place until the write
		// settles. (A read-only cursor holds the lock shared, and no
		// write runs meanwhile.)
		c.d.lent = true
	}
	return e.value()
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

// putLocked stores a new record for the cursor key, replacing old when
// had: the string val, or the object p of kind marker n when obj. It keeps
// the index, the volatile index, the collections and the byte count in
// step (a collection, even one stored again in place, is measured here).
// The old record is only marked dead: bytes handed out from it (val may be
// among them) stay intact until the write settles.
func (c *Entry) putLocked(old entry, had bool, val []byte, obj bool, p ptr, n uint32, expireAt int64) {
	sh, d := c.sh, c.d
	vlen := len(val)
	if obj {
		vlen = 0
	}
	size := recSize(expireAt > 0, len(c.key), vlen)
	if had && !obj && !d.lent && !old.r.isObject() && old.r.volatile() == (expireAt > 0) && old.r.size() == size {
		c.overwriteLocked(old, val, expireAt)
		return
	}
	loc, r := d.alloc(size)
	var oldSize int64
	if had {
		oldSize = entrySize(old, len(c.key)) // before measure: old may be the same object
	}
	if obj {
		var oi uint32
		if had && old.r.isObject() {
			oi = old.r.vlen()
			d.objs[oi] = objRef{p: p, n: n}
		} else {
			oi = d.newObj(objRef{p: p, n: n})
		}
		r.write(c.key, nil, true, oi, expireAt, clock(c.now))
	} else {
		if had && old.r.isObject() {
			d.freeObjAt(old.r.vlen())
		}
		r.write(c.key, val, false, uint32(len(val)), expireAt, clock(c.now))
	}
	sh.stamp(r)
	oldVol := had && old.r.volatile()
	switch {
	case expireAt > 0 && oldVol:
		r.setVidx(old.r.vidx())
		d.vol[old.r.vidx()] = loc
	case expireAt > 0:
		r.setVidx(uint32(len(d.vol)))
		d.vol = append(d.vol, loc)
	case oldVol:
		d.unvol(old.r.vidx())
	}
	if had {
		d.slots[old.slot] = slotOf(tagOf(c.h), loc)
		d.kill(old.loc, old.r)
	} else {
		d.insertSlot(slotOf(tagOf(c.h), loc))
	}
	ne := d.decode(-1, loc)
	sh.addUsedLocked(measure(ne, len(c.key)) - oldSize)
	c.dirty = true
}

// overwriteLocked writes the string val over old's record, which has the
// same size and layout: a cache's overwrites (same key, a value of the same
// padded length) then leave no dead record for compaction to walk and no
// garbage to float the arena's size. Only when no bytes of the space were
// handed out since the last settle (space.lent): a reader of the old value
// in the same callback still sees it intact.
func (c *Entry) overwriteLocked(old entry, val []byte, expireAt int64) {
	oldSize := entrySize(old, len(c.key))
	vidx := uint32(0)
	if expireAt > 0 {
		vidx = old.r.vidx()
	}
	old.r.write(c.key, val, false, uint32(len(val)), expireAt, clock(c.now))
	c.sh.stamp(old.r)
	if expireAt > 0 {
		old.r.setVidx(vidx)
	}
	c.sh.addUsedLocked(measure(c.d.decode(old.slot, old.loc), len(c.key)) - oldSize)
	c.dirty = true
}

// SetString stores a copy of v as a string, replacing any value, with the
// given deadline (unix ms, 0 = none). A deadline already passed deletes the key.
func (c *Entry) SetString(v []byte, expireAt int64) {
	c.mutable()
	if len(v) > maxString {
		panic("shard: string value too long")
	}
	if c.past(expireAt) {
		c.Delete()
		return
	}
	old, had := c.d.get(c.key, c.h)
	c.putLocked(old, had, v, false, nil, 0, expireAt)
}

// setObject stores the collection p of kind marker n, replacing any value,
// with the given deadline. A deadline already passed deletes the key.
func (c *Entry) setObject(p ptr, n uint32, expireAt int64) {
	c.mutable()
	if c.past(expireAt) {
		c.Delete()
		return
	}
	old, had := c.d.get(c.key, c.h)
	c.putLocked(old, had, nil, true, p, n, expireAt)
}

// SetList stores l, replacing any value, with the given deadline. The store
// takes ownership of l. A deadline already passed deletes the key.
func (c *Entry) SetList(l *List, expireAt int64) { c.setObject(listPtr(l), nList, expireAt) }

// SetHash stores h, replacing any value, with the given deadline. The store
// takes ownership of h. A deadline already passed deletes the key.
func (c *Entry) SetHash(h *Hash, expireAt int64) { c.setObject(hashPtr(h), nHash, expireAt) }

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
// another shard locked by the same UpdateMulti) with the given deadline,
// and a string's Encoding with it. A zero Value deletes the key.
func (c *Entry) SetValue(v Value, expireAt int64) {
	switch v.kind {
	case KindString:
		c.SetString(v.Bytes(), expireAt)
		if v.enc != EncodingAuto {
			c.SetEncoding(v.enc)
		}
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
	if e.exp == ms {
		return
	}
	c.dirty = true
	if ms > 0 && e.exp > 0 {
		e.r.setExp(ms) // the header has the room: change it in place
		return
	}
	// Gaining or losing a deadline changes the header's size: store the
	// record again, keeping its access clock.
	clk := *e.r.clock()
	if e.r.isObject() {
		c.putLocked(e, true, nil, true, e.p, e.n, ms)
	} else {
		c.putLocked(e, true, valueBytes(e.p, e.n), false, nil, 0, ms)
	}
	if ne, ok := c.d.get(c.key, c.h); ok {
		*ne.r.clock() = clk
	}
}

// Delete removes the key and reports whether a live value was removed. An
// expired entry is removed too, counted as expired, and reported as false.
func (c *Entry) Delete() bool {
	c.mutable()
	e, ok := c.d.get(c.key, c.h)
	if !ok {
		return false
	}
	c.sh.deleteLocked(c.d, e, len(c.key))
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
