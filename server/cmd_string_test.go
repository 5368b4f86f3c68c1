package server

import (
	"testing"
	"time"

	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSetGetRESP(t *testing.T) {
	s := startServer(t, redisConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"get/missing", resp("GET", "k"), "$-1\r\n"},
		{"set", resp("SET", "k", "v"), "+OK\r\n"},
		{"get", resp("GET", "k"), "$1\r\nv\r\n"},
		{"get/lowercase name", resp("get", "k"), "$1\r\nv\r\n"},
		{"set/empty value", resp("SET", "e", ""), "+OK\r\n"},
		{"get/empty value", resp("GET", "e"), "$0\r\n\r\n"},
		{"set/binary", resp("SET", "b", "a\r\nb\x00c"), "+OK\r\n"},
		{"get/binary", resp("GET", "b"), "$6\r\na\r\nb\x00c\r\n"},
		{"set/nx existing", resp("SET", "k", "w", "NX"), "$-1\r\n"},
		{"set/nx new", resp("SET", "n", "1", "nx"), "+OK\r\n"},
		{"set/xx missing", resp("SET", "x", "1", "XX"), "$-1\r\n"},
		{"set/xx existing", resp("SET", "k", "w", "XX"), "+OK\r\n"},
		{"set/get old", resp("SET", "k", "z", "GET"), "$1\r\nw\r\n"},
		{"set/get missing", resp("SET", "g", "1", "GET"), "$-1\r\n"},
		{"set/nx get existing", resp("SET", "k", "q", "NX", "GET"), "$1\r\nz\r\n"},
		{"get/unchanged by nx", resp("GET", "k"), "$1\r\nz\r\n"},
		{"set/nx xx", resp("SET", "k", "v", "NX", "XX"), "-ERR syntax error\r\n"},
		{"set/ex px", resp("SET", "k", "v", "EX", "1", "PX", "1"), "-ERR syntax error\r\n"},
		{"set/ex keepttl", resp("SET", "k", "v", "EX", "1", "KEEPTTL"), "-ERR syntax error\r\n"},
		{"set/ex missing", resp("SET", "k", "v", "EX"), "-ERR syntax error\r\n"},
		{"set/unknown option", resp("SET", "k", "v", "FOO"), "-ERR syntax error\r\n"},
		{"set/bare ttl is a syntax error in redis mode", resp("SET", "k", "v", "10"), "-ERR syntax error\r\n"},
		{"set/ex not integer", resp("SET", "k", "v", "EX", "ten"), "-ERR value is not an integer or out of range\r\n"},
		{"set/ex zero", resp("SET", "k", "v", "EX", "0"), "-ERR invalid expire time in 'set' command\r\n"},
		{"set/px negative", resp("SET", "k", "v", "PX", "-5"), "-ERR invalid expire time in 'set' command\r\n"},
		{"set/ex overflow", resp("SET", "k", "v", "EX", "9223372036854775807"), "-ERR invalid expire time in 'set' command\r\n"},
		{"set/arity", resp("SET", "k"), "-ERR wrong number of arguments for 'set' command\r\n"},
		{"get/arity", resp("GET"), "-ERR wrong number of arguments for 'get' command\r\n"},
		{"get/arity too many", resp("GET", "a", "b"), "-ERR wrong number of arguments for 'get' command\r\n"},
		{"set/no default ttl in redis mode", resp("TTL", "k"), ":-1\r\n"},
		{"set/list-looking value stays a string", resp("SET", "l", "a,b,c"), "+OK\r\n"},
		{"type/string", resp("TYPE", "l"), "+string\r\n"},
		{"update/missing", resp("UPDATE", "nope", "v"), "-ERR no such key\r\n"},
		{"update/existing", resp("UPDATE", "k", "new"), "+OK\r\n"},
		{"update/value", resp("GET", "k"), "$3\r\nnew\r\n"},
		{"update/ttl", resp("UPDATE", "k", "v2", "100"), "+OK\r\n"},
		{"update/ttl applied", resp("TTL", "k"), ":100\r\n"},
		{"update/bad ttl", resp("UPDATE", "k", "v", "x"), "-ERR value is not an integer or out of range\r\n"},
		{"update/too many", resp("UPDATE", "k", "v", "1", "2"), "-ERR syntax error\r\n"},
	})
}

