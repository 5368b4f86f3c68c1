package hll

import (
	"bufio"
	"encoding/hex"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// golden is one line of testdata/redis.txt, produced by gen.sh against
// redis-server 7.0.15.
type golden struct {
	name          string
	count         uint64
	before, after []byte
}

func loadGolden(t *testing.T) map[string]golden {
	t.Helper()
	f, err := os.Open("testdata/redis.txt")
	require.NoError(t, err)
	defer f.Close()
	out := map[string]golden{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		require.Len(t, fields, 4)
		g := golden{name: fields[0]}
		g.count, err = strconv.ParseUint(fields[1], 10, 64)
		require.NoError(t, err)
		if fields[2] != "-" {
			g.before, err = hex.DecodeString(fields[2])
			require.NoError(t, err)
			g.after, err = hex.DecodeString(fields[3])
			require.NoError(t, err)
		}
		out[g.name] = g
	}
	require.NoError(t, sc.Err())
	return out
}

// build replays gen.sh's add: an empty PFADD, then elements prefix0.. in
// order, invalidating the cache as PFADD does when a register changed.
func build(t *testing.T, prefix string, n int) []byte {
	t.Helper()
	h := AppendEmpty(nil)
	Invalidate(h) // PFADD on a missing key counts as an update
	for i := range n {
		var changed bool
		var err error
		h, changed, err = Add(h, []byte(prefix+strconv.Itoa(i)), DefaultSparseMaxBytes)
		require.NoError(t, err)
		if changed {
			Invalidate(h)
		}
	}
	return h
}

// countAndCache is PFCOUNT of one key: the cached value or a fresh
// estimate that is then cached.
func countAndCache(t *testing.T, h []byte) uint64 {
	t.Helper()
	if c, ok := Cached(h); ok {
		return c
	}
	c, err := Count(h)
	require.NoError(t, err)
	SetCached(h, c)
	return c
}

func TestAddMatchesRedis(t *testing.T) {
	gold := loadGolden(t)
	for _, n := range []int{0, 1, 3, 10, 100, 300, 600, 1000, 5000, 100000} {
		name := "add:" + strconv.Itoa(n)
		t.Run(name, func(t *testing.T) {
			g, ok := gold[name]
			require.True(t, ok)
			h := build(t, "e", n)
			require.True(t, Valid(h))
			assert.Equal(t, hex.EncodeToString(g.before), hex.EncodeToString(h), "bytes after PFADD")
			assert.Equal(t, g.count, countAndCache(t, h))
			assert.Equal(t, g.after, h, "bytes after PFCOUNT")
		})
	}
}

// merge replays PFMERGE dst a b into a missing dst (Redis's pfmergeCommand).
func merge(t *testing.T, srcs ...[]byte) []byte {
	t.Helper()
	var m Max
	dense := false
	for _, s := range srcs {
		require.NoError(t, m.Merge(s))
		dense = dense || IsDense(s)
	}
	h := AppendEmpty(nil)
	if dense {
		var err error
		h, err = ToDense(nil, h)
		require.NoError(t, err)
	}
	for i, v := range m {
		if v != 0 {
			var err error
			h, _, err = Set(h, i, v, DefaultSparseMaxBytes)
			require.NoError(t, err)
		}
	}
	Invalidate(h)
	return h
}

func TestMergeMatchesRedis(t *testing.T) {
	gold := loadGolden(t)
	for _, ab := range [][2]int{{100, 50}, {1000, 3000}, {10, 100000}} {
		name := strconv.Itoa(ab[0]) + ":" + strconv.Itoa(ab[1])
		t.Run(name, func(t *testing.T) {
			a, b := build(t, "e", ab[0]), build(t, "f", ab[1])
			var m Max
			require.NoError(t, m.Merge(a))
			require.NoError(t, m.Merge(b))
			assert.Equal(t, gold["union:"+name].count, m.Count(), "PFCOUNT a b")
			g := gold["merge:"+name]
			h := merge(t, a, b)
			assert.Equal(t, hex.EncodeToString(g.before), hex.EncodeToString(h), "bytes after PFMERGE")
			assert.Equal(t, g.count, countAndCache(t, h))
		})
	}
}

func TestHash(t *testing.T) {
	// redis-server stores PFADD h e0 as XZERO(1318) VAL(1,1) XZERO(15065)
	// (the add:1 golden line): "e0" hashes to register 1318, count 1.
	idx, count := Hash([]byte("e0"))
	assert.Equal(t, 1318, idx)
	assert.Equal(t, uint8(1), count)
	// Every tail length of MurmurHash64A gives a distinct hash.
	seen := map[uint64]string{}
	for _, s := range []string{"", "a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh", "abcdefghi"} {
		h := murmur64A([]byte(s), seed)
		assert.NotContains(t, seen, h, s)
		seen[h] = s
	}
}

func TestValid(t *testing.T) {
	dense, err := ToDense(nil, AppendEmpty(nil))
	require.NoError(t, err)
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"empty-sparse", AppendEmpty(nil), true},
		{"dense", dense, true},
		{"short", []byte("HYLL\x01"), false},
		{"magic", append([]byte("HYLX"), AppendEmpty(nil)[4:]...), false},
		{"encoding=2", append([]byte("HYLL\x02"), AppendEmpty(nil)[5:]...), false},
		{"dense-short", dense[:DenseSize-1], false},
		{"header-only-sparse", AppendEmpty(nil)[:HeaderSize], true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, Valid(tt.b)) })
	}
}

