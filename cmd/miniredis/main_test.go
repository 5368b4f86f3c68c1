package main

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miniredis/miniredis/server"
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
		// Directive errors read as redis-server's (FATAL CONFIG FILE ERROR,
		// the option, Redis's reason); the first argument is a config file.
		{"compat", []string{"--compat", "valkey"}, "argument(s) must be one of the following: mini, redis"},
		{"shards", []string{"--shards=3"}, "power of two"},
		{"positional", []string{"extra"}, "can't open config file 'extra'"},
		{"positional after flags", []string{"--port", "1", "extra"}, ">>> 'port 1 extra'\nwrong number of arguments"},
		{"loglevel", []string{"--loglevel", "loud"}, "argument(s) must be one of the following: debug, verbose"},
		{"port", []string{"--port", "70000"}, "argument must be between 0 and 65535 inclusive"},
		{"unknown", []string{"--bogus", "1"}, "Reading the command line, at option 1\n>>> 'bogus 1'\nBad directive or wrong number of arguments"},
		{"bool", []string{"--port", "0", "--appendonly", "maybe"}, "at option 2\n>>> 'appendonly maybe'\nargument must be 'yes' or 'no'"},
		{"cluster-enabled", []string{"--cluster-enabled", "maybe"}, "argument must be 'yes' or 'no'"},
		{"cluster-node-timeout", []string{"--cluster-node-timeout", "5s"}, "argument couldn't be parsed into an integer"},
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

func TestLoadFileThenFlags(t *testing.T) {
	dir := t.TempDir()
	inc := filepath.Join(dir, "inc.conf")
	require.NoError(t, os.WriteFile(inc, []byte("maxmemory-policy allkeys-lru\n"), 0o600))
	file := filepath.Join(dir, "miniredis.conf")
	require.NoError(t, os.WriteFile(file, []byte(`# written by hand
port 7000
maxmemory 100mb
requirepass "s3 cret"
include `+inc+`
compat redis
save 900 1 300 10
appendonly yes
default-ttl 30
timeout 10
busy-reply-threshold 2000
client-output-buffer-limit normal 8mb 0 0 pubsub 64mb 16mb 30
`), 0o600))
	cfg, help, err := load([]string{file, "--port", "7001", "-maxclients=50", "--hz", "20", "--save", "60", "5"})
	require.NoError(t, err)
	assert.False(t, help)
	assert.Equal(t, 7001, cfg.Port, "flags override the file")
	assert.Equal(t, 50, cfg.MaxClients)
	assert.Equal(t, 20, cfg.Hz)
	assert.Equal(t, int64(100<<20), cfg.MaxMemory)
	assert.Equal(t, "allkeys-lru", cfg.MaxMemoryPolicy.String())
	assert.Equal(t, "s3 cret", cfg.RequirePass)
	assert.Equal(t, "redis", cfg.Mode.String())
	assert.Equal(t, 30*time.Second, cfg.DefaultTTL)
	assert.Equal(t, 10*time.Second, cfg.Timeout)
	assert.Equal(t, 2*time.Second, cfg.BusyReplyThreshold)
	assert.Equal(t, 8<<20, cfg.OutputBufferLimit)
	assert.Equal(t, file, cfg.ConfigFile)
	assert.Equal(t, []server.SavePoint{{Seconds: 60, Changes: 5}}, cfg.Save, "the flags' save replaces the file's")
	assert.True(t, cfg.AppendOnly, "appendonly is a real setting")
	assert.Equal(t, int64(64<<20), cfg.PubSubHardLimit, "the pubsub class feeds the Pub/Sub limits")
	assert.Equal(t, int64(16<<20), cfg.PubSubSoftLimit)
	assert.Equal(t, 30*time.Second, cfg.PubSubSoftTime)

	// Defaults when nothing is given: the flags' old defaults.
	cfg, _, err = load(nil)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", cfg.Host)
	assert.Equal(t, 6379, cfg.Port)
	assert.Equal(t, 60*time.Second, cfg.DefaultTTL)
	assert.Equal(t, "mini", cfg.Mode.String())
	assert.Equal(t, "eventloop", cfg.Net.String())
	assert.Equal(t, 5*time.Second, cfg.BusyReplyThreshold)
	assert.Equal(t, time.Minute, cfg.OutputTimeout)
	assert.Equal(t, 4<<20, cfg.OutputBufferLimit)
	assert.Equal(t, int64(512<<20), cfg.ProtoMaxBulkLen)
	assert.Equal(t, int64(1<<30), cfg.QueryBufferLimit)

	// The Go flag forms that worked before still do.
	cfg, _, err = load([]string{"-port", "7002", "--default-ttl=1m30s", "--maxmemory", "2gb", "--host", "0.0.0.0", "-client-output-buffer-limit=1mb", "--timeout=5s", "--busy-reply-threshold", "250ms"})
	require.NoError(t, err)
	assert.Equal(t, 7002, cfg.Port)
	assert.Equal(t, 90*time.Second, cfg.DefaultTTL)
	assert.Equal(t, int64(2<<30), cfg.MaxMemory)
	assert.Equal(t, "0.0.0.0", cfg.Host)
	assert.Equal(t, 1<<20, cfg.OutputBufferLimit)
	assert.Equal(t, 5*time.Second, cfg.Timeout)
	assert.Equal(t, 250*time.Millisecond, cfg.BusyReplyThreshold)
}

func TestBadConfigFileNamesTheLine(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bad.conf")
	require.NoError(t, os.WriteFile(file, []byte("port 7000\n\n# fine so far\nmaxmemory lots\n"), 0o600))
	err := run([]string{file})
	require.Error(t, err)
	assert.Equal(t, "\n*** FATAL CONFIG FILE ERROR (miniredis "+server.Version+") ***\nReading the configuration file "+file+", at line 4\n>>> 'maxmemory lots'\nargument must be a memory value", err.Error())
}

// TestBinaryConfigFilePidAndLog starts the binary from a config file with
// a pid file and a log file, as a service manager would.
func TestBinaryConfigFilePidAndLog(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "miniredis")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	port := freePort(t)
	pid, logf := filepath.Join(dir, "m.pid"), filepath.Join(dir, "m.log")
	conf := filepath.Join(dir, "m.conf")
	require.NoError(t, os.WriteFile(conf, []byte("port 1\ncompat redis\ndir "+dir+"\npidfile "+pid+"\nlogfile "+logf+"\n"), 0o600))
	cmd := exec.Command(bin, conf, "--port", strconv.Itoa(port))
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill() }()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 5*time.Second, 20*time.Millisecond)
	b, err := os.ReadFile(pid)
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(cmd.Process.Pid)+"\n", string(b))
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait())
	_, err = os.Stat(pid)
	assert.True(t, os.IsNotExist(err), "the pid file is removed at exit")
	b, err = os.ReadFile(logf)
	require.NoError(t, err)
	assert.Contains(t, string(b), "miniredis ready")
	assert.Contains(t, string(b), "compat=redis")
	assert.Contains(t, string(b), "shutting down")
}
