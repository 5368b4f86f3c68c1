package shard

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkZSetAdd is redis-benchmark's ZADD: random scores for random
// members of one growing set of up to a million members, so most adds
// insert and some move a member (remove, then insert): the skip list's
// search dominates, one cache miss per step.
func BenchmarkZSetAdd(b *testing.B) {
	const n = 1 << 20
	members := make([]string, n)
	for i := range members {
		members[i] = fmt.Sprintf("element:%012d", i)
	}
	z := NewZSet()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n / 2 {
		z.Add([]byte(members[i]), float64(r.IntN(n)))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		z.Add([]byte(members[r.IntN(n)]), float64(r.IntN(n)))
	}
}

// BenchmarkZSetRank looks up the rank of random members of a 1M-member set.
func BenchmarkZSetRank(b *testing.B) {
	const n = 1 << 20
	members := make([][]byte, n)
	z := NewZSet()
	r := rand.New(rand.NewPCG(3, 4))
	for i := range members {
		members[i] = fmt.Appendf(nil, "element:%012d", i)
		z.Add(members[i], float64(r.IntN(n)))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, ok := z.Rank(members[r.IntN(n)]); !ok {
			b.Fatal("missing")
		}
	}
}
