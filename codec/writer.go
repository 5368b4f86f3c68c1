package codec

import (
	"io"
	"strconv"

	"github.com/valyala/bytebufferpool"
)

// writePool is dedicated to writers so that its size calibration reflects
// reply batches only, not request buffers.
var writePool bytebufferpool.Pool

// Writer buffers the replies of one connection and sends them with Flush. It
// encodes by meaning (Null, MapLen, Double...) for the client's protocol:
// RESP2 (the default), RESP3, or the plain-text dialect of Mini-Redis. Methods
// copy their arguments. It is not safe for concurrent use.
//
// The first I/O error is kept and returned by Flush and Err from then on, so
// callers need not check errors after each reply.
type Writer struct {
	w     io.Writer
	bb    *bytebufferpool.ByteBuffer
	proto int
	plain bool
	err   error

	errors  int64  // error replies written, for the server's failed-call count
	lastErr string // the last of them
}

// NewWriter returns a Writer sending to w with RESP2. Call Release when done.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, bb: writePool.Get(), proto: 2}
}

// SetProto selects RESP2 (p == 2) or RESP3 (p == 3) for the next replies.
func (w *Writer) SetProto(p int) { w.proto = p }

// Proto returns the protocol version in use, 2 or 3.
func (w *Writer) Proto() int { return w.proto }

// SetPlain turns the Mini-Redis plain-text dialect on or off for the next
// replies: one line per value, for people typing at nc.
func (w *Writer) SetPlain(on bool) { w.plain = on }

// Plain reports whether the plain-text dialect is on.
func (w *Writer) Plain() bool { return w.plain }

// OK writes the simple string OK.
func (w *Writer) OK() { w.Simple("OK") }

// Simple writes the simple string s.
func (w *Writer) Simple(s string) {
	if w.plain {
		w.bb.B = appendLine(w.bb.B, s)
		return
	}
	w.bb.B = AppendSimple(w.bb.B, s)
}

// Error writes the error msg, the full Redis text ("ERR syntax error",
// "WRONGTYPE Operation against..."). The plain dialect writes
// "Error: <msg>" without a leading "ERR ".
func (w *Writer) Error(msg string) {
	w.errors++
	w.lastErr = msg
	if w.plain {
		if len(msg) >= 4 && msg[:4] == "ERR " {
			msg = msg[4:]
		}
		w.bb.B = append(w.bb.B, "Error: "...)
		w.bb.B = appendLine(w.bb.B, msg)
		return
	}
	w.bb.B = AppendError(w.bb.B, msg)
}

// Errors returns how many error replies the Writer has written and the
// last one's message, so that a server can tell a call that failed.
func (w *Writer) Errors() (int64, string) { return w.errors, w.lastErr }

// Int writes the integer n.
func (w *Writer) Int(n int64) {
	if w.plain {
		w.bb.B = strconv.AppendInt(w.bb.B, n, 10)
		w.bb.B = append(w.bb.B, '\r', '\n')
		return
	}
	w.bb.B = AppendInt(w.bb.B, n)
}

// Bulk writes b as a bulk string; b is copied and may be reused at once.
func (w *Writer) Bulk(b []byte) {
	if w.plain {
		w.bb.B = append(w.bb.B, b...)
		w.bb.B = append(w.bb.B, '\r', '\n')
		return
	}
	w.bb.B = AppendBulk(w.bb.B, b)
}

// BulkString writes s as a bulk string.
func (w *Writer) BulkString(s string) {
	if w.plain {
		w.bb.B = append(w.bb.B, s...)
		w.bb.B = append(w.bb.B, '\r', '\n')
		return
	}
	w.bb.B = AppendBulkString(w.bb.B, s)
}

// Null writes a missing value: RESP2 "$-1", RESP3 "_", plain "Nil".
func (w *Writer) Null() {
	if w.plain {
		w.bb.B = append(w.bb.B, "Nil\r\n"...)
		return
	}
	w.bb.B = AppendNull(w.bb.B, w.proto)
}

// NullArray writes a missing array: RESP2 "*-1", RESP3 "_", plain "Nil".
func (w *Writer) NullArray() {
	if w.plain {
		w.bb.B = append(w.bb.B, "Nil\r\n"...)
		return
	}
	w.bb.B = AppendNullArray(w.bb.B, w.proto)
}

// ArrayLen writes the header of an array of n elements; the caller then
// writes the n elements.
func (w *Writer) ArrayLen(n int) {
	if w.plain {
		w.plainLen(n)
		return
	}
	w.bb.B = AppendArrayLen(w.bb.B, n)
}

// PushLen writes the header of a push of n elements (see AppendPushLen);
// the caller then writes the n elements. The plain dialect has no pushes:
// it writes the header of a plain list.
func (w *Writer) PushLen(n int) {
	if w.plain {
		w.plainLen(n)
		return
	}
	w.bb.B = AppendPushLen(w.bb.B, n, w.proto)
}

// MapLen writes the header of a map of n pairs (RESP2: an array of 2n); the
// caller then writes key, value, key, value...
func (w *Writer) MapLen(n int) {
	if w.plain {
		w.plainLen(n)
		return
	}
	w.bb.B = AppendMapLen(w.bb.B, n, w.proto)
}

// SetLen writes the header of a set of n elements (RESP2: an array).
func (w *Writer) SetLen(n int) {
	if w.plain {
		w.plainLen(n)
		return
	}
	w.bb.B = AppendSetLen(w.bb.B, n, w.proto)
}

// plainLen writes a plain-dialect aggregate header: "(empty)" for no
// elements, nothing otherwise since the elements follow one per line.
func (w *Writer) plainLen(n int) {
	switch {
	case n == 0:
		w.bb.B = append(w.bb.B, "(empty)\r\n"...)
	case n < 0:
		w.bb.B = append(w.bb.B, "Nil\r\n"...)
	}
}

