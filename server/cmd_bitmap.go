package server

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"

	"github.com/miniredis/miniredis/shard"
)

// The bitmap commands work on string values as Redis's bitops.c does: bit 0
// is the most significant bit of byte 0, a string grows with zero bytes when
// a write reaches past its end (keeping its deadline), and a missing key
// reads as an endless run of zero bits.

// bitOffset parses a bit offset as Redis's getBitOffsetFromArgument does:
// with hash set, "#n" means n*width; the offset must be non-negative and
// address a byte below proto-max-bulk-len.
func (c *client) bitOffset(b []byte, hash bool, width int64) (int64, bool) {
	useHash := hash && len(b) > 0 && b[0] == '#'
	if useHash {
		b = b[1:]
	}
	off, ok := parseInt(b)
	if ok && useHash {
		off *= width // wraps on overflow, as the C multiplication does in practice
	}
	if !ok || off < 0 || off>>3 >= c.srv.cfg.ProtoMaxBulkLen {
		c.w.Error(msgBitOffset)
		return 0, false
	}
	return off, true
}

// cmdSetBit sets or clears one bit and answers its previous value.
func cmdSetBit(c *client, args [][]byte) {
	off, ok := c.bitOffset(args[2], false, 0)
	if !ok {
		return
	}
	on, ok := parseInt(args[3])
	if !ok || on&^1 != 0 {
		c.w.Error(msgBitValue)
		return
	}
	byteIdx, shift := off>>3, 7-uint(off&7)
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindString) {
			return
		}
		v := e.Value()
		old := v.Bytes()
		var cur byte
		if byteIdx < int64(len(old)) {
			cur = old[byteIdx]
		}
		prev := int64(cur>>shift) & 1
		nb := cur&^(1<<shift) | byte(on)<<shift
		if byteIdx < int64(len(old)) {
			if nb != cur {
				e.PatchString(int(byteIdx), []byte{nb})
			}
		} else {
			c.growString(e, old, int(byteIdx)+1, v.ExpireAt())
			e.PatchString(int(byteIdx), []byte{nb})
		}
		e.SetEncoding(shard.EncodingRaw) // Redis unshares the string first, changed or not
		c.w.Int(prev)
	})
}

// growString stores old padded with zero bytes to n bytes under the entry,
// keeping the deadline, so that later edits can be patched in place.
func (c *client) growString(e *shard.Entry, old []byte, n int, expireAt int64) {
	c.tmp = append(c.tmp[:0], old...)
	c.tmp = append(c.tmp, make([]byte, n-len(old))...)
	e.SetString(c.tmp, expireAt)
	c.releaseTmp()
}

// cmdGetBit answers one bit, 0 past the end of the string or for a missing
// key.
func cmdGetBit(c *client, args [][]byte) {
	off, ok := c.bitOffset(args[2], false, 0)
	if !ok {
		return
	}
	var bit int64
	wrong := false
	c.db.View(args[1], c.now(), func(v shard.Value) {
		if v.Kind() != shard.KindString {
			wrong = true
			return
		}
		if s := v.Bytes(); off>>3 < int64(len(s)) {
			bit = int64(s[off>>3]>>(7-uint(off&7))) & 1
		}
	})
	if wrong {
		c.w.Error(msgWrongType)
		return
	}
	c.w.Int(bit)
}

// clampStringRange resolves an inclusive byte (or bit) range whose
// negative ends count from the end against n, clamped as Redis's string
// commands do: unlike a list's range (clampRange), an end before the start
// of the string still selects the first item. start > end means empty.
func clampStringRange(start, end, n int64) (int64, int64) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	return start, end
}

// bitRange resolves BITCOUNT/BITPOS start and end (inclusive, negative ones
// counting from the end, in bytes or, with isBit, in bits) against a string
// of n bytes, clamping as Redis does. It returns the first and last bit of
// the range; first > last means the range is empty.
func bitRange(start, end int64, isBit bool, n int64) (first, last int64) {
	total := n
	if isBit {
		total <<= 3
	}
	if start, end = clampStringRange(start, end, total); start > end {
		return 0, -1
	}
	if isBit {
		return start, end
	}
	return start << 3, end<<3 + 7
}

