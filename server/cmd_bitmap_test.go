package server

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Replies checked against redis-server 7.0.15; the differential tests
// repeat them against a live one when it is installed.
func TestBitmapCommands(t *testing.T) {
	s := startServer(t, redisConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"setbit/new", resp("SETBIT", "b", "7", "1"), ":0\r\n"},
		{"setbit/same", resp("SETBIT", "b", "7", "1"), ":1\r\n"},
		{"setbit/grow", resp("SETBIT", "b", "17", "1"), ":0\r\n"},
		{"setbit/value", resp("GET", "b"), "$3\r\n\x01\x00\x40\r\n"},
		{"setbit/bad offset", resp("SETBIT", "b", "-1", "1"), "-ERR bit offset is not an integer or out of range\r\n"},
		{"setbit/offset past 512MB", resp("SETBIT", "b", "4294967296", "1"), "-ERR bit offset is not an integer or out of range\r\n"},
		{"setbit/bad bit", resp("SETBIT", "b", "1", "2"), "-ERR bit is not an integer or out of range\r\n"},
		{"getbit", resp("GETBIT", "b", "17"), ":1\r\n"},
		{"getbit/past end", resp("GETBIT", "b", "1000"), ":0\r\n"},
		{"getbit/missing", resp("GETBIT", "nope", "3"), ":0\r\n"},
		{"set", resp("SET", "s", "foobar"), "+OK\r\n"},
		{"bitcount", resp("BITCOUNT", "s"), ":26\r\n"},
		{"bitcount/bytes", resp("BITCOUNT", "s", "1", "1"), ":6\r\n"},
		{"bitcount/bits", resp("BITCOUNT", "s", "5", "30", "BIT"), ":17\r\n"},
		{"bitcount/negative inverted", resp("BITCOUNT", "s", "-1", "-3", "FOO"), ":0\r\n"},
		{"bitcount/bad unit", resp("BITCOUNT", "s", "0", "1", "FOO"), "-ERR syntax error\r\n"},
		{"bitcount/missing key ignores range", resp("BITCOUNT", "nope", "x", "y"), ":0\r\n"},
		{"bitcount/one bound", resp("BITCOUNT", "s", "0"), "-ERR syntax error\r\n"},
		{"bitpos/1", resp("BITPOS", "s", "1"), ":1\r\n"},
		{"bitpos/0", resp("BITPOS", "s", "0"), ":0\r\n"},
		{"bitpos/bits", resp("BITPOS", "s", "1", "7", "15", "BIT"), ":9\r\n"},
		{"bitpos/missing 1", resp("BITPOS", "nope", "1"), ":-1\r\n"},
		{"bitpos/missing 0", resp("BITPOS", "nope", "0"), ":0\r\n"},
		{"bitpos/bad bit", resp("BITPOS", "s", "2"), "-ERR The bit argument must be 1 or 0.\r\n"},
		{"set ones", resp("SET", "ff", "\xff\xff"), "+OK\r\n"},
		{"bitpos/0 past end", resp("BITPOS", "ff", "0"), ":16\r\n"},
		{"bitpos/0 explicit end", resp("BITPOS", "ff", "0", "0", "-1"), ":-1\r\n"},
		{"bitop/and", resp("BITOP", "AND", "d", "s", "ff"), ":6\r\n"},
		{"bitop/value", resp("GET", "d"), "$6\r\nfo\x00\x00\x00\x00\r\n"},
		{"bitop/not", resp("BITOP", "NOT", "d", "ff"), ":2\r\n"},
		{"bitop/not value", resp("GET", "d"), "$2\r\n\x00\x00\r\n"},
		{"bitop/not two keys", resp("BITOP", "NOT", "d", "s", "ff"), "-ERR BITOP NOT must be called with a single source key.\r\n"},
		{"bitop/empty deletes", resp("BITOP", "OR", "d", "nope"), ":0\r\n"},
		{"bitop/deleted", resp("EXISTS", "d"), ":0\r\n"},
		{"bitop/bad op", resp("BITOP", "NAND", "d", "s"), "-ERR syntax error\r\n"},
		{"rpush", resp("RPUSH", "l", "a"), ":1\r\n"},
		{"bitop/wrongtype", resp("BITOP", "AND", "d", "l"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{"bitfield", resp("BITFIELD", "bf", "SET", "i8", "0", "100", "GET", "u4", "0", "INCRBY", "u2", "100", "1"), "*3\r\n:0\r\n:6\r\n:1\r\n"},
		{"bitfield/overflow", resp("BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "100", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "1"), "*2\r\n:127\r\n$-1\r\n"},
		{"bitfield/wrap", resp("BITFIELD", "bf", "INCRBY", "i8", "0", "1"), "*1\r\n:-128\r\n"},
		{"bitfield/hash offset", resp("BITFIELD", "bf", "SET", "u8", "#2", "255", "GET", "u8", "16"), "*2\r\n:0\r\n:255\r\n"},
		{"bitfield/u64", resp("BITFIELD", "bf", "GET", "u64", "0"), "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"},
		{"bitfield/overflow type", resp("BITFIELD", "bf", "OVERFLOW", "foo"), "-ERR Invalid OVERFLOW type specified\r\n"},
		{"bitfield/no ops", resp("BITFIELD", "nope"), "*0\r\n"},
		{"bitfield_ro", resp("BITFIELD_RO", "bf", "GET", "u8", "16"), "*1\r\n:255\r\n"},
		{"bitfield_ro/set", resp("BITFIELD_RO", "bf", "SET", "u8", "16", "1"), "-ERR BITFIELD_RO only supports the GET subcommand\r\n"},
		{"bitfield/wrongtype", resp("BITFIELD", "l", "GET", "u8", "0"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	})
}

// TestBitmapKeepsDeadline: bit writes change the value, not the TTL.
func TestBitmapKeepsDeadline(t *testing.T) {
	s := startServer(t, redisConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"set", resp("SET", "k", "a", "EX", "100"), "+OK\r\n"},
		{"setbit in place", resp("SETBIT", "k", "6", "1"), ":0\r\n"},
		{"setbit grow", resp("SETBIT", "k", "100", "1"), ":0\r\n"},
		{"bitfield grow", resp("BITFIELD", "k", "SET", "u8", "200", "7"), "*1\r\n:0\r\n"},
		{"ttl", resp("TTL", "k"), ":100\r\n"},
	})
}

func TestBitmapAllocations(t *testing.T) {
	s, err := New(redisConfig())
	require.NoError(t, err)
	c := newTestClient(s)
	c.exec(bargs("SET", "b", "0123456789abcdef"))
	// Writes inside the string are patched in place; reads copy nothing.
	for _, args := range [][]string{
		{"SETBIT", "b", "13", "1"}, {"SETBIT", "b", "13", "0"}, {"GETBIT", "b", "13"},
		{"BITCOUNT", "b"}, {"BITCOUNT", "b", "1", "-2", "BIT"}, {"BITPOS", "b", "0", "2"},
		{"BITFIELD", "b", "INCRBY", "u7", "20", "3", "GET", "i5", "#3"}, {"BITFIELD_RO", "b", "GET", "u8", "0"},
	} {
		argv := bargs(args...)
		c.exec(argv)
		_ = c.w.Flush()
		assert.Zero(t, testing.AllocsPerRun(500, func() {
			c.exec(argv)
			_ = c.w.Flush()
		}), args)
	}
}

func TestBitfieldOverflowHelpers(t *testing.T) {
	tests := []struct {
		name    string
		signed  bool
		value   int64
		incr    int64
		width   uint
		ovf     int
		wantOvf bool
		want    int64
	}{
		{"u8/no overflow", false, 250, 5, 8, ovfWrap, false, 0},
		{"u8/wrap", false, 250, 10, 8, ovfWrap, true, 4},
		{"u8/sat", false, 250, 10, 8, ovfSat, true, 255},
		{"u8/sat under", false, 5, -10, 8, ovfSat, true, 0},
		{"u8/wrap under", false, 5, -10, 8, ovfWrap, true, 251},
		{"u63/sat", false, 1<<63 - 1, 1, 63, ovfSat, true, 1<<63 - 1},
		{"i8/wrap", true, 127, 1, 8, ovfWrap, true, -128},
		{"i8/sat", true, 127, 1, 8, ovfSat, true, 127},
		{"i8/sat under", true, -128, -1, 8, ovfSat, true, -128},
		{"i64/wrap", true, -1 << 63, -1, 64, ovfWrap, true, 1<<63 - 1},
		{"i64/fine", true, 5, -7, 64, ovfFail, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.signed {
				ovf, got := signedOverflow(tt.value, tt.incr, tt.width, tt.ovf)
				assert.Equal(t, tt.wantOvf, ovf)
				if ovf {
					assert.Equal(t, tt.want, got)
				}
				return
			}
			ovf, got := unsignedOverflow(uint64(tt.value), tt.incr, tt.width, tt.ovf)
			assert.Equal(t, tt.wantOvf, ovf)
			if ovf {
				assert.Equal(t, uint64(tt.want), got)
			}
		})
	}
}
