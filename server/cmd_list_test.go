package server

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func wrongArgs(name string) string {
	return "-ERR wrong number of arguments for '" + name + "' command\r\n"
}

func TestListCommands(t *testing.T) {
	s := startServer(t, redisConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"rpush", resp("RPUSH", "l", "a", "b", "c"), ":3\r\n"},
		{"lpush order", resp("LPUSH", "l", "y", "z"), ":5\r\n"},
		{"lrange all", resp("LRANGE", "l", "0", "-1"), "*5\r\n$1\r\nz\r\n$1\r\ny\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{"lrange clamp", resp("LRANGE", "l", "-2", "99"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{"lrange empty", resp("LRANGE", "l", "3", "1"), "*0\r\n"},
		{"lrange missing", resp("LRANGE", "nol", "0", "-1"), "*0\r\n"},
		{"lrange not integer", resp("LRANGE", "l", "x", "1"), "-ERR value is not an integer or out of range\r\n"},
		{"llen", resp("LLEN", "l"), ":5\r\n"},
		{"llen missing", resp("LLEN", "nol"), ":0\r\n"},
		{"lindex", resp("LINDEX", "l", "-1"), "$1\r\nc\r\n"},
		{"lindex out of range", resp("LINDEX", "l", "9"), "$-1\r\n"},
		{"lset", resp("LSET", "l", "0", "Z"), "+OK\r\n"},
		{"lset out of range", resp("LSET", "l", "9", "v"), "-ERR index out of range\r\n"},
		{"lset missing", resp("LSET", "nol", "0", "v"), "-ERR no such key\r\n"},
		{"lpushx missing", resp("LPUSHX", "nol", "v"), ":0\r\n"},
		{"lpushx missing creates nothing", resp("EXISTS", "nol"), ":0\r\n"},
		{"rpushx", resp("RPUSHX", "l", "a"), ":6\r\n"},
		{"linsert before", resp("LINSERT", "l", "BEFORE", "a", "A"), ":7\r\n"},
		{"linsert after", resp("LINSERT", "l", "after", "c", "C"), ":8\r\n"},
		{"linsert no pivot", resp("LINSERT", "l", "BEFORE", "q", "v"), ":-1\r\n"},
		{"linsert missing", resp("LINSERT", "nol", "BEFORE", "a", "v"), ":0\r\n"},
		{"linsert syntax", resp("LINSERT", "l", "NEAR", "a", "v"), "-ERR syntax error\r\n"},
		{"state", resp("LRANGE", "l", "0", "-1"), "*8\r\n$1\r\nZ\r\n$1\r\ny\r\n$1\r\nA\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nC\r\n$1\r\na\r\n"},
		{"lpos", resp("LPOS", "l", "a"), ":3\r\n"},
		{"lpos rank -1", resp("LPOS", "l", "a", "RANK", "-1"), ":7\r\n"},
		{"lpos count 0", resp("LPOS", "l", "a", "COUNT", "0"), "*2\r\n:3\r\n:7\r\n"},
		{"lpos maxlen", resp("LPOS", "l", "a", "MAXLEN", "3"), "$-1\r\n"},
		{"lpos missing count", resp("LPOS", "nol", "a", "COUNT", "1"), "*0\r\n"},
		{"lpos rank 0", resp("LPOS", "l", "a", "RANK", "0"), "-" + msgLposRank + "\r\n"},
		{"lpos count negative", resp("LPOS", "l", "a", "COUNT", "-1"), "-ERR COUNT can't be negative\r\n"},
		{"lpos maxlen negative", resp("LPOS", "l", "a", "MAXLEN", "-1"), "-ERR MAXLEN can't be negative\r\n"},
		{"lpos dangling option", resp("LPOS", "l", "a", "RANK"), "-ERR syntax error\r\n"},
		{"lrem head", resp("LREM", "l", "1", "a"), ":1\r\n"},
		{"lrem all", resp("LREM", "l", "0", "a"), ":1\r\n"},
		{"ltrim", resp("LTRIM", "l", "1", "-2"), "+OK\r\n"},
		{"after trim", resp("LRANGE", "l", "0", "-1"), "*4\r\n$1\r\ny\r\n$1\r\nA\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{"lpop", resp("LPOP", "l"), "$1\r\ny\r\n"},
		{"rpop count", resp("RPOP", "l", "2"), "*2\r\n$1\r\nc\r\n$1\r\nb\r\n"},
		{"lpop count 0", resp("LPOP", "l", "0"), "*0\r\n"},
		{"lpop negative", resp("LPOP", "l", "-1"), "-ERR value is out of range, must be positive\r\n"},
		{"lpop too many args", resp("LPOP", "l", "1", "2"), wrongArgs("lpop")},
		{"lpop last deletes", resp("LPOP", "l", "5"), "*1\r\n$1\r\nA\r\n"},
		{"deleted when empty", resp("EXISTS", "l"), ":0\r\n"},
		{"lpop missing", resp("LPOP", "l"), "$-1\r\n"},
		{"lpop missing count", resp("LPOP", "l", "2"), "*-1\r\n"},
		{"ltrim to nothing deletes", resp("RPUSH", "t", "a"), ":1\r\n"},
		{"ltrim empty range", resp("LTRIM", "t", "1", "0"), "+OK\r\n"},
		{"ltrim deleted", resp("TYPE", "t"), "+none\r\n"},
		{"wrongtype push", resp("SET", "str", "v"), "+OK\r\n"},
		{"wrongtype lpush", resp("LPUSH", "str", "a"), wrongType},
		{"wrongtype lrange", resp("LRANGE", "str", "0", "-1"), wrongType},
		{"wrongtype lpop", resp("LPOP", "str"), wrongType},
		{"wrongtype after option check", resp("LPOS", "str", "a", "RANK", "0"), "-" + msgLposRank + "\r\n"},
		{"arity lpush", resp("LPUSH", "l"), wrongArgs("lpush")},
		{"arity lrange", resp("LRANGE", "l", "0"), wrongArgs("lrange")},
		{"arity linsert", resp("LINSERT", "l", "BEFORE", "a"), wrongArgs("linsert")},
	})
}

