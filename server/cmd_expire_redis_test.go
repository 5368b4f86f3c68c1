package server

import (
	"bufio"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startRedisForExpire starts a redis-server of its own on a free loopback
// port for the test's lifetime, or skips the test when there is none.
func startRedisForExpire(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed: skipping the comparison with real Redis")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, ln.Close())
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := "127.0.0.1:" + port
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr
		}
		require.True(t, time.Now().Before(deadline), "redis-server did not start: %v", err)
		time.Sleep(10 * time.Millisecond)
	}
}

// readReply reads one RESP2 reply and returns its bytes.
func readReply(rd *bufio.Reader) (string, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return line, err
	}
	switch line[0] {
	case '$':
		n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		if n < 0 {
			return line, nil
		}
		buf := make([]byte, n+2)
		_, err := io.ReadFull(rd, buf)
		return line + string(buf), err
	case '*':
		n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		for range max(n, 0) {
			el, err := readReply(rd)
			line += el
			if err != nil {
				return line, err
			}
		}
	}
	return line, nil
}

// TestExpireMatchesRedis sends the same commands to miniredis (redis mode)
// and to a real redis-server and demands identical reply bytes. Deadlines
// are absolute and far away, or relative with whole-second replies, so the
// few milliseconds between the two servers cannot change an answer.
func TestExpireMatchesRedis(t *testing.T) {
	addr := startRedisForExpire(t)
	s := startServer(t, redisConfig())
	script := [][]string{
		{"FLUSHALL"},
		{"EXPIRE", "nope", "10"},
		{"SET", "k", "v"},
		{"EXPIRE", "k", "100"}, {"TTL", "k"},
		{"EXPIREAT", "k", "4000000000"}, {"EXPIRETIME", "k"}, {"PEXPIRETIME", "k"},
		{"PEXPIREAT", "k", "4000000000499"}, {"EXPIRETIME", "k"},
		{"PEXPIREAT", "k", "4000000000500"}, {"EXPIRETIME", "k"},
		{"PEXPIREAT", "k", "9223372036854775807"}, {"PEXPIRETIME", "k"},
		{"EXPIRE", "k", "100", "NX"}, {"EXPIRE", "k", "100", "XX"},
		{"EXPIREAT", "k", "4000000000", "GT"}, {"EXPIREAT", "k", "4000000001", "GT"}, {"EXPIREAT", "k", "4000000001", "GT"},
		{"EXPIREAT", "k", "4000000002", "LT"}, {"EXPIREAT", "k", "3000000000", "lt"}, {"EXPIRETIME", "k"},
		{"PERSIST", "k"}, {"PERSIST", "k"}, {"PERSIST", "nope"}, {"EXPIRETIME", "k"}, {"EXPIRETIME", "nope"},
		{"EXPIRE", "k", "10", "GT"}, {"EXPIRE", "k", "10", "XX"}, {"EXPIRE", "k", "10", "LT"}, {"TTL", "k"},
		{"EXPIRE", "k", "ten"}, {"EXPIRE", "k", "+1"}, {"EXPIRE", "k", ""}, {"PEXPIRE", "k", "1.5"},
		{"EXPIRE", "k", "9223372036854776"}, {"EXPIREAT", "k", "-9223372036854776"}, {"PEXPIRE", "k", "9223372036854775807"},
		{"PEXPIREAT", "k", "9223372036854775808"}, {"EXPIRE", "nope", "9223372036854776"},
		{"EXPIRE", "k", "10", "FOO"}, {"EXPIRE", "k", "10", "nx", "bar"}, {"EXPIRE", "k", "10", "a\r\nb"},
		{"EXPIRE", "k", "ten", "NX", "XX"}, {"EXPIRE", "k", "10", "NX", "GT"}, {"EXPIRE", "k", "10", "nx", "lt"},
		{"EXPIRE", "k", "10", "GT", "LT"}, {"EXPIRE", "k", "10", "GT", "LT", "NX"}, {"EXPIRE", "k", "10", "XX", "GT"},
		{"EXPIRE", "k"}, {"EXPIRETIME"}, {"PERSIST", "a", "b"}, {"PEXPIRETIME", "a", "b"},
		{"SET", "d", "1"}, {"EXPIRE", "d", "-1", "XX"}, {"EXISTS", "d"}, {"EXPIRE", "d", "-1"}, {"EXISTS", "d"},
		{"SET", "d", "1"}, {"EXPIREAT", "d", "0"}, {"EXISTS", "d"}, {"SET", "d", "1"}, {"EXPIRE", "d", "0"}, {"EXISTS", "d"},
		{"GETEX", "nope"}, {"GETEX", "nope", "EX", "0"}, {"GETEX", "nope", "EX"},
		{"GETEX", "k"}, {"GETEX", "k", "EX", "100"}, {"TTL", "k"}, {"GETEX", "k", "PX", "100000"}, {"TTL", "k"},
		{"GETEX", "k", "EXAT", "4000000000"}, {"EXPIRETIME", "k"}, {"GETEX", "k", "PXAT", "4000000001000"}, {"EXPIRETIME", "k"},
		{"GETEX", "k", "EX", "5", "EX", "6"}, {"TTL", "k"}, {"GETEX", "k", "PERSIST"}, {"TTL", "k"}, {"GETEX", "k", "PERSIST", "PERSIST"},
		{"GETEX", "k", "EX", "1", "PX", "1"}, {"GETEX", "k", "PERSIST", "EX", "1"}, {"GETEX", "k", "EX", "1", "PERSIST"},
		{"GETEX", "k", "KEEPTTL"}, {"GETEX", "k", "NX"}, {"GETEX", "k", "GET"}, {"GETEX", "k", "PX"}, {"GETEX", "k", "FOO"},
		{"GETEX", "k", "EX", "x"}, {"GETEX", "k", "EX", "0"}, {"GETEX", "k", "PXAT", "-1"}, {"GETEX", "k", "EX", "9223372036854776"},
		{"GETEX", "k", "PX", "9223372036854775807"}, {"GETEX", "k", "EXAT", "1"}, {"EXISTS", "k"}, {"GETEX"},
		{"SETEX", "k", "100", "v"}, {"TTL", "k"}, {"PSETEX", "k", "100000", "w"}, {"TTL", "k"}, {"GET", "k"},
		{"SETEX", "k", "0", "v"}, {"PSETEX", "k", "-1", "v"}, {"SETEX", "k", "1.5", "v"}, {"SETEX", "k", "9223372036854776", "v"},
		{"PSETEX", "k", "9223372036854775807", "v"}, {"SETEX", "k", "10"}, {"GET", "k"},
		{"RPUSH", "l", "a"}, {"GETEX", "l"}, {"GETEX", "l", "EX", "0"}, {"EXPIRE", "l", "100"}, {"TTL", "l"}, {"PERSIST", "l"},
	}
	ours, err := net.Dial("tcp", s.Addr().String())
	require.NoError(t, err)
	defer ours.Close()
	theirs, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer theirs.Close()
	ourRd, theirRd := bufio.NewReader(ours), bufio.NewReader(theirs)
	for _, cmd := range script {
		req := resp(cmd...)
		require.NoError(t, theirs.SetDeadline(time.Now().Add(5*time.Second)))
		_, err := theirs.Write([]byte(req))
		require.NoError(t, err)
		want, err := readReply(theirRd)
		require.NoError(t, err, "redis-server: %q", cmd)
		if cmd[0] == "RPUSH" {
			// miniredis has no list commands yet: build the list through
			// the store so the rest of the script agrees.
			l := shard.NewList()
			l.PushBack([]byte(cmd[2]))
			s.Store().Update([]byte(cmd[1]), 0, func(e *shard.Entry) { e.SetList(l, 0) })
			continue
		}
		require.NoError(t, ours.SetDeadline(time.Now().Add(5*time.Second)))
		_, err = ours.Write([]byte(req))
		require.NoError(t, err)
		got, err := readReply(ourRd)
		require.NoError(t, err, "miniredis: %q", cmd)
		assert.Equal(t, want, got, "%q", cmd)
	}
}
