package shard

import (
	"fmt"
	"maps"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snapRecorder collects a snapshot's copies as db/key → rendered value, and
// counts how often each shard was handed over.
type snapRecorder struct {
	mu     sync.Mutex
	got    map[string]string
	copies map[int]int
	keys   int // keys handed over one by one
}

func newSnapRecorder() *snapRecorder {
	return &snapRecorder{got: map[string]string{}, copies: map[int]int{}}
}

func (r *snapRecorder) copy(j int, v ShardView) {
	local := map[string]string{}
	for db := range 2 {
		v.Each(db, func(key []byte, val Value) {
			local[fmt.Sprintf("%d/%s", db, key)] = fmt.Sprintf("%v:%s@%d", val.Kind(), AppendRendered(nil, val), val.ExpireAt())
		})
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.copies[j]++
	for k := range local {
		if _, dup := r.got[k]; dup {
			local[k] = "copied twice"
		}
	}
	maps.Copy(r.got, local)
}

func (r *snapRecorder) copyKey(j, db int, key []byte, val Value) {
	k := fmt.Sprintf("%d/%s", db, key)
	v := fmt.Sprintf("%v:%s@%d", val.Kind(), AppendRendered(nil, val), val.ExpireAt())
	r.mu.Lock()
	defer r.mu.Unlock()
	_, dup := r.got[k]
	if dup {
		r.got[k] = "copied twice"
		return
	}
	r.got[k] = v
	r.keys++
}

// contents renders every live key of the first two databases as the
// snapRecorder does.
func contents(s *Store, now int64) map[string]string {
	out := map[string]string{}
	for db := range 2 {
		d := s.DB(db)
		for c := uint64(0); ; {
			c = d.Scan(c, now, func(key []byte, val Value) {
				out[fmt.Sprintf("%d/%s", db, key)] = fmt.Sprintf("%v:%s@%d", val.Kind(), AppendRendered(nil, val), val.ExpireAt())
			})
			if c == 0 {
				break
			}
		}
	}
	return out
}

func fill(t *testing.T, s *Store, n int) {
	t.Helper()
	for i := range n {
		k := []byte("k" + strconv.Itoa(i))
		var exp int64
		if i%5 == 0 {
			exp = 1000 // expires at 1000
		}
		s.Update(k, 1, func(e *Entry) { e.SetString([]byte("v"+strconv.Itoa(i)), exp) })
		if i%7 == 0 {
			s.DB(1).Update(k, 1, func(e *Entry) {
				l := NewList()
				l.PushBack([]byte("x"))
				e.SetList(l, 0)
			})
		}
	}
}

// TestSnapshotEveryWritePath starts a snapshot, then changes the store
// through every path that takes a shard's write lock, then lets the saver
// visit the rest: the copy is the store as it was at the start, and each
// shard was copied once.
func TestSnapshotEveryWritePath(t *testing.T) {
	s, err := NewDBs(8, 2)
	require.NoError(t, err)
	fill(t, s, 200)
	want := contents(s, 10)
	r := newSnapRecorder()
	sn := s.BeginSnapshot(10, r.copy, r.copyKey)
	defer sn.End()

	key := func(i int) []byte { return []byte("k" + strconv.Itoa(i)) }
	s.Update(key(1), 10, func(e *Entry) { e.SetString([]byte("changed"), 0) })
	s.Update(key(1), 10, func(e *Entry) { e.SetString([]byte("again"), 0) })
	s.Update([]byte("created"), 10, func(e *Entry) { e.SetString([]byte("new"), 0) })
	assert.Equal(t, 1, r.keys, "a write hands over the key it changes, once; a created key is not copied")
	assert.Empty(t, r.copies, "and no whole shard")
	s.UpdateMulti([][]byte{key(2), key(3)}, 10, func(tx *Tx) { tx.Entry(key(2)).Delete() })
	s.DB(0).Move(key(4), 1, 10)
	s.ExpireSample(s.ShardOf(key(10)), 2000, 100) // deletes expired keys
	h := s.Hold([][]byte{key(6)})
	h.DB(0).Update(key(6), 10, func(e *Entry) { e.Delete() })
	h.Release()
	assert.Empty(t, r.copies, "keyed writes copy keys, not shards")
	s.DB(1).Swap(0)
	assert.NotEmpty(t, r.copies, "a swap copies the rest of its shards first")
	for j := range s.Shards() {
		sn.Visit(j)
	}
	assert.Equal(t, want, r.got)
	for j := range s.Shards() {
		assert.Equal(t, 1, r.copies[j], "shard %d", j)
	}
	// after the copy, writes no longer reach the snapshot
	s.Flush()
	assert.Equal(t, want, r.got)
}

func TestSnapshotFlushAndEvict(t *testing.T) {
	s, err := NewDBs(4, 2)
	require.NoError(t, err)
	s.SetAccounting(Accounting{Collections: true})
	fill(t, s, 100)
	want := contents(s, 10)
	r := newSnapRecorder()
	sn := s.BeginSnapshot(10, r.copy, r.copyKey)
	s.Evict(AllKeysLRU, 10, 5)
	s.DB(0).FlushAll()
	for j := range s.Shards() {
		assert.False(t, sn.Visit(j), "flush copied shard %d already", j)
	}
	sn.End()
	assert.Equal(t, want, r.got)
}

// TestSnapshotConcurrentWriters runs writers while the saver walks: the
// copy is still the starting state (run with -race).
func TestSnapshotConcurrentWriters(t *testing.T) {
	s, err := NewDBs(16, 2)
	require.NoError(t, err)
	fill(t, s, 2000)
	want := contents(s, 10)
	r := newSnapRecorder()
	sn := s.BeginSnapshot(10, r.copy, r.copyKey)
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				k := []byte("k" + strconv.Itoa((i*7+w)%2500))
				s.Update(k, 10, func(e *Entry) { e.SetString([]byte("new"), 0) })
			}
		}()
	}
	for j := range s.Shards() {
		sn.Visit(j)
	}
	wg.Wait()
	sn.End()
	assert.Equal(t, want, r.got)
	for j := range s.Shards() {
		assert.Equal(t, 1, r.copies[j], "shard %d", j)
	}
}

