package server

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fake clock starts at 1_700_000_000_000 ms (see newFakeClock); ms and
// sec give instants relative to it as request arguments.
const (
	t0Ms  = 1_700_000_000_000
	t0Sec = t0Ms / 1000
)

func ms(off int64) string  { return strconv.FormatInt(t0Ms+off, 10) }
func sec(off int64) string { return strconv.FormatInt(t0Sec+off, 10) }
func respInt(n int64) string {
	return ":" + strconv.FormatInt(n, 10) + "\r\n"
}

func TestExpireSetAndRead(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, withClock(redisConfig(), clock))
	runExchanges(t, dial(t, s), []exchange{
		{"expire/missing key", resp("EXPIRE", "nope", "10"), ":0\r\n"},
		{"set", resp("SET", "k", "v"), "+OK\r\n"},
		{"expire", resp("EXPIRE", "k", "10"), ":1\r\n"},
		{"expire/pttl", resp("PTTL", "k"), ":10000\r\n"},
		{"expire/expiretime", resp("EXPIRETIME", "k"), respInt(t0Sec + 10)},
		{"expire/pexpiretime", resp("PEXPIRETIME", "k"), respInt(t0Ms + 10_000)},
		{"pexpire", resp("PEXPIRE", "k", "1500"), ":1\r\n"},
		{"pexpire/pttl", resp("PTTL", "k"), ":1500\r\n"},
		{"pexpire/ttl rounds", resp("TTL", "k"), ":2\r\n"},
		{"pexpire/expiretime rounds", resp("EXPIRETIME", "k"), respInt(t0Sec + 2)},
		{"pexpire 1499/expiretime rounds down", resp("PEXPIRE", "k", "1499"), ":1\r\n"},
		{"pexpire 1499/expiretime", resp("EXPIRETIME", "k"), respInt(t0Sec + 1)},
		{"expireat", resp("EXPIREAT", "k", sec(30)), ":1\r\n"},
		{"expireat/pexpiretime", resp("PEXPIRETIME", "k"), respInt(t0Ms + 30_000)},
		{"pexpireat", resp("PEXPIREAT", "k", ms(1234)), ":1\r\n"},
		{"pexpireat/pttl", resp("PTTL", "k"), ":1234\r\n"},
		{"lower-case name", resp("pexpire", "k", "2000"), ":1\r\n"},
		{"value unchanged", resp("GET", "k"), "$1\r\nv\r\n"},
		{"persist", resp("PERSIST", "k"), ":1\r\n"},
		{"persist/ttl gone", resp("TTL", "k"), ":-1\r\n"},
		{"persist/pttl gone", resp("PTTL", "k"), ":-1\r\n"},
		{"persist/no deadline", resp("PERSIST", "k"), ":0\r\n"},
		{"persist/missing", resp("PERSIST", "nope"), ":0\r\n"},
		{"expiretime/no deadline", resp("EXPIRETIME", "k"), ":-1\r\n"},
		{"pexpiretime/no deadline", resp("PEXPIRETIME", "k"), ":-1\r\n"},
		{"expiretime/missing", resp("EXPIRETIME", "nope"), ":-2\r\n"},
		{"pexpiretime/missing", resp("PEXPIRETIME", "nope"), ":-2\r\n"},
		{"ttl/missing", resp("TTL", "nope"), ":-2\r\n"},
		{"pexpireat max", resp("PEXPIREAT", "k", "9223372036854775807"), ":1\r\n"},
		{"pexpireat max kept", resp("PEXPIRETIME", "k"), ":9223372036854775807\r\n"},
	})
}

