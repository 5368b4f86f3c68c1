package server

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Blocking XREAD and XREADGROUP, as multi-client transcripts compared with
// redis-server by TestDiffBlockingScenarios, and non-blocking paths as
// scripted cases.

var streamBlockingScript = []diffCmd{
	x("XADD", "s", "1-1", "a", "1"), x("XGROUP", "CREATE", "s", "g", "$"),
	x("XREAD", "BLOCK", "0", "STREAMS", "s", "0"), x("XREAD", "BLOCK", "10", "STREAMS", "s", "$"), x("XREAD", "BLOCK", "10", "STREAMS", "nos", "0"),
	x("XREADGROUP", "GROUP", "g", "c", "BLOCK", "10", "STREAMS", "s", ">"), x("XINFO", "GROUPS", "s"),
	x("XREADGROUP", "GROUP", "g", "c", "BLOCK", "10", "STREAMS", "s", "0"), x("XINFO", "GROUPS", "s"),
	x("MULTI"), x("XREAD", "BLOCK", "0", "STREAMS", "s", "$"), x("XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "STREAMS", "s", ">"), x("EXEC"),
	x("EVAL", "return redis.call('XREAD', 'BLOCK', 0, 'STREAMS', KEYS[1], '$')", "1", "s"),
	x("EVAL", "return redis.call('xreadgroup', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', KEYS[1], '>')", "1", "s"),
	x("EVAL", "return redis.call('XREAD', 'STREAMS', KEYS[1], '0')", "1", "s"),
	x("EVAL", "return redis.call('XREADGROUP', 'GROUP', 'g', 'c3', 'STREAMS', KEYS[1], '0')", "1", "s"),
}

func TestDiffStreamBlockingScript(t *testing.T) {
	p := redisPair(t)
	for _, proto := range []string{"RESP2", "RESP3"} {
		t.Run(proto, func(t *testing.T) {
			if proto == "RESP3" {
				hello3(t, p)
			}
			p.Compare(false, "FLUSHALL")
			runDiff(t, p, streamBlockingScript)
		})
	}
}

func init() {
	blockingScenarios["stream-watch"] = func(t *testing.T, dial func() *redistest.Conn) []string {
		// Which stream commands make a WATCHing transaction fail: the
		// entries' and IDs' changes do, the groups' do not (Redis 7.0).
		ctl, w := dial(), dial()
		log := []string{do(t, ctl, "XADD", "s", "1-1", "a", "b"), do(t, ctl, "XGROUP", "CREATE", "s", "g", "0"), do(t, ctl, "TYPE", "s")}
		for _, change := range [][]string{
			{"XADD", "s", "2-1", "a", "b"}, {"XDEL", "s", "2-1"}, {"XDEL", "s", "2-1"}, {"XTRIM", "s", "MAXLEN", "5"}, {"XSETID", "s", "9-9"},
			{"XGROUP", "CREATECONSUMER", "s", "g", "c"}, {"XGROUP", "SETID", "s", "g", "0"},
			{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"}, {"XACK", "s", "g", "1-1"}, {"XCLAIM", "s", "g", "d", "0", "1-1", "FORCE"},
			{"XAUTOCLAIM", "s", "g", "c", "0", "0"}, {"XGROUP", "DELCONSUMER", "s", "g", "c"}, {"XGROUP", "DESTROY", "s", "g"},
			{"XGROUP", "CREATE", "s", "g", "0"}, {"XGROUP", "CREATE", "s2", "g", "0", "MKSTREAM"}, {"XRANGE", "s", "-", "+"},
			{"XTRIM", "s", "MAXLEN", "0"},
		} {
			do(t, w, "WATCH", "s", "s2")
			log = append(log, do(t, ctl, change...))
			do(t, w, "MULTI")
			do(t, w, "PING")
			log = append(log, do(t, w, "EXEC"))
		}
		return log
	}
	blockingScenarios["xread-shared"] = func(t *testing.T, dial func() *redistest.Conn) []string {
		// Every XREAD waiter whose ID the new entry passes is served by
		// one XADD, whatever waits before it.
		ctl := dial()
		far := dial()
		require.NoError(t, far.Send("XREAD", "BLOCK", "0", "STREAMS", "s", "100-0"))
		waitBlocked(t, ctl, 1)
		var ws []*redistest.Conn
		for i := range 3 {
			w := dial()
			require.NoError(t, w.Send("XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "$"))
			waitBlocked(t, ctl, i+2)
			ws = append(ws, w)
		}
		log := []string{do(t, ctl, "XADD", "s", "1-1", "a", "1")}
		for _, w := range ws {
			log = append(log, read(t, w))
		}
		waitBlocked(t, ctl, 1)
		log = append(log, do(t, ctl, "XADD", "s", "100-0", "b", "2"))
		waitBlocked(t, ctl, 1)
		log = append(log, do(t, ctl, "XADD", "s", "100-1", "c", "3"), read(t, far))
		return log
	}
	blockingScenarios["xreadgroup-fifo"] = func(t *testing.T, dial func() *redistest.Conn) []string {
		// Group readers are served in arrival order, one entry batch each;
		// an XREAD waiter among them does not stop the queue.
		ctl, r1, c1, c2 := dial(), dial(), dial(), dial()
		log := []string{do(t, ctl, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")}
		require.NoError(t, r1.Send("XREAD", "BLOCK", "0", "STREAMS", "s", "50-0"))
		waitBlocked(t, ctl, 1)
		require.NoError(t, c1.Send("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"))
		waitBlocked(t, ctl, 2)
		require.NoError(t, c2.Send("XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", ">"))
		waitBlocked(t, ctl, 3)
		log = append(log, do(t, ctl, "XADD", "s", "1-1", "a", "1"), read(t, c1))
		waitBlocked(t, ctl, 2)
		log = append(log, do(t, ctl, "MULTI"), do(t, ctl, "XADD", "s", "2-1", "a", "2"), do(t, ctl, "XADD", "s", "3-1", "a", "3"),
			do(t, ctl, "EXEC"), read(t, c2))
		waitBlocked(t, ctl, 1)
		log = append(log, do(t, ctl, "XPENDING", "s", "g"), do(t, ctl, "XINFO", "GROUPS", "s"))
		log = append(log, do(t, ctl, "XADD", "s", "60-0", "z", "9"), read(t, r1))
		return log
	}
	blockingScenarios["xreadgroup-gone"] = func(t *testing.T, dial func() *redistest.Conn) []string {
		// Redis 7.0 ends a group reader's wait with an error when its key
		// goes away or changes type, or its group is destroyed; a plain
		// XREAD waits on through both.
		ctl, w, r := dial(), dial(), dial()
		var log []string
		for _, end := range [][]string{{"DEL", "s"}, {"SET", "s", "v"}, {"XGROUP", "DESTROY", "s", "g"}} {
			do(t, ctl, "DEL", "s")
			log = append(log, do(t, ctl, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"))
			require.NoError(t, w.Send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"))
			waitBlocked(t, ctl, 1)
			log = append(log, do(t, ctl, end...), read(t, w))
		}
		do(t, ctl, "DEL", "s")
		require.NoError(t, r.Send("XREAD", "BLOCK", "0", "STREAMS", "s", "$"))
		waitBlocked(t, ctl, 1)
		log = append(log, do(t, ctl, "SET", "s", "v"), do(t, ctl, "DEL", "s"))
		waitBlocked(t, ctl, 1)
		log = append(log, do(t, ctl, "XADD", "s", "5-5", "f", "v"), read(t, r))
		return log
	}
	blockingScenarios["xread-multikey-timeout"] = func(t *testing.T, dial func() *redistest.Conn) []string {
		ctl, w := dial(), dial()
		log := []string{
			do(t, w, "XREAD", "BLOCK", "20", "STREAMS", "a", "$"),
			do(t, ctl, "XGROUP", "CREATE", "a", "g", "$", "MKSTREAM"),
			do(t, w, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "20", "STREAMS", "a", ">"),
			do(t, ctl, "XINFO", "CONSUMERS", "a", "g"),
		}
		require.NoError(t, w.Send("XREAD", "BLOCK", "0", "STREAMS", "a", "b", "$", "$"))
		waitBlocked(t, ctl, 1)
		log = append(log, do(t, ctl, "XADD", "b", "7-0", "x", "y"), read(t, w))
		// A waiter resumes its pipeline once served.
		require.NoError(t, w.Send("XREAD", "BLOCK", "0", "STREAMS", "a", "$"))
		require.NoError(t, w.Send("XLEN", "a"))
		waitBlocked(t, ctl, 1)
		log = append(log, do(t, ctl, "XADD", "a", "1-0", "x", "y"), read(t, w), read(t, w))
		id := do(t, w, "CLIENT", "ID")
		log = append(log, do(t, w, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", ">"))
		require.NoError(t, w.Send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "a", ">"))
		waitBlocked(t, ctl, 1)
		log = append(log, do(t, ctl, "CLIENT", "UNBLOCK", id[1:]), read(t, w))
		return log
	}
}

// TestStreamNullReplies pins the bytes of the replies the differential
// harness reads as one kind of nil.
func TestStreamNullReplies(t *testing.T) {
	s := startServer(t, redisConfig())
	r := dial(t, s)
	r.do(resp("XADD", "s", "1-1", "a", "b"), "$3\r\n1-1\r\n")
	r.do(resp("XGROUP", "CREATE", "s", "g", "$"), "+OK\r\n")
	cases := []struct{ req, resp2 string }{
		{resp("XRANGE", "s", "-", "+", "COUNT", "0"), "*-1\r\n"},
		{resp("XADD", "n", "NOMKSTREAM", "*", "a", "b"), "$-1\r\n"},
		{resp("XREAD", "STREAMS", "s", "5"), "*-1\r\n"},
		{resp("XREAD", "BLOCK", "1", "STREAMS", "s", "5"), "*-1\r\n"},
		{resp("XREADGROUP", "GROUP", "g", "c", "BLOCK", "1", "STREAMS", "s", ">"), "*-1\r\n"},
		{resp("XPENDING", "s", "g"), "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.resp2, r.do(tc.req, tc.resp2), tc.req)
	}
	r.send(resp("HELLO", "3"))
	_, err := redistest.ReadReply(r.rd)
	require.NoError(t, err)
	for _, tc := range cases[:5] {
		assert.Equal(t, "_\r\n", r.do(tc.req, "_\r\n"), tc.req)
	}
}

// TestStreamGroupRace runs producers adding entries and consumers of one
// group reading them with XREADGROUP BLOCK and acknowledging them, each on
// its own connection, plus XREAD readers following the whole stream: every
// entry reaches exactly one consumer, every XREAD reader sees all of them,
// and nothing stays pending.
func TestStreamGroupRace(t *testing.T) {
	s := startServer(t, redisConfig())
	const producers, consumers, readers, perProducer = 3, 3, 2, 1500
	total := producers * perProducer
	ctl := redistest.Dial(t, s.Addr().String())
	do(t, ctl, "XGROUP", "CREATE", "q", "g", "$", "MKSTREAM")
	got := make(chan string, total)
	var stopping atomic.Bool
	var wg sync.WaitGroup
	var ids []string
	for i := range consumers {
		c := redistest.Dial(t, s.Addr().String())
		ids = append(ids, do(t, c, "CLIENT", "ID")[1:])
		name := "c" + strconv.Itoa(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				r, err := c.Do("XREADGROUP", "GROUP", "g", name, "COUNT", "7", "BLOCK", "0", "STREAMS", "q", ">")
				if stopping.Load() {
					return // unblocked by the test
				}
				if err != nil || r.Kind != redistest.Array || len(r.Elems) != 1 {
					t.Errorf("consumer %s: %v %v", name, r, err)
					return
				}
				for _, e := range r.Elems[0].Elems[1].Elems {
					if _, err := c.Do("XACK", "q", "g", e.Elems[0].Str); err != nil {
						t.Error(err)
						return
					}
					got <- e.Elems[1].Elems[1].Str
				}
			}
		}()
	}
	seenBy := make([]int, readers)
	for i := range readers {
		c := redistest.Dial(t, s.Addr().String())
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := "0-0"
			for seenBy[i] < total {
				r, err := c.Do("XREAD", "BLOCK", "0", "STREAMS", "q", last)
				if err != nil || r.Kind != redistest.Array {
					t.Errorf("reader %d: %v %v", i, r, err)
					return
				}
				for _, e := range r.Elems[0].Elems[1].Elems {
					last = e.Elems[0].Str
					seenBy[i]++
				}
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
				if r, err := c.Do("XADD", "q", "*", "v", fmt.Sprintf("%d-%d", p, j)); err != nil || r.Kind != redistest.Bulk {
					t.Errorf("XADD: %v %v", r, err)
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
	assert.Equal(t, `*[:0 (nil) (nil) (nil)]`, do(t, ctl, "XPENDING", "q", "g"))
	waitBlocked(t, ctl, consumers)
	stopping.Store(true)
	for _, id := range ids {
		do(t, ctl, "CLIENT", "UNBLOCK", id)
	}
	wg.Wait()
	assert.Len(t, seen, total)
	for i := range readers {
		assert.Equal(t, total, seenBy[i], "reader %d", i)
	}
	waitBlocked(t, ctl, 0)
	assert.Zero(t, s.blocks.n.Load())
}
