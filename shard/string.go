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

// Encoding is how Redis would represent a string, as far as its contents
// alone do not tell: Redis picks int, embstr or raw by the value when it is
// set, but keeps a string that APPEND, SETRANGE or a bit command changed
// "raw", and stores INCRBYFLOAT's result as a plain string, never an
// integer. OBJECT ENCODING reports it. Any write of a new value resets it
// to EncodingAuto; RENAME, MOVE and COPY keep it, as Redis keeps the object.
type Encoding uint8

// The string encodings a value can be marked with.
const (
	EncodingAuto   Encoding = iota // by the value: int, embstr or raw
	EncodingRaw                    // raw whatever the value
	EncodingString                 // embstr or raw by length, never int
)

// Encoding returns the string's Encoding, EncodingAuto for other kinds.
func (v Value) Encoding() Encoding { return v.enc }

// SetEncoding marks the key's string value with enc; it does nothing when
// the key is missing or holds another type. Call it after the write that
// made the value, which reset the mark.
func (c *Entry) SetEncoding(enc Encoding) {
	c.mutable()
	if e, ok := c.get(); ok && e.kind() == KindString {
		e.r.setEnc(enc)
	}
}
