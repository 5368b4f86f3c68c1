package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/miniredis/miniredis/shard"
)

// ErrCorrupt is wrapped by every error about malformed input.
var ErrCorrupt = errors.New("rdb: corrupt data")

// ErrEmptyKey is returned for a collection with no elements, which Redis
// never writes: RESTORE refuses it and loading skips the key, as Redis does.
var ErrEmptyKey = errors.New("rdb: empty collection")

// ErrChecksum is returned when a DUMP payload's version or checksum is
// wrong, or a file's checksum does not match its contents.
var ErrChecksum = errors.New("rdb: version or checksum mismatch")

// UnsupportedError reports a value of a type this package cannot hold
// (module values, Redis 7.2's streams); it names the key.
type UnsupportedError struct {
	Key  string
	Type byte
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("rdb: key %q holds a %s value (RDB type %d), which miniredis does not support", e.Key, typeName(e.Type), e.Type)
}

// Object is one decoded value: Kind tells which field is set. Str points
// into the decoded input or a fresh buffer and is valid as long as the
// input is; the collections are newly built and belong to the caller.
type Object struct {
	Kind   shard.Kind
	Str    []byte
	List   *shard.List
	Hash   *shard.Hash
	Set    *shard.Set
	ZSet   *shard.ZSet
	Stream *shard.Stream
}

// decoder reads RDB data from an in-memory image (a DUMP payload, or a file
// read or mapped whole). Every read checks bounds; nothing is allocated
// from a length the input declares before that many bytes are seen.
type decoder struct {
	b   []byte
	p   int
	num [24]byte
}

func corrupt(what string) error { return fmt.Errorf("%w: %s", ErrCorrupt, what) }

var errShort = corrupt("unexpected end of data")

func (d *decoder) byte() (byte, error) {
	if d.p >= len(d.b) {
		return 0, errShort
	}
	c := d.b[d.p]
	d.p++
	return c, nil
}

func (d *decoder) bytes(n uint64) ([]byte, error) {
	if n > uint64(len(d.b)-d.p) {
		return nil, errShort
	}
	s := d.b[d.p : d.p+int(n)]
	d.p += int(n)
	return s, nil
}

// length reads an RDB length; enc reports a special string encoding, whose
// kind is then the returned value.
func (d *decoder) length() (n uint64, enc bool, err error) {
	c, err := d.byte()
	if err != nil {
		return 0, false, err
	}
	switch c >> 6 {
	case len6:
		return uint64(c & 0x3F), false, nil
	case len14:
		c2, err := d.byte()
		return uint64(c&0x3F)<<8 | uint64(c2), false, err
	case encVal:
		return uint64(c & 0x3F), true, nil
	}
	switch c {
	case len32:
		b, err := d.bytes(4)
		if err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(b)), false, nil
	case len64:
		b, err := d.bytes(8)
		if err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(b), false, nil
	}
	return 0, false, corrupt("unknown length encoding")
}

// plainLen reads a length that may not be a string encoding.
func (d *decoder) plainLen() (uint64, error) {
	n, enc, err := d.length()
	if err == nil && enc {
		err = corrupt("encoded string where a length belongs")
	}
	return n, err
}

// maxLZFRatio bounds how much LZF can expand: a 2-byte back reference
// yields at most 264 bytes. A declared size past it is refused before any
// allocation.
const maxLZFRatio = 132

