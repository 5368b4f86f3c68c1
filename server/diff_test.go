package server

import (
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/require"
)

// The differential test: the same commands go to a real redis-server and to
// miniredis --compat redis, and the replies must be the same. It runs
// scripted edge cases, then a random sequence over every command that has a
// generator below, first in RESP2 and again after HELLO 3.
//
// Reproduce a failing random run with DIFF_SEED=<seed printed by the test>.
// Run it longer with DIFF_COUNT=<commands per protocol>.

// diffGen generates random invocations of one command.
type diffGen struct {
	name      string                      // the command, as the server's table spells it
	weight    int                         // relative frequency; 0 means 1
	unordered bool                        // the reply's element order is unspecified
	args      func(r *rand.Rand) []string // a full command line, name included
	// check, when set, replaces the plain reply comparison, for commands
	// whose replies may legitimately differ (cursors, random picks).
	check func(t *testing.T, p *redistest.Pair, args []string)
}

// diffGens is the generator table. Other command groups add theirs from an
// init function in their own _test.go file:
//
//	func init() { diffGens = append(diffGens, diffGen{name: "LPUSH", args: ...}) }
var diffGens = []diffGen{
	// keys
	{name: "DEL", args: func(r *rand.Rand) []string { return append([]string{"DEL"}, diffKeys(r, 1+r.IntN(3))...) }},
	{name: "UNLINK", args: func(r *rand.Rand) []string { return append([]string{"UNLINK"}, diffKeys(r, 1+r.IntN(3))...) }},
	{name: "EXISTS", args: func(r *rand.Rand) []string { return append([]string{"EXISTS"}, diffKeys(r, 1+r.IntN(3))...) }},
	{name: "TYPE", args: func(r *rand.Rand) []string { return []string{"TYPE", diffKey(r)} }},
	{name: "OBJECT ENCODING", args: func(r *rand.Rand) []string { return []string{"OBJECT", "ENCODING", diffKey(r)} }},
	{name: "RENAME", args: func(r *rand.Rand) []string { return []string{"RENAME", diffKey(r), diffKey(r)} }},
	{name: "RENAMENX", args: func(r *rand.Rand) []string { return []string{"RENAMENX", diffKey(r), diffKey(r)} }},
	{name: "KEYS", unordered: true, args: func(r *rand.Rand) []string { return []string{"KEYS", pick(r, diffPatterns)} }},
	{name: "SCAN", args: genScan, check: checkScan},
	{name: "RANDOMKEY", args: func(*rand.Rand) []string { return []string{"RANDOMKEY"} }, check: checkRandomKey},
	{name: "DBSIZE", args: func(*rand.Rand) []string { return []string{"DBSIZE"} }},

	// strings
	{name: "GET", weight: 3, args: func(r *rand.Rand) []string { return []string{"GET", diffKey(r)} }},
	{name: "SET", weight: 4, args: genSet},
	{name: "GETDEL", args: func(r *rand.Rand) []string { return []string{"GETDEL", diffKey(r)} }},
	{name: "GETSET", args: func(r *rand.Rand) []string { return []string{"GETSET", diffKey(r), diffValue(r)} }},
	{name: "SETNX", args: func(r *rand.Rand) []string { return []string{"SETNX", diffKey(r), diffValue(r)} }},
	{name: "MGET", args: func(r *rand.Rand) []string { return append([]string{"MGET"}, diffKeys(r, 1+r.IntN(4))...) }},
	{name: "MSET", args: func(r *rand.Rand) []string { return genPairs(r, "MSET") }},
	{name: "MSETNX", args: func(r *rand.Rand) []string { return genPairs(r, "MSETNX") }},
	{name: "INCR", weight: 2, args: func(r *rand.Rand) []string { return []string{"INCR", diffKey(r)} }},
	{name: "DECR", args: func(r *rand.Rand) []string { return []string{"DECR", diffKey(r)} }},
	{name: "INCRBY", weight: 2, args: func(r *rand.Rand) []string { return []string{"INCRBY", diffKey(r), diffInt(r)} }},
	{name: "DECRBY", args: func(r *rand.Rand) []string { return []string{"DECRBY", diffKey(r), diffInt(r)} }},
	{name: "INCRBYFLOAT", weight: 2, args: func(r *rand.Rand) []string {
		return []string{"INCRBYFLOAT", diffKey(r), pick(r, diffFloats)}
	}},
	{name: "APPEND", weight: 2, args: func(r *rand.Rand) []string { return []string{"APPEND", diffKey(r), diffValue(r)} }},
	{name: "STRLEN", args: func(r *rand.Rand) []string { return []string{"STRLEN", diffKey(r)} }},
	{name: "GETRANGE", weight: 2, args: func(r *rand.Rand) []string {
		return []string{"GETRANGE", diffKey(r), diffIndex(r), diffIndex(r)}
	}},
	{name: "SETRANGE", weight: 2, args: func(r *rand.Rand) []string {
		off := strconv.Itoa(r.IntN(12))
		switch r.IntN(10) {
		case 0:
			off = "x"
		case 1, 2:
			// Past the 512 MiB limit whatever the value, or refused; but
			// never 536870911, which would build real 512 MiB strings.
			if off = pick(r, diffEdgeInts); off == "536870911" {
				off = "536870912"
			}
		}
		return []string{"SETRANGE", diffKey(r), off, pick(r, []string{"", "a", "xyz", "0123456789"})}
	}},
}