// bitUnit parses BYTE|BIT, writing a syntax error for anything else.
func (c *client) bitUnit(b []byte) (isBit, ok bool) {
	switch {
	case equalFold(b, "BIT"):
		return true, true
	case equalFold(b, "BYTE"):
		return false, true
	}
	c.w.Error(msgSyntax)
	return false, false
}

// popcountBits counts the set bits of s from bit first to bit last
// inclusive, both within s.
func popcountBits(s []byte, first, last int64) int64 {
	lo, hi := first>>3, last>>3
	var n int
	w := s[lo : hi+1]
	for ; len(w) >= 8; w = w[8:] { // a word at a time: ~8x fewer steps
		n += bits.OnesCount64(binary.LittleEndian.Uint64(w))
	}
	for _, b := range w {
		n += bits.OnesCount8(b)
	}
	// Take back the bits of the edge bytes outside the range.
	n -= bits.OnesCount8(s[lo] & ^byte(0xff>>uint(first&7)))
	n -= bits.OnesCount8(s[hi] & byte(0xff>>uint(last&7+1)))
	return int64(n)
}

// cmdBitCount counts the set bits of a string, or of a byte or bit range.
// As in Redis, a missing key answers 0 before the range is even parsed.
func cmdBitCount(c *client, args [][]byte) {
	found := c.db.View(args[1], c.now(), func(v shard.Value) {
		if v.Kind() != shard.KindString {
			c.w.Error(msgWrongType)
			return
		}
		s := v.Bytes()
		first, last := int64(0), int64(len(s))*8-1
		switch len(args) {
		case 2:
		case 4, 5:
			start, ok1 := parseInt(args[2])
			end, ok2 := parseInt(args[3])
			if !ok1 || !ok2 {
				c.w.Error(msgNotInteger)
				return
			}
			// Redis 7.0 answers an inverted negative range before it
			// looks at the unit.
			if start < 0 && end < 0 && start > end {
				c.w.Int(0)
				return
			}
			isBit := false
			if len(args) == 5 {
				var ok bool
				if isBit, ok = c.bitUnit(args[4]); !ok {
					return
				}
			}
			first, last = bitRange(start, end, isBit, int64(len(s)))
		default:
			c.w.Error(msgSyntax)
			return
		}
		if first > last {
			c.w.Int(0)
			return
		}
		c.w.Int(popcountBits(s, first, last))
	})
	if !found {
		c.w.Int(0)
	}
}

// firstBit returns the position of the first bit equal to bit in s between
// bits first and last inclusive, or -1.
func firstBit(s []byte, bit byte, first, last int64) int64 {
	skip := byte(0) // a byte made only of bits we are not looking for
	if bit == 0 {
		skip = 0xff
	}
	for i := first; i <= last; {
		b := s[i>>3]
		if i&7 == 0 && last-i >= 7 && b == skip {
			i += 8
			continue
		}
		if (b>>(7-uint(i&7)))&1 == bit {
			return i
		}
		i++
	}
	return -1
}

// cmdBitPos answers the position of the first bit set to 0 or 1. Looking
// for a 0 with no explicit end treats the string as padded with zeros, so
// the answer may be the bit just past its end; with an explicit end it is
// -1 instead, as in Redis.
func cmdBitPos(c *client, args [][]byte) {
	b, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	if b != 0 && b != 1 {
		c.w.Error(msgBitArg)
		return
	}
	bit := byte(b)
	found := c.db.View(args[1], c.now(), func(v shard.Value) {
		if v.Kind() != shard.KindString {
			c.w.Error(msgWrongType)
			return
		}
		s := v.Bytes()
		n := int64(len(s))
		first, last := int64(0), n*8-1
		endGiven := false
		switch len(args) {
		case 3:
		case 4, 5, 6:
			start, ok := parseInt(args[3])
			if !ok {
				c.w.Error(msgNotInteger)
				return
			}
			isBit := false
			if len(args) == 6 {
				if isBit, ok = c.bitUnit(args[5]); !ok {
					return
				}
			}
			end := n - 1
			if isBit {
				end = n*8 - 1
			}
			if len(args) >= 5 {
				if end, ok = parseInt(args[4]); !ok {
					c.w.Error(msgNotInteger)
					return
				}
				endGiven = true
			}
			first, last = bitRange(start, end, isBit, n)
		default:
			c.w.Error(msgSyntax)
			return
		}
		if first > last {
			c.w.Int(-1)
			return
		}
		pos := firstBit(s, bit, first, last)
		if pos < 0 && bit == 0 && !endGiven {
			pos = (last>>3 + 1) << 3 // the first bit of the zero padding
		}
		c.w.Int(pos)
	})
	if !found {
		c.w.Int(-b) // 1 → -1: no bit set; 0 → 0: every bit clear
	}
}

