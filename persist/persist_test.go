package persist

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newStore(t *testing.T, n int) *shard.Store {
	st, err := shard.NewDBs(8, 4)
	require.NoError(t, err)
	for i := range n {
		k := []byte("k" + strconv.Itoa(i))
		st.DB(i%4).Update(k, 0, func(e *shard.Entry) {
			switch i % 3 {
			case 0:
				e.SetString(bytes.Repeat([]byte{byte(i)}, i%50), 0)
			case 1:
				l := shard.NewList()
				l.PushBack(k)
				e.SetList(l, 5000)
			default:
				z := shard.NewZSet()
				z.Add(k, float64(i))
				e.SetZSet(z, 0)
			}
		})
	}
	return st
}

// render lists every key of every database with its value.
func render(st *shard.Store) map[string]string {
	out := map[string]string{}
	for db := range st.DBs() {
		d := st.DB(db)
		for c := uint64(0); ; {
			c = d.Scan(c, 0, func(key []byte, v shard.Value) {
				out[strconv.Itoa(db)+"/"+string(key)] = v.Kind().String() + ":" + string(shard.AppendRendered(nil, v)) + "@" + strconv.FormatInt(v.ExpireAt(), 10)
			})
			if c == 0 {
				break
			}
		}
	}
	return out
}

func TestSaveLoad(t *testing.T) {
	st := newStore(t, 1000)
	path := filepath.Join(t.TempDir(), "dump.rdb")
	job := Begin(st, 1)
	require.NoError(t, WriteFile(path, func(w io.Writer) error { return job.WriteTo(w, Header{}) }))
	assert.Equal(t, int64(1000), job.Stats().Keys)

	back, err := shard.NewDBs(4, 4)
	require.NoError(t, err)
	res, ok, err := LoadFile(path, back, 1, nil)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, 1000, res.Loaded)
	assert.Equal(t, render(st), render(back))

	// Loaded later, the keys with a deadline of 5000 are left out.
	later, _ := shard.NewDBs(4, 4)
	res, _, err = LoadFile(path, later, 5000, nil)
	require.NoError(t, err)
	assert.Equal(t, 333, res.Expired)

	// Too few databases for the file: an error naming the problem.
	small, _ := shard.NewDBs(4, 2)
	_, _, err = LoadFile(path, small, 1, nil)
	assert.ErrorContains(t, err, "database 2")

	_, ok, err = LoadFile(filepath.Join(t.TempDir(), "none.rdb"), back, 1, nil)
	assert.NoError(t, err)
	assert.False(t, ok)
}

// TestWriteFileFailure: a save that fails part-way (as a crash would stop
// it) leaves the last good file as it was, and no temporary file.
func TestWriteFileFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dump.rdb")
	require.NoError(t, WriteFile(path, func(w io.Writer) error { _, err := w.Write([]byte("good")); return err }))
	boom := errors.New("boom")
	err := WriteFile(path, func(w io.Writer) error {
		_, _ = w.Write([]byte("half a new fi"))
		return boom
	})
	assert.ErrorIs(t, err, boom)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "good", string(b))
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 1)
}

// TestJobHoldsOnlyWrittenKeys: writers hand over the keys they change
// before the saver reaches them; the job holds just those until it writes
// them.
func TestJobHoldsOnlyWrittenKeys(t *testing.T) {
	st := newStore(t, 800)
	want := render(st)
	job := Begin(st, 1)
	st.DB(0).Update([]byte("k0"), 1, func(e *shard.Entry) { e.SetString([]byte("changed"), 0) })
	st.DB(1).Update([]byte("k1"), 1, func(e *shard.Entry) { e.Delete() })
	held := job.Stats().PeakHeld
	assert.Positive(t, held)
	assert.Less(t, held, int64(200), "two small records, not their shards")
	var buf bytes.Buffer
	require.NoError(t, job.WriteTo(&buf, Header{}))
	assert.Equal(t, int64(2), job.Stats().CopiedByWriters)
	assert.Equal(t, int64(800), job.Stats().Keys)

	path := filepath.Join(t.TempDir(), "dump.rdb")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	back, _ := shard.NewDBs(8, 4)
	_, _, err := LoadFile(path, back, 1, nil)
	require.NoError(t, err)
	assert.Equal(t, want, render(back))
}

// TestJobUnderConcurrentWriters: writers change, delete and create keys
// (a stream among them) in every shard while the job writes; their copies
// are written out between shards, and the file is the store of the
// instant, each key once.
func TestJobUnderConcurrentWriters(t *testing.T) {
	st := newStore(t, 2000)
	st.DB(2).Update([]byte("stream"), 0, func(e *shard.Entry) {
		s := shard.NewStream()
		for i := uint64(1); i <= 300; i++ {
			s.Add(shard.StreamID{Ms: i}, [][]byte{[]byte("f"), []byte(strconv.FormatUint(i, 10))})
		}
		e.SetStream(s, 0)
	})
	want := render(st)
	job := Begin(st, 1)
	done := make(chan struct{})
	var writers sync.WaitGroup
	for w := range 4 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
				}
				i := (n*7 + w) % 2100 // some keys are new
				k := []byte("k" + strconv.Itoa(i))
				st.DB(i%4).Update(k, 1, func(e *shard.Entry) {
					if n%5 == 0 {
						e.Delete()
					} else {
						e.SetString([]byte("new"), 0)
					}
				})
				st.DB(2).Update([]byte("stream"), 1, func(e *shard.Entry) {
					if s := e.Stream(); s != nil {
						s.Add(shard.StreamID{Ms: uint64(1000 + n), Seq: uint64(w)}, [][]byte{[]byte("f"), []byte("x")})
					}
				})
			}
		}()
	}
	var buf bytes.Buffer
	err := job.WriteTo(&buf, Header{})
	close(done)
	writers.Wait()
	require.NoError(t, err)

	back, _ := shard.NewDBs(8, 4)
	res, err := Load(buf.Bytes(), "test", back, 1, nil)
	require.NoError(t, err)
	assert.Equal(t, len(want), res.Loaded, "each key once")
	assert.Equal(t, want, render(back))
}
