package server

import (
	"fmt"
	"math"

	"github.com/miniredis/miniredis/shard"
)

// Option bits of EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT (Redis 7).
const (
	expNX = 1 << iota // set only when the key has no deadline
	expXX             // set only when the key has a deadline
	expGT             // set only when the new deadline is later (no deadline counts as infinite)
	expLT             // set only when the new deadline is earlier
)

// parseExpireFlags parses the NX|XX|GT|LT options of the EXPIRE family the
// way Redis's parseExtendedExpireArgumentsOrReply does: every word first,
// then the compatibility checks. It writes the error reply and returns false
// when they are invalid.
func (c *client) parseExpireFlags(opts [][]byte) (int, bool) {
	var f int
	for _, o := range opts {
		switch {
		case equalFold(o, "NX"):
			f |= expNX
		case equalFold(o, "XX"):
			f |= expXX
		case equalFold(o, "GT"):
			f |= expGT
		case equalFold(o, "LT"):
			f |= expLT
		default:
			c.w.Error(oneLine(fmt.Sprintf(msgUnsupportedOption, o)))
			return 0, false
		}
	}
	if f&expNX != 0 && f&(expXX|expGT|expLT) != 0 {
		c.w.Error(msgExpireNXIncompatible)
		return 0, false
	}
	if f&expGT != 0 && f&expLT != 0 {
		c.w.Error(msgExpireGTLT)
		return 0, false
	}
	return f, true
}

// oneLine blanks CR and LF so that an error quoting client input stays one
// RESP line, as Redis's addReplyErrorFormat does.
func oneLine(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ch == '\r' || ch == '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

// expireGeneric implements EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT, in the
// order Redis's expireGenericCommand checks things: options, the integer,
// overflow, then the key. unit is 1000 for seconds and 1 for milliseconds;
// relative adds the current time. A deadline that has already passed deletes
// the key and still answers 1; negative times are allowed and do that too.
func expireGeneric(c *client, args [][]byte, unit int64, relative bool, name string) {
	flags, ok := c.parseExpireFlags(args[3:])
	if !ok {
		return
	}
	when, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	if when > math.MaxInt64/unit || when < math.MinInt64/unit {
		c.w.Error(fmt.Sprintf(msgInvalidExpire, name))
		return
	}
	when *= unit
	now := c.now()
	if relative {
		if when > math.MaxInt64-now {
			c.w.Error(fmt.Sprintf(msgInvalidExpire, name))
			return
		}
		when += now
	}
	var n int64
	c.db.Update(args[1], now, func(e *shard.Entry) {
		if !e.Exists() {
			return
		}
		cur := e.ExpireAt()
		if cur == 0 {
			cur = -1 // Redis's "no expiry"; GT treats it as infinite
		}
		switch {
		case flags&expNX != 0 && cur != -1,
			flags&expXX != 0 && cur == -1,
			flags&expGT != 0 && (cur == -1 || when <= cur),
			flags&expLT != 0 && cur != -1 && when >= cur:
			return
		}
		if when <= now {
			e.Delete()
			c.notify(notifyGeneric, "del", args[1])
		} else {
			e.SetExpireAt(when)
			c.notify(notifyGeneric, "expire", args[1])
		}
		n = 1
	})
	c.w.Int(n)
}

func cmdExpire(c *client, args [][]byte)    { expireGeneric(c, args, 1000, true, "expire") }
func cmdPExpire(c *client, args [][]byte)   { expireGeneric(c, args, 1, true, "pexpire") }
func cmdExpireAt(c *client, args [][]byte)  { expireGeneric(c, args, 1000, false, "expireat") }
func cmdPExpireAt(c *client, args [][]byte) { expireGeneric(c, args, 1, false, "pexpireat") }

// expireTime answers EXPIRETIME (seconds) and PEXPIRETIME (ms): the absolute
// deadline, -1 for a key without one and -2 for a missing key. Seconds are
// rounded to the nearest as Redis 7.0's ttlGenericCommand does.
func expireTime(c *client, key []byte, inMillis bool) {
	t := int64(-2)
	c.db.View(key, c.now(), func(v shard.Value) {
		t = v.ExpireAt()
		if t == 0 {
			t = -1
		}
	})
	if t > 0 && !inMillis {
		t = (t + 500) / 1000
	}
	c.w.Int(t)
}

func cmdExpireTime(c *client, args [][]byte)  { expireTime(c, args[1], false) }
func cmdPExpireTime(c *client, args [][]byte) { expireTime(c, args[1], true) }

// cmdPersist removes a key's deadline: 1 when there was one, else 0.
func cmdPersist(c *client, args [][]byte) {
	var n int64
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if e.Exists() && e.ExpireAt() != 0 {
			e.SetExpireAt(0)
			c.notify(notifyGeneric, "persist", args[1])
			n = 1
		}
	})
	c.w.Int(n)
}

