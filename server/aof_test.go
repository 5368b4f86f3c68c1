package server

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/aof"
	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// aofConfig is a Redis-mode config logging to dir, on the fake clock.
func aofConfig(dir string, clock *fakeClock) Config {
	cfg := withClock(redisConfig(), clock)
	cfg.Dir, cfg.AppendOnly, cfg.AppendFsync = dir, true, aof.FsyncAlways
	return cfg
}

// runUntilStopped starts a server and returns a stop that shuts it down,
// so a test can start another on the same files.
func runUntilStopped(t *testing.T, cfg Config) (*Server, func()) {
	t.Helper()
	cfg.Host = "127.0.0.1"
	s, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, s.Listen())
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(t, s.Shutdown(ctx))
		require.NoError(t, <-done)
	}
	t.Cleanup(stop)
	return s, stop
}

// loggedCommands replays the incremental files of dir into strings.
func loggedCommands(t *testing.T, dir string) []string {
	t.Helper()
	aofDir := filepath.Join(dir, "appendonlydir")
	m, err := aof.ReadManifest(aofDir, "appendonly.aof")
	require.NoError(t, err)
	var out []string
	for _, f := range m.Incr {
		b, err := os.ReadFile(filepath.Join(aofDir, f.Name))
		require.NoError(t, err)
		_, err = aof.Replay(bytes.NewReader(b), func(args [][]byte) error {
			parts := make([]string, len(args))
			for i, a := range args {
				parts[i] = string(a)
			}
			out = append(out, strings.Join(parts, " "))
			return nil
		})
		require.NoError(t, err)
	}
	return out
}

// Every kind of write is logged so that its replay gives the same
// keyspace: relative deadlines pinned, random and blocking commands as
// what they did, transactions and scripts as MULTI/EXEC blocks, failed and
// read commands not at all. A restart from the files has the same keys.
func TestAOFLogsWritesAndRestartReplaysThem(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	now := clock.UnixMilli()
	at := func(d time.Duration) string { return itoa(int(now + d.Milliseconds())) }
	s, stop := runUntilStopped(t, aofConfig(dir, clock))
	c := dial(t, s)
	for _, step := range []struct{ req, want string }{
		{resp("SET", "a", "1"), "+OK\r\n"},
		{resp("SET", "e", "v", "EX", "100"), "+OK\r\n"},
		{resp("INCR", "a"), ":2\r\n"},
		{resp("INCR", "e"), "-ERR value is not an integer or out of range\r\n"},
		{resp("GET", "a"), "$1\r\n2\r\n"},
		{resp("EXPIRE", "a", "50"), ":1\r\n"},
		{resp("SADD", "s", "only"), ":1\r\n"},
		{resp("SPOP", "s"), "$4\r\nonly\r\n"},
		{resp("RPUSH", "l", "x", "y"), ":2\r\n"},
		{resp("BLPOP", "l", "0"), "*2\r\n$1\r\nl\r\n$1\r\nx\r\n"},
		{resp("MULTI"), "+OK\r\n"},
		{resp("HSET", "h", "f", "v"), "+QUEUED\r\n"},
		{resp("GET", "a"), "+QUEUED\r\n"},
		{resp("EXEC"), "*2\r\n:1\r\n$1\r\n2\r\n"},
		{resp("EVAL", "redis.call('ZADD', KEYS[1], 1.5, 'm') return redis.call('ZSCORE', KEYS[1], 'm')", "1", "z"), "$3\r\n1.5\r\n"},
		{resp("XADD", "st", "MAXLEN", "10", "*", "f", "v"), "$15\r\n" + itoa(int(now)) + "-0\r\n"},
		{resp("SELECT", "2"), "+OK\r\n"},
		{resp("SET", "other", "db"), "+OK\r\n"},
	} {
		assert.Equal(t, step.want, c.do(step.req, step.want), "%q", step.req)
	}
	stop()

	assert.Equal(t, []string{
		"SELECT 0",
		"SET a 1",
		"SET e v EX 100", "PEXPIREAT e " + at(100*time.Second),
		"INCR a",
		"EXPIRE a 50", "PEXPIREAT a " + at(50*time.Second),
		"SADD s only",
		"SREM s only",
		"RPUSH l x y",
		"LPOP l",
		"MULTI", "HSET h f v", "EXEC",
		"MULTI", "ZADD z 1.5 m", "EXEC",
		"XADD st MAXLEN 10 " + itoa(int(now)) + "-0 f v",
		"SELECT 2",
		"SET other db",
	}, loggedCommands(t, dir))

	// A restart long after: the deadlines are the ones set then.
	clock.Advance(10 * time.Second)
	s, _ = runUntilStopped(t, aofConfig(dir, clock))
	c = dial(t, s)
	for _, step := range []struct{ req, want string }{
		{resp("GET", "a"), "$1\r\n2\r\n"},
		{resp("PTTL", "a"), ":40000\r\n"},
		{resp("PTTL", "e"), ":90000\r\n"},
		{resp("EXISTS", "s"), ":0\r\n"},
		{resp("LRANGE", "l", "0", "-1"), "*1\r\n$1\r\ny\r\n"},
		{resp("HGET", "h", "f"), "$1\r\nv\r\n"},
		{resp("ZSCORE", "z", "m"), "$3\r\n1.5\r\n"},
		{resp("XRANGE", "st", "-", "+"), "*1\r\n*2\r\n$15\r\n" + itoa(int(now)) + "-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
		{resp("SELECT", "2"), "+OK\r\n"},
		{resp("GET", "other"), "$2\r\ndb\r\n"},
	} {
		assert.Equal(t, step.want, c.do(step.req, step.want), "%q", step.req)
	}
}

// A client that blocks and is served by another's push is logged after
// the push, as the pop it did.
func TestAOFLogsServedWaiterAfterThePush(t *testing.T) {
	dir := t.TempDir()
	s, stop := runUntilStopped(t, aofConfig(dir, newFakeClock()))
	waiter, pusher := dial(t, s), dial(t, s)
	waiter.send(resp("BRPOPLPUSH", "q", "done", "0"))
	require.Eventually(t, func() bool { return s.blocks.clients.Load() == 1 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, ":1\r\n", pusher.do(resp("LPUSH", "q", "job"), ":1\r\n"))
	assert.Equal(t, "$3\r\njob\r\n", waiter.read(len("$3\r\njob\r\n")))
	stop()
	assert.Equal(t, []string{"SELECT 0", "LPUSH q job", "LMOVE q done RIGHT LEFT"}, loggedCommands(t, dir))
}

// redis-server 7.0 starts from the directory we wrote and has our keys.
func TestRedisLoadsOurAOF(t *testing.T) {
	dir := t.TempDir()
	s, stop := runUntilStopped(t, aofConfig(dir, newFakeClock()))
	c := dial(t, s)
	c.do(resp("RPUSH", "l", "a", "b"), ":2\r\n")
	c.do(resp("HSET", "h", "f", "1"), ":1\r\n")
	c.do(resp("SET", "n", "5"), "+OK\r\n")
	c.do(resp("INCRBY", "n", "10"), ":15\r\n")
	c.do(resp("EVAL", "redis.call('SADD', KEYS[1], 'x', 'y') redis.call('SREM', KEYS[1], 'x')", "1", "s"), "$-1\r\n")
	stop()

	addr := redistest.StartRedis(t, "--appendonly", "yes", "--dir", dir)
	r := redistest.Dial(t, addr)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"LRANGE", "l", "0", "-1"}, `*[$"a" $"b"]`},
		{[]string{"HGET", "h", "f"}, `$"1"`},
		{[]string{"GET", "n"}, `$"15"`},
		{[]string{"SMEMBERS", "s"}, `*[$"y"]`},
	} {
		got, err := r.Do(tc.args...)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got.String(), "%q", tc.args)
	}
}