// str reads an RDB string. Integer-encoded strings are formatted into the
// decoder's scratch space (valid until the next str call) and LZF strings
// into a fresh buffer; plain ones point into the input.
func (d *decoder) str() ([]byte, error) {
	n, enc, err := d.length()
	if err != nil {
		return nil, err
	}
	if !enc {
		return d.bytes(n)
	}
	switch n {
	case encInt8:
		c, err := d.byte()
		return strconv.AppendInt(d.num[:0], int64(int8(c)), 10), err
	case encInt16:
		b, err := d.bytes(2)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(d.num[:0], int64(int16(binary.LittleEndian.Uint16(b))), 10), nil
	case encInt32:
		b, err := d.bytes(4)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(d.num[:0], int64(int32(binary.LittleEndian.Uint32(b))), 10), nil
	case encLZF:
		clen, err := d.plainLen()
		if err != nil {
			return nil, err
		}
		ulen, err := d.plainLen()
		if err != nil {
			return nil, err
		}
		in, err := d.bytes(clen)
		if err != nil {
			return nil, err
		}
		if ulen == 0 || ulen > uint64(len(in))*maxLZFRatio {
			return nil, corrupt("bad LZF lengths")
		}
		out, err := lzfDecompress(make([]byte, 0, ulen), in, int(ulen))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return out, nil
	}
	return nil, corrupt("unknown string encoding")
}

// ownStr reads a string that must outlive the next str call.
func (d *decoder) ownStr() ([]byte, error) {
	s, err := d.str()
	if err != nil || len(s) == 0 || &s[0] != &d.num[0] {
		return s, err
	}
	return append([]byte(nil), s...), nil
}

// stringDouble reads a ZSET (type 3) score: a length byte, with 253-255
// meaning NaN, +inf and -inf, and that many characters.
func (d *decoder) stringDouble() (float64, error) {
	c, err := d.byte()
	if err != nil {
		return 0, err
	}
	switch c {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	b, err := d.bytes(uint64(c))
	if err != nil {
		return 0, err
	}
	return parseScore(b)
}

func parseScore(b []byte) (float64, error) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		// strtod's spellings that Go does not take
		switch string(b) {
		case "inf", "+inf":
			return math.Inf(1), nil
		case "-inf":
			return math.Inf(-1), nil
		}
		return 0, corrupt("bad score")
	}
	return f, nil
}

// object reads a value of RDB type t for key (named in errors).
func (d *decoder) object(t byte, key []byte) (Object, error) {
	switch t {
	case TypeString:
		s, err := d.str()
		return Object{Kind: shard.KindString, Str: s}, err
	case TypeList, TypeListZiplist, TypeListQuicklist, TypeListQuicklist2:
		return d.list(t)
	case TypeSet, TypeSetIntset, TypeSetListpack:
		return d.set(t)
	case TypeZSet, TypeZSet2, TypeZSetZiplist, TypeZSetListpack:
		return d.zset(t)
	case TypeHash, TypeHashZipmap, TypeHashZiplist, TypeHashListpack:
		return d.hash(t)
	case TypeStreamListpacks, TypeStream2:
		return d.stream(t)
	case TypeStream3, TypeModule, TypeModule2:
		return Object{}, &UnsupportedError{Key: string(key), Type: t}
	}
	return Object{}, corrupt(fmt.Sprintf("unknown value type %d for key %q", t, key))
}

func (d *decoder) list(t byte) (Object, error) {
	l := shard.NewList()
	push := func(v []byte) error { l.PushBack(v); return nil }
	switch t {
	case TypeList:
		n, err := d.plainLen()
		if err != nil {
			return Object{}, err
		}
		for range n {
			s, err := d.str()
			if err != nil {
				return Object{}, err
			}
			l.PushBack(s)
		}
	case TypeListZiplist:
		zl, err := d.str()
		if err != nil {
			return Object{}, err
		}
		if err := zipEach(zl, push); err != nil {
			return Object{}, err
		}
	case TypeListQuicklist, TypeListQuicklist2:
		n, err := d.plainLen()
		if err != nil {
			return Object{}, err
		}
		for range n {
			container := uint64(containerPacked)
			if t == TypeListQuicklist2 {
				if container, err = d.plainLen(); err != nil {
					return Object{}, err
				}
			}
			s, err := d.str()
			if err != nil {
				return Object{}, err
			}
			switch {
			case t == TypeListQuicklist:
				err = zipEach(s, push)
			case container == containerPlain:
				l.PushBack(s)
			case container == containerPacked:
				err = lpEach(s, push)
			default:
				err = corrupt("unknown quicklist container")
			}
			if err != nil {
				return Object{}, err
			}
		}
	}
	if l.Len() == 0 {
		return Object{}, ErrEmptyKey
	}
	return Object{Kind: shard.KindList, List: l}, nil
}

