package netloop

import (
	"context"
	"encoding/binary"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// readSize is how much one read takes from a socket: a pipelined batch of
// small requests fits, and a larger one is read on the next round.
const readSize = 64 << 10

// maxEvents is how many ready connections one epoll_wait reports.
const maxEvents = 256

// acceptBatch bounds the connections accepted per round, so a flood of
// connects does not hold up the loop's clients.
const acceptBatch = 64

// yieldEvery is how often a busy loop passes through the Go scheduler. A
// goroutine that never does (the loop only enters and leaves epoll_wait)
// looks stuck to sysmon after 10 ms: it is sent a preemption signal, its P
// is retaken mid-syscall, and sysmon drops back to polling every 20 µs,
// thousands of wake-ups a second that cost the server about 6% of its CPU
// at pipeline 1. One Gosched every few milliseconds keeps sysmon asleep.
const yieldEvery = 4 * time.Millisecond

// acceptPause is how long the listener is left out of the loop after an
// accept error such as EMFILE, which level-triggered epoll would otherwise
// report again at once, forever.
const acceptPause = 100 * time.Millisecond

// Engine is a running set of event loops on one listening socket.
type Engine struct {
	h     Handler
	opts  Options
	lfd   int
	addr  net.Addr
	loops []*loop
	next  int // the loop that gets the next accepted connection (loop 0 only)

	wg       sync.WaitGroup
	stopOnce sync.Once
	errMu    sync.Mutex
	err      error // the first error that stopped a loop
	done     chan struct{}
}

// loop is one event loop: an epoll set, an eventfd for wake-ups from other
// goroutines, and the connections it owns. Only the loop's goroutine touches
// conns, buf and events; mu guards tasks, and notified says the eventfd has
// been written and not yet drained.
type loop struct {
	e      *Engine
	epfd   int
	efd    int
	conns  []*Conn // by file descriptor
	buf    []byte
	events [maxEvents]unix.EpollEvent

	mu       sync.Mutex
	tasks    []task
	spare    []task // the previous round's slice, reused
	notified atomic.Bool
	stopping bool // set by the stop task; loop goroutine only
}

type taskKind uint8

const (
	taskWake taskKind = iota
	taskWrite
	taskClose
	taskOpen
	taskListen // put the listener back after an accept pause
	taskStop
)

// task is work queued for a loop by another goroutine.
type task struct {
	kind taskKind
	c    *Conn
	data []byte
	cb   AsyncCallback
	fd   int
	sa   unix.Sockaddr
}

// Listen binds addr ("host:port"; port 0 picks a free one), starts
// opts.Loops event loops serving h, and returns once they listen.
func Listen(addr string, h Handler, opts Options) (*Engine, error) {
	if opts.Loops < 1 {
		opts.Loops = 1
	}
	tcp, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, err
	}
	lfd, bound, err := listenTCP(tcp)
	if err != nil {
		return nil, err
	}
	e := &Engine{h: h, opts: opts, lfd: lfd, addr: bound, done: make(chan struct{})}
	for range opts.Loops {
		l, err := newLoop(e)
		if err != nil {
			e.closeLoops()
			unix.Close(lfd)
			return nil, err
		}
		e.loops = append(e.loops, l)
	}
	if err := e.loops[0].add(lfd, unix.EPOLLIN); err != nil {
		e.closeLoops()
		unix.Close(lfd)
		return nil, err
	}
	e.wg.Add(len(e.loops))
	for _, l := range e.loops {
		go l.run()
	}
	go func() {
		e.wg.Wait()
		close(e.done)
	}()
	return e, nil
}

