package server

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Replies and stored bytes checked against redis-server 7.0.15.
func TestHLLCommands(t *testing.T) {
	s := startServer(t, redisConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"pfadd/create", resp("PFADD", "h"), ":1\r\n"},
		{"pfadd/empty sketch bytes", resp("GET", "h"), "$18\r\nHYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff\r\n"},
		{"pfadd/nothing new", resp("PFADD", "h"), ":0\r\n"},
		{"pfadd", resp("PFADD", "h", "a", "b", "c"), ":1\r\n"},
		{"pfadd/again", resp("PFADD", "h", "a"), ":0\r\n"},
		{"pfcount", resp("PFCOUNT", "h"), ":3\r\n"},
		{"pfcount/cached in the value", resp("GET", "h"), "$27\r\nHYLL\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00`\xf3\x80P\xb1\x84K\xfb\x80BZ\r\n"},
		{"pfadd h2", resp("PFADD", "h2", "c", "d"), ":1\r\n"},
		{"pfcount/union", resp("PFCOUNT", "h", "h2", "nope"), ":4\r\n"},
		{"pfmerge", resp("PFMERGE", "m", "h", "h2"), "+OK\r\n"},
		{"pfcount/merged", resp("PFCOUNT", "m"), ":4\r\n"},
		{"pfcount/missing", resp("PFCOUNT", "nope"), ":0\r\n"},
		{"set", resp("SET", "s", "not a sketch"), "+OK\r\n"},
		{"pfadd/not hll", resp("PFADD", "s", "a"), "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n"},
		{"pfcount/not hll", resp("PFCOUNT", "h", "s"), "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n"},
		{"pfmerge/not hll", resp("PFMERGE", "m", "s"), "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n"},
		{"rpush", resp("RPUSH", "l", "a"), ":1\r\n"},
		{"pfcount/wrongtype", resp("PFCOUNT", "l"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{"corrupt", resp("SET", "c", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f"), "+OK\r\n"},
		{"pfcount/corrupt", resp("PFCOUNT", "c"), "-INVALIDOBJ Corrupted HLL object detected\r\n"},
		{"pfmerge/corrupt", resp("PFMERGE", "m", "c"), "-INVALIDOBJ Corrupted HLL object detected\r\n"},
		{"pfadd/arity", resp("PFADD"), "-ERR wrong number of arguments for 'pfadd' command\r\n"},
	})
}

// TestHLLPromotesToDense adds distinct elements until the sketch passes
// hll-sparse-max-bytes: it turns dense (12304 bytes) and keeps counting.
func TestHLLPromotesToDense(t *testing.T) {
	s, err := New(redisConfig())
	require.NoError(t, err)
	c := newTestClient(s)
	for i := range 3000 {
		c.exec(bargs("PFADD", "h", "e"+itoa(i)))
	}
	c.w.Reset()
	c.exec(bargs("STRLEN", "h"))
	assert.Equal(t, ":12304\r\n", string(c.w.Pending()))
	c.w.Reset()
	c.exec(bargs("PFCOUNT", "h"))
	assert.Equal(t, ":2979\r\n", string(c.w.Pending()), "redis-server 7.0.15 answers 2979")
	c.w.Reset()
	// A dense sketch is edited in place: PFADD allocates nothing then.
	if raceEnabled {
		return
	}
	argv := bargs("PFADD", "h", "more")
	assert.Zero(t, testing.AllocsPerRun(200, func() {
		c.exec(argv)
		c.w.Reset()
	}))
}
