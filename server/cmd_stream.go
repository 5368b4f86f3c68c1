package server

import (
	"fmt"
	"math"
	"time"

	"github.com/miniredis/miniredis/shard"
)

// The stream commands, as Redis 7.0's t_stream.c: argument checks in its
// order, its error texts, its reply shapes in RESP2 and RESP3.

const (
	msgStreamID            = "ERR Invalid stream ID specified as stream command argument"
	msgStreamStartInterval = "ERR invalid start ID for the interval"
	msgStreamEndInterval   = "ERR invalid end ID for the interval"
	msgXAddZero            = "ERR The ID specified in XADD must be greater than 0-0"
	msgXAddSmaller         = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	msgXAddExhausted       = "ERR The stream has exhausted the last possible ID, unable to add more items"
	msgXAddTooLarge        = "ERR Elements are too large to be stored"
	msgTrimBoth            = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
	msgTrimMaxlen          = "ERR The MAXLEN argument must be >= 0."
	msgTrimLimit           = "ERR The LIMIT argument must be >= 0."
	msgTrimLimitNoStrategy = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
	msgTrimNoStrategy      = "ERR syntax error, XTRIM must be called with a trimming strategy"
	msgTrimLimitNoApprox   = "ERR syntax error, LIMIT cannot be used without the special ~ option"
	msgXReadGroupOption    = "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
	msgXReadNoAck          = "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
	msgXReadUnbalanced     = "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
	msgXReadMissingGroup   = "ERR Missing GROUP option for XREADGROUP"
	msgXReadDollar         = "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
	msgXReadGT             = "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."
	msgXReadNoGroup        = "NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with GROUP option"
	msgXReadScriptBlock    = "ERR %s command is not allowed with BLOCK option from scripts"
	msgXReadGroupGone      = "NOGROUP the consumer group this client was blocked on no longer exists"
	msgXReadKeyGone        = "UNBLOCKED the stream key no longer exists"
	msgNoGroupKey          = "NOGROUP No such key '%s' or consumer group '%s'"
	msgNoGroupForKey       = "NOGROUP No such consumer group '%s' for key name '%s'"
	msgXGroupNoKey         = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
	msgXGroupEntriesRead   = "ERR value for ENTRIESREAD must be positive or -1"
	msgBusyGroup           = "BUSYGROUP Consumer Group name already exists"
	msgSubSyntax           = "ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP."
	msgXClaimMinIdle       = "ERR Invalid min-idle-time argument for XCLAIM"
	msgXClaimIdle          = "ERR Invalid IDLE option argument for XCLAIM"
	msgXClaimTime          = "ERR Invalid TIME option argument for XCLAIM"
	msgXClaimRetry         = "ERR Invalid RETRYCOUNT option argument for XCLAIM"
	msgXClaimOption        = "ERR Unrecognized XCLAIM option '%s'"
	msgXAutoClaimMinIdle   = "ERR Invalid min-idle-time argument for XAUTOCLAIM"
	msgXAutoClaimCount     = "ERR COUNT must be > 0"
	msgXSetIDAdded         = "ERR entries_added must be positive"
	msgXSetIDMaxDel        = "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
	msgXSetIDTop           = "ERR The ID specified in XSETID is smaller than the target stream top item"
	msgXSetIDAddedLen      = "ERR The entries_added specified in XSETID is smaller than the target stream length"
)

// xreadBlockedCount is how many entries a blocked XREAD without COUNT gets
// (Redis's XREAD_BLOCKED_DEFAULT_COUNT).
const xreadBlockedCount = 1000

// streamListpackMax is the largest entry Redis stores (its listpack limit).
const streamListpackMax = 1 << 30

