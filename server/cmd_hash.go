package server

import (
	"math/big"
	"math/rand/v2"
	"strconv"

	"github.com/miniredis/miniredis/shard"
)

// cmdHSet implements HSET key field value [field value ...].
func cmdHSet(c *client, args [][]byte) { c.hset(args, false) }

// cmdHMSet implements HMSET, which is HSET answering OK.
func cmdHMSet(c *client, args [][]byte) { c.hset(args, true) }

func (c *client) hset(args [][]byte, replyOK bool) {
	if len(args)%2 != 0 {
		c.w.Error(c.arityError(args))
		return
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindHash) {
			return
		}
		h := e.Hash()
		if h == nil {
			h = shard.NewHash()
			e.SetHash(h, 0)
		}
		var added int64
		for i := 2; i < len(args); i += 2 {
			if h.Set(args[i], args[i+1]) {
				added++
			}
		}
		c.notify(notifyHash, "hset", args[1])
		if replyOK {
			c.w.OK()
		} else {
			c.w.Int(added)
		}
	})
}

func cmdHSetNX(c *client, args [][]byte) {
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindHash) {
			return
		}
		h := e.Hash()
		if h == nil {
			h = shard.NewHash()
			e.SetHash(h, 0)
		} else if _, ok := h.Get(args[2]); ok {
			c.w.Int(0)
			return
		}
		h.Set(args[2], args[3])
		c.notify(notifyHash, "hset", args[1])
		c.w.Int(1)
	})
}

func cmdHGet(c *client, args [][]byte) {
	if !c.viewKind(args[1], shard.KindHash, func(v shard.Value) {
		if b, ok := v.Hash().Get(args[2]); ok {
			c.w.Bulk(b)
		} else {
			c.w.Null()
		}
	}) {
		c.w.Null()
	}
}

func cmdHMGet(c *client, args [][]byte) {
	fields := args[2:]
	if !c.viewKind(args[1], shard.KindHash, func(v shard.Value) {
		h := v.Hash()
		c.w.ArrayLen(len(fields))
		for _, f := range fields {
			if b, ok := h.Get(f); ok {
				c.w.Bulk(b)
			} else {
				c.w.Null()
			}
		}
	}) {
		c.w.ArrayLen(len(fields))
		for range fields {
			c.w.Null()
		}
	}
}

func cmdHDel(c *client, args [][]byte) {
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindHash) {
			return
		}
		h := e.Hash()
		var n int64
		if h != nil {
			for _, f := range args[2:] {
				if h.Delete(f) {
					n++
				}
			}
			if n > 0 {
				c.notify(notifyHash, "hdel", args[1])
			}
			if h.Len() == 0 {
				e.Delete()
				c.notify(notifyGeneric, "del", args[1])
			}
		}
		c.w.Int(n)
	})
}

func cmdHLen(c *client, args [][]byte) {
	if !c.viewKind(args[1], shard.KindHash, func(v shard.Value) { c.w.Int(int64(v.Hash().Len())) }) {
		c.w.Int(0)
	}
}

func cmdHExists(c *client, args [][]byte) {
	if !c.viewKind(args[1], shard.KindHash, func(v shard.Value) {
		_, ok := v.Hash().Get(args[2])
		c.w.Int(b2i(ok))
	}) {
		c.w.Int(0)
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func cmdHStrLen(c *client, args [][]byte) {
	if !c.viewKind(args[1], shard.KindHash, func(v shard.Value) {
		b, _ := v.Hash().Get(args[2])
		c.w.Int(int64(len(b)))
	}) {
		c.w.Int(0)
	}
}

// cmdHGetAll answers a map in RESP3 and a flat field, value array in RESP2.
func cmdHGetAll(c *client, args [][]byte) {
	if !c.viewKind(args[1], shard.KindHash, func(v shard.Value) {
		h := v.Hash()
		c.w.MapLen(h.Len())
		h.Each(func(f, val []byte) bool {
			c.w.Bulk(f)
			c.w.Bulk(val)
			return true
		})
	}) {
		c.w.MapLen(0)
	}
}

func cmdHKeys(c *client, args [][]byte) { c.hashColumn(args, true) }
func cmdHVals(c *client, args [][]byte) { c.hashColumn(args, false) }

func (c *client) hashColumn(args [][]byte, keys bool) {
	if !c.viewKind(args[1], shard.KindHash, func(v shard.Value) {
		h := v.Hash()
		c.w.ArrayLen(h.Len())
		h.Each(func(f, val []byte) bool {
			if keys {
				c.w.Bulk(f)
			} else {
				c.w.Bulk(val)
			}
			return true
		})
	}) {
		c.w.ArrayLen(0)
	}
}

func cmdHIncrBy(c *client, args [][]byte) {
	incr, ok := parseInt(args[3])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindHash) {
			return
		}
		h := e.Hash()
		var cur int64
		if h != nil {
			if b, found := h.Get(args[2]); found {
				if cur, ok = parseInt(b); !ok {
					c.w.Error(msgHashNotInt)
					return
				}
			}
		}
		if incr > 0 && cur > maxInt64-incr || incr < 0 && cur < minInt64-incr {
			c.w.Error(msgIncrOverflow)
			return
		}
		if h == nil {
			h = shard.NewHash()
			e.SetHash(h, 0)
		}
		cur += incr
		c.tmp = strconv.AppendInt(c.tmp[:0], cur, 10)
		h.Set(args[2], c.tmp)
		c.notify(notifyHash, "hincrby", args[1])
		c.w.Int(cur)
	})
}

