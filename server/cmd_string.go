package server

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/miniredis/miniredis/shard"
)

// writeValue answers with a value read under a shard lock: a string as is;
// a list or hash rendered in mini mode (SPEC §5) and WRONGTYPE in redis mode.
func (c *client) writeValue(v shard.Value) {
	if v.Kind() == shard.KindString {
		c.w.Bulk(v.Bytes())
		return
	}
	if !c.mini() {
		c.w.Error(msgWrongType)
		return
	}
	c.tmp = shard.AppendRendered(c.tmp[:0], v)
	c.w.Bulk(c.tmp)
}

func cmdGet(c *client, args [][]byte) {
	found := c.db.View(args[1], c.now(), c.writeValue)
	if !found {
		c.w.Null()
	}
	c.keyspace(found)
}

// setOpts is SET's parsed option set.
type setOpts struct {
	nx, xx, get, keepTTL bool
	expireAt             int64 // absolute unix ms; 0 = none given
}

// Option bits mirror Redis's parseExtendedStringArgumentsOrReply, whose
// rules (which options exclude which) we follow exactly.
const (
	optNX = 1 << iota
	optXX
	optGet
	optKeepTTL
	optEX
	optPX
	optEXAT
	optPXAT
	optBare // mini mode: a bare integer TTL in seconds as the third argument
)

// expiryOption returns the option bit of an EX, PX, EXAT or PXAT word, 0 for
// any other word.
func expiryOption(a []byte) int {
	switch {
	case equalFold(a, "EX"):
		return optEX
	case equalFold(a, "PX"):
		return optPX
	case equalFold(a, "EXAT"):
		return optEXAT
	case equalFold(a, "PXAT"):
		return optPXAT
	}
	return 0
}

// parseSetOpts parses SET's options from args[3:]. It writes the error reply
// and returns false when they are invalid.
func (c *client) parseSetOpts(args [][]byte, now int64) (o setOpts, ok bool) {
	var flags int
	var expArg []byte
	i := 3
	if c.mini() && len(args) > 3 {
		if _, isInt := parseInt(args[3]); isInt {
			flags |= optBare
			expArg = args[3]
			i = 4
		}
	}
	const expiry = optEX | optPX | optEXAT | optPXAT | optBare
	for ; i < len(args); i++ {
		a := args[i]
		hasNext := i+1 < len(args)
		exp := expiryOption(a)
		switch {
		case equalFold(a, "NX") && flags&optXX == 0:
			flags |= optNX
		case equalFold(a, "XX") && flags&optNX == 0:
			flags |= optXX
		case equalFold(a, "GET"):
			flags |= optGet
		case equalFold(a, "KEEPTTL") && flags&expiry == 0:
			flags |= optKeepTTL
		case exp != 0 && flags&((expiry|optKeepTTL)&^exp) == 0 && hasNext:
			// One expiry option at a time (repeating the same one is
			// allowed, as in Redis), never with KEEPTTL or a bare TTL.
			flags |= exp
			i++
			expArg = args[i]
		default:
			c.w.Error(msgSyntax)
			return o, false
		}
	}
	o.nx, o.xx, o.get, o.keepTTL = flags&optNX != 0, flags&optXX != 0, flags&optGet != 0, flags&optKeepTTL != 0
	if flags&expiry != 0 {
		unit := int64(1)
		if flags&(optEX|optEXAT|optBare) != 0 {
			unit = 1000
		}
		o.expireAt, ok = c.parseExpire(expArg, unit, flags&(optEXAT|optPXAT) == 0, now, "set")
		if !ok {
			return o, false
		}
	}
	return o, true
}

// parseExpire turns an EX/PX/EXAT/PXAT argument into an absolute deadline in
// unix ms, with Redis's checks: an integer, positive, and no overflow.
func (c *client) parseExpire(b []byte, unit int64, relative bool, now int64, cmd string) (int64, bool) {
	n, ok := parseInt(b)
	if !ok {
		c.w.Error(msgNotInteger)
		return 0, false
	}
	if n <= 0 || n > math.MaxInt64/unit {
		c.w.Error(fmt.Sprintf(msgInvalidExpire, cmd))
		return 0, false
	}
	n *= unit
	if relative {
		if n > math.MaxInt64-now {
			c.w.Error(fmt.Sprintf(msgInvalidExpire, cmd))
			return 0, false
		}
		n += now
	}
	return n, true
}

// defaultExpireAt is the deadline for a write that names no TTL: the
// --default-ttl in mini mode, none in redis mode.
func (c *client) defaultExpireAt(now int64) int64 {
	if !c.mini() || c.srv.cfg.DefaultTTL <= 0 {
		return 0
	}
	return now + int64(c.srv.cfg.DefaultTTL/time.Millisecond)
}

