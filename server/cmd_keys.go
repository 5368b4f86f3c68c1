package server

import (
	"strconv"
	"strings"

	"github.com/miniredis/miniredis/shard"
)

func cmdDel(c *client, args [][]byte) {
	now := c.now()
	var n int64
	if len(args) == 2 {
		c.db.Update(args[1], now, func(e *shard.Entry) {
			if e.Delete() {
				n = 1
				c.notify(notifyGeneric, "del", args[1])
			}
		})
	} else {
		// One transaction over every shard involved, so no client sees some
		// of the keys deleted and others not.
		keys := args[1:]
		c.db.UpdateMulti(keys, now, func(tx *shard.Tx) {
			for _, k := range keys {
				if tx.Entry(k).Delete() {
					n++
					c.notify(notifyGeneric, "del", k)
				}
			}
		})
	}
	c.w.Int(n)
}

func cmdExists(c *client, args [][]byte) {
	now := c.now()
	var n int64
	for _, k := range args[1:] {
		if c.db.View(k, now, func(shard.Value) {}) {
			n++
		}
	}
	if c.w.Plain() && len(args) == 2 {
		// Mini-Redis answers nc users in words.
		if n == 1 {
			c.w.Simple("YES")
		} else {
			c.w.Simple("NO")
		}
		return
	}
	c.w.Int(n)
}

// plainTypeNames are the Mini-Redis TYPE answers for plain-text clients.
var plainTypeNames = [...]string{
	shard.KindNone:   "Nil",
	shard.KindString: "String",
	shard.KindList:   "VecStr",
	shard.KindHash:   "Hash",
	shard.KindSet:    "Set",
	shard.KindZSet:   "ZSet",
}

func cmdType(c *client, args [][]byte) {
	kind := shard.KindNone
	c.db.View(args[1], c.now(), func(v shard.Value) { kind = v.Kind() })
	if c.w.Plain() {
		c.w.Simple(plainTypeNames[kind])
		return
	}
	c.w.Simple(kind.String())
}

// cmdRename moves the value and its deadline to the new name atomically:
// both shards are locked for the whole move.
func cmdRename(c *client, args [][]byte) {
	src, dst := args[1], args[2]
	c.db.UpdateMulti(args[1:3], c.now(), func(tx *shard.Tx) {
		from := tx.Entry(src)
		if !from.Exists() {
			c.w.Error(msgNoSuchKey)
			return
		}
		if string(src) != string(dst) {
			moveValue(from, tx.Entry(dst))
			c.notifyRename(src, dst)
		}
		c.w.OK()
	})
}

// moveValue deletes from and gives its value and deadline (and a string's
// encoding) to to.
// Collections change owner without a copy; a string is copied once, by
// SetValue, since its bytes share an allocation with the old key (which v
// keeps alive).
//
// The delete comes first: a collection records the key it is stored under,
// and SetList/SetHash/SetSet/SetZSet rewrite that record, after which deleting from
// would look up the new name and remove the wrong map entry.
func moveValue(from, to *shard.Entry) {
	v, exp := from.Value(), from.ExpireAt()
	from.Delete()
	switch v.Kind() {
	case shard.KindList:
		to.SetList(v.List(), exp)
	case shard.KindHash:
		to.SetHash(v.Hash(), exp)
	case shard.KindSet:
		to.SetSet(v.Set(), exp)
	case shard.KindZSet:
		to.SetZSet(v.ZSet(), exp)
	default:
		to.SetValue(v, exp)
	}
}

// ttlMillis returns the remaining time to live of key in ms, -1 when it has
// no deadline and -2 when it does not exist (Redis's TTL/PTTL replies).
func (c *client) ttlMillis(key []byte, now int64) int64 {
	ttl := int64(-2)
	c.db.View(key, now, func(v shard.Value) {
		ttl = -1
		if exp := v.ExpireAt(); exp != 0 {
			ttl = max(exp-now, 0)
		}
	})
	return ttl
}

