package shard

import "math/rand/v2"

// The skip list follows Redis's zskiplist (t_zset.c): at most 32 levels, a
// node climbs a level with probability 1/4, and every forward link carries
// the number of level-0 steps it spans, so that rank and the element at a
// rank are found in O(log n).
const (
	zMaxLevel = 32
	zP        = 0.25
)

type zLevel struct {
	next *zNode
	span int
}

type zNode struct {
	score  float64
	lvl    []zLevel
	member string
	prev   *zNode
	// inline holds the levels of a node of zInline levels or fewer (15 in
	// 16 nodes), so a search step reads one allocation, not the node and
	// then its level array: insert and rank are bound by those cache misses.
	inline [zInline]zLevel
}

// zInline is how many levels a node carries inline.
const zInline = 2

// newZNode returns a node of level levels.
func newZNode(member string, score float64, level int) *zNode {
	n := &zNode{member: member, score: score}
	if level <= zInline {
		n.lvl = n.inline[:level:level]
	} else {
		n.lvl = make([]zLevel, level)
	}
	return n
}

// less orders nodes as Redis does: by score, then by member bytes.
func zLess(s1 float64, m1 string, s2 float64, m2 string) bool {
	return s1 < s2 || s1 == s2 && m1 < m2
}

// ZSet is a sorted set: a skip list ordered by (score, member) with span
// counts for O(log n) rank queries, beside a map from member to score for
// O(1) lookups. Scores are never NaN (callers reject NaN). A ZSet is not
// safe for concurrent use: the store guards it with the shard lock of its
// key.
type ZSet struct {
	head   *zNode
	tail   *zNode
	level  int
	scores map[string]float64

	ver  uint32 // bumped by every change, so the store can tell a no-op write
	acct int64  // bytes counted for the entry when it was stored
	alen int    // Len when acct was estimated

	peakLen, peakSize int // see Peak
}

// Peak returns the most members z has held and the longest member it has
// been given: Redis converts a listpack sorted set to a skip list for good
// once either passes its threshold, so OBJECT ENCODING judges by these.
func (z *ZSet) Peak() (members, size int) { return z.peakLen, z.peakSize }

// NewZSet returns an empty sorted set.
func NewZSet() *ZSet {
	return &ZSet{head: newZNode("", 0, zMaxLevel), level: 1, scores: make(map[string]float64)}
}

// Len returns the number of members.
func (z *ZSet) Len() int { return len(z.scores) }

// Score returns the score of member.
func (z *ZSet) Score(member []byte) (float64, bool) {
	s, ok := z.scores[string(member)]
	return s, ok
}

func randomLevel() int {
	l := 1
	for l < zMaxLevel && rand.Float64() < zP {
		l++
	}
	return l
}

// Add sets the score of member, inserting a copy of it when new, and
// reports whether it was new. Changing the score of an existing member
// moves it in the order.
func (z *ZSet) Add(member []byte, score float64) bool {
	if old, ok := z.scores[string(member)]; ok {
		if old != score {
			m := z.remove(old, string(member))
			z.insert(m, score)
			z.scores[m] = score
		}
		return false
	}
	m := string(member)
	z.insert(m, score)
	z.scores[m] = score
	z.peakLen = max(z.peakLen, len(z.scores))
	z.peakSize = max(z.peakSize, len(m))
	return true
}

// Delete removes member and reports whether it was present.
func (z *ZSet) Delete(member []byte) bool {
	s, ok := z.scores[string(member)]
	if !ok {
		return false
	}
	m := z.remove(s, string(member))
	delete(z.scores, m)
	return true
}

func (z *ZSet) insert(member string, score float64) {
	z.ver++
	var update [zMaxLevel]*zNode
	var rank [zMaxLevel]int
	x := z.head
	for i := z.level - 1; i >= 0; i-- {
		if i < z.level-1 {
			rank[i] = rank[i+1]
		}
		for x.lvl[i].next != nil && zLess(x.lvl[i].next.score, x.lvl[i].next.member, score, member) {
			rank[i] += x.lvl[i].span
			x = x.lvl[i].next
		}
		update[i] = x
	}
	level := randomLevel()
	if level > z.level {
		for i := z.level; i < level; i++ {
			rank[i] = 0
			update[i] = z.head
			update[i].lvl[i].span = z.Len()
		}
		z.level = level
	}
	n := newZNode(member, score, level)
	for i := range level {
		n.lvl[i].next = update[i].lvl[i].next
		update[i].lvl[i].next = n
		n.lvl[i].span = update[i].lvl[i].span - (rank[0] - rank[i])
		update[i].lvl[i].span = rank[0] - rank[i] + 1
	}
	for i := level; i < z.level; i++ {
		update[i].lvl[i].span++
	}
	if update[0] != z.head {
		n.prev = update[0]
	}
	if n.lvl[0].next != nil {
		n.lvl[0].next.prev = n
	} else {
		z.tail = n
	}
}

