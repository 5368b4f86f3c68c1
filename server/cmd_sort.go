package server

import (
	"bytes"
	"math"
	"slices"
	"strconv"

	"github.com/miniredis/miniredis/shard"
)

// sortOpts is a parsed SORT or SORT_RO call.
type sortOpts struct {
	desc, alpha bool
	dontSort    bool  // BY a pattern without '*' (such as "nosort")
	start       int64 // LIMIT offset
	count       int64 // LIMIT count, -1 for all
	by          []byte
	gets        [][]byte
	store       []byte
}

// parseSort parses SORT's options as Redis's sortCommandGeneric does; on
// false the error has been written. readOnly refuses STORE (SORT_RO).
func (c *client) parseSort(args [][]byte, readOnly bool) (o sortOpts, ok bool) {
	o.count = -1
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		switch a := args[j]; {
		case equalFold(a, "ASC"):
			o.desc = false
		case equalFold(a, "DESC"):
			o.desc = true
		case equalFold(a, "ALPHA"):
			o.alpha = true
		case equalFold(a, "LIMIT") && left >= 2:
			var ok1, ok2 bool
			o.start, ok1 = parseInt(args[j+1])
			if ok1 {
				o.count, ok2 = parseInt(args[j+2])
			}
			if !ok1 || !ok2 {
				c.w.Error(msgNotInteger)
				return o, false
			}
			j += 2
		case !readOnly && equalFold(a, "STORE") && left >= 1:
			o.store = args[j+1]
			j++
		case equalFold(a, "BY") && left >= 1:
			o.by = args[j+1]
			o.dontSort = bytes.IndexByte(o.by, '*') < 0
			j++
		case equalFold(a, "GET") && left >= 1:
			o.gets = append(o.gets, args[j+1])
			j++
		default:
			c.w.Error(msgSyntax)
			return o, false
		}
	}
	return o, true
}

// sortPatterns reports whether a SORT call looks up keys its arguments do
// not name (BY or GET patterns with a '*'), so that it must see the whole
// keyspace at one instant: a transaction or script holds every shard for it.
func sortPatterns(args [][]byte) bool {
	for j := 2; j+1 < len(args); j++ {
		if (equalFold(args[j], "BY") || equalFold(args[j], "GET")) && bytes.IndexByte(args[j+1], '*') >= 0 {
			return true
		}
	}
	return false
}

// sortReaches reports whether a SORT call reaches keys beyond the sorted
// key at args[1], the one its table row declares: through patterns, or a
// STORE destination (which Redis declares with a keyword search that the
// table's first/last/step triple cannot express).
func sortReaches(args [][]byte) bool {
	return sortPatterns(args) || len(sortKeys(nil, args)) > 1
}

// sortKeys finds the keys SORT names: the sorted key and a STORE
// destination.
func sortKeys(dst, args [][]byte) [][]byte {
	if len(args) < 2 {
		return dst
	}
	dst = append(dst, args[1])
	for j := 2; j+1 < len(args); j++ {
		if equalFold(args[j], "STORE") {
			dst = append(dst, args[j+1])
			j++
		} else if equalFold(args[j], "LIMIT") {
			j += 2
		} else if equalFold(args[j], "BY") || equalFold(args[j], "GET") {
			j++
		}
	}
	return dst
}

func cmdSort(c *client, args [][]byte)   { c.sort(args, false) }
func cmdSortRO(c *client, args [][]byte) { c.sort(args, true) }

// sortElem is one element being sorted, with its sort key.
type sortElem struct {
	v     []byte
	score float64
	cmp   []byte // ALPHA BY: the looked-up value
	has   bool   // ALPHA BY: the lookup found a value
}

