package server

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// streamScenarios build streams on key "s" with commands whose results do
// not depend on the clock, so that redis-server and miniredis hold the same
// stream and DUMP must give the same bytes.
func streamScenarios() map[string][][]string {
	xadd := func(id string, fv ...string) []string { return append([]string{"XADD", "s", id}, fv...) }
	small := [][]string{
		xadd("1-1", "a", "1", "b", "2"),
		xadd("1-2", "a", "3", "b", "4"), // same fields as the master entry
		xadd("2-0", "c", "x"),
		xadd("3-0", "a", "-7", "b", "9223372036854775807", "c", "3"),
	}
	var big [][]string
	for i := 1; i <= 1000; i++ {
		v := "value-" + strconv.Itoa(i)
		if i%97 == 0 {
			v = strings.Repeat("x", 700) // fills nodes by bytes, not count
		}
		big = append(big, xadd(strconv.Itoa(i)+"-0", "field", v, "n", strconv.Itoa(i*1000)))
	}
	return map[string][][]string{
		"small":   small,
		"deleted": append(small[:len(small):len(small)], []string{"XDEL", "s", "1-1", "2-0"}),
		"big-trimmed": append(big[:len(big):len(big)],
			[]string{"XTRIM", "s", "MAXLEN", "~", "600"},
			[]string{"XTRIM", "s", "MAXLEN", "550"},
			[]string{"XDEL", "s", "700-0", "701-0", "999-0"}),
		"empty": {xadd("5-5", "f", "v"), {"XDEL", "s", "5-5"}},
		"encodings": {
			xadd("1-0", "", "", "i", "-4096", "j", "4095", "k", "-32768", "l", "8388607", "m", "-2147483648", "n", "01"),
			xadd("2-0", strings.Repeat("f", 64), strings.Repeat("v", 5000)),
			xadd("18446744073709551615-18446744073709551615", "last", "1"),
		},
		"groups": append(small[:len(small):len(small)],
			[]string{"XGROUP", "CREATE", "s", "g1", "0"},
			[]string{"XGROUP", "CREATE", "s", "g2", "$"},
			[]string{"XGROUP", "CREATE", "s", "1", "1-2", "ENTRIESREAD", "2"},
			[]string{"XDEL", "s", "2-0"}),
		"setid": append(small[:len(small):len(small)],
			[]string{"XSETID", "s", "10-0", "ENTRIESADDED", "50", "MAXDELETEDID", "3-0"}),
	}
}

// streamReadBack are the reads compared after a stream moves between the
// servers; all values, times included, come from the moved payload.
func streamReadBack(key string) [][]string {
	return [][]string{
		{"XINFO", "STREAM", key, "FULL"},
		{"XRANGE", key, "-", "+"},
		{"XREVRANGE", key, "+", "-", "COUNT", "3"},
		{"XLEN", key},
		{"XINFO", "GROUPS", key},
		{"XPENDING", key, "g1"},
		{"XPENDING", key, "g2"},
	}
}

// compareStream runs streamReadBack on both servers with Redis's
// radix-tree node count and the idle times (clock-dependent) masked.
func compareStream(t *testing.T, p *redistest.Pair, key string) {
	t.Helper()
	for _, args := range streamReadBack(key) {
		compareRadixMasked(t, p, args...)
	}
	// XPENDING's extended form: idle times are the one clock-dependent part
	args := []string{"XPENDING", key, "g1", "-", "+", "100"}
	want, _ := p.Redis.Do(args...)
	got, _ := p.Mini.Do(args...)
	assert.Equal(t, maskStream(want, true).String(), maskStream(got, true).String(), "%q", args)
}

// compareRadixMasked compares the replies to args with radix-tree-nodes
// masked.
func compareRadixMasked(t *testing.T, p *redistest.Pair, args ...string) {
	t.Helper()
	want, err := p.Redis.Do(args...)
	require.NoError(t, err)
	got, err := p.Mini.Do(args...)
	require.NoError(t, err)
	assert.Equal(t, maskRadix(want).String(), maskRadix(got).String(), "%q", args)
}

// maskRadix hides radix-tree-nodes, which depends on Redis's radix tree.
func maskRadix(r redistest.Reply) redistest.Reply {
	if len(r.Elems) == 0 {
		return r
	}
	out := r
	out.Elems = make([]redistest.Reply, len(r.Elems))
	for i, e := range r.Elems {
		out.Elems[i] = maskRadix(e)
	}
	for i := 0; i+1 < len(out.Elems); i++ {
		if e := out.Elems[i]; e.Kind == redistest.Bulk && e.Str == "radix-tree-nodes" {
			out.Elems[i+1] = redistest.Reply{Kind: redistest.Simple, Str: "<masked>"}
		}
	}
	return out
}

