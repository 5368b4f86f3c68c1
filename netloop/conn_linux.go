package netloop

import (
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// keepOutCap is the largest pending-output buffer kept once it has drained;
// a bigger one (a client that read a huge reply slowly) goes back to the GC.
const keepOutCap = 64 << 10

// Conn is one connection of a loop. The loop goroutine owns every field;
// see the package comment for which methods other goroutines may call.
type Conn struct {
	fd     int
	loop   *loop
	local  net.Addr
	remote net.Addr
	ctx    any

	cur    []byte // this round's bytes, in the loop's read buffer
	in     []byte // bytes from earlier rounds not yet taken (a copy)
	out    []byte // bytes the socket has not taken yet
	err    error  // a write failed: the connection closes after the callback
	closed bool
}

// Next takes up to n bytes of the input (all of it when n < 0) and returns
// them; they stay valid until the callback returns.
func (c *Conn) Next(n int) ([]byte, error) {
	if len(c.in) == 0 {
		if n < 0 || n >= len(c.cur) {
			b := c.cur
			c.cur = nil
			return b, nil
		}
		b := c.cur[:n]
		c.cur = c.cur[n:]
		return b, nil
	}
	c.in = append(c.in, c.cur...)
	c.cur = nil
	if n < 0 || n >= len(c.in) {
		b := c.in
		// The next append starts a fresh array, so b stays intact until
		// the callback returns.
		c.in = nil
		return b, nil
	}
	b := c.in[:n:n]
	c.in = c.in[n:]
	return b, nil
}

// InboundBuffered is the number of input bytes not yet taken.
func (c *Conn) InboundBuffered() int { return len(c.in) + len(c.cur) }

// OutboundBuffered is the number of written bytes the socket has not taken.
func (c *Conn) OutboundBuffered() int { return len(c.out) }

// Write sends p at once as far as the socket takes it and keeps the rest,
// which the loop sends as the socket drains. Loop goroutine only. A failed
// write closes the connection once the callback returns.
func (c *Conn) Write(p []byte) (int, error) {
	if c.closed || c.err != nil {
		return 0, net.ErrClosed
	}
	if len(c.out) > 0 {
		c.out = append(c.out, p...)
		return len(p), nil
	}
	n := 0
	for n < len(p) {
		m, err := unix.Write(c.fd, p[n:])
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			break
		}
		if err != nil {
			c.err = os.NewSyscallError("write", err)
			return n, c.err
		}
		n += m
	}
	if n < len(p) {
		c.out = append(c.out, p[n:]...)
		if err := c.loop.mod(c.fd, unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLOUT); err != nil {
			c.err = err
			return n, err
		}
	}
	return len(p), nil
}

// flushOut sends pending output after the socket reported room, and stops
// asking for that report once everything has gone.
func (c *Conn) flushOut() error {
	for len(c.out) > 0 {
		m, err := unix.Write(c.fd, c.out)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return nil
		}
		if err != nil {
			c.err = os.NewSyscallError("write", err)
			return c.err
		}
		c.out = c.out[m:]
	}
	if cap(c.out) > keepOutCap {
		c.out = nil
	} else {
		c.out = c.out[:0]
	}
	return c.loop.mod(c.fd, unix.EPOLLIN|unix.EPOLLRDHUP)
}

// Wake makes the loop call OnTraffic for c (then cb, if set), even with no
// input. Safe from any goroutine; a closed connection is left alone.
func (c *Conn) Wake(cb AsyncCallback) error {
	c.loop.enqueue(task{kind: taskWake, c: c, cb: cb})
	return nil
}

// AsyncWrite writes a copy of p to c on its loop (then calls cb, if set).
// Safe from any goroutine.
func (c *Conn) AsyncWrite(p []byte, cb AsyncCallback) error {
	c.loop.enqueue(task{kind: taskWrite, c: c, data: append([]byte(nil), p...), cb: cb})
	return nil
}

// Close closes the connection on its loop, which calls OnClose. Safe from
// any goroutine; closing twice does nothing.
func (c *Conn) Close() error {
	c.loop.enqueue(task{kind: taskClose, c: c})
	return nil
}

// Read takes input into p, so that a Conn is a net.Conn; loop goroutine
// only, and it never waits.
func (c *Conn) Read(p []byte) (int, error) {
	if c.InboundBuffered() == 0 {
		if c.closed {
			return 0, net.ErrClosed
		}
		return 0, nil
	}
	b, _ := c.Next(len(p))
	return copy(p, b), nil
}

// Fd is the connection's file descriptor (for CLIENT LIST); it is not to
// be read, written or closed by the caller.
func (c *Conn) Fd() int { return c.fd }

// Context returns the value set by SetContext.
func (c *Conn) Context() any { return c.ctx }

// SetContext attaches a value of the handler's to the connection.
func (c *Conn) SetContext(v any) { c.ctx = v }

// LocalAddr is the server's end of the connection.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr is the client's end of the connection.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline is not supported: a loop never waits on one connection.
func (c *Conn) SetDeadline(time.Time) error { return ErrUnsupported }

// SetReadDeadline is not supported (see SetDeadline).
func (c *Conn) SetReadDeadline(time.Time) error { return ErrUnsupported }

// SetWriteDeadline is not supported (see SetDeadline).
func (c *Conn) SetWriteDeadline(time.Time) error { return ErrUnsupported }

var _ net.Conn = (*Conn)(nil)
