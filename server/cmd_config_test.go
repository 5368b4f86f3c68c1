package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/config"
	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDiffConfig sends the same CONFIG GET and SET calls to miniredis and
// redis-server: replies, errors and the values read back must match, for
// the directives both implement alike.
func TestDiffConfig(t *testing.T) {
	miniAddr, redisAddr := startDiff(t)
	calls := [][]string{
		{"CONFIG", "GET", "maxmemory"},
		{"CONFIG", "GET", "maxmemory", "maxmemory-policy", "hz"},
		{"CONFIG", "GET", "MAXMEMORY"},
		{"CONFIG", "GET", "lua-time-limit"},
		{"CONFIG", "GET", "busy-reply-threshold"},
		{"CONFIG", "GET", "slowlog-*"},
		{"CONFIG", "GET", "latency-monitor-threshold", "databases", "timeout"},
		{"CONFIG", "GET", "no-such-thing"},
		{"CONFIG", "GET", "save"},
		{"CONFIG", "GET", "appendonly"},
		{"CONFIG", "GET", "proto-max-bulk-len", "client-query-buffer-limit"},
		{"CONFIG", "GET"},
		{"CONFIG", "SET", "maxmemory"},
		{"CONFIG", "SET", "maxmemory", "1mb", "hz"},
		{"CONFIG", "SET", "bogus", "1"},
		{"CONFIG", "SET", "daemonize", "yes"},
		{"CONFIG", "SET", "databases", "4"},
		{"CONFIG", "SET", "maxmemory", "foo"},
		{"CONFIG", "SET", "maxmemory", "1mb", "maxmemory", "2mb"},
		{"CONFIG", "SET", "maxmemory", "1mb", "MAXMEMORY", "2mb"},
		{"CONFIG", "SET", "timeout", "-1"},
		{"CONFIG", "SET", "timeout", "x"},
		{"CONFIG", "SET", "maxmemory-policy", "x"},
		{"CONFIG", "SET", "appendonly", "maybe"},
		{"CONFIG", "SET", "save", "900"},
		{"CONFIG", "SET", "slowlog-log-slower-than", "-5"},
		{"CONFIG", "SET", "proto-max-bulk-len", "1000"},
		{"CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 2mb"},
		{"CONFIG", "SET", "client-output-buffer-limit", "bogus 1 2 3"},
		// All or nothing: a bad value anywhere changes nothing.
		{"CONFIG", "SET", "maxmemory", "10mb", "hz", "20", "timeout", "x"},
		{"CONFIG", "GET", "maxmemory"},
		{"CONFIG", "GET", "hz"},
		{"CONFIG", "SET", "maxmemory", "10mb", "hz", "20", "timeout", "300", "maxmemory-policy", "ALLKEYS-LRU"},
		{"CONFIG", "GET", "maxmemory", "hz", "timeout", "maxmemory-policy"},
		{"CONFIG", "SET", "hz", "1000"},
		{"CONFIG", "GET", "hz"},
		{"CONFIG", "SET", "hz", "0"},
		{"CONFIG", "GET", "hz"},
		{"CONFIG", "SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "0", "latency-monitor-threshold", "100"},
		{"CONFIG", "GET", "slowlog-log-slower-than", "slowlog-max-len", "latency-monitor-threshold"},
		{"CONFIG", "SET", "lua-time-limit", "300"},
		{"CONFIG", "GET", "busy-reply-threshold"},
		{"CONFIG", "SET", "save", "900 1 300 10", "appendonly", "no"},
		{"CONFIG", "GET", "save"},
		{"CONFIG", "SET", "save", ""},
		{"CONFIG", "SET", "proto-max-bulk-len", "2mb", "client-query-buffer-limit", "4mb"},
		{"CONFIG", "GET", "proto-max-bulk-len", "client-query-buffer-limit"},
		{"CONFIG", "SET", "requirepass", ""},
		{"CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction", "hz", "10", "timeout", "0"},
		{"CONFIG", "HELP", "x"},
		{"CONFIG", "NOPE"},
		{"CONFIG", "REWRITE", "x"},
		{"CONFIG", "RESETSTAT", "x"},
	}
	for _, proto := range []string{"2", "3"} {
		t.Run("resp"+proto, func(t *testing.T) {
			p := redistest.NewPair(t, miniAddr, redisAddr)
			hello(t, p, proto)
			for _, call := range calls {
				p.Compare(true, call...)
			}
		})
	}
}

func configSetGet(t *testing.T, r *rawConn, name, value string) {
	t.Helper()
	expect(t, r, resp("CONFIG", "SET", name, value), "+OK\r\n")
	expect(t, r, resp("CONFIG", "GET", name), "*2\r\n$"+itoa(len(name))+"\r\n"+name+"\r\n$"+itoa(len(value))+"\r\n"+value+"\r\n")
}

// TestConfigSetLive checks that what CONFIG SET changes takes effect on
// the running server.
func TestConfigSetLive(t *testing.T) {
	s := startServer(t, redisConfig())
	r := dial(t, s)

	t.Run("maxclients", func(t *testing.T) {
		configSetGet(t, r, "maxclients", "1")
		other := dial(t, s)
		expect(t, other, resp("PING"), "-ERR max number of clients reached\r\n")
		configSetGet(t, r, "maxclients", "10000")
		expect(t, dial(t, s), resp("PING"), "+PONG\r\n")
	})
	t.Run("requirepass", func(t *testing.T) {
		configSetGet(t, r, "requirepass", "sekret")
		other := dial(t, s)
		expect(t, other, resp("GET", "k"), "-NOAUTH Authentication required.\r\n")
		expect(t, other, resp("AUTH", "sekret"), "+OK\r\n")
		expect(t, r, resp("PING"), "+PONG\r\n") // already authenticated, as in Redis
		configSetGet(t, r, "requirepass", "")
		expect(t, dial(t, s), resp("GET", "k"), "$-1\r\n")
	})
	t.Run("maxmemory", func(t *testing.T) {
		// Well past the store's accounting grain (up to 64 KiB per shard
		// when the server started without maxmemory).
		expect(t, r, resp("SET", "big", strings.Repeat("x", 4<<20)), "+OK\r\n")
		configSetGet(t, r, "maxmemory", "1048576")
		expect(t, r, resp("SET", "k", "v"), "-OOM command not allowed when used memory > 'maxmemory'.\r\n")
		configSetGet(t, r, "maxmemory-policy", "allkeys-lru")
		expect(t, r, resp("SET", "k", "v"), "+OK\r\n")
		expect(t, r, resp("EXISTS", "big"), ":0\r\n")
		expect(t, r, resp("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction"), "+OK\r\n")
	})
	t.Run("proto-max-bulk-len", func(t *testing.T) {
		configSetGet(t, r, "proto-max-bulk-len", "1048576")
		expect(t, r, resp("APPEND", "p", strings.Repeat("x", 1<<20)), ":1048576\r\n")
		expect(t, r, resp("APPEND", "p", "y"), "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n")
		configSetGet(t, r, "proto-max-bulk-len", "536870912")
	})
	t.Run("hz and timeout", func(t *testing.T) {
		configSetGet(t, r, "hz", "100")
		s.confMu.Lock()
		hz := s.conf.Hz
		s.confMu.Unlock()
		assert.Equal(t, 100, hz)
		configSetGet(t, r, "timeout", "5")
		assert.Equal(t, 5*time.Second, s.idleTimeout())
		configSetGet(t, r, "timeout", "0")
	})
	t.Run("busy-reply-threshold", func(t *testing.T) {
		configSetGet(t, r, "busy-reply-threshold", "250")
		assert.Equal(t, 250*time.Millisecond, s.busyReplyThreshold())
	})
	t.Run("immutable", func(t *testing.T) {
		expect(t, r, resp("CONFIG", "SET", "port", "1"), "-ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config\r\n")
		expect(t, r, resp("CONFIG", "SET", "compat", "mini"), "-ERR CONFIG SET failed (possibly related to argument 'compat') - can't set immutable config\r\n")
	})
	t.Run("rewrite without a file", func(t *testing.T) {
		expect(t, r, resp("CONFIG", "REWRITE"), "-ERR The server is running without a config file\r\n")
	})
}

// TestConfigRewriteThenRestart is the round trip the issue asks for: a
// hand-written file starts a server, CONFIG SET changes it, CONFIG
// REWRITE writes it back keeping the comments, and a server started from
// the rewritten file has the new values.
func TestConfigRewriteThenRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "miniredis.conf")
	require.NoError(t, os.WriteFile(file, []byte(`# miniredis for the tests
compat redis
port 0
shards 16
net `+testNet.String()+`

# memory
maxmemory 10mb
maxmemory 20mb
hz 20
save 900 1
`), 0o600))
	load := func() Config {
		var cfg Config
		Directives.SetDefaults(&cfg)
		dirs, err := config.ReadFile(file)
		require.NoError(t, err)
		require.NoError(t, Directives.Load(&cfg, dirs))
		cfg.ConfigFile = file
		cfg.Logger = quietLogger()
		return cfg
	}
	cfg := load()
	assert.Equal(t, int64(20<<20), cfg.MaxMemory)
	s := startServer(t, cfg)
	r := dial(t, s)
	expect(t, r, resp("CONFIG", "SET", "maxmemory", "1gb", "maxmemory-policy", "volatile-ttl", "hz", "10", "slowlog-max-len", "7", "requirepass", "a b"), "+OK\r\n")
	expect(t, r, resp("CONFIG", "REWRITE"), "+OK\r\n")
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, `# miniredis for the tests
compat redis
port 0
shards 16
net `+testNet.String()+`

# memory
maxmemory 1gb
hz 10
save 900 1
# Generated by CONFIG REWRITE
requirepass "a b"
maxmemory-policy volatile-ttl
slowlog-max-len 7
`, string(b))

	again := load()
	assert.Equal(t, int64(1<<30), again.MaxMemory)
	assert.Equal(t, "volatile-ttl", again.MaxMemoryPolicy.String())
	assert.Equal(t, 10, again.Hz)
	assert.Equal(t, "a b", again.RequirePass)
	assert.Equal(t, int64(7), again.slowlogMaxLen())
	assert.Equal(t, ModeRedis, again.Mode)
}

// expect sends req and requires exactly want back.
func expect(t *testing.T, r *rawConn, req, want string) {
	t.Helper()
	require.Equal(t, want, r.do(req, want), "reply to %q", req)
}
