package server

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/miniredis/miniredis/codec"
	"github.com/miniredis/miniredis/shard"
)

func cmdZRevRank(c *client, args [][]byte) {
	if !c.viewKind(args[1], shard.KindZSet, func(v shard.Value) {
		z := v.ZSet()
		if r, ok := z.Rank(args[2]); ok {
			c.w.Int(int64(z.Len() - 1 - r))
		} else {
			c.w.Null()
		}
	}) {
		c.w.Null()
	}
}

// cmdZMScore implements ZMSCORE key member [member ...]: a score or nil per
// member, all nil for a missing key.
func cmdZMScore(c *client, args [][]byte) {
	members := args[2:]
	if !c.viewKind(args[1], shard.KindZSet, func(v shard.Value) {
		z := v.ZSet()
		c.w.ArrayLen(len(members))
		for _, m := range members {
			if s, ok := z.Score(m); ok {
				c.w.Double(s)
			} else {
				c.w.Null()
			}
		}
	}) {
		c.w.ArrayLen(len(members))
		for range members {
			c.w.Null()
		}
	}
}

// cmdZRandMember implements ZRANDMEMBER key [count [WITHSCORES]] as Redis
// 7.0 does: a negative count may repeat members, a positive one gives
// distinct members, and a count covering the whole set answers it in
// order, highest first.
func cmdZRandMember(c *client, args [][]byte) {
	if len(args) == 2 {
		if !c.viewKind(args[1], shard.KindZSet, func(v shard.Value) {
			z := v.ZSet()
			z.Range(rand.IntN(z.Len()), z.Len()-1, false, func(m []byte, _ float64) bool {
				c.w.Bulk(m)
				return false
			})
		}) {
			c.w.Null()
		}
		return
	}
	count, ok := c.randCount(args[2])
	switch {
	case !ok:
		return
	case len(args) > 4 || len(args) == 4 && !equalFold(args[3], "WITHSCORES"):
		c.w.Error(msgSyntax)
		return
	}
	withScores := len(args) == 4
	if withScores && (count < -(maxInt64/2) || count > maxInt64/2) {
		c.w.Error(msgValueOutOfRange)
		return
	}
	pairs := withScores && c.w.Proto() == 3 && !c.w.Plain()
	header := func(n int) {
		if withScores && !pairs {
			c.w.ArrayLen(2 * n)
		} else {
			c.w.ArrayLen(n)
		}
	}
	emitRank := func(z *shard.ZSet, r int) {
		z.Range(r, r, false, func(m []byte, s float64) bool {
			if pairs {
				c.w.ArrayLen(2)
			}
			c.w.Bulk(m)
			if withScores {
				c.w.Double(s)
			}
			return false
		})
	}
	if !c.viewKind(args[1], shard.KindZSet, func(v shard.Value) {
		z := v.ZSet()
		size := int64(z.Len())
		switch {
		case count == 0:
			c.w.ArrayLen(0)
		case count < 0:
			c.repeatPicks(uint64(-count), header, func() { emitRank(z, rand.IntN(z.Len())) })
		case count >= size:
			// Redis 7.0 walks a listpack from its tail here.
			c.writeZRange(z, 0, z.Len()-1, true, withScores)
		default:
			// Floyd's algorithm: count distinct ranks in O(count log n).
			n := int(count)
			chosen := make(map[int]struct{}, n)
			header(n)
			for j := z.Len() - n; j < z.Len(); j++ {
				i := rand.IntN(j + 1)
				if _, dup := chosen[i]; dup {
					i = j
				}
				chosen[i] = struct{}{}
				emitRank(z, i)
			}
		}
	}) {
		c.w.ArrayLen(0)
	}
}

// zsetMaxListpackEntries and zsetMaxListpackValue are the
// zset-max-listpack-* defaults, which storedScore and lexSpan still judge
// by; ZSCAN and OBJECT ENCODING follow the live settings (zsetIsListpack).
const (
	zsetMaxListpackEntries = 128
	zsetMaxListpackValue   = 64
)

