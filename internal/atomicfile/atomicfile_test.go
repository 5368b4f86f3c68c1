package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteReplacesAndKeepsMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.conf")
	require.NoError(t, WriteBytes(path, 0o600, []byte("one")))
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	require.NoError(t, os.Chmod(path, 0o640))
	require.NoError(t, WriteBytes(path, 0o600, []byte("two")))
	b, _ := os.ReadFile(path)
	assert.Equal(t, "two", string(b))
	st, _ = os.Stat(path)
	assert.Equal(t, os.FileMode(0o640), st.Mode().Perm(), "the old file's permissions are kept")
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 1, "no temporary file is left behind")
}

// A failed write leaves the old file as it was and no temporary file.
func TestFailedWriteLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dump.rdb")
	require.NoError(t, WriteBytes(path, 0o644, []byte("good")))
	boom := errors.New("disk full")
	err := Write(path, 0o644, func(w io.Writer) error {
		_, _ = w.Write([]byte("half"))
		return boom
	})
	assert.ErrorIs(t, err, boom)
	b, _ := os.ReadFile(path)
	assert.Equal(t, "good", string(b))
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 1)
}
