package rdb

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/require"
)

// tv is a test value in a plain form: kind and elements (for a hash and a
// sorted set, alternating field/member and value/score).
type tv struct {
	name  string
	kind  shard.Kind
	elems []string
	enc   string // the OBJECT ENCODING redis-server 7.0 gives it
}

func seq(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i)
	}
	return out
}

func pairs(n int, f func(i int) (string, string)) []string {
	var out []string
	for i := range n {
		a, b := f(i)
		out = append(out, a, b)
	}
	return out
}

// testValues covers every type in its small and big encodings, with the
// element shapes (integers of each width, empty, long, compressible) the
// encoders treat differently.
func testValues() []tv {
	long := strings.Repeat("compressible ", 40)
	ints := []string{"0", "1", "-1", "127", "128", "-4096", "4095", "-32768", "32767", "8388607", "-8388608", "2147483647", "-2147483648", "9223372036854775807", "-9223372036854775808", "012", "-0", "+1", "1.5", ""}
	return []tv{
		{"string/empty", shard.KindString, []string{""}, "embstr"},
		{"string/int8", shard.KindString, []string{"-100"}, "int"},
		{"string/int16", shard.KindString, []string{"30000"}, "int"},
		{"string/int32", shard.KindString, []string{"-2000000000"}, "int"},
		{"string/int64", shard.KindString, []string{"9223372036854775807"}, "int"},
		{"string/leadingzero", shard.KindString, []string{"007"}, "embstr"},
		{"string/short", shard.KindString, []string{"hello world"}, "embstr"},
		{"string/lzf", shard.KindString, []string{long}, "raw"},
		{"string/random", shard.KindString, []string{string(randomBytes(3000, 1))}, "raw"},
		{"string/big", shard.KindString, []string{strings.Repeat("x", 100000)}, "raw"},
		{"list/small", shard.KindList, append([]string{"a", "b"}, ints...), "quicklist"},
		{"list/big", shard.KindList, append(seq("element-", 3000), long, strings.Repeat("y", 10000)), "quicklist"},
		{"hash/small", shard.KindHash, pairs(len(ints), func(i int) (string, string) { return "f" + strconv.Itoa(i), ints[i] }), "listpack"},
		{"hash/manyfields", shard.KindHash, pairs(600, func(i int) (string, string) { return "field" + strconv.Itoa(i), strconv.Itoa(i * 7) }), "hashtable"},
		{"hash/longvalue", shard.KindHash, []string{"a", "1", "b", long}, "hashtable"},
		{"set/intset", shard.KindSet, []string{"1", "-5", "300", "70000", "-2147483648"}, "intset"},
		{"set/intset64", shard.KindSet, []string{"1", "9223372036854775807"}, "intset"},
		{"set/strings", shard.KindSet, []string{"a", "b", "1"}, "hashtable"},
		{"set/manyints", shard.KindSet, seq("", 600), "hashtable"},
		{"zset/small", shard.KindZSet, []string{"a", "1", "b", "-2.5", "c", "inf", "d", "-inf", "e", "0.1", "f", "1e300", "7", "3"}, "listpack"},
		{"zset/big", shard.KindZSet, pairs(300, func(i int) (string, string) {
			return "member" + strconv.Itoa(i), strconv.FormatFloat(float64(i)/3, 'g', -1, 64)
		}), "skiplist"},
		{"zset/longmember", shard.KindZSet, []string{long, "1", "x", "2"}, "skiplist"},
	}
}

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	x := seed*0x9E3779B97F4A7C15 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// store puts v under key in a fresh store's database 0 and returns it.
func (v tv) store(t testing.TB, st *shard.Store, key string, exp int64) {
	t.Helper()
	st.Update([]byte(key), 1, func(e *shard.Entry) {
		switch v.kind {
		case shard.KindString:
			e.SetString([]byte(v.elems[0]), exp)
		case shard.KindList:
			l := shard.NewList()
			for _, x := range v.elems {
				l.PushBack([]byte(x))
			}
			e.SetList(l, exp)
		case shard.KindHash:
			h := shard.NewHash()
			for i := 0; i < len(v.elems); i += 2 {
				h.Set([]byte(v.elems[i]), []byte(v.elems[i+1]))
			}
			e.SetHash(h, exp)
		case shard.KindSet:
			s := shard.NewSet()
			for _, x := range v.elems {
				s.Add([]byte(x))
			}
			e.SetSet(s, exp)
		case shard.KindZSet:
			z := shard.NewZSet()
			for i := 0; i < len(v.elems); i += 2 {
				f, err := strconv.ParseFloat(v.elems[i+1], 64)
				require.NoError(t, err)
				z.Add([]byte(v.elems[i]), f)
			}
			e.SetZSet(z, exp)
		}
	})
}