// parseStreamUint parses a stream ID part as Redis's string2ull: a strict
// integer first (negative ones refused), then strtoull's looser rules
// (leading spaces, a sign, a negated value wrapping around).
func parseStreamUint(b []byte) (uint64, bool) {
	if n, ok := parseInt(b); ok {
		return uint64(n), n >= 0
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	if i == len(b) {
		return 0, false
	}
	var u uint64
	for ; i < len(b); i++ {
		d := b[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		if u > (math.MaxUint64-uint64(d-'0'))/10 {
			return 0, false // ERANGE
		}
		u = u*10 + uint64(d-'0')
	}
	if neg {
		u = -u
	}
	return u, true
}

// parseStreamID parses a stream ID argument as Redis's
// streamGenericParseIDOrReply: "-" and "+" (unless strict), "ms" with
// missingSeq as the sequence, "ms-seq", and "ms-*" when seqStar allows it
// (seqGiven is then false).
func parseStreamID(arg []byte, missingSeq uint64, strict, seqStar bool) (id shard.StreamID, seqGiven, ok bool) {
	if len(arg) > 127 {
		return id, false, false
	}
	b := cString(arg)
	if len(b) == 1 && (b[0] == '-' || b[0] == '+') {
		if strict {
			return id, false, false
		}
		if b[0] == '-' {
			return shard.StreamID{}, true, true
		}
		return shard.MaxStreamID, true, true
	}
	msPart, seqPart, dash := cutByte(b, '-')
	ms, ok := parseStreamUint(msPart)
	if !ok {
		return id, false, false
	}
	id.Ms, id.Seq = ms, missingSeq
	if !dash {
		return id, true, true
	}
	if seqStar && len(seqPart) == 1 && seqPart[0] == '*' {
		id.Seq = 0
		return id, false, true
	}
	if id.Seq, ok = parseStreamUint(seqPart); !ok {
		return id, false, false
	}
	return id, true, true
}

func cutByte(b []byte, sep byte) (before, after []byte, found bool) {
	for i, c := range b {
		if c == sep {
			return b[:i], b[i+1:], true
		}
	}
	return b, nil, false
}

// streamIDArg parses a strict ID (no "-" or "+"), writing the error on
// false.
func (c *client) streamIDArg(b []byte) (shard.StreamID, bool) {
	id, _, ok := parseStreamID(b, 0, true, false)
	if !ok {
		c.w.Error(msgStreamID)
	}
	return id, ok
}

// intervalID parses a range bound: "(" makes it exclusive (and strict),
// which start moves up and an end moves down, as XRANGE and XPENDING do.
func (c *client) intervalID(b []byte, missingSeq uint64, isStart bool) (shard.StreamID, bool) {
	var id shard.StreamID
	var ok bool
	excl := len(b) > 1 && b[0] == '('
	if excl {
		id, _, ok = parseStreamID(b[1:], missingSeq, true, false)
	} else {
		id, _, ok = parseStreamID(b, missingSeq, false, false)
	}
	if !ok {
		c.w.Error(msgStreamID)
		return id, false
	}
	if excl {
		if isStart {
			if id, ok = id.Next(); !ok {
				c.w.Error(msgStreamStartInterval)
			}
		} else if id, ok = id.Prev(); !ok {
			c.w.Error(msgStreamEndInterval)
		}
	}
	return id, ok
}

// writeID writes id as a bulk string.
func (c *client) writeID(id shard.StreamID) {
	var buf [48]byte
	c.w.Bulk(id.Append(buf[:0]))
}

// writeEntry writes an entry as [id, [field, value, ...]].
func (c *client) writeEntry(e shard.StreamEntry) {
	c.w.ArrayLen(2)
	c.writeID(e.ID())
	c.w.ArrayLen(2 * e.Pairs())
	e.Each(func(f, v []byte) {
		c.w.Bulk(f)
		c.w.Bulk(v)
	})
}

// writeEntryOrNull writes the live entry id, or a null when it is gone, and
// reports whether it was there.
func (c *client) writeEntryOrNull(s *shard.Stream, id shard.StreamID) bool {
	if e, ok := s.Get(id); ok {
		c.writeEntry(e)
		return true
	}
	c.w.Null()
	return false
}

// writeRange writes the entries from start to end (at most count, 0 for
// all) as an array, collected first since the count is not known ahead.
func (c *client) writeRange(s *shard.Stream, start, end shard.StreamID, rev bool, count int64) int {
	n := 0
	s.Range(start, end, rev, func(shard.StreamEntry) bool {
		n++
		return count <= 0 || int64(n) < count
	})
	c.w.ArrayLen(n)
	i := 0
	s.Range(start, end, rev, func(e shard.StreamEntry) bool {
		c.writeEntry(e)
		i++
		return i < n
	})
	return n
}

// streamView runs fn with the stream at key, writes WRONGTYPE for another
// kind, and reports false for a missing key (the caller replies).
func (c *client) streamView(key []byte, fn func(s *shard.Stream)) bool {
	return c.viewKind(key, shard.KindStream, func(v shard.Value) { fn(v.Stream()) })
}

// cmdXLen implements XLEN key.
func cmdXLen(c *client, args [][]byte) {
	if !c.streamView(args[1], func(s *shard.Stream) { c.w.Int(int64(s.Len())) }) {
		c.w.Int(0)
	}
}

func cmdXRange(c *client, args [][]byte)    { c.xrange(args, false) }
func cmdXRevRange(c *client, args [][]byte) { c.xrange(args, true) }

// xrange implements XRANGE key start end [COUNT n] and XREVRANGE key end
// start [COUNT n].
func (c *client) xrange(args [][]byte, rev bool) {
	startArg, endArg := args[2], args[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, ok := c.intervalID(startArg, 0, true)
	if !ok {
		return
	}
	end, ok := c.intervalID(endArg, math.MaxUint64, false)
	if !ok {
		return
	}
	count := int64(-1)
	for j := 4; j < len(args); j++ {
		if equalFold(args[j], "COUNT") && j+1 < len(args) {
			n, ok := parseInt(args[j+1])
			if !ok {
				c.w.Error(msgNotInteger)
				return
			}
			count = max(n, 0)
			j++
			continue
		}
		c.w.Error(msgSyntax)
		return
	}
	if !c.streamView(args[1], func(s *shard.Stream) {
		if count == 0 {
			c.w.NullArray()
			return
		}
		c.writeRange(s, start, end, rev, count)
	}) {
		c.w.ArrayLen(0)
	}
}

// trimArgs are the trimming options of XADD and XTRIM.
type trimArgs struct {
	byID    bool // MINID rather than MAXLEN
	strat   bool // a strategy was given
	maxLen  int64
	minID   shard.StreamID
	approx  bool
	limit   int64
	noMk    bool
	id      shard.StreamID
	idGiven bool
	seqGiv  bool
}

// parseTrim parses the options of XADD (xadd) or XTRIM from args[2] on,
// as streamParseAddOrTrimArgsOrReply, and returns where XADD's ID is (-1
// after writing an error).
func (c *client) parseTrim(args [][]byte, xadd bool, t *trimArgs) int {
	i := 2
	limitGiven := false
	for ; i < len(args); i++ {
		more := len(args) - 1 - i
		opt := args[i]
		switch {
		case xadd && len(opt) == 1 && opt[0] == '*':
			goto done
		case (equalFold(opt, "MAXLEN") || equalFold(opt, "MINID")) && more > 0:
			if t.strat {
				c.w.Error(msgTrimBoth)
				return -1
			}
			byID := equalFold(opt, "MINID")
			t.approx = false
			if next := args[i+1]; more >= 2 && len(next) == 1 && (next[0] == '~' || next[0] == '=') {
				t.approx = next[0] == '~'
				i++
			}
			if byID {
				id, ok := c.streamIDArg(args[i+1])
				if !ok {
					return -1
				}
				t.minID = id
			} else {
				n, ok := parseInt(args[i+1])
				if !ok {
					c.w.Error(msgNotInteger)
					return -1
				}
				if n < 0 {
					c.w.Error(msgTrimMaxlen)
					return -1
				}
				t.maxLen = n
			}
			i++
			t.strat, t.byID = true, byID
		case equalFold(opt, "LIMIT") && more > 0:
			n, ok := parseInt(args[i+1])
			if !ok {
				c.w.Error(msgNotInteger)
				return -1
			}
			if n < 0 {
				c.w.Error(msgTrimLimit)
				return -1
			}
			t.limit, limitGiven = n, true
			i++
		case xadd && equalFold(opt, "NOMKSTREAM"):
			t.noMk = true
		case xadd:
			id, seqGiven, ok := parseStreamID(opt, 0, true, true)
			if !ok {
				c.w.Error(msgStreamID)
				return -1
			}
			t.id, t.idGiven, t.seqGiv = id, true, seqGiven
			goto done
		default:
			c.w.Error(msgSyntax)
			return -1
		}
	}
done:
	if t.limit != 0 && !t.strat {
		c.w.Error(msgTrimLimitNoStrategy)
		return -1
	}
	if !xadd && !t.strat {
		c.w.Error(msgTrimNoStrategy)
		return -1
	}
	switch {
	case limitGiven && !t.approx:
		c.w.Error(msgTrimLimitNoApprox)
		return -1
	case !limitGiven && t.approx:
		t.limit = 100 * 100 // 100 × stream-node-max-entries
	case !limitGiven:
		t.limit = 0
	}
	return i
}

func (t *trimArgs) trim(s *shard.Stream) int64 {
	if !t.strat {
		return 0
	}
	return s.Trim(t.byID, t.maxLen, t.minID, t.approx, t.limit)
}

// cmdXAdd implements XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold
// [LIMIT count]] *|id field value [field value ...].
func cmdXAdd(c *client, args [][]byte) {
	var t trimArgs
	idPos := c.parseTrim(args, true, &t)
	if idPos < 0 {
		return
	}
	var fields [][]byte
	if idPos+1 < len(args) {
		fields = args[idPos+1:]
	}
	if len(fields) < 2 || len(fields)%2 == 1 {
		c.w.Error(c.arityError(args))
		return
	}
	if t.idGiven && t.seqGiv && t.id.IsZero() {
		c.w.Error(msgXAddZero)
		return
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindStream) {
			return
		}
		s := e.Stream()
		if s == nil {
			if t.noMk {
				c.w.Null()
				return
			}
			s = shard.NewStream()
			e.SetStream(s, 0)
		}
		last := s.LastID()
		if last == shard.MaxStreamID {
			c.w.Error(msgXAddExhausted)
			return
		}
		var id shard.StreamID
		switch {
		case !t.idGiven:
			id, _ = s.NextID(uint64(max(c.now(), 0)))
		case t.seqGiv:
			id = t.id
		case last.Ms == t.id.Ms:
			if last.Seq == math.MaxUint64 {
				c.w.Error(msgXAddSmaller)
				return
			}
			id = shard.StreamID{Ms: last.Ms, Seq: last.Seq + 1}
		default:
			id = t.id
		}
		if id.Compare(last) <= 0 {
			c.w.Error(msgXAddSmaller)
			return
		}
		total := 0
		for _, f := range fields {
			total += len(f)
		}
		if total > streamListpackMax {
			c.w.Error(msgXAddTooLarge)
			return
		}
		s.Add(id, fields)
		c.writeID(id)
		t.trim(s)
		if c.logging() && !(t.idGiven && t.seqGiv) {
			// An ID the server chose is logged as the ID it chose.
			logged := append([][]byte(nil), args...)
			logged[idPos] = id.Append(nil)
			c.effect(logged...)
		}
	})
}

// cmdXTrim implements XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count].
func cmdXTrim(c *client, args [][]byte) {
	var t trimArgs
	if c.parseTrim(args, false, &t) < 0 {
		return
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindStream) {
			return
		}
		s := e.Stream()
		if s == nil {
			c.w.Int(0)
			return
		}
		c.w.Int(t.trim(s))
	})
}

