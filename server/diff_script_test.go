package server

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDiffScripts sends a corpus of EVAL, SCRIPT, FUNCTION and FCALL calls to
// redis-server and to miniredis, in RESP2 and RESP3, and compares the
// replies byte for byte (error texts, which name the script's SHA1 and line,
// included).
func TestDiffScripts(t *testing.T) {
	cases := [][]string{
		{"EVAL", "return 1", "0"},
		{"EVAL", "return {1, 2.9, -3.5, 'x', false, true, nil, 'after nil'}", "0"},
		{"EVAL", "return {ok='fine'}", "0"},
		{"EVAL", "return {err='My Error'}", "0"},
		{"EVAL", "return redis.error_reply('E2 custom')", "0"},
		{"EVAL", "return redis.status_reply('PONGISH')", "0"},
		{"EVAL", "return redis.sha1hex('')", "0"},
		{"EVAL", "redis.call('set', KEYS[1], ARGV[1]); return redis.call('get', KEYS[1])", "1", "k", "v"},
		{"EVAL", "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}", "2", "a", "b", "c", "d"},
		{"EVAL", "return redis.call('incrby', KEYS[1], 5)", "1", "n"},
		{"EVAL", "return redis.call('get', 'undeclared')", "0"},
		{"EVAL", "redis.call('rpush', 'l', 'a', 'b'); return redis.call('lrange', 'l', 0, -1)", "0"},
		{"EVAL", "return redis.pcall('incr', KEYS[1])", "1", "k"},
		{"EVAL", "return redis.call('incr', KEYS[1])", "1", "k"},
		{"EVAL", "local r = redis.pcall('incr', KEYS[1]); return r['err']", "1", "k"},
		{"EVAL", "return redis.call('nosuch')", "0"},
		{"EVAL", "return redis.call('get')", "0"},
		{"EVAL", "return redis.call('multi')", "0"},
		{"EVAL", "return redis.call()", "0"},
		{"EVAL", "return redis.call({})", "0"},
		{"EVAL", "x = 1", "0"},
		{"EVAL", "return undefined_global", "0"},
		{"EVAL", "return (", "0"},
		{"EVAL", "error('raised')", "0"},
		{"EVAL", "error({err='TABLE raised'})", "0"},
		{"EVAL", "return cjson.encode({a=1})", "0"},
		{"EVAL", "return cjson.decode('[1,2,\"x\",{\"k\":true}]')[3]", "0"},
		{"EVAL", "return cmsgpack.pack({1, 2, 'three', {4}})", "0"},
		{"EVAL", "return cmsgpack.unpack(cmsgpack.pack({1, 'two', {3}}))", "0"},
		{"EVAL", "return bit.band(0xff, 0x0f) + bit.lshift(1, 4)", "0"},
		{"EVAL", "return struct.pack('>I2', 258)", "0"},
		{"EVAL", "return math.random(1000)", "0"},
		{"EVAL", "return 1", "-1"},
		{"EVAL", "return 1", "3", "a"},
		{"EVAL", "return 1", "x"},
		{"EVAL", "redis.setresp(3); return redis.call('hgetall', KEYS[1])", "1", "h"},
		{"EVAL", "redis.setresp(3); return {double=3.5}", "0"},
		{"EVAL", "return redis.call('select', 1)", "0"},
		{"EVAL_RO", "return redis.call('get', KEYS[1])", "1", "k"},
		{"EVAL_RO", "return redis.call('set', KEYS[1], 'x')", "1", "k"},
		{"EVAL", "#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], 'x')", "1", "k"},
		{"EVAL_RO", "#!lua\nreturn 1", "0"},
		{"EVAL", "#!lua name=x\nreturn 1", "0"},
		{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"},
		{"SCRIPT", "LOAD", "return 1"},
		{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"},
		{"EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"},
		{"SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0000"},
		{"SCRIPT", "FLUSH"},
		{"SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"},
		{"SCRIPT", "KILL"},
		{"SCRIPT", "NOPE"},
		{"SCRIPT", "LOAD"},
		{"SCRIPT", "kill", "extra"},
		{"FUNCTION", "DELETE"},
		{"FUNCTION", "nope"},
		{"FUNCTION", "FLUSH"},
		{"FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('inc', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)\nredis.register_function{function_name='ro', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}"},
		{"FUNCTION", "LOAD", "#!lua name=lib\nreturn 1"},
		{"FCALL", "inc", "1", "fk", "3"},
		{"FCALL_RO", "ro", "1", "fk"},
		{"FCALL_RO", "inc", "1", "fk", "3"},
		{"FCALL", "nosuch", "0"},
		{"FCALL", "inc", "x"},
		{"FUNCTION", "LIST"},
		{"FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "l*"},
		{"FUNCTION", "DELETE", "lib"},
		{"FUNCTION", "DELETE", "lib"},
		{"FUNCTION", "KILL"},
	}
	mini, redis := startDiff(t)
	for _, proto := range []string{"2", "3"} {
		t.Run("resp"+proto, func(t *testing.T) {
			p := redistest.NewPair(t, mini, redis)
			for _, c := range []*redistest.Conn{p.Mini, p.Redis} {
				_, err := c.Do("HELLO", proto)
				require.NoError(t, err)
			}
			p.Compare(false, "FLUSHALL")
			p.Compare(false, "HSET", "h", "f", "v")
			for _, args := range cases {
				// A library's functions come in Redis's dict order.
				unordered := args[0] == "FUNCTION" && args[1] == "LIST"
				p.Compare(unordered, args...)
			}
		})
	}
}

// TestScriptTransferInvariant moves units between accounts on different
// shards with EVAL, a third of it through a key the script does not declare,
// while readers sum the accounts with a script: the total never moves.
func TestScriptTransferInvariant(t *testing.T) {
	b := newBank(t)
	ctx := context.Background()
	declared := redis.NewScript(`redis.call('decrby', KEYS[1], ARGV[1]); return redis.call('incrby', KEYS[2], ARGV[1])`)
	undeclared := redis.NewScript(`redis.call('decrby', KEYS[1], ARGV[1]); return redis.call('incrby', ARGV[2], ARGV[1])`)
	total := redis.NewScript(`local t = 0; for i = 1, #KEYS do t = t + tonumber(redis.call('get', KEYS[i])) end; return t`)
	rounds := 200
	if testing.Short() {
		rounds = 50
	}
	b.run(t, rounds, func(i int, from, to string) error {
		if i%3 == 0 {
			return undeclared.Run(ctx, b.rdb, []string{from}, 1, to).Err()
		}
		return declared.Run(ctx, b.rdb, []string{from, to}, 1).Err()
	}, func() ([]int, error) {
		n, err := total.Run(ctx, b.rdb, b.keys).Int()
		return []int{n}, err
	})
}

// TestScriptBusyAndKill runs a script that never ends: past the busy
// threshold other clients get BUSY, SCRIPT KILL stops it, and the server
// serves again. A script that wrote cannot be killed.
func TestScriptBusyAndKill(t *testing.T) {
	cfg := redisConfig()
	cfg.BusyReplyThreshold = 20 * time.Millisecond
	s := startServer(t, cfg)
	runner, other := dial(t, s), dial(t, s)
	// A client already waiting for a shard the script holds cannot be
	// answered BUSY (it is blocked in the lock); Redis, single-threaded,
	// has no such case. Probe with a key of another shard than "w".
	probe := "k"
	for i := 0; s.Store().ShardOf([]byte(probe)) == s.Store().ShardOf([]byte("w")); i++ {
		probe = "k" + strconv.Itoa(i)
	}

	for _, tc := range []struct {
		name, script, killReply string
	}{
		{"read-only", "while true do end", "+OK"},
		{"wrote", "redis.call('set', 'w', 1); while true do end", "-UNKILLABLE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runner.send(resp("EVAL", tc.script, "0"))
			busy := waitReply(t, other, resp("GET", probe), func(r string) bool { return strings.HasPrefix(r, "-BUSY") })
			assert.Equal(t, "-"+msgBusyScript+"\r\n", busy)
			other.send(resp("SCRIPT", "KILL"))
			got, err := readReply(other.rd)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(got, tc.killReply), got)
			if tc.killReply == "+OK" {
				got, err := readReply(runner.rd)
				require.NoError(t, err)
				assert.True(t, strings.HasPrefix(got, "-ERR Script killed by user with SCRIPT KILL..."), got)
				assert.Equal(t, "$-1\r\n", roundTrip(t, other, resp("GET", probe)))
			}
		})
	}
}

// waitReply sends req until check accepts the reply (a bounded number of
// tries with a short pause: the state it waits for comes from another
// client), and returns that reply.
func waitReply(t *testing.T, r *rawConn, req string, check func(string) bool) string {
	t.Helper()
	for range 500 {
		got := roundTrip(t, r, req)
		if check(got) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no accepted reply to %q", req)
	return ""
}

func roundTrip(t *testing.T, r *rawConn, req string) string {
	t.Helper()
	r.send(req)
	require.NoError(t, r.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	got, err := readReply(r.rd)
	require.NoError(t, err)
	return got
}

// TestFunctionDumpRestoreWithRedis moves a function library from
// redis-server to miniredis with FUNCTION DUMP and RESTORE, and back.
func TestFunctionDumpRestoreWithRedis(t *testing.T) {
	mini, redis := startDiff(t)
	p := redistest.NewPair(t, mini, redis)
	lib := "#!lua name=moved\nredis.register_function('twice', function(keys, args) return args[1] * 2 end)"
	for _, c := range []*redistest.Conn{p.Mini, p.Redis} {
		_, err := c.Do("FUNCTION", "FLUSH")
		require.NoError(t, err)
	}
	_, err := p.Redis.Do("FUNCTION", "LOAD", lib)
	require.NoError(t, err)
	for _, dir := range []struct {
		name     string
		from, to *redistest.Conn
	}{{"redis to mini", p.Redis, p.Mini}, {"mini to redis", p.Mini, p.Redis}} {
		t.Run(dir.name, func(t *testing.T) {
			dump, err := dir.from.Do("FUNCTION", "DUMP")
			require.NoError(t, err)
			got, err := dir.to.Do("FUNCTION", "RESTORE", dump.Str, "REPLACE")
			require.NoError(t, err)
			assert.Equal(t, "OK", got.Str, got.String())
			got, err = dir.to.Do("FCALL", "twice", "0", "21")
			require.NoError(t, err)
			assert.Equal(t, int64(42), got.Int, got.String())
		})
	}
	p.Compare(false, "FUNCTION", "RESTORE", "garbage")
	p.Compare(false, "FUNCTION", "RESTORE", "x", "NOPE")
}
