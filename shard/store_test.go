package shard

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newStore(t testing.TB, shards int) *Store {
	t.Helper()
	s, err := New(shards)
	require.NoError(t, err)
	return s
}

func set(s *Store, key, val string, exp, now int64) {
	s.Update([]byte(key), now, func(e *Entry) { e.SetString([]byte(val), exp) })
}

// get returns the rendered value and whether the key is live.
func get(s *Store, key string, now int64) (string, bool) {
	var out []byte
	ok := s.View([]byte(key), now, func(v Value) { out = AppendRendered(out, v) })
	return string(out), ok
}

// checkInvariants verifies every shard's index, arena, volatile index,
// collections and byte count against each other.
func checkInvariants(t *testing.T, s *Store) {
	t.Helper()
	for i := range s.shards {
		sh := &s.shards[i]
		var used int64
		for db := range sh.dbs {
			d := &sh.dbs[db]
			for j, loc := range d.vol {
				r := d.rec(loc)
				assert.False(t, r.dead(), "shard %d db %d vol[%d] is dead", i, db, j)
				assert.True(t, r.volatile(), "shard %d db %d vol[%d] has no deadline", i, db, j)
				assert.Equal(t, uint32(j), r.vidx(), "shard %d key %q", i, r.key())
				assert.Positive(t, r.exp(), "shard %d key %q", i, r.key())
			}
			nvol, nkeys, nobj := 0, 0, 0
			live := map[int]int{} // chunk -> live bytes
			for si, sl := range d.slots {
				if sl == 0 {
					continue
				}
				nkeys++
				e := d.decode(si, slotLoc(sl))
				k := e.r.key()
				used += entrySize(e, len(k))
				assert.False(t, e.r.dead(), "shard %d key %q is dead", i, k)
				assert.Equal(t, tagOf(hashKey(k)), slotTag(sl), "tag of %q", k)
				fi, floc := d.find(k, hashKey(k))
				assert.Equal(t, si, fi, "find(%q)", k)
				assert.Equal(t, slotLoc(sl), floc, "find(%q)", k)
				assert.Equal(t, i, s.index(k), "key %q in the wrong shard", k)
				live[int(slotLoc(sl)>>locShift)-1] += e.r.size()
				if e.r.isObject() {
					nobj++
					assert.NotNil(t, d.objs[e.r.vlen()].p, "object of %q", k)
				}
				if e.r.volatile() {
					nvol++
					if assert.Less(t, int(e.r.vidx()), len(d.vol)) {
						assert.Equal(t, slotLoc(sl), d.vol[e.r.vidx()], "vol slot of %q", k)
					}
				}
			}
			assert.Equal(t, nkeys, d.n, "shard %d db %d key count", i, db)
			assert.Equal(t, nvol, len(d.vol), "shard %d db %d", i, db)
			assert.Equal(t, nobj, len(d.objs)-len(d.freeObj), "shard %d db %d objects", i, db)
			bytes, total := 0, 0
			for ci, c := range d.chunks {
				if c.b == nil {
					assert.Zero(t, live[ci], "records in dropped chunk %d", ci)
					continue
				}
				assert.Equal(t, live[ci], c.live, "shard %d db %d chunk %d live bytes", i, db, ci)
				bytes += c.off
				total += c.live
			}
			assert.Equal(t, bytes, d.bytes, "shard %d db %d bytes written", i, db)
			assert.Equal(t, total, d.live, "shard %d db %d live bytes", i, db)
		}
		assert.Equal(t, used, sh.used, "shard %d byte count", i)
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		n  int
		ok bool
	}{{0, false}, {-1, false}, {1, true}, {3, false}, {256, true}, {1 << 16, true}, {1 << 17, false}} {
		t.Run(fmt.Sprintf("shards=%d", tc.n), func(t *testing.T) {
			s, err := New(tc.n)
			if tc.ok {
				require.NoError(t, err)
				assert.Equal(t, tc.n, s.Shards())
			} else {
				assert.ErrorIs(t, err, ErrShards)
			}
		})
	}
	assert.Zero(t, shardSize%64, "shard is a whole number of cache lines")
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindNone: "none", KindString: "string", KindList: "list", KindHash: "hash", KindSet: "set", KindZSet: "zset", 99: "unknown"} {
		assert.Equal(t, want, k.String())
	}
}

func TestInferRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kind Kind
		n    int // elements or fields
	}{
		{"hello", KindString, 0},
		{"", KindString, 0},
		{"Hello, world", KindString, 0},
		{"a,b\tc", KindString, 0},
		{"a:b", KindString, 0},
		{"red,green,blue", KindList, 3},
		{"a,,b", KindList, 3},
		{",", KindList, 2},
		{"a,", KindList, 2},
		{"name:Alice,age", KindList, 2},
		{"name:Alice,age:30,city:Lagos", KindHash, 3},
		{"a:,:b", KindHash, 2},
		{"t:1:2,u:", KindHash, 2},
		{":x,y:", KindHash, 2},
	} {
		t.Run(tc.in, func(t *testing.T) {
			assert.Equal(t, tc.kind, Infer([]byte(tc.in)))
			s := newStore(t, 1)
			s.Update([]byte("k"), 0, func(e *Entry) { e.SetInferred([]byte(tc.in), 0) })
			var got []byte
			var kind Kind
			var n int
			require.True(t, s.View([]byte("k"), 0, func(v Value) {
				kind = v.Kind()
				got = AppendRendered(nil, v)
				if l := v.List(); l != nil {
					n = l.Len()
				}
				if h := v.Hash(); h != nil {
					n = h.Len()
				}
			}))
			assert.Equal(t, tc.kind, kind)
			assert.Equal(t, tc.in, string(got))
			assert.Equal(t, tc.n, n)
		})
	}
}

func TestInferHashRepeatedField(t *testing.T) {
	s := newStore(t, 1)
	s.Update([]byte("k"), 0, func(e *Entry) { e.SetInferred([]byte("a:1,b:2,a:3"), 0) })
	got, _ := get(s, "k", 0)
	assert.Equal(t, "a:3,b:2", got)
}

func TestInferRoundTripProperty(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	r := rand.New(rand.NewPCG(seed, 0))
	alphabet := []byte("ab:,, \t")
	s := newStore(t, 4)
	for i := range 5000 {
		b := make([]byte, r.IntN(12))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		kind := Infer(b)
		if kind == KindHash {
			// Repeated fields collapse by design; skip those inputs.
			seen := map[string]bool{}
			dup := false
			for _, el := range splitComma(string(b)) {
				f := el[:indexColon(el)]
				dup = dup || seen[f]
				seen[f] = true
			}
			if dup {
				continue
			}
		}
		s.Update([]byte("k"), 0, func(e *Entry) { e.SetInferred(b, 0) })
		got, ok := get(s, "k", 0)
		if !assert.True(t, ok) || !assert.Equal(t, string(b), got, "seed %d input %d %q kind %v", seed, i, b, kind) {
			return
		}
	}
}

func splitComma(s string) []string {
	var out []string
	for {
		i := 0
		for i < len(s) && s[i] != ',' {
			i++
		}
		out = append(out, s[:i])
		if i == len(s) {
			return out
		}
		s = s[i+1:]
	}
}

func indexColon(s string) int {
	for i := range len(s) {
		if s[i] == ':' {
			return i
		}
	}
	return len(s)
}

