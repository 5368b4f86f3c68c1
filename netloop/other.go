//go:build !linux

package netloop

import (
	"context"
	"net"
)

// Engine is unavailable on this system: Listen reports ErrUnsupported.
type Engine struct{}

// Listen reports ErrUnsupported: the event loops use epoll.
func Listen(string, Handler, Options) (*Engine, error) { return nil, ErrUnsupported }

// Addr is never reached (see Listen).
func (e *Engine) Addr() net.Addr { return nil }

// Done is never reached (see Listen).
func (e *Engine) Done() <-chan struct{} { return nil }

// Err is never reached (see Listen).
func (e *Engine) Err() error { return ErrUnsupported }

// Stop is never reached (see Listen).
func (e *Engine) Stop(context.Context) error { return nil }

// Conn is unavailable on this system.
type Conn struct{ net.Conn }

// Next is never reached (see Listen).
func (c *Conn) Next(int) ([]byte, error) { return nil, ErrUnsupported }

// InboundBuffered is never reached (see Listen).
func (c *Conn) InboundBuffered() int { return 0 }

// OutboundBuffered is never reached (see Listen).
func (c *Conn) OutboundBuffered() int { return 0 }

// Wake is never reached (see Listen).
func (c *Conn) Wake(AsyncCallback) error { return ErrUnsupported }

// AsyncWrite is never reached (see Listen).
func (c *Conn) AsyncWrite([]byte, AsyncCallback) error { return ErrUnsupported }

// Fd is never reached (see Listen).
func (c *Conn) Fd() int { return -1 }

// Context is never reached (see Listen).
func (c *Conn) Context() any { return nil }

// SetContext is never reached (see Listen).
func (c *Conn) SetContext(any) {}
