package codec

import (
	"bytes"
	"errors"
	"io"
	"math"

	"github.com/miniredis/miniredis/internal/decimal"
	"github.com/valyala/bytebufferpool"
)

// Limits, named and valued as in Redis (server.h and networking.c).
const (
	// DefaultMaxBulkLen is the default largest bulk argument (proto-max-bulk-len).
	DefaultMaxBulkLen = 512 << 20
	// MaxInlineLen is the longest inline request line, and the longest
	// multibulk or bulk header line (PROTO_INLINE_MAX_SIZE).
	MaxInlineLen = 64 << 10
	// MaxMultibulkLen is the largest argument count a multibulk may declare.
	MaxMultibulkLen = 1024 * 1024
	// DefaultMaxQueryLen is the default bound on bytes buffered for one client
	// (client-query-buffer-limit).
	DefaultMaxQueryLen = 1 << 30
	// UnauthMaxArgs is the largest argument count accepted before AUTH.
	UnauthMaxArgs = 10
	// UnauthMaxBulkLen is the largest bulk accepted before AUTH.
	UnauthMaxBulkLen = 16 << 10
)

const (
	// minFree is the free space made before each read; 16 KiB is Redis's
	// PROTO_IOBUF_LEN.
	minFree = 16 << 10
	// maxArgsPrealloc caps how many argument slots are reserved from a
	// declared count, as Redis does, so a lying client cannot make us
	// allocate for a million arguments it never sends.
	maxArgsPrealloc = 1024
	// maxEmptyReads bounds consecutive (0, nil) reads, as bufio does.
	maxEmptyReads = 100
)

// ProtocolError is a malformed request. Error returns "Protocol error: " +
// Msg, the text Redis sends before closing the connection. Values are
// immutable and safe to share.
type ProtocolError struct {
	Msg string
}

// Error returns the Redis reply text without the "ERR " prefix.
func (e *ProtocolError) Error() string { return "Protocol error: " + e.Msg }

// Sentinel protocol errors, comparable with errors.Is. The messages are
// byte-exact with Redis.
var (
	ErrInvalidMultibulkLength = &ProtocolError{"invalid multibulk length"}
	ErrInvalidBulkLength      = &ProtocolError{"invalid bulk length"}
	ErrTooBigInline           = &ProtocolError{"too big inline request"}
	ErrTooBigMbulkCount       = &ProtocolError{"too big mbulk count string"}
	ErrTooBigBulkCount        = &ProtocolError{"too big bulk count string"}
	ErrUnbalancedQuotes       = &ProtocolError{"unbalanced quotes in request"}
	ErrUnauthMultibulk        = &ProtocolError{"unauthenticated multibulk length"}
	ErrUnauthBulk             = &ProtocolError{"unauthenticated bulk length"}
)

// ErrQueryBufferLimit means the client buffered more than the query buffer
// limit. It is not a ProtocolError: Redis closes such a client without a reply.
var ErrQueryBufferLimit = errors.New("codec: query buffer limit exceeded")

// readPool is dedicated to readers so that its size calibration reflects
// request buffers only, not replies.
var readPool bytebufferpool.Pool

type parseState uint8

const (
	stateIdle   parseState = iota // at the start of a command
	stateHeader                   // inside a multibulk, expecting "$len\r\n"
	stateBulk                     // inside a multibulk, expecting the bulk's bytes
)

// span is an argument's position, relative to the start of its command in the
// buffer (multibulk) or to the scratch buffer (inline), so that compacting or
// growing the buffer mid-command does not invalidate it.
type span struct{ lo, hi int }