func TestLazyExpiry(t *testing.T) {
	for _, tc := range []struct {
		name    string
		exp     int64
		now     int64
		visible bool
	}{
		{"no-deadline", 0, 1 << 60, true},
		{"before", 1000, 999, true},
		{"at-deadline", 1000, 1000, false},
		{"after", 1000, 5000, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, 2)
			set(s, "k", "v", tc.exp, 0)
			_, ok := get(s, "k", tc.now)
			assert.Equal(t, tc.visible, ok, "View")
			var exists bool
			var kind Kind
			s.ViewMulti([][]byte{[]byte("k")}, tc.now, func(tx *Tx) {
				exists = tx.Entry([]byte("k")).Exists()
				kind = tx.Entry([]byte("k")).Kind()
			})
			assert.Equal(t, tc.visible, exists, "ViewMulti")
			assert.Equal(t, tc.visible, kind == KindString)
			var n int
			s.Scan(0, tc.now, func([]byte, Value) { n++ })
			s.Scan(1, tc.now, func([]byte, Value) { n++ })
			assert.Equal(t, tc.visible, n == 1, "Scan")
			_, ok = s.RandomKey(tc.now, nil)
			assert.Equal(t, tc.visible, ok, "RandomKey")
			assert.Equal(t, 1, s.Stats().Keys, "reads never delete")

			s.Update([]byte("k"), tc.now, func(e *Entry) {
				assert.Equal(t, tc.visible, e.Exists(), "Update")
			})
			st := s.Stats()
			assert.Equal(t, tc.visible, st.Keys == 1, "Update deletes an expired entry")
			assert.Equal(t, !tc.visible, st.ExpiredKeys == 1)
			checkInvariants(t, s)
		})
	}
}

func TestDeadlineInThePastDeletes(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   func(e *Entry)
	}{
		{"SetString", func(e *Entry) { e.SetString([]byte("x"), 5) }},
		{"SetList", func(e *Entry) { e.SetList(NewList(), 5) }},
		{"SetHash", func(e *Entry) { e.SetHash(NewHash(), 5) }},
		{"SetExpireAt", func(e *Entry) { e.SetExpireAt(10) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, 1)
			set(s, "k", "v", 100, 0)
			s.Update([]byte("k"), 10, tc.op)
			_, ok := get(s, "k", 10)
			assert.False(t, ok)
			assert.Equal(t, Stats{Writes: 2}, s.Stats())
		})
	}
}

func TestEntryOps(t *testing.T) {
	s := newStore(t, 4)
	s.Update([]byte("k"), 0, func(e *Entry) {
		assert.False(t, e.Exists())
		assert.Equal(t, KindNone, e.Kind())
		assert.Equal(t, Value{}, e.Value())
		e.SetExpireAt(50) // no-op on a missing key
		assert.False(t, e.Exists())
		e.SetString([]byte(""), 0)
		assert.True(t, e.Exists())
		assert.Equal(t, []byte{}, e.Value().Bytes(), "empty string is non-nil")
		e.SetExpireAt(100)
		assert.Equal(t, int64(100), e.ExpireAt())
		l := NewList()
		l.PushBack([]byte("x"))
		e.SetList(l, e.ExpireAt())
		assert.Equal(t, KindList, e.Kind())
		assert.Nil(t, e.Value().Bytes())
		assert.Nil(t, e.Value().Hash())
		assert.Same(t, l, e.Value().List())
		e.SetExpireAt(0)
		assert.Zero(t, e.ExpireAt())
		h := NewHash()
		h.Set([]byte("f"), []byte("v"))
		e.SetHash(h, 0)
		assert.Equal(t, KindHash, e.Kind())
		assert.Nil(t, e.Value().List())
		assert.True(t, e.Delete())
		assert.False(t, e.Delete())
	})
	checkInvariants(t, s)
	assert.Zero(t, s.Stats().Keys)
	// Empty key and empty value together.
	set(s, "", "", 7, 0)
	v, ok := get(s, "", 0)
	assert.True(t, ok)
	assert.Equal(t, "", v)
	checkInvariants(t, s)
}

