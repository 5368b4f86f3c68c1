package server

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestZSetCommands(t *testing.T) {
	s := startServer(t, redisConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"zadd", resp("ZADD", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{"zadd update", resp("ZADD", "z", "1.1", "a"), ":0\r\n"},
		{"zadd ch", resp("ZADD", "z", "CH", "1", "a", "4", "d"), ":2\r\n"},
		{"zadd nx", resp("ZADD", "z", "NX", "9", "a", "5", "e"), ":1\r\n"},
		{"zadd xx", resp("ZADD", "z", "XX", "CH", "0", "a", "9", "f"), ":1\r\n"},
		{"zadd gt", resp("ZADD", "z", "GT", "CH", "-1", "a", "10", "e"), ":1\r\n"},
		{"zadd incr", resp("ZADD", "z", "INCR", "0.5", "a"), "$3\r\n0.5\r\n"},
		{"zadd incr nop", resp("ZADD", "z", "XX", "INCR", "1", "zz"), "$-1\r\n"},
		{"zadd nx xx", resp("ZADD", "z", "NX", "XX", "1", "a"), "-ERR XX and NX options at the same time are not compatible\r\n"},
		{"zadd gt lt", resp("ZADD", "z", "GT", "LT", "1", "a"), "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"},
		{"zadd incr pairs", resp("ZADD", "z", "INCR", "1", "a", "2", "b"), "-ERR INCR option supports a single increment-element pair\r\n"},
		{"zadd odd", resp("ZADD", "z", "1", "a", "2"), "-ERR syntax error\r\n"},
		{"zadd bad score", resp("ZADD", "z", "x", "a"), "-ERR value is not a valid float\r\n"},
		{"zadd xx missing key", resp("ZADD", "noz", "XX", "1", "a"), ":0\r\n"},
		{"zadd xx creates nothing", resp("EXISTS", "noz"), ":0\r\n"},
		{"zscore %.17g", resp("ZADD", "z", "1.1", "a"), ":0\r\n"},
		{"zscore", resp("ZSCORE", "z", "a"), "$18\r\n1.1000000000000001\r\n"},
		{"zscore missing", resp("ZSCORE", "z", "q"), "$-1\r\n"},
		{"zcard", resp("ZCARD", "z"), ":5\r\n"},
		{"zrank", resp("ZRANK", "z", "c"), ":2\r\n"},
		{"zrank missing", resp("ZRANK", "z", "q"), "$-1\r\n"},
		{"zrange", resp("ZRANGE", "z", "0", "1", "WITHSCORES"), "*4\r\n$1\r\na\r\n$18\r\n1.1000000000000001\r\n$1\r\nb\r\n$1\r\n2\r\n"},
		{"zrange rev", resp("ZRANGE", "z", "0", "1", "REV"), "*2\r\n$1\r\ne\r\n$1\r\nd\r\n"},
		{"zrange byscore", resp("ZRANGE", "z", "(2", "4", "BYSCORE"), "*2\r\n$1\r\nc\r\n$1\r\nd\r\n"},
		{"zrange byscore rev limit", resp("ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2"), "*2\r\n$1\r\nd\r\n$1\r\nc\r\n"},
		{"zrange limit without by", resp("ZRANGE", "z", "0", "1", "LIMIT", "0", "1"), "-" + msgZRangeLimit + "\r\n"},
		{"zrange bad score", resp("ZRANGE", "z", "x", "1", "BYSCORE"), "-ERR min or max is not a float\r\n"},
		{"zrange bad lex", resp("ZRANGE", "z", "a", "b", "BYLEX"), "-ERR min or max not valid string range item\r\n"},
		{"zrange lex withscores", resp("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"), "-" + msgZRangeLexScores + "\r\n"},
		{"zrange missing", resp("ZRANGE", "noz", "0", "-1"), "*0\r\n"},
		{"lex set", resp("ZADD", "lx", "0", "a", "0", "b", "0", "c"), ":3\r\n"},
		{"zrange bylex", resp("ZRANGE", "lx", "(a", "+", "BYLEX"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{"zrange bylex rev", resp("ZRANGE", "lx", "[b", "-", "BYLEX", "REV"), "*2\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{"zincrby", resp("ZINCRBY", "z", "2", "b"), "$1\r\n4\r\n"},
		{"zincrby nan", resp("ZADD", "z", "inf", "i"), ":1\r\n"},
		{"zincrby nan error", resp("ZINCRBY", "z", "-inf", "i"), "-ERR resulting score is not a number (NaN)\r\n"},
		{"zrem", resp("ZREM", "z", "i", "q"), ":1\r\n"},
		{"zpopmin", resp("ZPOPMIN", "z"), "*2\r\n$1\r\na\r\n$18\r\n1.1000000000000001\r\n"},
		{"zpopmax count", resp("ZPOPMAX", "z", "2"), "*4\r\n$1\r\ne\r\n$2\r\n10\r\n$1\r\nd\r\n$1\r\n4\r\n"},
		{"zpopmin bad count", resp("ZPOPMIN", "z", "x"), "-ERR value is out of range, must be positive\r\n"},
		{"zpopmin missing", resp("ZPOPMIN", "noz"), "*0\r\n"},
		{"zpopmin all", resp("ZPOPMIN", "z", "10"), "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n4\r\n"},
		{"deleted when empty", resp("EXISTS", "z"), ":0\r\n"},
		{"type", resp("TYPE", "lx"), "+zset\r\n"},
		{"wrongtype", resp("LPUSH", "l", "a"), ":1\r\n"},
		{"wrongtype zadd", resp("ZADD", "l", "1", "a"), wrongType},
		{"wrongtype zrange", resp("ZRANGE", "l", "0", "-1"), wrongType},
		{"wrongtype zscore", resp("ZSCORE", "l", "a"), wrongType},
		{"arity zadd", resp("ZADD", "z", "1"), wrongArgs("zadd")},
		{"arity zrank", resp("ZRANK", "z", "a", "WITHSCORE"), wrongArgs("zrank")},
	})
}

func TestZSetRESP3(t *testing.T) {
	s := startServer(t, redisConfig())
	c := dial(t, s)
	c.send(resp("HELLO", "3"))
	drainHello(t, c)
	runExchanges(t, c, []exchange{
		{"zadd", resp("ZADD", "z", "1.5", "a", "2", "b"), ":2\r\n"},
		{"zscore double", resp("ZSCORE", "z", "a"), ",1.5\r\n"},
		{"zscore missing", resp("ZSCORE", "z", "q"), "_\r\n"},
		{"zrange pairs", resp("ZRANGE", "z", "0", "-1", "WITHSCORES"), "*2\r\n*2\r\n$1\r\na\r\n,1.5\r\n*2\r\n$1\r\nb\r\n,2\r\n"},
		{"zincrby double", resp("ZINCRBY", "z", "1", "b"), ",3\r\n"},
		{"zpopmin flat", resp("ZPOPMIN", "z"), "*2\r\n$1\r\na\r\n,1.5\r\n"},
		{"zpopmax count pairs", resp("ZPOPMAX", "z", "1"), "*1\r\n*2\r\n$1\r\nb\r\n,3\r\n"},
		{"zadd incr nop", resp("ZADD", "z", "XX", "INCR", "1", "q"), "_\r\n"},
	})
}

func TestZMPop(t *testing.T) {
	s := startServer(t, redisConfig())
	r2 := dial(t, s)
	runExchanges(t, r2, []exchange{
		{"zadd", resp("ZADD", "z", "1", "a", "2.5", "b", "3", "c"), ":3\r\n"},
		{"min, nested in resp2 too", resp("ZMPOP", "1", "z", "MIN"), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{"skips missing keys", resp("ZMPOP", "2", "noz", "z", "max", "COUNT", "9223372036854775807"),
			"*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$3\r\n2.5\r\n"},
		{"emptied key deleted", resp("EXISTS", "z"), ":0\r\n"},
		{"nothing", resp("ZMPOP", "2", "noz", "z", "MIN"), "*-1\r\n"},
		{"string", resp("SET", "str", "v"), "+OK\r\n"},
		{"first existing key decides", resp("ZMPOP", "2", "noz", "str", "MIN"), wrongType},
		{"direction before the keys' types", resp("ZMPOP", "1", "str", "LEFT"), "-ERR syntax error\r\n"},
		{"numkeys", resp("ZMPOP", "-1", "z", "MIN"), "-ERR numkeys should be greater than 0\r\n"},
		{"numkeys too large", resp("ZMPOP", "2", "z", "MIN"), "-ERR syntax error\r\n"},
		{"count", resp("ZMPOP", "1", "z", "MIN", "COUNT", "x"), "-ERR count should be greater than 0\r\n"},
		{"dangling count", resp("ZMPOP", "1", "z", "MIN", "COUNT"), "-ERR syntax error\r\n"},
		{"arity", resp("ZMPOP", "1", "z"), wrongArgs("zmpop")},
	})
	r3 := dial(t, s)
	r3.send(resp("HELLO", "3"))
	drainHello(t, r3)
	runExchanges(t, r3, []exchange{
		{"zadd", resp("ZADD", "z", "1.5", "a"), ":1\r\n"},
		{"doubles in resp3", resp("ZMPOP", "1", "z", "MAX", "COUNT", "2"), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1.5\r\n"},
		{"nil in resp3", resp("ZMPOP", "1", "z", "MAX"), "_\r\n"},
	})
}

func TestZSetLargeRanks(t *testing.T) {
	// Ranks and ranges far from the ends, where the skip list's spans do
	// the work.
	s := startServer(t, redisConfig())
	r := dial(t, s)
	const n = 2000
	args := []string{"ZADD", "z"}
	for i := range n {
		args = append(args, fmt.Sprint(n-i), fmt.Sprintf("m%04d", n-i))
	}
	runExchanges(t, r, []exchange{
		{"zadd", resp(args...), fmt.Sprintf(":%d\r\n", n)},
		{"zrank", resp("ZRANK", "z", "m1234"), ":1233\r\n"},
		{"zrange middle", resp("ZRANGE", "z", "1000", "1001"), "*2\r\n$5\r\nm1001\r\n$5\r\nm1002\r\n"},
		{"zrange rev middle", resp("ZRANGE", "z", "1000", "1000", "REV"), "*1\r\n$5\r\nm1000\r\n"},
		{"zrange byscore limit", resp("ZRANGE", "z", "(500", "+inf", "BYSCORE", "LIMIT", "700", "1"), "*1\r\n$5\r\nm1201\r\n"},
	})
}

func TestZSetAllocations(t *testing.T) {
	s, err := New(redisConfig())
	require.NoError(t, err)
	c := newTestClient(s)
	c.exec([][]byte{[]byte("ZADD"), []byte("z"), []byte("1"), []byte("a"), []byte("2"), []byte("b")})
	for _, args := range [][]string{
		{"ZSCORE", "z", "a"}, {"ZRANK", "z", "b"}, {"ZCARD", "z"}, {"ZRANGE", "z", "0", "-1", "WITHSCORES"},
		{"ZRANGE", "z", "(1", "+inf", "BYSCORE"}, {"HGET", "noh", "f"}, {"SISMEMBER", "nos", "a"},
	} {
		argv := make([][]byte, len(args))
		for i, a := range args {
			argv[i] = []byte(a)
		}
		c.exec(argv)
		_ = c.w.Flush()
		assert.Zero(t, testing.AllocsPerRun(500, func() {
			c.exec(argv)
			_ = c.w.Flush()
		}), args)
	}
}