// The vocabularies of the random commands: few keys so that commands meet
// each other's keys (and types), values that are integers, floats, both and
// neither.
var (
	diffKeyNames = []string{"k0", "k1", "k2", "k3", "k4", "k5", "{x}y", ""}
	diffValues   = []string{
		"0", "1", "-1", "7", "42", "-100", "99", "100", "9223372036854775807", "-9223372036854775808",
		"1.5", "-0.25", "3.0", "1e3", "abc", "hello world", "", " 1", "+1", "007", "-0",
		"inf", "nan", "0x10", "a,b", "x:1,y:2",
	}
	diffInts = []string{
		"0", "1", "-1", "2", "10", "-7", "1000", "9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "abc", "1.5", "", "+3", "01",
	}
	diffFloats = []string{
		"0", "-0", "1", "0.1", "1.5", "-2.25", "1e2", "1.23456789012345678", "1e-5", "-3.3e-3",
		"5e30", "1e300", "1e5000", "abc", "", "inf", "-inf", "nan", ".5", "5.", "1e", " 1",
		"0x1p-2", "3.14159265358979323846", "-1.1",
	}
	diffPatterns = []string{"*", "k*", "k?", "k[0-2]", "k[^0-2]", "*y", "{x}*", "\\{*", "k[", "nomatch", "", "?", "*[3-5]"}
	diffIndexes  = append([]string{"x"}, diffEdgeInts...)
)

func pick(r *rand.Rand, from []string) string { return from[r.IntN(len(from))] }
func diffKey(r *rand.Rand) string             { return pick(r, diffKeyNames) }
func diffValue(r *rand.Rand) string           { return pick(r, diffValues) }
func diffInt(r *rand.Rand) string             { return pick(r, diffInts) }

func diffKeys(r *rand.Rand, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = diffKey(r)
	}
	return keys
}

// diffIndex is a range bound: mostly small, positive or negative.
func diffIndex(r *rand.Rand) string {
	if r.IntN(6) == 0 {
		return pick(r, diffIndexes)
	}
	return strconv.Itoa(r.IntN(25) - 12)
}

// genSet is SET with the options that do not depend on the clock: NX/XX,
// GET, KEEPTTL, and occasional long EX/PX that never expire during a run.
func genSet(r *rand.Rand) []string {
	args := []string{"SET", diffKey(r), diffValue(r)}
	for range r.IntN(3) {
		switch r.IntN(8) {
		case 0:
			args = append(args, "NX")
		case 1:
			args = append(args, "XX")
		case 2, 3:
			args = append(args, "GET")
		case 4:
			args = append(args, "KEEPTTL")
		case 5:
			args = append(args, "EX", "100000")
		case 6:
			args = append(args, "PX", "100000000")
		default:
			args = append(args, pick(r, []string{"FOO", "EX"}))
		}
	}
	return args
}

