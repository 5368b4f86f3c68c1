package expire_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/miniredis/miniredis/expire"
	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run the policy against the real shard store rather than the
// deterministic fake: what they check is the pair wired together.

// stepClock is a fake clock that moves by step on every reading, so that
// the cycle's own budget checks make time pass.
type stepClock struct {
	ms   atomic.Int64 // unix ms
	step atomic.Int64 // ms added per Now
}

func (c *stepClock) Now() time.Time { return time.UnixMilli(c.ms.Add(c.step.Load()) - c.step.Load()) }

// fill stores n keys named prefix:i with the deadline exp (0 = none).
func fill(t testing.TB, s *shard.Store, prefix string, n int, exp int64) {
	t.Helper()
	for i := range n {
		k := []byte(fmt.Sprintf("%s:%d", prefix, i))
		s.Update(k, 0, func(e *shard.Entry) { e.SetString([]byte("v"), exp) })
	}
}

func TestStoreCycleExactCounts(t *testing.T) {
	now := base.UnixMilli()
	// One shard and at most KeysPerLoop volatile keys: a sample sees every
	// one of them, so the counts are exact despite random picks.
	tests := []struct {
		name                  string
		expired, live, persis int
		want                  expire.CycleResult
	}{
		{name: "empty", want: expire.CycleResult{Samples: 1, Shards: 1}},
		{name: "persistent only", persis: 7, want: expire.CycleResult{Samples: 1, Shards: 1}},
		{name: "8 of 20 expired/samples again", expired: 8, live: 12, persis: 5,
			want: expire.CycleResult{Sampled: 32, Expired: 8, Samples: 2, Shards: 1}},
		{name: "2 of 20 expired/10% stops", expired: 2, live: 18,
			want: expire.CycleResult{Sampled: 20, Expired: 2, Samples: 1, Shards: 1}},
		{name: "all 20 expired", expired: 20, persis: 3,
			want: expire.CycleResult{Sampled: 20, Expired: 20, Samples: 2, Shards: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := shard.New(1)
			require.NoError(t, err)
			fill(t, s, "dead", tt.expired, now)
			fill(t, s, "live", tt.live, now+1)
			fill(t, s, "persistent", tt.persis, 0)
			clk := &stepClock{}
			clk.ms.Store(now)
			c, err := expire.New(s, expire.Options{Now: clk.Now})
			require.NoError(t, err)

			got := c.RunOnce()

			assert.Equal(t, tt.want, got)
			st := s.Stats()
			assert.Equal(t, tt.live+tt.persis, st.Keys)
			assert.Equal(t, tt.live, st.Volatile)
			assert.Equal(t, uint64(tt.expired), st.ExpiredKeys)
			assert.Equal(t, uint64(tt.expired), c.Stats().ExpiredKeys)
		})
	}
}

// staleShare is the share, in percent, of keys with a deadline that are
// expired but still held.
func staleShare(s *shard.Store, now int64) float64 {
	live := 0
	for cur := uint64(0); ; {
		// Scan skips expired keys: count the live volatile ones and take
		// the rest of the volatile index as stale.
		cur = s.Scan(cur, now, func(_ []byte, v shard.Value) {
			if v.ExpireAt() != 0 {
				live++
			}
		})
		if cur == 0 {
			break
		}
	}
	vol := s.Stats().Volatile
	if vol == 0 {
		return 0
	}
	return 100 * float64(vol-live) / float64(vol)
}

