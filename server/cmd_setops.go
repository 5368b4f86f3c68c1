package server

import (
	"slices"
	"strconv"

	"github.com/miniredis/miniredis/shard"
)

// setMaxIntsetEntries is Redis's set-max-intset-entries: a set of at most
// this many members, all integers, is an intset there, which keeps its
// members sorted, so SMEMBERS and the set algebra answer them in ascending
// order. We keep sets in one representation but answer such sets in that
// order too, so that replies compare equal with Redis's.
const setMaxIntsetEntries = 512

// intsetSorted reports whether Redis would keep s as an intset (at most
// setMaxIntsetEntries members, all integers) and if so returns its members
// sorted, in buf. A set with any other member costs one pass and nothing
// else.
func intsetSorted(s *shard.Set, buf *[setMaxIntsetEntries]int64) ([]int64, bool) {
	if s.Len() > setMaxIntsetEntries {
		return nil, false
	}
	ints, ok := buf[:0], true
	s.Each(func(m []byte) bool {
		var v int64
		v, ok = parseInt(m)
		ints = append(ints, v)
		return ok
	})
	if !ok {
		return nil, false
	}
	slices.Sort(ints)
	return ints, true
}

// intsSorted is intsetSorted for a computed result.
func intsSorted(members [][]byte, buf *[setMaxIntsetEntries]int64) ([]int64, bool) {
	if len(members) > setMaxIntsetEntries {
		return nil, false
	}
	ints := buf[:0]
	for _, m := range members {
		v, ok := parseInt(m)
		if !ok {
			return nil, false
		}
		ints = append(ints, v)
	}
	slices.Sort(ints)
	return ints, true
}

// setHeader starts a reply of n members: a RESP3 set (an array in RESP2)
// or, with asArray, an array.
func (c *client) setHeader(n int, asArray bool) {
	if asArray {
		c.w.ArrayLen(n)
	} else {
		c.w.SetLen(n)
	}
}

func (c *client) writeInts(ints []int64) {
	for _, v := range ints {
		c.tmp = strconv.AppendInt(c.tmp[:0], v, 10)
		c.w.Bulk(c.tmp)
	}
}

// writeSet writes the members of s, in ascending order when Redis would
// hold them as an intset, in s's order otherwise.
func (c *client) writeSet(s *shard.Set, asArray bool) {
	var buf [setMaxIntsetEntries]int64
	c.setHeader(s.Len(), asArray)
	if ints, ok := intsetSorted(s, &buf); ok {
		c.writeInts(ints)
		return
	}
	s.Each(func(m []byte) bool {
		c.w.Bulk(m)
		return true
	})
}

// writeMembers is writeSet for a computed result, always a RESP3 set.
func (c *client) writeMembers(members [][]byte) {
	var buf [setMaxIntsetEntries]int64
	c.setHeader(len(members), false)
	if ints, ok := intsSorted(members, &buf); ok {
		c.writeInts(ints)
		return
	}
	for _, m := range members {
		c.w.Bulk(m)
	}
}

// setOp is an SINTER/SUNION/SDIFF operation.
type setOp uint8

const (
	sInter setOp = iota
	sUnion
	sDiff
)

func cmdSInter(c *client, args [][]byte)      { c.setOpCmd(args, nil, sInter) }
func cmdSUnion(c *client, args [][]byte)      { c.setOpCmd(args, nil, sUnion) }
func cmdSDiff(c *client, args [][]byte)       { c.setOpCmd(args, nil, sDiff) }
func cmdSInterStore(c *client, args [][]byte) { c.setOpCmd(args[1:], args[1], sInter) }
func cmdSUnionStore(c *client, args [][]byte) { c.setOpCmd(args[1:], args[1], sUnion) }
func cmdSDiffStore(c *client, args [][]byte)  { c.setOpCmd(args[1:], args[1], sDiff) }

// setOpCmd runs SINTER/SUNION/SDIFF over the keys args[1:] (args[0] is the
// name, or for the STORE forms the destination dst, which the result then
// replaces; an empty result deletes it). Every key's type is checked before
// any work, as in Redis, and a missing key is an empty set.
func (c *client) setOpCmd(args [][]byte, dst []byte, op setOp) {
	keys := args[1:]
	run := func(tx *shard.Tx) {
		sets := make([]*shard.Set, len(keys))
		for i, k := range keys {
			v := tx.Entry(k).Value()
			switch v.Kind() {
			case shard.KindNone:
			case shard.KindSet:
				sets[i] = v.Set()
			default:
				c.w.Error(msgWrongType)
				return
			}
		}
		res := setCompute(sets, op)
		if dst != nil {
			e := tx.Entry(dst)
			if len(res) == 0 {
				e.Delete()
			} else {
				out := shard.NewSet()
				for _, m := range res {
					out.Add(m)
				}
				e.SetSet(out, 0)
			}
			c.w.Int(int64(len(res)))
			return
		}
		c.writeMembers(res)
	}
	if dst != nil {
		c.db.UpdateMulti(args, c.now(), run) // args holds dst then the keys
	} else {
		c.db.ViewMulti(keys, c.now(), run)
	}
}

