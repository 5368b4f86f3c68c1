package server

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPubSubLimitLive: CONFIG SET client-output-buffer-limit reaches a
// subscriber connected before it, under the defaults (32 MiB hard): once
// the pubsub class is lowered to 256 KiB, a subscriber that never reads is
// closed well before the 8 MiB published here, which the default would
// have let it keep.
func TestPubSubLimitLive(t *testing.T) {
	s := startServer(t, redisConfig())
	slow, err := net.Dial("tcp", s.Addr().String())
	require.NoError(t, err)
	defer slow.Close()
	require.NoError(t, slow.(*net.TCPConn).SetReadBuffer(4096))
	_, err = slow.Write([]byte(resp("SUBSCRIBE", "ch")))
	require.NoError(t, err)
	pub := redistest.Dial(t, s.Addr().String())
	require.Eventually(t, func() bool { return numsub(t, pub, "ch") == 1 }, 5*time.Second, time.Millisecond)

	r, err := pub.Do("CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 0 0")
	require.NoError(t, err)
	require.Equal(t, "OK", r.Str, "%v", r)
	payload := strings.Repeat("x", 16<<10)
	for i := 0; i < 512 && s.stats.outputLimit.Load() == 0; i++ {
		_, err := pub.Do("PUBLISH", "ch", payload)
		require.NoError(t, err)
	}
	assert.Equal(t, int64(1), s.stats.outputLimit.Load(), "closed at the new limit")
	assert.Eventually(t, func() bool { return numsub(t, pub, "ch") == 0 }, 5*time.Second, time.Millisecond)
}

// TestPubSubSoftLimitLive: a soft limit set by CONFIG SET applies to an
// outbox made before it, with its new soft time.
func TestPubSubSoftLimitLive(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, withClock(redisConfig(), clock))
	c := newTestClient(s)
	ob := &outbox{c: c}
	ob.cond.L = &ob.mu
	ob.mu.Lock()
	ob.buf = make([]byte, 100<<10)
	require.True(t, ob.checkLimits(), "under the default 8 MiB soft limit")
	ob.mu.Unlock()

	admin := redistest.Dial(t, s.Addr().String())
	r, err := admin.Do("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 64kb 10")
	require.NoError(t, err)
	require.Equal(t, "OK", r.Str, "%v", r)
	ob.mu.Lock()
	defer ob.mu.Unlock()
	require.True(t, ob.checkLimits(), "over the new soft limit: the count starts")
	clock.Advance(9 * time.Second)
	require.True(t, ob.checkLimits(), "9 s of the new 10 s")
	clock.Advance(time.Second)
	require.False(t, ob.checkLimits(), "10 s is over")
}
