package server

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/miniredis/miniredis/codec"
	"github.com/miniredis/miniredis/netloop"
	"github.com/miniredis/miniredis/shard"
)

// client is one connection. Everything but the fields marked otherwise is
// owned by the client's own goroutine.
type client struct {
	srv     *Server
	conn    net.Conn
	r       *codec.Reader
	w       *codec.Writer
	id      int64
	addr    string
	laddr   string
	created time.Time

	db     shard.DB // the keyspace handle commands run against: the selected database, under a transaction's locks inside EXEC or a script
	authed bool     // AUTH passed, or no password is set
	quit   bool     // QUIT or a fatal error: flush and close after this command
	cmds   int64    // commands run since the last flush, added to srv.stats then
	tmp    []byte   // scratch for rendering values, reused across commands
	keys   [][]byte // scratch for multi-key commands, reused across commands
	script bool     // the client of a script's redis.call, not of a connection

	batchNow int64          // the clock read once for the batch in hand; 0 outside one
	pf       shard.Prefetch // the batch's keys on their way into the cache (gnet.go)

	// Statistics of the batch in hand, added into stripe by settle (see
	// stats.go).
	stripe    *statStripe
	pend      [pendMax]pendStat
	npend     int
	markNanos int64    // nanotime when the time settle shares out began
	lastArgs  [][]byte // the last command's args, for SLOWLOG; valid until the next read
	hits      int64    // keyspace_hits of the batch
	misses    int64
	errs      int64 // error replies of the batch
	netIn     int64 // the reader's BytesRead at the last settle

	// For CLIENT LIST on other goroutines: the last command settled, the
	// protocol, the socket's descriptor.
	monitor *monitorSink // set by MONITOR
	lastCmd atomic.Pointer[command]
	resp    atomic.Int32
	fd      int

	// loop is the client's event-loop state; nil on the std path.
	loop *loopConn
	// offLoop, set only on the event loops, is the rest of a command that
	// may block for long (a script, an EXEC holding the script lock, any
	// command while a script runs): runBuffered stops there and the loop
	// runs it on a goroutine of its own (see loopConn).
	offLoop func()
	// offLoopNow makes the loop hand offLoop over without waiting for it:
	// a blocking command's wait (see block).
	offLoopNow bool

	// The append-only log's state of this client (see aof.go), touched
	// only by the goroutine that owns the client: aofHeld says it holds
	// the write-order lock, aofGated its gate (aofGate, which the rewrite
	// that turns the log on reads from another goroutine); aofBlock
	// collects the writes of its transaction or script; effects says the
	// running command logged what it did itself; loading marks the client
	// that replays the log.
	aofHeld  bool
	aofGated bool
	aofGate  atomic.Bool
	aofBlock *[]aofCmd
	effects  bool
	loading  bool
	// blocked is the client's wait in a blocking command, nil when it is
	// not blocked; read by CLIENT UNBLOCK and Shutdown on other goroutines.
	blocked atomic.Pointer[blockWait]

	// Cluster mode: ASKING was sent (it lets the next command into an
	// importing slot), askingCmd is that flag as it applied to the command
	// in hand (for the commands a script runs), and READONLY was sent.
	asking, askingCmd, readonly bool

	multi    *multiState  // the open transaction (MULTI), nil outside one
	watched  []watchedKey // keys WATCHed, registered in srv.watches
	dirtyCAS atomic.Bool  // a watched key changed; set by other clients' writes
	dbNum    atomic.Int32 // db.Index(), for CLIENT LIST on other goroutines
	multiLen atomic.Int32 // commands queued in MULTI, -1 outside one; for CLIENT LIST

	// lastActive is when the client's last batch began, in unix ms on the
	// server's clock (the batch's own clock read, so tracking it costs no
	// extra one); read by clientsCron and CLIENT LIST.
	lastActive atomic.Int64
	// writeSince is when the client's pending replies last made progress,
	// in unix ms on the server's clock, while they are stuck (a write that
	// blocks on the std path, a paused client on the event loops); 0 when
	// none are. Read by clientsCron.
	writeSince atomic.Int64
	stopping   atomic.Bool // set by Shutdown: finish the batch, then close

	// ps is the client's Pub/Sub state, nil until its first subscription;
	// publishers on other goroutines reach only its outbox.
	ps *pubsubState
	// subscribed mirrors ps.subscribed() for CLIENT KILL TYPE on other
	// goroutines.
	subscribed atomic.Bool
	// replyMode is CLIENT REPLY's ON, OFF or SKIP; replySets counts the
	// CLIENT REPLY calls, so execQuiet can tell that one ran.
	replyMode int
	replySets int

	// mu guards name, which CLIENT LIST reads from other goroutines.
	mu   sync.Mutex
	name string

	// Client-side caching (see tracking.go). track is the client's CLIENT
	// TRACKING settings, nil while it does not track, and trk the same
	// for writers on other goroutines; trkCaching is CLIENT CACHING's
	// flag; trkHeld says the outbox holds invalidations behind replies
	// not yet flushed; trkPend is the BCAST invalidations of the command
	// in hand, set by the store's observer on this client's goroutine;
	// trkBroken marks a redirect target that is gone.
	track      *trackConf
	trk        atomic.Pointer[trackConf]
	trkCaching bool
	trkHeld    bool
	trkPend    *trackPending
	trkScript  [][]byte // the declared keys of the script command in hand
	trkBroken  atomic.Bool
	// obox is ps.ob for other goroutines (a tracking client's redirect
	// target); closed is set when the client is released.
	obox   atomic.Pointer[outbox]
	closed atomic.Bool
}

