package server

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Byte-exact replies of the issue 14 commands where RESP2 and RESP3 differ
// (the differential tests cover the rest against a real redis-server).
func TestTypesReplyShapes(t *testing.T) {
	s := startServer(t, redisConfig())
	setup := []exchange{
		{"flush", resp("FLUSHALL"), "+OK\r\n"},
		{"zadd a", resp("ZADD", "za", "1", "a", "2", "b"), ":2\r\n"},
		{"zadd b", resp("ZADD", "zb", "10", "b", "0.5", "c"), ":2\r\n"},
		{"sadd", resp("SADD", "s", "3", "1", "2"), ":3\r\n"},
		{"set k1", resp("SET", "k1", "ohmytext"), "+OK\r\n"},
		{"set k2", resp("SET", "k2", "mynewtext"), "+OK\r\n"},
	}
	for _, proto := range []string{"2", "3"} {
		t.Run("resp"+proto, func(t *testing.T) {
			r := dial(t, s)
			runExchanges(t, r, setup)
			if proto == "3" {
				r.send(resp("HELLO", "3"))
				_, err := redistest.ReadReply(r.rd)
				require.NoError(t, err)
			}
			pick := func(resp2, resp3 string) string {
				if proto == "3" {
					return resp3
				}
				return resp2
			}
			runExchanges(t, r, []exchange{
				{"zunion withscores", resp("ZUNION", "2", "za", "zb", "WITHSCORES"), pick(
					"*6\r\n$1\r\nc\r\n$3\r\n0.5\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n12\r\n",
					"*3\r\n*2\r\n$1\r\nc\r\n,0.5\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,12\r\n")},
				{"zinter", resp("ZINTER", "2", "za", "zb"), "*1\r\n$1\r\nb\r\n"},
				{"zmscore", resp("ZMSCORE", "za", "a", "x"), pick("*2\r\n$1\r\n1\r\n$-1\r\n", "*2\r\n,1\r\n_\r\n")},
				{"zrevrangebyscore", resp("ZREVRANGEBYSCORE", "za", "+inf", "-inf", "WITHSCORES", "LIMIT", "0", "1"), pick(
					"*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "*1\r\n*2\r\n$1\r\nb\r\n,2\r\n")},
				{"zscan scores are bulk strings", resp("ZSCAN", "zb", "0"), "*2\r\n$1\r\n0\r\n*4\r\n$1\r\nc\r\n$3\r\n0.5\r\n$1\r\nb\r\n$2\r\n10\r\n"},
				{"smembers intset order", resp("SMEMBERS", "s"), pick("*3\r\n", "~3\r\n") + "$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"},
				{"sinter is a set", resp("SINTER", "s"), pick("*3\r\n", "~3\r\n") + "$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"},
				{"smismember", resp("SMISMEMBER", "s", "1", "9"), "*2\r\n:1\r\n:0\r\n"},
				{"lcs", resp("LCS", "k1", "k2"), "$6\r\nmytext\r\n"},
				{"lcs idx", resp("LCS", "k1", "k2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"), pick("*4\r\n", "%2\r\n") +
					"$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"},
				{"object encoding", resp("OBJECT", "ENCODING", "s"), "$6\r\nintset\r\n"},
				{"object missing", resp("OBJECT", "ENCODING", "nokey"), pick("$-1\r\n", "_\r\n")},
				{"sort get", resp("SORT", "s", "DESC", "GET", "#", "GET", "nostar"), pick(
					"*6\r\n$1\r\n3\r\n$-1\r\n$1\r\n2\r\n$-1\r\n$1\r\n1\r\n$-1\r\n",
					"*6\r\n$1\r\n3\r\n_\r\n$1\r\n2\r\n_\r\n$1\r\n1\r\n_\r\n")},
			})
		})
	}
}

// A scan of a large sorted set or set, resumed from each cursor, returns
// every member exactly once when nothing changes in between.
func TestScanLargeCollections(t *testing.T) {
	s := startServer(t, redisConfig())
	c := newTestClient(s)
	const n = 1000
	zadd, sadd := []string{"ZADD", "z"}, []string{"SADD", "s"}
	for i := range n {
		m := "m" + strconv.Itoa(i)
		zadd = append(zadd, strconv.Itoa(i%17), m)
		sadd = append(sadd, m)
	}
	c.exec(bargs(zadd...))
	c.exec(bargs(sadd...))
	for _, cmd := range []string{"ZSCAN", "SSCAN"} {
		t.Run(cmd, func(t *testing.T) {
			key := strings.ToLower(cmd[:1])
			seen := map[string]int{}
			cursor, calls := "0", 0
			for {
				c.w.Reset()
				c.exec(bargs(cmd, key, cursor, "COUNT", "7"))
				r, err := redistest.ReadReply(bufio.NewReader(bytes.NewReader(c.w.Pending())))
				require.NoError(t, err)
				require.Len(t, r.Elems, 2)
				cursor = r.Elems[0].Str
				step := 1
				if cmd == "ZSCAN" {
					step = 2
				}
				for i := 0; i < len(r.Elems[1].Elems); i += step {
					seen[r.Elems[1].Elems[i].Str]++
				}
				calls++
				require.Less(t, calls, n, "the scan never ends")
				if cursor == "0" {
					break
				}
			}
			assert.Len(t, seen, n)
			for m, k := range seen {
				assert.Equal(t, 1, k, "%s returned %d times", m, k)
			}
			assert.Greater(t, calls, n/7-1, "COUNT bounds each call")
		})
	}
}

// OBJECT IDLETIME counts from the last access the store records: the last
// write, and reads too under allkeys-lru, which keeps access clocks.
func TestObjectIdleTime(t *testing.T) {
	for _, lru := range []bool{false, true} {
		t.Run("lru="+strconv.FormatBool(lru), func(t *testing.T) {
			clock := newFakeClock()
			cfg := withClock(redisConfig(), clock)
			if lru {
				cfg.MaxMemory, cfg.MaxMemoryPolicy = 1<<40, shard.AllKeysLRU
			}
			s := startServer(t, cfg)
			r := dial(t, s)
			runExchanges(t, r, []exchange{{"set", resp("SET", "k", "v"), "+OK\r\n"}})
			clock.Advance(5 * time.Second)
			runExchanges(t, r, []exchange{
				{"idle", resp("OBJECT", "IDLETIME", "k"), ":5\r\n"},
				{"get", resp("GET", "k"), "$1\r\nv\r\n"},
			})
			want := ":5\r\n"
			if lru {
				want = ":0\r\n"
			}
			runExchanges(t, r, []exchange{
				{"idle after a read", resp("OBJECT", "IDLETIME", "k"), want},
				{"object is no access", resp("OBJECT", "IDLETIME", "k"), want},
				{"freq", resp("OBJECT", "FREQ", "k"), "-" + msgObjectFreq + "\r\n"},
			})
		})
	}
}

// LCS refuses, with Redis's allocation-failure error, a table past
// lcsMaxTable instead of allocating it.
func TestLCSTableBound(t *testing.T) {
	s := startServer(t, redisConfig())
	c := newTestClient(s)
	big := strings.Repeat("a", 9000)
	c.exec(bargs("SET", "a", big))
	c.exec(bargs("SET", "b", big))
	c.w.Reset()
	c.exec(bargs("LCS", "a", "b", "LEN"))
	assert.Equal(t, "-"+msgLCSMemory+"\r\n", string(c.w.Pending()))
	c.w.Reset()
	c.exec(bargs("SET", "b", big[:100]))
	c.w.Reset()
	c.exec(bargs("LCS", "a", "b", "LEN"))
	assert.Equal(t, ":100\r\n", string(c.w.Pending()))
}

// SORT with BY or GET patterns, or with STORE, reaches keys its table row
// does not declare: EXEC and scripts must hold every shard for it.
func TestSortReaches(t *testing.T) {
	cmd := lookup([]byte("SORT"))
	ro := lookup([]byte("SORT_RO"))
	for _, tc := range []struct {
		args     []string
		sort, ro bool
	}{
		{[]string{"SORT", "k"}, false, false},
		{[]string{"SORT", "k", "BY", "nosort", "GET", "#"}, false, false},
		{[]string{"SORT", "k", "BY", "w_*"}, true, true},
		{[]string{"SORT", "k", "GET", "h_*->f"}, true, true},
		{[]string{"SORT", "k", "STORE", "d"}, true, false},
		{[]string{"SORT", "k", "LIMIT", "0", "1", "ALPHA"}, false, false},
	} {
		args := bargs(tc.args...)
		assert.Equal(t, tc.sort, cmd.needsAll(args), "SORT %q", tc.args)
		assert.Equal(t, tc.ro, ro.needsAll(args), "SORT_RO %q", tc.args)
	}

	// The same through a transaction, on many shards.
	cfg := redisConfig()
	cfg.Shards = 64
	s := startServer(t, cfg)
	r := dial(t, s)
	script := []exchange{
		{"list", resp("RPUSH", "l", "a", "b", "c"), ":3\r\n"},
		{"weights", resp("MSET", "w_a", "3", "w_b", "1", "w_c", "2"), "+OK\r\n"},
		{"hash", resp("HSET", "h_b", "f", "B"), ":1\r\n"},
		{"multi", resp("MULTI"), "+OK\r\n"},
		{"sort queued", resp("SORT", "l", "BY", "w_*", "GET", "#", "GET", "h_*->f", "STORE", "out"), "+QUEUED\r\n"},
		{"read queued", resp("LRANGE", "out", "0", "-1"), "+QUEUED\r\n"},
		{"exec", resp("EXEC"), "*2\r\n:6\r\n*6\r\n$1\r\nb\r\n$1\r\nB\r\n$1\r\nc\r\n$0\r\n\r\n$1\r\na\r\n$0\r\n\r\n"},
	}
	runExchanges(t, r, script)
}

// COPY ... DB n inside a transaction and from a script lands in the other
// database, a deep copy with the deadline.
func TestCopyAcrossDBs(t *testing.T) {
	s := startServer(t, withClock(redisConfig(), newFakeClock()))
	r := dial(t, s)
	runExchanges(t, r, []exchange{
		{"zadd", resp("ZADD", "z", "1", "a"), ":1\r\n"},
		{"pexpire", resp("PEXPIRE", "z", "100000"), ":1\r\n"},
		{"multi", resp("MULTI"), "+OK\r\n"},
		{"copy queued", resp("COPY", "z", "z2", "DB", "3"), "+QUEUED\r\n"},
		{"exec", resp("EXEC"), "*1\r\n:1\r\n"},
		{"again refused", resp("COPY", "z", "z2", "DB", "3"), ":0\r\n"},
		{"script replace", resp("EVAL", "return redis.call('COPY', KEYS[1], KEYS[2], 'DB', '3', 'REPLACE')", "2", "z", "z2"), ":1\r\n"},
		{"change the source", resp("ZADD", "z", "2", "b"), ":1\r\n"},
		{"select", resp("SELECT", "3"), "+OK\r\n"},
		{"the copy", resp("ZRANGE", "z2", "0", "-1", "WITHSCORES"), "*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{"its deadline", resp("PTTL", "z2"), ":100000\r\n"},
		{"not in db 0", resp("EXISTS", "z"), ":0\r\n"},
	})
}

// The intset order costs the read commands of sets no allocation, for
// integer sets and others alike; neither do the rank-window readers of
// sorted sets.
func TestTypesReadsAllocateNothing(t *testing.T) {
	s := startServer(t, redisConfig())
	c := newTestClient(s)
	c.exec(bargs("SADD", "ints", "3", "1", "2", "100"))
	c.exec(bargs("SADD", "words", "a", "b", "c"))
	c.exec(bargs("ZADD", "z", "1", "a", "2", "b", "3", "c"))
	for _, args := range [][]string{
		{"SMEMBERS", "ints"}, {"SMEMBERS", "words"}, {"SRANDMEMBER", "ints", "10"}, {"SMISMEMBER", "words", "a", "x"},
		{"ZREVRANGE", "z", "0", "-1", "WITHSCORES"}, {"ZRANGEBYSCORE", "z", "(1", "+inf", "LIMIT", "0", "1"},
		{"ZCOUNT", "z", "1", "2"}, {"ZREVRANK", "z", "b"}, {"ZMSCORE", "z", "a", "x"},
	} {
		argv := bargs(args...)
		c.exec(argv)
		_ = c.w.Flush()
		assert.Zero(t, testing.AllocsPerRun(200, func() {
			c.exec(argv)
			_ = c.w.Flush()
		}), args)
	}
}
