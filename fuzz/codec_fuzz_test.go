package fuzz

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"testing"

	"github.com/miniredis/miniredis/codec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seeds are inputs every codec target starts from: well-formed pipelines,
// inline lines with quotes and escapes, and each class of malformed frame
// Redis rejects (including redcon's negative-length panic).
var seeds = []string{
	"*1\r\n$4\r\nPING\r\n",
	"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
	"*2\r\n$3\r\nGET\r\n$0\r\n\r\n",
	"PING\r\n",
	"SET k \"a b\\n\\x41\" 'it\\'s'\r\nGET k\n",
	"\r\n\r\n*0\r\n*-1\r\nPING\r\n",
	"*1\r\n$-2\r\nab\r\n",
	"*x\r\n",
	"*1\r\n+PING\r\n",
	"*2\r\n$3\r\nGET\r\n$99999999999\r\n",
	"\"unbalanced\r\n",
	"'a'b\r\n",
	"*1\r\n$3\r\nabc",
	"*3\r\n$3\r\nSET",
}

// fuzzMaxBulk caps bulk lengths in the targets: the reader allocates a large
// bulk's full declared size up front (as Redis does), which would make the
// fuzzer spend its time allocating rather than parsing.
const fuzzMaxBulk = 1 << 20

// newReader returns a reader on rd with the fuzz bulk cap.
func newReader(rd io.Reader) *codec.Reader {
	r := codec.NewReader(rd)
	r.SetMaxBulkLen(fuzzMaxBulk)
	return r
}

// readAll reads every command from r until an error, copying the arguments.
func readAll(r *codec.Reader) ([][][]byte, error) {
	var cmds [][][]byte
	for {
		args, err := r.ReadCommand()
		if err != nil {
			return cmds, err
		}
		cmds = append(cmds, clone(args))
	}
}

// clone copies args; an empty argument becomes a non-nil empty slice
// whichever buffer it came from, so comparisons see bytes only.
func clone(args [][]byte) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = append([]byte{}, a...)
	}
	return out
}

// FuzzReadCommand: no input panics the reader, and every command it returns
// re-encodes as RESP and parses back to the same arguments.
func FuzzReadCommand(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newReader(bytes.NewReader(data))
		defer r.Release()
		cmds, err := readAll(r)
		require.Error(t, err)
		for _, args := range cmds {
			require.NotEmpty(t, args)
			enc := codec.AppendCommand(nil, args...)
			r2 := newReader(bytes.NewReader(enc))
			got, err := r2.ReadCommand()
			require.NoError(t, err, "re-encoded %q", enc)
			assert.Equal(t, args, clone(got))
			r2.Release()
		}
	})
}

// chunkReader returns data in pieces whose sizes come from cuts (cycled;
// each at least one byte).
type chunkReader struct {
	data []byte
	cuts []byte
	i    int
}

func (c *chunkReader) next() int {
	n := 1
	if len(c.cuts) > 0 {
		n = int(c.cuts[c.i%len(c.cuts)]) + 1
		c.i++
	}
	return min(n, len(c.data))
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.data[:c.next()])
	c.data = c.data[n:]
	return n, nil
}

