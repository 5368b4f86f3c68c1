package codec

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAppendEncoders(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"simple", AppendSimple(nil, "OK"), "+OK\r\n"},
		{"simple/crlf-sanitized", AppendSimple(nil, "a\r\nb"), "+a  b\r\n"},
		{"error", AppendError(nil, "ERR syntax error"), "-ERR syntax error\r\n"},
		{"error/newline-sanitized", AppendError(nil, "ERR unknown command 'a\nb'"), "-ERR unknown command 'a b'\r\n"},
		{"int/0", AppendInt(nil, 0), ":0\r\n"},
		{"int/-1", AppendInt(nil, -1), ":-1\r\n"},
		{"int/min", AppendInt(nil, math.MinInt64), ":-9223372036854775808\r\n"},
		{"bulk", AppendBulk(nil, []byte("hello")), "$5\r\nhello\r\n"},
		{"bulk/empty", AppendBulk(nil, nil), "$0\r\n\r\n"},
		{"bulk/binary", AppendBulk(nil, []byte("a\r\nb")), "$4\r\na\r\nb\r\n"},
		{"bulkstring", AppendBulkString(nil, "hi"), "$2\r\nhi\r\n"},
		{"null/resp2", AppendNull(nil, 2), "$-1\r\n"},
		{"null/resp3", AppendNull(nil, 3), "_\r\n"},
		{"nullarray/resp2", AppendNullArray(nil, 2), "*-1\r\n"},
		{"nullarray/resp3", AppendNullArray(nil, 3), "_\r\n"},
		{"arraylen", AppendArrayLen(nil, 3), "*3\r\n"},
		{"arraylen/0", AppendArrayLen(nil, 0), "*0\r\n"},
		{"maplen/resp2", AppendMapLen(nil, 2, 2), "*4\r\n"},
		{"maplen/resp3", AppendMapLen(nil, 2, 3), "%2\r\n"},
		{"setlen/resp2", AppendSetLen(nil, 2, 2), "*2\r\n"},
		{"setlen/resp3", AppendSetLen(nil, 2, 3), "~2\r\n"},
		{"pushlen/resp2", AppendPushLen(nil, 3, 2), "*3\r\n"},
		{"pushlen/resp3", AppendPushLen(nil, 3, 3), ">3\r\n"},
		{"double/resp2", AppendDouble(nil, 3.14, 2), "$18\r\n3.1400000000000001\r\n"},
		{"double/resp3", AppendDouble(nil, 3.14, 3), ",3.1400000000000001\r\n"},
		{"double/inf/resp2", AppendDouble(nil, math.Inf(1), 2), "$3\r\ninf\r\n"},
		{"double/-inf/resp3", AppendDouble(nil, math.Inf(-1), 3), ",-inf\r\n"},
		{"double/nan/resp3", AppendDouble(nil, math.NaN(), 3), ",nan\r\n"},
		{"bool/true/resp2", AppendBool(nil, true, 2), ":1\r\n"},
		{"bool/false/resp2", AppendBool(nil, false, 2), ":0\r\n"},
		{"bool/true/resp3", AppendBool(nil, true, 3), "#t\r\n"},
		{"bool/false/resp3", AppendBool(nil, false, 3), "#f\r\n"},
		{"verbatim/resp2", AppendVerbatim(nil, "a:1", 2), "$3\r\na:1\r\n"},
		{"verbatim/resp3", AppendVerbatim(nil, "a:1", 3), "=7\r\ntxt:a:1\r\n"},
		{"command", AppendCommand(nil, []byte("GET"), []byte("k")), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"},
		{"command/none", AppendCommand(nil), "*0\r\n"},
		{"appends", AppendInt([]byte("+OK\r\n"), 1), "+OK\r\n:1\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(tt.got))
		})
	}
}

// TestDoubleText checks against C's printf("%.17g"), as Redis 7.0 formats.
func TestDoubleText(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{3.14, "3.1400000000000001"}, {0.1, "0.10000000000000001"}, {1, "1"}, {0, "0"},
		{-2.5, "-2.5"}, {1e-5, "1.0000000000000001e-05"}, {1e20, "1e+20"},
		{1e16, "10000000000000000"}, {123456789.123, "123456789.123"},
		{1.5e300, "1.5000000000000001e+300"}, {5e-324, "4.9406564584124654e-324"},
		{math.Inf(1), "inf"}, {math.Inf(-1), "-inf"}, {math.NaN(), "nan"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, string(appendDoubleText(nil, tt.in)))
		})
	}
}

func TestAppendAllocs(t *testing.T) {
	buf := make([]byte, 0, 4096)
	val := []byte("value")
	allocs := testing.AllocsPerRun(100, func() {
		b := buf[:0]
		b = AppendSimple(b, "OK")
		b = AppendError(b, "ERR x")
		b = AppendInt(b, 12345)
		b = AppendBulk(b, val)
		b = AppendBulkString(b, "value")
		b = AppendNull(b, 2)
		b = AppendNullArray(b, 3)
		b = AppendArrayLen(b, 2)
		b = AppendMapLen(b, 2, 3)
		b = AppendSetLen(b, 2, 2)
		b = AppendDouble(b, 3.14, 2)
		b = AppendDouble(b, 3.14, 3)
		b = AppendBool(b, true, 3)
		b = AppendVerbatim(b, "txt", 3)
		_ = AppendCommand(b, val, val)
	})
	assert.Zero(t, allocs)
}
