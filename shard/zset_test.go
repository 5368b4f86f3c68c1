package shard

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type zpair struct {
	m string
	s float64
}

func zcmp(a, b zpair) int {
	if c := cmp.Compare(a.s, b.s); c != 0 {
		return c
	}
	return cmp.Compare(a.m, b.m)
}

// checkZSet verifies the skip list invariants against a sorted model: the
// level-0 chain and the back links give the model in order, every span
// equals the level-0 distance it covers, and rank and lookups agree.
func checkZSet(t *testing.T, z *ZSet, model []zpair, msg string) bool {
	t.Helper()
	ok := assert.Equal(t, len(model), z.Len(), msg)
	var got []zpair
	for x := z.head.lvl[0].next; x != nil; x = x.lvl[0].next {
		got = append(got, zpair{x.member, x.score})
	}
	ok = ok && assert.Equal(t, model, got, msg)
	var back []zpair
	for x := z.tail; x != nil; x = x.prev {
		back = append([]zpair{{x.member, x.score}}, back...)
	}
	ok = ok && assert.Equal(t, model, back, "%s: back links", msg)
	pos := map[*zNode]int{z.head: 0}
	i := 1
	for x := z.head.lvl[0].next; x != nil; x = x.lvl[0].next {
		pos[x] = i
		i++
	}
	for x := z.head; x != nil; x = x.lvl[0].next {
		for l := 0; l < len(x.lvl) && l < z.level; l++ {
			n := x.lvl[l].next
			if n == nil {
				continue // spans of nil links are never read
			}
			ok = ok && assert.Equal(t, pos[n]-pos[x], x.lvl[l].span, "%s: span level %d at %d", msg, l, pos[x])
		}
	}
	for r, p := range model {
		rank, found := z.Rank([]byte(p.m))
		ok = ok && assert.True(t, found, msg) && assert.Equal(t, r, rank, "%s: rank of %s", msg, p.m)
		s, _ := z.Score([]byte(p.m))
		ok = ok && assert.Equal(t, p.s, s, msg)
	}
	return ok
}

func TestZSetAgainstSortedSlice(t *testing.T) {
	for _, seed := range []uint64{1, 42} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 0))
			z := NewZSet()
			var model []zpair
			for step := range 3000 {
				m := fmt.Sprintf("m%d", r.IntN(200))
				s := float64(r.IntN(20)) // many ties: order falls back to members
				i := slices.IndexFunc(model, func(p zpair) bool { return p.m == m })
				switch r.IntN(3) {
				case 0, 1:
					added := z.Add([]byte(m), s)
					assert.Equal(t, i < 0, added)
					if i >= 0 {
						model = slices.Delete(model, i, i+1)
					}
					model = append(model, zpair{m, s})
					slices.SortFunc(model, zcmp)
				case 2:
					assert.Equal(t, i >= 0, z.Delete([]byte(m)))
					if i >= 0 {
						model = slices.Delete(model, i, i+1)
					}
				}
				if step%250 == 0 || step > 2980 {
					require.True(t, checkZSet(t, z, model, fmt.Sprintf("seed %d step %d", seed, step)))
				}
			}
			// Range, reverse range and the score/lex counts against the model.
			n := len(model)
			for range 200 {
				a, b := r.IntN(n+1), r.IntN(n+1)
				start, stop := min(a, b), max(a, b)-1
				var fwd, rev []zpair
				z.Range(start, stop, false, func(m []byte, s float64) bool { fwd = append(fwd, zpair{string(m), s}); return true })
				z.Range(start, stop, true, func(m []byte, s float64) bool { rev = append(rev, zpair{string(m), s}); return true })
				var wantRev []zpair
				for i := start; i <= stop; i++ {
					wantRev = append(wantRev, model[n-1-i])
				}
				if start <= stop {
					assert.Equal(t, model[start:stop+1], fwd)
				} else {
					assert.Empty(t, fwd)
				}
				assert.Equal(t, wantRev, rev)
				s := float64(r.IntN(22) - 1)
				below, upTo := 0, 0
				for _, p := range model {
					if p.s < s {
						below++
					}
					if p.s <= s {
						upTo++
					}
				}
				assert.Equal(t, below, z.CountBelow(s, false), "score %v", s)
				assert.Equal(t, upTo, z.CountBelow(s, true), "score %v", s)
			}
			c := z.clone()
			checkZSet(t, c, model, "clone")
		})
	}
}

func TestZSetLexCounts(t *testing.T) {
	z := NewZSet()
	for _, m := range []string{"a", "b", "c", "d", "e"} {
		z.Add([]byte(m), 0)
	}
	for _, tc := range []struct {
		m       string
		orEqual bool
		want    int
	}{{"", false, 0}, {"a", false, 0}, {"a", true, 1}, {"bb", false, 2}, {"e", true, 5}, {"z", false, 5}} {
		assert.Equal(t, tc.want, z.CountBelowLex([]byte(tc.m), tc.orEqual), "%q %v", tc.m, tc.orEqual)
	}
}

