package server

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGoRedis drives the server with go-redis v9, which sends HELLO 3 and
// CLIENT SETINFO on every new connection, in RESP2 and RESP3.
func TestGoRedis(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run("resp"+strconv.Itoa(proto), func(t *testing.T) {
			s := startServer(t, miniConfig())
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rdb := redis.NewClient(&redis.Options{Addr: s.Addr().String(), Protocol: proto, PoolSize: 4})
			defer rdb.Close()

			require.NoError(t, rdb.Ping(ctx).Err())
			require.NoError(t, rdb.Set(ctx, "colors", "red,green,blue", 0).Err())
			v, err := rdb.Get(ctx, "colors").Result()
			require.NoError(t, err)
			assert.Equal(t, "red,green,blue", v)
			assert.Equal(t, "list", rdb.Type(ctx, "colors").Val())
			ttl := rdb.TTL(ctx, "colors").Val()
			assert.InDelta(t, 60, ttl.Seconds(), 1, "default TTL")

			require.NoError(t, rdb.Set(ctx, "s", "v", 5*time.Second).Err())
			assert.InDelta(t, 5, rdb.TTL(ctx, "s").Val().Seconds(), 1)
			_, err = rdb.Get(ctx, "missing").Result()
			assert.ErrorIs(t, err, redis.Nil)
			assert.Equal(t, int64(2), rdb.Exists(ctx, "s", "colors", "missing").Val())
			require.NoError(t, rdb.Rename(ctx, "s", "t").Err())
			assert.Equal(t, "v", rdb.Get(ctx, "t").Val())
			assert.EqualError(t, rdb.Rename(ctx, "nope", "x").Err(), "ERR no such key")
			assert.Equal(t, int64(2), rdb.Del(ctx, "t", "colors", "missing").Val())
			assert.Equal(t, int64(0), rdb.DBSize(ctx).Val())

			info, err := rdb.Info(ctx, "server").Result()
			require.NoError(t, err)
			assert.Contains(t, info, "redis_version:")

			// Pipelining: many commands, one round trip, replies in order.
			pipe := rdb.Pipeline()
			for i := range 100 {
				pipe.Set(ctx, "k"+strconv.Itoa(i), i, 0)
			}
			gets := make([]*redis.StringCmd, 100)
			for i := range gets {
				gets[i] = pipe.Get(ctx, "k"+strconv.Itoa(i))
			}
			_, err = pipe.Exec(ctx)
			require.NoError(t, err)
			for i, g := range gets {
				assert.Equal(t, strconv.Itoa(i), g.Val())
			}
			require.NoError(t, rdb.FlushAll(ctx).Err())
		})
	}
}

// TestNetcatSession replays the README's nc session byte for byte: inline
// commands in mini mode get plain-text replies.
func TestNetcatSession(t *testing.T) {
	s := startServer(t, miniConfig())
	r := dial(t, s)
	runExchanges(t, r, []exchange{
		{"ping", "PING\r\n", "PONG\r\n"},
		{"set list", "SET colors red,green,blue\r\n", "OK\r\n"},
		{"get list", "GET colors\r\n", "red,green,blue\r\n"},
		{"type list", "TYPE colors\r\n", "VecStr\r\n"},
		{"set hash", "SET user name:Alice,age:30\r\n", "OK\r\n"},
		{"type hash", "TYPE user\r\n", "Hash\r\n"},
		{"set quoted string with ttl", "SET greeting \"Hello, world\" 120\r\n", "OK\r\n"},
		{"get string", "GET greeting\r\n", "Hello, world\r\n"},
		{"type string", "TYPE greeting\r\n", "String\r\n"},
		{"ttl", "TTL greeting\r\n", "120\r\n"},
		{"exists yes", "EXISTS user\r\n", "YES\r\n"},
		{"exists no", "EXISTS nobody\r\n", "NO\r\n"},
		{"get missing", "GET nobody\r\n", "Nil\r\n"},
		{"type missing", "TYPE nobody\r\n", "Nil\r\n"},
		{"update", "UPDATE user name:Bob\r\n", "OK\r\n"},
		{"update missing", "UPDATE nobody x\r\n", "Error: no such key\r\n"},
		{"rename", "RENAME user person\r\n", "OK\r\n"},
		{"get renamed", "GET person\r\n", "name:Bob\r\n"},
		{"delete", "DELETE person colors\r\n", "2\r\n"},
		{"unknown", "FROB x\r\n", "Error: unknown command 'FROB', with args beginning with: 'x' \r\n"},
		{"clearall", "CLEARALL\r\n", "OK\r\n"},
		{"dbsize", "DBSIZE\r\n", "0\r\n"},
		{"single quotes", "SET 'my key' 'it''s'\r\n", "Error: Protocol error: unbalanced quotes in request\r\n"},
	})
}

