package benchmarks

import (
	"bufio"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/miniredis/miniredis/codec"
	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/miniredis/miniredis/server"
)

// BenchmarkMultiKey sends one DEL, MGET or MSET naming n keys to miniredis
// and to a real redis-server, one after the other in each iteration, and
// reports each server's time per command and their ratio (miniredis over
// Redis: below 1 is faster). Before each DEL the keys are loaded again
// outside the timer. Multi-key commands were quadratic once (a linear search
// per key among the keys already locked); at 100k keys that showed as a
// ratio in the hundreds.
func BenchmarkMultiKey(b *testing.B) {
	mini := startServer(b, server.NetStd).Addr().String()
	redis := redistest.StartRedis(b)
	for _, n := range []int{10_000, 100_000} {
		keys := make([][]byte, n)
		for i := range keys {
			keys[i] = fmt.Appendf(nil, "mk:%08d", i)
		}
		mset := [][]byte{[]byte("MSET")}
		for _, k := range keys {
			mset = append(mset, k, []byte("v"))
		}
		cmds := map[string][]byte{
			"DEL":  codec.AppendCommand(nil, append([][]byte{[]byte("DEL")}, keys...)...),
			"MGET": codec.AppendCommand(nil, append([][]byte{[]byte("MGET")}, keys...)...),
			"MSET": codec.AppendCommand(nil, mset...),
		}
		load := cmds["MSET"]
		for _, op := range []string{"DEL", "MGET", "MSET"} {
			b.Run(fmt.Sprintf("%s/keys=%d", op, n), func(b *testing.B) {
				conns := []*rawConn{dialRaw(b, mini), dialRaw(b, redis)}
				var took [2]time.Duration
				b.ReportAllocs()
				for b.Loop() {
					for i, c := range conns {
						b.StopTimer()
						c.roundTrip(b, load) // DEL needs keys; MGET and MSET want them too
						b.StartTimer()
						start := time.Now()
						c.roundTrip(b, cmds[op])
						took[i] += time.Since(start)
					}
				}
				b.ReportMetric(float64(took[0].Nanoseconds())/float64(b.N), "mini-ns/op")
				b.ReportMetric(float64(took[1].Nanoseconds())/float64(b.N), "redis-ns/op")
				b.ReportMetric(float64(took[0])/float64(took[1]), "mini/redis")
			})
		}
	}
}

// rawConn sends prepared RESP commands and reads one whole reply each.
type rawConn struct {
	c  net.Conn
	rd *bufio.Reader
}

func dialRaw(b *testing.B, addr string) *rawConn {
	b.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return &rawConn{c: c, rd: bufio.NewReaderSize(c, 1<<20)}
}

func (r *rawConn) roundTrip(b *testing.B, cmd []byte) {
	r.send(b, cmd)
	r.read(b)
}

func (r *rawConn) send(b *testing.B, cmd []byte) {
	if _, err := r.c.Write(cmd); err != nil {
		b.Fatal(err)
	}
}

// read reads one reply and fails on an error reply.
func (r *rawConn) read(b *testing.B) {
	reply, err := redistest.ReadReply(r.rd)
	if err != nil {
		b.Fatal(err)
	}
	if reply.Kind == redistest.Error {
		b.Fatalf("%s", reply.Str)
	}
}
