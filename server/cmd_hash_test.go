package server

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHashCommands(t *testing.T) {
	s := startServer(t, redisConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"hset", resp("HSET", "h", "a", "1", "b", "2"), ":2\r\n"},
		{"hset update", resp("HSET", "h", "a", "9", "c", "3"), ":1\r\n"},
		{"hset odd", resp("HSET", "h", "a", "1", "b"), wrongArgs("hset")},
		{"hmset", resp("HMSET", "h", "d", "4"), "+OK\r\n"},
		{"hsetnx existing", resp("HSETNX", "h", "a", "x"), ":0\r\n"},
		{"hsetnx new", resp("HSETNX", "h", "e", "5"), ":1\r\n"},
		{"hget", resp("HGET", "h", "a"), "$1\r\n9\r\n"},
		{"hget missing field", resp("HGET", "h", "z"), "$-1\r\n"},
		{"hmget", resp("HMGET", "h", "a", "z"), "*2\r\n$1\r\n9\r\n$-1\r\n"},
		{"hmget missing key", resp("HMGET", "noh", "a"), "*1\r\n$-1\r\n"},
		{"hlen", resp("HLEN", "h"), ":5\r\n"},
		{"hexists", resp("HEXISTS", "h", "b"), ":1\r\n"},
		{"hstrlen", resp("HSTRLEN", "h", "a"), ":1\r\n"},
		{"hdel", resp("HDEL", "h", "b", "z", "c"), ":2\r\n"},
		{"hgetall in insertion order", resp("HGETALL", "h"), "*6\r\n$1\r\na\r\n$1\r\n9\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"},
		{"hkeys", resp("HKEYS", "h"), "*3\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{"hvals", resp("HVALS", "h"), "*3\r\n$1\r\n9\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{"hincrby", resp("HINCRBY", "h", "a", "-10"), ":-1\r\n"},
		{"hincrby not integer", resp("HINCRBY", "h", "a", "x"), "-ERR value is not an integer or out of range\r\n"},
		{"hincrby overflow", resp("HINCRBY", "h", "a", "-9223372036854775808"), "-ERR increment or decrement would overflow\r\n"},
		{"hincrbyfloat long double", resp("HINCRBYFLOAT", "h", "f", "0.1"), "$3\r\n0.1\r\n"},
		{"hincrbyfloat 0.1+0.2", resp("HINCRBYFLOAT", "h", "f", "0.2"), "$3\r\n0.3\r\n"},
		{"hincrbyfloat to zero", resp("HINCRBYFLOAT", "h", "f", "-0.3"), "$1\r\n0\r\n"},
		{"hincrbyfloat exponent", resp("HINCRBYFLOAT", "h", "f", "1.5e3"), "$4\r\n1500\r\n"},
		{"hincrbyfloat inf", resp("HINCRBYFLOAT", "h", "f", "inf"), "-ERR value is NaN or Infinity\r\n"},
		{"hincrbyfloat not float", resp("HINCRBYFLOAT", "h", "f", "x"), "-ERR value is not a valid float\r\n"},
		{"hash value not float", resp("HSET", "h", "s", "abc"), ":1\r\n"},
		{"hincrbyfloat on text", resp("HINCRBYFLOAT", "h", "s", "1"), "-ERR hash value is not a float\r\n"},
		{"hincrby on text", resp("HINCRBY", "h", "s", "1"), "-ERR hash value is not an integer\r\n"},
		{"hrandfield missing", resp("HRANDFIELD", "noh"), "$-1\r\n"},
		{"hrandfield whole", resp("HRANDFIELD", "h", "10"), "*5\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ns\r\n"},
		{"hrandfield one", resp("HDEL", "h", "d", "e", "f", "s"), ":4\r\n"},
		{"hrandfield repeats", resp("HRANDFIELD", "h", "-2", "WITHVALUES"), "*4\r\n$1\r\na\r\n$2\r\n-1\r\n$1\r\na\r\n$2\r\n-1\r\n"},
		{"hrandfield syntax", resp("HRANDFIELD", "h", "1", "X"), "-ERR syntax error\r\n"},
		{"hscan", resp("HSCAN", "h", "0"), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$2\r\n-1\r\n"},
		{"hscan match", resp("HSCAN", "h", "0", "MATCH", "z*"), "*2\r\n$1\r\n0\r\n*0\r\n"},
		{"hscan bad cursor", resp("HSCAN", "h", "x"), "-ERR invalid cursor\r\n"},
		{"hscan count 0", resp("HSCAN", "h", "0", "COUNT", "0"), "-ERR syntax error\r\n"},
		{"hscan missing key skips options", resp("HSCAN", "noh", "0", "COUNT", "0"), "*2\r\n$1\r\n0\r\n*0\r\n"},
		{"hdel last deletes", resp("HDEL", "h", "a"), ":1\r\n"},
		{"deleted", resp("EXISTS", "h"), ":0\r\n"},
		{"wrongtype", resp("RPUSH", "l", "a"), ":1\r\n"},
		{"wrongtype hset", resp("HSET", "l", "a", "b"), wrongType},
		{"wrongtype hgetall", resp("HGETALL", "l"), wrongType},
		{"wrongtype hincrbyfloat", resp("HINCRBYFLOAT", "l", "a", "1"), wrongType},
		{"arity hget", resp("HGET", "h"), wrongArgs("hget")},
		{"arity hmset", resp("HMSET", "h", "a"), wrongArgs("hmset")},
	})
}

