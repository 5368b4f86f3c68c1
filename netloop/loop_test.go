//go:build linux

package netloop

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echo is a test handler: it answers each round's input with the same
// bytes, refuses connections past max, holds input while hold is set, and
// counts opens and closes.
type echo struct {
	max    int
	hold   atomic.Bool
	opened atomic.Int32
	closed atomic.Int32
	wakes  atomic.Int32

	mu    sync.Mutex
	conns []*Conn
	errs  []error
}

func (h *echo) OnOpen(c *Conn) ([]byte, Action) {
	n := h.opened.Add(1)
	if h.max > 0 && int(n) > h.max {
		return []byte("-ERR full\r\n"), Close
	}
	h.mu.Lock()
	h.conns = append(h.conns, c)
	h.mu.Unlock()
	return nil, None
}

func (h *echo) OnTraffic(c *Conn) Action {
	if c.InboundBuffered() == 0 {
		h.wakes.Add(1)
		return None
	}
	if h.hold.Load() {
		return None
	}
	b, err := c.Next(-1)
	if err != nil {
		return Close
	}
	if bytes.Equal(b, []byte("quit\n")) {
		_, _ = c.Write([]byte("bye\n"))
		return Close
	}
	_, _ = c.Write(b)
	return None
}

func (h *echo) OnClose(_ *Conn, err error) {
	h.mu.Lock()
	h.errs = append(h.errs, err)
	h.mu.Unlock()
	h.closed.Add(1)
}

func start(t *testing.T, h Handler, loops int) *Engine {
	t.Helper()
	e, err := Listen("127.0.0.1:0", h, Options{Loops: loops, KeepAlive: time.Minute})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, e.Stop(ctx))
	})
	return e
}

func dial(t *testing.T, e *Engine) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", e.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	return c
}

func TestEchoOnSeveralLoops(t *testing.T) {
	h := &echo{}
	e := start(t, h, 2)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dial(t, e)
			r := bufio.NewReader(c)
			for j := range 50 {
				line := strings.Repeat("x", i+j) + "\n"
				_, err := c.Write([]byte(line))
				assert.NoError(t, err)
				got, err := r.ReadString('\n')
				assert.NoError(t, err)
				assert.Equal(t, line, got)
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 8, h.opened.Load())
	// Both loops got connections.
	per := map[*loop]int{}
	h.mu.Lock()
	for _, c := range h.conns {
		per[c.loop]++
	}
	h.mu.Unlock()
	assert.Len(t, per, 2)
}

// A reply larger than the socket takes at once is kept and sent as the
// client reads, in order, and the pending count shows it meanwhile.
func TestLargeWritesDrainInOrder(t *testing.T) {
	h := &echo{}
	e := start(t, h, 1)
	c := dial(t, e)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	got := make(chan []byte)
	go func() {
		b := make([]byte, len(big))
		_, err := io.ReadFull(c, b)
		assert.NoError(t, err)
		got <- b
	}()
	// Written in pieces so the echo runs over several rounds while the
	// reader is still catching up.
	for off := 0; off < len(big); off += 1 << 20 {
		_, err := c.Write(big[off : off+1<<20])
		require.NoError(t, err)
	}
	assert.True(t, bytes.Equal(big, <-got))
}

// OnOpen's reply reaches the client before a refused connection closes.
func TestRefusedConnectionGetsItsReply(t *testing.T) {
	h := &echo{max: 1}
	e := start(t, h, 1)
	dial(t, e)
	c := dial(t, e)
	b, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.Equal(t, "-ERR full\r\n", string(b))
	require.Eventually(t, func() bool { return h.closed.Load() == 1 }, 5*time.Second, time.Millisecond)
}

// Input the handler leaves is kept, across later reads, until a wake takes
// it; Wake from another goroutine reaches OnTraffic.
func TestHeldInputIsKeptUntilWoken(t *testing.T) {
	h := &echo{}
	h.hold.Store(true)
	e := start(t, h, 1)
	c := dial(t, e)
	_, err := c.Write([]byte("first "))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.conns) == 1
	}, 5*time.Second, time.Millisecond)
	_, err = c.Write([]byte("second\n"))
	require.NoError(t, err)
	h.mu.Lock()
	sc := h.conns[0]
	h.mu.Unlock()
	// Let the loop read both writes while holding.
	require.Eventually(t, func() bool {
		in := make(chan int)
		_ = sc.Wake(func(c *Conn, err error) error {
			in <- c.InboundBuffered()
			return nil
		})
		return <-in == len("first second\n")
	}, 5*time.Second, time.Millisecond)
	h.hold.Store(false)
	require.NoError(t, sc.Wake(nil))
	got, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "first second\n", got)
}

