package e2e

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/miniredis/miniredis/server"
	"github.com/stretchr/testify/require"
)

// startMini starts an in-process miniredis in Redis mode on a free loopback
// port, on the event loops, and shuts it down when the test ends.
func startMini(t *testing.T) string {
	t.Helper()
	s, err := server.New(server.Config{Host: "127.0.0.1", Mode: server.ModeRedis, Net: server.NetEventLoop})
	require.NoError(t, err)
	require.NoError(t, s.Listen())
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, s.Shutdown(ctx))
		require.NoError(t, <-done)
	})
	return s.Addr().String()
}

// startMinis starts n of them.
func startMinis(t *testing.T, n int) []string {
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = startMini(t)
	}
	return addrs
}

// lookPath skips the test when an outside program is missing.
func lookPath(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (%s); skipping", name, install)
	}
	return p
}

// freeAddr is a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(redistest.FreePort(t)))
}