func TestRenameAcrossShards(t *testing.T) {
	s := newStore(t, 64)
	for _, val := range []string{"plain", "a,b,c", "x:1,y:2"} {
		t.Run(val, func(t *testing.T) {
			s.Update([]byte("old"), 0, func(e *Entry) { e.SetInferred([]byte(val), 900) })
			keys := [][]byte{[]byte("old"), []byte("new")}
			s.UpdateMulti(keys, 0, func(tx *Tx) {
				o, n := tx.Entry([]byte("old")), tx.Entry([]byte("new"))
				n.SetValue(o.Value(), o.ExpireAt())
				assert.True(t, o.Delete())
			})
			_, ok := get(s, "old", 0)
			assert.False(t, ok)
			got, ok := get(s, "new", 0)
			assert.True(t, ok)
			assert.Equal(t, val, got)
			s.Update([]byte("new"), 0, func(e *Entry) { assert.Equal(t, int64(900), e.ExpireAt()) })
			checkInvariants(t, s)
		})
	}
}

func TestViewMultiPanics(t *testing.T) {
	s := newStore(t, 4)
	set(s, "a", "1", 0, 0)
	for _, tc := range []struct {
		name string
		fn   func(tx *Tx)
	}{
		{"SetString", func(tx *Tx) { tx.Entry([]byte("a")).SetString([]byte("x"), 0) }},
		{"Delete", func(tx *Tx) { tx.Entry([]byte("a")).Delete() }},
		{"SetExpireAt", func(tx *Tx) { tx.Entry([]byte("a")).SetExpireAt(1) }},
		{"unknown-key", func(tx *Tx) { tx.Entry([]byte("zz")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Panics(t, func() { s.ViewMulti([][]byte{[]byte("a")}, 0, tc.fn) })
			// The deferred unlock must have run: a write lock is available.
			set(s, "a", "1", 0, 0)
		})
	}
	w := s.Stats().Writes
	s.ViewMulti([][]byte{[]byte("a"), []byte("b")}, 0, func(tx *Tx) {
		assert.True(t, tx.Entry([]byte("a")).Exists())
		assert.False(t, tx.Entry([]byte("b")).Exists())
	})
	s.View([]byte("a"), 0, func(Value) {})
	assert.Equal(t, w, s.Stats().Writes, "reads do not count as writes")
}

// TestOverwriteKillsOldRecord replaces or deletes a key in every way that
// writes a new record and checks the old record is marked dead (so
// compaction reclaims it) and its bytes no longer count as live. (A string
// of the same record size is written in place: TestOverwriteInPlace.)
func TestOverwriteKillsOldRecord(t *testing.T) {
	for _, tc := range []struct {
		name string
		exp  int64
		next func(e *Entry)
	}{
		{"string/persistent", 0, func(e *Entry) { e.SetString([]byte("second value, a longer one than the first"), 0) }},
		{"string/volatile", 1 << 50, func(e *Entry) { e.SetString([]byte("second value, a longer one than the first"), 1<<50) }},
		{"to-list/volatile", 1 << 50, func(e *Entry) { e.SetList(NewList(), 1<<50) }},
		{"to-hash/persistent", 0, func(e *Entry) { e.SetHash(NewHash(), 0) }},
		{"delete/volatile", 1 << 50, func(e *Entry) { e.Delete() }},
		{"persist-then-overwrite", 1 << 50, func(e *Entry) { e.SetExpireAt(0); e.SetString([]byte("x"), 0) }},
		{"gain-deadline", 0, func(e *Entry) { e.SetExpireAt(1 << 50) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, 1)
			// Other volatile keys so vol has neighbours to swap with.
			set(s, "other1", "x", 1<<50, 0)
			var loc uint32
			var old rec
			s.Update([]byte("the-key"), 0, func(e *Entry) {
				e.SetString([]byte("first value, thirty-two bytes..."), tc.exp)
				ent, ok := e.d.get(e.key, e.h)
				require.True(t, ok)
				loc, old = ent.loc, ent.r
			})
			set(s, "other2", "x", 1<<50, 0)
			d := &s.shards[0].dbs[0]
			liveBefore := d.live
			s.Update([]byte("the-key"), 0, tc.next)
			checkInvariants(t, s)
			assert.True(t, old.dead(), "old record still live")
			assert.Equal(t, -1, d.findSlot(slotOf(tagOf(hashKey([]byte("the-key"))), loc)), "index still points at the old record")
			if ent, ok := d.get([]byte("the-key"), hashKey([]byte("the-key"))); ok {
				assert.Equal(t, liveBefore-old.size()+ent.r.size(), d.live)
			} else {
				assert.Equal(t, liveBefore-old.size(), d.live)
			}
		})
	}
}