func TestExpireDeadlineReached(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, withClock(redisConfig(), clock))
	r := dial(t, s)
	runExchanges(t, r, []exchange{
		// A deadline at or before now deletes the key and answers 1.
		{"set a", resp("SET", "a", "1"), "+OK\r\n"},
		{"expire 0", resp("EXPIRE", "a", "0"), ":1\r\n"},
		{"a gone", resp("EXISTS", "a"), ":0\r\n"},
		{"set a again", resp("SET", "a", "1"), "+OK\r\n"},
		{"expire negative", resp("EXPIRE", "a", "-5"), ":1\r\n"},
		{"a gone again", resp("EXISTS", "a"), ":0\r\n"},
		{"set b", resp("SET", "b", "1"), "+OK\r\n"},
		{"pexpireat now", resp("PEXPIREAT", "b", ms(0)), ":1\r\n"},
		{"b gone", resp("GET", "b"), "$-1\r\n"},
		{"set c", resp("SET", "c", "1"), "+OK\r\n"},
		{"expireat 0", resp("EXPIREAT", "c", "0"), ":1\r\n"},
		{"c gone", resp("EXISTS", "c"), ":0\r\n"},
		{"missing key", resp("EXPIRE", "c", "-1"), ":0\r\n"},
		{"set d", resp("SET", "d", "1"), "+OK\r\n"},
		{"xx blocks the delete", resp("EXPIRE", "d", "-1", "XX"), ":0\r\n"},
		{"d kept", resp("EXISTS", "d"), ":1\r\n"},
		{"set e with 1s", resp("SET", "e", "1", "PX", "1000"), "+OK\r\n"},
	})
	// EXPIRE into the past is a delete, as in Redis: not an expiration.
	assert.Equal(t, uint64(0), s.Store().Stats().ExpiredKeys)

	clock.Advance(999 * time.Millisecond)
	runExchanges(t, r, []exchange{{"alive 1ms before", resp("PTTL", "e"), ":1\r\n"}})
	clock.Advance(time.Millisecond)
	runExchanges(t, r, []exchange{
		{"gone at the deadline", resp("PTTL", "e"), ":-2\r\n"},
		{"expiretime gone", resp("EXPIRETIME", "e"), ":-2\r\n"},
		{"persist cannot revive", resp("PERSIST", "e"), ":0\r\n"},
		{"expire cannot revive", resp("EXPIRE", "e", "100"), ":0\r\n"},
		{"still gone", resp("EXISTS", "e"), ":0\r\n"},
	})
	assert.Equal(t, uint64(1), s.Store().Stats().ExpiredKeys, "the lazy delete counts once")
}

func TestExpireOptions(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, withClock(redisConfig(), clock))
	runExchanges(t, dial(t, s), []exchange{
		{"set", resp("SET", "k", "v"), "+OK\r\n"},
		{"xx/no deadline", resp("EXPIRE", "k", "100", "XX"), ":0\r\n"},
		{"gt/no deadline is infinite", resp("EXPIRE", "k", "100", "GT"), ":0\r\n"},
		{"still none", resp("TTL", "k"), ":-1\r\n"},
		{"lt/no deadline is infinite", resp("EXPIRE", "k", "100", "LT"), ":1\r\n"},
		{"lt set", resp("TTL", "k"), ":100\r\n"},
		{"persist", resp("PERSIST", "k"), ":1\r\n"},
		{"nx/no deadline", resp("EXPIRE", "k", "100", "NX"), ":1\r\n"},
		{"nx/has deadline", resp("EXPIRE", "k", "200", "nx"), ":0\r\n"},
		{"nx kept", resp("TTL", "k"), ":100\r\n"},
		{"xx/has deadline", resp("EXPIRE", "k", "200", "xx"), ":1\r\n"},
		{"xx set", resp("TTL", "k"), ":200\r\n"},
		{"gt/smaller", resp("EXPIRE", "k", "150", "GT"), ":0\r\n"},
		{"gt/equal", resp("EXPIRE", "k", "200", "GT"), ":0\r\n"},
		{"gt/greater", resp("EXPIRE", "k", "300", "GT"), ":1\r\n"},
		{"gt set", resp("TTL", "k"), ":300\r\n"},
		{"lt/greater", resp("PEXPIRE", "k", "400000", "LT"), ":0\r\n"},
		{"lt/equal", resp("PEXPIREAT", "k", ms(300_000), "LT"), ":0\r\n"},
		{"lt/smaller", resp("EXPIREAT", "k", sec(50), "LT"), ":1\r\n"},
		{"lt set", resp("TTL", "k"), ":50\r\n"},
		{"xx gt together", resp("EXPIRE", "k", "60", "XX", "GT"), ":1\r\n"},
		{"xx lt together", resp("EXPIRE", "k", "70", "XX", "LT"), ":0\r\n"},
		{"repeated option", resp("EXPIRE", "k", "80", "GT", "gt"), ":1\r\n"},
		{"lt into the past deletes", resp("EXPIRE", "k", "-1", "LT"), ":1\r\n"},
		{"deleted", resp("EXISTS", "k"), ":0\r\n"},
		{"options on a missing key", resp("EXPIRE", "k", "10", "NX"), ":0\r\n"},
	})
}

