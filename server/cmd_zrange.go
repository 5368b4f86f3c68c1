package server

import (
	"math"

	"github.com/miniredis/miniredis/shard"
)

// zrangeBy is how a ZRANGE-family call selects members.
type zrangeBy uint8

const (
	zByAuto  zrangeBy = iota // ZRANGE and ZRANGESTORE: chosen by BYSCORE/BYLEX, rank by default
	zByRank                  // by 0-based rank, negative from the end
	zByScore                 // by a score interval, '(' for an exclusive bound
	zByLex                   // by a member interval ("-", "+", "[m", "(m"), among equal scores
)

// zrangeDir is the direction of a ZRANGE-family call.
type zrangeDir uint8

const (
	zDirAuto zrangeDir = iota // ZRANGE and ZRANGESTORE: ascending unless REV
	zDirFwd
	zDirRev
)

// zrangeSpec is a parsed ZRANGE-family request: the one shape behind ZRANGE,
// ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX and
// ZRANGESTORE, as Redis's zrangeGenericCommand parses them all.
type zrangeSpec struct {
	by            zrangeBy
	rev           bool
	withScores    bool
	offset, limit int64 // LIMIT; limit -1 takes everything
	start, stop   int   // by rank
	min, max      zbound
}

// zbound is one end of a score or lex interval.
type zbound struct {
	score float64
	lex   []byte // a lex bound as given: "-", "+", "[m" or "(m"
	ex    bool   // exclusive score bound
}

// parseZRange parses a ZRANGE-family call whose source key is args[at],
// followed by its min, max and options, with Redis 7.0's checks in its
// order. store refuses WITHSCORES (ZRANGESTORE); by and dir are fixed by the
// command name unless zByAuto/zDirAuto, in which case the options choose. On
// false the error has been written.
func (c *client) parseZRange(args [][]byte, at int, store bool, by zrangeBy, dir zrangeDir) (sp zrangeSpec, ok bool) {
	sp.limit = -1
	for j := at + 3; j < len(args); j++ {
		a := args[j]
		switch {
		case !store && equalFold(a, "WITHSCORES"):
			sp.withScores = true
		case equalFold(a, "LIMIT") && len(args)-j-1 >= 2:
			var ok1, ok2 bool
			sp.offset, ok1 = parseInt(args[j+1])
			if ok1 {
				sp.limit, ok2 = parseInt(args[j+2])
			}
			if !ok1 || !ok2 {
				c.w.Error(msgNotInteger)
				return sp, false
			}
			j += 2
		case dir == zDirAuto && equalFold(a, "REV"):
			dir = zDirRev
		case by == zByAuto && equalFold(a, "BYLEX"):
			by = zByLex
		case by == zByAuto && equalFold(a, "BYSCORE"):
			by = zByScore
		default:
			c.w.Error(msgSyntax)
			return sp, false
		}
	}
	if by == zByAuto {
		by = zByRank
	}
	sp.by, sp.rev = by, dir == zDirRev
	switch {
	case sp.limit != -1 && by == zByRank:
		c.w.Error(msgZRangeLimit)
		return sp, false
	case sp.withScores && by == zByLex:
		c.w.Error(msgZRangeLexScores)
		return sp, false
	}
	minArg, maxArg := args[at+1], args[at+2]
	if sp.rev && by != zByRank {
		minArg, maxArg = maxArg, minArg // given as max, min
	}
	switch by {
	case zByRank:
		if sp.start, ok = c.intArg(minArg); !ok {
			return sp, false
		}
		if sp.stop, ok = c.intArg(maxArg); !ok {
			return sp, false
		}
	case zByScore:
		if sp.min, sp.max, ok = parseScoreRange(minArg, maxArg); !ok {
			c.w.Error(msgZScoreRange)
			return sp, false
		}
	case zByLex:
		if sp.min, sp.max, ok = parseLexRange(minArg, maxArg); !ok {
			c.w.Error(msgZLexRange)
			return sp, false
		}
	}
	return sp, true
}

