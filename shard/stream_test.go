package shard

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// streamModel is the obvious stream: a sorted slice of live entries.
type streamModel struct {
	ids    []StreamID
	values map[StreamID]string
}

func entryValues(e StreamEntry) string {
	var s string
	e.Each(func(f, v []byte) { s += string(f) + "=" + string(v) + ";" })
	return s
}

func collect(s *Stream, start, end StreamID, rev bool, limit int) []StreamID {
	var out []StreamID
	s.Range(start, end, rev, func(e StreamEntry) bool {
		out = append(out, e.ID())
		return len(out) < limit
	})
	return out
}

// TestStreamAgainstModel runs random appends, deletions, trims and range
// reads on a Stream and on the model, and compares every read.
func TestStreamAgainstModel(t *testing.T) {
	seed := rand.Uint64()
	r := rand.New(rand.NewPCG(seed, 0))
	defer func() {
		if t.Failed() {
			t.Logf("seed %d", seed)
		}
	}()
	s := NewStream()
	m := streamModel{values: map[StreamID]string{}}
	id := StreamID{1, 0}
	randID := func() StreamID {
		if len(m.ids) > 0 && r.IntN(3) > 0 {
			return m.ids[r.IntN(len(m.ids))]
		}
		return StreamID{uint64(r.IntN(int(id.Ms) + 2)), uint64(r.IntN(4))}
	}
	for step := range 20000 {
		switch op := r.IntN(10); {
		case op < 5:
			if r.IntN(3) == 0 {
				id = StreamID{id.Ms + uint64(r.IntN(3)), 0}
			} else {
				id.Seq++
			}
			if !s.LastID().Less(id) {
				id, _ = s.LastID().Next()
			}
			fields := []string{"f", strconv.Itoa(step)}
			if r.IntN(4) == 0 {
				fields = append(fields, "g"+strconv.Itoa(r.IntN(3)), "x")
			}
			fv := make([][]byte, len(fields))
			for i, f := range fields {
				fv[i] = []byte(f)
			}
			s.Add(id, fv)
			m.ids = append(m.ids, id)
			var want string
			for i := 0; i < len(fields); i += 2 {
				want += fields[i] + "=" + fields[i+1] + ";"
			}
			m.values[id] = want
		case op < 7:
			del := randID()
			i, ok := slices.BinarySearchFunc(m.ids, del, StreamID.Compare)
			n := s.Delete([]StreamID{del})
			if ok {
				m.ids = slices.Delete(m.ids, i, i+1)
			}
			require.Equal(t, b2i(ok), n, "delete %v", del)
		case op < 8:
			maxLen := int64(r.IntN(len(m.ids) + 1))
			n := s.Trim(false, maxLen, StreamID{}, false, 0)
			want := max(int64(len(m.ids))-maxLen, 0)
			m.ids = m.ids[want:]
			require.Equal(t, want, n)
		case op < 9:
			minID := randID()
			i, _ := slices.BinarySearchFunc(m.ids, minID, StreamID.Compare)
			n := s.Trim(true, 0, minID, false, 0)
			m.ids = m.ids[i:]
			require.Equal(t, int64(i), n)
		default:
			a, b := randID(), randID()
			if b.Less(a) {
				a, b = b, a
			}
			lo, _ := slices.BinarySearchFunc(m.ids, a, StreamID.Compare)
			hi, found := slices.BinarySearchFunc(m.ids, b, StreamID.Compare)
			if found {
				hi++
			}
			want := m.ids[lo:hi]
			got := collect(s, a, b, false, 1<<30)
			assert.Equal(t, len(want), len(got))
			if len(want) > 0 {
				require.Equal(t, want, got, "range %v %v", a, b)
				rev := collect(s, a, b, true, 1<<30)
				slices.Reverse(rev)
				require.Equal(t, want, rev)
				e, ok := s.Get(want[0])
				require.True(t, ok)
				require.Equal(t, m.values[want[0]], entryValues(e))
			}
		}
		require.Equal(t, len(m.ids), s.Len())
		if len(m.ids) > 0 {
			require.Equal(t, m.ids[0], s.FirstID(), "step %d", step)
			require.Equal(t, m.ids[len(m.ids)-1], s.LastValidID())
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestStreamNodes checks that nodes fill up where Redis's listpacks do: at
// 100 entries, or when the listpack would reach 4096 bytes; and that an
// approximate trim removes whole nodes only.
func TestStreamNodes(t *testing.T) {
	s := NewStream()
	for i := range 250 {
		s.Add(StreamID{1, uint64(i + 1)}, [][]byte{[]byte("f"), []byte("v")})
	}
	assert.Equal(t, 3, s.Nodes())
	assert.Equal(t, int64(0), s.Trim(false, 200, StreamID{}, true, 0), "the first node holds 100 entries: removing it would leave 150 < 200")
	assert.Equal(t, int64(100), s.Trim(false, 150, StreamID{}, true, 0))
	assert.Equal(t, int64(0), s.Trim(false, 0, StreamID{}, true, 50), "LIMIT 50 stops before a node of 100")
	assert.Equal(t, 150, s.Len())

	big := NewStream()
	v := make([]byte, 1000)
	for i := range 10 {
		big.Add(StreamID{1, uint64(i + 1)}, [][]byte{[]byte("f"), v})
	}
	// A 1000-byte value costs 1004 listpack bytes: four fit under 4096
	// with the header and the master entry, a fifth would not.
	assert.Equal(t, 3, big.Nodes())
}

func TestLpSizes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"0", 2}, {"127", 2}, {"128", 3}, {"-1", 3}, {"4095", 3}, {"4096", 4}, {"-32768", 4}, {"8388607", 5},
		{"2147483647", 6}, {"2147483648", 10}, {"9223372036854775807", 10}, {"9223372036854775808", 21},
		{"01", 4}, {"-0", 4}, {"+1", 4}, {"", 2}, {"a", 3}, {string(make([]byte, 63)), 65}, {string(make([]byte, 64)), 67},
		{string(make([]byte, 200)), 204},
	} {
		assert.Equal(t, tc.want, lpStringSize([]byte(tc.in)), "%q", tc.in)
	}
}

