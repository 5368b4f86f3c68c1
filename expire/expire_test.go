package expire_test

import (
	"context"
	"math"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/miniredis/miniredis/expire"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		target  expire.Target
		hz      int
		wantErr error
	}{
		{name: "hz=0/default", target: &fakeTarget{}, hz: 0},
		{name: "hz=1", target: &fakeTarget{}, hz: 1},
		{name: "hz=500", target: &fakeTarget{}, hz: 500},
		{name: "hz=-1", target: &fakeTarget{}, hz: -1, wantErr: expire.ErrHz},
		{name: "hz=501", target: &fakeTarget{}, hz: 501, wantErr: expire.ErrHz},
		{name: "nil target", target: nil, hz: 10, wantErr: expire.ErrNilTarget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := expire.New(tt.target, expire.Options{Hz: tt.hz})
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, c)
				return
			}
			assert.NoError(t, err)
			assert.NotNil(t, c)
		})
	}
}

// newCycle returns a cycle over f driven by a fake clock at base, which f
// advances by f.cost per sample.
func newCycle(t *testing.T, f *fakeTarget, hz int) (*expire.Cycle, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: base}
	f.clock = clk
	f.record = true
	c, err := expire.New(f, expire.Options{Hz: hz, Now: clk.Now})
	require.NoError(t, err)
	return c, clk
}

func TestRunOnceCounts(t *testing.T) {
	ms := base.UnixMilli()
	tests := []struct {
		name   string
		shards []fakeShard
		want   expire.CycleResult
		calls  []call
	}{
		{
			name: "no shards",
			want: expire.CycleResult{},
		},
		{
			name:   "no volatile keys/one sample per shard",
			shards: shardsOf(nil, nil, nil),
			want:   expire.CycleResult{Samples: 3, Shards: 3},
			calls:  []call{{0, ms, 0, 0}, {1, ms, 0, 0}, {2, ms, 0, 0}},
		},
		{
			name:   "deadline=now is expired",
			shards: shardsOf([]int64{ms - 1, ms, ms + 1}),
			want:   expire.CycleResult{Sampled: 4, Expired: 2, Samples: 2, Shards: 1},
			calls:  []call{{0, ms, 3, 2}, {0, ms, 1, 0}},
		},
		{
			name:   "5% expired/one sample",
			shards: shardsOf(keys(40, every(20))),
			want:   expire.CycleResult{Sampled: 20, Expired: 1, Samples: 1, Shards: 1},
			calls:  []call{{0, ms, 20, 1}},
		},
		{
			name:   "exactly 10% expired/one sample",
			shards: shardsOf(keys(40, every(10))),
			want:   expire.CycleResult{Sampled: 20, Expired: 2, Samples: 1, Shards: 1},
			calls:  []call{{0, ms, 20, 2}},
		},
		{
			// 2 of 19 is 10.5%: more than 10%, so sample again. (Redis's
			// integer percentage would round it down to 10 and stop.)
			name:   "10.5% expired/samples again",
			shards: shardsOf(keys(19, every(10))),
			want:   expire.CycleResult{Sampled: 36, Expired: 2, Samples: 2, Shards: 1},
			calls:  []call{{0, ms, 19, 2}, {0, ms, 17, 0}},
		},
		{
			name:   "50% expired/sampled until stale share <= 10%",
			shards: shardsOf(keys(100, every(2))),
			want:   expire.CycleResult{Sampled: 120, Expired: 50, Samples: 6, Shards: 1},
			calls: []call{
				{0, ms, 20, 10}, {0, ms, 20, 10}, {0, ms, 20, 10}, {0, ms, 20, 10}, {0, ms, 20, 10},
				{0, ms, 20, 0},
			},
		},
		{
			name:   "mixed shards",
			shards: shardsOf(keys(40, every(2)), nil, keys(30, all), keys(5, none)),
			want:   expire.CycleResult{Sampled: 95, Expired: 50, Samples: 8, Shards: 4},
			calls: []call{
				{0, ms, 20, 10}, {0, ms, 20, 10}, {0, ms, 20, 0},
				{1, ms, 0, 0},
				{2, ms, 20, 20}, {2, ms, 10, 10}, {2, ms, 0, 0},
				{3, ms, 5, 0},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Each sample costs 1ms, well inside the 25ms budget, so the
			// clock moves but `now` handed to the target must not.
			f := &fakeTarget{shards: tt.shards, cost: time.Millisecond}
			c, _ := newCycle(t, f, 10)

			got := c.RunOnce()

			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.calls, f.calls)
			var cur float64
			if tt.want.Sampled > 0 {
				cur = 100 * float64(tt.want.Expired) / float64(tt.want.Sampled)
			}
			assert.Equal(t, expire.Stats{
				ExpiredKeys: uint64(tt.want.Expired),
				Sampled:     uint64(tt.want.Sampled),
				Cycles:      1,
				StalePerc:   0.05 * cur,
			}, c.Stats())
		})
	}
}