// sort implements SORT and SORT_RO key [BY pattern] [LIMIT offset count]
// [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination].
//
// It runs as a few calls on a handle that holds every shard it reaches, so
// no client sees a part of it: inside a transaction or script that is the
// caller's (the command table makes them hold every shard for a call with
// patterns); otherwise it takes the shards of its keys, or all of them for
// a call with patterns, for the length of the call. The elements are copied
// out, sorted, looked up and then written or stored.
func (c *client) sort(args [][]byte, readOnly bool) {
	o, ok := c.parseSort(args, readOnly)
	if !ok {
		return
	}
	db := c.db
	if db.Held() == nil {
		var h *shard.Held
		if sortPatterns(args) {
			h = c.srv.store.HoldAll()
		} else {
			h = c.srv.store.Hold(sortKeys(nil, args))
		}
		defer h.Release()
		db = h.DB(db.Index()).WithActor(db.Actor())
	}
	now := c.now()
	key := args[1]

	// Load the elements, in the order Redis loads them.
	var elems []sortElem
	kind := shard.KindNone
	start, end := int64(0), int64(-1)
	wrong := false
	db.View(key, now, func(v shard.Value) {
		kind = v.Kind()
		var n int64
		switch kind {
		case shard.KindList:
			n = int64(v.List().Len())
		case shard.KindSet:
			n = int64(v.Set().Len())
		case shard.KindZSet:
			n = int64(v.ZSet().Len())
		default:
			wrong = true
			return
		}
		if kind == shard.KindSet && o.dontSort && (o.store != nil || c.inScript()) {
			// Redis sorts a set anyway when the result must be the same on
			// replicas: by the members, as ALPHA.
			o.dontSort, o.alpha, o.by = false, true, nil
		}
		start, end = sortLimit(o.start, o.count, n)
		elems = loadSortElems(v, &o, start, end)
		if o.dontSort && kind != shard.KindSet {
			// The range was taken directly.
			end -= start
			start = 0
		}
	})
	if wrong {
		c.w.Error(msgWrongType)
		return
	}
	if kind == shard.KindNone {
		start, end = sortLimit(o.start, o.count, 0)
	}

	if !o.dontSort {
		for i := range elems {
			e := &elems[i]
			by := e.v
			if o.by != nil {
				val, found := lookupByPattern(db, now, o.by, e.v)
				if !found {
					continue
				}
				by = val
			}
			if o.alpha {
				if o.by != nil {
					e.cmp, e.has = by, true
				}
				continue
			}
			f, ok := sortScore(by)
			if !ok {
				c.w.Error("ERR One or more scores can't be converted into double")
				return
			}
			e.score = f
		}
		slices.SortStableFunc(elems, func(x, y sortElem) int {
			r := sortCompare(&x, &y, &o)
			if o.desc {
				return -r
			}
			return r
		})
	}

	// The output: the elements of the window, or the GET lookups of each.
	n := max(end-start+1, 0)
	outLen := n
	if len(o.gets) > 0 {
		outLen = n * int64(len(o.gets))
	}
	out := make([][]byte, 0, outLen)
	found := make([]bool, 0, outLen)
	for i := start; i <= end && i < int64(len(elems)); i++ {
		if len(o.gets) == 0 {
			out = append(out, elems[i].v)
			found = append(found, true)
			continue
		}
		for _, g := range o.gets {
			val, ok := lookupByPattern(db, now, g, elems[i].v)
			out = append(out, val)
			found = append(found, ok)
		}
	}
	if o.store == nil {
		c.w.ArrayLen(len(out))
		for i, v := range out {
			if found[i] {
				c.w.Bulk(v)
			} else {
				c.w.Null()
			}
		}
		return
	}
	db.Update(o.store, now, func(e *shard.Entry) {
		if len(out) == 0 {
			e.Delete()
		} else {
			l := shard.NewList()
			for _, v := range out {
				l.PushBack(v) // a missing lookup stores ""
			}
			e.SetList(l, 0)
		}
		c.w.Int(int64(len(out)))
	})
}

// inScript reports whether the client runs inside a script, where Redis
// sorts even a BY-nosort set so that the result is deterministic.
func (c *client) inScript() bool { return c.script }