// Reader reads commands from one connection. It is not safe for concurrent
// use. See ReadCommand for how long returned arguments stay valid.
type Reader struct {
	rd  io.Reader
	bb  *bytebufferpool.ByteBuffer
	buf []byte // bb.B at full capacity; unconsumed bytes are buf[start:end]

	start, end int
	pos        int // parse position of the command in progress, relative to start
	scan       int // how far the current line was already searched, relative to pos
	state      parseState
	remaining  int // bulks still expected in the multibulk in progress
	bulkLen    int

	spans   []span
	scratch []byte // unescaped inline arguments
	args    [][]byte

	pending      bool // a parsed command awaits ReadCommand
	cmdBase      int  // start of the pending command in buf
	cmdInline    bool // the pending command is inline
	inline       bool // the command last returned was inline
	err          error
	ioErr        error
	maxBulkLen   int
	maxQueryLen  int
	unauthorized bool
	total        int64 // bytes taken in, for BytesRead
}

// NewReader returns a Reader reading from rd. Call Release when done with it.
func NewReader(rd io.Reader) *Reader {
	return &Reader{rd: rd, maxBulkLen: DefaultMaxBulkLen, maxQueryLen: DefaultMaxQueryLen}
}

// SetMaxBulkLen sets the largest accepted bulk argument (default DefaultMaxBulkLen).
func (r *Reader) SetMaxBulkLen(n int) { r.maxBulkLen = n }

// SetMaxQueryLen sets the most bytes buffered for this client (default
// DefaultMaxQueryLen); exceeding it makes ReadCommand return ErrQueryBufferLimit.
func (r *Reader) SetMaxQueryLen(n int) { r.maxQueryLen = n }

// SetAuthenticated sets whether the client is authenticated (default true).
// While false, the stricter UnauthMaxArgs and UnauthMaxBulkLen limits apply.
func (r *Reader) SetAuthenticated(ok bool) { r.unauthorized = !ok }

// Inline reports whether the command last returned by ReadCommand was inline.
func (r *Reader) Inline() bool { return r.inline }

// Buffered returns the number of bytes read from the connection but not yet
// returned by ReadCommand.
func (r *Reader) Buffered() int {
	if r.pending {
		return r.end - r.cmdBase
	}
	return r.end - r.start
}

// Release returns the buffer to the pool. The Reader, and any arguments it
// returned, must not be used afterwards.
func (r *Reader) Release() {
	if r.bb != nil {
		r.bb.B = r.buf
		readPool.Put(r.bb)
	}
	*r = Reader{}
}