// genPairs is MSET/MSETNX with 1-3 pairs, and sometimes a missing value.
func genPairs(r *rand.Rand, name string) []string {
	args := []string{name}
	for range 1 + r.IntN(3) {
		args = append(args, diffKey(r), diffValue(r))
	}
	if r.IntN(15) == 0 {
		args = args[:len(args)-1]
	}
	return args
}

// genScan is a SCAN from cursor 0 with random options; checkScan follows
// the cursor to the end.
func genScan(r *rand.Rand) []string {
	args := []string{"SCAN", "0"}
	for range r.IntN(3) {
		switch r.IntN(7) {
		case 0, 1:
			args = append(args, "MATCH", pick(r, diffPatterns))
		case 2, 3:
			args = append(args, "COUNT", pick(r, []string{"1", "2", "5", "100", "x", pick(r, diffEdgeInts)}))
		case 4, 5:
			args = append(args, "TYPE", pick(r, []string{"string", "STRING", "list", "hash", "set", "zset", "none", "foo"}))
		default:
			args = append(args, "MATCH")
		}
	}
	return args
}

// scanAll runs a whole SCAN iteration (args[1] is the first cursor) and
// returns the sorted, de-duplicated keys, or the error of the first call.
func scanAll(t *testing.T, c *redistest.Conn, args []string) (keys []string, errMsg string) {
	t.Helper()
	args = slices.Clone(args)
	for range 100_000 {
		rep, err := c.Do(args...)
		require.NoError(t, err, "%q", args)
		if rep.Kind == redistest.Error {
			return nil, rep.Str
		}
		require.Equal(t, redistest.Array, rep.Kind, "%q: %v", args, rep)
		require.Len(t, rep.Elems, 2, "%q: %v", args, rep)
		for _, k := range rep.Elems[1].Elems {
			keys = append(keys, k.Str)
		}
		if rep.Elems[0].Str == "0" {
			slices.Sort(keys)
			return slices.Compact(keys), ""
		}
		args[1] = rep.Elems[0].Str
	}
	t.Fatalf("%q: the scan did not end", args)
	return nil, ""
}

// checkScan compares the keys of whole iterations (cursors differ: Redis's
// walk hash buckets, ours shards) or the errors of the first call.
func checkScan(t *testing.T, p *redistest.Pair, args []string) {
	t.Helper()
	wantKeys, wantErr := scanAll(t, p.Redis, args)
	gotKeys, gotErr := scanAll(t, p.Mini, args)
	if wantErr != gotErr || !slices.Equal(wantKeys, gotKeys) {
		t.Errorf("%q:\n  redis-server: %q %q\n  miniredis:    %q %q", args, wantErr, wantKeys, gotErr, gotKeys)
	}
}

// checkRandomKey requires both servers to agree on whether there is a key,
// and each random key to exist on the other server.
func checkRandomKey(t *testing.T, p *redistest.Pair, args []string) {
	t.Helper()
	want, err := p.Redis.Do(args...)
	require.NoError(t, err)
	got, err := p.Mini.Do(args...)
	require.NoError(t, err)
	if want.Kind != got.Kind {
		t.Errorf("%q:\n  redis-server: %v\n  miniredis:    %v", args, want, got)
		return
	}
	if want.Kind == redistest.Bulk {
		p.Compare(false, "EXISTS", want.Str)
		p.Compare(false, "EXISTS", got.Str)
	}
}

// startDiff starts both servers and returns a pair of fresh connections
// factory, so each subtest gets clean connections.
func startDiff(t *testing.T) (mini, redis string) {
	t.Helper()
	redis = redistest.StartRedis(t)
	return startServer(t, redisConfig()).Addr().String(), redis
}

// diffSeed is DIFF_SEED when set, else a fresh seed; it is logged so that a
// failing run can be replayed.
func diffSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("DIFF_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "DIFF_SEED")
		seed = v
	}
	t.Logf("random sequence seed %d (rerun with DIFF_SEED=%d)", seed, seed)
	return seed
}

