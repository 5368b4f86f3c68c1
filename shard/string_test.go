package shard

import (
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
