package scripting

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/miniredis/miniredis/codec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeCaller is a tiny map-backed Redis for unit tests: GET, SET, INCR, DEL,
// PING, HSET, HGETALL and SISMEMBER, replying in the protocol asked for.
type fakeCaller struct {
	mu    sync.Mutex
	kv    map[string]string
	hash  map[string]map[string]string
	calls int
	// onCall, when set, runs before each command (tests use it to cancel
	// the run's context at a chosen point).
	onCall func(args [][]byte)
}

func newFake() *fakeCaller {
	return &fakeCaller{kv: map[string]string{}, hash: map[string]map[string]string{}}
}

func (f *fakeCaller) Call(args [][]byte, resp int) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.onCall != nil {
		f.onCall(args)
	}
	// A fresh buffer: the concurrency test shares one fakeCaller between
	// goroutines, where the server gives each client its own.
	var b []byte
	cmd := strings.ToUpper(string(args[0]))
	arity := map[string]int{"GET": 2, "SET": 3, "INCR": 2, "DEL": 2, "PING": 1, "HSET": 4, "HGETALL": 2, "SISMEMBER": 3}
	n, ok := arity[cmd]
	switch {
	case !ok:
		b = codec.AppendError(b, CallUnknownCommand)
		return b
	case n != len(args):
		b = codec.AppendError(b, CallWrongArity)
		return b
	}
	switch cmd {
	case "PING":
		b = codec.AppendSimple(b, "PONG")
	case "GET":
		v, ok := f.kv[string(args[1])]
		if !ok {
			b = codec.AppendNull(b, resp)
		} else {
			b = codec.AppendBulkString(b, v)
		}
	case "SET":
		f.kv[string(args[1])] = string(args[2])
		b = codec.AppendSimple(b, "OK")
	case "DEL":
		_, ok := f.kv[string(args[1])]
		delete(f.kv, string(args[1]))
		if ok {
			b = codec.AppendInt(b, 1)
		} else {
			b = codec.AppendInt(b, 0)
		}
	case "INCR":
		n, err := strconv.ParseInt(f.kv[string(args[1])], 10, 64)
		if err != nil && f.kv[string(args[1])] != "" {
			b = codec.AppendError(b, "ERR value is not an integer or out of range")
			return b
		}
		n++
		f.kv[string(args[1])] = strconv.FormatInt(n, 10)
		b = codec.AppendInt(b, n)
	case "HSET":
		h := f.hash[string(args[1])]
		if h == nil {
			h = map[string]string{}
			f.hash[string(args[1])] = h
		}
		_, existed := h[string(args[2])]
		h[string(args[2])] = string(args[3])
		if existed {
			b = codec.AppendInt(b, 0)
		} else {
			b = codec.AppendInt(b, 1)
		}
	case "HGETALL":
		h := f.hash[string(args[1])]
		b = codec.AppendMapLen(b, len(h), resp)
		for k, v := range h {
			b = codec.AppendBulkString(b, k)
			b = codec.AppendBulkString(b, v)
		}
	case "SISMEMBER":
		b = codec.AppendBool(b, false, resp)
	}
	return b
}

func run(t testing.TB, e *Engine, c Caller, proto int, script string, keys, argv []string) (string, *Run) {
	t.Helper()
	s, err := e.Load([]byte(script))
	require.NoError(t, err, script)
	r := &Run{Caller: c, Proto: proto}
	return string(e.Run(nil, r, s, bs(keys), bs(argv))), r
}

