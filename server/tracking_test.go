package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGoRedisClientSideCache runs go-redis's own client-side cache (RESP3,
// CLIENT TRACKING on its connections) against the server: reads are served
// from the cache, another client's write and a FLUSHDB reach it.
func TestGoRedisClientSideCache(t *testing.T) {
	s := startServer(t, redisConfig())
	ctx := context.Background()
	addr := s.Addr().String()
	mut := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { mut.Close() })
	cache := redis.NewLocalCache(redis.CacheConfig{MaxEntries: 128})
	cl := redis.NewClient(&redis.Options{Addr: addr, Protocol: 3, ClientSideCache: cache, PoolSize: 2})
	t.Cleanup(func() { cl.Close() })

	require.NoError(t, mut.Set(ctx, "k", "v1", 0).Err())
	require.Equal(t, "v1", cl.Get(ctx, "k").Val())
	require.Eventually(t, func() bool { return cache.Len() >= 1 }, 5*time.Second, time.Millisecond)
	gets := commandCalls(t, mut, "get")
	for range 10 {
		require.Equal(t, "v1", cl.Get(ctx, "k").Val())
	}
	assert.Equal(t, gets, commandCalls(t, mut, "get"), "cached reads reach the server")
	assert.GreaterOrEqual(t, cl.CSCStats().Hits, uint64(10))

	require.NoError(t, mut.Set(ctx, "k", "v2", 0).Err())
	require.Eventually(t, func() bool {
		_ = cl.Ping(ctx).Err() // drains the push on the tracked connection
		return cl.Get(ctx, "k").Val() == "v2"
	}, 5*time.Second, time.Millisecond, "the write invalidates the cached value")

	require.NoError(t, cl.Get(ctx, "k").Err())
	require.NoError(t, mut.FlushDB(ctx).Err())
	require.Eventually(t, func() bool {
		_ = cl.Ping(ctx).Err()
		return cache.Len() == 0
	}, 5*time.Second, time.Millisecond, "FLUSHDB empties the cache")
	assert.Equal(t, redis.Nil, cl.Get(ctx, "k").Err())
}

// commandCalls is INFO commandstats' calls of cmd.
func commandCalls(t *testing.T, c *redis.Client, cmd string) int {
	t.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	require.NoError(t, err)
	for _, line := range strings.Split(info, "\r\n") {
		if rest, ok := strings.CutPrefix(line, "cmdstat_"+cmd+":calls="); ok {
			n, err := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
			require.NoError(t, err)
			return n
		}
	}
	return 0
}

