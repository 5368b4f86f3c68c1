package shard

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePolicy(t *testing.T) {
	for _, name := range []string{"noeviction", "allkeys-lru", "volatile-ttl"} {
		p, err := ParsePolicy(name)
		require.NoError(t, err, name)
		assert.Equal(t, name, p.String())
	}
	_, err := ParsePolicy("allkeys-lfu")
	assert.Error(t, err)
}

// TestAccounting checks the byte counts against the entries after every kind
// of write, and that the store-wide total is exact with a zero grain.
func TestAccounting(t *testing.T) {
	s := newStore(t, 4)
	s.SetAccounting(Accounting{Grain: 0, LRU: false})
	check := func(name string) {
		t.Helper()
		checkInvariants(t, s)
		assert.Equal(t, s.Stats().UsedMemory, s.UsedMemory(), name)
	}
	set(s, "a", "1234567890", 0, 0)
	assert.Equal(t, int64(entryOverhead+recSize(false, 1, 10)), s.UsedMemory(), "one string")
	set(s, "a", "12", 0, 0)
	check("overwrite shorter")
	set(s, "b", "x,y,z", 0, 0)
	s.Update([]byte("b"), 0, func(e *Entry) { e.SetInferred([]byte("x,y,z"), 0) })
	s.Update([]byte("c"), 0, func(e *Entry) { e.SetInferred([]byte("f:1,g:2"), 5) })
	check("list and hash")
	s.Update([]byte("b"), 0, func(e *Entry) {
		l := e.Value().List()
		l.PushBack([]byte("grown in place"))
		e.SetList(l, 0) // stored again in place: re-measured, old size subtracted
	})
	check("list re-stored in place")
	s.Update([]byte("c"), 0, func(e *Entry) { e.SetString([]byte("now a string"), 0) })
	check("hash to string")
	s.UpdateMulti([][]byte{[]byte("a"), []byte("d")}, 0, func(tx *Tx) {
		tx.Entry([]byte("d")).SetValue(tx.Entry([]byte("a")).Value(), 7)
		tx.Entry([]byte("a")).Delete()
	})
	check("rename")
	set(s, "e", "expires", 10, 0)
	_, _ = s.ExpireSample(s.index([]byte("e")), 20, 20)
	check("expired")
	s.Flush()
	check("flush")
	assert.Zero(t, s.UsedMemory())
}

// TestAccountingCollectionsInPlace: with Collections on, a list or hash
// whose length changes in place is re-estimated when the write ends.
func TestAccountingCollectionsInPlace(t *testing.T) {
	s := newStore(t, 2)
	s.SetAccounting(Accounting{Collections: true})
	s.Update([]byte("l"), 0, func(e *Entry) { e.SetInferred([]byte("aaaa,bbbb"), 0) })
	s.Update([]byte("h"), 0, func(e *Entry) { e.SetInferred([]byte("f:1,g:2"), 0) })
	before := s.Stats().UsedMemory
	for i := range 1000 {
		s.Update([]byte("l"), 0, func(e *Entry) { e.Value().List().PushBack([]byte("cccc")) })
		s.UpdateMulti([][]byte{[]byte("h")}, 0, func(tx *Tx) {
			tx.Entry([]byte("h")).Value().Hash().Set(fmt.Appendf(nil, "f%d", i), []byte("v"))
		})
	}
	checkInvariants(t, s)
	grown := s.Stats().UsedMemory - before
	assert.Greater(t, grown, int64(1000*(elemOverhead+4+fieldOverhead)), "pushes and new fields count")
	for range 1000 {
		s.Update([]byte("l"), 0, func(e *Entry) { e.Value().List().PopBack() })
	}
	checkInvariants(t, s)
	assert.Less(t, s.Stats().UsedMemory, before+grown, "pops count too")
}

// TestAccountingGrain checks that the total lags the shards by less than the
// grain each, and catches up exactly once everything is deleted.
func TestAccountingGrain(t *testing.T) {
	const grain = 1000
	s := newStore(t, 8)
	s.SetAccounting(Accounting{Grain: grain, LRU: false})
	for i := range 2000 {
		set(s, fmt.Sprintf("k%d", i), "v", 0, 0)
		exact := s.Stats().UsedMemory
		assert.InDelta(t, exact, s.UsedMemory(), float64(grain*8))
	}
	for i := range 2000 {
		s.Update(fmt.Appendf(nil, "k%d", i), 0, func(e *Entry) { e.Delete() })
	}
	assert.Zero(t, s.Stats().UsedMemory)
	assert.InDelta(t, 0, s.UsedMemory(), float64(grain*8))
}

