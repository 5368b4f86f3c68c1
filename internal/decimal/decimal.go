// Package decimal parses integers the way Redis's string2ll does. The RESP
// codec, the store's listpack sizing and the RDB encoder must all refuse
// and accept the same inputs Redis does, so they share this one parser.
package decimal

// ParseInt parses a decimal integer exactly as Redis's string2ll does: no
// sign but '-', no leading zeros, no spaces, no overflow (so "-0" is
// refused). It allocates nothing.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	if b[0] == '-' {
		neg = true
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' || len(b) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	// 19 digits fit in a uint64 without wrapping.
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}