// remove unlinks the node (score, member), which must exist, and returns its
// stored member string.
func (z *ZSet) remove(score float64, member string) string {
	z.ver++
	var update [zMaxLevel]*zNode
	x := z.head
	for i := z.level - 1; i >= 0; i-- {
		for x.lvl[i].next != nil && zLess(x.lvl[i].next.score, x.lvl[i].next.member, score, member) {
			x = x.lvl[i].next
		}
		update[i] = x
	}
	x = x.lvl[0].next
	for i := range z.level {
		if update[i].lvl[i].next == x {
			update[i].lvl[i].span += x.lvl[i].span - 1
			update[i].lvl[i].next = x.lvl[i].next
		} else {
			update[i].lvl[i].span--
		}
	}
	if x.lvl[0].next != nil {
		x.lvl[0].next.prev = x.prev
	} else {
		z.tail = x.prev
	}
	for z.level > 1 && z.head.lvl[z.level-1].next == nil {
		z.level--
	}
	return x.member
}

// Rank returns the 0-based position of member in ascending order.
func (z *ZSet) Rank(member []byte) (int, bool) {
	s, ok := z.scores[string(member)]
	if !ok {
		return 0, false
	}
	m := string(member)
	rank := 0
	x := z.head
	for i := z.level - 1; i >= 0; i-- {
		for x.lvl[i].next != nil && !zLess(s, m, x.lvl[i].next.score, x.lvl[i].next.member) {
			rank += x.lvl[i].span
			x = x.lvl[i].next
		}
		if x != z.head && x.member == m {
			return rank - 1, true
		}
	}
	return 0, false // unreachable while the map and the list agree
}

// at returns the node at 0-based rank r, which must be in range.
func (z *ZSet) at(r int) *zNode {
	r++ // spans count from the head
	traversed := 0
	x := z.head
	for i := z.level - 1; i >= 0; i-- {
		for x.lvl[i].next != nil && traversed+x.lvl[i].span <= r {
			traversed += x.lvl[i].span
			x = x.lvl[i].next
		}
		if traversed == r {
			return x
		}
	}
	return nil
}

// Range calls fn on the members of ranks start to stop inclusive (0-based,
// already clamped to [0, Len)), in ascending order, or in descending order
// from the top when rev is set (rank 0 is then the highest member), until fn
// returns false. It costs O(log n) plus the number of members visited. member
// is valid only during the call; fn must not modify the set.
func (z *ZSet) Range(start, stop int, rev bool, fn func(member []byte, score float64) bool) {
	if start > stop || start < 0 || stop >= z.Len() {
		return
	}
	if rev {
		x := z.at(z.Len() - 1 - start)
		for i := start; i <= stop && x != nil; i++ {
			if !fn(keyBytes(x.member), x.score) {
				return
			}
			x = x.prev
		}
		return
	}
	x := z.at(start)
	for i := start; i <= stop && x != nil; i++ {
		if !fn(keyBytes(x.member), x.score) {
			return
		}
		x = x.lvl[0].next
	}
}

// CountBelow returns the number of members whose score is below s, or at
// most s when orEqual is set: the rank at which a score range starts or
// ends. O(log n).
func (z *ZSet) CountBelow(s float64, orEqual bool) int {
	rank := 0
	x := z.head
	for i := z.level - 1; i >= 0; i-- {
		for x.lvl[i].next != nil && (x.lvl[i].next.score < s || orEqual && x.lvl[i].next.score == s) {
			rank += x.lvl[i].span
			x = x.lvl[i].next
		}
	}
	return rank
}

// CountBelowLex returns the number of members ordered before the member m,
// or up to and including m when orEqual is set, comparing members only (the
// ZRANGE BYLEX view, meaningful when all scores are equal). O(log n).
func (z *ZSet) CountBelowLex(m []byte, orEqual bool) int {
	rank := 0
	x := z.head
	for i := z.level - 1; i >= 0; i-- {
		for x.lvl[i].next != nil && (x.lvl[i].next.member < string(m) || orEqual && x.lvl[i].next.member == string(m)) {
			rank += x.lvl[i].span
			x = x.lvl[i].next
		}
	}
	return rank
}

// clone returns a deep copy of z. Member strings are immutable and shared.
func (z *ZSet) clone() *ZSet {
	c := NewZSet()
	for x := z.head.lvl[0].next; x != nil; x = x.lvl[0].next {
		c.insert(x.member, x.score)
		c.scores[x.member] = x.score
	}
	c.peakLen, c.peakSize = z.peakLen, z.peakSize
	return c
}

// Value.ZSet and the Entry methods for sorted sets live here rather than in
// entry.go to keep the kinds' code together.

// ZSet returns the sorted set for KindZSet and nil otherwise.
func (v Value) ZSet() *ZSet {
	if v.kind != KindZSet {
		return nil
	}
	return ptrZSet(v.p)
}

// SetZSet stores z, replacing any value, with the given deadline. The store
// takes ownership of z. A deadline already passed deletes the key.
func (c *Entry) SetZSet(z *ZSet, expireAt int64) { c.setObject(zsetPtr(z), nZSet, expireAt) }