// listenTCP opens a non-blocking listening socket with SO_REUSEADDR, as
// servers do so that a restart can bind while old connections linger.
func listenTCP(a *net.TCPAddr) (int, net.Addr, error) {
	family, sa := unix.AF_INET, unix.Sockaddr(nil)
	if ip4 := a.IP.To4(); ip4 != nil || a.IP == nil {
		s := &unix.SockaddrInet4{Port: a.Port}
		if ip4 != nil {
			copy(s.Addr[:], ip4)
		}
		sa = s
	} else {
		family = unix.AF_INET6
		s := &unix.SockaddrInet6{Port: a.Port}
		copy(s.Addr[:], a.IP.To16())
		sa = s
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, nil, os.NewSyscallError("socket", err)
	}
	fail := func(call string, err error) (int, net.Addr, error) {
		unix.Close(fd)
		return -1, nil, os.NewSyscallError(call, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail("setsockopt", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	if err := unix.Listen(fd, 511); err != nil {
		return fail("listen", err)
	}
	got, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	return fd, sockaddrToTCP(got), nil
}

func newLoop(e *Engine) (*loop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	l := &loop{e: e, epfd: epfd, efd: efd, buf: make([]byte, readSize)}
	if err := l.add(efd, unix.EPOLLIN); err != nil {
		unix.Close(efd)
		unix.Close(epfd)
		return nil, err
	}
	return l, nil
}

func (e *Engine) closeLoops() {
	for _, l := range e.loops {
		unix.Close(l.efd)
		unix.Close(l.epfd)
	}
}

// Addr returns the address the engine listens on.
func (e *Engine) Addr() net.Addr { return e.addr }

// Done is closed when every loop has stopped.
func (e *Engine) Done() <-chan struct{} { return e.done }

// Err returns the error that stopped a loop on its own, nil after Stop.
func (e *Engine) Err() error {
	e.errMu.Lock()
	defer e.errMu.Unlock()
	return e.err
}

// Stop closes the listener and every connection (each loop finishes the
// callback in hand first, then calls OnClose for its connections) and waits
// for the loops to end, or for ctx.
func (e *Engine) Stop(ctx context.Context) error {
	e.stopOnce.Do(func() {
		for _, l := range e.loops {
			l.enqueue(task{kind: taskStop})
		}
	})
	select {
	case <-e.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *loop) add(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	return os.NewSyscallError("epoll_ctl", unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev))
}

func (l *loop) mod(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	return os.NewSyscallError("epoll_ctl", unix.EpollCtl(l.epfd, unix.EPOLL_CTL_MOD, fd, &ev))
}

// enqueue hands t to the loop and wakes it unless it has been woken
// already and has not yet looked at its queue.
func (l *loop) enqueue(t task) {
	l.mu.Lock()
	l.tasks = append(l.tasks, t)
	l.mu.Unlock()
	if l.notified.CompareAndSwap(false, true) {
		var one [8]byte
		binary.NativeEndian.PutUint64(one[:], 1)
		for {
			_, err := unix.Write(l.efd, one[:])
			if err != unix.EINTR {
				// EAGAIN means the counter is full, which wakes the
				// loop as well.
				break
			}
		}
	}
}

// run is the loop goroutine.
func (l *loop) run() {
	defer l.e.wg.Done()
	defer l.shutdown()
	lastYield := time.Now()
	for !l.stopping {
		if now := time.Now(); now.Sub(lastYield) >= yieldEvery {
			runtime.Gosched()
			lastYield = now
		}
		n, err := unix.EpollWait(l.epfd, l.events[:], -1)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			l.e.fail(os.NewSyscallError("epoll_wait", err))
			return
		}
		for i := range n {
			ev := &l.events[i]
			switch fd := int(ev.Fd); {
			case fd == l.efd:
				l.runTasks()
			case fd == l.e.lfd && l == l.e.loops[0]:
				l.accept()
			default:
				l.serve(fd, ev.Events)
			}
		}
	}
}

func (e *Engine) fail(err error) {
	e.errMu.Lock()
	if e.err == nil {
		e.err = err
	}
	e.errMu.Unlock()
	// One loop failing stops them all, as the server cannot serve part of
	// its clients.
	e.stopOnce.Do(func() {
		for _, l := range e.loops {
			l.enqueue(task{kind: taskStop})
		}
	})
}

// shutdown closes the loop's connections (and the listener on loop 0)
// when the loop ends.
func (l *loop) shutdown() {
	if l == l.e.loops[0] {
		unix.Close(l.e.lfd)
	}
	for _, c := range l.conns {
		if c != nil {
			l.closeConn(c, nil)
		}
	}
	// Tasks queued meanwhile find their connections closed.
	l.notified.Store(true) // no more eventfd writes
	l.mu.Lock()
	tasks := l.tasks
	l.tasks = nil
	l.mu.Unlock()
	for _, t := range tasks {
		l.runTask(t)
	}
	unix.Close(l.efd)
	unix.Close(l.epfd)
}

// runTasks drains the eventfd and runs what other goroutines queued. The
// flag is cleared before the queue is taken, so a task queued after the
// swap writes the eventfd again.
func (l *loop) runTasks() {
	var b [8]byte
	_, _ = unix.Read(l.efd, b[:])
	l.notified.Store(false)
	l.mu.Lock()
	tasks := l.tasks
	l.tasks = l.spare[:0]
	l.mu.Unlock()
	for i := range tasks {
		l.runTask(tasks[i])
		tasks[i] = task{}
	}
	l.spare = tasks
}

func (l *loop) runTask(t task) {
	switch t.kind {
	case taskOpen:
		if l.stopping {
			unix.Close(t.fd)
			return
		}
		l.open(t.fd, t.sa)
	case taskListen:
		if !l.stopping {
			if err := l.add(l.e.lfd, unix.EPOLLIN); err != nil {
				l.e.report("listener re-arm failed", err)
			}
		}
	case taskStop:
		l.stopping = true
	case taskClose:
		if !t.c.closed {
			l.closeConn(t.c, nil)
		}
	case taskWake, taskWrite:
		c := t.c
		if c.closed {
			if t.cb != nil {
				_ = t.cb(c, net.ErrClosed)
			}
			return
		}
		act := None
		if t.kind == taskWake {
			act = l.e.h.OnTraffic(c)
		} else {
			_, _ = c.Write(t.data)
		}
		if t.cb != nil && !c.closed {
			if err := t.cb(c, nil); err != nil {
				act = Close
			}
		}
		l.after(c, act)
	}
}

func (e *Engine) report(msg string, err error) {
	if e.opts.OnError != nil {
		e.opts.OnError(msg, err)
	}
}

// accept takes the waiting connections off the listener and deals them to
// the loops in turn.
func (l *loop) accept() {
	e := l.e
	for range acceptBatch {
		fd, sa, err := unix.Accept4(e.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch err {
		case nil:
		case unix.EAGAIN:
			return
		case unix.EINTR, unix.ECONNABORTED:
			continue
		default:
			// Out of descriptors or memory: stop listening for a
			// moment instead of spinning on a listener that stays
			// readable.
			e.report("accept failed; pausing the listener", os.NewSyscallError("accept4", err))
			_ = unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, e.lfd, nil)
			time.AfterFunc(acceptPause, func() { l.enqueue(task{kind: taskListen}) })
			return
		}
		l.tune(fd)
		target := e.loops[e.next%len(e.loops)]
		e.next++
		if target == l {
			l.open(fd, sa)
		} else {
			target.enqueue(task{kind: taskOpen, fd: fd, sa: sa})
		}
	}
}

// tune sets TCP_NODELAY, which a request/response protocol needs, and the
// keep-alive period.
func (l *loop) tune(fd int) {
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	if p := l.e.opts.KeepAlive; p > 0 {
		secs := int(max(p/time.Second, 1))
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1)
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, secs)
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, secs)
	}
}

