package scripting

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The cmsgpack library is lua-cmsgpack 0.4.0 as Redis bundles it.

const (
	msgpackMaxNesting = 16 // LUACMSGPACK_MAX_NESTING: deeper tables pack as nil
	// msgpackMaxStack stands for the Lua C stack limit (LUAI_MAXCSTACK) that
	// stops deep or long unpacks in Redis.
	msgpackMaxStack = 8000
)

func openCmsgpack(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(mpPack))
	t.RawSetString("unpack", L.NewFunction(mpUnpack))
	t.RawSetString("unpack_one", L.NewFunction(mpUnpackOne))
	t.RawSetString("unpack_limit", L.NewFunction(mpUnpackLimit))
	t.RawSetString("_NAME", lua.LString("cmsgpack"))
	t.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	t.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	t.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	return t
}

func mpPack(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		argError(L, 0, "pack", "MessagePack pack needs input.")
	}
	var buf []byte
	for i := 1; i <= n; i++ {
		buf = mpEncode(buf, L.Get(i), 0)
	}
	L.Push(lua.LString(buf))
	return 1
}

func mpEncode(b []byte, v lua.LValue, level int) []byte {
	switch v := v.(type) {
	case lua.LString:
		return mpEncodeBytes(b, string(v))
	case lua.LBool:
		if v {
			return append(b, 0xc3)
		}
		return append(b, 0xc2)
	case lua.LNumber:
		f := float64(v)
		if !math.IsInf(f, 0) && !math.IsNaN(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0 && float64(int64(f)) == f {
			return mpEncodeInt(b, int64(f))
		}
		if float64(float32(f)) == f {
			b = append(b, 0xca)
			return binary.BigEndian.AppendUint32(b, math.Float32bits(float32(f)))
		}
		b = append(b, 0xcb)
		return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
	case *lua.LTable:
		if level == msgpackMaxNesting {
			return append(b, 0xc0)
		}
		if n, ok := mpArrayLen(v); ok {
			switch {
			case n <= 15:
				b = append(b, 0x90|byte(n))
			case n <= 0xffff:
				b = append(b, 0xdc)
				b = binary.BigEndian.AppendUint16(b, uint16(n))
			default:
				b = append(b, 0xdd)
				b = binary.BigEndian.AppendUint32(b, uint32(n))
			}
			for j := 1; j <= n; j++ {
				b = mpEncode(b, v.RawGetInt(j), level+1)
			}
			return b
		}
		n := 0
		for k, _ := v.Next(lua.LNil); k != lua.LNil; k, _ = v.Next(k) {
			n++
		}
		switch {
		case n <= 15:
			b = append(b, 0x80|byte(n))
		case n <= 0xffff:
			b = append(b, 0xde)
			b = binary.BigEndian.AppendUint16(b, uint16(n))
		default:
			b = append(b, 0xdf)
			b = binary.BigEndian.AppendUint32(b, uint32(n))
		}
		for k, val := v.Next(lua.LNil); k != lua.LNil; k, val = v.Next(k) {
			b = mpEncode(b, k, level+1)
			b = mpEncode(b, val, level+1)
		}
		return b
	}
	return append(b, 0xc0)
}

// mpArrayLen is table_is_an_array: every key a positive integer (as a C
// int) and as many keys as the largest.
func mpArrayLen(t *lua.LTable) (int, bool) {
	count, maxIdx := 0, 0
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		f := float64(n)
		if !ok || f <= 0 || f > math.MaxInt32 || float64(int32(f)) != f {
			return 0, false
		}
		if int(f) > maxIdx {
			maxIdx = int(f)
		}
		count++
	}
	return count, maxIdx == count
}

func mpEncodeBytes(b []byte, s string) []byte {
	l := len(s)
	switch {
	case l < 32:
		b = append(b, 0xa0|byte(l))
	case l <= 0xff:
		b = append(b, 0xd9, byte(l))
	case l <= 0xffff:
		b = append(b, 0xda)
		b = binary.BigEndian.AppendUint16(b, uint16(l))
	default:
		b = append(b, 0xdb)
		b = binary.BigEndian.AppendUint32(b, uint32(l))
	}
	return append(b, s...)
}

