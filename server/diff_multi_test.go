package server

import (
	"strings"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/require"
)

// TestDiffTransactions plays scripted MULTI/EXEC/WATCH sequences, with a
// second client that writes between WATCH and EXEC, on redis-server and on
// miniredis, in RESP2 and RESP3, and compares every reply. Each step is
// "A: command" or "B: command" (the client that sends it).
func TestDiffTransactions(t *testing.T) {
	scenarios := map[string][]string{
		"queue and run": {
			"A: MULTI", "A: SET a 1", "A: INCR a", "A: LPUSH a x", "A: GET a", "A: EXEC", "A: GET a",
		},
		"empty": {"A: MULTI", "A: EXEC"},
		"discard": {
			"A: MULTI", "A: SET a 1", "A: DISCARD", "A: GET a", "A: DISCARD", "A: EXEC",
		},
		"abort on unknown command": {
			"A: MULTI", "A: SET a 1", "A: NOSUCH x", "A: EXEC", "A: GET a",
		},
		"abort on arity": {
			"A: MULTI", "A: SET a 1", "A: GET", "A: EXEC", "A: GET a",
		},
		"runtime errors do not stop the others": {
			"A: SET s str", "A: MULTI", "A: LPUSH s x", "A: INCR s", "A: SET s2 v", "A: EXEC", "A: GET s2",
		},
		"nesting and misplaced commands": {
			"A: MULTI", "A: MULTI", "A: WATCH x", "A: SET a 1", "A: EXEC", "A: GET a",
		},
		"watch then other client writes": {
			"A: SET k 1", "A: WATCH k", "B: SET k 2", "A: MULTI", "A: INCR k", "A: EXEC", "A: GET k",
		},
		"watch then other client deletes": {
			"A: SET k 1", "A: WATCH k", "B: DEL k", "A: MULTI", "A: SET k 5", "A: EXEC", "A: GET k",
		},
		"watch missing key then created": {
			"A: WATCH k", "B: SET k 1", "A: MULTI", "A: SET k 5", "A: EXEC", "A: GET k",
		},
		"watch survives a no-op write": {
			"A: SADD s m", "A: WATCH s", "B: SREM s nothere", "B: SADD s m", "B: EXPIRE nokey 10",
			"A: MULTI", "A: SCARD s", "A: EXEC",
		},
		"watch and own write": {
			"A: WATCH k", "A: SET k 1", "A: MULTI", "A: GET k", "A: EXEC",
		},
		"unwatch": {
			"A: WATCH k", "A: UNWATCH", "B: SET k 1", "A: MULTI", "A: GET k", "A: EXEC",
		},
		"exec clears watches": {
			"A: WATCH k", "A: MULTI", "A: EXEC", "B: SET k 2", "A: MULTI", "A: GET k", "A: EXEC",
		},
		"discard clears watches": {
			"A: WATCH k", "A: MULTI", "A: DISCARD", "B: SET k 2", "A: MULTI", "A: GET k", "A: EXEC",
		},
		"flushall touches existing watched keys only": {
			"A: SET k 1", "A: WATCH k", "B: FLUSHALL", "A: MULTI", "A: GET k", "A: EXEC",
			"A: WATCH missing", "B: FLUSHALL", "A: MULTI", "A: PING", "A: EXEC",
		},
		"flushdb of another database": {
			"A: SET k 1", "A: WATCH k", "B: SELECT 1", "B: FLUSHDB", "A: MULTI", "A: GET k", "A: EXEC",
		},
		"watch in another database": {
			"A: SELECT 1", "A: WATCH k", "B: SET k 1", "A: MULTI", "A: GET k", "A: EXEC",
			"B: SELECT 1", "B: SET k 2", "A: MULTI", "A: GET k", "A: EXEC",
		},
		"swapdb touches watched keys": {
			"A: SELECT 1", "A: SET k one", "A: WATCH k", "B: SWAPDB 0 1", "A: MULTI", "A: GET k", "A: EXEC",
		},
		"expire in the past deletes": {
			"A: SET k 1", "A: WATCH k", "B: PEXPIREAT k 1", "A: MULTI", "A: EXISTS k", "A: EXEC",
		},
		"rename touches both ends": {
			"A: SET src 1", "A: WATCH dst", "B: RENAME src dst", "A: MULTI", "A: GET dst", "A: EXEC",
		},
		"databases inside a transaction": {
			"A: MULTI", "A: SELECT 2", "A: SET z 1", "A: MOVE z 3", "A: DBSIZE", "A: SWAPDB 2 3", "A: DBSIZE", "A: EXEC",
			"A: DBSIZE", "A: SELECT 3", "A: GET z",
		},
		"keyless commands": {
			"A: SET k v", "A: MULTI", "A: KEYS *", "A: DBSIZE", "A: RANDOMKEY", "A: SCAN 0", "A: FLUSHALL", "A: DBSIZE", "A: EXEC",
		},
		"scripts inside a transaction": {
			"A: MULTI", "A: EVAL return(redis.call('incr',KEYS[1])) 1 k", "A: EVAL return(redis.call('incr','undeclared')) 0",
			"A: FLUSHDB", "A: EVAL return(redis.call('dbsize')) 0", "A: EXEC",
		},
		"multi-key commands": {
			"A: MULTI", "A: MSET a 1 b 2 {t}c 3 {t}d 4", "A: MGET a b {t}c {t}d", "A: DEL a {t}d", "A: EXISTS a b {t}c {t}d", "A: EXEC",
		},
	}
	mini, redis := startDiff(t)
	for _, proto := range []string{"2", "3"} {
		for name, steps := range scenarios {
			t.Run("resp"+proto+"/"+name, func(t *testing.T) {
				pairs := map[string]*redistest.Pair{
					"A": redistest.NewPair(t, mini, redis),
					"B": redistest.NewPair(t, mini, redis),
				}
				pairs["A"].Compare(false, "FLUSHALL")
				for _, p := range pairs {
					// HELLO's reply names versions and ids: not compared.
					_, err1 := p.Mini.Do("HELLO", proto)
					_, err2 := p.Redis.Do("HELLO", proto)
					require.NoError(t, err1)
					require.NoError(t, err2)
				}
				for _, step := range steps {
					who, cmd, _ := strings.Cut(step, ": ")
					pairs[who].Compare(false, strings.Fields(cmd)...)
				}
			})
		}
	}
}