// store writes v at the cursor typed for the server's mode, or deletes the
// key when its deadline has already passed (Redis's checkAlreadyExpired).
func (c *client) store(e *shard.Entry, v []byte, expireAt, now int64) {
	switch {
	case expireAt != 0 && expireAt <= now:
		e.Delete()
	case c.mini():
		e.SetInferred(v, expireAt)
	default:
		e.SetString(v, expireAt)
	}
}

// cmdSet implements SET key value [ttl] [NX|XX] [GET] [EX|PX|EXAT|PXAT n|KEEPTTL].
func cmdSet(c *client, args [][]byte) {
	now := c.now()
	o, ok := c.parseSetOpts(args, now)
	if !ok {
		return
	}
	c.db.Update(args[1], now, func(e *shard.Entry) {
		// A plain SET need not know: skip the lookup (SET is the hottest write).
		exists := (o.get || o.nx || o.xx) && e.Exists()
		if o.get {
			switch {
			case !exists:
				c.w.Null()
			case e.Kind() != shard.KindString && !c.mini():
				c.w.Error(msgWrongType)
				return
			default:
				c.writeValue(e.Value())
			}
		}
		if o.nx && exists || o.xx && !exists {
			if !o.get {
				c.w.Null()
			}
			return
		}
		exp := o.expireAt
		switch {
		case o.keepTTL:
			exp = e.ExpireAt()
		case exp == 0:
			exp = c.defaultExpireAt(now)
		}
		c.store(e, args[2], exp, now)
		c.notify(notifyString, "set", args[1])
		if o.expireAt != 0 {
			c.notify(notifyGeneric, "expire", args[1])
		}
		if !o.get {
			c.w.OK()
		}
	})
}

// cmdUpdate implements the Mini-Redis UPDATE key value [ttl]: SET that only
// replaces an existing key (of any type) and resets its TTL.
func cmdUpdate(c *client, args [][]byte) {
	if len(args) > 4 {
		c.w.Error(msgSyntax)
		return
	}
	now := c.now()
	var exp int64
	if len(args) == 4 {
		var ok bool
		if exp, ok = c.parseExpire(args[3], 1000, true, now, "update"); !ok {
			return
		}
	} else {
		exp = c.defaultExpireAt(now)
	}
	c.db.Update(args[1], now, func(e *shard.Entry) {
		if !e.Exists() {
			c.w.Error(msgNoSuchKey)
			return
		}
		c.store(e, args[2], exp, now)
		c.notify(notifyString, "set", args[1])
		c.w.OK()
	})
}

// bigTmp is the scratch capacity above which a client drops c.tmp after a
// command, so one huge APPEND or SETRANGE does not pin its buffer for the
// connection's lifetime.
const bigTmp = 64 << 10

func (c *client) releaseTmp() {
	if cap(c.tmp) > bigTmp {
		c.tmp = nil
	}
}

// checkStringLength writes Redis's error and returns false when a string of
// size bytes grown by add bytes would exceed the configured
// proto-max-bulk-len. Both are non-negative but size may be anything up to
// MaxInt64 (a SETRANGE offset), so add is compared with the room left
// rather than summed, which could overflow.
func (c *client) checkStringLength(size, add int64) bool {
	if add > c.srv.protoMaxBulkLen()-size {
		c.w.Error(msgStringTooLong)
		return false
	}
	return true
}

// cmdGetDel answers the string value and deletes the key.
func cmdGetDel(c *client, args [][]byte) {
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		v := e.Value()
		switch v.Kind() {
		case shard.KindNone:
			c.w.Null()
		case shard.KindString:
			c.w.Bulk(v.Bytes()) // copied into the reply before the delete
			e.Delete()
			c.notify(notifyGeneric, "del", args[1])
		default:
			c.w.Error(msgWrongType)
		}
	})
}

// cmdGetSet stores a string without deadline and answers the old value.
func cmdGetSet(c *client, args [][]byte) {
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		v := e.Value()
		switch v.Kind() {
		case shard.KindNone:
			c.w.Null()
		case shard.KindString:
			c.w.Bulk(v.Bytes())
		default:
			c.w.Error(msgWrongType)
			return
		}
		e.SetString(args[2], 0)
		c.notify(notifyString, "set", args[1])
	})
}

