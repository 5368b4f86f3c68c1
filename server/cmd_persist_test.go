package server

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/miniredis/miniredis/persist"
	"github.com/miniredis/miniredis/rdb"
	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// persistValues create one value of every type in its small and big
// encodings; the key is the second argument.
func persistValues() [][]string {
	long := strings.Repeat("compressible ", 40)
	big := func(cmd string, n int, f func(i int) []string) []string {
		out := []string{cmd, "k"}
		for i := range n {
			out = append(out, f(i)...)
		}
		return out
	}
	return [][]string{
		{"SET", "k", "12345"},
		{"SET", "k", "-9223372036854775808"},
		{"SET", "k", ""},
		{"SET", "k", long},
		{"RPUSH", "k", "a", "1", "-70000", "", long},
		big("RPUSH", 3000, func(i int) []string { return []string{"element-" + strconv.Itoa(i)} }),
		{"HSET", "k", "f", "v", "n", "42"},
		{"HSET", "k", "f", long},
		big("HSET", 600, func(i int) []string { return []string{"f" + strconv.Itoa(i), strconv.Itoa(i)} }),
		{"SADD", "k", "1", "2", "-3", "9223372036854775807"},
		{"SADD", "k", "a", "b"},
		big("SADD", 600, func(i int) []string { return []string{strconv.Itoa(i)} }),
		{"ZADD", "k", "1", "a", "-2.5", "b", "inf", "c", "0.1", "d"},
		big("ZADD", 200, func(i int) []string { return []string{strconv.Itoa(i) + ".25", "m" + strconv.Itoa(i)} }),
	}
}

// readBack returns the commands that read key back, by type.
func readBack(typ, key string) (args []string, unordered bool) {
	switch typ {
	case "string":
		return []string{"GET", key}, false
	case "list":
		return []string{"LRANGE", key, "0", "-1"}, false
	case "hash":
		return []string{"HGETALL", key}, true
	case "set":
		return []string{"SMEMBERS", key}, true
	}
	return []string{"ZRANGE", key, "0", "-1", "WITHSCORES"}, false
}

// TestDumpRestoreRedis moves every value both ways between redis-server and
// miniredis with DUMP and RESTORE, with and without a TTL.
func TestDumpRestoreRedis(t *testing.T) {
	redisAddr := redistest.StartRedis(t)
	s := startServer(t, redisConfig())
	p := redistest.NewPair(t, s.Addr().String(), redisAddr)
	do := func(c *redistest.Conn, args ...string) redistest.Reply {
		t.Helper()
		r, err := c.Do(args...)
		require.NoError(t, err)
		require.NotEqual(t, redistest.Error, r.Kind, "%.40q: %v", args, r)
		return r
	}
	for _, create := range persistValues() {
		t.Run(create[0]+"/"+strconv.Itoa(len(create)), func(t *testing.T) {
			p := p.For(t)
			p.Compare(false, "FLUSHALL")
			p.Compare(false, create...)
			typ := p.Compare(false, "TYPE", "k").Str

			theirs := do(p.Redis, "DUMP", "k").Str
			ours := do(p.Mini, "DUMP", "k").Str
			// each side restores the other's payload, which reads back as
			// the original
			assert.Equal(t, "OK", do(p.Mini, "RESTORE", "copy", "0", theirs).Str)
			assert.Equal(t, "OK", do(p.Redis, "RESTORE", "copy", "0", ours).Str)
			read, unordered := readBack(typ, "copy")
			p.Compare(unordered, read...)
			orig, _ := readBack(typ, "k")
			want, _ := p.Redis.Do(orig...)
			got, _ := p.Mini.Do(read...)
			assert.Equal(t, want.Canonical(unordered).String(), got.Canonical(unordered).String())
			p.Compare(false, "TYPE", "copy")

			// with a relative and an absolute TTL
			assert.Equal(t, "OK", do(p.Mini, "RESTORE", "ttl", "100000", theirs).Str)
			pttl := do(p.Mini, "PTTL", "ttl").Int
			assert.True(t, pttl > 90000 && pttl <= 100000, "PTTL %d", pttl)
			assert.Equal(t, "OK", do(p.Mini, "RESTORE", "abs", "4102444800000", theirs, "ABSTTL").Str)
			assert.Equal(t, int64(4102444800000), do(p.Mini, "PEXPIRETIME", "abs").Int)
		})
	}
}