// cmdXDel implements XDEL key id [id ...]: the key first, then every ID
// parsed before any is deleted.
func cmdXDel(c *client, args [][]byte) {
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindStream) {
			return
		}
		s := e.Stream()
		if s == nil {
			c.w.Int(0)
			return
		}
		ids := make([]shard.StreamID, 0, len(args)-2)
		for _, a := range args[2:] {
			id, ok := c.streamIDArg(a)
			if !ok {
				return
			}
			ids = append(ids, id)
		}
		c.w.Int(int64(s.Delete(ids)))
	})
}

// xreadArgs is a parsed XREAD or XREADGROUP call.
type xreadArgs struct {
	group, consumer []byte
	count           int64
	block           bool
	timeout         time.Duration
	noAck           bool
	keys, idArgs    [][]byte
}

// xreadStreams returns where STREAMS's keys start in an XREAD or
// XREADGROUP call, walking the options as the command does; 0 when there
// is no STREAMS.
func xreadStreams(args [][]byte) int {
	for i := 1; i < len(args); i++ {
		more := len(args) - i - 1
		switch o := args[i]; {
		case (equalFold(o, "BLOCK") || equalFold(o, "COUNT")) && more > 0:
			i++
		case equalFold(o, "STREAMS") && more > 0:
			return i + 1
		case equalFold(o, "GROUP") && more >= 2:
			i += 2
		case equalFold(o, "NOACK"):
		default:
			return 0
		}
	}
	return 0
}

// xreadKeys finds the keys of XREAD and XREADGROUP: the first half of what
// follows STREAMS.
func xreadKeys(dst, args [][]byte) [][]byte {
	at := xreadStreams(args)
	if at == 0 || (len(args)-at)%2 != 0 {
		return dst
	}
	return append(dst, args[at:at+(len(args)-at)/2]...)
}

// parseXRead parses XREAD/XREADGROUP options as Redis's xreadCommand.
func (c *client) parseXRead(args [][]byte, group bool) (xreadArgs, bool) {
	var x xreadArgs
	streamsAt := 0
	for i := 1; i < len(args) && streamsAt == 0; i++ {
		more := len(args) - i - 1
		o := args[i]
		switch {
		case equalFold(o, "BLOCK") && more > 0:
			if c.conn == nil { // a script's client
				c.w.Error(fmt.Sprintf(msgXReadScriptBlock, args[0]))
				return x, false
			}
			i++
			ms, ok := parseInt(args[i])
			if !ok {
				c.w.Error(msgTimeout)
				return x, false
			}
			if ms < 0 {
				c.w.Error(msgTimeoutNegative)
				return x, false
			}
			x.block = true
			x.timeout = time.Duration(min(ms, math.MaxInt64/int64(time.Millisecond))) * time.Millisecond
		case equalFold(o, "COUNT") && more > 0:
			i++
			n, ok := parseInt(args[i])
			if !ok {
				c.w.Error(msgNotInteger)
				return x, false
			}
			x.count = max(n, 0)
		case equalFold(o, "STREAMS") && more > 0:
			streamsAt = i + 1
			if (len(args)-streamsAt)%2 != 0 {
				c.w.Error(msgXReadUnbalanced) // the same text for XREADGROUP in 7.0
				return x, false
			}
		case equalFold(o, "GROUP") && more >= 2:
			if !group {
				c.w.Error(msgXReadGroupOption)
				return x, false
			}
			x.group, x.consumer = args[i+1], args[i+2]
			i += 2
		case equalFold(o, "NOACK"):
			if !group {
				c.w.Error(msgXReadNoAck)
				return x, false
			}
			x.noAck = true
		default:
			c.w.Error(msgSyntax)
			return x, false
		}
	}
	if streamsAt == 0 {
		c.w.Error(msgSyntax)
		return x, false
	}
	if group && x.group == nil {
		c.w.Error(msgXReadMissingGroup)
		return x, false
	}
	n := (len(args) - streamsAt) / 2
	x.keys, x.idArgs = args[streamsAt:streamsAt+n], args[streamsAt+n:]
	return x, true
}