func TestVolatileIndexRandomOps(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	r := rand.New(rand.NewPCG(seed, 0))
	s := newStore(t, 4)
	model := map[string]int64{} // key -> deadline; absent = missing
	now := int64(1000)
	for step := range 20000 {
		k := fmt.Sprintf("k%d", r.IntN(200))
		exp := int64(0)
		if r.IntN(2) == 0 {
			exp = now + int64(r.IntN(50)) + 1
		}
		if me, ok := model[k]; ok && me > 0 && me <= now {
			delete(model, k)
		}
		switch op := r.IntN(7); op {
		case 0, 1:
			set(s, k, "v", exp, now)
			model[k] = exp
		case 2:
			s.Update([]byte(k), now, func(e *Entry) { e.SetInferred([]byte("a,b"), exp) })
			model[k] = exp
		case 3:
			s.Update([]byte(k), now, func(e *Entry) { e.SetExpireAt(exp) })
			if _, ok := model[k]; ok {
				model[k] = exp
			}
		case 4:
			s.Update([]byte(k), now, func(e *Entry) { e.Delete() })
			delete(model, k)
		case 5:
			s.ExpireSample(r.IntN(4), now, 1+r.IntN(25))
		case 6:
			now += int64(r.IntN(10))
		}
		if step%500 == 0 {
			checkInvariants(t, s)
			if t.Failed() {
				t.Fatalf("seed %d step %d", seed, step)
			}
		}
	}
	checkInvariants(t, s)
	for k, exp := range model {
		_, ok := get(s, k, now)
		assert.Equal(t, exp == 0 || exp > now, ok, "seed %d key %s", seed, k)
	}
	live := 0
	for i := range s.Shards() {
		s.Scan(uint64(i), now, func([]byte, Value) { live++ })
	}
	want := 0
	for _, exp := range model {
		if exp == 0 || exp > now {
			want++
		}
	}
	assert.Equal(t, want, live, "seed %d", seed)
}

func TestExpireSample(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		volatile, expired, n     int
		wantSampled, wantExpired int
	}{
		{"empty", 0, 0, 20, 0, 0},
		{"fewer-than-n/all-expired", 10, 10, 20, 10, 10},
		{"fewer-than-n/some", 10, 4, 20, 10, 4},
		{"exactly-n", 20, 20, 20, 20, 20},
		{"more-than-n/none-expired", 100, 0, 20, 20, 0},
		{"more-than-n/all-expired", 100, 100, 20, 20, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, 1)
			for i := range tc.volatile {
				exp := int64(2000)
				if i < tc.expired {
					exp = 500
				}
				set(s, fmt.Sprintf("v%d", i), "x", exp, 0)
			}
			set(s, "persistent", "x", 0, 0)
			sampled, expired := s.ExpireSample(0, 1000, tc.n)
			assert.Equal(t, tc.wantSampled, sampled)
			assert.Equal(t, tc.wantExpired, expired)
			st := s.Stats()
			assert.Equal(t, uint64(tc.wantExpired), st.ExpiredKeys)
			assert.Equal(t, tc.volatile-tc.wantExpired, st.Volatile)
			assert.Equal(t, tc.volatile-tc.wantExpired+1, st.Keys)
			checkInvariants(t, s)
		})
	}
}

