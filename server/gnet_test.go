package server

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loopConfig() Config {
	cfg := redisConfig()
	cfg.Net = NetEventLoop
	return cfg
}

func TestParseNet(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want NetMode
		ok   bool
	}{{"std", NetStd, true}, {"eventloop", NetEventLoop, true}, {"gnet", 0, false}, {"", 0, false}} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseNet(tc.in)
			if !tc.ok {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.in, got.String())
		})
	}
}

func TestEventLoopExchanges(t *testing.T) {
	s := startServer(t, loopConfig())
	r := dial(t, s)
	runExchanges(t, r, []exchange{
		{"ping", resp("PING"), "+PONG\r\n"},
		{"set", resp("SET", "k", "v"), "+OK\r\n"},
		{"get", resp("GET", "k"), "$1\r\nv\r\n"},
		{"pipelined", resp("SET", "a", "1") + resp("GET", "a") + resp("GET", "nope"), "+OK\r\n$1\r\n1\r\n$-1\r\n"},
		{"inline", "GET a\r\n", "$1\r\n1\r\n"},
	})
}

// A command split over many packets is assembled across OnTraffic calls.
func TestEventLoopSplitCommand(t *testing.T) {
	s := startServer(t, loopConfig())
	r := dial(t, s)
	req := resp("SET", "key", strings.Repeat("x", 100_000)) + resp("GET", "nope")
	for i := 0; i < len(req); i += 777 {
		r.send(req[i:min(i+777, len(req))])
	}
	assert.Equal(t, "+OK\r\n$-1\r\n", r.read(len("+OK\r\n$-1\r\n")))
}

func TestEventLoopProtocolErrorCloses(t *testing.T) {
	s := startServer(t, loopConfig())
	r := dial(t, s)
	want := "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n"
	assert.Equal(t, want, r.do(resp("PING")+"*1\r\n$-2\r\nab\r\n"+resp("PING"), want))
	assert.True(t, r.closed())
}

func TestEventLoopQuit(t *testing.T) {
	s := startServer(t, loopConfig())
	r := dial(t, s)
	assert.Equal(t, "+OK\r\n", r.do(resp("QUIT")+resp("PING"), "+OK\r\n"))
	assert.True(t, r.closed())
}

func TestEventLoopMaxClients(t *testing.T) {
	cfg := loopConfig()
	cfg.MaxClients = 1
	s := startServer(t, cfg)
	a := dial(t, s)
	assert.Equal(t, "+PONG\r\n", a.do(resp("PING"), "+PONG\r\n"))
	b := dial(t, s)
	want := "-" + msgMaxClients + "\r\n"
	assert.Equal(t, want, b.read(len(want)))
	assert.True(t, b.closed())
}

func TestEventLoopShutdownClosesClients(t *testing.T) {
	cfg := loopConfig()
	cfg.Host = "127.0.0.1"
	s, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, s.Listen())
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	r := dial(t, s)
	assert.Equal(t, "+PONG\r\n", r.do(resp("PING"), "+PONG\r\n"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.Shutdown(ctx))
	assert.NoError(t, <-done)
	assert.True(t, r.closed())
}

// A client that sends a batch and goes away before reading the replies
// makes our Write fail in the middle of a batch; the server must survive
// it (it once released the client's buffers under the running batch).
// A small output limit makes the replies be written in the middle of the
// batch, as 4 MiB would, for a sixteenth of the copying, which the race
// detector makes slow enough (about 100 MiB/s) to outlast the read timeout.
func TestEventLoopPeerGoneDuringWrite(t *testing.T) {
	cfg := loopConfig()
	cfg.OutputBufferLimit = 64 << 10
	s := startServer(t, cfg)
	big := strings.Repeat("x", 16<<10)
	setup := dial(t, s)
	assert.Equal(t, "+OK\r\n", setup.do(resp("SET", "big", big), "+OK\r\n"))
	var batch strings.Builder
	for range 16 {
		batch.WriteString(resp("GET", "big"))
	}
	for range 20 {
		r := dial(t, s)
		r.send(batch.String())
		require.NoError(t, r.conn.(*net.TCPConn).SetLinger(0))
		r.conn.Close()
	}
	r := dial(t, s)
	assert.Equal(t, "+PONG\r\n", r.do(resp("PING"), "+PONG\r\n"))
}
