package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/logging"
)

// NetMode selects the network layer (the --net flag).
type NetMode uint8

const (
	// NetStd runs one goroutine per connection on package net.
	NetStd NetMode = iota
	// NetEventLoop runs epoll event loops (gnet), half as many as CPUs: one read
	// and one write system call per batch and no goroutine wake-ups, which is
	// what pipeline-1 throughput on a small machine is made of. Linux and the
	// BSDs only.
	NetEventLoop
)

// ParseNet parses the --net flag value: "std" or "eventloop".
func ParseNet(s string) (NetMode, error) {
	switch s {
	case "std":
		return NetStd, nil
	case "eventloop":
		return NetEventLoop, nil
	}
	return 0, fmt.Errorf("server: unknown net mode %q (want std or eventloop)", s)
}

func (m NetMode) String() string {
	if m == NetEventLoop {
		return "eventloop"
	}
	return "std"
}

// loopHandler adapts the server to gnet's callbacks. Each connection's
// callbacks run on one event-loop goroutine, so a client is still owned by
// one goroutine at a time, as in the std path.
type loopHandler struct {
	gnet.BuiltinEventEngine
	s      *Server
	booted chan struct{}
	eng    gnet.Engine
}

// listenEventLoop starts the event loops in the background and waits until
// they listen, so that Addr works before Serve, as with the std path.
func (s *Server) listenEventLoop() error {
	h := &loopHandler{s: s, booted: make(chan struct{})}
	done := make(chan error, 1)
	addr := "tcp://" + net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	loops := s.cfg.EventLoops
	if loops <= 0 {
		loops = defaultEventLoops()
	}
	go func() {
		done <- gnet.Run(h, addr,
			gnet.WithMulticore(true),
			gnet.WithNumEventLoop(loops),
			gnet.WithTCPNoDelay(gnet.TCPNoDelay),
			gnet.WithTCPKeepAlive(time.Minute),
			gnet.WithLogger(slogAdapter{s.log}),
		)
	}()
	select {
	case <-h.booted:
	case err := <-done:
		if err == nil {
			err = errors.New("event loop stopped at start")
		}
		return fmt.Errorf("server: listen: %w", err)
	}
	var addrOut net.Addr = &net.TCPAddr{IP: net.ParseIP(s.cfg.Host), Port: s.cfg.Port}
	var err error
	if s.cfg.Port == 0 {
		addrOut, err = boundAddr(h.eng)
	}
	if err != nil {
		_ = h.eng.Stop(context.Background())
		<-done
		return fmt.Errorf("server: listen: %w", err)
	}
	s.mu.Lock()
	s.loop = &eventLoop{eng: h.eng, done: done, addr: addrOut}
	s.mu.Unlock()
	return nil
}

// defaultEventLoops is half the CPUs, at least one. On the 2-core machine of
// the benchmarks, where redis-benchmark shares the CPUs, one loop beat two
// in interleaved bench-compare runs (pipeline 1: 0.92-0.96x of Redis
// against 0.81-0.91x; pipeline 16: 1.34-1.37x against 1.17-1.19x): a second
// loop mostly adds context switches (0.44 against 0.6 per request).
func defaultEventLoops() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// eventLoop is the running gnet engine of a server in NetEventLoop mode.
type eventLoop struct {
	eng  gnet.Engine
	done chan error // gnet.Run's result
	addr net.Addr
}

func (h *loopHandler) OnBoot(eng gnet.Engine) gnet.Action {
	h.eng = eng
	close(h.booted)
	return gnet.None
}

// OnOpen registers the connection, or refuses it when the server is full or
// shutting down, as startClient does for the std path.
func (h *loopHandler) OnOpen(conn gnet.Conn) ([]byte, gnet.Action) {
	s := h.s
	s.stats.connections.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, gnet.Close
	}
	if len(s.clients) >= s.cfg.MaxClients {
		s.stats.rejected.Add(1)
		return []byte("-" + msgMaxClients + "\r\n"), gnet.Close
	}
	c := newClient(s, conn)
	s.clients[c] = struct{}{}
	conn.SetContext(&loopConn{c: c})
	return nil, gnet.None
}

