package netloop

import (
	"errors"
	"time"
)

// Action tells the loop what to do with a connection after a callback.
type Action uint8

const (
	// None keeps the connection open.
	None Action = iota
	// Close closes the connection (after a best-effort write of what is
	// still waiting to be sent) and calls OnClose.
	Close
)

// Handler receives a loop's events. Its methods run on the connection's
// loop goroutine and must not block for long: every other connection of the
// loop waits meanwhile.
type Handler interface {
	// OnOpen is called for each accepted connection; out, if any, is sent
	// first, and Close refuses the connection after sending it.
	OnOpen(c *Conn) (out []byte, act Action)
	// OnTraffic is called when bytes have arrived (Next takes them) and
	// when the connection is woken (Wake).
	OnTraffic(c *Conn) Action
	// OnClose is called once when the connection has been closed, by
	// either side, with the error that closed it (nil for a clean close).
	OnClose(c *Conn, err error)
}

// Options configures Listen.
type Options struct {
	// Loops is the number of event loops; at least 1.
	Loops int
	// KeepAlive is the TCP keep-alive period of accepted connections; 0
	// leaves keep-alive off.
	KeepAlive time.Duration
	// OnError, when set, is told about errors that close no connection
	// (accept failures); it runs on a loop goroutine.
	OnError func(msg string, err error)
}

// AsyncCallback is told, on the connection's loop, how a Wake or
// AsyncWrite went: err is net.ErrClosed when the connection had closed.
type AsyncCallback func(c *Conn, err error) error

// ErrUnsupported is returned by Listen on systems without epoll, and by
// the deadline methods, which a loop's connections do not have.
var ErrUnsupported = errors.ErrUnsupported
