package codec

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/bytebufferpool"
)

// readAll reads commands until an error, copying each one's arguments.
func readAll(r *Reader) ([][]string, []bool, error) {
	var cmds [][]string
	var inline []bool
	for {
		args, err := r.ReadCommand()
		if err != nil {
			return cmds, inline, err
		}
		cmd := make([]string, len(args))
		for i, a := range args {
			cmd[i] = string(a)
		}
		cmds = append(cmds, cmd)
		inline = append(inline, r.Inline())
	}
}

// wrappers run every reader test through the short-read readers of iotest.
var wrappers = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"onebyte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
	{"dataerr", iotest.DataErrReader},
}

func TestReadCommand(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   [][]string
		inline bool
	}{
		{"resp/get", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", [][]string{{"GET", "k"}}, false},
		{"resp/empty-bulk", "*2\r\n$3\r\nGET\r\n$0\r\n\r\n", [][]string{{"GET", ""}}, false},
		{"resp/binary", "*1\r\n$4\r\na\r\nb\r\n", [][]string{{"a\r\nb"}}, false},
		{"resp/trailer-unchecked", "*1\r\n$4\r\nPINGxy", [][]string{{"PING"}}, false},
		{"resp/count=0-skipped", "*0\r\n*1\r\n$4\r\nPING\r\n", [][]string{{"PING"}}, false},
		{"resp/count=-1-skipped", "*-1\r\n*1\r\n$4\r\nPING\r\n", [][]string{{"PING"}}, false},
		{"resp/header-cr-then-any", "*1\rX$4\rYPING\r\n", [][]string{{"PING"}}, false},
		{"resp/pipeline", "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
			[][]string{{"PING"}, {"SET", "k", "v"}}, false},
		{"inline/simple", "SET k v\r\n", [][]string{{"SET", "k", "v"}}, true},
		{"inline/lf-only", "PING\n", [][]string{{"PING"}}, true},
		{"inline/blank-lines-skipped", "\r\n\n   \r\nPING\r\n", [][]string{{"PING"}}, true},
		{"inline/whitespace", " \t SET\tk  v \r\n", [][]string{{"SET", "k", "v"}}, true},
		{"inline/vtab-in-word", "a\vb\r\n", [][]string{{"a\vb"}}, true},
		{"inline/double-quotes", `SET k "hello world"` + "\r\n", [][]string{{"SET", "k", "hello world"}}, true},
		{"inline/escapes", `"\n\r\t\b\a\\\"\x41\x4a\q"` + "\n", [][]string{{"\n\r\t\b\a\\\"AJq"}}, true},
		{"inline/bad-hex-kept", `"\xZZ"` + "\n", [][]string{{"xZZ"}}, true},
		{"inline/single-quotes", `'it\'s \n'` + "\n", [][]string{{`it's \n`}}, true},
		{"inline/quote-mid-word", `ab"c d"` + "\n", [][]string{{"abc d"}}, true},
		{"inline/empty-quotes", `SET k ""` + "\n", [][]string{{"SET", "k", ""}}, true},
		{"inline/quote-then-vtab", "\"a\"\vb\n", [][]string{{"a", "b"}}, true},
		{"inline/nul-ends-line", "PING\x00 x\r\nECHO y\r\n", [][]string{{"PING"}, {"ECHO", "y"}}, true},
		{"mixed", "PING\r\n*1\r\n$4\r\nPING\r\n", [][]string{{"PING"}, {"PING"}}, false},
	}
	for _, tt := range tests {
		for _, w := range wrappers {
			t.Run(tt.name+"/"+w.name, func(t *testing.T) {
				r := NewReader(w.wrap(strings.NewReader(tt.in)))
				defer r.Release()
				got, inl, err := readAll(r)
				assert.ErrorIs(t, err, io.EOF)
				assert.Equal(t, tt.want, got)
				require.NotEmpty(t, inl)
				assert.Equal(t, tt.inline, inl[len(inl)-1])
			})
		}
	}
}