// diffCount is how many random commands run per protocol: DIFF_COUNT, or
// 3000 (300 with -short).
func diffCount(t *testing.T) int {
	if testing.Short() {
		return envInt(t, "DIFF_COUNT", 300)
	}
	return envInt(t, "DIFF_COUNT", 3000)
}

// diffHistory is how many of the last commands a failure prints:
// DIFF_HISTORY, or 15 (a rerun with the whole history finds the command
// that built a differing value many steps earlier).
func diffHistory(t *testing.T) int { return envInt(t, "DIFF_HISTORY", 15) }

// envInt is the integer in environment variable name, def when unset.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	require.NoError(t, err, name)
	return n
}

// hello switches both connections of p to protocol proto without comparing
// the replies (server name and version differ by design).
func hello(t *testing.T, p *redistest.Pair, proto string) {
	t.Helper()
	for _, c := range []*redistest.Conn{p.Redis, p.Mini} {
		rep, err := c.Do("HELLO", proto)
		require.NoError(t, err)
		require.NotEqual(t, redistest.Error, rep.Kind, "HELLO %s: %v", proto, rep)
	}
}

// flush empties both servers.
func flush(t *testing.T, p *redistest.Pair) {
	t.Helper()
	p.Compare(false, "FLUSHALL")
}

func TestDiffRandom(t *testing.T) {
	miniAddr, redisAddr := startDiff(t)
	seed := diffSeed(t)
	n := diffCount(t)
	hist := diffHistory(t)

	var gens []diffGen
	total := 0
	for _, g := range diffGens {
		if lookup([]byte(g.name)) == nil {
			t.Logf("no %s in the command table yet; not generated", g.name)
			continue
		}
		gens = append(gens, g)
		total += max(g.weight, 1)
	}
	require.NotEmpty(t, gens)

	for i, proto := range []string{"2", "3"} {
		t.Run("resp"+proto, func(t *testing.T) {
			p := redistest.NewPair(t, miniAddr, redisAddr)
			hello(t, p, proto)
			flush(t, p)
			r := rand.New(rand.NewPCG(seed, uint64(i)))
			var history []string
			for step := range n {
				w := r.IntN(total)
				var g diffGen
				for _, g = range gens {
					if w -= max(g.weight, 1); w < 0 {
						break
					}
				}
				args := g.args(r)
				history = append(history, strconv.Quote(strings.Join(args, " ")))
				if g.check != nil {
					g.check(t, p, args)
				} else {
					p.Compare(g.unordered, args...)
				}
				if t.Failed() {
					t.Fatalf("step %d of the sequence with seed %d; the last commands:\n%s",
						step, seed, strings.Join(history[max(0, len(history)-hist):], "\n"))
				}
				if step%250 == 249 {
					// The whole keyspace, now and then.
					p.Compare(true, "KEYS", "*")
					p.Compare(false, "DBSIZE")
				}
			}
		})
	}
}

// diffScript is a sequence of commands compared one by one; unordered marks
// replies compared as sets.
type diffScript struct {
	name      string
	unordered bool
	needs     string // a command the script cannot run without (skipped until it exists)
	cmds      [][]string
}

func c(args ...string) []string { return args }