func TestSetExpiryOptions(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, withClock(redisConfig(), clock))
	now := clock.UnixMilli()
	r := dial(t, s)
	runExchanges(t, r, []exchange{
		{"ex", resp("SET", "a", "1", "EX", "10"), "+OK\r\n"},
		{"ex ttl", resp("PTTL", "a"), ":10000\r\n"},
		{"px", resp("SET", "b", "1", "PX", "1500"), "+OK\r\n"},
		{"px ttl", resp("PTTL", "b"), ":1500\r\n"},
		{"exat", resp("SET", "c", "1", "EXAT", itoa(int(now/1000)+20)), "+OK\r\n"},
		{"pxat", resp("SET", "d", "1", "PXAT", itoa(int(now)+2500)), "+OK\r\n"},
		{"pxat ttl", resp("PTTL", "d"), ":2500\r\n"},
		{"keepttl", resp("SET", "b", "2", "KEEPTTL"), "+OK\r\n"},
		{"keepttl kept", resp("PTTL", "b"), ":1500\r\n"},
		{"plain set clears ttl", resp("SET", "a", "2"), "+OK\r\n"},
		{"cleared", resp("TTL", "a"), ":-1\r\n"},
		{"pxat in the past deletes", resp("SET", "d", "1", "PXAT", itoa(int(now)-1)), "+OK\r\n"},
		{"deleted", resp("EXISTS", "d"), ":0\r\n"},
	})
	clock.Advance(1499 * time.Millisecond)
	runExchanges(t, r, []exchange{{"alive 1ms before deadline", resp("GET", "b"), "$1\r\n2\r\n"}})
	clock.Advance(time.Millisecond)
	runExchanges(t, r, []exchange{
		{"gone at deadline", resp("GET", "b"), "$-1\r\n"},
		{"ttl of expired", resp("TTL", "b"), ":-2\r\n"},
		{"update of expired", resp("UPDATE", "b", "x"), "-ERR no such key\r\n"},
	})
}

func TestMiniTypingAndDefaultTTL(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, withClock(miniConfig(), clock))
	r := dial(t, s)
	runExchanges(t, r, []exchange{
		{"list", resp("SET", "colors", "red,green,blue"), "+OK\r\n"},
		{"list type", resp("TYPE", "colors"), "+list\r\n"},
		{"list renders", resp("GET", "colors"), "$14\r\nred,green,blue\r\n"},
		{"hash", resp("SET", "user", "name:Alice,age:30"), "+OK\r\n"},
		{"hash type", resp("TYPE", "user"), "+hash\r\n"},
		{"hash renders", resp("GET", "user"), "$17\r\nname:Alice,age:30\r\n"},
		{"string with space", resp("SET", "greet", "Hello, world"), "+OK\r\n"},
		{"string type", resp("TYPE", "greet"), "+string\r\n"},
		{"default ttl", resp("TTL", "colors"), ":60\r\n"},
		{"bare ttl", resp("SET", "short", "v", "5"), "+OK\r\n"},
		{"bare ttl applied", resp("TTL", "short"), ":5\r\n"},
		{"bare ttl zero", resp("SET", "short", "v", "0"), "-ERR invalid expire time in 'set' command\r\n"},
		{"bare ttl then option", resp("SET", "short", "w", "7", "XX"), "+OK\r\n"},
		{"bare ttl then option applied", resp("TTL", "short"), ":7\r\n"},
		{"bare ttl and EX", resp("SET", "short", "w", "7", "EX", "3"), "-ERR syntax error\r\n"},
		{"update changes type", resp("UPDATE", "greet", "a,b"), "+OK\r\n"},
		{"update type", resp("TYPE", "greet"), "+list\r\n"},
		{"update default ttl", resp("TTL", "greet"), ":60\r\n"},
		{"set get renders old list", resp("SET", "colors", "x", "GET"), "$14\r\nred,green,blue\r\n"},
		{"empty elements kept", resp("SET", "e", "a,,b,"), "+OK\r\n"},
		{"empty elements render", resp("GET", "e"), "$5\r\na,,b,\r\n"},
	})
	clock.Advance(60 * time.Second)
	runExchanges(t, r, []exchange{
		{"default ttl expires", resp("GET", "user"), "$-1\r\n"},
		{"dbsize counts what is held", resp("EXISTS", "user"), ":0\r\n"},
	})
}

