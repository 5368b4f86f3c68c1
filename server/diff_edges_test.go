package server

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/require"
)

// diffEdgeInts are the integers at which offset, index and count arithmetic
// overflows or changes branch: ±2^63 (one past the int64 range on either
// side), the int64 and int32 limits and their neighbours, 2^32, ±2^62 (where
// doubling a count overflows), Redis's default proto-max-bulk-len, and the
// small values every range check turns on.
var diffEdgeInts = []string{
	"9223372036854775808", "-9223372036854775809", // out of int64 range
	"9223372036854775807", "-9223372036854775808", "-9223372036854775807", "9223372036854775806",
	"4611686018427387904", "4611686018427387903", "-4611686018427387904", "-4611686018427387903",
	"4294967296", "-4294967296", "4294967295",
	"2147483648", "2147483647", "-2147483648", "-2147483649",
	"536870912", "536870911",
	"0", "-1", "1", "2", "-2", "5", "-5", "6", "-6",
}

// diffEdgeSafeCount reports whether a count is safe to send to a real
// redis-server as a random-with-repetition count (SRANDMEMBER, HRANDFIELD):
// Redis builds a reply of |count| elements, so only small magnitudes, and
// those it refuses before looking at the key, are sent.
func diffEdgeSafeCount(n string, withValues bool) bool {
	switch n {
	case "-9223372036854775808", "-9223372036854775809", "9223372036854775808":
		return true // refused by the range check
	case "-9223372036854775807", "-4611686018427387904":
		return withValues // refused as out of range only WITHVALUES
	}
	return !strings.HasPrefix(n, "-") || len(n) <= 2
}

// edgeCase is one command with an edge value in some argument, run after
// setup (which rebuilds the keys a destructive command changes) and followed
// by check commands showing what it did.
type edgeCase struct {
	setup, check [][]string
	cmd          []string
	mode         cmpMode
	scan, hscan  bool // whole SCAN / HSCAN iterations are compared
}

// edgeKeys builds the keys every edge case runs against: a string, an empty
// string, a list, a hash, a set and a sorted set, plus a big hash that HSCAN
// walks by cursor.
var edgeKeys = [][]string{
	{"FLUSHALL"},
	{"SET", "s", "Hello, World"}, {"SET", "es", ""},
	{"RPUSH", "l", "a", "b", "c", "a", "b", "a"},
	{"HSET", "h", "f1", "v1", "f2", "v2", "f3", "v3", "f4", "v4", "f5", "v5"},
	{"SADD", "S", "a", "b", "c", "d", "e"},
	{"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"},
	bigHash(),
}

// bigHash is an HSET of more fields than Redis keeps in a listpack, so
// HSCAN walks it by cursor rather than answering it whole.
func bigHash() []string {
	args := []string{"HSET", "bh"}
	for i := range 2 * smallHashScan {
		args = append(args, "f"+strconv.Itoa(i), "v")
	}
	return args
}

// hscanAll follows an HSCAN iteration (args[2] is the first cursor) to its
// end and returns the sorted, de-duplicated fields, or the first error.
func hscanAll(t *testing.T, c *redistest.Conn, args []string) (fields []string, errMsg string) {
	t.Helper()
	args = slices.Clone(args)
	for range 100_000 {
		rep, err := c.Do(args...)
		require.NoError(t, err, "%q", args)
		if rep.Kind == redistest.Error {
			return nil, rep.Str
		}
		require.Len(t, rep.Elems, 2, "%q: %v", args, rep)
		for i := 0; i < len(rep.Elems[1].Elems); i += 2 {
			fields = append(fields, rep.Elems[1].Elems[i].Str)
		}
		if rep.Elems[0].Str == "0" {
			slices.Sort(fields)
			return slices.Compact(fields), ""
		}
		args[2] = rep.Elems[0].Str
	}
	t.Fatalf("%q: the scan did not end", args)
	return nil, ""
}

// checkHScan compares whole HSCAN iterations: cursors differ by design
// (Redis's walk hash buckets, ours field slots).
func checkHScan(t *testing.T, p *redistest.Pair, args []string) {
	t.Helper()
	wantFields, wantErr := hscanAll(t, p.Redis, args)
	gotFields, gotErr := hscanAll(t, p.Mini, args)
	if wantErr != gotErr || !slices.Equal(wantFields, gotFields) {
		t.Errorf("%q:\n  redis-server: %q %q\n  miniredis:    %q %q", args, wantErr, wantFields, gotErr, gotFields)
	}
}