// newEntriesID marks a ">" in the IDs of an XREADGROUP.
var newEntriesID = shard.MaxStreamID

func cmdXRead(c *client, args [][]byte)      { c.xread(args, false) }
func cmdXReadGroup(c *client, args [][]byte) { c.xread(args, true) }

// xread implements XREAD [COUNT n] [BLOCK ms] STREAMS key [key ...] id [id
// ...] and XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS ....
func (c *client) xread(args [][]byte, group bool) {
	x, ok := c.parseXRead(args, group)
	if !ok {
		return
	}
	ids := make([]shard.StreamID, len(x.keys))
	served := false
	failed := false
	// XREAD only reads: read locks, and cursors that refuse writes.
	run := c.db.ViewMulti
	if group {
		run = c.db.UpdateMulti
	}
	run(x.keys, c.now(), func(tx *shard.Tx) {
		// Resolve every ID (and check types and groups) before any reply.
		for i, k := range x.keys {
			e := tx.Entry(k)
			if c.wrongKind(e, shard.KindStream) {
				failed = true
				return
			}
			s := e.Value().Stream()
			if group && (s == nil || s.Group(x.group) == nil) {
				c.w.Error(fmt.Sprintf(msgXReadNoGroup, k, x.group))
				failed = true
				return
			}
			a := x.idArgs[i]
			switch {
			case len(a) == 1 && a[0] == '$':
				if group {
					c.w.Error(msgXReadDollar)
					failed = true
					return
				}
				if s != nil {
					ids[i] = s.LastID()
				}
			case len(a) == 1 && a[0] == '>':
				if !group {
					c.w.Error(msgXReadGT)
					failed = true
					return
				}
				ids[i] = newEntriesID
			default:
				id, ok := c.streamIDArg(a)
				if !ok {
					failed = true
					return
				}
				ids[i] = id
			}
		}
		served = c.xreadNow(tx, &x, ids, group)
	})
	if failed || served {
		return
	}
	if !x.block {
		c.w.NullArray()
		return
	}
	count := x.count
	if count == 0 {
		count = xreadBlockedCount
	}
	c.blockOn(x.keys, x.timeout, !group, func(order [][]byte) bool {
		served := false
		run(x.keys, c.now(), func(tx *shard.Tx) {
			for _, k := range order {
				if served = c.xreadServe(tx, &x, k, ids[keyIndex(x.keys, k)], group, count); served {
					return
				}
			}
		})
		return served
	}, c.w.NullArray)
}

func keyIndex(keys [][]byte, k []byte) int {
	for i, kk := range keys {
		if string(kk) == string(k) {
			return i
		}
	}
	return -1
}

// xreadNow answers an XREAD/XREADGROUP at once when any of its streams has
// something for it, as xreadCommand's synchronous path, and reports whether
// it did. Each stream is checked after the previous ones were served (a
// stream named twice in an XREADGROUP is served once when the first read
// took everything), so the replies are written first and the header, whose
// length is known only then, goes in front of them.
func (c *client) xreadNow(tx *shard.Tx, x *xreadArgs, ids []shard.StreamID, group bool) bool {
	mark := c.w.Buffered()
	n := 0
	for i, k := range x.keys {
		e := tx.Entry(k)
		s := e.Value().Stream()
		if s == nil {
			continue
		}
		gt, history := ids[i], false
		switch {
		case group && gt != newEntriesID:
			history = true
		case group:
			if last := s.Group(x.group).LastID(); s.Len() > 0 && last.Less(s.LastValidID()) {
				gt = last
			} else {
				continue
			}
		case s.Len() == 0 || !gt.Less(s.LastValidID()):
			continue
		}
		n++
		if c.w.Proto() == 2 {
			c.w.ArrayLen(2)
		}
		c.w.Bulk(k)
		start, ok := gt.Next()
		if !ok {
			c.w.ArrayLen(0)
			continue
		}
		if !group {
			c.writeRange(s, start, shard.MaxStreamID, false, x.count)
			continue
		}
		s = e.Stream() // the store sees the group's changes
		g := s.Group(x.group)
		cons, _ := g.CreateConsumer(x.consumer, c.now())
		cons.SeenTime = c.now()
		if history {
			c.writeHistory(s, cons, start, x.count)
		} else {
			c.deliver(s, g, cons, start, x.count, x.noAck)
		}
	}
	if n == 0 {
		return false
	}
	body := append([]byte(nil), c.w.Pending()[mark:]...)
	c.w.Truncate(mark)
	if c.w.Proto() == 2 {
		c.w.ArrayLen(n)
	} else {
		c.w.MapLen(n)
	}
	c.w.Raw(body)
	return true
}

// xreadServe serves a blocked XREAD/XREADGROUP from key k, as Redis's
// serveClientsBlockedOnStreamKey: when the stream's last ID passed the one
// the client waits after (for a group, the group's last delivered ID). A
// vanished key or group ends an XREADGROUP's wait with an error.
func (c *client) xreadServe(tx *shard.Tx, x *xreadArgs, k []byte, gt shard.StreamID, group bool, count int64) bool {
	e := tx.Entry(k)
	if e.Kind() != shard.KindStream {
		if group {
			c.w.Error(msgXReadKeyGone)
			return true
		}
		return false
	}
	s := e.Value().Stream()
	var g *shard.StreamGroup
	if group {
		s = e.Stream()
		if g = s.Group(x.group); g == nil {
			c.w.Error(msgXReadGroupGone)
			return true
		}
		gt = g.LastID()
	}
	if !gt.Less(s.LastID()) {
		return false
	}
	start, _ := gt.Next()
	if c.w.Proto() == 2 {
		c.w.ArrayLen(1)
		c.w.ArrayLen(2)
	} else {
		c.w.MapLen(1)
	}
	c.w.Bulk(k)
	if !group {
		c.writeRange(s, start, shard.MaxStreamID, false, count)
		return true
	}
	cons, _ := g.CreateConsumer(x.consumer, c.now())
	cons.SeenTime = c.now()
	c.deliver(s, g, cons, start, count, x.noAck)
	return true
}

