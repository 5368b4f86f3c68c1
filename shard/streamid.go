package shard

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// StreamID is the ID of a stream entry: a millisecond time and a sequence
// number, ordered by both in turn. The zero value is 0-0, the smallest ID.
type StreamID struct {
	Ms, Seq uint64
}

// MaxStreamID is the largest ID, what "+" stands for.
var MaxStreamID = StreamID{math.MaxUint64, math.MaxUint64}

// Compare returns -1, 0 or +1 as id is smaller than, equal to or larger
// than o.
func (id StreamID) Compare(o StreamID) int {
	switch {
	case id.Ms < o.Ms:
		return -1
	case id.Ms > o.Ms:
		return 1
	case id.Seq < o.Seq:
		return -1
	case id.Seq > o.Seq:
		return 1
	}
	return 0
}

// Less reports whether id orders before o.
func (id StreamID) Less(o StreamID) bool { return id.Compare(o) < 0 }

// IsZero reports whether id is 0-0.
func (id StreamID) IsZero() bool { return id.Ms == 0 && id.Seq == 0 }

// Next returns the ID right after id, false when id is MaxStreamID.
func (id StreamID) Next() (StreamID, bool) {
	switch {
	case id.Seq < math.MaxUint64:
		return StreamID{id.Ms, id.Seq + 1}, true
	case id.Ms < math.MaxUint64:
		return StreamID{id.Ms + 1, 0}, true
	}
	return id, false
}

// Prev returns the ID right before id, false when id is 0-0.
func (id StreamID) Prev() (StreamID, bool) {
	switch {
	case id.Seq > 0:
		return StreamID{id.Ms, id.Seq - 1}, true
	case id.Ms > 0:
		return StreamID{id.Ms - 1, math.MaxUint64}, true
	}
	return id, false
}

// Append appends the "ms-seq" form of id to dst.
func (id StreamID) Append(dst []byte) []byte {
	dst = strconv.AppendUint(dst, id.Ms, 10)
	dst = append(dst, '-')
	return strconv.AppendUint(dst, id.Seq, 10)
}

// String returns the "ms-seq" form of id.
func (id StreamID) String() string { return string(id.Append(nil)) }

// idList is an ordered map from stream ID to V: a skip list (levels climb
// with probability 1/4, at most 32, as the sorted sets' zskiplist), so
// lookup, insertion and removal are O(log n) and walking on from a position
// is O(1) per step in either direction. Streams keep their nodes in one,
// consumer groups their pending entries. Not safe for concurrent use.
type idList[V any] struct {
	head  idNode[V]
	tail  *idNode[V]
	level int
	n     int
}

type idNode[V any] struct {
	id   StreamID
	val  V
	prev *idNode[V]
	next []*idNode[V]
}

func (l *idList[V]) init() {
	if l.head.next == nil {
		l.head.next = make([]*idNode[V], zMaxLevel)
		l.level = 1
	}
}

// Len returns the number of keys.
func (l *idList[V]) Len() int { return l.n }

// first returns the smallest node, nil when empty.
func (l *idList[V]) first() *idNode[V] {
	if l.head.next == nil {
		return nil
	}
	return l.head.next[0]
}

// last returns the largest node, nil when empty.
func (l *idList[V]) last() *idNode[V] { return l.tail }

// seekGE returns the first node with a key >= id, nil when there is none.
func (l *idList[V]) seekGE(id StreamID) *idNode[V] {
	if l.head.next == nil {
		return nil
	}
	x := &l.head
	for i := l.level - 1; i >= 0; i-- {
		for x.next[i] != nil && x.next[i].id.Less(id) {
			x = x.next[i]
		}
	}
	return x.next[0]
}

// seekLE returns the last node with a key <= id, nil when there is none.
func (l *idList[V]) seekLE(id StreamID) *idNode[V] {
	if l.head.next == nil {
		return nil
	}
	x := &l.head
	for i := l.level - 1; i >= 0; i-- {
		for x.next[i] != nil && x.next[i].id.Compare(id) <= 0 {
			x = x.next[i]
		}
	}
	if x == &l.head {
		return nil
	}
	return x
}

// get returns the value under id.
func (l *idList[V]) get(id StreamID) (V, bool) {
	if n := l.seekGE(id); n != nil && n.id == id {
		return n.val, true
	}
	var zero V
	return zero, false
}

// insert stores v under id unless id is present, and reports whether it did.
func (l *idList[V]) insert(id StreamID, v V) bool {
	l.init()
	var update [zMaxLevel]*idNode[V]
	x := &l.head
	for i := l.level - 1; i >= 0; i-- {
		for x.next[i] != nil && x.next[i].id.Less(id) {
			x = x.next[i]
		}
		update[i] = x
	}
	if nx := x.next[0]; nx != nil && nx.id == id {
		return false
	}
	level := 1
	for level < zMaxLevel && rand.Uint32() < math.MaxUint32/4 {
		level++
	}
	if level > l.level {
		for i := l.level; i < level; i++ {
			update[i] = &l.head
		}
		l.level = level
	}
	n := &idNode[V]{id: id, val: v, next: make([]*idNode[V], level)}
	for i := range level {
		n.next[i] = update[i].next[i]
		update[i].next[i] = n
	}
	if update[0] != &l.head {
		n.prev = update[0]
	}
	if n.next[0] != nil {
		n.next[0].prev = n
	} else {
		l.tail = n
	}
	l.n++
	return true
}

// remove deletes id and returns its value.
func (l *idList[V]) remove(id StreamID) (V, bool) {
	var zero V
	if l.head.next == nil {
		return zero, false
	}
	var update [zMaxLevel]*idNode[V]
	x := &l.head
	for i := l.level - 1; i >= 0; i-- {
		for x.next[i] != nil && x.next[i].id.Less(id) {
			x = x.next[i]
		}
		update[i] = x
	}
	x = x.next[0]
	if x == nil || x.id != id {
		return zero, false
	}
	for i := range l.level {
		if update[i].next[i] == x {
			update[i].next[i] = x.next[i]
		}
	}
	if x.next[0] != nil {
		x.next[0].prev = x.prev
	} else {
		l.tail = x.prev
	}
	for l.level > 1 && l.head.next[l.level-1] == nil {
		l.level--
	}
	l.n--
	return x.val, true
}

// nextNode returns the node after n, nil at the end.
func (n *idNode[V]) nextNode() *idNode[V] { return n.next[0] }
