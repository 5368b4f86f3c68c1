package main

import (
	"bufio"
	"bytes"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"compat", []string{"--compat", "valkey"}, `unknown compat mode "valkey"`},
		{"shards", []string{"--shards=3"}, "power of two"},
		{"positional", []string{"extra"}, `unexpected argument "extra"`},
		{"loglevel", []string{"--loglevel", "loud"}, "bad -loglevel"},
		{"port", []string{"--port", "70000"}, "out of range"},
		{"cluster-enabled", []string{"--cluster-enabled", "maybe"}, "argument must be 'yes' or 'no'"},
		{"cluster-node-timeout", []string{"--cluster-node-timeout", "5s"}, "milliseconds"},
		{"cluster bus port", []string{"--port", "60000", "--cluster-enabled", "yes"}, "port+10000 > 65535"},
		{"nodes.conf", []string{"--port", "7", "--cluster-enabled", "yes", "--cluster-config-file", "/nonexistent/dir/nodes.conf"}, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(tc.args)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestBinaryServesAndStopsOnSIGTERM builds the binary, starts it as the
// README does (flags in both --name value and --name=value form), uses it,
// and checks SIGTERM stops it with exit status 0.
func TestBinaryServesAndStopsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "miniredis")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)

	port := freePort(t)
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--compat=mini", "--default-ttl=30s")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill() }()

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var conn net.Conn
	require.Eventually(t, func() bool {
		conn, err = net.Dial("tcp", addr)
		return err == nil
	}, 5*time.Second, 20*time.Millisecond)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
	rd := bufio.NewReader(conn)
	_, err = conn.Write([]byte("SET k v\r\nTTL k\r\n"))
	require.NoError(t, err)
	for _, want := range []string{"OK\r\n", "30\r\n"} {
		line, err := rd.ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, want, line)
	}

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		assert.NoError(t, err, "exit status 0 after SIGTERM; stderr: %s", stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop within 10s of SIGTERM")
	}
	_, err = rd.ReadByte()
	assert.Error(t, err, "the connection is closed on shutdown")
	log := stderr.String()
	assert.Contains(t, log, "miniredis ready")
	assert.Contains(t, log, "addr="+addr)
	assert.Contains(t, log, "shards=256")
	assert.Contains(t, log, "compat=mini")
	assert.True(t, strings.Contains(log, "shutting down"), log)
}
