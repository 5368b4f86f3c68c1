package server

import (
	"errors"
	"sync"

	"github.com/miniredis/miniredis/persist"
	"github.com/miniredis/miniredis/rdb"
	"github.com/miniredis/miniredis/shard"
)

const (
	msgDumpPayload     = "ERR DUMP payload version or checksum are wrong"
	msgBadData         = "ERR Bad data format"
	msgBusyKey         = "BUSYKEY Target key name already exists."
	msgInvalidTTL      = "ERR Invalid TTL value, must be >= 0"
	msgInvalidIdle     = "ERR Invalid IDLETIME value, must be >= 0"
	msgInvalidFreq     = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	msgDumpUnsupported = "ERR DUMP of this type of value is not supported"
)

// encoders keeps rdb encoders (each with LZF's 64 KiB hash table) for DUMP.
var encoders = sync.Pool{New: func() any { return new(rdb.Encoder) }}

// cmdDump replies with key's value in Redis's DUMP format (an RDB object,
// the RDB version and a CRC64), or nil for a missing key. Strings are
// LZF-compressed unless rdbcompression is no, as in Redis.
func cmdDump(c *client, args [][]byte) {
	e := encoders.Get().(*rdb.Encoder)
	defer encoders.Put(e)
	e.NoCompress = c.srv.live.rdbNoCompress.Load()
	var payload []byte
	supported := true
	ok := c.db.View(args[1], c.now(), func(v shard.Value) {
		if supported = rdb.Supports(v.Kind()); supported {
			payload = e.AppendDump(nil, v)
		}
	})
	switch {
	case !ok:
		c.w.Null()
	case !supported:
		c.w.Error(msgDumpUnsupported)
	default:
		c.w.Bulk(payload)
	}
}

// cmdRestore creates key from a DUMP payload (RESTORE key ttl payload
// [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]), checking its errors in Redis's
// order: options, an existing key, the TTL, the payload's footer, its
// contents. The payload is decoded before the key's shard is locked.
// IDLETIME and FREQ are checked as Redis checks them; the store keeps no
// per-key access frequency, so they do not change eviction order.
func cmdRestore(c *client, args [][]byte) {
	replace, absTTL := false, false
	idle, freq := int64(-1), int64(-1)
	for j := 4; j < len(args); j++ {
		more := len(args) - j - 1
		switch {
		case equalFold(args[j], "REPLACE"):
			replace = true
		case equalFold(args[j], "ABSTTL"):
			absTTL = true
		case equalFold(args[j], "IDLETIME") && more >= 1 && freq == -1:
			v, ok := parseInt(args[j+1])
			if !ok {
				c.w.Error(msgNotInteger)
				return
			}
			if v < 0 {
				c.w.Error(msgInvalidIdle)
				return
			}
			idle = v
			j++
		case equalFold(args[j], "FREQ") && more >= 1 && idle == -1:
			v, ok := parseInt(args[j+1])
			if !ok {
				c.w.Error(msgNotInteger)
				return
			}
			if v < 0 || v > 255 {
				c.w.Error(msgInvalidFreq)
				return
			}
			freq = v
			j++
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	// Errors found before the lock, replied in Redis's order under it.
	var later string
	ttl, ok := parseInt(args[2])
	var obj rdb.Object
	switch {
	case !ok:
		later = msgNotInteger
	case ttl < 0:
		later = msgInvalidTTL
	default:
		var err error
		obj, err = rdb.DecodeDump(args[3])
		switch {
		case errors.Is(err, rdb.ErrChecksum):
			later = msgDumpPayload
		case err != nil:
			later = msgBadData
		}
	}
	now := c.now()
	c.db.Update(args[1], now, func(e *shard.Entry) {
		if !replace && e.Exists() {
			c.w.Error(msgBusyKey)
			return
		}
		if later != "" {
			c.w.Error(later)
			return
		}
		if ttl != 0 && !absTTL {
			ttl += now
		}
		e.Delete()
		if ttl != 0 && ttl <= now {
			c.w.OK() // already expired: the old key (REPLACE) is gone, nothing is made
			return
		}
		persist.Set(e, obj, ttl)
		c.w.OK()
	})
}