func TestCloseFromAnotherGoroutineAndPeerClose(t *testing.T) {
	h := &echo{}
	e := start(t, h, 1)
	c1 := dial(t, e)
	c2 := dial(t, e)
	require.Eventually(t, func() bool { return h.opened.Load() == 2 }, 5*time.Second, time.Millisecond)
	h.mu.Lock()
	first := h.conns[0]
	h.mu.Unlock()
	require.NoError(t, first.Close())
	require.NoError(t, first.Close()) // twice is harmless
	_, err := io.ReadAll(c1)
	require.NoError(t, err) // EOF: the server closed
	require.NoError(t, c2.Close())
	require.Eventually(t, func() bool { return h.closed.Load() == 2 }, 5*time.Second, time.Millisecond)
	// A wake after close is ignored, with the callback told.
	gotErr := make(chan error, 1)
	require.NoError(t, first.Wake(func(_ *Conn, err error) error { gotErr <- err; return nil }))
	assert.ErrorIs(t, <-gotErr, net.ErrClosed)
	assert.Zero(t, h.wakes.Load())
}

func TestQuitReplyThenClose(t *testing.T) {
	h := &echo{}
	e := start(t, h, 1)
	c := dial(t, e)
	_, err := c.Write([]byte("quit\n"))
	require.NoError(t, err)
	b, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.Equal(t, "bye\n", string(b))
}

func TestAsyncWriteFromOtherGoroutines(t *testing.T) {
	h := &echo{}
	e := start(t, h, 2)
	c := dial(t, e)
	require.Eventually(t, func() bool { return h.opened.Load() == 1 }, 5*time.Second, time.Millisecond)
	h.mu.Lock()
	sc := h.conns[0]
	h.mu.Unlock()
	const n = 1000
	go func() {
		for i := range n {
			_ = sc.AsyncWrite([]byte{byte('a' + i%26)}, nil)
		}
	}()
	b := make([]byte, n)
	_, err := io.ReadFull(c, b)
	require.NoError(t, err)
	for i := range n {
		require.Equal(t, byte('a'+i%26), b[i], "byte %d", i)
	}
}

// Stop closes every connection, calling OnClose for each, and the loops end.
func TestStopClosesConnections(t *testing.T) {
	h := &echo{}
	e, err := Listen("127.0.0.1:0", h, Options{Loops: 2})
	require.NoError(t, err)
	var cs []net.Conn
	for range 4 {
		c, err := net.Dial("tcp", e.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		cs = append(cs, c)
	}
	require.Eventually(t, func() bool { return h.opened.Load() == 4 }, 5*time.Second, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, e.Stop(ctx))
	<-e.Done()
	assert.EqualValues(t, 4, h.closed.Load())
	assert.NoError(t, e.Err())
	for _, c := range cs {
		require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
		_, err := io.ReadAll(c)
		assert.NoError(t, err)
	}
	_, err = net.Dial("tcp", e.Addr().String())
	assert.Error(t, err, "the listener is closed")
}

func TestNextPartsAndRead(t *testing.T) {
	l := &loop{}
	c := &Conn{loop: l, cur: []byte("hello world")}
	b, _ := c.Next(5)
	assert.Equal(t, "hello", string(b))
	assert.Equal(t, 6, c.InboundBuffered())
	// What the callback leaves is copied out of the read buffer.
	l.after(c, None)
	assert.Equal(t, " world", string(c.in))
	c.cur = []byte("!")
	p := make([]byte, 3)
	n, err := c.Read(p)
	require.NoError(t, err)
	assert.Equal(t, " wo", string(p[:n]))
	b, _ = c.Next(-1)
	assert.Equal(t, "rld!", string(b))
	assert.Zero(t, c.InboundBuffered())
}
