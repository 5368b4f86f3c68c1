package server

import (
	"fmt"
	"math"

	"github.com/miniredis/miniredis/shard"
)

// cmdCopy implements COPY source destination [DB destination-db] [REPLACE]
// with Redis 7.0's checks in its order: the options, then a copy onto
// itself, then the source, then the destination. The copy is deep and
// keeps the source's deadline.
func cmdCopy(c *client, args [][]byte) {
	to, replace := c.db.Index(), false
	for j := 3; j < len(args); j++ {
		switch {
		case equalFold(args[j], "REPLACE"):
			replace = true
		case equalFold(args[j], "DB") && j+1 < len(args):
			n, ok := parseInt(args[j+1])
			switch {
			case !ok:
				c.w.Error(msgNotInteger)
				return
			case n < math.MinInt32 || n > math.MaxInt32:
				c.w.Error(msgIntRange) // Redis parses a C int here
				return
			}
			if n < 0 || n >= int64(c.srv.store.DBs()) {
				c.w.Error(msgDBIndex)
				return
			}
			to = int(n)
			j++
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	src, dst := args[1], args[2]
	if to == c.db.Index() && string(src) == string(dst) {
		c.w.Error(msgSameObject)
		return
	}
	c.db.UpdateAcross(src, to, dst, c.now(), func(from, into *shard.Entry) {
		v := from.Value()
		if v.Kind() == shard.KindNone || into.Exists() && !replace {
			c.w.Int(0)
			return
		}
		into.SetValue(v, v.ExpireAt())
		c.w.Int(1)
	})
}

// cmdTouch implements TOUCH key [key ...]: the number of keys that exist,
// each counted as an access.
func cmdTouch(c *client, args [][]byte) {
	now := c.now()
	var n int64
	for _, k := range args[1:] {
		if c.db.View(k, now, func(shard.Value) {}) {
			n++
		}
	}
	c.w.Int(n)
}

var objectHelp = []string{
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
	"HELP",
	"    Prints this help.",
}

const (
	msgIntRange   = "ERR value is out of range, value must between -2147483648 and 2147483647"
	msgObjectFreq = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	// sharedRefcount is Redis's OBJ_SHARED_REFCOUNT, the REFCOUNT of its
	// shared integers 0..9999.
	sharedRefcount    = math.MaxInt32
	objSharedIntegers = 10000
	embstrSizeLimit   = 44 // OBJ_ENCODING_EMBSTR_SIZE_LIMIT
)

// cmdObject implements OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT key and
// OBJECT HELP. No eviction policy here is LFU, so FREQ always answers
// Redis's error for that case, once the key is found.
func cmdObject(c *client, args [][]byte) {
	sub := args[1]
	switch {
	case equalFold(sub, "HELP"):
		if len(args) != 2 {
			subArityError(c, args[0], sub)
			return
		}
		c.writeHelp("OBJECT", objectHelp)
		return
	case equalFold(sub, "ENCODING"), equalFold(sub, "FREQ"), equalFold(sub, "IDLETIME"), equalFold(sub, "REFCOUNT"):
		if len(args) != 3 {
			subArityError(c, args[0], sub)
			return
		}
	default:
		c.w.Error(fmt.Sprintf(msgUnknownSub, sub, "OBJECT"))
		return
	}
	found := false
	// A ViewMulti cursor reads without counting as an access, as Redis's
	// OBJECT looks keys up with LOOKUP_NOTOUCH.
	c.db.ViewMulti(args[2:3], c.now(), func(tx *shard.Tx) {
		e := tx.Entry(args[2])
		if !e.Exists() {
			return
		}
		found = true
		switch {
		case equalFold(sub, "ENCODING"):
			c.w.BulkString(encodingOf(e.Value(), c.srv.encodingLimits()))
		case equalFold(sub, "FREQ"):
			c.w.Error(msgObjectFreq)
		case equalFold(sub, "IDLETIME"):
			c.w.Int(e.IdleSeconds())
		default:
			c.w.Int(c.refcount(e.Value()))
		}
	})
	if !found {
		c.w.Null()
	}
}

// refcount is what Redis's OBJECT REFCOUNT answers for v: its shared
// integer objects (used unless an LRU policy needs per-key clocks) report
// OBJ_SHARED_REFCOUNT, every other value 1.
func (c *client) refcount(v shard.Value) int64 {
	if v.Kind() == shard.KindString && !(c.srv.cfg.MaxMemory > 0 && c.srv.cfg.MaxMemoryPolicy == shard.AllKeysLRU) {
		if n, ok := parseInt(v.Bytes()); ok && n >= 0 && n < objSharedIntegers {
			return sharedRefcount
		}
	}
	return 1
}

// encodingOf names the representation Redis 7.0 would use for v, by the
// thresholds lim (the live *-max-listpack-* and set-max-intset-entries
// settings), a string by its mark (shard.Encoding): raw after APPEND,
// SETRANGE or a bit command, never int after INCRBYFLOAT. Redis never
// converts a collection back to its compact form, so a collection is
// judged by the most it has held (its Peak), against the thresholds now.
func encodingOf(v shard.Value, lim *EncodingLimits) string {
	switch v.Kind() {
	case shard.KindString:
		b := v.Bytes()
		if v.Encoding() == shard.EncodingRaw {
			return "raw"
		}
		if len(b) <= 20 && v.Encoding() == shard.EncodingAuto {
			if _, ok := parseInt(b); ok {
				return "int"
			}
		}
		if len(b) <= embstrSizeLimit {
			return "embstr"
		}
		return "raw"
	case shard.KindList:
		return "quicklist" // Redis 7.0 has no listpack lists
	case shard.KindHash:
		if n, size := v.Hash().Peak(); int64(n) > lim.HashEntries || int64(size) > lim.HashValue {
			return "hashtable"
		}
		return "listpack"
	case shard.KindSet:
		if n, mixed := v.Set().Peak(); mixed || int64(n) > lim.SetIntset {
			return "hashtable"
		}
		return "intset"
	case shard.KindZSet:
		if zsetIsListpack(v.ZSet(), lim) {
			return "listpack"
		}
		return "skiplist"
	}
	return v.Kind().String()
}

const (
	msgLCSNotString = "ERR The specified keys must contain string values"
	msgLCSIdxLen    = "ERR If you want both the length and indexes, please just use IDX."
	msgLCSMemory    = "ERR Insufficient memory, failed allocating transient memory for LCS"
)

// lcsMaxTable bounds the dynamic-programming table of LCS, in bytes. Redis
// allocates (len(a)+1)×(len(b)+1) 32-bit cells and answers an error when the
// allocation fails; we answer the same error past this bound rather than let
// two long strings take the server's memory.
const lcsMaxTable = 256 << 20

// cmdLCS implements LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len]
// [WITHMATCHLEN] as Redis 7.0's lcsCommand does, to the order of its
// checks and the ranges it reports. The strings are copied out under the
// lock and the O(len(a)×len(b)) table is built after it is released.
func cmdLCS(c *client, args [][]byte) {
	var a, b []byte
	wrong := false
	c.db.ViewMulti(args[1:3], c.now(), func(tx *shard.Tx) {
		va, vb := tx.Entry(args[1]).Value(), tx.Entry(args[2]).Value()
		if va.Kind() != shard.KindNone && va.Kind() != shard.KindString || vb.Kind() != shard.KindNone && vb.Kind() != shard.KindString {
			wrong = true
			return
		}
		a, b = append([]byte(nil), va.Bytes()...), append([]byte(nil), vb.Bytes()...)
	})
	if wrong {
		c.w.Error(msgLCSNotString)
		return
	}
	var getIdx, getLen, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(args); j++ {
		switch {
		case equalFold(args[j], "IDX"):
			getIdx = true
		case equalFold(args[j], "LEN"):
			getLen = true
		case equalFold(args[j], "WITHMATCHLEN"):
			withMatchLen = true
		case equalFold(args[j], "MINMATCHLEN") && j+1 < len(args):
			n, ok := parseInt(args[j+1])
			if !ok {
				c.w.Error(msgNotInteger)
				return
			}
			minMatchLen = max(n, 0)
			j++
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	if getIdx && getLen {
		c.w.Error(msgLCSIdxLen)
		return
	}
	alen, blen := len(a), len(b)
	if cells := uint64(alen+1) * uint64(blen+1); cells > lcsMaxTable/4 {
		c.w.Error(msgLCSMemory)
		return
	}
	stride := blen + 1
	dp := make([]uint32, (alen+1)*stride)
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			if a[i-1] == b[j-1] {
				dp[i*stride+j] = dp[(i-1)*stride+j-1] + 1
			} else {
				dp[i*stride+j] = max(dp[(i-1)*stride+j], dp[i*stride+j-1])
			}
		}
	}
	total := dp[alen*stride+blen]
	if getLen {
		c.w.Int(int64(total))
		return
	}
	// Walk back from the end as Redis does, collecting the LCS and the
	// ranges of contiguous matches (from the end of the strings).
	result := make([]byte, total)
	type match struct{ a0, a1, b0, b1 int }
	var ranges []match
	idx := int(total)
	aStart, aEnd, bStart, bEnd := alen, 0, 0, 0 // aStart == alen: no range open
	i, j := alen, blen
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if aStart == alen {
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			} else if aStart == i && bStart == j {
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if dp[(i-1)*stride+j] > dp[i*stride+j-1] {
				i--
			} else {
				j--
			}
			if aStart != alen {
				emit = true
			}
		}
		if emit {
			if matchLen := int64(aEnd - aStart + 1); minMatchLen == 0 || matchLen >= minMatchLen {
				ranges = append(ranges, match{aStart, aEnd, bStart, bEnd})
			}
			aStart = alen
		}
	}
	if !getIdx {
		c.w.Bulk(result)
		return
	}
	c.w.MapLen(2)
	c.w.BulkString("matches")
	c.w.ArrayLen(len(ranges))
	for _, r := range ranges {
		if withMatchLen {
			c.w.ArrayLen(3)
		} else {
			c.w.ArrayLen(2)
		}
		c.w.ArrayLen(2)
		c.w.Int(int64(r.a0))
		c.w.Int(int64(r.a1))
		c.w.ArrayLen(2)
		c.w.Int(int64(r.b0))
		c.w.Int(int64(r.b1))
		if withMatchLen {
			c.w.Int(int64(r.a1 - r.a0 + 1))
		}
	}
	c.w.BulkString("len")
	c.w.Int(int64(total))
}
