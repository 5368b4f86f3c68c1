package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nodeKeys counts the keys on each node, talking to it directly.
func nodeKeys(t *testing.T, ctx context.Context, addrs []string) []int64 {
	t.Helper()
	counts := make([]int64, len(addrs))
	for i, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		n, err := c.DBSize(ctx).Result()
		require.NoError(t, err)
		counts[i] = n
		c.Close()
	}
	return counts
}

// checkSpread asserts that total keys are all there and every node holds a
// fair share of them (at least a fifth of an even split).
func checkSpread(t *testing.T, counts []int64, total int64) {
	t.Helper()
	var sum int64
	for i, n := range counts {
		sum += n
		assert.Greater(t, n, total/int64(len(counts))/5, "node %d holds too few keys: %v", i, counts)
	}
	assert.Equal(t, total, sum, "keys per node %v", counts)
}

// exercise runs a mixed workload through client c (a proxy or a sharding
// client) and checks every reply.
func exercise(t *testing.T, ctx context.Context, c redis.UniversalClient, keys int) {
	t.Helper()
	pipe := c.Pipeline()
	for i := range keys {
		pipe.Set(ctx, fmt.Sprintf("user:%d", i), strconv.Itoa(i*7), 0)
	}
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)
	for i := 0; i < keys; i += keys / 50 {
		v, err := c.Get(ctx, fmt.Sprintf("user:%d", i)).Result()
		require.NoError(t, err)
		assert.Equal(t, strconv.Itoa(i*7), v)
	}
	n, err := c.Incr(ctx, "counter").Result()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
	require.NoError(t, c.HSet(ctx, "profile", "name", "ada", "lang", "go").Err())
	h, err := c.HGetAll(ctx, "profile").Result()
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"name": "ada", "lang": "go"}, h)
	require.NoError(t, c.RPush(ctx, "queue", "a", "b", "c").Err())
	l, err := c.LRange(ctx, "queue", 0, -1).Result()
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "c"}, l)
	require.NoError(t, c.ZAdd(ctx, "board", redis.Z{Score: 2, Member: "x"}, redis.Z{Score: 1, Member: "y"}).Err())
	z, err := c.ZRange(ctx, "board", 0, -1).Result()
	require.NoError(t, err)
	assert.Equal(t, []string{"y", "x"}, z)
	ok, err := c.Expire(ctx, "queue", time.Hour).Result()
	require.NoError(t, err)
	assert.True(t, ok)
	ttl, err := c.TTL(ctx, "queue").Result()
	require.NoError(t, err)
	assert.InDelta(t, time.Hour.Seconds(), ttl.Seconds(), 5)
	_, err = c.Get(ctx, "missing").Result()
	assert.ErrorIs(t, err, redis.Nil)
}

