package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	soakClients  = 300
	soakKeys     = 16 // per client, so every key's final value is known
	soakDuration = 5 * time.Second
	soakMaxOps   = 1_000_000 // per client, in case the machine is very fast
)

// soakFailures collects what the soak clients saw go wrong; they run on their
// own goroutines and must not call require.
type soakFailures struct {
	n     atomic.Int64
	mu    sync.Mutex
	first []string
}

func (f *soakFailures) add(format string, args ...any) {
	if f.n.Add(1) <= 10 {
		f.mu.Lock()
		f.first = append(f.first, fmt.Sprintf(format, args...))
		f.mu.Unlock()
	}
}

// soakReadReply reads one RESP2 reply and renders it as its type byte and text:
// "+OK", ":3", "$value", "$<nil>", "-ERR ...".
func soakReadReply(rd *bufio.Reader) (string, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply line")
	}
	if line[0] != '$' {
		return line, nil
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil {
		return "", err
	}
	if n < 0 {
		return "$<nil>", nil
	}
	buf := make([]byte, n+2)
	if _, err := io.ReadFull(rd, buf); err != nil {
		return "", err
	}
	return "$" + string(buf[:n]), nil
}

// soakClient runs random pipelined batches of SET, GET, DEL, EXISTS, RENAME
// and UPDATE on its own keys, checking every reply against a model, until
// ctx ends. It returns the model: the value each live key must have.
func soakClient(ctx context.Context, addr string, id int, f *soakFailures) map[string]string {
	model := make(map[string]string)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		f.add("client %d: dial: %v", id, err)
		return model
	}
	defer conn.Close()
	rd := bufio.NewReader(conn)
	rng := rand.New(rand.NewPCG(uint64(id), 0))
	key := func() string { return fmt.Sprintf("c%d:k%d", id, rng.IntN(soakKeys)) }
	var req strings.Builder
	var want []string
	for op := 0; op < soakMaxOps && ctx.Err() == nil; {
		req.Reset()
		want = want[:0]
		for range 1 + rng.IntN(8) {
			op++
			k := key()
			cur, live := model[k]
			switch r := rng.IntN(100); {
			case r < 35:
				v := fmt.Sprintf("v%d-%d", id, op)
				if rng.IntN(4) == 0 {
					req.WriteString(resp("SET", k, v, "EX", "100000"))
				} else {
					req.WriteString(resp("SET", k, v))
				}
				model[k] = v
				want = append(want, "+OK")
			case r < 70:
				req.WriteString(resp("GET", k))
				if live {
					want = append(want, "$"+cur)
				} else {
					want = append(want, "$<nil>")
				}
			case r < 80:
				req.WriteString(resp("DEL", k))
				delete(model, k)
				want = append(want, ":"+map[bool]string{true: "1", false: "0"}[live])
			case r < 88:
				req.WriteString(resp("EXISTS", k))
				want = append(want, ":"+map[bool]string{true: "1", false: "0"}[live])
			case r < 94:
				to := key()
				req.WriteString(resp("RENAME", k, to))
				if live {
					delete(model, k)
					model[to] = cur
					want = append(want, "+OK")
				} else {
					want = append(want, "-ERR no such key")
				}
			default:
				v := fmt.Sprintf("u%d-%d", id, op)
				req.WriteString(resp("UPDATE", k, v))
				if live {
					model[k] = v
					want = append(want, "+OK")
				} else {
					want = append(want, "-ERR no such key")
				}
			}
		}
		_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := conn.Write([]byte(req.String())); err != nil {
			f.add("client %d: write: %v", id, err)
			return model
		}
		for i, w := range want {
			got, err := soakReadReply(rd)
			if err != nil {
				f.add("client %d: read: %v", id, err)
				return model
			}
			if got != w {
				f.add("client %d: reply %d of batch %q: got %q, want %q", id, i, req.String(), got, w)
			}
		}
	}
	return model
}

// TestSoak runs 300 clients mixing commands for a fixed time, then checks
// every key's final value against what its client wrote, and that
// goroutines and heap return to their baseline once the clients leave.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: 300 clients for 5 s")
	}
	cfg := redisConfig()
	cfg.DefaultTTL = 0
	s := startServer(t, cfg)
	addr := s.Addr().String()
	runtime.GC()
	baseGoroutines := runtime.NumGoroutine()
	baseHeap := heapAlloc()

	ctx, cancel := context.WithTimeout(context.Background(), soakDuration)
	defer cancel()
	var (
		f      soakFailures
		wg     sync.WaitGroup
		models = make([]map[string]string, soakClients)
	)
	for id := range soakClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			models[id] = soakClient(ctx, addr, id, &f)
		}()
	}
	wg.Wait()
	assert.Zero(t, f.n.Load(), "failures, first ones: %v", f.first)

	// Every key's final value, over one fresh connection.
	c := dial(t, s)
	checked := 0
	for id, model := range models {
		for j := range soakKeys {
			k := fmt.Sprintf("c%d:k%d", id, j)
			want := "$-1\r\n"
			if v, ok := model[k]; ok {
				want = "$" + itoa(len(v)) + "\r\n" + v + "\r\n"
			}
			assert.Equal(t, want, c.do(resp("GET", k), want), "final value of %s", k)
			checked++
		}
	}
	text := infoText(t, c)
	t.Logf("checked %d keys; %s", checked, strings.Fields(text[strings.Index(text, "total_commands_processed"):])[0])
	c.do(resp("FLUSHALL"), "+OK\r\n")
	c.conn.Close()

	// No leak: the server's client goroutines end and the heap returns near
	// where it was (pooled buffers aside).
	require.Eventually(t, func() bool { return clientCount(s) == 0 }, 10*time.Second, 10*time.Millisecond)
	assert.Eventually(t, func() bool { return runtime.NumGoroutine() <= baseGoroutines+2 }, 10*time.Second, 20*time.Millisecond,
		"goroutines: baseline %d, now %d", baseGoroutines, runtime.NumGoroutine())
	grown := heapAlloc() - baseHeap
	t.Logf("heap after the clients left: %+d KiB from baseline", grown>>10)
	assert.Less(t, grown, int64(16<<20), "heap back near baseline")
}