// ReadCommand returns the next command's arguments, reading from the
// connection as needed. Blank inline lines and multibulks with a count of zero
// or less are skipped, as Redis does.
//
// args point into the reader's buffer and are valid only until the next call
// to ReadCommand, Ready, Feed or Release (the bufio.Reader.ReadSlice contract);
// callers copy what they keep.
//
// A malformed request returns a *ProtocolError; the reader then stays in that
// error state and returns the same error from every later call. I/O errors are
// returned as is, except that io.EOF in the middle of a command becomes
// io.ErrUnexpectedEOF.
func (r *Reader) ReadCommand() (args [][]byte, err error) {
	for !r.pending {
		if r.err != nil {
			return nil, r.err
		}
		ok, err := r.parse()
		if err != nil {
			r.err = err
			return nil, err
		}
		if ok {
			break
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
	r.pending = false
	r.inline = r.cmdInline
	base := r.buf[r.cmdBase:]
	if r.cmdInline {
		base = r.scratch
	}
	r.args = r.args[:0]
	for _, s := range r.spans {
		// The capacity limit keeps a caller's append from overwriting the
		// next argument.
		r.args = append(r.args, base[s.lo:s.hi:s.hi])
	}
	return r.args, nil
}

// Ready reports whether a complete command is already buffered, so that
// ReadCommand will return it without reading. It parses ahead and keeps the
// result for ReadCommand, so no command is parsed twice. Ready may invalidate
// the arguments returned earlier. A malformed request buffered ahead makes
// Ready return false (the caller flushes its replies; the next ReadCommand
// returns the error at once).
func (r *Reader) Ready() bool {
	if r.pending {
		return true
	}
	if r.err != nil || r.start == r.end {
		return false
	}
	ok, err := r.parse()
	if err != nil {
		r.err = err
		return false
	}
	return ok
}

// fill reads more bytes into the buffer, making room first. It returns the
// error ReadCommand must return, if any.
func (r *Reader) fill() error {
	if r.ioErr != nil {
		if r.ioErr == io.EOF && (r.state != stateIdle || r.start != r.end) {
			return io.ErrUnexpectedEOF
		}
		return r.ioErr
	}
	if r.start == r.end && r.state == stateIdle {
		r.start, r.end = 0, 0
	}
	need, ahead := minFree, minFree
	growExact := false
	if r.state == stateBulk {
		// Only the rest of the bulk (and its CRLF) is needed before the
		// command can be parsed on; a large one gets exactly that room,
		// but reserved only as fast as the data arrives: at most as much
		// again as the command has already sent, so that a bare
		// "$536870912" header cannot make us allocate 512 MiB (four such
		// headers grew the heap by 2 GiB). The buffer still at most
		// doubles per step and ends exactly at the command's size.
		rest := r.pos + r.bulkLen + 2 - (r.end - r.start)
		need = min(rest, minFree)
		ahead = min(rest, max(minFree, r.end-r.start))
		growExact = true
	}
	if len(r.buf)-r.end < need && r.start > 0 {
		r.compact()
	}
	if len(r.buf)-r.end < need {
		r.grow(ahead, growExact)
	}
	for range maxEmptyReads {
		n, err := r.rd.Read(r.buf[r.end:])
		r.end += n
		r.total += int64(n)
		if r.end-r.start > r.maxQueryLen {
			r.err = ErrQueryBufferLimit
			return r.err
		}
		if err != nil {
			// Parse what arrived with the error first (DataErrReader).
			r.ioErr = err
			if n == 0 {
				return r.fill()
			}
			return nil
		}
		if n > 0 {
			return nil
		}
	}
	r.ioErr = io.ErrNoProgress
	return r.ioErr
}

// compact moves the unconsumed bytes to the front of the buffer. Positions of
// the command in progress are relative to start, so they stay valid.
func (r *Reader) compact() {
	n := copy(r.buf, r.buf[r.start:r.end])
	r.start, r.end = 0, n
}

// grow reallocates the buffer so at least need bytes are free after end. It
// doubles for ordinary growth; for a large bulk of known length it grows to
// exactly the bulk's size, as Redis does. It never grows past what the query
// buffer limit allows.
func (r *Reader) grow(need int, exact bool) {
	if r.bb == nil {
		r.bb = readPool.Get()
		r.buf = r.bb.B[:cap(r.bb.B)]
		if len(r.buf)-r.end >= need {
			return
		}
	}
	newCap := r.end + need
	if !exact && 2*len(r.buf) > newCap {
		newCap = 2 * len(r.buf)
	}
	// The buffer never needs to hold more than maxQueryLen+1 bytes: one byte
	// past the limit is enough to report it.
	if lim := r.start + r.maxQueryLen + 1; lim > r.end && newCap > lim {
		newCap = lim
	}
	if newCap <= len(r.buf) {
		return
	}
	nb := make([]byte, newCap)
	copy(nb, r.buf[r.start:r.end])
	r.end -= r.start
	r.start = 0
	r.buf = nb
	r.bb.B = nb
}

// parse advances the command in progress over buffered bytes. It returns true
// when a command is complete (r.pending is then set and the bytes consumed).
func (r *Reader) parse() (bool, error) {
	for {
		b := r.buf[r.start:r.end]
		switch r.state {
		case stateIdle:
			if len(b) == 0 {
				return false, nil
			}
			if b[0] != '*' {
				done, skipped, err := r.parseInline(b)
				if skipped {
					continue
				}
				return done, err
			}
			i, err := r.findCR(b, ErrTooBigMbulkCount)
			if i < 0 {
				return false, err
			}
			n, ok := ParseInt(b[1:i])
			if !ok || n > MaxMultibulkLen {
				return false, ErrInvalidMultibulkLength
			}
			if r.unauthorized && n > UnauthMaxArgs {
				return false, ErrUnauthMultibulk
			}
			r.scan = 0
			if n <= 0 {
				r.start += i + 2
				continue
			}
			r.state = stateHeader
			r.remaining = int(n)
			r.pos = i + 2
			r.spans = r.spans[:0]
			if cap(r.spans) < min(int(n), maxArgsPrealloc) {
				r.spans = make([]span, 0, min(int(n), maxArgsPrealloc))
			}
		case stateHeader:
			h := b[r.pos:]
			i, err := r.findCR(h, ErrTooBigBulkCount)
			if i < 0 {
				return false, err
			}
			if h[0] != '$' {
				return false, &ProtocolError{"expected '$', got '" + string(h[:1]) + "'"}
			}
			n, ok := ParseInt(h[1:i])
			if !ok || n < 0 || n > int64(r.maxBulkLen) {
				return false, ErrInvalidBulkLength
			}
			if r.unauthorized && n > UnauthMaxBulkLen {
				return false, ErrUnauthBulk
			}
			r.scan = 0
			r.pos += i + 2
			r.bulkLen = int(n)
			r.state = stateBulk
		case stateBulk:
			// Redis skips the two bytes after the bulk without checking them.
			if len(b)-r.pos < r.bulkLen+2 {
				return false, nil
			}
			r.spans = append(r.spans, span{r.pos, r.pos + r.bulkLen})
			r.pos += r.bulkLen + 2
			r.remaining--
			if r.remaining > 0 {
				r.state = stateHeader
				continue
			}
			r.cmdBase = r.start
			r.cmdInline = false
			r.start += r.pos
			r.pos = 0
			r.state = stateIdle
			r.pending = true
			return true, nil
		}
	}
}

// findCR finds the '\r' ending a header line in b and requires the byte after
// it (Redis skips that byte unchecked). It returns -1 and possibly tooBig when
// the line is incomplete. Lines are limited to MaxInlineLen bytes whatever the
// read sizes, so the outcome does not depend on how the input was split.
func (r *Reader) findCR(b []byte, tooBig error) (int, error) {
	i := r.findByte(b, '\r')
	if i < 0 {
		if len(b) > MaxInlineLen {
			return -1, tooBig
		}
		return -1, nil
	}
	if i+1 >= len(b) {
		return -1, nil
	}
	return i, nil
}

// findByte searches b for c within the first MaxInlineLen+1 bytes, resuming
// where the previous search of the same line stopped so that a line arriving
// a byte at a time is scanned once.
func (r *Reader) findByte(b []byte, c byte) int {
	lim := min(len(b), MaxInlineLen+1)
	if r.scan >= lim {
		return -1
	}
	if i := bytes.IndexByte(b[r.scan:lim], c); i >= 0 {
		r.scan += i
		return r.scan
	}
	r.scan = lim
	return -1
}

// parseInline parses one inline line at the start of b, as Redis's
// processInlineBuffer does. done reports that a command is pending; skipped
// that a blank line was consumed.
func (r *Reader) parseInline(b []byte) (done, skipped bool, err error) {
	i := r.findByte(b, '\n')
	if i < 0 {
		if len(b) > MaxInlineLen {
			return false, false, ErrTooBigInline
		}
		return false, false, nil
	}
	line := b[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	spans, scratch, ok := splitArgs(line, r.spans[:0], r.scratch[:0])
	r.spans, r.scratch = spans, scratch
	if !ok {
		return false, false, ErrUnbalancedQuotes
	}
	r.scan = 0
	r.cmdBase = r.start
	r.start += i + 1
	if len(spans) == 0 {
		return false, true, nil
	}
	r.cmdInline = true
	r.pending = true
	return true, false, nil
}

// ParseInt parses a decimal integer exactly as Redis's string2ll does (see
// package decimal). Length lines use it, and so do commands that take
// integers, so that both refuse the same inputs Redis refuses.
func ParseInt(b []byte) (int64, bool) { return decimal.ParseInt(b) }

// BytesRead is how many bytes the Reader has taken in since NewReader
// (INFO's total_net_input_bytes). Not safe for concurrent use.
func (r *Reader) BytesRead() int64 { return r.total }

// Feed appends p to the bytes waiting to be parsed, for callers that read
// the connection themselves (an event loop) instead of giving the Reader an
// io.Reader; such callers then take commands with Ready and ReadCommand and
// never let ReadCommand block. p is copied. Feed returns ErrQueryBufferLimit
// (and keeps it) when the buffered bytes would exceed the query buffer limit.
func (r *Reader) Feed(p []byte) error {
	if r.err != nil {
		return r.err
	}
	if r.end-r.start+len(p) > r.maxQueryLen {
		r.err = ErrQueryBufferLimit
		return r.err
	}
	r.total += int64(len(p))
	if r.start == r.end && r.state == stateIdle && !r.pending {
		r.start, r.end = 0, 0
	}
	if len(r.buf)-r.end >= len(p) {
		r.end += copy(r.buf[r.end:], p)
		return nil
	}
	if r.bb == nil {
		r.bb = readPool.Get()
		r.buf = r.bb.B[:cap(r.bb.B)]
	}
	// Keep a pending command's bytes, which lie before start.
	lo := r.start
	if r.pending {
		lo = r.cmdBase
	}
	live := r.end - lo
	dst := r.buf
	if len(dst) < live+len(p) {
		dst = make([]byte, max(2*len(r.buf), live+len(p), minFree))
	}
	copy(dst, r.buf[lo:r.end])
	r.buf, r.bb.B = dst, dst
	r.start -= lo
	r.cmdBase -= lo
	r.end = live
	r.end += copy(r.buf[r.end:], p)
	return nil
}

// Err returns the protocol or query-buffer error the Reader stopped on, or
// nil. After Ready returns false, a non-nil Err means the buffered input is
// malformed and the connection must be answered and closed.
func (r *Reader) Err() error { return r.err }

// Ahead returns the buffered bytes not yet returned by ReadCommand (from
// the start of the command Ready parsed, if any), so a caller can look at
// the commands queued. They are valid until the next call on the Reader;
// look, never keep. Ahead leaves the arguments ReadCommand returned valid.
func (r *Reader) Ahead() []byte {
	if r.pending && !r.cmdInline {
		return r.buf[r.cmdBase:r.end]
	}
	return r.buf[r.start:r.end]
}

// More reports whether bytes are buffered past the command Ready parsed:
// whether a pipeline is queued behind it.
func (r *Reader) More() bool { return r.pending && r.start < r.end }

// SecondArgs calls fn with the second argument (a command's first key, for
// most commands) of up to max complete multibulk commands at the start of
// b, stopping at the first one it cannot read whole.
func SecondArgs(b []byte, max int, fn func(arg []byte)) {
	for ; max > 0; max-- {
		n, rest, ok := readLen(b, '*')
		if !ok || n < 2 {
			return
		}
		b = rest
		var second []byte
		for i := 0; i < n; i++ {
			l, rest, ok := readLen(b, '$')
			if !ok || len(rest) < l+2 {
				return
			}
			if i == 1 {
				second = rest[:l]
			}
			b = rest[l+2:]
		}
		fn(second)
	}
}

// readLen reads "<prefix><integer>\r\n" at the start of b, the integer as
// the reader's ParseInt takes it, so SecondArgs accepts no length the
// reader refuses.
func readLen(b []byte, prefix byte) (int, []byte, bool) {
	if len(b) == 0 || b[0] != prefix {
		return 0, nil, false
	}
	// 21 bytes hold any int64 the reader accepts, with its sign.
	for i := 1; i < len(b) && i <= 21; i++ {
		if b[i] == '\r' {
			n, ok := ParseInt(b[1:i])
			if !ok || n < 0 || n > math.MaxInt32 || i+1 >= len(b) || b[i+1] != '\n' {
				return 0, nil, false
			}
			return int(n), b[i+2:], true
		}
	}
	return 0, nil, false
}