func TestMiniDefaultTTLDisabled(t *testing.T) {
	cfg := miniConfig()
	cfg.DefaultTTL = 0
	s := startServer(t, cfg)
	runExchanges(t, dial(t, s), []exchange{
		{"set", resp("SET", "k", "v"), "+OK\r\n"},
		{"no ttl", resp("TTL", "k"), ":-1\r\n"},
	})
}

func TestGetWrongTypeInRedisModeOnly(t *testing.T) {
	for _, tc := range []struct {
		mode Mode
		want string
	}{
		{ModeMini, "$3\r\na,b\r\n"},
		{ModeRedis, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			s := startServer(t, testConfig(tc.mode))
			// Build the list through the store so the test does not depend
			// on list commands.
			s.Store().Update([]byte("l"), 0, func(e *shard.Entry) {
				e.SetInferred([]byte("a,b"), 0)
			})
			r := dial(t, s)
			assert.Equal(t, tc.want, r.do(resp("GET", "l"), tc.want))
		})
	}
}

func TestSetGetAllocations(t *testing.T) {
	s, err := New(redisConfig())
	require.NoError(t, err)
	c := newTestClient(s)
	set := [][]byte{[]byte("SET"), []byte("key:0000001"), []byte("0123456789abcdef0123456789abcdef")}
	get := [][]byte{[]byte("GET"), []byte("key:0000001")}
	c.exec(set)
	c.exec(get)
	require.NoError(t, c.w.Flush())

	getAllocs := testing.AllocsPerRun(1000, func() {
		c.exec(get)
		_ = c.w.Flush()
	})
	assert.Zero(t, getAllocs, "GET and its reply")
	setAllocs := testing.AllocsPerRun(1000, func() {
		c.exec(set)
		_ = c.w.Flush()
	})
	// The record goes into the shard's arena: a new chunk every so many
	// writes, amortised to nothing per SET.
	assert.Zero(t, setAllocs, "SET allocates nothing per call")
}