func TestExpireErrors(t *testing.T) {
	s := startServer(t, redisConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"set", resp("SET", "k", "v"), "+OK\r\n"},
		{"not integer", resp("EXPIRE", "k", "ten"), "-ERR value is not an integer or out of range\r\n"},
		{"float", resp("PEXPIRE", "k", "1.5"), "-ERR value is not an integer or out of range\r\n"},
		{"leading plus", resp("EXPIRE", "k", "+1"), "-ERR value is not an integer or out of range\r\n"},
		{"empty", resp("EXPIREAT", "k", ""), "-ERR value is not an integer or out of range\r\n"},
		{"too big for int64", resp("PEXPIREAT", "k", "9223372036854775808"), "-ERR value is not an integer or out of range\r\n"},
		{"overflow seconds", resp("EXPIRE", "k", "9223372036854776"), "-ERR invalid expire time in 'expire' command\r\n"},
		{"overflow negative seconds", resp("EXPIREAT", "k", "-9223372036854776"), "-ERR invalid expire time in 'expireat' command\r\n"},
		{"overflow adding now", resp("PEXPIRE", "k", "9223372036854775807"), "-ERR invalid expire time in 'pexpire' command\r\n"},
		{"expireat overflow", resp("EXPIREAT", "k", "9223372036854776"), "-ERR invalid expire time in 'expireat' command\r\n"},
		{"overflow on a missing key", resp("EXPIRE", "nope", "9223372036854776"), "-ERR invalid expire time in 'expire' command\r\n"},
		{"unknown option", resp("EXPIRE", "k", "10", "FOO"), "-ERR Unsupported option FOO\r\n"},
		{"unknown option keeps case", resp("EXPIRE", "k", "10", "nx", "bar"), "-ERR Unsupported option bar\r\n"},
		{"unknown option stays one line", resp("EXPIRE", "k", "10", "a\r\nb"), "-ERR Unsupported option a  b\r\n"},
		{"options before the number", resp("EXPIRE", "k", "ten", "NX", "XX"), "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"},
		{"unknown option before the number", resp("PEXPIRE", "k", "ten", "EX"), "-ERR Unsupported option EX\r\n"},
		{"nx gt", resp("PEXPIRE", "k", "10", "NX", "GT"), "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"},
		{"nx lt", resp("EXPIREAT", "k", "10", "lt", "nx"), "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"},
		{"gt lt", resp("PEXPIREAT", "k", "10", "GT", "LT"), "-ERR GT and LT options at the same time are not compatible\r\n"},
		{"nx xx gt lt", resp("EXPIRE", "k", "10", "GT", "LT", "NX", "XX"), "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"},
		{"untouched by errors", resp("TTL", "k"), ":-1\r\n"},
		{"expire arity", resp("EXPIRE", "k"), "-ERR wrong number of arguments for 'expire' command\r\n"},
		{"pexpire arity", resp("PEXPIRE", "k"), "-ERR wrong number of arguments for 'pexpire' command\r\n"},
		{"expireat arity", resp("EXPIREAT"), "-ERR wrong number of arguments for 'expireat' command\r\n"},
		{"pexpireat arity", resp("PEXPIREAT", "k"), "-ERR wrong number of arguments for 'pexpireat' command\r\n"},
		{"expiretime arity", resp("EXPIRETIME", "k", "x"), "-ERR wrong number of arguments for 'expiretime' command\r\n"},
		{"pexpiretime arity", resp("PEXPIRETIME"), "-ERR wrong number of arguments for 'pexpiretime' command\r\n"},
		{"persist arity", resp("PERSIST", "a", "b"), "-ERR wrong number of arguments for 'persist' command\r\n"},
		{"ttl arity", resp("TTL"), "-ERR wrong number of arguments for 'ttl' command\r\n"},
		{"pttl arity", resp("PTTL", "a", "b"), "-ERR wrong number of arguments for 'pttl' command\r\n"},
		{"getex arity", resp("GETEX"), "-ERR wrong number of arguments for 'getex' command\r\n"},
		{"setex arity", resp("SETEX", "k", "10"), "-ERR wrong number of arguments for 'setex' command\r\n"},
		{"psetex arity", resp("PSETEX", "k", "10", "v", "x"), "-ERR wrong number of arguments for 'psetex' command\r\n"},
	})
}

