package server

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowlogShape is a SLOWLOG GET entry without what differs between runs
// (id, time, duration, address): the arguments and the client name.
func slowlogShape(r redistest.Reply) []string {
	var out []string
	for _, e := range r.Elems {
		if len(e.Elems) != 6 {
			out = append(out, "bad entry "+e.String())
			continue
		}
		var args []string
		for _, a := range e.Elems[3].Elems {
			args = append(args, a.Str)
		}
		out = append(out, strings.Join(args, " ")+" | name="+e.Elems[5].Str)
	}
	return out
}

// TestDiffSlowlog logs every command on both servers and compares what
// SLOWLOG keeps of them, and SLOWLOG's errors.
func TestDiffSlowlog(t *testing.T) {
	miniAddr, redisAddr := startDiff(t)
	p := redistest.NewPair(t, miniAddr, redisAddr)
	many := []string{"DEL"}
	for i := range 40 {
		many = append(many, "k"+strconv.Itoa(i))
	}
	for _, call := range [][]string{
		{"SLOWLOG", "RESET"},
		{"CONFIG", "SET", "slowlog-log-slower-than", "0"},
		{"SET", "k", "v"},
		{"CLIENT", "SETNAME", "tester"},
		{"GET", strings.Repeat("x", 200)},
		many,
		{"AUTH", "secret"},
		{"SLOWLOG", "LEN"},
		{"SLOWLOG", "GET", "x"},
		{"SLOWLOG", "GET", "-2"},
		{"SLOWLOG", "GET", "1", "2"},
		{"SLOWLOG", "LEN", "1"},
		{"SLOWLOG", "NOPE"},
		{"SLOWLOG", "HELP"},
	} {
		p.Compare(false, call...)
	}
	// The reply differs (version, id); only its SLOWLOG entry is compared.
	for _, c := range []*redistest.Conn{p.Mini, p.Redis} {
		_, err := c.Do("HELLO", "2", "AUTH", "default", "pw")
		require.NoError(t, err)
	}
	want, err := p.Redis.Do("SLOWLOG", "GET", "-1")
	require.NoError(t, err)
	got, err := p.Mini.Do("SLOWLOG", "GET", "-1")
	require.NoError(t, err)
	assert.Equal(t, slowlogShape(want), slowlogShape(got))
	p.Compare(false, "CONFIG", "SET", "slowlog-max-len", "3")
	p.Compare(false, "SLOWLOG", "LEN")
	p.Compare(false, "SLOWLOG", "RESET")
	p.Compare(false, "CONFIG", "SET", "slowlog-log-slower-than", "-1")
	p.Compare(false, "SET", "k", "v")
	p.Compare(false, "SLOWLOG", "LEN")
	p.Compare(false, "CONFIG", "SET", "slowlog-log-slower-than", "10000", "slowlog-max-len", "128")
}

