package benchmarks

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/miniredis/miniredis/codec"
)

// batchLen is how many commands one pipelined batch holds.
const batchLen = 100

// setGetBatch returns batchLen alternating SET/GET requests, RESP-encoded or
// inline.
func setGetBatch(inline bool) []byte {
	var b []byte
	val := bytes.Repeat([]byte("v"), 32)
	for i := range batchLen / 2 {
		key := fmt.Appendf(nil, "key:%07d", i)
		if inline {
			b = fmt.Appendf(b, "SET %s %s\r\nGET %s\r\n", key, val, key)
			continue
		}
		b = codec.AppendCommand(b, []byte("SET"), key, val)
		b = codec.AppendCommand(b, []byte("GET"), key)
	}
	return b
}

// BenchmarkReadCommand parses one pipelined batch of SET/GET per iteration;
// the reader and its buffer are reused, as on a connection.
func BenchmarkReadCommand(b *testing.B) {
	for _, tc := range []struct {
		name   string
		inline bool
	}{{"resp", false}, {"inline", true}} {
		b.Run(tc.name, func(b *testing.B) {
			batch := setGetBatch(tc.inline)
			src := bytes.NewReader(batch)
			r := codec.NewReader(src)
			defer r.Release()
			for range batchLen { // take the buffer from the pool outside the loop
				if _, err := r.ReadCommand(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(batch)))
			for b.Loop() {
				src.Reset(batch)
				for range batchLen {
					if _, err := r.ReadCommand(); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batchLen), "ns/cmd")
		})
	}
}

// BenchmarkWriteReplies encodes batchLen replies of one type per iteration
// and flushes them with one Write, as a connection does after a batch.
func BenchmarkWriteReplies(b *testing.B) {
	val := bytes.Repeat([]byte("v"), 32)
	for _, tc := range []struct {
		name  string
		proto int
		write func(w *codec.Writer)
	}{
		{"simple", 2, func(w *codec.Writer) { w.OK() }},
		{"error", 2, func(w *codec.Writer) { w.Error("ERR syntax error") }},
		{"int", 2, func(w *codec.Writer) { w.Int(1234567) }},
		{"bulk/32B", 2, func(w *codec.Writer) { w.Bulk(val) }},
		{"null/resp2", 2, func(w *codec.Writer) { w.Null() }},
		{"null/resp3", 3, func(w *codec.Writer) { w.Null() }},
		{"array/3", 2, func(w *codec.Writer) { w.ArrayLen(3); w.Bulk(val); w.Int(1); w.Null() }},
		{"map/1/resp3", 3, func(w *codec.Writer) { w.MapLen(1); w.Bulk(val); w.Bulk(val) }},
		{"double/resp3", 3, func(w *codec.Writer) { w.Double(3.14159) }},
		{"bool/resp3", 3, func(w *codec.Writer) { w.Bool(true) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			w := codec.NewWriter(io.Discard)
			defer w.Release()
			w.SetProto(tc.proto)
			for range batchLen { // grow the buffer once, outside the loop
				tc.write(w)
			}
			_ = w.Flush()
			b.ReportAllocs()
			for b.Loop() {
				for range batchLen {
					tc.write(w)
				}
				if err := w.Flush(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
