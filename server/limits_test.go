package server

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testPanicCommand is registered only in tests: its handler panics, so the
// recovery path runs end to end.
const testPanicCommand = "MINIREDIS-TEST-PANIC"

func init() {
	byName[testPanicCommand] = &command{name: testPanicCommand, arity: 1, flags: flagConn, fn: func(c *client, args [][]byte) {
		c.w.Simple("partial reply")
		panic("injected by the test")
	}}
}

// watcher connects a client that stays connected through a test, after
// writing a key with it, so the test can show that bad clients do not disturb
// others.
func watcher(t *testing.T, s *Server, auth ...string) *rawConn {
	t.Helper()
	w := dial(t, s)
	if len(auth) > 0 {
		require.Equal(t, "+OK\r\n", w.do(resp("AUTH", auth[0]), "+OK\r\n"))
	}
	require.Equal(t, "+OK\r\n", w.do(resp("SET", "before", "kept"), "+OK\r\n"))
	return w
}

// stillServes checks that w gets correct answers for data written before.
func stillServes(t *testing.T, w *rawConn, context string) {
	t.Helper()
	want := "$4\r\nkept\r\n+PONG\r\n"
	assert.Equal(t, want, w.do(resp("GET", "before")+resp("PING"), want), "watcher after %s", context)
}

// TestMalformedFrames sends each malformed frame of SPEC §4 and checks the
// exact error, that the connection is closed, that nothing pipelined behind
// the frame ran, and that a client connected the whole time is unaffected.
func TestMalformedFrames(t *testing.T) {
	s := startServer(t, redisConfig())
	w := watcher(t, s)
	behind := resp("SET", "pipelined-behind", "ran")
	for _, tc := range []struct{ name, req, want string }{
		{"count/not-a-number", "*abc\r\n", "invalid multibulk length"},
		{"count/over-limit", "*1048577\r\n", "invalid multibulk length"},
		{"count/too-long", "*" + strings.Repeat("1", 64<<10+1), "too big mbulk count string"},
		{"bulk/negative", "*1\r\n$-2\r\nab\r\n", "invalid bulk length"},
		{"bulk/not-a-number", "*1\r\n$x\r\n", "invalid bulk length"},
		{"bulk/over-limit", "*1\r\n$536870913\r\n", "invalid bulk length"},
		{"bulk/too-long", "*1\r\n$" + strings.Repeat("1", 64<<10+1), "too big bulk count string"},
		{"bulk/missing-dollar", "*1\r\nfoo\r\n", "expected '$', got 'f'"},
		{"inline/too-big", strings.Repeat("a", 64<<10+1), "too big inline request"},
		{"inline/unbalanced-double", "SET \"a b\r\n", "unbalanced quotes in request"},
		{"inline/unbalanced-single", "SET 'a\r\n", "unbalanced quotes in request"},
		{"inline/closing-quote-glued", "SET \"a\"b c\r\n", "unbalanced quotes in request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, s)
			req := tc.req
			if strings.HasSuffix(req, "\r\n") {
				req += behind
			}
			want := "-ERR Protocol error: " + tc.want + "\r\n"
			_, _ = c.conn.Write([]byte(req)) // the server may close before reading it all
			assert.Equal(t, want, c.read(len(want)))
			assert.True(t, c.closed(), "connection closed")
			stillServes(t, w, tc.name)
		})
	}
	assert.Equal(t, "$-1\r\n", w.do(resp("GET", "pipelined-behind"), "$-1\r\n"), "nothing behind a bad frame ran")
}

// TestIgnoredInput: an empty inline line and multibulk counts <= 0 get no reply.
func TestIgnoredInput(t *testing.T) {
	s := startServer(t, redisConfig())
	c := dial(t, s)
	assert.Equal(t, "+PONG\r\n", c.do("\r\n\n*0\r\n*-1\r\n"+resp("PING"), "+PONG\r\n"))
}

func TestQuitRunsNothingBehind(t *testing.T) {
	s := startServer(t, redisConfig())
	w := watcher(t, s)
	c := dial(t, s)
	assert.Equal(t, "+OK\r\n", c.do(resp("QUIT")+resp("SET", "after-quit", "x"), "+OK\r\n"))
	assert.True(t, c.closed())
	assert.Equal(t, "$-1\r\n", w.do(resp("GET", "after-quit"), "$-1\r\n"))
}

