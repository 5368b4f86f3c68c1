package cluster

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// overwritePadded leaves exactly the new contents, shorter or longer than
// the old, and a file left padded (a crash before the truncate) loads as
// the config it holds.
func TestOverwritePadded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nodes.conf")
	long := idA + " 127.0.0.1:7000@17000 myself,master - 0 0 3 connected 0-5460 7 9 11\nvars currentEpoch 5 lastVoteEpoch 2\n"
	short := idA + " 127.0.0.1:7000@17000 myself,master - 0 0 3 connected 0-5460\nvars currentEpoch 5 lastVoteEpoch 2\n"
	for _, step := range []string{long, short, long} {
		require.NoError(t, overwritePadded(path, []byte(step)))
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, step, string(got))
	}
	padded, err := NormalizeConfig([]byte(short + "\n\n\n\n"))
	require.NoError(t, err)
	plain, err := NormalizeConfig([]byte(short))
	require.NoError(t, err)
	assert.Equal(t, string(plain), string(padded))
}

// A slot change is written in place; an epoch change replaces the file
// through a temporary one (a new inode) and is fsynced.
func TestSaveReplacesFileOnEpochChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nodes.conf")
	s := newTestState(t, Config{ConfigFile: path})
	inode := func() uint64 {
		st, err := os.Stat(path)
		require.NoError(t, err)
		return inodeOf(st)
	}
	before := inode()
	require.NoError(t, s.ChangeSlots([][2]int{{1, 3}}, false))
	assert.Equal(t, before, inode(), "a slot change is written in place")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), "connected 1-3\n")

	require.NoError(t, s.SetConfigEpoch(7))
	assert.NotEqual(t, before, inode(), "an epoch change replaces the file")
	data, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), " 7 connected 1-3\n")
}

func inodeOf(st os.FileInfo) uint64 {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return sys.Ino
	}
	return 0
}