func cmdTTL(c *client, args [][]byte) {
	ttl := c.ttlMillis(args[1], c.now())
	if ttl > 0 {
		ttl = (ttl + 500) / 1000
	}
	c.w.Int(ttl)
}

func cmdPTTL(c *client, args [][]byte) { c.w.Int(c.ttlMillis(args[1], c.now())) }

func cmdDBSize(c *client, args [][]byte) { c.w.Int(int64(c.dbSize())) }

// dbSize is the number of keys in the selected database, DBSIZE's answer.
func (c *client) dbSize() int {
	keys, _ := c.db.Size()
	return keys
}

// cmdFlushAll implements FLUSHALL and FLUSHDB [ASYNC|SYNC]; both flush the
// single database synchronously.
func cmdFlushAll(c *client, args [][]byte) {
	if len(args) > 2 || len(args) == 2 && !equalFold(args[1], "ASYNC") && !equalFold(args[1], "SYNC") {
		c.w.Error(msgSyntax)
		return
	}
	c.db.FlushAll()
	c.w.OK()
	c.srv.track.flushed()
}

// cmdFlushDB empties the selected database.
func cmdFlushDB(c *client, args [][]byte) {
	if len(args) > 2 || len(args) == 2 && !equalFold(args[1], "ASYNC") && !equalFold(args[1], "SYNC") {
		c.w.Error(msgSyntax)
		return
	}
	c.db.Flush()
	c.w.OK()
	c.srv.track.flushed()
}

// cmdMove moves a key to another database: 1 when it moved, 0 when it is
// missing here or exists there.
func cmdMove(c *client, args [][]byte) {
	if c.srv.cluster != nil {
		c.w.Error("ERR MOVE is not allowed in cluster mode")
		return
	}
	to, ok := c.dbArg(args[2])
	if !ok {
		return
	}
	if to == c.db.Index() {
		c.w.Error(msgSameObject)
		return
	}
	if c.db.Move(args[1], to, c.now()) {
		c.notify(notifyGeneric, "move_from", args[1])
		if c.srv.notifyFlags.Load()&notifyGeneric != 0 {
			c.srv.notify(c, to, notifyGeneric, "move_to", args[1])
		}
		c.w.Int(1)
	} else {
		c.w.Int(0)
	}
}

// cmdSwapDB exchanges two databases for every client at once.
func cmdSwapDB(c *client, args [][]byte) {
	if c.srv.cluster != nil {
		c.w.Error("ERR SWAPDB is not allowed in cluster mode")
		return
	}
	a, okA := parseInt(args[1])
	b, okB := parseInt(args[2])
	n := int64(c.srv.store.DBs())
	switch {
	case !okA:
		c.w.Error(msgInvalidFirstDB)
	case !okB:
		c.w.Error(msgInvalidSecondDB)
	case a < 0 || a >= n || b < 0 || b >= n:
		c.w.Error(msgDBIndex)
	default:
		c.dbN(int(a)).Swap(int(b))
		c.srv.blocks.touchedDBs(int(a), int(b))
		c.w.OK()
	}
}

func cmdClearAll(c *client, args [][]byte) {
	c.db.FlushAll()
	c.w.OK()
}

// cmdRenameNX moves the key only when the new name is free: 1 when it moved,
// 0 when the destination exists (the source itself included, as Redis 7.0
// answers RENAMENX k k).
func cmdRenameNX(c *client, args [][]byte) {
	src, dst := args[1], args[2]
	c.db.UpdateMulti(args[1:3], c.now(), func(tx *shard.Tx) {
		from := tx.Entry(src)
		if !from.Exists() {
			c.w.Error(msgNoSuchKey)
			return
		}
		if string(src) == string(dst) || tx.Entry(dst).Exists() {
			c.w.Int(0)
			return
		}
		moveValue(from, tx.Entry(dst))
		c.notifyRename(src, dst)
		c.w.Int(1)
	})
}

