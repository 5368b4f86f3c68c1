package rdb

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"

	"github.com/miniredis/miniredis/internal/decimal"
	"github.com/miniredis/miniredis/shard"
)

// AppendLen appends n in RDB's variable-length encoding.
func AppendLen(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, byte(n>>8)|0x40, byte(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, len32), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, len64), n)
}

// Encoder appends RDB encodings to a byte slice. It keeps the scratch space
// LZF and listpacks need, so encoding allocates only when dst grows. The
// zero value is ready to use; an Encoder is not safe for concurrent use.
type Encoder struct {
	// NoCompress turns LZF off (Redis's rdbcompression no).
	NoCompress bool
	lzf        *lzfTable
	scratch    []byte
	lp         []byte
	key        []byte // written after the type byte when hasKey (a file record)
	hasKey     bool
}

// head appends the type byte and, for a file record, the key.
func (e *Encoder) head(dst []byte, t byte) []byte {
	dst = append(dst, t)
	if e.hasKey {
		dst = e.AppendString(dst, e.key)
	}
	return dst
}

// AppendString appends b as an RDB string: integer-encoded when it is a
// canonical integer of at most 11 characters that fits in 32 bits,
// LZF-compressed when longer than 20 bytes and compression saves more than
// 4 bytes, else length-prefixed; Redis's rules (rdbSaveRawString).
func (e *Encoder) AppendString(dst, b []byte) []byte {
	if len(b) <= 11 {
		if v, ok := decimal.ParseInt(b); ok {
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				return append(dst, encVal<<6|encInt8, byte(int8(v)))
			case v >= math.MinInt16 && v <= math.MaxInt16:
				return binary.LittleEndian.AppendUint16(append(dst, encVal<<6|encInt16), uint16(int16(v)))
			case v >= math.MinInt32 && v <= math.MaxInt32:
				return binary.LittleEndian.AppendUint32(append(dst, encVal<<6|encInt32), uint32(int32(v)))
			}
		}
	}
	if len(b) > 20 && !e.NoCompress {
		if e.lzf == nil {
			e.lzf = new(lzfTable)
		}
		if cap(e.scratch) < len(b) {
			e.scratch = make([]byte, len(b))
		}
		out := e.scratch[:len(b)-4]
		if n := lzfCompress(b, out, e.lzf); n > 0 {
			dst = append(dst, encVal<<6|encLZF)
			dst = AppendLen(dst, uint64(n))
			dst = AppendLen(dst, uint64(len(b)))
			return append(dst, out[:n]...)
		}
	}
	dst = AppendLen(dst, uint64(len(b)))
	return append(dst, b...)
}

// appendBinaryDouble appends a sorted-set score as ZSET_2 stores it.
func appendBinaryDouble(dst []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
}

// AppendObject appends the type byte and the encoding of v (which must not be
// KindNone) and returns the result, as DUMP's payload and an RDB key record
// hold them. v's bytes are read, not kept.
func (e *Encoder) AppendObject(dst []byte, v shard.Value) []byte {
	switch v.Kind() {
	case shard.KindString:
		return e.AppendString(e.head(dst, TypeString), v.Bytes())
	case shard.KindList:
		return e.appendList(dst, v.List())
	case shard.KindHash:
		return e.appendHash(dst, v.Hash())
	case shard.KindSet:
		return e.appendSet(dst, v.Set())
	case shard.KindZSet:
		return e.appendZSet(dst, v.ZSet())
	case shard.KindStream:
		return e.appendStream(dst, v.Stream())
	}
	panic("rdb: AppendObject of a value of kind " + v.Kind().String())
}

// appendList writes a quicklist 2: nodes of listpacks of at most 8 KiB
// (list-max-listpack-size -2), a big element in a node of its own.
func (e *Encoder) appendList(dst []byte, l *shard.List) []byte {
	// Count nodes first: the count precedes them.
	nodes, size := 0, 0
	l.Range(0, -1, func(v []byte) bool {
		sz := lpEntrySize(v)
		if size == 0 || size+sz > listMaxListpackSize || len(v) >= listSizeSafetyLimit {
			nodes++
			size = 0
		}
		size += sz
		return true
	})
	dst = e.head(dst, TypeListQuicklist2)
	dst = AppendLen(dst, uint64(nodes))
	lp := newListpack(e.lp[:0])
	size = 0
	flush := func() {
		lp = finishListpack(lp)
		dst = AppendLen(dst, containerPacked)
		dst = e.AppendString(dst, lp)
		lp = newListpack(lp[:0])
	}
	first := true
	l.Range(0, -1, func(v []byte) bool {
		sz := lpEntrySize(v)
		if !first && (size+sz > listMaxListpackSize || len(v) >= listSizeSafetyLimit) {
			flush()
			size = 0
		}
		first = false
		lp = lpAppend(lp, v)
		size += sz
		return true
	})
	if !first {
		flush()
	}
	e.lp = lp
	return dst
}