// sortLimit applies SORT's LIMIT to n elements as Redis does, giving the
// window start..end (empty when end < start).
func sortLimit(offset, count, n int64) (start, end int64) {
	start = max(offset, 0)
	if count < 0 {
		end = n - 1
	} else {
		end = start + count - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	if end >= n {
		end = n - 1
	}
	return start, end
}

// loadSortElems copies the elements of v out: for a list or sorted set that
// is not to be sorted, only the window start..end in the requested
// direction; otherwise all of them.
func loadSortElems(v shard.Value, o *sortOpts, start, end int64) []sortElem {
	var elems []sortElem
	add := func(b []byte) { elems = append(elems, sortElem{v: append([]byte(nil), b...)}) }
	switch v.Kind() {
	case shard.KindList:
		l := v.List()
		if o.dontSort {
			if end >= start {
				n := int64(l.Len())
				for i := start; i <= end; i++ {
					if o.desc {
						add(l.Index(int(n - 1 - i)))
					} else {
						add(l.Index(int(i)))
					}
				}
			}
			return elems
		}
		l.Range(0, l.Len()-1, func(b []byte) bool {
			add(b)
			return true
		})
	case shard.KindSet:
		s := v.Set()
		var buf [setMaxIntsetEntries]int64
		if ints, ok := intsetSorted(s, &buf); ok {
			var num [24]byte
			for _, n := range ints {
				add(strconv.AppendInt(num[:0], n, 10))
			}
			return elems
		}
		s.Each(func(b []byte) bool {
			add(b)
			return true
		})
	case shard.KindZSet:
		z := v.ZSet()
		if o.dontSort {
			if end >= start {
				z.Range(int(start), int(end), o.desc, func(b []byte, _ float64) bool {
					add(b)
					return true
				})
			}
			return elems
		}
		z.Range(0, z.Len()-1, false, func(b []byte, _ float64) bool {
			add(b)
			return true
		})
	}
	return elems
}

// sortCompare is Redis's sortCompare, before DESC is applied.
func sortCompare(x, y *sortElem, o *sortOpts) int {
	if !o.alpha {
		switch {
		case x.score > y.score:
			return 1
		case x.score < y.score:
			return -1
		}
		return bytes.Compare(x.v, y.v)
	}
	// Without STORE Redis compares with strcoll, which stops at a NUL; in
	// the C locale it otherwise orders bytes as memcmp does.
	cmp := bytes.Compare
	if o.store == nil {
		cmp = func(a, b []byte) int { return bytes.Compare(cString(a), cString(b)) }
	}
	if o.by != nil {
		switch {
		case !x.has && !y.has:
			return 0
		case !x.has:
			return -1
		case !y.has:
			return 1
		}
		return cmp(x.cmp, y.cmp)
	}
	return cmp(x.v, y.v)
}

// cString is b as C sees it: up to the first NUL.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// sortScore parses a numeric sort key as C's strtod does for SORT, on the
// value as a C string (up to a NUL): leading space skipped, "" is 0,
// anything left over, an overflow or NaN fails. Blanks alone fail too:
// strtod converts nothing and points back at the first blank.
func sortScore(b []byte) (float64, bool) {
	b = cString(b)
	if len(b) == 0 {
		return 0, true
	}
	for len(b) > 0 && isCSpace(b[0]) {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	if bytes.IndexByte(b, '_') >= 0 {
		return 0, false
	}
	f, err := strtod(b)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// lookupByPattern is Redis's lookupKeyByPattern: "#" is the element itself;
// otherwise the first '*' of pattern is replaced by the element and the
// resulting key read, as a string, or with "->field" after the '*' as a
// field of a hash. found is false when there is nothing to read (no '*',
// a missing key or field, another type). The value is a copy.
func lookupByPattern(db shard.DB, now int64, pattern, elem []byte) (val []byte, found bool) {
	if len(pattern) == 1 && pattern[0] == '#' {
		return elem, true
	}
	star := bytes.IndexByte(pattern, '*')
	if star < 0 {
		return nil, false
	}
	keyEnd := len(pattern)
	var field []byte
	if f := bytes.Index(pattern[star+1:], []byte("->")); f >= 0 && star+1+f+2 < len(pattern) {
		keyEnd = star + 1 + f
		field = pattern[keyEnd+2:]
	}
	key := make([]byte, 0, keyEnd-1+len(elem))
	key = append(key, pattern[:star]...)
	key = append(key, elem...)
	key = append(key, pattern[star+1:keyEnd]...)
	db.View(key, now, func(v shard.Value) {
		switch {
		case field == nil && v.Kind() == shard.KindString:
			val, found = append([]byte(nil), v.Bytes()...), true
		case field != nil && v.Kind() == shard.KindHash:
			if fv, ok := v.Hash().Get(field); ok {
				val, found = append([]byte(nil), fv...), true
			}
		}
	})
	return val, found
}