func newClient(s *Server, conn net.Conn) *client {
	c := &client{
		srv:     s,
		conn:    conn,
		r:       codec.NewReader(conn),
		id:      s.nextID.Add(1),
		addr:    conn.RemoteAddr().String(),
		laddr:   conn.LocalAddr().String(),
		created: s.nowFn(),
		authed:  s.requirePass() == "",
		db:      s.store.DB(0),
	}
	c.multiLen.Store(-1)
	c.db = c.db.WithActor(c)
	c.stripe = s.cmdStats.stripe(c.id)
	c.resp.Store(2)
	c.fd = connFd(conn)
	out := io.Writer(conn)
	if _, onLoop := conn.(*netloop.Conn); !onLoop && s.outputTimeout() > 0 {
		out = progressWriter{c}
	}
	c.w = codec.NewWriter(out)
	c.r.SetAuthenticated(c.authed)
	c.r.SetMaxBulkLen(int(s.protoMaxBulkLen()))
	c.r.SetMaxQueryLen(int(s.queryBufferLimit()))
	c.lastActive.Store(c.created.UnixMilli())
	return c
}

// writeChunk is how much of a large reply batch progressWriter hands to
// one Write call.
const writeChunk = 1 << 20

// progressWriter is the std path's reply sink when --client-output-timeout
// is set: it stamps writeSince before each chunk of at most writeChunk
// bytes, so the timeout measures how long the client has taken no bytes,
// not how long a 100 MiB reply takes to read. The first stamp is the
// batch's clock read; only later chunks read the clock.
type progressWriter struct{ c *client }

func (p progressWriter) Write(b []byte) (int, error) {
	c := p.c
	stamp := c.now()
	n := 0
	for {
		c.writeSince.Store(stamp)
		m, err := c.conn.Write(b[n:min(len(b), n+writeChunk)])
		n += m
		if err != nil || n == len(b) {
			c.writeSince.Store(0)
			return n, err
		}
		stamp = c.srv.now()
	}
}

// stopWriteGrace is how long a stopping client's pending write may still
// take: replies to commands already run are delivered to a client that
// reads them, while one that never reads cannot hold up Shutdown.
const stopWriteGrace = 2 * time.Second

// stop asks the client to close after the commands it has already read:
// the read deadline wakes a goroutine blocked in Read without touching one
// that is executing, and a write gets stopWriteGrace to complete. Safe to
// call from any goroutine.
func (c *client) stop() {
	c.stopping.Store(true)
	c.unblock(blockClosed)
	now := time.Now()
	_ = c.conn.SetReadDeadline(now)
	_ = c.conn.SetWriteDeadline(now.Add(stopWriteGrace))
}

// serve is the connection loop: read a command, run it, and flush the
// replies of a pipelined batch in one write once no complete command is
// left in the read buffer, or earlier once more than the output buffer
// limit is waiting: then the write blocks until the client reads, and the
// loop stops reading from it meanwhile, which bounds its memory.
func (c *client) serve() {
	defer c.close()
	for {
		args, err := c.r.ReadCommand()
		if err != nil {
			c.readFailed(err)
			return
		}
		if c.batchNow == 0 {
			c.startBatch()
			c.prefetch() // the commands queued behind this one
		}
		c.exec(args)
		c.cmds++
		if c.quit {
			c.flush()
			return
		}
		if c.w.Buffered() > c.srv.outputBufferLimit() {
			if !c.flush() || c.stopping.Load() {
				return
			}
			// The write may have waited on a slow reader for any length of
			// time: the rest of the batch runs at the time it resumes.
			c.startBatch()
		}
		if !c.r.Ready() {
			ok := c.flush()
			c.batchNow = 0
			if !ok || c.stopping.Load() {
				return
			}
		}
	}
}

