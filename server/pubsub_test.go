package server

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// subscriber dials s and subscribes to channel, reading the confirmation.
func subscriber(t *testing.T, s *Server, channel string) *redistest.Conn {
	t.Helper()
	c := redistest.Dial(t, s.Addr().String())
	r, err := c.Do("SUBSCRIBE", channel)
	require.NoError(t, err)
	require.Equal(t, `*[$"subscribe" $"`+channel+`" :1]`, r.String())
	return c
}

// numsub asks s how many clients subscribe to channel.
func numsub(t *testing.T, c *redistest.Conn, channel string) int64 {
	t.Helper()
	r, err := c.Do("PUBSUB", "NUMSUB", channel)
	require.NoError(t, err)
	require.Len(t, r.Elems, 2)
	return r.Elems[1].Int
}

// TestPubSubFanOut publishes 100 messages to 1,000 subscribers, who are
// spread over every event loop in eventloop mode, and checks that each
// gets every message, in order. Run under -race on both layers.
func TestPubSubFanOut(t *testing.T) {
	cfg := redisConfig()
	cfg.EventLoops = 2
	s := startServer(t, cfg)
	const subs, msgs = 1000, 100
	conns := make([]*redistest.Conn, subs)
	for i := range conns {
		conns[i] = subscriber(t, s, "fan")
	}
	pub := redistest.Dial(t, s.Addr().String())
	for i := range msgs {
		r, err := pub.Do("PUBLISH", "fan", "m"+strconv.Itoa(i))
		require.NoError(t, err)
		require.Equal(t, int64(subs), r.Int, "message %d reached every subscriber", i)
	}
	for n, c := range conns {
		for i := range msgs {
			r, err := c.Read()
			require.NoError(t, err, "subscriber %d, message %d", n, i)
			require.Equal(t, `*[$"message" $"fan" $"m`+strconv.Itoa(i)+`"]`, r.String(), "subscriber %d", n)
		}
	}
}

// TestPubSubSlowSubscriber: a subscriber that never reads is closed once
// its pending output passes the hard limit, while the publisher and a
// subscriber that reads carry on and the latter gets every message.
func TestPubSubSlowSubscriber(t *testing.T) {
	cfg := redisConfig()
	cfg.PubSubHardLimit = 256 << 10
	cfg.PubSubSoftLimit = -1
	s := startServer(t, cfg)

	slow, err := net.Dial("tcp", s.Addr().String())
	require.NoError(t, err)
	defer slow.Close()
	require.NoError(t, slow.(*net.TCPConn).SetReadBuffer(4096))
	_, err = slow.Write([]byte(resp("SUBSCRIBE", "ch")))
	require.NoError(t, err)

	fast := subscriber(t, s, "ch")
	pub := redistest.Dial(t, s.Addr().String())
	require.Eventually(t, func() bool { return numsub(t, pub, "ch") == 2 }, 5*time.Second, time.Millisecond)

	// The fast subscriber reads each message as it comes; the slow one
	// never reads.
	payload := strings.Repeat("x", 16<<10)
	const total = 1024 // 16 MiB: far past the kernel's buffers and the limit
	for i := range total {
		msg := payload[:len(payload)-i%10]
		r, err := pub.Do("PUBLISH", "ch", msg)
		require.NoError(t, err)
		require.Contains(t, []int64{1, 2}, r.Int)
		m, err := fast.Read()
		require.NoError(t, err, "message %d", i)
		require.Len(t, m.Elems, 3)
		require.Equal(t, len(msg), len(m.Elems[2].Str), "message %d in order", i)
	}
	assert.Equal(t, int64(1), s.stats.outputLimit.Load(), "the slow subscriber was closed")
	assert.Eventually(t, func() bool { return numsub(t, pub, "ch") == 1 }, 5*time.Second, time.Millisecond, "and unsubscribed")

	// The server let go of it: only the fast subscriber and the
	// publisher are left.
	assert.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.clients) == 2
	}, 5*time.Second, time.Millisecond)
}

