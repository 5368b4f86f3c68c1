package server

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSetCommands(t *testing.T) {
	s := startServer(t, redisConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"sadd", resp("SADD", "s", "a", "b", "a"), ":2\r\n"},
		{"sadd again", resp("SADD", "s", "b", "c"), ":1\r\n"},
		{"scard", resp("SCARD", "s"), ":3\r\n"},
		{"sismember", resp("SISMEMBER", "s", "c"), ":1\r\n"},
		{"sismember no", resp("SISMEMBER", "s", "z"), ":0\r\n"},
		{"srem", resp("SREM", "s", "a", "z"), ":1\r\n"},
		{"srem missing key", resp("SREM", "nos", "a"), ":0\r\n"},
		{"smembers missing", resp("SMEMBERS", "nos"), "*0\r\n"},
		{"spop missing", resp("SPOP", "nos"), "$-1\r\n"},
		{"spop missing count", resp("SPOP", "nos", "2"), "*0\r\n"},
		{"spop negative", resp("SPOP", "s", "-1"), "-ERR value is out of range, must be positive\r\n"},
		{"spop not integer", resp("SPOP", "s", "x"), "-ERR value is out of range, must be positive\r\n"},
		{"spop too many args", resp("SPOP", "s", "1", "2"), "-ERR syntax error\r\n"},
		{"srandmember missing", resp("SRANDMEMBER", "nos"), "$-1\r\n"},
		{"srandmember missing count", resp("SRANDMEMBER", "nos", "3"), "*0\r\n"},
		{"srandmember 0", resp("SRANDMEMBER", "s", "0"), "*0\r\n"},
		{"srandmember min", resp("SRANDMEMBER", "s", "-9223372036854775808"), "-" + msgRandCountRange + "\r\n"},
		{"single member", resp("SREM", "s", "b"), ":1\r\n"},
		{"srandmember repeats", resp("SRANDMEMBER", "s", "-3"), "*3\r\n$1\r\nc\r\n$1\r\nc\r\n$1\r\nc\r\n"},
		{"srandmember whole", resp("SRANDMEMBER", "s", "5"), "*1\r\n$1\r\nc\r\n"},
		{"smembers", resp("SMEMBERS", "s"), "*1\r\n$1\r\nc\r\n"},
		{"spop last", resp("SPOP", "s"), "$1\r\nc\r\n"},
		{"deleted when empty", resp("EXISTS", "s"), ":0\r\n"},
		{"type", resp("SADD", "t", "x"), ":1\r\n"},
		{"type set", resp("TYPE", "t"), "+set\r\n"},
		{"wrongtype", resp("SET", "str", "v"), "+OK\r\n"},
		{"wrongtype sadd", resp("SADD", "str", "a"), wrongType},
		{"wrongtype smembers", resp("SMEMBERS", "str"), wrongType},
		{"wrongtype spop", resp("SPOP", "str"), wrongType},
		{"wrongtype get of set", resp("GET", "t"), wrongType},
		{"arity sadd", resp("SADD", "s"), wrongArgs("sadd")},
		{"arity sismember", resp("SISMEMBER", "s"), wrongArgs("sismember")},
	})
}

func TestSMove(t *testing.T) {
	s := startServer(t, redisConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"fill", resp("SADD", "s", "a", "b"), ":2\r\n"},
		{"fill destination", resp("SADD", "t", "b"), ":1\r\n"},
		{"move", resp("SMOVE", "s", "t", "a"), ":1\r\n"},
		{"moved", resp("SISMEMBER", "t", "a"), ":1\r\n"},
		{"not a member", resp("SMOVE", "s", "t", "a"), ":0\r\n"},
		{"already in the destination still moves", resp("SMOVE", "s", "t", "b"), ":1\r\n"},
		{"emptied source deleted", resp("EXISTS", "s"), ":0\r\n"},
		{"to a new set", resp("SMOVE", "t", "u", "a"), ":1\r\n"},
		{"new set", resp("SMEMBERS", "u"), "*1\r\n$1\r\na\r\n"},
		{"same set, member", resp("SMOVE", "u", "u", "a"), ":1\r\n"},
		{"same set, not a member", resp("SMOVE", "u", "u", "z"), ":0\r\n"},
		{"string", resp("SET", "str", "v"), "+OK\r\n"},
		{"missing source beats wrongtype destination", resp("SMOVE", "nos", "str", "a"), ":0\r\n"},
		{"wrongtype source", resp("SMOVE", "str", "u", "a"), wrongType},
		{"wrongtype destination", resp("SMOVE", "u", "str", "a"), wrongType},
		{"wrongtype even for a non-member", resp("SMOVE", "u", "str", "zz"), wrongType},
		{"nothing moved", resp("SCARD", "u"), ":1\r\n"},
		{"arity", resp("SMOVE", "u", "t"), wrongArgs("smove")},
	})
}

