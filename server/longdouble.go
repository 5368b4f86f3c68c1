package server

import (
	"math/big"
	"strconv"
)

// Redis does INCRBYFLOAT (and HINCRBYFLOAT) in C long double, which on
// x86-64 is the x87 80-bit format: a 64-bit mantissa. It parses both
// operands with strtold, adds, and stores the sum printed with "%.17Lf" and
// its trailing zeros (and a trailing '.') removed. Go has no long double, and
// float64 gets ordinary cases wrong: 0 + 0.1 prints as 0.10000000000000001
// with float64 but 0.1 with long double. big.Float at 64 bits of precision,
// rounding to nearest even, performs the same IEEE operations as the x87
// unit, and formats exactly as glibc does, so the output matches byte for
// byte (subnormals and the 15-bit exponent limit aside).

// longDoublePrec is the mantissa width of the x87 extended format.
const longDoublePrec = 64

// maxLongDoubleChars is Redis's MAX_LONG_DOUBLE_CHARS: longer inputs and
// results are refused.
const maxLongDoubleChars = 5 * 1024

// parseLongDouble parses b as Redis's string2ld does: the whole of b must be
// a number strtold accepts (no leading space, no NaN); it reports false
// otherwise. Infinities are accepted.
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) > maxLongDoubleChars {
		return nil, false
	}
	s := string(b)
	body := s
	neg := false
	if body[0] == '+' || body[0] == '-' {
		neg = body[0] == '-'
		body = body[1:]
	}
	f := new(big.Float).SetPrec(longDoublePrec).SetMode(big.ToNearestEven)
	switch {
	case isInfWord(body):
		return f.SetInf(neg), true
	case len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X'):
		return parseHexFloat(f, s)
	}
	if !isDecimalFloat(body) {
		return nil, false
	}
	if _, _, err := f.Parse(s, 10); err != nil || !inLongDoubleRange(f) {
		return nil, false
	}
	return f, true
}

// The binary exponents (of a mantissa in [0.5, 1)) that an x87 long double
// can hold: beyond the top strtold overflows to infinity, below the bottom
// (the smallest subnormal) it underflows to zero, and string2ld refuses both.
const (
	maxLongDoubleExp = 16384
	minLongDoubleExp = -16444
)

// inLongDoubleRange reports whether finite f is representable as a long
// double without overflow or underflow to zero.
func inLongDoubleRange(f *big.Float) bool {
	if f.Sign() == 0 {
		return true
	}
	exp := f.MantExp(nil)
	return exp <= maxLongDoubleExp && exp >= minLongDoubleExp
}

// isInfWord reports strtold's spellings of infinity, in any case.
func isInfWord(s string) bool {
	switch len(s) {
	case 3, 8:
		return equalFold([]byte(s), "INF") || equalFold([]byte(s), "INFINITY")
	}
	return false
}

// isDecimalFloat reports whether s is digits [. digits] [e [sign] digits]
// with at least one mantissa digit: strtold's decimal grammar without sign.
// big.Float.Parse alone would also take underscores and 0b/0o prefixes.
func isDecimalFloat(s string) bool {
	i, digits := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, exp = i+1, exp+1
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// parseHexFloat handles strtold's hexadecimal form (s with its sign, as in
// "-0x1.8p3" or "0x10"): hex digits with an optional point, then an
// optional binary exponent "p[sign]digits". The mantissa is rounded once to
// the 64 bits of a long double, as strtold does, so a hex string wider
// than a float64 gives Redis's sum too.
func parseHexFloat(f *big.Float, s string) (*big.Float, bool) {
	neg := s[0] == '-'
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	s = s[2:] // "0x"
	mant := new(big.Int)
	digits, frac, point := 0, 0, false
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		var d int
		switch {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case c >= 'a' && c <= 'f':
			d = int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = int(c-'A') + 10
		case c == '.' && !point:
			point = true
			continue
		default:
			goto exponent
		}
		mant.Lsh(mant, 4).Or(mant, big.NewInt(int64(d)))
		digits++
		if point {
			frac++
		}
	}
exponent:
	if digits == 0 {
		return nil, false
	}
	exp := 0
	if i < len(s) {
		if s[i] != 'p' && s[i] != 'P' || !isDecimalExponent(s[i+1:]) {
			return nil, false
		}
		if mant.Sign() != 0 {
			// An exponent past an int overflows or underflows the long
			// double, and string2ld refuses both; zero stays zero.
			e, err := strconv.Atoi(s[i+1:])
			if err != nil || e < -1<<20 || e > 1<<20 {
				return nil, false
			}
			exp = e
		}
	}
	f.SetInt(mant)
	if f.Sign() != 0 {
		f.SetMantExp(f, exp-4*frac)
	}
	if neg {
		f.Neg(f)
	}
	if !inLongDoubleRange(f) {
		return nil, false
	}
	return f, true
}

// isDecimalExponent reports whether s is an optional sign and one or more
// decimal digits: the exponent of a hexadecimal float.
func isDecimalExponent(s string) bool {
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// addLongDouble appends to dst the sum of the numbers in cur and incr,
// formatted as Redis stores it, or returns Redis's error text: the stored
// value is checked before the increment, as in incrbyfloatCommand.
func addLongDouble(dst, cur, incr []byte) ([]byte, string) {
	a, ok := parseLongDouble(cur)
	if !ok {
		return dst, msgNotFloat
	}
	b, ok := parseLongDouble(incr)
	if !ok {
		return dst, msgNotFloat
	}
	if a.IsInf() || b.IsInf() {
		// inf + x is inf and inf - inf is NaN: both refused.
		return dst, msgIncrNaN
	}
	sum := new(big.Float).SetPrec(longDoublePrec).SetMode(big.ToNearestEven).Add(a, b)
	if sum.MantExp(nil) > maxLongDoubleExp {
		return dst, msgIncrNaN // the sum overflowed to infinity
	}
	return appendLongDouble(dst, sum), ""
}

// appendLongDouble formats f as Redis's ld2string in LD_STR_HUMAN mode:
// "%.17Lf", then trailing zeros and a trailing '.' removed, "-0" as "0".
func appendLongDouble(dst []byte, f *big.Float) []byte {
	start := len(dst)
	dst = f.Append(dst, 'f', 17)
	for dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	if dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}