// TestProtoMaxBulkLen: the bulk limit follows the configuration.
func TestProtoMaxBulkLen(t *testing.T) {
	cfg := redisConfig()
	cfg.ProtoMaxBulkLen = 1024
	s := startServer(t, cfg)
	w := watcher(t, s)
	ok := dial(t, s)
	v := strings.Repeat("x", 1024)
	want := "$1024\r\n" + v + "\r\n"
	assert.Equal(t, want, ok.do(resp("ECHO", v), want), "a bulk at the limit")

	c := dial(t, s)
	want = "-ERR Protocol error: invalid bulk length\r\n"
	assert.Equal(t, want, c.do("*2\r\n$4\r\nECHO\r\n$1025\r\n", want))
	assert.True(t, c.closed())
	stillServes(t, w, "bulk over proto-max-bulk-len")
	assert.Equal(t, "1024", configGet(t, w, "proto-max-bulk-len"))
}

// TestQueryBufferLimit: a client that buffers more than the limit is closed
// without a reply.
func TestQueryBufferLimit(t *testing.T) {
	cfg := redisConfig()
	cfg.QueryBufferLimit = 1 << 20
	cfg.ProtoMaxBulkLen = 8 << 20
	s := startServer(t, cfg)
	w := watcher(t, s)
	c := dial(t, s)
	_, _ = c.conn.Write([]byte("*2\r\n$4\r\nECHO\r\n$4194304\r\n"))
	chunk := make([]byte, 64<<10)
	require.NoError(t, c.conn.SetWriteDeadline(time.Now().Add(5*time.Second)))
	for range 32 { // 2 MiB, twice the limit; writes fail once the server closes
		if _, err := c.conn.Write(chunk); err != nil {
			break
		}
	}
	assert.True(t, c.closed(), "closed with no reply")
	stillServes(t, w, "query buffer limit")
	assert.Equal(t, "1048576", configGet(t, w, "client-query-buffer-limit"))
}