// cmdSetNX stores a string without deadline when the key is missing: 1 when
// it did, 0 otherwise.
func cmdSetNX(c *client, args [][]byte) {
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if e.Exists() {
			c.w.Int(0)
			return
		}
		e.SetString(args[2], 0)
		c.notify(notifyString, "set", args[1])
		c.w.Int(1)
	})
}

// cmdMGet answers the value of each key, nil for a missing key or one that
// is not a string, all read under the locks of every shard involved at once.
func cmdMGet(c *client, args [][]byte) {
	keys := args[1:]
	c.w.ArrayLen(len(keys))
	c.db.ViewMulti(keys, c.now(), func(tx *shard.Tx) {
		for _, k := range keys {
			v := tx.Entry(k).Value()
			if v.Kind() == shard.KindString {
				c.w.Bulk(v.Bytes())
			} else {
				c.w.Null()
			}
			c.keyspace(v.Kind() != shard.KindNone)
		}
	})
}

// pairKeys collects the keys of key/value argument pairs into c.keys, or
// writes the arity error and returns nil when a value is missing.
func (c *client) pairKeys(args [][]byte) [][]byte {
	if len(args)%2 == 0 {
		c.w.Error(fmt.Sprintf(msgWrongArgs, strings.ToLower(string(args[0]))))
		return nil
	}
	c.keys = c.keys[:0]
	for i := 1; i < len(args); i += 2 {
		c.keys = append(c.keys, args[i])
	}
	return c.keys
}

// setPairs stores every key/value pair of args as a string without deadline;
// a key named twice keeps its last value, as in Redis.
func setPairs(tx *shard.Tx, args [][]byte) {
	for i := 1; i < len(args); i += 2 {
		tx.Entry(args[i]).SetString(args[i+1], 0)
	}
}

// cmdMSet stores every pair atomically: no client sees some written and
// others not.
func cmdMSet(c *client, args [][]byte) {
	keys := c.pairKeys(args)
	if keys == nil {
		return
	}
	c.db.UpdateMulti(keys, c.now(), func(tx *shard.Tx) { setPairs(tx, args) })
	c.notifyPairs(args)
	clear(c.keys) // drop references into the read buffer
	c.w.OK()
}

// cmdMSetNX stores every pair atomically when none of the keys exists: 1 when
// it did, 0 otherwise.
func cmdMSetNX(c *client, args [][]byte) {
	keys := c.pairKeys(args)
	if keys == nil {
		return
	}
	var n int64
	c.db.UpdateMulti(keys, c.now(), func(tx *shard.Tx) {
		for _, k := range keys {
			if tx.Entry(k).Exists() {
				return
			}
		}
		setPairs(tx, args)
		n = 1
	})
	if n == 1 {
		c.notifyPairs(args)
	}
	clear(c.keys)
	c.w.Int(n)
}

// incrBy adds delta to the integer stored at key (0 when missing), keeping
// its deadline, and answers the new value. When the new value has as many
// digits as the old one it is written in place, without allocating.
func (c *client) incrBy(key []byte, delta int64) {
	c.db.Update(key, c.now(), func(e *shard.Entry) {
		v := e.Value()
		var cur int64
		switch v.Kind() {
		case shard.KindNone:
		case shard.KindString:
			var ok bool
			if cur, ok = parseInt(v.Bytes()); !ok {
				c.w.Error(msgNotInteger)
				return
			}
		default:
			c.w.Error(msgWrongType)
			return
		}
		if delta < 0 && cur < math.MinInt64-delta || delta > 0 && cur > math.MaxInt64-delta {
			c.w.Error(msgIncrOverflow)
			return
		}
		cur += delta
		c.tmp = strconv.AppendInt(c.tmp[:0], cur, 10)
		if len(c.tmp) != len(v.Bytes()) || !e.PatchString(0, c.tmp) {
			e.SetString(c.tmp, v.ExpireAt())
		} else if v.Encoding() != shard.EncodingAuto {
			e.SetEncoding(shard.EncodingAuto) // an integer again, as Redis makes it
		}
		c.notify(notifyString, "incrby", key)
		c.w.Int(cur)
	})
}

func cmdIncr(c *client, args [][]byte) { c.incrBy(args[1], 1) }
func cmdDecr(c *client, args [][]byte) { c.incrBy(args[1], -1) }

func cmdIncrBy(c *client, args [][]byte) {
	n, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	c.incrBy(args[1], n)
}

func cmdDecrBy(c *client, args [][]byte) {
	n, ok := parseInt(args[2])
	switch {
	case !ok:
		c.w.Error(msgNotInteger)
	case n == math.MinInt64:
		c.w.Error(msgDecrOverflow)
	default:
		c.incrBy(args[1], -n)
	}
}