var errDup = corrupt("duplicate member")

func (d *decoder) set(t byte) (Object, error) {
	s := shard.NewSet()
	add := func(m []byte) error {
		if !s.Add(m) {
			return errDup
		}
		return nil
	}
	switch t {
	case TypeSet:
		n, err := d.plainLen()
		if err != nil {
			return Object{}, err
		}
		for range n {
			m, err := d.str()
			if err != nil {
				return Object{}, err
			}
			if err := add(m); err != nil {
				return Object{}, err
			}
		}
	case TypeSetIntset:
		is, err := d.str()
		if err != nil {
			return Object{}, err
		}
		if err := intsetEach(is, add); err != nil {
			return Object{}, err
		}
	case TypeSetListpack:
		lp, err := d.str()
		if err != nil {
			return Object{}, err
		}
		if err := lpEach(lp, add); err != nil {
			return Object{}, err
		}
	}
	if s.Len() == 0 {
		return Object{}, ErrEmptyKey
	}
	return Object{Kind: shard.KindSet, Set: s}, nil
}

func (d *decoder) zset(t byte) (Object, error) {
	z := shard.NewZSet()
	add := func(m []byte, score float64) error {
		if math.IsNaN(score) {
			return corrupt("NaN score")
		}
		if !z.Add(m, score) {
			return errDup
		}
		return nil
	}
	switch t {
	case TypeZSet, TypeZSet2:
		n, err := d.plainLen()
		if err != nil {
			return Object{}, err
		}
		for range n {
			m, err := d.ownStr()
			if err != nil {
				return Object{}, err
			}
			var score float64
			if t == TypeZSet {
				score, err = d.stringDouble()
			} else {
				var b []byte
				if b, err = d.bytes(8); err == nil {
					score = math.Float64frombits(binary.LittleEndian.Uint64(b))
				}
			}
			if err != nil {
				return Object{}, err
			}
			if err := add(m, score); err != nil {
				return Object{}, err
			}
		}
	case TypeZSetZiplist, TypeZSetListpack:
		blob, err := d.str()
		if err != nil {
			return Object{}, err
		}
		var member []byte
		odd := false
		pair := func(e []byte) error {
			odd = !odd
			if odd {
				member = append(member[:0], e...)
				return nil
			}
			score, err := parseScore(e)
			if err != nil {
				return err
			}
			return add(member, score)
		}
		if t == TypeZSetZiplist {
			err = zipEach(blob, pair)
		} else {
			err = lpEach(blob, pair)
		}
		if err == nil && odd {
			err = corrupt("odd number of sorted set elements")
		}
		if err != nil {
			return Object{}, err
		}
	}
	if z.Len() == 0 {
		return Object{}, ErrEmptyKey
	}
	return Object{Kind: shard.KindZSet, ZSet: z}, nil
}

func (d *decoder) hash(t byte) (Object, error) {
	h := shard.NewHash()
	var field []byte
	odd := false
	pair := func(e []byte) error {
		odd = !odd
		if odd {
			field = append(field[:0], e...)
			return nil
		}
		if !h.Set(field, e) {
			return errDup
		}
		return nil
	}
	var err error
	switch t {
	case TypeHash:
		var n uint64
		if n, err = d.plainLen(); err != nil {
			return Object{}, err
		}
		for range n {
			f, err := d.ownStr()
			if err != nil {
				return Object{}, err
			}
			v, err := d.str()
			if err != nil {
				return Object{}, err
			}
			if !h.Set(f, v) {
				return Object{}, errDup
			}
		}
	case TypeHashZipmap:
		var zm []byte
		if zm, err = d.str(); err == nil {
			err = zipmapEach(zm, pair)
		}
	case TypeHashZiplist:
		var zl []byte
		if zl, err = d.str(); err == nil {
			err = zipEach(zl, pair)
		}
	case TypeHashListpack:
		var lp []byte
		if lp, err = d.str(); err == nil {
			err = lpEach(lp, pair)
		}
	}
	if err == nil && odd {
		err = corrupt("odd number of hash elements")
	}
	if err != nil {
		return Object{}, err
	}
	if h.Len() == 0 {
		return Object{}, ErrEmptyKey
	}
	return Object{Kind: shard.KindHash, Hash: h}, nil
}