func TestExpireSampleReclaimsAll(t *testing.T) {
	s := newStore(t, 8)
	for i := range 5000 {
		set(s, fmt.Sprintf("k%d", i), "x", 10, 0)
	}
	for range 1000 {
		for i := range s.Shards() {
			s.ExpireSample(i, 20, 20)
		}
	}
	assert.Equal(t, Stats{ExpiredKeys: 5000, Writes: 5000}, s.Stats())
}

func TestStatsFlushAvgTTL(t *testing.T) {
	s := newStore(t, 8)
	assert.Zero(t, s.AvgTTL(0))
	for i := range 100 {
		exp := int64(0)
		if i%2 == 0 {
			exp = 1000 + 5000
		}
		set(s, fmt.Sprintf("k%d", i), "x", exp, 0)
	}
	st := s.Stats()
	assert.Equal(t, 100, st.Keys)
	assert.Equal(t, 50, st.Volatile)
	assert.Equal(t, int64(5000), s.AvgTTL(1000))
	assert.Zero(t, s.AvgTTL(10000), "all volatile keys expired")
	assert.Equal(t, 100, s.Flush())
	assert.Equal(t, Stats{Writes: 100 + 8}, s.Stats())
	_, ok := s.RandomKey(0, nil)
	assert.False(t, ok)
}

func TestScanRandomKey(t *testing.T) {
	s := newStore(t, 16)
	want := map[string]bool{}
	for i := range 300 {
		k := fmt.Sprintf("k%d", i)
		set(s, k, "v"+k, 0, 0)
		want[k] = true
	}
	got := map[string]bool{}
	cursor, calls := uint64(0), 0
	for {
		cursor = s.Scan(cursor, 0, func(key []byte, v Value) {
			assert.Equal(t, "v"+string(key), string(v.Bytes()))
			got[string(key)] = true
		})
		calls++
		if cursor == 0 {
			break
		}
	}
	assert.Equal(t, 16, calls)
	assert.Equal(t, want, got)
	assert.Zero(t, s.Scan(99, 0, func([]byte, Value) { t.Error("called") }))

	dst := []byte("prefix:")
	dst, ok := s.RandomKey(0, dst)
	require.True(t, ok)
	assert.True(t, want[string(dst[len("prefix:"):])])
}

// TestMultiLockOrder runs overlapping UpdateMulti/ViewMulti calls with keys in
// different orders; locking in ascending shard order must keep them from
// deadlocking, and -race checks the guarded fields.
func TestMultiLockOrder(t *testing.T) {
	s := newStore(t, 4)
	keys := make([][]byte, 16)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key%d", i))
	}
	var wg sync.WaitGroup
	var total atomic.Int64
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 0))
			for range 500 {
				ks := make([][]byte, 1+r.IntN(5))
				for i := range ks {
					ks[i] = keys[r.IntN(len(keys))]
				}
				if r.IntN(4) == 0 {
					s.ViewMulti(ks, 0, func(tx *Tx) {
						for _, k := range ks {
							tx.Entry(k).Exists()
						}
					})
					continue
				}
				s.UpdateMulti(ks, 0, func(tx *Tx) {
					for _, k := range ks {
						e := tx.Entry(k)
						e.SetString([]byte("v"), int64(1+r.IntN(2))*1000)
					}
				})
				total.Add(1)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("UpdateMulti deadlocked")
	}
	assert.Positive(t, total.Load())
	checkInvariants(t, s)
}