// TestExpireEveryType runs the family on a list and a hash (built through
// the store, so the test needs no list or hash commands) in both modes.
func TestExpireEveryType(t *testing.T) {
	for _, mode := range []Mode{ModeMini, ModeRedis} {
		t.Run(mode.String(), func(t *testing.T) {
			clock := newFakeClock()
			cfg := withClock(testConfig(mode), clock)
			cfg.DefaultTTL = 0
			s := startServer(t, cfg)
			for _, kv := range [][2]string{{"l", "a,b"}, {"h", "f:1,g:2"}} {
				s.Store().Update([]byte(kv[0]), 0, func(e *shard.Entry) { e.SetInferred([]byte(kv[1]), 0) })
			}
			r := dial(t, s)
			for _, key := range []string{"l", "h"} {
				runExchanges(t, r, []exchange{
					{key + "/ttl none", resp("TTL", key), ":-1\r\n"},
					{key + "/expire", resp("EXPIRE", key, "10"), ":1\r\n"},
					{key + "/pttl", resp("PTTL", key), ":10000\r\n"},
					{key + "/pexpiretime", resp("PEXPIRETIME", key), respInt(t0Ms + 10_000)},
					{key + "/expiretime", resp("EXPIRETIME", key), respInt(t0Sec + 10)},
					{key + "/pexpire gt", resp("PEXPIRE", key, "20000", "GT"), ":1\r\n"},
					{key + "/pexpireat", resp("PEXPIREAT", key, ms(5000)), ":1\r\n"},
					{key + "/expireat lt", resp("EXPIREAT", key, sec(4), "LT"), ":1\r\n"},
					{key + "/persist", resp("PERSIST", key), ":1\r\n"},
					{key + "/type kept", resp("TYPE", key), map[string]string{"l": "+list\r\n", "h": "+hash\r\n"}[key]},
					{key + "/expire again", resp("PEXPIRE", key, "3000"), ":1\r\n"},
				})
			}
			wrongType := "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
			getex, getexPersist := wrongType, wrongType
			if mode == ModeMini {
				getex, getexPersist = "$3\r\na,b\r\n", "$7\r\nf:1,g:2\r\n"
			}
			runExchanges(t, r, []exchange{
				{"getex list", resp("GETEX", "l", "PX", "100"), getex},
				{"getex hash", resp("GETEX", "h", "PERSIST"), getexPersist},
			})
			if mode == ModeMini {
				runExchanges(t, r, []exchange{
					{"getex px applied", resp("PTTL", "l"), ":100\r\n"},
					{"getex persist applied", resp("PTTL", "h"), ":-1\r\n"},
					{"h deadline again", resp("PEXPIRE", "h", "3000"), ":1\r\n"},
				})
			} else {
				runExchanges(t, r, []exchange{
					{"wrongtype left the ttl", resp("PTTL", "l"), ":3000\r\n"},
				})
			}
			clock.Advance(3 * time.Second)
			runExchanges(t, r, []exchange{
				{"list gone", resp("TYPE", "l"), "+none\r\n"},
				{"hash gone", resp("TYPE", "h"), "+none\r\n"},
			})
		})
	}
}

