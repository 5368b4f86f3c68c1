package scripting

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/codec"
	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/require"
)

// rawConn is a RESP connection that hands back each reply's raw bytes.
type rawConn struct {
	t    testing.TB
	conn net.Conn
	rd   *bufio.Reader
	buf  []byte
}

func dialRaw(t testing.TB, addr string, proto int) *rawConn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	c := &rawConn{t: t, conn: conn, rd: bufio.NewReader(conn)}
	if proto == 3 {
		c.do([]byte("HELLO"), []byte("3"))
	}
	return c
}

// do sends args and returns the raw reply, valid until the next do.
func (c *rawConn) do(args ...[]byte) []byte {
	c.buf = codec.AppendCommand(c.buf[:0], args...)
	_ = c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.conn.Write(c.buf); err != nil {
		c.t.Fatalf("write: %v", err)
	}
	c.buf = c.buf[:0]
	if err := readRaw(c.rd, &c.buf); err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return c.buf
}

func readRaw(rd *bufio.Reader, dst *[]byte) error {
	line, err := rd.ReadBytes('\n')
	if err != nil {
		return err
	}
	*dst = append(*dst, line...)
	body := line[1 : len(line)-2]
	switch line[0] {
	case '$', '=', '!':
		n, _ := strconv.Atoi(string(body))
		if n < 0 {
			return nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(rd, b); err != nil {
			return err
		}
		*dst = append(*dst, b...)
	case '*', '~', '%', '|', '>':
		n, _ := strconv.Atoi(string(body))
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for range max(n, 0) {
			if err := readRaw(rd, dst); err != nil {
				return err
			}
		}
		if line[0] == '|' {
			return readRaw(rd, dst)
		}
	}
	return nil
}

// forward is a Caller that runs each command on a real redis-server over a
// connection in the protocol the script asks for.
type forward struct{ c2, c3 *rawConn }

func (f *forward) Call(args [][]byte, resp int) []byte {
	c := f.c2
	if resp == 3 {
		c = f.c3
	}
	reply := c.do(args...)
	// The server's pre-checks, as Redis words them for scripts.
	switch {
	case bytes.HasPrefix(reply, []byte("-ERR wrong number of arguments")):
		return []byte("-" + CallWrongArity + "\r\n")
	case bytes.HasPrefix(reply, []byte("-ERR unknown command")):
		return []byte("-" + CallUnknownCommand + "\r\n")
	}
	return reply
}

type diffCase struct {
	name   string
	script string
	keys   []string
	argv   []string
	// vmText marks a runtime error raised by the VM itself, whose message
	// gopher-lua words its own way ("cannot perform add operation between
	// nil and number" for C Lua's "attempt to perform arithmetic on local
	// 'x' (a nil value)"): only the text around the message must match.
	vmText bool
}

// maskVMText blanks the message between "-ERR user_script:N: " and
// " script: ".
func maskVMText(s string) string {
	i := strings.Index(s, ": ")
	j := strings.LastIndex(s, " script: ")
	if !strings.HasPrefix(s, "-ERR user_script:") || i < 0 || j < i {
		return s
	}
	return s[:i+2] + "…" + s[j:]
}

var diffCases = []diffCase{
	{name: "int", script: "return 1"},
	{name: "float-trunc", script: "return 3.99"},
	{name: "neg-float", script: "return -3.99"},
	{name: "string", script: "return 'hello'"},
	{name: "empty-string", script: "return ''"},
	{name: "nil", script: "return nil"},
	{name: "no-return", script: "local x = 1"},
	{name: "true", script: "return true"},
	{name: "false", script: "return false"},
	{name: "array-stops-at-nil", script: "return {1,2,nil,4}"},
	{name: "nested", script: "return {1,{2,{3,'x'}},'y',{}}"},
	{name: "bools-in-array", script: "return {true,false,1}"},
	{name: "status", script: "return {ok='FINE'}"},
	{name: "status-crlf", script: "return {ok='a\\r\\nb'}"},
	{name: "err-table", script: "return {err='MY boom'}"},
	{name: "err-crlf", script: "return {err='MY\\nboom'}"},
	{name: "error_reply", script: "return redis.error_reply('boom')"},
	{name: "error_reply-code", script: "return redis.error_reply('-WRONG boom')"},
	{name: "error_reply-bad", script: "return redis.error_reply()"},
	{name: "status_reply", script: "return redis.status_reply('DONE')"},
	{name: "status_reply-bad", script: "return redis.status_reply(1)"},
	{name: "keys-argv", script: "return {KEYS[1], KEYS[2], ARGV[1], #KEYS, #ARGV}", keys: []string{"a", "b"}, argv: []string{"x", "y", "z"}},
	{name: "set-get", script: "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])", keys: []string{"k"}, argv: []string{"v"}},
	{name: "get-missing", script: "return redis.call('GET', 'nokey')"},
	{name: "get-missing-type", script: "return type(redis.call('GET', 'nokey'))"},
	{name: "incr", script: "redis.call('SET','n',10) return redis.call('INCR','n')"},
	{name: "incr-type", script: "return type(redis.call('INCR','n'))"},
	{name: "set-status", script: "return redis.call('SET','a','b')"},
	{name: "set-status-ok", script: "return redis.call('SET','a','b').ok"},
	{name: "lrange", script: "redis.call('RPUSH','l','a','b','c') return redis.call('LRANGE','l',0,-1)"},
	{name: "number-args", script: "redis.call('SET','f',3.5) redis.call('SET','i',42) redis.call('SET','e',1e20) redis.call('SET','s',0.1) return redis.call('MGET','f','i','e','s')"},
	{name: "call-error", script: "return redis.call('INCR', 'x', 'y')"},
	{name: "call-wrongtype", script: "redis.call('RPUSH','l2','a') return redis.call('GET','l2')"},
	{name: "pcall-error", script: "return redis.pcall('INCR', 'x', 'y')"},
	{name: "pcall-error-field", script: "return redis.pcall('RPUSH','l3','a') and redis.pcall('GET','l3')['err']"},
	{name: "call-no-args", script: "return redis.call()"},
	{name: "pcall-no-args", script: "return redis.pcall()"},
	{name: "call-bad-arg", script: "return redis.call('GET', {})"},
	{name: "call-nil-arg", script: "return redis.call('GET', nil)"},
	{name: "pcall-bad-arg", script: "return redis.pcall('GET', true)"},
	{name: "lua-pcall-redis-call", script: "local ok, e = pcall(redis.call, 'INCR', 'x', 'y') return {tostring(ok), e}"},
	{name: "lua-pcall-error-string", script: "local ok, e = pcall(error, 'oops') return {tostring(ok), e}"},
	{name: "lua-pcall-error-table", script: "local ok, e = pcall(error, {err='X y'}) return {tostring(ok), e}"},
	{name: "error-string", script: "error('boom')"},
	{name: "error-table", script: "error({err='MY boom'})"},
	{name: "error-number", script: "error(5)"},
	{name: "error-line3", script: "local a = 1\nlocal b = 2\nerror('third')"},
	{name: "error-in-func", script: "local function f()\n  error('inner')\nend\nf()"},
	{name: "call-error-line2", script: "local a = 1\nredis.call('INCR', 'x', 'y')"},
	{name: "nonexistent-global", script: "return x"},
	{name: "set-global", script: "x = 1"},
	{name: "modify-redis", script: "redis.call = nil"},
	{name: "modify-string", script: "string.foo = 1"},
	{name: "read-string-missing", script: "return string.foo"},
	{name: "read-redis-missing", script: "return redis.foo"},
	{name: "rawset-G", script: "rawset(_G, 'x', 1)"},
	{name: "G-x", script: "_G.x = 1"},
	{name: "loadfile-absent", script: "return loadfile"},
	{name: "os-absent", script: "return os"},
	{name: "globals", script: "local t={} for k,v in pairs(_G) do table.insert(t,k) end table.sort(t) return t"},
	{name: "redis-keys", script: "local t={} for k,v in pairs(redis) do table.insert(t,k) end table.sort(t) return t"},
	{name: "math-keys", script: "local t={} for k,v in pairs(math) do table.insert(t,k) end table.sort(t) return t"},
	{name: "string-keys", script: "local t={} for k,v in pairs(string) do table.insert(t,k) end table.sort(t) return t"},
	{name: "table-keys", script: "local t={} for k,v in pairs(table) do table.insert(t,k) end table.sort(t) return t"},
	{name: "cjson-keys", script: "local t={} for k,v in pairs(cjson) do table.insert(t,k) end table.sort(t) return t"},
	{name: "cmsgpack-keys", script: "local t={} for k,v in pairs(cmsgpack) do table.insert(t,k) end table.sort(t) return t"},
	{name: "bit-keys", script: "local t={} for k,v in pairs(bit) do table.insert(t,k) end table.sort(t) return t"},
	{name: "struct-keys", script: "local t={} for k,v in pairs(struct) do table.insert(t,k) end table.sort(t) return t"},
	{name: "version", script: "return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM, _VERSION}"},
	{name: "repl-consts", script: "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL, redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}"},
	{name: "set_repl", script: "redis.set_repl(redis.REPL_ALL) return 1"},
	{name: "set_repl-bad", script: "return redis.set_repl(9)"},
	{name: "set_repl-noargs", script: "return redis.set_repl()"},
	{name: "replicate_commands", script: "return redis.replicate_commands()"},
	{name: "breakpoint", script: "return redis.breakpoint()"},
	{name: "debug", script: "return redis.debug('x')"},
	{name: "sha1hex", script: "return {redis.sha1hex(''), redis.sha1hex('abc'), redis.sha1hex(12)}"},
	{name: "sha1hex-noargs", script: "return redis.sha1hex()"},
	{name: "log-ok", script: "redis.log(redis.LOG_WARNING, 'hello', 1, 'x') return 1"},
	{name: "log-noargs", script: "return redis.log(1)"},
	{name: "log-badlevel", script: "return redis.log(9, 'x')"},
	{name: "log-notnumber", script: "return redis.log('a', 'x')"},
	{name: "setresp-bad", script: "return redis.setresp(4)"},
	{name: "setresp-noargs", script: "return redis.setresp()"},
	{name: "tostring-float", script: "return tostring(1/3)"},
	{name: "tostring-big", script: "return tostring(1e15)"},
	{name: "tonumber", script: "return {tonumber('0x10'), tonumber('  12  '), tonumber('1e2')}"},
	{name: "double-table", script: "return {double=3.5}"},
	{name: "big-number-table", script: "return {big_number='123456789012345678901234567890'}"},
	{name: "map-table", script: "return {map={a=1}}"},
	{name: "set-table", script: "return {set={a=true}}"},
	{name: "verbatim-table", script: "return {verbatim_string={format='txt', string='hello'}}"},
	{name: "resp3-map", script: "redis.setresp(3) redis.call('HSET','h','f','v') return redis.call('HGETALL','h')"},
	{name: "resp3-map-lua", script: "redis.setresp(3) redis.call('HSET','h','f','v') local r = redis.call('HGETALL','h') return {type(r), type(r.map), r.map.f}"},
	{name: "resp3-set", script: "redis.setresp(3) redis.call('SADD','s','m') return redis.call('SMEMBERS','s')"},
	{name: "resp3-null", script: "redis.setresp(3) return {type(redis.call('GET','nokey'))}"},
	{name: "resp3-bool-true", script: "redis.setresp(3) return true"},
	{name: "resp3-bool-false", script: "redis.setresp(3) return false"},
	{name: "resp3-double", script: "redis.setresp(3) redis.call('SET','fl','1.5') return redis.call('INCRBYFLOAT','fl','1')"},
	{name: "resp3-double-zscore", script: "redis.setresp(3) redis.call('ZADD','z','1.5','m') return redis.call('ZSCORE','z','m')"},
	{name: "resp3-double-lua", script: "redis.setresp(3) redis.call('ZADD','z','1.5','m') local r = redis.call('ZSCORE','z','m') return {type(r), tostring(r.double)}"},
	{name: "resp3-bool-from-call", script: "redis.setresp(3) return redis.call('SISMEMBER','s','x')"},
	{name: "math-random", script: "return {tostring(math.random()), math.random(10), math.random(5, 8)}"},
	{name: "math-randomseed", script: "math.randomseed(7) return {tostring(math.random()), math.random(100)}"},
	{name: "math-random-empty", script: "return math.random(0)"},
	{name: "shebang", script: "#!lua flags=no-writes\nreturn 1"},
	{name: "shebang-error-line", script: "#!lua\nerror('x')"},
	{name: "table-insert-readonly", script: "table.insert(redis, 1)"},
	{name: "setmetatable-G", script: "setmetatable(_G, nil)"},
	{name: "local-table-ok", script: "local t = {} t.x = 1 setmetatable(t, {}) rawset(t, 'y', 2) return {t.x, t.y}"},
	{name: "keys-writable", script: "KEYS[1] = 'z' return KEYS[1]", keys: []string{"a"}},
	{name: "string-methods", script: "return ('abc'):upper() .. string.rep('x', 3) .. string.format('%d', 5)"},
	{name: "loadstring", script: "local f = loadstring('return 5') return f()"},
	{name: "loadstring-global", script: "local f = loadstring('y = 5') f()"},
	{name: "unpack", script: "return {unpack({1,2,3})}"},
	{name: "coroutine", script: "local co = coroutine.create(function(a) coroutine.yield(a+1) return 9 end) local _, x = coroutine.resume(co, 1) local _, y = coroutine.resume(co) return {x, y}"},
	{name: "compile-error", script: "return 1 +"},
	{name: "compile-error-2", script: "local x = = 1"},
	{name: "shebang-bad-engine", script: "#!python\nreturn 1"},
	{name: "shebang-bad-flag", script: "#!lua flags=bogus\nreturn 1"},
	{name: "shebang-bad-option", script: "#!lua foo=bar\nreturn 1"},
	{name: "shebang-no-newline", script: "#!lua"},
	{name: "self-ref", script: "local t = {} t[1] = 1 t[2] = {5} return t"},
	{name: "big-int", script: "return 2^53"},
	{name: "huge", script: "return math.huge"},
	{name: "nan", script: "return 0/0"},
	{name: "neg-zero", script: "return -0"},
	{name: "string-with-nul", script: "return 'a\\0b'"},
	{name: "gcinfo", script: "return type(gcinfo())"},
	{name: "collectgarbage", script: "return type(collectgarbage('count'))"},
}

// TestDiffRedis runs each script on a real redis-server (EVAL) and through
// the Engine with redis.call forwarded to the same server, in RESP2 and
// RESP3, and demands the same reply bytes.
func TestDiffRedis(t *testing.T) {
	addr := redistest.StartRedis(t)
	e := New(Options{})
	real2, real3 := dialRaw(t, addr, 2), dialRaw(t, addr, 3)
	fw := &forward{c2: dialRaw(t, addr, 2), c3: dialRaw(t, addr, 3)}
	for _, tc := range append(append(diffCases, extraDiffCases...), idiomCases...) {
		for _, proto := range []int{2, 3} {
			t.Run(tc.name+"/resp"+strconv.Itoa(proto), func(t *testing.T) {
				realc := real2
				if proto == 3 {
					realc = real3
				}
				// math.random follows one sequence per server: reseed both.
				realc.do([]byte("EVAL"), []byte("math.randomseed(0)"), []byte("0"))
				e.rng.seed(0)
				realc.do([]byte("FLUSHALL"))
				args := [][]byte{[]byte("EVAL"), []byte(tc.script), []byte(strconv.Itoa(len(tc.keys)))}
				keys, argv := bs(tc.keys), bs(tc.argv)
				args = append(append(args, keys...), argv...)
				want := string(realc.do(args...))
				realc.do([]byte("FLUSHALL"))

				var got string
				s, err := e.Load([]byte(tc.script))
				if err != nil {
					got = string(appendErrorLine(nil, err.Error()))
				} else {
					got = string(e.Run(nil, &Run{Caller: fw, Proto: proto}, s, keys, argv))
				}
				if want != got && sameUnordered(want, got) {
					return
				}
				if tc.vmText {
					want, got = maskVMText(want), maskVMText(got)
				}
				if want != got {
					t.Errorf("script %q\n  redis: %q\n  ours:  %q", tc.script, want, got)
				}
			})
		}
	}
}

func bs(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// sameUnordered reports whether two replies differ only in the order of map
// and set elements, which Lua's table order leaves unspecified.
func sameUnordered(a, b string) bool {
	ra, err1 := redistest.ReadReply(bufio.NewReader(bytes.NewReader([]byte(a))))
	rb, err2 := redistest.ReadReply(bufio.NewReader(bytes.NewReader([]byte(b))))
	if err1 != nil || err2 != nil {
		return false
	}
	return ra.Canonical(false).String() == rb.Canonical(false).String()
}

// sameSorted is sameUnordered with arrays sorted too.
func sameSorted(a, b string) bool {
	ra, err1 := redistest.ReadReply(bufio.NewReader(bytes.NewReader([]byte(a))))
	rb, err2 := redistest.ReadReply(bufio.NewReader(bytes.NewReader([]byte(b))))
	if err1 != nil || err2 != nil {
		return false
	}
	return ra.Canonical(true).String() == rb.Canonical(true).String()
}
