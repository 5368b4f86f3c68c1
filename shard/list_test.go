package shard

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func listOf(l *List) []string {
	var out []string
	l.Range(0, -1, func(v []byte) bool { out = append(out, string(v)); return true })
	return out
}

func TestListDeque(t *testing.T) {
	// A model slice checked against the ring buffer across wrap-arounds and growth.
	seed := uint64(7)
	r := rand.New(rand.NewPCG(seed, 0))
	l := NewList()
	var model []string
	for i := range 2000 {
		v := []byte{byte('a' + i%26)}
		switch r.IntN(4) {
		case 0:
			l.PushFront(v)
			model = append([]string{string(v)}, model...)
		case 1:
			l.PushBack(v)
			model = append(model, string(v))
		case 2:
			got, ok := l.PopFront()
			if assert.Equal(t, len(model) > 0, ok, "seed %d step %d", seed, i) && ok {
				assert.Equal(t, model[0], string(got))
				model = model[1:]
			}
		case 3:
			got, ok := l.PopBack()
			if assert.Equal(t, len(model) > 0, ok, "seed %d step %d", seed, i) && ok {
				assert.Equal(t, model[len(model)-1], string(got))
				model = model[:len(model)-1]
			}
		}
		require.Equal(t, len(model), l.Len(), "seed %d step %d", seed, i)
	}
	assert.Equal(t, model, listOf(l))
}

func TestListIndexSetRange(t *testing.T) {
	l := NewList()
	for _, v := range []string{"a", "b", "c", "d", "e"} {
		l.PushBack([]byte(v))
	}
	l.PopFront() // move head off slot 0 so indices wrap
	l.PushBack([]byte("f"))
	require.Equal(t, []string{"b", "c", "d", "e", "f"}, listOf(l))

	for _, tc := range []struct {
		i    int
		want []byte
	}{{0, []byte("b")}, {4, []byte("f")}, {-1, []byte("f")}, {-5, []byte("b")}, {5, nil}, {-6, nil}} {
		assert.Equal(t, tc.want, l.Index(tc.i), "Index(%d)", tc.i)
	}
	assert.True(t, l.Set(-2, []byte("E")))
	assert.False(t, l.Set(5, []byte("x")))
	assert.Equal(t, []byte("E"), l.Index(3))

	for _, tc := range []struct {
		name        string
		start, stop int
		want        []string
	}{
		{"all", 0, -1, []string{"b", "c", "d", "E", "f"}},
		{"middle", 1, 2, []string{"c", "d"}},
		{"negative", -3, -2, []string{"d", "E"}},
		{"clamp-start", -100, 0, []string{"b"}},
		{"clamp-stop", 3, 100, []string{"E", "f"}},
		{"start-after-stop", 3, 1, nil},
		{"start-past-end", 5, 10, nil},
		{"stop-before-start-neg", 0, -6, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			l.Range(tc.start, tc.stop, func(v []byte) bool { got = append(got, string(v)); return true })
			assert.Equal(t, tc.want, got)
		})
	}
	var n int
	l.Range(0, -1, func([]byte) bool { n++; return n < 2 })
	assert.Equal(t, 2, n, "Range stops when fn returns false")
}

func TestListCopiesInput(t *testing.T) {
	l := NewList()
	b := []byte("abc")
	l.PushBack(b)
	l.PushFront(b)
	b[0] = 'X'
	assert.Equal(t, []string{"abc", "abc"}, listOf(l))
}

