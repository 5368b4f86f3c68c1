package shard

// In-place string edits for INCR, SETRANGE and friends.
//
// A string value sits in its record right after the key (see arena.go), so
// changing its length means writing a new record. Changing bytes without
// changing the length does not: the value bytes are only ever read under the
// shard lock (View and Scan callbacks, cursors), and the caller of these
// methods holds the write lock, so nobody can observe a half-written value.
// The key bytes are never touched.

// PatchString copies b over the string value of the key starting at byte off,
// in place, and reports whether it did. It does nothing and returns false
// when the key is missing, holds another type, off is negative, or
// off+len(b) exceeds the current length: the caller then builds the new value
// and stores it with SetString. The deadline is kept. It allocates nothing.
func (c *Entry) PatchString(off int, b []byte) bool {
	c.mutable()
	e, ok := c.get()
	if !ok || e.kind() != KindString || off < 0 || off > int(e.n) || len(b) > int(e.n)-off {
		return false
	}
	if len(b) == 0 {
		return true
	}
	v := valueBytes(e.p, e.n)
	copy(v[off:], b)
	c.dirty = true
	return true
}