// TestStreamDumpBytesRedis: for streams built by the same commands, DUMP
// here gives redis-server's exact payload; each side RESTOREs the other's,
// and the copies read back the same.
func TestStreamDumpBytesRedis(t *testing.T) {
	redisAddr := redistest.StartRedis(t)
	s := startServer(t, redisConfig())
	p := redistest.NewPair(t, s.Addr().String(), redisAddr)
	for name, cmds := range streamScenarios() {
		t.Run(name, func(t *testing.T) {
			p := p.For(t)
			p.Compare(false, "FLUSHALL")
			for _, c := range cmds {
				p.Compare(false, c...)
			}
			// Byte for byte without LZF: Redis's LZF hash table is left
			// uninitialised between calls (liblzf's INIT_HTAB 0), so its
			// compressed bytes depend on what it compressed before.
			p.Compare(false, "CONFIG", "SET", "rdbcompression", "no")
			plain := p.Compare(false, "DUMP", "s")
			require.Equal(t, redistest.Bulk, plain.Kind, "%v", plain)
			p.Compare(false, "CONFIG", "SET", "rdbcompression", "yes")
			theirs, err := p.Redis.Do("DUMP", "s")
			require.NoError(t, err)
			ours, err := p.Mini.Do("DUMP", "s")
			require.NoError(t, err)
			mustDo(t, p.Mini)("RESTORE", "copy", "0", theirs.Str)
			mustDo(t, p.Redis)("RESTORE", "copy", "0", ours.Str)
			compareStream(t, p, "copy")
			compareStream(t, p, "s")
			p.Compare(false, "XADD", "copy", "9999999999999-0", "after", "restore") // the loaded stream takes new entries alike
			compareRadixMasked(t, p, "XINFO", "STREAM", "copy")
		})
	}
}

// pendingCommands give key "s" groups with consumers and pending entries,
// including entries delivered twice, claimed and acknowledged; their
// delivery and seen times come from the clock, so Redis's payload is
// compared after a round trip rather than with a stream built here.
func pendingCommands() [][]string {
	cmds := [][]string{}
	for i := 1; i <= 250; i++ {
		cmds = append(cmds, []string{"XADD", "s", strconv.Itoa(i) + "-1", "f", strconv.Itoa(i)})
	}
	return append(cmds,
		[]string{"XGROUP", "CREATE", "s", "g1", "0"},
		[]string{"XGROUP", "CREATE", "s", "g2", "0"},
		[]string{"XGROUP", "CREATECONSUMER", "s", "g2", "idle-consumer"},
		[]string{"XREADGROUP", "GROUP", "g1", "alice", "COUNT", "120", "STREAMS", "s", ">"},
		[]string{"XREADGROUP", "GROUP", "g1", "bob", "COUNT", "50", "STREAMS", "s", ">"},
		[]string{"XREADGROUP", "GROUP", "g1", "alice", "STREAMS", "s", "0"}, // delivery count 2
		[]string{"XCLAIM", "s", "g1", "bob", "0", "3-1", "4-1"},
		[]string{"XACK", "s", "g1", "5-1", "6-1", "160-1"},
		[]string{"XDEL", "s", "7-1", "200-1"},
		[]string{"XREADGROUP", "GROUP", "g2", "carol", "COUNT", "10", "STREAMS", "s", ">"},
	)
}

// TestStreamPendingDumpRedis: a stream with consumers and pending entries
// DUMPed by redis-server RESTOREs here with the same XINFO STREAM FULL,
// XPENDING and XRANGE answers, and DUMP here gives back Redis's bytes.
func TestStreamPendingDumpRedis(t *testing.T) {
	redisAddr := redistest.StartRedis(t)
	s := startServer(t, redisConfig())
	p := redistest.NewPair(t, s.Addr().String(), redisAddr)
	rdo := mustDo(t, p.Redis)
	for _, c := range pendingCommands() {
		rdo(c...)
	}
	theirs := rdo("DUMP", "s").Str
	mustDo(t, p.Mini)("RESTORE", "s", "0", theirs)
	rdo("RESTORE", "copy", "0", theirs) // the same stream on both sides under "copy"
	mustDo(t, p.Mini)("RESTORE", "copy", "0", theirs)
	compareStream(t, p, "s")
	// our DUMP of what Redis dumped is Redis's DUMP (without LZF, whose
	// output depends on the history of Redis's hash table)
	p.Compare(false, "CONFIG", "SET", "rdbcompression", "no")
	p.Compare(false, "DUMP", "s")
	p.Compare(false, "CONFIG", "SET", "rdbcompression", "yes")
	// both go on alike from the loaded state
	p.Compare(false, "XACK", "copy", "g1", "1-1", "2-1")
	p.Compare(false, "XCLAIM", "copy", "g1", "dave", "0", "8-1", "JUSTID")
	p.Compare(false, "XGROUP", "DELCONSUMER", "copy", "g1", "bob")
	p.Compare(false, "XPENDING", "copy", "g1")
	p.Compare(false, "XTRIM", "copy", "MAXLEN", "~", "100")
	compareRadixMasked(t, p, "XINFO", "STREAM", "copy")
}