func TestChangesCounted(t *testing.T) {
	s, err := New(4)
	require.NoError(t, err)
	s.Update([]byte("a"), 1, func(e *Entry) { e.SetString([]byte("1"), 0) })
	s.Update([]byte("a"), 1, func(e *Entry) {}) // no change
	s.Update([]byte("b"), 1, func(e *Entry) { e.SetString([]byte("1"), 0) })
	assert.Equal(t, uint64(2), s.Changes())
	s.Flush()
	assert.Equal(t, uint64(4), s.Changes(), "a flush counts its keys")
}

// TestSnapshotEpochs: what a snapshot has had is told by the records'
// epoch stamps: keys deleted and created again, changed in place (a
// patched string, a new deadline, a list), moved, or stamped by an earlier
// snapshot are each copied once with their value of the instant, and a
// second snapshot sees everything afresh.
func TestSnapshotEpochs(t *testing.T) {
	s, err := NewDBs(4, 2)
	require.NoError(t, err)
	fill(t, s, 100)
	key := func(i int) []byte { return []byte("k" + strconv.Itoa(i)) }
	for round := range 3 {
		want := contents(s, 10)
		r := newSnapRecorder()
		sn := s.BeginSnapshot(10, r.copy, r.copyKey)
		s.Update(key(1), 10, func(e *Entry) { e.Delete() })
		s.Update(key(1), 10, func(e *Entry) { e.SetString([]byte("reborn"), 0) })
		s.Update(key(1), 10, func(e *Entry) { e.SetString([]byte("again"), 0) })
		s.Update([]byte("new"), 10, func(e *Entry) { e.SetString([]byte("x"), 0) })
		s.Update([]byte("new"), 10, func(e *Entry) { e.Delete() })
		s.Update([]byte("new"), 10, func(e *Entry) { e.SetString([]byte("y"), 0) })
		s.Update(key(2), 10, func(e *Entry) { e.PatchString(0, []byte("P")) })
		// Same-size overwrites write over the record: it stays stamped.
		s.Update(key(9), 10, func(e *Entry) { e.SetString([]byte("w9"), 0) })
		s.Update(key(9), 10, func(e *Entry) { e.SetString([]byte("x9"), 0) })
		s.Update(key(11), 10, func(e *Entry) { e.SetString([]byte("w11"), 0) })
		s.Update(key(3), 10, func(e *Entry) { e.SetExpireAt(5000) })
		s.Update(key(5), 10, func(e *Entry) { e.SetExpireAt(6000 + int64(round)) }) // in place: it had a deadline
		s.DB(1).Update(key(7), 10, func(e *Entry) { e.List().PushBack([]byte("more")) })
		s.DB(0).Move(key(8), 1, 10)
		s.DB(1).Move(key(8), 0, 10)
		for j := range s.Shards() {
			sn.Visit(j)
		}
		sn.End()
		assert.Equal(t, want, r.got, "round %d", round)
		assert.LessOrEqual(t, r.keys, 10, "round %d: each changed key once", round)
	}
}
