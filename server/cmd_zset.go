package server

import (
	"bytes"
	"math"
	"strconv"
	"strings"

	"github.com/miniredis/miniredis/shard"
)

// isCSpace reports the bytes C's isspace accepts.
func isCSpace(ch byte) bool { return ch == ' ' || ch >= '\t' && ch <= '\r' }

// parseScore parses a score as Redis's getDoubleFromObject does (strtod on
// the whole string; no leading space, no NaN, no overflow).
func parseScore(b []byte) (float64, bool) {
	if len(b) == 0 || isCSpace(b[0]) || bytes.IndexByte(b, '_') >= 0 {
		return 0, false // Go reads "1_0" as 10; strtod stops at the '_'
	}
	f, err := strtod(b)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// strtod parses the whole of b as C's strtod would, through
// strconv.ParseFloat: C also reads hexadecimal without a 'p' exponent
// ("0x10" is 16), which Go refuses, so such input gets a "p0".
func strtod(b []byte) (float64, error) {
	s := string(b)
	digits := strings.TrimLeft(s, "+-")
	if len(digits) > 2 && digits[0] == '0' && digits[1]|0x20 == 'x' && !strings.ContainsAny(digits, "pP") {
		s += "p0"
	}
	return strconv.ParseFloat(s, 64)
}

// parseRangeScore parses a BYSCORE bound as Redis's zslParseRange does: an
// optional '(' for an exclusive bound, then strtod, which skips leading
// space, reads "" as 0 and saturates overflow to infinity.
func parseRangeScore(b []byte) (f float64, exclusive, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		exclusive = true
		b = b[1:]
	}
	for len(b) > 0 && isCSpace(b[0]) {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, exclusive, true
	}
	if bytes.IndexByte(b, '_') >= 0 {
		return 0, false, false
	}
	f, err := strtod(b)
	if err != nil && !math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false, false
	}
	return f, exclusive, true
}

// ZADD option bits.
const (
	zNX = 1 << iota
	zXX
	zGT
	zLT
	zCH
	zIncr
)

// cmdZAdd implements ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member ...
// with Redis 7.0's option checks in its order.
func cmdZAdd(c *client, args [][]byte) {
	flags := 0
	i := 2
options:
	for ; i < len(args); i++ {
		switch a := args[i]; {
		case equalFold(a, "NX"):
			flags |= zNX
		case equalFold(a, "XX"):
			flags |= zXX
		case equalFold(a, "GT"):
			flags |= zGT
		case equalFold(a, "LT"):
			flags |= zLT
		case equalFold(a, "CH"):
			flags |= zCH
		case equalFold(a, "INCR"):
			flags |= zIncr
		default:
			break options
		}
	}
	pairs := args[i:]
	switch {
	case len(pairs) == 0 || len(pairs)%2 != 0:
		c.w.Error(msgSyntax)
		return
	case flags&zNX != 0 && flags&zXX != 0:
		c.w.Error(msgZAddXXNX)
		return
	case flags&zNX != 0 && flags&(zGT|zLT) != 0 || flags&zGT != 0 && flags&zLT != 0:
		c.w.Error(msgZAddGTLTNX)
		return
	case flags&zIncr != 0 && len(pairs) > 2:
		c.w.Error(msgZAddIncrPair)
		return
	}
	for j := 0; j < len(pairs); j += 2 {
		if _, ok := parseScore(pairs[j]); !ok {
			c.w.Error(msgNotFloat)
			return
		}
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindZSet) {
			return
		}
		z := e.ZSet()
		var added, updated int64
		processed := false
		var last float64
		if z != nil || flags&zXX == 0 {
			if z == nil {
				z = shard.NewZSet()
				e.SetZSet(z, 0)
			}
			for j := 0; j < len(pairs); j += 2 {
				score, _ := parseScore(pairs[j])
				res, s, ok := zadd(z, pairs[j+1], score, flags)
				if !ok {
					if z.Len() == 0 {
						e.Delete()
					}
					c.w.Error(msgZScoreNaN)
					return
				}
				switch res {
				case zAdded:
					added++
				case zUpdated:
					updated++
				}
				if res != zNop {
					processed = true
				}
				last = s
			}
			if processed && flags&zIncr != 0 {
				c.notify(notifyZSet, "zincr", args[1])
			} else if processed {
				c.notify(notifyZSet, "zadd", args[1])
			}
			if z.Len() == 0 {
				e.Delete() // an NX/GT/LT ZADD on a new key that added nothing
			}
		}
		switch {
		case flags&zIncr != 0 && processed:
			c.w.Double(last)
		case flags&zIncr != 0:
			c.w.Null()
		case flags&zCH != 0:
			c.w.Int(added + updated)
		default:
			c.w.Int(added)
		}
	})
}

