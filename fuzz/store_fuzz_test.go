package fuzz

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzInferRender: a value stored the Mini-Redis way renders back byte for
// byte (a hash with a repeated field aside: it keeps one pair per field),
// and its kind is what Infer said.
func FuzzInferRender(f *testing.F) {
	for _, s := range []string{
		"hello", "red,green,blue", "a,,b,", ",", "name:Alice,age:30", "a:1,a:2", "a:1,b",
		"Hello, world", "k:v:w,x:", ":,:", "", "a b,c",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		s, err := shard.New(4)
		require.NoError(t, err)
		kind := shard.Infer(v)
		key := []byte("k")
		s.Update(key, 1, func(e *shard.Entry) { e.SetInferred(v, 0) })
		var got []byte
		var gotKind shard.Kind
		require.True(t, s.View(key, 1, func(val shard.Value) {
			gotKind = val.Kind()
			got = shard.AppendRendered(nil, val)
		}))
		assert.Equal(t, kind, gotKind)
		if kind == shard.KindHash && repeatedField(v) {
			return
		}
		assert.Equal(t, string(v), string(got))
	})
}

func repeatedField(v []byte) bool {
	seen := map[string]bool{}
	for elem := range bytes.SplitSeq(v, []byte(",")) {
		f, _, _ := bytes.Cut(elem, []byte(":"))
		if seen[string(f)] {
			return true
		}
		seen[string(f)] = true
	}
	return false
}

// model is the reference the store is checked against: a plain map, with
// deadlines in the same unix-ms clock.
type model map[string]modelEntry

type modelEntry struct {
	val string
	exp int64
}

func (m model) live(k string, now int64) (modelEntry, bool) {
	e, ok := m[k]
	if !ok || e.exp > 0 && e.exp <= now {
		return modelEntry{}, false
	}
	return e, true
}

// opReader hands out the fuzz bytes one at a time, zero once they run out.
type opReader struct{ b []byte }

func (r *opReader) next() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// FuzzStore decodes a sequence of operations (set, get, delete, expire,
// advance the clock, a two-key move under UpdateMulti, an active-expiry
// pass) from the fuzz bytes, runs it on shard.Store and on a plain map, and
// demands the same results after every step and the same live keys at the
// end.
func FuzzStore(f *testing.F) {
	f.Add([]byte{0, 1, 5, 1, 1, 1, 4, 200, 1, 1})
	f.Add([]byte{0, 2, 3, 2, 3, 2, 1, 4, 0, 6, 1, 2})
	f.Add([]byte{0, 1, 1, 3, 5, 2, 0, 3, 2, 9, 0, 4, 50, 6, 1, 1, 5, 1, 3})
	f.Add([]byte{0, 0, 0, 1, 5, 0, 3, 0, 0, 4, 1, 2, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 4096 {
			return
		}
		s, err := shard.New(4)
		require.NoError(t, err)
		m := model{}
		now := int64(1_000)
		r := &opReader{ops}
		keyOf := func() []byte { return fmt.Appendf(nil, "k%d", r.next()%8) }
		for step := 0; len(r.b) > 0; step++ {
			op := r.next() % 7
			switch op {
			case 0: // SET key value [ttl]
				k := keyOf()
				v := bytes.Repeat([]byte{'a' + r.next()%26}, int(r.next()%40))
				var exp int64
				if ttl := r.next() % 4; ttl > 0 {
					exp = now + int64(ttl)*10
				}
				s.Update(k, now, func(e *shard.Entry) { e.SetString(v, exp) })
				m[string(k)] = modelEntry{string(v), exp}
			case 1: // GET
				k := keyOf()
				var got []byte
				ok := s.View(k, now, func(v shard.Value) { got = bytes.Clone(v.Bytes()) })
				want, wok := m.live(string(k), now)
				require.Equal(t, wok, ok, "step %d GET %s", step, k)
				if ok {
					require.Equal(t, want.val, string(got), "step %d GET %s", step, k)
				}
			case 2: // DEL
				k := keyOf()
				var got bool
				s.Update(k, now, func(e *shard.Entry) { got = e.Delete() })
				_, want := m.live(string(k), now)
				delete(m, string(k))
				require.Equal(t, want, got, "step %d DEL %s", step, k)
			case 3: // PEXPIREAT key (now + delta), delta in [-20, 40]; 0 byte persists
				k := keyOf()
				b := r.next()
				var at int64
				if b != 0 {
					at = now + int64(b%61) - 20
				}
				s.Update(k, now, func(e *shard.Entry) { e.SetExpireAt(at) })
				if e, ok := m.live(string(k), now); ok {
					if at > 0 && at <= now {
						delete(m, string(k))
					} else {
						e.exp = at
						m[string(k)] = e
					}
				} else {
					delete(m, string(k))
				}
			case 4: // advance the clock
				now += int64(r.next() % 50)
			case 5: // move src to dst under UpdateMulti (RENAME)
				src, dst := keyOf(), keyOf()
				if bytes.Equal(src, dst) {
					continue
				}
				var moved bool
				s.UpdateMulti([][]byte{src, dst}, now, func(tx *shard.Tx) {
					se := tx.Entry(src)
					v := se.Value()
					if v.Kind() == shard.KindNone {
						return
					}
					tx.Entry(dst).SetValue(v, v.ExpireAt())
					se.Delete()
					moved = true
				})
				e, ok := m.live(string(src), now)
				require.Equal(t, ok, moved, "step %d MOVE %s %s", step, src, dst)
				if ok {
					m[string(dst)] = e
					delete(m, string(src))
				}
			case 6: // an active-expiry pass over every shard
				for i := range s.Shards() {
					s.ExpireSample(i, now, 20)
				}
			}
		}
		var got []string
		for cur := uint64(0); ; {
			cur = s.Scan(cur, now, func(k []byte, _ shard.Value) { got = append(got, string(k)) })
			if cur == 0 {
				break
			}
		}
		var want []string
		for k := range m {
			if _, ok := m.live(k, now); ok {
				want = append(want, k)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		assert.Equal(t, want, got, "live keys at the end")
		st := s.Stats()
		assert.GreaterOrEqual(t, st.Keys, len(want))
		assert.LessOrEqual(t, st.Volatile, st.Keys)
	})
}
