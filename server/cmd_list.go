package server

import (
	"fmt"

	"github.com/miniredis/miniredis/shard"
)

// viewKind runs fn under the read lock with the value of key when it holds
// kind, writes WRONGTYPE when it holds another kind, and reports whether
// either happened; on false (a missing key) the caller writes the reply for
// an empty collection.
func (c *client) viewKind(key []byte, kind shard.Kind, fn func(v shard.Value)) bool {
	wrong := false
	found := c.db.View(key, c.now(), func(v shard.Value) {
		if v.Kind() != kind {
			wrong = true
			return
		}
		fn(v)
	})
	if wrong {
		c.w.Error(msgWrongType)
	}
	c.keyspace(found)
	return found
}

// wrongKind writes WRONGTYPE and returns true when the cursor's key exists
// with a kind other than kind.
func (c *client) wrongKind(e *shard.Entry, kind shard.Kind) bool {
	if k := e.Kind(); k != shard.KindNone && k != kind {
		c.w.Error(msgWrongType)
		return true
	}
	return false
}

// intArg parses an integer argument, writing Redis's error when it is not one.
func (c *client) intArg(b []byte) (int, bool) {
	n, ok := parseInt(b)
	if !ok {
		c.w.Error(msgNotInteger)
	}
	return int(n), ok
}

// clampRange turns LRANGE/ZRANGE indices into a 0-based inclusive range over
// n elements, reporting false when it is empty.
func clampRange(start, stop, n int) (int, int, bool) {
	if start < 0 {
		start = max(start+n, 0)
	}
	if stop < 0 {
		stop += n
	}
	stop = min(stop, n-1)
	return start, stop, start <= stop && start < n
}

func cmdLPush(c *client, args [][]byte)  { c.push(args, true, false) }
func cmdRPush(c *client, args [][]byte)  { c.push(args, false, false) }
func cmdLPushX(c *client, args [][]byte) { c.push(args, true, true) }
func cmdRPushX(c *client, args [][]byte) { c.push(args, false, true) }

// push implements [LR]PUSH[X]: the elements go in one by one, so LPUSH k a b
// leaves b first, as in Redis.
func (c *client) push(args [][]byte, front, onlyExisting bool) {
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindList) {
			return
		}
		l := e.List()
		if l == nil {
			if onlyExisting {
				c.w.Int(0)
				return
			}
			l = shard.NewList()
			e.SetList(l, 0)
		}
		for _, v := range args[2:] {
			if front {
				l.PushFront(v)
			} else {
				l.PushBack(v)
			}
		}
		c.notify(notifyList, pushEvent(front), args[1])
		c.w.Int(int64(l.Len()))
	})
}

func cmdLPop(c *client, args [][]byte) { c.pop(args, true) }
func cmdRPop(c *client, args [][]byte) { c.pop(args, false) }

// pop implements LPOP/RPOP key [count]: a bulk without count, an array with
// one (a null array for a missing key, an empty one for count 0).
func (c *client) pop(args [][]byte, front bool) {
	if len(args) > 3 {
		c.w.Error(c.arityError(args))
		return
	}
	count := -1
	if len(args) == 3 {
		n, ok := parseInt(args[2])
		if !ok || n < 0 {
			c.w.Error(msgMustBePositive)
			return
		}
		count = int(n)
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindList) {
			return
		}
		l := e.List()
		switch {
		case l == nil && count < 0:
			c.w.Null()
			return
		case l == nil:
			c.w.NullArray()
			return
		case count == 0:
			c.w.ArrayLen(0)
			return
		}
		if count < 0 {
			c.w.Bulk(popEnd(l, front))
		} else {
			c.popList(l, front, int64(count))
		}
		c.notifyPop(e, l, front, args[1])
	})
}

// popEnd removes and returns the first (front) or last element of l, nil
// when it is empty.
func popEnd(l *shard.List, front bool) []byte {
	if front {
		v, _ := l.PopFront()
		return v
	}
	v, _ := l.PopBack()
	return v
}

// popList pops up to count elements from one end of l and writes them as
// an array (the reply of LPOP with a count and the inner array of LMPOP).
// The caller deletes the key when l becomes empty.
func (c *client) popList(l *shard.List, front bool, count int64) {
	n := int(min(count, int64(l.Len())))
	c.w.ArrayLen(n)
	for range n {
		c.w.Bulk(popEnd(l, front))
	}
}

