package codec

import (
	"bytes"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// replies writes one of every reply kind.
func replies(w *Writer) {
	w.OK()
	w.Simple("PONG")
	w.Error("ERR no such key")
	w.Error("WRONGTYPE Operation against a key holding the wrong kind of value")
	w.Int(42)
	w.Bulk([]byte("v"))
	w.BulkString("s")
	w.Null()
	w.NullArray()
	w.ArrayLen(0)
	w.ArrayLen(2)
	w.BulkString("a")
	w.BulkString("b")
	w.MapLen(1)
	w.BulkString("f")
	w.Int(1)
	w.SetLen(0)
	w.Double(1.5)
	w.Bool(true)
	w.Bool(false)
	w.Verbatim("x:1")
	w.Raw([]byte("+RAW\r\n"))
}

func TestWriter(t *testing.T) {
	tests := []struct {
		name  string
		proto int
		plain bool
		want  string
	}{
		{"resp2", 2, false, "+OK\r\n+PONG\r\n-ERR no such key\r\n" +
			"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n" +
			":42\r\n$1\r\nv\r\n$1\r\ns\r\n$-1\r\n*-1\r\n*0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n" +
			"*2\r\n$1\r\nf\r\n:1\r\n*0\r\n$3\r\n1.5\r\n:1\r\n:0\r\n$3\r\nx:1\r\n+RAW\r\n"},
		{"resp3", 3, false, "+OK\r\n+PONG\r\n-ERR no such key\r\n" +
			"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n" +
			":42\r\n$1\r\nv\r\n$1\r\ns\r\n_\r\n_\r\n*0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n" +
			"%1\r\n$1\r\nf\r\n:1\r\n~0\r\n,1.5\r\n#t\r\n#f\r\n=7\r\ntxt:x:1\r\n+RAW\r\n"},
		{"plain", 2, true, "OK\r\nPONG\r\nError: no such key\r\n" +
			"Error: WRONGTYPE Operation against a key holding the wrong kind of value\r\n" +
			"42\r\nv\r\ns\r\nNil\r\nNil\r\n(empty)\r\na\r\nb\r\n" +
			"f\r\n1\r\n(empty)\r\n1.5\r\n1\r\n0\r\nx:1\r\n+RAW\r\n"},
		{"plain/resp3", 3, true, "OK\r\nPONG\r\nError: no such key\r\n" +
			"Error: WRONGTYPE Operation against a key holding the wrong kind of value\r\n" +
			"42\r\nv\r\ns\r\nNil\r\nNil\r\n(empty)\r\na\r\nb\r\n" +
			"f\r\n1\r\n(empty)\r\n1.5\r\n1\r\n0\r\nx:1\r\n+RAW\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out countingWriter
			w := NewWriter(&out)
			defer w.Release()
			w.SetProto(tt.proto)
			w.SetPlain(tt.plain)
			assert.Equal(t, tt.proto, w.Proto())
			assert.Equal(t, tt.plain, w.Plain())
			replies(w)
			assert.Equal(t, len(tt.want), w.Buffered())
			require.NoError(t, w.Flush())
			assert.Equal(t, tt.want, out.String())
			assert.Equal(t, 1, out.writes, "one Write per Flush")
			assert.Zero(t, w.Buffered())
			require.NoError(t, w.Flush())
			assert.Equal(t, 1, out.writes, "nothing buffered, nothing written")
		})
	}
}

func TestWriterTruncate(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	defer w.Release()
	w.OK()
	keep := w.Buffered()
	w.ArrayLen(3)
	w.BulkString("abandoned")
	w.Truncate(keep)
	assert.Equal(t, keep, w.Buffered())
	w.Int(1)
	require.NoError(t, w.Flush())
	assert.Equal(t, "+OK\r\n:1\r\n", out.String())
}

func TestWriterDefaults(t *testing.T) {
	w := NewWriter(&bytes.Buffer{})
	defer w.Release()
	assert.Equal(t, 2, w.Proto())
	assert.False(t, w.Plain())
	assert.NoError(t, w.Err())
}

type countingWriter struct {
	bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) { c.writes++; return c.Buffer.Write(p) }