// infoInt64 is one numeric field of INFO.
func infoInt64(t *testing.T, c *redistest.Conn, field string) int64 {
	t.Helper()
	r, err := c.Do("INFO", "everything")
	require.NoError(t, err)
	for _, line := range strings.Split(r.Str, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("INFO has no %s", field)
	return 0
}

func TestTrackingInfoCounters(t *testing.T) {
	s := startServer(t, redisConfig())
	a := redistest.Dial(t, s.Addr().String())
	b := redistest.Dial(t, s.Addr().String())
	do := func(c *redistest.Conn, args ...string) {
		t.Helper()
		r, err := c.Do(args...)
		require.NoError(t, err)
		require.NotEqual(t, redistest.Error, r.Kind, "%q: %v", args, r)
	}
	counters := func() [4]int64 {
		return [4]int64{infoInt64(t, b, "tracking_clients"), infoInt64(t, b, "tracking_total_keys"),
			infoInt64(t, b, "tracking_total_items"), infoInt64(t, b, "tracking_total_prefixes")}
	}
	assert.Equal(t, [4]int64{0, 0, 0, 0}, counters())
	do(a, "CLIENT", "TRACKING", "ON")
	do(a, "MGET", "x", "y", "z")
	do(b, "CLIENT", "TRACKING", "ON")
	do(b, "GET", "x")
	assert.Equal(t, [4]int64{2, 3, 4, 0}, counters())
	do(b, "SET", "x", "1")
	assert.Equal(t, [4]int64{2, 2, 2, 0}, counters())
	// Off keeps the client's entries until their keys change, as Redis.
	do(a, "CLIENT", "TRACKING", "OFF")
	assert.Equal(t, [4]int64{1, 2, 2, 0}, counters())
	do(a, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "p", "PREFIX", "q")
	do(b, "CLIENT", "TRACKING", "OFF")
	do(b, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "p")
	assert.Equal(t, [4]int64{2, 2, 2, 2}, counters())
	do(b, "FLUSHALL")
	assert.Equal(t, [4]int64{2, 0, 0, 2}, counters())
	require.NoError(t, a.Close())
	require.Eventually(t, func() bool { return infoInt64(t, b, "tracking_clients") == 1 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, int64(1), infoInt64(t, b, "tracking_total_prefixes"))
}

// TestTrackingExpiredAndEvicted checks that keys the expiry cycle deletes,
// and keys eviction deletes, are invalidated like written ones.
func TestTrackingExpiredAndEvicted(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, withClock(redisConfig(), clock))
	c := redistest.Dial(t, s.Addr().String())
	w := redistest.Dial(t, s.Addr().String())
	for _, args := range [][]string{{"HELLO", "3"}, {"CLIENT", "TRACKING", "ON"}} {
		_, err := c.Do(args...)
		require.NoError(t, err)
	}
	_, err := w.Do("SET", "e", "v", "PX", "100")
	require.NoError(t, err)
	r, err := c.Do("GET", "e")
	require.NoError(t, err)
	require.Equal(t, "v", r.Str)
	clock.Advance(time.Second)
	// The cycle, run by hand: it reaches every shard in a few rounds.
	for i := 0; i < 64 && s.store.Stats().Keys > 0; i++ {
		s.store.ExpireSample(i%s.store.Shards(), clock.UnixMilli(), 20)
	}
	r, err = c.Read()
	require.NoError(t, err)
	assert.Equal(t, `>[$"invalidate" *[$"e"]]`, r.String())

	// Eviction: a read key, then a memory limit that forces it out.
	_, err = w.Do("SET", "big", strings.Repeat("x", 1<<16))
	require.NoError(t, err)
	_, err = c.Do("GET", "big")
	require.NoError(t, err)
	_, err = w.Do("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
	require.NoError(t, err)
	_, err = w.Do("CONFIG", "SET", "maxmemory", "1")
	require.NoError(t, err)
	_, _ = w.Do("SET", "other", "x") // makes room: evicts
	r, err = c.Read()
	require.NoError(t, err)
	assert.Equal(t, `>[$"invalidate" *[$"big"]]`, r.String())
}

// TestTrackingTableMaxKeys: past tracking-table-max-keys the table drops
// keys, sending their invalidations, and CONFIG SET lowering it applies at
// once.
func TestTrackingTableMaxKeys(t *testing.T) {
	s := startServer(t, redisConfig())
	c := redistest.Dial(t, s.Addr().String())
	w := redistest.Dial(t, s.Addr().String())
	r, err := w.Do("CONFIG", "GET", "tracking-table-max-keys")
	require.NoError(t, err)
	assert.Equal(t, `*[$"tracking-table-max-keys" $"1000000"]`, r.String())
	for _, args := range [][]string{{"HELLO", "3"}, {"CLIENT", "TRACKING", "ON"}, {"MGET", "a", "b", "c", "d", "e"}} {
		_, err := c.Do(args...)
		require.NoError(t, err)
	}
	_, err = w.Do("CONFIG", "SET", "tracking-table-max-keys", "2")
	require.NoError(t, err)
	assert.Equal(t, int64(2), infoInt64(t, w, "tracking_total_keys"))
	seen := map[string]bool{}
	for range 3 {
		r, err := c.Read()
		require.NoError(t, err)
		require.Equal(t, redistest.Push, r.Kind, "%v", r)
		require.Len(t, r.Elems, 2)
		require.Len(t, r.Elems[1].Elems, 1)
		seen[r.Elems[1].Elems[0].Str] = true
	}
	assert.Len(t, seen, 3, "three different keys dropped")

	// A read past the bound: the reply first, then the drop.
	r, err = c.Do("MGET", "x", "y", "z")
	require.NoError(t, err)
	require.Equal(t, redistest.Array, r.Kind)
	for range 3 {
		r, err := c.Read()
		require.NoError(t, err)
		require.Equal(t, redistest.Push, r.Kind, "%v", r)
	}
	assert.Equal(t, int64(2), infoInt64(t, w, "tracking_total_keys"))
	r, err = c.Do("PING")
	require.NoError(t, err)
	assert.Equal(t, "PONG", r.Str, "nothing more pending")

	_, err = w.Do("CONFIG", "SET", "tracking-table-max-keys", "0")
	require.NoError(t, err)
	r, err = w.Do("CONFIG", "GET", "tracking-table-max-keys")
	require.NoError(t, err)
	assert.Equal(t, `*[$"tracking-table-max-keys" $"0"]`, r.String())
}

// TestTrackingConcurrent: tracking readers and writers on many
// connections (on whichever network layer the run uses): every value a
// reader caches is invalidated when a later write changes it, so a reader
// that trusts its cache until told otherwise ends with the final values.
func TestTrackingConcurrent(t *testing.T) {
	s := startServer(t, redisConfig())
	addr := s.Addr().String()
	const readers, writers, keys, writes = 4, 4, 16, 300
	ctx := context.Background()
	var wg sync.WaitGroup
	caches := make([]*redis.LocalCache, readers)
	clients := make([]*redis.Client, readers)
	for i := range readers {
		caches[i] = redis.NewLocalCache(redis.CacheConfig{MaxEntries: 1024})
		clients[i] = redis.NewClient(&redis.Options{Addr: addr, Protocol: 3, ClientSideCache: caches[i], PoolSize: 1})
		t.Cleanup(func() { clients[i].Close() })
	}
	errs := make(chan error, readers+writers)
	stop := make(chan struct{})
	for i := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := clients[i].Get(ctx, fmt.Sprintf("k%d", n%keys)).Err(); err != nil && err != redis.Nil {
					errs <- err
					return
				}
			}
		}()
	}
	var ww sync.WaitGroup
	for i := range writers {
		ww.Add(1)
		go func() {
			defer ww.Done()
			c := redis.NewClient(&redis.Options{Addr: addr})
			defer c.Close()
			for n := range writes {
				if err := c.Set(ctx, fmt.Sprintf("k%d", (n+i)%keys), fmt.Sprintf("%d-%d", i, n), 0).Err(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	ww.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	plain := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { plain.Close() })
	for k := range keys {
		want := plain.Get(ctx, fmt.Sprintf("k%d", k)).Val()
		for i := range readers {
			require.Eventually(t, func() bool {
				_ = clients[i].Ping(ctx).Err()
				return clients[i].Get(ctx, fmt.Sprintf("k%d", k)).Val() == want
			}, 5*time.Second, time.Millisecond, "reader %d key k%d", i, k)
		}
	}
}

// TestTrackingBcastBlockedMove: a blocked BLMOVE served by another
// client's push writes its destination on the blocked client's behalf
// (off the event loop on that layer); a BCAST client is told at once, not
// when the blocked client next sends a command.
func TestTrackingBcastBlockedMove(t *testing.T) {
	s := startServer(t, redisConfig())
	bc := redistest.Dial(t, s.Addr().String())
	blocked := redistest.Dial(t, s.Addr().String())
	pusher := redistest.Dial(t, s.Addr().String())
	for _, args := range [][]string{{"HELLO", "3"}, {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "dst"}} {
		_, err := bc.Do(args...)
		require.NoError(t, err)
	}
	require.NoError(t, blocked.Send("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"))
	require.Eventually(t, func() bool { return s.blocks.clients.Load() == 1 }, 5*time.Second, time.Millisecond)
	_, err := pusher.Do("RPUSH", "src", "x")
	require.NoError(t, err)
	r, err := blocked.Read()
	require.NoError(t, err)
	require.Equal(t, "x", r.Str)
	r, err = bc.Read()
	require.NoError(t, err)
	assert.Equal(t, `>[$"invalidate" *[$"dst"]]`, r.String())
}

// TestTrackingWhileBlocked: a tracking client blocked in BLPOP still gets
// the invalidations of keys it read before.
func TestTrackingWhileBlocked(t *testing.T) {
	s := startServer(t, redisConfig())
	c := redistest.Dial(t, s.Addr().String())
	w := redistest.Dial(t, s.Addr().String())
	for _, args := range [][]string{{"HELLO", "3"}, {"CLIENT", "TRACKING", "ON"}, {"GET", "k"}} {
		_, err := c.Do(args...)
		require.NoError(t, err)
	}
	require.NoError(t, c.Send("BLPOP", "list", "0"))
	require.Eventually(t, func() bool { return s.blocks.clients.Load() == 1 }, 5*time.Second, time.Millisecond)
	_, err := w.Do("SET", "k", "v")
	require.NoError(t, err)
	r, err := c.Read()
	require.NoError(t, err)
	assert.Equal(t, `>[$"invalidate" *[$"k"]]`, r.String(), "while blocked")
	_, err = w.Do("RPUSH", "list", "x")
	require.NoError(t, err)
	r, err = c.Read()
	require.NoError(t, err)
	assert.Equal(t, `*[$"list" $"x"]`, r.String())
}

// TestTrackingClientList: CLIENT LIST and INFO show tracking as Redis
// does: the t, B and R flags and the redir field.
func TestTrackingClientList(t *testing.T) {
	s := startServer(t, redisConfig())
	c := redistest.Dial(t, s.Addr().String())
	target := redistest.Dial(t, s.Addr().String())
	info := func() string {
		t.Helper()
		r, err := c.Do("CLIENT", "INFO")
		require.NoError(t, err)
		f := strings.Fields(r.Str)
		var out []string
		for _, kv := range f {
			if strings.HasPrefix(kv, "flags=") || strings.HasPrefix(kv, "redir=") {
				out = append(out, kv)
			}
		}
		return strings.Join(out, " ")
	}
	do := func(conn *redistest.Conn, args ...string) {
		t.Helper()
		r, err := conn.Do(args...)
		require.NoError(t, err)
		require.NotEqual(t, redistest.Error, r.Kind, "%q: %v", args, r)
	}
	assert.Equal(t, "flags=N redir=-1", info())
	do(c, "CLIENT", "TRACKING", "ON")
	assert.Equal(t, "flags=t redir=0", info())
	do(c, "CLIENT", "TRACKING", "OFF")
	do(c, "CLIENT", "TRACKING", "ON", "BCAST")
	assert.Equal(t, "flags=tB redir=0", info())
	do(c, "CLIENT", "TRACKING", "OFF")
	id := clientID(t, target)
	do(c, "HELLO", "3")
	do(c, "CLIENT", "TRACKING", "ON", "REDIRECT", id)
	assert.Equal(t, "flags=t redir="+id, info())
	do(c, "GET", "k")
	closeAndWait(t, target, c, id)
	do(c, "SET", "k", "v")
	r, err := c.Read()
	require.NoError(t, err)
	assert.Equal(t, `>[$"tracking-redir-broken" :`+id+`]`, r.String())
	assert.Equal(t, "flags=tR redir="+id, info())
}

// TestTrackingHelloInBatch: a client tracking in RESP2 sends HELLO 3 and a
// read in one batch, and another client's write of the key before the batch's replies
// are flushed: the invalidation waits behind them, as a RESP3 push.
// Driven on clients without a network, so the write lands exactly there.
func TestTrackingHelloInBatch(t *testing.T) {
	s, err := New(redisConfig())
	require.NoError(t, err)
	c, w := newTestClient(s), newTestClient(s)
	t.Cleanup(c.releasePubSub)                // stops the outbox's writer
	c.exec(bargs("CLIENT", "TRACKING", "ON")) // in RESP2: its outbox is
	require.NoError(t, c.w.Flush())           // made and flushed in RESP2
	c.exec(bargs("HELLO", "3"))
	c.exec(bargs("GET", "k"))
	w.exec(bargs("SET", "k", "v"))
	ob := c.obox.Load()
	require.NotNil(t, ob)
	ob.mu.Lock()
	late := string(ob.late)
	ob.mu.Unlock()
	assert.Equal(t, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n", late)
}
