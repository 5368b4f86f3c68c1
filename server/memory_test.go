package server

import (
	"context"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/miniredis/miniredis/shard"
)

func TestMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		name      string
		maxMemory int64
		want      int64
	}{
		{"none", 0, math.MaxInt64},
		{"negative", -1, math.MaxInt64},
		{"100mb", 100 << 20, 150<<20 + memoryLimitHeadroom},
		{"1gb", 1 << 30, 3<<29 + memoryLimitHeadroom},
		{"overflow", math.MaxInt64 / 3 * 2, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, memoryLimit(tc.maxMemory))
		})
	}
}

// keepMemoryLimit sets the runtime's memory limit to limit for the test and
// puts the one before back at its end.
func keepMemoryLimit(t *testing.T, limit int64) {
	old := debug.SetMemoryLimit(limit)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
}

// serveUntilStopped runs s and returns a function that shuts it down and
// waits for Serve to return.
func serveUntilStopped(t *testing.T, s *Server) (stop func()) {
	require.NoError(t, s.Listen())
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(t, s.Shutdown(ctx))
		require.NoError(t, <-done)
	}
}

// TestServeSetsMemoryLimit: a server with --maxmemory sets the runtime's
// soft memory limit while it serves and puts the old one back when it
// stops; a lower limit already set (GOMEMLIMIT) and maxmemory 0 leave it
// alone.
func TestServeSetsMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		name         string
		before       int64
		maxMemory    int64
		whileServing int64
	}{
		{"maxmemory", math.MaxInt64, 1 << 30, memoryLimit(1 << 30)},
		{"higher GOMEMLIMIT lowered", 3 << 30, 1 << 30, memoryLimit(1 << 30)},
		{"lower GOMEMLIMIT kept", 1 << 30, 1 << 30, 1 << 30},
		{"no maxmemory", 5 << 30, 0, 5 << 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keepMemoryLimit(t, tc.before)
			cfg := redisConfig()
			cfg.Host = "127.0.0.1"
			cfg.MaxMemory = tc.maxMemory
			s, err := New(cfg)
			require.NoError(t, err)
			stop := serveUntilStopped(t, s)
			require.Eventually(t, func() bool {
				s.mu.Lock()
				defer s.mu.Unlock()
				return s.cancel != nil
			}, 5*time.Second, time.Millisecond, "Serve started")
			assert.Equal(t, tc.whileServing, debug.SetMemoryLimit(-1))
			r := dial(t, s)
			assert.Equal(t, strconv.FormatInt(tc.whileServing, 10), infoField(info(t, r, "memory"), "gc_memory_limit"))
			stop()
			assert.Equal(t, tc.before, debug.SetMemoryLimit(-1), "restored")
		})
	}
}

// redisMemoryFields are the fields of Redis 7.0.15's INFO memory that
// miniredis reports, in Redis's order.
var redisMemoryFields = []string{"used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human",
	"used_memory_peak", "used_memory_peak_human", "used_memory_dataset", "maxmemory", "maxmemory_human",
	"maxmemory_policy", "mem_fragmentation_ratio", "mem_fragmentation_bytes"}

