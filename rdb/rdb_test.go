package rdb

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCRC64(t *testing.T) {
	// Redis's crc64.c test vector, whole and in two steps.
	assert.Equal(t, uint64(0xe9c6d914c4b8d9ca), CRC64(0, []byte("123456789")))
	assert.Equal(t, uint64(0xe9c6d914c4b8d9ca), CRC64(CRC64(0, []byte("1234")), []byte("56789")))
}

func TestLZFDecompressKnown(t *testing.T) {
	// 50 × "a" as liblzf compresses it: a literal "a", then a back
	// reference of 49 bytes.
	out, err := lzfDecompress(nil, []byte{0x00, 'a', 0xe0, 40, 0x00}, 50)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("a", 50), string(out))
	for _, bad := range [][]byte{{0x05, 'a'}, {0xe0}, {0x20, 0x05}, {0x00, 'a', 0xe0, 40, 0x00, 0x00}, {0x20, 0x00}} {
		_, err := lzfDecompress(nil, bad, 50)
		assert.Error(t, err, "%x", bad)
	}
}

func TestLZFRoundTrip(t *testing.T) {
	var ht lzfTable
	inputs := map[string][]byte{
		"repeat":     bytes.Repeat([]byte("a"), 1000),
		"text":       []byte(strings.Repeat("the quick brown fox jumps over the lazy dog ", 50)),
		"random":     randomBytes(5000, 7),
		"long-match": append(bytes.Repeat([]byte("xyz"), 500), randomBytes(100, 3)...),
		"far":        append(append(randomBytes(9000, 4), randomBytes(9000, 5)...), randomBytes(9000, 4)...),
		"short":      []byte("abcabcabc"),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			out := make([]byte, len(in)+len(in)/32+16)
			n := lzfCompress(in, out, &ht)
			require.NotZero(t, n)
			back, err := lzfDecompress(nil, out[:n], len(in))
			require.NoError(t, err)
			assert.Equal(t, in, back)
			if name == "repeat" {
				assert.Less(t, n, 30)
			}
			// too small an output buffer gives 0, never a partial result
			if n > 1 {
				assert.Zero(t, lzfCompress(in, out[:n-1], &ht))
			}
		})
	}
}

func TestListpackRoundTrip(t *testing.T) {
	elems := []string{"0", "127", "128", "-1", "-4096", "4095", "4096", "-32768", "32767", "-8388608", "8388607",
		"-2147483648", "2147483647", "-9223372036854775808", "9223372036854775807", "9223372036854775808",
		"", "-0", "007", strings.Repeat("s", 63), strings.Repeat("m", 64), strings.Repeat("l", 4095), strings.Repeat("L", 4096),
		strings.Repeat("h", 20000)}
	lp := newListpack(nil)
	for _, e := range elems {
		before := len(lp)
		lp = lpAppend(lp, []byte(e))
		assert.Equal(t, lpEntrySize([]byte(e)), len(lp)-before, "size of %.20q", e)
	}
	lp = finishListpack(lp)
	var got []string
	require.NoError(t, lpEach(lp, func(e []byte) error { got = append(got, string(e)); return nil }))
	assert.Equal(t, elems, got)
	// the integers took their short encodings
	assert.Equal(t, byte(0), lp[lpHeader])
	// a corrupt count or size is refused
	bad := bytes.Clone(lp)
	bad[4]++
	assert.Error(t, lpEach(bad, func([]byte) error { return nil }))
	assert.Error(t, lpEach(lp[:len(lp)-1], func([]byte) error { return nil }))
}

// valueOf runs fn with the stored value of v.
func valueOf(t *testing.T, v tv, exp int64, fn func(shard.Value)) {
	st, err := shard.New(1)
	require.NoError(t, err)
	v.store(t, st, "k", exp)
	require.True(t, st.View([]byte("k"), 0, fn))
}

func TestDumpRoundTrip(t *testing.T) {
	var e Encoder
	for _, v := range testValues() {
		t.Run(v.name, func(t *testing.T) {
			var payload []byte
			valueOf(t, v, 0, func(sv shard.Value) { payload = e.AppendDump(nil, sv) })
			o, err := DecodeDump(payload)
			require.NoError(t, err)
			assert.Equal(t, v.canon(), objectCanon(o))
			// every single-bit flip is caught by the checksum
			for i := range len(payload) - 8 {
				bad := bytes.Clone(payload)
				bad[i] ^= 0x10
				_, err := DecodeDump(bad)
				require.Error(t, err, "flip at %d", i)
			}
		})
	}
}

