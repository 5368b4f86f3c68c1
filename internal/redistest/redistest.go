// Package redistest starts real redis-server instances and speaks RESP to
// them and to miniredis, for differential tests: the same command sent to
// both must get the same reply. It is test support only.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// StartRedis starts a redis-server of its own on a free loopback port, with
// persistence off, and stops it (by its PID) when the test ends. The test is
// skipped with a message when redis-server is not installed. extra are more
// `--name value` arguments. It returns the server's address.
func StartRedis(t testing.TB, extra ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed (apt-get install redis-server); skipping the comparison with real Redis")
	}
	port := FreePort(t)
	dir := t.TempDir()
	args := append([]string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--logfile", filepath.Join(dir, "redis.log"), "--daemonize", "no",
	}, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("redistest: start redis-server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	WaitReady(t, addr)
	return addr
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// WaitReady waits up to 5 s until addr answers PING.
func WaitReady(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c := &Conn{conn: conn, rd: bufio.NewReader(conn)}
			r, err := c.Do("PING")
			conn.Close()
			if err == nil && r.Str == "PONG" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: %s did not answer PING within 5s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kind is the RESP type of a reply.
type Kind byte

// Reply kinds, named by their RESP2/RESP3 type byte.
const (
	Simple  Kind = '+'
	Error   Kind = '-'
	Integer Kind = ':'
	Bulk    Kind = '$'
	Array   Kind = '*'
	Null    Kind = '_'
	Double  Kind = ','
	Boolean Kind = '#'
	Map     Kind = '%'
	Set     Kind = '~'
	Verb    Kind = '='
	BigNum  Kind = '('
	Push    Kind = '>' // RESP3 out-of-band data: Pub/Sub messages
)

// Reply is one parsed RESP reply. A RESP2 null bulk or null array is Kind
// Null, so RESP2 and RESP3 nulls compare equal.
type Reply struct {
	Kind  Kind
	Str   string  // Simple, Error, Bulk, Double, Verb, BigNum; "t"/"f" for Boolean
	Int   int64   // Integer
	Elems []Reply // Array, Set; Map as key, value, key, value…
}

// String renders r compactly for failure messages.
func (r Reply) String() string {
	switch r.Kind {
	case Integer:
		return ":" + strconv.FormatInt(r.Int, 10)
	case Null:
		return "(nil)"
	case Array, Set, Map, Push:
		parts := make([]string, len(r.Elems))
		for i, e := range r.Elems {
			parts[i] = e.String()
		}
		return string(r.Kind) + "[" + strings.Join(parts, " ") + "]"
	}
	return string(r.Kind) + strconv.Quote(r.Str)
}

// Canonical returns r with the elements of unordered collections (sets,
// maps, and arrays when sortArrays is set) sorted, so replies whose order
// Redis leaves unspecified can be compared.
func (r Reply) Canonical(sortArrays bool) Reply {
	if len(r.Elems) == 0 {
		return r
	}
	out := r
	out.Elems = make([]Reply, len(r.Elems))
	for i, e := range r.Elems {
		out.Elems[i] = e.Canonical(sortArrays)
	}
	switch {
	case r.Kind == Map:
		pairs := make([][2]Reply, len(out.Elems)/2)
		for i := range pairs {
			pairs[i] = [2]Reply{out.Elems[2*i], out.Elems[2*i+1]}
		}
		slices.SortFunc(pairs, func(a, b [2]Reply) int { return strings.Compare(a[0].String(), b[0].String()) })
		for i, p := range pairs {
			out.Elems[2*i], out.Elems[2*i+1] = p[0], p[1]
		}
	case r.Kind == Set || r.Kind == Array && sortArrays:
		slices.SortFunc(out.Elems, func(a, b Reply) int { return strings.Compare(a.String(), b.String()) })
	}
	return out
}

// Conn is a minimal RESP client, with no pipelining and no retries, so that
// what it shows is exactly what the server sent.
type Conn struct {
	conn net.Conn
	rd   *bufio.Reader
}

// Dial connects to addr; the connection is closed when the test ends.
func Dial(t testing.TB, addr string) *Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("redistest: dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return &Conn{conn: conn, rd: bufio.NewReader(conn)}
}

// Do sends one command and reads its reply (5 s deadline).
func (c *Conn) Do(args ...string) (Reply, error) {
	if err := c.Send(args...); err != nil {
		return Reply{}, err
	}
	return c.Read()
}

// Send writes one command without reading its reply, for a command that
// blocks; Read takes the reply later.
func (c *Conn) Send(args ...string) error {
	var b []byte
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, "\r\n"...)
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, "\r\n"...)
		b = append(b, a...)
		b = append(b, "\r\n"...)
	}
	if err := c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	_, err := c.conn.Write(b)
	return err
}

