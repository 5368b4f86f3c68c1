package shard

// List is a deque of byte strings with O(1) push and pop at both ends,
// implemented as a ring buffer. The store owns the element bytes; methods that
// return elements say how long they stay valid. A List is not safe for
// concurrent use: the store guards it with the shard lock of its key.
type List struct {
	buf  [][]byte // ring; len(buf) is zero or a power of two
	head int      // index in buf of element 0
	n    int

	ver  uint32 // bumped by every change, so the store can tell a no-op write
	acct int64  // bytes counted for the entry when it was stored
	alen int    // Len when acct was estimated
}

// NewList returns an empty list.
func NewList() *List { return &List{} }

// Len returns the number of elements.
func (l *List) Len() int { return l.n }

func (l *List) slot(i int) int { return (l.head + i) & (len(l.buf) - 1) }

func (l *List) grow() {
	if l.n < len(l.buf) {
		return
	}
	nb := make([][]byte, max(4, 2*len(l.buf)))
	for i := 0; i < l.n; i++ {
		nb[i] = l.buf[l.slot(i)]
	}
	l.buf, l.head = nb, 0
}

func clone(v []byte) []byte { return append(make([]byte, 0, len(v)), v...) }

// PushFront inserts a copy of v before the first element.
func (l *List) PushFront(v []byte) { l.pushFront(clone(v)) }

// PushBack appends a copy of v after the last element.
func (l *List) PushBack(v []byte) { l.pushBack(clone(v)) }

// pushFront and pushBack insert v itself, which the list then owns.
func (l *List) pushFront(v []byte) {
	l.ver++
	l.grow()
	l.head = (l.head - 1) & (len(l.buf) - 1)
	l.buf[l.head] = v
	l.n++
}

func (l *List) pushBack(v []byte) {
	l.ver++
	l.grow()
	l.buf[l.slot(l.n)] = v
	l.n++
}

// Move pops the first (fromFront) or last element of l and pushes it onto
// the front (toFront) or back of dst, as LMOVE does, without copying it:
// the element's bytes change owner. dst may be l itself, which rotates the
// list. It returns the element, valid until dst is next modified, and false
// when l is empty (dst is then untouched).
func (l *List) Move(dst *List, fromFront, toFront bool) ([]byte, bool) {
	var v []byte
	var ok bool
	if fromFront {
		v, ok = l.PopFront()
	} else {
		v, ok = l.PopBack()
	}
	if !ok {
		return nil, false
	}
	if toFront {
		dst.pushFront(v)
	} else {
		dst.pushBack(v)
	}
	return v, true
}

// PopFront removes and returns the first element; the caller owns the bytes.
func (l *List) PopFront() ([]byte, bool) {
	if l.n == 0 {
		return nil, false
	}
	l.ver++
	v := l.buf[l.head]
	l.buf[l.head] = nil
	l.head = l.slot(1)
	l.n--
	return v, true
}

// PopBack removes and returns the last element; the caller owns the bytes.
func (l *List) PopBack() ([]byte, bool) {
	if l.n == 0 {
		return nil, false
	}
	l.ver++
	i := l.slot(l.n - 1)
	v := l.buf[i]
	l.buf[i] = nil
	l.n--
	return v, true
}

// norm turns a Redis index (negative counts from the end) into a 0-based one,
// reporting whether it is in range.
func (l *List) norm(i int) (int, bool) {
	if i < 0 {
		i += l.n
	}
	return i, i >= 0 && i < l.n
}

// Index returns element i (negative counts from the end), or nil when out of
// range. The bytes are valid until the list is next modified and must not be
// written.
func (l *List) Index(i int) []byte {
	i, ok := l.norm(i)
	if !ok {
		return nil
	}
	return l.buf[l.slot(i)]
}

// Set replaces element i (negative counts from the end) with a copy of v and
// reports whether i was in range.
func (l *List) Set(i int, v []byte) bool {
	i, ok := l.norm(i)
	if !ok {
		return false
	}
	l.ver++
	l.buf[l.slot(i)] = clone(v)
	return true
}

// Range calls fn on the elements from start to stop inclusive with LRANGE
// semantics (negative indices count from the end, out-of-range indices are
// clamped) until fn returns false. The bytes passed to fn are valid only
// during the call; fn must not modify the list.
func (l *List) Range(start, stop int, fn func(v []byte) bool) {
	if start < 0 {
		start = max(start+l.n, 0)
	}
	if stop < 0 {
		stop += l.n
	}
	stop = min(stop, l.n-1)
	for i := start; i <= stop; i++ {
		if !fn(l.buf[l.slot(i)]) {
			return
		}
	}
}

// clone returns a deep copy of l.
func (l *List) clone() *List {
	c := &List{}
	if l.n > 0 {
		c.buf = make([][]byte, max(4, len(l.buf)))
		for i := 0; i < l.n; i++ {
			c.buf[i] = clone(l.buf[l.slot(i)])
		}
		c.n = l.n
	}
	return c
}

// Insert inserts a copy of v before position i in [0, Len] (i == Len
// appends). It is O(min(i, Len-i)).
func (l *List) Insert(i int, v []byte) {
	if i <= 0 {
		l.PushFront(v)
		return
	}
	if i >= l.n {
		l.PushBack(v)
		return
	}
	l.ver++
	l.grow()
	if i < l.n/2 {
		// Shift the first i elements one slot towards the front.
		l.head = (l.head - 1) & (len(l.buf) - 1)
		for j := 0; j < i; j++ {
			l.buf[l.slot(j)] = l.buf[l.slot(j+1)]
		}
	} else {
		for j := l.n; j > i; j-- {
			l.buf[l.slot(j)] = l.buf[l.slot(j-1)]
		}
	}
	l.buf[l.slot(i)] = clone(v)
	l.n++
}

// Remove deletes elements equal to v as LREM does: count > 0 removes the
// first count from the head, count < 0 the first -count from the tail, and 0
// all of them. It returns how many were removed, in one O(n) pass.
func (l *List) Remove(v []byte, count int) int {
	limit := count
	if limit < 0 {
		limit = -limit
	}
	removed := 0
	defer func() {
		if removed > 0 {
			l.ver++
		}
	}()
	if count >= 0 {
		w := 0
		for r := 0; r < l.n; r++ {
			e := l.buf[l.slot(r)]
			if (limit == 0 || removed < limit) && string(e) == string(v) {
				removed++
				continue
			}
			l.buf[l.slot(w)] = e
			w++
		}
		for j := w; j < l.n; j++ {
			l.buf[l.slot(j)] = nil
		}
		l.n = w
		return removed
	}
	w := l.n - 1
	for r := l.n - 1; r >= 0; r-- {
		e := l.buf[l.slot(r)]
		if removed < limit && string(e) == string(v) {
			removed++
			continue
		}
		l.buf[l.slot(w)] = e
		w--
	}
	for j := 0; j <= w; j++ {
		l.buf[l.slot(j)] = nil
	}
	l.head = l.slot(w + 1)
	l.n -= removed
	return removed
}

// Trim keeps only the elements from start to stop inclusive, with LTRIM
// semantics (negative indices count from the end; an empty range empties
// the list). It costs O(removed elements).
func (l *List) Trim(start, stop int) {
	if start < 0 {
		start = max(start+l.n, 0)
	}
	if stop < 0 {
		stop += l.n
	}
	stop = min(stop, l.n-1)
	if start > stop {
		for l.n > 0 {
			l.PopBack()
		}
		return
	}
	for range start {
		l.PopFront()
	}
	for l.n > stop-start+1 {
		l.PopBack()
	}
}
