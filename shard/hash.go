package shard

// smallHash is the field count up to which a Hash finds fields by linear scan;
// below it a map costs more memory than the scan costs time.
const smallHash = 8

type hashField struct {
	f    string
	v    []byte
	dead bool
}

// Hash is a field/value map that remembers insertion order (Mini-Redis renders
// hashes in that order). Small hashes are a plain slice; larger ones add a map
// from field to slice position. Deleted fields leave tombstones that are
// compacted once they outnumber the live fields. A Hash is not safe for
// concurrent use: the store guards it with the shard lock of its key.
type Hash struct {
	fields []hashField
	idx    map[string]int // nil while len(fields) <= smallHash
	live   int

	ver  uint32 // bumped by every change, so the store can tell a no-op write
	acct int64  // bytes counted for the entry when it was stored
	alen int    // Len when acct was estimated

	peakLen, peakSize int // see Peak
}

// Peak returns the most fields h has held and the longest field or value it
// has been given: Redis converts a listpack hash for good once either
// passes its threshold, so OBJECT ENCODING judges by these.
func (h *Hash) Peak() (fields, size int) { return h.peakLen, h.peakSize }

// NewHash returns an empty hash.
func NewHash() *Hash { return &Hash{} }

// Len returns the number of fields.
func (h *Hash) Len() int { return h.live }

func (h *Hash) find(field []byte) int {
	if h.idx != nil {
		if i, ok := h.idx[string(field)]; ok {
			return i
		}
		return -1
	}
	for i := range h.fields {
		if !h.fields[i].dead && h.fields[i].f == string(field) {
			return i
		}
	}
	return -1
}

// Get returns the value of field. The bytes are valid until the hash is next
// modified and must not be written.
func (h *Hash) Get(field []byte) ([]byte, bool) {
	if i := h.find(field); i >= 0 {
		return h.fields[i].v, true
	}
	return nil, false
}

// Set stores a copy of val under a copy of field and reports whether the field
// is new. An existing field keeps its position.
func (h *Hash) Set(field, val []byte) bool {
	h.ver++
	h.peakSize = max(h.peakSize, len(field), len(val))
	if i := h.find(field); i >= 0 {
		h.fields[i].v = clone(val)
		return false
	}
	f := string(field)
	h.fields = append(h.fields, hashField{f: f, v: clone(val)})
	h.live++
	h.peakLen = max(h.peakLen, h.live)
	if h.idx != nil {
		h.idx[f] = len(h.fields) - 1
	} else if len(h.fields) > smallHash {
		h.reindex()
	}
	return true
}

// Delete removes field and reports whether it was present.
func (h *Hash) Delete(field []byte) bool {
	i := h.find(field)
	if i < 0 {
		return false
	}
	h.ver++
	if h.idx != nil {
		delete(h.idx, h.fields[i].f)
	}
	h.fields[i] = hashField{dead: true}
	h.live--
	if dead := len(h.fields) - h.live; dead > h.live {
		h.compact()
	}
	return true
}

func (h *Hash) compact() {
	out := h.fields[:0]
	for _, hf := range h.fields {
		if !hf.dead {
			out = append(out, hf)
		}
	}
	clear(h.fields[len(out):])
	h.fields = out
	h.idx = nil
	if len(out) > smallHash {
		h.reindex()
	}
}

func (h *Hash) reindex() {
	h.idx = make(map[string]int, len(h.fields))
	for i, hf := range h.fields {
		if !hf.dead {
			h.idx[hf.f] = i
		}
	}
}

// Each calls fn on every field in insertion order until fn returns false. The
// bytes are valid only during the call; fn must not modify the hash.
func (h *Hash) Each(fn func(field, val []byte) bool) {
	for _, hf := range h.fields {
		if !hf.dead && !fn(keyBytes(hf.f), hf.v) {
			return
		}
	}
}

// clone returns a deep copy of h without tombstones.
func (h *Hash) clone() *Hash {
	c := &Hash{fields: make([]hashField, 0, h.live), live: h.live, peakLen: h.peakLen, peakSize: h.peakSize}
	for _, hf := range h.fields {
		if !hf.dead {
			c.fields = append(c.fields, hashField{f: hf.f, v: clone(hf.v)})
		}
	}
	if len(c.fields) > smallHash {
		c.reindex()
	}
	return c
}

// Random returns a uniformly random field and its value, given intn, a
// source of random integers in [0, n) such as math/rand/v2's IntN. The hash
// must not be empty. The bytes are valid until the hash is next modified
// and must not be written. Tombstones never outnumber live fields, so this
// takes fewer than two draws on average.
func (h *Hash) Random(intn func(n int) int) (field, val []byte) {
	for {
		hf := &h.fields[intn(len(h.fields))]
		if !hf.dead {
			return keyBytes(hf.f), hf.v
		}
	}
}

// ScanFrom calls fn on the live fields from slot cursor on, in insertion
// order, until fn returns false, and returns the slot after the last field
// visited, or 0 when the end was reached (HSCAN's cursor). Slots shift when
// tombstones are compacted (after deletions outnumber live fields), so a
// scan interleaved with many deletions may miss fields.
func (h *Hash) ScanFrom(cursor int, fn func(field, val []byte) bool) int {
	for i := max(cursor, 0); i < len(h.fields); i++ {
		hf := &h.fields[i]
		if hf.dead {
			continue
		}
		if !fn(keyBytes(hf.f), hf.v) {
			if i+1 == len(h.fields) {
				return 0
			}
			return i + 1
		}
	}
	return 0
}