// setCompute returns the members of the intersection, union or difference
// of sets (nil entries are missing keys). The slices point into the sets:
// valid while their locks are held.
func setCompute(sets []*shard.Set, op setOp) [][]byte {
	var res [][]byte
	switch op {
	case sInter:
		small := -1
		for i, s := range sets {
			if s == nil {
				return nil
			}
			if small < 0 || s.Len() < sets[small].Len() {
				small = i
			}
		}
		sets[small].Each(func(m []byte) bool {
			for i, s := range sets {
				if i != small && !s.Has(m) {
					return true
				}
			}
			res = append(res, m)
			return true
		})
	case sUnion:
		seen := make(map[string]struct{})
		for _, s := range sets {
			if s == nil {
				continue
			}
			s.Each(func(m []byte) bool {
				if _, dup := seen[string(m)]; !dup {
					seen[string(m)] = struct{}{}
					res = append(res, m)
				}
				return true
			})
		}
	case sDiff:
		if sets[0] == nil {
			return nil
		}
		sets[0].Each(func(m []byte) bool {
			for _, s := range sets[1:] {
				if s != nil && s.Has(m) {
					return true
				}
			}
			res = append(res, m)
			return true
		})
	}
	return res
}

// cmdSInterCard implements SINTERCARD numkeys key [key ...] [LIMIT limit],
// counting without building the intersection and stopping at the limit.
func cmdSInterCard(c *client, args [][]byte) {
	n, ok := parseInt(args[1])
	switch {
	case !ok || n < 1:
		c.w.Error(msgNumkeysPositive)
		return
	case n > int64(len(args)-2):
		c.w.Error("ERR Number of keys can't be greater than number of args")
		return
	}
	keys := args[2 : 2+n]
	var limit int64
	for j := 2 + int(n); j < len(args); j += 2 {
		if j+1 >= len(args) || !equalFold(args[j], "LIMIT") {
			c.w.Error(msgSyntax)
			return
		}
		l, ok := parseInt(args[j+1])
		if !ok || l < 0 {
			c.w.Error("ERR LIMIT can't be negative")
			return
		}
		limit = l
	}
	c.db.ViewMulti(keys, c.now(), func(tx *shard.Tx) {
		sets := make([]*shard.Set, len(keys))
		missing := false
		for i, k := range keys {
			v := tx.Entry(k).Value()
			switch v.Kind() {
			case shard.KindNone:
				missing = true
			case shard.KindSet:
				sets[i] = v.Set()
			default:
				c.w.Error(msgWrongType)
				return
			}
		}
		if missing {
			c.w.Int(0)
			return
		}
		slices.SortFunc(sets, func(a, b *shard.Set) int { return a.Len() - b.Len() })
		var count int64
		sets[0].Each(func(m []byte) bool {
			for _, s := range sets[1:] {
				if !s.Has(m) {
					return true
				}
			}
			count++
			return limit == 0 || count < limit
		})
		c.w.Int(count)
	})
}

// cmdSMIsMember implements SMISMEMBER key member [member ...].
func cmdSMIsMember(c *client, args [][]byte) {
	members := args[2:]
	if !c.viewKind(args[1], shard.KindSet, func(v shard.Value) {
		s := v.Set()
		c.w.ArrayLen(len(members))
		for _, m := range members {
			c.w.Int(b2i(s.Has(m)))
		}
	}) {
		c.w.ArrayLen(len(members))
		for range members {
			c.w.Int(0)
		}
	}
}

// cmdSScan implements SSCAN key cursor [MATCH pattern] [COUNT count]. A set
// Redis would keep as an intset comes back whole and sorted with cursor 0,
// as there; a set of at most smallSetScan members comes back whole too (a
// small dict, which Redis's scan also finishes in one call at the default
// COUNT). Larger sets are walked by position: the cursor is the position to
// resume at; positions move when members are removed, so a scan that runs
// alongside removals may miss members.
func cmdSScan(c *client, args [][]byte) {
	cursor, ok := parseCursor(args[2])
	if !ok {
		c.w.Error(msgInvalidCursor)
		return
	}
	if !c.viewKind(args[1], shard.KindSet, func(v shard.Value) {
		pattern, count, ok := c.scanOpts(args, 3)
		if !ok {
			return
		}
		s := v.Set()
		var buf [setMaxIntsetEntries]int64
		ints, isInts := intsetSorted(s, &buf)
		var num [24]byte
		c.writeScan(func(emit func(b []byte)) uint64 {
			each := func(m []byte) {
				if pattern == nil || globMatch(pattern, m, false) {
					emit(m)
				}
			}
			switch {
			case isInts:
				for _, n := range ints {
					each(strconv.AppendInt(num[:0], n, 10))
				}
				return 0
			case s.Len() <= smallSetScan:
				s.Each(func(m []byte) bool {
					each(m)
					return true
				})
				return 0
			}
			if cursor >= uint64(s.Len()) {
				return 0
			}
			i := int(cursor)
			for end := min(i+count, s.Len()); i < end; i++ {
				each(s.At(i))
			}
			if i >= s.Len() {
				return 0
			}
			return uint64(i)
		})
	}) {
		c.writeEmptyScan()
	}
}

// smallSetScan is the member count up to which SSCAN returns a whole
// non-integer set in one call.
const smallSetScan = 16
