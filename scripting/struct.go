package scripting

import (
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The struct library is Roberto Ierusalimschy's struct 0.2 as Redis bundles
// it, for a 64-bit little-endian build: long and size_t are 8 bytes, int 4,
// the maximum alignment 8, integers up to 32 bytes.

const (
	structMaxIntSize = 32
	structMaxAlign   = 8
)

func openStruct(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(structPack))
	t.RawSetString("unpack", L.NewFunction(structUnpack))
	t.RawSetString("size", L.NewFunction(structSize))
	return t
}

type structHeader struct {
	little bool
	align  int
}

type structFmt struct {
	L     *lua.LState
	s     string
	i     int
	fname string
}

func (f *structFmt) getnum(df int) int {
	if f.i >= len(f.s) || !isDigit(f.s[f.i]) {
		return df
	}
	a := 0
	for f.i < len(f.s) && isDigit(f.s[f.i]) {
		d := int(f.s[f.i] - '0')
		if a > math.MaxInt32/10 || a*10 > math.MaxInt32-d {
			luaLError(f.L, "integral size overflow")
		}
		a = a*10 + d
		f.i++
	}
	return a
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (f *structFmt) optsize(opt byte) int {
	switch opt {
	case 'B', 'b':
		return 1
	case 'H', 'h':
		return 2
	case 'L', 'l', 'T', 'd':
		return 8
	case 'f':
		return 4
	case 'x':
		return 1
	case 'c':
		return f.getnum(1)
	case 'i', 'I':
		sz := f.getnum(4)
		if sz > structMaxIntSize {
			luaLError(f.L, "integral size %d is larger than limit of %d", sz, structMaxIntSize)
		}
		return sz
	}
	return 0
}

func gettoalign(n int, h *structHeader, opt byte, size int) int {
	if size == 0 || opt == 'c' {
		return 0
	}
	if size > h.align {
		size = h.align
	}
	return (size - (n & (size - 1))) & (size - 1)
}

func (f *structFmt) controloptions(opt byte, h *structHeader) {
	switch opt {
	case ' ':
	case '>':
		h.little = false
	case '<':
		h.little = true
	case '!':
		a := f.getnum(structMaxAlign)
		if a <= 0 || a&(a-1) != 0 {
			luaLError(f.L, "alignment %d is not a power of 2", a)
		}
		h.align = a
	default:
		argError(f.L, 1, f.fname, "invalid format option '"+string(opt)+"'")
	}
}

func structPack(L *lua.LState) int {
	f := &structFmt{L: L, s: checkString(L, 1, "pack"), fname: "pack"}
	h := structHeader{little: true, align: 1}
	arg := 2
	var b []byte
	total := 0
	for f.i < len(f.s) {
		opt := f.s[f.i]
		f.i++
		size := f.optsize(opt)
		toalign := gettoalign(total, &h, opt, size)
		total += toalign
		for ; toalign > 0; toalign-- {
			b = append(b, 0)
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			n := checkNumber(L, arg, "pack")
			arg++
			var v uint64
			if n < 0 {
				v = uint64(luaToInt64(n))
			} else if n >= 18446744073709551616.0 || math.IsNaN(n) {
				v = 1 << 63
			} else {
				v = uint64(n)
			}
			buf := make([]byte, size)
			if h.little {
				for i := 0; i < size; i++ {
					buf[i] = byte(v)
					v >>= 8
				}
			} else {
				for i := size - 1; i >= 0; i-- {
					buf[i] = byte(v)
					v >>= 8
				}
			}
			b = append(b, buf...)
		case 'x':
			b = append(b, 0)
		case 'f':
			u := math.Float32bits(float32(checkNumber(L, arg, "pack")))
			arg++
			b = appendUint(b, uint64(u), 4, h.little)
		case 'd':
			u := math.Float64bits(checkNumber(L, arg, "pack"))
			arg++
			b = appendUint(b, u, 8, h.little)
		case 'c', 's':
			s := checkString(L, arg, "pack")
			arg++
			if size == 0 {
				size = len(s)
			}
			if len(s) < size {
				argError(L, arg, "pack", "string too short")
			}
			b = append(b, s[:size]...)
			if opt == 's' {
				b = append(b, 0)
				size++
			}
		default:
			f.controloptions(opt, &h)
		}
		total += size
	}
	L.Push(lua.LString(b))
	return 1
}

func appendUint(b []byte, v uint64, size int, little bool) []byte {
	for i := 0; i < size; i++ {
		shift := 8 * i
		if !little {
			shift = 8 * (size - 1 - i)
		}
		b = append(b, byte(v>>shift))
	}
	return b
}

func getUint(data string, size int, little bool) uint64 {
	var l uint64
	if !little {
		for i := 0; i < size; i++ {
			l = l<<8 | uint64(data[i])
		}
	} else {
		for i := size - 1; i >= 0; i-- {
			l = l<<8 | uint64(data[i])
		}
	}
	return l
}

func structUnpack(L *lua.LState) int {
	f := &structFmt{L: L, s: checkString(L, 1, "unpack"), fname: "unpack"}
	data := checkString(L, 2, "unpack")
	ld := len(data)
	pos := 1
	if L.Get(3) != lua.LNil {
		pos = int(checkNumber(L, 3, "unpack"))
	}
	if pos <= 0 {
		argError(L, 3, "unpack", "offset must be 1 or greater")
	}
	pos--
	h := structHeader{little: true, align: 1}
	var out []lua.LValue
	for f.i < len(f.s) {
		opt := f.s[f.i]
		f.i++
		size := f.optsize(opt)
		pos += gettoalign(pos, &h, opt, size)
		if !(size <= ld && pos <= ld-size) {
			argError(L, 2, "unpack", "data string too short")
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			l := getUint(data[pos:], size, h.little)
			if opt >= 'a' && opt <= 'z' {
				sh := uint(size*8-1) & 63
				mask := ^uint64(0) << sh
				if l&mask != 0 {
					l |= mask
				}
				out = append(out, lua.LNumber(float64(int64(l))))
			} else {
				out = append(out, lua.LNumber(float64(l)))
			}
		case 'x':
		case 'f':
			out = append(out, lua.LNumber(math.Float32frombits(uint32(getUint(data[pos:], 4, h.little)))))
		case 'd':
			out = append(out, lua.LNumber(math.Float64frombits(getUint(data[pos:], 8, h.little))))
		case 'c':
			if size == 0 {
				if len(out) == 0 || !isNumber(out[len(out)-1]) {
					luaLError(L, "format 'c0' needs a previous size")
				}
				size = int(toNumber(out[len(out)-1]))
				out = out[:len(out)-1]
				if !(size <= ld && pos <= ld-size) || size < 0 {
					argError(L, 2, "unpack", "data string too short")
				}
			}
			out = append(out, lua.LString(data[pos:pos+size]))
		case 's':
			e := strings.IndexByte(data[pos:], 0)
			if e < 0 {
				luaLError(L, "unfinished string in data")
			}
			size = e + 1
			out = append(out, lua.LString(data[pos:pos+e]))
		default:
			f.controloptions(opt, &h)
		}
		pos += size
	}
	for _, v := range out {
		L.Push(v)
	}
	L.Push(lua.LNumber(pos + 1))
	return len(out) + 1
}

func structSize(L *lua.LState) int {
	f := &structFmt{L: L, s: checkString(L, 1, "size"), fname: "size"}
	h := structHeader{little: true, align: 1}
	pos := 0
	for f.i < len(f.s) {
		opt := f.s[f.i]
		f.i++
		size := f.optsize(opt)
		pos += gettoalign(pos, &h, opt, size)
		if opt == 's' {
			argError(L, 1, "size", "option 's' has no fixed size")
		} else if opt == 'c' && size == 0 {
			argError(L, 1, "size", "option 'c0' has no fixed size")
		}
		if !isAlnum(opt) {
			f.controloptions(opt, &h)
		}
		pos += size
	}
	L.Push(lua.LNumber(pos))
	return 1
}

func isAlnum(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
