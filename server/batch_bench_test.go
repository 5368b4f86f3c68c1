package server

import (
	"strconv"
	"testing"
)

// BenchmarkBatch runs GET and SET in batches of 1 and 16 through a
// client's whole per-batch path (startBatch, dispatch, flush), without a
// network: what a command costs including the per-batch statistics and
// clock reads. ns/op is per command.
func BenchmarkBatch(b *testing.B) {
	s, err := New(redisConfig())
	if err != nil {
		b.Fatal(err)
	}
	c := newTestClient(s)
	sets := make([][][]byte, 1024)
	gets := make([][][]byte, len(sets))
	for i := range sets {
		k := "key:" + strconv.Itoa(i)
		sets[i] = bargs("SET", k, "a-32-byte-value-a-32-byte-value!")
		gets[i] = bargs("GET", k)
		c.exec(sets[i])
	}
	c.flush()
	for _, op := range []struct {
		name string
		args [][][]byte
	}{{"GET", gets}, {"SET", sets}} {
		for _, n := range []int{1, 16} {
			b.Run(op.name+"/P"+strconv.Itoa(n), func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if i%n == 0 {
						c.startBatch()
					}
					c.exec(op.args[i%len(op.args)])
					c.cmds++
					i++
					if i%n == 0 {
						c.flush()
						c.batchNow = 0
					}
				}
			})
		}
	}
}
