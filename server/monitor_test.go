package server

import (
	"bufio"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMonitor checks MONITOR's lines for other clients' commands, in
// Redis's format, and that admin commands and passwords stay out.
func TestMonitor(t *testing.T) {
	cfg := redisConfig()
	cfg.RequirePass = "pw"
	s := startServer(t, cfg)
	mon := dial(t, s)
	expect(t, mon, resp("AUTH", "pw"), "+OK\r\n")
	expect(t, mon, resp("MONITOR"), "+OK\r\n")
	r := dial(t, s)
	expect(t, r, resp("AUTH", "pw"), "+OK\r\n")
	expect(t, r, resp("SET", "k", "a \"b\"\n\x01"), "+OK\r\n")
	expect(t, r, resp("CONFIG", "GET", "hz"), "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n")
	expect(t, r, resp("SELECT", "2"), "+OK\r\n")
	expect(t, r, resp("GET", "k"), "$-1\r\n")

	require.NoError(t, mon.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	want := []string{
		`"AUTH" "(redacted)"`,
		`"SET" "k" "a \"b\"\n\x01"`,
		`"SELECT" "2"`,
		`"GET" "k"`,
	}
	line := regexp.MustCompile(`^\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\] (.*)\r\n$`)
	for i, w := range want {
		l, err := mon.rd.ReadString('\n')
		require.NoError(t, err)
		m := line.FindStringSubmatch(l)
		require.NotNil(t, m, "%q", l)
		assert.Equal(t, w, m[2])
		db := "0"
		if i >= 2 { // after SELECT, as Redis shows it
			db = "2"
		}
		assert.Equal(t, db, m[1], "the database the command ran in")
	}
}

// TestMonitorSlowReaderClosed checks that a monitor that never reads is
// closed once its pending lines pass the output buffer limit, and that
// the clients it watches are not held up.
func TestMonitorSlowReaderClosed(t *testing.T) {
	cfg := redisConfig()
	cfg.OutputBufferLimit = 64 << 10
	s := startServer(t, cfg)
	mon, err := net.Dial("tcp", s.Addr().String())
	require.NoError(t, err)
	defer mon.Close()
	_, err = mon.Write([]byte(resp("MONITOR")))
	require.NoError(t, err)
	rd := bufio.NewReader(mon)
	require.NoError(t, mon.SetReadDeadline(time.Now().Add(5*time.Second)))
	ok, err := rd.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "+OK\r\n", ok)

	// Each SET's line is about 4 KiB; the monitor reads nothing while
	// 100 MiB of lines are produced, far past what the socket buffers hold.
	r := dial(t, s)
	val := strings.Repeat("v", 4<<10)
	pipe := strings.Repeat(resp("SET", "k", val), 100)
	want := strings.Repeat("+OK\r\n", 100)
	closed := false
	for range 256 {
		expect(t, r, pipe, want)
		s.monitors.mu.Lock()
		closed = len(s.monitors.m) == 0
		for m := range s.monitors.m {
			m.mu.Lock()
			closed = m.closed
			m.mu.Unlock()
		}
		s.monitors.mu.Unlock()
		if closed {
			break
		}
	}
	assert.True(t, closed, "the monitor that does not read is closed")
}
