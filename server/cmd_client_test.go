package server

import (
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDiffClientAdmin compares the argument checks of CLIENT KILL, PAUSE,
// UNPAUSE, NO-EVICT and REPLY with redis-server's.
func TestDiffClientAdmin(t *testing.T) {
	miniAddr, redisAddr := startDiff(t)
	p := redistest.NewPair(t, miniAddr, redisAddr)
	for _, args := range [][]string{
		{"CLIENT", "KILL"}, {"CLIENT", "KILL", "1.2.3.4:5"}, {"CLIENT", "KILL", "ADDR"}, {"CLIENT", "KILL", "ID", "99999"},
		{"CLIENT", "KILL", "ID", "x"}, {"CLIENT", "KILL", "ID", "0"}, {"CLIENT", "KILL", "ID", "-1"},
		{"CLIENT", "KILL", "TYPE", "foo"}, {"CLIENT", "KILL", "TYPE", "pubsub"}, {"CLIENT", "KILL", "TYPE", "master"},
		{"CLIENT", "KILL", "SKIPME", "maybe"}, {"CLIENT", "KILL", "USER", "nobody"}, {"CLIENT", "KILL", "USER", "default", "SKIPME", "yes"},
		{"CLIENT", "KILL", "foo", "bar"}, {"CLIENT", "KILL", "ID", "1", "ADDR"}, {"CLIENT", "KILL", "MAXAGE", "10"},
		{"CLIENT", "KILL", "ADDR", "1.2.3.4:5", "LADDR", "1.2.3.4:6"},
		{"CLIENT", "PAUSE"}, {"CLIENT", "PAUSE", "x"}, {"CLIENT", "PAUSE", "10", "FOO"}, {"CLIENT", "PAUSE", "-1"},
		{"CLIENT", "PAUSE", "0", "WRITE"}, {"CLIENT", "PAUSE", "0"}, {"CLIENT", "PAUSE", "0", "all"}, {"CLIENT", "PAUSE", "1", "2", "3"},
		{"CLIENT", "UNPAUSE", "x"}, {"CLIENT", "UNPAUSE"},
		{"CLIENT", "NO-EVICT"}, {"CLIENT", "NO-EVICT", "maybe"}, {"CLIENT", "NO-EVICT", "on"}, {"CLIENT", "NO-EVICT", "OFF"},
		{"CLIENT", "REPLY", "foo"}, {"CLIENT", "REPLY", "on", "x"}, {"CLIENT", "REPLY"}, {"CLIENT", "REPLY", "ON"},
	} {
		p.Compare(false, args...)
	}
}

// TestClientReply: OFF drops replies until ON, SKIP drops the next one.
func TestClientReply(t *testing.T) {
	s := startServer(t, redisConfig())
	r := dial(t, s)
	r.send(resp("CLIENT", "REPLY", "OFF") + resp("SET", "k", "v") + resp("GET", "k") + resp("NOSUCH") +
		resp("CLIENT", "REPLY", "ON") + resp("GET", "k") +
		resp("CLIENT", "REPLY", "SKIP") + resp("GET", "k") + resp("ECHO", "back"))
	want := "+OK\r\n$1\r\nv\r\n$4\r\nback\r\n"
	assert.Equal(t, want, r.read(len(want)))
}

// TestClientKill closes clients by ID, address, type and, with SKIPME no,
// itself after its reply.
func TestClientKill(t *testing.T) {
	s := startServer(t, redisConfig())
	admin := redistest.Dial(t, s.Addr().String())
	victim := func() (net.Conn, int64) {
		conn, err := net.Dial("tcp", s.Addr().String())
		require.NoError(t, err)
		t.Cleanup(func() { conn.Close() })
		_, err = conn.Write([]byte(resp("CLIENT", "ID")))
		require.NoError(t, err)
		buf := make([]byte, 64)
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
		n, err := conn.Read(buf)
		require.NoError(t, err)
		id, err := strconv.ParseInt(string(buf[1:n-2]), 10, 64)
		require.NoError(t, err)
		return conn, id
	}
	gone := func(conn net.Conn) bool {
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, err := io.Copy(io.Discard, conn) // what was sent before, then EOF
		return err == nil || strings.Contains(err.Error(), "reset")
	}

	conn, id := victim()
	r, err := admin.Do("CLIENT", "KILL", "ID", strconv.FormatInt(id, 10))
	require.NoError(t, err)
	assert.Equal(t, int64(1), r.Int)
	assert.True(t, gone(conn))

	conn, _ = victim()
	r, err = admin.Do("CLIENT", "KILL", conn.LocalAddr().String())
	require.NoError(t, err)
	assert.Equal(t, "OK", r.Str, "the old form")
	assert.True(t, gone(conn))

	conn, _ = victim()
	_, err = conn.Write([]byte(resp("SUBSCRIBE", "c")))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return s.hub.Count(0, []byte("c")) == 1 }, 5*time.Second, time.Millisecond)
	r, err = admin.Do("CLIENT", "KILL", "TYPE", "pubsub")
	require.NoError(t, err)
	assert.Equal(t, int64(1), r.Int)
	assert.True(t, gone(conn))

	raw := dial(t, s)
	raw.send(resp("CLIENT", "KILL", "USER", "default", "SKIPME", "no"))
	require.NoError(t, raw.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	line, err := raw.rd.ReadString('\n')
	require.NoError(t, err)
	assert.Regexp(t, `^:[1-9][0-9]*\r\n$`, line, "it answers, counting itself")
	assert.True(t, raw.closed())
}

// TestClientPauseWrite: during CLIENT PAUSE WRITE reads run and writes
// wait until UNPAUSE.
func TestClientPauseWrite(t *testing.T) {
	s := startServer(t, redisConfig())
	admin := redistest.Dial(t, s.Addr().String())
	r, err := admin.Do("CLIENT", "PAUSE", "100000", "WRITE")
	require.NoError(t, err)
	require.Equal(t, "OK", r.Str)

	c := redistest.Dial(t, s.Addr().String())
	r, err = c.Do("GET", "k")
	require.NoError(t, err)
	assert.Equal(t, redistest.Null, r.Kind, "reads are not paused")
	require.NoError(t, c.Send("SET", "k", "v"))
	r, err = admin.Do("GET", "k")
	require.NoError(t, err)
	assert.Equal(t, redistest.Null, r.Kind, "the write waits")

	r, err = admin.Do("CLIENT", "UNPAUSE")
	require.NoError(t, err)
	require.Equal(t, "OK", r.Str)
	r, err = c.Read()
	require.NoError(t, err)
	assert.Equal(t, "OK", r.Str)
	r, err = admin.Do("GET", "k")
	require.NoError(t, err)
	assert.Equal(t, "v", r.Str)
}

// TestSwapDBWakesBlocked: a client blocked on a key in database 0 is
// served when SWAPDB brings in a database holding a list there.
func TestSwapDBWakesBlocked(t *testing.T) {
	s := startServer(t, redisConfig())
	waiter := redistest.Dial(t, s.Addr().String())
	require.NoError(t, waiter.Send("BLPOP", "q", "0"))
	require.Eventually(t, func() bool { return s.blocks.clients.Load() == 1 }, 5*time.Second, time.Millisecond)

	c := redistest.Dial(t, s.Addr().String())
	for _, args := range [][]string{{"SELECT", "1"}, {"RPUSH", "q", "job"}, {"SWAPDB", "0", "1"}} {
		_, err := c.Do(args...)
		require.NoError(t, err)
	}
	r, err := waiter.Read()
	require.NoError(t, err)
	assert.Equal(t, `*[$"q" $"job"]`, r.String())
}