// TestEvictLRU reads a tenth of the keys later than the rest were written and
// evicts half: the keys read survive and the victims are the idle ones.
// Sampling is random, so the checks allow a small miss rate.
func TestEvictLRU(t *testing.T) {
	s := newStore(t, 4)
	s.SetAccounting(Accounting{Grain: 0, LRU: true})
	const n, hot = 1000, 100
	for i := range n {
		set(s, fmt.Sprintf("k%04d", i), "v", 0, 1_000_000)
	}
	for i := range hot {
		_, ok := get(s, fmt.Sprintf("k%04d", i), 1_060_000)
		require.True(t, ok)
	}
	before := s.UsedMemory()
	for range n / 2 {
		require.True(t, s.Evict(AllKeysLRU, 1_070_000, DefaultSamples))
	}
	checkInvariants(t, s)
	survived := 0
	for i := range hot {
		if _, ok := get(s, fmt.Sprintf("k%04d", i), 1_070_000); ok {
			survived++
		}
	}
	assert.GreaterOrEqual(t, survived, hot*95/100, "recently read keys kept")
	assert.Equal(t, uint64(n/2), s.Stats().EvictedKeys)
	assert.Equal(t, n/2, s.Stats().Keys)
	assert.Less(t, s.UsedMemory(), before)
}

// TestEvictVolatileTTL evicts the nearest deadlines first and never a key
// without one.
func TestEvictVolatileTTL(t *testing.T) {
	s := newStore(t, 4)
	s.SetAccounting(Accounting{Grain: 0, LRU: false})
	const n = 400
	for i := range n {
		set(s, fmt.Sprintf("v%04d", i), "v", int64(10_000+i*1000), 0)
		set(s, fmt.Sprintf("p%04d", i), "v", 0, 0)
	}
	for range n / 2 {
		require.True(t, s.Evict(VolatileTTL, 0, DefaultSamples))
	}
	far := 0
	for i := n / 2; i < n; i++ {
		if _, ok := get(s, fmt.Sprintf("v%04d", i), 0); ok {
			far++
		}
	}
	assert.GreaterOrEqual(t, far, n/2*85/100, "the far deadlines survive")
	for range n / 2 {
		require.True(t, s.Evict(VolatileTTL, 0, DefaultSamples))
	}
	assert.False(t, s.Evict(VolatileTTL, 0, DefaultSamples), "nothing volatile left")
	for i := range n {
		_, ok := get(s, fmt.Sprintf("p%04d", i), 0)
		assert.True(t, ok, "persistent key p%04d evicted", i)
	}
	assert.False(t, s.Evict(NoEviction, 0, DefaultSamples))
	checkInvariants(t, s)
}

// TestEvictExpiredFirst takes a sampled key past its deadline over any other.
func TestEvictExpiredFirst(t *testing.T) {
	s := newStore(t, 1)
	s.SetAccounting(Accounting{Grain: 0, LRU: true})
	set(s, "old-but-live", "v", 0, 0)
	set(s, "expired", "v", 500, 0)
	require.True(t, s.Evict(AllKeysLRU, 100_000, DefaultSamples))
	st := s.Stats()
	assert.Equal(t, uint64(1), st.ExpiredKeys)
	assert.Zero(t, st.EvictedKeys)
	_, ok := get(s, "old-but-live", 100_000)
	assert.True(t, ok)
}

func TestEvictAllocs(t *testing.T) {
	s := newStore(t, 4)
	s.SetAccounting(Accounting{Grain: 0, LRU: true})
	key := []byte("k")
	set(s, "k", "v", 0, 0)
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		s.View(key, 5000, func(Value) {})
	}), "View with access clock")
	for i := range 2000 {
		set(s, fmt.Sprintf("e%d", i), "v", int64(1e9+i), 0)
	}
	assert.Zero(t, testing.AllocsPerRun(1000, func() { s.Evict(AllKeysLRU, 0, DefaultSamples) }))
	assert.Zero(t, testing.AllocsPerRun(500, func() { s.Evict(VolatileTTL, 0, DefaultSamples) }))
}