func TestRunReplies(t *testing.T) {
	sha := func(s string) string { return SHA1Hex([]byte(s)) }
	tests := []struct {
		name   string
		script string
		keys   []string
		argv   []string
		proto  int
		want   string
	}{
		{name: "int", script: "return 42", want: ":42\r\n"},
		{name: "float-truncates", script: "return 3.99", want: ":3\r\n"},
		{name: "string", script: "return 'x'", want: "$1\r\nx\r\n"},
		{name: "nil", script: "return nil", want: "$-1\r\n"},
		{name: "nil/resp3", script: "return nil", proto: 3, want: "_\r\n"},
		{name: "true", script: "return true", want: ":1\r\n"},
		{name: "false", script: "return false", want: "$-1\r\n"},
		{name: "resp3-true", script: "redis.setresp(3) return true", proto: 3, want: "#t\r\n"},
		{name: "resp3-false-to-resp2-client", script: "redis.setresp(3) return false", want: ":0\r\n"},
		{name: "array-stops-at-nil", script: "return {1, 'a', nil, 2}", want: "*2\r\n:1\r\n$1\r\na\r\n"},
		{name: "nested", script: "return {{1}, {}}", want: "*2\r\n*1\r\n:1\r\n*0\r\n"},
		{name: "status", script: "return redis.status_reply('FINE')", want: "+FINE\r\n"},
		{name: "error_reply", script: "return redis.error_reply('MY oops')", want: "-MY oops\r\n"},
		{name: "error_reply-dash", script: "return redis.error_reply('-MY oops')", want: "-MY oops\r\n"},
		{name: "error_reply-nocode", script: "return redis.error_reply('oops')", want: "-ERR oops\r\n"},
		{name: "double/resp3", script: "return {double=1.5}", proto: 3, want: ",1.5\r\n"},
		{name: "double/resp2", script: "return {double=1.5}", want: "$3\r\n1.5\r\n"},
		{name: "keys-argv", script: "return {KEYS[1], ARGV[1], #KEYS, #ARGV}", keys: []string{"k"}, argv: []string{"a", "b"}, want: "*4\r\n$1\r\nk\r\n$1\r\na\r\n:1\r\n:2\r\n"},
		{name: "call-set-get", script: "redis.call('SET', KEYS[1], 5) return redis.call('INCR', KEYS[1])", keys: []string{"n"}, want: ":6\r\n"},
		{name: "call-status-table", script: "return redis.call('SET', 'a', 'b').ok", want: "$2\r\nOK\r\n"},
		{name: "call-nil-is-false", script: "return redis.call('GET', 'missing') == false", want: ":1\r\n"},
		{name: "call-resp3-null-is-nil", script: "redis.setresp(3) return redis.call('GET', 'missing') == nil", want: ":1\r\n"},
		{name: "call-resp3-map", script: "redis.setresp(3) redis.call('HSET', 'h', 'f', 'v') return redis.call('HGETALL', 'h').map.f", want: "$1\r\nv\r\n"},
		{name: "call-resp3-bool", script: "redis.setresp(3) return redis.call('SISMEMBER', 's', 'x') == false", want: ":1\r\n"},
		{name: "call-error-raises", script: "return redis.call('NOPE')", want: "-ERR Unknown Redis command called from script script: " + sha("return redis.call('NOPE')") + ", on @user_script:1.\r\n"},
		{name: "pcall-error-table", script: "return redis.pcall('NOPE')", want: "-ERR Unknown Redis command called from script\r\n"},
		{name: "call-number-args", script: "redis.call('SET', 'f', 0.1) return redis.call('GET', 'f')", want: "$19\r\n0.10000000000000001\r\n"},
		{name: "call-bad-arg", script: "return redis.call('GET', {})", want: "-ERR Lua redis lib command arguments must be strings or integers script: " + sha("return redis.call('GET', {})") + ", on @user_script:1.\r\n"},
		{name: "global-read", script: "return x", want: "-ERR user_script:1: Script attempted to access nonexistent global variable 'x' script: " + sha("return x") + ", on @user_script:1.\r\n"},
		{name: "global-write", script: "x = 1", want: "-ERR user_script:1: Attempt to modify a readonly table script: " + sha("x = 1") + ", on @user_script:1.\r\n"},
		{name: "error-line", script: "local a\nlocal b\nerror('no')", want: "-ERR user_script:3: no script: " + sha("local a\nlocal b\nerror('no')") + ", on @user_script:3.\r\n"},
		{name: "sandbox", script: "return {type(rawget(_G, 'os')), type(rawget(_G, 'io')), type(rawget(_G, 'loadfile')), type(rawget(_G, 'dofile'))}", want: "*4\r\n$3\r\nnil\r\n$3\r\nnil\r\n$3\r\nnil\r\n$3\r\nnil\r\n"},
		{name: "cjson", script: "return cjson.encode(cjson.decode('{\"a\":[1,2.5,\"x\",null,true]}'))", want: "$27\r\n{\"a\":[1,2.5,\"x\",null,true]}\r\n"},
		{name: "cmsgpack", script: "return cmsgpack.pack({1, 'a', true})", want: "$5\r\n\x93\x01\xa1a\xc3\r\n"},
		{name: "bit", script: "return bit.band(0xff, 0x0f)", want: ":15\r\n"},
		{name: "struct", script: "return struct.pack('>H', 258)", want: "$2\r\n\x01\x02\r\n"},
		{name: "sha1hex", script: "return redis.sha1hex('')", want: "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n"},
	}
	e := New(Options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			proto := tc.proto
			if proto == 0 {
				proto = 2
			}
			got, r := run(t, e, newFake(), proto, tc.script, tc.keys, tc.argv)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, strings.HasPrefix(tc.want, "-"), r.Err)
			assert.False(t, r.Killed)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		body string
		want string
	}{
		{"return 1 +", "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'"},
		{"#!lua", "ERR Invalid script shebang"},
		{"#!python\nreturn 1", "ERR Unexpected engine in script shebang: #!python"},
		{"#!lua flags=bogus\nreturn 1", "ERR Unexpected flag in script shebang: bogus"},
		{"#!lua foo=bar\nreturn 1", "ERR Unknown lua shebang option: foo=bar"},
	}
	e := New(Options{})
	for _, tc := range tests {
		t.Run(tc.body, func(t *testing.T) {
			_, err := e.Load([]byte(tc.body))
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
	assert.Equal(t, 0, e.Scripts())
}

func TestScriptCache(t *testing.T) {
	e := New(Options{})
	s, err := e.Load([]byte("return 1"))
	require.NoError(t, err)
	assert.Equal(t, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", s.SHA())
	assert.Equal(t, FlagEvalCompat, s.Flags())
	s2, err := e.Load([]byte("return 1"))
	require.NoError(t, err)
	assert.Same(t, s, s2, "a cached body is not compiled again")
	got, ok := e.Lookup([]byte("E0E1F9FABFC9D4800C877A703B823AC0578FF8DB"))
	assert.True(t, ok, "EVALSHA is case-insensitive")
	assert.Same(t, s, got)
	assert.False(t, e.Exists([]byte("e0e1f9")))
	assert.Equal(t, 1, e.Scripts())
	e.Flush()
	assert.False(t, e.Exists([]byte(s.SHA())))

	ro, err := e.Load([]byte("#!lua flags=no-writes,allow-oom\nreturn 1"))
	require.NoError(t, err)
	assert.Equal(t, FlagNoWrites|FlagAllowOOM, ro.Flags())
	plain, err := e.Load([]byte("#!lua\nreturn 2"))
	require.NoError(t, err)
	assert.Equal(t, Flags(0), plain.Flags())
}

// TestKill cancels the run's context from inside a redis.call, so the
// script is certainly running, and checks that the VM stops with Redis's
// text even when the script tries to swallow the error with pcall.
func TestKill(t *testing.T) {
	for _, script := range []string{
		"redis.call('PING')\nwhile true do end",
		"redis.call('PING')\nwhile true do pcall(function() while true do end end) end",
	} {
		t.Run(script, func(t *testing.T) {
			var warned []string
			e := New(Options{Log: func(level int, msg string) { warned = append(warned, fmt.Sprint(level, " ", msg)) }})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f := newFake()
			f.onCall = func([][]byte) { cancel() }
			s, err := e.Load([]byte(script))
			require.NoError(t, err)
			r := &Run{Caller: f, Proto: 2, Ctx: ctx}
			got := string(e.Run(nil, r, s, nil, nil))
			assert.True(t, r.Killed)
			assert.True(t, r.Err)
			assert.Regexp(t, `^-ERR Script killed by user with SCRIPT KILL\.\.\. script: `+s.SHA()+`, on @user_script:2\.\r\n$`, got)
			assert.Equal(t, []string{"3 Lua script killed by user with SCRIPT KILL."}, warned)

			// The state goes back to the pool and works afterwards.
			got, r = run(t, e, newFake(), 2, "return 7", nil, nil)
			assert.Equal(t, ":7\r\n", got)
			assert.False(t, r.Killed)
		})
	}
}

func TestFunctionKill(t *testing.T) {
	e := New(Options{})
	_, err := e.FunctionLoad([]byte("#!lua name=spin\nredis.register_function('spin', function()\n  redis.call('PING')\n  while true do end\nend)"), false)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFake()
	f.onCall = func([][]byte) { cancel() }
	fn, ok := e.Function([]byte("spin"))
	require.True(t, ok)
	r := &Run{Caller: f, Proto: 2, Ctx: ctx}
	got := string(e.FCall(nil, r, fn, nil, nil))
	assert.True(t, r.Killed)
	assert.Equal(t, "-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:4.\r\n", got)
}

// TestStateReuse runs scripts one after another on a single pooled state:
// nothing one leaves behind reaches the next.
func TestStateReuse(t *testing.T) {
	e := New(Options{MaxStates: 1})
	f := newFake()
	got, _ := run(t, e, f, 2, "KEYS[1] = 'changed' ARGV[2] = 'extra' local t = {} setmetatable(t, {}) return 1", []string{"a"}, []string{"x"})
	assert.Equal(t, ":1\r\n", got)
	got, _ = run(t, e, f, 2, "return {KEYS[1], #ARGV, ARGV[1]}", []string{"b"}, []string{"y"})
	assert.Equal(t, "*3\r\n$1\r\nb\r\n:1\r\n$1\r\ny\r\n", got)
	// A failing script leaves the stack clean.
	got, _ = run(t, e, f, 2, "error('x')", nil, nil)
	assert.Contains(t, got, "-ERR user_script:1: x")
	got, _ = run(t, e, f, 2, "return {type(redis.call), type(string.format), type(cjson.encode)}", nil, nil)
	assert.Equal(t, "*3\r\n$8\r\nfunction\r\n$8\r\nfunction\r\n$8\r\nfunction\r\n", got)
	// Library tables cannot be changed, not even raw.
	for _, s := range []string{"redis.call = nil", "string.upper = nil", "rawset(math, 'pi', 3)", "table.insert(cjson, 1)",
		"setmetatable(_G, nil)", "getmetatable('').__index = nil",
		"rawset(rawget(getmetatable(_G), '__index'), 'leak', 1)",
		"getmetatable(_G).__index.leak = 1",
		"getmetatable(redis).__index.call = 1",
		"rawset(rawget(getmetatable(redis), '__index'), 'call', 1)",
		"local _, real = next(getmetatable(string)) rawset(real, 'upper', 1)",
		"for k, v in pairs(getmetatable(_G)) do if type(v) == 'table' then rawset(v, 'leak', 1) end end"} {
		got, _ = run(t, e, f, 2, s, nil, nil)
		assert.Contains(t, got, "Attempt to modify a readonly table", s)
	}
	got, _ = run(t, e, f, 2, "return {math.pi > 3.14, string.upper('a'), rawget(_G, 'leak') == nil, type(redis.call)}", nil, nil)
	assert.Equal(t, "*4\r\n:1\r\n$1\r\nA\r\n:1\r\n$8\r\nfunction\r\n", got)
	got, _ = run(t, e, f, 2, "return {math.pi > 3.14, string.upper('a')}", nil, nil)
	assert.Equal(t, "*2\r\n:1\r\n$1\r\nA\r\n", got)
	// A function state has no KEYS/ARGV globals after an EVAL.
	_, err := e.FunctionLoad([]byte("#!lua name=k\nredis.register_function('k', function() return type(rawget(_G, 'KEYS')) end)"), false)
	require.NoError(t, err)
	fn, _ := e.Function([]byte("k"))
	assert.Equal(t, "$3\r\nnil\r\n", string(e.FCall(nil, &Run{Caller: f, Proto: 2}, fn, nil, nil)))
}

func TestConcurrentRuns(t *testing.T) {
	e := New(Options{MaxStates: 2})
	_, err := e.FunctionLoad([]byte("#!lua name=c\nredis.register_function('inc', function(keys) return redis.call('INCR', keys[1]) end)"), false)
	require.NoError(t, err)
	s, err := e.Load([]byte("return redis.call('INCR', KEYS[1])"))
	require.NoError(t, err)
	fn, _ := e.Function([]byte("inc"))
	f := newFake()
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				r := &Run{Caller: f, Proto: 2}
				var out []byte
				if (g+i)%2 == 0 {
					out = e.Run(nil, r, s, [][]byte{[]byte("n")}, nil)
				} else {
					out = e.FCall(nil, r, fn, [][]byte{[]byte("n")}, nil)
				}
				if out[0] != ':' {
					errs <- string(out)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	assert.Equal(t, "400", f.kv["n"])
}

func TestLogAndRandom(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	e := New(Options{Log: func(level int, msg string) {
		mu.Lock()
		lines = append(lines, fmt.Sprint(level, " ", msg))
		mu.Unlock()
	}})
	got, _ := run(t, e, newFake(), 2, "redis.log(redis.LOG_NOTICE, 'a', 1.5, 'b') return 1", nil, nil)
	assert.Equal(t, ":1\r\n", got)
	assert.Equal(t, []string{"2 a 1.5 b"}, lines)

	// One redisLrand48 sequence per server, seeded with 0: the values Redis
	// 7.0 returns for its first two calls after start.
	e2 := New(Options{})
	got, _ = run(t, e2, newFake(), 2, "return tostring(math.random())", nil, nil)
	assert.Equal(t, "$16\r\n0.39646477363839\r\n", got)
	got, _ = run(t, e2, newFake(), 2, "return tostring(math.random())", nil, nil)
	assert.NotEqual(t, "$16\r\n0.39646477363839\r\n", got, "the sequence goes on from one EVAL to the next")
}

func TestFunctions(t *testing.T) {
	var logs int
	var mu sync.Mutex
	e := New(Options{MaxStates: 4, Log: func(int, string) { mu.Lock(); logs++; mu.Unlock() }})
	name, err := e.FunctionLoad([]byte("#!lua name=lib1\nredis.log(redis.LOG_WARNING, 'loading')\nredis.register_function{function_name='f', callback=function(keys, args) return args[1] end, flags={'no-writes'}, description='d'}"), false)
	require.NoError(t, err)
	assert.Equal(t, "lib1", name)
	f, ok := e.Function([]byte("f"))
	require.True(t, ok)
	assert.Equal(t, FlagNoWrites, f.Flags())
	assert.Equal(t, "lib1", f.Library())

	// Take the state that loaded the library, so FCall runs in a new one
	// and must re-create the library there, without logging again.
	held := e.getState()
	out := e.FCall(nil, &Run{Caller: newFake(), Proto: 2}, f, nil, [][]byte{[]byte("v")})
	e.putState(held)
	assert.Equal(t, "$1\r\nv\r\n", string(out))
	assert.Equal(t, 1, logs)

	_, err = e.FunctionLoad([]byte("#!lua name=lib1\nredis.register_function('g', function() return 1 end)"), false)
	assert.EqualError(t, err, "ERR Library 'lib1' already exists")
	_, err = e.FunctionLoad([]byte("#!lua name=lib1\nredis.register_function('g', function() return 2 end)"), true)
	require.NoError(t, err)
	_, ok = e.Function([]byte("f"))
	assert.False(t, ok, "REPLACE drops the old library's functions")
	g, ok := e.Function([]byte("g"))
	require.True(t, ok)
	for range 3 { // every pooled state must see the new code
		assert.Equal(t, ":2\r\n", string(e.FCall(nil, &Run{Caller: newFake(), Proto: 2}, g, nil, nil)))
	}
	_, err = e.FunctionLoad([]byte("#!lua name=lib2\nredis.register_function('g', function() end)"), false)
	assert.EqualError(t, err, "ERR Function g already exists")
	_, err = e.FunctionLoad([]byte("#!lua name=lib2\nredis.register_function('G', function() end)"), false)
	assert.EqualError(t, err, "ERR Function G already exists", "function names clash ignoring case")
	_, ok = e.Function([]byte("G"))
	assert.True(t, ok, "FCALL ignores case")

	libs, funcs := e.FunctionCounts()
	assert.Equal(t, [2]int{1, 1}, [2]int{libs, funcs})
	list := string(e.FunctionList(nil, 3, func(n string) bool { return n == "nomatch" }, false))
	assert.Equal(t, "*0\r\n", list)
	list = string(e.FunctionList(nil, 3, nil, false))
	assert.Equal(t, "*1\r\n%3\r\n$12\r\nlibrary_name\r\n$4\r\nlib1\r\n$6\r\nengine\r\n$3\r\nLUA\r\n$9\r\nfunctions\r\n*1\r\n%3\r\n$4\r\nname\r\n$1\r\ng\r\n$11\r\ndescription\r\n_\r\n$5\r\nflags\r\n~0\r\n", list)

	assert.False(t, e.FunctionDelete([]byte("nope")))
	assert.True(t, e.FunctionDelete([]byte("lib1")))
	_, ok = e.Function([]byte("g"))
	assert.False(t, ok)
	_, err = e.FunctionLoad([]byte("#!lua name=x\nredis.register_function('x', function() end)"), false)
	require.NoError(t, err)
	e.FunctionFlush()
	libs, funcs = e.FunctionCounts()
	assert.Equal(t, [2]int{0, 0}, [2]int{libs, funcs})
}

func TestFunctionLoadSandbox(t *testing.T) {
	e := New(Options{MaxStates: 1})
	_, err := e.FunctionLoad([]byte("#!lua name=a\ngetmetatable(_G).__index.leak = 1"), false)
	assert.EqualError(t, err, "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'getmetatable'")
	_, err = e.FunctionLoad([]byte("#!lua name=b\nredis.register_function('b', function() return 1 end) return leak"), false)
	assert.EqualError(t, err, "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'leak'")
}

func TestFunctionLoadTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for Redis's 500 ms load timeout")
	}
	e := New(Options{})
	_, err := e.FunctionLoad([]byte("#!lua name=slow\nwhile true do end"), false)
	assert.EqualError(t, err, "ERR Error registering functions: ERR FUNCTION LOAD timeout")
}

func TestSplitKeys(t *testing.T) {
	rest := bs([]string{"k1", "k2", "a"})
	tests := []struct {
		numkeys string
		fcall   bool
		keys    int
		err     string
	}{
		{"2", false, 2, ""},
		{"0", true, 0, ""},
		{"3", false, 3, ""},
		{"4", false, 0, MsgKeysGreater},
		{"-1", true, 0, MsgKeysNegative},
		{"x", false, 0, MsgEvalBadKeys},
		{"x", true, 0, MsgFCallBadKeys},
	}
	for _, tc := range tests {
		t.Run(tc.numkeys+"/"+strconv.FormatBool(tc.fcall), func(t *testing.T) {
			keys, argv, msg := SplitKeys([]byte(tc.numkeys), rest, tc.fcall)
			assert.Equal(t, tc.err, msg)
			if tc.err == "" {
				assert.Len(t, keys, tc.keys)
				assert.Len(t, argv, len(rest)-tc.keys)
			}
		})
	}
}

type aclCaller struct{ *fakeCaller }

func (aclCaller) CheckACL(args [][]byte) (bool, bool) {
	return string(args[0]) != "nope", string(args[0]) == "get"
}

func TestACLCheckCmd(t *testing.T) {
	e := New(Options{})
	c := aclCaller{newFake()}
	got, _ := run(t, e, c, 2, "return {redis.acl_check_cmd('get', 'k'), redis.acl_check_cmd('set', 'k', 'v')}", nil, nil)
	assert.Equal(t, "*2\r\n:1\r\n$-1\r\n", got)
	got, _ = run(t, e, c, 2, "return redis.acl_check_cmd('nope')", nil, nil)
	assert.Contains(t, got, "-ERR Invalid command passed to redis.acl_check_cmd()")
	got, _ = run(t, e, newFake(), 2, "return redis.acl_check_cmd('set')", nil, nil)
	assert.Equal(t, ":1\r\n", got, "without an ACLChecker every command is allowed")
}

func TestMalformedCallerReply(t *testing.T) {
	e := New(Options{})
	s, err := e.Load([]byte("return redis.pcall('X')"))
	require.NoError(t, err)
	for _, reply := range []string{"", "$5\r\nab\r\n", "*2\r\n:1\r\n", "?\r\n", ":x\r\n", "*-1\r\n"} {
		got := e.Run(nil, &Run{Caller: constCaller(reply), Proto: 2}, s, nil, nil)
		assert.NotEmpty(t, got, "reply %q", reply)
	}
}

type constCaller string

func (c constCaller) Call([][]byte, int) []byte { return []byte(c) }

func TestFunctionStatsRunning(t *testing.T) {
	e := New(Options{})
	got := string(e.FunctionStats(nil, 2, &Running{Name: "f", Command: [][]byte{[]byte("FCALL"), []byte("f"), []byte("0")}, DurationMS: 12}))
	assert.Equal(t, "*4\r\n$14\r\nrunning_script\r\n*6\r\n$4\r\nname\r\n$1\r\nf\r\n$7\r\ncommand\r\n*3\r\n$5\r\nFCALL\r\n$1\r\nf\r\n$1\r\n0\r\n$11\r\nduration_ms\r\n:12\r\n$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n$15\r\nlibraries_count\r\n:0\r\n$15\r\nfunctions_count\r\n:0\r\n", got)
}

// TestCallerReplyTypes feeds every RESP3 type to redis.call and checks the
// Lua value the script sees, as redisProtocolToLuaType builds it.
func TestCallerReplyTypes(t *testing.T) {
	tests := []struct {
		reply  string
		script string
		want   string
	}{
		{"(12345678901234567890\r\n", "return r.big_number", "$20\r\n12345678901234567890\r\n"},
		{"(12345678901234567890\r\n", "return r", "(12345678901234567890\r\n"},
		{"=9\r\ntxt:hello\r\n", "return {r.verbatim_string.format, r.verbatim_string.string}", "*2\r\n$3\r\ntxt\r\n$5\r\nhello\r\n"},
		{"=9\r\ntxt:hello\r\n", "return r", "=9\r\ntxt:hello\r\n"},
		{",inf\r\n", "return tostring(r.double)", "$3\r\ninf\r\n"},
		{",-1.5\r\n", "return r", ",-1.5\r\n"},
		{"#t\r\n", "return type(r)", "$7\r\nboolean\r\n"},
		{"_\r\n", "return type(r)", "$3\r\nnil\r\n"},
		{"$-1\r\n", "return r == false", "#t\r\n"},
		{"*-1\r\n", "return r == false", "#t\r\n"},
		{"%1\r\n$1\r\na\r\n*2\r\n:1\r\n:2\r\n", "return r.map.a[2]", ":2\r\n"},
		{"~2\r\n$1\r\nx\r\n$1\r\ny\r\n", "return {r.set.x, r.set.y, r.set.z}", "*2\r\n#t\r\n#t\r\n"},
		{"|1\r\n$3\r\nkey\r\n$3\r\nval\r\n:7\r\n", "return r", ":7\r\n"},
		{">2\r\n$7\r\nmessage\r\n$2\r\nhi\r\n", "return r[2]", "$2\r\nhi\r\n"},
		{"*3\r\n:1\r\n_\r\n:3\r\n", "return {r[1], r[2] == nil, r[3]}", "*3\r\n:1\r\n#t\r\n:3\r\n"},
		{"-WRONGTYPE Operation\r\n", "return r.err", "$19\r\nWRONGTYPE Operation\r\n"},
		{"-NOCODE\r\n", "return r.err", "$10\r\nERR NOCODE\r\n"},
	}
	e := New(Options{})
	for _, tc := range tests {
		t.Run(tc.reply+"/"+tc.script, func(t *testing.T) {
			s, err := e.Load([]byte("redis.setresp(3) local r = redis.pcall('X') " + tc.script))
			require.NoError(t, err)
			got := e.Run(nil, &Run{Caller: constCaller(tc.reply), Proto: 3}, s, nil, nil)
			assert.Equal(t, tc.want, string(got))
		})
	}
}