// edgeCases expands every command that takes an offset, index or count over
// diffEdgeInts, in each argument position that is one.
func edgeCases() []edgeCase {
	var cases []edgeCase
	ex := func(cmd ...string) { cases = append(cases, edgeCase{cmd: cmd}) }
	mut := func(setup []string, check []string, cmd ...string) {
		cases = append(cases, edgeCase{setup: [][]string{{"DEL", cmd[1]}, setup}, check: [][]string{check}, cmd: cmd})
	}
	for _, n := range diffEdgeInts {
		// strings
		ex("GETRANGE", "s", n, "5")
		ex("GETRANGE", "s", "0", n)
		ex("GETRANGE", "s", n, n)
		ex("GETRANGE", "s", "-3", n)
		ex("GETRANGE", "es", n, "-1")
		ex("GETRANGE", "nokey", n, n)
		for _, v := range []string{"x", ""} {
			if n == "536870911" && v != "" {
				continue // a real 512 MiB string: slow, and nothing new
			}
			mut([]string{"SET", "t", "abc"}, []string{"GET", "t"}, "SETRANGE", "t", n, v)
			mut([]string{"DEL", "t"}, []string{"EXISTS", "t"}, "SETRANGE", "t", n, v)
		}
		// lists
		ex("LRANGE", "l", n, "2")
		ex("LRANGE", "l", "0", n)
		ex("LRANGE", "l", n, n)
		ex("LRANGE", "l", "-3", n)
		ex("LRANGE", "nokey", n, n)
		ex("LINDEX", "l", n)
		ex("LINDEX", "nokey", n)
		lst := []string{"RPUSH", "t", "a", "b", "c", "d", "e"}
		all := []string{"LRANGE", "t", "0", "-1"}
		mut(lst, all, "LTRIM", "t", n, "3")
		mut(lst, all, "LTRIM", "t", "1", n)
		mut(lst, all, "LTRIM", "t", n, n)
		mut(lst, all, "LTRIM", "t", "-2", n)
		mut(lst, all, "LSET", "t", n, "v")
		mut([]string{"DEL", "t"}, all, "LSET", "t", n, "v")
		mut([]string{"RPUSH", "t", "a", "b", "a", "c", "a"}, all, "LREM", "t", n, "a")
		mut(lst, all, "LPOP", "t", n)
		mut(lst, all, "RPOP", "t", n)
		ex("LPOP", "nokey", n)
		ex("LPOS", "l", "a", "RANK", n)
		ex("LPOS", "l", "a", "COUNT", n)
		ex("LPOS", "l", "a", "MAXLEN", n)
		ex("LPOS", "l", "a", "RANK", n, "COUNT", "0")
		ex("LPOS", "l", "a", "RANK", n, "COUNT", n, "MAXLEN", n)
		ex("LPOS", "nokey", "a", "RANK", n)
		ex("LPOS", "nokey", "a", "COUNT", n)
		// sorted sets
		ex("ZRANGE", "z", n, "2")
		ex("ZRANGE", "z", "0", n, "WITHSCORES")
		ex("ZRANGE", "z", n, n, "REV")
		ex("ZRANGE", "z", "-3", n, "REV", "WITHSCORES")
		ex("ZRANGE", "nokey", n, n)
		ex("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", n, "2")
		ex("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", n)
		ex("ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", n, n)
		ex("ZRANGE", "z", "-", "+", "BYLEX", "LIMIT", n, n)
		ex("ZRANGE", "z", "+", "-", "BYLEX", "REV", "LIMIT", "2", n)
		ex("ZRANGE", "z", "0", "1", "LIMIT", n, "1")
		zst := []string{"ZADD", "t", "1", "a", "2", "b", "3", "c"}
		zall := []string{"ZRANGE", "t", "0", "-1", "WITHSCORES"}
		mut(zst, zall, "ZPOPMIN", "t", n)
		mut(zst, zall, "ZPOPMAX", "t", n)
		ex("ZPOPMIN", "nokey", n)
		// LMPOP and ZMPOP: n as COUNT and as numkeys (most of them past
		// the arguments; 1 and 2 valid), on t (cmd[1] is numkeys here).
		mpop := func(setup, check []string, cmd ...string) {
			cases = append(cases, edgeCase{setup: [][]string{{"DEL", "t"}, setup}, check: [][]string{check}, cmd: cmd})
		}
		mpop(lst, all, "LMPOP", "1", "t", "LEFT", "COUNT", n)
		mpop(lst, all, "LMPOP", "2", "nokey", "t", "RIGHT", "COUNT", n)
		mpop(lst, all, "LMPOP", n, "t", "RIGHT")
		mpop(lst, all, "LMPOP", n, "nokey", "t", "LEFT", "COUNT", "2")
		ex("LMPOP", "1", "nokey", "LEFT", "COUNT", n)
		mpop(zst, zall, "ZMPOP", "1", "t", "MIN", "COUNT", n)
		mpop(zst, zall, "ZMPOP", "2", "nokey", "t", "MAX", "COUNT", n)
		mpop(zst, zall, "ZMPOP", n, "t", "MAX")
		mpop(zst, zall, "ZMPOP", n, "nokey", "t", "MIN", "COUNT", "2")
		ex("ZMPOP", "1", "nokey", "MAX", "COUNT", n)
		// sets: a count of at least the size pops or picks everything,
		// so only the order is random; a smaller one is random.
		mode := cmpUnordered
		if c, ok := parseInt([]byte(n)); ok && c >= 0 && c < 3 {
			mode = cmpShape
		}
		cases = append(cases, edgeCase{setup: [][]string{{"DEL", "t"}, {"SADD", "t", "a", "b", "c"}},
			check: [][]string{{"SCARD", "t"}}, cmd: []string{"SPOP", "t", n}, mode: mode})
		ex("SPOP", "nokey", n)
		if diffEdgeSafeCount(n, false) {
			mode := cmpUnordered
			if c, ok := parseInt([]byte(n)); ok && (c < 0 || c > 0 && c < 5) {
				mode = cmpShape
			}
			cases = append(cases, edgeCase{cmd: []string{"SRANDMEMBER", "S", n}, mode: mode})
			ex("SRANDMEMBER", "nokey", n)
			cases = append(cases, edgeCase{cmd: []string{"HRANDFIELD", "h", n}, mode: mode})
			ex("HRANDFIELD", "nokey", n)
		}
		if diffEdgeSafeCount(n, true) {
			mode := cmpUnordered
			if c, ok := parseInt([]byte(n)); ok && (c < 0 || c > 0 && c < 5) {
				mode = cmpShape
			}
			cases = append(cases, edgeCase{cmd: []string{"HRANDFIELD", "h", n, "WITHVALUES"}, mode: mode})
			ex("HRANDFIELD", "nokey", n, "WITHVALUES")
		}
		// scans
		cases = append(cases, edgeCase{cmd: []string{"SCAN", "0", "COUNT", n}, scan: true})
		ex("HSCAN", "h", "0", "COUNT", n)
		ex("HSCAN", "nokey", "0", "COUNT", n)
		ex("HSCAN", "h", n)
		cases = append(cases, edgeCase{cmd: []string{"HSCAN", "bh", "0", "COUNT", n}, hscan: true})
		cases = append(cases, edgeCase{cmd: []string{"HSCAN", "bh", "0", "MATCH", "f1*", "COUNT", n}, hscan: true})
		cases = append(cases, edgeCase{cmd: []string{"SCAN", n, "COUNT", "0"}, scan: true})
	}
	return cases
}