// TestStreamRDBRoundTripsRedis: streams in a dump.rdb written by
// redis-server load here with the same answers; SAVE here writes a file
// redis-check-rdb accepts and redis-server loads to the same streams.
func TestStreamRDBRoundTripsRedis(t *testing.T) {
	theirDir := t.TempDir()
	redisAddr := redistest.StartRedis(t, "--dir", theirDir)
	rdo := mustDo(t, redistest.Dial(t, redisAddr))
	var keys []string
	for name, cmds := range streamScenarios() {
		for _, c := range cmds {
			c = append([]string(nil), c...)
			if c[0] == "XGROUP" {
				c[2] = name
			} else {
				c[1] = name
			}
			rdo(c...)
		}
		keys = append(keys, name)
	}
	for _, c := range pendingCommands() {
		rdo(c...)
	}
	keys = append(keys, "s")
	rdo("PEXPIREAT", "s", "4102444800000")
	rdo("SAVE")

	s := startServer(t, persistConfig(theirDir))
	p := redistest.NewPair(t, s.Addr().String(), redisAddr)
	for _, k := range keys {
		compareStream(t, p, k)
		p.Compare(false, "PEXPIRETIME", k)
	}

	// Our file, redis-check-rdb, then redis-server loads it.
	mustDo(t, p.Mini)("SAVE")
	checkRDB(t, filepath.Join(theirDir, "dump.rdb"))
	redis2 := redistest.StartRedis(t, "--dir", theirDir)
	p2 := redistest.NewPair(t, s.Addr().String(), redis2)
	p2.Compare(false, "CONFIG", "SET", "rdbcompression", "no")
	for _, k := range keys {
		compareStream(t, p2, k)
		p2.Compare(false, "PEXPIRETIME", k)
		// the bytes too: what Redis loaded from our file dumps as ours does
		p2.Compare(false, "DUMP", k)
	}
}

// TestAOFBaseCarriesStreams: streams in a dump.rdb go into the RDB base
// when the log is turned on; a restart from the log (the same decoder)
// and redis-server started on the directory hold the same streams.
func TestAOFBaseCarriesStreams(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	cfg := withClock(redisConfig(), clock)
	cfg.Dir = dir
	s, stop := runUntilStopped(t, cfg)
	do := mustDo(t, redistest.Dial(t, s.Addr().String()))
	for _, c := range pendingCommands() {
		do(c...)
	}
	before := do("XINFO", "STREAM", "s", "FULL").String()
	do("SAVE")
	stop()

	s, stop = runUntilStopped(t, aofConfig(dir, clock))
	do = mustDo(t, redistest.Dial(t, s.Addr().String()))
	do("XADD", "s", "300-1", "f", "logged") // in the incremental file, after the base
	stop()
	s, _ = runUntilStopped(t, aofConfig(dir, clock))
	do = mustDo(t, redistest.Dial(t, s.Addr().String()))
	do("XDEL", "s", "300-1") // back to the state of the base (with the max deleted ID moved)
	after := do("XINFO", "STREAM", "s", "FULL").String()
	assert.Equal(t, strings.Replace(before, `$"max-deleted-entry-id" $"200-1"`, `$"max-deleted-entry-id" $"300-1"`, 1),
		strings.NewReplacer(`$"last-generated-id" $"300-1"`, `$"last-generated-id" $"250-1"`, `$"entries-added" :251`, `$"entries-added" :250`).Replace(after))

	redisDir := t.TempDir() // a copy: Redis appends to the files it starts from
	require.NoError(t, os.CopyFS(redisDir, os.DirFS(dir)))
	redisAddr := redistest.StartRedis(t, "--appendonly", "yes", "--dir", redisDir)
	p := redistest.NewPair(t, s.Addr().String(), redisAddr)
	mustDo(t, p.Redis)("XDEL", "s", "300-1")
	compareStream(t, p, "s")
}
