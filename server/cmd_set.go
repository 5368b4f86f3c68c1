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
			if s.Len() == 0 {
				e.Delete()
			}
		}
		c.w.Int(n)
	})
}

// cmdSMembers answers a RESP3 set (an array in RESP2).
func cmdSMembers(c *client, args [][]byte) {
	if !c.viewKind(args[1], shard.KindSet, func(v shard.Value) {
		s := v.Set()
		c.w.SetLen(s.Len())
		s.Each(func(m []byte) bool {
			c.w.Bulk(m)
			return true
		})
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
			s.Delete(s.At(i))
		default:
			n := min(count, s.Len())
			c.w.SetLen(n)
			for range n {
				i := rand.IntN(s.Len())
				c.w.Bulk(s.At(i))
				s.Delete(s.At(i))
			}
		}
		if s.Len() == 0 {
			e.Delete()
		}
	})
}

// cmdSRandMember implements SRANDMEMBER key [count]: a negative count may
// repeat members, a positive one gives distinct members (the whole set when
// count >= its size).
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
	count, ok := parseInt(args[2])
	switch {
	case !ok:
		c.w.Error(msgNotInteger)
		return
	case count == minInt64:
		c.w.Error(msgRandCountRange)
		return
	}
	if !c.viewKind(args[1], shard.KindSet, func(v shard.Value) {
		s := v.Set()
		size := int64(s.Len())
		switch {
		case count == 0:
			c.w.ArrayLen(0)
		case count < 0:
			n := int(min(-count, maxRandReply))
			c.w.ArrayLen(n)
			for range n {
				c.w.Bulk(s.At(rand.IntN(s.Len())))
			}
		case count >= size:
			c.w.ArrayLen(int(size))
			s.Each(func(m []byte) bool {
				c.w.Bulk(m)
				return true
			})
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