func mpEncodeInt(b []byte, n int64) []byte {
	if n >= 0 {
		switch {
		case n <= 127:
			return append(b, byte(n))
		case n <= 0xff:
			return append(b, 0xcc, byte(n))
		case n <= 0xffff:
			return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(n))
		case n <= 0xffffffff:
			return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
		}
		return binary.BigEndian.AppendUint64(append(b, 0xcf), uint64(n))
	}
	switch {
	case n >= -32:
		return append(b, byte(int8(n)))
	case n >= -128:
		return append(b, 0xd0, byte(int8(n)))
	case n >= -32768:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(int16(n)))
	case n >= -2147483648:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(int32(n)))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

type mpErr int

const (
	mpOK mpErr = iota
	mpEOF
	mpBadFmt
)

type mpCursor struct {
	L     *lua.LState
	p     string
	err   mpErr
	depth int
}

func (c *mpCursor) need(n int) bool {
	if len(c.p) < n {
		c.err = mpEOF
		return false
	}
	return true
}

func mpUnpack(L *lua.LState) int { return mpUnpackFull(L, 0, 0) }

func mpUnpackOne(L *lua.LState) int {
	offset := 0
	if L.Get(2) != lua.LNil {
		offset = int(checkNumber(L, 2, "unpack_one"))
	}
	L.SetTop(1)
	return mpUnpackFull(L, 1, offset)
}

func mpUnpackLimit(L *lua.LState) int {
	limit := int(checkNumber(L, 2, "unpack_limit"))
	offset := 0
	if L.Get(3) != lua.LNil {
		offset = int(checkNumber(L, 3, "unpack_limit"))
	}
	L.SetTop(1)
	return mpUnpackFull(L, limit, offset)
}

func mpUnpackFull(L *lua.LState, limit, offset int) int {
	s := checkString(L, 1, "unpack")
	decodeAll := limit == 0 && offset == 0
	if offset < 0 || limit < 0 {
		luaLError(L, "Invalid request to unpack with offset of %d and limit of %d.", offset, len(s))
	} else if offset > len(s) {
		luaLError(L, "Start offset %d greater than input length %d.", offset, len(s))
	}
	if decodeAll {
		limit = math.MaxInt32
	}
	c := &mpCursor{L: L, p: s[offset:]}
	var out []lua.LValue
	cnt := 0
	for ; len(c.p) > 0 && cnt < limit; cnt++ {
		if len(out) >= msgpackMaxStack {
			luaLError(L, "stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)")
		}
		v := c.decode()
		switch c.err {
		case mpEOF:
			luaLError(L, "Missing bytes in input.")
		case mpBadFmt:
			luaLError(L, "Bad data format in input.")
		}
		out = append(out, v)
	}
	if !decodeAll {
		next := len(s) - len(c.p)
		if len(c.p) == 0 {
			next = -1
		}
		L.Push(lua.LNumber(next))
	}
	for _, v := range out {
		L.Push(v)
	}
	if !decodeAll {
		return cnt + 1
	}
	return cnt
}

