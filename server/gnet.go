package server

import (
	"fmt"
	"net"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/miniredis/miniredis/codec"
	"github.com/miniredis/miniredis/netloop"
	"github.com/miniredis/miniredis/shard"
)

// NetMode selects the network layer (the --net flag).
type NetMode uint8

const (
	// NetStd runs one goroutine per connection on package net.
	NetStd NetMode = iota
	// NetEventLoop runs epoll event loops (package netloop), half as many as CPUs: one read
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

// loopHandler adapts the server to netloop's callbacks. Each connection's
// callbacks run on one event-loop goroutine, so a client is still owned by
// one goroutine at a time, as in the std path: its loop, or for the length
// of a command that runs off the loop (a script), that command's goroutine
// (see loopConn).
type loopHandler struct {
	s *Server
}

// listenEventLoop starts the event loops, which listen and serve from then
// on, so that Addr works before Serve, as with the std path.
func (s *Server) listenEventLoop() error {
	loops := s.cfg.EventLoops
	if loops <= 0 {
		loops = defaultEventLoops()
	}
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	eng, err := netloop.Listen(addr, &loopHandler{s: s}, netloop.Options{
		Loops:     loops,
		KeepAlive: time.Minute,
		OnError:   func(msg string, err error) { s.log.Warn(msg, "err", err) },
	})
	if err != nil {
		return fmt.Errorf("server: listen: %w", err)
	}
	done := make(chan error, 1)
	go func() {
		<-eng.Done()
		done <- eng.Err()
	}()
	s.mu.Lock()
	s.loop = &eventLoop{eng: eng, done: done, addr: eng.Addr()}
	s.mu.Unlock()
	return nil
}

// defaultEventLoops is half the CPUs, at least one. On the 2-core machine of
// the benchmarks, where redis-benchmark shares the CPUs, one loop beat two
// in interleaved bench-compare runs (pipeline 1: 0.92-0.96x of Redis
// against 0.81-0.91x; pipeline 16: 1.34-1.37x against 1.17-1.19x): a second
// loop mostly adds context switches (0.44 against 0.6 per request).
func defaultEventLoops() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// eventLoop is the running engine of a server in NetEventLoop mode.
type eventLoop struct {
	eng  *netloop.Engine
	done chan error // the engine's error once its loops have ended
	addr net.Addr
}

// OnOpen registers the connection, or refuses it when the server is full or
// shutting down, as startClient does for the std path.
func (h *loopHandler) OnOpen(conn *netloop.Conn) ([]byte, netloop.Action) {
	s := h.s
	s.stats.connections.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, netloop.Close
	}
	if len(s.clients) >= s.maxClients() {
		s.stats.rejected.Add(1)
		return []byte("-" + msgMaxClients + "\r\n"), netloop.Close
	}
	c := newClient(s, conn)
	s.clients[c] = struct{}{}
	lc := &loopConn{c: c}
	c.loop = lc
	conn.SetContext(lc)
	return nil, netloop.None
}

// loopConn is a connection's state on its event loop. busy is set while
// OnTraffic runs, so that an OnClose that came in the middle of it (a
// close inside a callback, which netloop defers until the callback
// returns, but which a future loop might not) leaves the client's buffers
// to OnTraffic, which releases them when it returns.
//
// An event loop cannot block on a client that does not read: what the
// socket does not take waits in the connection's outbound buffer. So once more than
// --client-output-buffer-limit is waiting there, the client is paused: its
// commands stay unrun in its query buffer (bounded by the query buffer
// limit) until the outbound buffer drains to the limit, as the std path
// stops reading while its write blocks. netloop says nothing when the
// outbound buffer drains, so a paused client is woken (conn.Wake) on a
// timer, soon while its replies are being read and backing off to
// maxWakeDelay while they are not; after --client-output-timeout without
// progress clientsCron closes it.
//
// A command that may block for long (a script, see client.offLoop) runs
// on a goroutine of its own instead, which owns the client meanwhile: the
// loop then touches neither the client nor its buffers, and leaves the
// client's further input in the connection's inbound buffer, as Redis stops reading
// from the client whose script runs. state says who owns the client; the
// goroutine hands it back with a CompareAndSwap and conn.Wake, or, if the
// connection closed meanwhile (OnClose swapped the state), releases the
// client itself.
type loopConn struct {
	c      *client
	busy   bool
	closed bool
	state  atomic.Int32 // loopOwned, offLoop or offLoopClosed

	paused  bool          // over the output limit: run nothing until it drains
	pending int           // outbound bytes at the last check while paused
	delay   time.Duration // until the next wake while paused
	wake    *time.Timer   // wakes a paused client; nil until first needed
}

// The owners of a loopConn's client (loopConn.state).
const (
	loopOwned     = iota // the event loop
	offLoop              // a goroutine running a command off the loop
	offLoopClosed        // that goroutine, which must release the closed client
)