// FuzzReadChunked: the same bytes split at fuzz-chosen points give the same
// commands and the same error, read through an io.Reader or pushed with Feed
// (the event-loop path).
func FuzzReadChunked(f *testing.F) {
	for i, s := range seeds {
		f.Add([]byte(s), []byte{byte(i), 0, 3})
	}
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		whole := newReader(bytes.NewReader(data))
		defer whole.Release()
		want, wantErr := readAll(whole)

		split := newReader(&chunkReader{data: data, cuts: cuts})
		defer split.Release()
		got, gotErr := readAll(split)
		assert.Equal(t, want, got)
		assert.Equal(t, errText(wantErr), errText(gotErr))

		// Feed: chunks pushed in, commands taken while Ready.
		fed := newReader(nil)
		defer fed.Release()
		src := &chunkReader{data: data, cuts: cuts}
		var fedCmds [][][]byte
		for len(src.data) > 0 && fed.Err() == nil {
			n := src.next()
			require.NoError(t, fed.Feed(src.data[:n]))
			src.data = src.data[n:]
			for fed.Ready() {
				args, err := fed.ReadCommand()
				require.NoError(t, err)
				fedCmds = append(fedCmds, clone(args))
			}
		}
		assert.Equal(t, want, fedCmds)
		var pe *codec.ProtocolError
		if errors.As(wantErr, &pe) {
			assert.Equal(t, errText(wantErr), errText(fed.Err()))
		} else {
			assert.NoError(t, fed.Err())
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// quote writes an argument the way redis-cli would type it: double quotes,
// with \xHH for every byte that is not printable ASCII, and \" and \\.
func quote(dst, a []byte) []byte {
	dst = append(dst, '"')
	for _, c := range a {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20 || c >= 0x7f:
			dst = append(dst, '\\', 'x')
			if c < 0x10 {
				dst = append(dst, '0')
			}
			dst = strconv.AppendUint(dst, uint64(c), 16)
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// FuzzInline: an inline line that parses, with every argument re-quoted,
// parses back to the same arguments.
func FuzzInline(f *testing.F) {
	for _, s := range []string{
		`SET k v`, `SET k "a b"`, `"\x41\x4a" '\'' "\n\r\t\b\a\\\""`, `  GET   k  `,
		`"a"b`, `'abc`, "SET k \"\\xzz\"", `ECHO ""`, "A\tB\vC",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.IndexByte(line, '\n') >= 0 || len(line) > 0 && line[0] == '*' {
			return // one inline line, not a multibulk
		}
		r := newReader(bytes.NewReader(append(bytes.Clone(line), '\r', '\n')))
		defer r.Release()
		args, err := r.ReadCommand()
		if err != nil {
			return // unbalanced quotes, blank line (EOF) or too long
		}
		require.True(t, r.Inline())
		want := clone(args)
		var req []byte
		for i, a := range want {
			if i > 0 {
				req = append(req, ' ')
			}
			req = quote(req, a)
		}
		if len(req) > codec.MaxInlineLen {
			return
		}
		req = append(req, '\r', '\n')
		r2 := newReader(bytes.NewReader(req))
		defer r2.Release()
		got, err := r2.ReadCommand()
		require.NoError(t, err, "re-quoted %q", req)
		assert.Equal(t, want, clone(got), "re-quoted %q", req)
	})
}

// FuzzEncodedPlain renders random bytes as an encoded reply in the plain
// dialect: it never panics, and writes either a rendering or one error line.
func FuzzEncodedPlain(f *testing.F) {
	for _, s := range []string{"+OK\r\n", "*2\r\n:1\r\n$1\r\na\r\n", "%1\r\n+k\r\n_\r\n", "$-1\r\n", "*1\r\n", "$5\r\nab\r\n", "=7\r\ntxt:abc\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, reply []byte) {
		var buf bytes.Buffer
		w := codec.NewWriter(&buf)
		defer w.Release()
		w.SetPlain(true)
		w.Encoded(reply)
		require.NoError(t, w.Flush())
		require.True(t, bytes.HasSuffix(buf.Bytes(), []byte("\r\n")) || buf.Len() == 0)
	})
}

// FuzzSecondArgs: codec.SecondArgs, the look-ahead that picks a pipeline's
// keys for prefetching, reports only what the reader will return: the k
// arguments it reports are the second arguments of the reader's first k
// commands. And it does not give up on what it is for: on a pipeline of
// well-formed multibulk commands it reports every one, up to its max.
func FuzzSecondArgs(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s), uint8(4))
	}
	f.Add([]byte("*2\r\n$3\r\nGET\r\n$03\r\nabc\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, max uint8) {
		var got [][]byte
		codec.SecondArgs(data, int(max), func(arg []byte) { got = append(got, append([]byte{}, arg...)) })
		require.LessOrEqual(t, len(got), int(max))

		r := newReader(bytes.NewReader(data))
		defer r.Release()
		cmds, _ := readAll(r)
		require.LessOrEqual(t, len(got), len(cmds), "reported more commands than the reader returns")
		for i, arg := range got {
			require.GreaterOrEqual(t, len(cmds[i]), 2, "command %d", i)
			require.Equal(t, cmds[i][1], arg, "command %d", i)
		}

		var canon []byte
		var want [][]byte
		for _, args := range cmds {
			if len(args) < 2 {
				break
			}
			canon = codec.AppendCommand(canon, args...)
			if len(want) < int(max) {
				want = append(want, args[1])
			}
		}
		got = got[:0]
		codec.SecondArgs(canon, int(max), func(arg []byte) { got = append(got, append([]byte{}, arg...)) })
		require.Equal(t, len(want), len(got), "on %q", canon)
		for i := range want {
			require.Equal(t, want[i], got[i])
		}
	})
}