func TestListMove(t *testing.T) {
	fill := func(vs ...string) *List {
		l := NewList()
		for _, v := range vs {
			l.PushBack([]byte(v))
		}
		return l
	}
	tests := []struct {
		name               string
		fromFront, toFront bool
		elem               string
		src, dst           []string
	}{
		{"left left", true, true, "a", []string{"b", "c"}, []string{"a", "x", "y"}},
		{"left right", true, false, "a", []string{"b", "c"}, []string{"x", "y", "a"}},
		{"right left", false, true, "c", []string{"a", "b"}, []string{"c", "x", "y"}},
		{"right right", false, false, "c", []string{"a", "b"}, []string{"x", "y", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, dst := fill("a", "b", "c"), fill("x", "y")
			srcVer, dstVer := src.ver, dst.ver
			v, ok := src.Move(dst, tt.fromFront, tt.toFront)
			require.True(t, ok)
			assert.Equal(t, tt.elem, string(v))
			assert.Equal(t, tt.src, listOf(src))
			assert.Equal(t, tt.dst, listOf(dst))
			assert.NotEqual(t, srcVer, src.ver, "the source's change is visible to the store")
			assert.NotEqual(t, dstVer, dst.ver, "the destination's change is visible to the store")
		})
	}
	t.Run("same list rotates", func(t *testing.T) {
		l := fill("a", "b", "c")
		v, ok := l.Move(l, true, false)
		require.True(t, ok)
		assert.Equal(t, "a", string(v))
		assert.Equal(t, []string{"b", "c", "a"}, listOf(l))
		v, _ = l.Move(l, false, true)
		assert.Equal(t, "a", string(v))
		assert.Equal(t, []string{"a", "b", "c"}, listOf(l))
		one := fill("z")
		_, ok = one.Move(one, true, true)
		require.True(t, ok)
		assert.Equal(t, []string{"z"}, listOf(one), "a one-element list survives a move onto itself")
	})
	t.Run("empty source", func(t *testing.T) {
		src, dst := NewList(), fill("x")
		ver := dst.ver
		_, ok := src.Move(dst, true, true)
		assert.False(t, ok)
		assert.Equal(t, []string{"x"}, listOf(dst))
		assert.Equal(t, ver, dst.ver, "nothing pushed")
	})
	t.Run("across growth and wrap-around", func(t *testing.T) {
		// Moving tail to head, one by one, rebuilds the source in dst.
		src, dst := NewList(), NewList()
		for i := range 50 {
			src.PushFront([]byte{byte('a' + i%26)})
		}
		want := listOf(src)
		for range 50 {
			_, ok := src.Move(dst, false, true)
			require.True(t, ok)
		}
		assert.Zero(t, src.Len())
		assert.Equal(t, want, listOf(dst))
	})
}

func hashOf(h *Hash) []string {
	var out []string
	h.Each(func(f, v []byte) bool { out = append(out, string(f)+"="+string(v)); return true })
	return out
}

func TestHash(t *testing.T) {
	for _, n := range []int{3, smallHash, smallHash + 1, 100} {
		t.Run("fields="+string(rune('0'+n%10))+"/"+itoa(n), func(t *testing.T) {
			h := NewHash()
			var want []string
			for i := range n {
				assert.True(t, h.Set([]byte("f"+itoa(i)), []byte("v"+itoa(i))))
				want = append(want, "f"+itoa(i)+"=v"+itoa(i))
			}
			assert.False(t, h.Set([]byte("f0"), []byte("new")), "existing field")
			want[0] = "f0=new"
			assert.Equal(t, n, h.Len())
			assert.Equal(t, want, hashOf(h))
			v, ok := h.Get([]byte("f0"))
			assert.True(t, ok)
			assert.Equal(t, "new", string(v))
			_, ok = h.Get([]byte("nope"))
			assert.False(t, ok)

			// Delete every other field: tombstones get compacted, order kept.
			var kept []string
			for i := range n {
				if i%2 == 0 {
					assert.True(t, h.Delete([]byte("f"+itoa(i))))
				} else {
					kept = append(kept, want[i])
				}
			}
			assert.False(t, h.Delete([]byte("f0")))
			assert.Equal(t, kept, hashOf(h))
			assert.Equal(t, len(kept), h.Len())
			assert.LessOrEqual(t, len(h.fields)-h.live, h.live, "tombstones bounded")
			for i := 1; i < n; i += 2 {
				_, ok := h.Get([]byte("f" + itoa(i)))
				assert.True(t, ok, "f%d after deletes", i)
			}
			c := h.clone()
			assert.Equal(t, hashOf(h), hashOf(c))
		})
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
