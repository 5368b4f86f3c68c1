package benchmarks

import (
	"fmt"
	"testing"
	"time"

	"github.com/miniredis/miniredis/codec"
	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/miniredis/miniredis/server"
)

// BenchmarkAtomic sends, one round trip at a time, a MULTI with 10 queued
// SETs and its EXEC, or an EVAL of a script that runs 3 commands, to
// miniredis and to a real redis-server alternately within each iteration,
// and reports each server's time per operation and the ratio (miniredis
// over Redis; below 1 is faster). Keys differ between iterations so both
// servers do the same work.
func BenchmarkAtomic(b *testing.B) {
	mini := startServer(b, server.NetStd).Addr().String()
	redis := redistest.StartRedis(b)
	script := "redis.call('set', KEYS[1], ARGV[1]); redis.call('get', KEYS[1]); return redis.call('strlen', KEYS[1])"
	ops := map[string]func(i int) []byte{
		"EXEC-10-SETs": func(i int) []byte {
			cmd := codec.AppendCommand(nil, []byte("MULTI"))
			for j := range 10 {
				cmd = codec.AppendCommand(cmd, []byte("SET"), fmt.Appendf(nil, "tx:%d:%d", i%1000, j), []byte("value"))
			}
			return codec.AppendCommand(cmd, []byte("EXEC"))
		},
		"EVAL-3-commands": func(i int) []byte {
			return codec.AppendCommand(nil, []byte("EVAL"), []byte(script), []byte("1"), fmt.Appendf(nil, "ev:%d", i%1000), []byte("value"))
		},
	}
	for _, name := range []string{"EXEC-10-SETs", "EVAL-3-commands"} {
		b.Run(name, func(b *testing.B) {
			conns := []*rawConn{dialRaw(b, mini), dialRaw(b, redis)}
			replies := 1
			if name == "EXEC-10-SETs" {
				replies = 12 // +OK, 10 x +QUEUED, the EXEC array
			}
			var took [2]time.Duration
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				cmd := ops[name](i)
				i++
				for k, c := range conns {
					start := time.Now()
					c.send(b, cmd)
					for range replies {
						c.read(b)
					}
					took[k] += time.Since(start)
				}
			}
			b.ReportMetric(float64(took[0].Nanoseconds())/float64(b.N), "mini-ns/op")
			b.ReportMetric(float64(took[1].Nanoseconds())/float64(b.N), "redis-ns/op")
			b.ReportMetric(float64(took[0])/float64(took[1]), "mini/redis")
		})
	}
}
