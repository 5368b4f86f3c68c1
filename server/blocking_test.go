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
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Differential cases for the blocking commands where they do not block:
// data already there, every error path in Redis 7.0's order of checks, the
// timeout's parsing, short timeouts, and MULTI and scripts, inside which
// they answer as if timed out. Run in RESP2 and again in RESP3.
var blockingScript = []diffCmd{
	x("RPUSH", "l", "a", "b", "c"), x("SET", "str", "v"), x("ZADD", "z", "1", "a", "2", "b", "3", "c"),
	x("BLPOP", "l", "0"), x("BRPOP", "l", "0"), x("BLPOP", "nol", "l", "0"), x("BRPOP", "nol", "l", "1.5"),
	x("EXISTS", "l"), x("RPUSH", "l", "a", "b"),
	x("BLPOP", "str", "0"), x("BLPOP", "nol", "str", "l", "0"), x("BLPOP", "l", "str", "0"), x("BRPOP", "z", "0"),
	// the timeout
	x("BLPOP", "l", "-1"), x("BLPOP", "nol", "-1"), x("BLPOP", "nol", "x"),
	x("BLPOP", "nol", ""), x("BLPOP", "nol", "nan"), x("BLPOP", "nol", "inf"), x("BLPOP", "nol", "-inf"),
	x("BLPOP", "nol", "1e400"), x("BLPOP", "nol", "9223372036854775807"), x("BLPOP", "nol", "9223372036854776"),
	x("BLPOP", "nol", " 1"), x("BLPOP", "str", "-1"), x("BLPOP", "str", "x"),
	x("BLPOP", "nol", "0.001"), x("BRPOP", "nol", "nol2", "0.01"), x("BLPOP", "nol", "1e-10"),
	x("BLPOP", "l"), x("BLPOP"), x("BRPOP", "l"),
	// BLMOVE and BRPOPLPUSH
	x("RPUSH", "l", "a", "b", "c"),
	x("BLMOVE", "l", "m", "LEFT", "RIGHT", "0"), x("BLMOVE", "l", "m", "right", "left", "0"), x("LRANGE", "m", "0", "-1"),
	x("BLMOVE", "l", "m", "UP", "LEFT", "0"), x("BLMOVE", "l", "m", "UP", "LEFT", "-1"), x("BLMOVE", "l", "m", "LEFT", "LEFT", "-1"),
	x("BLMOVE", "l", "m", "LEFT", "LEFT", "x"), x("BLMOVE", "str", "m", "LEFT", "LEFT", "0"),
	x("BLMOVE", "m", "str", "LEFT", "LEFT", "0"), x("BLMOVE", "nol", "str", "LEFT", "LEFT", "0.01"),
	x("BLMOVE", "nol", "m", "LEFT", "LEFT", "0.01"), x("BLMOVE", "l", "m", "LEFT", "LEFT"),
	x("BRPOPLPUSH", "m", "l", "0"), x("BRPOPLPUSH", "m", "m", "0"), x("BRPOPLPUSH", "nol", "m", "0.01"),
	x("BRPOPLPUSH", "m", "l", "-1"), x("BRPOPLPUSH", "str", "l", "0"), x("BRPOPLPUSH", "m", "l"),
	x("LRANGE", "l", "0", "-1"), x("LRANGE", "m", "0", "-1"),
	// BLMPOP
	x("DEL", "l", "m"), x("RPUSH", "l", "a", "b", "c", "d"), x("RPUSH", "m", "x"),
	x("BLMPOP", "0", "1", "l", "LEFT"), x("BLMPOP", "0", "2", "nol", "l", "RIGHT", "COUNT", "2"),
	x("BLMPOP", "0", "2", "l", "m", "LEFT", "COUNT", "10"), x("BLMPOP", "0.01", "2", "l", "nol", "LEFT"),
	x("BLMPOP", "0", "1", "m", "LEFT"), x("BLMPOP", "0", "1", "str", "LEFT"),
	x("BLMPOP", "-1", "1", "m", "LEFT"), x("BLMPOP", "x", "1", "m", "LEFT"), x("BLMPOP", "-1", "0", "m", "LEFT"),
	x("BLMPOP", "0", "0", "m", "LEFT"), x("BLMPOP", "0", "1", "m", "UP"), x("BLMPOP", "0", "1", "m", "LEFT", "COUNT", "0"),
	x("BLMPOP", "0", "2", "m", "LEFT"), x("BLMPOP", "0", "1", "m"), x("BLMPOP", "0", "1"),
	// BZPOPMIN, BZPOPMAX, BZMPOP
	x("BZPOPMIN", "z", "0"), x("BZPOPMAX", "z", "0"), x("BZPOPMIN", "noz", "z", "0"), x("EXISTS", "z"),
	x("BZPOPMIN", "noz", "0.01"), x("BZPOPMAX", "str", "0"), x("BZPOPMIN", "z", "-1"), x("BZPOPMIN", "z", "x"),
	x("BZPOPMIN", "z"),
	x("ZADD", "z", "1", "a", "2", "b", "3", "c", "-inf", "lo"), x("ZADD", "z2", "0.5", "x"),
	x("BZMPOP", "0", "1", "z", "MIN"), x("BZMPOP", "0", "2", "noz", "z", "MAX", "COUNT", "2"),
	x("BZMPOP", "0", "2", "z", "z2", "MIN", "COUNT", "10"), x("BZMPOP", "0.01", "1", "z", "MIN"),
	x("BZMPOP", "0", "1", "z2", "MAX"), x("BZMPOP", "0", "1", "str", "MIN"), x("BZMPOP", "-1", "1", "z", "MIN"),
	x("BZMPOP", "x", "0", "z", "MIN"), x("BZMPOP", "0", "0", "z", "MIN"), x("BZMPOP", "0", "1", "z", "LEFT"),
	x("BZMPOP", "0", "1", "z", "MIN", "COUNT", "-1"), x("BZMPOP", "0", "1", "z"),
	// MULTI and scripts: no blocking, the timeout reply at once
	x("MULTI"), x("BLPOP", "nol", "0"), x("BRPOP", "nol", "0"), x("BLMOVE", "nol", "m", "LEFT", "LEFT", "0"),
	x("BRPOPLPUSH", "nol", "m", "0"), x("BLMPOP", "0", "1", "nol", "LEFT"), x("BZPOPMIN", "nol", "0"),
	x("BZPOPMAX", "nol", "0"), x("BZMPOP", "0", "1", "nol", "MIN"), x("RPUSH", "nol", "v"), x("BLPOP", "nol", "0"),
	x("BLPOP", "nol", "-1"), x("EXEC"),
	x("EVAL", "return redis.call('BLPOP', KEYS[1], 0)", "1", "nol"),
	x("EVAL", "return redis.call('BLMOVE', KEYS[1], KEYS[2], 'LEFT', 'LEFT', 0)", "2", "nol", "m"),
	x("EVAL", "return redis.call('BZMPOP', 0, 1, KEYS[1], 'MIN')", "1", "noz"),
	x("RPUSH", "sl", "1"), x("EVAL", "return redis.call('BRPOP', KEYS[1], 0)", "1", "sl"),
	x("EVAL", "return redis.call('BLMPOP', 0, 1, KEYS[1], 'LEFT')", "1", "sl"),
	x("EVAL", "return redis.call('BZPOPMIN', KEYS[1], 0)", "1", "noz"),
	x("EVAL", "return redis.call('BLMPOP', 0, 1, KEYS[1], 'LEFT')", "1", "sl"), x("EVAL", "return redis.call('BLMPOP', 0, 1, KEYS[1], 'LEFT')", "1", "sl"),
	x("EVAL", "return redis.call('BZPOPMIN', KEYS[1], 0)", "1", "noz"),
}