// GETEX option bits; which exclude which follows Redis's
// parseExtendedStringArgumentsOrReply for COMMAND_GET.
const (
	getexEX = 1 << iota
	getexPX
	getexEXAT
	getexPXAT
	getexPersist
	getexExpiry = getexEX | getexPX | getexEXAT | getexPXAT
)

// cmdGetEx implements GETEX key [EX s|PX ms|EXAT ts|PXAT ms|PERSIST]. As in
// Redis, a syntax error comes first, then a missing key (nil) and the type,
// and only then is the time checked; an EXAT/PXAT in the past returns the
// value and deletes the key. In mini mode a list or hash is rendered as GET
// renders it.
func cmdGetEx(c *client, args [][]byte) {
	var flags int
	var expArg []byte
	for i := 2; i < len(args); i++ {
		a := args[i]
		hasNext := i+1 < len(args)
		var bit int
		switch {
		case equalFold(a, "EX"):
			bit = getexEX
		case equalFold(a, "PX"):
			bit = getexPX
		case equalFold(a, "EXAT"):
			bit = getexEXAT
		case equalFold(a, "PXAT"):
			bit = getexPXAT
		case equalFold(a, "PERSIST") && flags&getexExpiry == 0:
			flags |= getexPersist
			continue
		}
		// An expiry option may repeat (the last wins) but not mix with
		// another one or with PERSIST, and needs its argument.
		if bit == 0 || flags&(getexExpiry|getexPersist)&^bit != 0 || !hasNext {
			c.w.Error(msgSyntax)
			return
		}
		flags |= bit
		i++
		expArg = args[i]
	}
	now := c.now()
	c.db.Update(args[1], now, func(e *shard.Entry) {
		v := e.Value()
		if v.Kind() == shard.KindNone {
			c.w.Null()
			return
		}
		if v.Kind() != shard.KindString && !c.mini() {
			c.w.Error(msgWrongType)
			return
		}
		var exp int64
		if flags&getexExpiry != 0 {
			unit := int64(1)
			if flags&(getexEX|getexEXAT) != 0 {
				unit = 1000
			}
			var ok bool
			if exp, ok = c.parseExpire(expArg, unit, flags&(getexEX|getexPX) != 0, now, "getex"); !ok {
				return
			}
		}
		c.writeValue(v) // copied into the reply before the key may go
		switch {
		case flags&getexExpiry != 0 && exp <= now:
			e.SetExpireAt(exp) // a deadline already passed deletes the key
			c.notify(notifyGeneric, "del", args[1])
		case flags&getexExpiry != 0:
			e.SetExpireAt(exp)
			c.notify(notifyGeneric, "expire", args[1])
		case flags&getexPersist != 0:
			if v.ExpireAt() != 0 {
				c.notify(notifyGeneric, "persist", args[1])
			}
			e.SetExpireAt(0)
		}
	})
}

// setEx implements SETEX and PSETEX: SET key value EX|PX n, typed as SET
// types values in the server's mode.
func setEx(c *client, args [][]byte, unit int64, name string) {
	now := c.now()
	exp, ok := c.parseExpire(args[2], unit, true, now, name)
	if !ok {
		return
	}
	c.db.Update(args[1], now, func(e *shard.Entry) {
		c.store(e, args[3], exp, now)
		c.notify(notifyString, "set", args[1])
		c.notify(notifyGeneric, "expire", args[1])
	})
	c.w.OK()
}

func cmdSetEx(c *client, args [][]byte)  { setEx(c, args, 1000, "setex") }
func cmdPSetEx(c *client, args [][]byte) { setEx(c, args, 1, "psetex") }
