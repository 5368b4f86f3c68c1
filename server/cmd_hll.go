package server

import (
	"github.com/miniredis/miniredis/hll"
	"github.com/miniredis/miniredis/shard"
)

// The HyperLogLog commands keep their sketches in string values, in
// Redis's own encoding (package hll), so GET/SET, DUMP/RESTORE and
// replication move them between miniredis and redis-server unchanged.

// hllValue checks that v may be used as a sketch: a missing key (nil, true),
// or a string with a valid HLL header. Otherwise it writes Redis's error.
func (c *client) hllValue(v shard.Value) ([]byte, bool) {
	switch v.Kind() {
	case shard.KindNone:
		return nil, true
	case shard.KindString:
		if b := v.Bytes(); hll.Valid(b) {
			return b, true
		}
		c.w.Error(msgHLLWrongType)
	default:
		c.w.Error(msgWrongType)
	}
	return nil, false
}

// putSketch stores the sketch h under the entry, in place when its length
// did not change (a dense sketch always keeps its 12304 bytes). A sketch
// is a raw string, as Redis makes it.
func (c *client) putSketch(e *shard.Entry, old []byte, h []byte, expireAt int64) {
	if old == nil || len(h) != len(old) || !e.PatchString(0, h) {
		e.SetString(h, expireAt)
	}
	e.SetEncoding(shard.EncodingRaw)
	c.releaseTmp()
}

// cmdPFAdd adds elements to a sketch, creating it, and answers 1 when a
// register changed (or the key was created), 0 otherwise.
func cmdPFAdd(c *client, args [][]byte) {
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		v := e.Value()
		old, ok := c.hllValue(v)
		if !ok {
			return
		}
		// Redis unshares the sketch (a raw string) even when no register
		// changes; the mark does nothing if no key is left.
		defer e.SetEncoding(shard.EncodingRaw)
		if old != nil && hll.IsDense(old) {
			c.pfAddDense(e, old, args[2:])
			return
		}
		updated := old == nil
		var h []byte
		if updated {
			h = hll.AppendEmpty(c.tmp[:0])
		} else {
			h = append(c.tmp[:0], old...)
		}
		for _, elem := range args[2:] {
			var changed bool
			var err error
			if h, changed, err = hll.Add(h, elem, hll.DefaultSparseMaxBytes); err != nil {
				// Redis has already changed the value in place (and
				// created the key) when it meets the corruption.
				if updated || string(h) != string(old) {
					c.putSketch(e, old, h, v.ExpireAt())
				}
				c.tmp = h[:0]
				c.w.Error(msgHLLInvalid)
				return
			}
			updated = updated || changed
		}
		c.tmp = h[:0]
		if !updated {
			c.w.Int(0)
			return
		}
		hll.Invalidate(h)
		c.putSketch(e, old, h, v.ExpireAt())
		c.w.Int(1)
	})
}

// pfAddDense adds elements to a dense sketch in place: each raised
// register patches one or two bytes of the stored value and the first one
// marks the cached cardinality stale, so a PFADD copies nothing (a copy of
// the 12 KiB value per call cost more than the hashing).
func (c *client) pfAddDense(e *shard.Entry, h []byte, elems [][]byte) {
	updated := false
	for _, elem := range elems {
		idx, count := hll.Hash(elem)
		off, patch, n, ok := hll.DensePatch(h, idx, count)
		if !ok {
			continue
		}
		e.PatchString(off, patch[:n]) // h sees the change: same bytes
		if !updated {
			updated = true
			off, v := hll.InvalidatePatch(h)
			e.PatchString(off, []byte{v})
		}
	}
	if updated {
		c.w.Int(1)
	} else {
		c.w.Int(0)
	}
}

// cmdPFCount answers the estimated cardinality of one sketch, caching it in
// the value as Redis does (which is why PFCOUNT is a write here), or of the
// union of several, computed without changing them.
func cmdPFCount(c *client, args [][]byte) {
	if len(args) > 2 {
		c.pfCountUnion(args[1:])
		return
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		h, ok := c.hllValue(e.Value())
		switch {
		case !ok:
			return
		case h == nil:
			c.w.Int(0)
			return
		}
		e.SetEncoding(shard.EncodingRaw) // Redis unshares it to cache the count
		if card, ok := hll.Cached(h); ok {
			c.w.Int(int64(card))
			return
		}
		card, err := hll.Count(h)
		if err != nil {
			c.w.Error(msgHLLInvalid)
			return
		}
		var cache [hll.HeaderSize]byte
		copy(cache[:], h)
		hll.SetCached(cache[:], card)
		e.PatchString(8, cache[8:])
		c.w.Int(int64(card))
	})
}

// pfCountUnion answers the cardinality of the union of the sketches at
// keys, read under all their shard locks at once.
func (c *client) pfCountUnion(keys [][]byte) {
	var m hll.Max
	ok := true
	c.db.ViewMulti(keys, c.now(), func(tx *shard.Tx) {
		ok = c.mergeSketches(tx, keys, &m, nil)
	})
	if ok {
		c.w.Int(int64(m.Count()))
	}
}

// mergeSketches raises m to the registers of every sketch at keys (missing
// keys are empty sketches) and reports whether one was dense. It writes
// Redis's error and returns false at the first key that is not a sketch.
func (c *client) mergeSketches(tx *shard.Tx, keys [][]byte, m *hll.Max, dense *bool) bool {
	for _, k := range keys {
		h, ok := c.hllValue(tx.Entry(k).Value())
		if !ok {
			return false
		}
		if h == nil {
			continue
		}
		if dense != nil && hll.IsDense(h) {
			*dense = true
		}
		if m.Merge(h) != nil {
			c.w.Error(msgHLLInvalid)
			return false
		}
	}
	return true
}

// cmdPFMerge stores the union of the sketches at the source keys and the
// destination itself into the destination, dense when any input was dense,
// keeping the destination's deadline.
func cmdPFMerge(c *client, args [][]byte) {
	keys := args[1:]
	c.db.UpdateMulti(keys, c.now(), func(tx *shard.Tx) {
		var m hll.Max
		dense := false
		if !c.mergeSketches(tx, keys, &m, &dense) {
			return
		}
		e := tx.Entry(args[1])
		v := e.Value()
		old := v.Bytes()
		h := hll.AppendEmpty(c.tmp[:0])
		if v.Kind() == shard.KindString {
			h = append(c.tmp[:0], old...)
		} else {
			old = nil
		}
		if dense {
			var err error
			if h, err = hll.ToDense(nil, h); err != nil { // h may be c.tmp itself
				c.w.Error(msgHLLInvalid)
				return
			}
		}
		for i, r := range m {
			if r != 0 {
				h, _, _ = hll.Set(h, i, r, hll.DefaultSparseMaxBytes)
			}
		}
		hll.Invalidate(h)
		c.tmp = h[:0]
		c.putSketch(e, old, h, v.ExpireAt())
		c.w.OK()
	})
}