type failWriter struct {
	err   error
	short bool
}

func (f *failWriter) Write(p []byte) (int, error) {
	if f.short {
		return len(p) - 1, nil
	}
	return 0, f.err
}

func TestWriterErrors(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		w    *failWriter
		want error
	}{
		{"io-error", &failWriter{err: boom}, boom},
		{"short-write", &failWriter{short: true}, io.ErrShortWrite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWriter(tt.w)
			defer w.Release()
			w.OK()
			assert.Equal(t, tt.want, w.Flush())
			assert.Equal(t, tt.want, w.Err())
			tt.w.err, tt.w.short = nil, false
			w.OK()
			assert.Equal(t, tt.want, w.Flush(), "the first error is kept")
			assert.Zero(t, w.Buffered(), "replies after an error are dropped")
		})
	}
}

func TestWriterAllocs(t *testing.T) {
	for _, mode := range []struct {
		name  string
		proto int
		plain bool
	}{{"resp2", 2, false}, {"resp3", 3, false}, {"plain", 2, true}} {
		t.Run(mode.name, func(t *testing.T) {
			var out bytes.Buffer
			w := NewWriter(&out)
			defer w.Release()
			w.SetProto(mode.proto)
			w.SetPlain(mode.plain)
			replies(w) // grow the buffer
			require.NoError(t, w.Flush())
			out.Grow(1 << 16)
			allocs := testing.AllocsPerRun(100, func() {
				out.Reset()
				replies(w)
				w.Double(math.Pi)
				_ = w.Flush()
			})
			assert.Zero(t, allocs)
		})
	}
}

// TestEncodedPlain renders already-encoded replies (a script's result) in the
// plain dialect as the writer would have written them by meaning, and passes
// them through untouched otherwise.
func TestEncodedPlain(t *testing.T) {
	for _, tc := range []struct {
		name, reply, plain string
	}{
		{"simple", "+OK\r\n", "OK\r\n"},
		{"error", "-ERR boom\r\n", "Error: boom\r\n"},
		{"int", ":42\r\n", "42\r\n"},
		{"bulk", "$3\r\nabc\r\n", "abc\r\n"},
		{"null bulk", "$-1\r\n", "Nil\r\n"},
		{"null array", "*-1\r\n", "Nil\r\n"},
		{"resp3 null", "_\r\n", "Nil\r\n"},
		{"empty array", "*0\r\n", "(empty)\r\n"},
		{"nested", "*3\r\n:1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n+x\r\n", "1\r\na\r\nb\r\nx\r\n"},
		{"map", "%1\r\n$1\r\nk\r\n:2\r\n", "k\r\n2\r\n"},
		{"double and bool", "*2\r\n,1.5\r\n#t\r\n", "1.5\r\n1\r\n"},
		{"verbatim", "=7\r\ntxt:abc\r\n", "abc\r\n"},
		{"truncated", "*2\r\n:1\r\n", "Error: malformed reply\r\n"},
		{"bad length", "$x\r\n", "Error: malformed reply\r\n"},
		{"trailing bytes", ":1\r\n:2\r\n", "Error: malformed reply\r\n"},
		{"unknown type", "?\r\n", "Error: malformed reply\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			defer w.Release()
			w.Encoded([]byte(tc.reply))
			w.SetPlain(true)
			w.Encoded([]byte(tc.reply))
			require.NoError(t, w.Flush())
			assert.Equal(t, tc.reply+tc.plain, buf.String())
		})
	}
}

func TestWriterPushAndSetOutput(t *testing.T) {
	var first, second countingWriter
	w := NewWriter(&first)
	defer w.Release()
	w.SetProto(3)
	w.PushLen(2)
	w.BulkString("message")
	require.NoError(t, w.Flush())
	assert.Equal(t, ">2\r\n$7\r\nmessage\r\n", first.String())

	w.SetProto(2)
	w.PushLen(1)
	w.SetOutput(&second) // what is buffered follows the new output
	require.NoError(t, w.Flush())
	assert.Equal(t, "*1\r\n", second.String())
	assert.Equal(t, 1, first.writes)
}