type zaddResult uint8

const (
	zNop zaddResult = iota
	zAdded
	zUpdated
	zSame // processed, score unchanged
)

// zadd is Redis's zsetAdd: it applies one score/member under the ZADD flags
// and returns what happened and the member's resulting score; ok is false
// when an increment would make the score NaN.
func zadd(z *shard.ZSet, member []byte, score float64, flags int) (res zaddResult, newScore float64, ok bool) {
	cur, exists := z.Score(member)
	if !exists {
		if flags&zXX != 0 {
			return zNop, 0, true
		}
		z.Add(member, storedScore(z, member, score))
		return zAdded, score, true
	}
	if flags&zNX != 0 {
		return zNop, 0, true
	}
	if flags&zIncr != 0 {
		score += cur
		if math.IsNaN(score) {
			return zNop, 0, false
		}
	}
	if flags&zLT != 0 && score >= cur || flags&zGT != 0 && score <= cur {
		return zNop, 0, true
	}
	if score == cur {
		return zSame, score, true
	}
	z.Add(member, storedScore(z, member, score))
	return zUpdated, score, true
}

// storedScore is the score Redis ends up storing for member in z: a set it
// keeps as a listpack stores scores as text printed by d2string, which
// prints -0 as "0", so -0 comes back as 0 from ZSCORE and ZRANGE (while
// ZINCRBY still answers the -0 it computed). A set past the listpack
// limits keeps -0; z is judged by its size and the member's length, the
// limits a single insertion can cross.
func storedScore(z *shard.ZSet, member []byte, score float64) float64 {
	if score == 0 && z.Len() < zsetMaxListpackEntries && len(member) <= zsetMaxListpackValue {
		return 0 // drops the sign
	}
	return score
}

func cmdZIncrBy(c *client, args [][]byte) {
	incr, ok := parseScore(args[2])
	if !ok {
		c.w.Error(msgNotFloat)
		return
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindZSet) {
			return
		}
		z := e.ZSet()
		if z == nil {
			z = shard.NewZSet()
			e.SetZSet(z, 0)
		}
		_, s, ok := zadd(z, args[3], incr, zIncr)
		if !ok {
			c.w.Error(msgZScoreNaN)
			return
		}
		c.notify(notifyZSet, "zincr", args[1])
		c.w.Double(s)
	})
}

func cmdZRem(c *client, args [][]byte) {
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindZSet) {
			return
		}
		var n int64
		if z := e.ZSet(); z != nil {
			for _, m := range args[2:] {
				if z.Delete(m) {
					n++
				}
			}
			if n > 0 {
				c.notify(notifyZSet, "zrem", args[1])
			}
			if z.Len() == 0 {
				e.Delete()
				c.notify(notifyGeneric, "del", args[1])
			}
		}
		c.w.Int(n)
	})
}

func cmdZScore(c *client, args [][]byte) {
	if !c.viewKind(args[1], shard.KindZSet, func(v shard.Value) {
		if s, ok := v.ZSet().Score(args[2]); ok {
			c.w.Double(s)
		} else {
			c.w.Null()
		}
	}) {
		c.w.Null()
	}
}

func cmdZCard(c *client, args [][]byte) {
	if !c.viewKind(args[1], shard.KindZSet, func(v shard.Value) { c.w.Int(int64(v.ZSet().Len())) }) {
		c.w.Int(0)
	}
}

func cmdZRank(c *client, args [][]byte) {
	if !c.viewKind(args[1], shard.KindZSet, func(v shard.Value) {
		if r, ok := v.ZSet().Rank(args[2]); ok {
			c.w.Int(int64(r))
		} else {
			c.w.Null()
		}
	}) {
		c.w.Null()
	}
}