func TestDumpErrors(t *testing.T) {
	var e Encoder
	var good []byte
	valueOf(t, tv{kind: shard.KindList, elems: []string{"a"}}, 0, func(v shard.Value) { good = e.AppendDump(nil, v) })
	withFooter := func(body []byte, ver uint16) []byte {
		b := binary.LittleEndian.AppendUint16(bytes.Clone(body), ver)
		return binary.LittleEndian.AppendUint64(b, CRC64(0, b))
	}
	for _, c := range []struct {
		name    string
		payload []byte
		want    error
	}{
		{"short", []byte("123456789"), ErrChecksum},
		{"version", withFooter(good[:len(good)-10], 11), ErrChecksum},
		{"empty list", withFooter([]byte{TypeList, 0}, 10), ErrEmptyKey},
		{"empty set", withFooter([]byte{TypeSet, 0}, 10), ErrEmptyKey},
		{"truncated", withFooter([]byte{TypeString, 20, 'a'}, 10), ErrCorrupt}, // runs past the footer too
		{"bad type", withFooter([]byte{42, 0}, 10), ErrCorrupt},
		{"dup set", withFooter([]byte{TypeSet, 2, 1, 'a', 1, 'a'}, 10), ErrCorrupt},
		{"nan score", withFooter([]byte{TypeZSet, 1, 1, 'a', 253}, 10), ErrCorrupt},
		{"lzf bomb", withFooter([]byte{TypeString, 0xC3, 1, 0x80, 0x7f, 0xff, 0xff, 0xff, 0}, 10), ErrCorrupt},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeDump(c.payload)
			assert.ErrorIs(t, err, c.want)
		})
	}
	_, err := DecodeDump(withFooter([]byte{TypeStream3, 0}, 10)) // Redis 7.2's streams
	var u *UnsupportedError
	assert.ErrorAs(t, err, &u)
}

