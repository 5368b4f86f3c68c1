package aof

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// redis-server 7.0 starts from an append-only directory written here: a
// base of commands, two incremental files with SELECTs and a transaction.
func TestRedisLoadsOurDirectory(t *testing.T) {
	dir := t.TempDir()
	aofDir := filepath.Join(dir, "appendonlydir")
	require.NoError(t, os.Mkdir(aofDir, 0o755))
	const prefix = "appendonly.aof"
	base, err := OpenLog(filepath.Join(aofDir, BaseName(prefix, 1, false)), FsyncAlways)
	require.NoError(t, err)
	base.Append(0, cmd("SET", "a", "1"))
	base.Append(3, cmd("RPUSH", "l", "x", "y"))
	require.NoError(t, base.Close())
	for seq, c := range [][][]byte{cmd("INCR", "a"), cmd("SET", "bin", "a\r\n\x00")} {
		l, err := OpenLog(filepath.Join(aofDir, IncrName(prefix, int64(seq+1))), FsyncAlways)
		require.NoError(t, err)
		l.Append(0, c)
		if seq == 1 {
			l.Append(0, cmd("MULTI"))
			l.Append(0, cmd("INCRBY", "a", "10"))
			l.Append(0, cmd("EXEC"))
		}
		require.NoError(t, l.Close())
	}
	require.NoError(t, WriteManifest(aofDir, prefix, &Manifest{
		Base: &FileInfo{BaseName(prefix, 1, false), 1, TypeBase},
		Incr: []FileInfo{{IncrName(prefix, 1), 1, TypeIncr}, {IncrName(prefix, 2), 2, TypeIncr}},
	}))

	addr := redistest.StartRedis(t, "--appendonly", "yes", "--dir", dir)
	c := redistest.Dial(t, addr)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"GET", "a"}, `$"12"`},
		{[]string{"GET", "bin"}, `$"a\r\n\x00"`},
		{[]string{"SELECT", "3"}, `+"OK"`},
		{[]string{"LRANGE", "l", "0", "-1"}, `*[$"x" $"y"]`},
	} {
		r, err := c.Do(tc.args...)
		require.NoError(t, err)
		assert.Equal(t, tc.want, r.String(), "%q", tc.args)
	}
}

// A directory redis-server 7.0 wrote (RDB base, commands after it) loads
// here, and a torn write at its end is cut as with aof-load-truncated.
func TestWeLoadRedisDirectory(t *testing.T) {
	dir := t.TempDir()
	addr := redistest.StartRedis(t, "--appendonly", "yes", "--dir", dir, "--appendfsync", "always")
	c := redistest.Dial(t, addr)
	for _, args := range [][]string{
		{"SET", "a", "1"}, {"EXPIRE", "a", "100"}, {"SADD", "s", "m"}, {"SPOP", "s"},
		{"EVAL", "redis.call('SET','x','1') redis.call('INCR','x')", "0"},
	} {
		_, err := c.Do(args...)
		require.NoError(t, err)
	}
	aofDir := filepath.Join(dir, "appendonlydir")
	m, err := ReadManifest(aofDir, "appendonly.aof")
	require.NoError(t, err)
	require.NotNil(t, m.Base)
	assert.Equal(t, "appendonly.aof.1.base.rdb", m.Base.Name)

	// appendfsync always: the replies above came after the writes.
	incr := filepath.Join(aofDir, m.Incr[len(m.Incr)-1].Name)
	f, err := os.OpenFile(incr, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("*3\r\n$3\r\nSET\r\n$1\r\nz")
	require.NoError(t, err)
	require.NoError(t, f.Close())

	r := &recorder{}
	_, err = Load(aofDir, "appendonly.aof", r, LoadOptions{Truncate: true})
	require.NoError(t, err)
	assert.Equal(t, 1, r.rdb)
	got := strs(r.cmds)
	require.GreaterOrEqual(t, len(got), 6)
	assert.Equal(t, "SELECT 0", got[0])
	assert.Equal(t, "SET a 1", got[1])
	assert.Regexp(t, `^PEXPIREAT a \d{13}$`, got[2], "EXPIRE is logged as its deadline")
	assert.Equal(t, []string{"SADD s m", "SREM s m", "MULTI", "SET x 1", "INCR x", "EXEC"}, got[3:9],
		"SPOP as its effect, a script as its writes in a transaction")
}