// deliver writes the entries from start on (at most count) to consumer
// cons of group g, moving the group's last ID and adding them to the
// pending lists unless noAck.
func (c *client) deliver(s *shard.Stream, g *shard.StreamGroup, cons *shard.StreamConsumer, start shard.StreamID, count int64, noAck bool) {
	var ids []shard.StreamID
	s.Range(start, shard.MaxStreamID, false, func(e shard.StreamEntry) bool {
		ids = append(ids, e.ID())
		return count <= 0 || int64(len(ids)) < count
	})
	c.w.ArrayLen(len(ids))
	now := c.now()
	for _, id := range ids {
		en, _ := s.Get(id)
		c.writeEntry(en)
		g.Delivered(id)
		if !noAck {
			g.Deliver(id, cons, now)
		}
	}
}

// writeHistory writes the consumer's pending entries from start on (at
// most count), counting a delivery for each entry still in the stream and
// writing [id, nil] for those deleted since.
func (c *client) writeHistory(s *shard.Stream, cons *shard.StreamConsumer, start shard.StreamID, count int64) {
	var ps []*shard.StreamPending
	cons.PendingRange(start, shard.MaxStreamID, func(p *shard.StreamPending) bool {
		ps = append(ps, p)
		return count <= 0 || int64(len(ps)) < count
	})
	c.w.ArrayLen(len(ps))
	now := c.now()
	for _, p := range ps {
		if e, ok := s.Get(p.ID); ok {
			c.writeEntry(e)
			p.DeliveryTime = now
			p.DeliveryCount++
			continue
		}
		c.w.ArrayLen(2)
		c.writeID(p.ID)
		c.w.NullArray()
	}
}

// cmdXAck implements XACK key group id [id ...].
func cmdXAck(c *client, args [][]byte) {
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindStream) {
			return
		}
		s := e.Stream()
		var g *shard.StreamGroup
		if s != nil {
			g = s.Group(args[2])
		}
		if g == nil {
			c.w.Int(0)
			return
		}
		ids := make([]shard.StreamID, 0, len(args)-3)
		for _, a := range args[3:] {
			id, ok := c.streamIDArg(a)
			if !ok {
				return
			}
			ids = append(ids, id)
		}
		n := 0
		for _, id := range ids {
			if g.Ack(id) {
				n++
			}
		}
		c.w.Int(int64(n))
	})
}

// cmdXGroup implements XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|
// DELCONSUMER|HELP.
func cmdXGroup(c *client, args [][]byte) {
	sub := args[1]
	var arity int
	switch {
	case equalFold(sub, "HELP"):
		arity = 2
	case equalFold(sub, "CREATE"), equalFold(sub, "SETID"):
		arity = -5
	case equalFold(sub, "DESTROY"):
		arity = 4
	case equalFold(sub, "CREATECONSUMER"), equalFold(sub, "DELCONSUMER"):
		arity = 5
	default:
		c.w.Error(fmt.Sprintf(msgUnknownSub, sub, "XGROUP"))
		return
	}
	if !arityOK(arity, len(args)) {
		subArityError(c, args[0], sub)
		return
	}
	if arity == 2 {
		c.writeHelp("XGROUP", xgroupHelp)
		return
	}
	subSyntax := func() { c.w.Error(fmt.Sprintf(msgSubSyntax, sub, "XGROUP")) }
	mkstream := false
	entriesRead := int64(-1)
	parseEntriesRead := func(b []byte) bool {
		n, ok := parseInt(b)
		if !ok {
			c.w.Error(msgNotInteger)
			return false
		}
		if n < 0 && n != -1 {
			c.w.Error(msgXGroupEntriesRead)
			return false
		}
		entriesRead = n
		return true
	}
	create, setid := equalFold(sub, "CREATE"), equalFold(sub, "SETID")
	switch {
	case create:
		for i := 5; i < len(args); {
			switch {
			case equalFold(args[i], "MKSTREAM"):
				mkstream = true
				i++
			case equalFold(args[i], "ENTRIESREAD") && i+1 < len(args):
				if !parseEntriesRead(args[i+1]) {
					return
				}
				i += 2
			default:
				subSyntax()
				return
			}
		}
	case setid:
		switch {
		case len(args) == 7 && equalFold(args[5], "ENTRIESREAD"):
			if !parseEntriesRead(args[6]) {
				return
			}
		case len(args) != 5:
			subSyntax()
			return
		}
	}
	key, name := args[2], args[3]
	c.db.Update(key, c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindStream) {
			return
		}
		s := e.Stream()
		var g *shard.StreamGroup
		if !mkstream {
			if s == nil {
				c.w.Error(msgXGroupNoKey)
				return
			}
			if g = s.Group(name); g == nil && !create && !equalFold(sub, "DESTROY") {
				c.w.Error(fmt.Sprintf(msgNoGroupForKey, name, key))
				return
			}
		}
		switch {
		case create && len(args) <= 8:
			var id shard.StreamID
			if a := args[4]; len(a) == 1 && a[0] == '$' {
				if s != nil {
					id = s.LastID()
				}
			} else {
				var ok bool
				if id, ok = c.streamIDArg(a); !ok {
					return
				}
			}
			if s == nil {
				s = shard.NewStream()
				e.SetStream(s, 0)
			}
			if !s.CreateGroup(name, id, entriesRead) {
				c.w.Error(msgBusyGroup)
				return
			}
			c.w.OK()
		case setid:
			var id shard.StreamID
			if a := args[4]; len(a) == 1 && a[0] == '$' {
				id = s.LastID()
			} else {
				var ok bool
				if id, _, ok = parseStreamID(a, 0, false, false); !ok {
					c.w.Error(msgStreamID)
					return
				}
			}
			g.SetID(id, entriesRead)
			c.w.OK()
		case equalFold(sub, "DESTROY"):
			if s != nil && s.DestroyGroup(name) {
				// Not a change WATCH sees, but the group's blocked
				// readers must hear of it (NOGROUP), as in Redis.
				c.srv.blocks.touched(c.db.Index(), key)
				c.w.Int(1)
				return
			}
			c.w.Int(0)
		case equalFold(sub, "CREATECONSUMER"):
			_, created := g.CreateConsumer(args[4], c.now())
			c.w.Int(b2i(created))
		case equalFold(sub, "DELCONSUMER"):
			n, _ := g.DeleteConsumer(args[4])
			c.w.Int(int64(n))
		default:
			subSyntax()
		}
	})
}

