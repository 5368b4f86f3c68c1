package server

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oneShard is a redis-mode config with a single shard, so that SCAN and KEYS
// replies are deterministic enough to compare byte for byte.
func oneShard(mode Mode) Config {
	cfg := testConfig(mode)
	cfg.Shards = 1
	return cfg
}

const wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

func TestKeysCommandsRESP(t *testing.T) {
	s := startServer(t, oneShard(ModeRedis))
	runExchanges(t, dial(t, s), []exchange{
		{"del/missing", resp("DEL", "a"), ":0\r\n"},
		{"set a", resp("SET", "a", "1"), "+OK\r\n"},
		{"set b", resp("SET", "b", "2"), "+OK\r\n"},
		{"del/duplicates count once", resp("DEL", "a", "a", "x"), ":1\r\n"},
		{"del/arity", resp("DEL"), "-ERR wrong number of arguments for 'del' command\r\n"},
		{"unlink", resp("UNLINK", "b", "b"), ":1\r\n"},
		{"unlink/missing", resp("UNLINK", "b"), ":0\r\n"},
		{"unlink/arity", resp("UNLINK"), "-ERR wrong number of arguments for 'unlink' command\r\n"},
		{"set a", resp("SET", "a", "1"), "+OK\r\n"},
		{"exists/counts repeats", resp("EXISTS", "a", "a", "x"), ":2\r\n"},
		{"type/string", resp("TYPE", "a"), "+string\r\n"},
		{"type/none", resp("TYPE", "x"), "+none\r\n"},
		{"rename/missing", resp("RENAME", "x", "y"), "-ERR no such key\r\n"},
		{"rename/same key", resp("RENAME", "a", "a"), "+OK\r\n"},
		{"rename", resp("RENAME", "a", "b"), "+OK\r\n"},
		{"rename/moved", resp("GET", "b"), "$1\r\n1\r\n"},
		{"rename/source gone", resp("EXISTS", "a"), ":0\r\n"},
		{"renamenx/missing", resp("RENAMENX", "x", "y"), "-ERR no such key\r\n"},
		{"renamenx/missing same key", resp("RENAMENX", "x", "x"), "-ERR no such key\r\n"},
		{"renamenx/same key", resp("RENAMENX", "b", "b"), ":0\r\n"},
		{"set c", resp("SET", "c", "3", "EX", "100"), "+OK\r\n"},
		{"renamenx/target exists", resp("RENAMENX", "b", "c"), ":0\r\n"},
		{"renamenx/target kept", resp("GET", "c"), "$1\r\n3\r\n"},
		{"renamenx", resp("RENAMENX", "c", "d"), ":1\r\n"},
		{"renamenx/ttl moved", resp("TTL", "d"), ":100\r\n"},
		{"renamenx/arity", resp("RENAMENX", "d"), "-ERR wrong number of arguments for 'renamenx' command\r\n"},
		{"keys/one", resp("KEYS", "d"), "*1\r\n$1\r\nd\r\n"},
		{"keys/glob", resp("KEYS", "[a-c]"), "*1\r\n$1\r\nb\r\n"},
		{"keys/none", resp("KEYS", "z*"), "*0\r\n"},
		{"keys/arity", resp("KEYS"), "-ERR wrong number of arguments for 'keys' command\r\n"},
		{"del", resp("DEL", "d"), ":1\r\n"},
		{"randomkey/one key", resp("RANDOMKEY"), "$1\r\nb\r\n"},
		{"randomkey/arity", resp("RANDOMKEY", "x"), "-ERR wrong number of arguments for 'randomkey' command\r\n"},
		{"scan/one shard", resp("SCAN", "0"), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n"},
		{"scan/match none", resp("SCAN", "0", "MATCH", "x*"), "*2\r\n$1\r\n0\r\n*0\r\n"},
		{"scan/type", resp("SCAN", "0", "TYPE", "STRING"), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n"},
		{"scan/other type", resp("SCAN", "0", "type", "list"), "*2\r\n$1\r\n0\r\n*0\r\n"},
		{"scan/unknown type", resp("SCAN", "0", "TYPE", "foo"), "*2\r\n$1\r\n0\r\n*0\r\n"},
		{"scan/all options", resp("SCAN", "0", "count", "1", "match", "*", "type", "string"), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n"},
		{"scan/cursor past the end", resp("SCAN", "7"), "*2\r\n$1\r\n0\r\n*0\r\n"},
		{"scan/bad cursor", resp("SCAN", "x"), "-ERR invalid cursor\r\n"},
		{"scan/cursor overflow", resp("SCAN", "18446744073709551616"), "-ERR invalid cursor\r\n"},
		{"scan/cursor before options", resp("SCAN", "x", "FOO"), "-ERR invalid cursor\r\n"},
		{"scan/count zero", resp("SCAN", "0", "COUNT", "0"), "-ERR syntax error\r\n"},
		{"scan/count not a number", resp("SCAN", "0", "COUNT", "x"), "-ERR value is not an integer or out of range\r\n"},
		{"scan/option without value", resp("SCAN", "0", "MATCH"), "-ERR syntax error\r\n"},
		{"scan/unknown option", resp("SCAN", "0", "FOO", "1"), "-ERR syntax error\r\n"},
		{"scan/arity", resp("SCAN"), "-ERR wrong number of arguments for 'scan' command\r\n"},
		{"flush", resp("FLUSHALL"), "+OK\r\n"},
		{"randomkey/empty", resp("RANDOMKEY"), "$-1\r\n"},
		{"keys/empty", resp("KEYS", "*"), "*0\r\n"},
	})
}

// TestKeysMiniTypes checks the keys commands on values typed by inference,
// and that RENAME/RENAMENX carry a list or hash over unchanged.
func TestKeysMiniTypes(t *testing.T) {
	s := startServer(t, oneShard(ModeMini))
	runExchanges(t, dial(t, s), []exchange{
		{"list", resp("SET", "l", "a,b"), "+OK\r\n"},
		{"hash", resp("SET", "h", "f:1,g:2"), "+OK\r\n"},
		{"scan/type list", resp("SCAN", "0", "TYPE", "list"), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nl\r\n"},
		{"renamenx list", resp("RENAMENX", "l", "m"), ":1\r\n"},
		{"moved list", resp("GET", "m"), "$3\r\na,b\r\n"},
		{"type", resp("TYPE", "m"), "+list\r\n"},
		{"rename hash", resp("RENAME", "h", "m"), "+OK\r\n"},
		{"moved hash", resp("GET", "m"), "$7\r\nf:1,g:2\r\n"},
		{"unlink", resp("UNLINK", "m", "l"), ":1\r\n"},
	})
	r := dial(t, s)
	runExchanges(t, r, []exchange{
		{"inline set", "SET k v\r\n", "OK\r\n"},
		{"inline keys", "KEYS *\r\n", "k\r\n"},
		{"inline scan", "SCAN 0 MATCH x\r\n", "0\r\n(empty)\r\n"},
		{"inline randomkey", "RANDOMKEY\r\n", "k\r\n"},
		{"inline renamenx", "RENAMENX k k\r\n", "0\r\n"},
		{"inline bad cursor", "SCAN x\r\n", "Error: invalid cursor\r\n"},
	})
}

// TestScanReturnsStableKeys is SCAN's guarantee: a key present for a whole
// iteration is returned at least once, while other clients add and remove
// keys all the time. Bounded in iterations and time.
func TestScanReturnsStableKeys(t *testing.T) {
	s := startServer(t, redisConfig())
	const stable = 500
	for i := range stable {
		s.Store().Update([]byte("stable:"+strconv.Itoa(i)), 0, func(e *shard.Entry) {
			e.SetString([]byte("v"), 0)
		})
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var churned atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 1))
			c := redistest.Dial(t, s.Addr().String())
			for i := 0; i < 200_000 && !stop.Load(); i++ {
				k := "churn:" + strconv.Itoa(r.IntN(2000))
				var err error
				if r.IntN(2) == 0 {
					_, err = c.Do("SET", k, "x")
				} else {
					_, err = c.Do("DEL", k)
				}
				if !assert.NoError(t, err) {
					return
				}
				churned.Add(1)
			}
		}()
	}
	defer func() {
		stop.Store(true)
		wg.Wait()
	}()

	c := redistest.Dial(t, s.Addr().String())
	deadline := time.Now().Add(3 * time.Second)
	scans := 0
	for ; scans < 30 && time.Now().Before(deadline); scans++ {
		count := strconv.Itoa(1 + scans*7)
		seen := map[string]bool{}
		cursor := "0"
		for calls := 0; ; calls++ {
			require.Less(t, calls, 10_000, "scan did not end")
			rep, err := c.Do("SCAN", cursor, "COUNT", count)
			require.NoError(t, err)
			require.Len(t, rep.Elems, 2, "%v", rep)
			for _, k := range rep.Elems[1].Elems {
				seen[k.Str] = true
			}
			if cursor = rep.Elems[0].Str; cursor == "0" {
				break
			}
		}
		for i := range stable {
			require.True(t, seen["stable:"+strconv.Itoa(i)], "scan %d (COUNT %s) missed stable:%d", scans, count, i)
		}
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d full scans while %d writes ran", scans, churned.Load())
	assert.Positive(t, churned.Load(), "the writers ran during the scans")
}

// TestMultiKeyAtomicity: concurrent MSETs of one value to several keys never
// leave a mix visible to MGET, and RENAME never shows the key at both names
// or at neither.
func TestMultiKeyAtomicity(t *testing.T) {
	s := startServer(t, redisConfig())
	addr := s.Addr().String()
	keys := []string{"a", "b", "c", "d", "e", "f"} // spread over several of the 16 shards
	const rounds = 1500
	var wg sync.WaitGroup
	for _, val := range []string{"x", "y"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := redistest.Dial(t, addr)
			args := []string{"MSET"}
			for _, k := range keys {
				args = append(args, k, val)
			}
			for range rounds {
				if _, err := c.Do(args...); !assert.NoError(t, err) {
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := redistest.Dial(t, addr)
		args := append([]string{"MGET"}, keys...)
		for range rounds {
			rep, err := c.Do(args...)
			if !assert.NoError(t, err) {
				return
			}
			first := rep.Elems[0].String()
			for i, e := range rep.Elems {
				if !assert.Equal(t, first, e.String(), "MGET saw a torn MSET: key %s", keys[i]) {
					return
				}
			}
		}
	}()
	wg.Wait()

	// RENAME back and forth between two names while a reader counts them.
	c := redistest.Dial(t, addr)
	_, err := c.Do("SET", "from", "v")
	require.NoError(t, err)
	var stop atomic.Bool
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := redistest.Dial(t, addr)
		for i := 0; i < rounds && !stop.Load(); i++ {
			rep, err := c.Do("EXISTS", "from", "to")
			if !assert.NoError(t, err) {
				return
			}
			_ = rep // EXISTS reads key by key, so it is not the check; MGET is.
			rep, err = c.Do("MGET", "from", "to")
			if !assert.NoError(t, err) {
				return
			}
			nulls := 0
			for _, e := range rep.Elems {
				if e.Kind == redistest.Null {
					nulls++
				}
			}
			if !assert.Equal(t, 1, nulls, "RENAME is visible half done: %v", rep) {
				return
			}
		}
	}()
	for i := range rounds {
		from, to := "from", "to"
		if i%2 == 1 {
			from, to = to, from
		}
		rep, err := c.Do("RENAME", from, to)
		require.NoError(t, err)
		require.Equal(t, "OK", rep.Str, fmt.Sprint(rep))
	}
	stop.Store(true)
	wg.Wait()
}

// TestConcurrentIncr: INCR from several clients loses no update.
func TestConcurrentIncr(t *testing.T) {
	s := startServer(t, redisConfig())
	const clients, each = 4, 500
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := redistest.Dial(t, s.Addr().String())
			for range each {
				if _, err := c.Do("INCR", "n"); !assert.NoError(t, err) {
					return
				}
			}
		}()
	}
	wg.Wait()
	runExchanges(t, dial(t, s), []exchange{{"sum", resp("GET", "n"), "$4\r\n2000\r\n"}})
}

// TestRenameMovesObjects renames a list and a hash through many names, so
// that both same-shard and cross-shard moves happen, and checks that the old
// name is gone and the new one holds the value every time.
func TestRenameMovesObjects(t *testing.T) {
	for _, cmd := range []string{"RENAME", "RENAMENX"} {
		t.Run(cmd, func(t *testing.T) {
			s := startServer(t, miniConfig())
			r := dial(t, s)
			runExchanges(t, r, []exchange{
				{"list", resp("SET", "k0", "a,b"), "+OK\r\n"},
				{"hash", resp("SET", "h0", "f:1"), "+OK\r\n"},
			})
			ok := "+OK\r\n"
			if cmd == "RENAMENX" {
				ok = ":1\r\n"
			}
			for i := range 40 {
				from, to := "k"+strconv.Itoa(i), "k"+strconv.Itoa(i+1)
				hf, ht := "h"+strconv.Itoa(i), "h"+strconv.Itoa(i+1)
				runExchanges(t, r, []exchange{
					{"rename list " + from, resp(cmd, from, to), ok},
					{"old list name gone", resp("EXISTS", from), ":0\r\n"},
					{"list moved", resp("GET", to), "$3\r\na,b\r\n"},
					{"rename hash " + hf, resp(cmd, hf, ht), ok},
					{"old hash name gone", resp("EXISTS", hf), ":0\r\n"},
					{"hash moved", resp("GET", ht), "$3\r\nf:1\r\n"},
				})
			}
			runExchanges(t, r, []exchange{{"two keys left", resp("DBSIZE"), ":2\r\n"}})
		})
	}
}