func infoFields(t *testing.T, r *rawConn, section string) map[string]string {
	t.Helper()
	m := make(map[string]string)
	for _, line := range strings.Split(info(t, r, section), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m
}

// TestCommandStats checks the counters INFO reports per command, the
// keyspace hits and misses, error stats, and that RESETSTAT zeroes them.
func TestCommandStats(t *testing.T) {
	s := startServer(t, redisConfig())
	r := dial(t, s)
	expect(t, r, resp("SET", "k", "v"), "+OK\r\n")
	expect(t, r, resp("GET", "k"), "$1\r\nv\r\n")
	expect(t, r, resp("GET", "nope"), "$-1\r\n")
	expect(t, r, resp("MGET", "k", "nope", "k"), "*3\r\n$1\r\nv\r\n$-1\r\n$1\r\nv\r\n")
	expect(t, r, resp("LPUSH", "l", "a"), ":1\r\n")
	expect(t, r, resp("GET", "l"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
	expect(t, r, resp("GET"), "-ERR wrong number of arguments for 'get' command\r\n")
	expect(t, r, resp("NOSUCH"), "-ERR unknown command 'NOSUCH', with args beginning with: \r\n")
	// A pipeline: the batch's commands are counted together.
	r.send(resp("SET", "a", "1") + resp("SET", "b", "2") + resp("INCR", "a"))
	r.read(len("+OK\r\n+OK\r\n:2\r\n"))

	cs := infoFields(t, r, "commandstats")
	assert.Regexp(t, `^calls=3,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$`, cs["cmdstat_set"])
	assert.Regexp(t, `^calls=3,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=1$`, cs["cmdstat_get"])
	assert.Regexp(t, `^calls=1,.*rejected_calls=0,failed_calls=0$`, cs["cmdstat_incr"])
	assert.NotContains(t, cs, "cmdstat_hset")

	st := infoFields(t, r, "stats")
	assert.Equal(t, "4", st["keyspace_hits"], "GET k, GET l (wrong type), MGET's two")
	assert.Equal(t, "2", st["keyspace_misses"])
	assert.Equal(t, "3", st["total_error_replies"])
	n, err := strconv.Atoi(st["total_net_input_bytes"])
	require.NoError(t, err)
	assert.Greater(t, n, 100)
	n, err = strconv.Atoi(st["total_net_output_bytes"])
	require.NoError(t, err)
	assert.Greater(t, n, 50)

	es := infoFields(t, r, "errorstats")
	assert.Equal(t, "count=2", es["errorstat_ERR"])
	assert.Equal(t, "count=1", es["errorstat_WRONGTYPE"])

	ls := infoFields(t, r, "latencystats")
	assert.Regexp(t, `^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$`, ls["latency_percentiles_usec_set"])

	expect(t, r, resp("CONFIG", "RESETSTAT"), "+OK\r\n")
	cs = infoFields(t, r, "commandstats")
	assert.NotContains(t, cs, "cmdstat_set")
	assert.Contains(t, cs, "cmdstat_config", "RESETSTAT itself is counted after the reset")
	st = infoFields(t, r, "stats")
	assert.Equal(t, "0", st["keyspace_hits"])
	assert.Empty(t, infoFields(t, r, "errorstats"))
}

func TestLatencyHist(t *testing.T) {
	var h latencyHist
	for v := range int64(1000) {
		h.add(v*1000, 1) // 0 .. 999 µs
	}
	for _, tc := range []struct {
		p    float64
		want int64 // µs
	}{{50, 500}, {99, 990}, {99.9, 999}, {100, 999}} {
		got := h.percentile(tc.p) / 1000
		assert.InDelta(t, tc.want, got, float64(tc.want)/8+1, "p%v", tc.p)
	}
	for v := int64(0); v < 1<<40; v = v*3 + 1 {
		b := histBucket(v)
		assert.LessOrEqual(t, v, histUpper(b), "v=%d", v)
		if b > 0 {
			assert.Greater(t, v, histUpper(b-1), "v=%d", v)
		}
	}
}

// TestLatencyMonitor checks LATENCY's replies once a command has run past
// latency-monitor-threshold (fed directly: no command takes a millisecond
// reliably).
func TestLatencyMonitor(t *testing.T) {
	s := startServer(t, redisConfig())
	r := dial(t, s)
	rc := redistest.Dial(t, s.Addr().String())
	doc, err := rc.Do("LATENCY", "DOCTOR")
	require.NoError(t, err)
	assert.Contains(t, doc.Str, "Latency monitoring is disabled")
	expect(t, r, resp("CONFIG", "SET", "latency-monitor-threshold", "5"), "+OK\r\n")
	s.latency.add("command", 1000, 7)
	s.latency.add("command", 1000, 9)
	s.latency.add("command", 1001, 6)
	expect(t, r, resp("LATENCY", "LATEST"), "*1\r\n*4\r\n$7\r\ncommand\r\n:1001\r\n:6\r\n:9\r\n")
	expect(t, r, resp("LATENCY", "HISTORY", "command"), "*2\r\n*2\r\n:1000\r\n:9\r\n*2\r\n:1001\r\n:6\r\n")
	expect(t, r, resp("LATENCY", "HISTORY", "other"), "*0\r\n")
	expect(t, r, resp("LATENCY", "RESET", "other"), ":0\r\n")
	expect(t, r, resp("LATENCY", "RESET"), ":1\r\n")
	expect(t, r, resp("LATENCY", "LATEST"), "*0\r\n")
	expect(t, r, resp("LATENCY", "NOPE"), "-ERR unknown subcommand 'NOPE'. Try LATENCY HELP.\r\n")
	expect(t, r, resp("LATENCY", "HISTORY"), "-ERR wrong number of arguments for 'latency|history' command\r\n")
	doc, err = rc.Do("LATENCY", "DOCTOR")
	require.NoError(t, err)
	assert.Contains(t, doc.Str, "no latency spike was observed")
	expect(t, r, resp("SET", "k", "v"), "+OK\r\n")
	h, err := rc.Do("LATENCY", "HISTOGRAM", "set", "nosuch", "get")
	require.NoError(t, err)
	require.Len(t, h.Elems, 2, "%v", h)
	assert.Equal(t, "set", h.Elems[0].Str)
	body := h.Elems[1].Elems
	require.Len(t, body, 4, "%v", h)
	assert.Equal(t, "calls", body[0].Str)
	assert.Equal(t, int64(1), body[1].Int)
	assert.Equal(t, "histogram_usec", body[2].Str)
	buckets := body[3].Elems
	require.NotEmpty(t, buckets)
	assert.Equal(t, int64(1), buckets[len(buckets)-1].Int, "cumulative: the last bucket holds every call")
}

// TestDiffClientFields compares the field names of CLIENT INFO and CLIENT
// LIST lines, in order, with redis-server's.
func TestDiffClientFields(t *testing.T) {
	miniAddr, redisAddr := startDiff(t)
	p := redistest.NewPair(t, miniAddr, redisAddr)
	names := func(line string) []string {
		var out []string
		for _, f := range strings.Fields(line) {
			k, _, _ := strings.Cut(f, "=")
			out = append(out, k)
		}
		return out
	}
	for _, sub := range []string{"INFO", "LIST"} {
		want, err := p.Redis.Do("CLIENT", sub)
		require.NoError(t, err)
		got, err := p.Mini.Do("CLIENT", sub)
		require.NoError(t, err)
		assert.Equal(t, names(want.Str), names(got.Str), sub)
	}
	got, err := p.Mini.Do("CLIENT", "INFO")
	require.NoError(t, err)
	assert.Regexp(t, ` fd=\d+ `, got.Str)
	assert.Contains(t, got.Str, " resp=2")
}

// TestDiffMemory compares MEMORY's errors and the reply shapes that do not
// depend on the allocator.
func TestDiffMemory(t *testing.T) {
	miniAddr, redisAddr := startDiff(t)
	p := redistest.NewPair(t, miniAddr, redisAddr)
	for _, call := range [][]string{
		{"SET", "k", "v"},
		{"MEMORY", "USAGE", "nokey"},
		{"MEMORY", "USAGE", "k", "SAMPLES", "x"},
		{"MEMORY", "USAGE", "k", "BOGUS"},
		{"MEMORY", "USAGE"},
		{"MEMORY", "NOPE"},
		{"MEMORY", "STATS", "x"},
	} {
		p.Compare(false, call...)
	}
	r, err := p.Mini.Do("MEMORY", "USAGE", "k")
	require.NoError(t, err)
	assert.Greater(t, r.Int, int64(2))
	_, err = p.Mini.Do("RPUSH", "l", strings.Repeat("x", 1000), strings.Repeat("y", 1000))
	require.NoError(t, err)
	r, err = p.Mini.Do("MEMORY", "USAGE", "l", "SAMPLES", "0")
	require.NoError(t, err)
	assert.Greater(t, r.Int, int64(2000))
	st, err := p.Mini.Do("MEMORY", "STATS")
	require.NoError(t, err)
	assert.Contains(t, st.String(), "keys.count")
}

// TestDiffCommand compares COMMAND GETKEYS, COUNT/LIST errors, FILTERBY
// and the INFO entries of common commands with redis-server. GETKEYS runs
// for every command in the table that has keys, from its table data.
func TestDiffCommand(t *testing.T) {
	miniAddr, redisAddr := startDiff(t)
	p := redistest.NewPair(t, miniAddr, redisAddr)
	for _, call := range [][]string{
		{"COMMAND", "GETKEYS"},
		{"COMMAND", "GETKEYS", "nosuch", "a"},
		{"COMMAND", "GETKEYS", "get"},
		{"COMMAND", "GETKEYS", "get", "a", "b"},
		{"COMMAND", "GETKEYS", "ping", "x"},
		{"COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"},
		{"COMMAND", "GETKEYS", "eval", "return 1", "2", "x", "y", "z"},
		{"COMMAND", "GETKEYS", "lmpop", "2", "a", "b", "LEFT"},
		{"COMMAND", "GETKEYS", "blmpop", "0", "2", "a", "b", "LEFT"},
		{"COMMAND", "GETKEYSANDFLAGS", "get", "k"},
		{"COMMAND", "COUNT", "x"},
		{"COMMAND", "LIST", "FILTERBY", "bogus", "x"},
		{"COMMAND", "LIST", "FILTERBY", "pattern"},
		{"COMMAND", "LIST", "FILTERBY", "module", "x"},
		{"COMMAND", "NOPE"},
		{"COMMAND", "INFO", "nosuch"},
		// Commands whose key flags and tips follow from the table alone
		// (Redis's per-command key-spec notes, such as SET's OW, are not
		// in it).
		{"COMMAND", "INFO", "get", "hset", "hget", "zadd", "expire", "persist"},
	} {
		p.Compare(false, call...)
	}
	// Every command with keys, in a shape of its arity, gets the keys
	// Redis finds in it.
	for i := range commands {
		cmd := &commands[i]
		if cmd.firstKey <= 0 || cmd.flags&flagMini != 0 {
			continue
		}
		n := cmd.arity
		if n < 0 {
			n = -n + 1
		}
		args := []string{"COMMAND", "GETKEYS", cmd.lowerName()}
		for j := 1; j < n; j++ {
			args = append(args, "k"+strconv.Itoa(j))
		}
		if cmd.name == "BLMOVE" {
			args = []string{"COMMAND", "GETKEYS", "blmove", "a", "b", "LEFT", "RIGHT", "0"}
		}
		p.Compare(false, args...)
	}
	want, err := p.Redis.Do("COMMAND", "LIST", "FILTERBY", "pattern", "z*")
	require.NoError(t, err)
	got, err := p.Mini.Do("COMMAND", "LIST", "FILTERBY", "pattern", "z*")
	require.NoError(t, err)
	have := make(map[string]bool)
	for _, e := range want.Elems {
		have[e.Str] = true
	}
	for _, e := range got.Elems {
		assert.True(t, have[e.Str], "%s is a Redis command matching z*", e.Str)
	}
}

// TestScriptCommandsCounted checks that commands a script runs are counted
// in INFO commandstats and shown to MONITOR as Redis shows them ("lua"),
// with more distinct commands than a batch adds up before settling.
func TestScriptCommandsCounted(t *testing.T) {
	s := startServer(t, redisConfig())
	mon := dial(t, s)
	expect(t, mon, resp("MONITOR"), "+OK\r\n")
	r := dial(t, s)
	script := "redis.call('SET','a','1') redis.call('INCR','a') redis.call('GET','a') redis.call('APPEND','b','x') redis.call('STRLEN','b') redis.call('EXISTS','a') return redis.call('GET','a')"
	expect(t, r, resp("EVAL", script, "0"), "$1\r\n2\r\n")
	cs := infoFields(t, r, "commandstats")
	for _, name := range []string{"set", "incr", "append", "strlen", "exists", "eval"} {
		assert.Contains(t, cs, "cmdstat_"+name)
	}
	assert.Regexp(t, `^calls=2,`, cs["cmdstat_get"])
	require.NoError(t, mon.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	first, err := mon.rd.ReadString('\n')
	require.NoError(t, err)
	assert.Contains(t, first, `"EVAL"`)
	second, err := mon.rd.ReadString('\n')
	require.NoError(t, err)
	assert.Regexp(t, `^\+\d+\.\d{6} \[0 lua\] "SET" "a" "1"\r\n$`, second)
}