// parseScoreRange parses a BYSCORE interval (zslParseRange).
func parseScoreRange(minArg, maxArg []byte) (lo, hi zbound, ok bool) {
	var ok1, ok2 bool
	lo.score, lo.ex, ok1 = parseRangeScore(minArg)
	hi.score, hi.ex, ok2 = parseRangeScore(maxArg)
	return lo, hi, ok1 && ok2
}

// parseLexRange checks a BYLEX interval (zslParseLexRange).
func parseLexRange(minArg, maxArg []byte) (lo, hi zbound, ok bool) {
	return zbound{lex: minArg}, zbound{lex: maxArg}, validLexBound(minArg) && validLexBound(maxArg)
}

// span returns the ascending ranks [lo, hi) of the members inside the
// score or lex interval of sp, hi <= lo meaning none; rev matters only to a
// lex interval over unequal scores (see lexSpan).
func (sp *zrangeSpec) span(z *shard.ZSet, rev bool) (lo, hi int) {
	if sp.by == zByLex {
		return lexSpan(z, sp.min.lex, sp.max.lex, rev)
	}
	return z.CountBelow(sp.min.score, sp.min.ex), z.CountBelow(sp.max.score, !sp.max.ex)
}

// window returns the ranks start..stop (descending ranks when sp.rev) that
// the request selects from z, after LIMIT, and false when it selects
// nothing. Every variant finds its bounds in O(log n), so the cost is that
// plus the members returned.
func (sp *zrangeSpec) window(z *shard.ZSet) (start, stop int, ok bool) {
	n := z.Len()
	if sp.by == zByRank {
		return clampRange(sp.start, sp.stop, n)
	}
	lo, hi := sp.span(z, sp.rev)
	// LIMIT as Redis walks it: a negative offset skips everything, a
	// negative count takes everything.
	if sp.offset < 0 || int64(hi-lo) <= sp.offset {
		return 0, 0, false
	}
	count := int64(hi-lo) - sp.offset
	if sp.limit >= 0 {
		count = min(count, sp.limit)
	}
	if count == 0 {
		return 0, 0, false
	}
	s := lo + int(sp.offset)
	if sp.rev {
		s = n - hi + int(sp.offset)
	}
	return s, s + int(count) - 1, true
}

func cmdZRange(c *client, args [][]byte)           { c.zrange(args, zByAuto, zDirAuto) }
func cmdZRevRange(c *client, args [][]byte)        { c.zrange(args, zByRank, zDirRev) }
func cmdZRangeByScore(c *client, args [][]byte)    { c.zrange(args, zByScore, zDirFwd) }
func cmdZRevRangeByScore(c *client, args [][]byte) { c.zrange(args, zByScore, zDirRev) }
func cmdZRangeByLex(c *client, args [][]byte)      { c.zrange(args, zByLex, zDirFwd) }
func cmdZRevRangeByLex(c *client, args [][]byte)   { c.zrange(args, zByLex, zDirRev) }

// zrange answers the reading members of the ZRANGE family.
func (c *client) zrange(args [][]byte, by zrangeBy, dir zrangeDir) {
	sp, ok := c.parseZRange(args, 1, false, by, dir)
	if !ok {
		return
	}
	if !c.viewKind(args[1], shard.KindZSet, func(v shard.Value) {
		z := v.ZSet()
		start, stop, ok := sp.window(z)
		if !ok {
			c.w.ArrayLen(0)
			return
		}
		c.writeZRange(z, start, stop, sp.rev, sp.withScores)
	}) {
		c.w.ArrayLen(0)
	}
}

// cmdZRangeStore implements ZRANGESTORE dst src min max [BYSCORE|BYLEX]
// [REV] [LIMIT offset count]: the selected members and their scores replace
// dst (which is deleted when nothing is selected); the reply is their count.
func cmdZRangeStore(c *client, args [][]byte) {
	sp, ok := c.parseZRange(args, 2, true, zByAuto, zDirAuto)
	if !ok {
		return
	}
	dst, src := args[1], args[2]
	c.db.UpdateMulti(args[1:3], c.now(), func(tx *shard.Tx) {
		se := tx.Entry(src)
		if c.wrongKind(se, shard.KindZSet) {
			return
		}
		out := shard.NewZSet()
		if z := se.Value().ZSet(); z != nil {
			if start, stop, ok := sp.window(z); ok {
				z.Range(start, stop, sp.rev, func(m []byte, s float64) bool {
					out.Add(m, s)
					return true
				})
			}
		}
		c.storeZSet(tx.Entry(dst), out)
	})
}