func TestStalePerc(t *testing.T) {
	f := &fakeTarget{shards: shardsOf(nil)}
	c, _ := newCycle(t, f, 10)
	steps := []struct {
		name string
		add  []int64 // deadlines added to shard 0 before the cycle
		want float64 // StalePerc after the cycle
	}{
		{name: "cycle=1/all 20 expired", add: keys(20, all), want: 5},                     // cur 100
		{name: "cycle=2/nothing sampled", add: nil, want: 4.75},                           // cur 0
		{name: "cycle=3/10 of 30 expired", add: keys(20, every(2)), want: 4.5125 + 5.0/3}, // cur 33.3
	}
	for _, s := range steps {
		f.shards[0].deadlines = append(f.shards[0].deadlines, s.add...)
		c.RunOnce()
		assert.InDelta(t, s.want, c.Stats().StalePerc, 1e-9, s.name)
	}
}

// TestResetStats: CONFIG RESETSTAT zeroes every counter and the stale
// estimate; later cycles count from zero.
func TestResetStats(t *testing.T) {
	f := &fakeTarget{shards: shardsOf(keys(20, all))}
	c, _ := newCycle(t, f, 10)
	c.RunOnce()
	require.NotZero(t, c.Stats().ExpiredKeys)
	c.ResetStats()
	assert.Equal(t, expire.Stats{}, c.Stats())
	c.RunOnce() // nothing left to expire
	assert.Equal(t, expire.Stats{Cycles: 1}, c.Stats())
}

func TestTimeBudget(t *testing.T) {
	tests := []struct {
		name        string
		hz          int
		cost        time.Duration
		shards      []fakeShard
		wantSamples int
		wantCapped  bool
	}{
		// A check happens after each sample that would be followed by
		// another; the cycle stops once elapsed > 25% of 1s/hz.
		{name: "hz=10/budget=25ms/cost=1ms", hz: 10, cost: time.Millisecond, shards: shardsOf(keys(10_000, all)), wantSamples: 26, wantCapped: true},
		{name: "hz=40/budget=6.25ms/cost=1ms", hz: 40, cost: time.Millisecond, shards: shardsOf(keys(10_000, all)), wantSamples: 7, wantCapped: true},
		{name: "hz=100/budget=2.5ms/cost=1ms", hz: 100, cost: time.Millisecond, shards: shardsOf(keys(10_000, all)), wantSamples: 3, wantCapped: true},
		{name: "hz=500/first sample always runs", hz: 500, cost: time.Millisecond, shards: shardsOf(keys(10_000, all)), wantSamples: 1, wantCapped: true},
		{name: "hz=10/exactly at budget continues", hz: 10, cost: 12500 * time.Microsecond, shards: shardsOf(keys(10_000, all)), wantSamples: 3, wantCapped: true},
		{name: "hz=10/budget spans shards", hz: 10, cost: 10 * time.Millisecond, shards: shardsOf(nil, nil, nil, nil, nil), wantSamples: 3, wantCapped: true},
		{name: "hz=10/last sample over budget is no cap", hz: 10, cost: 30 * time.Millisecond, shards: shardsOf(keys(20, none)), wantSamples: 1, wantCapped: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeTarget{shards: tt.shards, cost: tt.cost}
			c, clk := newCycle(t, f, tt.hz)

			got := c.RunOnce()

			assert.Equal(t, tt.wantSamples, got.Samples)
			assert.Equal(t, tt.wantCapped, got.TimeCapped)
			assert.Equal(t, time.Duration(tt.wantSamples)*tt.cost, clk.Now().Sub(base))
			var wantCaps uint64
			if tt.wantCapped {
				wantCaps = 1
			}
			st := c.Stats()
			assert.Equal(t, wantCaps, st.TimeCapReached)
			assert.Equal(t, uint64(1), st.Cycles)
		})
	}
}

