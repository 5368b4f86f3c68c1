package benchmarks

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/miniredis/miniredis/shard"
)

// kv is the interface the store benchmarks drive: the striped store and the
// two baselines.
type kv interface {
	get(key []byte) bool
	set(key, val []byte)
}

type storeKV struct{ s *shard.Store }

func (s storeKV) get(key []byte) bool {
	return s.s.View(key, 1, func(v shard.Value) { _ = v.Bytes() })
}

func (s storeKV) set(key, val []byte) {
	s.s.Update(key, 1, func(e *shard.Entry) { e.SetString(val, 0) })
}

// mutexKV is the simplest thing that works: one RWMutex over one map.
type mutexKV struct {
	mu sync.RWMutex
	m  map[string][]byte
}

func (m *mutexKV) get(key []byte) bool {
	m.mu.RLock()
	_, ok := m.m[string(key)]
	m.mu.RUnlock()
	return ok
}

func (m *mutexKV) set(key, val []byte) {
	v := bytes.Clone(val)
	m.mu.Lock()
	m.m[string(key)] = v
	m.mu.Unlock()
}

type syncMapKV struct{ m sync.Map }

func (m *syncMapKV) get(key []byte) bool {
	_, ok := m.m.Load(string(key))
	return ok
}

func (m *syncMapKV) set(key, val []byte) { m.m.Store(string(key), bytes.Clone(val)) }

// maxDataset bounds the bytes of values loaded per store benchmark, so the
// 64 KiB case does not need gigabytes; the key count is fixed per size.
const maxDataset = 32 << 20

func storeKeys(size int) [][]byte {
	n := min(100_000, maxDataset/size)
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key:%07d", i)
	}
	return keys
}

// BenchmarkStore runs GET/SET mixes from every P under RunParallel over a
// preloaded fixed key set: the striped store at several shard counts against
// a single RWMutex map and sync.Map.
func BenchmarkStore(b *testing.B) {
	type target struct {
		name string
		make func() kv
	}
	targets := []target{}
	for _, n := range []int{1, 16, 256, 4096} {
		targets = append(targets, target{fmt.Sprintf("shards=%d", n), func() kv {
			s, err := shard.New(n)
			if err != nil {
				panic(err)
			}
			return storeKV{s}
		}})
	}
	targets = append(targets,
		target{"rwmutex-map", func() kv { return &mutexKV{m: map[string][]byte{}} }},
		target{"sync.Map", func() kv { return &syncMapKV{} }},
	)
	for _, mix := range []struct {
		name   string
		setPct uint32
	}{{"get90-set10", 10}, {"get50-set50", 50}} {
		for _, size := range []int{16, 1 << 10, 64 << 10} {
			keys := storeKeys(size)
			val := bytes.Repeat([]byte("v"), size)
			for _, tg := range targets {
				b.Run(fmt.Sprintf("%s/%s/%s", mix.name, sizeName(size), tg.name), func(b *testing.B) {
					st := tg.make()
					for _, k := range keys {
						st.set(k, val)
					}
					var seed atomic.Uint64
					b.ReportAllocs()
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						rng := rand.New(rand.NewPCG(seed.Add(1), 42))
						for pb.Next() {
							r := rng.Uint32()
							k := keys[r%uint32(len(keys))]
							if (r>>16)%100 < mix.setPct {
								st.set(k, val)
							} else {
								st.get(k)
							}
						}
					})
				})
			}
		}
	}
}

func sizeName(n int) string {
	switch {
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	default:
		return fmt.Sprintf("%dB", n)
	}
}

// BenchmarkMemoryPerKey loads 1,000,000 keys "key:%07d" with 32-byte values
// (the PERF-NOTES workload) and reports the live heap per key after a GC.
// B/op counts everything allocated on the way, garbage included.
func BenchmarkMemoryPerKey(b *testing.B) {
	const n = 1_000_000
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key:%07d", i)
	}
	val := bytes.Repeat([]byte("v"), 32)
	for _, tc := range []struct {
		name string
		ttl  int64
	}{{"no-ttl", 0}, {"ttl", 1 << 50}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var perKey float64
			for b.Loop() {
				before := liveHeap()
				s, err := shard.New(shard.DefaultShards)
				if err != nil {
					b.Fatal(err)
				}
				for _, k := range keys {
					s.Update(k, 1, func(e *shard.Entry) { e.SetString(val, tc.ttl) })
				}
				perKey = float64(liveHeap()-before) / n
				runtime.KeepAlive(s)
			}
			b.ReportMetric(perKey, "B/key")
		})
	}
}

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