func TestDiffBlockingScript(t *testing.T) {
	p := redisPair(t)
	for _, proto := range []string{"RESP2", "RESP3"} {
		t.Run(proto, func(t *testing.T) {
			if proto == "RESP3" {
				hello3(t, p)
			}
			p.Compare(false, "FLUSHALL")
			st := runDiff(t, p, blockingScript)
			t.Logf("%d commands compared: %d errors, %d nil or empty replies", st.cmds, st.errors, st.empty)
		})
	}
}

// waitBlocked waits until n clients of the server at c are blocked, so that
// a scenario's next step runs against the state it means to test.
func waitBlocked(t *testing.T, c *redistest.Conn, n int) {
	t.Helper()
	want := "blocked_clients:" + strconv.Itoa(n) + "\r\n"
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, err := c.Do("INFO", "clients")
		require.NoError(t, err)
		if strings.Contains(r.Str, want) {
			return
		}
		require.True(t, time.Now().Before(deadline), "want %q in %q", want, r.Str)
		time.Sleep(time.Millisecond)
	}
}

// blockingScenario is a multi-client exchange: blocked clients and the
// writes that serve them. It returns a transcript of every reply, compared
// between redis-server and miniredis.
type blockingScenario func(t *testing.T, dial func() *redistest.Conn) []string

