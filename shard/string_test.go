package shard

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPatchString(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(s *Store)
		off   int
		b     string
		ok    bool
		want  string // rendered value afterwards
	}{
		{"same length", func(s *Store) { set(s, "k", "100", 0, 0) }, 0, "101", true, "101"},
		{"middle", func(s *Store) { set(s, "k", "hello", 0, 0) }, 1, "EL", true, "hELlo"},
		{"up to the end", func(s *Store) { set(s, "k", "hello", 0, 0) }, 3, "LO", true, "helLO"},
		{"empty patch", func(s *Store) { set(s, "k", "hello", 0, 0) }, 5, "", true, "hello"},
		{"past the end", func(s *Store) { set(s, "k", "hello", 0, 0) }, 4, "XY", false, "hello"},
		{"offset beyond", func(s *Store) { set(s, "k", "hello", 0, 0) }, 6, "", false, "hello"},
		{"negative offset", func(s *Store) { set(s, "k", "hello", 0, 0) }, -1, "h", false, "hello"},
		{"empty value", func(s *Store) { set(s, "k", "", 0, 0) }, 0, "x", false, ""},
		{"missing", func(*Store) {}, 0, "x", false, ""},
		{"list", func(s *Store) {
			s.Update([]byte("k"), 0, func(e *Entry) { e.SetInferred([]byte("a,b"), 0) })
		}, 0, "x", false, "a,b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, 4)
			tc.setup(s)
			var ok bool
			s.Update([]byte("k"), 0, func(e *Entry) { ok = e.PatchString(tc.off, []byte(tc.b)) })
			assert.Equal(t, tc.ok, ok)
			got, _ := get(s, "k", 0)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestPatchStringKeepsKeyAndDeadline(t *testing.T) {
	s := newStore(t, 1)
	set(s, "key", "abc", 5000, 0)
	s.Update([]byte("key"), 0, func(e *Entry) { require.True(t, e.PatchString(0, []byte("xyz"))) })
	s.View([]byte("key"), 0, func(v Value) {
		assert.Equal(t, "xyz", string(v.Bytes()))
		assert.Equal(t, int64(5000), v.ExpireAt())
	})
	checkInvariants(t, s)
	var keys []string
	s.Scan(0, 0, func(k []byte, _ Value) { keys = append(keys, string(k)) })
	assert.Equal(t, []string{"key"}, keys, "the key bytes are untouched")
}

func TestPatchStringAllocs(t *testing.T) {
	s := newStore(t, 1)
	set(s, "counter", "1000", 0, 0)
	key, b := []byte("counter"), []byte("1001")
	fn := func(e *Entry) { e.PatchString(0, b) }
	assert.Zero(t, testing.AllocsPerRun(1000, func() { s.Update(key, 0, fn) }))
}

func TestPatchStringPanicsOnViewCursor(t *testing.T) {
	s := newStore(t, 1)
	set(s, "k", "v", 0, 0)
	assert.Panics(t, func() {
		s.ViewMulti([][]byte{[]byte("k")}, 0, func(tx *Tx) { tx.Entry([]byte("k")).PatchString(0, []byte("w")) })
	})
}

// TestStringEncodingMark: the mark survives in-place patches, compaction
// (records copied to another chunk), MOVE and SetValue, and any new value
// resets it; it shares the record's ver word with the snapshot epoch
// without either disturbing the other.
func TestStringEncodingMark(t *testing.T) {
	s := newStore(t, 1)
	enc := func(key string) Encoding {
		var e Encoding
		require.True(t, s.View([]byte(key), 0, func(v Value) { e = v.Encoding() }), key)
		return e
	}
	mark := func(key string, m Encoding) { s.Update([]byte(key), 0, func(e *Entry) { e.SetEncoding(m) }) }

	set(s, "k", "123", 0, 0)
	assert.Equal(t, EncodingAuto, enc("k"))
	mark("k", EncodingRaw)
	s.Update([]byte("k"), 0, func(e *Entry) { require.True(t, e.PatchString(0, []byte("9"))) })
	assert.Equal(t, EncodingRaw, enc("k"), "a patch keeps it")
	set(s, "k", "456", 0, 0)
	assert.Equal(t, EncodingAuto, enc("k"), "a new value resets it, even written in place")
	mark("k", EncodingString)
	s.Update([]byte("k2"), 0, func(e *Entry) {
		var v Value
		s.shards[0].dbs[0].each(func(en entry) bool {
			if string(en.r.key()) == "k" {
				v = en.value()
			}
			return true
		})
		e.SetValue(v, 0)
	})
	assert.Equal(t, EncodingString, enc("k2"), "SetValue carries it")
	require.True(t, s.DB(0).Move([]byte("k2"), 1, 0))
	require.True(t, s.DB(1).View([]byte("k2"), 0, func(v Value) { assert.Equal(t, EncodingString, v.Encoding()) }))
	mark("nokey", EncodingRaw) // nothing to mark
	assert.False(t, s.View([]byte("nokey"), 0, func(Value) {}))

	// Many marked records, most of their neighbours deleted: compaction
	// moves the survivors, marks and all.
	const n = 20_000
	for i := range n {
		key := fmt.Sprintf("m%05d", i)
		set(s, key, "0123456789abcdef0123456789", 0, 0)
		mark(key, Encoding(i%3))
	}
	for i := range n {
		if i%4 != 0 {
			s.Update(fmt.Appendf(nil, "m%05d", i), 0, func(e *Entry) { e.Delete() })
		}
	}
	moved := s.shards[0].dbs[0].bytes
	for range 200 {
		s.ExpireSample(0, 0, 20)
	}
	require.Less(t, s.shards[0].dbs[0].bytes, moved, "compaction ran")
	checkInvariants(t, s)
	for i := 0; i < n; i += 4 {
		assert.Equal(t, Encoding(i%3), enc(fmt.Sprintf("m%05d", i)), "m%05d", i)
	}

	// The ver word: epoch below, mark above.
	var b [64]byte
	r := recAt(b[:], 0)
	r.write([]byte("x"), []byte("y"), false, 1, 0, 0)
	r.setEnc(EncodingString)
	r.setVer(verMask)
	assert.Equal(t, EncodingString, r.enc())
	assert.Equal(t, uint32(verMask), r.ver())
	r.setEnc(EncodingRaw)
	assert.Equal(t, uint32(verMask), r.ver())
	for range 3 {
		e := nextEpoch()
		assert.NotZero(t, e)
		assert.Zero(t, e&^verMask, "epochs fit below the mark")
	}
}

// TestCollectionPeaks: Peak keeps the most a collection held and the
// longest element (or a non-integer member) it was given, through deletes
// and clones, for OBJECT ENCODING's "never converts back".
func TestCollectionPeaks(t *testing.T) {
	h := NewHash()
	h.Set([]byte("f"), []byte("a-long-value"))
	h.Set([]byte("g"), []byte("v"))
	h.Set([]byte("f"), []byte("v"))
	h.Delete([]byte("g"))
	n, size := h.Peak()
	assert.Equal(t, [2]int{2, 12}, [2]int{n, size})
	n, size = h.clone().Peak()
	assert.Equal(t, [2]int{2, 12}, [2]int{n, size})

	s := NewSet()
	s.Add([]byte("1"))
	n, mixed := s.Peak()
	assert.Equal(t, 1, n)
	assert.False(t, mixed)
	s.Add([]byte("x"))
	s.Add([]byte("01")) // no integer to Redis either
	s.Delete([]byte("x"))
	s.Delete([]byte("01"))
	n, mixed = s.clone().Peak()
	assert.Equal(t, 3, n)
	assert.True(t, mixed)

	z := NewZSet()
	z.Add([]byte("member"), 1)
	z.Add([]byte("m"), 2)
	z.Add([]byte("m"), 3)
	z.Delete([]byte("member"))
	n, size = z.clone().Peak()
	assert.Equal(t, [2]int{2, 6}, [2]int{n, size})
}