// listEnd parses the LEFT|RIGHT of LMOVE and LMPOP: true for LEFT.
func listEnd(b []byte) (left, ok bool) {
	switch {
	case equalFold(b, "LEFT"):
		return true, true
	case equalFold(b, "RIGHT"):
		return false, true
	}
	return false, false
}

// cmdLMove implements LMOVE source destination LEFT|RIGHT LEFT|RIGHT; both
// directions are checked before any key, as in Redis.
func cmdLMove(c *client, args [][]byte) {
	from, ok1 := listEnd(args[3])
	to, ok2 := listEnd(args[4])
	if !ok1 || !ok2 {
		c.w.Error(msgSyntax)
		return
	}
	c.lmove(args[1:3], from, to)
}

// cmdRPopLPush is LMOVE source destination RIGHT LEFT.
func cmdRPopLPush(c *client, args [][]byte) { c.lmove(args[1:3], false, true) }

// lmove runs LMOVE over keys (source, destination), both shards locked
// together so that no client sees the element in neither list or in both;
// nil when the source holds no list.
func (c *client) lmove(keys [][]byte, from, to bool) {
	c.db.UpdateMulti(keys, c.now(), func(tx *shard.Tx) {
		if !c.lmoveTx(tx, keys[0], keys[1], from, to) {
			c.w.Null()
		}
	})
}

// lmoveTx is one LMOVE under tx, which holds src and dst: it moves the
// first (from) or last element of src's list to the front (to) or back of
// dst's, creating dst when missing and deleting src when emptied, and
// writes the element. src equal to dst rotates the list. A key of another
// type (src first, then dst) gets WRONGTYPE and nothing changes. It reports
// false and writes nothing when src holds no list: LMOVE then answers nil,
// and a blocking variant waits and serves the client later by calling this
// again.
func (c *client) lmoveTx(tx *shard.Tx, src, dst []byte, from, to bool) bool {
	se := tx.Entry(src)
	if c.wrongKind(se, shard.KindList) {
		return true
	}
	l := se.List()
	if l == nil {
		return false
	}
	de := tx.Entry(dst)
	if c.wrongKind(de, shard.KindList) {
		return true
	}
	dl := de.List()
	if dl == nil {
		dl = shard.NewList()
		de.SetList(dl, 0)
	}
	v, _ := l.Move(dl, from, to)
	c.w.Bulk(v)
	c.notify(notifyList, pushEvent(to), dst) // Redis's order
	c.notify(notifyList, popEvent(from), src)
	if l.Len() == 0 {
		se.Delete() // never when src is dst: the element went back in
		c.notify(notifyGeneric, "del", src)
	}
	return true
}

// cmdLMPop implements LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count].
func cmdLMPop(c *client, args [][]byte) {
	keys, left, count, ok := c.mpopArgs(args, 1, "LEFT", "RIGHT")
	if !ok {
		return
	}
	c.db.UpdateMulti(keys, c.now(), func(tx *shard.Tx) {
		if !c.lmpopTx(tx, keys, left, count) {
			c.w.NullArray()
		}
	})
}

// lmpopTx is one LMPOP under tx, which holds keys: it pops up to count
// elements from one end of the first key holding a list and writes [key,
// [elements]], deleting the key when emptied. It reports false and writes
// nothing when every key is missing (LMPOP answers nil; BLMPOP would wait
// and serve the client later with another call).
func (c *client) lmpopTx(tx *shard.Tx, keys [][]byte, left bool, count int64) bool {
	return c.popFirst(tx, keys, shard.KindList, func(key []byte, e *shard.Entry) {
		l := e.List()
		c.w.ArrayLen(2)
		c.w.Bulk(key)
		c.popList(l, left, count)
		c.notifyPop(e, l, left, key)
	})
}

// popFirst calls pop on the first of keys that exists, the rule of LMPOP
// and ZMPOP (and of the blocking pops): missing keys are skipped, and the
// first key holding another kind than kind gets WRONGTYPE, even when a
// later key could be popped. It reports false, having written nothing, when
// every key is missing.
func (c *client) popFirst(tx *shard.Tx, keys [][]byte, kind shard.Kind, pop func(key []byte, e *shard.Entry)) bool {
	for _, k := range keys {
		e := tx.Entry(k)
		switch e.Kind() {
		case shard.KindNone:
			continue
		case kind:
			pop(k, e)
		default:
			c.w.Error(msgWrongType)
		}
		return true
	}
	return false
}

