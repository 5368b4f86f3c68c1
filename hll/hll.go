package hll

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
)

// Geometry and encodings, named after Redis's macros.
const (
	P          = 14                               // register index bits
	Registers  = 1 << P                           // 16384
	q          = 64 - P                           // hash bits left for the run of zeros
	regBits    = 6                                // bits per dense register
	regMax     = 1<<regBits - 1                   // 63
	HeaderSize = 16                               // magic, encoding, 3 unused, cached cardinality
	DenseSize  = HeaderSize + Registers*regBits/8 // 12304 bytes

	encDense  = 0
	encSparse = 1

	sparseValMax    = 32
	sparseValMaxLen = 4
	sparseZeroMax   = 64
	sparseXZeroMax  = 16384

	// DefaultSparseMaxBytes is Redis's hll-sparse-max-bytes: the size past
	// which a sparse sketch is promoted to dense.
	DefaultSparseMaxBytes = 3000

	alphaInf = 0.721347520444481703680 // 0.5/ln(2)
	seed     = 0xadc83b19
)

// ErrInvalid reports a value with the HLL header whose registers are
// corrupt (Redis's "INVALIDOBJ Corrupted HLL object detected").
var ErrInvalid = errors.New("hll: corrupted HLL object")

// Valid reports whether b is a HyperLogLog as Redis's isHLLObjectOrReply
// accepts it: the header, a known encoding and, when dense, the exact size.
// A value that fails is "not a valid HyperLogLog string value".
func Valid(b []byte) bool {
	if len(b) < HeaderSize || string(b[:4]) != "HYLL" || b[4] > encSparse {
		return false
	}
	return b[4] != encDense || len(b) == DenseSize
}

// IsDense reports whether a valid sketch uses the dense encoding.
func IsDense(b []byte) bool { return b[4] == encDense }

// AppendEmpty appends an empty sparse sketch (one XZERO opcode covering
// every register, cardinality 0 and valid) to dst, as Redis's
// createHLLObject makes it.
func AppendEmpty(dst []byte) []byte {
	dst = append(dst, "HYLL"...)
	dst = append(dst, encSparse, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	return append(dst, 0x40|byte((Registers-1)>>8), byte((Registers-1)&0xff))
}

// Invalidate marks the cached cardinality of a valid sketch stale.
func Invalidate(b []byte) { b[15] |= 0x80 }

// InvalidatePatch returns the one-byte edit that Invalidate makes to the
// valid sketch b: the offset and the new byte.
func InvalidatePatch(b []byte) (off int, v byte) { return 15, b[15] | 0x80 }

// Cached returns the cached cardinality of a valid sketch and whether it is
// current.
func Cached(b []byte) (uint64, bool) {
	if b[15]&0x80 != 0 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[8:16]), true
}

// SetCached stores card as the cached cardinality of a valid sketch.
func SetCached(b []byte, card uint64) { binary.LittleEndian.PutUint64(b[8:16], card) }

