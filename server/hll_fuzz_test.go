package server

import (
	"strings"
	"testing"

	"github.com/miniredis/miniredis/hll"
	"github.com/stretchr/testify/require"
)

// FuzzPFCommands stores arbitrary bytes with SET and runs PFADD, PFCOUNT
// (one key and a union) and PFMERGE on them: no panic, and every reply is
// a number, OK, or one of Redis's two refusals of a bad sketch.
func FuzzPFCommands(f *testing.F) {
	f.Add(hll.AppendEmpty(nil), "a")
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f"), "b")
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff\x83"), "c")
	f.Add([]byte("HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"), "d")
	f.Add([]byte("hello"), "e")
	s, err := New(redisConfig())
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, val []byte, elem string) {
		c := newTestClient(s)
		c.w.Reset()
		cmds := [][][]byte{
			{[]byte("SET"), []byte("v"), val},
			{[]byte("PFCOUNT"), []byte("v")},
			{[]byte("PFADD"), []byte("v"), []byte(elem), []byte(elem + "x")},
			{[]byte("PFCOUNT"), []byte("v"), []byte("other")},
			{[]byte("PFMERGE"), []byte("dst"), []byte("v")},
			{[]byte("PFCOUNT"), []byte("v")},
			{[]byte("PFADD"), []byte("v"), []byte(elem)},
			{[]byte("DEL"), []byte("v"), []byte("dst")},
		}
		for _, args := range cmds {
			c.exec(args)
		}
		out := string(c.w.Pending())
		c.w.Reset()
		for _, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			switch {
			case line == "+OK", strings.HasPrefix(line, ":"):
			case line == "-"+msgHLLWrongType, line == "-"+msgHLLInvalid:
			default:
				t.Fatalf("unexpected reply line %q in %q", line, out)
			}
		}
	})
}