var blockingScenarios = map[string]blockingScenario{
	"fifo": func(t *testing.T, dial func() *redistest.Conn) []string {
		ctl := dial()
		var ws []*redistest.Conn
		for i := range 3 {
			w := dial()
			require.NoError(t, w.Send("BLPOP", "k", "0"))
			waitBlocked(t, ctl, i+1)
			ws = append(ws, w)
		}
		var log []string
		log = append(log, do(t, ctl, "RPUSH", "k", "a", "b"))
		log = append(log, read(t, ws[0]), read(t, ws[1]))
		waitBlocked(t, ctl, 1)
		log = append(log, do(t, ctl, "LPUSH", "k", "c", "d"), read(t, ws[2]), do(t, ctl, "LRANGE", "k", "0", "-1"))
		return log
	},
	"multikey-and-types": func(t *testing.T, dial func() *redistest.Conn) []string {
		ctl, w := dial(), dial()
		var log []string
		require.NoError(t, w.Send("BRPOP", "a", "b", "0"))
		waitBlocked(t, ctl, 1)
		// Another type on a watched key neither serves nor fails the
		// waiter; an element taken within a transaction leaves it waiting.
		log = append(log, do(t, ctl, "SET", "a", "str"), do(t, ctl, "MULTI"), do(t, ctl, "RPUSH", "b", "x"),
			do(t, ctl, "LPOP", "b"), do(t, ctl, "EXEC"))
		waitBlocked(t, ctl, 1)
		log = append(log, do(t, ctl, "RPUSH", "b", "y", "z"), read(t, w), do(t, ctl, "LRANGE", "b", "0", "-1"))
		return log
	},
	"ready-order": func(t *testing.T, dial func() *redistest.Conn) []string {
		// Two keys made ready by one transaction: Redis serves the waiter
		// from the key that became ready first, not the first it named.
		ctl, w1, w2 := dial(), dial(), dial()
		var log []string
		require.NoError(t, w1.Send("BLPOP", "a", "b", "0"))
		waitBlocked(t, ctl, 1)
		require.NoError(t, w2.Send("BZMPOP", "0", "2", "za", "zb", "MAX"))
		waitBlocked(t, ctl, 2)
		log = append(log, do(t, ctl, "MULTI"), do(t, ctl, "RPUSH", "b", "x"), do(t, ctl, "RPUSH", "a", "y"),
			do(t, ctl, "ZADD", "zb", "1", "m"), do(t, ctl, "ZADD", "za", "2", "n"), do(t, ctl, "EXEC"))
		log = append(log, read(t, w1), read(t, w2), do(t, ctl, "LRANGE", "a", "0", "-1"), do(t, ctl, "ZRANGE", "za", "0", "-1"))
		return log
	},
	"move-chain": func(t *testing.T, dial func() *redistest.Conn) []string {
		// A served BLMOVE feeds a client blocked on its destination.
		ctl, w1, w2 := dial(), dial(), dial()
		require.NoError(t, w2.Send("BLPOP", "d", "0"))
		waitBlocked(t, ctl, 1)
		require.NoError(t, w1.Send("BRPOPLPUSH", "s", "d", "0"))
		waitBlocked(t, ctl, 2)
		return []string{do(t, ctl, "RPUSH", "s", "x"), read(t, w1), read(t, w2), do(t, ctl, "EXISTS", "s", "d")}
	},
	"moves-and-zsets": func(t *testing.T, dial func() *redistest.Conn) []string {
		ctl, w1, w2, w3, w4 := dial(), dial(), dial(), dial(), dial()
		var log []string
		require.NoError(t, w1.Send("BLMOVE", "s", "d", "RIGHT", "LEFT", "0"))
		waitBlocked(t, ctl, 1)
		require.NoError(t, w2.Send("BZPOPMAX", "z1", "z2", "0"))
		waitBlocked(t, ctl, 2)
		require.NoError(t, w3.Send("BLMPOP", "0", "2", "q1", "q2", "LEFT", "COUNT", "2"))
		waitBlocked(t, ctl, 3)
		require.NoError(t, w4.Send("BZMPOP", "0", "1", "z2", "MIN", "COUNT", "5"))
		waitBlocked(t, ctl, 4)
		log = append(log, do(t, ctl, "RPUSH", "s", "1", "2"), read(t, w1), do(t, ctl, "LRANGE", "d", "0", "-1"))
		log = append(log, do(t, ctl, "ZADD", "z2", "1", "a", "2", "b", "3", "c"), read(t, w2))
		log = append(log, read(t, w4), do(t, ctl, "EXISTS", "z2"))
		log = append(log, do(t, ctl, "RPUSH", "q2", "x", "y", "z"), read(t, w3), do(t, ctl, "LRANGE", "q2", "0", "-1"))
		return log
	},
	"timeout-and-unblock": func(t *testing.T, dial func() *redistest.Conn) []string {
		ctl, w := dial(), dial()
		var log []string
		log = append(log, do(t, w, "BLPOP", "k", "0.02"), do(t, w, "BLMOVE", "k", "d", "LEFT", "LEFT", "0.02"),
			do(t, w, "BZMPOP", "0.02", "1", "k", "MIN"))
		id := do(t, w, "CLIENT", "ID")
		require.NoError(t, w.Send("BLPOP", "k", "0"))
		waitBlocked(t, ctl, 1)
		log = append(log, do(t, ctl, "CLIENT", "UNBLOCK", id[1:]), read(t, w))
		require.NoError(t, w.Send("BRPOPLPUSH", "k", "d", "0"))
		waitBlocked(t, ctl, 1)
		log = append(log, do(t, ctl, "CLIENT", "UNBLOCK", id[1:], "ERROR"), read(t, w),
			do(t, ctl, "CLIENT", "UNBLOCK", id[1:]), do(t, ctl, "CLIENT", "UNBLOCK", id[1:], "FOO"),
			do(t, ctl, "CLIENT", "UNBLOCK", "x"), do(t, ctl, "CLIENT", "UNBLOCK"))
		// A pipelined command behind a blocked one waits for it.
		require.NoError(t, w.Send("BLPOP", "k", "0"))
		require.NoError(t, w.Send("PING"))
		waitBlocked(t, ctl, 1)
		log = append(log, do(t, ctl, "RPUSH", "k", "v"), read(t, w), read(t, w))
		return log
	},
}