var xgroupHelp = []string{
	"CREATE <key> <groupname> <id|$> [option]",
	"    Create a new consumer group. Options are:",
	"    * MKSTREAM",
	"      Create the empty stream if it does not exist.",
	"    * ENTRIESREAD entries_read",
	"      Set the group's entries_read counter (internal use).",
	"CREATECONSUMER <key> <groupname> <consumer>",
	"    Create a new consumer in the specified group.",
	"DELCONSUMER <key> <groupname> <consumer>",
	"    Remove the specified consumer.",
	"DESTROY <key> <groupname>",
	"    Remove the specified group.",
	"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
	"    Set the current group ID and entries_read counter.",
	"HELP",
	"    Prints this help.",
}

var xinfoHelp = []string{
	"CONSUMERS <key> <groupname>",
	"    Show consumers of <groupname>.",
	"GROUPS <key>",
	"    Show the stream consumer groups.",
	"STREAM <key> [FULL [COUNT <count>]",
	"    Show information about the stream.",
	"HELP",
	"    Prints this help.",
}

// cmdXInfo implements XINFO STREAM key [FULL [COUNT n]], GROUPS key,
// CONSUMERS key group and HELP.
func cmdXInfo(c *client, args [][]byte) {
	sub := args[1]
	var arity int
	switch {
	case equalFold(sub, "HELP"):
		arity = 2
	case equalFold(sub, "STREAM"):
		arity = -3
	case equalFold(sub, "GROUPS"):
		arity = 3
	case equalFold(sub, "CONSUMERS"):
		arity = 4
	default:
		c.w.Error(fmt.Sprintf(msgUnknownSub, sub, "XINFO"))
		return
	}
	if !arityOK(arity, len(args)) {
		subArityError(c, args[0], sub)
		return
	}
	if arity == 2 {
		c.writeHelp("XINFO", xinfoHelp)
		return
	}
	if !c.streamView(args[2], func(s *shard.Stream) {
		switch {
		case equalFold(sub, "CONSUMERS"):
			g := s.Group(args[3])
			if g == nil {
				c.w.Error(fmt.Sprintf(msgNoGroupForKey, args[3], args[2]))
				return
			}
			now := c.now()
			c.w.ArrayLen(g.NumConsumers())
			g.Consumers(func(cons *shard.StreamConsumer) {
				c.w.MapLen(3)
				c.w.BulkString("name")
				c.w.BulkString(cons.Name())
				c.w.BulkString("pending")
				c.w.Int(int64(cons.Pending()))
				c.w.BulkString("idle")
				c.w.Int(max(now-cons.SeenTime, 0))
			})
		case equalFold(sub, "GROUPS"):
			c.w.ArrayLen(s.NumGroups())
			s.Groups(func(g *shard.StreamGroup) {
				c.w.MapLen(6)
				c.w.BulkString("name")
				c.w.BulkString(g.Name())
				c.w.BulkString("consumers")
				c.w.Int(int64(g.NumConsumers()))
				c.w.BulkString("pending")
				c.w.Int(int64(g.Pending()))
				c.w.BulkString("last-delivered-id")
				c.writeID(g.LastID())
				c.writeGroupCounters(g)
			})
		default:
			c.xinfoStream(s, sub, args[3:])
		}
	}) {
		c.w.Error(msgNoSuchKey)
	}
}

// writeGroupCounters writes a group's entries-read and lag fields.
func (c *client) writeGroupCounters(g *shard.StreamGroup) {
	c.w.BulkString("entries-read")
	if r := g.EntriesRead(); r != -1 {
		c.w.Int(r)
	} else {
		c.w.Null()
	}
	c.w.BulkString("lag")
	if lag, ok := g.Lag(); ok {
		c.w.Int(lag)
	} else {
		c.w.Null()
	}
}

// xinfoStream writes XINFO STREAM's reply; opts are the arguments after the
// key.
func (c *client) xinfoStream(s *shard.Stream, sub []byte, opts [][]byte) {
	full := len(opts) > 0
	count := int64(10)
	syntax := func() { c.w.Error(fmt.Sprintf(msgSubSyntax, sub, "XINFO")) }
	switch {
	case !full:
	case !equalFold(opts[0], "FULL"):
		syntax()
		return
	case len(opts) == 3:
		if !equalFold(opts[1], "COUNT") {
			syntax()
			return
		}
		n, ok := parseInt(opts[2])
		if !ok {
			c.w.Error(msgNotInteger)
			return
		}
		count = n
		if n < 0 {
			count = 10
		}
	case len(opts) != 1:
		syntax()
		return
	}
	if full {
		c.w.MapLen(9)
	} else {
		c.w.MapLen(10)
	}
	c.w.BulkString("length")
	c.w.Int(int64(s.Len()))
	c.w.BulkString("radix-tree-keys")
	c.w.Int(int64(s.Nodes()))
	c.w.BulkString("radix-tree-nodes")
	c.w.Int(radixNodes(s))
	c.w.BulkString("last-generated-id")
	c.writeID(s.LastID())
	c.w.BulkString("max-deleted-entry-id")
	c.writeID(s.MaxDeletedID())
	c.w.BulkString("entries-added")
	c.w.Int(int64(s.EntriesAdded()))
	c.w.BulkString("recorded-first-entry-id")
	c.writeID(s.FirstID())
	if !full {
		c.w.BulkString("groups")
		c.w.Int(int64(s.NumGroups()))
		for _, rev := range []bool{false, true} {
			if rev {
				c.w.BulkString("last-entry")
			} else {
				c.w.BulkString("first-entry")
			}
			found := false
			s.Range(shard.StreamID{}, shard.MaxStreamID, rev, func(e shard.StreamEntry) bool {
				c.writeEntry(e)
				found = true
				return false
			})
			if !found {
				c.w.Null()
			}
		}
		return
	}
	c.w.BulkString("entries")
	c.writeRange(s, shard.StreamID{}, shard.MaxStreamID, false, count)
	c.w.BulkString("groups")
	c.w.ArrayLen(s.NumGroups())
	limit := func(n int) int {
		if count > 0 {
			return int(min(int64(n), count))
		}
		return n
	}
	s.Groups(func(g *shard.StreamGroup) {
		c.w.MapLen(7)
		c.w.BulkString("name")
		c.w.BulkString(g.Name())
		c.w.BulkString("last-delivered-id")
		c.writeID(g.LastID())
		c.writeGroupCounters(g)
		c.w.BulkString("pel-count")
		c.w.Int(int64(g.Pending()))
		c.w.BulkString("pending")
		c.writePEL(limit(g.Pending()), g.PendingRange, true)
		c.w.BulkString("consumers")
		c.w.ArrayLen(g.NumConsumers())
		g.Consumers(func(cons *shard.StreamConsumer) {
			c.w.MapLen(4)
			c.w.BulkString("name")
			c.w.BulkString(cons.Name())
			c.w.BulkString("seen-time")
			c.w.Int(cons.SeenTime)
			c.w.BulkString("pel-count")
			c.w.Int(int64(cons.Pending()))
			c.w.BulkString("pending")
			c.writePEL(limit(cons.Pending()), cons.PendingRange, false)
		})
	})
}

