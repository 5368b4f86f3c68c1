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
	assert.Equal(t, 1.0, setAllocs, "SET allocates only the stored copy of key and value")
}
