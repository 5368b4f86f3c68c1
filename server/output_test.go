package server

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miniredis/miniredis/shard"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBigReplies: a client that reads its replies gets any reply, however
// far past --client-output-buffer-limit (4 MiB by default), on both network
// layers (the event loops once closed such a client: go-redis saw
// "unexpected EOF" on a plain GET of 10 MiB).
func TestBigReplies(t *testing.T) {
	for _, size := range []int{10 << 20, 100 << 20} {
		t.Run(itoa(size>>20)+"MiB", func(t *testing.T) {
			cfg := redisConfig()
			cfg.OutputTimeout = time.Minute
			s := startServer(t, cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // 100 MiB takes ~15 s under -race
			defer cancel()
			rdb := redis.NewClient(&redis.Options{Addr: s.Addr().String(), PoolSize: 1,
				ReadTimeout: time.Minute, WriteTimeout: time.Minute})
			defer rdb.Close()
			v := bytes.Repeat([]byte("0123456789abcdef"), size/16)
			v[size/2] = '!' // a value the reply must carry byte for byte
			require.NoError(t, rdb.Set(ctx, "big", v, 0).Err())
			got, err := rdb.Get(ctx, "big").Bytes()
			require.NoError(t, err)
			assert.True(t, bytes.Equal(v, got), "GET returns the value")
			assert.Zero(t, s.stats.slowWriters.Load())

			if size > 10<<20 {
				return // the pipeline below is as good at 10 MiB, in a tenth of the time
			}
			// Pipelined, the replies owed are several times the limit.
			pipe := rdb.Pipeline()
			gets := []*redis.StringCmd{pipe.Get(ctx, "big"), pipe.Get(ctx, "big")}
			ping := pipe.Ping(ctx)
			_, err = pipe.Exec(ctx)
			require.NoError(t, err)
			for _, g := range gets {
				b, err := g.Bytes()
				require.NoError(t, err)
				assert.Equal(t, size, len(b))
			}
			assert.Equal(t, "PONG", ping.Val())
		})
	}
}

// TestSlowButReadingClientKept reads a 100 MiB reply in 32 MiB steps while
// the server's clock moves 45 s per step, 3 times --client-output-timeout
// in all: a client whose replies keep moving is not cut off, however long
// the reply takes. Each step waits until the server has seen the progress
// (32 MiB is more than the socket buffers hold, so the server wrote after
// the last step) before the next cron round runs.
func TestSlowButReadingClientKept(t *testing.T) {
	clk := newFakeClock()
	cfg := withClock(redisConfig(), clk)
	cfg.OutputTimeout = time.Minute
	s := startServer(t, cfg)
	const size = 100 << 20
	s.Store().Update([]byte("big"), clk.UnixMilli(), func(e *shard.Entry) { e.SetString(bytes.Repeat([]byte("x"), size), 0) })
	c := dial(t, s)
	sc := clientByID(t, s, c)
	c.send(resp("GET", "big"))
	want := "$" + itoa(size) + "\r\n"
	require.Equal(t, want, c.read(len(want)))
	left := size + 2
	for left > 0 {
		n := min(left, 32<<20)
		require.NoError(t, c.conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		_, err := io.CopyN(io.Discard, c.rd, int64(n))
		require.NoError(t, err)
		left -= n
		require.Eventually(t, func() bool {
			ws := sc.writeSince.Load()
			return ws == 0 || ws >= clk.UnixMilli()
		}, 10*time.Second, time.Millisecond, "the server saw the client read")
		clk.Advance(45 * time.Second)
		s.checkClients(clk.Now())
	}
	assert.Zero(t, s.stats.slowWriters.Load(), "no client closed for its output")
	assert.Equal(t, "+PONG\r\n", c.do(resp("PING"), "+PONG\r\n"))
}

// TestSlowReader pipelines 4096 GETs of a 1 MiB value (90 KiB of requests,
// 4 GiB of replies) on a connection that never reads. Once 1 MiB of replies
// waits, the server runs none of its commands (the std path blocks in
// Write; an event loop pauses the client): the heap stays within a few MiB
// while another client keeps being served. Then a clientsCron round past
// --client-output-timeout closes the stuck client.
func TestSlowReader(t *testing.T) {
	cfg := redisConfig()
	cfg.OutputBufferLimit = 1 << 20
	cfg.OutputTimeout = time.Hour // the test runs the cron round itself
	s := startServer(t, cfg)
	w := watcher(t, s)
	require.Equal(t, "+OK\r\n", w.do(resp("SET", "big", strings.Repeat("v", 1<<20)), "+OK\r\n"))
	base := heapAlloc()

	slow := dial(t, s)
	sc := clientByID(t, s, slow)
	slow.send(strings.Repeat(resp("GET", "big"), 4096))
	require.Eventually(t, func() bool { return sc.writeSince.Load() != 0 }, 10*time.Second, time.Millisecond,
		"the server stops on the client's unread replies")
	grown := heapAlloc() - base
	t.Logf("heap grew %d KiB", grown>>10)
	assert.Less(t, grown, int64(16<<20), "heap bounded by the output limit, not by the replies owed")
	stillServes(t, w, "slow reader")

	closeStuck(t, s, 1)
	assert.True(t, drainedToEOF(slow.conn), "the stuck client is closed")
	require.Eventually(t, func() bool { return clientCount(s) == 1 }, 5*time.Second, time.Millisecond)
	assert.Contains(t, infoText(t, w), "client_output_timeouts:1\r\n")
	stillServes(t, w, "slow reader closed")
}

// TestFloodingSlowReader: a client that sends requests without end and never
// reads is stopped too. On the std path the server stops reading it, so the
// sender stalls, and the cron round closes it; an event loop cannot stop
// reading, so it keeps its requests unrun until the query buffer limit and
// then closes it. Either way it is closed long before its 22 MiB are sent,
// while another client keeps being served.
func TestFloodingSlowReader(t *testing.T) {
	cfg := redisConfig()
	cfg.OutputBufferLimit = 1 << 20
	cfg.QueryBufferLimit = 1 << 20
	cfg.OutputTimeout = time.Hour
	s := startServer(t, cfg)
	w := watcher(t, s)
	require.Equal(t, "+OK\r\n", w.do(resp("SET", "big", strings.Repeat("v", 512<<10)), "+OK\r\n"))

	flood := dial(t, s)
	fc := clientByID(t, s, flood)
	batch := []byte(strings.Repeat(resp("GET", "big"), 1024))
	const batches = 1024 // 22 MiB of requests, 512 GiB of replies
	var sent atomic.Int64
	done := make(chan error, 1)
	go func() {
		_ = flood.conn.SetWriteDeadline(time.Now().Add(60 * time.Second))
		for range batches {
			n, err := flood.conn.Write(batch)
			sent.Add(int64(n))
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	if testNet == NetStd {
		require.Eventually(t, func() bool { return fc.writeSince.Load() != 0 }, 10*time.Second, time.Millisecond)
		stillServes(t, w, "flooding reader")
		closeStuck(t, s, 1)
	}
	select {
	case err := <-done:
		assert.Error(t, err, "the server closed the flooding client")
	case <-time.After(60 * time.Second):
		t.Fatal("the flooding client was never closed")
	}
	assert.Less(t, sent.Load(), int64(batches*len(batch)), "the server stopped taking requests")
	require.Eventually(t, func() bool { return clientCount(s) == 1 }, 5*time.Second, time.Millisecond)
	stillServes(t, w, "flooding reader closed")
}

// closeStuck runs clientsCron rounds two hours ahead until n clients have
// been closed for unread output: a round can land while a write that is
// about to block for good still completes.
func closeStuck(t *testing.T, s *Server, n int64) {
	t.Helper()
	require.Eventually(t, func() bool {
		s.checkClients(s.nowFn().Add(2 * time.Hour))
		return s.stats.slowWriters.Load() >= n
	}, 10*time.Second, time.Millisecond)
}

// drainedToEOF reads conn until the server's close shows (EOF or reset).
func drainedToEOF(conn net.Conn) bool {
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err := io.Copy(io.Discard, conn)
	return err == nil || strings.Contains(err.Error(), "reset")
}

// TestBatchClockAfterBlockedFlush: the commands of a batch run at the time
// of the clock read for the batch, but a flush in the middle of the batch
// that blocks on a slow reader must not leave the rest on the old time. The
// std path runs on a net.Pipe, whose Write blocks until the test reads, and
// the test moves the server's clock while it does.
func TestBatchClockAfterBlockedFlush(t *testing.T) {
	clk := newFakeClock()
	cfg := withClock(redisConfig(), clk)
	cfg.OutputBufferLimit = 1 // flush after every reply
	s, err := New(cfg)
	require.NoError(t, err)
	srvSide, cliSide := net.Pipe()
	c := newClient(s, srvSide)
	served := make(chan struct{})
	go func() {
		defer close(served)
		c.serve()
	}()
	t.Cleanup(func() {
		cliSide.Close()
		<-served
	})
	rd := bufio.NewReader(cliSide)
	readN := func(n int) string {
		b := make([]byte, n)
		_, err := io.ReadFull(rd, b)
		require.NoError(t, err)
		return string(b)
	}
	go func() { _, _ = cliSide.Write([]byte(resp("SET", "k", "v", "PX", "1000"))) }()
	require.Equal(t, "+OK\r\n", readN(5))

	// One write, so both commands are one batch.
	go func() { _, _ = cliSide.Write([]byte(resp("PTTL", "k") + resp("PTTL", "k"))) }()
	one := make([]byte, 1)
	_, err = io.ReadFull(cliSide, one) // the server is now inside the first reply's Write
	require.NoError(t, err)
	clk.Advance(600 * time.Millisecond)
	assert.Equal(t, ":1000\r\n", string(one)+readN(6))
	assert.Equal(t, ":400\r\n", readN(6), "the second command sees the time after the blocked flush")
}