// mpopArgs parses the "numkeys key [key ...] first|last [COUNT count]" of
// LMPOP and ZMPOP starting at args[at] (BLMPOP and BZMPOP have a timeout
// before it), with Redis 7.0's checks in its order: numkeys, the direction,
// then the options. It returns the keys, whether the direction is first
// (LEFT, MIN) and the count (1 without COUNT); on false it has written the
// error.
func (c *client) mpopArgs(args [][]byte, at int, first, last string) (keys [][]byte, isFirst bool, count int64, ok bool) {
	n, parsed := parseInt(args[at])
	if !parsed || n < 1 {
		c.w.Error(msgNumkeysPositive)
		return nil, false, 0, false
	}
	// The direction must follow the keys; compared before adding, since
	// numkeys may be as large as MaxInt64.
	if n >= int64(len(args)-at-1) {
		c.w.Error(msgSyntax)
		return nil, false, 0, false
	}
	where := at + 1 + int(n)
	switch {
	case equalFold(args[where], first):
		isFirst = true
	case equalFold(args[where], last):
	default:
		c.w.Error(msgSyntax)
		return nil, false, 0, false
	}
	count = -1
	for j := where + 1; j < len(args); j++ {
		if count != -1 || !equalFold(args[j], "COUNT") || j+1 == len(args) {
			c.w.Error(msgSyntax)
			return nil, false, 0, false
		}
		j++
		if count, parsed = parseInt(args[j]); !parsed || count < 1 {
			c.w.Error(msgCountPositive)
			return nil, false, 0, false
		}
	}
	if count == -1 {
		count = 1
	}
	return args[at+1 : where], isFirst, count, true
}

// mpopKeys finds the keys of LMPOP and ZMPOP: numkeys at args[1], the keys
// after it.
func mpopKeys(dst, args [][]byte) [][]byte { return keysAfterNumkeys(dst, args, 1) }

// arityError is the wrong-number-of-arguments error for the command in args.
func (c *client) arityError(args [][]byte) string {
	return fmt.Sprintf(msgWrongArgs, lookup(args[0]).lowerName())
}

func cmdLLen(c *client, args [][]byte) {
	if !c.viewKind(args[1], shard.KindList, func(v shard.Value) { c.w.Int(int64(v.List().Len())) }) {
		c.w.Int(0)
	}
}

func cmdLRange(c *client, args [][]byte) {
	start, ok := c.intArg(args[2])
	if !ok {
		return
	}
	stop, ok := c.intArg(args[3])
	if !ok {
		return
	}
	if !c.viewKind(args[1], shard.KindList, func(v shard.Value) {
		l := v.List()
		s, e, ok := clampRange(start, stop, l.Len())
		if !ok {
			c.w.ArrayLen(0)
			return
		}
		c.w.ArrayLen(e - s + 1)
		l.Range(s, e, func(b []byte) bool {
			c.w.Bulk(b)
			return true
		})
	}) {
		c.w.ArrayLen(0)
	}
}

// cmdLIndex looks the key up before parsing the index, as Redis does: a
// missing key answers nil and another type WRONGTYPE whatever the index.
func cmdLIndex(c *client, args [][]byte) {
	if !c.viewKind(args[1], shard.KindList, func(v shard.Value) {
		i, ok := c.intArg(args[2])
		if !ok {
			return
		}
		if b := v.List().Index(i); b != nil {
			c.w.Bulk(b)
		} else {
			c.w.Null()
		}
	}) {
		c.w.Null()
	}
}

// cmdLSet checks the key (no such key, WRONGTYPE) before the index, in
// Redis's order.
func cmdLSet(c *client, args [][]byte) {
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindList) {
			return
		}
		l := e.List()
		if l == nil {
			c.w.Error(msgNoSuchKey)
			return
		}
		i, ok := c.intArg(args[2])
		switch {
		case !ok:
		case !l.Set(i, args[3]):
			c.w.Error(msgOutOfRange)
		default:
			c.notify(notifyList, "lset", args[1])
			c.w.OK()
		}
	})
}

func cmdLRem(c *client, args [][]byte) {
	count, ok := c.intArg(args[2])
	if !ok {
		return
	}
	if count == minInt64 {
		// Negating it overflows to itself; in Redis the removal limit is
		// then never reached, so every match goes, from the tail: the
		// same as the most negative count that can be negated.
		count = minInt64 + 1
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindList) {
			return
		}
		l := e.List()
		if l == nil {
			c.w.Int(0)
			return
		}
		n := l.Remove(args[3], count)
		if n > 0 {
			c.notify(notifyList, "lrem", args[1])
		}
		if l.Len() == 0 {
			e.Delete()
			c.notify(notifyGeneric, "del", args[1])
		}
		c.w.Int(int64(n))
	})
}

