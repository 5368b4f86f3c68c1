package server

import (
	"time"

	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// notifyScript is run command by command with every notification class on;
// after each, the listener's messages up to a sync message are compared.
var notifyScript = [][]string{
	{"SET", "s", "1"}, {"SET", "s", "2", "EX", "100"}, {"SET", "s", "3", "NX"}, {"SETNX", "s2", "x"}, {"SETNX", "s2", "y"},
	{"GETSET", "s2", "z"}, {"GETDEL", "s2"}, {"GETDEL", "s2"}, {"MSET", "a", "1", "b", "2"}, {"MSETNX", "a", "1", "c", "3"},
	{"MSETNX", "c", "1", "d", "2"}, {"INCR", "a"}, {"DECRBY", "a", "5"}, {"INCRBYFLOAT", "a", "1.5"}, {"INCR", "s"},
	{"APPEND", "b", "x"}, {"APPEND", "new", "y"}, {"SETRANGE", "b", "1", "zz"}, {"SETEX", "e", "100", "v"}, {"PSETEX", "e", "100000", "v"},
	{"DEL", "a", "nosuch", "b"}, {"UNLINK", "c"}, {"EXPIRE", "d", "100"}, {"PEXPIRE", "d", "100000"}, {"EXPIRE", "nosuch", "1"},
	{"PERSIST", "d"}, {"PERSIST", "d"}, {"EXPIRE", "d", "0"}, {"GETEX", "e", "PERSIST"}, {"GETEX", "e", "EX", "50"},
	{"GETEX", "e"}, {"RENAME", "e", "f"}, {"RENAMENX", "f", "g"}, {"RENAME", "g", "g"}, {"MOVE", "g", "1"},
	{"LPUSH", "l", "a", "b"}, {"RPUSH", "l", "c"}, {"LPUSHX", "l", "d"}, {"RPUSHX", "nol", "d"}, {"LPOP", "l"}, {"RPOP", "l", "1"},
	{"LSET", "l", "0", "x"}, {"LINSERT", "l", "BEFORE", "x", "w"}, {"LINSERT", "l", "BEFORE", "nope", "w"}, {"LREM", "l", "0", "nope"},
	{"LREM", "l", "1", "w"}, {"LMOVE", "l", "l2", "LEFT", "RIGHT"}, {"LTRIM", "l2", "0", "-1"}, {"LTRIM", "l2", "1", "0"},
	{"RPUSH", "l", "1", "2", "3"}, {"LMPOP", "1", "l", "RIGHT", "COUNT", "5"}, {"RPUSH", "l", "1"}, {"BLPOP", "l", "0"},
	{"HSET", "h", "f", "1", "g", "2"}, {"HSETNX", "h", "f", "x"}, {"HSETNX", "h", "n", "x"}, {"HINCRBY", "h", "f", "2"},
	{"HINCRBYFLOAT", "h", "f", "0.5"}, {"HDEL", "h", "nope"}, {"HDEL", "h", "f", "g", "n"},
	{"SADD", "st", "a", "b", "c"}, {"SADD", "st", "a"}, {"SREM", "st", "a", "z"}, {"SMOVE", "st", "st2", "b"}, {"SPOP", "st"},
	{"ZADD", "z", "1", "a", "2", "b", "3", "c"}, {"ZADD", "z", "NX", "1", "a"}, {"ZADD", "z", "INCR", "1", "a"}, {"ZINCRBY", "z", "1", "b"},
	{"ZREM", "z", "nope"}, {"ZREM", "z", "a"}, {"ZPOPMIN", "z"}, {"ZPOPMAX", "z", "5"}, {"ZADD", "z", "1", "a", "2", "b"},
	{"ZMPOP", "1", "z", "MIN"}, {"BZPOPMAX", "z", "0"},
	{"FLUSHDB"},
}

func TestDiffNotify(t *testing.T) {
	miniAddr, redisAddr := startDiff(t)
	cmd := redistest.NewPair(t, miniAddr, redisAddr)
	cmd.Compare(false, "FLUSHALL")
	cmd.Compare(false, "CONFIG", "SET", "notify-keyspace-events", "KEA")
	cmd.Compare(false, "CONFIG", "GET", "notify-keyspace-events")
	defer cmd.Compare(false, "CONFIG", "SET", "notify-keyspace-events", "")

	listen := redistest.NewPair(t, miniAddr, redisAddr)
	for _, c := range []*redistest.Conn{listen.Redis, listen.Mini} {
		require.NoError(t, c.Send("PSUBSCRIBE", "__key*__:*"))
		_, err := c.Read()
		require.NoError(t, err)
		r, err := c.Do("SUBSCRIBE", "sync")
		require.NoError(t, err)
		require.Equal(t, int64(2), r.Elems[2].Int)
	}
	// drain reads one server's notifications up to the sync message.
	drain := func(c *redistest.Conn) []string {
		var got []string
		for {
			r, err := c.Read()
			require.NoError(t, err)
			if len(r.Elems) == 3 && r.Elems[1].Str == "sync" {
				return got
			}
			got = append(got, r.String())
		}
	}
	for _, args := range notifyScript {
		cmd.Compare(false, args...)
		cmd.Compare(false, "PUBLISH", "sync", "")
		assert.Equal(t, drain(listen.Redis), drain(listen.Mini), "%q", args)
	}

	// A key that expires: Redis reports it when a read finds it expired,
	// miniredis when the expiry cycle deletes it (reads leave the delete
	// to it), so each listener reads until the expired event.
	cmd.Compare(false, "SET", "gone", "v", "PX", "1")
	for _, c := range []*redistest.Conn{cmd.Redis, cmd.Mini} {
		require.Eventually(t, func() bool {
			r, err := c.Do("EXISTS", "gone")
			return err == nil && r.Int == 0
		}, 5*time.Second, time.Millisecond)
	}
	upToExpired := func(c *redistest.Conn) []string {
		var got []string
		for len(got) == 0 || got[len(got)-1] != `*[$"pmessage" $"__key*__:*" $"__keyevent@0__:expired" $"gone"]` {
			r, err := c.Read()
			require.NoError(t, err)
			got = append(got, r.String())
		}
		return got
	}
	assert.Equal(t, upToExpired(listen.Redis), upToExpired(listen.Mini), "expired")
}

func TestNotifyConfig(t *testing.T) {
	for _, tt := range []struct{ in, out string }{
		{"", ""}, {"KEA", "AKE"}, {"Kx", "xK"}, {"Ex", "xE"}, {"Kg$lshzxetmd", "AKm"}, {"K$lshzxetdn", "$lshzxetdnK"},
		{"AEn", "AE"}, {"E", "E"}, {"KEdtexzhsl$gmn", "AKEm"},
	} {
		f, ok := parseNotify(tt.in)
		require.True(t, ok, tt.in)
		assert.Equal(t, tt.out, formatNotify(f), tt.in)
	}
	_, ok := parseNotify("Q")
	assert.False(t, ok)
}
