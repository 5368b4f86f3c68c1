package server

import (
	"math/rand/v2"

	"github.com/miniredis/miniredis/shard"
)

func cmdSAdd(c *client, args [][]byte) {
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindSet) {
			return
		}
		s := e.Set()
		if s == nil {
			s = shard.NewSet()
			e.SetSet(s, 0)
		}
		var n int64
		for _, m := range args[2:] {
			if s.Add(m) {
				n++
			}
		}
		if n > 0 {
			c.notify(notifySet, "sadd", args[1])
		}
		c.w.Int(n)
	})
}

func cmdSRem(c *client, args [][]byte) {
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindSet) {
			return
		}
		var n int64
		if s := e.Set(); s != nil {
			for _, m := range args[2:] {
				if s.Delete(m) {
					n++
				}
			}
			if n > 0 {
				c.notify(notifySet, "srem", args[1])
			}
			if s.Len() == 0 {
				e.Delete()
				c.notify(notifyGeneric, "del", args[1])
			}
		}
		c.w.Int(n)
	})
}

// cmdSMove implements SMOVE source destination member with Redis's order
// of checks: a missing source answers 0 whatever the destination holds, then
// both types are checked, and a move within one set changes nothing.
func cmdSMove(c *client, args [][]byte) {
	src, dst, member := args[1], args[2], args[3]
	c.db.UpdateMulti(args[1:3], c.now(), func(tx *shard.Tx) {
		se := tx.Entry(src)
		if !se.Exists() {
			c.w.Int(0)
			return
		}
		de := tx.Entry(dst)
		if c.wrongKind(se, shard.KindSet) || c.wrongKind(de, shard.KindSet) {
			return
		}
		s := se.Set()
		if string(src) == string(dst) {
			c.w.Int(b2i(s.Has(member)))
			return
		}
		if !s.Delete(member) {
			c.w.Int(0)
			return
		}
		c.notify(notifySet, "srem", src)
		if s.Len() == 0 {
			se.Delete()
			c.notify(notifyGeneric, "del", src)
		}
		ds := de.Set()
		if ds == nil {
			ds = shard.NewSet()
			de.SetSet(ds, 0)
		}
		ds.Add(member)
		c.notify(notifySet, "sadd", dst)
		c.w.Int(1)
	})
}

// cmdSMembers answers a RESP3 set (an array in RESP2).
func cmdSMembers(c *client, args [][]byte) {
	if !c.viewKind(args[1], shard.KindSet, func(v shard.Value) {
		s := v.Set()
		c.writeSet(s, false)
	}) {
		c.w.SetLen(0)
	}
}

func cmdSIsMember(c *client, args [][]byte) {
	if !c.viewKind(args[1], shard.KindSet, func(v shard.Value) { c.w.Int(b2i(v.Set().Has(args[2]))) }) {
		c.w.Int(0)
	}
}

func cmdSCard(c *client, args [][]byte) {
	if !c.viewKind(args[1], shard.KindSet, func(v shard.Value) { c.w.Int(int64(v.Set().Len())) }) {
		c.w.Int(0)
	}
}

// cmdSPop implements SPOP key [count]: a bulk without count, a RESP3 set
// with one (Redis 7.0's reply types).
func cmdSPop(c *client, args [][]byte) {
	if len(args) > 3 {
		c.w.Error(msgSyntax)
		return
	}
	count := -1
	if len(args) == 3 {
		n, ok := parseInt(args[2])
		if !ok || n < 0 {
			c.w.Error(msgMustBePositive)
			return
		}
		count = int(min(n, maxInt64>>1))
	}
	var popped [][]byte
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindSet) {
			return
		}
		s := e.Set()
		switch {
		case s == nil && count < 0:
			c.w.Null()
			return
		case s == nil || count == 0:
			c.w.SetLen(0)
			return
		case count < 0:
			i := rand.IntN(s.Len())
			c.w.Bulk(s.At(i))
			popped = c.keepPopped(popped, args[1], s.At(i))
			s.Delete(s.At(i))
		default:
			n := min(count, s.Len())
			c.w.SetLen(n)
			for range n {
				i := rand.IntN(s.Len())
				c.w.Bulk(s.At(i))
				popped = c.keepPopped(popped, args[1], s.At(i))
				s.Delete(s.At(i))
			}
		}
		c.notify(notifySet, "spop", args[1])
		if s.Len() == 0 {
			e.Delete()
			c.notify(notifyGeneric, "del", args[1])
		}
	})
	if len(popped) > 1 {
		// What was drawn at random is logged as what it removed.
		c.effect(popped...)
	}
}