func TestRoundRobinResume(t *testing.T) {
	type cycle struct {
		cost   time.Duration // per sample, set before the cycle
		order  []int         // shards of the ExpireSample calls, in order
		capped bool
	}
	tests := []struct {
		name   string
		shards []fakeShard
		cycles []cycle
	}{
		{
			// One sample per shard; 10ms each against a 25ms budget: three
			// shards fit, then the next cycle starts at the fourth.
			name:   "capped cycles resume after the last shard visited",
			shards: shardsOf(keys(20, none), keys(20, none), keys(20, none), keys(20, none)),
			cycles: []cycle{
				{cost: 10 * time.Millisecond, order: []int{0, 1, 2}, capped: true},
				{cost: 10 * time.Millisecond, order: []int{3, 0, 1}, capped: true},
				{cost: 0, order: []int{2, 3, 0, 1}},
				{cost: 0, order: []int{2, 3, 0, 1}},
				{cost: 10 * time.Millisecond, order: []int{2, 3, 0}, capped: true},
			},
		},
		{
			// The budget runs out while shard 0 is still stale; as in Redis
			// the next cycle moves on rather than returning to it. Then,
			// with no cost, it drains shard 0's other 940 keys.
			name:   "cap inside a stale shard moves on",
			shards: shardsOf(keys(1000, all), keys(20, none), keys(20, none)),
			cycles: []cycle{
				{cost: 10 * time.Millisecond, order: []int{0, 0, 0}, capped: true},
				{cost: 0, order: append([]int{1, 2}, slices.Repeat([]int{0}, 940/20+1)...)},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeTarget{shards: tt.shards}
			c, _ := newCycle(t, f, 10)
			var caps uint64
			for n, cy := range tt.cycles {
				f.cost, f.calls = cy.cost, f.calls[:0]
				got := c.RunOnce()
				order := make([]int, len(f.calls))
				for k, cl := range f.calls {
					order[k] = cl.shard
				}
				assert.Equal(t, cy.order, order, "cycle %d", n+1)
				assert.Equal(t, cy.capped, got.TimeCapped, "cycle %d", n+1)
				if cy.capped {
					caps++
				}
			}
			assert.Equal(t, caps, c.Stats().TimeCapReached)
		})
	}
}

func TestRun(t *testing.T) {
	t.Run("stops when cancelled while ticking", func(t *testing.T) {
		// Run uses the real clock: deadlines far in the past or future.
		deadlines := make([]int64, 100)
		for j := range deadlines {
			deadlines[j] = math.MaxInt64
			if j%3 == 0 {
				deadlines[j] = 0
			}
		}
		f := &fakeTarget{shards: shardsOf(deadlines)}
		c, err := expire.New(f, expire.Options{Hz: 500})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.Run(ctx)
		}()
		// Reading Stats while Run writes them is what -race checks here.
		assert.Eventually(t, func() bool { return c.Stats().Cycles >= 3 }, 10*time.Second, time.Millisecond)
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
		cycles := c.Stats().Cycles
		assert.Equal(t, uint64(34), c.Stats().ExpiredKeys)
		// No cycle may start after Run has returned.
		assert.Equal(t, cycles, c.Stats().Cycles)
	})
	t.Run("returns before the first tick when already cancelled", func(t *testing.T) {
		f := &fakeTarget{shards: shardsOf(keys(20, all))}
		c, err := expire.New(f, expire.Options{Hz: 1})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.Run(ctx)
		}()
		select {
		case <-done:
		case <-time.After(500 * time.Millisecond): // the first tick would be at 1s
			t.Fatal("Run did not return for a cancelled context")
		}
		assert.Equal(t, uint64(0), c.Stats().Cycles)
	})
}