var diffScripts = []diffScript{
	{name: "keys", cmds: [][]string{
		c("SET", "a", "1"), c("SET", "b", "2"),
		c("DEL", "a", "a", "missing"), c("DEL"), c("UNLINK", "b", "b"), c("UNLINK"),
		c("SET", "a", "1"), c("EXISTS", "a", "a", "nope"), c("EXISTS"),
		c("TYPE", "a"), c("TYPE", "nope"), c("TYPE"),
		c("RENAME", "a", "b"), c("GET", "a"), c("GET", "b"), c("RENAME", "nope", "x"), c("RENAME", "b", "b"),
		c("RENAME", "nope", "nope"), c("RENAME", "b"),
		c("SET", "c", "3"), c("RENAMENX", "b", "c"), c("RENAMENX", "b", "b"), c("RENAMENX", "b", "d"),
		c("RENAMENX", "nope", "x"), c("RENAMENX", "nope", "nope"), c("GET", "d"), c("RENAMENX", "d"),
		c("SET", "e", "v", "EX", "1000"), c("RENAME", "e", "f"), c("EXISTS", "e", "f"),
		c("RANDOMKEY", "x"), c("KEYS"), c("KEYS", "a", "b"), c("DBSIZE"),
		c("FLUSHALL"), c("RANDOMKEY"), c("KEYS", "*"), c("SCAN", "0"),
	}},
	{name: "scan errors", cmds: [][]string{
		c("SCAN"), c("SCAN", "x"), c("SCAN", "1x"), c("SCAN", " 0"), c("SCAN", "18446744073709551616"),
		c("SCAN", "0", "COUNT"), c("SCAN", "0", "COUNT", "0"), c("SCAN", "0", "COUNT", "-1"),
		c("SCAN", "0", "COUNT", "x"), c("SCAN", "0", "MATCH"), c("SCAN", "0", "TYPE"), c("SCAN", "0", "FOO", "1"),
		c("SCAN", "x", "FOO"), c("SCAN", "0", "TYPE", "foo"), c("SCAN", "0", "count", "1", "match", "*", "type", "string"),
	}},
	{name: "strings", cmds: [][]string{
		c("GETDEL", "s"), c("SET", "s", "v"), c("GETDEL", "s"), c("EXISTS", "s"), c("GETDEL"),
		c("GETSET", "s", "1"), c("GETSET", "s", "2"), c("GETSET", "s"),
		c("SET", "t", "v", "EX", "1000"), c("GETSET", "t", "w"), c("SET", "t", "x", "XX", "KEEPTTL"),
		c("SETNX", "s", "x"), c("SETNX", "n", "x"), c("GET", "n"), c("SETNX", "n"),
		c("MSET", "a", "1", "b", "2", "a", "3"), c("MGET", "a", "b", "nope", "a"), c("MSET", "a"), c("MSET", "a", "1", "b"),
		c("MGET"), c("MSETNX", "a", "1", "z", "2"), c("EXISTS", "z"), c("MSETNX", "y", "1", "z", "2"), c("MGET", "y", "z"),
		c("MSETNX", "q", "1", "q", "2"), c("GET", "q"), c("MSETNX", "x"),
	}},
	{name: "counters", cmds: [][]string{
		c("INCR", "i"), c("INCR", "i"), c("DECR", "i"), c("DECR", "i"), c("DECR", "i"), c("INCRBY", "i", "100"),
		c("DECRBY", "i", "-5"), c("INCRBY", "i", "x"), c("INCRBY", "i", "1.5"), c("INCRBY", "i", " 1"),
		c("INCRBY", "i", "+1"), c("INCRBY", "i", "01"), c("DECRBY", "i", "-9223372036854775808"),
		c("SET", "m", "9223372036854775806"), c("INCR", "m"), c("INCR", "m"), c("GET", "m"),
		c("SET", "m", "-9223372036854775807"), c("DECR", "m"), c("DECR", "m"), c("DECRBY", "m", "1"),
		c("INCRBY", "m", "-1"), c("INCRBY", "m", "9223372036854775807"), c("GET", "m"),
		c("SET", "s", "abc"), c("INCR", "s"), c("SET", "s", "1.0"), c("INCR", "s"), c("SET", "s", " 1"), c("INCR", "s"),
		c("SET", "s", "-0"), c("INCR", "s"), c("SET", "s", "00"), c("INCR", "s"), c("SET", "s", ""), c("INCR", "s"),
		c("SET", "c", "99", "EX", "1000"), c("INCR", "c"), c("GET", "c"), c("DECRBY", "c", "100"), c("GET", "c"),
		c("INCR"), c("INCRBY", "i"), c("DECRBY", "i", "1", "2"),
	}},
	{name: "incrbyfloat", cmds: [][]string{
		c("INCRBYFLOAT", "f", "0.1"), c("INCRBYFLOAT", "f", "0.2"), c("INCRBYFLOAT", "f", "1e2"),
		c("INCRBYFLOAT", "f", "1.23456789012345678"), c("INCRBYFLOAT", "f", "-101.5"), c("GET", "f"),
		c("INCRBYFLOAT", "f", "x"), c("INCRBYFLOAT", "f", ""), c("INCRBYFLOAT", "f", " 1"), c("INCRBYFLOAT", "f", "1 "),
		c("INCRBYFLOAT", "f", "inf"), c("INCRBYFLOAT", "f", "-inf"), c("INCRBYFLOAT", "f", "nan"),
		c("INCRBYFLOAT", "f", "1e5000"), c("INCRBYFLOAT", "f", "0x10"), c("INCRBYFLOAT", "f", "0x1p-2"),
		c("SET", "g", "10"), c("INCRBYFLOAT", "g", "-10"), c("INCRBYFLOAT", "g", "-0"), c("INCRBYFLOAT", "g", "5.0e3"),
		c("SET", "g", "3.0"), c("INCRBYFLOAT", "g", "0"), c("SET", "g", "1e3"), c("INCRBYFLOAT", "g", "1"),
		c("SET", "g", "abc"), c("INCRBYFLOAT", "g", "1"), c("SET", "g", "inf"), c("INCRBYFLOAT", "g", "1"),
		c("SET", "g", "1e308"), c("INCRBYFLOAT", "g", "1e308"), c("INCRBYFLOAT", "g", "1e4000"),
		c("SET", "g", "1.7976931348623157e308"), c("INCRBYFLOAT", "g", "1"),
		c("SET", "g", "0.1"), c("INCRBYFLOAT", "g", "0.7"), c("INCRBYFLOAT", "g", "-0.8"), c("INCRBYFLOAT", "g", "1e-20"),
		c("INCRBYFLOAT", "g", "3.333333333333333333333"), c("INCRBYFLOAT", "g", "12345678901234567890"),
		c("SET", "h", "5", "EX", "1000"), c("INCRBYFLOAT", "h", "1.5"), c("INCRBYFLOAT"), c("INCRBYFLOAT", "h"),
	}},
	{name: "append strlen", cmds: [][]string{
		c("APPEND", "a", "hello"), c("APPEND", "a", " world"), c("APPEND", "a", ""), c("GET", "a"), c("STRLEN", "a"),
		c("APPEND", "e", ""), c("EXISTS", "e"), c("STRLEN", "nope"), c("STRLEN"), c("APPEND", "a"),
		c("SET", "n", "10"), c("APPEND", "n", "0"), c("INCR", "n"),
	}},
	{name: "getrange setrange", cmds: [][]string{
		c("SET", "s", "Hello, World"),
		c("GETRANGE", "s", "0", "4"), c("GETRANGE", "s", "-5", "-1"), c("GETRANGE", "s", "-1", "-5"),
		c("GETRANGE", "s", "5", "3"), c("GETRANGE", "s", "0", "-1"), c("GETRANGE", "s", "0", "100"),
		c("GETRANGE", "s", "-100", "2"), c("GETRANGE", "s", "20", "30"), c("GETRANGE", "s", "-100", "-50"),
		c("GETRANGE", "s", "-9223372036854775808", "9223372036854775807"), c("GETRANGE", "s", "x", "1"),
		c("GETRANGE", "s", "1", "1.5"), c("GETRANGE", "nope", "0", "-1"), c("GETRANGE", "s", "0"),
		c("SET", "empty", ""), c("GETRANGE", "empty", "0", "-1"), c("GETRANGE", "empty", "-1", "0"),
		c("SETRANGE", "s", "7", "Redis"), c("GET", "s"), c("SETRANGE", "s", "20", "!"), c("GET", "s"), c("STRLEN", "s"),
		c("SETRANGE", "s", "0", ""), c("SETRANGE", "new", "3", "abc"), c("GET", "new"), c("SETRANGE", "new2", "3", ""),
		c("EXISTS", "new2"), c("SETRANGE", "s", "-1", "x"), c("SETRANGE", "s", "x", "y"),
		c("SETRANGE", "s", "536870911", "xy"), c("SETRANGE", "s", "536870912", ""), c("SETRANGE", "nope", "536870912", ""),
		c("SETRANGE", "nope", "536870912", "x"), c("SETRANGE", "s", "1"),
		c("SET", "t", "abc", "EX", "1000"), c("SETRANGE", "t", "1", "B"), c("SETRANGE", "t", "5", "Z"), c("GET", "t"),
	}},
	{name: "wrongtype", needs: "RPUSH", cmds: [][]string{
		c("RPUSH", "l", "1"), c("SET", "s", "1"),
		c("GET", "l"), c("GETDEL", "l"), c("GETSET", "l", "x"), c("SETNX", "l", "x"), c("MGET", "s", "l", "nope"),
		c("INCR", "l"), c("DECR", "l"), c("INCRBY", "l", "1"), c("INCRBY", "l", "x"), c("DECRBY", "l", "1"),
		c("INCRBYFLOAT", "l", "1"), c("INCRBYFLOAT", "l", "x"), c("APPEND", "l", "x"), c("APPEND", "l", ""),
		c("STRLEN", "l"), c("GETRANGE", "l", "0", "-1"), c("GETRANGE", "l", "x", "1"),
		c("SETRANGE", "l", "0", "x"), c("SETRANGE", "l", "0", ""), c("SETRANGE", "l", "-1", "x"),
		c("SET", "l", "x", "GET"), c("SET", "l", "x", "NX", "GET"), c("TYPE", "l"),
		c("RENAME", "l", "m"), c("TYPE", "m"), c("RENAMENX", "s", "m"), c("MSETNX", "m", "1"),
		c("MSET", "m", "1"), c("TYPE", "m"), c("RPUSH", "l", "1"), c("DEL", "l", "m", "s"), c("EXISTS", "l", "m"),
	}},
}