// zsetIsListpack reports whether Redis 7.0 would hold z as a listpack under
// the thresholds lim: whether it never held more members, or a longer one,
// than they allow (Redis never converts back).
func zsetIsListpack(z *shard.ZSet, lim *EncodingLimits) bool {
	n, size := z.Peak()
	return int64(n) <= lim.ZSetEntries && int64(size) <= lim.ZSetValue
}

// cmdZScan implements ZSCAN key cursor [MATCH pattern] [COUNT count]. A set
// Redis would keep as a listpack comes back whole, in order, with cursor 0,
// as Redis answers it. A larger one is walked by rank: the cursor is the
// rank to resume at, so a scan that runs while members are removed below
// its position may skip members (Redis's reverse-binary dict cursor does
// not; the trade keeps the structure free of a second index).
func cmdZScan(c *client, args [][]byte) {
	cursor, ok := parseCursor(args[2])
	if !ok {
		c.w.Error(msgInvalidCursor)
		return
	}
	if !c.viewKind(args[1], shard.KindZSet, func(v shard.Value) {
		pattern, count, ok := c.scanOpts(args, 3)
		if !ok {
			return
		}
		z := v.ZSet()
		c.writeScan(func(emit func(b []byte)) uint64 {
			start, stop, next := 0, z.Len()-1, uint64(0)
			if !zsetIsListpack(z, c.srv.encodingLimits()) {
				if cursor >= uint64(z.Len()) {
					return 0
				}
				start = int(cursor)
				if stop = start + count - 1; stop < z.Len()-1 {
					next = uint64(stop + 1)
				} else {
					stop = z.Len() - 1
				}
			}
			var num [32]byte
			z.Range(start, stop, false, func(m []byte, s float64) bool {
				if pattern == nil || globMatch(pattern, m, false) {
					emit(m)
					emit(codec.AppendDoubleText(num[:0], s))
				}
				return true
			})
			return next
		})
	}) {
		c.writeEmptyScan()
	}
}

// zsetOp is a ZUNION/ZINTER/ZDIFF operation.
type zsetOp uint8

const (
	zUnion zsetOp = iota
	zInter
	zDiff
)

// zaggregate is the AGGREGATE option.
type zaggregate uint8

const (
	zAggSum zaggregate = iota
	zAggMin
	zAggMax
)

// zsrc is one input of a sorted-set operation: a sorted set, a plain set
// (whose members score 1, as in Redis) or a missing key.
type zsrc struct {
	z      *shard.ZSet
	s      *shard.Set
	weight float64
}

func (s *zsrc) len() int {
	switch {
	case s.z != nil:
		return s.z.Len()
	case s.s != nil:
		return s.s.Len()
	}
	return 0
}

func (s *zsrc) score(m []byte) (float64, bool) {
	switch {
	case s.z != nil:
		return s.z.Score(m)
	case s.s != nil && s.s.Has(m):
		return 1, true
	}
	return 0, false
}

func (s *zsrc) each(fn func(m []byte, score float64)) {
	switch {
	case s.z != nil:
		s.z.Range(0, s.z.Len()-1, false, func(m []byte, score float64) bool {
			fn(m, score)
			return true
		})
	case s.s != nil:
		s.s.Each(func(m []byte) bool {
			fn(m, 1)
			return true
		})
	}
}

// aggregate is Redis's zunionInterAggregate.
func (a zaggregate) apply(target *float64, v float64) {
	switch a {
	case zAggSum:
		*target += v
		if math.IsNaN(*target) {
			*target = 0 // inf + -inf
		}
	case zAggMin:
		if v < *target {
			*target = v
		}
	case zAggMax:
		if v > *target {
			*target = v
		}
	}
}

// zsetOpArgs holds the options of a ZUNION/ZINTER/ZDIFF/ZINTERCARD call
// (the weights go into the sources).
type zsetOpArgs struct {
	agg        zaggregate
	withScores bool
	limit      int64
}