func TestStringCommandsRESP(t *testing.T) {
	s := startServer(t, redisConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"getdel/missing", resp("GETDEL", "k"), "$-1\r\n"},
		{"set", resp("SET", "k", "v"), "+OK\r\n"},
		{"getdel", resp("GETDEL", "k"), "$1\r\nv\r\n"},
		{"getdel/deleted", resp("EXISTS", "k"), ":0\r\n"},
		{"getset/missing", resp("GETSET", "k", "1"), "$-1\r\n"},
		{"set ex", resp("SET", "k", "2", "EX", "100"), "+OK\r\n"},
		{"getset", resp("GETSET", "k", "3"), "$1\r\n2\r\n"},
		{"getset/clears ttl", resp("TTL", "k"), ":-1\r\n"},
		{"setnx/existing", resp("SETNX", "k", "x"), ":0\r\n"},
		{"setnx/new", resp("SETNX", "n", "x"), ":1\r\n"},
		{"mset", resp("MSET", "a", "1", "b", "2", "a", "3"), "+OK\r\n"},
		{"mget", resp("MGET", "a", "b", "nope"), "*3\r\n$1\r\n3\r\n$1\r\n2\r\n$-1\r\n"},
		{"mset/odd", resp("MSET", "a", "1", "b"), "-ERR wrong number of arguments for 'mset' command\r\n"},
		{"mset/arity", resp("MSET", "a"), "-ERR wrong number of arguments for 'mset' command\r\n"},
		{"msetnx/one exists", resp("MSETNX", "a", "9", "z", "9"), ":0\r\n"},
		{"msetnx/nothing written", resp("EXISTS", "z"), ":0\r\n"},
		{"msetnx", resp("MSETNX", "y", "8", "z", "9"), ":1\r\n"},
		{"msetnx/written", resp("MGET", "y", "z"), "*2\r\n$1\r\n8\r\n$1\r\n9\r\n"},
		{"msetnx/odd", resp("MSETNX", "a", "1", "b"), "-ERR wrong number of arguments for 'msetnx' command\r\n"},
		{"incr/missing", resp("INCR", "i"), ":1\r\n"},
		{"incrby", resp("INCRBY", "i", "41"), ":42\r\n"},
		{"decr", resp("DECR", "i"), ":41\r\n"},
		{"decrby", resp("DECRBY", "i", "50"), ":-9\r\n"},
		{"incr/stored as text", resp("GET", "i"), "$2\r\n-9\r\n"},
		{"incrby/not integer", resp("INCRBY", "i", "1.5"), "-ERR value is not an integer or out of range\r\n"},
		{"incrby/plus sign", resp("INCRBY", "i", "+1"), "-ERR value is not an integer or out of range\r\n"},
		{"incr/not integer value", resp("INCR", "a b"), ":1\r\n"},
		{"set text", resp("SET", "t", "abc"), "+OK\r\n"},
		{"incr/text", resp("INCR", "t"), "-ERR value is not an integer or out of range\r\n"},
		{"set max", resp("SET", "m", "9223372036854775807"), "+OK\r\n"},
		{"incr/overflow", resp("INCR", "m"), "-ERR increment or decrement would overflow\r\n"},
		{"decrby/min", resp("DECRBY", "m", "-9223372036854775808"), "-ERR decrement would overflow\r\n"},
		{"set with ttl", resp("SET", "c", "9", "EX", "100"), "+OK\r\n"},
		{"incr/grows a digit", resp("INCR", "c"), ":10\r\n"},
		{"incr/keeps ttl", resp("TTL", "c"), ":100\r\n"},
		{"incrbyfloat/missing", resp("INCRBYFLOAT", "f", "0.1"), "$3\r\n0.1\r\n"},
		{"incrbyfloat", resp("INCRBYFLOAT", "f", "0.2"), "$3\r\n0.3\r\n"},
		{"incrbyfloat/exponent", resp("INCRBYFLOAT", "f", "1e2"), "$5\r\n100.3\r\n"},
		{"incrbyfloat/integer result", resp("INCRBYFLOAT", "f", "-0.3"), "$3\r\n100\r\n"},
		{"incrbyfloat/bad increment", resp("INCRBYFLOAT", "f", "x"), "-ERR value is not a valid float\r\n"},
		{"incrbyfloat/bad value", resp("INCRBYFLOAT", "t", "1"), "-ERR value is not a valid float\r\n"},
		{"incrbyfloat/infinity", resp("INCRBYFLOAT", "f", "inf"), "-ERR increment would produce NaN or Infinity\r\n"},
		{"incrbyfloat/keeps ttl", resp("INCRBYFLOAT", "c", "0.5"), "$4\r\n10.5\r\n"},
		{"incrbyfloat/ttl", resp("TTL", "c"), ":100\r\n"},
		{"append/missing", resp("APPEND", "s", "Hello"), ":5\r\n"},
		{"append", resp("APPEND", "s", " World"), ":11\r\n"},
		{"append/empty", resp("APPEND", "s", ""), ":11\r\n"},
		{"append/value", resp("GET", "s"), "$11\r\nHello World\r\n"},
		{"append/keeps ttl", resp("APPEND", "c", "x"), ":5\r\n"},
		{"append/ttl", resp("TTL", "c"), ":100\r\n"},
		{"strlen", resp("STRLEN", "s"), ":11\r\n"},
		{"strlen/missing", resp("STRLEN", "nope"), ":0\r\n"},
		{"getrange", resp("GETRANGE", "s", "0", "4"), "$5\r\nHello\r\n"},
		{"getrange/negative", resp("GETRANGE", "s", "-5", "-1"), "$5\r\nWorld\r\n"},
		{"getrange/clamped", resp("GETRANGE", "s", "-100", "100"), "$11\r\nHello World\r\n"},
		{"getrange/inverted", resp("GETRANGE", "s", "5", "3"), "$0\r\n\r\n"},
		{"getrange/both negative inverted", resp("GETRANGE", "s", "-1", "-5"), "$0\r\n\r\n"},
		{"getrange/missing", resp("GETRANGE", "nope", "0", "-1"), "$0\r\n\r\n"},
		{"getrange/bad index", resp("GETRANGE", "s", "x", "1"), "-ERR value is not an integer or out of range\r\n"},
		{"setrange/in place", resp("SETRANGE", "s", "6", "Redis"), ":11\r\n"},
		{"setrange/value", resp("GET", "s"), "$11\r\nHello Redis\r\n"},
		{"setrange/pads", resp("SETRANGE", "s", "13", "!"), ":14\r\n"},
		{"setrange/padded", resp("GET", "s"), "$14\r\nHello Redis\x00\x00!\r\n"},
		{"setrange/missing empty", resp("SETRANGE", "nope", "5", ""), ":0\r\n"},
		{"setrange/missing not created", resp("EXISTS", "nope"), ":0\r\n"},
		{"setrange/missing", resp("SETRANGE", "new", "2", "ab"), ":4\r\n"},
		{"setrange/new value", resp("GET", "new"), "$4\r\n\x00\x00ab\r\n"},
		{"setrange/negative", resp("SETRANGE", "s", "-1", "x"), "-ERR offset is out of range\r\n"},
		{"setrange/too long", resp("SETRANGE", "s", "536870912", "x"), "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"},
		{"setrange/too long empty", resp("SETRANGE", "s", "536870912", ""), ":14\r\n"},
		{"setrange/keeps ttl", resp("SETRANGE", "c", "0", "x"), ":5\r\n"},
		{"setrange/ttl", resp("TTL", "c"), ":100\r\n"},
		{"getdel/arity", resp("GETDEL"), "-ERR wrong number of arguments for 'getdel' command\r\n"},
		{"getset/arity", resp("GETSET", "k"), "-ERR wrong number of arguments for 'getset' command\r\n"},
		{"setnx/arity", resp("SETNX", "k"), "-ERR wrong number of arguments for 'setnx' command\r\n"},
		{"mget/arity", resp("MGET"), "-ERR wrong number of arguments for 'mget' command\r\n"},
		{"incr/arity", resp("INCR"), "-ERR wrong number of arguments for 'incr' command\r\n"},
		{"incrbyfloat/arity", resp("INCRBYFLOAT", "f"), "-ERR wrong number of arguments for 'incrbyfloat' command\r\n"},
		{"append/arity", resp("APPEND", "s"), "-ERR wrong number of arguments for 'append' command\r\n"},
		{"strlen/arity", resp("STRLEN"), "-ERR wrong number of arguments for 'strlen' command\r\n"},
		{"getrange/arity", resp("GETRANGE", "s", "0"), "-ERR wrong number of arguments for 'getrange' command\r\n"},
		{"setrange/arity", resp("SETRANGE", "s", "0"), "-ERR wrong number of arguments for 'setrange' command\r\n"},
	})
}