// writeFile writes every test value (and each again with a deadline) into an
// RDB image, database 0 and 3.
func writeFile(t *testing.T, values []tv) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf, "redis-ver", "7.0.15", "redis-bits", "64", "ctime", "1700000000", "used-mem", "1000000", "aof-base", "0")
	for _, db := range []int{0, 3} {
		w.SelectDB(db, uint64(2*len(values)), uint64(len(values)))
		for _, v := range values {
			valueOf(t, v, 0, func(sv shard.Value) { w.Entry([]byte(v.name), sv) })
			valueOf(t, v, 4102444800000, func(sv shard.Value) { w.Entry([]byte(v.name+":ttl"), sv) })
		}
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func TestFileRoundTrip(t *testing.T) {
	values := testValues()
	data := writeFile(t, values)
	got := map[string]string{}
	aux := map[string]string{}
	info, err := Load(data, Callbacks{
		Aux: func(k, v []byte) { aux[string(k)] = string(v) },
		Entry: func(db int, key []byte, o Object, exp int64) error {
			suffix := ""
			if exp != 0 {
				assert.Equal(t, int64(4102444800000), exp)
				suffix = " ttl"
			}
			got[string(key)+"@"+string(rune('0'+db))] = objectCanon(o) + suffix
			return nil
		},
	})
	require.NoError(t, err)
	assert.Equal(t, 4*len(values), info.Keys)
	assert.Equal(t, "7.0.15", aux["redis-ver"])
	assert.Equal(t, "1700000000", aux["ctime"])
	for _, v := range values {
		for _, db := range []string{"@0", "@3"} {
			assert.Equal(t, v.canon(), got[v.name+db], v.name)
			assert.Equal(t, v.canon()+" ttl", got[v.name+":ttl"+db], v.name)
		}
	}
	// a flipped byte anywhere is caught (by the checksum at the latest)
	for _, i := range []int{20, len(data) / 2, len(data) - 9} {
		bad := bytes.Clone(data)
		bad[i] ^= 1
		_, err := Load(bad, Callbacks{})
		assert.Error(t, err, "flip at %d", i)
	}
	_, err = Load(data[:len(data)-3], Callbacks{})
	assert.Error(t, err)
}

// TestRedisDumpBothWays DUMPs each value from redis-server and decodes it
// here, and RESTOREs our DUMP of it into redis-server, which must read it
// back equal and hold it in the encoding it gives the value itself.
func TestRedisDumpBothWays(t *testing.T) {
	addr := redistest.StartRedis(t)
	c := redistest.Dial(t, addr)
	var e Encoder
	for _, v := range testValues() {
		t.Run(v.name, func(t *testing.T) {
			v.redisWrite(t, c, "theirs")
			defer c.Do("DEL", "theirs", "ours")
			r, err := c.Do("DUMP", "theirs")
			require.NoError(t, err)
			o, err := DecodeDump([]byte(r.Str))
			require.NoError(t, err)
			assert.Equal(t, v.canon(), objectCanon(o), "redis-server's DUMP decoded here")

			var payload []byte
			valueOf(t, v, 0, func(sv shard.Value) { payload = e.AppendDump(nil, sv) })
			r, err = c.Do("RESTORE", "ours", "0", string(payload))
			require.NoError(t, err)
			require.Equal(t, "OK", r.Str, "RESTORE of our payload: %v", r)
			assert.Equal(t, v.canon(), redisRead(t, c, "ours"))
			theirs, _ := c.Do("OBJECT", "ENCODING", "theirs")
			ours, _ := c.Do("OBJECT", "ENCODING", "ours")
			assert.Equal(t, v.enc, theirs.Str, "test table's encoding")
			assert.Equal(t, theirs.Str, ours.Str, "encoding of our payload in redis-server")
		})
	}
}

// TestRedisFiles loads a dump.rdb written by redis-server, and has
// redis-check-rdb and redis-server accept one written here.
func TestRedisFiles(t *testing.T) {
	dir := t.TempDir()
	addr := redistest.StartRedis(t, "--dir", dir, "--dbfilename", "theirs.rdb")
	c := redistest.Dial(t, addr)
	values := testValues()
	for _, v := range values {
		v.redisWrite(t, c, v.name)
		v.redisWrite(t, c, v.name+":ttl")
		_, err := c.Do("PEXPIREAT", v.name+":ttl", "4102444800000")
		require.NoError(t, err)
	}
	_, err := c.Do("SELECT", "5")
	require.NoError(t, err)
	values[0].redisWrite(t, c, "in5")
	r, err := c.Do("SAVE")
	require.NoError(t, err)
	require.Equal(t, "OK", r.Str)

	data, err := os.ReadFile(filepath.Join(dir, "theirs.rdb"))
	require.NoError(t, err)
	got := map[string]string{}
	aux := map[string]bool{}
	_, err = Load(data, Callbacks{
		Aux: func(k, _ []byte) { aux[string(k)] = true },
		Entry: func(db int, key []byte, o Object, exp int64) error {
			got[string(key)] = objectCanon(o)
			if strings.HasSuffix(string(key), ":ttl") {
				assert.Equal(t, int64(4102444800000), exp, string(key))
			}
			if string(key) == "in5" {
				assert.Equal(t, 5, db)
			}
			return nil
		},
	})
	require.NoError(t, err)
	for _, v := range values {
		assert.Equal(t, v.canon(), got[v.name], v.name)
		assert.Equal(t, v.canon(), got[v.name+":ttl"], v.name)
	}
	for _, k := range []string{"redis-ver", "redis-bits", "ctime", "used-mem", "aof-base"} {
		assert.True(t, aux[k], "aux field %s", k)
	}

	// Ours: redis-check-rdb, then redis-server loads it.
	ours := writeFile(t, values)
	oursDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(oursDir, "ours.rdb"), ours, 0o644))
	if bin, err := exec.LookPath("redis-check-rdb"); err == nil {
		out, err := exec.Command(bin, filepath.Join(oursDir, "ours.rdb")).CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), "RDB looks OK")
	}
	addr2 := redistest.StartRedis(t, "--dir", oursDir, "--dbfilename", "ours.rdb")
	c2 := redistest.Dial(t, addr2)
	for _, db := range []string{"0", "3"} {
		_, err := c2.Do("SELECT", db)
		require.NoError(t, err)
		for _, v := range values {
			assert.Equal(t, v.canon(), redisRead(t, c2, v.name), v.name)
			assert.Equal(t, v.canon(), redisRead(t, c2, v.name+":ttl"), v.name)
			r, _ := c2.Do("PEXPIRETIME", v.name+":ttl")
			assert.Equal(t, int64(4102444800000), r.Int)
		}
	}
}