// startBatch reads the clock for the commands about to run.
// One clock read serves both the batch's time of day and its timing.
func (c *client) startBatch() {
	mono := nanotime()
	c.markNanos = mono
	c.batchNow = c.srv.nowAt(mono)
	c.lastActive.Store(c.batchNow)
}

// flush writes the pending replies and reports whether the connection is
// still usable.
func (c *client) flush() bool {
	c.settle()
	if c.cmds != 0 {
		c.stripe.commands.Add(c.cmds)
		c.cmds = 0
	}
	if !c.aofFlush() {
		return false
	}
	n := c.w.Buffered()
	if c.w.Flush() != nil {
		return false
	}
	c.noteOutput(int64(n))
	return true
}

func (c *client) close() {
	if c.ps != nil && c.ps.ob != nil {
		// A subscriber's last replies are still in its outbox: its writer
		// gets stopWriteGrace to send them, as a stopping client's write.
		_ = c.conn.SetWriteDeadline(time.Now().Add(stopWriteGrace))
		c.ps.ob.finish()
	}
	c.conn.Close()
	c.release()
}

// release unregisters the client and returns its buffers; the connection
// must already be closed.
func (c *client) release() {
	c.stripe.commands.Add(c.cmds)
	c.cmds = 0
	c.unwatchAll()
	c.closed.Store(true)
	c.srv.track.disable(c)
	c.releasePubSub()
	c.stopMonitor()
	c.srv.removeClient(c)
	c.r.Release()
	c.w.Release()
}

// readFailed answers a protocol error the way Redis does (the error, then
// close) and closes quietly on EOF and network errors.
func (c *client) readFailed(err error) {
	var pe *codec.ProtocolError
	switch {
	case errors.As(err, &pe):
		c.srv.log.Debug("protocol error; closing client", "id", c.id, "addr", c.addr, "err", err)
		c.w.Error(msgProtocolPrefix + pe.Error())
		c.flush()
	case errors.Is(err, codec.ErrQueryBufferLimit):
		c.srv.log.Warn("closing client that reached the query buffer limit", "id", c.id, "addr", c.addr)
		c.flush()
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), c.stopping.Load():
		c.flush()
	default:
		c.srv.log.Debug("read failed; closing client", "id", c.id, "addr", c.addr, "err", err)
	}
}

// exec runs one command: lookup, the central arity and auth checks, then
// the handler.
func (c *client) exec(args [][]byte) {
	if c.replyMode != replyOn {
		c.execQuiet(args)
		return
	}
	c.w.SetPlain(c.srv.cfg.Mode == ModeMini && c.r.Inline())
	cmd := lookup(args[0])
	switch {
	case cmd == nil:
		c.reject(unknownCommand(args))
	case !cmd.arityOK(len(args)):
		c.rejectCmd(cmd, fmt.Sprintf(msgWrongArgs, cmd.lowerName()))
	case !c.authed && cmd.flags&flagNoAuth == 0:
		c.rejectCmd(cmd, msgNoAuth)
	case c.srv.cluster != nil && c.clusterCheck(cmd, args):
	case cmd.flags&flagDenyOOM != 0 && c.srv.maxMemory() > 0 && !c.freeMemory():
		c.srv.stats.oom.Add(1)
		c.rejectCmd(cmd, msgOOM)
	case c.ps.subscribed() && c.w.Proto() == 2 && !subscribedModeOK(cmd):
		c.rejectCmd(cmd, fmt.Sprintf(msgSubscribedMode, fullName(cmd, args)))
	case c.srv.pause.active.Load() && c.paused(cmd, args):
	case c.srv.scripts.active.Load() && c.whileScript(cmd, args):
	case c.multi != nil && !multiImmediate(cmd):
		c.queue(cmd, args)
	default:
		c.call(cmd, args)
	}
}

// whileScript handles a command that arrives while a script runs (or is
// about to hold its shards) and reports whether it did: past
// busy-reply-threshold most commands get BUSY, and on the event loops a
// command that is not merely queued in MULTI runs off the loop, since it
// may wait for a shard the script holds and the loop must stay free to
// answer BUSY and SCRIPT KILL. Only reached while a script is active, so
// the plain path pays just the atomic load in exec.
func (c *client) whileScript(cmd *command, args [][]byte) bool {
	if r := c.srv.busy(); r != nil && !busyAllowed(cmd, args) {
		c.reject(busyError(r))
		return true
	}
	if c.loop == nil || c.multi != nil && !multiImmediate(cmd) {
		return false
	}
	c.offLoop = func() { c.call(cmd, args) }
	return true
}