// TestStringLengthLimit: SETRANGE and APPEND refuse to grow a string past
// the configured proto-max-bulk-len, and an offset so large that offset +
// length overflows int64 gets the same error, not a panic.
func TestStringLengthLimit(t *testing.T) {
	const tooLong = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
	cfg := redisConfig()
	cfg.ProtoMaxBulkLen = 20 // room for the 19-digit offsets as arguments
	s := startServer(t, cfg)
	runExchanges(t, dial(t, s), []exchange{
		{"setrange/max offset", resp("SETRANGE", "k", "9223372036854775807", "x"), tooLong},
		{"setrange/max offset existing", resp("SET", "s", "abc"), "+OK\r\n"},
		{"setrange/max offset existing", resp("SETRANGE", "s", "9223372036854775807", "x"), tooLong},
		{"setrange/max offset empty", resp("SETRANGE", "s", "9223372036854775807", ""), ":3\r\n"},
		{"setrange/offset 2^63", resp("SETRANGE", "s", "9223372036854775808", "x"), "-ERR value is not an integer or out of range\r\n"},
		{"setrange/min offset", resp("SETRANGE", "s", "-9223372036854775808", "x"), "-ERR offset is out of range\r\n"},
		{"setrange/just fits", resp("SETRANGE", "s", "18", "xy"), ":20\r\n"},
		{"setrange/one past", resp("SETRANGE", "s", "19", "xy"), tooLong},
		{"setrange/one past new", resp("SETRANGE", "n", "20", "x"), tooLong},
		{"setrange/not created", resp("EXISTS", "n"), ":0\r\n"},
		{"append/full", resp("APPEND", "s", ""), ":20\r\n"},
		{"append/past", resp("APPEND", "s", "z"), tooLong},
	})
}

