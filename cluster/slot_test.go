package cluster

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCRC16(t *testing.T) {
	// The check value of CRC-16/XMODEM, the one Redis's crc16.c documents.
	assert.Equal(t, uint16(0x31C3), CRC16([]byte("123456789")))
	assert.Equal(t, uint16(0), CRC16(nil))
}

func TestKeySlot(t *testing.T) {
	// Expected values are redis-server 7.0's CLUSTER KEYSLOT.
	tests := []struct {
		key  string
		slot int
	}{
		{"foo", 12182},
		{"a", 15495},
		{"b", 3300},
		{"06S", 0},
		{"{06S}x", 0},
		{"{a}", 15495},
		{"{}a", 10875},  // empty tag: the whole key
		{"{a}}", 15495}, // tag ends at the first '}'
		{"a{b", 13340},  // no '}': the whole key
		{"k37999", 1},   // found by search, as in the Redis test suite
		{"x{a}{b}", 15495},
		{"", 0},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			assert.Equal(t, tt.slot, KeySlot([]byte(tt.key)))
		})
	}
}

func TestKeySlotAllocs(t *testing.T) {
	k := []byte("user:{42}:name")
	assert.Zero(t, testing.AllocsPerRun(100, func() { KeySlot(k) }))
}

func TestBitmapRanges(t *testing.T) {
	var b Bitmap
	for _, j := range []int{0, 1, 2, 5, 16383} {
		b.Set(j)
	}
	require.True(t, b.Has(5))
	assert.Equal(t, [][2]int{{0, 2}, {5, 5}, {16383, 16383}}, b.Ranges())
	b.Clear(5)
	assert.False(t, b.Has(5))
	assert.Equal(t, [][2]int{{0, 2}, {16383, 16383}}, b.Ranges())
}