// TestStoreCycleStaleBound checks SPEC §7's goal, no more than about 10% of
// the keys with a TTL expired but still held, under a steady mix: 32,000
// keys with deadlines spread evenly over a window, a clock that moves 100 ms
// per cycle (hz 10), and no one reading a key, so only active expiry
// reclaims them.
//
// The policy is Redis's and statistical: a shard is left once one random
// sample of 20 is at most 10% stale. In equilibrium the stale share p
// satisfies a/20 = p / P(Binomial(20, p) <= 2), where a is the number of
// keys that expire per shard per cycle. For a up to a few keys that puts p
// under 10% (a=2: about 8%); at a=20 (a whole sample's worth of new
// expirations in every shard on every cycle) it settles near 20%, as Redis
// does. The last row pins that regime down so a change to it is seen.
func TestStoreCycleStaleBound(t *testing.T) {
	tests := []struct {
		name      string
		shards    int
		windowMs  int64   // deadlines spread over this window
		wantAvg   float64 // bound on the average stale share, percent
		wantWorst float64 // bound on any single cycle
	}{
		{name: "a=0.5/256 shards, 25 s window", shards: 256, windowMs: 25_000, wantAvg: 10, wantWorst: 10},
		{name: "a=2/16 shards, 100 s window", shards: 16, windowMs: 100_000, wantAvg: 10, wantWorst: 12},
		{name: "a=20/16 shards, 10 s window", shards: 16, windowMs: 10_000, wantAvg: 25, wantWorst: 30},
	}
	const keys = 32_000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := base.UnixMilli()
			s, err := shard.New(tt.shards)
			require.NoError(t, err)
			step := tt.windowMs * 1000 / keys // µs between deadlines
			for i := range keys {
				k := []byte(fmt.Sprintf("k:%d", i))
				exp := now + 1 + int64(i)*step/1000
				s.Update(k, now, func(e *shard.Entry) { e.SetString([]byte("v"), exp) })
			}
			fill(t, s, "persistent", 5000, 0)
			clk := &stepClock{}
			clk.ms.Store(now)
			c, err := expire.New(s, expire.Options{Hz: 10, Now: clk.Now})
			require.NoError(t, err)

			var sum, worst float64
			const cycles = 80 // 8 s: expired and live keys side by side throughout
			for range cycles {
				clk.ms.Add(100)
				r := c.RunOnce()
				require.False(t, r.TimeCapped, "the fake clock does not move inside a cycle")
				p := staleShare(s, clk.ms.Load())
				sum += p
				worst = max(worst, p)
			}
			avg := sum / cycles
			t.Logf("stale share over %d cycles: average %.2f%%, worst %.2f%%; expired_stale_perc %.2f",
				cycles, avg, worst, c.Stats().StalePerc)
			assert.LessOrEqual(t, avg, tt.wantAvg)
			assert.LessOrEqual(t, worst, tt.wantWorst)
			st := s.Stats()
			assert.Equal(t, 5000+keys-int(st.ExpiredKeys), st.Keys, "every delete is counted once")
			assert.Equal(t, c.Stats().ExpiredKeys, st.ExpiredKeys, "no key was read, so every delete was active")
		})
	}
}

// TestStoreCycleTimeBudget makes each clock reading cost 1 ms: at hz 10 the
// budget is 25 ms, so a cycle over a store full of expired keys stops after
// 26 samples of 20 (the first sample always runs, then one check after
// each), and the next cycle carries on from the following shard.
func TestStoreCycleTimeBudget(t *testing.T) {
	now := base.UnixMilli()
	s, err := shard.New(1)
	require.NoError(t, err)
	fill(t, s, "dead", 10_000, now)
	clk := &stepClock{}
	clk.ms.Store(now)
	clk.step.Store(1)
	c, err := expire.New(s, expire.Options{Hz: 10, Now: clk.Now})
	require.NoError(t, err)

	r := c.RunOnce()

	assert.True(t, r.TimeCapped)
	assert.Equal(t, 26, r.Samples)
	assert.Equal(t, 26*expire.KeysPerLoop, r.Expired, "every key sampled was expired")
	assert.Equal(t, 10_000-26*expire.KeysPerLoop, s.Stats().Keys)
	assert.Equal(t, uint64(1), c.Stats().TimeCapReached)
	assert.Equal(t, int64(now+27), clk.ms.Load(), "one reading to start, one per check")

	// With time standing still the next cycles drain the rest.
	clk.step.Store(0)
	for range 3 {
		c.RunOnce()
	}
	assert.Zero(t, s.Stats().Keys)
	assert.Equal(t, uint64(10_000), s.Stats().ExpiredKeys)
}

// lockProbe wraps the store and, between two samples of the same cycle,
// takes the sampled shard's write lock itself: if a cycle held a shard
// across samples, this would deadlock.
type lockProbe struct {
	*shard.Store
	keyOf  map[int][]byte // a key of each shard
	probes int
}

func (p *lockProbe) ExpireSample(i int, now int64, n int) (int, int) {
	sampled, expired := p.Store.ExpireSample(i, now, n)
	if k, ok := p.keyOf[i]; ok {
		p.Store.Update(k, now, func(*shard.Entry) {})
		p.probes++
	}
	return sampled, expired
}

func TestStoreCycleReleasesLockBetweenSamples(t *testing.T) {
	now := base.UnixMilli()
	s, err := shard.New(4)
	require.NoError(t, err)
	fill(t, s, "dead", 4000, now)
	p := &lockProbe{Store: s, keyOf: map[int][]byte{}}
	for i := 0; len(p.keyOf) < 4; i++ {
		k := []byte(fmt.Sprintf("probe:%d", i))
		idx := int(xxhash.Sum64(k) & 3) // the store's shard index
		if _, ok := p.keyOf[idx]; !ok {
			p.keyOf[idx] = k
		}
	}
	clk := &stepClock{}
	clk.ms.Store(now)
	c, err := expire.New(p, expire.Options{Now: clk.Now})
	require.NoError(t, err)
	done := make(chan expire.CycleResult, 1)
	go func() { done <- c.RunOnce() }()
	select {
	case r := <-done:
		assert.Equal(t, 4000, r.Expired)
		assert.Equal(t, r.Samples, p.probes)
	case <-time.After(30 * time.Second):
		t.Fatal("a cycle kept a shard locked between samples")
	}
}