func TestConcurrentRunOnce(t *testing.T) {
	// Cycles started together must run one at a time (the fake target is
	// not goroutine-safe; -race catches overlap) and every one must count.
	const goroutines, each = 4, 50
	f := &fakeTarget{shards: shardsOf(keys(64, every(2)), keys(64, none)), refill: time.Millisecond}
	c, err := expire.New(f, expire.Options{})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				c.RunOnce()
				_ = c.Stats()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, uint64(goroutines*each), c.Stats().Cycles)
}

// benchTarget is a fake target in steady state: expired keys get a new
// deadline instead of disappearing, so every cycle finds work.
func benchTarget(clk *fakeClock) *fakeTarget {
	lists := make([][]int64, 16)
	for i := range lists {
		lists[i] = make([]int64, 1024)
		for j := range lists[i] {
			lists[i][j] = base.UnixMilli() + int64((i*1024+j)%1000)
		}
	}
	return &fakeTarget{clock: clk, refill: time.Second, shards: shardsOf(lists...)}
}

func TestRunOnceAllocs(t *testing.T) {
	tests := []struct {
		name string
		now  func(*fakeClock) func() time.Time
	}{
		{name: "clock=fake", now: func(c *fakeClock) func() time.Time { return c.Now }},
		{name: "clock=time.Now", now: func(*fakeClock) func() time.Time { return time.Now }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{t: base}
			f := benchTarget(clk)
			c, err := expire.New(f, expire.Options{Now: tt.now(clk)})
			require.NoError(t, err)
			var expired int
			allocs := testing.AllocsPerRun(100, func() {
				clk.Advance(10 * time.Millisecond)
				expired += c.RunOnce().Expired
			})
			assert.Zero(t, allocs)
			assert.Positive(t, expired, "the benchmark target must keep expiring keys")
		})
	}
}

func BenchmarkRunOnce(b *testing.B) {
	clk := &fakeClock{t: base}
	f := benchTarget(clk)
	c, err := expire.New(f, expire.Options{Now: clk.Now})
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		clk.Advance(10 * time.Millisecond)
		c.RunOnce()
	}
	st := c.Stats()
	b.ReportMetric(float64(st.Sampled)/float64(st.Cycles), "keys-sampled/cycle")
	b.ReportMetric(float64(st.ExpiredKeys)/float64(st.Cycles), "keys-expired/cycle")
}

// TestSetHz checks that a changed hz moves the time budget of the next
// cycle (CONFIG SET hz), clamped to MinHz..MaxHz.
func TestSetHz(t *testing.T) {
	for _, tt := range []struct {
		hz          int
		wantSamples int
	}{
		{hz: 40, wantSamples: 7},   // budget 6.25ms at 1ms a sample
		{hz: 100, wantSamples: 3},  // 2.5ms
		{hz: 0, wantSamples: 251},  // clamped to 1: 250ms
		{hz: 9999, wantSamples: 1}, // clamped to 500: the first sample always runs
	} {
		t.Run(strconv.Itoa(tt.hz), func(t *testing.T) {
			f := &fakeTarget{shards: shardsOf(keys(100_000, all)), cost: time.Millisecond}
			c, _ := newCycle(t, f, 10)
			c.SetHz(tt.hz)
			assert.Equal(t, tt.wantSamples, c.RunOnce().Samples)
		})
	}
}