func TestInlineRepliesAreRESPInRedisMode(t *testing.T) {
	s := startServer(t, redisConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"ping", "PING\r\n", "+PONG\r\n"},
		{"set", "SET k \"a b\"\r\n", "+OK\r\n"},
		{"get", "GET k\r\n", "$3\r\na b\r\n"},
		{"exists", "EXISTS k\r\n", ":1\r\n"},
		{"type", "TYPE k\r\n", "+string\r\n"},
	})
}

// redisCLI runs redis-cli against s with args, skipping the test when
// redis-cli is not installed.
func redisCLI(t *testing.T, s *Server, stdin string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not installed (apt-get install redis-tools); skipping")
	}
	host, port, err := net.SplitHostPort(s.Addr().String())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-h", host, "-p", port}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	require.NoError(t, cmd.Run(), "redis-cli %v: %s", args, errOut.String())
	assert.Empty(t, errOut.String(), "redis-cli printed warnings")
	return out.String()
}

func TestRedisCLI(t *testing.T) {
	s := startServer(t, miniConfig())
	t.Run("one-shot", func(t *testing.T) {
		assert.Equal(t, "OK\n", redisCLI(t, s, "", "SET", "colors", "red,green,blue"))
		assert.Equal(t, "red,green,blue\n", redisCLI(t, s, "", "GET", "colors"))
		assert.Equal(t, "list\n", redisCLI(t, s, "", "TYPE", "colors"))
		// Separate processes on a busy machine: allow a second to pass.
		assert.Contains(t, []string{"59\n", "60\n"}, redisCLI(t, s, "", "TTL", "colors"))
		assert.Equal(t, "1\n", redisCLI(t, s, "", "EXISTS", "colors"))
		assert.Equal(t, "\n", redisCLI(t, s, "", "GET", "nope"))
		assert.Equal(t, "ERR no such key\n\n", redisCLI(t, s, "", "UPDATE", "nope", "x"))
		assert.Equal(t, "PONG\n", redisCLI(t, s, "", "PING"))
	})
	t.Run("resp3", func(t *testing.T) {
		assert.Equal(t, "PONG\n", redisCLI(t, s, "", "-3", "PING"))
	})
	t.Run("commands from stdin", func(t *testing.T) {
		out := redisCLI(t, s, "SET user name:Alice,age:30\nGET user\nTYPE user\nDEL user\nEXISTS user\n")
		assert.Equal(t, "OK\nname:Alice,age:30\nhash\n1\n0\n", out)
	})
}

// TestRedisBenchmarkSetGet checks redis-benchmark's SET/GET test runs with
// no error against the server (a small, bounded run).
func TestRedisBenchmarkSetGet(t *testing.T) {
	bin, err := exec.LookPath("redis-benchmark")
	if err != nil {
		t.Skip("redis-benchmark not installed (apt-get install redis-tools); skipping")
	}
	s := startServer(t, redisConfig())
	_, port, err := net.SplitHostPort(s.Addr().String())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, pipeline := range []string{"1", "16"} {
		out, err := exec.CommandContext(ctx, bin, "-h", "127.0.0.1", "-p", port, "-q", "-t", "set,get",
			"-n", "5000", "-c", "10", "-P", pipeline, "--csv").CombinedOutput()
		require.NoError(t, err, "%s", out)
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		require.Len(t, lines, 3, "%s", out)
		for _, l := range lines {
			assert.NotContains(t, strings.ToLower(l), "error", l)
		}
		assert.Contains(t, lines[1], `"SET"`)
		assert.Contains(t, lines[2], `"GET"`)
	}
}