// cmdIncrByFloat adds a float to the number stored at key, keeping its
// deadline, with Redis's arithmetic and formatting: see addLongDouble.
func cmdIncrByFloat(c *client, args [][]byte) {
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		v := e.Value()
		cur := []byte("0")
		switch v.Kind() {
		case shard.KindNone:
		case shard.KindString:
			cur = v.Bytes()
		default:
			c.w.Error(msgWrongType)
			return
		}
		var errMsg string
		c.tmp, errMsg = addLongDouble(c.tmp[:0], cur, args[2])
		if errMsg != "" {
			c.w.Error(errMsg)
			return
		}
		e.SetString(c.tmp, v.ExpireAt())
		e.SetEncoding(shard.EncodingString) // Redis stores the sum as a string, never an int
		c.notify(notifyString, "incrbyfloat", args[1])
		c.w.Bulk(c.tmp)
	})
}

// cmdAppend appends to the string at key (creating it) and answers the new
// length. The deadline is kept. An existing string becomes raw, even when
// nothing is appended, as Redis unshares it before appending.
func cmdAppend(c *client, args [][]byte) {
	add := args[2]
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		v := e.Value()
		switch v.Kind() {
		case shard.KindNone:
			e.SetString(add, 0)
			c.notify(notifyString, "append", args[1])
			c.w.Int(int64(len(add)))
			return
		case shard.KindString:
		default:
			c.w.Error(msgWrongType)
			return
		}
		old := v.Bytes()
		if !c.checkStringLength(int64(len(old)), int64(len(add))) {
			return
		}
		if len(add) > 0 {
			c.tmp = append(append(c.tmp[:0], old...), add...)
			e.SetString(c.tmp, v.ExpireAt())
			c.releaseTmp()
		}
		e.SetEncoding(shard.EncodingRaw)
		c.notify(notifyString, "append", args[1])
		c.w.Int(int64(len(old) + len(add)))
	})
}

// cmdStrlen answers the length of the string at key, 0 when missing.
func cmdStrlen(c *client, args [][]byte) {
	n, ok := 0, true
	c.db.View(args[1], c.now(), func(v shard.Value) {
		n, ok = len(v.Bytes()), v.Kind() == shard.KindString
	})
	if !ok {
		c.w.Error(msgWrongType)
		return
	}
	c.w.Int(int64(n))
}

// cmdGetRange answers the substring between two inclusive offsets, negative
// ones counting from the end, clamped as Redis's getrangeCommand does.
func cmdGetRange(c *client, args [][]byte) {
	start, ok1 := parseInt(args[2])
	end, ok2 := parseInt(args[3])
	if !ok1 || !ok2 {
		c.w.Error(msgNotInteger)
		return
	}
	found := c.db.View(args[1], c.now(), func(v shard.Value) {
		if v.Kind() != shard.KindString {
			c.w.Error(msgWrongType)
			return
		}
		s := v.Bytes()
		n := int64(len(s))
		if start < 0 && end < 0 && start > end {
			c.w.Bulk(nil)
			return
		}
		if start, end = clampStringRange(start, end, n); start > end {
			c.w.Bulk(nil)
			return
		}
		c.w.Bulk(s[start : end+1])
	})
	if !found {
		c.w.Bulk(nil)
	}
}

// cmdSetRange overwrites the string at key from offset on, padding with zero
// bytes, and answers the new length. The deadline is kept; a write that fits
// inside the current value is done in place.
func cmdSetRange(c *client, args [][]byte) {
	off, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	if off < 0 {
		c.w.Error(msgOffsetRange)
		return
	}
	val := args[3]
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		v := e.Value()
		switch v.Kind() {
		case shard.KindNone:
			if len(val) == 0 {
				c.w.Int(0)
				return
			}
		case shard.KindString:
		default:
			c.w.Error(msgWrongType)
			return
		}
		old := v.Bytes()
		if len(val) == 0 {
			c.w.Int(int64(len(old)))
			return
		}
		if !c.checkStringLength(off, int64(len(val))) {
			return
		}
		end := int(off) + len(val)
		if !e.PatchString(int(off), val) {
			c.tmp = append(c.tmp[:0], old...)
			if end > len(c.tmp) {
				c.tmp = append(c.tmp, make([]byte, end-len(c.tmp))...)
			}
			copy(c.tmp[off:], val)
			e.SetString(c.tmp, v.ExpireAt())
			c.releaseTmp()
		}
		e.SetEncoding(shard.EncodingRaw)
		c.notify(notifyString, "setrange", args[1])
		c.w.Int(int64(max(end, len(old))))
	})
}