func (c *mpCursor) decode() lua.LValue {
	if !c.need(1) {
		return lua.LNil
	}
	p := c.p
	u8 := func(i int) uint64 { return uint64(p[i]) }
	be := func(n int) uint64 {
		var v uint64
		for i := 1; i <= n; i++ {
			v = v<<8 | u8(i)
		}
		return v
	}
	fixed := func(n int) (uint64, bool) {
		if !c.need(1 + n) {
			return 0, false
		}
		v := be(n)
		c.p = c.p[1+n:]
		return v, true
	}
	switch p[0] {
	case 0xcc, 0xcd, 0xce, 0xcf:
		n := map[byte]int{0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8}[p[0]]
		if v, ok := fixed(n); ok {
			return lua.LNumber(float64(v))
		}
		return lua.LNil
	case 0xd0:
		if v, ok := fixed(1); ok {
			return lua.LNumber(int8(v))
		}
		return lua.LNil
	case 0xd1:
		if v, ok := fixed(2); ok {
			return lua.LNumber(int16(v))
		}
		return lua.LNil
	case 0xd2:
		if v, ok := fixed(4); ok {
			return lua.LNumber(int32(v))
		}
		return lua.LNil
	case 0xd3:
		if v, ok := fixed(8); ok {
			return lua.LNumber(float64(int64(v)))
		}
		return lua.LNil
	case 0xc0:
		c.p = c.p[1:]
		return lua.LNil
	case 0xc3:
		c.p = c.p[1:]
		return lua.LTrue
	case 0xc2:
		c.p = c.p[1:]
		return lua.LFalse
	case 0xca:
		if v, ok := fixed(4); ok {
			return lua.LNumber(math.Float32frombits(uint32(v)))
		}
		return lua.LNil
	case 0xcb:
		if v, ok := fixed(8); ok {
			return lua.LNumber(math.Float64frombits(v))
		}
		return lua.LNil
	case 0xd9, 0xda, 0xdb:
		n := map[byte]int{0xd9: 1, 0xda: 2, 0xdb: 4}[p[0]]
		if !c.need(1 + n) {
			return lua.LNil
		}
		l := be(n)
		if !c.need(1 + n + int(l)) {
			return lua.LNil
		}
		s := c.p[1+n : 1+n+int(l)]
		c.p = c.p[1+n+int(l):]
		return lua.LString(s)
	case 0xdc, 0xdd, 0xde, 0xdf:
		n := 2
		if p[0] == 0xdd || p[0] == 0xdf {
			n = 4
		}
		l, ok := fixed(n)
		if !ok {
			return lua.LNil
		}
		if p[0] <= 0xdd {
			return c.array(int(l))
		}
		return c.hash(int(l))
	}
	switch {
	case p[0]&0x80 == 0:
		c.p = c.p[1:]
		return lua.LNumber(p[0])
	case p[0]&0xe0 == 0xe0:
		c.p = c.p[1:]
		return lua.LNumber(int8(p[0]))
	case p[0]&0xe0 == 0xa0:
		l := int(p[0] & 0x1f)
		if !c.need(1 + l) {
			return lua.LNil
		}
		s := c.p[1 : 1+l]
		c.p = c.p[1+l:]
		return lua.LString(s)
	case p[0]&0xf0 == 0x90:
		c.p = c.p[1:]
		return c.array(int(p[0] & 0xf))
	case p[0]&0xf0 == 0x80:
		c.p = c.p[1:]
		return c.hash(int(p[0] & 0xf))
	}
	c.err = mpBadFmt
	return lua.LNil
}

func (c *mpCursor) enter() {
	c.depth++
	if c.depth > msgpackMaxStack {
		luaLError(c.L, "stack overflow (in function mp_decode_to_lua_array)")
	}
}

func (c *mpCursor) array(n int) lua.LValue {
	c.enter()
	defer func() { c.depth-- }()
	t := c.L.CreateTable(min(n, 1024), 0)
	for i := 1; i <= n; i++ {
		v := c.decode()
		if c.err != mpOK {
			return t
		}
		if v != lua.LNil {
			t.RawSetInt(i, v)
		}
	}
	return t
}

func (c *mpCursor) hash(n int) lua.LValue {
	c.enter()
	defer func() { c.depth-- }()
	t := c.L.NewTable()
	for ; n > 0; n-- {
		k := c.decode()
		if c.err != mpOK {
			return t
		}
		v := c.decode()
		if c.err != mpOK {
			return t
		}
		switch kk := k.(type) {
		case *lua.LNilType:
			c.L.Error(lua.LString("table index is nil"), 0)
		case lua.LNumber:
			if math.IsNaN(float64(kk)) {
				c.L.Error(lua.LString("table index is NaN"), 0)
			}
		}
		t.RawSet(k, v)
	}
	return t
}