// BenchmarkAccounting measures what maxmemory costs the hot path: GET with
// the access clock on (the clock moves every 1024 reads, so some reads write
// it) and SET with the store-wide total published every write (grain 0) or
// per 64 KiB (the default), from all cores.
func BenchmarkAccounting(b *testing.B) {
	val := []byte("0123456789abcdef0123456789abcdef")
	for _, tc := range []struct {
		name  string
		grain int64
		lru   bool
	}{{"off", DefaultGrain, false}, {"lru", DefaultGrain, true}, {"grain=0", 0, false}} {
		s := newStore(b, DefaultShards)
		s.SetAccounting(Accounting{Grain: tc.grain, LRU: tc.lru})
		keys := make([][]byte, 100_000)
		for i := range keys {
			keys[i] = fmt.Appendf(nil, "key:%07d", i)
			s.Update(keys[i], 0, func(e *Entry) { e.SetString(val, 0) })
		}
		b.Run("View/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					s.View(keys[i%len(keys)], int64(i>>10)*1000, func(Value) {})
					i++
				}
			})
		})
		b.Run("Update/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					s.Update(keys[i%len(keys)], 0, func(e *Entry) { e.SetString(val, 0) })
					i++
				}
			})
		})
	}
}

// TestAccountingSetsAndZSets: sets and sorted sets are measured when stored
// and re-estimated when they grow or shrink in place, like lists and hashes,
// and carry an access clock for allkeys-lru.
func TestAccountingSetsAndZSets(t *testing.T) {
	s := newStore(t, 2)
	s.SetAccounting(Accounting{Collections: true, LRU: true})
	s.Update([]byte("s"), 0, func(e *Entry) { e.SetSet(NewSet(), 0) })
	s.Update([]byte("z"), 0, func(e *Entry) { e.SetZSet(NewZSet(), 0) })
	before := s.Stats().UsedMemory
	for i := range 1000 {
		m := fmt.Appendf(nil, "member%04d", i)
		s.Update([]byte("s"), 0, func(e *Entry) { e.Value().Set().Add(m) })
		s.Update([]byte("z"), 0, func(e *Entry) { e.Value().ZSet().Add(m, float64(i)) })
	}
	checkInvariants(t, s)
	grown := s.Stats().UsedMemory - before
	assert.GreaterOrEqual(t, grown, int64(1000*(2*10+memberOverhead+znodeOverhead)), "members count")
	for i := range 1000 {
		m := fmt.Appendf(nil, "member%04d", i)
		s.Update([]byte("s"), 0, func(e *Entry) { e.Value().Set().Delete(m) })
	}
	checkInvariants(t, s)
	assert.Less(t, s.Stats().UsedMemory, before+grown-int64(1000*memberOverhead), "removals count too")

	for _, k := range []string{"s", "z"} {
		s.Update([]byte(k), 0, func(e *Entry) {
			ent, ok := e.d.get(e.key, e.h)
			require.True(t, ok)
			assert.NotNil(t, clockOf(ent), "%s has an access clock", k)
		})
	}
}

// TestNewCollectionsAreRecent stores a value of every kind long after a batch
// of old strings and evicts half the keys under allkeys-lru: the new values
// must survive. Sets and sorted sets once kept a zero access clock and looked
// decades idle, so they went first.
func TestNewCollectionsAreRecent(t *testing.T) {
	s := newStore(t, 1)
	s.SetAccounting(Accounting{Grain: 0, LRU: true})
	const old, t0, t1 = 40, 1_000_000, 2_000_000
	for i := range old {
		set(s, fmt.Sprintf("old%02d", i), "v", 0, t0)
	}
	fresh := map[string]func(e *Entry){
		"string": func(e *Entry) { e.SetString([]byte("v"), 0) },
		"list":   func(e *Entry) { l := NewList(); l.PushBack([]byte("a")); e.SetList(l, 0) },
		"hash":   func(e *Entry) { h := NewHash(); h.Set([]byte("f"), []byte("v")); e.SetHash(h, 0) },
		"set":    func(e *Entry) { st := NewSet(); st.Add([]byte("m")); e.SetSet(st, 0) },
		"zset":   func(e *Entry) { z := NewZSet(); z.Add([]byte("m"), 1); e.SetZSet(z, 0) },
	}
	for k, fn := range fresh {
		s.Update([]byte(k), t1, fn)
	}
	// Sampling more keys than the shard holds makes every pick the most
	// idle key, so the outcome does not depend on chance.
	for range old / 2 {
		require.True(t, s.Evict(AllKeysLRU, t1, 4*old))
	}
	for k := range fresh {
		assert.True(t, s.View([]byte(k), t1, func(Value) {}), "new %s evicted before idle strings", k)
	}
}