// do runs a command on c and returns its reply as text.
func do(t *testing.T, c *redistest.Conn, args ...string) string {
	t.Helper()
	r, err := c.Do(args...)
	require.NoError(t, err, "%q", args)
	return r.String()
}

// read reads one reply of a blocked client.
func read(t *testing.T, c *redistest.Conn) string {
	t.Helper()
	r, err := c.Read()
	require.NoError(t, err)
	return r.String()
}

func TestDiffBlockingScenarios(t *testing.T) {
	redisAddr := redistest.StartRedis(t)
	s := startServer(t, redisConfig())
	for name, sc := range blockingScenarios {
		t.Run(name, func(t *testing.T) {
			transcript := func(addr string) []string {
				redistest.Dial(t, addr).Do("FLUSHALL")
				return sc(t, func() *redistest.Conn { return redistest.Dial(t, addr) })
			}
			want := transcript(redisAddr)
			got := transcript(s.Addr().String())
			assert.Equal(t, want, got)
		})
	}
}

// TestBlockingDisconnect: a client that goes away while blocked leaves the
// registry, and a push after that is not lost to it.
func TestBlockingDisconnect(t *testing.T) {
	s := startServer(t, miniConfig())
	ctl, w := redistest.Dial(t, s.Addr().String()), dial(t, s)
	w.send(resp("BLPOP", "k", "0"))
	waitBlocked(t, ctl, 1)
	require.NoError(t, w.conn.Close())
	waitBlocked(t, ctl, 0)
	assert.Zero(t, s.blocks.n.Load(), "no key keeps a waiter")
	assert.Equal(t, ":1", do(t, ctl, "RPUSH", "k", "v"))
	assert.Equal(t, ":1", do(t, ctl, "LLEN", "k"))
}

// TestBlockingShutdown: Shutdown does not wait for blocked clients.
func TestBlockingShutdown(t *testing.T) {
	s := startServer(t, miniConfig())
	ctl, w := redistest.Dial(t, s.Addr().String()), dial(t, s)
	w.send(resp("BLPOP", "k", "0"))
	waitBlocked(t, ctl, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.Shutdown(ctx))
	assert.True(t, w.closed())
	assert.Zero(t, s.blocks.clients.Load())
}

