package scripting

import (
	"strings"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const dumpLib1 = "#!lua name=lib1\nredis.register_function('f1', function() return 'one' end)"

var dumpLib2 = "#!lua name=lib2\n-- " + strings.Repeat("padding so that Redis compresses this library with LZF ", 10) + "\nredis.register_function('f2', function() return 'two' end)"

func TestFunctionDumpRestore(t *testing.T) {
	e := New(Options{})
	_, err := e.FunctionLoad([]byte(dumpLib1), false)
	require.NoError(t, err)
	_, err = e.FunctionLoad([]byte(dumpLib2), false)
	require.NoError(t, err)
	dump := e.FunctionDump()

	e2 := New(Options{})
	require.NoError(t, e2.FunctionRestore(dump, RestoreAppend))
	assert.Equal(t, string(e.FunctionList(nil, 2, nil, true)), string(e2.FunctionList(nil, 2, nil, true)))
	assert.EqualError(t, e2.FunctionRestore(dump, RestoreAppend), "ERR Library lib1 already exists")
	require.NoError(t, e2.FunctionRestore(dump, RestoreReplace))
	f, ok := e2.Function([]byte("f2"))
	require.True(t, ok)
	assert.Equal(t, "$3\r\ntwo\r\n", string(e2.FCall(nil, &Run{Caller: newFake(), Proto: 2}, f, nil, nil)))

	_, err = e2.FunctionLoad([]byte("#!lua name=other\nredis.register_function('f1x', function() end)"), false)
	require.NoError(t, err)
	require.NoError(t, e2.FunctionRestore(dump, RestoreFlush))
	libs, _ := e2.FunctionCounts()
	assert.Equal(t, 2, libs, "FLUSH drops the libraries not in the payload")

	// A clashing function name in another library fails the whole restore.
	e3 := New(Options{})
	_, err = e3.FunctionLoad([]byte("#!lua name=mine\nredis.register_function('f1', function() end)"), false)
	require.NoError(t, err)
	assert.EqualError(t, e3.FunctionRestore(dump, RestoreReplace), "ERR Function f1 already exists")
	libs, _ = e3.FunctionCounts()
	assert.Equal(t, 1, libs)

	bad := append([]byte(nil), dump...)
	bad[3] ^= 1
	assert.EqualError(t, e3.FunctionRestore(bad, RestoreAppend), "ERR DUMP payload version or checksum are wrong")
	assert.EqualError(t, e3.FunctionRestore([]byte("short"), RestoreAppend), "ERR DUMP payload version or checksum are wrong")

	p, ok := ParseRestorePolicy([]byte("replace"))
	assert.True(t, ok)
	assert.Equal(t, RestoreReplace, p)
	_, ok = ParseRestorePolicy([]byte("merge"))
	assert.False(t, ok)
}

// TestFunctionDumpRedis moves libraries both ways between redis-server and
// the Engine through FUNCTION DUMP / FUNCTION RESTORE; Redis's dump of the
// long library is LZF-compressed.
func TestFunctionDumpRedis(t *testing.T) {
	addr := redistest.StartRedis(t)
	c := dialRaw(t, addr, 2)
	for _, code := range []string{dumpLib1, dumpLib2} {
		require.Equal(t, "$4\r\nlib", string(c.do([]byte("FUNCTION"), []byte("LOAD"), []byte(code)))[:7])
	}
	reply := string(c.do([]byte("FUNCTION"), []byte("DUMP")))
	require.True(t, strings.HasPrefix(reply, "$"))
	payload := reply[strings.Index(reply, "\r\n")+2 : len(reply)-2]
	assert.Less(t, len(payload), len(dumpLib1)+len(dumpLib2), "Redis compressed the long library")

	e := New(Options{})
	require.NoError(t, e.FunctionRestore([]byte(payload), RestoreAppend))
	want := string(c.do([]byte("FUNCTION"), []byte("LIST"), []byte("WITHCODE")))
	got := string(e.FunctionList(nil, 2, nil, true))
	assert.True(t, sameSorted(want, got), "redis: %q\nours:  %q", want, got)

	ours := e.FunctionDump()
	assert.Equal(t, "+OK\r\n", string(c.do([]byte("FUNCTION"), []byte("RESTORE"), ours, []byte("FLUSH"))))
	assert.Equal(t, want, string(c.do([]byte("FUNCTION"), []byte("LIST"), []byte("WITHCODE"))))
	// Which library Redis names first is its dict's order.
	assert.Regexp(t, `^-ERR Library lib[12] already exists\r\n$`, string(c.do([]byte("FUNCTION"), []byte("RESTORE"), ours)))
	assert.Equal(t, "-"+MsgBadRestorePolicy+"\r\n", string(c.do([]byte("FUNCTION"), []byte("RESTORE"), ours, []byte("MERGE"))))
}