// intsetEach calls fn on each member of an intset: a 4-byte element width
// (2, 4 or 8), a 4-byte count, and the little-endian integers.
func intsetEach(is []byte, fn func(m []byte) error) error {
	if len(is) < 8 {
		return corrupt("short intset")
	}
	width := binary.LittleEndian.Uint32(is)
	n := binary.LittleEndian.Uint32(is[4:])
	if width != 2 && width != 4 && width != 8 || uint64(len(is)-8) != uint64(width)*uint64(n) {
		return corrupt("bad intset header")
	}
	var num [20]byte
	for i := 8; i < len(is); i += int(width) {
		var v int64
		switch width {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(is[i:])))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(is[i:])))
		default:
			v = int64(binary.LittleEndian.Uint64(is[i:]))
		}
		if err := fn(strconv.AppendInt(num[:0], v, 10)); err != nil {
			return err
		}
	}
	return nil
}

// zipEach calls fn on each element of a ziplist (the pre-7.0 compact
// encoding): 4-byte total size, 4-byte tail offset, 2-byte count, entries
// (previous entry length, encoding, data) and 0xFF.
func zipEach(zl []byte, fn func(e []byte) error) error {
	if len(zl) < 11 || binary.LittleEndian.Uint32(zl) != uint32(len(zl)) || zl[len(zl)-1] != 0xFF {
		return corrupt("bad ziplist header")
	}
	var num [20]byte
	p := 10
	end := len(zl) - 1
	for p < end {
		// previous entry length: 1 byte, or 0xFE and 4 bytes
		if zl[p] == 0xFE {
			p += 5
		} else {
			p++
		}
		if p >= end {
			return corrupt("truncated ziplist entry")
		}
		c := zl[p]
		var s []byte
		var v int64
		isInt := true
		need := func(n int) bool { return p+n <= end }
		switch {
		case c>>6 == 0:
			n := int(c & 0x3F)
			if !need(1 + n) {
				return corrupt("truncated ziplist string")
			}
			s, isInt, p = zl[p+1:p+1+n], false, p+1+n
		case c>>6 == 1:
			if !need(2) {
				return corrupt("truncated ziplist string")
			}
			n := int(c&0x3F)<<8 | int(zl[p+1])
			if !need(2 + n) {
				return corrupt("truncated ziplist string")
			}
			s, isInt, p = zl[p+2:p+2+n], false, p+2+n
		case c == 0x80:
			if !need(5) {
				return corrupt("truncated ziplist string")
			}
			n := uint64(binary.BigEndian.Uint32(zl[p+1:]))
			if uint64(end-p-5) < n {
				return corrupt("truncated ziplist string")
			}
			s, isInt, p = zl[p+5:p+5+int(n)], false, p+5+int(n)
		case c == 0xC0:
			if !need(3) {
				return corrupt("truncated ziplist int")
			}
			v, p = int64(int16(binary.LittleEndian.Uint16(zl[p+1:]))), p+3
		case c == 0xD0:
			if !need(5) {
				return corrupt("truncated ziplist int")
			}
			v, p = int64(int32(binary.LittleEndian.Uint32(zl[p+1:]))), p+5
		case c == 0xE0:
			if !need(9) {
				return corrupt("truncated ziplist int")
			}
			v, p = int64(binary.LittleEndian.Uint64(zl[p+1:])), p+9
		case c == 0xF0:
			if !need(4) {
				return corrupt("truncated ziplist int")
			}
			u := uint32(zl[p+1]) | uint32(zl[p+2])<<8 | uint32(zl[p+3])<<16
			v, p = int64(int32(u<<8)>>8), p+4
		case c == 0xFE:
			if !need(2) {
				return corrupt("truncated ziplist int")
			}
			v, p = int64(int8(zl[p+1])), p+2
		case c >= 0xF1 && c <= 0xFD:
			v, p = int64(c&0x0F)-1, p+1
		default:
			return corrupt("bad ziplist encoding")
		}
		if isInt {
			s = strconv.AppendInt(num[:0], v, 10)
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

// zipmapEach calls fn on the fields and values of a zipmap (the oldest
// compact hash): a count byte, then per pair a length, the field, a length,
// a free-space byte, the value and the free space; 0xFF ends it.
func zipmapEach(zm []byte, fn func(e []byte) error) error {
	if len(zm) < 2 {
		return corrupt("short zipmap")
	}
	p := 1
	readLen := func() (int, bool) {
		if p >= len(zm) {
			return 0, false
		}
		c := zm[p]
		switch {
		case c < 254:
			p++
			return int(c), true
		case c == 254:
			if p+5 > len(zm) {
				return 0, false
			}
			n := binary.LittleEndian.Uint32(zm[p+1:])
			p += 5
			return int(n), n < 1<<31
		}
		return 0, false
	}
	for {
		if p >= len(zm) {
			return corrupt("unterminated zipmap")
		}
		if zm[p] == 0xFF {
			return nil
		}
		n, ok := readLen()
		if !ok || n > len(zm)-p {
			return corrupt("bad zipmap field")
		}
		field := zm[p : p+n]
		p += n
		n, ok = readLen()
		if !ok || p >= len(zm) {
			return corrupt("bad zipmap value")
		}
		free := int(zm[p])
		p++
		if n > len(zm)-p || free > len(zm)-p-n {
			return corrupt("bad zipmap value")
		}
		if err := fn(field); err != nil {
			return err
		}
		if err := fn(zm[p : p+n]); err != nil {
			return err
		}
		p += n + free
	}
}

// DecodeDump decodes a DUMP payload: the type byte and object, then the RDB
// version (two bytes, little-endian, at most Version) and the CRC64 of
// everything before the checksum, as RESTORE checks them. It returns
// ErrChecksum for a bad footer, ErrEmptyKey for an empty collection, and an
// error wrapping ErrCorrupt (or an *UnsupportedError) for a bad object.
// Bytes after the object are ignored, as Redis does.
func DecodeDump(payload []byte) (Object, error) {
	if err := CheckDump(payload); err != nil {
		return Object{}, err
	}
	// Redis reads the object from the whole payload, footer included: an
	// object that runs into the footer still loads there, and so here.
	d := decoder{b: payload}
	t, err := d.byte()
	if err != nil {
		return Object{}, err
	}
	return d.object(t, nil)
}

// CheckDump verifies a DUMP payload's footer: its length, version and
// checksum (Redis's verifyDumpPayload).
func CheckDump(payload []byte) error {
	if len(payload) < 10 {
		return ErrChecksum
	}
	footer := payload[len(payload)-10:]
	if binary.LittleEndian.Uint16(footer) > Version ||
		binary.LittleEndian.Uint64(footer[2:]) != CRC64(0, payload[:len(payload)-8]) {
		return ErrChecksum
	}
	return nil
}

// AppendDump appends the DUMP payload of v: its object, the version and
// the checksum.
func (e *Encoder) AppendDump(dst []byte, v shard.Value) []byte {
	start := len(dst)
	dst = e.AppendObject(dst, v)
	dst = binary.LittleEndian.AppendUint16(dst, Version)
	return binary.LittleEndian.AppendUint64(dst, CRC64(0, dst[start:]))
}

// ReadString reads one RDB string (length-prefixed, integer-encoded or
// LZF-compressed) from the front of p and returns it with the rest of p.
// s points into p or into a fresh buffer.
func ReadString(p []byte) (s, rest []byte, err error) {
	d := decoder{b: p}
	s, err = d.ownStr()
	if err != nil {
		return nil, nil, err
	}
	return s, p[d.p:], nil
}
