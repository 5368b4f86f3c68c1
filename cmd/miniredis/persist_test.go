package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
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

func TestBadSaveFlag(t *testing.T) {
	err := run([]string{"--save", "1"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), ">>> 'save 1'\nInvalid save parameters", "as redis-server words it")
}

// binServer is the built binary running on a port of its own.
type binServer struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr bytes.Buffer
	conn   net.Conn
	rd     *bufio.Reader
}

func startBin(t *testing.T, bin string, args ...string) *binServer {
	port := freePort(t)
	s := &binServer{t: t}
	s.cmd = exec.Command(bin, append([]string{"--port", strconv.Itoa(port)}, args...)...)
	s.cmd.Stderr = &s.stderr
	require.NoError(t, s.cmd.Start())
	t.Cleanup(func() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var err error
	require.Eventually(t, func() bool {
		s.conn, err = net.Dial("tcp", addr)
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "stderr: %s", &s.stderr)
	t.Cleanup(func() { s.conn.Close() })
	s.rd = bufio.NewReader(s.conn)
	return s
}

// do sends one RESP command and returns the first line of the reply.
func (s *binServer) do(args ...string) string {
	s.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	require.NoError(s.t, s.conn.SetDeadline(time.Now().Add(30*time.Second)))
	_, err := s.conn.Write([]byte(b.String()))
	require.NoError(s.t, err)
	line, err := s.rd.ReadString('\n')
	require.NoError(s.t, err)
	if strings.HasPrefix(line, "$") && line != "$-1\r\n" {
		line, err = s.rd.ReadString('\n')
		require.NoError(s.t, err)
	}
	return strings.TrimRight(line, "\r\n")
}

// TestBinaryPersistence: with save points configured, SIGTERM saves and a
// restart loads the keys; a SIGKILL while a BGSAVE writes leaves the last
// good dump loadable.
func TestBinaryPersistence(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "miniredis")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	dir := t.TempDir()
	args := []string{"--compat", "redis", "--dir", dir, "--dbfilename", "x.rdb", "--save", "3600 1"}

	s := startBin(t, bin, args...)
	assert.Equal(t, "+OK", s.do("SET", "survivor", "yes"))
	assert.Equal(t, "*2", s.do("CONFIG", "GET", "save"))
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, s.cmd.Wait(), "stderr: %s", &s.stderr)
	require.FileExists(t, filepath.Join(dir, "x.rdb"))

	for round := range 3 {
		s = startBin(t, bin, args...)
		require.Equal(t, "yes", s.do("GET", "survivor"), "round %d; stderr: %s", round, &s.stderr)
		// Enough data that the save is still writing when it is killed.
		for i := range 20 {
			mset := []string{"MSET"}
			for j := range 5000 {
				mset = append(mset, fmt.Sprintf("k%d-%d", i, j), strings.Repeat("v", 100))
			}
			require.Equal(t, "+OK", s.do(mset...))
		}
		require.Equal(t, "+Background saving started", s.do("BGSAVE"))
		time.Sleep(time.Duration(round) * 5 * time.Millisecond) // kill at different points of the save; nothing is asserted on timing
		require.NoError(t, s.cmd.Process.Signal(syscall.SIGKILL))
		_ = s.cmd.Wait()
		// Whatever the kill interrupted, the dump is whole: the last good
		// one, or the new one if the rename had happened.
	}
	s = startBin(t, bin, args...)
	assert.Equal(t, "yes", s.do("GET", "survivor"))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	t.Logf("files after the kills: %d (temporary files of killed saves stay, as with Redis)", len(entries))
}
