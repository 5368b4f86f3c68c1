package server

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/internal/redistest"
)

// Differential tests for the list, hash, set and sorted-set commands: the
// same commands go to miniredis (--compat redis) and to a real redis-server,
// in RESP2 and again after HELLO 3, and the replies must be identical
// (unordered replies compared as multisets; replies that Redis makes random
// compared by type and length only).

// cmpMode says how two replies are compared.
type cmpMode uint8

const (
	cmpExact     cmpMode = iota
	cmpUnordered         // sort arrays first (SMEMBERS, HGETALL of a big hash...)
	cmpShape             // random replies: same type and length only
)

type diffCmd struct {
	mode cmpMode
	args []string
}

func x(args ...string) diffCmd  { return diffCmd{cmpExact, args} }
func u(args ...string) diffCmd  { return diffCmd{cmpUnordered, args} }
func sh(args ...string) diffCmd { return diffCmd{cmpShape, args} }

// collectionsScript covers every command of the four groups, its options,
// its errors (in Redis's order of checks) and its WRONGTYPE and arity cases.
var collectionsScript = []diffCmd{
	// lists
	x("RPUSH", "l", "a", "b", "c", "a", "b", "a"), x("LPUSH", "l", "z"), x("LPUSHX", "nol", "a"), x("RPUSHX", "nol", "a"),
	x("LPUSHX", "l", "y"), x("RPUSHX", "l", "q"), x("LLEN", "l"), x("LLEN", "nol"),
	x("LRANGE", "l", "0", "-1"), x("LRANGE", "l", "-3", "100"), x("LRANGE", "l", "5", "2"), x("LRANGE", "l", "-100", "1"),
	x("LRANGE", "nol", "0", "-1"), x("LRANGE", "l", "a", "1"), x("LRANGE", "l", "0", "1.5"),
	x("LINDEX", "l", "0"), x("LINDEX", "l", "-1"), x("LINDEX", "l", "99"), x("LINDEX", "nol", "0"), x("LINDEX", "l", "x"),
	x("LSET", "l", "1", "Y"), x("LSET", "l", "-1", "Q"), x("LSET", "l", "99", "v"), x("LSET", "nol", "0", "v"), x("LSET", "l", "x", "v"),
	x("LPOS", "l", "a"), x("LPOS", "l", "a", "RANK", "2"), x("LPOS", "l", "a", "RANK", "-1"), x("LPOS", "l", "a", "RANK", "-2"),
	x("LPOS", "l", "a", "COUNT", "0"), x("LPOS", "l", "a", "COUNT", "2"), x("LPOS", "l", "a", "COUNT", "0", "RANK", "-1"),
	x("LPOS", "l", "a", "MAXLEN", "3"), x("LPOS", "l", "a", "COUNT", "0", "MAXLEN", "4"), x("LPOS", "l", "nope"),
	x("LPOS", "l", "nope", "COUNT", "2"), x("LPOS", "nol", "a"), x("LPOS", "nol", "a", "COUNT", "1"),
	x("LPOS", "l", "a", "RANK", "0"), x("LPOS", "l", "a", "COUNT", "-1"), x("LPOS", "l", "a", "MAXLEN", "-1"),
	x("LPOS", "l", "a", "RANK"), x("LPOS", "l", "a", "FOO", "1"), x("LPOS", "l", "a", "RANK", "x"),
	x("LPOS", "l", "a", "RANK", "-9223372036854775808"), x("LPOS", "nol", "a", "RANK", "0"),
	x("LPOS", "l", "a", "RANK", "-9223372036854775808", "COUNT", "1"), x("LPOS", "l", "a", "RANK", "-9223372036854775808", "COUNT", "2", "MAXLEN", "5"),
	x("LINSERT", "l", "BEFORE", "b", "B"), x("LINSERT", "l", "after", "b", "A"), x("LINSERT", "l", "BEFORE", "zz", "v"),
	x("LINSERT", "nol", "BEFORE", "a", "v"), x("LINSERT", "l", "MIDDLE", "a", "v"), x("LRANGE", "l", "0", "-1"),
	x("LREM", "l", "1", "a"), x("LREM", "l", "-1", "a"), x("LREM", "l", "0", "b"), x("LREM", "nol", "0", "a"), x("LREM", "l", "x", "a"),
	x("LRANGE", "l", "0", "-1"),
	x("LTRIM", "l", "1", "-2"), x("LRANGE", "l", "0", "-1"), x("LTRIM", "nol", "0", "1"), x("LTRIM", "l", "x", "1"),
	x("LPOP", "l"), x("RPOP", "l"), x("LPOP", "l", "2"), x("RPOP", "l", "0"), x("LPOP", "l", "-1"), x("LPOP", "l", "x"),
	x("LPOP", "l", "1", "2"), x("LPOP", "nol"), x("LPOP", "nol", "2"), x("LPOP", "nol", "0"), x("RPOP", "l", "100"),
	x("EXISTS", "l"), x("RPUSH", "l", "only"), x("LTRIM", "l", "1", "0"), x("EXISTS", "l"),
	x("RPUSH", "l", "a"), x("LREM", "l", "0", "a"), x("EXISTS", "l"),
	x("LPUSH", "l"), x("LLEN"), x("LRANGE", "l", "0"), x("LINSERT", "l", "BEFORE", "a"),
	// hashes
	x("HSET", "h", "f1", "v1", "f2", "v2"), x("HSET", "h", "f1", "V1", "f3", "v3"), x("HSET", "h", "f"), x("HSET", "h", "a", "b", "c"),
	x("HMSET", "h", "f4", "v4"), x("HMSET", "h", "f4"), x("HSETNX", "h", "f1", "x"), x("HSETNX", "h", "f5", "v5"), x("HSETNX", "noh", "f", "v"),
	x("HGET", "h", "f1"), x("HGET", "h", "nope"), x("HGET", "noh2", "f"), x("HMGET", "h", "f1", "nope", "f2"), x("HMGET", "noh2", "a", "b"),
	x("HLEN", "h"), x("HLEN", "noh2"), x("HEXISTS", "h", "f2"), x("HEXISTS", "h", "nope"), x("HEXISTS", "noh2", "f"),
	x("HSTRLEN", "h", "f1"), x("HSTRLEN", "h", "nope"), x("HSTRLEN", "noh2", "f"),
	x("HGETALL", "h"), x("HKEYS", "h"), x("HVALS", "h"), x("HGETALL", "noh2"), x("HKEYS", "noh2"), x("HVALS", "noh2"),
	x("HDEL", "h", "f2", "nope", "f3"), x("HDEL", "noh2", "f"), x("HGETALL", "h"),
	x("HINCRBY", "h", "n", "5"), x("HINCRBY", "h", "n", "-7"), x("HINCRBY", "h", "f1", "1"), x("HINCRBY", "h", "n", "x"),
	x("HSET", "h", "big", "9223372036854775807"), x("HINCRBY", "h", "big", "1"), x("HINCRBY", "h", "n", "-9223372036854775808"),
	x("HINCRBY", "h", "n", "9223372036854775808"), x("HINCRBY", "newh", "n", "3"),
	x("HINCRBYFLOAT", "h", "fl", "0.1"), x("HINCRBYFLOAT", "h", "fl", "0.2"), x("HINCRBYFLOAT", "h", "fl", "-0.3"),
	x("HINCRBYFLOAT", "h", "fl", "1e3"), x("HINCRBYFLOAT", "h", "fl", "10.5"), x("HINCRBYFLOAT", "h", "fl", "3.0e-5"),
	x("HINCRBYFLOAT", "h", "n", "1.5"), x("HINCRBYFLOAT", "h", "f1", "1"), x("HINCRBYFLOAT", "h", "fl", "abc"),
	x("HINCRBYFLOAT", "h", "fl", "inf"), x("HINCRBYFLOAT", "h", "fl", "-Infinity"), x("HINCRBYFLOAT", "h", "fl", "INF"),
	x("HINCRBYFLOAT", "h", "fl", "5."), x("HINCRBYFLOAT", "h", "fl", ".5"), x("HINCRBYFLOAT", "h", "fl", "+1"), x("HINCRBYFLOAT", "h", "fl", "1e"),
	x("HINCRBYFLOAT", "h", "fl", "0x1.8p1"), x("HINCRBYFLOAT", "h", "fl", "1_0"), x("HINCRBYFLOAT", "h", "fl", "0b1"),
	x("ZADD", "zf", "Infinity", "a", "-INF", "b", "0x1p3", "c", ".5", "d", "5.", "e"), x("ZRANGE", "zf", "0", "-1", "WITHSCORES"),
	x("ZADD", "zf", "1_0", "a"), x("ZADD", "zf", "0x10", "f", "-0X1.8", "g"), x("ZSCORE", "zf", "g"), x("ZADD", "zf", "0x", "a"), x("ZADD", "zf", "1e400", "a"), x("ZADD", "zf", " 1", "a"), x("ZADD", "zf", "", "a"), x("HINCRBYFLOAT", "h", "fl", " 1"), x("HINCRBYFLOAT", "h", "fl", "nan"),
	x("HINCRBYFLOAT", "hbig", "e", "1e308"), x("HINCRBYFLOAT", "h", "e2", "-5"), x("HINCRBYFLOAT", "h", "e2", "5"),
	x("HINCRBYFLOAT", "h", "e3", "5.0e3"), x("HINCRBYFLOAT", "h", "e4", "0x10"), x("HGET", "hbig", "e"),
	x("HSET", "hinf", "f", "inf"), x("HINCRBYFLOAT", "hinf", "f", "1"),
	x("HRANDFIELD", "noh2"), x("HRANDFIELD", "noh2", "3"), x("HRANDFIELD", "h", "0"), x("HRANDFIELD", "h", "x"),
	x("HRANDFIELD", "h", "1", "WITHVALUES", "x"), x("HRANDFIELD", "h", "1", "FOO"), x("HRANDFIELD", "h", "-9223372036854775808"),
	x("HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"), x("HRANDFIELD", "h", "100"), x("HRANDFIELD", "h", "100", "WITHVALUES"),
	sh("HRANDFIELD", "h"), sh("HRANDFIELD", "h", "2"), sh("HRANDFIELD", "h", "-5"), sh("HRANDFIELD", "h", "-5", "WITHVALUES"),
	sh("HRANDFIELD", "h", "2", "withvalues"), sh("HRANDFIELD", "h", "1", "WITHVALUES"),
	x("HSCAN", "h", "0"), x("HSCAN", "h", "0", "MATCH", "f*"), x("HSCAN", "h", "0", "COUNT", "1"), x("HSCAN", "h", "0", "MATCH", "*", "COUNT", "100"),
	x("HSCAN", "h", "x"), x("HSCAN", "h", "-1"), x("HSCAN", "h", ""), x("HSCAN", "h", "0", "COUNT", "0"), x("HSCAN", "h", "0", "COUNT", "x"),
	x("HSCAN", "h", "0", "FOO", "1"), x("HSCAN", "h", "0", "COUNT"), x("HSCAN", "noh2", "0", "COUNT", "0"), x("HSCAN", "noh2", "x"),
	x("HDEL", "h", "f1", "f4", "f5", "n", "big", "fl", "e2", "e3", "e4"), x("EXISTS", "h"),
	x("HSET", "h"), x("HGET", "h"), x("HGETALL"), x("HINCRBY", "h", "f"),
	// sets
	x("SADD", "s", "a", "b", "c", "a"), x("SADD", "s", "d"), x("SREM", "s", "a", "nope"), x("SREM", "nos", "a"),
	u("SMEMBERS", "s"), x("SMEMBERS", "nos"), x("SISMEMBER", "s", "b"), x("SISMEMBER", "s", "a"), x("SISMEMBER", "nos", "a"),
	x("SCARD", "s"), x("SCARD", "nos"), x("SPOP", "nos"), x("SPOP", "nos", "2"), x("SPOP", "s", "0"), x("SPOP", "s", "-1"),
	x("SPOP", "s", "x"), x("SPOP", "s", "1", "2"), x("SRANDMEMBER", "nos"), x("SRANDMEMBER", "nos", "2"), x("SRANDMEMBER", "s", "0"),
	x("SRANDMEMBER", "s", "x"), x("SRANDMEMBER", "s", "1", "2"), x("SRANDMEMBER", "s", "-9223372036854775808"),
	u("SRANDMEMBER", "s", "10"), sh("SRANDMEMBER", "s"), sh("SRANDMEMBER", "s", "2"), sh("SRANDMEMBER", "s", "-7"),
	u("SPOP", "s", "10"), x("EXISTS", "s"), x("SADD", "s", "1", "2", "3"), sh("SPOP", "s"), sh("SPOP", "s", "1"), x("SCARD", "s"),
	x("SADD", "s"), x("SCARD"), x("SISMEMBER", "s"),
	// sorted sets
	x("ZADD", "z", "1", "a", "2", "b", "3", "c"), x("ZADD", "z", "1.5", "a"), x("ZADD", "z", "CH", "1", "a", "9", "new"),
	x("ZADD", "z", "NX", "5", "a", "4", "d"), x("ZADD", "z", "XX", "5", "a", "4", "e"), x("ZADD", "z", "XX", "CH", "6", "a"),
	x("ZADD", "z", "GT", "CH", "1", "a", "7", "b"), x("ZADD", "z", "LT", "CH", "1", "a", "70", "b"), x("ZADD", "z", "XX", "GT", "100", "c"),
	x("ZADD", "z", "INCR", "2", "a"), x("ZADD", "z", "XX", "INCR", "1", "nope"), x("ZADD", "z", "NX", "INCR", "1", "a"),
	x("ZADD", "z", "GT", "INCR", "-1", "a"), x("ZADD", "z", "LT", "INCR", "-1", "a"),
	x("ZADD", "z", "NX", "XX", "1", "a"), x("ZADD", "z", "GT", "LT", "1", "a"), x("ZADD", "z", "NX", "GT", "1", "a"),
	x("ZADD", "z", "INCR", "1", "a", "2", "b"), x("ZADD", "z", "x", "a"), x("ZADD", "z", "1", "a", "2"), x("ZADD", "z", "nan", "a"),
	x("ZADD", "z", "1"), x("ZADD", "z", "NX"), x("ZADD", "noz", "XX", "1", "a"), x("EXISTS", "noz"), x("ZADD", "noz", "XX", "INCR", "1", "a"),
	x("ZADD", "z", "-inf", "lo", "+inf", "hi", "1e-3", "tiny", "0.1", "tenth"), x("ZADD", "z", "CH", "1", "A", "1", "B"),
	x("ZRANGE", "z", "0", "-1", "WITHSCORES"), x("ZRANGE", "z", "0", "-1", "REV"), x("ZRANGE", "z", "-3", "-1"), x("ZRANGE", "z", "5", "1"),
	x("ZRANGE", "z", "(1", "7", "BYSCORE"), x("ZRANGE", "z", "1", "(7", "BYSCORE", "WITHSCORES"), x("ZRANGE", "z", "-inf", "+inf", "BYSCORE"),
	x("ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV"), x("ZRANGE", "z", "(7", "1", "BYSCORE", "REV", "WITHSCORES"),
	x("ZRANGE", "z", "-inf", "inf", "BYSCORE", "LIMIT", "2", "3"), x("ZRANGE", "z", "inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2"),
	x("ZRANGE", "z", "-inf", "inf", "BYSCORE", "LIMIT", "-1", "3"), x("ZRANGE", "z", "-inf", "inf", "BYSCORE", "LIMIT", "1", "-1"),
	x("ZRANGE", "z", "-inf", "inf", "BYSCORE", "LIMIT", "100", "1"), x("ZRANGE", "z", "-inf", "inf", "BYSCORE", "LIMIT", "1", "0"),
	x("ZRANGE", "z", "(1", "(1", "BYSCORE"), x("ZRANGE", "z", "1", "1", "BYSCORE"), x("ZRANGE", "z", "5", "1", "BYSCORE"),
	x("ZRANGE", "z", "(", "10", "BYSCORE"), x("ZRANGE", "z", " 1", "10", "BYSCORE"), x("ZRANGE", "z", "1e400", "-1e400", "BYSCORE", "REV"),
	x("ZRANGE", "z", "[a", "[b", "BYSCORE"), x("ZRANGE", "z", "1_0", "2", "BYSCORE"), x("ZRANGE", "z", "(1", "0x10", "BYSCORE"), x("ZRANGE", "z", "nan", "1", "BYSCORE"), x("ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"),
	x("ZRANGE", "z", "0", "-1", "LIMIT", "0", "-1"), x("ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX"), x("ZRANGE", "z", "0", "-1", "FOO"),
	x("ZRANGE", "z", "0", "-1", "LIMIT", "x", "1"), x("ZRANGE", "z", "0", "-1", "LIMIT", "1"), x("ZRANGE", "z", "a", "-1"),
	x("ZRANGE", "noz", "0", "-1"), x("ZRANGE", "noz", "0", "-1", "BYSCORE"), x("ZRANGE", "noz", "x", "-1"),
	x("ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "ee", "0", "f"),
	x("ZRANGE", "lex", "-", "+", "BYLEX"), x("ZRANGE", "lex", "[b", "(e", "BYLEX"), x("ZRANGE", "lex", "(b", "[ee", "BYLEX"),
	x("ZRANGE", "lex", "+", "-", "BYLEX", "REV"), x("ZRANGE", "lex", "[e", "(a", "BYLEX", "REV", "LIMIT", "1", "2"),
	x("ZRANGE", "lex", "-", "+", "BYLEX", "LIMIT", "2", "2"), x("ZRANGE", "lex", "[z", "-", "BYLEX"), x("ZRANGE", "lex", "+", "+", "BYLEX"),
	x("ZRANGE", "lex", "-", "-", "BYLEX"), x("ZRANGE", "lex", "a", "b", "BYLEX"), x("ZRANGE", "lex", "-", "+", "BYLEX", "WITHSCORES"),
	x("ZRANGE", "lex", "--", "+", "BYLEX"), x("ZRANGE", "lex", "", "+", "BYLEX"), x("ZRANGE", "lex", "[", "+", "BYLEX"),
	x("ZRANK", "z", "a"), x("ZRANK", "z", "hi"), x("ZRANK", "z", "lo"), x("ZRANK", "z", "nope"), x("ZRANK", "noz", "a"),
	x("ZSCORE", "z", "a"), x("ZSCORE", "z", "tenth"), x("ZSCORE", "z", "hi"), x("ZSCORE", "z", "lo"), x("ZSCORE", "z", "nope"),
	x("ZSCORE", "noz", "a"), x("ZCARD", "z"), x("ZCARD", "noz"),
	x("ZINCRBY", "z", "0.1", "tenth"), x("ZINCRBY", "z", "1", "fresh"), x("ZINCRBY", "noz2", "2.5", "m"), x("ZINCRBY", "z", "x", "a"),
	x("ZINCRBY", "z", "-inf", "hi"), x("ZINCRBY", "z", "1e308", "big"), x("ZINCRBY", "z", "1e308", "big"),
	x("ZREM", "z", "a", "nope", "b"), x("ZREM", "noz", "a"),
	x("ZPOPMIN", "z"), x("ZPOPMAX", "z"), x("ZPOPMIN", "z", "2"), x("ZPOPMAX", "z", "2"), x("ZPOPMIN", "z", "0"),
	x("ZPOPMIN", "z", "-1"), x("ZPOPMIN", "z", "x"), x("ZPOPMIN", "z", "1", "2"), x("ZPOPMIN", "noz"), x("ZPOPMIN", "noz", "3"),
	x("ZPOPMAX", "z", "100"), x("EXISTS", "z"), x("ZREM", "noz2", "m"), x("EXISTS", "noz2"),
	x("ZADD", "z"), x("ZRANGE", "z", "0"), x("ZRANK", "z"), x("ZRANK", "z", "a", "WITHSCORE"), x("ZSCORE", "z"),
	// WRONGTYPE across the groups, after the option checks as in Redis
	x("SET", "str", "v"),
	x("LPUSH", "str", "a"), x("RPUSHX", "str", "a"), x("LPOP", "str"), x("LPOP", "str", "x"), x("LLEN", "str"), x("LRANGE", "str", "0", "1"),
	x("LINDEX", "str", "0"), x("LSET", "str", "0", "v"), x("LREM", "str", "0", "v"), x("LTRIM", "str", "0", "1"),
	x("LINSERT", "str", "BEFORE", "a", "b"), x("LPOS", "str", "a"), x("LPOS", "str", "a", "RANK", "0"),
	x("HSET", "str", "f", "v"), x("HSETNX", "str", "f", "v"), x("HGET", "str", "f"), x("HMGET", "str", "f"), x("HDEL", "str", "f"),
	x("HLEN", "str"), x("HEXISTS", "str", "f"), x("HGETALL", "str"), x("HKEYS", "str"), x("HVALS", "str"), x("HSTRLEN", "str", "f"),
	x("HINCRBY", "str", "f", "1"), x("HINCRBYFLOAT", "str", "f", "1"), x("HRANDFIELD", "str"), x("HRANDFIELD", "str", "1"),
	x("HSCAN", "str", "0"), x("HMSET", "str", "f", "v"),
	x("SADD", "str", "a"), x("SREM", "str", "a"), x("SMEMBERS", "str"), x("SISMEMBER", "str", "a"), x("SCARD", "str"),
	x("SPOP", "str"), x("SPOP", "str", "1"), x("SRANDMEMBER", "str"), x("SRANDMEMBER", "str", "1"),
	x("ZADD", "str", "1", "a"), x("ZADD", "str", "x", "a"), x("ZREM", "str", "a"), x("ZSCORE", "str", "a"), x("ZCARD", "str"),
	x("ZRANGE", "str", "0", "1"), x("ZRANK", "str", "a"), x("ZINCRBY", "str", "1", "a"), x("ZPOPMIN", "str"), x("ZPOPMAX", "str", "1"),
	x("LPUSH", "lst", "a"), x("HSET", "lst", "f", "v"), x("SADD", "lst", "a"), x("ZADD", "lst", "1", "a"), x("GET", "lst"),
	x("SADD", "st", "a"), x("TYPE", "st"), x("ZADD", "zt", "1", "a"), x("TYPE", "zt"), x("TYPE", "lst"),
	x("RENAME", "st", "st2"), u("SMEMBERS", "st2"), x("RENAME", "zt", "zt2"), x("ZRANGE", "zt2", "0", "-1", "WITHSCORES"),
	x("RENAME", "lst", "lst2"), x("LRANGE", "lst2", "0", "-1"), x("HSET", "ht", "f", "v"), x("RENAME", "ht", "ht2"), x("HGETALL", "ht2"),
	x("EXISTS", "st", "zt", "lst", "ht"), x("DBSIZE"),
}

// redisPair starts a redis-server and an in-process miniredis in redis
// mode and connects to both.
func redisPair(t *testing.T) *redistest.Pair {
	t.Helper()
	redisAddr := redistest.StartRedis(t)
	s := startServer(t, redisConfig())
	return redistest.NewPair(t, s.Addr().String(), redisAddr)
}

// hello3 switches both connections to RESP3 (their HELLO replies differ by
// design: server name, version, id).
func hello3(t *testing.T, p *redistest.Pair) {
	t.Helper()
	for _, c := range []*redistest.Conn{p.Mini, p.Redis} {
		if _, err := c.Do("HELLO", "3"); err != nil {
			t.Fatalf("HELLO 3: %v", err)
		}
	}
}

// shape reduces a reply to its type and length (recursively), for replies
// whose content Redis chooses at random.
func shape(r redistest.Reply) string {
	switch r.Kind {
	case redistest.Array, redistest.Set, redistest.Map:
		parts := make([]string, len(r.Elems))
		for i, e := range r.Elems {
			parts[i] = shape(e)
		}
		return string(r.Kind) + "[" + strings.Join(parts, " ") + "]"
	case redistest.Error:
		return r.String()
	}
	return string(r.Kind)
}

// diffStats counts the kinds of reply a differential run saw, so a run
// that only ever met errors or empty keys shows in the log.
type diffStats struct{ cmds, errors, empty int }

func (st *diffStats) add(r redistest.Reply) {
	st.cmds++
	switch {
	case r.Kind == redistest.Error:
		st.errors++
	case r.Kind == redistest.Null, len(r.Elems) == 0 && (r.Kind == redistest.Array || r.Kind == redistest.Set || r.Kind == redistest.Map):
		st.empty++
	}
}

func runDiff(t *testing.T, p *redistest.Pair, cmds []diffCmd) (st diffStats) {
	t.Helper()
	for _, dc := range cmds {
		if dc.mode != cmpShape {
			st.add(p.Compare(dc.mode == cmpUnordered, dc.args...))
			continue
		}
		want, err := p.Redis.Do(dc.args...)
		if err != nil {
			t.Fatalf("redis-server: %q: %v", dc.args, err)
		}
		got, err := p.Mini.Do(dc.args...)
		if err != nil {
			t.Fatalf("miniredis: %q: %v", dc.args, err)
		}
		if shape(want) != shape(got) {
			t.Errorf("%q:\n  redis-server: %v\n  miniredis:    %v", dc.args, want, got)
		}
		st.add(want)
	}
	return st
}

func TestDiffCollectionsScript(t *testing.T) {
	p := redisPair(t)
	for _, proto := range []string{"RESP2", "RESP3"} {
		t.Run(proto, func(t *testing.T) {
			if proto == "RESP3" {
				hello3(t, p)
			}
			p.Compare(false, "FLUSHALL")
			runDiff(t, p, collectionsScript)
		})
	}
}

// genCollections returns one random command over a few keys of each type,
// with arguments drawn from small domains so that commands hit existing
// members, empty results, errors and type clashes. Commands whose reply is
// random come back with cmpShape.
func genCollections(r *rand.Rand) diffCmd {
	elem := func() string { return string(rune('a' + r.IntN(6))) }
	// num is an index, count or increment: mostly small, and now and
	// then one of the values where int64 arithmetic overflows.
	num := func() string {
		if r.IntN(8) == 0 {
			return pick(r, diffEdgeInts)
		}
		return strconv.Itoa(r.IntN(9) - 4)
	}
	// randCount is num for SRANDMEMBER and HRANDFIELD, whose negative
	// counts real Redis answers with that many elements: only the edges
	// it refuses or can answer quickly.
	randCount := func(withValues bool) string {
		for {
			if n := num(); diffEdgeSafeCount(n, withValues) {
				return n
			}
		}
	}
	score := func() string {
		return []string{"0", "1", "2", "2.5", "-1", "1e3", "0.1", "-inf", "+inf", "3"}[r.IntN(10)]
	}
	key := func(kind string) string {
		if r.IntN(12) == 0 { // now and then a key of another type
			return []string{"L", "H", "S", "Z"}[r.IntN(4)] + strconv.Itoa(r.IntN(2))
		}
		return kind + strconv.Itoa(r.IntN(2))
	}
	bound := func() string {
		b := []string{"-inf", "+inf", "(1", "2", "(2.5", "0", "1e3", "(0"}[r.IntN(8)]
		return b
	}
	lex := func() string {
		return []string{"-", "+", "[a", "(b", "[c", "(d", "[e", "(f"}[r.IntN(8)]
	}
	switch r.IntN(50) {
	case 0:
		return x("LPUSH", key("L"), elem(), elem())
	case 1:
		return x("RPUSH", key("L"), elem(), elem(), elem())
	case 2:
		return x("LPOP", key("L"))
	case 3:
		return x(pick(r, []string{"LPOP", "RPOP"}), key("L"), pick(r, []string{"0", "1", "2", "3", num()}))
	case 4:
		return x("LRANGE", key("L"), num(), num())
	case 5:
		return x("LINDEX", key("L"), num())
	case 6:
		return x("LSET", key("L"), num(), elem())
	case 7:
		return x("LREM", key("L"), num(), elem())
	case 8:
		return x("LTRIM", key("L"), num(), num())
	case 9:
		return x("LINSERT", key("L"), []string{"BEFORE", "AFTER"}[r.IntN(2)], elem(), elem())
	case 10:
		return x("LPOS", key("L"), elem(), "RANK", pick(r, []string{"1", "2", "-1", "-2", num()}),
			"COUNT", pick(r, []string{"0", "1", "2", num()}), "MAXLEN", pick(r, []string{"0", "1", "3", "4", num()}))
	case 11:
		return x("LLEN", key("L"))
	case 12:
		return x("RPUSHX", key("L"), elem())
	case 13:
		return x("HSET", key("H"), elem(), num(), elem(), elem())
	case 14:
		return x("HDEL", key("H"), elem(), elem())
	case 15:
		return x("HGETALL", key("H"))
	case 16:
		return x("HINCRBY", key("H"), elem(), num())
	case 17:
		return x("HINCRBYFLOAT", key("H"), elem(), score())
	case 18:
		return x("HMGET", key("H"), elem(), elem())
	case 19:
		return x("HSETNX", key("H"), elem(), elem())
	case 20:
		return x("HKEYS", key("H"))
	case 21:
		args := []string{"HSCAN", key("H"), "0", "MATCH", []string{"*", "a*", "[a-c]"}[r.IntN(3)]}
		if r.IntN(2) == 0 {
			args = append(args, "COUNT", num())
		}
		return x(args...)
	case 22:
		n := randCount(true)
		return diffCmd{randMode(n), []string{"HRANDFIELD", key("H"), n, "WITHVALUES"}}
	case 23:
		n := randCount(false)
		return diffCmd{randMode(n), []string{"HRANDFIELD", key("H"), n}}
	case 24:
		return x("SADD", key("S"), elem(), elem())
	case 25:
		return x("SREM", key("S"), elem())
	case 26:
		return u("SMEMBERS", key("S"))
	case 27:
		return x("SISMEMBER", key("S"), elem())
	case 28:
		return x("SCARD", key("S"))
	case 29:
		return u("SRANDMEMBER", key("S"), "10")
	case 30:
		n := randCount(false)
		return diffCmd{randMode(n), []string{"SRANDMEMBER", key("S"), n}}
	case 31:
		// Only counts that pop everything (or nothing, or fail): a random
		// part would leave the two servers with different sets.
		n := num()
		if c, ok := parseInt([]byte(n)); ok && c > 0 && c < 6 {
			n = "10"
		}
		return diffCmd{randMode(n), []string{"SPOP", key("S"), n}}
	case 32:
		opts := [][]string{nil, {"NX"}, {"XX"}, {"GT"}, {"LT", "CH"}, {"XX", "GT", "CH"}, {"INCR"}}[r.IntN(7)]
		args := append([]string{"ZADD", key("Z")}, opts...)
		args = append(args, score(), elem())
		if len(opts) == 0 || opts[0] != "INCR" {
			args = append(args, score(), elem())
		}
		return x(args...)
	case 33:
		return x("ZREM", key("Z"), elem())
	case 34:
		return x("ZRANGE", key("Z"), num(), num(), "WITHSCORES")
	case 35:
		args := []string{"ZRANGE", key("Z"), bound(), bound(), "BYSCORE"}
		if r.IntN(2) == 0 {
			args = append(args, "REV")
		}
		if r.IntN(2) == 0 {
			args = append(args, "LIMIT", pick(r, []string{"0", "1", "2", num()}), pick(r, []string{"-1", "0", "1", "2", num()}))
		}
		return x(append(args, "WITHSCORES")...)
	case 36:
		// BYLEX is meaningful only when all scores are equal: key E* holds
		// such sets.
		args := []string{"ZRANGE", "E" + strconv.Itoa(r.IntN(2)), lex(), lex(), "BYLEX"}
		if r.IntN(2) == 0 {
			args = append(args, "REV")
		}
		return x(args...)
	case 37:
		return x("ZADD", "E"+strconv.Itoa(r.IntN(2)), "0", elem(), "0", elem())
	case 38:
		return x("ZRANK", key("Z"), elem())
	case 39:
		return x("ZSCORE", key("Z"), elem())
	case 40:
		return x("ZINCRBY", key("Z"), score(), elem())
	case 41:
		return x([]string{"ZPOPMIN", "ZPOPMAX"}[r.IntN(2)], key("Z"), pick(r, []string{"0", "1", "2", num()}))
	case 42:
		return x("ZCARD", key("Z"))
	case 43:
		return x("LMOVE", key("L"), key("L"), diffDirection(r, "LEFT", "RIGHT"), diffDirection(r, "LEFT", "RIGHT"))
	case 44:
		return x("RPOPLPUSH", key("L"), key("L"))
	case 45:
		return x(genMPop(r, "LMPOP", func() string { return key("L") }, "LEFT", "RIGHT")...)
	case 46:
		return x(genMPop(r, "ZMPOP", func() string { return key("Z") }, "MIN", "MAX")...)
	case 47:
		return x("SMOVE", key("S"), key("S"), elem())
	case 48:
		return x("OBJECT", "ENCODING", key(pick(r, []string{"L", "H", "S", "Z", "E"})))
	default:
		return x("ZREM", "E"+strconv.Itoa(r.IntN(2)), elem())
	}
}

// randMode is how replies to a random pick of count elements from a
// collection of the random generator (at most 6 of them) compare: exactly
// for 0 and for counts that fail, unordered for counts that take every
// element, by shape for the rest.
func randMode(count string) cmpMode {
	n, ok := parseInt([]byte(count))
	switch {
	case !ok || n == 0 || n == minInt64:
		return cmpExact
	case n >= 6:
		return cmpUnordered
	}
	return cmpShape
}

func TestDiffCollectionsRandom(t *testing.T) {
	seed := diffSeed(t)
	n := 3000
	if testing.Short() {
		n = 500
	}
	p := redisPair(t)
	for _, proto := range []string{"RESP2", "RESP3"} {
		t.Run(proto, func(t *testing.T) {
			if proto == "RESP3" {
				hello3(t, p)
			}
			p.Compare(false, "FLUSHALL")
			r := rand.New(rand.NewPCG(seed, 0))
			cmds := make([]diffCmd, n)
			for i := range cmds {
				cmds[i] = genCollections(r)
			}
			// Bounded in count and in time.
			deadline := time.Now().Add(60 * time.Second)
			var total diffStats
			for i := 0; i < len(cmds) && time.Now().Before(deadline) && !t.Failed(); i += 100 {
				st := runDiff(t, p, cmds[i:min(i+100, len(cmds))])
				total.cmds, total.errors, total.empty = total.cmds+st.cmds, total.errors+st.errors, total.empty+st.empty
			}
			t.Logf("%d commands compared: %d errors, %d nil or empty replies", total.cmds, total.errors, total.empty)
			if t.Failed() {
				t.Logf("seed %d", seed)
			}
		})
	}
}
