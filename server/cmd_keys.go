package server

import (
	"github.com/miniredis/miniredis/shard"
)

func cmdDel(c *client, args [][]byte) {
	now := c.now()
	var n int64
	if len(args) == 2 {
		c.srv.store.Update(args[1], now, func(e *shard.Entry) {
			if e.Delete() {
				n = 1
			}
		})
	} else {
		// One transaction over every shard involved, so no client sees some
		// of the keys deleted and others not.
		keys := args[1:]
		c.srv.store.UpdateMulti(keys, now, func(tx *shard.Tx) {
			for _, k := range keys {
				if tx.Entry(k).Delete() {
					n++
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
		if c.srv.store.View(k, now, func(shard.Value) {}) {
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
	c.srv.store.View(args[1], c.now(), func(v shard.Value) { kind = v.Kind() })
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
	c.srv.store.UpdateMulti(args[1:3], c.now(), func(tx *shard.Tx) {
		from := tx.Entry(src)
		if !from.Exists() {
			c.w.Error(msgNoSuchKey)
			return
		}
		if string(src) != string(dst) {
			moveValue(from, tx.Entry(dst))
		}
		c.w.OK()
	})
}

// moveValue deletes from and gives its value and deadline to to.
// Lists, hashes, sets and sorted sets change owner without a copy; a string is copied once,
// since its bytes share an allocation with the old key.
func moveValue(from, to *shard.Entry) {
	v, exp := from.Value(), from.ExpireAt()
	// Delete first: a collection carries its stored key, which the Set*
	// call below rewrites to the new name, and Delete finds the map entry
	// through it. v keeps the value reachable in the meantime.
	from.Delete()
	switch v.Kind() {
	case shard.KindString:
		to.SetString(v.Bytes(), exp)
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
	c.srv.store.View(key, now, func(v shard.Value) {
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

func cmdDBSize(c *client, args [][]byte) { c.w.Int(int64(c.srv.store.Stats().Keys)) }

// cmdFlushAll implements FLUSHALL and FLUSHDB [ASYNC|SYNC]; both flush the
// single database synchronously.
func cmdFlushAll(c *client, args [][]byte) {
	if len(args) > 2 || len(args) == 2 && !equalFold(args[1], "ASYNC") && !equalFold(args[1], "SYNC") {
		c.w.Error(msgSyntax)
		return
	}
	c.srv.store.Flush()
	c.w.OK()
}

func cmdClearAll(c *client, args [][]byte) {
	c.srv.store.Flush()
	c.w.OK()
}