// TestRestoreErrorsRedis compares RESTORE's replies, errors and their
// order of precedence with redis-server's.
func TestRestoreErrorsRedis(t *testing.T) {
	redisAddr := redistest.StartRedis(t)
	s := startServer(t, redisConfig())
	p := redistest.NewPair(t, s.Addr().String(), redisAddr)
	p.Compare(false, "RPUSH", "src", "a", "b")
	r, err := p.Redis.Do("DUMP", "src")
	require.NoError(t, err)
	good := r.Str
	bad := good[:len(good)-1] + string(good[len(good)-1]^1)
	footer := func(body string) string { // a right footer over a bad body
		b := binary.LittleEndian.AppendUint16([]byte(body), rdb.Version)
		return string(binary.LittleEndian.AppendUint64(b, rdb.CRC64(0, b)))
	}
	for _, args := range [][]string{
		{"RESTORE", "new", "0", good},
		{"RESTORE", "new", "0", good},
		{"RESTORE", "new", "0", good, "REPLACE"},
		{"RESTORE", "new", "abc", good},
		{"RESTORE", "new2", "abc", good},
		{"RESTORE", "new2", "-1", good},
		{"RESTORE", "new2", "0", bad},
		{"RESTORE", "new2", "0", "short"},
		{"RESTORE", "new2", "0", footer("\x2a\x00")},   // unknown type
		{"RESTORE", "new2", "0", footer("\x12\x00")},   // a list of no nodes
		{"RESTORE", "new2", "0", footer("\x00\x05ab")}, // truncated string
		{"RESTORE", "new2", "0", good, "FOO"},
		{"RESTORE", "new2", "0", good, "IDLETIME"},
		{"RESTORE", "new2", "0", good, "IDLETIME", "-1"},
		{"RESTORE", "new2", "0", good, "IDLETIME", "x"},
		{"RESTORE", "new2", "0", good, "FREQ", "256"},
		{"RESTORE", "new2", "0", good, "FREQ", "-1"},
		{"RESTORE", "new2", "0", good, "IDLETIME", "5", "FREQ", "5"},
		{"RESTORE", "new2", "0", good, "FREQ", "5", "IDLETIME", "5"},
		{"RESTORE", "new2", "0", good, "IDLETIME", "5"},
		{"RESTORE", "new3", "0", good, "freq", "5", "replace", "absttl"},
		{"RESTORE", "new", "1", good, "REPLACE", "ABSTTL"}, // already expired: deletes new
		{"EXISTS", "new"},
		{"RESTORE", "new", "1", good, "ABSTTL"},
		{"EXISTS", "new"},
		{"RESTORE", "k"},
		{"DUMP", "missing"},
		{"DUMP"},
		{"LRANGE", "new2", "0", "-1"},
		{"LRANGE", "new3", "0", "-1"},
	} {
		p.Compare(false, args...)
	}
}

// FuzzRestore runs RESTORE with arbitrary payloads (given a correct footer,
// so the object decoder sees them): no panic, and the keyspace stays sound:
// the key holds what the payload decodes to, or is untouched on an error,
// and no other key changes.
func FuzzRestore(f *testing.F) {
	f.Add([]byte("\x00\x03abc"), false)
	f.Add([]byte("\x02\x02\x01a\x01b"), true)
	f.Add([]byte("\x12\x01\x02\x0b\x0b\x00\x00\x00\x02\x00\x81a\x02\x01\x01\xff"), true)
	f.Add([]byte("\x0b\x0c\x02\x00\x00\x00\x02\x00\x00\x00\x01\x00\x02\x00"), false)
	// a stream with a group, a consumer and a pending entry
	st, _ := shard.New(1)
	st.Update([]byte("k"), 0, func(e *shard.Entry) {
		s := shard.NewStream()
		s.Add(shard.StreamID{Ms: 1}, [][]byte{[]byte("f"), []byte("v")})
		s.Add(shard.StreamID{Ms: 2}, [][]byte{[]byte("f"), []byte("w")})
		s.CreateGroup([]byte("g"), shard.StreamID{Ms: 2}, 2)
		c, _ := s.Group([]byte("g")).CreateConsumer([]byte("c"), 1)
		s.Group([]byte("g")).AddPending(shard.StreamID{Ms: 1}, c, 1)
		e.SetStream(s, 0)
	})
	st.View([]byte("k"), 0, func(v shard.Value) {
		p := (&rdb.Encoder{NoCompress: true}).AppendDump(nil, v)
		f.Add(p[:len(p)-10], true)
	})
	s, err := New(redisConfig())
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, body []byte, replace bool) {
		st := s.Store()
		st.Flush()
		st.Update([]byte("other"), 0, func(e *shard.Entry) { e.SetString([]byte("keep"), 0) })
		st.Update([]byte("k"), 0, func(e *shard.Entry) { e.SetString([]byte("old"), 0) })
		payload := binary.LittleEndian.AppendUint16(append([]byte(nil), body...), rdb.Version)
		payload = binary.LittleEndian.AppendUint64(payload, rdb.CRC64(0, payload))
		want, decodeErr := rdb.DecodeDump(payload)
		var wantDump []byte
		if decodeErr == nil {
			// the canonical payload of what the body decodes to
			tmp, _ := shard.New(1)
			tmp.Update([]byte("k"), 0, func(e *shard.Entry) { persist.Set(e, want, 0) })
			tmp.View([]byte("k"), 0, func(v shard.Value) { wantDump = new(rdb.Encoder).AppendDump(nil, v) })
		}
		c := newTestClient(s)
		defer c.release()
		args := [][]byte{[]byte("RESTORE"), []byte("k"), []byte("0"), payload}
		if replace {
			args = append(args, []byte("REPLACE"))
		}
		cmdRestore(c, args)
		var got []byte
		st.View([]byte("k"), 0, func(v shard.Value) { got = new(rdb.Encoder).AppendDump(nil, v) })
		if decodeErr != nil || !replace {
			assert.True(t, st.View([]byte("k"), 0, func(v shard.Value) { assert.Equal(t, "old", string(v.Bytes())) }))
		} else {
			assert.Equal(t, wantDump, got)
		}
		assert.True(t, st.View([]byte("other"), 0, func(v shard.Value) { assert.Equal(t, "keep", string(v.Bytes())) }))
		keys, _ := st.DB(0).Size()
		assert.Equal(t, 2, keys)
	})
}
