package benchmarks

import (
	"fmt"
	"testing"
	"time"

	"github.com/miniredis/miniredis/codec"
	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/miniredis/miniredis/server"
)

// BenchmarkPublish publishes one 64-byte message to n subscribers of a
// channel and waits until every subscriber has read it, on miniredis (each
// network layer) and on a real redis-server, alternately within each
// iteration; it reports each server's time per message and the ratio
// (miniredis over Redis: below 1 is faster). The reads are the same work
// for both servers, so the ratio compares the delivery.
func BenchmarkPublish(b *testing.B) {
	redis := redistest.StartRedis(b)
	for _, netMode := range []server.NetMode{server.NetEventLoop, server.NetStd} {
		mini := startServer(b, netMode).Addr().String()
		for _, n := range []int{1, 100} {
			b.Run(fmt.Sprintf("net=%s/subs=%d", netMode, n), func(b *testing.B) {
				var took [2]time.Duration
				pub := codec.AppendCommand(nil, []byte("PUBLISH"), []byte("bench"), make([]byte, 64))
				sub := codec.AppendCommand(nil, []byte("SUBSCRIBE"), []byte("bench"))
				type side struct {
					pub  *rawConn
					subs []*rawConn
				}
				var sides [2]side
				for i, addr := range []string{mini, redis} {
					sides[i].pub = dialRaw(b, addr)
					for range n {
						s := dialRaw(b, addr)
						s.roundTrip(b, sub)
						sides[i].subs = append(sides[i].subs, s)
					}
				}
				b.ReportAllocs()
				for b.Loop() {
					for i, s := range sides {
						start := time.Now()
						s.pub.roundTrip(b, pub)
						for _, c := range s.subs {
							c.read(b)
						}
						took[i] += time.Since(start)
					}
				}
				report(b, took)
			})
		}
	}
}

// BenchmarkPushPop is the round trip of a blocking queue: a consumer
// blocked in BRPOP, a producer's LPUSH, the producer's reply and the
// consumer's element, on miniredis and redis-server alternately.
func BenchmarkPushPop(b *testing.B) {
	redis := redistest.StartRedis(b)
	brpop := codec.AppendCommand(nil, []byte("BRPOP"), []byte("bq"), []byte("0"))
	lpush := codec.AppendCommand(nil, []byte("LPUSH"), []byte("bq"), []byte("job"))
	for _, netMode := range []server.NetMode{server.NetEventLoop, server.NetStd} {
		mini := startServer(b, netMode).Addr().String()
		b.Run("net="+netMode.String(), func(b *testing.B) {
			var took [2]time.Duration
			var prod, cons [2]*rawConn
			for i, addr := range []string{mini, redis} {
				prod[i], cons[i] = dialRaw(b, addr), dialRaw(b, addr)
			}
			b.ReportAllocs()
			for b.Loop() {
				for i := range prod {
					b.StopTimer()
					cons[i].send(b, brpop)
					// The consumer must be waiting before the push, or
					// this measures a plain pop: a PING through the
					// producer's connection is not enough ordering, so
					// wait for the server to report it blocked.
					waitBlocked(b, prod[i])
					b.StartTimer()
					start := time.Now()
					prod[i].roundTrip(b, lpush)
					cons[i].read(b)
					took[i] += time.Since(start)
				}
			}
			report(b, took)
		})
	}
}

// waitBlocked polls INFO clients until one client is blocked.
func waitBlocked(b *testing.B, c *rawConn) {
	info := codec.AppendCommand(nil, []byte("INFO"), []byte("clients"))
	for range 10000 {
		c.send(b, info)
		r, err := redistest.ReadReply(c.rd)
		if err != nil {
			b.Fatal(err)
		}
		if containsLine(r.Str, "blocked_clients:1") {
			return
		}
	}
	b.Fatal("the consumer never blocked")
}

func containsLine(s, line string) bool {
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\r' && s[i] != '\n' {
			i++
		}
		if s[:i] == line {
			return true
		}
		for i < len(s) && (s[i] == '\r' || s[i] == '\n') {
			i++
		}
		s = s[i:]
	}
	return false
}

// report adds each server's time per iteration and their ratio.
func report(b *testing.B, took [2]time.Duration) {
	b.ReportMetric(float64(took[0].Nanoseconds())/float64(b.N), "mini-ns/op")
	b.ReportMetric(float64(took[1].Nanoseconds())/float64(b.N), "redis-ns/op")
	b.ReportMetric(float64(took[0])/float64(took[1]), "mini/redis")
}
