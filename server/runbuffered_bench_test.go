package server

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkRunBuffered runs a pipeline of 16 GETs (or SETs) through the
// event loop's batch loop without the network: what OnTraffic does per
// batch once the bytes are in, so that a change to that loop shows in
// ns/op rather than in the noise of an end-to-end run.
func BenchmarkRunBuffered(b *testing.B) {
	for _, op := range []string{"GET", "SET"} {
		b.Run(op, func(b *testing.B) {
			s, err := New(redisConfig())
			require.NoError(b, err)
			c := newTestClient(s)
			var batch []byte
			for range 16 {
				if op == "GET" {
					batch = append(batch, resp("GET", "key")...)
				} else {
					batch = append(batch, resp("SET", "key", "value")...)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := c.r.Feed(batch); err != nil {
					b.Fatal(err)
				}
				if !c.runBuffered() {
					b.Fatal("connection closed")
				}
			}
		})
	}
}
