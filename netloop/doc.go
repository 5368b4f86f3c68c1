// Package netloop is the small epoll event loop behind the server's
// --net eventloop mode: a few goroutines, each waiting in epoll_wait on its
// own set of connections, reading a batch of requests with one read, and
// answering it with one write.
//
// It exists for the system calls it does not make. A pipeline-1 request
// costs one read and one write; the loop waits in one blocking epoll_wait per
// round of ready connections and never polls with a zero timeout or yields
// the processor between rounds (the general-purpose loop it replaced did
// both, which woke a second OS thread through a futex on nearly every round).
// Wake-ups from other goroutines go through one eventfd per loop, written
// only when the loop has not already been told.
//
// Ownership: a Conn belongs to its loop's goroutine. Handler callbacks run
// there, one at a time per loop, and only they may call Next, Write,
// InboundBuffered and OutboundBuffered. Wake, AsyncWrite and Close are safe
// from any goroutine: they queue a task that the loop runs (and ignore a
// connection that has closed meanwhile). The bytes Next returns are valid
// until the callback returns.
//
// Linux only; elsewhere Listen reports ErrUnsupported.
package netloop