func TestAllocs(t *testing.T) {
	s := newStore(t, DefaultShards)
	key := []byte("key:0000001")
	val := []byte("0123456789abcdef0123456789abcdef")
	set(s, string(key), string(val), 1<<50, 0)
	keys := [][]byte{key, []byte("other")} // server passes args from its own buffer
	var sink int
	view := func(v Value) { sink += len(v.Bytes()) }
	update := func(e *Entry) { e.SetString(val, 1<<50) }
	for _, tc := range []struct {
		name string
		fn   func()
		want float64
	}{
		{"View/existing", func() { s.View(key, 0, view) }, 0},
		{"View/missing", func() { s.View([]byte("nope"), 0, view) }, 0},
		{"Update/overwrite-same-size", func() { s.Update(key, 0, update) }, 0}, // a new chunk per MiB written, amortised away
		{"Update/read-only", func() { s.Update(key, 0, func(e *Entry) { sink += int(e.Kind()) }) }, 0},
		{"Update/SetExpireAt", func() { s.Update(key, 0, func(e *Entry) { e.SetExpireAt(1 << 51) }) }, 0},
		{"ViewMulti", func() { s.ViewMulti(keys, 0, func(tx *Tx) { tx.Entry(key).Exists() }) }, 0},
		{"UpdateMulti", func() { s.UpdateMulti(keys, 0, func(tx *Tx) { tx.Entry(key).SetExpireAt(1 << 50) }) }, 0},
		{"ExpireSample", func() { s.ExpireSample(0, 0, 20) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if raceEnabled && strings.Contains(tc.name, "Multi") {
				t.Skip("sync.Pool drops items under -race")
			}
			assert.Equal(t, tc.want, testing.AllocsPerRun(1000, tc.fn))
		})
	}
	_ = sink
}

// liveHeapPerKey loads n keys key:%07d with 32-byte values and returns the
// live heap growth per key after a GC.
func liveHeapPerKey(tb testing.TB, n int, exp int64) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := newStore(tb, DefaultShards)
	val := []byte("0123456789abcdef0123456789abcdef")
	key := make([]byte, 0, 16)
	for i := range n {
		key = fmt.Appendf(key[:0], "key:%07d", i)
		s.Update(key, 0, func(e *Entry) { e.SetString(val, exp) })
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

// TestMemoryPerKey bounds the live heap of stored string keys, the number
// the memory target rests on (Redis holds such a key in ~130 B of RSS; Go's
// GC keeps more RSS than live heap, so the live heap must stay well under
// that). 1,000,000 keys measured 91 B/key without TTL and 116 with (a
// 64 or 80 B record, ~17 B of index slot, up to a sixteenth of the tail chunk
// unused); the bound leaves room for the index's growth phase, not for a
// layout regression such as a second allocation per key (+16..48 B/key).
// BenchmarkMemory1M reports the 1M figure.
func TestMemoryPerKey(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 1,000,000 keys")
	}
	for _, tc := range []struct {
		name  string
		exp   int64
		bound float64
	}{{"persistent", 0, 105}, {"volatile", 1 << 50, 130}} {
		t.Run(tc.name, func(t *testing.T) {
			perKey := liveHeapPerKey(t, 1_000_000, tc.exp)
			t.Logf("%.1f B/key of live heap", perKey)
			assert.Less(t, perKey, tc.bound)
		})
	}
}

func BenchmarkMemory1M(b *testing.B) {
	for _, tc := range []struct {
		name string
		exp  int64
	}{{"persistent", 0}, {"volatile", 1 << 50}} {
		b.Run(tc.name, func(b *testing.B) {
			var perKey float64
			for b.Loop() {
				perKey = liveHeapPerKey(b, 1_000_000, tc.exp)
			}
			b.ReportMetric(perKey, "B/key")
		})
	}
}

func BenchmarkViewUpdate(b *testing.B) {
	s := newStore(b, DefaultShards)
	keys := make([][]byte, 100_000)
	val := []byte("0123456789abcdef0123456789abcdef")
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key:%07d", i)
		s.Update(keys[i], 0, func(e *Entry) { e.SetString(val, 0) })
	}
	var sink int
	b.Run("View", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			s.View(keys[i%len(keys)], 0, func(v Value) { sink += len(v.Bytes()) })
			i++
		}
	})
	b.Run("Update", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			s.Update(keys[i%len(keys)], 0, func(e *Entry) { e.SetString(val, 0) })
			i++
		}
	})
	_ = sink
}