// TestTwemproxyInFrontOfThreeNodes puts twemproxy (nutcracker) in front of
// three miniredis nodes: it shards keys by hash, splits MGET and DEL over
// the nodes and merges the replies, all through plain commands.
func TestTwemproxyInFrontOfThreeNodes(t *testing.T) {
	bin := lookPath(t, "nutcracker", "apt-get install nutcracker")
	addrs := startMinis(t, 3)
	dir := t.TempDir()
	listen, stats := freeAddr(t), freeAddr(t)
	var conf strings.Builder
	fmt.Fprintf(&conf, "alpha:\n  listen: %s\n  hash: fnv1a_64\n  distribution: ketama\n  redis: true\n  auto_eject_hosts: false\n  timeout: 5000\n  servers:\n", listen)
	for i, a := range addrs {
		fmt.Fprintf(&conf, "   - %s:1 node%d\n", a, i)
	}
	confPath := filepath.Join(dir, "nutcracker.yml")
	require.NoError(t, os.WriteFile(confPath, []byte(conf.String()), 0o644))
	statsHost, statsPort, _ := strings.Cut(stats, ":")
	cmd := exec.Command(bin, "-c", confPath, "-a", statsHost, "-s", statsPort, "-o", filepath.Join(dir, "nutcracker.log"))
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// twemproxy answers data commands only, and closes the connection on
	// anything else (HELLO, CLIENT, SELECT), which every go-redis
	// connection starts with: plain RESP it is.
	require.Eventually(t, func() bool {
		conn, err := net.DialTimeout("tcp", listen, time.Second)
		if err == nil {
			conn.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	c := redistest.Dial(t, listen)
	do := func(want string, args ...string) {
		t.Helper()
		r, err := c.Do(args...)
		require.NoError(t, err, "%q", args)
		assert.Equal(t, want, r.String(), "%q", args)
	}

	const keys = 3000
	for i := range keys {
		require.NoError(t, c.Send("SET", fmt.Sprintf("user:%d", i), strconv.Itoa(i*7)))
	}
	for range keys {
		r, err := c.Read()
		require.NoError(t, err)
		require.Equal(t, `+"OK"`, r.String())
	}
	do(":1", "INCR", "counter")
	do(":2", "HSET", "profile", "name", "ada", "lang", "go")
	do(`$"go"`, "HGET", "profile", "lang")
	do(":3", "RPUSH", "queue", "a", "b", "c")
	do(`*[$"a" $"b" $"c"]`, "LRANGE", "queue", "0", "-1")
	do(":2", "ZADD", "board", "2", "x", "1", "y")
	do(`*[$"y" $"x"]`, "ZRANGE", "board", "0", "-1")
	do(":1", "EXPIRE", "queue", "3600")
	do(":3600", "TTL", "queue")
	do("(nil)", "GET", "missing")
	do(`$"7"`, "EVAL", "return redis.call('GET', KEYS[1])", "1", "user:1")

	// MGET and DEL over keys of every node: twemproxy splits them and
	// merges the replies.
	names := make([]string, 100)
	want := make([]string, len(names))
	for i := range names {
		names[i] = fmt.Sprintf("user:%d", i)
		want[i] = "$" + strconv.Quote(strconv.Itoa(i*7))
	}
	do("*["+strings.Join(want, " ")+" (nil)]", append([]string{"MGET"}, append(names, "missing")...)...)
	// 3000 users + counter, profile, queue, board.
	checkSpread(t, nodeKeys(t, ctx, addrs), keys+4)
	do(":"+strconv.Itoa(len(names)), append([]string{"DEL"}, names...)...)
	checkSpread(t, nodeKeys(t, ctx, addrs), keys+4-int64(len(names)))
}

// TestRingOverThreeNodes shards keys over three miniredis nodes with go-redis
// Ring (client-side consistent hashing, health-checked shards).
func TestRingOverThreeNodes(t *testing.T) {
	addrs := startMinis(t, 3)
	shards := map[string]string{}
	for i, a := range addrs {
		shards[fmt.Sprintf("shard%d", i)] = a
	}
	ring := redis.NewRing(&redis.RingOptions{Addrs: shards, HeartbeatFrequency: 100 * time.Millisecond})
	defer ring.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, ring.Ping(ctx).Err())

	const keys = 10000
	exercise(t, ctx, ring, keys)
	checkSpread(t, nodeKeys(t, ctx, addrs), keys+4)

	// Each key lives on exactly the shard the ring picks for it.
	for i := 0; i < keys; i += 997 {
		key := fmt.Sprintf("user:%d", i)
		on := 0
		for _, a := range addrs {
			c := redis.NewClient(&redis.Options{Addr: a})
			if n, err := c.Exists(ctx, key).Result(); err == nil && n == 1 {
				on++
			}
			c.Close()
		}
		assert.Equal(t, 1, on, "key %s", key)
	}
	// A script with its keys on one shard runs where the ring sends it.
	v, err := ring.Eval(ctx, "return redis.call('GET', KEYS[1])", []string{"user:42"}).Result()
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(42*7), v)
}