func TestGetEx(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, withClock(redisConfig(), clock))
	runExchanges(t, dial(t, s), []exchange{
		{"missing", resp("GETEX", "nope"), "$-1\r\n"},
		{"missing/bad time is not checked", resp("GETEX", "nope", "EX", "0"), "$-1\r\n"},
		{"missing/syntax is checked", resp("GETEX", "nope", "EX"), "-ERR syntax error\r\n"},
		{"set", resp("SET", "k", "v"), "+OK\r\n"},
		{"plain", resp("GETEX", "k"), "$1\r\nv\r\n"},
		{"plain/no ttl", resp("TTL", "k"), ":-1\r\n"},
		{"ex", resp("GETEX", "k", "EX", "10"), "$1\r\nv\r\n"},
		{"ex applied", resp("PTTL", "k"), ":10000\r\n"},
		{"plain keeps ttl", resp("GETEX", "k"), "$1\r\nv\r\n"},
		{"plain kept", resp("PTTL", "k"), ":10000\r\n"},
		{"px", resp("getex", "k", "px", "2500"), "$1\r\nv\r\n"},
		{"px applied", resp("PTTL", "k"), ":2500\r\n"},
		{"exat", resp("GETEX", "k", "EXAT", sec(40)), "$1\r\nv\r\n"},
		{"exat applied", resp("PEXPIRETIME", "k"), respInt(t0Ms + 40_000)},
		{"pxat", resp("GETEX", "k", "PXAT", ms(777)), "$1\r\nv\r\n"},
		{"pxat applied", resp("PTTL", "k"), ":777\r\n"},
		{"repeated ex: last wins", resp("GETEX", "k", "EX", "5", "EX", "6"), "$1\r\nv\r\n"},
		{"repeated applied", resp("TTL", "k"), ":6\r\n"},
		{"persist", resp("GETEX", "k", "PERSIST"), "$1\r\nv\r\n"},
		{"persist applied", resp("TTL", "k"), ":-1\r\n"},
		{"persist twice", resp("GETEX", "k", "PERSIST", "persist"), "$1\r\nv\r\n"},

		{"err/ex and px", resp("GETEX", "k", "EX", "1", "PX", "1"), "-ERR syntax error\r\n"},
		{"err/persist then ex", resp("GETEX", "k", "PERSIST", "EX", "1"), "-ERR syntax error\r\n"},
		{"err/ex then persist", resp("GETEX", "k", "EX", "1", "PERSIST"), "-ERR syntax error\r\n"},
		{"err/exat and pxat", resp("GETEX", "k", "EXAT", sec(5), "PXAT", ms(5)), "-ERR syntax error\r\n"},
		{"err/set-only option", resp("GETEX", "k", "KEEPTTL"), "-ERR syntax error\r\n"},
		{"err/nx", resp("GETEX", "k", "NX"), "-ERR syntax error\r\n"},
		{"err/missing value", resp("GETEX", "k", "PX"), "-ERR syntax error\r\n"},
		{"err/unknown", resp("GETEX", "k", "FOO"), "-ERR syntax error\r\n"},
		{"err/not integer", resp("GETEX", "k", "EX", "x"), "-ERR value is not an integer or out of range\r\n"},
		{"err/zero", resp("GETEX", "k", "EX", "0"), "-ERR invalid expire time in 'getex' command\r\n"},
		{"err/negative", resp("GETEX", "k", "PXAT", "-1"), "-ERR invalid expire time in 'getex' command\r\n"},
		{"err/overflow", resp("GETEX", "k", "EX", "9223372036854776"), "-ERR invalid expire time in 'getex' command\r\n"},
		{"err/overflow adding now", resp("GETEX", "k", "PX", "9223372036854775807"), "-ERR invalid expire time in 'getex' command\r\n"},
		{"errors left the key", resp("TTL", "k"), ":-1\r\n"},

		{"pxat in the past returns then deletes", resp("GETEX", "k", "PXAT", ms(-1)), "$1\r\nv\r\n"},
		{"deleted", resp("EXISTS", "k"), ":0\r\n"},
		{"set again", resp("SET", "k", "v"), "+OK\r\n"},
		{"exat now deletes", resp("GETEX", "k", "EXAT", sec(0)), "$1\r\nv\r\n"},
		{"deleted again", resp("GET", "k"), "$-1\r\n"},
	})
	assert.Equal(t, uint64(0), s.Store().Stats().ExpiredKeys, "a deadline given in the past is a delete")
}

func TestSetEx(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, withClock(redisConfig(), clock))
	r := dial(t, s)
	runExchanges(t, r, []exchange{
		{"setex", resp("SETEX", "k", "10", "v"), "+OK\r\n"},
		{"setex value", resp("GET", "k"), "$1\r\nv\r\n"},
		{"setex ttl", resp("PTTL", "k"), ":10000\r\n"},
		{"psetex", resp("PSETEX", "k", "1500", "w"), "+OK\r\n"},
		{"psetex value", resp("GET", "k"), "$1\r\nw\r\n"},
		{"psetex ttl", resp("PTTL", "k"), ":1500\r\n"},
		{"setex over a ttl-less key", resp("SET", "p", "x"), "+OK\r\n"},
		{"setex replaces", resp("setex", "p", "7", "y"), "+OK\r\n"},
		{"setex replaced ttl", resp("TTL", "p"), ":7\r\n"},
		{"redis mode keeps a string", resp("SETEX", "c", "5", "a,b"), "+OK\r\n"},
		{"string type", resp("TYPE", "c"), "+string\r\n"},
		{"err/zero", resp("SETEX", "k", "0", "v"), "-ERR invalid expire time in 'setex' command\r\n"},
		{"err/negative", resp("PSETEX", "k", "-1", "v"), "-ERR invalid expire time in 'psetex' command\r\n"},
		{"err/not integer", resp("SETEX", "k", "1.5", "v"), "-ERR value is not an integer or out of range\r\n"},
		{"err/overflow", resp("SETEX", "k", "9223372036854776", "v"), "-ERR invalid expire time in 'setex' command\r\n"},
		{"err/overflow adding now", resp("PSETEX", "k", "9223372036854775807", "v"), "-ERR invalid expire time in 'psetex' command\r\n"},
		{"errors left the key", resp("GET", "k"), "$1\r\nw\r\n"},
	})
	clock.Advance(1500 * time.Millisecond)
	runExchanges(t, r, []exchange{{"psetex key gone", resp("GET", "k"), "$-1\r\n"}})
}

