package scripting

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The bit library is LuaBitOp 1.0.2 as Redis bundles it: operations on
// 32-bit integers returned as signed Lua numbers.

func openBit(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	fns := map[string]lua.LGFunction{
		"tobit":   func(L *lua.LState) int { return pushBit(L, bitArg(L, 1, "tobit")) },
		"bnot":    func(L *lua.LState) int { return pushBit(L, ^bitArg(L, 1, "bnot")) },
		"band":    bitFold("band", func(a, b uint32) uint32 { return a & b }),
		"bor":     bitFold("bor", func(a, b uint32) uint32 { return a | b }),
		"bxor":    bitFold("bxor", func(a, b uint32) uint32 { return a ^ b }),
		"lshift":  bitShift("lshift", func(b uint32, n uint) uint32 { return b << n }),
		"rshift":  bitShift("rshift", func(b uint32, n uint) uint32 { return b >> n }),
		"arshift": bitShift("arshift", func(b uint32, n uint) uint32 { return uint32(int32(b) >> n) }),
		"rol":     bitShift("rol", func(b uint32, n uint) uint32 { return b<<n | b>>(32-n) }),
		"ror":     bitShift("ror", func(b uint32, n uint) uint32 { return b>>n | b<<(32-n) }),
		"bswap": func(L *lua.LState) int {
			b := bitArg(L, 1, "bswap")
			return pushBit(L, b>>24|(b>>8)&0xff00|(b&0xff00)<<8|b<<24)
		},
		"tohex": bitTohex,
	}
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
	return t
}

// bitArg is LuaBitOp's barg: the number rounded to an integer modulo 2^32
// by adding 2^52+2^51 and taking the low word, exactly as the C does.
func bitArg(L *lua.LState, n int, fname string) uint32 {
	f := checkNumber(L, n, fname)
	d := f + 6755399441055744.0
	return uint32(math.Float64bits(d))
}

func pushBit(L *lua.LState, b uint32) int {
	L.Push(lua.LNumber(int32(b)))
	return 1
}

func bitFold(name string, op func(a, b uint32) uint32) lua.LGFunction {
	return func(L *lua.LState) int {
		b := bitArg(L, 1, name)
		for i := L.GetTop(); i > 1; i-- {
			b = op(b, bitArg(L, i, name))
		}
		return pushBit(L, b)
	}
}

func bitShift(name string, op func(b uint32, n uint) uint32) lua.LGFunction {
	return func(L *lua.LState) int {
		b := bitArg(L, 1, name)
		n := uint(bitArg(L, 2, name) & 31)
		if n == 0 {
			return pushBit(L, b)
		}
		return pushBit(L, op(b, n))
	}
}

func bitTohex(L *lua.LState) int {
	b := bitArg(L, 1, "tohex")
	n := int32(8)
	if L.Get(2) != lua.LNil {
		n = int32(bitArg(L, 2, "tohex"))
	}
	hexdigits := "0123456789abcdef"
	if n < 0 {
		n = -n
		hexdigits = "0123456789ABCDEF"
	}
	if n > 8 {
		n = 8
	}
	buf := make([]byte, n)
	for i := int(n) - 1; i >= 0; i-- {
		buf[i] = hexdigits[b&15]
		b >>= 4
	}
	L.Push(lua.LString(buf))
	return 1
}

// checkNumber is luaL_checknumber with C Lua's error text.
func checkNumber(L *lua.LState, n int, fname string) float64 {
	v := L.Get(n)
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		if f, err := parseNumberStrict(string(v)); err == nil {
			return f
		}
	}
	typeError(L, n, fname, "number")
	return 0
}

// checkString is luaL_checklstring: strings, and numbers as "%.14g".
func checkString(L *lua.LState, n int, fname string) string {
	if s, ok := luaString(L.Get(n)); ok {
		return s
	}
	typeError(L, n, fname, "string")
	return ""
}

func typeError(L *lua.LState, n int, fname, want string) {
	got := "no value"
	if n <= L.GetTop() {
		got = L.Get(n).Type().String()
	}
	argError(L, n, fname, want+" expected, got "+got)
}

// argError is luaL_argerror: "bad argument #n to 'fname' (msg)".
func argError(L *lua.LState, n int, fname, msg string) {
	luaLError(L, "bad argument #%d to '%s' (%s)", n, fname, msg)
}