// reject answers a command refused before it ran; inside MULTI that also
// dooms the transaction, as Redis's flagTransaction does.
func (c *client) reject(msg string) {
	if c.multi != nil {
		c.multi.abort = true
	}
	c.w.Error(msg)
	c.errs++
	c.srv.cmdStats.noteError(msg)
}

// rejectCmd is reject for a known command, counted in its rejected_calls.
func (c *client) rejectCmd(cmd *command, msg string) {
	c.stripe.cmds[cmd.idx].rejected.Add(1)
	c.reject(msg)
}

// call runs the handler and turns a panic into an error reply to this
// client alone. The reply stream may hold part of the failed reply, so the
// connection is closed after the error rather than trusted again.
func (c *client) call(cmd *command, args [][]byte) {
	defer func() {
		if r := recover(); r != nil {
			c.srv.stats.panics.Add(1)
			c.srv.log.Error("command panicked; closing client",
				"cmd", cmd.name, "id", c.id, "addr", c.addr, "panic", r, "stack", string(debug.Stack()))
			c.w.Error(msgInternal)
			c.quit = true
		}
	}()
	monitored := c.srv.monitors.n.Load() != 0
	if monitored && cmd.flags&flagScript != 0 {
		// A script's line comes before the lines of the commands it
		// runs, as Redis shows them.
		c.feedMonitors(cmd, args)
	}
	errs, _ := c.w.Errors()
	if c.track != nil {
		c.trackBefore(cmd, args)
	}
	if cmd.flags&flagWrite == 0 || c.loading {
		cmd.fn(c, args)
	} else {
		c.callLogged(cmd, args)
	}
	if c.track != nil || c.trkPend != nil {
		c.trackAfter(cmd)
	}
	after, msg := c.w.Errors()
	failed := after != errs
	if failed {
		c.errs++
		c.srv.cmdStats.noteError(msg)
		if isRejection(msg) {
			// A container command's unknown subcommand or wrong arity:
			// Redis refuses those before the call, so they count as
			// rejected and stay out of SLOWLOG.
			c.stripe.cmds[cmd.idx].rejected.Add(1)
			return
		}
	}
	c.note(cmd, failed)
	c.lastArgs = args
	if monitored && cmd.flags&flagScript == 0 {
		c.feedMonitors(cmd, args)
	}
}

// isRejection reports whether an error reply is one Redis gives before
// running a command: a wrong argument count or an unknown subcommand.
func isRejection(msg string) bool {
	return strings.HasPrefix(msg, "ERR wrong number of arguments for '") ||
		strings.HasPrefix(msg, "ERR unknown subcommand '")
}

// unknownCommand words the error as Redis does: the name and up to 128
// bytes of quoted arguments, with CR and LF blanked so the reply stays one
// line.
func unknownCommand(args [][]byte) string {
	var b []byte
	for _, a := range args[1:] {
		if len(b) >= 128 {
			break
		}
		lim := 128 - len(b)
		b = append(b, '\'')
		b = append(b, a[:min(len(a), lim)]...)
		b = append(b, '\'', ' ')
	}
	name := args[0]
	if len(name) > 128 {
		name = name[:128]
	}
	msg := []byte(fmt.Sprintf(msgUnknownCmd, name, b))
	for i, ch := range msg {
		if ch == '\r' || ch == '\n' {
			msg[i] = ' '
		}
	}
	return string(msg)
}

// mini reports whether the server runs the Mini-Redis dialect.
func (c *client) mini() bool { return c.srv.cfg.Mode == ModeMini }

// now is the current time in unix milliseconds.
// The loops read the clock once per batch (batchNow) rather than once per
// command: time.Now was 3.7% of server CPU at pipeline 16.
func (c *client) now() int64 {
	if c.batchNow != 0 {
		return c.batchNow
	}
	return c.srv.now()
}

func (c *client) getName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.name
}

// connFd is the connection's file descriptor for CLIENT LIST, -1 when it
// has none.
func connFd(conn net.Conn) int {
	switch cn := conn.(type) {
	case *netloop.Conn:
		return cn.Fd()
	case syscall.Conn:
		rc, err := cn.SyscallConn()
		if err != nil {
			return -1
		}
		fd := -1
		_ = rc.Control(func(f uintptr) { fd = int(f) })
		return fd
	}
	return -1
}
