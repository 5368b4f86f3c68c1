// Package codec reads Redis requests (RESP2/RESP3 multibulk and inline
// commands) and writes Redis replies (RESP2, RESP3 and the Mini-Redis plain
// text dialect).
//
// Lifetime contract: the arguments returned by [Reader.ReadCommand] point into
// the reader's buffer (or its scratch buffer for inline commands). They stay
// valid only until the next call to ReadCommand, [Reader.Ready] or
// [Reader.Release], exactly like [bufio.Reader.ReadSlice]; a caller that keeps
// an argument longer must copy it. [Writer] methods copy what they are given,
// so callers may reuse their slices as soon as a method returns.
//
// Neither Reader nor Writer is safe for concurrent use: each belongs to one
// connection and its goroutine. Both take their buffers from package-level
// pools and give them back on Release.
//
// The Append* functions are free, allocation-free encoders (they allocate only
// when dst must grow) that Writer is built on; they are safe for concurrent
// use.
package codec