// TestBlockingMoveRace moves 20k elements from producers through blocked
// consumers on their own connections: every element arrives exactly once.
func TestBlockingMoveRace(t *testing.T) {
	s := startServer(t, miniConfig())
	const producers, consumers, perProducer = 4, 4, 5000
	total := producers * perProducer
	got := make(chan string, total)
	var wg sync.WaitGroup
	for i := range consumers {
		c := redistest.Dial(t, s.Addr().String())
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				// Alternate the commands so that each path serves
				// waiters; an element that reaches "done" ends the run.
				var r redistest.Reply
				var err error
				if i%2 == 0 {
					r, err = c.Do("BLPOP", "q", "other", "0")
				} else {
					mid := "mid" + strconv.Itoa(i)
					r, err = c.Do("BLMOVE", "q", mid, "LEFT", "RIGHT", "0")
					if err == nil && r.Kind != redistest.Error {
						r, err = c.Do("LPOP", mid)
					}
				}
				if err != nil || r.Kind == redistest.Error {
					t.Errorf("consumer %d: %v %v", i, r, err)
					return
				}
				v := r.Str
				if len(r.Elems) == 2 {
					v = r.Elems[1].Str
				}
				if v == "done" {
					return
				}
				got <- v
			}
		}()
	}
	var pw sync.WaitGroup
	for p := range producers {
		c := redistest.Dial(t, s.Addr().String())
		pw.Add(1)
		go func() {
			defer pw.Done()
			for j := range perProducer {
				if _, err := c.Do("RPUSH", "q", fmt.Sprintf("%d-%d", p, j)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	pw.Wait()
	seen := make(map[string]bool, total)
	for range total {
		v := <-got
		require.False(t, seen[v], "%s delivered twice", v)
		seen[v] = true
	}
	ctl := redistest.Dial(t, s.Addr().String())
	for range consumers {
		do(t, ctl, "RPUSH", "q", "done")
	}
	wg.Wait()
	assert.Len(t, seen, total)
	assert.Equal(t, ":0", do(t, ctl, "EXISTS", "q", "mid1", "mid3"))
	assert.Zero(t, s.blocks.n.Load())
}

// TestBlockingTimeoutReplies pins the bytes of the timeout replies, which
// the differential harness reads as one kind of nil: a nil array for the
// pops, a nil bulk for the moves, RESP3's null for both.
func TestBlockingTimeoutReplies(t *testing.T) {
	s := startServer(t, miniConfig())
	r := dial(t, s)
	for _, tc := range []struct{ req, resp2 string }{
		{resp("BLPOP", "k", "0.001"), "*-1\r\n"},
		{resp("BRPOP", "k", "0.001"), "*-1\r\n"},
		{resp("BLMOVE", "k", "d", "LEFT", "LEFT", "0.001"), "$-1\r\n"},
		{resp("BRPOPLPUSH", "k", "d", "0.001"), "$-1\r\n"},
		{resp("BLMPOP", "0.001", "1", "k", "LEFT"), "*-1\r\n"},
		{resp("BZPOPMIN", "k", "0.001"), "*-1\r\n"},
		{resp("BZPOPMAX", "k", "0.001"), "*-1\r\n"},
		{resp("BZMPOP", "0.001", "1", "k", "MIN"), "*-1\r\n"},
	} {
		assert.Equal(t, tc.resp2, r.do(tc.req, tc.resp2), tc.req)
	}
	r.send(resp("HELLO", "3"))
	_, err := redistest.ReadReply(r.rd)
	require.NoError(t, err)
	for _, req := range []string{resp("BLPOP", "k", "0.001"), resp("BLMOVE", "k", "d", "LEFT", "LEFT", "0.001"),
		resp("BZMPOP", "0.001", "1", "k", "MIN")} {
		assert.Equal(t, "_\r\n", r.do(req, "_\r\n"), req)
	}
}

// TestBlockingNotIdle: --timeout does not close a blocked client, as in
// Redis; its own timeout governs it.
func TestBlockingNotIdle(t *testing.T) {
	cfg := redisConfig()
	cfg.Timeout = time.Hour
	s := startServer(t, cfg)
	ctl := redistest.Dial(t, s.Addr().String())
	bc := dial(t, s)
	blocked := clientByID(t, s, bc)
	bc.send(resp("BLPOP", "k", "0"))
	waitBlocked(t, ctl, 1)
	blocked.lastActive.Store(time.Now().Add(-2 * time.Hour).UnixMilli())
	s.checkClients(time.Now())
	assert.Equal(t, ":1", do(t, ctl, "RPUSH", "k", "v"))
	want := "*2\r\n$1\r\nk\r\n$1\r\nv\r\n"
	assert.Equal(t, want, bc.read(len(want)))
}
