package expire_test

import (
	"slices"
	"time"
)

// base is the fake clock's starting instant; deadlines in tests are relative
// to it in milliseconds.
var base = time.UnixMilli(1_700_000_000_000)

// fakeClock is a clock that moves only when told to. Not safe for concurrent
// use; the cycle calls it under its own lock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// call records one ExpireSample call.
type call struct {
	shard            int
	now              int64
	sampled, expired int
}

// fakeTarget is an in-memory Target with per-shard lists of deadlines. Its
// sampling is deterministic so tests can predict exact counts: each shard
// keeps a cursor and a sample looks at the next n keys in list order,
// wrapping around, so repeated samples walk the whole list.
type fakeTarget struct {
	clock  *fakeClock    // advanced by cost per call when non-nil
	cost   time.Duration // simulated time one ExpireSample takes
	refill time.Duration // >0: an expired key gets deadline now+refill instead of being deleted
	record bool          // append each call to calls
	shards []fakeShard
	calls  []call
}

type fakeShard struct {
	deadlines []int64 // unix ms
	cursor    int
}

func (f *fakeTarget) Shards() int { return len(f.shards) }

func (f *fakeTarget) ExpireSample(i int, now int64, n int) (sampled, expired int) {
	sh := &f.shards[i]
	for range min(n, len(sh.deadlines)) {
		if sh.cursor >= len(sh.deadlines) {
			sh.cursor = 0
		}
		sampled++
		if sh.deadlines[sh.cursor] > now {
			sh.cursor++
			continue
		}
		expired++
		if f.refill > 0 {
			sh.deadlines[sh.cursor] = now + f.refill.Milliseconds()
			sh.cursor++
			continue
		}
		sh.deadlines = slices.Delete(sh.deadlines, sh.cursor, sh.cursor+1)
	}
	if f.clock != nil {
		f.clock.Advance(f.cost)
	}
	if f.record {
		f.calls = append(f.calls, call{shard: i, now: now, sampled: sampled, expired: expired})
	}
	return sampled, expired
}

// keys returns n deadlines relative to base: key j is expired (deadline =
// base, the boundary case) when isExpired(j), otherwise live for a minute.
func keys(n int, isExpired func(j int) bool) []int64 {
	d := make([]int64, n)
	for j := range d {
		d[j] = base.UnixMilli() + 60_000
		if isExpired(j) {
			d[j] = base.UnixMilli()
		}
	}
	return d
}

func every(k int) func(int) bool { return func(j int) bool { return j%k == 0 } }
func all(int) bool               { return true }
func none(int) bool              { return false }

// shardsOf builds fake shards from deadline lists.
func shardsOf(lists ...[]int64) []fakeShard {
	s := make([]fakeShard, len(lists))
	for i, l := range lists {
		s[i].deadlines = l
	}
	return s
}
