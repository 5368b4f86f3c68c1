package pubsub

import (
	"bytes"
	"path"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// globMatch stands in for the server's glob: path.Match is close enough for
// the patterns used here (no slashes).
func globMatch(p, s []byte) bool {
	ok, _ := path.Match(string(p), string(s))
	return ok
}

type delivery struct {
	sub     int
	pattern string
}

func publish(h *Hub[int], channel string, shard bool) (int, []delivery) {
	var got []delivery
	n := h.Publish([]byte(channel), shard, func(s int, p []byte) {
		got = append(got, delivery{s, string(p)})
	})
	return n, got
}

func TestHub(t *testing.T) {
	h := New[int](globMatch)
	assert.False(t, h.Active())
	n, _ := publish(h, "news", false)
	assert.Zero(t, n, "nobody listens")

	require.True(t, h.Subscribe(Channel, []byte("news"), 1))
	require.False(t, h.Subscribe(Channel, []byte("news"), 1), "a second subscribe is a no-op")
	require.True(t, h.Subscribe(Channel, []byte("news"), 2))
	require.True(t, h.Subscribe(Pattern, []byte("n*"), 1))
	require.True(t, h.Subscribe(Pattern, []byte("n*"), 3))
	require.True(t, h.Subscribe(Pattern, []byte("x*"), 3))
	require.True(t, h.Subscribe(Shard, []byte("news"), 4))
	assert.True(t, h.Active())

	n, got := publish(h, "news", false)
	assert.Equal(t, 4, n, "two channel and two pattern subscribers")
	assert.ElementsMatch(t, []delivery{{1, ""}, {2, ""}, {1, "n*"}, {3, "n*"}}, got)

	n, got = publish(h, "news", true)
	assert.Equal(t, 1, n, "SPUBLISH reaches shard subscribers only")
	assert.Equal(t, []delivery{{4, ""}}, got)

	assert.Equal(t, []string{"news"}, h.Names(Channel, nil))
	assert.Equal(t, []string{"news"}, h.Names(Channel, []byte("ne?s")))
	assert.Empty(t, h.Names(Channel, []byte("x*")))
	assert.Equal(t, []string{"news"}, h.Names(Shard, nil))
	assert.Equal(t, 2, h.Count(Channel, []byte("news")))
	assert.Equal(t, 1, h.Count(Shard, []byte("news")))
	assert.Equal(t, 0, h.Count(Channel, []byte("none")))
	assert.Equal(t, 2, h.NumPat(), "distinct patterns, as Redis 7.0 counts them")
	assert.Equal(t, 1, h.Len(Channel))

	assert.True(t, h.Unsubscribe(Pattern, []byte("n*"), 1))
	assert.False(t, h.Unsubscribe(Pattern, []byte("n*"), 1))
	assert.Equal(t, 2, h.NumPat(), "3 still holds n*")
	assert.True(t, h.Unsubscribe(Pattern, []byte("n*"), 3))
	assert.Equal(t, 1, h.NumPat())
	assert.False(t, h.Unsubscribe(Channel, []byte("none"), 1))
	for _, u := range []struct {
		k    Kind
		name string
		s    int
	}{{Channel, "news", 1}, {Channel, "news", 2}, {Pattern, "x*", 3}, {Shard, "news", 4}} {
		require.True(t, h.Unsubscribe(u.k, []byte(u.name), u.s))
	}
	assert.False(t, h.Active())
	assert.Empty(t, h.Names(Channel, nil))
	assert.Zero(t, h.NumPat())
}

// TestHubConcurrent publishes while others subscribe and unsubscribe, for
// the race detector, and checks that one publisher's messages reach a
// steady subscriber in order.
func TestHubConcurrent(t *testing.T) {
	h := New[int](globMatch)
	h.Subscribe(Channel, []byte("c"), 0)
	var mu sync.Mutex
	var seen [][]byte
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range 1000 {
			msg := []byte{byte(i >> 8), byte(i)}
			h.Publish([]byte("c"), false, func(s int, _ []byte) {
				if s == 0 {
					mu.Lock()
					seen = append(seen, msg)
					mu.Unlock()
				}
			})
		}
	}()
	go func() {
		defer wg.Done()
		for i := range 1000 {
			h.Subscribe(Pattern, []byte("c*"), i+1)
			h.Unsubscribe(Pattern, []byte("c*"), i+1)
		}
	}()
	wg.Wait()
	require.Len(t, seen, 1000)
	for i, m := range seen {
		assert.True(t, bytes.Equal([]byte{byte(i >> 8), byte(i)}, m), "message %d out of order", i)
	}
	assert.Zero(t, h.NumPat())
}

func TestPublishNobodyAllocs(t *testing.T) {
	h := New[int](globMatch)
	ch := []byte("c")
	fn := func(int, []byte) {}
	assert.Zero(t, testing.AllocsPerRun(100, func() { h.Publish(ch, false, fn) }))
	h.Subscribe(Channel, ch, 1)
	h.Subscribe(Pattern, []byte("c*"), 2)
	assert.Zero(t, testing.AllocsPerRun(100, func() { h.Publish(ch, false, fn) }))
}