// The bounds of the wake-up period of a paused client: a reader taking 4
// MiB replies on loopback drains one in about a millisecond.
const (
	minWakeDelay = time.Millisecond
	maxWakeDelay = 100 * time.Millisecond
)

// OnTraffic runs every complete command that has arrived and answers them
// with one write; it also runs when a paused client is woken, and when a
// command that ran off the loop hands the client back.
func (h *loopHandler) OnTraffic(conn *netloop.Conn) netloop.Action {
	lc, _ := conn.Context().(*loopConn)
	if lc == nil || lc.closed {
		return netloop.Close
	}
	c := lc.c
	if lc.state.Load() != loopOwned {
		// The client is another goroutine's: its input waits in the
		// connection's buffer, within the query buffer limit.
		if int64(conn.InboundBuffered()) > c.srv.queryBufferLimit() {
			c.srv.log.Warn("closing client that reached the query buffer limit", "id", c.id, "addr", c.addr)
			return netloop.Close
		}
		// What waits in its outbox (Pub/Sub messages, invalidations)
		// goes out meanwhile: a client blocked for long still gets them.
		// The outbox is all the loop touches, and only the loop writes
		// to the connection of a client that has one.
		if c.obox.Load() != nil && !lc.drainOutbox(conn, false) {
			return netloop.Close
		}
		return netloop.None
	}
	data, _ := conn.Next(-1)
	lc.busy = true
	ok := true
	if c.quit {
		// A command that ran off the loop failed (see runOffLoop); its
		// reply says so.
		c.flush()
		ok = false
	} else if err := c.r.Feed(data); err != nil {
		c.readFailed(err)
		ok = false
	} else if lc.mayRun(conn) {
		ok = c.runBuffered()
		for ok && c.offLoop != nil && !lc.closed {
			var back bool
			if ok, back = lc.detach(conn); !ok || !back {
				break
			}
			// The command ended within the grace: the client is the
			// loop's again, so carry on in this callback, before the loop
			// reads further (and perhaps a half-close that ends the
			// connection, as with printf ... | nc).
			if c.quit {
				c.flush()
				ok = false
				break
			}
			ok = c.runBuffered()
		}
		// The state first: while a goroutine owns the client, nothing of
		// it may be read here.
		if ok && lc.state.Load() == loopOwned && c.offLoop == nil {
			lc.checkOutput(conn)
		}
	}
	if c.ps != nil && c.ps.ob != nil && !lc.closed && lc.state.Load() == loopOwned && c.offLoop == nil {
		// A subscriber's replies and messages wait in its outbox (see
		// outbox); on a close, its last replies go out first.
		if !lc.drainOutbox(conn, !ok) {
			ok = false
		}
	}
	lc.busy = false
	if lc.closed {
		c.release()
		return netloop.None
	}
	if !ok {
		return netloop.Close
	}
	return netloop.None
}

// maxOffLoopGrace bounds how long the loop waits for a command it ran off
// the loop before it goes on serving other clients (see offLoopGrace).
const maxOffLoopGrace = 100 * time.Millisecond

// offLoopGrace is how long the loop waits for a command it ran off the loop:
// half the busy threshold, at most maxOffLoopGrace. Nearly every script ends
// well within it, and then the client is served in the same callback as with
// any command: its replies go out before the loop reads again, so a client that
// sends EVAL and half-closes (printf ... | nc) still gets them (the loop closes
// the connection at the end of input, before a detached script could
// answer). A longer script delays the loop's other clients by this much at
// most, where Redis would delay them for the whole script.
func (s *Server) offLoopGrace() time.Duration {
	return min(s.busyReplyThreshold()/2, maxOffLoopGrace)
}

// detach runs c.offLoop on a goroutine of its own, which owns the client
// until it hands it back, and reports whether that worked (false once the
// server is shutting down) and whether the client is the loop's again
// because the command ended within the grace (Server.offLoopGrace).
func (lc *loopConn) detach(conn *netloop.Conn) (ok, back bool) {
	c, s := lc.c, lc.c.srv
	fn, now := c.offLoop, c.offLoopNow
	c.offLoop, c.offLoopNow = nil, false
	// Registered under mu, like a std client's goroutine, so that
	// Shutdown waits for it.
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return false, false
	}
	s.wg.Add(1)
	s.mu.Unlock()
	lc.state.Store(offLoop)
	done := make(chan struct{}, 1)
	go func() {
		defer s.wg.Done()
		c.runOffLoop(fn)
		if lc.state.CompareAndSwap(offLoop, loopOwned) {
			// The client is the loop's again: touch nothing of it here.
			// The loop may be waiting for it (done), or gone on; then the
			// wake serves the commands buffered behind (and does nothing
			// much if the loop already did). If the loop has stopped
			// meanwhile, its OnClose released the client.
			done <- struct{}{}
			_ = conn.Wake(nil)
			return
		}
		c.release() // the connection closed while the command ran
	}()
	if now {
		// A blocked client waits without holding up the loop; the wait
		// hands the client back with the wake above.
		return true, false
	}
	t := time.NewTimer(s.offLoopGrace())
	defer t.Stop()
	select {
	case <-done:
		return true, true // the CAS above came first: the client is ours
	case <-t.C:
		return true, false
	}
}