func cmdZUnion(c *client, args [][]byte)      { c.zsetOpCmd(args, false, zUnion, false) }
func cmdZInter(c *client, args [][]byte)      { c.zsetOpCmd(args, false, zInter, false) }
func cmdZDiff(c *client, args [][]byte)       { c.zsetOpCmd(args, false, zDiff, false) }
func cmdZUnionStore(c *client, args [][]byte) { c.zsetOpCmd(args, true, zUnion, false) }
func cmdZInterStore(c *client, args [][]byte) { c.zsetOpCmd(args, true, zInter, false) }
func cmdZDiffStore(c *client, args [][]byte)  { c.zsetOpCmd(args, true, zDiff, false) }
func cmdZInterCard(c *client, args [][]byte)  { c.zsetOpCmd(args, false, zInter, true) }

// zsetOpCmd runs the sorted-set algebra as Redis's
// zunionInterDiffGenericCommand does, with its order of checks: numkeys,
// then the keys' types, then the options. The STORE forms (store) take the
// destination at args[1]; ZINTERCARD answers only the size.
func (c *client) zsetOpCmd(args [][]byte, store bool, op zsetOp, cardOnly bool) {
	at := 1
	if store {
		at = 2
	}
	n, ok := parseInt(args[at])
	switch {
	case !ok:
		c.w.Error(msgNotInteger)
		return
	case n < 1:
		c.w.Error(fmt.Sprintf("ERR at least 1 input key is needed for '%s' command", lookup(args[0]).lowerName()))
		return
	case n > int64(len(args)-at-1):
		c.w.Error(msgSyntax)
		return
	}
	keys := args[at+1 : at+1+int(n)]
	opts := args[at+1+int(n):]
	lockKeys := keys
	if store {
		lockKeys = append([][]byte{args[1]}, keys...)
	}
	run := func(tx *shard.Tx) {
		srcs := make([]zsrc, len(keys))
		for i, k := range keys {
			v := tx.Entry(k).Value()
			switch v.Kind() {
			case shard.KindNone:
			case shard.KindZSet:
				srcs[i].z = v.ZSet()
			case shard.KindSet:
				srcs[i].s = v.Set()
			default:
				c.w.Error(msgWrongType)
				return
			}
			srcs[i].weight = 1
		}
		o, ok := c.parseZsetOpOpts(opts, srcs, store, op, cardOnly)
		if !ok {
			return
		}
		if cardOnly {
			c.w.Int(zinterCard(srcs, o.limit))
			return
		}
		out := zsetCompute(srcs, op, o.agg)
		if store {
			c.storeZSet(tx.Entry(args[1]), out)
			return
		}
		if out.Len() == 0 {
			c.w.ArrayLen(0)
			return
		}
		c.writeZRange(out, 0, out.Len()-1, false, o.withScores)
	}
	if store {
		c.db.UpdateMulti(lockKeys, c.now(), run)
	} else {
		c.db.ViewMulti(lockKeys, c.now(), run)
	}
}

// parseZsetOpOpts parses WEIGHTS, AGGREGATE, WITHSCORES and (ZINTERCARD)
// LIMIT, storing the weights in srcs. On false the error has been written.
func (c *client) parseZsetOpOpts(opts [][]byte, srcs []zsrc, store bool, op zsetOp, cardOnly bool) (o zsetOpArgs, ok bool) {
	for j := 0; j < len(opts); {
		left := len(opts) - j
		a := opts[j]
		switch {
		case op != zDiff && !cardOnly && left >= len(srcs)+1 && equalFold(a, "WEIGHTS"):
			j++
			for i := range srcs {
				w, ok := parseScore(opts[j])
				if !ok {
					c.w.Error("ERR weight value is not a float")
					return o, false
				}
				srcs[i].weight = w
				j++
			}
		case op != zDiff && !cardOnly && left >= 2 && equalFold(a, "AGGREGATE"):
			switch b := opts[j+1]; {
			case equalFold(b, "SUM"):
				o.agg = zAggSum
			case equalFold(b, "MIN"):
				o.agg = zAggMin
			case equalFold(b, "MAX"):
				o.agg = zAggMax
			default:
				c.w.Error(msgSyntax)
				return o, false
			}
			j += 2
		case !store && !cardOnly && equalFold(a, "WITHSCORES"):
			o.withScores = true
			j++
		case cardOnly && left >= 2 && equalFold(a, "LIMIT"):
			l, ok := parseInt(opts[j+1])
			if !ok || l < 0 {
				c.w.Error("ERR LIMIT can't be negative")
				return o, false
			}
			o.limit = l
			j += 2
		default:
			c.w.Error(msgSyntax)
			return o, false
		}
	}
	return o, true
}

