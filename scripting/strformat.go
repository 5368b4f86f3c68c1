package scripting

import (
	"math"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// strFormat is Lua 5.1's string.format (lstrlib.c str_format): C printf
// conversions, %s through tostring (numbers as "%.14g") and %q quoting.
func strFormat(L *lua.LState) int {
	fs := checkString(L, 1, "format")
	arg := 1
	var b []byte
	for i := 0; i < len(fs); i++ {
		c := fs[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		i++
		if i < len(fs) && fs[i] == '%' {
			b = append(b, '%')
			continue
		}
		// Flags, width and precision: at most 2 digits each, as Lua checks.
		start := i
		for i < len(fs) && (fs[i] == '-' || fs[i] == '+' || fs[i] == ' ' || fs[i] == '#' || fs[i] == '0') {
			i++
		}
		if i-start > 5 {
			luaLError(L, "invalid format (repeated flags)")
		}
		flags := fs[start:i]
		width, prec := -1, -1
		d := 0
		for i < len(fs) && isDigit(fs[i]) {
			width = max(width, 0)*10 + int(fs[i]-'0')
			i++
			d++
		}
		if d > 2 {
			luaLError(L, "invalid format (width or precision too long)")
		}
		if i < len(fs) && fs[i] == '.' {
			i++
			prec, d = 0, 0
			for i < len(fs) && isDigit(fs[i]) {
				prec = prec*10 + int(fs[i]-'0')
				i++
				d++
			}
			if d > 2 {
				luaLError(L, "invalid format (width or precision too long)")
			}
		}
		if i >= len(fs) {
			luaLError(L, "invalid option '%%' to 'format'")
		}
		arg++
		conv := fs[i]
		switch conv {
		case 'c':
			b = pad(b, []byte{byte(int64(checkNumber(L, arg, "format")))}, flags, width)
		case 'd', 'i':
			n := luaToInt64(checkNumber(L, arg, "format"))
			b = pad(b, fmtInt(n, flags, prec), flags, width)
		case 'u':
			n := luaToInt64(checkNumber(L, arg, "format"))
			b = pad(b, fmtUint(uint64(n), 10, false, flags, prec), flags, width)
		case 'o', 'x', 'X':
			n := luaToInt64(checkNumber(L, arg, "format"))
			base := 16
			if conv == 'o' {
				base = 8
			}
			b = pad(b, fmtUint(uint64(n), base, conv == 'X', flags, prec), flags, width)
		case 'e', 'E', 'f', 'g', 'G':
			f := checkNumber(L, arg, "format")
			b = pad(b, fmtFloat(f, conv, flags, prec), flags, width)
		case 'q':
			s := checkString(L, arg, "format")
			b = append(b, '"')
			for j := 0; j < len(s); j++ {
				switch s[j] {
				case '"', '\\', '\n':
					b = append(b, '\\', s[j])
				case '\r':
					b = append(b, '\\', 'r')
				case 0:
					b = append(b, '\\', '0', '0', '0')
				default:
					b = append(b, s[j])
				}
			}
			b = append(b, '"')
		case 's':
			v := L.Get(arg)
			if arg > L.GetTop() {
				argError(L, arg, "format", "string expected, got no value")
			}
			var s string
			if str, ok := luaString(v); ok {
				s = str
			} else {
				s = L.ToStringMeta(v).String()
			}
			if prec >= 0 && prec < len(s) {
				s = s[:prec]
			}
			b = pad(b, []byte(s), flags, width)
		default:
			luaLError(L, "invalid option '%%%c' to 'format'", conv)
		}
	}
	L.Push(lua.LString(b))
	return 1
}

func hasFlag(flags string, f byte) bool {
	for i := 0; i < len(flags); i++ {
		if flags[i] == f {
			return true
		}
	}
	return false
}

// pad applies the width with spaces (left or right) or, for numbers with
// the 0 flag, zeros after the sign.
func pad(b, s []byte, flags string, width int) []byte {
	if len(s) >= width {
		return append(b, s...)
	}
	n := width - len(s)
	switch {
	case hasFlag(flags, '-'):
		b = append(b, s...)
		for ; n > 0; n-- {
			b = append(b, ' ')
		}
		return b
	case hasFlag(flags, '0') && len(s) > 0 && (isDigit(s[len(s)-1]) || s[0] == '-' || s[0] == '+' || isDigit(s[0])):
		sign := 0
		if s[0] == '-' || s[0] == '+' || s[0] == ' ' {
			sign = 1
		}
		if len(s) > sign+1 && s[sign] == '0' && (s[sign+1]|0x20) == 'x' {
			sign += 2
		}
		b = append(b, s[:sign]...)
		for ; n > 0; n-- {
			b = append(b, '0')
		}
		return append(b, s[sign:]...)
	}
	for ; n > 0; n-- {
		b = append(b, ' ')
	}
	return append(b, s...)
}

func fmtInt(n int64, flags string, prec int) []byte {
	var s []byte
	switch {
	case n < 0:
		s = append(s, '-')
	case hasFlag(flags, '+'):
		s = append(s, '+')
	case hasFlag(flags, ' '):
		s = append(s, ' ')
	}
	u := uint64(n)
	if n < 0 {
		u = uint64(-n)
	}
	digits := strconv.AppendUint(nil, u, 10)
	if prec == 0 && u == 0 {
		digits = nil
	}
	for len(digits) < prec {
		digits = append([]byte{'0'}, digits...)
	}
	return append(s, digits...)
}

func fmtUint(u uint64, base int, upper bool, flags string, prec int) []byte {
	digits := strconv.AppendUint(nil, u, base)
	if upper {
		for i, c := range digits {
			if 'a' <= c && c <= 'f' {
				digits[i] = c - 'a' + 'A'
			}
		}
	}
	if prec == 0 && u == 0 {
		digits = nil
	}
	for len(digits) < prec {
		digits = append([]byte{'0'}, digits...)
	}
	if hasFlag(flags, '#') && u != 0 {
		switch base {
		case 16:
			if upper {
				digits = append([]byte("0X"), digits...)
			} else {
				digits = append([]byte("0x"), digits...)
			}
		case 8:
			if digits[0] != '0' {
				digits = append([]byte{'0'}, digits...)
			}
		}
	}
	return digits
}

func fmtFloat(f float64, conv byte, flags string, prec int) []byte {
	var s []byte
	if !math.Signbit(f) || math.IsNaN(f) {
		switch {
		case hasFlag(flags, '+'):
			s = append(s, '+')
		case hasFlag(flags, ' '):
			s = append(s, ' ')
		}
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		t := "inf"
		if math.IsNaN(f) {
			t = "nan"
		}
		if math.Signbit(f) {
			t = "-" + t
		}
		if conv == 'E' || conv == 'G' {
			t = string(asciiUpper([]byte(t)))
		}
		return append(s, t...)
	}
	if prec < 0 {
		prec = 6
	}
	switch conv {
	case 'f':
		return strconv.AppendFloat(s, f, 'f', prec, 64)
	case 'e', 'E':
		out := strconv.AppendFloat(s, f, 'e', prec, 64)
		if conv == 'E' {
			out = asciiUpper(out)
		}
		return out
	}
	if prec == 0 {
		prec = 1
	}
	var out []byte
	if hasFlag(flags, '#') {
		out = strconv.AppendFloat(s, f, 'g', prec, 64)
	} else {
		out = appendG(s, f, prec)
	}
	if conv == 'G' {
		out = asciiUpper(out)
	}
	return out
}
