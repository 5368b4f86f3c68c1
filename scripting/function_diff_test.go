package scripting

import (
	"strconv"
	"strings"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
)

type fnCase struct {
	name string
	code string
	// calls are FCALL argument lists (function, numkeys, keys..., args...)
	calls [][]string
}

var fnCases = []fnCase{
	{name: "basic", code: "#!lua name=mylib\nredis.register_function('f1', function(keys, args) return {keys[1], args[1]} end)\nredis.register_function{function_name='f2', callback=function(keys, args) return redis.call('PING') end, flags={'no-writes'}, description='desc'}\nredis.register_function('f3', function(keys, args) error('boom') end)\n",
		calls: [][]string{{"f1", "1", "k", "a"}, {"f2", "0"}, {"f3", "0"}}},
	{name: "no-metadata", code: "redis.register_function('x', function() end)"},
	{name: "no-newline", code: "#!lua name=a"},
	{name: "bad-option", code: "#!lua name=a b=c\nredis.register_function('g', function() end)"},
	{name: "name-twice", code: "#!lua name=a name=b\nx"},
	{name: "bad-engine", code: "#!js name=a\nx"},
	{name: "bad-name", code: "#!lua name=a-b\nx"},
	{name: "no-name", code: "#!lua\nx"},
	{name: "empty-name", code: "#!lua name=\nx"},
	{name: "upper", code: "#!LUA NAME=up\nredis.register_function('up', function() return 1 end)", calls: [][]string{{"up", "0"}}},
	{name: "no-functions", code: "#!lua name=a\nreturn 1"},
	{name: "call-at-load", code: "#!lua name=a\nredis.call('PING')"},
	{name: "string-at-load", code: "#!lua name=a\nstring.len('x')"},
	{name: "error-at-load", code: "#!lua name=a\nerror('x')"},
	{name: "global-at-load", code: "#!lua name=a\nx = 1"},
	{name: "compile-error", code: "#!lua name=a\nlocal x = \n"},
	{name: "bad-function-name", code: "#!lua name=a\nredis.register_function('f-1', function() end)"},
	{name: "dup-in-lib", code: "#!lua name=a\nredis.register_function('g', function() end) redis.register_function('g', function() end)"},
	{name: "no-args", code: "#!lua name=a\nredis.register_function()"},
	{name: "number-name", code: "#!lua name=a\nredis.register_function(1, 2)"},
	{name: "not-function", code: "#!lua name=a\nredis.register_function('g', 2)"},
	{name: "named-no-callback", code: "#!lua name=a\nredis.register_function{function_name='g'}"},
	{name: "named-no-name", code: "#!lua name=a\nredis.register_function{callback=function() end}"},
	{name: "bad-flag", code: "#!lua name=a\nredis.register_function{function_name='g', callback=function() end, flags={'bogus'}}"},
	{name: "flags-not-table", code: "#!lua name=a\nredis.register_function{function_name='g', callback=function() end, flags='no-writes'}"},
	{name: "unknown-arg", code: "#!lua name=a\nredis.register_function{function_name='g', callback=function() end, foo=1}"},
	{name: "single-non-table", code: "#!lua name=a\nredis.register_function(5)"},
	{name: "log-and-version", code: "#!lua name=a\nredis.log(redis.LOG_WARNING, 'loading') redis.register_function('g', function() return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM} end)", calls: [][]string{{"g", "0"}}},
	{name: "no-keys-global", code: "#!lua name=b\nredis.register_function('fb', function(k, a) return {#k, #a, type(KEYS)} end)", calls: [][]string{{"fb", "0"}}},
	{name: "nonexistent-global", code: "#!lua name=b4\nredis.register_function('fb4', function() return x end)", calls: [][]string{{"fb4", "0"}}},
	{name: "resp3", code: "#!lua name=b5\nredis.register_function('fb5', function() redis.setresp(3) redis.call('HSET', 'h', 'f', 'v') return redis.call('HGETALL', 'h') end)", calls: [][]string{{"fb5", "0"}}},
	{name: "all-flags", code: "#!lua name=b3\nredis.register_function{function_name='fb3', callback=function(k, a) return 1 end, flags={'no-writes','ALLOW-OOM','allow-stale','no-cluster','allow-cross-slot-keys'}}", calls: [][]string{{"fb3", "0"}}},
	{name: "call-error", code: "#!lua name=c\nlocal function helper()\n  return redis.call('INCR', 'k', 'x')\nend\nredis.register_function('fc', function() return helper() end)", calls: [][]string{{"fc", "0"}}},
	{name: "case", code: "#!lua name=CaseLib\nredis.register_function('ab', function() return 1 end) redis.register_function('AB', function() return 2 end)"}, // which one FCALL ab runs is Redis's dict order
	{name: "pcall", code: "#!lua name=c\nredis.register_function('fc', function(keys) return redis.pcall('GET', keys[1]) end)", calls: [][]string{{"fc", "1", "nokey"}}},
}

