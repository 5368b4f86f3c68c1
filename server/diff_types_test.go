package server

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/require"
)

// Differential tests for the rest of the sorted-set and set families and
// the key commands of issue 14 (COPY, TOUCH, OBJECT, LCS, SORT): every
// option, error path (in Redis's order of checks), edge value and WRONGTYPE
// case, in RESP2 and RESP3.

// zsetFamilyScript covers the sorted-set family beyond the core.
var zsetFamilyScript = []diffCmd{
	x("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "-inf", "lo", "+inf", "hi", "0.1", "tenth", "2", "bb"),
	// ZREVRANGE
	x("ZREVRANGE", "z", "0", "-1"), x("ZREVRANGE", "z", "0", "2", "WITHSCORES"), x("ZREVRANGE", "z", "-3", "-1", "withscores"),
	x("ZREVRANGE", "z", "5", "1"), x("ZREVRANGE", "z", "0", "-1", "REV"), x("ZREVRANGE", "z", "0", "-1", "BYSCORE"),
	x("ZREVRANGE", "z", "0", "-1", "LIMIT", "0", "1"), x("ZREVRANGE", "z", "x", "1"), x("ZREVRANGE", "noz", "0", "-1"),
	x("ZREVRANGE", "z", "0", "9223372036854775807"), x("ZREVRANGE", "z", "-9223372036854775808", "0"),
	// ZRANGEBYSCORE / ZREVRANGEBYSCORE
	x("ZRANGEBYSCORE", "z", "-inf", "+inf"), x("ZRANGEBYSCORE", "z", "(1", "4", "WITHSCORES"), x("ZRANGEBYSCORE", "z", "2", "2"),
	x("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "3"), x("ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES", "LIMIT", "2", "-1"),
	x("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "3"), x("ZRANGEBYSCORE", "z", "5", "1"), x("ZRANGEBYSCORE", "z", "a", "1"),
	x("ZRANGEBYSCORE", "z", "1", "2", "BYSCORE"), x("ZRANGEBYSCORE", "z", "1", "2", "REV"), x("ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "1"),
	x("ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "x", "1"), x("ZRANGEBYSCORE", "noz", "1", "2"), x("ZRANGEBYSCORE", "z", "(1", "(2"),
	x("ZREVRANGEBYSCORE", "z", "+inf", "-inf"), x("ZREVRANGEBYSCORE", "z", "4", "(1", "WITHSCORES"), x("ZREVRANGEBYSCORE", "z", "1", "4"),
	x("ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "2", "2", "WITHSCORES"), x("ZREVRANGEBYSCORE", "z", "nan", "1"),
	// ZRANGEBYLEX / ZREVRANGEBYLEX / ZLEXCOUNT
	x("ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "ee", "0", "f"),
	x("ZRANGEBYLEX", "lex", "-", "+"), x("ZRANGEBYLEX", "lex", "[b", "(e"), x("ZRANGEBYLEX", "lex", "(b", "[ee", "LIMIT", "1", "2"),
	x("ZRANGEBYLEX", "lex", "-", "+", "WITHSCORES"), x("ZRANGEBYLEX", "lex", "a", "+"), x("ZRANGEBYLEX", "lex", "+", "-"),
	x("ZRANGEBYLEX", "nolex", "-", "+"), x("ZRANGEBYLEX", "lex", "-", "+", "REV"), x("ZRANGEBYLEX", "lex", "-", "+", "BYLEX"),
	x("ZREVRANGEBYLEX", "lex", "+", "-"), x("ZREVRANGEBYLEX", "lex", "(e", "[b"), x("ZREVRANGEBYLEX", "lex", "+", "-", "LIMIT", "2", "3"),
	x("ZREVRANGEBYLEX", "lex", "-", "+"), x("ZREVRANGEBYLEX", "lex", "x", "-"),
	x("ZLEXCOUNT", "lex", "-", "+"), x("ZLEXCOUNT", "lex", "[b", "(e"), x("ZLEXCOUNT", "lex", "(e", "[b"), x("ZLEXCOUNT", "lex", "b", "c"),
	x("ZLEXCOUNT", "nolex", "-", "+"), x("ZLEXCOUNT", "lex", "-"),
	// BYLEX over unequal scores: Redis walks its listpack from one end.
	x("ZADD", "mix", "1", "d", "2", "a", "3", "c", "4", "b", "5", "e"),
	x("ZRANGEBYLEX", "mix", "[b", "[d"), x("ZREVRANGEBYLEX", "mix", "[d", "[b"), x("ZRANGEBYLEX", "mix", "(a", "+"),
	x("ZREVRANGEBYLEX", "mix", "+", "(c"), x("ZLEXCOUNT", "mix", "[b", "[d"), x("ZLEXCOUNT", "mix", "-", "[c"),
	x("ZRANGEBYLEX", "mix", "[e", "+"), x("ZRANGEBYLEX", "mix", "-", "(a"), x("ZRANGEBYLEX", "mix", "[c", "[b"),
	x("ZRANGEBYLEX", "mix", "[b", "[b"), x("ZRANGEBYLEX", "mix", "(b", "[b"), x("ZRANGEBYLEX", "mix", "-", "-"),
	x("ZRANGE", "mix", "[a", "[z", "BYLEX", "LIMIT", "1", "2"), x("ZRANGE", "mix", "[z", "[a", "BYLEX", "REV", "LIMIT", "1", "2"),
	x("ZRANGESTORE", "mixd", "mix", "[a", "[c", "BYLEX"), x("ZRANGE", "mixd", "0", "-1", "WITHSCORES"),
	x("ZREMRANGEBYLEX", "mix", "[b", "[d"), x("ZRANGE", "mix", "0", "-1", "WITHSCORES"),
	// -0: stored as 0 in a small set, answered as computed.
	x("ZADD", "nz", "-1", "a", "-0", "b"), x("ZSCORE", "nz", "b"), x("ZINCRBY", "nz", "-0", "c"), x("ZSCORE", "nz", "c"),
	x("ZADD", "nz", "INCR", "-0", "d"), x("ZRANGE", "nz", "0", "-1", "WITHSCORES"), x("ZUNION", "1", "nz", "WEIGHTS", "0", "WITHSCORES"),
	x("ZUNIONSTORE", "nz2", "1", "nz", "WEIGHTS", "0"), x("ZRANGE", "nz2", "0", "-1", "WITHSCORES"), x("ZMSCORE", "nz2", "a", "b"),
	// ZCOUNT
	x("ZCOUNT", "z", "-inf", "+inf"), x("ZCOUNT", "z", "(1", "4"), x("ZCOUNT", "z", "4", "1"), x("ZCOUNT", "z", "x", "1"),
	x("ZCOUNT", "noz", "0", "1"), x("ZCOUNT", "z", "(2", "(2"), x("ZCOUNT", "z", "2", "2"),
	// ZREVRANK, ZMSCORE
	x("ZREVRANK", "z", "a"), x("ZREVRANK", "z", "hi"), x("ZREVRANK", "z", "lo"), x("ZREVRANK", "z", "nope"), x("ZREVRANK", "noz", "a"),
	x("ZREVRANK", "z"), x("ZMSCORE", "z", "a", "nope", "hi", "lo", "tenth"), x("ZMSCORE", "noz", "a", "b"), x("ZMSCORE", "z"),
	// ZRANGESTORE
	x("ZRANGESTORE", "dst", "z", "0", "2"), x("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
	x("ZRANGESTORE", "dst", "z", "(1", "+inf", "BYSCORE", "LIMIT", "1", "2"), x("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
	x("ZRANGESTORE", "dst", "z", "+inf", "(1", "BYSCORE", "REV", "LIMIT", "0", "3"), x("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
	x("ZRANGESTORE", "dst", "lex", "[b", "[d", "BYLEX"), x("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
	x("ZRANGESTORE", "dst", "z", "0", "-1", "REV"), x("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
	x("ZRANGESTORE", "dst", "z", "5", "1"), x("EXISTS", "dst"), x("ZRANGESTORE", "dst", "noz", "0", "-1"),
	x("SET", "dst", "str"), x("ZRANGESTORE", "dst", "z", "0", "0"), x("TYPE", "dst"),
	x("ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES"), x("ZRANGESTORE", "dst", "z", "0", "-1", "LIMIT", "0", "1"),
	x("ZRANGESTORE", "dst", "z", "a", "1"), x("ZRANGESTORE", "dst", "z", "0"), x("ZRANGESTORE", "z2", "z", "0", "-1"),
	x("ZRANGESTORE", "z", "z", "1", "2"), x("ZRANGE", "z", "0", "-1", "WITHSCORES"),
	x("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "-inf", "lo", "+inf", "hi", "0.1", "tenth", "2", "bb"),
	// ZREMRANGEBY*
	x("ZADD", "r", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"),
	x("ZREMRANGEBYRANK", "r", "0", "0"), x("ZREMRANGEBYRANK", "r", "-2", "-1"), x("ZRANGE", "r", "0", "-1"),
	x("ZREMRANGEBYRANK", "r", "5", "10"), x("ZREMRANGEBYRANK", "r", "x", "1"), x("ZREMRANGEBYRANK", "nor", "0", "1"),
	x("ZREMRANGEBYSCORE", "r", "(2", "3"), x("ZREMRANGEBYSCORE", "r", "x", "3"), x("ZREMRANGEBYSCORE", "nor", "0", "1"),
	x("ZRANGE", "r", "0", "-1"), x("ZREMRANGEBYSCORE", "r", "-inf", "+inf"), x("EXISTS", "r"),
	x("ZREMRANGEBYLEX", "lex", "[b", "(d"), x("ZRANGE", "lex", "0", "-1"), x("ZREMRANGEBYLEX", "lex", "b", "c"),
	x("ZREMRANGEBYLEX", "nolex", "-", "+"), x("ZREMRANGEBYLEX", "lex", "-", "+"), x("EXISTS", "lex"),
	// ZUNION / ZINTER / ZDIFF and STORE forms
	x("ZADD", "za", "1", "a", "2", "b", "3", "c"), x("ZADD", "zb", "10", "b", "20", "c", "30", "d"), x("SADD", "sa", "a", "d", "x"),
	x("ZUNION", "2", "za", "zb"), x("ZUNION", "2", "za", "zb", "WITHSCORES"), x("ZUNION", "3", "za", "zb", "sa", "WITHSCORES"),
	x("ZUNION", "2", "za", "zb", "WEIGHTS", "2", "0.5", "WITHSCORES"), x("ZUNION", "2", "za", "zb", "AGGREGATE", "MIN", "WITHSCORES"),
	x("ZUNION", "2", "za", "zb", "AGGREGATE", "max", "WITHSCORES"), x("ZUNION", "2", "za", "zb", "WEIGHTS", "inf", "-inf", "WITHSCORES"),
	x("ZUNION", "2", "za", "zb", "WEIGHTS", "0", "inf", "WITHSCORES"), x("ZUNION", "2", "za", "nokey", "WITHSCORES"),
	x("ZUNION", "0", "za"), x("ZUNION", "x", "za"), x("ZUNION", "3", "za", "zb"), x("ZUNION", "-1", "za"),
	x("ZUNION", "2", "za", "zb", "WEIGHTS", "1"), x("ZUNION", "2", "za", "zb", "WEIGHTS", "1", "x"), x("ZUNION", "2", "za", "zb", "AGGREGATE", "AVG"),
	x("ZUNION", "2", "za", "zb", "AGGREGATE"), x("ZUNION", "2", "za", "zb", "FOO"), x("ZUNION", "2", "za", "str"),
	x("ZINTER", "2", "za", "zb"), x("ZINTER", "2", "za", "zb", "WITHSCORES"), x("ZINTER", "2", "za", "sa", "WITHSCORES"),
	x("ZINTER", "2", "za", "zb", "WEIGHTS", "1", "2", "AGGREGATE", "MAX", "WITHSCORES"), x("ZINTER", "2", "za", "nokey"),
	x("ZINTER", "3", "za", "zb", "za", "WITHSCORES"), x("ZINTER", "1", "za", "WEIGHTS", "nan"),
	x("ZDIFF", "2", "za", "zb"), x("ZDIFF", "2", "za", "zb", "WITHSCORES"), x("ZDIFF", "2", "za", "sa", "WITHSCORES"),
	x("ZDIFF", "2", "nokey", "za"), x("ZDIFF", "1", "za", "WEIGHTS", "1"), x("ZDIFF", "1", "za", "AGGREGATE", "SUM"),
	x("ZUNIONSTORE", "out", "2", "za", "zb"), x("ZRANGE", "out", "0", "-1", "WITHSCORES"),
	x("ZINTERSTORE", "out", "2", "za", "zb", "WEIGHTS", "2", "3"), x("ZRANGE", "out", "0", "-1", "WITHSCORES"),
	x("ZDIFFSTORE", "out", "2", "za", "zb"), x("ZRANGE", "out", "0", "-1", "WITHSCORES"),
	x("ZINTERSTORE", "out", "2", "za", "nokey"), x("EXISTS", "out"), x("ZUNIONSTORE", "out", "0", "za"),
	x("ZUNIONSTORE", "out", "1", "za", "WITHSCORES"), x("ZDIFFSTORE", "out", "1", "za", "WEIGHTS", "1"),
	x("SET", "out", "v"), x("ZUNIONSTORE", "out", "1", "za"), x("TYPE", "out"), x("ZUNIONSTORE", "za", "2", "za", "zb"),
	x("ZRANGE", "za", "0", "-1", "WITHSCORES"), x("ZUNIONSTORE", "out", "2", "za", "str"),
	x("ZINTERCARD", "2", "za", "zb"), x("ZINTERCARD", "2", "za", "zb", "LIMIT", "1"), x("ZINTERCARD", "2", "za", "zb", "LIMIT", "0"),
	x("ZINTERCARD", "2", "za", "zb", "LIMIT", "-1"), x("ZINTERCARD", "2", "za", "zb", "LIMIT", "x"), x("ZINTERCARD", "0", "za"),
	x("ZINTERCARD", "2", "za", "nokey"), x("ZINTERCARD", "2", "za", "zb", "WITHSCORES"), x("ZINTERCARD", "2", "za", "zb", "WEIGHTS", "1", "1"),
	x("ZINTERCARD", "3", "za", "zb"), x("ZINTERCARD", "1", "za", "LIMIT"),
	// ZRANDMEMBER
	x("ZRANDMEMBER", "noz"), x("ZRANDMEMBER", "noz", "3"), x("ZRANDMEMBER", "z", "0"), x("ZRANDMEMBER", "z", "x"),
	x("ZRANDMEMBER", "z", "1", "WITHSCORES", "x"), x("ZRANDMEMBER", "z", "1", "FOO"), x("ZRANDMEMBER", "z", "-9223372036854775808"),
	x("ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES"), x("ZRANDMEMBER", "z", "100"), x("ZRANDMEMBER", "z", "100", "WITHSCORES"),
	x("ZRANDMEMBER", "z", "-4611686018427387904", "WITHSCORES"),
	sh("ZRANDMEMBER", "z"), sh("ZRANDMEMBER", "z", "2"), sh("ZRANDMEMBER", "z", "-5"), sh("ZRANDMEMBER", "z", "-5", "WITHSCORES"),
	sh("ZRANDMEMBER", "z", "3", "withscores"),
	// ZSCAN
	x("ZSCAN", "z", "0"), x("ZSCAN", "z", "0", "MATCH", "*e*"), x("ZSCAN", "z", "0", "COUNT", "1"), x("ZSCAN", "z", "x"),
	x("ZSCAN", "z", "0", "COUNT", "0"), x("ZSCAN", "z", "0", "FOO", "1"), x("ZSCAN", "noz", "0"), x("ZSCAN", "z", "0", "MATCH"),
	// WRONGTYPE
	x("SET", "str", "v"),
	x("ZREVRANGE", "str", "0", "1"), x("ZRANGEBYSCORE", "str", "0", "1"), x("ZRANGEBYLEX", "str", "-", "+"), x("ZCOUNT", "str", "0", "1"),
	x("ZLEXCOUNT", "str", "-", "+"), x("ZREVRANK", "str", "a"), x("ZREMRANGEBYRANK", "str", "0", "1"), x("ZREMRANGEBYSCORE", "str", "0", "1"),
	x("ZREMRANGEBYLEX", "str", "-", "+"), x("ZMSCORE", "str", "a"), x("ZRANDMEMBER", "str"), x("ZRANDMEMBER", "str", "1"),
	x("ZSCAN", "str", "0"), x("ZRANGESTORE", "dst", "str", "0", "1"), x("ZINTERCARD", "1", "str"), x("ZINTER", "2", "nokey", "str"),
	x("ZREMRANGEBYRANK", "str", "x", "1"), x("ZCOUNT", "str", "x", "1"), x("ZUNION", "1", "str", "FOO"),
	// arity
	x("ZREVRANGE", "z", "0"), x("ZCOUNT", "z", "0"), x("ZUNION", "1"), x("ZUNIONSTORE", "o", "1"), x("ZINTERCARD", "1"), x("ZRANDMEMBER"),
}

// setFamilyScript covers the set algebra, SMISMEMBER, SSCAN and the intset
// order of small integer sets.
var setFamilyScript = []diffCmd{
	x("SADD", "ints", "5", "3", "-1", "10", "7"), x("SMEMBERS", "ints"), x("SRANDMEMBER", "ints", "10"),
	x("SADD", "i2", "3", "10", "4", "-1"), x("SINTER", "ints", "i2"), x("SUNION", "ints", "i2"), x("SDIFF", "ints", "i2"),
	x("SADD", "s1", "a", "b", "c", "d"), x("SADD", "s2", "c", "d", "e"), x("SADD", "s3", "a", "c", "e", "f"),
	u("SINTER", "s1", "s2"), u("SINTER", "s1", "s2", "s3"), x("SINTER", "s1", "nos"), x("SINTER", "nos", "s1"), u("SINTER", "s1"),
	u("SUNION", "s1", "s2", "s3"), u("SUNION", "s1", "nos"), x("SUNION", "nos"), u("SDIFF", "s1", "s2"), u("SDIFF", "s1", "s2", "s3"),
	x("SDIFF", "nos", "s1"), u("SDIFF", "s1", "nos"),
	x("SINTERSTORE", "d", "s1", "s2"), u("SMEMBERS", "d"), x("SUNIONSTORE", "d", "s1", "s2", "s3"), u("SMEMBERS", "d"),
	x("SDIFFSTORE", "d", "s1", "s2"), u("SMEMBERS", "d"), x("SINTERSTORE", "d", "s1", "nos"), x("EXISTS", "d"),
	x("SET", "d", "str"), x("SUNIONSTORE", "d", "ints"), x("TYPE", "d"), x("SMEMBERS", "d"), x("SDIFFSTORE", "s1", "s1", "s2"), u("SMEMBERS", "s1"),
	x("SINTERCARD", "2", "s2", "s3"), x("SINTERCARD", "2", "s2", "s3", "LIMIT", "1"), x("SINTERCARD", "2", "s2", "s3", "LIMIT", "0"),
	x("SINTERCARD", "2", "s2", "nos"), x("SINTERCARD", "0", "s2"), x("SINTERCARD", "x", "s2"), x("SINTERCARD", "3", "s2", "s3"),
	x("SINTERCARD", "2", "s2", "s3", "LIMIT", "-1"), x("SINTERCARD", "2", "s2", "s3", "LIMIT", "x"), x("SINTERCARD", "2", "s2", "s3", "LIMIT"),
	x("SINTERCARD", "2", "s2", "s3", "FOO", "1"), x("SINTERCARD", "-1", "s2"),
	x("SMISMEMBER", "s2", "c", "x", "e"), x("SMISMEMBER", "nos", "a", "b"),
	x("SSCAN", "ints", "0"), u("SSCAN", "s2", "0"), x("SSCAN", "ints", "0", "MATCH", "1*"), x("SSCAN", "ints", "0", "COUNT", "1"),
	x("SSCAN", "ints", "x"), x("SSCAN", "ints", "0", "COUNT", "0"), x("SSCAN", "nos", "0"), x("SSCAN", "ints", "0", "FOO", "1"),
	x("SET", "str", "v"),
	x("SINTER", "s2", "str"), x("SINTER", "nos", "str"), x("SUNION", "str"), x("SDIFF", "nos", "str"), x("SINTERSTORE", "d", "str"),
	x("SINTERCARD", "1", "str"), x("SMISMEMBER", "str", "a"), x("SSCAN", "str", "0"), x("SSCAN", "str", "x"),
	x("SINTER"), x("SINTERSTORE", "d"), x("SMISMEMBER", "s2"), x("SSCAN", "s2"),
}

// keysFamilyScript covers COPY, TOUCH, OBJECT, LCS, SORT and SORT_RO.
var keysFamilyScript = []diffCmd{
	// COPY
	x("SET", "s", "v"), x("EXPIRE", "s", "100"), x("COPY", "s", "s2"), x("GET", "s2"), x("TTL", "s2"), x("COPY", "s", "s2"),
	x("SET", "s2", "old"), x("COPY", "s", "s2", "REPLACE"), x("GET", "s2"), x("COPY", "s", "s"), x("COPY", "nokey", "s3"),
	x("COPY", "s", "s", "DB", "0"), x("COPY", "s", "s", "DB", "1"), x("COPY", "s", "s3", "DB", "16"), x("COPY", "s", "s3", "DB", "-1"),
	x("COPY", "s", "s3", "DB", "x"), x("COPY", "s", "s3", "DB", "4294967296"), x("COPY", "s", "s3", "DB"), x("COPY", "s", "s3", "FOO"),
	x("COPY", "s", "s3", "REPLACE", "DB", "1"), x("SELECT", "1"), x("GET", "s3"), x("TTL", "s3"), x("DEL", "s3"), x("SELECT", "0"),
	x("RPUSH", "l", "a", "b"), x("COPY", "l", "l2"), x("RPUSH", "l2", "c"), x("LRANGE", "l", "0", "-1"), x("LRANGE", "l2", "0", "-1"),
	x("HSET", "h", "f", "v"), x("COPY", "h", "h2"), x("HSET", "h2", "g", "w"), x("HLEN", "h"), x("HGETALL", "h2"),
	x("SADD", "st", "1", "2"), x("COPY", "st", "st2"), x("SADD", "st2", "3"), x("SMEMBERS", "st"), x("SMEMBERS", "st2"),
	x("ZADD", "z", "1", "a"), x("COPY", "z", "z2"), x("ZADD", "z2", "2", "b"), x("ZCARD", "z"), x("ZRANGE", "z2", "0", "-1", "WITHSCORES"),
	x("COPY", "z", "s2", "REPLACE"), x("TYPE", "s2"), x("COPY"), x("COPY", "a"),
	// TOUCH
	x("TOUCH", "s", "l", "nokey", "s"), x("TOUCH", "nokey"), x("TOUCH"),
	// OBJECT
	x("SET", "int", "12345"), x("SET", "neg", "-5"), x("SET", "emb", "hello"), x("SET", "raw", strings.Repeat("x", 45)),
	x("SET", "e44", strings.Repeat("x", 44)), x("SET", "lead0", "0123"), x("SET", "big", "12345678901234567890"),
	x("OBJECT", "ENCODING", "int"), x("OBJECT", "ENCODING", "neg"), x("OBJECT", "ENCODING", "emb"), x("OBJECT", "ENCODING", "raw"),
	x("OBJECT", "ENCODING", "e44"), x("OBJECT", "ENCODING", "lead0"), x("OBJECT", "ENCODING", "big"), x("OBJECT", "encoding", "l"),
	x("OBJECT", "ENCODING", "h"), x("OBJECT", "ENCODING", "st"), x("OBJECT", "ENCODING", "z"), x("OBJECT", "ENCODING", "nokey"),
	x("SADD", "sstr", "a"), x("OBJECT", "ENCODING", "sstr"), x("HSET", "hbig", "f", strings.Repeat("v", 65)), x("OBJECT", "ENCODING", "hbig"),
	x("ZADD", "zbig", "1", strings.Repeat("m", 65)), x("OBJECT", "ENCODING", "zbig"),
	x("OBJECT", "REFCOUNT", "int"), x("OBJECT", "REFCOUNT", "big"), x("OBJECT", "REFCOUNT", "emb"), x("OBJECT", "REFCOUNT", "l"),
	x("OBJECT", "REFCOUNT", "nokey"), x("OBJECT", "FREQ", "s"), x("OBJECT", "FREQ", "nokey"), x("OBJECT", "IDLETIME", "nokey"),
	x("OBJECT", "HELP"), x("OBJECT", "help", "x"), x("OBJECT", "FOO", "s"), x("OBJECT", "ENCODING"), x("OBJECT", "ENCODING", "a", "b"),
	x("OBJECT"),
	// A string's encoding follows how it was written, not only what it holds.
	x("SET", "ea", "1"), x("APPEND", "ea", "2"), x("OBJECT", "ENCODING", "ea"), x("INCR", "ea"), x("OBJECT", "ENCODING", "ea"),
	x("SET", "ea", "5"), x("APPEND", "ea", ""), x("OBJECT", "ENCODING", "ea"), x("APPEND", "ea2", "7"), x("OBJECT", "ENCODING", "ea2"),
	x("SET", "er", "1234"), x("SETRANGE", "er", "0", "2"), x("OBJECT", "ENCODING", "er"), x("SETRANGE", "er", "0", ""),
	x("SET", "er", "1234"), x("SETRANGE", "er", "0", ""), x("OBJECT", "ENCODING", "er"), x("SETRANGE", "er2", "1", "ab"), x("OBJECT", "ENCODING", "er2"),
	x("SET", "eb", "abc"), x("SETBIT", "eb", "1", "1"), x("OBJECT", "ENCODING", "eb"), x("SETBIT", "eb2", "3", "0"), x("OBJECT", "ENCODING", "eb2"),
	x("SET", "ef", "12"), x("BITFIELD", "ef", "GET", "u4", "0"), x("OBJECT", "ENCODING", "ef"), x("BITFIELD", "ef", "INCRBY", "u2", "100", "1", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"),
	x("OBJECT", "ENCODING", "ef"), x("BITOP", "OR", "eo", "ef", "ea"), x("OBJECT", "ENCODING", "eo"),
	x("SET", "ei", "1.5"), x("INCRBYFLOAT", "ei", "1.5"), x("OBJECT", "ENCODING", "ei"), x("INCRBYFLOAT", "ei2", "7"), x("OBJECT", "ENCODING", "ei2"),
	x("INCRBYFLOAT", "ei3", strings.Repeat("1", 40)), x("OBJECT", "ENCODING", "ei3"), x("INCR", "ei2"), x("OBJECT", "ENCODING", "ei2"),
	x("SET", "er3", "xyz"), x("APPEND", "er3", "w"), x("RENAME", "er3", "er4"), x("OBJECT", "ENCODING", "er4"), x("COPY", "er4", "er5"),
	x("OBJECT", "ENCODING", "er5"), x("MOVE", "er5", "1"), x("SELECT", "1"), x("OBJECT", "ENCODING", "er5"), x("DEL", "er5"), x("SELECT", "0"),
	x("SET", "er4", "9"), x("OBJECT", "ENCODING", "er4"), x("GETSET", "eb", "10"), x("OBJECT", "ENCODING", "eb"),
	x("PFADD", "hl", "a", "b"), x("OBJECT", "ENCODING", "hl"), x("PFMERGE", "hl2", "hl"), x("OBJECT", "ENCODING", "hl2"),
	x("EVAL", "redis.call('set', KEYS[2], redis.call('get', KEYS[1])); local e = redis.call('object', 'encoding', KEYS[2]); "+
		"redis.call('pfcount', KEYS[2]); return {e, redis.call('object', 'encoding', KEYS[2])}", "2", "hl", "hl3"),
	x("EVAL", "redis.call('set', KEYS[2], redis.call('get', KEYS[1])); redis.call('pfadd', KEYS[2], 'a'); "+
		"return redis.call('object', 'encoding', KEYS[2])", "2", "hl", "hl4"),
	// Collections follow the live thresholds, as Redis's own tests set them.
	x("CONFIG", "SET", "zset-max-ziplist-entries", "0"), x("ZADD", "zc", "1", "a"), x("OBJECT", "ENCODING", "zc"),
	x("CONFIG", "GET", "zset-max-listpack-entries"), x("CONFIG", "SET", "zset-max-listpack-entries", "128"),
	x("CONFIG", "SET", "zset-max-listpack-value", "2"), x("ZADD", "zv", "1", "abc"), x("OBJECT", "ENCODING", "zv"),
	x("CONFIG", "SET", "hash-max-ziplist-entries", "0"), x("HSET", "hc", "f", "v"), x("OBJECT", "ENCODING", "hc"),
	x("CONFIG", "SET", "hash-max-listpack-entries", "128", "hash-max-listpack-value", "2"), x("HSET", "hv", "f", "vvv"), x("OBJECT", "ENCODING", "hv"),
	x("CONFIG", "GET", "hash-max-listpack-value"), x("CONFIG", "SET", "set-max-intset-entries", "1"), x("SADD", "sc", "1", "2"), x("OBJECT", "ENCODING", "sc"),
	x("CONFIG", "GET", "set-max-intset-entries"),
	x("CONFIG", "SET", "zset-max-listpack-value", "64", "hash-max-listpack-value", "64", "set-max-intset-entries", "512"),
	// Redis never converts back: a collection that outgrew its compact
	// encoding keeps the big one after it shrinks.
	x("SADD", "sm", "1", "x"), x("SREM", "sm", "x"), x("OBJECT", "ENCODING", "sm"), x("SMEMBERS", "sm"),
	x("HSET", "hm", "f", strings.Repeat("v", 65)), x("HSET", "hm", "f", "v"), x("OBJECT", "ENCODING", "hm"),
	x("ZADD", "zm", "1", strings.Repeat("m", 65)), x("ZREM", "zm", strings.Repeat("m", 65)), x("ZADD", "zm", "1", "a"), x("OBJECT", "ENCODING", "zm"),
	x("COPY", "zm", "zm2"), x("OBJECT", "ENCODING", "zm2"), x("RENAME", "hm", "hm2"), x("OBJECT", "ENCODING", "hm2"),
	// LCS
	x("SET", "k1", "ohmytext"), x("SET", "k2", "mynewtext"), x("LCS", "k1", "k2"), x("LCS", "k1", "k2", "LEN"),
	x("LCS", "k1", "k2", "IDX"), x("LCS", "k1", "k2", "IDX", "MINMATCHLEN", "4"), x("LCS", "k1", "k2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"),
	x("LCS", "k1", "k2", "IDX", "WITHMATCHLEN"), x("LCS", "k1", "k2", "IDX", "MINMATCHLEN", "-3"), x("LCS", "k1", "k2", "LEN", "IDX"),
	x("LCS", "k1", "k2", "MINMATCHLEN", "x"), x("LCS", "k1", "k2", "MINMATCHLEN"), x("LCS", "k1", "k2", "FOO"), x("LCS", "k1", "nokey"),
	x("LCS", "nokey", "nokey", "IDX"), x("LCS", "k1", "l"), x("LCS", "l", "k1", "FOO"), x("LCS", "k1", "k1", "IDX", "WITHMATCHLEN"),
	x("SET", "k3", "abcXdefYghi"), x("SET", "k4", "abcdefghi"), x("LCS", "k3", "k4", "IDX", "WITHMATCHLEN"), x("LCS", "k4", "k3"),
	x("LCS", "k1"),
	// SORT
	x("RPUSH", "nums", "3", "1", "2", "10", "-1.5"), x("SORT", "nums"), x("SORT", "nums", "DESC"), x("SORT", "nums", "ALPHA"),
	x("SORT", "nums", "LIMIT", "1", "2"), x("SORT", "nums", "LIMIT", "-1", "2"), x("SORT", "nums", "LIMIT", "1", "-1"),
	x("SORT", "nums", "LIMIT", "10", "2"), x("SORT", "nums", "LIMIT", "0", "0"), x("SORT", "nums", "LIMIT", "x", "1"),
	x("SORT", "nums", "LIMIT", "1"), x("SORT", "nums", "FOO"), x("SORT", "nums", "BY", "nosort"), x("SORT", "nums", "BY", "nosort", "DESC"),
	x("SORT", "nums", "BY", "nosort", "LIMIT", "1", "2", "DESC"), x("SORT", "nums", "BY", "nosort", "LIMIT", "9", "2"),
	x("RPUSH", "words", "b", "a", "c", "10"), x("SORT", "words"), x("SORT", "words", "ALPHA"), x("SORT", "words", "ALPHA", "DESC"),
	x("MSET", "w_a", "3", "w_b", "1", "w_c", "2", "w_10", "x"), x("SORT", "words", "BY", "w_*"), x("SORT", "words", "BY", "w_*", "ALPHA"),
	x("MSET", "w_a", " ", "w_b", "", "w_c", "2", "w_10", "\x00x"), x("SORT", "words", "BY", "w_*"), x("SET", "w_a", "\t7"), x("SORT", "words", "BY", "w_*"),
	x("SET", "w_c", " \x002"), x("SORT", "words", "BY", "w_*"),
	x("MSET", "w_a", "3", "w_b", "1", "w_c", "2", "w_10", "x"),
	x("SORT", "words", "ALPHA", "GET", "w_*", "GET", "#"), x("SORT", "words", "ALPHA", "GET", "nostar"), x("SORT", "words", "ALPHA", "BY", "w_*", "DESC"),
	x("HSET", "wh_a", "f", "30"), x("HSET", "wh_b", "f", "10"), x("HSET", "wh_c", "f", "20"), x("HSET", "wh_10", "g", "1"),
	x("SORT", "words", "BY", "wh_*->f", "GET", "wh_*->f", "GET", "#"), x("SORT", "words", "ALPHA", "GET", "wh_*->"),
	x("SORT", "words", "ALPHA", "GET", "wh_*->f", "STORE", "dst"), x("LRANGE", "dst", "0", "-1"), x("TYPE", "dst"),
	x("SORT", "nums", "STORE", "dst"), x("LRANGE", "dst", "0", "-1"), x("SORT", "nokey", "STORE", "dst"), x("EXISTS", "dst"),
	x("SORT", "nokey"), x("SORT", "s"), x("SORT", "s", "FOO"), x("SORT", "nums", "LIMIT", "0", "1", "STORE"),
	x("SADD", "si", "5", "2", "9", "-3"), x("SORT", "si"), x("SORT", "si", "DESC", "LIMIT", "1", "2"), x("SORT", "si", "BY", "nosort"),
	x("SORT", "si", "BY", "nosort", "STORE", "dst"), x("LRANGE", "dst", "0", "-1"), x("SORT", "si", "BY", "nosort", "ALPHA", "DESC", "STORE", "dst"),
	x("LRANGE", "dst", "0", "-1"),
	x("ZADD", "zs", "3", "c", "1", "a", "2", "b", "2", "bb"), x("SORT", "zs", "ALPHA"), x("SORT", "zs", "BY", "nosort"),
	x("SORT", "zs", "BY", "nosort", "DESC", "LIMIT", "1", "2"), x("SORT", "zs", "BY", "nosort", "LIMIT", "1", "10"), x("SORT", "zs"),
	x("SORT_RO", "nums"), x("SORT_RO", "nums", "STORE", "dst"), x("SORT_RO", "words", "BY", "w_*", "GET", "#", "GET", "w_*"),
	x("SORT_RO", "s"), x("SORT_RO"), x("SORT"),
	x("RPUSH", "bad", "1", "x"), x("SORT", "bad"), x("SORT", "bad", "ALPHA"), x("SORT", "bad", "STORE", "dst"), x("LRANGE", "dst", "0", "-1"),
	x("RPUSH", "fl", "1e2", " 5", "inf", "-inf", "0x10", ""), x("SORT", "fl"), x("RPUSH", "fl2", "nan"), x("SORT", "fl2"),
}

func TestDiffTypesScript(t *testing.T) {
	p := redisPair(t)
	big := []string{"SADD", "bigints"}
	for i := range 600 {
		big = append(big, strconv.Itoa(i*7%601))
	}
	for _, proto := range []string{"RESP2", "RESP3"} {
		t.Run(proto, func(t *testing.T) {
			if proto == "RESP3" {
				hello3(t, p)
			}
			p.Compare(false, "FLUSHALL")
			runDiff(t, p, zsetFamilyScript)
			runDiff(t, p, setFamilyScript)
			p.Compare(false, "FLUSHALL")
			runDiff(t, p, keysFamilyScript)
			runDiff(t, p, []diffCmd{x(big...), u("SMEMBERS", "bigints"), x("SCARD", "bigints")})
		})
	}
}

// The random differential run (TestDiffRandom) learns the commands of this
// group: they meet the strings, lists, sets and sorted sets that the other
// generators leave on the same few keys. OBJECT is left out: Redis never
// converts an encoding back (a set that once held a string stays a
// hashtable), which scripted cases cover and random ones would trip on.
func init() {
	zkey := func(r *rand.Rand) string { return diffTypedKey(r, 2) }
	skey := func(r *rand.Rand) string { return diffTypedKey(r, 1) }
	anyKey := func(r *rand.Rand) string { return diffTypedKey(r, r.IntN(3)) }
	score := func(r *rand.Rand) string {
		return pick(r, []string{"-inf", "+inf", "(1", "2", "(2.5", "0", "1", "(0", "-1", "x"})
	}
	lex := func(r *rand.Rand) string { return pick(r, []string{"-", "+", "[a", "(b", "[c", "(d", "[1", "x", "["}) }
	// BYLEX over unequal scores depends, in Redis, on the random levels of
	// a skip list (which ZRANGESTORE BYSCORE leaves however small the set),
	// so the lex commands work on keys whose scores are all 0 (the scripted
	// cases cover unequal scores on small sets).
	ekey := func(r *rand.Rand) string { return pick(r, []string{"e0", "e1"}) }
	rank := func(r *rand.Rand) string { return pick(r, []string{"0", "1", "-1", "2", "-3", "100", "x"}) }
	limit := func(r *rand.Rand, args []string) []string {
		if r.IntN(2) == 0 {
			args = append(args, "LIMIT", pick(r, []string{"0", "1", "-1", "2"}), pick(r, []string{"-1", "0", "1", "3"}))
		}
		return args
	}
	numkeys := func(r *rand.Rand, key func(*rand.Rand) string) []string {
		n := 1 + r.IntN(3)
		args := []string{strconv.Itoa(n)}
		if r.IntN(15) == 0 {
			args[0] = pick(r, []string{"0", "-1", "x", "9"})
		}
		for range n {
			args = append(args, key(r))
		}
		return args
	}
	zopts := func(r *rand.Rand, args []string, n int, store bool) []string {
		if r.IntN(3) == 0 {
			args = append(args, "WEIGHTS")
			for range n {
				args = append(args, pick(r, []string{"1", "2", "0.5", "-1", "0", "inf"}))
			}
		}
		if r.IntN(3) == 0 {
			args = append(args, "AGGREGATE", pick(r, []string{"SUM", "MIN", "MAX", "avg"}))
		}
		if !store && r.IntN(2) == 0 {
			args = append(args, "WITHSCORES")
		}
		return args
	}
	zop := func(name string, store bool) func(r *rand.Rand) []string {
		return func(r *rand.Rand) []string {
			args := []string{name}
			if store {
				args = append(args, zkey(r))
			}
			nk := numkeys(r, func(r *rand.Rand) string { return diffTypedKey(r, 1+r.IntN(2)) })
			args = append(args, nk...)
			if name == "ZDIFF" || name == "ZDIFFSTORE" {
				if !store && r.IntN(2) == 0 {
					args = append(args, "WITHSCORES")
				}
				return args
			}
			return zopts(r, args, len(nk)-1, store)
		}
	}
	sop := func(name string, store bool) func(r *rand.Rand) []string {
		return func(r *rand.Rand) []string {
			args := []string{name}
			if store {
				args = append(args, skey(r))
			}
			for range 1 + r.IntN(3) {
				args = append(args, skey(r))
			}
			return args
		}
	}
	sortGen := func(name string) func(r *rand.Rand) []string {
		return func(r *rand.Rand) []string {
			args := []string{name, anyKey(r)}
			switch r.IntN(4) {
			case 0:
				args = append(args, "ALPHA") // by the elements: no ties
			case 1:
				args = append(args, "BY", pick(r, []string{"k*", "k*->f", "nosort"}))
			}
			if r.IntN(2) == 0 {
				args = append(args, "DESC")
			}
			if r.IntN(3) == 0 {
				args = append(args, "LIMIT", pick(r, []string{"0", "1", "-1", "5"}), pick(r, []string{"-1", "0", "2"}))
			}
			for range r.IntN(3) {
				args = append(args, "GET", pick(r, []string{"#", "k*", "k*->f", "nostar"}))
			}
			if name == "SORT" && r.IntN(3) == 0 {
				args = append(args, "STORE", diffTypedKey(r, 0))
			}
			return args
		}
	}
	diffGens = append(diffGens,
		diffGen{name: "ZREVRANGE", args: func(r *rand.Rand) []string {
			args := []string{"ZREVRANGE", zkey(r), rank(r), rank(r)}
			if r.IntN(2) == 0 {
				args = append(args, "WITHSCORES")
			}
			return args
		}},
		diffGen{name: "ZRANGEBYSCORE", args: func(r *rand.Rand) []string {
			return limit(r, []string{pick(r, []string{"ZRANGEBYSCORE", "ZREVRANGEBYSCORE"}), zkey(r), score(r), score(r), "WITHSCORES"})
		}},
		diffGen{name: "ZRANGEBYLEX", args: func(r *rand.Rand) []string {
			return limit(r, []string{pick(r, []string{"ZRANGEBYLEX", "ZREVRANGEBYLEX"}), ekey(r), lex(r), lex(r)})
		}},
		diffGen{name: "ZRANGESTORE", weight: 2, args: func(r *rand.Rand) []string {
			switch r.IntN(3) {
			case 0:
				return []string{"ZRANGESTORE", zkey(r), zkey(r), rank(r), rank(r)}
			case 1:
				return limit(r, []string{"ZRANGESTORE", zkey(r), zkey(r), score(r), score(r), "BYSCORE", "REV"})
			}
			return limit(r, []string{"ZRANGESTORE", ekey(r), ekey(r), lex(r), lex(r), "BYLEX"})
		}},
		diffGen{name: "ZCOUNT", args: func(r *rand.Rand) []string { return []string{"ZCOUNT", zkey(r), score(r), score(r)} }},
		diffGen{name: "ZLEXCOUNT", args: func(r *rand.Rand) []string { return []string{"ZLEXCOUNT", ekey(r), lex(r), lex(r)} }},
		diffGen{name: "ZREVRANK", args: func(r *rand.Rand) []string { return []string{"ZREVRANK", zkey(r), diffMember(r)} }},
		diffGen{name: "ZREMRANGEBYRANK", args: func(r *rand.Rand) []string {
			return []string{"ZREMRANGEBYRANK", zkey(r), rank(r), rank(r)}
		}},
		diffGen{name: "ZREMRANGEBYSCORE", args: func(r *rand.Rand) []string {
			return []string{"ZREMRANGEBYSCORE", zkey(r), score(r), score(r)}
		}},
		diffGen{name: "ZREMRANGEBYLEX", args: func(r *rand.Rand) []string { return []string{"ZREMRANGEBYLEX", ekey(r), lex(r), lex(r)} }},
		diffGen{name: "ZADD", weight: 2, args: func(r *rand.Rand) []string {
			return []string{"ZADD", ekey(r), "0", diffMember(r), "0", diffMember(r)}
		}},
		diffGen{name: "ZUNION", args: zop("ZUNION", false)},
		diffGen{name: "ZINTER", args: zop("ZINTER", false)},
		diffGen{name: "ZDIFF", args: zop("ZDIFF", false)},
		diffGen{name: "ZUNIONSTORE", args: zop("ZUNIONSTORE", true)},
		diffGen{name: "ZINTERSTORE", args: zop("ZINTERSTORE", true)},
		diffGen{name: "ZDIFFSTORE", args: zop("ZDIFFSTORE", true)},
		diffGen{name: "ZINTERCARD", args: func(r *rand.Rand) []string {
			return limit(r, append([]string{"ZINTERCARD"}, numkeys(r, zkey)...))
		}},
		diffGen{name: "ZMSCORE", args: func(r *rand.Rand) []string {
			return append([]string{"ZMSCORE", zkey(r)}, diffMembers(r, 1+r.IntN(3))...)
		}},
		diffGen{name: "ZRANDMEMBER", args: func(r *rand.Rand) []string {
			args := []string{"ZRANDMEMBER", zkey(r)}
			if r.IntN(3) > 0 {
				args = append(args, pick(r, []string{"0", "1", "2", "-3", "100", "x"}))
				if r.IntN(2) == 0 {
					args = append(args, "WITHSCORES")
				}
			}
			return args
		}, check: checkShape},
		// Unordered: ZRANGESTORE BYSCORE/BYLEX leaves a skiplist in Redis
		// 7.0 however small, which ZSCAN walks in hash order.
		diffGen{name: "ZSCAN", unordered: true, args: func(r *rand.Rand) []string {
			return []string{"ZSCAN", zkey(r), "0", "MATCH", pick(r, []string{"*", "a*", "[a-c]", "1"})}
		}},
		diffGen{name: "SINTER", unordered: true, args: sop("SINTER", false)},
		diffGen{name: "SUNION", unordered: true, args: sop("SUNION", false)},
		diffGen{name: "SDIFF", unordered: true, args: sop("SDIFF", false)},
		diffGen{name: "SINTERSTORE", args: sop("SINTERSTORE", true)},
		diffGen{name: "SUNIONSTORE", args: sop("SUNIONSTORE", true)},
		diffGen{name: "SDIFFSTORE", args: sop("SDIFFSTORE", true)},
		diffGen{name: "SINTERCARD", args: func(r *rand.Rand) []string {
			return limit(r, append([]string{"SINTERCARD"}, numkeys(r, skey)...))
		}},
		diffGen{name: "SMISMEMBER", args: func(r *rand.Rand) []string {
			return append([]string{"SMISMEMBER", skey(r)}, diffMembers(r, 1+r.IntN(3))...)
		}},
		diffGen{name: "SSCAN", unordered: true, args: func(r *rand.Rand) []string {
			return []string{"SSCAN", skey(r), "0", "MATCH", pick(r, []string{"*", "a*", "[a-c]", "1"})}
		}},
		diffGen{name: "COPY", weight: 2, args: func(r *rand.Rand) []string {
			args := []string{"COPY", anyKey(r), anyKey(r)}
			if r.IntN(2) == 0 {
				args = append(args, "REPLACE")
			}
			return args
		}},
		diffGen{name: "TOUCH", args: func(r *rand.Rand) []string { return append([]string{"TOUCH"}, diffKeys(r, 1+r.IntN(3))...) }},
		diffGen{name: "LCS", args: func(r *rand.Rand) []string {
			opts := [][]string{nil, {"LEN"}, {"IDX"}, {"IDX", "WITHMATCHLEN", "MINMATCHLEN", "2"}}
			return append([]string{"LCS", diffKey(r), diffKey(r)}, opts[r.IntN(len(opts))]...)
		}},
		diffGen{name: "HSET", args: func(r *rand.Rand) []string {
			return []string{"HSET", diffKey(r), pick(r, []string{"f", "g"}), diffValue(r)}
		}},
		diffGen{name: "SORT", weight: 2, args: sortGen("SORT"), check: checkSort},
		diffGen{name: "SORT_RO", args: sortGen("SORT_RO"), check: checkSort},
	)
}

// checkSort compares SORT replies. BY nosort without STORE answers a set in
// Redis's hash order: such replies compare as multisets, or with LIMIT
// (which picks from that order) by their length only.
//
// Redis 7.0's numeric SORT tests errno after strtod without clearing it
// first, so after any command whose float overflowed (ZADD z 1e400 m) a
// SORT BY a non-integer string fails with "can't be converted into
// double" until some successful float parse clears errno. That is a bug
// of Redis's, not behaviour to copy: a ZADD XX of a valid score to a key
// that does not exist (no effect, reply 0) clears it before each SORT.
func checkSort(t *testing.T, p *redistest.Pair, args []string) {
	t.Helper()
	_, err := p.Redis.Do("ZADD", "errno-reset{x}", "XX", "0", "m")
	require.NoError(t, err)
	if !slices.Contains(args, "nosort") || slices.Contains(args, "STORE") {
		p.Compare(false, args...)
		return
	}
	if !slices.Contains(args, "LIMIT") {
		p.Compare(true, args...)
		return
	}
	want, err := p.Redis.Do(args...)
	require.NoError(t, err)
	got, err := p.Mini.Do(args...)
	require.NoError(t, err)
	if want.Kind != got.Kind || len(want.Elems) != len(got.Elems) {
		t.Errorf("%q:\n  redis-server: %v\n  miniredis:    %v", args, want, got)
	}
}

// checkShape compares replies that Redis makes random by type and length.
func checkShape(t *testing.T, p *redistest.Pair, args []string) {
	t.Helper()
	want, err := p.Redis.Do(args...)
	if err != nil {
		t.Fatalf("redis-server: %q: %v", args, err)
	}
	got, err := p.Mini.Do(args...)
	if err != nil {
		t.Fatalf("miniredis: %q: %v", args, err)
	}
	if shape(want) != shape(got) {
		t.Errorf("%q:\n  redis-server: %v\n  miniredis:    %v", args, want, got)
	}
}