// TestStringCommandsWrongType: on a list or hash every string command but
// GET (and SET ... GET) answers WRONGTYPE in both modes; MGET answers nil.
func TestStringCommandsWrongType(t *testing.T) {
	for _, mode := range []Mode{ModeMini, ModeRedis} {
		t.Run(mode.String(), func(t *testing.T) {
			s := startServer(t, testConfig(mode))
			s.Store().Update([]byte("l"), 0, func(e *shard.Entry) { e.SetInferred([]byte("a,b"), 0) })
			s.Store().Update([]byte("h"), 0, func(e *shard.Entry) { e.SetInferred([]byte("f:1,g:2"), 0) })
			r := dial(t, s)
			for _, key := range []string{"l", "h"} {
				runExchanges(t, r, []exchange{
					{"getdel", resp("GETDEL", key), wrongType},
					{"getset", resp("GETSET", key, "x"), wrongType},
					{"incr", resp("INCR", key), wrongType},
					{"decr", resp("DECR", key), wrongType},
					{"incrby", resp("INCRBY", key, "2"), wrongType},
					{"incrby/bad increment first", resp("INCRBY", key, "x"), "-ERR value is not an integer or out of range\r\n"},
					{"decrby", resp("DECRBY", key, "2"), wrongType},
					{"incrbyfloat", resp("INCRBYFLOAT", key, "1.5"), wrongType},
					{"incrbyfloat/type first", resp("INCRBYFLOAT", key, "x"), wrongType},
					{"append", resp("APPEND", key, "x"), wrongType},
					{"strlen", resp("STRLEN", key), wrongType},
					{"getrange", resp("GETRANGE", key, "0", "1"), wrongType},
					{"setrange", resp("SETRANGE", key, "0", "x"), wrongType},
					{"setrange/empty", resp("SETRANGE", key, "0", ""), wrongType},
					{"mget/nil", resp("MGET", key), "*1\r\n$-1\r\n"},
					{"setnx/exists", resp("SETNX", key, "x"), ":0\r\n"},
					{"msetnx/exists", resp("MSETNX", key, "x"), ":0\r\n"},
					{"still there", resp("TYPE", key), "+" + map[string]string{"l": "list", "h": "hash"}[key] + "\r\n"},
				})
			}
			runExchanges(t, r, []exchange{
				{"mset overwrites", resp("MSET", "l", "s"), "+OK\r\n"},
				{"now a string", resp("TYPE", "l"), "+string\r\n"},
			})
		})
	}
}

// TestStringCommandsMiniInline: the plain-text answers nc users see.
func TestStringCommandsMiniInline(t *testing.T) {
	s := startServer(t, miniConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"incr", "INCR n\r\n", "1\r\n"},
		{"incrbyfloat", "INCRBYFLOAT n 0.5\r\n", "1.5\r\n"},
		{"mset", "MSET a 1 b 2\r\n", "OK\r\n"},
		{"mget", "MGET a b c\r\n", "1\r\n2\r\nNil\r\n"},
		{"mset gives no ttl", "TTL a\r\n", "-1\r\n"},
		{"append", "APPEND a x\r\n", "2\r\n"},
		{"getrange", "GETRANGE a 0 0\r\n", "1\r\n"},
		{"getdel", "GETDEL a\r\n", "1x\r\n"},
		{"getdel missing", "GETDEL a\r\n", "Nil\r\n"},
		{"list", "SET l a,b\r\n", "OK\r\n"},
		{"wrongtype", "APPEND l x\r\n", "Error: WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	})
}

func TestIncrAllocations(t *testing.T) {
	s, err := New(redisConfig())
	require.NoError(t, err)
	c := newTestClient(s)
	c.exec([][]byte{[]byte("SET"), []byte("n"), []byte("1000")})
	incr := [][]byte{[]byte("INCR"), []byte("n")}
	c.exec(incr)
	require.NoError(t, c.w.Flush())
	// 1001..1100 keep four digits: written in place.
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		c.exec(incr)
		_ = c.w.Flush()
	}), "INCR that keeps the length")
	// Alternating 9 and 10 changes the length every time: a new record in
	// the arena, no allocation of its own.
	c.exec([][]byte{[]byte("SET"), []byte("m"), []byte("9")})
	up := [][]byte{[]byte("INCR"), []byte("m")}
	down := [][]byte{[]byte("DECR"), []byte("m")}
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		c.exec(up)
		c.exec(down)
		_ = c.w.Flush()
	}), "INCR that changes the length")
}

