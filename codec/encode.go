package codec

import (
	"math"
	"strconv"
)

// The Append* encoders append one RESP value to dst and return the extended
// slice, like strconv's Append functions. They allocate only when dst must
// grow and are safe for concurrent use.

// AppendSimple appends the simple string "+s\r\n". CR and LF in s would break
// the framing, so they are written as spaces.
func AppendSimple(dst []byte, s string) []byte {
	dst = append(dst, '+')
	return appendLine(dst, s)
}

// AppendError appends the error "-msg\r\n"; msg is the full Redis text,
// prefix included ("ERR syntax error"). CR and LF become spaces, as Redis's
// addReplyErrorFormat does.
func AppendError(dst []byte, msg string) []byte {
	dst = append(dst, '-')
	return appendLine(dst, msg)
}

// appendLine appends s with CR and LF replaced by spaces, then CRLF.
func appendLine(dst []byte, s string) []byte {
	n := len(dst)
	dst = append(dst, s...)
	for i := n; i < len(dst); i++ {
		if dst[i] == '\r' || dst[i] == '\n' {
			dst[i] = ' '
		}
	}
	return append(dst, '\r', '\n')
}

// AppendInt appends the integer ":n\r\n".
func AppendInt(dst []byte, n int64) []byte {
	return appendPrefixed(dst, ':', n)
}

func appendPrefixed(dst []byte, prefix byte, n int64) []byte {
	dst = append(dst, prefix)
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// AppendBulk appends b as the bulk string "$len\r\nb\r\n".
func AppendBulk(dst []byte, b []byte) []byte {
	dst = appendPrefixed(dst, '$', int64(len(b)))
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBulkString appends s as the bulk string "$len\r\ns\r\n".
func AppendBulkString(dst []byte, s string) []byte {
	dst = appendPrefixed(dst, '$', int64(len(s)))
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendNull appends a null bulk string: "$-1\r\n" in RESP2, "_\r\n" in RESP3.
func AppendNull(dst []byte, proto int) []byte {
	if proto == 3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, "$-1\r\n"...)
}

// AppendNullArray appends a null array: "*-1\r\n" in RESP2, "_\r\n" in RESP3.
func AppendNullArray(dst []byte, proto int) []byte {
	if proto == 3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, "*-1\r\n"...)
}

// AppendArrayLen appends the header "*n\r\n" of an array of n elements.
func AppendArrayLen(dst []byte, n int) []byte {
	return appendPrefixed(dst, '*', int64(n))
}

// AppendMapLen appends the header of a map of n key-value pairs: "%n\r\n" in
// RESP3, a flat array "*2n\r\n" in RESP2.
func AppendMapLen(dst []byte, n, proto int) []byte {
	if proto == 3 {
		return appendPrefixed(dst, '%', int64(n))
	}
	return appendPrefixed(dst, '*', 2*int64(n))
}

// AppendPushLen appends the header of an out-of-band push of n elements
// (a Pub/Sub message): ">n\r\n" in RESP3, where a client tells it from the
// reply to its command, and "*n\r\n" in RESP2, where only a subscribed
// client gets one.
func AppendPushLen(dst []byte, n, proto int) []byte {
	if proto == 3 {
		return appendPrefixed(dst, '>', int64(n))
	}
	return appendPrefixed(dst, '*', int64(n))
}

// AppendSetLen appends the header of a set of n elements: "~n\r\n" in RESP3,
// "*n\r\n" in RESP2.
func AppendSetLen(dst []byte, n, proto int) []byte {
	if proto == 3 {
		return appendPrefixed(dst, '~', int64(n))
	}
	return appendPrefixed(dst, '*', int64(n))
}

// AppendDouble appends f as RESP3 ",f\r\n" or, in RESP2, as a bulk string,
// formatted as Redis 7.0 does (C "%.17g"; "inf", "-inf", "nan").
func AppendDouble(dst []byte, f float64, proto int) []byte {
	var tmp [32]byte
	text := appendDoubleText(tmp[:0], f)
	if proto == 3 {
		dst = append(dst, ',')
		dst = append(dst, text...)
		return append(dst, '\r', '\n')
	}
	return AppendBulk(dst, text)
}

// AppendDoubleText appends f formatted as Redis 7.0 prints a score inside
// a bulk string (ZSCAN, SORT): C "%.17g", "inf", "-inf", "nan".
func AppendDoubleText(dst []byte, f float64) []byte { return appendDoubleText(dst, f) }

// appendDoubleText formats f as C's "%.17g". Go's 'g' with precision 17
// picks the same notation, trims trailing zeros and writes at least two
// exponent digits, as C does.
func appendDoubleText(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// AppendBool appends b as RESP3 "#t\r\n"/"#f\r\n" or RESP2 ":1\r\n"/":0\r\n".
func AppendBool(dst []byte, b bool, proto int) []byte {
	switch {
	case proto == 3 && b:
		return append(dst, "#t\r\n"...)
	case proto == 3:
		return append(dst, "#f\r\n"...)
	case b:
		return append(dst, ":1\r\n"...)
	default:
		return append(dst, ":0\r\n"...)
	}
}

// AppendVerbatim appends s as the RESP3 verbatim text "=len\r\ntxt:s\r\n" or,
// in RESP2, as a bulk string.
func AppendVerbatim(dst []byte, s string, proto int) []byte {
	if proto != 3 {
		return AppendBulkString(dst, s)
	}
	dst = appendPrefixed(dst, '=', int64(len(s)+4))
	dst = append(dst, "txt:"...)
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendCommand appends args encoded as a RESP request (a multibulk of bulk
// strings), as a client sends it.
func AppendCommand(dst []byte, args ...[]byte) []byte {
	dst = AppendArrayLen(dst, len(args))
	for _, a := range args {
		dst = AppendBulk(dst, a)
	}
	return dst
}
