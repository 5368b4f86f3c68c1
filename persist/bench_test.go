package persist

import (
	"bytes"
	"io"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/require"
)

// benchKeys is the dataset size of the save and load benchmarks: fixed,
// not derived from b.N.
const benchKeys = 200_000

func benchStore(b *testing.B) *shard.Store {
	st, err := shard.New(256)
	require.NoError(b, err)
	v := bytes.Repeat([]byte("v"), 100)
	for i := range benchKeys {
		st.Update([]byte("key:"+strconv.Itoa(i)), 0, func(e *shard.Entry) { e.SetString(v, 0) })
	}
	return st
}

// BenchmarkSave writes benchKeys 100-byte strings to an RDB file.
func BenchmarkSave(b *testing.B) {
	st := benchStore(b)
	path := filepath.Join(b.TempDir(), "dump.rdb")
	b.ReportAllocs()
	for b.Loop() {
		job := Begin(st, 1)
		require.NoError(b, WriteFile(path, func(w io.Writer) error { return job.WriteTo(w, Header{}) }))
	}
}

// BenchmarkLoad loads that file into a fresh store.
func BenchmarkLoad(b *testing.B) {
	st := benchStore(b)
	path := filepath.Join(b.TempDir(), "dump.rdb")
	job := Begin(st, 1)
	require.NoError(b, WriteFile(path, func(w io.Writer) error { return job.WriteTo(w, Header{}) }))
	b.ReportAllocs()
	for b.Loop() {
		back, _ := shard.New(256)
		_, _, err := LoadFile(path, back, 1, nil)
		require.NoError(b, err)
	}
}