// validLexBound reports whether b is a BYLEX bound: "-", "+", "[member" or
// "(member" (zslParseLexRangeItem).
func validLexBound(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	switch b[0] {
	case '-', '+':
		return len(b) == 1
	case '[', '(':
		return true
	}
	return false
}

// writeZRange writes ranks start..stop (descending ranks when rev) as
// ZRANGE does: members, with scores flat in RESP2 and as [member, score]
// pairs in RESP3.
func (c *client) writeZRange(z *shard.ZSet, start, stop int, rev, withScores bool) {
	n := stop - start + 1
	pairs := withScores && c.w.Proto() == 3 && !c.w.Plain()
	if withScores && !pairs {
		c.w.ArrayLen(2 * n)
	} else {
		c.w.ArrayLen(n)
	}
	z.Range(start, stop, rev, func(m []byte, s float64) bool {
		if pairs {
			c.w.ArrayLen(2)
		}
		c.w.Bulk(m)
		if withScores {
			c.w.Double(s)
		}
		return true
	})
}

func cmdZPopMin(c *client, args [][]byte) { c.zpop(args, false) }
func cmdZPopMax(c *client, args [][]byte) { c.zpop(args, true) }

// zpop implements ZPOPMIN/ZPOPMAX key [count]: a flat [member, score] array
// without count; with one, flat in RESP2 and [member, score] pairs in RESP3.
func (c *client) zpop(args [][]byte, max bool) {
	if len(args) > 3 {
		c.w.Error(msgSyntax)
		return
	}
	count, nested := int64(1), len(args) == 3
	if nested {
		var ok bool
		if count, ok = parseInt(args[2]); !ok || count < 0 {
			c.w.Error(msgMustBePositive)
			return
		}
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindZSet) {
			return
		}
		z := e.ZSet()
		if z == nil || count == 0 {
			c.w.ArrayLen(0)
			return
		}
		c.popZSet(z, max, count, nested && c.w.Proto() == 3 && !c.w.Plain())
		c.notifyZPop(e, z, max, args[1])
	})
}

// popZSet pops up to count of z's lowest-scoring members (highest when max)
// and writes them as an array: flat member, score, member, score... or, with
// pairs, of [member, score] pairs. The caller deletes the key when z
// becomes empty.
func (c *client) popZSet(z *shard.ZSet, max bool, count int64, pairs bool) {
	n := int(min(count, int64(z.Len())))
	if pairs {
		c.w.ArrayLen(n)
	} else {
		c.w.ArrayLen(2 * n)
	}
	for range n {
		var member []byte
		z.Range(0, 0, max, func(m []byte, s float64) bool {
			if pairs {
				c.w.ArrayLen(2)
			}
			c.w.Bulk(m)
			c.w.Double(s)
			member = m
			return false
		})
		z.Delete(member)
	}
}

// cmdZMPop implements ZMPOP numkeys key [key ...] MIN|MAX [COUNT count].
func cmdZMPop(c *client, args [][]byte) {
	keys, isMin, count, ok := c.mpopArgs(args, 1, "MIN", "MAX")
	if !ok {
		return
	}
	c.db.UpdateMulti(keys, c.now(), func(tx *shard.Tx) {
		if !c.zmpopTx(tx, keys, !isMin, count) {
			c.w.NullArray()
		}
	})
}

// zmpopTx is one ZMPOP under tx, which holds keys: it pops up to count
// members from the first key holding a sorted set and writes [key,
// [[member, score], ...]] (nested in RESP2 too, as Redis does), deleting the
// key when emptied. It reports false and writes nothing when every key is
// missing (ZMPOP answers nil; BZMPOP would wait and serve the client later
// with another call).
func (c *client) zmpopTx(tx *shard.Tx, keys [][]byte, max bool, count int64) bool {
	return c.popFirst(tx, keys, shard.KindZSet, func(key []byte, e *shard.Entry) {
		z := e.ZSet()
		c.w.ArrayLen(2)
		c.w.Bulk(key)
		c.popZSet(z, max, count, true)
		c.notifyZPop(e, z, max, key)
	})
}