func TestSetRESP3AndMini(t *testing.T) {
	s := startServer(t, miniConfig())
	c := dial(t, s)
	c.send(resp("HELLO", "3"))
	drainHello(t, c)
	runExchanges(t, c, []exchange{
		{"sadd", resp("SADD", "s", "a"), ":1\r\n"},
		{"smembers is a set", resp("SMEMBERS", "s"), "~1\r\n$1\r\na\r\n"},
		{"smembers missing", resp("SMEMBERS", "nos"), "~0\r\n"},
		{"spop count is a set", resp("SPOP", "s", "3"), "~1\r\n$1\r\na\r\n"},
		{"srandmember is an array", resp("SADD", "s", "b"), ":1\r\n"},
		{"srandmember array", resp("SRANDMEMBER", "s", "2"), "*1\r\n$1\r\nb\r\n"},
		{"get renders a set in mini mode", resp("GET", "s"), "$1\r\nb\r\n"},
		{"sadd on an inferred list", resp("SET", "l", "a,b"), "+OK\r\n"},
		{"wrongtype", resp("SADD", "l", "x"), wrongType},
	})
	runExchanges(t, c, []exchange{
		{"inline type", "TYPE s\r\n", "Set\r\n"},
		{"inline smembers", "SMEMBERS s\r\n", "b\r\n"},
	})
}

func TestSetRandomnessCoversMembers(t *testing.T) {
	s := startServer(t, redisConfig())
	r := dial(t, s)
	runExchanges(t, r, []exchange{{"sadd", resp("SADD", "s", "a", "b", "c"), ":3\r\n"}})
	seen := map[string]bool{}
	for range 200 {
		got := r.do(resp("SRANDMEMBER", "s"), "$1\r\na\r\n")
		seen[got] = true
	}
	assert.Len(t, seen, 3, "200 draws from 3 members meet all of them")
}

// captureConn is a nopConn whose writes are kept.
type captureConn struct {
	nopConn
	out *bytes.Buffer
}

func (c captureConn) Write(b []byte) (int, error) { return c.out.Write(b) }

// TestRandomRepeatBounded: a reply of random picks with repetition has the
// length Redis gives it (|count| elements) while it fits the bound, and
// past it the reply is dropped and the client closed, before more than the
// bound was ever buffered; earlier pipelined replies are still delivered.
// Counts too large to fit even with the shortest elements are refused
// before any work.
func TestRandomRepeatBounded(t *testing.T) {
	const limit = 1 << 10
	cfg := redisConfig()
	cfg.OutputBufferLimit = limit
	cfg.ProtoMaxBulkLen = limit
	elem, pair := "$1\r\na\r\n", "$1\r\nf\r\n$1\r\nv\r\n"
	tests := []struct {
		name string
		cmd  []string
		want string // "" when the client is closed instead
	}{
		{"srandmember fits", c("SRANDMEMBER", "s", "-100"), "*100\r\n" + strings.Repeat(elem, 100)},
		{"hrandfield values fit", c("HRANDFIELD", "h", "-50", "WITHVALUES"), "*100\r\n" + strings.Repeat(pair, 50)},
		{"hrandfield one", c("HRANDFIELD", "h", "1", "WITHVALUES"), "*2\r\n" + pair},
		{"srandmember past the bound", c("SRANDMEMBER", "s", "-1000"), ""},
		{"hrandfield past the bound", c("HRANDFIELD", "h", "-1000"), ""},
		{"hrandfield values past the bound", c("HRANDFIELD", "h", "-100", "WITHVALUES"), ""},
		{"srandmember max", c("SRANDMEMBER", "s", "-9223372036854775807"), ""},
		{"hrandfield values max", c("HRANDFIELD", "h", "-4611686018427387903", "WITHVALUES"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(cfg)
			require.NoError(t, err)
			var out bytes.Buffer
			cl := newClient(s, captureConn{out: &out})
			defer cl.w.Release()
			const setup = ":1\r\n:1\r\n+PONG\r\n"
			cl.exec(bargs("SADD", "s", "a"))
			cl.exec(bargs("HSET", "h", "f", "v"))
			cl.exec(bargs("PING"))
			before := cl.w.Buffered()
			cl.exec(bargs(tt.cmd...))
			assert.LessOrEqual(t, cl.w.Buffered()-before, limit+len(pair), "never more than the bound and one element")
			require.NoError(t, cl.w.Flush())
			if tt.want != "" {
				assert.False(t, cl.quit)
				assert.Equal(t, setup+tt.want, out.String())
				return
			}
			assert.True(t, cl.quit, "the client is closed")
			if assert.Equal(t, len(setup), out.Len(), "the abandoned reply is dropped, earlier replies kept") {
				assert.Equal(t, setup, out.String())
			}
			assert.Equal(t, int64(1), s.stats.outputLimit.Load(), "counted")
		})
	}
}

// TestRandomRepeatClosesConnection: over a socket, on either network layer,
// a random reply past its bound closes the connection after the replies
// pipelined before it.
func TestRandomRepeatClosesConnection(t *testing.T) {
	cfg := redisConfig()
	cfg.OutputBufferLimit = 1 << 10
	cfg.ProtoMaxBulkLen = 1 << 10
	s := startServer(t, cfg)
	r := dial(t, s)
	runExchanges(t, r, []exchange{{"sadd", resp("SADD", "s", "a"), ":1\r\n"}})
	r.send(resp("PING") + resp("SRANDMEMBER", "s", "-100000") + resp("PING"))
	assert.Equal(t, "+PONG\r\n", r.read(len("+PONG\r\n")))
	assert.True(t, r.closed(), "closed with nothing more sent")
}