// runOffLoop runs fn, and whatever further part of the command fn leaves
// in c.offLoop (a command that turns out to be a script) unless the
// command failed, recovering a panic as client.call does.
func (c *client) runOffLoop(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			c.srv.stats.panics.Add(1)
			c.srv.log.Error("command panicked; closing client",
				"id", c.id, "addr", c.addr, "panic", r, "stack", string(debug.Stack()))
			c.w.Error(msgInternal)
			c.quit = true
		}
	}()
	for fn != nil && !c.quit {
		fn()
		fn, c.offLoop, c.offLoopNow = c.offLoop, nil, false
	}
	c.flushTrackPending()
}

// mayRun reports whether the client may run commands: it is not paused, or
// its replies have drained to the limit since. A paused client whose
// replies are still being read gets a fresh writeSince, so only a client
// that takes nothing for --client-output-timeout is closed.
func (lc *loopConn) mayRun(conn *netloop.Conn) bool {
	if !lc.paused {
		return true
	}
	pending := conn.OutboundBuffered()
	if pending <= lc.c.srv.outputBufferLimit() {
		lc.paused = false
		lc.c.writeSince.Store(0)
		return true
	}
	if pending < lc.pending {
		lc.pending = pending
		lc.delay = minWakeDelay
		lc.c.writeSince.Store(lc.c.srv.now())
	} else {
		lc.delay = min(2*lc.delay, maxWakeDelay)
	}
	lc.armWake(conn)
	return false
}

// checkOutput pauses the client when more than the output limit is waiting
// in the connection's outbound buffer.
func (lc *loopConn) checkOutput(conn *netloop.Conn) {
	pending := conn.OutboundBuffered()
	if pending <= lc.c.srv.outputBufferLimit() {
		return
	}
	lc.paused, lc.pending, lc.delay = true, pending, minWakeDelay
	lc.c.writeSince.Store(lc.c.srv.now())
	lc.armWake(conn)
}

// armWake makes the event loop call OnTraffic for conn after lc.delay. A
// wake that comes when it is no longer needed, or after the connection has
// closed, does nothing (netloop ignores closed connections).
func (lc *loopConn) armWake(conn *netloop.Conn) {
	if lc.wake == nil {
		lc.wake = time.AfterFunc(lc.delay, func() { _ = conn.Wake(nil) })
		return
	}
	lc.wake.Reset(lc.delay)
}

// OnClose releases the client; the loop has closed the socket already.
func (h *loopHandler) OnClose(conn *netloop.Conn, _ error) {
	lc, _ := conn.Context().(*loopConn)
	if lc == nil || lc.closed {
		return
	}
	lc.closed = true
	if lc.wake != nil {
		lc.wake.Stop()
	}
	if lc.state.CompareAndSwap(offLoop, offLoopClosed) {
		lc.c.unblock(blockClosed) // a blocked client stops waiting
		return                    // the goroutine that owns the client releases it
	}
	if !lc.busy {
		lc.c.release()
	}
}

// prefetch starts loading the keys of the commands waiting in the read
// buffer into the cache (see shard.Prefetch). It is worth its cost only
// when a pipeline is queued: a lone command has no other miss to overlap.
// It leaves the arguments ReadCommand returned valid.
func (c *client) prefetch() {
	store, db := c.srv.store, c.db.Index()
	codec.SecondArgs(c.r.Ahead(), shard.PrefetchMax, func(key []byte) { store.PrefetchSlot(&c.pf, db, key) })
	store.PrefetchRecords(&c.pf)
}

// runBuffered executes the commands already in the read buffer, then flushes
// their replies; it reports whether the connection stays open. It stops
// early, leaving the rest buffered, once more than the output limit waits
// in the connection's outbound buffer (see loopConn), or at a command that left the
// rest of its work to run off the loop (client.offLoop).
func (c *client) runBuffered() bool {
	c.startBatch()
	defer func() { c.batchNow = 0 }()
	limit := c.srv.outputBufferLimit()
	if c.r.Ready() && c.r.More() {
		c.prefetch()
	}
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
		if c.offLoop != nil {
			break
		}
		if c.w.Buffered() > limit {
			if !c.flush() {
				return false
			}
			if lc, ok := c.conn.(*netloop.Conn); ok && lc.OutboundBuffered() > limit {
				break
			}
		}
	}
	if err := c.r.Err(); err != nil {
		c.readFailed(err)
		return false
	}
	return c.flush() && !c.stopping.Load()
}
