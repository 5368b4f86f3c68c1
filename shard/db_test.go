package shard

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHashTag(t *testing.T) {
	for _, tc := range []struct{ key, tag string }{
		{"plain", "plain"},
		{"{user1000}.following", "user1000"},
		{"foo{}{bar}", "foo{}{bar}"}, // an empty first tag means the whole key
		{"foo{{bar}}zap", "{bar"},
		{"foo{bar}{zap}", "bar"},
		{"{", "{"},
		{"}{", "}{"},
		{"a{b", "a{b"},
		{"", ""},
	} {
		t.Run(tc.key, func(t *testing.T) {
			assert.Equal(t, tc.tag, string(HashTag([]byte(tc.key))))
		})
	}
	s := newStore(t, 256)
	assert.Equal(t, s.ShardOf([]byte("{user1}:a")), s.ShardOf([]byte("{user1}:b")), "keys with one tag share a shard")
}

func dbGet(d DB, key string) (string, bool) {
	var v string
	ok := d.View([]byte(key), 0, func(val Value) { v = string(val.Bytes()) })
	return v, ok
}

func dbSet(d DB, key, val string, exp int64) {
	d.Update([]byte(key), 0, func(e *Entry) { e.SetString([]byte(val), exp) })
}

func TestDatabases(t *testing.T) {
	s, err := NewDBs(4, 3)
	require.NoError(t, err)
	_, err = NewDBs(4, 0)
	assert.ErrorIs(t, err, ErrDBs)
	d0, d1, d2 := s.DB(0), s.DB(1), s.DB(2)
	dbSet(d0, "k", "zero", 0)
	dbSet(d1, "k", "one", 1<<50)
	v, _ := dbGet(d0, "k")
	assert.Equal(t, "zero", v)
	v, _ = dbGet(d1, "k")
	assert.Equal(t, "one", v)
	_, ok := dbGet(d2, "k")
	assert.False(t, ok)

	assert.False(t, d0.Move([]byte("k"), 1, 0), "MOVE onto an existing key")
	assert.True(t, d1.Move([]byte("k"), 2, 0))
	v, _ = dbGet(d2, "k")
	assert.Equal(t, "one", v)
	assert.Equal(t, int64(1<<50), func() (exp int64) {
		d2.View([]byte("k"), 0, func(v Value) { exp = v.ExpireAt() })
		return
	}(), "the deadline moves with the key")
	checkInvariants(t, s)

	d0.Swap(2)
	v, _ = dbGet(d0, "k")
	assert.Equal(t, "one", v)
	v, _ = dbGet(d2, "k")
	assert.Equal(t, "zero", v)
	keys, vol := d0.Size()
	assert.Equal(t, 1, keys)
	assert.Equal(t, 1, vol)

	assert.Equal(t, 1, d2.Flush())
	_, ok = dbGet(d2, "k")
	assert.False(t, ok)
	_, ok = dbGet(d0, "k")
	assert.True(t, ok, "FLUSHDB leaves other databases alone")
	assert.Equal(t, 1, d0.FlushAll())
	assert.Zero(t, s.Stats().Keys)
	checkInvariants(t, s)
}

// recorder is an Observer that keeps what it was told.
type recorder struct {
	mu      sync.Mutex
	events  []string
	flushed []int
}

func (r *recorder) Touched(db int, key []byte, ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf("%d:%s:%d", db, key, ev))
}

func (r *recorder) Flushed(db int, had func([]byte) bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if had([]byte("present")) {
		r.flushed = append(r.flushed, db)
	}
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev := r.events
	r.events = nil
	return ev
}