// radixNodes stands in for XINFO's radix-tree-nodes, the node count of
// Redis's radix tree, which depends on how the 128-bit keys share
// prefixes: there is no radix tree here, so it reports one more than the
// stream's nodes, what Redis reports for a small stream.
func radixNodes(s *shard.Stream) int64 { return int64(s.Nodes()) + 1 }

// groupOrError returns the group of an XPENDING/XCLAIM/XAUTOCLAIM call,
// writing NOGROUP when the key or the group is missing.
func (c *client) groupOrError(e *shard.Entry, key, name []byte) (*shard.Stream, *shard.StreamGroup) {
	if c.wrongKind(e, shard.KindStream) {
		return nil, nil
	}
	s := e.Stream()
	if s != nil {
		if g := s.Group(name); g != nil {
			return s, g
		}
	}
	c.w.Error(fmt.Sprintf(msgNoGroupKey, key, name))
	return nil, nil
}

// cmdXPending implements XPENDING key group [[IDLE min-idle-time] start end
// count [consumer]].
func cmdXPending(c *client, args [][]byte) {
	if len(args) != 3 && (len(args) < 6 || len(args) > 9) {
		c.w.Error(msgSyntax)
		return
	}
	var start, end shard.StreamID
	var count, minIdle int64
	var consumer []byte
	if len(args) >= 6 {
		at := 3
		if equalFold(args[3], "IDLE") {
			n, ok := parseInt(args[4])
			if !ok {
				c.w.Error(msgNotInteger)
				return
			}
			minIdle = n
			if len(args) < 8 {
				c.w.Error(msgSyntax)
				return
			}
			at += 2
		}
		n, ok := parseInt(args[at+2])
		if !ok {
			c.w.Error(msgNotInteger)
			return
		}
		count = max(n, 0)
		if start, ok = c.intervalID(args[at], 0, true); !ok {
			return
		}
		if end, ok = c.intervalID(args[at+1], math.MaxUint64, false); !ok {
			return
		}
		if at+3 < len(args) {
			consumer = args[at+3]
		}
	}
	found := c.db.View(args[1], c.now(), func(v shard.Value) {
		if v.Kind() != shard.KindStream {
			c.w.Error(msgWrongType)
			return
		}
		g := v.Stream().Group(args[2])
		if g == nil {
			c.w.Error(fmt.Sprintf(msgNoGroupKey, args[1], args[2]))
			return
		}
		if len(args) == 3 {
			c.w.ArrayLen(4)
			c.w.Int(int64(g.Pending()))
			if g.Pending() == 0 {
				c.w.Null()
				c.w.Null()
				c.w.NullArray()
				return
			}
			first, last := g.PendingEdges()
			c.writeID(first)
			c.writeID(last)
			n := 0
			g.Consumers(func(cons *shard.StreamConsumer) {
				if cons.Pending() > 0 {
					n++
				}
			})
			c.w.ArrayLen(n)
			g.Consumers(func(cons *shard.StreamConsumer) {
				if cons.Pending() > 0 {
					c.w.ArrayLen(2)
					c.w.BulkString(cons.Name())
					c.w.BulkString(fmt.Sprint(cons.Pending()))
				}
			})
			return
		}
		rangeFn := g.PendingRange
		if consumer != nil {
			cons := g.Consumer(consumer)
			if cons == nil {
				c.w.ArrayLen(0)
				return
			}
			rangeFn = cons.PendingRange
		}
		now := c.now()
		var ps []*shard.StreamPending
		if count > 0 {
			rangeFn(start, end, func(p *shard.StreamPending) bool {
				if minIdle != 0 && now-p.DeliveryTime < minIdle {
					return true
				}
				ps = append(ps, p)
				return int64(len(ps)) < count
			})
		}
		c.w.ArrayLen(len(ps))
		for _, p := range ps {
			c.w.ArrayLen(4)
			c.writeID(p.ID)
			c.w.BulkString(p.Consumer().Name())
			c.w.Int(max(now-p.DeliveryTime, 0))
			c.w.Int(int64(p.DeliveryCount))
		}
	})
	if !found {
		c.w.Error(fmt.Sprintf(msgNoGroupKey, args[1], args[2]))
	}
}

// cmdXClaim implements XCLAIM key group consumer min-idle-time id [id ...]
// [IDLE ms] [TIME unix-ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id].
func cmdXClaim(c *client, args [][]byte) {
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		s, g := c.groupOrError(e, args[1], args[2])
		if g == nil {
			return
		}
		minIdle, ok := parseInt(args[4])
		if !ok {
			c.w.Error(msgXClaimMinIdle)
			return
		}
		minIdle = max(minIdle, 0)
		j := 5
		var ids []shard.StreamID
		for ; j < len(args); j++ {
			id, _, ok := parseStreamID(args[j], 0, true, false)
			if !ok {
				break
			}
			ids = append(ids, id)
		}
		now := c.now()
		deliveryTime, retryCount := int64(-1), int64(-1)
		force, justID := false, false
		var lastID shard.StreamID
		for ; j < len(args); j++ {
			more := len(args) - 1 - j
			o := args[j]
			switch {
			case equalFold(o, "FORCE"):
				force = true
			case equalFold(o, "JUSTID"):
				justID = true
			case equalFold(o, "IDLE") && more > 0:
				j++
				n, ok := parseInt(args[j])
				if !ok {
					c.w.Error(msgXClaimIdle)
					return
				}
				deliveryTime = now - n
			case equalFold(o, "TIME") && more > 0:
				j++
				n, ok := parseInt(args[j])
				if !ok {
					c.w.Error(msgXClaimTime)
					return
				}
				deliveryTime = n
			case equalFold(o, "RETRYCOUNT") && more > 0:
				j++
				n, ok := parseInt(args[j])
				if !ok {
					c.w.Error(msgXClaimRetry)
					return
				}
				retryCount = n
			case equalFold(o, "LASTID") && more > 0:
				j++
				id, ok := c.streamIDArg(args[j])
				if !ok {
					return
				}
				lastID = id
			default:
				c.w.Error(fmt.Sprintf(msgXClaimOption, cString(o)))
				return
			}
		}
		if g.LastID().Less(lastID) {
			g.SetID(lastID, g.EntriesRead())
		}
		if deliveryTime < 0 || deliveryTime > now {
			deliveryTime = now
		}
		var cons *shard.StreamConsumer
		var claimed []*shard.StreamPending
		for _, id := range ids {
			p := g.PendingEntry(id)
			if _, ok := s.Get(id); !ok {
				if p != nil {
					g.Ack(id)
				}
				continue
			}
			fresh := false
			if force && p == nil {
				fresh = true
			}
			if p == nil && !fresh {
				continue
			}
			if !fresh && minIdle > 0 && now-p.DeliveryTime < minIdle {
				continue
			}
			if cons == nil {
				cons, _ = g.CreateConsumer(args[3], now)
				cons.SeenTime = now
			}
			if fresh {
				p = g.AddPending(id, cons, now)
			} else {
				g.Claim(p, cons)
			}
			p.DeliveryTime = deliveryTime
			switch {
			case retryCount >= 0:
				p.DeliveryCount = uint64(retryCount)
			case !justID:
				p.DeliveryCount++
			}
			claimed = append(claimed, p)
		}
		c.w.ArrayLen(len(claimed))
		for _, p := range claimed {
			if justID {
				c.writeID(p.ID)
			} else {
				c.writeEntryOrNull(s, p.ID)
			}
		}
	})
}