func TestListMoveCommands(t *testing.T) {
	s := startServer(t, redisConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"fill", resp("RPUSH", "src", "a", "b", "c", "d"), ":4\r\n"},
		{"lmove left right", resp("LMOVE", "src", "dst", "LEFT", "RIGHT"), "$1\r\na\r\n"},
		{"rpoplpush", resp("RPOPLPUSH", "src", "dst"), "$1\r\nd\r\n"},
		{"destination order", resp("LRANGE", "dst", "0", "-1"), "*2\r\n$1\r\nd\r\n$1\r\na\r\n"},
		{"same key rotates", resp("LMOVE", "src", "src", "left", "right"), "$1\r\nb\r\n"},
		{"rotated", resp("LRANGE", "src", "0", "-1"), "*2\r\n$1\r\nc\r\n$1\r\nb\r\n"},
		{"missing source", resp("LMOVE", "nol", "dst", "LEFT", "LEFT"), "$-1\r\n"},
		{"missing source creates nothing", resp("EXISTS", "nol"), ":0\r\n"},
		{"bad direction first", resp("LMOVE", "nol", "dst", "UP", "LEFT"), "-ERR syntax error\r\n"},
		{"string", resp("SET", "str", "v"), "+OK\r\n"},
		{"wrongtype source", resp("LMOVE", "str", "dst", "LEFT", "LEFT"), wrongType},
		{"wrongtype destination", resp("RPOPLPUSH", "src", "str"), wrongType},
		{"nothing popped", resp("LLEN", "src"), ":2\r\n"},
		{"missing source beats wrongtype destination", resp("RPOPLPUSH", "nol", "str"), "$-1\r\n"},
		{"emptied source deleted", resp("LMOVE", "src", "dst", "LEFT", "LEFT"), "$1\r\nc\r\n"},
		{"last one", resp("LMOVE", "src", "dst", "LEFT", "LEFT"), "$1\r\nb\r\n"},
		{"source gone", resp("EXISTS", "src"), ":0\r\n"},
		{"lmpop skips missing keys", resp("LMPOP", "3", "nol", "dst", "str", "RIGHT", "COUNT", "3"),
			"*2\r\n$3\r\ndst\r\n*3\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\nc\r\n"},
		{"lmpop default count", resp("LMPOP", "1", "dst", "LEFT"), "*2\r\n$3\r\ndst\r\n*1\r\n$1\r\nb\r\n"},
		{"lmpop emptied", resp("EXISTS", "dst"), ":0\r\n"},
		{"lmpop nothing", resp("LMPOP", "2", "nol", "dst", "LEFT"), "*-1\r\n"},
		{"lmpop first existing key decides", resp("LMPOP", "2", "str", "nol", "LEFT"), wrongType},
		{"lmpop numkeys", resp("LMPOP", "0", "l", "LEFT"), "-ERR numkeys should be greater than 0\r\n"},
		{"lmpop numkeys past the arguments", resp("LMPOP", "9223372036854775807", "l", "LEFT"), "-ERR syntax error\r\n"},
		{"lmpop count", resp("LMPOP", "1", "l", "LEFT", "COUNT", "0"), "-ERR count should be greater than 0\r\n"},
		{"lmpop count twice", resp("LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1"), "-ERR syntax error\r\n"},
		{"arity lmove", resp("LMOVE", "a", "b", "LEFT"), wrongArgs("lmove")},
		{"arity rpoplpush", resp("RPOPLPUSH", "a"), wrongArgs("rpoplpush")},
		{"arity lmpop", resp("LMPOP", "1", "a"), wrongArgs("lmpop")},
	})
	r := dial(t, s)
	r.send(resp("HELLO", "3"))
	drainHello(t, r)
	runExchanges(t, r, []exchange{
		{"resp3 lmove nil", resp("LMOVE", "nol", "x", "LEFT", "LEFT"), "_\r\n"},
		{"resp3 lmpop nil", resp("LMPOP", "1", "nol", "LEFT"), "_\r\n"},
	})
}

