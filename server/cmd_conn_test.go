package server

import (
	"context"
	"regexp"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/shard"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConnectionCommands(t *testing.T) {
	s := startServer(t, redisConfig())
	r := dial(t, s)
	runExchanges(t, r, []exchange{
		{"ping", resp("PING"), "+PONG\r\n"},
		{"ping msg", resp("PING", "hi"), "$2\r\nhi\r\n"},
		{"ping too many", resp("PING", "a", "b"), "-ERR wrong number of arguments for 'ping' command\r\n"},
		{"echo", resp("ECHO", "hello"), "$5\r\nhello\r\n"},
		{"select 0", resp("SELECT", "0"), "+OK\r\n"},
		{"select 16", resp("SELECT", "16"), "-ERR DB index is out of range\r\n"},
		{"select -1", resp("SELECT", "-1"), "-ERR DB index is out of range\r\n"},
		{"select 1", resp("SELECT", "1"), "+OK\r\n"},
		{"set in db 1", resp("SET", "only-in-1", "v"), "+OK\r\n"},
		{"select 0 again", resp("SELECT", "0"), "+OK\r\n"},
		{"db 0 does not see db 1", resp("GET", "only-in-1"), "$-1\r\n"},
		{"flushall", resp("FLUSHALL"), "+OK\r\n"},
		{"select x", resp("SELECT", "x"), "-ERR value is not an integer or out of range\r\n"},
		{"auth without password", resp("AUTH", "pw"), "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"},
		{"auth default user nopass", resp("AUTH", "default", "any"), "+OK\r\n"},
		{"auth other user", resp("AUTH", "bob", "any"), "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{"client setname", resp("CLIENT", "SETNAME", "app"), "+OK\r\n"},
		{"client getname", resp("CLIENT", "GETNAME"), "$3\r\napp\r\n"},
		{"client setname bad", resp("CLIENT", "SETNAME", "a b"), "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
		{"client setinfo", resp("CLIENT", "SETINFO", "LIB-NAME", "go-redis"), "+OK\r\n"},
		{"client setinfo bad", resp("CLIENT", "SETINFO", "X", "y"), "-ERR Unrecognized option 'X'\r\n"},
		{"client arity", resp("CLIENT", "SETNAME"), "-ERR wrong number of arguments for 'client|setname' command\r\n"},
		{"client unknown", resp("CLIENT", "FOO"), "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n"},
		{"config get", resp("CONFIG", "GET", "save"), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
		{"config get glob", resp("CONFIG", "GET", "appendon*"), "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"},
		{"config get none", resp("CONFIG", "GET", "nothing"), "*0\r\n"},
		{"config unknown", resp("CONFIG", "FOO"), "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n"},
		{"dbsize empty", resp("DBSIZE"), ":0\r\n"},
		{"set", resp("SET", "a", "1"), "+OK\r\n"},
		{"dbsize", resp("DBSIZE"), ":1\r\n"},
		{"flushall bad", resp("FLUSHALL", "NOW"), "-ERR syntax error\r\n"},
		{"flushdb", resp("FLUSHDB", "ASYNC"), "+OK\r\n"},
		{"dbsize after flush", resp("DBSIZE"), ":0\r\n"},
		{"hello 4", resp("HELLO", "4"), "-NOPROTO unsupported protocol version\r\n"},
		{"hello bad option", resp("HELLO", "3", "FOO"), "-ERR Syntax error in HELLO option 'FOO'\r\n"},
	})

	id := r.do(resp("CLIENT", "ID"), ":1\r\n")
	assert.Regexp(t, `^:\d+\r\n$`, id)

	r.send(resp("TIME"))
	time := r.read(4) // "*2\r\n"
	assert.Equal(t, "*2\r\n", time)
}

func TestHello3SwitchesToRESP3(t *testing.T) {
	s := startServer(t, redisConfig())
	r := dial(t, s)
	r.send(resp("HELLO", "3"))
	reply := r.read(len("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.0.0\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n"))
	assert.True(t, strings.HasPrefix(reply, "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"), reply)
	assert.Contains(t, reply, "$5\r\nproto\r\n:3\r\n")
	// Drain the rest of the map: id value, mode, role, modules.
	line := ""
	for !strings.HasSuffix(line, "$7\r\nmodules\r\n*0\r\n") {
		line += r.read(1)
	}
	runExchanges(t, r, []exchange{
		{"null is RESP3", resp("GET", "missing"), "_\r\n"},
		{"back to 2", resp("HELLO", "2", "SETNAME", "x"), "*14\r\n"},
	})
}

func TestRequirePass(t *testing.T) {
	cfg := redisConfig()
	cfg.RequirePass = "s3cret"
	s := startServer(t, cfg)
	r := dial(t, s)
	runExchanges(t, r, []exchange{
		{"noauth", resp("GET", "k"), "-NOAUTH Authentication required.\r\n"},
		{"unknown before auth is still unknown", resp("FOO"), "-ERR unknown command 'FOO', with args beginning with: \r\n"},
		{"wrong", resp("AUTH", "nope"), "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{"hello without auth", resp("HELLO", "2"), "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n"},
		{"right", resp("AUTH", "s3cret"), "+OK\r\n"},
		{"works", resp("SET", "k", "v"), "+OK\r\n"},
	})

	r2 := dial(t, s)
	r2.send(resp("HELLO", "3", "AUTH", "default", "s3cret"))
	assert.Equal(t, "%7\r\n", r2.read(4))

	r3 := dial(t, s)
	runExchanges(t, r3, []exchange{
		{"hello auth wrong", resp("HELLO", "3", "AUTH", "default", "x"), "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{"still not authed", resp("GET", "k"), "-NOAUTH Authentication required.\r\n"},
		{"quit allowed", resp("QUIT"), "+OK\r\n"},
	})
	assert.True(t, r3.closed())
}

func TestQuitRunsNothingBehindIt(t *testing.T) {
	s := startServer(t, redisConfig())
	r := dial(t, s)
	r.send(resp("SET", "a", "1") + resp("QUIT") + resp("SET", "b", "2"))
	assert.Equal(t, "+OK\r\n+OK\r\n", r.read(10))
	assert.True(t, r.closed())
	r2 := dial(t, s)
	runExchanges(t, r2, []exchange{
		{"before quit ran", resp("EXISTS", "a"), ":1\r\n"},
		{"after quit did not", resp("EXISTS", "b"), ":0\r\n"},
	})
}

func TestProtocolErrorClosesOnlyThatClient(t *testing.T) {
	s := startServer(t, redisConfig())
	good := dial(t, s)
	runExchanges(t, good, []exchange{{"write", resp("SET", "k", "v"), "+OK\r\n"}})
	for _, tc := range []struct{ name, in, want string }{
		{"negative bulk (redcon's panic)", "*1\r\n$-2\r\nab\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"bad count", "*x\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"missing dollar", "*1\r\n+GET\r\n", "-ERR Protocol error: expected '$', got '+'\r\n"},
		{"unbalanced quotes", "SET \"k v\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := dial(t, s)
			bad.send(resp("PING") + tc.in + resp("SET", "k", "evil"))
			assert.Equal(t, "+PONG\r\n"+tc.want, bad.read(7+len(tc.want)))
			assert.True(t, bad.closed(), "closed after a protocol error")
			runExchanges(t, good, []exchange{{"other client unaffected", resp("GET", "k"), "$1\r\nv\r\n"}})
		})
	}
}

func TestEmptyLinesAndCountsAreIgnored(t *testing.T) {
	s := startServer(t, redisConfig())
	r := dial(t, s)
	r.send("\r\n*0\r\n*-1\r\n   \r\nPING\r\n")
	assert.Equal(t, "+PONG\r\n", r.read(7))
}

func TestMaxClients(t *testing.T) {
	cfg := redisConfig()
	cfg.MaxClients = 2
	s := startServer(t, cfg)
	a, b := dial(t, s), dial(t, s)
	runExchanges(t, a, []exchange{{"a", resp("PING"), "+PONG\r\n"}})
	runExchanges(t, b, []exchange{{"b", resp("PING"), "+PONG\r\n"}})
	c := dial(t, s)
	assert.Equal(t, "-ERR max number of clients reached\r\n", c.read(len("-ERR max number of clients reached\r\n")))
	assert.True(t, c.closed())
	runExchanges(t, a, []exchange{{"a still served", resp("PING"), "+PONG\r\n"}})
}

func TestInfoSections(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, withClock(miniConfig(), clock))
	rc := dial(t, s)
	runExchanges(t, rc, []exchange{
		{"a", resp("SET", "a", "1"), "+OK\r\n"},
		{"b", resp("SET", "b", "1", "EX", "10"), "+OK\r\n"},
	})
	rc.send(resp("INFO", "keyspace"))
	hdr := ""
	for !strings.HasSuffix(hdr, "\r\n") {
		hdr += rc.read(1)
	}
	n, err := strconv.Atoi(hdr[1 : len(hdr)-2])
	require.NoError(t, err)
	body := rc.read(n + 2)
	assert.Equal(t, "# Keyspace\r\ndb0:keys=2,expires=2,avg_ttl=35000\r\n\r\n", body)

	rc.send(resp("INFO"))
	hdr = ""
	for !strings.HasSuffix(hdr, "\r\n") {
		hdr += rc.read(1)
	}
	n, err = strconv.Atoi(hdr[1 : len(hdr)-2])
	require.NoError(t, err)
	all := rc.read(n + 2)
	for _, field := range []string{"# Server", "redis_version:", "# Clients", "connected_clients:1", "# Memory", "used_memory:",
		"# Stats", "total_commands_processed:", "expired_keys:0", "expired_stale_perc:", "expired_time_cap_reached_count:", "# Keyspace"} {
		assert.Contains(t, all, field)
	}
	assert.Regexp(t, regexp.MustCompile(`total_connections_received:\d+`), all)
}

// TestConfigResetStat: CONFIG RESETSTAT zeroes the counters INFO stats
// reports, as Redis's resetServerStats does; afterwards only the RESETSTAT
// itself has been counted, as in Redis.
func TestConfigResetStat(t *testing.T) {
	clk := newFakeClock()
	cfg := withClock(redisConfig(), clk)
	cfg.MaxClients = 1
	s := startServer(t, cfg)
	r := dial(t, s)
	runExchanges(t, r, []exchange{
		{"set", resp("SET", "k", "v", "PX", "10"), "+OK\r\n"},
		{"oom-free write", resp("SET", "a", "1"), "+OK\r\n"},
	})
	refused := dial(t, s)
	want := "-" + msgMaxClients + "\r\n"
	require.Equal(t, want, refused.read(len(want)))
	clk.Advance(time.Second)
	require.Equal(t, "$-1\r\n", r.do(resp("GET", "k"), "$-1\r\n")) // expired on access
	s.stats.oom.Add(1)
	s.stats.panics.Add(1)
	s.stats.slowWriters.Add(1)
	for s.store.Stats().EvictedKeys == 0 { // an expired key left by GET goes first, counted as expired
		require.True(t, s.store.Evict(shard.AllKeysLRU, clk.UnixMilli(), 5))
	}

	fields := []string{"total_connections_received", "total_commands_processed", "rejected_connections",
		"expired_keys", "evicted_keys", "oom_rejected_commands", "client_output_timeouts", "command_panics"}
	before := info(t, r, "stats")
	for _, f := range fields {
		assert.NotEqual(t, "0", infoField(before, f), "%s counted before", f)
	}
	require.Equal(t, "+OK\r\n", r.do(resp("CONFIG", "RESETSTAT"), "+OK\r\n"))
	after := info(t, r, "stats")
	for _, f := range fields {
		want := "0"
		if f == "total_commands_processed" {
			want = "1"
		}
		assert.Equal(t, want, infoField(after, f), f)
	}
	assert.Equal(t, "0.00", infoField(after, "expired_stale_perc"))
	assert.Equal(t, "0", infoField(info(t, r, "memory"), "evicted_keys"))
	runExchanges(t, r, []exchange{
		{"arity", resp("CONFIG", "RESETSTAT", "x"), "-ERR wrong number of arguments for 'config|resetstat' command\r\n"},
	})
}

// TestClientListIdle: CLIENT LIST's idle= is the time since the client's
// last command, with or without --timeout, and age= the time since it
// connected, both on the server's clock.
func TestClientListIdle(t *testing.T) {
	clk := newFakeClock()
	s := startServer(t, withClock(redisConfig(), clk))
	a := dial(t, s)
	require.Equal(t, "+OK\r\n", a.do(resp("CLIENT", "SETNAME", "a"), "+OK\r\n"))
	b := dial(t, s)
	require.Equal(t, "+OK\r\n", b.do(resp("CLIENT", "SETNAME", "b"), "+OK\r\n"))
	clk.Advance(100 * time.Second)
	require.Equal(t, "+PONG\r\n", b.do(resp("PING"), "+PONG\r\n"))
	clk.Advance(5 * time.Second)

	b.send(resp("CLIENT", "LIST"))
	require.NoError(t, b.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	head, err := b.rd.ReadString('\n')
	require.NoError(t, err)
	n, err := strconv.Atoi(strings.TrimSpace(head[1:]))
	require.NoError(t, err)
	list := b.read(n + 2)
	assert.Regexp(t, `name=a age=105 idle=105 `, list)
	assert.Regexp(t, `name=b age=105 idle=0 `, list, "CLIENT LIST is b's own command")
}

// TestInfoDoesNotStopTheWorld: INFO reads memory figures from
// runtime/metrics, not runtime.ReadMemStats, whose stop-the-world pause
// would stall every client each time a monitor polls INFO.
func TestInfoDoesNotStopTheWorld(t *testing.T) {
	s, err := New(redisConfig())
	require.NoError(t, err)
	c := newTestClient(s)
	defer c.release()
	const calls = 50
	before := otherPauses()
	for range calls {
		cmdInfo(c, [][]byte{[]byte("INFO")})
		require.NoError(t, c.w.Flush())
	}
	assert.Less(t, otherPauses()-before, uint64(calls/2), "stop-the-world pauses that are not GC")
	m := readMemMetrics(len(memMetrics))
	assert.NotZero(t, m.used)
	assert.Greater(t, m.mapped, m.used)
}

// otherPauses counts the stop-the-world pauses the runtime made for
// reasons other than GC (ReadMemStats is one).
func otherPauses() uint64 {
	s := []metrics.Sample{{Name: "/sched/pauses/total/other:seconds"}}
	metrics.Read(s)
	var n uint64
	for _, c := range s[0].Value.Float64Histogram().Counts {
		n += c
	}
	return n
}

// TestInfoWhileServeStarts: on the event loops clients are served from
// Listen on, so INFO can run while Serve starts; the uptime it reads must
// not be written by Serve (the race detector caught it).
func TestInfoWhileServeStarts(t *testing.T) {
	cfg := redisConfig()
	cfg.Net = NetEventLoop
	cfg.Host = "127.0.0.1"
	s, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, s.Listen())
	r := dial(t, s)
	require.Equal(t, "+PONG\r\n", r.do(resp("PING"), "+PONG\r\n")) // registered before Serve
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.cancel != nil
	}, 5*time.Second, time.Millisecond, "Serve started")
	assert.Equal(t, "0", infoField(info(t, r, "server"), "uptime_in_days"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.Shutdown(ctx))
	require.NoError(t, <-done)
}