// TestPubSubSoftLimit: an outbox over the soft limit closes its client
// only after staying over it for the soft time, on the server's clock, and
// going back under the limit starts the count again. Driven on the outbox
// itself, since how much a socket absorbs is the kernel's business.
func TestPubSubSoftLimit(t *testing.T) {
	clock := newFakeClock()
	cfg := withClock(redisConfig(), clock)
	cfg.PubSubHardLimit = -1
	cfg.PubSubSoftLimit = 64 << 10
	cfg.PubSubSoftTime = 60 * time.Second
	s, err := New(cfg)
	require.NoError(t, err)
	c := newTestClient(s)
	ob := &outbox{c: c}
	ob.cond.L = &ob.mu
	ob.mu.Lock()
	defer ob.mu.Unlock()

	ob.buf = make([]byte, 32<<10)
	require.True(t, ob.checkLimits(), "under the soft limit")
	ob.buf = make([]byte, 65<<10)
	require.True(t, ob.checkLimits(), "over it: the count starts")
	clock.Advance(30 * time.Second)
	ob.buf, ob.inflight = ob.buf[:10<<10], 10<<10
	require.True(t, ob.checkLimits(), "back under it, in flight included")
	ob.buf = make([]byte, 60<<10)
	require.True(t, ob.checkLimits(), "over it again, in flight included: a new count")
	clock.Advance(59 * time.Second)
	require.True(t, ob.checkLimits(), "59 s over the soft limit is allowed")
	assert.Zero(t, s.stats.outputLimit.Load())
	clock.Advance(time.Second)
	require.False(t, ob.checkLimits(), "60 s is not")
	assert.True(t, ob.dead)
	assert.Equal(t, int64(1), s.stats.outputLimit.Load())
}

// TestPubSubQuitFlushes: a subscriber's last replies go out before the
// connection closes (they wait in its outbox).
func TestPubSubQuitFlushes(t *testing.T) {
	s := startServer(t, redisConfig())
	r := dial(t, s)
	r.send(resp("SUBSCRIBE", "a") + resp("PING") + resp("QUIT"))
	want := "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n+OK\r\n"
	assert.Equal(t, want, r.read(len(want)))
	assert.True(t, r.closed())
}

func TestParseOutputLimit(t *testing.T) {
	for _, tt := range []struct {
		in         string
		hard, soft int64
		secs       time.Duration
		err        bool
	}{
		{"32mb 8mb 60", 32 << 20, 8 << 20, 60 * time.Second, false},
		{"0 0 0", -1, -1, 0, false},
		{"1024 512 5", 1024, 512, 5 * time.Second, false},
		{"32mb 8mb", 0, 0, 0, true},
		{"x 8mb 60", 0, 0, 0, true},
		{"32mb 8mb -1", 0, 0, 0, true},
	} {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			hard, soft, secs, err := ParseOutputLimit(tt.in)
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []any{tt.hard, tt.soft, tt.secs}, []any{hard, soft, secs})
		})
	}
}

// TestSubscriberNotIdle: --timeout closes an idle client but not an idle
// subscriber, which waits for messages, as in Redis.
func TestSubscriberNotIdle(t *testing.T) {
	cfg := redisConfig()
	cfg.Timeout = time.Hour
	s := startServer(t, cfg)
	subConn, idleConn := dial(t, s), dial(t, s)
	idle, sub := clientByID(t, s, idleConn), clientByID(t, s, subConn)
	want := "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n"
	require.Equal(t, want, subConn.do(resp("SUBSCRIBE", "c"), want))
	old := time.Now().Add(-2 * time.Hour).UnixMilli()
	idle.lastActive.Store(old)
	sub.lastActive.Store(old)
	s.checkClients(time.Now())
	assert.True(t, idleConn.closed(), "the idle client is closed")
	pub := redistest.Dial(t, s.Addr().String())
	r, err := pub.Do("PUBLISH", "c", "still here")
	require.NoError(t, err)
	assert.Equal(t, int64(1), r.Int)
	want = "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$10\r\nstill here\r\n"
	assert.Equal(t, want, subConn.read(len(want)))
}

// TestResetLeavesSubscribedMode: RESET drops every subscription and CLIENT
// REPLY OFF, so the next command answers normally.
func TestResetLeavesSubscribedMode(t *testing.T) {
	s := startServer(t, redisConfig())
	r := dial(t, s)
	r.send(resp("SUBSCRIBE", "a") + resp("PSUBSCRIBE", "b*") + resp("RESET") + resp("CLIENT", "REPLY", "OFF") +
		resp("RESET") + resp("PING") + resp("PUBSUB", "NUMPAT"))
	want := "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$10\r\npsubscribe\r\n$2\r\nb*\r\n:2\r\n+RESET\r\n+RESET\r\n+PONG\r\n:0\r\n"
	assert.Equal(t, want, r.read(len(want)))
}