// BITOP operations.
const (
	bitAnd = iota
	bitOr
	bitXor
	bitNot
)

// cmdBitOp stores the bitwise AND, OR, XOR or NOT of source strings into
// destkey (shorter ones padded with zeros) and answers its length; an empty
// result deletes destkey. All keys are read and written under their shard
// locks at once.
func cmdBitOp(c *client, args [][]byte) {
	var op int
	switch name := args[1]; {
	case equalFold(name, "AND"):
		op = bitAnd
	case equalFold(name, "OR"):
		op = bitOr
	case equalFold(name, "XOR"):
		op = bitXor
	case equalFold(name, "NOT"):
		op = bitNot
	default:
		c.w.Error(msgSyntax)
		return
	}
	if op == bitNot && len(args) != 4 {
		c.w.Error(msgBitopNot)
		return
	}
	dst, srcs := args[2], args[3:]
	var n int
	wrong := false
	c.db.UpdateMulti(args[2:], c.now(), func(tx *shard.Tx) {
		maxLen := 0
		for _, k := range srcs {
			v := tx.Entry(k).Value()
			switch v.Kind() {
			case shard.KindNone:
			case shard.KindString:
				maxLen = max(maxLen, len(v.Bytes()))
			default:
				wrong = true
				return
			}
		}
		n = maxLen
		if maxLen == 0 {
			tx.Entry(dst).Delete()
			return
		}
		// The destination may also be a source: build the result apart.
		c.tmp = slices.Grow(c.tmp[:0], maxLen)[:maxLen]
		res := c.tmp
		clear(res)
		for i, k := range srcs {
			s := tx.Entry(k).Value().Bytes()
			switch {
			case op == bitNot:
				for j := range res {
					res[j] = ^at(s, j)
				}
			case i == 0:
				copy(res, s)
			case op == bitAnd:
				for j := range res {
					res[j] &= at(s, j)
				}
			case op == bitOr:
				for j, b := range s {
					res[j] |= b
				}
			default:
				for j, b := range s {
					res[j] ^= b
				}
			}
		}
		d := tx.Entry(dst)
		d.SetString(res, 0)
		d.SetEncoding(shard.EncodingRaw) // Redis makes the result a raw object
		c.releaseTmp()
	})
	if wrong {
		c.w.Error(msgWrongType)
		return
	}
	c.w.Int(int64(n))
}