func TestReadCommandErrors(t *testing.T) {
	long := strings.Repeat("a", MaxInlineLen+1)
	tests := []struct {
		name   string
		in     string
		unauth bool
		want   string
		is     error
	}{
		{"count/not-number", "*x\r\n", false, "invalid multibulk length", ErrInvalidMultibulkLength},
		{"count/plus-sign", "*+1\r\n", false, "invalid multibulk length", ErrInvalidMultibulkLength},
		{"count/leading-zero", "*01\r\n", false, "invalid multibulk length", ErrInvalidMultibulkLength},
		{"count/empty", "*\r\n", false, "invalid multibulk length", ErrInvalidMultibulkLength},
		{"count/too-big", "*1048577\r\n", false, "invalid multibulk length", ErrInvalidMultibulkLength},
		{"count/overflow", "*99999999999999999999\r\n", false, "invalid multibulk length", ErrInvalidMultibulkLength},
		{"count/unauth", "*11\r\n", true, "unauthenticated multibulk length", ErrUnauthMultibulk},
		{"bulk/missing-dollar", "*1\r\n+PING\r\n", false, "expected '$', got '+'", nil},
		{"bulk/negative", "*1\r\n$-2\r\nab\r\n", false, "invalid bulk length", ErrInvalidBulkLength},
		{"bulk/minus-one", "*1\r\n$-1\r\n", false, "invalid bulk length", ErrInvalidBulkLength},
		{"bulk/not-number", "*1\r\n$x\r\n", false, "invalid bulk length", ErrInvalidBulkLength},
		{"bulk/too-big", "*1\r\n$536870913\r\n", false, "invalid bulk length", ErrInvalidBulkLength},
		{"bulk/unauth", "*1\r\n$16385\r\n", true, "unauthenticated bulk length", ErrUnauthBulk},
		{"mbulk/too-long", "*" + long, false, "too big mbulk count string", ErrTooBigMbulkCount},
		{"bulk/too-long", "*1\r\n$" + long, false, "too big bulk count string", ErrTooBigBulkCount},
		{"inline/too-long", long, false, "too big inline request", ErrTooBigInline},
		{"inline/too-long-with-newline", long + "\n", false, "too big inline request", ErrTooBigInline},
		{"inline/unclosed-double", `SET k "v` + "\r\n", false, "unbalanced quotes in request", ErrUnbalancedQuotes},
		{"inline/unclosed-single", "SET k 'v\r\n", false, "unbalanced quotes in request", ErrUnbalancedQuotes},
		{"inline/quote-then-char", `SET "k"v` + "\r\n", false, "unbalanced quotes in request", ErrUnbalancedQuotes},
		{"inline/squote-then-char", `'k'v` + "\r\n", false, "unbalanced quotes in request", ErrUnbalancedQuotes},
		{"inline/backslash-at-end", `"k\` + "\n", false, "unbalanced quotes in request", ErrUnbalancedQuotes},
	}
	for _, tt := range tests {
		for _, w := range wrappers {
			t.Run(tt.name+"/"+w.name, func(t *testing.T) {
				// A valid command after the bad frame must never be returned.
				r := NewReader(w.wrap(strings.NewReader(tt.in + "*1\r\n$4\r\nPING\r\n")))
				defer r.Release()
				r.SetAuthenticated(!tt.unauth)
				cmds, _, err := readAll(r)
				assert.Empty(t, cmds)
				var pe *ProtocolError
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, tt.want, pe.Msg)
				assert.Equal(t, "Protocol error: "+tt.want, err.Error())
				if tt.is != nil {
					assert.ErrorIs(t, err, tt.is)
				}
				_, err2 := r.ReadCommand()
				assert.Equal(t, err, err2, "the error is sticky")
				assert.False(t, r.Ready())
			})
		}
	}
}

func TestReadCommandLimitsAccepted(t *testing.T) {
	line := strings.Repeat("a", MaxInlineLen)
	tests := []struct {
		name string
		in   string
		want int // length of the only argument
		set  func(*Reader)
	}{
		// The limit counts the line's CR, as Redis does when bytes arrive
		// one at a time.
		{"inline/64KiB-lf", line + "\n", MaxInlineLen, nil},
		{"inline/64KiB-crlf", line[1:] + "\r\n", MaxInlineLen - 1, nil},
		{"bulk/16KiB-unauth", "*1\r\n$16384\r\n" + line[:16384] + "\r\n", 16384, func(r *Reader) { r.SetAuthenticated(false) }},
		{"bulk/max-bulk-len", "*1\r\n$10\r\n0123456789\r\n", 10, func(r *Reader) { r.SetMaxBulkLen(10) }},
	}
	for _, tt := range tests {
		for _, w := range wrappers {
			t.Run(tt.name+"/"+w.name, func(t *testing.T) {
				r := NewReader(w.wrap(strings.NewReader(tt.in)))
				defer r.Release()
				if tt.set != nil {
					tt.set(r)
				}
				cmds, _, err := readAll(r)
				assert.ErrorIs(t, err, io.EOF)
				require.Len(t, cmds, 1)
				require.Len(t, cmds[0], 1)
				assert.Len(t, cmds[0][0], tt.want)
			})
		}
	}
	t.Run("bulk/over-max-bulk-len", func(t *testing.T) {
		r := NewReader(strings.NewReader("*1\r\n$11\r\n01234567890\r\n"))
		defer r.Release()
		r.SetMaxBulkLen(10)
		_, err := r.ReadCommand()
		assert.ErrorIs(t, err, ErrInvalidBulkLength)
	})
}

func TestReadCommandEOF(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", io.EOF},
		{"after-command", "PING\r\n", io.EOF},
		{"after-skipped", "*0\r\n\r\n", io.EOF},
		{"mid-count", "*1", io.ErrUnexpectedEOF},
		{"mid-header", "*1\r\n$4", io.ErrUnexpectedEOF},
		{"mid-bulk", "*1\r\n$4\r\nPI", io.ErrUnexpectedEOF},
		{"mid-trailer", "*1\r\n$4\r\nPING\r", io.ErrUnexpectedEOF},
		{"mid-inline", "PING", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		for _, w := range wrappers {
			t.Run(tt.name+"/"+w.name, func(t *testing.T) {
				r := NewReader(w.wrap(strings.NewReader(tt.in)))
				defer r.Release()
				_, _, err := readAll(r)
				assert.Equal(t, tt.want, err)
			})
		}
	}
	t.Run("io-error-passed-through", func(t *testing.T) {
		boom := errors.New("boom")
		r := NewReader(io.MultiReader(strings.NewReader("PING\r\n*1\r\n"), iotest.ErrReader(boom)))
		defer r.Release()
		cmds, _, err := readAll(r)
		assert.Equal(t, [][]string{{"PING"}}, cmds)
		assert.Equal(t, boom, err)
	})
}

func TestReadCommandQueryLimit(t *testing.T) {
	r := NewReader(strings.NewReader("*1\r\n$100000000\r\n" + strings.Repeat("x", 1<<20)))
	defer r.Release()
	r.SetMaxQueryLen(1 << 19)
	_, err := r.ReadCommand()
	assert.Equal(t, ErrQueryBufferLimit, err)
	var pe *ProtocolError
	assert.False(t, errors.As(err, &pe), "not a protocol error: Redis closes without a reply")
	assert.Less(t, len(r.buf), 1<<20, "a declared 100 MB bulk is not allocated past the limit")
	_, err = r.ReadCommand()
	assert.Equal(t, ErrQueryBufferLimit, err, "the error is sticky")
}

func TestReadBulkNotAllocatedAhead(t *testing.T) {
	r := NewReader(strings.NewReader("*1\r\n$500000000\r\n" + strings.Repeat("x", 1<<20)))
	defer r.Release()
	_, err := r.ReadCommand()
	assert.Equal(t, io.ErrUnexpectedEOF, err)
	assert.LessOrEqual(t, len(r.buf), 4<<20, "a declared 500 MB bulk reserves memory only as its data arrives")
}

func TestReadLargeBulk(t *testing.T) {
	for _, size := range []int{minFree - 1, minFree, 100_000, 1 << 20} {
		payload := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
		in := AppendCommand(nil, []byte("SET"), []byte("k"), payload)
		in = AppendCommand(in, []byte("GET"), []byte("k"))
		for _, w := range wrappers {
			t.Run("size="+itoa(size)+"/"+w.name, func(t *testing.T) {
				r := NewReader(w.wrap(bytes.NewReader(in)))
				defer r.Release()
				r.bb = &bytebufferpool.ByteBuffer{} // not a pooled one of unknown size
				args, err := r.ReadCommand()
				require.NoError(t, err)
				require.Len(t, args, 3)
				assert.True(t, bytes.Equal(payload, args[2]))
				assert.LessOrEqual(t, len(r.buf), max(2*minFree, size+minFree),
					"a bulk of known length grows the buffer to fit, not beyond")
				args, err = r.ReadCommand()
				require.NoError(t, err)
				assert.Equal(t, [][]byte{[]byte("GET"), []byte("k")}, args)
			})
		}
	}
}

func itoa(n int) string { return string(AppendInt(nil, int64(n))[1:]) }

// countingReader counts Read calls, to show that parsing is not restarted.
type countingReader struct {
	r     io.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) { c.reads++; return c.r.Read(p) }

func TestReadManyArgsOneByte(t *testing.T) {
	const n = 100_000
	args := make([][]byte, n)
	for i := range args {
		args[i] = []byte("ab")
	}
	in := AppendCommand(nil, args...)
	cr := &countingReader{r: iotest.OneByteReader(bytes.NewReader(in))}
	r := NewReader(cr)
	defer r.Release()
	got, err := r.ReadCommand()
	require.NoError(t, err)
	assert.Len(t, got, n)
	assert.Equal(t, "ab", string(got[n-1]))
	assert.Equal(t, len(in), cr.reads)
}

func TestReady(t *testing.T) {
	pr, pw := io.Pipe()
	r := NewReader(pr)
	defer r.Release()
	go func() {
		// Both commands in one write; the second half of a third follows.
		_, _ = pw.Write([]byte("*1\r\n$4\r\nPING\r\nECHO x\r\n*2\r\n$3\r\nGET\r\n"))
		_, _ = pw.Write([]byte("$1\r\nk\r\n"))
		_ = pw.Close()
	}()
	assert.False(t, r.Ready(), "nothing read yet")
	args, err := r.ReadCommand()
	require.NoError(t, err)
	assert.Equal(t, "PING", string(args[0]))
	assert.Equal(t, len("ECHO x\r\n*2\r\n$3\r\nGET\r\n"), r.Buffered())
	assert.True(t, r.Ready())
	assert.True(t, r.Ready(), "Ready is idempotent")
	args, err = r.ReadCommand()
	require.NoError(t, err)
	assert.Equal(t, []string{"ECHO", "x"}, []string{string(args[0]), string(args[1])})
	assert.True(t, r.Inline())
	assert.False(t, r.Ready(), "half a command is buffered")
	args, err = r.ReadCommand()
	require.NoError(t, err)
	assert.Equal(t, "k", string(args[1]))
	assert.False(t, r.Inline())
	assert.False(t, r.Ready())
	_, err = r.ReadCommand()
	assert.Equal(t, io.EOF, err)
}

func TestReadyStopsAtError(t *testing.T) {
	r := NewReader(strings.NewReader("PING\r\n*x\r\n"))
	defer r.Release()
	_, err := r.ReadCommand()
	require.NoError(t, err)
	assert.False(t, r.Ready(), "the caller flushes before reading the error")
	_, err = r.ReadCommand()
	assert.ErrorIs(t, err, ErrInvalidMultibulkLength)
}

// TestReadChunked splits a random pipeline at random offsets and checks that
// every split gives the same commands.
func TestReadChunked(t *testing.T) {
	seed := rand.Uint64()
	rng := rand.New(rand.NewPCG(seed, 0))
	var in []byte
	var want [][]string
	for range 200 {
		var cmd []string
		var args [][]byte
		for range 1 + rng.IntN(5) {
			b := make([]byte, rng.IntN(40))
			for i := range b {
				b[i] = byte(rng.UintN(256))
			}
			cmd = append(cmd, string(b))
			args = append(args, b)
		}
		in = AppendCommand(in, args...)
		want = append(want, cmd)
	}
	for round := range 20 {
		r := NewReader(&splitReader{data: in, rng: rng})
		got, _, err := readAll(r)
		r.Release()
		if !assert.Equal(t, io.EOF, err, "seed %d round %d", seed, round) ||
			!assert.Equal(t, want, got, "seed %d round %d", seed, round) {
			return
		}
	}
}

// splitReader returns data in chunks of random size.
type splitReader struct {
	data []byte
	rng  *rand.Rand
}

func (s *splitReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(s.data), 1+s.rng.IntN(64))
	copy(p, s.data[:n])
	s.data = s.data[n:]
	return n, nil
}

// loopReader serves the same bytes forever, like a client pipelining the
// same batch again and again.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off = (l.off + n) % len(l.data)
	return n, nil
}

func TestReadCommandAllocs(t *testing.T) {
	var resp, inline []byte
	for range 16 {
		resp = AppendCommand(resp, []byte("SET"), []byte("key:000001"), []byte("value-value-value"))
		resp = AppendCommand(resp, []byte("GET"), []byte("key:000001"))
		inline = append(inline, "SET key:000001 value-value-value\r\nGET key:000001\r\n"...)
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"resp", resp},
		{"inline", inline},
		{"inline-quoted", []byte("SET \"k\\x41y\" 'v a l'\r\nGET k\r\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(&loopReader{data: tt.in})
			defer r.Release()
			for range 100 { // warm up: grow buffer, args and scratch
				_, err := r.ReadCommand()
				require.NoError(t, err)
			}
			allocs := testing.AllocsPerRun(100, func() {
				for range 32 {
					if _, err := r.ReadCommand(); err != nil {
						panic(err)
					}
					r.Ready()
				}
			})
			assert.Zero(t, allocs)
		})
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"-1", -1, true}, {"123", 123, true},
		{"9223372036854775807", 1<<63 - 1, true}, {"-9223372036854775808", -1 << 63, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"", 0, false}, {"-", 0, false}, {"-0", 0, false}, {"01", 0, false},
		{"+1", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"1a", 0, false},
		{"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		t.Run("in="+tt.in, func(t *testing.T) {
			got, ok := ParseInt([]byte(tt.in))
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func BenchmarkReadCommand(b *testing.B) {
	var resp, inline []byte
	for range 16 {
		resp = AppendCommand(resp, []byte("SET"), []byte("key:000001"), []byte("value-value-value"))
		resp = AppendCommand(resp, []byte("GET"), []byte("key:000001"))
		inline = append(inline, "SET key:000001 value-value-value\r\nGET key:000001\r\n"...)
	}
	for _, tt := range []struct {
		name string
		in   []byte
	}{{"resp", resp}, {"inline", inline}} {
		b.Run(tt.name, func(b *testing.B) {
			r := NewReader(&loopReader{data: tt.in})
			defer r.Release()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.ReadCommand(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestReaderAhead: after Ready, More tells a queued pipeline from a lone
// command, and Ahead starts at the command Ready parsed, multibulk or
// inline, so SecondArgs sees the keys of every command still to run.
func TestReaderAhead(t *testing.T) {
	keys := func(r *Reader) []string {
		var out []string
		SecondArgs(r.Ahead(), 8, func(k []byte) { out = append(out, string(k)) })
		return out
	}
	r := NewReader(nil)
	defer r.Release()
	require.NoError(t, r.Feed([]byte("*2\r\n$3\r\nGET\r\n$1\r\na\r\n")))
	require.True(t, r.Ready())
	assert.False(t, r.More(), "a lone command")
	assert.Equal(t, []string{"a"}, keys(r))

	require.NoError(t, r.Feed([]byte("*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\nv\r\n*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nc\r\n")))
	assert.True(t, r.More(), "a pipeline is queued")
	assert.Equal(t, []string{"a", "b"}, keys(r), "SecondArgs stops at a command without a second argument")
	_, err := r.ReadCommand()
	require.NoError(t, err)
	require.True(t, r.Ready())
	assert.Equal(t, []string{"b"}, keys(r))

	r2 := NewReader(nil)
	defer r2.Release()
	require.NoError(t, r2.Feed([]byte("GET x\r\n*2\r\n$3\r\nGET\r\n$1\r\ny\r\n")))
	require.True(t, r2.Ready())
	assert.True(t, r2.More())
	assert.Equal(t, []string{"y"}, keys(r2), "an inline command is skipped, the multibulk behind it read")
}

// TestSecondArgs: only complete, well-formed multibulk commands are
// reported, at most max of them.
func TestSecondArgs(t *testing.T) {
	get := func(k string) string { return "*2\r\n$3\r\nGET\r\n$" + string(rune('0'+len(k))) + "\r\n" + k + "\r\n" }
	tests := []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"pipeline", get("a") + get("b") + get("c"), 8, []string{"a", "b", "c"}},
		{"max", get("a") + get("b") + get("c"), 2, []string{"a", "b"}},
		{"empty key", get(""), 8, []string{""}},
		{"incomplete last", get("a") + "*2\r\n$3\r\nGET\r\n$1\r\n", 8, []string{"a"}},
		{"incomplete args", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n", 8, nil},
		{"one arg", "*1\r\n$4\r\nPING\r\n" + get("a"), 8, nil},
		{"leading zero", "*2\r\n$3\r\nGET\r\n$01\r\na\r\n", 8, nil},
		{"negative", "*2\r\n$3\r\nGET\r\n$-1\r\n", 8, nil},
		{"no LF", "*2\r$3\r\nGET\r\n$1\r\na\r\n", 8, nil},
		{"inline", "GET a\r\n", 8, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			SecondArgs([]byte(tt.in), tt.max, func(k []byte) { got = append(got, string(k)) })
			assert.Equal(t, tt.want, got)
		})
	}
}