// TestObserver checks the hook fires once for each real change and never for
// a write that changes nothing.
func TestObserver(t *testing.T) {
	s := newStore(t, 4)
	rec := &recorder{}
	s.SetObserver(rec)
	d := s.DB(1)
	upd := func(fn func(e *Entry)) { d.Update([]byte("k"), 100, fn) }
	mod := "1:k:0"
	for _, tc := range []struct {
		name string
		op   func()
		want []string
	}{
		{"set string", func() { upd(func(e *Entry) { e.SetString([]byte("v"), 0) }) }, []string{mod}},
		{"read through a cursor", func() { upd(func(e *Entry) { _ = e.Value() }) }, nil},
		{"view", func() { d.View([]byte("k"), 100, func(Value) {}) }, nil},
		{"patch", func() { upd(func(e *Entry) { e.PatchString(0, []byte("w")) }) }, []string{mod}},
		{"persist without deadline", func() { upd(func(e *Entry) { e.SetExpireAt(0) }) }, nil},
		{"expire", func() { upd(func(e *Entry) { e.SetExpireAt(1000) }) }, []string{mod}},
		{"list push", func() {
			upd(func(e *Entry) { l := NewList(); l.PushBack([]byte("a")); e.SetList(l, 0) })
		}, []string{mod}},
		{"list in place", func() { upd(func(e *Entry) { e.List().PushBack([]byte("b")) }) }, []string{mod}},
		{"list remove nothing", func() { upd(func(e *Entry) { e.List().Remove([]byte("zz"), 0) }) }, nil},
		{"list set out of range", func() { upd(func(e *Entry) { e.List().Set(10, []byte("x")) }) }, nil},
		{"to set", func() { upd(func(e *Entry) { st := NewSet(); st.Add([]byte("m")); e.SetSet(st, 0) }) }, []string{mod}},
		{"set add existing", func() { upd(func(e *Entry) { e.Set().Add([]byte("m")) }) }, nil},
		{"set remove missing", func() { upd(func(e *Entry) { e.Set().Delete([]byte("x")) }) }, nil},
		{"to zset", func() { upd(func(e *Entry) { z := NewZSet(); z.Add([]byte("m"), 1); e.SetZSet(z, 0) }) }, []string{mod}},
		{"zadd same score", func() { upd(func(e *Entry) { e.ZSet().Add([]byte("m"), 1) }) }, nil},
		{"zadd new score", func() { upd(func(e *Entry) { e.ZSet().Add([]byte("m"), 2) }) }, []string{mod}},
		{"to hash", func() { upd(func(e *Entry) { h := NewHash(); h.Set([]byte("f"), []byte("v")); e.SetHash(h, 0) }) }, []string{mod}},
		{"hdel missing", func() { upd(func(e *Entry) { e.Hash().Delete([]byte("x")) }) }, nil},
		{"delete", func() { upd(func(e *Entry) { e.Delete() }) }, []string{mod}},
		{"delete missing", func() { upd(func(e *Entry) { e.Delete() }) }, nil},
		{"multi", func() {
			d.UpdateMulti([][]byte{[]byte("k"), []byte("j")}, 100, func(tx *Tx) {
				tx.Entry([]byte("k")).SetString([]byte("v"), 0)
				tx.Entry([]byte("j")).Delete()
			})
		}, []string{mod}},
		{"move", func() { d.Move([]byte("k"), 2, 100) }, []string{mod, "2:k:0"}},
		{"lazy expiry", func() {
			s.DB(2).Update([]byte("k"), 100, func(e *Entry) { e.SetExpireAt(200) })
			rec.take()
			s.DB(2).Update([]byte("k"), 300, func(e *Entry) {})
		}, []string{"2:k:1"}},
		{"active expiry", func() {
			dbSet(d, "v", "x", 500)
			rec.take()
			for i := range s.Shards() {
				s.ExpireSample(i, 600, 20)
			}
		}, []string{"1:v:1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec.take()
			tc.op()
			assert.Equal(t, tc.want, rec.take())
		})
	}

	dbSet(s.DB(3), "present", "x", 0)
	s.DB(3).Flush()
	s.DB(4).Flush()
	assert.Equal(t, []int{3}, rec.flushed, "Flushed tells which watched keys existed")
}

// TestHeldAtomic moves units between keys on different shards under Held
// sets, with multi-key commands and plain readers beside them, and checks
// every reader that holds all the keys sees the same total: nobody observes
// half a transfer. Some transfers also add a shard they did not declare, out
// of order, as a script touching an undeclared key does; that must not
// deadlock with the ascending lockers.
func TestHeldAtomic(t *testing.T) {
	s := newStore(t, 16)
	const nkeys, per = 8, 100
	keys := make([][]byte, nkeys)
	for i := range keys {
		keys[i] = []byte("acct:" + strconv.Itoa(i))
		dbSet(s.DB(0), string(keys[i]), strconv.Itoa(per), 0)
	}
	read := func(d DB, k []byte) int {
		var n int
		d.View(k, 0, func(v Value) { n, _ = strconv.Atoi(string(v.Bytes())) })
		return n
	}
	write := func(d DB, k []byte, n int) {
		d.Update(k, 0, func(e *Entry) { e.SetString([]byte(strconv.Itoa(n)), 0) })
	}
	var mu sync.Mutex // one out-of-order adder at a time, as the server runs scripts
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 300 {
				a, b := keys[(w+i)%nkeys], keys[(w+3*i+1)%nkeys]
				if string(a) == string(b) {
					continue
				}
				undeclared := i%5 == 0
				var h *Held
				if undeclared {
					mu.Lock()
					h = s.Hold([][]byte{a})
				} else {
					h = s.Hold([][]byte{b, a})
				}
				d := h.DB(0)
				x := read(d, a)
				write(d, a, x-1)
				if undeclared {
					h.Add(b) // wrote already: must wait, holding a
				}
				write(d, b, read(d, b)+1)
				h.Release()
				if undeclared {
					mu.Unlock()
				}
			}
		})
	}
	errs := make(chan string, 100)
	for range 2 {
		wg.Go(func() {
			for range 300 {
				total := 0
				s.ViewMulti(keys, 0, func(tx *Tx) {
					for _, k := range keys {
						total += func() (n int) {
							n, _ = strconv.Atoi(string(tx.Entry(k).Value().Bytes()))
							return
						}()
					}
				})
				if total != nkeys*per {
					errs <- fmt.Sprintf("ViewMulti saw a total of %d", total)
					return
				}
				h := s.HoldAll()
				total = 0
				for _, k := range keys {
					total += read(h.DB(0), k)
				}
				h.Release()
				if total != nkeys*per {
					errs <- fmt.Sprintf("HoldAll saw a total of %d", total)
					return
				}
			}
		})
	}
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("deadlock: transfers did not finish")
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	total := 0
	for _, k := range keys {
		total += read(s.DB(0), k)
	}
	assert.Equal(t, nkeys*per, total)
}