func TestAddLongDouble(t *testing.T) {
	for _, tc := range []struct{ cur, incr, want, err string }{
		{"0", "0.1", "0.1", ""},
		{"0.1", "0.2", "0.3", ""},
		{"100.1", "1.23456789012345678", "101.33456789012345678", ""},
		{"10", "-10", "0", ""},
		{"0", "-0", "0", ""},
		{"1", "-1.5", "-0.5", ""},
		{"3.0", "0", "3", ""},
		{"1e3", "1", "1001", ""},
		{"0", "1e20", "100000000000000000000", ""},
		{"0", "1e-20", "0", ""},
		{"0", "5e-18", "0", ""}, // as Redis: rounds to 17 decimals
		{"0", "0.000000000000000015", "0.00000000000000002", ""},
		{"0", ".5", "0.5", ""},
		{"0", "5.", "5", ""},
		{"101.33456789012345678", "0x10", "117.33456789012345678", ""},
		{"0", "0x1p-2", "0.25", ""},
		// Hex strings are rounded once to the long double's 64 bits, as
		// strtold does (these are redis-server 7.0.15's answers).
		{"0x109223372036854775807", "-1.1", "1252058014288152014356480", ""},
		{"0", "0xFFFFFFFFFFFFFFFFF", "295147905179352825856", ""},
		{"0", "-0x1.8p3", "-12", ""},
		{"0", "0X1P3", "8", ""},
		{"0", "0x.8", "0.5", ""},
		{"0", "0x1.", "1", ""},
		{"0", "+0x10", "16", ""},
		{"0", "0x10e", "270", ""},
		{"0", "0x0p99999999999999999999", "0", ""},
		{"0", "0x1p-16445", "0", ""},
		{"0", "0x", "", msgNotFloat},
		{"0", "0x.p1", "", msgNotFloat},
		{"0", "0x1p", "", msgNotFloat},
		{"0", "0x1p+", "", msgNotFloat},
		{"0", "0x1.8.1", "", msgNotFloat},
		{"0", "0x1p99999999999999999999", "", msgNotFloat},
		{"0", "0x1p-99999999999999999999", "", msgNotFloat},
		{"0", "0x1p16384", "", msgNotFloat},
		{"0", "x", "", msgNotFloat},
		{"0", "", "", msgNotFloat},
		{"0", " 1", "", msgNotFloat},
		{"0", "1 ", "", msgNotFloat},
		{"0", "1e", "", msgNotFloat},
		{"0", "1_0", "", msgNotFloat},
		{"0", "0b1", "", msgNotFloat},
		{"0", "nan", "", msgNotFloat},
		{"0", "1e5000", "", msgNotFloat},
		{"0", "1e-5000", "", msgNotFloat},
		{"abc", "1", "", msgNotFloat},
		{"0", "inf", "", msgIncrNaN},
		{"-Infinity", "1", "", msgIncrNaN},
		{"1e4932", "1e4932", "", msgIncrNaN},
	} {
		t.Run(tc.cur+"+"+tc.incr, func(t *testing.T) {
			got, err := addLongDouble(nil, []byte(tc.cur), []byte(tc.incr))
			assert.Equal(t, tc.err, err)
			assert.Equal(t, tc.want, string(got))
		})
	}
}
