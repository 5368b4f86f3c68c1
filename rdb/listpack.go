package rdb

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"

	"github.com/miniredis/miniredis/internal/decimal"
)

// A listpack (Redis 7's compact encoding of small lists, hashes and sorted
// sets): a 4-byte total size and 2-byte element count (both little-endian;
// the count saturates at 65535), the entries, and a 0xFF terminator. Each
// entry is an encoding byte (with an integer or a length), the data, and
// the entry's own size in 1-5 bytes read backwards (backlen).

const lpHeader = 6

var errListpack = errors.New("rdb: corrupt listpack")

func newListpack(b []byte) []byte { return append(b, 0, 0, 0, 0, 0, 0) }

// finishListpack writes the terminator and header of lp.
func finishListpack(lp []byte) []byte {
	lp = append(lp, 0xFF)
	binary.LittleEndian.PutUint32(lp, uint32(len(lp)))
	n := 0
	for p := lpHeader; p < len(lp)-1; {
		_, _, next, _ := lpNext(lp, p)
		p = next
		n++
	}
	binary.LittleEndian.PutUint16(lp[4:], uint16(min(n, 65535)))
	return lp
}

// lpIntSize is the encoded size (encoding and data) of integer v.
func lpIntSize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 1
	case v >= -4096 && v <= 4095:
		return 2
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 3
	case v >= -1<<23 && v < 1<<23:
		return 4
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 5
	}
	return 9
}

func lpStrHeader(n int) int {
	switch {
	case n < 64:
		return 1
	case n < 4096:
		return 2
	}
	return 5
}

func backlenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// lpEntrySize is the bytes v takes in a listpack.
func lpEntrySize(v []byte) int {
	var l int
	if i, ok := decimal.ParseInt(v); ok {
		l = lpIntSize(i)
	} else {
		l = lpStrHeader(len(v)) + len(v)
	}
	return l + backlenSize(l)
}

// lpAppend appends element v, integer-encoded when it is a canonical
// integer, as lpAppend in Redis does.
func lpAppend(lp, v []byte) []byte {
	if i, ok := decimal.ParseInt(v); ok {
		return lpAppendInt(lp, i)
	}
	start := len(lp)
	n := len(v)
	switch lpStrHeader(n) {
	case 1:
		lp = append(lp, 0x80|byte(n))
	case 2:
		lp = append(lp, 0xE0|byte(n>>8), byte(n))
	default:
		lp = binary.LittleEndian.AppendUint32(append(lp, 0xF0), uint32(n))
	}
	lp = append(lp, v...)
	return appendBacklen(lp, len(lp)-start)
}

// lpAppendInt appends integer i in its smallest encoding.
func lpAppendInt(lp []byte, i int64) []byte {
	start := len(lp)
	switch lpIntSize(i) {
	case 1:
		lp = append(lp, byte(i))
	case 2:
		u := uint16(i) & 0x1FFF
		lp = append(lp, 0xC0|byte(u>>8), byte(u))
	case 3:
		lp = binary.LittleEndian.AppendUint16(append(lp, 0xF1), uint16(i))
	case 4:
		u := uint32(i)
		lp = append(lp, 0xF2, byte(u), byte(u>>8), byte(u>>16))
	case 5:
		lp = binary.LittleEndian.AppendUint32(append(lp, 0xF3), uint32(i))
	default:
		lp = binary.LittleEndian.AppendUint64(append(lp, 0xF4), uint64(i))
	}
	return appendBacklen(lp, len(lp)-start)
}

func appendBacklen(lp []byte, l int) []byte {
	switch backlenSize(l) {
	case 1:
		return append(lp, byte(l))
	case 2:
		return append(lp, byte(l>>7), byte(l&127)|128)
	case 3:
		return append(lp, byte(l>>14), byte((l>>7)&127)|128, byte(l&127)|128)
	case 4:
		return append(lp, byte(l>>21), byte((l>>14)&127)|128, byte((l>>7)&127)|128, byte(l&127)|128)
	}
	return append(lp, byte(l>>28), byte((l>>21)&127)|128, byte((l>>14)&127)|128, byte((l>>7)&127)|128, byte(l&127)|128)
}

