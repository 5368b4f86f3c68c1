package expire

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Target is what the cycle expires: the shard store implements it.
// ExpireSample locks shard i, samples up to n keys among those that carry a
// TTL (O(1) random picks), deletes those whose deadline is <= now (unix ms),
// and returns how many it sampled and deleted. A Cycle calls Target from one
// goroutine at a time, but concurrently with whatever else uses the store.
type Target interface {
	Shards() int
	ExpireSample(i int, now int64, n int) (sampled, expired int)
}

// The policy constants, named and valued as in Redis's expire.c.
const (
	// KeysPerLoop is how many volatile keys one sample of a shard looks at
	// (ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP).
	KeysPerLoop = 20
	// AcceptableStale is the percentage of expired keys in a sample above
	// which the same shard is sampled again
	// (ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE).
	AcceptableStale = 10
	// SlowTimePercent is the share of one cycle's period, in percent, that a
	// cycle may spend (ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC).
	SlowTimePercent = 25
)

// Bounds and default for Options.Hz; Redis clamps its hz setting to the same
// range.
const (
	DefaultHz = 10
	MinHz     = 1
	MaxHz     = 500
)

// Errors returned by New; compare with errors.Is.
var (
	ErrHz        = errors.New("expire: hz out of range")
	ErrNilTarget = errors.New("expire: nil target")
)

// Options configures a Cycle. The zero value means Hz 10 and the real clock.
type Options struct {
	// Hz is the number of cycles per second, MinHz to MaxHz; 0 means DefaultHz.
	Hz int
	// Now is the clock for deadlines (UnixMilli) and for the time budget;
	// nil means time.Now. Tests inject a fake. It must not allocate if
	// RunOnce is to stay allocation-free.
	Now func() time.Time
}

// CycleResult reports what one cycle did.
type CycleResult struct {
	Sampled    int  // keys sampled, over all shards
	Expired    int  // keys deleted, over all shards
	Samples    int  // ExpireSample calls
	Shards     int  // distinct shards visited
	TimeCapped bool // the cycle stopped because its budget ran out
}

// Stats holds cumulative counters since New. Each field is read atomically,
// but a Stats value is not a snapshot of one instant: fields may come from
// either side of a cycle running concurrently.
type Stats struct {
	ExpiredKeys    uint64 // keys deleted by active expiry (INFO expired_keys)
	Sampled        uint64 // keys sampled
	Cycles         uint64 // cycles run
	TimeCapReached uint64 // cycles that stopped because the budget ran out (INFO expired_time_cap_reached_count)
	// StalePerc is a running estimate, in percent, of expired-but-held keys
	// among the sampled ones (INFO expired_stale_perc): after each cycle,
	// perc = cur*0.05 + perc*0.95, as Redis computes it.
	StalePerc float64
}

// Cycle is the active expiry policy bound to one Target. Its methods are safe
// for concurrent use; cycles started concurrently run one after another.
type Cycle struct {
	t      Target
	now    func() time.Time
	period atomic.Int64 // time.Duration; SetHz changes it
	budget atomic.Int64 // time.Duration

	mu   sync.Mutex // serialises cycles; guards next
	next int        // shard the next cycle starts at

	expired   atomic.Uint64
	sampled   atomic.Uint64
	cycles    atomic.Uint64
	timeCap   atomic.Uint64
	staleBits atomic.Uint64 // math.Float64bits of StalePerc; written only under mu
}