func configGet(t *testing.T, w *rawConn, name string) string {
	t.Helper()
	w.send(resp("CONFIG", "GET", name))
	require.NoError(t, w.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	var lines []string
	for len(lines) < 5 {
		l, err := w.rd.ReadString('\n')
		require.NoError(t, err)
		lines = append(lines, strings.TrimSuffix(l, "\r\n"))
	}
	require.Equal(t, []string{"*2", "$" + itoa(len(name)), name}, lines[:3])
	return lines[4]
}

// TestAuth covers NOAUTH, WRONGPASS, AUTH and HELLO AUTH, and the stricter
// frame limits before AUTH.
func TestAuth(t *testing.T) {
	cfg := redisConfig()
	cfg.RequirePass = "s3cret"
	s := startServer(t, cfg)
	w := watcher(t, s, "s3cret")

	t.Run("texts", func(t *testing.T) {
		c := dial(t, s)
		runExchanges(t, c, []exchange{
			{"noauth", resp("GET", "before"), "-NOAUTH Authentication required.\r\n"},
			{"ping too", resp("PING"), "-NOAUTH Authentication required.\r\n"},
			{"wrongpass", resp("AUTH", "nope"), "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
			{"wrong user", resp("AUTH", "alice", "s3cret"), "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
			{"hello wrong", resp("HELLO", "2", "AUTH", "default", "nope"), "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
			{"still locked", resp("GET", "before"), "-NOAUTH Authentication required.\r\n"},
			{"auth", resp("AUTH", "default", "s3cret"), "+OK\r\n"},
			{"get", resp("GET", "before"), "$4\r\nkept\r\n"},
		})
	})
	t.Run("hello-auth", func(t *testing.T) {
		c := dial(t, s)
		c.send(resp("HELLO", "3", "AUTH", "default", "s3cret"))
		assert.Equal(t, "%7\r\n", c.read(4))
		c.send(resp("PING"))
		for {
			l, err := c.rd.ReadString('\n')
			require.NoError(t, err)
			if l == "+PONG\r\n" {
				break
			}
		}
	})
	for _, tc := range []struct{ name, req, want string }{
		{"too-many-args", "*11\r\n", "unauthenticated multibulk length"},
		{"bulk-over-16k", "*2\r\n$4\r\nECHO\r\n$16385\r\n", "unauthenticated bulk length"},
	} {
		t.Run("unauth/"+tc.name, func(t *testing.T) {
			c := dial(t, s)
			want := "-ERR Protocol error: " + tc.want + "\r\n"
			assert.Equal(t, want, c.do(tc.req, want))
			assert.True(t, c.closed())
			stillServes(t, w, tc.name)
		})
	}
	t.Run("limits-lifted-after-auth", func(t *testing.T) {
		c := dial(t, s)
		assert.Equal(t, "+OK\r\n", c.do(resp("AUTH", "s3cret"), "+OK\r\n"))
		v := strings.Repeat("y", 16385)
		want := "$16385\r\n" + v + "\r\n"
		assert.Equal(t, want, c.do(resp("ECHO", v), want))
		want = ":0\r\n"
		assert.Equal(t, want, c.do(resp("EXISTS", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"), want))
	})
}

func TestMaxClientsOthersUnaffected(t *testing.T) {
	cfg := redisConfig()
	cfg.MaxClients = 2
	s := startServer(t, cfg)
	w := watcher(t, s)
	second := dial(t, s)
	assert.Equal(t, "+PONG\r\n", second.do(resp("PING"), "+PONG\r\n"))
	third := dial(t, s)
	want := "-ERR max number of clients reached\r\n"
	assert.Equal(t, want, third.read(len(want)))
	assert.True(t, third.closed())
	stillServes(t, w, "refused client")
	second.conn.Close()
	require.Eventually(t, func() bool { return clientCount(s) == 1 }, 5*time.Second, 10*time.Millisecond)
	fourth := dial(t, s)
	assert.Equal(t, "+PONG\r\n", fourth.do(resp("PING"), "+PONG\r\n"), "a slot freed is usable again")
}

func clientCount(s *Server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

// clientByID finds a connected client by its CLIENT ID.
func clientByID(t *testing.T, s *Server, c *rawConn) *client {
	t.Helper()
	c.send(resp("CLIENT", "ID"))
	require.NoError(t, c.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	l, err := c.rd.ReadString('\n')
	require.NoError(t, err)
	var id int64
	_, err = fmt.Sscanf(l, ":%d\r\n", &id)
	require.NoError(t, err)
	s.mu.Lock()
	defer s.mu.Unlock()
	for cl := range s.clients {
		if cl.id == id {
			return cl
		}
	}
	t.Fatalf("client %d not registered", id)
	return nil
}

// TestIdleTimeout runs one clientsCron round at a chosen time instead of
// waiting: only the client idle past --timeout is closed.
func TestIdleTimeout(t *testing.T) {
	cfg := redisConfig()
	cfg.Timeout = time.Hour
	s := startServer(t, cfg)
	w := watcher(t, s)
	idleConn := dial(t, s)
	idle := clientByID(t, s, idleConn)
	idle.lastActive.Store(time.Now().Add(-2 * time.Hour).UnixMilli())
	s.checkClients(time.Now())
	assert.True(t, idleConn.closed(), "idle client closed")
	stillServes(t, w, "idle timeout")
}

func TestPanicRecovered(t *testing.T) {
	s := startServer(t, redisConfig())
	w := watcher(t, s)
	c := dial(t, s)
	// The partial reply is sent before the error: the stream can't be trusted
	// after a panic, which is why the connection is closed.
	want := "+partial reply\r\n-ERR internal error while executing the command\r\n"
	assert.Equal(t, want, c.do(resp(testPanicCommand)+resp("SET", "after-panic", "x"), want))
	assert.True(t, c.closed())
	stillServes(t, w, "panic")
	assert.Equal(t, "$-1\r\n", w.do(resp("GET", "after-panic"), "$-1\r\n"))
	assert.Contains(t, infoText(t, w), "command_panics:1\r\n")
}

// infoText returns the INFO text read through w.
func infoText(t *testing.T, w *rawConn) string {
	t.Helper()
	w.send(resp("INFO"))
	require.NoError(t, w.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	l, err := w.rd.ReadString('\n')
	require.NoError(t, err)
	var n int
	_, err = fmt.Sscanf(l, "$%d\r\n", &n)
	require.NoError(t, err)
	return w.read(n + 2)
}

// heapAlloc returns the live heap after a collection. Two collections: the
// first only moves sync.Pool contents (pooled buffers of earlier tests) to
// the victim cache, the second frees them.
func heapAlloc() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// TestShutdownWithSlowReader: a client stuck writing replies nobody reads
// does not hold up Shutdown past the write grace.
func TestShutdownWithSlowReader(t *testing.T) {
	cfg := redisConfig()
	cfg.OutputBufferLimit = 64 << 10
	cfg.OutputTimeout = time.Hour // only so that writeSince shows the stuck write
	s := startServer(t, cfg)
	w := watcher(t, s)
	require.Equal(t, "+OK\r\n", w.do(resp("SET", "big", strings.Repeat("v", 64<<10)), "+OK\r\n"))
	slow := dial(t, s)
	sc := clientByID(t, s, slow)
	slow.send(strings.Repeat(resp("GET", "big"), 1024)) // 64 MiB of replies, never read
	require.Eventually(t, func() bool { return sc.writeSince.Load() != 0 }, 10*time.Second, time.Millisecond,
		"the server is stuck on the client's replies")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	require.NoError(t, s.Shutdown(ctx))
	assert.Less(t, time.Since(start), stopWriteGrace+3*time.Second)
}

// TestNoEviction: past maxmemory, writes that may grow memory get -OOM while
// reads and deletes still work; a delete makes room again.
func TestNoEviction(t *testing.T) {
	cfg := redisConfig()
	cfg.MaxMemory = 64 << 10
	s := startServer(t, cfg)
	w := watcher(t, s)
	v := strings.Repeat("x", 1000)
	oom := "-OOM command not allowed when used memory > 'maxmemory'.\r\n"
	n := 0
	for ; n < 1000; n++ {
		w.send(resp("SET", fmt.Sprintf("k%d", n), v))
		if got := w.read(1); got == "-" {
			assert.Equal(t, oom[1:], w.read(len(oom)-1))
			break
		}
		w.read(4)
	}
	require.Less(t, n, 1000, "OOM reached")
	assert.LessOrEqual(t, s.Store().UsedMemory(), cfg.MaxMemory+2000, "at most one value over")
	runExchanges(t, w, []exchange{
		{"reads work", resp("GET", "k0"), "$1000\r\n" + v + "\r\n"},
		{"still oom", resp("SET", "more", "x"), oom},
		{"del works", resp("DEL", "k0", "k1", "k2"), ":3\r\n"},
		{"room again", resp("SET", "more", "x"), "+OK\r\n"},
	})
	stillServes(t, w, "oom")
	assert.Contains(t, infoText(t, w), "maxmemory_policy:noeviction\r\n")
}

// TestEvictAllKeysLRU writes twice maxmemory while reading a hot set after
// each batch (the fake clock moves a second per batch): memory stays under
// the limit, the hot keys survive, and the victims are the idle keys.
func TestEvictAllKeysLRU(t *testing.T) {
	clk := newFakeClock()
	cfg := withClock(redisConfig(), clk)
	cfg.MaxMemory = 1 << 20
	cfg.MaxMemoryPolicy = shard.AllKeysLRU
	s := startServer(t, cfg)
	w := watcher(t, s)
	base := heapAlloc()
	v := strings.Repeat("x", 1000)
	const hot = 50
	for i := range hot {
		require.Equal(t, "+OK\r\n", w.do(resp("SET", fmt.Sprintf("hot%d", i), v), "+OK\r\n"))
	}
	var batch, readHot strings.Builder
	for i := range hot {
		readHot.WriteString(resp("EXISTS", fmt.Sprintf("hot%d", i)))
	}
	written, cold := int64(0), 0
	for written < 2*cfg.MaxMemory {
		clk.Advance(time.Second)
		// GET refreshes the access clock; EXISTS does not need to.
		for i := range hot {
			w.send(resp("GET", fmt.Sprintf("hot%d", i)))
		}
		for range hot {
			w.read(len("$1000\r\n") + 1000 + 2)
		}
		batch.Reset()
		for range 50 {
			batch.WriteString(resp("SET", fmt.Sprintf("cold%d", cold), v))
			cold++
			written += int64(len(v))
		}
		w.send(batch.String())
		assert.Equal(t, strings.Repeat("+OK\r\n", 50), w.read(5*50))
		assert.LessOrEqual(t, s.Store().UsedMemory(), cfg.MaxMemory+2000)
	}
	want := strings.Repeat(":1\r\n", hot)
	got := w.do(readHot.String(), want)
	assert.GreaterOrEqual(t, strings.Count(got, ":1\r\n"), hot*95/100, "recently read keys survive")
	st := s.Store().Stats()
	assert.Greater(t, st.EvictedKeys, uint64(cold/3))
	assert.LessOrEqual(t, st.UsedMemory, cfg.MaxMemory+2000)
	assert.Less(t, heapAlloc()-base, 4*cfg.MaxMemory, "heap bounded")
	text := infoText(t, w)
	assert.Contains(t, text, "maxmemory:1048576\r\n")
	assert.Contains(t, text, "maxmemory_policy:allkeys-lru\r\n")
	assert.Contains(t, text, fmt.Sprintf("evicted_keys:%d\r\n", st.EvictedKeys))
}

// TestEvictVolatileTTL: only keys with a deadline are evicted, nearest first;
// when none is left, writes get -OOM.
func TestEvictVolatileTTL(t *testing.T) {
	cfg := redisConfig()
	cfg.MaxMemory = 256 << 10
	cfg.MaxMemoryPolicy = shard.VolatileTTL
	s := startServer(t, cfg)
	w := watcher(t, s) // "before" has no deadline
	v := strings.Repeat("x", 1000)
	const persistent = 60
	for i := range persistent {
		require.Equal(t, "+OK\r\n", w.do(resp("SET", fmt.Sprintf("p%d", i), v), "+OK\r\n"))
	}
	// Volatile keys with deadlines growing with i: twice the limit in total.
	n := int(2 * cfg.MaxMemory / 1000)
	for i := range n {
		require.Equal(t, "+OK\r\n", w.do(resp("SET", fmt.Sprintf("v%d", i), v, "EX", itoa(1000+i)), "+OK\r\n"))
	}
	assert.LessOrEqual(t, s.Store().UsedMemory(), cfg.MaxMemory+2000)
	for i := range persistent {
		assert.Equal(t, ":1\r\n", w.do(resp("EXISTS", fmt.Sprintf("p%d", i)), ":1\r\n"), "persistent p%d kept", i)
	}
	nearKept, farKept := 0, 0
	for i := range n {
		if w.do(resp("EXISTS", fmt.Sprintf("v%d", i)), ":1\r\n") == ":1\r\n" {
			if i < n/2 {
				nearKept++
			} else {
				farKept++
			}
		}
	}
	t.Logf("kept %d near and %d far deadlines of %d each", nearKept, farKept, n/2)
	assert.Greater(t, farKept, 4*nearKept, "nearest deadlines evicted first")

	// Fill with persistent keys until no volatile key is left: then -OOM.
	oom := "-OOM command not allowed when used memory > 'maxmemory'."
	var last string
	for i := 0; i < 1000 && !strings.HasPrefix(last, "-"); i++ {
		w.send(resp("SET", fmt.Sprintf("q%d", i), v))
		require.NoError(t, w.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
		last, _ = w.rd.ReadString('\n')
	}
	assert.Equal(t, oom+"\r\n", last)
	assert.Zero(t, s.Store().Stats().Volatile, "every volatile key evicted before refusing")
	stillServes(t, w, "volatile-ttl exhausted")
}

func TestParseMemory(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"1024", 1024}, {"100b", 100}, {"1k", 1000}, {"1kb", 1024}, {"100mb", 100 << 20},
		{"100MB", 100 << 20}, {"2m", 2e6}, {"1gb", 1 << 30}, {"3G", 3e9},
	} {
		got, err := ParseMemory(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	for _, bad := range []string{"", "mb", "-1", "1.5gb", "1tb", "99999999999gb"} {
		_, err := ParseMemory(bad)
		assert.Error(t, err, bad)
	}
}

func TestConfigGetLimits(t *testing.T) {
	cfg := redisConfig()
	cfg.MaxMemory = 100 << 20
	cfg.MaxMemoryPolicy = shard.VolatileTTL
	cfg.OutputBufferLimit = 2 << 20
	cfg.OutputTimeout = 30 * time.Second
	s := startServer(t, cfg)
	w := dial(t, s)
	for name, want := range map[string]string{
		"maxmemory": "104857600", "maxmemory-policy": "volatile-ttl", "proto-max-bulk-len": "536870912",
		"client-query-buffer-limit": "1073741824",
		// Redis 7's class form; the normal class is OutputBufferLimit.
		"client-output-buffer-limit": "normal 2097152 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
		"client-output-timeout":      "30", "maxmemory-samples": "5",
	} {
		assert.Equal(t, want, configGet(t, w, name), name)
	}
}

func TestNewRejectsBadLimits(t *testing.T) {
	for name, cfg := range map[string]Config{
		"bulk":    {ProtoMaxBulkLen: -1},
		"query":   {QueryBufferLimit: 1000},
		"output":  {OutputBufferLimit: -1},
		"maxmem":  {MaxMemory: -1},
		"samples": {MaxMemorySamples: -1},
		"outtime": {OutputTimeout: -time.Second},
	} {
		_, err := New(cfg)
		assert.Error(t, err, name)
	}
}