// TestStreamGroups checks the pending lists: deliveries, a second delivery
// handing the entry over, acknowledgements, consumer deletion, the read
// counter and the lag.
func TestStreamGroups(t *testing.T) {
	s := NewStream()
	for i := 1; i <= 5; i++ {
		s.Add(StreamID{uint64(i), 0}, [][]byte{[]byte("f"), []byte("v")})
	}
	require.True(t, s.CreateGroup([]byte("g"), StreamID{}, 0))
	require.False(t, s.CreateGroup([]byte("g"), StreamID{}, 0))
	g := s.Group([]byte("g"))
	a, created := g.CreateConsumer([]byte("a"), 10)
	require.True(t, created)
	b, _ := g.CreateConsumer([]byte("b"), 10)
	for i := 1; i <= 3; i++ {
		id := StreamID{uint64(i), 0}
		g.Deliver(id, a, 20)
		g.Delivered(id)
	}
	lag, ok := g.Lag()
	assert.True(t, ok)
	assert.Equal(t, int64(2), lag)
	assert.Equal(t, int64(3), g.EntriesRead())
	g.Deliver(StreamID{2, 0}, b, 30)
	assert.Equal(t, 2, a.Pending())
	assert.Equal(t, 1, b.Pending())
	assert.Equal(t, 3, g.Pending())
	assert.True(t, g.Ack(StreamID{1, 0}))
	assert.False(t, g.Ack(StreamID{1, 0}))
	n, ok := g.DeleteConsumer([]byte("a"))
	assert.True(t, ok)
	assert.Equal(t, 1, n)
	assert.Equal(t, 1, g.Pending())
	first, last := g.PendingEdges()
	assert.Equal(t, StreamID{2, 0}, first)
	assert.Equal(t, StreamID{2, 0}, last)

	c := s.clone()
	c.Group([]byte("g")).Ack(StreamID{2, 0})
	assert.Equal(t, 1, g.Pending(), "a clone shares no pending list")
	s.Delete([]StreamID{{4, 0}})
	_, ok = g.Lag()
	assert.False(t, ok, "a deletion after the last delivered ID makes the lag unknown")
}

func TestIDList(t *testing.T) {
	var l idList[int]
	r := rand.New(rand.NewPCG(1, 2))
	want := map[StreamID]int{}
	for i := range 3000 {
		id := StreamID{uint64(r.IntN(100)), uint64(r.IntN(10))}
		if r.IntN(3) == 0 {
			_, ok := l.remove(id)
			_, had := want[id]
			require.Equal(t, had, ok)
			delete(want, id)
			continue
		}
		_, had := want[id]
		require.Equal(t, !had, l.insert(id, i))
		if !had {
			want[id] = i
		}
	}
	require.Equal(t, len(want), l.Len())
	var ids []StreamID
	for n := l.first(); n != nil; n = n.nextNode() {
		ids = append(ids, n.id)
		assert.Equal(t, want[n.id], n.val)
	}
	assert.True(t, slices.IsSortedFunc(ids, StreamID.Compare))
	var back []StreamID
	for n := l.last(); n != nil; n = n.prev {
		back = append(back, n.id)
	}
	slices.Reverse(back)
	assert.Equal(t, ids, back)
}

// TestStreamInStore stores a stream through an Entry: its kind and TYPE
// name, the Mini-Redis rendering, a deep copy with SetValue, and the memory
// it is counted for growing with its entries.
func TestStreamInStore(t *testing.T) {
	s, err := New(4)
	require.NoError(t, err)
	s.SetAccounting(Accounting{Grain: 0, Collections: true})
	db := s.DB(0)
	db.Update([]byte("s"), 1, func(e *Entry) {
		st := NewStream()
		e.SetStream(st, 0)
		st.Add(StreamID{1, 1}, [][]byte{[]byte("f"), []byte("v")})
	})
	before := s.UsedMemory()
	db.Update([]byte("s"), 1, func(e *Entry) {
		st := e.Stream()
		for i := range 100 {
			st.Add(StreamID{2, uint64(i)}, [][]byte{[]byte("f"), []byte("value")})
		}
	})
	assert.Greater(t, s.UsedMemory(), before+100*10, "entries added in place are counted")
	db.View([]byte("s"), 1, func(v Value) {
		assert.Equal(t, KindStream, v.Kind())
		assert.Equal(t, "stream", v.Kind().String())
		assert.Equal(t, "1-1,2-0,2-1", string(AppendRendered(nil, v))[:11])
	})
	db.UpdateMulti([][]byte{[]byte("s"), []byte("c")}, 1, func(tx *Tx) {
		src := tx.Entry([]byte("s")).Value()
		tx.Entry([]byte("c")).SetValue(src, 0)
	})
	db.Update([]byte("c"), 1, func(e *Entry) { e.Stream().Delete([]StreamID{{1, 1}}) })
	db.View([]byte("s"), 1, func(v Value) { assert.Equal(t, 101, v.Stream().Len(), "the copy is deep") })
	db.View([]byte("c"), 1, func(v Value) { assert.Equal(t, 100, v.Stream().Len()) })
}
