package shard

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPrefetchBatch checks Prefetch's bookkeeping: keys past PrefetchMax and
// databases out of range are ignored, and PrefetchRecords empties it.
func TestPrefetchBatch(t *testing.T) {
	if !prefetchOn {
		t.Skip("no prefetch instruction on this architecture")
	}
	s := newStore(t, 4)
	set(s, "k", "v", 0, 0)
	var p Prefetch
	for i := range PrefetchMax + 5 {
		s.PrefetchSlot(&p, 0, fmt.Appendf(nil, "k%d", i))
	}
	assert.Equal(t, PrefetchMax, p.n, "keys past PrefetchMax are ignored")
	s.PrefetchRecords(&p)
	assert.Zero(t, p.n, "PrefetchRecords empties the batch")

	s.PrefetchSlot(&p, -1, []byte("k"))
	s.PrefetchSlot(&p, s.DBs(), []byte("k"))
	assert.Zero(t, p.n, "a database out of range is ignored")
	s.PrefetchSlot(&p, s.DBs()-1, []byte("k"))
	assert.Equal(t, 1, p.n)
	s.PrefetchRecords(&p)

	allocs := testing.AllocsPerRun(100, func() {
		s.PrefetchSlot(&p, 0, []byte("k"))
		s.PrefetchSlot(&p, 0, []byte("absent"))
		s.PrefetchRecords(&p)
	})
	assert.Zero(t, allocs, "prefetching allocates nothing")
}

// TestPrefetchUnderWrites prefetches batches while other goroutines insert
// and delete enough keys to resize the index and compact the arena under
// it, and checks that every lookup still returns what was stored: a
// prefetch from a stale index never faults and never changes a result.
// Under the race detector it also checks the locking of both passes.
func TestPrefetchUnderWrites(t *testing.T) {
	s := newStore(t, 4)
	const keys = 4096
	key := func(i int) []byte { return fmt.Appendf(nil, "key:%06d", i) }
	val := func(i, round int) []byte { return fmt.Appendf(nil, "v%d-%d", i, round) }
	// Keys below keys/2 are stable; the writers churn the rest.
	for i := range keys / 2 {
		s.Update(key(i), 0, func(e *Entry) { e.SetString(val(i, 0), 0) })
	}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for round := range 6 {
				for i := keys / 2; i < keys; i++ {
					s.Update(key(i), 0, func(e *Entry) { e.SetString(val(i, round), 0) })
				}
				for i := keys/2 + w; i < keys; i += 2 {
					s.Update(key(i), 0, func(e *Entry) { e.Delete() })
				}
			}
		})
	}
	wg.Go(func() {
		rng := rand.New(rand.NewPCG(1, 2))
		var p Prefetch
		for range 2000 {
			batch := make([]int, 16)
			for j := range batch {
				batch[j] = rng.IntN(keys)
				s.PrefetchSlot(&p, 0, key(batch[j]))
			}
			s.PrefetchRecords(&p)
			for _, i := range batch {
				got, ok := get(s, string(key(i)), 0)
				if i < keys/2 {
					if !assert.True(t, ok, "stable key %d", i) || !assert.Equal(t, string(val(i, 0)), got) {
						return
					}
				}
			}
		}
	})
	wg.Wait()
	checkInvariants(t, s)
	for i := range keys / 2 {
		got, ok := get(s, string(key(i)), 0)
		require.True(t, ok)
		require.Equal(t, string(val(i, 0)), got)
	}
}

// BenchmarkPrefetchedGets times batches of 16 reads of random keys among
// benchKeys, looked up one after another as a pipeline runs them, with and
// without prefetching the batch first.
func BenchmarkPrefetchedGets(b *testing.B) {
	s, keys, _ := loadedStore(b, benchKeys)
	var sink int
	for _, pf := range []bool{false, true} {
		b.Run(fmt.Sprintf("prefetch=%v", pf), func(b *testing.B) {
			b.ReportAllocs()
			var p Prefetch
			rng := rand.New(rand.NewPCG(3, 4))
			var batch [16][]byte
			for b.Loop() {
				for j := range batch {
					batch[j] = keys[rng.IntN(len(keys))]
					if pf {
						s.PrefetchSlot(&p, 0, batch[j])
					}
				}
				if pf {
					s.PrefetchRecords(&p)
				}
				for _, k := range batch {
					s.View(k, 0, func(v Value) { sink += len(v.Bytes()) })
				}
			}
		})
	}
}

// TestPrefetchSkipsBusyShards: a prefetch never waits on a shard's lock. A
// busy script holds every shard while SCRIPT KILL, whose second argument
// is no key, must still get through.
func TestPrefetchSkipsBusyShards(t *testing.T) {
	s := newStore(t, 4)
	set(s, "k", "v", 0, 0)
	for i := range s.shards {
		s.shards[i].mu.Lock()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var p Prefetch
		s.PrefetchSlot(&p, 0, []byte("k"))
		s.PrefetchSlot(&p, 0, []byte("KILL"))
		s.PrefetchRecords(&p)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("prefetching waited on a write-locked shard")
	}
	for i := range s.shards {
		s.shards[i].mu.Unlock()
	}
}