// murmur64A is Austin Appleby's MurmurHash64A as Redis uses it (little
// endian reads).
func murmur64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ uint64(len(key))*m
	for len(key) >= 8 {
		k := binary.LittleEndian.Uint64(key)
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
		key = key[8:]
	}
	if len(key) > 0 {
		for i := len(key) - 1; i >= 0; i-- {
			h ^= uint64(key[i]) << (8 * uint(i))
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// Hash returns the register an element updates and the value it offers:
// one plus the number of trailing zeros of the rest of its hash (at most
// 51), Redis's hllPatLen.
func Hash(elem []byte) (index int, count uint8) {
	h := murmur64A(elem, seed)
	index = int(h & (Registers - 1))
	h >>= P
	h |= 1 << q
	return index, uint8(bits.TrailingZeros64(h) + 1)
}

// denseGet reads dense register i from the register bytes regs.
func denseGet(regs []byte, i int) uint8 {
	byteIdx := i * regBits / 8
	fb := uint(i * regBits & 7)
	b0 := uint(regs[byteIdx])
	var b1 uint
	if byteIdx+1 < len(regs) {
		b1 = uint(regs[byteIdx+1])
	}
	return uint8((b0>>fb | b1<<(8-fb)) & regMax)
}

// denseSet writes dense register i.
func denseSet(regs []byte, i int, v uint8) {
	denseSetAt(regs, i*regBits/8, uint(i*regBits&7), v)
}

// denseSetAt writes a register that starts at bit fb of regs[byteIdx].
func denseSetAt(regs []byte, byteIdx int, fb uint, v uint8) {
	regs[byteIdx] &^= byte(regMax << fb)
	regs[byteIdx] |= v << fb
	if byteIdx+1 < len(regs) {
		regs[byteIdx+1] &^= byte(regMax >> (8 - fb))
		regs[byteIdx+1] |= v >> (8 - fb)
	}
}

// DensePatch works out the edit that raises register idx of the dense
// sketch b to count without touching b: the offset in b and the one or two
// bytes to write there (n of them), or ok false when the register is
// already as high. Callers that cannot hand out b for writing (it lives in
// a store) apply the patch themselves.
func DensePatch(b []byte, idx int, count uint8) (off int, patch [2]byte, n int, ok bool) {
	regs := b[HeaderSize:]
	if denseGet(regs, idx) >= count {
		return 0, patch, 0, false
	}
	byteIdx := idx * regBits / 8
	n = copy(patch[:], regs[byteIdx:])
	denseSetAt(patch[:n], 0, uint(idx*regBits&7), count)
	return HeaderSize + byteIdx, patch, n, true
}

// Sparse opcodes.
func isZero(b byte) bool  { return b&0xc0 == 0 }
func isXZero(b byte) bool { return b&0xc0 == 0x40 }
func isVal(b byte) bool   { return b&0x80 != 0 }
func zeroLen(b byte) int  { return int(b&0x3f) + 1 }
func valValue(b byte) int { return int(b>>2&0x1f) + 1 }
func valLen(b byte) int   { return int(b&3) + 1 }

// xzeroLen reads an XZERO run length; a second byte past the end reads as
// zero, as the NUL after a Redis string does.
func xzeroLen(s []byte, p int) int {
	var b1 int
	if p+1 < len(s) {
		b1 = int(s[p+1])
	}
	return (int(s[p]&0x3f)<<8 | b1) + 1
}

func valOp(v, n int) byte { return byte((v-1)<<2|(n-1)) | 0x80 }

// appendZeros appends the ZERO or XZERO opcode for a run of n zeros.
func appendZeros(dst []byte, n int) []byte {
	if n > sparseZeroMax {
		return append(dst, byte((n-1)>>8)|0x40, byte((n-1)&0xff))
	}
	return append(dst, byte(n-1))
}

// walkSparse calls fn for every run of non-zero sparse registers in s: its
// first register, length and value. It returns ErrInvalid when
// the runs do not cover exactly every register. A VAL run that would pass
// the last register stops the walk, as in Redis.
func walkSparse(s []byte, fn func(first, n, v int)) error {
	idx := 0
	for p := 0; p < len(s); {
		switch b := s[p]; {
		case isZero(b):
			idx += zeroLen(b)
			p++
		case isXZero(b):
			idx += xzeroLen(s, p)
			p += 2
		default:
			n := valLen(b)
			if idx+n > Registers {
				return ErrInvalid
			}
			fn(idx, n, valValue(b))
			idx += n
			p++
		}
	}
	if idx != Registers {
		return ErrInvalid
	}
	return nil
}

// ToDense returns the dense form of a valid sketch, written into dst's
// storage when it has room; a dense sketch is copied as is. The header,
// cached cardinality included, is kept. It fails with ErrInvalid on a
// corrupt sparse sketch.
func ToDense(dst, b []byte) ([]byte, error) {
	if IsDense(b) {
		return append(dst[:0], b...), nil
	}
	if cap(dst) < DenseSize {
		dst = make([]byte, DenseSize)
	}
	dst = dst[:DenseSize]
	clear(dst)
	copy(dst, b[:HeaderSize])
	dst[4] = encDense
	regs := dst[HeaderSize:]
	err := walkSparse(b[HeaderSize:], func(first, n, v int) {
		for i := first; i < first+n; i++ {
			denseSet(regs, i, uint8(v))
		}
	})
	if err != nil {
		return nil, err
	}
	return dst, nil
}

// Add adds elem to the valid sketch b, which it may change in place or
// replace: it returns the sketch to keep (b itself or a new slice) and
// whether a register changed. A sparse sketch is promoted to dense when the
// element needs it; maxSparse is hll-sparse-max-bytes. The cached
// cardinality is left alone except by the sparse edits, which mark it stale
// as Redis's hllSparseSet does; callers that report a change invalidate it.
func Add(b, elem []byte, maxSparse int) ([]byte, bool, error) {
	idx, count := Hash(elem)
	return Set(b, idx, count, maxSparse)
}

// Set raises register idx of the valid sketch b to count when it is lower,
// as Add does for a hashed element, and returns the sketch to keep and
// whether it changed.
func Set(b []byte, idx int, count uint8, maxSparse int) ([]byte, bool, error) {
	if IsDense(b) {
		regs := b[HeaderSize:]
		if denseGet(regs, idx) >= count {
			return b, false, nil
		}
		denseSet(regs, idx, count)
		return b, true, nil
	}
	return sparseSet(b, idx, count, maxSparse)
}

// sparseSet is Redis's hllSparseSet: find the opcode covering idx, split
// it around the new value, then merge adjacent VAL opcodes of equal value.
func sparseSet(b []byte, idx int, count uint8, maxSparse int) ([]byte, bool, error) {
	if count > sparseValMax {
		return promote(b, idx, count)
	}
	s := b[HeaderSize:]
	first, span, p, prev := 0, 0, 0, -1
	for p < len(s) {
		oplen := 1
		switch c := s[p]; {
		case isZero(c):
			span = zeroLen(c)
		case isVal(c):
			span = valLen(c)
		default:
			span = xzeroLen(s, p)
			oplen = 2
		}
		if idx <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= len(s) {
		return b, false, ErrInvalid
	}
	op := s[p]
	runlen := 0
	switch {
	case isZero(op):
		runlen = zeroLen(op)
	case isXZero(op):
		runlen = xzeroLen(s, p)
	default:
		runlen = valLen(op)
		if uint8(valValue(op)) >= count {
			return b, false, nil
		}
	}
	if runlen == 1 && !isXZero(op) {
		s[p] = valOp(int(count), 1)
		return mergeVals(b, prev), true, nil
	}
	var seqBuf [5]byte
	seq := seqBuf[:0]
	last := first + span - 1
	if isVal(op) {
		cur := valValue(op)
		if idx != first {
			seq = append(seq, valOp(cur, idx-first))
		}
		seq = append(seq, valOp(int(count), 1))
		if idx != last {
			seq = append(seq, valOp(cur, last-idx))
		}
	} else {
		if idx != first {
			seq = appendZeros(seq, idx-first)
		}
		seq = append(seq, valOp(int(count), 1))
		if idx != last {
			seq = appendZeros(seq, last-idx)
		}
	}
	oldlen := 1
	if isXZero(op) {
		oldlen = 2
	}
	delta := len(seq) - oldlen
	if delta > 0 && len(b)+delta > maxSparse {
		return promote(b, idx, count)
	}
	at := HeaderSize + p
	tail := len(b) - (at + oldlen)
	if tail < 0 {
		// An XZERO cut off by the end of a corrupt value: Redis moves
		// nothing and grows the length by delta, dropping the last byte
		// of the sequence.
		n := len(b) + delta
		b = append(b[:at], seq...)[:n]
		return mergeVals(b, prev), true, nil
	}
	if delta > 0 {
		b = append(b, seq[:delta]...) // room; overwritten below
	}
	copy(b[at+len(seq):], b[at+oldlen:at+oldlen+tail])
	b = b[:at+len(seq)+tail]
	copy(b[at:], seq)
	return mergeVals(b, prev), true, nil
}

// mergeVals is step 4 of hllSparseSet: from the opcode before the change,
// scan up to five opcodes merging adjacent VALs of equal value, and mark
// the cached cardinality stale.
func mergeVals(b []byte, prev int) []byte {
	p := HeaderSize
	if prev >= 0 {
		p += prev
	}
	for scan := 5; p < len(b) && scan > 0; scan-- {
		switch c := b[p]; {
		case isXZero(c):
			p += 2
			continue
		case isZero(c):
			p++
			continue
		}
		if p+1 < len(b) && isVal(b[p+1]) {
			v1, v2 := valValue(b[p]), valValue(b[p+1])
			if n := valLen(b[p]) + valLen(b[p+1]); v1 == v2 && n <= sparseValMaxLen {
				b[p+1] = valOp(v1, n)
				b = append(b[:p], b[p+1:]...)
				continue // try the merged opcode with its right neighbour
			}
		}
		p++
	}
	Invalidate(b)
	return b
}

// promote converts a sparse sketch to dense and sets the register there.
func promote(b []byte, idx int, count uint8) ([]byte, bool, error) {
	d, err := ToDense(nil, b)
	if err != nil {
		return b, false, err
	}
	denseSet(d[HeaderSize:], idx, count)
	return d, true, nil
}

// Max holds the element-wise maximum of the registers of several sketches:
// the union that PFCOUNT of several keys and PFMERGE compute.
type Max [Registers]uint8

// Merge raises m to the registers of the valid sketch b. It fails with
// ErrInvalid on a corrupt sparse sketch (m may then be partly merged).
func (m *Max) Merge(b []byte) error {
	if IsDense(b) {
		regs := b[HeaderSize:]
		for i := range m {
			if v := denseGet(regs, i); v > m[i] {
				m[i] = v
			}
		}
		return nil
	}
	return walkSparse(b[HeaderSize:], func(first, n, v int) {
		for i := first; i < first+n; i++ {
			if uint8(v) > m[i] {
				m[i] = uint8(v)
			}
		}
	})
}

// Count estimates the cardinality of the union in m.
func (m *Max) Count() uint64 {
	var histo [64]int
	for _, v := range m {
		histo[v&63]++
	}
	return estimate(&histo)
}

// Count estimates the cardinality of the valid sketch b from its registers,
// ignoring the cached value. It fails with ErrInvalid on a corrupt sparse
// sketch.
func Count(b []byte) (uint64, error) {
	var histo [64]int
	regs := b[HeaderSize:]
	if IsDense(b) {
		for i := range Registers {
			histo[denseGet(regs, i)]++
		}
	} else if err := walkSparseHisto(regs, &histo); err != nil {
		return 0, err
	}
	return estimate(&histo), nil
}

// walkSparseHisto is Redis's hllSparseRegHisto: unlike the merge walk it
// does not stop at a run past the last register, it only reports it.
func walkSparseHisto(s []byte, histo *[64]int) error {
	idx := 0
	for p := 0; p < len(s); {
		switch c := s[p]; {
		case isZero(c):
			n := zeroLen(c)
			idx += n
			histo[0] += n
			p++
		case isXZero(c):
			n := xzeroLen(s, p)
			idx += n
			histo[0] += n
			p += 2
		default:
			n := valLen(c)
			idx += n
			histo[valValue(c)] += n
			p++
		}
	}
	if idx != Registers {
		return ErrInvalid
	}
	return nil
}

// estimate is Ertl's estimator over the register histogram, as Redis's
// hllCount computes it.
func estimate(histo *[64]int) uint64 {
	const m = float64(Registers)
	z := m * tau((m-float64(histo[q+1]))/m)
	for j := q; j >= 1; j-- {
		z += float64(histo[j])
		z *= 0.5
	}
	z += m * sigma(float64(histo[0])/m)
	return uint64(int64(math.Round(alphaInf * m * m / z)))
}

func sigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		zp := z
		z += x * y
		y += y
		if zp == z {
			return z
		}
	}
}

func tau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zp := z
		y *= 0.5
		z -= math.Pow(1-x, 2) * y
		if zp == z {
			return z / 3
		}
	}
}
