package server

import (
	"strconv"
	"testing"
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
			runDiff(t, p, []diffCmd{x(big...), u("SMEMBERS", "bigints"), x("SCARD", "bigints")})
		})
	}
}