// TestDiffEdgeIntegers sends every command that takes an offset, index or
// count each of diffEdgeInts, in each such position, to redis-server and to
// miniredis, in RESP2 and RESP3, and compares the replies and what the
// command left behind. A panic in miniredis closes the connection, which
// fails the case; the next case gets fresh connections.
func TestDiffEdgeIntegers(t *testing.T) {
	miniAddr, redisAddr := startDiff(t)
	cases := edgeCases()
	for _, proto := range []string{"2", "3"} {
		t.Run("resp"+proto, func(t *testing.T) {
			p := redistest.NewPair(t, miniAddr, redisAddr)
			hello(t, p, proto)
			for _, k := range edgeKeys {
				p.Compare(false, k...)
			}
			for _, ec := range cases {
				name := strings.Join(ec.cmd, " ")
				if !t.Run(name, func(t *testing.T) {
					q := p.For(t)
					for _, s := range ec.setup {
						q.Compare(false, s...)
					}
					switch {
					case ec.scan:
						checkScan(t, q, ec.cmd)
					case ec.hscan:
						checkHScan(t, q, ec.cmd)
					default:
						runDiff(t, q, []diffCmd{{mode: ec.mode, args: ec.cmd}})
					}
					for _, s := range ec.check {
						q.Compare(ec.mode != cmpExact, s...)
					}
				}) {
					// The connections may be broken: start again.
					p = redistest.NewPair(t, miniAddr, redisAddr)
					hello(t, p, proto)
					for _, k := range edgeKeys {
						p.Compare(false, k...)
					}
				}
			}
		})
	}
}
