package shard

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// The string-store benchmarks use only the public API, so the same file runs
// on the map-based store this package had before the arenas and gives the
// baseline benchstat compares against.

// benchKeys is the key count of the string-store benchmarks: enough that the
// index does not fit in the caches, small enough to load in a second.
const benchKeys = 1 << 18

func loadedStore(b *testing.B, n int) (*Store, [][]byte, []byte) {
	b.Helper()
	s := newStore(b, DefaultShards)
	keys := make([][]byte, n)
	val := []byte("0123456789abcdef0123456789abcdef")
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key:%012d", i)
		s.Update(keys[i], 0, func(e *Entry) { e.SetString(val, 0) })
	}
	return s, keys, val
}

// BenchmarkStrings times the string path: hits and misses under the read
// lock, inserts of new keys, same-size and growing overwrites, delete then
// insert, and volatile overwrites (the volatile index follows every move).
func BenchmarkStrings(b *testing.B) {
	s, keys, val := loadedStore(b, benchKeys)
	long := make([]byte, 48)
	var sink int
	b.Run("get", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			s.View(keys[i&(benchKeys-1)], 0, func(v Value) { sink += len(v.Bytes()) })
			i += 7919
		}
	})
	misses := make([][]byte, 1024)
	for i := range misses {
		misses[i] = fmt.Appendf(nil, "nokey:%010d", i)
	}
	b.Run("get-miss", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if s.View(misses[i&1023], 0, func(v Value) { sink++ }) {
				b.Fatal("hit")
			}
			i++
		}
	})
	b.Run("overwrite", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			s.Update(keys[i&(benchKeys-1)], 0, func(e *Entry) { e.SetString(val, 0) })
			i += 7919
		}
	})
	b.Run("overwrite-grow", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			v := val
			if i&1 == 0 {
				v = long
			}
			s.Update(keys[i&(benchKeys-1)], 0, func(e *Entry) { e.SetString(v, 0) })
			i += 7919
		}
	})
	b.Run("overwrite-volatile", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			s.Update(keys[i&(benchKeys-1)], 0, func(e *Entry) { e.SetString(val, 1<<50) })
			i += 7919
		}
	})
	b.Run("delete-insert", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			k := keys[i&(benchKeys-1)]
			s.Update(k, 0, func(e *Entry) { e.Delete() })
			s.Update(k, 0, func(e *Entry) { e.SetString(val, 0) })
			i += 7919
		}
	})
	b.Run("insert", func(b *testing.B) {
		b.ReportAllocs()
		fresh := newStore(b, DefaultShards)
		key := make([]byte, 0, 32)
		i := 0
		for b.Loop() {
			key = fmt.Appendf(key[:0], "new:%012d", i)
			fresh.Update(key, 0, func(e *Entry) { e.SetString(val, 0) })
			i++
		}
	})
	_ = sink
}

// BenchmarkChurn overwrites random keys of a 1M-key store with values of
// varying size for a fixed number of writes per op and reports the heap in
// use per key afterwards (holes and garbage included) and how long a full GC
// cycle takes over the store: what the garbage collector pays for the keys.
func BenchmarkChurn(b *testing.B) {
	const n = 1 << 20
	s, keys, val := loadedStore(b, n)
	big := make([]byte, 80)
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	for b.Loop() {
		for range n / 4 {
			r := rng.Uint64()
			v := val
			if r&1 == 0 {
				v = big[:16+r>>58]
			}
			s.Update(keys[(r>>1)&(n-1)], 0, func(e *Entry) { e.SetString(v, 0) })
		}
	}
	b.StopTimer()
	runtime.GC()
	start := time.Now()
	runtime.GC()
	gc := time.Since(start)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/n, "heap-B/key")
	b.ReportMetric(float64(gc.Microseconds()), "gc-µs")
	runtime.KeepAlive(s)
}
