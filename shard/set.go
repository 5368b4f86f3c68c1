package shard

import "github.com/miniredis/miniredis/internal/decimal"

// Set is an unordered set of byte strings. Members sit in a slice, with a map
// from member to slice position beside it, so membership, insertion,
// removal and a uniformly random pick (SPOP, SRANDMEMBER) are all O(1). A Set
// is not safe for concurrent use: the store guards it with the shard lock of
// its key.
type Set struct {
	members []string
	idx     map[string]int

	ver  uint32 // bumped by every change, so the store can tell a no-op write
	acct int64  // bytes counted for the entry when it was stored
	alen int    // Len when acct was estimated

	peakLen int  // see Peak
	mixed   bool // a member that is no integer was added
}

// Peak returns the most members s has held and whether a member that is no
// integer was ever added: Redis converts an intset for good once either
// happens, so OBJECT ENCODING judges by these.
func (s *Set) Peak() (members int, mixed bool) { return s.peakLen, s.mixed }

// NewSet returns an empty set.
func NewSet() *Set { return &Set{idx: make(map[string]int)} }

// Len returns the number of members.
func (s *Set) Len() int { return len(s.members) }

// Has reports whether member is in the set.
func (s *Set) Has(member []byte) bool {
	_, ok := s.idx[string(member)]
	return ok
}

// Add inserts a copy of member and reports whether it was new.
func (s *Set) Add(member []byte) bool {
	if _, ok := s.idx[string(member)]; ok {
		return false
	}
	s.ver++
	m := string(member)
	s.idx[m] = len(s.members)
	s.members = append(s.members, m)
	s.peakLen = max(s.peakLen, len(s.members))
	if !s.mixed {
		_, isInt := decimal.ParseInt(member)
		s.mixed = !isInt
	}
	return true
}

// Delete removes member and reports whether it was present. The last member
// takes its position, so positions of other members may change.
func (s *Set) Delete(member []byte) bool {
	i, ok := s.idx[string(member)]
	if !ok {
		return false
	}
	s.removeAt(i)
	return true
}

func (s *Set) removeAt(i int) {
	s.ver++
	delete(s.idx, s.members[i])
	last := len(s.members) - 1
	if i != last {
		s.members[i] = s.members[last]
		s.idx[s.members[i]] = i
	}
	s.members[last] = ""
	s.members = s.members[:last]
	if cap(s.members) > 64 && len(s.members) < cap(s.members)/4 {
		s.members = append(make([]string, 0, 2*len(s.members)), s.members...)
	}
}

// At returns the member at position i in [0, Len), for picking members at
// random. Positions are arbitrary and change when members are removed. The
// bytes are valid only until the set is modified and must not be written.
func (s *Set) At(i int) []byte { return keyBytes(s.members[i]) }

// Each calls fn on every member, in no particular order, until fn returns
// false. The bytes are valid only during the call; fn must not modify the
// set.
func (s *Set) Each(fn func(member []byte) bool) {
	for _, m := range s.members {
		if !fn(keyBytes(m)) {
			return
		}
	}
}

// clone returns a deep copy of s. Member strings are immutable and shared.
func (s *Set) clone() *Set {
	c := &Set{members: append([]string(nil), s.members...), idx: make(map[string]int, len(s.members)),
		peakLen: s.peakLen, mixed: s.mixed}
	for i, m := range c.members {
		c.idx[m] = i
	}
	return c
}

// Set returns the set for KindSet and nil otherwise.
func (v Value) Set() *Set {
	if v.kind != KindSet {
		return nil
	}
	return ptrSet(v.p)
}

// SetSet stores s, replacing any value, with the given deadline. The store
// takes ownership of s. A deadline already passed deletes the key.
func (c *Entry) SetSet(s *Set, expireAt int64) { c.setObject(setPtr(s), nSet, expireAt) }

// The mutable accessors below hand out the stored collection of the cursor's
// key for in-place changes (pushes, pops, field and member updates), which
// keep the key's deadline as Redis does. They return nil when the key is
// missing or holds another kind. The object is valid only inside the
// callback; a caller that empties it must Delete the key, since Redis never
// keeps an empty collection.

// List returns the key's list for modification, nil when it holds no list.
func (c *Entry) List() *List {
	c.mutable()
	l := c.Value().List()
	if l != nil {
		c.watch(&l.ver)
	}
	return l
}

// Hash returns the key's hash for modification, nil when it holds no hash.
func (c *Entry) Hash() *Hash {
	c.mutable()
	h := c.Value().Hash()
	if h != nil {
		c.watch(&h.ver)
	}
	return h
}

// Set returns the key's set for modification, nil when it holds no set.
func (c *Entry) Set() *Set {
	c.mutable()
	s := c.Value().Set()
	if s != nil {
		c.watch(&s.ver)
	}
	return s
}

// ZSet returns the key's sorted set for modification, nil when it holds no
// sorted set.
func (c *Entry) ZSet() *ZSet {
	c.mutable()
	z := c.Value().ZSet()
	if z != nil {
		c.watch(&z.ver)
	}
	return z
}

// watch remembers the version of a collection handed out for in-place
// changes, so that the cursor's end can tell whether it changed.
func (c *Entry) watch(ver *uint32) {
	if c.verp != ver {
		c.verp, c.ver = ver, *ver
	}
}