func TestZSetScoreUpdateMoves(t *testing.T) {
	z := NewZSet()
	z.Add([]byte("a"), 1)
	z.Add([]byte("b"), 2)
	assert.False(t, z.Add([]byte("a"), 3))
	r, _ := z.Rank([]byte("a"))
	assert.Equal(t, 1, r)
	checkZSet(t, z, []zpair{{"b", 2}, {"a", 3}}, "moved")
}

func TestSetAddDeleteAt(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 0))
	s := NewSet()
	model := map[string]bool{}
	for range 5000 {
		m := fmt.Sprint(r.IntN(300))
		if r.IntN(2) == 0 {
			assert.Equal(t, !model[m], s.Add([]byte(m)))
			model[m] = true
		} else {
			assert.Equal(t, model[m], s.Delete([]byte(m)))
			delete(model, m)
		}
	}
	require.Equal(t, len(model), s.Len())
	seen := map[string]bool{}
	for i := range s.Len() {
		seen[string(s.At(i))] = true
	}
	assert.Equal(t, model, seen)
	for m := range model {
		assert.True(t, s.Has([]byte(m)))
	}
	c := s.clone()
	assert.Equal(t, s.Len(), c.Len())
	c.Delete(s.At(0))
	assert.Equal(t, len(model), s.Len(), "clone is independent")
}

func TestListInsertRemoveTrim(t *testing.T) {
	seed := uint64(11)
	r := rand.New(rand.NewPCG(seed, 0))
	l := NewList()
	var model []string
	for step := range 3000 {
		v := string(rune('a' + r.IntN(4)))
		switch r.IntN(5) {
		case 0, 1:
			i := r.IntN(len(model) + 1)
			l.Insert(i, []byte(v))
			model = slices.Insert(model, i, v)
		case 2:
			l.PushFront([]byte(v)) // exercise ring wrap-around
			model = slices.Insert(model, 0, v)
		case 3:
			count := r.IntN(5) - 2
			want, removed := model[:0:0], 0
			if count >= 0 {
				for _, e := range model {
					if e == v && (count == 0 || removed < count) {
						removed++
						continue
					}
					want = append(want, e)
				}
			} else {
				for i := len(model) - 1; i >= 0; i-- {
					if model[i] == v && removed < -count {
						removed++
						continue
					}
					want = append([]string{model[i]}, want...)
				}
			}
			assert.Equal(t, removed, l.Remove([]byte(v), count), "seed %d step %d", seed, step)
			model = want
		case 4:
			if len(model) > 40 {
				start, stop := r.IntN(10)-5, r.IntN(60)-20
				l.Trim(start, stop)
				n := len(model)
				s, e := start, stop
				if s < 0 {
					s = max(s+n, 0)
				}
				if e < 0 {
					e += n
				}
				e = min(e, n-1)
				if s > e {
					model = nil
				} else {
					model = slices.Clone(model[s : e+1])
				}
			}
		}
		require.Equal(t, nilIfEmpty(model), nilIfEmpty(listOf(l)), "seed %d step %d", seed, step)
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestStoreSetZSetKindsAndCopy(t *testing.T) {
	s, err := New(4)
	require.NoError(t, err)
	s.Update([]byte("s"), 1, func(e *Entry) {
		st := NewSet()
		st.Add([]byte("x"))
		e.SetSet(st, 0)
	})
	s.Update([]byte("z"), 1, func(e *Entry) {
		z := NewZSet()
		z.Add([]byte("y"), 1.5)
		e.SetZSet(z, 100)
	})
	s.UpdateMulti([][]byte{[]byte("s"), []byte("z"), []byte("s2"), []byte("z2")}, 1, func(tx *Tx) {
		tx.Entry([]byte("s2")).SetValue(tx.Entry([]byte("s")).Value(), 0)
		tx.Entry([]byte("z2")).SetValue(tx.Entry([]byte("z")).Value(), 0)
		tx.Entry([]byte("s")).Set().Add([]byte("more"))
		tx.Entry([]byte("z")).ZSet().Delete([]byte("y"))
	})
	for _, tc := range []struct {
		key  string
		kind Kind
		n    int
		exp  int64
	}{{"s", KindSet, 2, 0}, {"s2", KindSet, 1, 0}, {"z", KindZSet, 0, 100}, {"z2", KindZSet, 1, 0}} {
		s.View([]byte(tc.key), 1, func(v Value) {
			assert.Equal(t, tc.kind, v.Kind(), tc.key)
			assert.Equal(t, tc.exp, v.ExpireAt(), tc.key)
			if tc.kind == KindSet {
				assert.Equal(t, tc.n, v.Set().Len(), tc.key)
				assert.Nil(t, v.ZSet())
			} else {
				assert.Equal(t, tc.n, v.ZSet().Len(), tc.key)
				assert.Nil(t, v.Set())
			}
		})
	}
	assert.Equal(t, "set", KindSet.String())
	assert.Equal(t, "zset", KindZSet.String())
	// Overwriting a set with a string and back keeps the key consistent.
	s.Update([]byte("s"), 1, func(e *Entry) { e.SetString([]byte("v"), 0) })
	s.View([]byte("s"), 1, func(v Value) { assert.Equal(t, "v", string(v.Bytes())) })
	s.Update([]byte("s"), 1, func(e *Entry) { assert.True(t, e.Delete()) })
	assert.Equal(t, 3, s.Stats().Keys)
}