// loopConn is a connection's state on its event loop. gnet closes a
// connection (and calls OnClose) from inside Write when the peer has gone,
// which is in the middle of our OnTraffic: busy makes OnClose leave the
// client's buffers to OnTraffic, which releases them when it returns.
type loopConn struct {
	c      *client
	busy   bool
	closed bool
}

// OnTraffic runs every complete command that has arrived and answers them
// with one write.
func (h *loopHandler) OnTraffic(conn gnet.Conn) gnet.Action {
	lc, _ := conn.Context().(*loopConn)
	if lc == nil || lc.closed {
		return gnet.Close
	}
	c := lc.c
	data, _ := conn.Next(-1)
	lc.busy = true
	ok := true
	if err := c.r.Feed(data); err != nil {
		c.readFailed(err)
		ok = false
	} else {
		ok = c.runBuffered()
	}
	lc.busy = false
	if lc.closed {
		c.release()
		return gnet.None
	}
	if !ok {
		return gnet.Close
	}
	if c.srv.cfg.Timeout > 0 {
		c.lastActive.Store(time.Now().UnixNano())
	}
	return gnet.None
}

// OnClose releases the client; gnet has closed the socket already.
func (h *loopHandler) OnClose(conn gnet.Conn, _ error) gnet.Action {
	lc, _ := conn.Context().(*loopConn)
	if lc == nil || lc.closed {
		return gnet.None
	}
	lc.closed = true
	if !lc.busy {
		lc.c.release()
	}
	return gnet.None
}

// runBuffered executes the commands already in the read buffer, then flushes
// their replies; it reports whether the connection stays open.
//
// An event loop cannot block on a client that does not read: what the
// socket does not take waits in gnet's outbound buffer, which has no bound.
// So the output bound works differently from the std path (where the write
// blocks and the client is no longer read): once more than
// --client-output-buffer-limit of replies is waiting, checked whenever the
// writer holds that much, the client is closed, as Redis does at a
// client-output-buffer-limit hard limit. Its memory is bounded by the
// limit plus one reply.
func (c *client) runBuffered() bool {
	c.batchNow = c.srv.now()
	defer func() { c.batchNow = 0 }()
	limit := c.srv.cfg.OutputBufferLimit
	for c.r.Ready() {
		args, err := c.r.ReadCommand()
		if err != nil {
			c.readFailed(err)
			return false
		}
		c.exec(args)
		c.cmds++
		if c.quit {
			c.flush()
			return false
		}
		if c.w.Buffered() > limit && (!c.flush() || c.overOutputLimit()) {
			return false
		}
	}
	if err := c.r.Err(); err != nil {
		c.readFailed(err)
		return false
	}
	return c.flush() && !c.overOutputLimit() && !c.stopping.Load()
}

// overOutputLimit reports (and logs and counts) an event-loop client with
// more replies waiting in gnet's outbound buffer than the output limit.
func (c *client) overOutputLimit() bool {
	gc, ok := c.conn.(gnet.Conn)
	if !ok || gc.OutboundBuffered() <= c.srv.cfg.OutputBufferLimit {
		return false
	}
	c.srv.log.Warn("closing client over the output buffer limit", "id", c.id, "addr", c.addr,
		"pending", gc.OutboundBuffered(), "limit", c.srv.cfg.OutputBufferLimit)
	c.srv.stats.outputLimit.Add(1)
	return true
}

// slogAdapter sends gnet's log lines to the server's logger.
type slogAdapter struct{ l *slog.Logger }

var _ logging.Logger = slogAdapter{}

func (a slogAdapter) Debugf(f string, args ...any) { a.l.Debug("gnet: " + fmt.Sprintf(f, args...)) }
func (a slogAdapter) Infof(f string, args ...any)  { a.l.Debug("gnet: " + fmt.Sprintf(f, args...)) }
func (a slogAdapter) Warnf(f string, args ...any)  { a.l.Warn("gnet: " + fmt.Sprintf(f, args...)) }
func (a slogAdapter) Errorf(f string, args ...any) { a.l.Error("gnet: " + fmt.Sprintf(f, args...)) }
func (a slogAdapter) Fatalf(f string, args ...any) { a.l.Error("gnet: " + fmt.Sprintf(f, args...)) }