const (
	maxInt64 = 1<<63 - 1
	minInt64 = -1 << 63
)

// cmdHIncrByFloat adds in C long double as Redis does (see longdouble.go).
func cmdHIncrByFloat(c *client, args [][]byte) {
	incr, ok := parseLongDouble(args[3])
	if !ok {
		c.w.Error(msgNotFloat)
		return
	}
	if incr.IsInf() {
		c.w.Error(msgIncrNaNOrInf)
		return
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindHash) {
			return
		}
		h := e.Hash()
		sum := new(big.Float).SetPrec(longDoublePrec).SetMode(big.ToNearestEven)
		if h != nil {
			if b, found := h.Get(args[2]); found {
				cur, ok := parseLongDouble(b)
				if !ok {
					c.w.Error(msgHashNotFloat)
					return
				}
				sum.Set(cur)
			}
		}
		sum.Add(sum, incr)
		if sum.IsInf() || sum.MantExp(nil) > maxLongDoubleExp {
			c.w.Error(msgIncrResultNaN)
			return
		}
		if h == nil {
			h = shard.NewHash()
			e.SetHash(h, 0)
		}
		c.tmp = appendLongDouble(c.tmp[:0], sum)
		h.Set(args[2], c.tmp)
		c.notify(notifyHash, "hincrbyfloat", args[1])
		c.w.Bulk(c.tmp)
	})
}

// cmdHRandField implements HRANDFIELD key [count [WITHVALUES]] as Redis 7.0:
// a negative count may repeat fields, a positive one returns distinct fields
// (the whole hash, in order, when count >= its size). With WITHVALUES, RESP3
// gets an array of [field, value] pairs and RESP2 a flat array.
func cmdHRandField(c *client, args [][]byte) {
	if len(args) == 2 {
		if !c.viewKind(args[1], shard.KindHash, func(v shard.Value) {
			f, _ := v.Hash().Random(rand.IntN)
			c.w.Bulk(f)
		}) {
			c.w.Null()
		}
		return
	}
	count, ok := c.randCount(args[2])
	switch {
	case !ok:
		return
	case len(args) > 4 || len(args) == 4 && !equalFold(args[3], "WITHVALUES"):
		c.w.Error(msgSyntax)
		return
	}
	withValues := len(args) == 4
	// Redis 7.0 refuses counts whose doubled reply length would overflow:
	// outside ±LONG_MAX/2 (so -2^62 is refused, 2^62-1 is not).
	if withValues && (count < -(maxInt64/2) || count > maxInt64/2) {
		c.w.Error(msgValueOutOfRange)
		return
	}
	pairs := withValues && c.w.Proto() == 3 && !c.w.Plain()
	header := func(n int) {
		if withValues && !pairs {
			c.w.ArrayLen(2 * n)
		} else {
			c.w.ArrayLen(n)
		}
	}
	emit := func(f, val []byte) {
		if pairs {
			c.w.ArrayLen(2)
		}
		c.w.Bulk(f)
		if withValues {
			c.w.Bulk(val)
		}
	}
	if !c.viewKind(args[1], shard.KindHash, func(v shard.Value) {
		h := v.Hash()
		size := int64(h.Len())
		switch {
		case count == 0:
			c.w.ArrayLen(0)
		case count < 0 || count == 1:
			n := uint64(-count)
			if count == 1 {
				n = 1
			}
			c.repeatPicks(n, header, func() { emit(h.Random(rand.IntN)) })
		case count >= size:
			header(int(size))
			h.Each(func(f, val []byte) bool {
				emit(f, val)
				return true
			})
		default:
			header(int(count))
			pickDistinct(h, int(count), emit)
		}
	}) {
		c.w.ArrayLen(0)
	}
}