func cmdLTrim(c *client, args [][]byte) {
	start, ok := c.intArg(args[2])
	if !ok {
		return
	}
	stop, ok := c.intArg(args[3])
	if !ok {
		return
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindList) {
			return
		}
		if l := e.List(); l != nil {
			l.Trim(start, stop)
			c.notify(notifyList, "ltrim", args[1])
			if l.Len() == 0 {
				e.Delete()
				c.notify(notifyGeneric, "del", args[1])
			}
		}
		c.w.OK()
	})
}

// cmdLInsert implements LINSERT key BEFORE|AFTER pivot element.
func cmdLInsert(c *client, args [][]byte) {
	var after bool
	switch {
	case equalFold(args[2], "AFTER"):
		after = true
	case !equalFold(args[2], "BEFORE"):
		c.w.Error(msgSyntax)
		return
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindList) {
			return
		}
		l := e.List()
		if l == nil {
			c.w.Int(0)
			return
		}
		pos := -1
		i := 0
		l.Range(0, -1, func(b []byte) bool {
			if string(b) == string(args[3]) {
				pos = i
				return false
			}
			i++
			return true
		})
		if pos < 0 {
			c.w.Int(-1)
			return
		}
		if after {
			pos++
		}
		l.Insert(pos, args[4])
		c.notify(notifyList, "linsert", args[1])
		c.w.Int(int64(l.Len()))
	})
}

// cmdLPos implements LPOS key element [RANK rank] [COUNT num] [MAXLEN len]
// with Redis 7.0's checks in its order: options first, then the key.
func cmdLPos(c *client, args [][]byte) {
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	for i := 3; i < len(args); i += 2 {
		if i+1 >= len(args) {
			c.w.Error(msgSyntax)
			return
		}
		n, ok := parseInt(args[i+1])
		switch {
		case equalFold(args[i], "RANK"):
			if !ok {
				c.w.Error(msgNotInteger)
				return
			}
			if n == 0 {
				c.w.Error(msgLposRank)
				return
			}
			rank = n
		case equalFold(args[i], "COUNT"):
			if !c.nonNegative(n, ok, msgLposCount) {
				return
			}
			count = n
		case equalFold(args[i], "MAXLEN"):
			if !c.nonNegative(n, ok, msgLposMaxlen) {
				return
			}
			maxlen = n
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	fromTail := rank < 0
	if fromTail {
		// -MinInt64 overflows to itself, which (as in Redis) matches from
		// the first occurrence: every match count is >= it. See the COUNT
		// test below for its other effect.
		rank = -rank
	}
	if !c.viewKind(args[1], shard.KindList, func(v shard.Value) {
		l := v.List()
		n := l.Len()
		// scan calls hit on each reported index; two scans (count, then
		// write) keep the reply free of a temporary slice.
		scan := func(hit func(idx int)) int {
			var matches int64
			found := 0
			for j := 0; j < n && (maxlen == 0 || int64(j) < maxlen); j++ {
				idx := j
				if fromTail {
					idx = n - 1 - j
				}
				if string(l.Index(idx)) != string(args[2]) {
					continue
				}
				matches++
				if matches < rank {
					continue
				}
				hit(idx)
				found++
				// Redis's test is matches-rank+1 >= count, which is found
				// >= count except for RANK -2^63: there it wraps negative
				// (Redis's C does the same), so COUNT never stops it.
				if count < 0 || count > 0 && matches-rank+1 >= count {
					break
				}
			}
			return found
		}
		if count < 0 {
			first := -1
			scan(func(idx int) { first = idx })
			if first < 0 {
				c.w.Null()
			} else {
				c.w.Int(int64(first))
			}
			return
		}
		c.w.ArrayLen(scan(func(int) {}))
		scan(func(idx int) { c.w.Int(int64(idx)) })
	}) {
		if count >= 0 {
			c.w.ArrayLen(0)
		} else {
			c.w.Null()
		}
	}
}

// nonNegative checks a parsed option value, writing neg when it did not
// parse or is negative: Redis's getPositiveLongFromObjectOrReply gives its
// one message for both, so "COUNT x" and "COUNT 9223372036854775808" get
// "COUNT can't be negative".
func (c *client) nonNegative(n int64, parsed bool, neg string) bool {
	if !parsed || n < 0 {
		c.w.Error(neg)
		return false
	}
	return true
}
