package server

import (
	"strconv"
	"testing"
)

// BenchmarkExec runs GET and SET through a client's dispatch (lookup, the
// central checks, the handler, the reply) without a network, the part of
// the hot path a command's execution adds to the network's cost; it is what
// callgrind compares between commits (instruction counts do not depend on
// the machine's load).
func BenchmarkExec(b *testing.B) {
	s, err := New(redisConfig())
	if err != nil {
		b.Fatal(err)
	}
	c := newTestClient(s)
	keys := make([][][]byte, 1000)
	for i := range keys {
		k := "key:" + strconv.Itoa(i)
		keys[i] = bargs("SET", k, "a-32-byte-value-a-32-byte-value!")
		c.exec(keys[i])
	}
	gets := make([][][]byte, len(keys))
	for i := range gets {
		gets[i] = bargs("GET", "key:"+strconv.Itoa(i))
	}
	for _, op := range []struct {
		name string
		args [][][]byte
	}{{"GET", gets}, {"SET", keys}} {
		b.Run(op.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c.exec(op.args[i%len(op.args)])
				i++
				if c.w.Buffered() > 1<<16 {
					_ = c.w.Flush() // to a connection that discards
				}
			}
		})
	}
}

// BenchmarkExecStream runs XADD (to one stream capped near 100k entries,
// as a queue) and XRANGE of ten entries through dispatch, as BenchmarkExec.
func BenchmarkExecStream(b *testing.B) {
	s, err := New(redisConfig())
	if err != nil {
		b.Fatal(err)
	}
	c := newTestClient(s)
	add := bargs("XADD", "stream", "MAXLEN", "~", "100000", "*", "field", "a-32-byte-value-a-32-byte-value!")
	for range 1000 {
		c.exec(add)
	}
	for _, op := range []struct {
		name string
		args [][]byte
	}{{"XADD", add}, {"XRANGE", bargs("XRANGE", "stream", "-", "+", "COUNT", "10")}} {
		b.Run(op.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.exec(op.args)
				if c.w.Buffered() > 1<<16 {
					_ = c.w.Flush()
				}
			}
		})
	}
}