// lpNext decodes the entry at p: a string (s non-nil, pointing into lp) or
// an integer, and the offset of the next entry. It checks every bound.
func lpNext(lp []byte, p int) (s []byte, v int64, next int, err error) {
	if p >= len(lp) {
		return nil, 0, 0, errListpack
	}
	b := lp[p]
	var l int // encoding + data
	need := func(n int) bool { return p+n <= len(lp) }
	switch {
	case b&0x80 == 0:
		v, l = int64(b), 1
	case b&0xC0 == 0x80:
		n := int(b & 0x3F)
		if !need(1 + n) {
			return nil, 0, 0, errListpack
		}
		s, l = lp[p+1:p+1+n], 1+n
	case b&0xE0 == 0xC0:
		if !need(2) {
			return nil, 0, 0, errListpack
		}
		u := uint16(b&0x1F)<<8 | uint16(lp[p+1])
		v, l = int64(int16(u<<3)>>3), 2
	case b&0xF0 == 0xE0:
		if !need(2) {
			return nil, 0, 0, errListpack
		}
		n := int(b&0x0F)<<8 | int(lp[p+1])
		if !need(2 + n) {
			return nil, 0, 0, errListpack
		}
		s, l = lp[p+2:p+2+n], 2+n
	case b == 0xF0:
		if !need(5) {
			return nil, 0, 0, errListpack
		}
		n := uint64(binary.LittleEndian.Uint32(lp[p+1:]))
		if uint64(len(lp)-p-5) < n {
			return nil, 0, 0, errListpack
		}
		s, l = lp[p+5:p+5+int(n)], 5+int(n)
	case b == 0xF1:
		if !need(3) {
			return nil, 0, 0, errListpack
		}
		v, l = int64(int16(binary.LittleEndian.Uint16(lp[p+1:]))), 3
	case b == 0xF2:
		if !need(4) {
			return nil, 0, 0, errListpack
		}
		u := uint32(lp[p+1]) | uint32(lp[p+2])<<8 | uint32(lp[p+3])<<16
		v, l = int64(int32(u<<8)>>8), 4
	case b == 0xF3:
		if !need(5) {
			return nil, 0, 0, errListpack
		}
		v, l = int64(int32(binary.LittleEndian.Uint32(lp[p+1:]))), 5
	case b == 0xF4:
		if !need(9) {
			return nil, 0, 0, errListpack
		}
		v, l = int64(binary.LittleEndian.Uint64(lp[p+1:])), 9
	default:
		return nil, 0, 0, errListpack
	}
	bl := backlenSize(l)
	if !need(l + bl) {
		return nil, 0, 0, errListpack
	}
	return s, v, p + l + bl, nil
}

// lpEach calls fn on each element of listpack lp after checking its header
// and every entry's bounds. An integer element is passed formatted in
// scratch space that the next element reuses.
func lpEach(lp []byte, fn func(elem []byte) error) error {
	if len(lp) < lpHeader+1 || int(binary.LittleEndian.Uint32(lp)) != len(lp) || lp[len(lp)-1] != 0xFF {
		return errListpack
	}
	count := int(binary.LittleEndian.Uint16(lp[4:]))
	var num [20]byte
	n := 0
	end := len(lp) - 1
	for p := lpHeader; p < end; {
		s, v, next, err := lpNext(lp[:end], p)
		if err != nil {
			return err
		}
		if s == nil {
			s = strconv.AppendInt(num[:0], v, 10)
		}
		if err := fn(s); err != nil {
			return err
		}
		p = next
		n++
	}
	if count != 65535 && count != n {
		return errListpack
	}
	return nil
}
