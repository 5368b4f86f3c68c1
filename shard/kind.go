package shard

import "bytes"

// Kind is the type of a stored value.
type Kind uint8

// The kinds of value a key can hold. Only KindString, KindList and KindHash
// come from Mini-Redis type inference; sets and sorted sets are made by the
// Redis set commands.
const (
	KindNone Kind = iota
	KindString
	KindList
	KindHash
	KindSet
	KindZSet
	KindStream
)

var kindNames = [...]string{"none", "string", "list", "hash", "set", "zset", "stream"}

// String returns the Redis TYPE name of k ("none", "string", "list", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// isSpace reports the bytes that make a Mini-Redis value a plain string.
func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '\v', '\f':
		return true
	}
	return false
}

// Infer returns the Mini-Redis type of v: KindList when v contains a comma and
// no whitespace, KindHash when in addition every comma-separated element
// contains a colon, KindString otherwise. It does not allocate.
func Infer(v []byte) Kind {
	comma := false
	for _, c := range v {
		if isSpace(c) {
			return KindString
		}
		if c == ',' {
			comma = true
		}
	}
	if !comma {
		return KindString
	}
	rest := v
	for {
		elem, tail, more := bytes.Cut(rest, comma1)
		if bytes.IndexByte(elem, ':') < 0 {
			return KindList
		}
		if !more {
			return KindHash
		}
		rest = tail
	}
}

var comma1 = []byte{','}

// parseList splits v on commas into a new list (empty elements kept).
func parseList(v []byte) *List {
	l := NewList()
	rest := v
	for {
		elem, tail, more := bytes.Cut(rest, comma1)
		l.PushBack(elem)
		if !more {
			return l
		}
		rest = tail
	}
}

// parseHash splits v on commas and each element on its first colon.
func parseHash(v []byte) *Hash {
	h := NewHash()
	rest := v
	for {
		elem, tail, more := bytes.Cut(rest, comma1)
		f, val, _ := bytes.Cut(elem, []byte{':'})
		h.Set(f, val)
		if !more {
			return h
		}
		rest = tail
	}
}

// AppendRendered appends the Mini-Redis rendering of v to dst and returns the
// extended slice: a string as is, a list joined by commas, a hash as
// field:value pairs joined by commas in insertion order. Sets and sorted
// sets, which Mini-Redis does not have, render as their members joined by
// commas (a sorted set in score order), and streams as their entry IDs. A
// missing value (KindNone) appends nothing.
func AppendRendered(dst []byte, v Value) []byte {
	switch v.Kind() {
	case KindString:
		return append(dst, v.Bytes()...)
	case KindList:
		first := true
		v.List().Range(0, -1, func(e []byte) bool {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, e...)
			return true
		})
	case KindHash:
		first := true
		v.Hash().Each(func(f, val []byte) bool {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, f...)
			dst = append(dst, ':')
			dst = append(dst, val...)
			return true
		})
	case KindSet:
		first := true
		v.Set().Each(func(m []byte) bool {
			dst, first = appendElem(dst, m, first), false
			return true
		})
	case KindZSet:
		z := v.ZSet()
		first := true
		z.Range(0, z.Len()-1, false, func(m []byte, _ float64) bool {
			dst, first = appendElem(dst, m, first), false
			return true
		})
	case KindStream:
		first := true
		v.Stream().Range(StreamID{}, MaxStreamID, false, func(e StreamEntry) bool {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = e.ID().Append(dst)
			return true
		})
	}
	return dst
}

// appendElem appends e to a comma-separated rendering, with no comma before
// the first element.
func appendElem(dst, e []byte, first bool) []byte {
	if !first {
		dst = append(dst, ',')
	}
	return append(dst, e...)
}
