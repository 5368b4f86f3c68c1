package benchmarks

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/miniredis/miniredis/codec"
	"github.com/miniredis/miniredis/server"
)

// startServer runs an in-process server in redis mode on a free loopback
// port until the benchmark ends.
func startServer(b *testing.B, netMode server.NetMode) *server.Server {
	b.Helper()
	s, err := server.New(server.Config{
		Host: "127.0.0.1", Mode: server.ModeRedis, Net: netMode,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			b.Error(err)
		}
		if err := <-done; err != nil {
			b.Error(err)
		}
	})
	return s
}

// e2eRounds is how many pipelined batches each connection sends per
// benchmark iteration, so that the per-iteration hand-off to the connection
// goroutines is small beside the network round trips.
const e2eRounds = 20

// BenchmarkEndToEnd drives an in-process server over loopback TCP with N
// connections, each sending batches of P commands and reading every reply
// before the next batch, and reports requests per second. SET and GET use
// 32-byte values on a fixed set of 1000 keys. Allocations count both the
// clients and the server.
func BenchmarkEndToEnd(b *testing.B) {
	val := bytes.Repeat([]byte("v"), 32)
	for _, nm := range []server.NetMode{server.NetStd, server.NetEventLoop} {
		for _, op := range []string{"SET", "GET"} {
			for _, conns := range []int{1, 50} {
				for _, pipe := range []int{1, 16} {
					name := fmt.Sprintf("net=%s/%s/conns=%d/pipeline=%d", nm, op, conns, pipe)
					b.Run(name, func(b *testing.B) {
						s := startServer(b, nm)
						e2e(b, s.Addr().String(), op, val, conns, pipe)
					})
				}
			}
		}
	}
}

func e2e(b *testing.B, addr, op string, val []byte, conns, pipe int) {
	// Every connection gets its own batch and expected reply length.
	type worker struct {
		conn  net.Conn
		batch []byte
		reply []byte
	}
	workers := make([]*worker, conns)
	for i := range workers {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		w := &worker{conn: c}
		var want int
		for j := range pipe {
			key := fmt.Appendf(nil, "key:%07d", (i*pipe+j)%1000)
			if op == "SET" {
				w.batch = codec.AppendCommand(w.batch, []byte("SET"), key, val)
				want += len("+OK\r\n")
			} else {
				w.batch = codec.AppendCommand(w.batch, []byte("GET"), key)
				want += len(codec.AppendBulk(nil, val))
			}
			// Preload so that GET always hits.
			if _, err := c.Write(codec.AppendCommand(nil, []byte("SET"), key, val)); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(c, make([]byte, 5)); err != nil {
				b.Fatal(err)
			}
		}
		w.reply = make([]byte, want)
		workers[i] = w
	}
	run := func(w *worker) error {
		for range e2eRounds {
			if _, err := w.conn.Write(w.batch); err != nil {
				return err
			}
			if _, err := io.ReadFull(w.conn, w.reply); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, conns)
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		for i, w := range workers {
			wg.Go(func() { errs[i] = run(w) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	ops := float64(b.N * conns * pipe * e2eRounds)
	b.ReportMetric(ops/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/ops, "ns/req")
}