func TestHashRESP3AndMini(t *testing.T) {
	s := startServer(t, miniConfig())
	c := dial(t, s)
	c.send(resp("HELLO", "3"))
	drainHello(t, c)
	runExchanges(t, c, []exchange{
		{"inferred hash", resp("SET", "u", "name:Alice,age:30"), "+OK\r\n"},
		{"hgetall map", resp("HGETALL", "u"), "%2\r\n$4\r\nname\r\n$5\r\nAlice\r\n$3\r\nage\r\n$2\r\n30\r\n"},
		{"hgetall missing", resp("HGETALL", "nope"), "%0\r\n"},
		{"hset on it", resp("HSET", "u", "city", "Lagos"), ":1\r\n"},
		{"get renders", resp("GET", "u"), "$28\r\nname:Alice,age:30,city:Lagos\r\n"},
		{"one field", resp("HSET", "one", "f", "v"), ":1\r\n"},
		{"hrandfield pairs", resp("HRANDFIELD", "one", "-2", "WITHVALUES"), "*2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
		{"hincrbyfloat is a bulk", resp("HINCRBYFLOAT", "one", "n", "2.5"), "$3\r\n2.5\r\n"},
	})
}

// drainHello reads the HELLO reply (a map of seven pairs, one of them the
// modules array) so that the next exchange starts at a reply boundary.
func drainHello(t *testing.T, r *rawConn) {
	t.Helper()
	r.send(resp("PING"))
	for {
		line, err := r.rd.ReadString('\n')
		require.NoError(t, err)
		if line == "+PONG\r\n" {
			return
		}
	}
}

func TestLongDoubleFormat(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0", "0"}, {"-0", "0"}, {"1", "1"}, {"0.1", "0.1"}, {"-2.5", "-2.5"}, {"1e3", "1000"},
		{"3.0e-5", "0.00003"}, {"1e-20", "0"}, {"0x10", "16"}, {"1.5", "1.5"},
	} {
		f, ok := parseLongDouble([]byte(tc.in))
		require.True(t, ok, tc.in)
		assert.Equal(t, tc.want, string(appendLongDouble(nil, f)), tc.in)
	}
	for _, bad := range []string{"", " 1", "1 ", "abc", "nan", "1_0", "0b1", "1e5000", "--1"} {
		_, ok := parseLongDouble([]byte(bad))
		assert.False(t, ok, "%q", bad)
	}
}