// weighted is a source score times its weight, NaN (0 × inf) read as 0, as
// Redis does.
func weighted(score, weight float64) float64 {
	v := score * weight
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// zsetCompute computes a union, intersection or difference into a new
// sorted set, aggregating in Redis's order: the sources sorted by size
// (except for a difference, which keeps its first set first), so that sums
// of three or more scores round as Redis's do.
func zsetCompute(srcs []zsrc, op zsetOp, agg zaggregate) *shard.ZSet {
	out := shard.NewZSet()
	if op != zDiff {
		slices.SortStableFunc(srcs, func(a, b zsrc) int { return cmp.Compare(a.len(), b.len()) })
	}
	switch op {
	case zInter:
		if srcs[0].len() == 0 {
			return out
		}
		srcs[0].each(func(m []byte, s float64) {
			score := weighted(s, srcs[0].weight)
			for j := 1; j < len(srcs); j++ {
				v, ok := srcs[j].score(m)
				if !ok {
					return
				}
				agg.apply(&score, v*srcs[j].weight)
			}
			out.Add(m, score)
		})
	case zUnion:
		acc := make(map[string]float64)
		var order []string // first-seen order: the insertion below needs none, but is deterministic
		for i := range srcs {
			srcs[i].each(func(m []byte, s float64) {
				score := weighted(s, srcs[i].weight)
				if cur, ok := acc[string(m)]; ok {
					agg.apply(&cur, score)
					acc[string(m)] = cur
					return
				}
				k := string(m)
				acc[k] = score
				order = append(order, k)
			})
		}
		for _, k := range order {
			out.Add([]byte(k), acc[k])
		}
	case zDiff:
		srcs[0].each(func(m []byte, s float64) {
			for j := 1; j < len(srcs); j++ {
				if _, ok := srcs[j].score(m); ok {
					return
				}
			}
			out.Add(m, s)
		})
	}
	return out
}

// zinterCard counts the intersection of srcs, stopping at limit (0: no
// limit), without building it.
func zinterCard(srcs []zsrc, limit int64) int64 {
	slices.SortStableFunc(srcs, func(a, b zsrc) int { return cmp.Compare(a.len(), b.len()) })
	var n int64
	if srcs[0].len() == 0 {
		return 0
	}
	done := false
	srcs[0].each(func(m []byte, _ float64) {
		if done {
			return
		}
		for j := 1; j < len(srcs); j++ {
			if _, ok := srcs[j].score(m); !ok {
				return
			}
		}
		n++
		done = limit > 0 && n >= limit
	})
	return n
}

// zsetOpKeys finds the keys of ZUNION, ZINTER, ZDIFF and ZINTERCARD.
func zsetOpKeys(dst, args [][]byte) [][]byte { return keysAfterNumkeys(dst, args, 1) }

// zsetStoreKeys finds the keys of the STORE forms: the destination, then
// the sources after numkeys.
func zsetStoreKeys(dst, args [][]byte) [][]byte {
	if len(args) > 1 {
		dst = append(dst, args[1])
	}
	return keysAfterNumkeys(dst, args, 2)
}