// keepPopped collects, while the append-only log is on, a copy of each
// member SPOP removes, after the SREM and the key that head the effect.
func (c *client) keepPopped(popped [][]byte, key, m []byte) [][]byte {
	if !c.logging() {
		return popped
	}
	if popped == nil {
		popped = [][]byte{[]byte("SREM"), key}
	}
	return append(popped, append([]byte(nil), m...))
}

// cmdSRandMember implements SRANDMEMBER key [count]: a negative count may
// repeat members (written as drawn, bounded by repeatPicks), a positive one
// gives distinct members (the whole set when count >= its size).
func cmdSRandMember(c *client, args [][]byte) {
	if len(args) > 3 {
		c.w.Error(msgSyntax)
		return
	}
	if len(args) == 2 {
		if !c.viewKind(args[1], shard.KindSet, func(v shard.Value) {
			s := v.Set()
			c.w.Bulk(s.At(rand.IntN(s.Len())))
		}) {
			c.w.Null()
		}
		return
	}
	count, ok := c.randCount(args[2])
	if !ok {
		return
	}
	if !c.viewKind(args[1], shard.KindSet, func(v shard.Value) {
		s := v.Set()
		size := int64(s.Len())
		switch {
		case count == 0:
			c.w.ArrayLen(0)
		case count < 0:
			c.repeatPicks(uint64(-count), c.w.ArrayLen, func() { c.w.Bulk(s.At(rand.IntN(s.Len()))) })
		case count >= size:
			c.writeSet(s, true)
		default:
			// Floyd's algorithm: count distinct positions in O(count).
			n := int(count)
			chosen := make(map[int]struct{}, n)
			c.w.ArrayLen(n)
			for j := s.Len() - n; j < s.Len(); j++ {
				i := rand.IntN(j + 1)
				if _, dup := chosen[i]; dup {
					i = j
				}
				chosen[i] = struct{}{}
				c.w.Bulk(s.At(i))
			}
		}
	}) {
		c.w.ArrayLen(0)
	}
}

// randomReplyLimit bounds what one reply of random picks with repetition
// (SRANDMEMBER and HRANDFIELD with a negative count) may add to a client's
// pending output. Of all replies only these have a size the client chooses
// rather than the data: Redis builds them whatever their size, closing the
// client only at a client-output-buffer-limit hard limit. The bound is the
// output buffer limit or the largest string the server stores, whichever is
// larger, so such a reply never costs more memory than a GET of the largest
// value can.
func (c *client) randomReplyLimit() int {
	return max(c.srv.outputBufferLimit(), int(c.srv.protoMaxBulkLen()))
}

// repeatPicks writes a reply of n random picks with repetition as Redis
// does, the length first (header) and then each element as pick draws it,
// so the reply is held nowhere but in the output buffer. Past
// randomReplyLimit the reply is abandoned and the client closed, as Redis
// does at an output buffer hard limit; a count that cannot fit even with
// the shortest elements is refused that way before any work.
func (c *client) repeatPicks(n uint64, header func(n int), pick func()) {
	limit := c.randomReplyLimit()
	start := c.w.Buffered()
	minElem := uint64(len("$0\r\n\r\n"))
	if c.w.Plain() {
		minElem = uint64(len("\r\n"))
	}
	if n > uint64(limit)/minElem {
		c.closeOverLimit(start, n)
		return
	}
	header(int(n))
	for range n {
		pick()
		if c.w.Buffered()-start > limit {
			c.closeOverLimit(start, n)
			return
		}
	}
}

// closeOverLimit drops the reply begun at offset start of the output, keeps
// the replies before it, and closes the client once they are written.
func (c *client) closeOverLimit(start int, count uint64) {
	c.w.Truncate(start)
	c.quit = true
	c.srv.stats.outputLimit.Add(1)
	c.srv.log.Warn("closing client whose random reply passed the output limit",
		"id", c.id, "addr", c.addr, "count", count, "limit", c.randomReplyLimit())
}

// randCount parses the count of SRANDMEMBER, HRANDFIELD and ZRANDMEMBER,
// answering Redis's error when it is not an integer or is the one whose
// negation overflows.
func (c *client) randCount(a []byte) (int64, bool) {
	count, ok := parseInt(a)
	switch {
	case !ok:
		c.w.Error(msgNotInteger)
		return 0, false
	case count == minInt64:
		c.w.Error(msgRandCountRange)
		return 0, false
	}
	return count, true
}