// cmdXAutoClaim implements XAUTOCLAIM key group consumer min-idle-time
// start [COUNT count] [JUSTID].
func cmdXAutoClaim(c *client, args [][]byte) {
	minIdle, ok := parseInt(args[4])
	if !ok {
		c.w.Error(msgXAutoClaimMinIdle)
		return
	}
	minIdle = max(minIdle, 0)
	start, ok := c.intervalID(args[5], 0, true)
	if !ok {
		return
	}
	count := int64(100)
	justID := false
	for j := 6; j < len(args); j++ {
		more := len(args) - 1 - j
		switch o := args[j]; {
		case equalFold(o, "COUNT") && more > 0:
			n, ok := parseInt(args[j+1])
			if !ok || n < 1 || n > math.MaxInt64/16 {
				c.w.Error(msgXAutoClaimCount)
				return
			}
			count = n
			j++
		case equalFold(o, "JUSTID"):
			justID = true
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		s, g := c.groupOrError(e, args[1], args[2])
		if g == nil {
			return
		}
		attempts := count * 10
		now := c.now()
		var cons *shard.StreamConsumer
		var claimed []*shard.StreamPending
		var deleted []shard.StreamID
		next := shard.StreamID{}
		stopped := false
		g.PendingRange(start, shard.MaxStreamID, func(p *shard.StreamPending) bool {
			if attempts == 0 || count == 0 {
				next, stopped = p.ID, true
				return false
			}
			attempts--
			if _, ok := s.Get(p.ID); !ok {
				g.Ack(p.ID)
				deleted = append(deleted, p.ID)
				count--
				return true
			}
			if minIdle > 0 && now-p.DeliveryTime < minIdle {
				return true
			}
			if cons == nil {
				cons, _ = g.CreateConsumer(args[3], now)
				cons.SeenTime = now
			}
			g.Claim(p, cons)
			p.DeliveryTime = now
			if !justID {
				p.DeliveryCount++
			}
			claimed = append(claimed, p)
			count--
			return true
		})
		if !stopped {
			next = shard.StreamID{}
		}
		c.w.ArrayLen(3)
		c.writeID(next)
		c.w.ArrayLen(len(claimed))
		for _, p := range claimed {
			if justID {
				c.writeID(p.ID)
			} else {
				c.writeEntryOrNull(s, p.ID)
			}
		}
		c.w.ArrayLen(len(deleted))
		for _, id := range deleted {
			c.writeID(id)
		}
	})
}

// cmdXSetID implements XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID
// id].
func cmdXSetID(c *client, args [][]byte) {
	id, ok := c.streamIDArg(args[2])
	if !ok {
		return
	}
	added := int64(-1)
	var maxDel shard.StreamID
	for i := 3; i < len(args); i += 2 {
		more := len(args) - 1 - i
		switch o := args[i]; {
		case equalFold(o, "ENTRIESADDED") && more > 0:
			n, ok := parseInt(args[i+1])
			if !ok {
				c.w.Error(msgNotInteger)
				return
			}
			if n < 0 {
				c.w.Error(msgXSetIDAdded)
				return
			}
			added = n
		case equalFold(o, "MAXDELETEDID") && more > 0:
			if maxDel, ok = c.streamIDArg(args[i+1]); !ok {
				return
			}
			if id.Less(maxDel) {
				c.w.Error(msgXSetIDMaxDel)
				return
			}
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if e.Kind() == shard.KindNone {
			c.w.Error(msgNoSuchKey)
			return
		}
		if c.wrongKind(e, shard.KindStream) {
			return
		}
		s := e.Stream()
		if s.Len() > 0 {
			if id.Less(s.LastValidID()) {
				c.w.Error(msgXSetIDTop)
				return
			}
			if added != -1 && int64(s.Len()) > added {
				c.w.Error(msgXSetIDAddedLen)
				return
			}
		}
		newAdded := s.EntriesAdded()
		if added != -1 {
			newAdded = uint64(added)
		}
		newMax := s.MaxDeletedID()
		if !maxDel.IsZero() {
			newMax = maxDel
		}
		s.SetMeta(id, newAdded, newMax)
		c.w.OK()
	})
}

// writePEL writes XINFO STREAM FULL's pending list: the first n entries
// walk yields, each its ID, its consumer's name when withConsumer (a
// group's list), its delivery time and count.
func (c *client) writePEL(n int, walk func(start, end shard.StreamID, fn func(p *shard.StreamPending) bool), withConsumer bool) {
	c.w.ArrayLen(n)
	i := 0
	walk(shard.StreamID{}, shard.MaxStreamID, func(p *shard.StreamPending) bool {
		if i == n {
			return false
		}
		i++
		if withConsumer {
			c.w.ArrayLen(4)
			c.writeID(p.ID)
			c.w.BulkString(p.Consumer().Name())
		} else {
			c.w.ArrayLen(3)
			c.writeID(p.ID)
		}
		c.w.Int(p.DeliveryTime)
		c.w.Int(int64(p.DeliveryCount))
		return true
	})
}
