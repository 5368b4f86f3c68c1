package server

import (
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/miniredis/miniredis/netloop"
)

// MONITOR streams every command the server runs to the clients that asked,
// as Redis prints them. The clients running commands pay one atomic load
// per command while nobody monitors (monitorRegistry.n). With monitors, a
// command's line is appended to each monitor's buffer, and a goroutine per
// monitor writes it out; a monitor that does not read is bounded like any
// slow reader: past the output buffer limit of pending lines it is closed,
// as Redis closes a monitor past its output buffer limit.

// monitorRegistry holds the monitoring clients.
type monitorRegistry struct {
	n  atomic.Int32 // len(sinks), read on every command
	mu sync.Mutex
	m  map[*monitorSink]struct{}
}

// monitorSink is one monitor's pending output.
type monitorSink struct {
	c      *client
	mu     sync.Mutex
	buf    []byte
	closed bool
	wake   chan struct{} // one pending signal: there is output
	done   chan struct{} // closed when the monitor goes
}

// cmdMonitor turns the client into a monitor: OK, then a line per command
// any client runs.
func cmdMonitor(c *client, args [][]byte) {
	if c.multi != nil {
		c.w.Error("ERR MONITOR inside MULTI is not allowed")
		return
	}
	if c.monitor != nil {
		c.w.OK()
		return
	}
	s := c.srv
	// The writer goroutine is registered under mu, as a client's, so
	// that Shutdown waits for it; none starts once Shutdown has begun.
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		c.w.Error("ERR server is shutting down")
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	m := &monitorSink{c: c, wake: make(chan struct{}, 1), done: make(chan struct{})}
	c.monitor = m
	s.monitors.mu.Lock()
	if s.monitors.m == nil {
		s.monitors.m = make(map[*monitorSink]struct{})
	}
	s.monitors.m[m] = struct{}{}
	s.monitors.n.Store(int32(len(s.monitors.m)))
	s.monitors.mu.Unlock()
	c.w.OK()
	go func() {
		defer s.wg.Done()
		m.run()
	}()
}

// stopMonitor unregisters the client's monitor; on close.
func (c *client) stopMonitor() {
	m := c.monitor
	if m == nil {
		return
	}
	s := c.srv
	s.monitors.mu.Lock()
	delete(s.monitors.m, m)
	s.monitors.n.Store(int32(len(s.monitors.m)))
	s.monitors.mu.Unlock()
	m.mu.Lock()
	if !m.closed {
		m.closed = true
		close(m.done)
	}
	m.mu.Unlock()
}

// run writes the monitor's lines to its connection until it goes: on the
// std path with Write, which blocks while the client does not read; on the
// event loops with AsyncWrite, one chunk in flight, checking gnet's
// outbound buffer against the limit when each lands.
func (m *monitorSink) run() {
	c := m.c
	limit := c.srv.outputBufferLimit()
	landed := make(chan error, 1)
	for {
		select {
		case <-m.done:
			return
		case <-m.wake:
		}
		m.mu.Lock()
		out := m.buf
		m.buf = nil
		m.mu.Unlock()
		if len(out) == 0 {
			continue
		}
		if gc, ok := c.conn.(*netloop.Conn); ok {
			err := gc.AsyncWrite(out, func(conn *netloop.Conn, err error) error {
				if err == nil && conn != nil && conn.OutboundBuffered() > limit {
					c.srv.log.Warn("closing monitor that does not read", "id", c.id, "addr", c.addr)
					_ = conn.Close()
				}
				landed <- err
				return nil
			})
			if err == nil {
				select {
				case err = <-landed:
				case <-m.done:
					return
				}
			}
			if err != nil {
				return
			}
			continue
		}
		if _, err := c.conn.Write(out); err != nil {
			return
		}
	}
}

// feedMonitors sends one command's line to every monitor.
func (c *client) feedMonitors(cmd *command, args [][]byte) {
	if cmd.flags&flagAdmin != 0 {
		return // not shown, as Redis hides admin commands
	}
	s := c.srv
	line := c.monitorLine(args)
	s.monitors.mu.Lock()
	defer s.monitors.mu.Unlock()
	limit := s.outputBufferLimit()
	for m := range s.monitors.m {
		if m.c == c {
			continue
		}
		m.mu.Lock()
		switch {
		case m.closed:
		case len(m.buf)+len(line) > limit:
			m.closed = true
			close(m.done)
			s.log.Warn("closing monitor that does not read", "id", m.c.id, "addr", m.c.addr)
			if conn, ok := m.c.conn.(interface{ Close() error }); ok {
				_ = conn.Close()
			}
		default:
			m.buf = append(m.buf, line...)
			select {
			case m.wake <- struct{}{}:
			default:
			}
		}
		m.mu.Unlock()
	}
}

// monitorLine renders a command as Redis's MONITOR does:
// +<unix time with µs> [<db> <addr>] "arg" "arg"..., arguments quoted
// with escapes for non-printable bytes, passwords redacted.
func (c *client) monitorLine(args [][]byte) []byte {
	now := nanotime()
	var us int64
	if c.srv.wall != nil {
		b := c.srv.wall.base.Load()
		us = (b.wallNanos + now - b.mono) / 1000
	} else {
		us = c.srv.nowFn().UnixMicro()
	}
	b := append([]byte(nil), '+')
	b = strconv.AppendInt(b, us/1e6, 10)
	b = append(b, '.')
	frac := strconv.AppendInt(nil, us%1e6, 10)
	for range 6 - len(frac) {
		b = append(b, '0')
	}
	b = append(b, frac...)
	b = append(b, " ["...)
	b = strconv.AppendInt(b, int64(c.dbNum.Load()), 10)
	b = append(b, ' ')
	if c.conn == nil {
		// A script's command: Redis shows "lua" as the address.
	} else if _, unix := c.conn.RemoteAddr().(*net.UnixAddr); unix {
		b = append(b, "unix:"...)
	}
	b = append(b, c.addr...)
	b = append(b, ']')
	for i, a := range args {
		b = append(b, ' ')
		if redacted(args, i) {
			b = append(b, `"(redacted)"`...)
			continue
		}
		b = appendRepr(b, a)
	}
	return append(b, "\r\n"...)
}

// appendRepr quotes s as Redis's sdscatrepr does.
func appendRepr(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, ch := range s {
		switch ch {
		case '\\', '"':
			b = append(b, '\\', ch)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '\a':
			b = append(b, `\a`...)
		case '\b':
			b = append(b, `\b`...)
		default:
			if ch >= ' ' && ch < 0x7f {
				b = append(b, ch)
			} else {
				b = append(b, '\\', 'x', hex[ch>>4], hex[ch&15])
			}
		}
	}
	return append(b, '"')
}