// at is s[i], or 0 past the end of s.
func at(s []byte, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// BITFIELD overflow behaviours.
const (
	ovfWrap = iota
	ovfSat
	ovfFail
)

// bitfieldOp is one GET, SET or INCRBY of a BITFIELD call, parsed.
type bitfieldOp struct {
	write  bool // SET or INCRBY
	incr   bool
	signed bool
	ovf    int
	width  uint
	off    int64
	arg    int64
}

// parseBitfield walks BITFIELD's subcommands from args[2] on, calling fn on
// each operation in order. It writes Redis's error and returns false at the
// first bad one. Walking twice (validate, then run) lets the command run
// without building a slice of operations.
func (c *client) parseBitfield(args [][]byte, fn func(op bitfieldOp)) bool {
	ovf := ovfWrap
	for j := 2; j < len(args); j++ {
		rem := len(args) - j - 1
		var op bitfieldOp
		switch sub := args[j]; {
		case equalFold(sub, "GET") && rem >= 2:
		case equalFold(sub, "SET") && rem >= 3:
			op.write = true
		case equalFold(sub, "INCRBY") && rem >= 3:
			op.write, op.incr = true, true
		case equalFold(sub, "OVERFLOW") && rem >= 1:
			j++
			switch t := args[j]; {
			case equalFold(t, "WRAP"):
				ovf = ovfWrap
			case equalFold(t, "SAT"):
				ovf = ovfSat
			case equalFold(t, "FAIL"):
				ovf = ovfFail
			default:
				c.w.Error(msgBitfieldOvf)
				return false
			}
			continue
		default:
			c.w.Error(msgSyntax)
			return false
		}
		t := args[j+1]
		if len(t) == 0 || t[0] != 'i' && t[0] != 'u' {
			c.w.Error(msgBitfieldType)
			return false
		}
		op.signed = t[0] == 'i'
		w, ok := parseInt(t[1:])
		if !ok || w < 1 || op.signed && w > 64 || !op.signed && w > 63 {
			c.w.Error(msgBitfieldType)
			return false
		}
		op.width, op.ovf = uint(w), ovf
		if op.off, ok = c.bitOffset(args[j+2], true, w); !ok {
			return false
		}
		if op.write {
			if op.arg, ok = parseInt(args[j+3]); !ok {
				c.w.Error(msgNotInteger)
				return false
			}
			j++
		}
		j += 2
		fn(op)
	}
	return true
}

// bitWindow is the part of a string a BITFIELD call writes, copied out so
// that the call edits it and patches it back once; reads see it over the
// stored string, and zeros past the end of both.
type bitWindow struct {
	old []byte // the stored string
	lo  int64  // first byte of win
	win []byte
}

func (bw *bitWindow) byteAt(i int64) byte {
	if i >= bw.lo && i < bw.lo+int64(len(bw.win)) {
		return bw.win[i-bw.lo]
	}
	if i < int64(len(bw.old)) {
		return bw.old[i]
	}
	return 0
}

// get reads width bits from bit off on, most significant first, as Redis's
// getUnsignedBitfield does.
func (bw *bitWindow) get(off int64, width uint) uint64 {
	var v uint64
	for j := range int64(width) {
		o := off + j
		v = v<<1 | uint64(bw.byteAt(o>>3)>>(7-uint(o&7))&1)
	}
	return v
}

// set writes the low width bits of v from bit off on; the bits lie in win.
func (bw *bitWindow) set(off int64, width uint, v uint64) {
	for j := range int64(width) {
		o := off + j
		b := &bw.win[o>>3-bw.lo]
		shift := 7 - uint(o&7)
		*b = *b&^(1<<shift) | byte(v>>(int64(width)-1-j)&1)<<shift
	}
}

// signExtend turns the low width bits of u into a signed value.
func signExtend(u uint64, width uint) int64 {
	if width < 64 && u&(1<<(width-1)) != 0 {
		u |= math.MaxUint64 << width
	}
	return int64(u)
}

// unsignedOverflow is Redis's checkUnsignedBitfieldOverflow: whether
// value+incr leaves the range of a width-bit unsigned field, and the value
// to store instead under WRAP or SAT.
func unsignedOverflow(value uint64, incr int64, width uint, ovf int) (bool, uint64) {
	maxv := uint64(1)<<width - 1
	maxIncr := int64(maxv - value)
	minIncr := -int64(value)
	var limit uint64
	switch {
	case value > maxv || incr > 0 && incr > maxIncr:
		limit = maxv
	case incr < 0 && incr < minIncr:
		limit = 0
	default:
		return false, 0
	}
	if ovf == ovfWrap {
		limit = (value + uint64(incr)) &^ (math.MaxUint64 << width)
	}
	return true, limit
}

// signedOverflow is Redis's checkSignedBitfieldOverflow.
func signedOverflow(value, incr int64, width uint, ovf int) (bool, int64) {
	maxv := int64(math.MaxInt64)
	if width < 64 {
		maxv = 1<<(width-1) - 1
	}
	minv := -maxv - 1
	maxIncr := int64(uint64(maxv) - uint64(value))
	minIncr := minv - value
	var limit int64
	switch {
	case value > maxv || width != 64 && incr > maxIncr || value >= 0 && incr > 0 && incr > maxIncr:
		limit = maxv
	case value < minv || width != 64 && incr < minIncr || value < 0 && incr < 0 && incr < minIncr:
		limit = minv
	default:
		return false, 0
	}
	if ovf == ovfWrap {
		u := uint64(value) + uint64(incr)
		if width < 64 {
			if u&(1<<(width-1)) != 0 {
				u |= math.MaxUint64 << width
			} else {
				u &^= math.MaxUint64 << width
			}
		}
		limit = int64(u)
	}
	return true, limit
}

// run applies one operation to the window and writes its reply.
func (c *client) runBitfieldOp(bw *bitWindow, op bitfieldOp) {
	if !op.write {
		u := bw.get(op.off, op.width)
		if op.signed {
			c.w.Int(signExtend(u, op.width))
		} else {
			c.w.Int(int64(u))
		}
		return
	}
	var newv uint64
	var reply int64
	var overflow bool
	if op.signed {
		old := signExtend(bw.get(op.off, op.width), op.width)
		var nv, wrapped int64
		if op.incr {
			overflow, wrapped = signedOverflow(old, op.arg, op.width, op.ovf)
			nv = old + op.arg
			if overflow {
				nv = wrapped
			}
			reply = nv
		} else {
			nv = op.arg
			if overflow, wrapped = signedOverflow(nv, 0, op.width, op.ovf); overflow {
				nv = wrapped
			}
			reply = old
		}
		newv = uint64(nv)
	} else {
		old := bw.get(op.off, op.width)
		var wrapped uint64
		if op.incr {
			newv = old + uint64(op.arg)
			if overflow, wrapped = unsignedOverflow(old, op.arg, op.width, op.ovf); overflow {
				newv = wrapped
			}
			reply = int64(newv)
		} else {
			newv = uint64(op.arg)
			if overflow, wrapped = unsignedOverflow(newv, 0, op.width, op.ovf); overflow {
				newv = wrapped
			}
			reply = int64(old)
		}
	}
	if overflow && op.ovf == ovfFail {
		c.w.Null()
		return
	}
	c.w.Int(reply)
	bw.set(op.off, op.width, newv)
}

func cmdBitfield(c *client, args [][]byte)   { c.bitfield(args, false) }
func cmdBitfieldRO(c *client, args [][]byte) { c.bitfield(args, true) }

// bitfield runs BITFIELD (or BITFIELD_RO): all arguments are checked first,
// as in Redis, then the operations run in order against one window covering
// every written byte, which is patched back into the string at the end.
func (c *client) bitfield(args [][]byte, readOnly bool) {
	n := 0
	lo, hi := int64(math.MaxInt64), int64(-1) // bytes written
	if !c.parseBitfield(args, func(op bitfieldOp) {
		n++
		if op.write {
			lo = min(lo, op.off>>3)
			hi = max(hi, (op.off+int64(op.width)-1)>>3)
		}
	}) {
		return
	}
	if hi < 0 {
		found := c.db.View(args[1], c.now(), func(v shard.Value) {
			if v.Kind() != shard.KindString {
				c.w.Error(msgWrongType)
				return
			}
			c.bitfieldReply(args, n, &bitWindow{old: v.Bytes()})
		})
		if !found {
			c.bitfieldReply(args, n, &bitWindow{})
		}
		return
	}
	if readOnly {
		c.w.Error(msgBitfieldRO)
		return
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindString) {
			return
		}
		v := e.Value()
		old := v.Bytes()
		if hi >= int64(len(old)) {
			c.growString(e, old, int(hi)+1, v.ExpireAt())
			old = e.Value().Bytes()
		}
		// The window is copied out because old must stay as it is until
		// the patch: reads of bytes outside the window go to it.
		c.tmp = append(c.tmp[:0], old[lo:hi+1]...)
		bw := bitWindow{old: old, lo: lo, win: c.tmp}
		c.bitfieldReply(args, n, &bw)
		if string(bw.win) != string(old[lo:hi+1]) {
			e.PatchString(int(lo), bw.win)
		}
		e.SetEncoding(shard.EncodingRaw) // as SETBIT
		c.releaseTmp()
	})
}

// bitfieldReply writes the reply array, running each operation on bw.
func (c *client) bitfieldReply(args [][]byte, n int, bw *bitWindow) {
	c.w.ArrayLen(n)
	c.parseBitfield(args, func(op bitfieldOp) { c.runBitfieldOp(bw, op) })
}