func TestSetExMiniTypes(t *testing.T) {
	s := startServer(t, miniConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"setex list", resp("SETEX", "l", "100", "a,b"), "+OK\r\n"},
		{"typed as SET types", resp("TYPE", "l"), "+list\r\n"},
		{"own ttl, not the default", resp("TTL", "l"), ":100\r\n"},
		{"psetex hash", resp("PSETEX", "h", "100000", "f:1"), "+OK\r\n"},
		{"string", resp("TYPE", "h"), "+string\r\n"},
	})
}

// info returns the body of INFO section (a bulk or verbatim string reply).
func info(t *testing.T, r *rawConn, section string) string {
	t.Helper()
	r.send(resp("INFO", section))
	require.NoError(t, r.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	head, err := r.rd.ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(head, "$") || strings.HasPrefix(head, "="), "INFO reply %q", head)
	n, err := strconv.Atoi(strings.TrimSpace(head[1:]))
	require.NoError(t, err)
	return r.read(n + 2)
}

// infoField returns the value of one "name:value" line of an INFO body.
func infoField(body, name string) string {
	for _, line := range strings.Split(body, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	return ""
}

// TestActiveExpiryReclaimsUntouchedKeys loads a large key set with a short
// TTL next to persistent keys, touches none of them, and runs the server's
// expiry cycle until only the persistent keys are held (keys held count as
// DBSIZE does, as in Redis). The clock is fake and advances 50 µs on every
// read, a pessimistic cost for sampling 20 keys, so the cycles' time budget
// binds as it would on a slow machine while the outcome stays independent of
// the machine's load: every volatile key must be gone within 10 seconds of
// cycles after its deadline. The big variant is skipped with -short.
func TestActiveExpiryReclaimsUntouchedKeys(t *testing.T) {
	volatile, persistent := 200_000, 10_000
	if testing.Short() {
		volatile = 20_000
	}
	clk := &workClock{step: 50 * time.Microsecond, t: time.UnixMilli(1_700_000_000_000)}
	cfg := redisConfig()
	cfg.Shards = shard.DefaultShards
	cfg.Hz = 10
	cfg.Now = clk.Now
	s, err := New(cfg)
	require.NoError(t, err)

	deadline := clk.Now().Add(time.Second).UnixMilli()
	for i := range volatile {
		k := []byte("vol:" + strconv.Itoa(i))
		s.Store().Update(k, 0, func(e *shard.Entry) { e.SetString([]byte("v"), deadline) })
	}
	for i := range persistent {
		k := []byte("keep:" + strconv.Itoa(i))
		s.Store().Update(k, 0, func(e *shard.Entry) { e.SetString([]byte("v"), 0) })
	}
	clk.Set(time.UnixMilli(deadline))
	const maxCycles = 10 * 10 // 10 s at hz 10
	cycles, capped := 0, 0
	for ; cycles < maxCycles && s.Store().Stats().Keys > persistent; cycles++ {
		if s.cycle.RunOnce().TimeCapped {
			capped++
		}
		clk.Advance(time.Second / time.Duration(cfg.Hz))
	}
	t.Logf("all %d volatile keys reclaimed in %d cycles at hz %d (%d hit the time cap)", volatile, cycles, cfg.Hz, capped)
	st := s.Store().Stats()
	require.Equal(t, persistent, st.Keys, "volatile keys still held after %d cycles", cycles)
	assert.Zero(t, st.Volatile)
	assert.Positive(t, capped, "the time budget never bound: the test no longer shows reclaiming under a budget")
	assert.Equal(t, uint64(volatile), s.cycle.Stats().ExpiredKeys, "each key counted once")
}

// workClock is a fake clock that advances by step on every read, as if each
// piece of work between two reads took that long. Safe for concurrent use.
type workClock struct {
	mu   sync.Mutex
	step time.Duration
	t    time.Time
}

func (c *workClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

func (c *workClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *workClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