// open registers an accepted connection and runs OnOpen.
func (l *loop) open(fd int, sa unix.Sockaddr) {
	c := &Conn{fd: fd, loop: l, remote: sockaddrToTCP(sa)}
	if local, err := unix.Getsockname(fd); err == nil {
		c.local = sockaddrToTCP(local)
	} else {
		c.local = l.e.addr
	}
	if err := l.add(fd, unix.EPOLLIN|unix.EPOLLRDHUP); err != nil {
		unix.Close(fd)
		l.e.report("registering a connection failed", err)
		return
	}
	for fd >= len(l.conns) {
		l.conns = append(l.conns, make([]*Conn, max(64, len(l.conns)))...)
	}
	l.conns[fd] = c
	out, act := l.e.h.OnOpen(c)
	if len(out) > 0 && !c.closed {
		_, _ = c.Write(out)
	}
	l.after(c, act)
}

// serve handles one readiness event of a connection: pending output first
// (the socket took some), then input.
func (l *loop) serve(fd int, events uint32) {
	if fd >= len(l.conns) || l.conns[fd] == nil {
		return
	}
	c := l.conns[fd]
	if events&unix.EPOLLOUT != 0 && len(c.out) > 0 {
		if err := c.flushOut(); err != nil {
			l.closeConn(c, err)
			return
		}
	}
	if events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) == 0 {
		return
	}
	n, err := readFD(fd, l.buf)
	switch {
	case err == unix.EAGAIN:
		return
	case err != nil:
		l.closeConn(c, os.NewSyscallError("read", err))
		return
	case n == 0:
		l.closeConn(c, nil) // the peer closed (or half-closed) its side
		return
	}
	c.cur = l.buf[:n]
	act := l.e.h.OnTraffic(c)
	l.after(c, act)
}

func readFD(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Read(fd, p)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// after settles a connection once a callback has returned: bytes the
// handler did not take are kept (they lie in the loop's read buffer, which
// the next read reuses), and a requested or pending close happens.
func (l *loop) after(c *Conn, act Action) {
	if c.closed {
		return
	}
	if len(c.cur) > 0 {
		c.in = append(c.in, c.cur...)
	}
	c.cur = nil
	if act == Close || c.err != nil {
		l.closeConn(c, c.err)
	}
}

// closeConn closes the socket after one last try at sending what waits,
// forgets the connection and calls OnClose. Closing the descriptor also
// takes it out of the epoll set.
func (l *loop) closeConn(c *Conn, err error) {
	if c.closed {
		return
	}
	if len(c.out) > 0 && c.err == nil {
		_, _ = unix.Write(c.fd, c.out)
	}
	c.closed = true
	unix.Close(c.fd)
	if c.fd < len(l.conns) && l.conns[c.fd] == c {
		l.conns[c.fd] = nil
	}
	c.in, c.cur, c.out = nil, nil, nil
	l.e.h.OnClose(c, err)
}

func sockaddrToTCP(sa unix.Sockaddr) net.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(append([]byte(nil), a.Addr[:]...)), Port: a.Port}
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(append([]byte(nil), a.Addr[:]...)), Port: a.Port}
	}
	return &net.TCPAddr{}
}