// TestTxEntryAnyOrder asks a Tx for its cursors in order, in reverse, shuffled
// and by equal copies of the keys, for call sizes on both sides of the
// scan/index switch, and checks each cursor belongs to its key.
func TestTxEntryAnyOrder(t *testing.T) {
	for _, n := range []int{1, 3, smallTx, smallTx + 1, 1000} {
		for _, order := range []string{"in-order", "reverse", "shuffled", "copies"} {
			t.Run(fmt.Sprintf("keys=%d/%s", n, order), func(t *testing.T) {
				s := newStore(t, 8)
				keys := make([][]byte, n)
				for i := range keys {
					keys[i] = fmt.Appendf(nil, "k%d", i)
				}
				idx := make([]int, n)
				for i := range idx {
					idx[i] = i
				}
				switch order {
				case "reverse":
					slices.Reverse(idx)
				case "shuffled":
					rand.New(rand.NewPCG(1, 2)).Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
				}
				s.UpdateMulti(keys, 0, func(tx *Tx) {
					for _, i := range idx {
						k := keys[i]
						if order == "copies" {
							k = slices.Clone(k)
						}
						tx.Entry(k).SetString(keys[i], 0)
					}
					assert.Panics(t, func() { tx.Entry([]byte("not-a-key")) })
				})
				for _, k := range keys {
					v, ok := get(s, string(k), 0)
					assert.True(t, ok)
					assert.Equal(t, string(k), v, "value stored through the cursor of another key")
				}
			})
		}
	}
}

// TestTxEntryDuplicateKeys gives the same key twice (MSET k a k b): both
// cursors act on the one key and the last write wins.
func TestTxEntryDuplicateKeys(t *testing.T) {
	s := newStore(t, 4)
	keys := [][]byte{[]byte("k"), []byte("other"), []byte("k")}
	s.UpdateMulti(keys, 0, func(tx *Tx) {
		tx.Entry(keys[0]).SetString([]byte("a"), 0)
		tx.Entry(keys[1]).SetString([]byte("o"), 0)
		tx.Entry(keys[2]).SetString([]byte("b"), 0)
		assert.Equal(t, "b", string(tx.Entry(keys[0]).Value().Bytes()))
	})
	v, _ := get(s, "k", 0)
	assert.Equal(t, "b", v)
}

// TestCallbackPanicUnlocks panics inside the callback of every method that
// runs one under a shard lock and checks the shard can be write-locked
// afterwards: the server recovers a panicking command and carries on, so a
// lock left held would block that shard's writers for good.
func TestCallbackPanicUnlocks(t *testing.T) {
	key := []byte("k")
	for name, call := range map[string]func(s *Store){
		"View":        func(s *Store) { s.View(key, 0, func(Value) { panic("boom") }) },
		"Update":      func(s *Store) { s.Update(key, 0, func(*Entry) { panic("boom") }) },
		"ViewMulti":   func(s *Store) { s.ViewMulti([][]byte{key}, 0, func(*Tx) { panic("boom") }) },
		"UpdateMulti": func(s *Store) { s.UpdateMulti([][]byte{key}, 0, func(*Tx) { panic("boom") }) },
		"Scan":        func(s *Store) { s.Scan(0, 0, func([]byte, Value) { panic("boom") }) },
	} {
		t.Run(name, func(t *testing.T) {
			s := newStore(t, 1)
			set(s, "k", "v", 0, 0)
			assert.Panics(t, func() { call(s) })
			sh := &s.shards[0]
			require.True(t, sh.mu.TryLock(), "shard still locked after a panicking callback")
			sh.mu.Unlock()
		})
	}
}
