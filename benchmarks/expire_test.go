package benchmarks

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/miniredis/miniredis/expire"
	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/require"
)

// expireKeys builds n keys "exp:%07d" once per process; benchmarks share them.
var expireKeys = sync.OnceValue(func() [][]byte {
	keys := make([][]byte, 1_000_000)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("exp:%07d", i))
	}
	return keys
})

// loadExpiring stores every key with the deadline exp.
func loadExpiring(s *shard.Store, keys [][]byte, exp int64) {
	v := []byte("0123456789abcdef0123456789abcdef")
	for _, k := range keys {
		s.Update(k, 0, func(e *shard.Entry) { e.SetString(v, exp) })
	}
}

// frozenClock is a clock that never moves, so a cycle is never cut short by
// its budget and does all the work there is.
type frozenClock struct{ t time.Time }

func (c *frozenClock) Now() time.Time { return c.t }

// BenchmarkExpireCycle measures what one cycle costs per key it samples,
// over 256 shards holding 1,000,000 keys with a deadline:
//
//   - live: no key has expired, so every shard is sampled once (20 random
//     picks under the write lock) and left; this is the steady cost of a
//     cycle over a healthy keyspace.
//   - expired: every key has expired; one op is the cycle that reclaims all
//     of them (the frozen clock lifts the time cap), and the store is
//     refilled with the timer stopped.
func BenchmarkExpireCycle(b *testing.B) {
	keys := expireKeys()
	const now = 1_700_000_000_000
	b.Run("live", func(b *testing.B) {
		s, err := shard.New(shard.DefaultShards)
		require.NoError(b, err)
		loadExpiring(s, keys, now+3_600_000)
		c, err := expire.New(s, expire.Options{Now: (&frozenClock{time.UnixMilli(now)}).Now})
		require.NoError(b, err)
		b.ReportAllocs()
		for b.Loop() {
			c.RunOnce()
		}
		st := c.Stats()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(st.Sampled), "ns/key")
		b.ReportMetric(float64(st.Sampled)/float64(st.Cycles), "keys/cycle")
	})
	b.Run("expired", func(b *testing.B) {
		s, err := shard.New(shard.DefaultShards)
		require.NoError(b, err)
		c, err := expire.New(s, expire.Options{Now: (&frozenClock{time.UnixMilli(now)}).Now})
		require.NoError(b, err)
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			loadExpiring(s, keys, now)
			b.StartTimer()
			c.RunOnce()
		}
		st := c.Stats()
		require.Zero(b, s.Stats().Keys, "one cycle reclaims everything when time stands still")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(st.Sampled), "ns/key")
		b.ReportMetric(float64(st.ExpiredKeys)/float64(st.Cycles), "keys/cycle")
	})
}

// noneGetSetNs is the ns/op of BenchmarkGetSetWhileExpiring/none, kept so
// the expiring run can report the ratio when both run in one process.
var noneGetSetNs float64

// BenchmarkGetSetWhileExpiring measures a GET and a SET (of 1,000 hot keys
// with no deadline, in turn) on a store of 256 shards while the real cycle
// runs at hz 10 on the real clock beside them:
//
//   - none: 1,000,000 more keys whose deadline is an hour away, so the
//     cycle only samples;
//   - 1M-expiring: the same keys, all already past their deadline, so the
//     cycle spends its whole budget deleting them while the loop runs
//     (reclaimed-keys reports how many it deleted during the timed loop;
//     at 1s benchtime that is most of them, so the run measures the
//     reclaiming phase, not the quiet after it).
//
// The ratio metric on the second is its ns/op over the first's.
func BenchmarkGetSetWhileExpiring(b *testing.B) {
	keys := expireKeys()
	hot := make([][]byte, 1000)
	for i := range hot {
		hot[i] = []byte(fmt.Sprintf("hot:%04d", i))
	}
	val := []byte("0123456789abcdef0123456789abcdef")
	for _, tc := range []struct {
		name   string
		expire bool
	}{{"none", false}, {"1M-expiring", true}} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := shard.New(shard.DefaultShards)
			require.NoError(b, err)
			now := time.Now().UnixMilli()
			exp := now + 3_600_000
			if tc.expire {
				exp = now - 1
			}
			loadExpiring(s, keys, exp)
			loadExpiring(s, hot, 0)
			runtime.GC() // start both variants from a settled heap
			c, err := expire.New(s, expire.Options{Hz: 10})
			require.NoError(b, err)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				c.Run(ctx)
			}()
			var got int
			view := func(v shard.Value) { got += len(v.Bytes()) }
			set := func(e *shard.Entry) { e.SetString(val, 0) }
			before := c.Stats().ExpiredKeys
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := hot[i%len(hot)]
				i++
				ms := time.Now().UnixMilli()
				s.View(k, ms, view)
				s.Update(k, ms, set)
			}
			b.StopTimer()
			reclaimed := c.Stats().ExpiredKeys - before
			cancel()
			<-done
			nsOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(float64(reclaimed), "reclaimed-keys")
			if tc.expire {
				if noneGetSetNs > 0 {
					b.ReportMetric(nsOp/noneGetSetNs, "ratio")
				}
			} else {
				noneGetSetNs = nsOp
			}
			require.Positive(b, got)
		})
	}
}
