package server

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
)

// Differential tests for the stream commands against redis-server, in
// RESP2 and RESP3. Replies that carry clocks (idle times, delivery and
// seen times) or Redis's radix-tree node count are compared with those
// values masked (sm); everything else byte for byte.

// sm is a stream command whose reply is compared with its time-dependent
// values masked.
func sm(args ...string) diffCmd { return diffCmd{cmpMasked, args} }

// cmpMasked compares replies after maskStream.
const cmpMasked cmpMode = 100

// maskedFields are the map keys whose values maskStream hides.
var maskedFields = map[string]bool{"radix-tree-nodes": true, "idle": true, "seen-time": true}

// maskStream hides what differs between two servers by the clock alone:
// values of maskedFields (as map entries, or key-value pairs in a RESP2
// array), unix-ms timestamps, and the idle time of XPENDING's entries.
func maskStream(r redistest.Reply, xpending bool) redistest.Reply {
	if r.Kind == redistest.Integer && r.Int > 1e12 {
		return redistest.Reply{Kind: redistest.Simple, Str: "<time>"}
	}
	if len(r.Elems) == 0 {
		return r
	}
	out := r
	out.Elems = make([]redistest.Reply, len(r.Elems))
	for i, e := range r.Elems {
		out.Elems[i] = maskStream(e, xpending)
	}
	for i := 0; i+1 < len(out.Elems); i++ {
		if e := out.Elems[i]; e.Kind == redistest.Bulk && maskedFields[e.Str] {
			out.Elems[i+1] = redistest.Reply{Kind: redistest.Simple, Str: "<masked>"}
		}
	}
	if xpending && len(out.Elems) == 4 && out.Elems[0].Kind == redistest.Bulk && out.Elems[2].Kind == redistest.Integer {
		out.Elems[2] = redistest.Reply{Kind: redistest.Simple, Str: "<idle>"}
	}
	return out
}

// runStreamDiff is runDiff with cmpMasked understood.
func runStreamDiff(t *testing.T, p *redistest.Pair, cmds []diffCmd) {
	t.Helper()
	for _, dc := range cmds {
		if dc.mode != cmpMasked {
			runDiff(t, p, []diffCmd{dc})
			continue
		}
		want, err := p.Redis.Do(dc.args...)
		if err != nil {
			t.Fatalf("redis-server: %q: %v", dc.args, err)
		}
		got, err := p.Mini.Do(dc.args...)
		if err != nil {
			t.Fatalf("miniredis: %q: %v", dc.args, err)
		}
		xp := equalFold([]byte(dc.args[0]), "XPENDING")
		if w, g := maskStream(want, xp), maskStream(got, xp); w.String() != g.String() {
			t.Errorf("%q:\n  redis-server: %v\n  miniredis:    %v", dc.args, want, got)
		}
	}
}