// storeZSet makes z the value of e (with no deadline), or deletes e when z
// is empty, as the STORE commands do, and replies z's size.
func (c *client) storeZSet(e *shard.Entry, z *shard.ZSet) {
	if zsetIsListpack(z, c.srv.encodingLimits()) {
		dropNegativeZeros(z)
	}
	if z.Len() == 0 {
		e.Delete()
	} else {
		e.SetZSet(z, 0)
	}
	c.w.Int(int64(z.Len()))
}

// dropNegativeZeros turns the -0 scores of z into 0, as Redis's conversion
// of a small result to a listpack does (see storedScore).
func dropNegativeZeros(z *shard.ZSet) {
	var negZero [][]byte
	z.Range(0, z.Len()-1, false, func(m []byte, s float64) bool {
		if s == 0 && math.Signbit(s) {
			negZero = append(negZero, append([]byte(nil), m...))
		}
		return s <= 0 // -0 sorts among the zeros
	})
	for _, m := range negZero {
		z.Delete(m)
		z.Add(m, 0)
	}
}

// cmdZCount implements ZCOUNT key min max in O(log n).
func cmdZCount(c *client, args [][]byte) {
	lo, hi, ok := parseScoreRange(args[2], args[3])
	if !ok {
		c.w.Error(msgZScoreRange)
		return
	}
	sp := zrangeSpec{by: zByScore, min: lo, max: hi}
	c.zcount(args[1], &sp)
}

// cmdZLexCount implements ZLEXCOUNT key min max in O(log n).
func cmdZLexCount(c *client, args [][]byte) {
	lo, hi, ok := parseLexRange(args[2], args[3])
	if !ok {
		c.w.Error(msgZLexRange)
		return
	}
	sp := zrangeSpec{by: zByLex, min: lo, max: hi}
	c.zcount(args[1], &sp)
}

func (c *client) zcount(key []byte, sp *zrangeSpec) {
	if !c.viewKind(key, shard.KindZSet, func(v shard.Value) {
		lo, hi := sp.span(v.ZSet(), false)
		c.w.Int(int64(max(hi-lo, 0)))
	}) {
		c.w.Int(0)
	}
}

func cmdZRemRangeByRank(c *client, args [][]byte)  { c.zremrange(args, zByRank) }
func cmdZRemRangeByScore(c *client, args [][]byte) { c.zremrange(args, zByScore) }
func cmdZRemRangeByLex(c *client, args [][]byte)   { c.zremrange(args, zByLex) }

// zremrange implements ZREMRANGEBYRANK/BYSCORE/BYLEX key min max: the range
// is parsed first, then the key looked up (Redis's order), the members
// removed, the key deleted when emptied, and their count replied.
func (c *client) zremrange(args [][]byte, by zrangeBy) {
	sp := zrangeSpec{by: by, limit: -1}
	var ok bool
	switch by {
	case zByRank:
		if sp.start, ok = c.intArg(args[2]); !ok {
			return
		}
		if sp.stop, ok = c.intArg(args[3]); !ok {
			return
		}
	case zByScore:
		if sp.min, sp.max, ok = parseScoreRange(args[2], args[3]); !ok {
			c.w.Error(msgZScoreRange)
			return
		}
	default:
		if sp.min, sp.max, ok = parseLexRange(args[2], args[3]); !ok {
			c.w.Error(msgZLexRange)
			return
		}
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindZSet) {
			return
		}
		z := e.ZSet()
		if z == nil {
			c.w.Int(0)
			return
		}
		start, stop, ok := sp.window(z)
		if !ok {
			c.w.Int(0)
			return
		}
		// Always the member at rank start: each delete moves the next one
		// there. O(log n) per member, no copies.
		for range stop - start + 1 {
			var m []byte
			z.Range(start, start, false, func(member []byte, _ float64) bool {
				m = member
				return false
			})
			z.Delete(m)
		}
		if z.Len() == 0 {
			e.Delete()
		}
		c.w.Int(int64(stop - start + 1))
	})
}