// New returns a Cycle that expires keys of t. It returns an error wrapping
// ErrHz if opts.Hz is outside MinHz..MaxHz (0 selects DefaultHz), and
// ErrNilTarget if t is nil. The Cycle does nothing until RunOnce or Run.
func New(t Target, opts Options) (*Cycle, error) {
	if t == nil {
		return nil, ErrNilTarget
	}
	hz := opts.Hz
	if hz == 0 {
		hz = DefaultHz
	}
	if hz < MinHz || hz > MaxHz {
		return nil, fmt.Errorf("%w: %d, want %d..%d", ErrHz, opts.Hz, MinHz, MaxHz)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	c := &Cycle{t: t, now: now}
	c.setPeriod(hz)
	return c, nil
}

func (c *Cycle) setPeriod(hz int) {
	period := time.Second / time.Duration(hz)
	c.period.Store(int64(period))
	c.budget.Store(int64(period * SlowTimePercent / 100))
}

// SetHz changes how many cycles Run starts a second (CONFIG SET hz),
// clamped to MinHz..MaxHz; a running Run follows from its next tick. Safe
// for concurrent use.
func (c *Cycle) SetHz(hz int) {
	c.setPeriod(min(max(hz, MinHz), MaxHz))
}

// RunOnce runs one expiry cycle and returns what it did. It spends at most
// about SlowTimePercent of one period, measured with Options.Now between
// samples; the first sample of a cycle always runs. Safe for concurrent use.
func (c *Cycle) RunOnce() CycleResult {
	c.mu.Lock()
	defer c.mu.Unlock()

	var r CycleResult
	start := c.now()
	nowMs := start.UnixMilli() // one deadline for the whole cycle, as Redis does
	n := c.t.Shards()
	if c.next >= n {
		c.next = 0
	}
	i := c.next
	for v := 0; v < n && !r.TimeCapped; v++ {
		shard := i
		// Advance before sampling, as Redis advances current_db: a cycle cut
		// short resumes after the shard it was in, so one shard that keeps
		// filling up with stale keys cannot starve the others.
		i++
		if i == n {
			i = 0
		}
		r.Shards++
		for {
			s, e := c.t.ExpireSample(shard, nowMs, KeysPerLoop)
			r.Samples++
			r.Sampled += s
			r.Expired += e
			repeat := s > 0 && e*100 > AcceptableStale*s
			if !repeat && v == n-1 {
				break // the cycle is complete: no budget check, no cap hit
			}
			if c.now().Sub(start) > time.Duration(c.budget.Load()) {
				r.TimeCapped = true
				break
			}
			if !repeat {
				break
			}
		}
	}
	c.next = i

	c.cycles.Add(1)
	c.sampled.Add(uint64(r.Sampled))
	c.expired.Add(uint64(r.Expired))
	if r.TimeCapped {
		c.timeCap.Add(1)
	}
	var cur float64
	if r.Sampled > 0 {
		cur = float64(r.Expired) * 100 / float64(r.Sampled)
	}
	perc := math.Float64frombits(c.staleBits.Load())
	c.staleBits.Store(math.Float64bits(cur*0.05 + perc*0.95))
	return r
}

// Run calls RunOnce Hz times a second, on a time.Ticker, until ctx is done.
// A cycle that overruns its period delays the next tick rather than queueing
// ticks. Run blocks; start it in its own goroutine.
func (c *Cycle) Run(ctx context.Context) {
	period := time.Duration(c.period.Load())
	tk := time.NewTicker(period)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			// A tick and cancellation can be ready together; select picks
			// at random, so check again rather than run one cycle late.
			if ctx.Err() != nil {
				return
			}
			c.RunOnce()
			if p := time.Duration(c.period.Load()); p != period {
				period = p
				tk.Reset(period)
			}
		}
	}
}

// ResetStats zeroes the counters and the StalePerc estimate (CONFIG
// RESETSTAT). Safe for concurrent use; it waits for a running cycle.
func (c *Cycle) ResetStats() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expired.Store(0)
	c.sampled.Store(0)
	c.cycles.Store(0)
	c.timeCap.Store(0)
	c.staleBits.Store(0)
}

// Stats returns the cumulative counters (since New or the last ResetStats). Safe for concurrent use, including
// while a cycle runs.
func (c *Cycle) Stats() Stats {
	return Stats{
		ExpiredKeys:    c.expired.Load(),
		Sampled:        c.sampled.Load(),
		Cycles:         c.cycles.Load(),
		TimeCapReached: c.timeCap.Load(),
		StalePerc:      math.Float64frombits(c.staleBits.Load()),
	}
}
