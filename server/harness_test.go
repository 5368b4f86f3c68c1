package server

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeClock is an injectable clock for TTL tests: time moves only when the
// test says so.
type fakeClock struct{ ms atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ms.Store(1_700_000_000_000)
	return c
}

func (c *fakeClock) Now() time.Time          { return time.UnixMilli(c.ms.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ms.Add(int64(d / time.Millisecond)) }
func (c *fakeClock) UnixMilli() int64        { return c.ms.Load() }
func quietLogger() *slog.Logger              { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
func testConfig(mode Mode) Config {
	return Config{Port: 0, Mode: mode, DefaultTTL: 60 * time.Second, Shards: 16, Logger: quietLogger(), Net: testNet}
}

// testNet is the network layer the tests run on; MINIREDIS_TEST_NET=eventloop
// runs the whole suite on the event loops instead of the std path.
var testNet = func() NetMode {
	m, err := ParseNet(os.Getenv("MINIREDIS_TEST_NET"))
	if err != nil {
		return NetStd
	}
	return m
}()

func miniConfig() Config                        { return testConfig(ModeMini) }
func redisConfig() Config                       { return testConfig(ModeRedis) }
func withClock(cfg Config, c *fakeClock) Config { cfg.Now = c.Now; return cfg }

// startServer runs a server on a free loopback port for the test's lifetime.
func startServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	cfg.Host = "127.0.0.1"
	s, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, s.Listen())
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(t, s.Shutdown(ctx))
		require.NoError(t, <-done)
	})
	return s
}

// rawConn is a plain TCP connection to the server for byte-exact tests.
type rawConn struct {
	t    testing.TB
	conn net.Conn
	rd   *bufio.Reader
}

func dial(t testing.TB, s *Server) *rawConn {
	t.Helper()
	conn, err := net.Dial("tcp", s.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &rawConn{t: t, conn: conn, rd: bufio.NewReader(conn)}
}

func (r *rawConn) send(s string) {
	r.t.Helper()
	_, err := r.conn.Write([]byte(s))
	require.NoError(r.t, err)
}

// read returns exactly n bytes of reply, failing the test after a timeout.
func (r *rawConn) read(n int) string {
	r.t.Helper()
	require.NoError(r.t, r.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	buf := make([]byte, n)
	got, err := io.ReadFull(r.rd, buf)
	require.NoError(r.t, err, "read %d bytes, got %q", n, buf[:got])
	return string(buf)
}

// do sends req and returns as many reply bytes as want has.
func (r *rawConn) do(req, want string) string {
	r.t.Helper()
	r.send(req)
	return r.read(len(want))
}

// closed reports whether the server closed the connection (EOF within a
// short wait, after any remaining bytes).
func (r *rawConn) closed() bool {
	r.t.Helper()
	require.NoError(r.t, r.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err := r.rd.ReadByte()
	return err == io.EOF || err != nil && strings.Contains(err.Error(), "reset")
}

// resp encodes args as a RESP multibulk request.
func resp(args ...string) string {
	var b strings.Builder
	b.WriteString("*")
	b.WriteString(itoa(len(args)))
	b.WriteString("\r\n")
	for _, a := range args {
		b.WriteString("$")
		b.WriteString(itoa(len(a)))
		b.WriteString("\r\n")
		b.WriteString(a)
		b.WriteString("\r\n")
	}
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}

// exchange is one request and its exact expected reply bytes.
type exchange struct {
	name string
	req  string
	want string
}

// runExchanges plays a script on one connection, in order, checking each
// reply byte for byte.
func runExchanges(t *testing.T, r *rawConn, script []exchange) {
	t.Helper()
	for _, ex := range script {
		got := r.do(ex.req, ex.want)
		require.Equal(t, ex.want, got, "%s: request %q", ex.name, ex.req)
	}
}

// nopConn is a net.Conn that reads EOF and discards writes, for driving a
// client's exec path without a socket.
type nopConn struct{}

func (nopConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (nopConn) Write(b []byte) (int, error)      { return len(b), nil }
func (nopConn) Close() error                     { return nil }
func (nopConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 6379} }
func (nopConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000} }
func (nopConn) SetDeadline(time.Time) error      { return nil }
func (nopConn) SetReadDeadline(time.Time) error  { return nil }
func (nopConn) SetWriteDeadline(time.Time) error { return nil }

func newTestClient(s *Server) *client { return newClient(s, nopConn{}) }