func (e *Encoder) appendHash(dst []byte, h *shard.Hash) []byte {
	small := h.Len() <= hashMaxListpackEntries
	if small {
		h.Each(func(f, v []byte) bool {
			small = len(f) <= hashMaxListpackValue && len(v) <= hashMaxListpackValue
			return small
		})
	}
	if !small {
		dst = e.head(dst, TypeHash)
		dst = AppendLen(dst, uint64(h.Len()))
		h.Each(func(f, v []byte) bool {
			dst = e.AppendString(dst, f)
			dst = e.AppendString(dst, v)
			return true
		})
		return dst
	}
	lp := newListpack(e.lp[:0])
	h.Each(func(f, v []byte) bool {
		lp = lpAppend(lp, f)
		lp = lpAppend(lp, v)
		return true
	})
	lp = finishListpack(lp)
	e.lp = lp
	return e.AppendString(e.head(dst, TypeHashListpack), lp)
}

func (e *Encoder) appendSet(dst []byte, s *shard.Set) []byte {
	if n := s.Len(); n <= setMaxIntsetEntries {
		ints := true
		lo, hi := int64(0), int64(0)
		s.Each(func(m []byte) bool {
			v, ok := decimal.ParseInt(m)
			lo, hi, ints = min(lo, v), max(hi, v), ok
			return ok
		})
		if ints && n > 0 {
			width := 2
			switch {
			case lo < math.MinInt32 || hi > math.MaxInt32:
				width = 8
			case lo < math.MinInt16 || hi > math.MaxInt16:
				width = 4
			}
			vals := make([]int64, 0, n)
			s.Each(func(m []byte) bool {
				v, _ := decimal.ParseInt(m)
				vals = append(vals, v)
				return true
			})
			slices.Sort(vals)
			is := e.lp[:0]
			is = binary.LittleEndian.AppendUint32(is, uint32(width))
			is = binary.LittleEndian.AppendUint32(is, uint32(n))
			for _, v := range vals {
				switch width {
				case 2:
					is = binary.LittleEndian.AppendUint16(is, uint16(v))
				case 4:
					is = binary.LittleEndian.AppendUint32(is, uint32(v))
				default:
					is = binary.LittleEndian.AppendUint64(is, uint64(v))
				}
			}
			e.lp = is
			return e.AppendString(e.head(dst, TypeSetIntset), is)
		}
	}
	dst = e.head(dst, TypeSet)
	dst = AppendLen(dst, uint64(s.Len()))
	s.Each(func(m []byte) bool {
		dst = e.AppendString(dst, m)
		return true
	})
	return dst
}

func (e *Encoder) appendZSet(dst []byte, z *shard.ZSet) []byte {
	n := z.Len()
	small := n <= zsetMaxListpackEntries
	if small {
		z.Range(0, n-1, false, func(m []byte, _ float64) bool {
			small = len(m) <= zsetMaxListpackValue
			return small
		})
	}
	if !small {
		// Redis writes from the tail so that loading inserts at the head;
		// any order loads.
		dst = e.head(dst, TypeZSet2)
		dst = AppendLen(dst, uint64(n))
		z.Range(0, n-1, true, func(m []byte, s float64) bool {
			dst = e.AppendString(dst, m)
			dst = appendBinaryDouble(dst, s)
			return true
		})
		return dst
	}
	lp := newListpack(e.lp[:0])
	var num []byte
	z.Range(0, n-1, false, func(m []byte, s float64) bool {
		lp = lpAppend(lp, m)
		num = appendScore(num[:0], s)
		lp = lpAppend(lp, num)
		return true
	})
	lp = finishListpack(lp)
	e.lp = lp
	return e.AppendString(e.head(dst, TypeZSetListpack), lp)
}

// appendScore formats a score as Redis's listpack sorted sets store it: an
// integer when it is one (lpAppend then stores it int-encoded), else the
// shortest form that reads back exactly (Redis uses %.17g; both parse to the
// same double).
func appendScore(dst []byte, s float64) []byte {
	if s == 0 && math.Signbit(s) {
		return append(dst, "-0"...)
	}
	if s == math.Trunc(s) && math.Abs(s) < 1<<53 {
		return strconv.AppendInt(dst, int64(s), 10)
	}
	switch {
	case math.IsInf(s, 1):
		return append(dst, "inf"...)
	case math.IsInf(s, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, s, 'g', 17, 64)
}

// Supports reports whether values of kind k can be encoded.
func Supports(k shard.Kind) bool {
	switch k {
	case shard.KindString, shard.KindList, shard.KindHash, shard.KindSet, shard.KindZSet, shard.KindStream:
		return true
	}
	return false
}