func TestCorruptSparse(t *testing.T) {
	tests := []struct {
		name string
		regs []byte
	}{
		{"no-opcodes", nil},
		{"short-run", []byte{0x00}},
		{"long-run", []byte{0x7f, 0xff, 0x00}},
		{"val-past-end", []byte{0x7f, 0xfe, 0x83}},
		{"xzero-cut", []byte{0x7f}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := append(AppendEmpty(nil)[:HeaderSize], tt.regs...)
			require.True(t, Valid(h))
			_, err := Count(h)
			assert.ErrorIs(t, err, ErrInvalid)
			var m Max
			assert.ErrorIs(t, m.Merge(h), ErrInvalid)
			_, err = ToDense(nil, h)
			assert.ErrorIs(t, err, ErrInvalid)
		})
	}
}

func TestPromotion(t *testing.T) {
	// A register above 32 cannot be sparse: the sketch turns dense and
	// keeps its header.
	h := AppendEmpty(nil)
	h, changed, err := Set(h, 5, 40, DefaultSparseMaxBytes)
	require.NoError(t, err)
	assert.True(t, changed)
	assert.True(t, IsDense(h))
	assert.Len(t, h, DenseSize)
	assert.Equal(t, uint8(40), denseGet(h[HeaderSize:], 5))
	// A tiny sparse limit promotes as soon as the value would grow.
	h = AppendEmpty(nil)
	h, _, err = Set(h, 100, 3, HeaderSize+2)
	require.NoError(t, err)
	assert.True(t, IsDense(h))
}

func TestDenseRegistersRoundTrip(t *testing.T) {
	regs := make([]byte, DenseSize-HeaderSize)
	for i := range Registers {
		denseSet(regs, i, uint8(i*7%64))
	}
	for i := range Registers {
		require.Equal(t, uint8(i*7%64), denseGet(regs, i), "register %d", i)
	}
}

func TestAddAllocs(t *testing.T) {
	h, err := ToDense(nil, AppendEmpty(nil))
	require.NoError(t, err)
	elem := []byte("element")
	allocs := testing.AllocsPerRun(100, func() { h, _, _ = Add(h, elem, DefaultSparseMaxBytes) })
	assert.Zero(t, allocs)
}

func TestDensePatchMatchesSet(t *testing.T) {
	h, err := ToDense(nil, AppendEmpty(nil))
	require.NoError(t, err)
	ref := slices.Clone(h)
	for i := range 5000 {
		idx, count := Hash([]byte("p" + strconv.Itoa(i)))
		off, patch, n, ok := DensePatch(h, idx, count)
		var changed bool
		ref, changed, err = Set(ref, idx, count, DefaultSparseMaxBytes)
		require.NoError(t, err)
		require.Equal(t, changed, ok, "element %d", i)
		if ok {
			copy(h[off:off+n], patch[:n])
		}
		require.Equal(t, ref, h, "element %d", i)
	}
	// The last register sits alone in the last byte: a one-byte patch.
	_, _, n, ok := DensePatch(h, Registers-1, 63)
	assert.True(t, ok)
	assert.Equal(t, 1, n)
}
