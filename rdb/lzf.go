package rdb

import "errors"

// LZF is the compression Redis applies to RDB strings longer than 20 bytes
// (liblzf). Its format: a control byte below 32 starts a run of ctrl+1
// literal bytes; any other is a back reference of length (ctrl>>5)+2 (when
// ctrl>>5 is 7, the next byte adds to it) at distance ((ctrl&31)<<8 | next
// byte)+1 behind the output end. No Go LZF library is both maintained and
// allocation-free on the compress side, and the format is 100 lines.

var errLZF = errors.New("rdb: corrupt LZF data")

const (
	lzfHashLog  = 14
	lzfMaxOff   = 1 << 13
	lzfMaxRef   = (1 << 8) + (1 << 3) // 264: 2 + 7 + 255
	lzfMaxLit   = 1 << 5
	lzfHashSize = 1 << lzfHashLog
)

// lzfTable is the compressor's hash of recent 3-byte sequences to their
// position+1 (0 = empty); kept by the caller so compressing allocates
// nothing.
type lzfTable [lzfHashSize]int32

// lzfCompress compresses in into out and returns the compressed length, or
// 0 when the result would not fit in out (the caller then stores in
// uncompressed, as Redis does).
//
// The table is not cleared between calls (64 KiB per string was most of a
// SAVE's time): as in liblzf, a stale entry is only a hint, checked to lie
// before ip and compared byte by byte before it is used.
func lzfCompress(in, out []byte, ht *lzfTable) int {
	n := len(in)
	if n == 0 || len(out) < 2 {
		return 0
	}
	op, lit := 1, 0 // out[op-lit-1] is the pending literal run's control byte
	ip := 0
	for ip+2 < n {
		h := (uint32(in[ip])<<16 | uint32(in[ip+1])<<8 | uint32(in[ip+2])) * 2654435761 >> (32 - lzfHashLog)
		ref := int(ht[h]) - 1
		ht[h] = int32(ip + 1)
		if ref >= 0 && ref < ip && ip-ref-1 < lzfMaxOff && in[ref] == in[ip] && in[ref+1] == in[ip+1] && in[ref+2] == in[ip+2] {
			off := ip - ref - 1
			maxLen := min(n-ip, lzfMaxRef)
			l := 3
			for l < maxLen && in[ref+l] == in[ip+l] {
				l++
			}
			// close the literal run (or take back its unused control byte)
			if lit > 0 {
				out[op-lit-1] = byte(lit - 1)
			} else {
				op--
			}
			if op+3+1 > len(out) {
				return 0
			}
			l -= 2
			if l < 7 {
				out[op] = byte(l<<5 | off>>8)
				op++
			} else {
				out[op] = byte(7<<5 | off>>8)
				out[op+1] = byte(l - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			op++ // the next literal run's control byte
			lit = 0
			ip += l + 2
			continue
		}
		if op >= len(out) {
			return 0
		}
		out[op] = in[ip]
		op++
		ip++
		lit++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	for ip < n {
		if op >= len(out) {
			return 0
		}
		out[op] = in[ip]
		op++
		ip++
		lit++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	if lit > 0 {
		out[op-lit-1] = byte(lit - 1)
	} else {
		op--
	}
	if op > len(out) {
		return 0
	}
	return op
}

// lzfDecompress appends the decompression of in, which must come to exactly
// outLen bytes, to dst.
func lzfDecompress(dst, in []byte, outLen int) ([]byte, error) {
	base := len(dst)
	end := base + outLen
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 32 {
			n := ctrl + 1
			if i+n > len(in) || len(dst)+n > end {
				return nil, errLZF
			}
			dst = append(dst, in[i:i+n]...)
			i += n
			continue
		}
		n := ctrl >> 5
		if n == 7 {
			if i >= len(in) {
				return nil, errLZF
			}
			n += int(in[i])
			i++
		}
		if i >= len(in) {
			return nil, errLZF
		}
		ref := len(dst) - ((ctrl&0x1f)<<8 | int(in[i])) - 1
		i++
		n += 2
		if ref < base || len(dst)+n > end {
			return nil, errLZF
		}
		for j := range n {
			dst = append(dst, dst[ref+j])
		}
	}
	if len(dst) != end {
		return nil, errLZF
	}
	return dst, nil
}