// Double writes f: RESP3 ",f", RESP2 a bulk string, formatted as Redis 7.0
// does (C "%.17g", "inf", "-inf", "nan").
func (w *Writer) Double(f float64) {
	if w.plain {
		w.bb.B = appendDoubleText(w.bb.B, f)
		w.bb.B = append(w.bb.B, '\r', '\n')
		return
	}
	w.bb.B = AppendDouble(w.bb.B, f, w.proto)
}

// Bool writes b: RESP3 "#t"/"#f", RESP2 and plain 1/0.
func (w *Writer) Bool(b bool) {
	if w.plain {
		if b {
			w.bb.B = append(w.bb.B, "1\r\n"...)
		} else {
			w.bb.B = append(w.bb.B, "0\r\n"...)
		}
		return
	}
	w.bb.B = AppendBool(w.bb.B, b, w.proto)
}

// Verbatim writes the text s: RESP3 verbatim "txt", RESP2 a bulk string,
// plain the text itself.
func (w *Writer) Verbatim(s string) {
	if w.plain {
		w.BulkString(s)
		return
	}
	w.bb.B = AppendVerbatim(w.bb.B, s, w.proto)
}

// Raw appends b, already encoded, as is.
func (w *Writer) Raw(b []byte) { w.bb.B = append(w.bb.B, b...) }

// SetOutput makes Flush send to out from now on; what is buffered stays
// buffered.
func (w *Writer) SetOutput(out io.Writer) { w.w = out }

// Buffered returns the number of bytes waiting for Flush.
func (w *Writer) Buffered() int { return len(w.bb.B) }

// Truncate drops what was buffered after the first n bytes (0 <= n <=
// Buffered()), so a caller can abandon a reply it has started: the replies
// before it are kept.
func (w *Writer) Truncate(n int) { w.bb.B = w.bb.B[:n] }

// Flush sends everything buffered in one Write call. After an I/O error it
// discards what is buffered and returns that first error from then on.
func (w *Writer) Flush() error {
	if w.err != nil {
		w.bb.B = w.bb.B[:0]
		return w.err
	}
	if len(w.bb.B) == 0 {
		return nil
	}
	n, err := w.w.Write(w.bb.B)
	if err == nil && n < len(w.bb.B) {
		err = io.ErrShortWrite
	}
	w.bb.B = w.bb.B[:0]
	w.err = err
	return err
}

// Err returns the first I/O error Flush met, or nil.
func (w *Writer) Err() error { return w.err }

// Pending returns the bytes buffered and not yet flushed. They are valid
// until the next write, Reset or Flush; a Writer that is never flushed (a
// script's commands) uses it to take each reply.
func (w *Writer) Pending() []byte { return w.bb.B }

// Reset drops everything buffered.
func (w *Writer) Reset() { w.bb.B = w.bb.B[:0] }

// Release returns the buffer to the pool, dropping anything not flushed. The
// Writer must not be used afterwards.
func (w *Writer) Release() {
	if w.bb != nil {
		// The pool calibrates on len; the capacity is what this writer needed.
		w.bb.B = w.bb.B[:cap(w.bb.B)]
		writePool.Put(w.bb)
	}
	*w = Writer{}
}

// Encoded appends reply, one complete RESP2 or RESP3 reply encoded for this
// writer's protocol (a script's result, say). In the plain dialect it is
// rendered as plain text instead, as if written by meaning; a malformed
// reply is written as an error.
func (w *Writer) Encoded(reply []byte) {
	if !w.plain {
		w.Raw(reply)
		return
	}
	mark := len(w.bb.B)
	if rest, ok := w.plainFrom(reply, 0); !ok || len(rest) != 0 {
		w.bb.B = w.bb.B[:mark] // nothing of a reply that is not whole
		w.Error("ERR malformed reply")
	}
}

// maxPlainDepth bounds the nesting plainFrom follows.
const maxPlainDepth = 64

// plainFrom renders the reply at the start of b in the plain dialect and
// returns what follows it.
func (w *Writer) plainFrom(b []byte, depth int) ([]byte, bool) {
	if len(b) == 0 || depth > maxPlainDepth {
		return nil, false
	}
	end := indexCRLF(b)
	if end < 1 { // no line, or no type byte before it
		return nil, false
	}
	line, rest := b[1:end], b[end+2:]
	switch b[0] {
	case '+':
		w.Simple(string(line))
	case '-', '!':
		w.Error(string(line))
	case ':', ',', '(':
		w.bb.B = append(append(w.bb.B, line...), '\r', '\n')
	case '#':
		w.Bool(len(line) == 1 && line[0] == 't')
	case '_':
		w.Null()
	case '$', '=':
		n, ok := ParseInt(line)
		if !ok || n < -1 {
			return nil, false
		}
		if n == -1 {
			w.Null()
			return rest, true
		}
		if int64(len(rest)) < n+2 {
			return nil, false
		}
		body := rest[:n]
		if b[0] == '=' && len(body) >= 4 {
			body = body[4:] // "txt:"
		}
		w.Bulk(body)
		rest = rest[n+2:]
	case '*', '~', '%', '>':
		n, ok := ParseInt(line)
		if !ok || n < -1 {
			return nil, false
		}
		if n == -1 {
			w.NullArray()
			return rest, true
		}
		if b[0] == '%' {
			n *= 2
		}
		w.plainLen(int(n))
		for range n {
			if rest, ok = w.plainFrom(rest, depth+1); !ok {
				return nil, false
			}
		}
	default:
		return nil, false
	}
	return rest, true
}

// indexCRLF returns the index of the first "\r\n" in b, or -1.
func indexCRLF(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			return i
		}
	}
	return -1
}
