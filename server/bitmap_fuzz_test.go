package server

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzBitCommands runs BITFIELD, BITFIELD_RO, BITCOUNT, BITPOS, SETBIT and
// GETBIT with fuzz-chosen arguments against a fuzz-chosen string: no
// panic, one well-formed reply per command, and a string that never grows
// past proto-max-bulk-len (kept small here so offsets stay cheap).
func FuzzBitCommands(f *testing.F) {
	f.Add([]byte("foobar"), "SET i8 #1 -3 GET u4 3 OVERFLOW SAT INCRBY u63 0 9223372036854775807")
	f.Add([]byte("\xff\x00"), "OVERFLOW FAIL INCRBY i64 1 -9223372036854775808 GET i64 0")
	f.Add([]byte(""), "GET u1 0 SET i1 7 1")
	f.Add([]byte("x"), "1 -1 BIT")
	cfg := redisConfig()
	cfg.ProtoMaxBulkLen = 1 << 12
	s, err := New(cfg)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, val []byte, words string) {
		c := newTestClient(s)
		c.w.Reset()
		args := bytes.Fields([]byte(words))
		if len(args) > 64 {
			args = args[:64]
		}
		cmds := [][][]byte{
			{[]byte("SET"), []byte("k"), val},
			append([][]byte{[]byte("BITFIELD"), []byte("k")}, args...),
			append([][]byte{[]byte("BITFIELD_RO"), []byte("k")}, args...),
			append([][]byte{[]byte("BITCOUNT"), []byte("k")}, args...),
			append([][]byte{[]byte("BITPOS"), []byte("k"), []byte("0")}, args...),
			append([][]byte{[]byte("BITPOS"), []byte("k"), []byte("1")}, args...),
		}
		if len(args) >= 2 {
			cmds = append(cmds,
				[][]byte{[]byte("SETBIT"), []byte("k"), args[0], args[1]},
				[][]byte{[]byte("GETBIT"), []byte("k"), args[0]})
		}
		for _, a := range cmds {
			c.exec(a)
		}
		c.exec([][]byte{[]byte("STRLEN"), []byte("k")})
		out := string(c.w.Pending())
		c.w.Reset()
		require.True(t, strings.HasSuffix(out, "\r\n"), "%q", out)
		i := strings.LastIndex(out[:len(out)-2], "\r\n")
		n, ok := parseInt([]byte(strings.TrimPrefix(out[i+2:len(out)-2], ":")))
		require.True(t, ok, "STRLEN reply in %q", out)
		require.LessOrEqual(t, n, max(int64(len(val)), cfg.ProtoMaxBulkLen))
		c.exec([][]byte{[]byte("DEL"), []byte("k")})
		c.w.Reset()
	})
}
