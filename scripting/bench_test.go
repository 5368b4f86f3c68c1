package scripting

import (
	"testing"
)

// replyCaller answers each command with a fixed reply and allocates
// nothing, so the benchmark measures the Lua side alone.
type replyCaller struct{}

var (
	replyOK   = []byte("+OK\r\n")
	replyBulk = []byte("$5\r\nvalue\r\n")
	replyInt  = []byte(":7\r\n")
)

func (replyCaller) Call(args [][]byte, _ int) []byte {
	switch args[0][0] {
	case 'S':
		return replyOK
	case 'G':
		return replyBulk
	}
	return replyInt
}

// BenchmarkRun runs a 3-command script (SET, GET, INCR) through Engine.Run.
func BenchmarkRun(b *testing.B) {
	e := New(Options{})
	s, err := e.Load([]byte("redis.call('SET', KEYS[1], ARGV[1]) local v = redis.call('GET', KEYS[1]) return {v, redis.call('INCR', KEYS[2])}"))
	if err != nil {
		b.Fatal(err)
	}
	keys := [][]byte{[]byte("key"), []byte("counter")}
	argv := [][]byte{[]byte("value")}
	r := &Run{Caller: replyCaller{}, Proto: 2}
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		dst = e.Run(dst[:0], r, s, keys, argv)
	}
	if string(dst) != "*2\r\n$5\r\nvalue\r\n:7\r\n" {
		b.Fatalf("reply %q", dst)
	}
}

// BenchmarkFCall is BenchmarkRun for the same body as a function.
func BenchmarkFCall(b *testing.B) {
	e := New(Options{})
	if _, err := e.FunctionLoad([]byte("#!lua name=bench\nredis.register_function('f', function(keys, argv) redis.call('SET', keys[1], argv[1]) local v = redis.call('GET', keys[1]) return {v, redis.call('INCR', keys[2])} end)"), false); err != nil {
		b.Fatal(err)
	}
	f, _ := e.Function([]byte("f"))
	keys := [][]byte{[]byte("key"), []byte("counter")}
	argv := [][]byte{[]byte("value")}
	r := &Run{Caller: replyCaller{}, Proto: 2}
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		dst = e.FCall(dst[:0], r, f, keys, argv)
	}
}