// Read reads one reply (5 s deadline).
func (c *Conn) Read() (Reply, error) {
	if err := c.conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return Reply{}, err
	}
	return ReadReply(c.rd)
}

// ReadReply parses one RESP2 or RESP3 reply.
func ReadReply(rd *bufio.Reader) (Reply, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return Reply{}, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return Reply{}, fmt.Errorf("redistest: malformed reply line %q", line)
	}
	kind, body := Kind(line[0]), line[1:len(line)-2]
	switch kind {
	case Simple, Error, Double, BigNum:
		return Reply{Kind: kind, Str: body}, nil
	case Boolean:
		return Reply{Kind: kind, Str: body}, nil
	case Null:
		return Reply{Kind: Null}, nil
	case Integer:
		n, err := strconv.ParseInt(body, 10, 64)
		return Reply{Kind: Integer, Int: n}, err
	case Bulk, Verb:
		n, err := strconv.Atoi(body)
		if err != nil {
			return Reply{}, err
		}
		if n < 0 {
			return Reply{Kind: Null}, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return Reply{}, err
		}
		s := string(buf[:n])
		if kind == Verb {
			// Verbatim strings carry a "txt:" format prefix; compare the text.
			kind, s = Bulk, strings.TrimPrefix(strings.TrimPrefix(s, "txt:"), "mkd:")
		}
		return Reply{Kind: kind, Str: s}, nil
	case Array, Set, Map, Push:
		n, err := strconv.Atoi(body)
		if err != nil {
			return Reply{}, err
		}
		if n < 0 {
			return Reply{Kind: Null}, nil
		}
		if kind == Map {
			n *= 2
		}
		r := Reply{Kind: kind, Elems: make([]Reply, 0, n)}
		for range n {
			e, err := ReadReply(rd)
			if err != nil {
				return Reply{}, err
			}
			r.Elems = append(r.Elems, e)
		}
		return r, nil
	}
	return Reply{}, errors.New("redistest: unknown reply type " + strconv.Quote(line))
}

// Pair is a miniredis connection and a redis-server connection driven in
// lockstep by a differential test.
type Pair struct {
	t           testing.TB
	Mini, Redis *Conn
}

// NewPair connects to both servers.
func NewPair(t testing.TB, miniAddr, redisAddr string) *Pair {
	return &Pair{t: t, Mini: Dial(t, miniAddr), Redis: Dial(t, redisAddr)}
}

// For returns a pair on the same connections that reports to t, so that a
// subtest can compare (and fail) on its parent's connections.
func (p *Pair) For(t testing.TB) *Pair { return &Pair{t: t, Mini: p.Mini, Redis: p.Redis} }

// Compare sends args to both servers and fails the test (without stopping
// it) when the replies differ. unordered sorts array elements before
// comparing, for replies whose order Redis does not define (SMEMBERS, KEYS).
// It returns the Redis reply.
func (p *Pair) Compare(unordered bool, args ...string) Reply {
	p.t.Helper()
	want, err := p.Redis.Do(args...)
	if err != nil {
		p.t.Fatalf("redis-server: %q: %v", args, err)
	}
	got, err := p.Mini.Do(args...)
	if err != nil {
		p.t.Fatalf("miniredis: %q: %v (redis said %v)", args, err, want)
	}
	w, g := want.Canonical(unordered), got.Canonical(unordered)
	if w.String() != g.String() {
		p.t.Errorf("%q:\n  redis-server: %v\n  miniredis:    %v", args, want, got)
	}
	return want
}

// Env reports whether the environment variable name is set to a true value
// (1, true, yes); used to enable slow optional runs.
func Env(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes":
		return true
	}
	return false
}

// Close closes the connection, for tests of what a server does when a
// client goes away.
func (c *Conn) Close() error { return c.conn.Close() }