// A dump.rdb present when the log is first turned on becomes the log's
// RDB base (Redis 7 does the same); once the log exists it, not the dump,
// is what a restart loads.
func TestAOFStartsFromDumpThenIgnoresIt(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	cfg := withClock(redisConfig(), clock)
	cfg.Dir = dir
	s, stop := runUntilStopped(t, cfg)
	c := dial(t, s)
	c.do(resp("SET", "from-dump", "1"), "+OK\r\n")
	c.do(resp("SAVE"), "+OK\r\n")
	stop()

	s, stop = runUntilStopped(t, aofConfig(dir, clock))
	c = dial(t, s)
	assert.Equal(t, "$1\r\n1\r\n", c.do(resp("GET", "from-dump"), "$1\r\n1\r\n"))
	c.do(resp("SET", "after", "2"), "+OK\r\n")
	stop()
	m, err := aof.ReadManifest(filepath.Join(dir, "appendonlydir"), "appendonly.aof")
	require.NoError(t, err)
	assert.Equal(t, "appendonly.aof.1.base.rdb", m.Base.Name)

	// A dump from elsewhere replaces dump.rdb behind the log's back; the
	// log wins.
	other := t.TempDir()
	cfg.Dir = other
	s, stop = runUntilStopped(t, cfg)
	c = dial(t, s)
	c.do(resp("SET", "stale", "x"), "+OK\r\n")
	c.do(resp("SAVE"), "+OK\r\n")
	stop()
	b, err := os.ReadFile(filepath.Join(other, "dump.rdb"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dump.rdb"), b, 0o644))
	s, _ = runUntilStopped(t, aofConfig(dir, clock))
	c = dial(t, s)
	assert.Equal(t, "$1\r\n1\r\n", c.do(resp("GET", "from-dump"), "$1\r\n1\r\n"))
	assert.Equal(t, "$1\r\n2\r\n", c.do(resp("GET", "after"), "$1\r\n2\r\n"))
	assert.Equal(t, "$-1\r\n", c.do(resp("GET", "stale"), "$-1\r\n"))
}