// canon renders v's contents in an order-independent form where Redis's
// order is not defined (sets, hashes).
func (v tv) canon() string {
	switch v.kind {
	case shard.KindSet:
		s := slices.Clone(v.elems)
		slices.Sort(s)
		return fmt.Sprint(s)
	case shard.KindHash:
		var s []string
		for i := 0; i < len(v.elems); i += 2 {
			s = append(s, v.elems[i]+"="+v.elems[i+1])
		}
		slices.Sort(s)
		return fmt.Sprint(s)
	case shard.KindZSet:
		var s []string
		for i := 0; i < len(v.elems); i += 2 {
			f, _ := strconv.ParseFloat(v.elems[i+1], 64)
			s = append(s, v.elems[i]+"="+strconv.FormatFloat(f, 'g', -1, 64))
		}
		slices.Sort(s)
		return fmt.Sprint(s)
	}
	return fmt.Sprint(v.kind, v.elems)
}

// objectCanon renders a decoded object the way canon renders a tv.
func objectCanon(o Object) string {
	var elems []string
	switch o.Kind {
	case shard.KindString:
		elems = []string{string(o.Str)}
	case shard.KindList:
		o.List.Range(0, -1, func(v []byte) bool { elems = append(elems, string(v)); return true })
	case shard.KindHash:
		o.Hash.Each(func(f, v []byte) bool { elems = append(elems, string(f), string(v)); return true })
	case shard.KindSet:
		o.Set.Each(func(m []byte) bool { elems = append(elems, string(m)); return true })
	case shard.KindZSet:
		o.ZSet.Range(0, o.ZSet.Len()-1, false, func(m []byte, s float64) bool {
			elems = append(elems, string(m), strconv.FormatFloat(s, 'g', -1, 64))
			return true
		})
	}
	return tv{kind: o.Kind, elems: elems}.canon()
}

// redisWrite creates v under key on a real server.
func (v tv) redisWrite(t testing.TB, c *redistest.Conn, key string) {
	t.Helper()
	var args []string
	switch v.kind {
	case shard.KindString:
		args = []string{"SET", key, v.elems[0]}
	case shard.KindList:
		args = append([]string{"RPUSH", key}, v.elems...)
	case shard.KindHash:
		args = append([]string{"HSET", key}, v.elems...)
	case shard.KindSet:
		args = append([]string{"SADD", key}, v.elems...)
	case shard.KindZSet:
		args = []string{"ZADD", key}
		for i := 0; i < len(v.elems); i += 2 {
			args = append(args, v.elems[i+1], v.elems[i])
		}
	}
	r, err := c.Do(args...)
	require.NoError(t, err)
	require.NotEqual(t, redistest.Error, r.Kind, "%v: %v", args[:2], r)
}

// redisRead reads key back from a real server in canon form.
func redisRead(t testing.TB, c *redistest.Conn, key string) string {
	t.Helper()
	do := func(args ...string) redistest.Reply {
		r, err := c.Do(args...)
		require.NoError(t, err)
		require.NotEqual(t, redistest.Error, r.Kind, "%v: %v", args, r)
		return r
	}
	strs := func(r redistest.Reply) []string {
		var out []string
		for _, e := range r.Elems {
			out = append(out, e.Str)
		}
		return out
	}
	typ := do("TYPE", key).Str
	switch typ {
	case "string":
		return tv{kind: shard.KindString, elems: []string{do("GET", key).Str}}.canon()
	case "list":
		return tv{kind: shard.KindList, elems: strs(do("LRANGE", key, "0", "-1"))}.canon()
	case "hash":
		return tv{kind: shard.KindHash, elems: strs(do("HGETALL", key))}.canon()
	case "set":
		return tv{kind: shard.KindSet, elems: strs(do("SMEMBERS", key))}.canon()
	case "zset":
		return tv{kind: shard.KindZSet, elems: strs(do("ZRANGE", key, "0", "-1", "WITHSCORES"))}.canon()
	}
	return "type " + typ
}