func TestHScanLargeHashCursor(t *testing.T) {
	// Above the compact size the cursor walks the hash COUNT fields at a
	// time; every field comes back exactly once over the whole walk.
	s := startServer(t, redisConfig())
	c := redisConn(t, s)
	args := []string{"HSET", "h"}
	for i := range 300 {
		args = append(args, fmt.Sprintf("f%03d", i), "v")
	}
	_, err := c.Do(args...)
	require.NoError(t, err)
	seen := map[string]int{}
	cursor, calls := "0", 0
	for {
		r, err := c.Do("HSCAN", "h", cursor, "COUNT", "50")
		require.NoError(t, err)
		require.Len(t, r.Elems, 2)
		for i := 0; i < len(r.Elems[1].Elems); i += 2 {
			seen[r.Elems[1].Elems[i].Str]++
		}
		cursor = r.Elems[0].Str
		calls++
		if cursor == "0" || calls > 100 {
			break
		}
	}
	assert.Equal(t, "0", cursor)
	assert.Len(t, seen, 300)
	for f, n := range seen {
		assert.Equal(t, 1, n, f)
	}
	assert.GreaterOrEqual(t, calls, 6, "COUNT 50 over 300 fields takes several calls")
}

func TestRandomCountsAreDistinct(t *testing.T) {
	s := startServer(t, redisConfig())
	c := redisConn(t, s)
	hset, sadd := []string{"HSET", "h"}, []string{"SADD", "s"}
	for i := range 20 {
		hset = append(hset, fmt.Sprint(i), "v")
		sadd = append(sadd, fmt.Sprint(i))
	}
	for _, args := range [][]string{hset, sadd} {
		_, err := c.Do(args...)
		require.NoError(t, err)
	}
	for _, args := range [][]string{{"HRANDFIELD", "h", "7"}, {"SRANDMEMBER", "s", "7"}, {"SPOP", "s", "7"}} {
		for range 20 {
			r, err := c.Do(args...)
			require.NoError(t, err)
			got := map[string]bool{}
			for _, e := range r.Elems {
				got[e.Str] = true
			}
			assert.Len(t, got, 7, "%v: %v", args, r)
			if args[0] == "SPOP" {
				break // the set shrinks
			}
		}
	}
	r, err := c.Do("SCARD", "s")
	require.NoError(t, err)
	assert.Equal(t, int64(13), r.Int)
}

// redisConn is a parsed-reply client for tests that look at reply content
// rather than bytes.
func redisConn(t *testing.T, s *Server) *redistest.Conn {
	return redistest.Dial(t, s.Addr().String())
}

// TestPickDistinct: HRANDFIELD's distinct picks are distinct, as many as
// asked, each with its own value, and every field can come up, in both of
// pickDistinct's methods (over and under a third of the hash), with
// tombstones in the hash.
func TestPickDistinct(t *testing.T) {
	for _, tc := range []struct{ size, n int }{{10, 2}, {10, 3}, {10, 4}, {10, 9}, {300, 5}, {300, 150}} {
		t.Run(fmt.Sprintf("size=%d/n=%d", tc.size, tc.n), func(t *testing.T) {
			h := shard.NewHash()
			for i := range tc.size + tc.size/3 {
				h.Set([]byte("f"+strconv.Itoa(i)), []byte("v"+strconv.Itoa(i)))
			}
			for i := range tc.size / 3 { // tombstones, fewer than the live fields
				h.Delete([]byte("f" + strconv.Itoa(3*i)))
			}
			require.Equal(t, tc.size, h.Len())
			everPicked := map[string]bool{}
			for range 200 {
				picked := map[string]bool{}
				pickDistinct(h, tc.n, func(f, v []byte) {
					assert.False(t, picked[string(f)], "%s picked twice", f)
					assert.Equal(t, "v"+string(f[1:]), string(v))
					picked[string(f)], everPicked[string(f)] = true, true
				})
				assert.Len(t, picked, tc.n)
			}
			if tc.size <= 10 {
				assert.Len(t, everPicked, tc.size, "every field comes up")
			}
		})
	}
}

// TestPickDistinctMemory: a few fields picked from a big hash cost memory
// in proportion to the few, not to the hash (it is not copied).
func TestPickDistinctMemory(t *testing.T) {
	h := shard.NewHash()
	for i := range 100_000 {
		h.Set([]byte("f"+strconv.Itoa(i)), []byte("v"))
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 100 {
		pickDistinct(h, 10, func(_, _ []byte) {})
	}
	runtime.ReadMemStats(&after)
	// A copy of the hash would be 100 x 100,000 x 48 bytes, about 480 MB.
	t.Logf("%d bytes allocated by 100 picks of 10 of 100,000 fields", after.TotalAlloc-before.TotalAlloc)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(10<<20))
}