func TestInfoMemory(t *testing.T) {
	cfg := redisConfig()
	cfg.MaxMemory = 1 << 30
	cfg.MaxMemoryPolicy = shard.AllKeysLRU
	s := startServer(t, cfg)
	r := dial(t, s)
	for i := range 100 {
		k := "k" + strconv.Itoa(i)
		require.Equal(t, "+OK\r\n", r.do(resp("SET", k, strings.Repeat("v", 100)), "+OK\r\n"))
	}
	// 64 MiB the test holds: used_memory counts it, the dataset does not.
	ballast := make([]byte, 64<<20)
	body := info(t, r, "memory")
	runtime.KeepAlive(ballast)

	var names []string
	for _, line := range strings.Split(strings.TrimSpace(body), "\r\n")[1:] {
		name, _, ok := strings.Cut(line, ":")
		require.True(t, ok, line)
		names = append(names, name)
	}
	var order []string
	for _, n := range names {
		if len(order) < len(redisMemoryFields) && n == redisMemoryFields[len(order)] {
			order = append(order, n)
		}
	}
	assert.Equal(t, redisMemoryFields, order, "Redis's fields, in Redis's order, in %v", names)

	num := func(name string) int64 {
		v, err := strconv.ParseInt(infoField(body, name), 10, 64)
		require.NoError(t, err, name)
		return v
	}
	used, rss, peak := num("used_memory"), num("used_memory_rss"), num("used_memory_peak")
	assert.GreaterOrEqual(t, used, int64(64<<20), "the ballast is allocated")
	assert.GreaterOrEqual(t, peak, used)
	assert.Equal(t, s.store.Stats().UsedMemory, num("used_memory_dataset"))
	assert.Less(t, num("used_memory_dataset"), int64(1<<20), "the store's estimate leaves out the ballast")
	if runtime.GOOS == "linux" {
		assert.Greater(t, rss, int64(0))
	} else {
		assert.Zero(t, rss)
	}
	assert.Equal(t, strconv.FormatFloat(float64(rss)/float64(used), 'f', 2, 64), infoField(body, "mem_fragmentation_ratio"))
	assert.Equal(t, rss-used, num("mem_fragmentation_bytes"))
	assert.Equal(t, "1073741824", infoField(body, "maxmemory"))
	assert.Equal(t, "1.00G", infoField(body, "maxmemory_human"))
	assert.Equal(t, "allkeys-lru", infoField(body, "maxmemory_policy"))
	gc, err := strconv.ParseFloat(infoField(body, "gc_cpu_fraction"), 64)
	require.NoError(t, err)
	assert.True(t, gc >= 0 && gc <= 1, "gc_cpu_fraction %v", gc)
	runtime.GC() // the GC CPU metrics move at the end of a cycle
	secs, err := strconv.ParseFloat(infoField(info(t, r, "memory"), "gc_cpu_seconds"), 64)
	require.NoError(t, err)
	assert.Greater(t, secs, 0.0, "a GC cycle took CPU")
	assert.Greater(t, num("gc_memory_mapped"), used)
}

// TestMemoryPeak: used_memory_peak only grows, CONFIG RESETSTAT keeps it
// (as Redis 7.0 does), and the server samples it without INFO being asked.
func TestMemoryPeak(t *testing.T) {
	s := startServer(t, redisConfig())
	require.Eventually(t, func() bool { return s.memPeak.Load() > 0 }, 5*time.Second, time.Millisecond,
		"memoryCron samples the peak")
	const high = 1 << 50
	assert.Equal(t, uint64(high), s.notePeak(high))
	assert.Equal(t, uint64(high), s.notePeak(1), "a lower reading leaves the peak")
	r := dial(t, s)
	assert.Equal(t, strconv.Itoa(high), infoField(info(t, r, "memory"), "used_memory_peak"))
	require.Equal(t, "+OK\r\n", r.do(resp("CONFIG", "RESETSTAT"), "+OK\r\n"))
	assert.Equal(t, strconv.Itoa(high), infoField(info(t, r, "memory"), "used_memory_peak"))
}

func TestProcessRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		assert.Zero(t, processRSS())
		return
	}
	rss := processRSS()
	assert.Greater(t, rss, uint64(1<<20))
	// Not compared with Go's own figures: the race detector's shadow
	// memory counts in RSS and not in them. Pages counted as bytes would
	// be 4096 times too small, bytes multiplied by the page size again
	// thousands of times too large.
	assert.Zero(t, rss%uint64(os.Getpagesize()), "RSS is whole pages")
	assert.Less(t, rss, uint64(1)<<40, "RSS in pages times the page size, once")
}
