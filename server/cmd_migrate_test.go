package server

import (
	"net"
	"strconv"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMigrateRedis runs the same MIGRATE script from miniredis and from
// redis-server, each to a redis-server target of its own, and demands the
// same replies on the source and the same keys on the target: moved,
// copied, refused (BUSYKEY, a failed AUTH, passed through), NOKEY, the
// KEYS form, the option and argument errors, an unreachable target.
func TestMigrateRedis(t *testing.T) {
	redisAddr := redistest.StartRedis(t)
	s := startServer(t, redisConfig())
	sources := map[string]string{"mini": s.Addr().String(), "redis": redisAddr}
	targets := map[string]string{"mini": redistest.StartRedis(t), "redis": redistest.StartRedis(t)}
	closed := strconv.Itoa(redistest.FreePort(t))

	type step struct {
		on   string // "src" or "dst"
		args []string
	}
	// T stands for the target's port, X for a port nobody listens on.
	script := []step{
		{"src", []string{"SET", "k", "v"}},
		{"src", []string{"PEXPIRE", "k", "100000"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "k", "0", "1000"}},
		{"src", []string{"EXISTS", "k"}},
		{"dst", []string{"GET", "k"}},
		{"dst", []string{"EVAL", "return redis.call('PTTL', KEYS[1]) > 90000", "1", "k"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "k", "0", "1000"}},
		{"src", []string{"SET", "k", "v2"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "k", "0", "1000"}},
		{"src", []string{"GET", "k"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "k", "0", "1000", "COPY", "REPLACE"}},
		{"src", []string{"GET", "k"}},
		{"dst", []string{"GET", "k"}},
		{"src", []string{"RPUSH", "l", "a", "b"}},
		{"src", []string{"HSET", "h", "f", "v"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "", "0", "1000", "KEYS", "l", "nope", "h"}},
		{"src", []string{"EXISTS", "l", "h"}},
		{"dst", []string{"LRANGE", "l", "0", "-1"}},
		{"dst", []string{"HGETALL", "h"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "", "0", "1000", "KEYS", "nope"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "k", "0", "1000", "KEYS", "k"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "k", "0", "1000", "FOO"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "k", "0", "1000", "AUTH"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "k", "0", "1000", "AUTH2", "u"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "k", "0", "x"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "k", "x", "1000"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "k", "0"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "k", "0", "1000", "REPLACE", "AUTH", "secret"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "k", "0", "1000", "REPLACE", "AUTH2", "u", "p"}},
		{"src", []string{"EXISTS", "k"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "k", "1", "0", "REPLACE"}},
		{"src", []string{"EXISTS", "k"}},
		{"dst", []string{"SELECT", "1"}},
		{"dst", []string{"GET", "k"}},
		{"src", []string{"SET", "k", "v3"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "T", "k", "0", "1000"}},
		{"dst", []string{"GET", "k"}},
		{"src", []string{"MIGRATE", "127.0.0.1", "X", "k", "0", "1000"}},
		{"src", []string{"GET", "k"}},
	}
	conns := map[string]map[string]*redistest.Conn{}
	for side := range sources {
		conns[side] = map[string]*redistest.Conn{
			"src": redistest.Dial(t, sources[side]),
			"dst": redistest.Dial(t, targets[side]),
		}
	}
	for i, st := range script {
		got := map[string]string{}
		for side := range sources {
			_, tport, err := net.SplitHostPort(targets[side])
			require.NoError(t, err)
			args := make([]string, len(st.args))
			for j, a := range st.args {
				switch {
				case j == 2 && a == "T":
					a = tport
				case j == 2 && a == "X":
					a = closed
				}
				args[j] = a
			}
			r, err := conns[side][st.on].Do(args...)
			require.NoError(t, err, "step %d %q on %s", i, args, side)
			got[side] = r.Canonical(false).String()
		}
		assert.Equal(t, got["redis"], got["mini"], "step %d: %s %q", i, st.on, st.args)
	}
}

// TestMigrateBetweenMiniredis moves a value of every type from one
// miniredis to another and back, over the cached connections, and checks
// that each reads back as it was and leaves its source.
func TestMigrateBetweenMiniredis(t *testing.T) {
	src := startServer(t, redisConfig())
	dst := startServer(t, redisConfig())
	a := redistest.Dial(t, src.Addr().String())
	b := redistest.Dial(t, dst.Addr().String())
	_, sport, _ := net.SplitHostPort(src.Addr().String())
	_, dport, _ := net.SplitHostPort(dst.Addr().String())
	do := func(c *redistest.Conn, args ...string) redistest.Reply {
		t.Helper()
		r, err := c.Do(args...)
		require.NoError(t, err)
		return r
	}
	for _, create := range persistValues() {
		name := create[0] + "/" + strconv.Itoa(len(create))
		do(a, "DEL", "k")
		do(b, "DEL", "k")
		do(a, create...)
		typ := do(a, "TYPE", "k").Str
		read, unordered := readBack(typ, "k")
		want := do(a, read...).Canonical(unordered).String()

		assert.Equal(t, "OK", do(a, "MIGRATE", "127.0.0.1", dport, "k", "0", "1000").Str, name)
		assert.Equal(t, int64(0), do(a, "EXISTS", "k").Int, name)
		assert.Equal(t, want, do(b, read...).Canonical(unordered).String(), name)
		assert.Equal(t, "OK", do(b, "MIGRATE", "127.0.0.1", sport, "k", "0", "1000").Str, name)
		assert.Equal(t, want, do(a, read...).Canonical(unordered).String(), name)
		assert.Equal(t, int64(0), do(b, "EXISTS", "k").Int, name)
	}
	src.migrateConns.mu.Lock()
	assert.Len(t, src.migrateConns.conns, 1, "one cached connection to the target")
	src.migrateConns.mu.Unlock()
}

// MIGRATE is logged as the DEL of the keys the target took, as Redis
// rewrites it for the AOF; with COPY, or when the target refused, nothing.
func TestMigrateAOFLogsDel(t *testing.T) {
	dir := t.TempDir()
	s, stop := runUntilStopped(t, aofConfig(dir, newFakeClock()))
	dst := startServer(t, redisConfig())
	_, dport, _ := net.SplitHostPort(dst.Addr().String())
	c := dial(t, s)
	d := dial(t, dst)
	runExchanges(t, d, []exchange{{"busy", resp("SET", "taken", "x"), "+OK\r\n"}})
	runExchanges(t, c, []exchange{
		{"set a", resp("SET", "a", "1"), "+OK\r\n"},
		{"set b", resp("SET", "b", "2"), "+OK\r\n"},
		{"set taken", resp("SET", "taken", "3"), "+OK\r\n"},
		{"copy", resp("MIGRATE", "127.0.0.1", dport, "a", "0", "1000", "COPY"), "+OK\r\n"},
		{"refused", resp("MIGRATE", "127.0.0.1", dport, "taken", "0", "1000"),
			"-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n"},
		{"keys", resp("MIGRATE", "127.0.0.1", dport, "", "0", "1000", "REPLACE", "KEYS", "a", "b", "none"), "+OK\r\n"},
		{"nokey", resp("MIGRATE", "127.0.0.1", dport, "none", "0", "1000"), "+NOKEY\r\n"},
	})
	stop()
	assert.Equal(t, []string{"SELECT 0", "SET a 1", "SET b 2", "SET taken 3", "DEL a b"}, loggedCommands(t, dir))
}