func TestDiffScripted(t *testing.T) {
	miniAddr, redisAddr := startDiff(t)
	for _, sc := range diffScripts {
		t.Run(sc.name, func(t *testing.T) {
			if sc.needs != "" && lookup([]byte(sc.needs)) == nil {
				t.Skipf("no %s in the command table yet", sc.needs)
			}
			p := redistest.NewPair(t, miniAddr, redisAddr)
			flush(t, p)
			for _, args := range sc.cmds {
				p.Compare(sc.unordered, args...)
			}
		})
	}
}

// diffGlobKeys are keys full of the characters that glob patterns treat
// specially, matched by diffGlobPatterns in TestDiffGlob.
var diffGlobKeys = []string{
	"", "a", "b", "ab", "abc", "abd", "aXc", "a*c", "a?c", "a[c", "a]c", "a\\c", "[", "]", "\\", "*", "?",
	"hello", "hallo", "hxllo", "hllo", "heeeello", "A", "ABC", "a-c", "^", "a^c", "é", "日本",
}

var diffGlobPatterns = []string{
	"*", "**", "?", "??", "???", "a*", "*c", "a*c", "a?c", "a\\*c", "a\\?c", "a\\[c", "a[*?]c", "a\\\\c",
	"h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h[b-a]llo", "[a-c]", "[^a-c]", "[A-Z]*", "[a\\]]*",
	"a[", "a[c", "a[b-", "a[-]c", "[]", "[]]", "[^]", "\\", "\\\\", "a\\", "*\\", "[\\", "a[^", "[!a]*",
	"*?*", "?*?", "*a*b*", "a**c", "abc*", "é", "??", "日*", "[^^]", "^*",
}

// TestDiffGlob compares KEYS over keys and patterns chosen to hit every
// branch of stringmatchlen, so globMatch is checked against Redis itself.
func TestDiffGlob(t *testing.T) {
	miniAddr, redisAddr := startDiff(t)
	p := redistest.NewPair(t, miniAddr, redisAddr)
	flush(t, p)
	for _, k := range diffGlobKeys {
		p.Compare(false, "SET", k, "v")
	}
	for _, pat := range diffGlobPatterns {
		p.Compare(true, "KEYS", pat)
	}
}