func TestListsAreMiniValues(t *testing.T) {
	s := startServer(t, miniConfig())
	r := dial(t, s)
	runExchanges(t, r, []exchange{
		{"inferred list", resp("SET", "c", "a,b,c"), "+OK\r\n"},
		{"lrange of inferred list", resp("LRANGE", "c", "0", "-1"), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{"lpush on it", resp("LPUSH", "c", "z"), ":4\r\n"},
		{"get renders the new list", resp("GET", "c"), "$7\r\nz,a,b,c\r\n"},
		{"push keeps the default ttl", resp("TTL", "c"), ":60\r\n"},
		{"new list has no ttl", resp("RPUSH", "fresh", "x"), ":1\r\n"},
		{"no ttl", resp("TTL", "fresh"), ":-1\r\n"},
		{"inferred hash is no list", resp("SET", "h", "a:1,b:2"), "+OK\r\n"},
		{"wrongtype", resp("LLEN", "h"), wrongType},
	})
	// nc users get plain lines.
	runExchanges(t, r, []exchange{
		{"inline lrange", "LRANGE c 0 1\r\n", "z\r\na\r\n"},
		{"inline empty", "LRANGE nope 0 -1\r\n", "(empty)\r\n"},
		{"inline llen", "LLEN c\r\n", "4\r\n"},
		{"inline lpop", "LPOP nope\r\n", "Nil\r\n"},
		{"inline lmove", "LMOVE c d RIGHT LEFT\r\n", "c\r\n"},
		{"inline lmpop", "LMPOP 1 d LEFT\r\n", "d\r\nc\r\n"},
		{"inline lmpop nil", "LMPOP 1 d LEFT\r\n", "Nil\r\n"},
	})
}

func TestListAllocations(t *testing.T) {
	s, err := New(redisConfig())
	require.NoError(t, err)
	c := newTestClient(s)
	c.exec([][]byte{[]byte("RPUSH"), []byte("l"), []byte("a"), []byte("b"), []byte("c")})
	for _, args := range [][]string{
		{"LLEN", "l"}, {"LRANGE", "l", "0", "-1"}, {"LINDEX", "l", "1"}, {"LPOS", "l", "c"},
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
		}), args[0])
	}
	// A push copies the element once; the pop hands that copy back.
	push := [][]byte{[]byte("LPUSH"), []byte("l"), []byte("x")}
	pop := [][]byte{[]byte("LPOP"), []byte("l")}
	assert.Equal(t, 1.0, testing.AllocsPerRun(500, func() {
		c.exec(push)
		c.exec(pop)
		_ = c.w.Flush()
	}), "LPUSH+LPOP")
	// Moving an element hands over the bytes: rotating a list or moving
	// between two existing lists allocates nothing.
	if raceEnabled {
		t.Skip("multi-key allocation counts do not hold under -race (sync.Pool drops at random)")
	}
	c.exec(bargs("RPUSH", "m", "x"))
	for _, args := range [][]string{{"LMOVE", "l", "l", "LEFT", "RIGHT"}, {"RPOPLPUSH", "l", "m"}, {"RPOPLPUSH", "m", "l"}} {
		argv := bargs(args...)
		assert.Zero(t, testing.AllocsPerRun(500, func() {
			c.exec(argv)
			_ = c.w.Flush()
		}), args)
	}
}