// TestDiffFunctions loads each library on a real redis-server and in the
// Engine, compares the replies, then compares FCALLs (with redis.call
// forwarded to the same server) and FUNCTION LIST.
func TestDiffFunctions(t *testing.T) {
	addr := redistest.StartRedis(t)
	realc := dialRaw(t, addr, 2)
	real3 := dialRaw(t, addr, 3)
	fw := &forward{c2: dialRaw(t, addr, 2), c3: dialRaw(t, addr, 3)}
	for _, tc := range fnCases {
		t.Run(tc.name, func(t *testing.T) {
			e := New(Options{})
			realc.do([]byte("FUNCTION"), []byte("FLUSH"))
			realc.do([]byte("FLUSHALL"))
			want := string(realc.do([]byte("FUNCTION"), []byte("LOAD"), []byte(tc.code)))
			var got string
			if name, err := e.FunctionLoad([]byte(tc.code), false); err != nil {
				got = string(appendErrorLine(nil, err.Error()))
			} else {
				got = "$" + strconv.Itoa(len(name)) + "\r\n" + name + "\r\n"
			}
			if want != got {
				t.Errorf("FUNCTION LOAD %q\n  redis: %q\n  ours:  %q", tc.code, want, got)
			}
			if strings.HasPrefix(want, "-") {
				return
			}
			for _, proto := range []int{2, 3} {
				for _, call := range tc.calls {
					rc := realc
					if proto == 3 {
						rc = real3
					}
					realc.do([]byte("FLUSHALL"))
					w := string(rc.do(append([][]byte{[]byte("FCALL")}, bs(call)...)...))
					realc.do([]byte("FLUSHALL"))
					f, ok := e.Function([]byte(call[0]))
					if !ok {
						t.Fatalf("function %s not found", call[0])
					}
					keys, argv, msg := SplitKeys([]byte(call[1]), bs(call[2:]), true)
					if msg != "" {
						t.Fatal(msg)
					}
					g := string(e.FCall(nil, &Run{Caller: fw, Proto: proto}, f, keys, argv))
					if w != g && !sameUnordered(w, g) {
						t.Errorf("FCALL %q\n  redis: %q\n  ours:  %q", call, w, g)
					}
				}
			}
			for _, proto := range []int{2, 3} {
				rc := realc
				if proto == 3 {
					rc = real3
				}
				w := string(rc.do([]byte("FUNCTION"), []byte("STATS")))
				if g := string(e.FunctionStats(nil, proto, nil)); w != g {
					t.Errorf("FUNCTION STATS resp%d\n  redis: %q\n  ours:  %q", proto, w, g)
				}
			}
			w := string(realc.do([]byte("FUNCTION"), []byte("LIST"), []byte("WITHCODE")))
			g := string(e.FunctionList(nil, 2, nil, true))
			// The order of functions in a library is Redis's dict order.
			if w != g && !sameSorted(w, g) {
				t.Errorf("FUNCTION LIST\n  redis: %q\n  ours:  %q", w, g)
			}
		})
	}
}