// pickDistinct calls emit on n distinct random fields of h (1 < n <
// h.Len()) without copying the hash, choosing between two methods as
// Redis's hrandfieldWithCountCommand does. When n is over a third of the
// fields, one pass of selection sampling (Knuth's algorithm S) takes each
// field with probability needed/remaining: O(size), which is O(n) here, and
// no memory; the fields come in hash order (Redis's do not come in random
// order either). Otherwise random draws, skipping fields already taken:
// under 1.5 draws per field on average, and a set of n fields.
func pickDistinct(h *shard.Hash, n int, emit func(f, v []byte)) {
	if size := h.Len(); n*3 > size {
		left := size
		h.Each(func(f, v []byte) bool {
			if rand.IntN(left) < n {
				emit(f, v)
				n--
			}
			left--
			return n > 0
		})
		return
	}
	taken := make(map[string]struct{}, n)
	for len(taken) < n {
		f, v := h.Random(rand.IntN)
		if _, dup := taken[string(f)]; dup {
			continue
		}
		taken[string(f)] = struct{}{}
		emit(f, v)
	}
}

// parseCursor parses a SCAN-family cursor as Redis's strtoul-based
// parseScanCursorOrReply accepts it: an optional sign (a negative cursor
// wraps around, as in C), decimal digits, no leading space, no overflow.
func parseCursor(b []byte) (uint64, bool) {
	if len(b) > 0 && (b[0] == ' ' || b[0] >= '\t' && b[0] <= '\r') {
		return 0, false
	}
	neg := false
	digits := b
	if len(digits) > 0 && (digits[0] == '-' || digits[0] == '+') {
		neg = digits[0] == '-'
		digits = digits[1:]
		if len(digits) == 0 {
			return 0, false
		}
	}
	if len(digits) == 0 {
		return 0, true // strtoul("") is 0 and consumes everything
	}
	n, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// smallHashScan is the field count up to which HSCAN returns a whole hash
// in one reply with cursor 0, as Redis does for its compact (listpack)
// encoding under the default hash-max-listpack-entries of 128.
const smallHashScan = 128

// cmdHScan implements HSCAN key cursor [MATCH pattern] [COUNT count]. The
// cursor is a position in the hash's insertion-ordered field slots.
func cmdHScan(c *client, args [][]byte) {
	cursor, ok := parseCursor(args[2])
	if !ok {
		c.w.Error(msgHScanCursor)
		return
	}
	var pattern []byte
	count := 10
	checkOpts := func() bool {
		for i := 3; i < len(args); i += 2 {
			if i+1 >= len(args) {
				c.w.Error(msgSyntax)
				return false
			}
			switch {
			case equalFold(args[i], "COUNT"):
				n, ok := parseInt(args[i+1])
				if !ok {
					c.w.Error(msgNotInteger)
					return false
				}
				if n < 1 {
					c.w.Error(msgSyntax)
					return false
				}
				count = int(min(n, maxInt64>>1))
			case equalFold(args[i], "MATCH"):
				pattern = args[i+1]
				if len(pattern) == 1 && pattern[0] == '*' {
					pattern = nil
				}
			default:
				c.w.Error(msgSyntax)
				return false
			}
		}
		return true
	}
	if !c.viewKind(args[1], shard.KindHash, func(v shard.Value) {
		// As in Redis, options are checked only once the key is found.
		if !checkOpts() {
			return
		}
		h := v.Hash()
		// Two passes over the same fields under the same lock: one to count
		// the matches for the array header, one to write them.
		walk := func(emit func(f, val []byte)) uint64 {
			each := func(f, val []byte) {
				if pattern == nil || globMatch(pattern, f, false) {
					emit(f, val)
				}
			}
			if h.Len() <= smallHashScan {
				h.Each(func(f, val []byte) bool {
					each(f, val)
					return true
				})
				return 0
			}
			if cursor > uint64(maxInt64) {
				return 0
			}
			visited := 0
			return uint64(h.ScanFrom(int(cursor), func(f, val []byte) bool {
				each(f, val)
				visited++
				return visited < count
			}))
		}
		n := 0
		next := walk(func(_, _ []byte) { n++ })
		c.w.ArrayLen(2)
		c.tmp = strconv.AppendUint(c.tmp[:0], next, 10)
		c.w.Bulk(c.tmp)
		c.w.ArrayLen(2 * n)
		walk(func(f, val []byte) {
			c.w.Bulk(f)
			c.w.Bulk(val)
		})
	}) {
		c.w.ArrayLen(2)
		c.w.BulkString("0")
		c.w.ArrayLen(0)
	}
}