// streamScript covers every stream command, its options, its errors in
// Redis's order of checks, and WRONGTYPE and arity.
var streamScript = []diffCmd{
	// XADD: IDs, errors, NOMKSTREAM, trimming
	x("XADD", "s", "1-1", "a", "1"), x("XADD", "s", "1-1", "a", "1"), x("XADD", "s", "1-0", "a", "1"), x("XADD", "s", "1", "a", "1"),
	x("XADD", "s", "1-*", "b", "2"), x("XADD", "s", "2-*", "a", "1", "b", "2"), x("XADD", "s", "2-5", "c", "3"), x("XADD", "s", "3", "a", "1"),
	x("XADD", "s", "0-0", "a", "1"), x("XADD", "s", "0", "a", "1"), x("XADD", "s", "0-*", "a", "1"), x("XADD", "new", "0-*", "a", "1"),
	x("XADD", "new", "0-*", "a", "1"), x("XADD", "s", "x", "a", "1"), x("XADD", "s", "1-x", "a", "1"), x("XADD", "s", "-1", "a", "1"),
	x("XADD", "s", "18446744073709551616", "a", "1"), x("XADD", "s", " 10", "a", "1"), x("XADD", "s", "+11", "a", "1"),
	x("XADD", "s", "12-", "a", "1"), x("XADD", "s", "-", "a", "1"), x("XADD", "s", "+", "a", "1"), x("XADD", "s", "*-1", "a", "1"),
	x("XADD", "s", "13-1-1", "a", "1"), x("XADD", "s", "0x10", "a", "1"), x("XADD", "s", "14-+2", "a", "1"),
	x("XADD", "s", "20", "a"), x("XADD", "s", "20", "a", "1", "b"), x("XADD", "s"), x("XADD", "s", "20"),
	x("XADD", "nos", "NOMKSTREAM", "1-1", "a", "1"), x("EXISTS", "nos"), x("XADD", "s", "nomkstream", "21", "a", "1"),
	x("XADD", "s", "MAXLEN", "x", "30", "a", "1"), x("XADD", "s", "MAXLEN", "-1", "30", "a", "1"), x("XADD", "s", "MAXLEN"),
	x("XADD", "s", "MAXLEN", "~"), x("XADD", "s", "MAXLEN", "~", "5"), x("XADD", "s", "MAXLEN", "5", "MINID", "1", "30", "a", "1"),
	x("XADD", "s", "LIMIT", "5", "30", "a", "1"), x("XADD", "s", "LIMIT", "0", "30", "a", "1"), x("XADD", "s", "MAXLEN", "5", "LIMIT", "5", "30", "a", "1"),
	x("XADD", "s", "MAXLEN", "~", "5", "LIMIT", "-1", "30", "a", "1"), x("XADD", "s", "MAXLEN", "~", "5", "LIMIT", "x", "30", "a", "1"),
	x("XADD", "s", "MINID", "x", "30", "a", "1"), x("XADD", "s", "MINID", "-", "30", "a", "1"), x("XADD", "s", "MINID", "3-*", "30", "a", "1"),
	x("XADD", "s", "FOO", "30", "a", "1"), x("XADD", "s", "MAXLEN", "=", "100", "30", "a", "1"), x("XLEN", "s"),
	x("XADD", "s", "MAXLEN", "~", "2", "31", "a", "1"), x("XLEN", "s"), x("XADD", "s", "MAXLEN", "=", "5", "32", "a", "1"), x("XLEN", "s"),
	x("XADD", "s", "MINID", "21", "33", "a", "1"), x("XRANGE", "s", "-", "+"), x("XADD", "s", "maxlen", "0", "34", "a", "1"), x("XLEN", "s"),
	x("XADD", "s", "18446744073709551615-18446744073709551615", "a", "1"), x("XADD", "s", "18446744073709551615-*", "a", "1"),
	x("XADD", "max", "18446744073709551615-18446744073709551614", "a", "1"), x("XADD", "max", "18446744073709551615-*", "a", "1"),
	x("XADD", "max", "18446744073709551615-*", "a", "1"), x("DEL", "max", "new"),
	// XRANGE / XREVRANGE / XLEN
	x("DEL", "s"), x("XADD", "s", "1-1", "f", "v1"), x("XADD", "s", "1-2", "f", "v2", "g", "w"), x("XADD", "s", "2-0", "f", "v3"),
	x("XADD", "s", "5-0", "g", "v4"), x("XADD", "s", "5-1", "", ""),
	x("XRANGE", "s", "-", "+"), x("XRANGE", "s", "1", "2"), x("XRANGE", "s", "1-2", "+"), x("XRANGE", "s", "(1-1", "+"), x("XRANGE", "s", "-", "(5-0"),
	x("XRANGE", "s", "(-", "+"), x("XRANGE", "s", "-", "(+"), x("XRANGE", "s", "(0-0", "+"), x("XRANGE", "s", "-", "(0-0"), x("XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"),
	x("XRANGE", "s", "(1", "5"), x("XRANGE", "s", "(", "+"), x("XRANGE", "s", "5", "1"), x("XRANGE", "s", "-", "+", "COUNT", "2"),
	x("XRANGE", "s", "-", "+", "COUNT", "0"), x("XRANGE", "s", "-", "+", "COUNT", "-1"), x("XRANGE", "s", "-", "+", "COUNT", "x"),
	x("XRANGE", "s", "-", "+", "COUNT"), x("XRANGE", "s", "-", "+", "FOO", "1"), x("XRANGE", "s", "-", "+", "COUNT", "1", "COUNT", "3"),
	x("XRANGE", "nos", "-", "+"), x("XRANGE", "nos", "-", "+", "COUNT", "0"), x("XRANGE", "nos", "x", "+"), x("XRANGE", "s", "x", "+"), x("XRANGE", "s", "-", "x"),
	x("XREVRANGE", "s", "+", "-"), x("XREVRANGE", "s", "+", "-", "COUNT", "2"), x("XREVRANGE", "s", "(5-1", "(1-1"), x("XREVRANGE", "s", "5", "1-2"),
	x("XREVRANGE", "s", "-", "+"), x("XREVRANGE", "s", "+", "-", "COUNT", "0"), x("XREVRANGE", "s", "+", "(+"), x("XREVRANGE", "s", "(-", "-"),
	x("XLEN", "s"), x("XLEN", "nos"), x("XRANGE", "s", "-"), x("XLEN"),
	// C's view of the arguments: strtoull's negation, a NUL ending the ID
	x("XRANGE", "s", "-18446744073709551615", "+"), x("XRANGE", "s", "2\x00junk", "+"), x("XRANGE", "s", "-", "1-\x00"),
	x("XRANGE", "s", "\t1", "+"), x("XRANGE", "s", "1- 2", "+"), x("XRANGE", "s", "-0", "+"), x("XRANGE", "s", "00001-0002", "+"),
	// XDEL / XTRIM
	x("XDEL", "s", "1-2", "9-9"), x("XDEL", "s", "1-2"), x("XDEL", "s", "x"), x("XDEL", "s", "2-0", "x"), x("XDEL", "nos", "x"), x("XRANGE", "s", "-", "+"),
	x("XDEL", "s", "-"), x("XDEL", "s", "5"),
	x("XTRIM", "s", "MAXLEN", "1"), x("XRANGE", "s", "-", "+"), x("XTRIM", "nos", "MAXLEN", "1"), x("XTRIM", "nos", "MAXLEN", "x"),
	x("XTRIM", "s", "FOO", "1"), x("XTRIM", "s", "LIMIT", "1"), x("XTRIM", "s", "LIMIT", "1", "MAXLEN", "1"), x("XTRIM", "s", "MAXLEN", "~", "1", "LIMIT", "1"),
	x("XTRIM", "s", "MINID", "~", "1", "LIMIT", "0"), x("XTRIM", "s", "MAXLEN", "1", "MINID", "1"), x("XTRIM", "s", "MAXLEN", "-1"),
	x("XTRIM", "s", "MINID", "+"), x("XTRIM", "s", "MINID", "9-*"), x("XTRIM", "s", "MINID", "9"), x("XLEN", "s"), x("EXISTS", "s"),
	x("XTRIM", "s", "MAXLEN"), x("XDEL", "s"),
	// XINFO STREAM after deletions, empty streams
	sm("XINFO", "STREAM", "s"), sm("XINFO", "STREAM", "s", "FULL"), x("XINFO", "STREAM", "nos"),
	// groups
	x("DEL", "s"), x("XADD", "s", "1-0", "f", "1"), x("XADD", "s", "2-0", "f", "2"), x("XADD", "s", "3-0", "f", "3"), x("XADD", "s", "4-0", "f", "4"),
	x("XGROUP", "CREATE", "s", "g1", "0"), x("XGROUP", "CREATE", "s", "g1", "0"), x("XGROUP", "CREATE", "s", "g2", "$"),
	x("XGROUP", "CREATE", "s", "g3", "2-0", "ENTRIESREAD", "2"), x("XGROUP", "CREATE", "s", "g4", "0", "ENTRIESREAD", "-2"),
	x("XGROUP", "CREATE", "s", "g4", "0", "ENTRIESREAD", "x"), x("XGROUP", "CREATE", "s", "g4", "0", "ENTRIESREAD"), x("XGROUP", "CREATE", "s", "g4", "0", "FOO"),
	x("XGROUP", "CREATE", "s", "g4", "x"), x("XGROUP", "CREATE", "s", "g4", "+"), x("XGROUP", "CREATE", "nos", "g", "0"), x("XGROUP", "CREATE", "nos2", "g", "$", "MKSTREAM"),
	x("XGROUP", "CREATE", "s", "g5", "0", "MKSTREAM", "MKSTREAM", "ENTRIESREAD", "1"), x("XGROUP", "CREATE", "s"), x("XGROUP", "FOO", "s", "g"),
	x("XGROUP", "SETID", "s", "g5", "0"), x("XGROUP", "SETID", "s", "nog", "0"), x("XGROUP", "SETID", "nos", "g", "0"), x("XGROUP", "SETID", "s", "g5", "+"),
	x("XGROUP", "SETID", "s", "g5", "x"), x("XGROUP", "SETID", "s", "g5", "0", "ENTRIESREAD"), x("XGROUP", "SETID", "s", "g5", "0", "FOO", "1"),
	x("XGROUP", "SETID", "s", "g5", "$", "ENTRIESREAD", "3"), x("XGROUP", "SETID", "s", "g5", "1", "ENTRIESREAD", "-5"),
	x("XGROUP", "CREATECONSUMER", "s", "g1", "alice"), x("XGROUP", "CREATECONSUMER", "s", "g1", "alice"), x("XGROUP", "CREATECONSUMER", "s", "nog", "x"),
	x("XGROUP", "DELCONSUMER", "s", "g1", "nobody"), x("XGROUP", "DESTROY", "s", "g5"), x("XGROUP", "DESTROY", "s", "g5"), x("XGROUP", "DESTROY", "nos", "g5"),
	x("XGROUP", "DESTROY", "s"), x("XGROUP", "CREATECONSUMER", "s", "g1"), x("XGROUP"), x("XGROUP", "HELP"), x("XGROUP", "HELP", "x"),
	sm("XINFO", "GROUPS", "s"), x("XINFO", "GROUPS", "nos"), sm("XINFO", "CONSUMERS", "s", "g1"), x("XINFO", "CONSUMERS", "s", "nog"),
	x("XINFO", "FOO", "s"), x("XINFO", "STREAM", "s", "FOO"), x("XINFO", "STREAM", "s", "FULL", "COUNT"), x("XINFO", "STREAM", "s", "FULL", "COUNT", "x"),
	x("XINFO", "STREAM", "s", "FULL", "FOO", "1"), x("XINFO", "HELP"), x("XINFO"), x("XINFO", "GROUPS"), x("XINFO", "GROUPS", "s", "x"),
	// XREADGROUP and the pending lists
	sm("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "2", "STREAMS", "s", ">"), sm("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "1", "STREAMS", "s", ">"),
	sm("XREADGROUP", "GROUP", "g1", "alice", "STREAMS", "s", "0"), sm("XREADGROUP", "GROUP", "g1", "alice", "STREAMS", "s", "1-0"),
	sm("XREADGROUP", "GROUP", "g1", "carol", "STREAMS", "s", "0"), sm("XREADGROUP", "GROUP", "g1", "dave", "NOACK", "STREAMS", "s", ">"),
	sm("XREADGROUP", "GROUP", "g1", "dave", "STREAMS", "s", ">"), sm("XREADGROUP", "GROUP", "g2", "x", "STREAMS", "s", ">"),
	sm("XREADGROUP", "GROUP", "g3", "x", "STREAMS", "s", "s", ">", ">"),
	x("XREADGROUP", "GROUP", "nog", "x", "STREAMS", "s", ">"), x("XREADGROUP", "GROUP", "g1", "x", "STREAMS", "nos", ">"),
	x("XREADGROUP", "GROUP", "g1", "x", "STREAMS", "s", "$"), x("XREADGROUP", "GROUP", "g1", "x", "STREAMS", "s", "x"),
	x("XREADGROUP", "GROUP", "g1", "x", "STREAMS", "s"), x("XREADGROUP", "COUNT", "1", "STREAMS", "s", ">"), x("XREADGROUP", "GROUP", "g1", "x", "COUNT", "x", "STREAMS", "s", ">"),
	x("XREADGROUP", "GROUP", "g1", "x", "BLOCK", "x", "STREAMS", "s", ">"), x("XREADGROUP", "GROUP", "g1", "x", "BLOCK", "-1", "STREAMS", "s", ">"),
	x("XREADGROUP", "GROUP", "g1", "x", "FOO", "STREAMS", "s", ">"), x("XREADGROUP", "GROUP", "g1", "x", "NOACK", "x", "s", ">"),
	sm("XINFO", "GROUPS", "s"), sm("XINFO", "CONSUMERS", "s", "g1"), sm("XINFO", "STREAM", "s", "FULL"), sm("XINFO", "STREAM", "s", "FULL", "COUNT", "1"),
	sm("XINFO", "STREAM", "s", "FULL", "COUNT", "0"), sm("XINFO", "STREAM", "s", "FULL", "COUNT", "-1"),
	x("XPENDING", "s", "g1"), x("XPENDING", "s", "g2"), x("XPENDING", "s", "nog"), x("XPENDING", "nos", "g1"),
	sm("XPENDING", "s", "g1", "-", "+", "10"), sm("XPENDING", "s", "g1", "-", "+", "1"), sm("XPENDING", "s", "g1", "(1-0", "+", "10"),
	sm("XPENDING", "s", "g1", "-", "+", "10", "bob"), sm("XPENDING", "s", "g1", "-", "+", "10", "nobody"), sm("XPENDING", "s", "g1", "-", "+", "0"),
	sm("XPENDING", "s", "g1", "-", "+", "-5"), sm("XPENDING", "s", "g1", "IDLE", "0", "-", "+", "10"), sm("XPENDING", "s", "g1", "IDLE", "100000", "-", "+", "10"),
	x("XPENDING", "s", "g1", "IDLE", "x", "-", "+", "10"), x("XPENDING", "s", "g1", "IDLE", "5", "-", "+"), x("XPENDING", "s", "g1", "-", "+", "x"),
	x("XPENDING", "s", "g1", "x", "+", "10"), x("XPENDING", "s", "g1", "(+", "+", "10"), x("XPENDING", "s", "g1", "-", "(-", "10"),
	x("XPENDING", "s", "g1", "-", "+"), x("XPENDING", "s", "g1", "-"), x("XPENDING", "s", "g1", "-", "+", "10", "a", "b", "c", "d"),
	x("XPENDING", "nos", "g1", "x", "+", "10"),
	// XACK
	x("XACK", "s", "g1", "1-0", "9-0"), x("XACK", "s", "g1", "1-0"), x("XACK", "s", "g1", "x"), x("XACK", "s", "nog", "x"), x("XACK", "nos", "g", "1"),
	x("XPENDING", "s", "g1"),
	// XCLAIM
	sm("XCLAIM", "s", "g1", "erin", "0", "2-0"), sm("XCLAIM", "s", "g1", "erin", "0", "2-0", "JUSTID"), sm("XCLAIM", "s", "g1", "erin", "0", "2-0", "RETRYCOUNT", "7"),
	sm("XPENDING", "s", "g1", "-", "+", "10"), sm("XCLAIM", "s", "g1", "erin", "100000", "3-0"), sm("XCLAIM", "s", "g1", "erin", "0", "9-0", "4-0"),
	sm("XCLAIM", "s", "g1", "erin", "0", "4-0", "FORCE"), sm("XCLAIM", "s", "g1", "erin", "0", "4-0", "FORCE", "JUSTID"), sm("XCLAIM", "s", "g1", "erin", "0", "9-0", "FORCE"),
	sm("XCLAIM", "s", "g1", "erin", "0", "3-0", "IDLE", "5000", "TIME", "1000"), sm("XCLAIM", "s", "g1", "erin", "0", "3-0", "LASTID", "7-0"),
	x("XCLAIM", "s", "g1", "erin", "x", "3-0"), x("XCLAIM", "s", "g1", "erin", "0", "3-0", "IDLE", "x"), x("XCLAIM", "s", "g1", "erin", "0", "3-0", "TIME", "x"),
	x("XCLAIM", "s", "g1", "erin", "0", "3-0", "RETRYCOUNT", "x"), x("XCLAIM", "s", "g1", "erin", "0", "3-0", "LASTID", "x"), x("XCLAIM", "s", "g1", "erin", "0", "3-0", "FOO"),
	x("XCLAIM", "s", "g1", "erin", "0", "3-0", "IDLE"), x("XCLAIM", "s", "nog", "erin", "0", "3-0"), x("XCLAIM", "nos", "g", "erin", "x", "3-0"),
	x("XCLAIM", "s", "g1", "erin", "0", "x"), sm("XCLAIM", "s", "g1", "erin", "-5", "3-0", "JUSTID"), x("XCLAIM", "s", "g1", "erin", "0"),
	x("XDEL", "s", "3-0"), sm("XCLAIM", "s", "g1", "erin", "0", "3-0"), sm("XPENDING", "s", "g1", "-", "+", "10"), sm("XINFO", "GROUPS", "s"),
	// XAUTOCLAIM
	x("XADD", "s", "5-0", "f", "5"), x("XADD", "s", "6-0", "f", "6"), sm("XREADGROUP", "GROUP", "g1", "frank", "STREAMS", "s", ">"), x("XDEL", "s", "5-0"),
	sm("XAUTOCLAIM", "s", "g1", "gina", "0", "0"), sm("XAUTOCLAIM", "s", "g1", "gina", "0", "0", "COUNT", "1"), sm("XAUTOCLAIM", "s", "g1", "gina", "0", "(4-0", "COUNT", "1", "JUSTID"),
	sm("XAUTOCLAIM", "s", "g1", "gina", "100000", "0"), sm("XAUTOCLAIM", "s", "g1", "gina", "0", "-"), x("XAUTOCLAIM", "s", "g1", "gina", "0", "+"),
	x("XAUTOCLAIM", "s", "g1", "gina", "x", "0"), x("XAUTOCLAIM", "s", "g1", "gina", "0", "x"), x("XAUTOCLAIM", "s", "g1", "gina", "0", "0", "COUNT", "0"),
	x("XAUTOCLAIM", "s", "g1", "gina", "0", "0", "COUNT", "x"), x("XAUTOCLAIM", "s", "g1", "gina", "0", "0", "COUNT", "9223372036854775807"),
	x("XAUTOCLAIM", "s", "g1", "gina", "0", "0", "FOO"), x("XAUTOCLAIM", "s", "nog", "gina", "0", "0"), x("XAUTOCLAIM", "nos", "g", "gina", "0", "0"),
	x("XAUTOCLAIM", "s", "g1", "gina", "0", "(18446744073709551615-18446744073709551615"), x("XAUTOCLAIM", "s", "g1", "gina", "0"),
	x("XPENDING", "s", "g1"), x("XGROUP", "DELCONSUMER", "s", "g1", "gina"), x("XPENDING", "s", "g1"), sm("XINFO", "GROUPS", "s"),
	// XREAD
	x("XREAD", "STREAMS", "s", "0"), x("XREAD", "COUNT", "2", "STREAMS", "s", "0"), x("XREAD", "STREAMS", "s", "s", "0", "4"), x("XREAD", "STREAMS", "s", "$"),
	x("XREAD", "STREAMS", "s", "nos", "0", "0"), x("XREAD", "STREAMS", "nos", "0"), x("XREAD", "STREAMS", "s", "9"), x("XREAD", "STREAMS", "s", ">"),
	x("XREAD", "STREAMS", "s", "x"), x("XREAD", "STREAMS", "s", "+"), x("XREAD", "STREAMS", "s", "-"), x("XREAD", "STREAMS", "s"), x("XREAD", "STREAMS", "s", "a", "0"),
	x("XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"), x("XREAD", "NOACK", "STREAMS", "s", "0"), x("XREAD", "COUNT", "x", "STREAMS", "s", "0"),
	x("XREAD", "COUNT", "-1", "STREAMS", "s", "0"), x("XREAD", "BLOCK", "x", "STREAMS", "s", "0"), x("XREAD", "BLOCK", "-1", "STREAMS", "s", "0"),
	x("XREAD", "BLOCK", "9223372036854775807", "STREAMS", "s", "0"), x("XREAD", "BLOCK", "0", "STREAMS", "s", "0"), x("XREAD", "FOO", "STREAMS", "s", "0"),
	x("XREAD", "COUNT", "1", "s", "0"), x("XREAD", "STREAMS", "s", "0-1"),
	// XSETID
	x("XSETID", "s", "100-0"), sm("XINFO", "STREAM", "s"), x("XSETID", "s", "1-0"), x("XSETID", "s", "100-0", "ENTRIESADDED", "1"),
	x("XSETID", "s", "100-0", "ENTRIESADDED", "-1"), x("XSETID", "s", "100-0", "ENTRIESADDED", "x"), x("XSETID", "s", "100-0", "ENTRIESADDED", "50", "MAXDELETEDID", "99-0"),
	sm("XINFO", "STREAM", "s"), x("XSETID", "s", "100-0", "MAXDELETEDID", "101-0"), x("XSETID", "s", "100-0", "MAXDELETEDID", "1-0"), x("XSETID", "s", "100-0", "FOO", "1"),
	x("XSETID", "s", "x"), x("XSETID", "s", "+"), x("XSETID", "nos", "1-0"), x("XSETID", "s", "100-0", "ENTRIESADDED"), sm("XINFO", "GROUPS", "s"),
	x("XADD", "s", "100-0", "a", "1"), x("XADD", "s", "100-*", "a", "1"), x("XADD", "empty", "MAXLEN", "0", "1-1", "a", "1"), x("XSETID", "empty", "0-5"),
	x("XSETID", "empty", "0-0", "ENTRIESADDED", "0"), sm("XINFO", "STREAM", "empty"), x("XSETID", "s", "1000"), x("XADD", "s", "1000", "a", "1"),
	// wrong types
	x("SET", "str", "v"), x("XADD", "str", "1-1", "a", "1"), x("XADD", "str", "NOMKSTREAM", "1-1", "a", "1"), x("XRANGE", "str", "-", "+"), x("XREVRANGE", "str", "+", "-"),
	x("XLEN", "str"), x("XDEL", "str", "1"), x("XTRIM", "str", "MAXLEN", "1"), x("XREAD", "STREAMS", "str", "0"), x("XREAD", "STREAMS", "s", "str", "0", "0"),
	x("XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">"), x("XGROUP", "CREATE", "str", "g", "0"), x("XGROUP", "DESTROY", "str", "g"), x("XACK", "str", "g", "1"),
	x("XPENDING", "str", "g"), x("XCLAIM", "str", "g", "c", "0", "1"), x("XAUTOCLAIM", "str", "g", "c", "0", "0"), x("XINFO", "STREAM", "str"), x("XSETID", "str", "1"),
	x("TYPE", "s"), x("XRANGE", "s", "-", "+", "COUNT", "9223372036854775807"),
}

func TestDiffStreamsScript(t *testing.T) {
	p := redisPair(t)
	for _, proto := range []string{"RESP2", "RESP3"} {
		t.Run(proto, func(t *testing.T) {
			if proto == "RESP3" {
				hello3(t, p)
			}
			p.Compare(false, "FLUSHALL")
			runStreamDiff(t, p, streamScript)
		})
	}
}

// TestDiffStreamNodes fills streams so that Redis's nodes fill up by entry
// count and by listpack bytes, then trims them approximately: the result
// only matches when the nodes end where Redis's do.
func TestDiffStreamNodes(t *testing.T) {
	p := redisPair(t)
	r := rand.New(rand.NewPCG(7, 7))
	var cmds []diffCmd
	values := []string{"1", "-5", "300", "70000", "9999999999", "abc", "hello world", "", "x" + string(make([]byte, 70)), string(make([]byte, 300))}
	for i := range 700 {
		k := "n" + strconv.Itoa(i%3)
		args := []string{"XADD", k, strconv.Itoa(1000+i*(1+r.IntN(3))) + "-" + strconv.Itoa(r.IntN(3))}
		f := []string{"f", "g"}[r.IntN(2)]
		args = append(args, f, values[r.IntN(len(values))])
		if r.IntN(3) == 0 {
			args = append(args, "h"+strconv.Itoa(r.IntN(2)), values[r.IntN(len(values))])
		}
		cmds = append(cmds, x(args...))
		if i%50 == 49 {
			cmds = append(cmds, sm("XINFO", "STREAM", k), x("XTRIM", k, "MAXLEN", "~", strconv.Itoa(r.IntN(150))),
				x("XTRIM", k, "MINID", "~", strconv.Itoa(1000+r.IntN(i*2))), x("XLEN", k))
		}
	}
	cmds = append(cmds, x("XTRIM", "n0", "MAXLEN", "~", "0", "LIMIT", "150"), x("XLEN", "n0"), x("XRANGE", "n1", "-", "+", "COUNT", "3"))
	runStreamDiff(t, p, cmds)
}

// genStream returns one random stream command over the shared random keys,
// for TestDiffRandom: explicit IDs (a "*" ID would depend on the clock),
// some smaller than the stream's top, trims and ranges.
func genStream(r *rand.Rand, cmd string) []string {
	id := func() string {
		switch r.IntN(6) {
		case 0:
			return strconv.Itoa(r.IntN(30))
		case 1:
			return strconv.Itoa(r.IntN(30)) + "-*"
		case 2:
			return pick(r, []string{"0-0", "x", "-1", "18446744073709551615-18446744073709551615"})
		}
		return strconv.Itoa(r.IntN(30)) + "-" + strconv.Itoa(r.IntN(3))
	}
	bound := func(lo bool) string {
		switch r.IntN(5) {
		case 0:
			if lo {
				return "-"
			}
			return "+"
		case 1:
			return "(" + strconv.Itoa(r.IntN(30))
		}
		return strconv.Itoa(r.IntN(30))
	}
	trim := func() []string {
		strat := pick(r, []string{"MAXLEN", "MINID"})
		arg := strconv.Itoa(r.IntN(8))
		if strat == "MINID" {
			arg = id()
		}
		out := []string{strat}
		if r.IntN(3) == 0 {
			out = append(out, pick(r, []string{"=", "~"}))
		}
		return append(out, arg)
	}
	k := diffKey(r)
	switch cmd {
	case "XADD":
		args := []string{"XADD", k}
		if r.IntN(8) == 0 {
			args = append(args, "NOMKSTREAM")
		}
		if r.IntN(4) == 0 {
			args = append(args, trim()...)
		}
		args = append(args, id(), "f", diffValue(r))
		if r.IntN(3) == 0 {
			args = append(args, "g", diffValue(r))
		}
		return args
	case "XDEL":
		return []string{"XDEL", k, id(), id()}
	case "XTRIM":
		return append([]string{"XTRIM", k}, trim()...)
	case "XRANGE":
		args := []string{"XRANGE", k, bound(true), bound(false)}
		if r.IntN(3) == 0 {
			args = append(args, "COUNT", strconv.Itoa(r.IntN(4)))
		}
		return args
	case "XREVRANGE":
		args := []string{"XREVRANGE", k, bound(false), bound(true)}
		if r.IntN(3) == 0 {
			args = append(args, "COUNT", strconv.Itoa(r.IntN(4)))
		}
		return args
	}
	return []string{"XLEN", k}
}

func init() {
	for _, g := range []struct {
		name   string
		weight int
	}{{"XADD", 4}, {"XDEL", 1}, {"XTRIM", 1}, {"XRANGE", 2}, {"XREVRANGE", 1}, {"XLEN", 1}} {
		diffGens = append(diffGens, diffGen{name: g.name, weight: g.weight, args: func(r *rand.Rand) []string { return genStream(r, g.name) }})
	}
}
