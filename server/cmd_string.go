package server

import (
	"fmt"
	"math"
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
	if !c.srv.store.View(args[1], c.now(), c.writeValue) {
		c.w.Null()
	}
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
		switch {
		case equalFold(a, "NX") && flags&optXX == 0:
			flags |= optNX
		case equalFold(a, "XX") && flags&optNX == 0:
			flags |= optXX
		case equalFold(a, "GET"):
			flags |= optGet
		case equalFold(a, "KEEPTTL") && flags&expiry == 0:
			flags |= optKeepTTL
		case equalFold(a, "EX") && flags&(optKeepTTL|optPX|optEXAT|optPXAT|optBare) == 0 && hasNext:
			flags |= optEX
			i++
			expArg = args[i]
		case equalFold(a, "PX") && flags&(optKeepTTL|optEX|optEXAT|optPXAT|optBare) == 0 && hasNext:
			flags |= optPX
			i++
			expArg = args[i]
		case equalFold(a, "EXAT") && flags&(optKeepTTL|optEX|optPX|optPXAT|optBare) == 0 && hasNext:
			flags |= optEXAT
			i++
			expArg = args[i]
		case equalFold(a, "PXAT") && flags&(optKeepTTL|optEX|optPX|optEXAT|optBare) == 0 && hasNext:
			flags |= optPXAT
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
	c.srv.store.Update(args[1], now, func(e *shard.Entry) {
		exists := e.Exists()
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
	c.srv.store.Update(args[1], now, func(e *shard.Entry) {
		if !e.Exists() {
			c.w.Error(msgNoSuchKey)
			return
		}
		c.store(e, args[2], exp, now)
		c.w.OK()
	})
}