// keyList collects keys read under shard locks, so the reply's length is
// known before it is written: buf holds the keys back to back, ends the end
// offset of each.
type keyList struct {
	buf  []byte
	ends []int
}

func (l *keyList) add(k []byte) {
	l.buf = append(l.buf, k...)
	l.ends = append(l.ends, len(l.buf))
}

func (l *keyList) write(c *client) {
	c.w.ArrayLen(len(l.ends))
	start := 0
	for _, end := range l.ends {
		c.w.Bulk(l.buf[start:end])
		start = end
	}
}

// matchAll reports a pattern that every key matches, so the glob is skipped.
func matchAll(pattern []byte) bool { return len(pattern) == 1 && pattern[0] == '*' }

// cmdKeys walks every shard, one read lock at a time, and returns the keys
// matching the glob. Like Redis's KEYS it is O(number of keys).
func cmdKeys(c *client, args [][]byte) {
	pattern, all := args[1], matchAll(args[1])
	now := c.now()
	var l keyList
	for cur := uint64(0); ; {
		cur = c.db.Scan(cur, now, func(k []byte, _ shard.Value) {
			if all || globMatch(pattern, k, false) {
				l.add(k)
			}
		})
		if cur == 0 {
			break
		}
	}
	l.write(c)
}

// defaultScanCount is SCAN's COUNT when none is given (Redis uses 10).
const defaultScanCount = 10

// cmdScan implements SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]. The
// cursor is a shard index: each call walks whole shards, in order, until it
// has looked at COUNT keys or run out of shards, so a key present for the
// whole iteration is returned exactly once whatever is added or removed
// meanwhile (a shard is read under its lock in one go). Like Redis, COUNT
// counts keys looked at, before MATCH and TYPE filter them, and a reply may
// hold more keys than COUNT.
func cmdScan(c *client, args [][]byte) {
	cursor, ok := parseCursor(args[1])
	if !ok {
		c.w.Error(msgInvalidCursor)
		return
	}
	var pattern []byte
	typ := shard.KindNone
	typed := false
	count := int64(defaultScanCount)
	for i := 2; i < len(args); i += 2 {
		if i+1 >= len(args) {
			c.w.Error(msgSyntax)
			return
		}
		switch v := args[i+1]; {
		case equalFold(args[i], "COUNT"):
			n, ok := parseInt(v)
			if !ok {
				c.w.Error(msgNotInteger)
				return
			}
			if n < 1 {
				c.w.Error(msgSyntax)
				return
			}
			count = n
		case equalFold(args[i], "MATCH"):
			pattern = v
		case equalFold(args[i], "TYPE"):
			typ, typed = kindByName(v), true
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	if pattern != nil && matchAll(pattern) {
		pattern = nil
	}
	now := c.now()
	var l keyList
	var seen int64
	for seen < count {
		cursor = c.db.Scan(cursor, now, func(k []byte, v shard.Value) {
			seen++
			if pattern != nil && !globMatch(pattern, k, false) {
				return
			}
			if typed && v.Kind() != typ {
				return
			}
			l.add(k)
		})
		if cursor == 0 {
			break
		}
	}
	c.w.ArrayLen(2)
	c.tmp = strconv.AppendUint(c.tmp[:0], cursor, 10)
	c.w.Bulk(c.tmp)
	l.write(c)
}

// kindByName maps a TYPE name, in any case, to its kind. An unknown name
// gives KindNone, which no live key has, so SCAN ... TYPE foo matches
// nothing, as in Redis 7.0.
func kindByName(name []byte) shard.Kind {
	for k := shard.KindString; k <= shard.KindZSet; k++ {
		if strings.EqualFold(string(name), k.String()) {
			return k
		}
	}
	return shard.KindNone
}

// cmdRandomKey answers a random live key, or nil when there is none.
func cmdRandomKey(c *client, args [][]byte) {
	var ok bool
	c.tmp, ok = c.db.RandomKey(c.now(), c.tmp[:0])
	if !ok {
		c.w.Null()
		return
	}
	c.w.Bulk(c.tmp)
}
