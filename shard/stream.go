package shard

import (
	"slices"

	"github.com/miniredis/miniredis/internal/decimal"
)

// Stream is a Redis stream: entries of field-value pairs under strictly
// increasing IDs, and the consumer groups reading them. Entries live in
// nodes of up to streamNodeMaxEntries entries and about streamNodeMaxBytes
// bytes, laid out the way Redis lays out a listpack (one byte buffer per
// node, field names shared with the node's first entry when they repeat,
// deleted entries only flagged until the whole node goes), and the nodes
// sit in an ordered map keyed by their first ID, where Redis has its radix
// tree. So appending is O(1) amortised, finding an ID is O(log n), removing
// by MAXLEN/MINID drops whole nodes from the front, and approximate
// trimming ("~") drops exactly the nodes Redis would, because the nodes
// fill up at the same points (the byte limit is checked against the size
// the listpack would have).
//
// A Stream is not safe for concurrent use: the store guards it with the
// shard lock of its key. Byte slices it hands out are valid until the next
// change of the stream.
type Stream struct {
	nodes      idList[*streamNode]
	length     int
	lastID     StreamID
	firstID    StreamID
	maxDeleted StreamID
	added      uint64
	groups     map[string]*StreamGroup

	ver  uint32 // bumped by every change, so the store can tell a no-op write
	acct int64  // bytes counted for the entry when it was stored
	alen int    // Len when acct was estimated
}

// nStream is the kind marker of a stream entry (see nList).
const nStream uint32 = 0xFFFFFF00 | uint32(KindStream)

// Redis 7.0's defaults for stream-node-max-entries and stream-node-max-bytes.
const (
	streamNodeMaxEntries = 100
	streamNodeMaxBytes   = 4096
	lpHeaderBytes        = 7 // listpack header (6) and end marker (1)
)

// streamEntry is one entry of a node. Its items (values, preceded by the
// field names unless same is set) are consecutive in the node's lens and
// buf, starting at item and off.
type streamEntry struct {
	id      StreamID
	off     uint32 // byte offset of the first item in buf
	item    uint32 // index of the first item in lens
	pairs   uint32
	same    bool // the field names are the node's master fields
	deleted bool
}

// streamNode is one listpack-like node. The master fields (the field names
// of the node's first entry) come first in lens and buf.
type streamNode struct {
	ents    []streamEntry
	lens    []uint32
	buf     []byte
	master  uint32 // number of master fields
	mbytes  uint32 // their bytes at the start of buf
	live    int    // entries not deleted
	lpBytes int    // the size a Redis listpack of these entries would have
}

// NewStream returns an empty stream.
func NewStream() *Stream { return &Stream{} }

// Len returns the number of entries.
func (s *Stream) Len() int { return s.length }

// LastID returns the last ID ever generated (last-generated-id), which
// stays when its entry is deleted.
func (s *Stream) LastID() StreamID { return s.lastID }

// FirstID returns the recorded ID of the first entry, 0-0 when empty.
func (s *Stream) FirstID() StreamID { return s.firstID }

// MaxDeletedID returns the largest ID deleted by XDEL (max-deleted-entry-id).
func (s *Stream) MaxDeletedID() StreamID { return s.maxDeleted }

// EntriesAdded returns how many entries were ever added.
func (s *Stream) EntriesAdded() uint64 { return s.added }

// Nodes returns the number of nodes (XINFO's radix-tree-keys).
func (s *Stream) Nodes() int { return s.nodes.Len() }

// SetMeta sets the last ID, the entries-added counter and the max deleted
// ID (XSETID); the caller has checked them against the entries. Like the
// groups' changes, this is not a change the Observer hears of: Redis 7.0
// does not signal XSETID to WATCH.
func (s *Stream) SetMeta(last StreamID, added uint64, maxDeleted StreamID) {
	s.lastID, s.added, s.maxDeleted = last, added, maxDeleted
}

// NextID returns the ID "*" stands for at unix time nowMs: nowMs-0, or the
// last ID plus one when that is not smaller. ok is false when the last ID is
// the largest possible.
func (s *Stream) NextID(nowMs uint64) (StreamID, bool) {
	if s.lastID.Ms < nowMs {
		return StreamID{nowMs, 0}, true
	}
	return s.lastID.Next()
}

// StreamEntry is a view of one entry handed to Range and Get callbacks,
// valid until the stream next changes.
type StreamEntry struct {
	n *streamNode
	i int
}

// ID returns the entry's ID.
func (e StreamEntry) ID() StreamID { return e.n.ents[e.i].id }

// Pairs returns the number of field-value pairs.
func (e StreamEntry) Pairs() int { return int(e.n.ents[e.i].pairs) }

// Each calls fn with every field and value in order. The slices are valid
// until the stream changes.
func (e StreamEntry) Each(fn func(field, value []byte)) {
	n := e.n
	en := &n.ents[e.i]
	off, item := en.off, en.item
	moff := uint32(0)
	next := func() []byte {
		l := n.lens[item]
		b := n.buf[off : off+l : off+l]
		off += l
		item++
		return b
	}
	for p := uint32(0); p < en.pairs; p++ {
		var f []byte
		if en.same {
			l := n.lens[p]
			f = n.buf[moff : moff+l : moff+l]
			moff += l
		} else {
			f = next()
		}
		fn(f, next())
	}
}

// Add appends an entry with id, which must be larger than LastID (the
// caller checks), and the field-value pairs in fv (copied).
func (s *Stream) Add(id StreamID, fv [][]byte) {
	s.ver++
	pairs := len(fv) / 2
	total := 0
	for _, b := range fv {
		total += len(b)
	}
	var n *streamNode
	if t := s.nodes.last(); t != nil {
		n = t.val
		if n.lpBytes+total >= streamNodeMaxBytes || len(n.ents) >= streamNodeMaxEntries {
			n = nil
		}
	}
	var master StreamID
	if n == nil {
		n = &streamNode{master: uint32(pairs), lpBytes: lpHeaderBytes}
		n.lpBytes += lpIntSize(1) + lpIntSize(0) + lpIntSize(int64(pairs)) + lpIntSize(0)
		for p := range pairs {
			n.addItem(fv[2*p])
			n.lpBytes += lpStringSize(fv[2*p])
		}
		n.mbytes = uint32(len(n.buf))
		s.nodes.insert(id, n)
		master = id
	} else {
		master = s.nodes.last().id
	}
	same := pairs == int(n.master)
	if same {
		off := uint32(0)
		for p := range pairs {
			l := n.lens[p]
			if string(n.buf[off:off+l]) != string(fv[2*p]) {
				same = false
				break
			}
			off += l
		}
	}
	e := streamEntry{id: id, off: uint32(len(n.buf)), item: uint32(len(n.lens)), pairs: uint32(pairs), same: same}
	flags := int64(0)
	lpCount := int64(pairs + 3)
	if same {
		flags = 2
	} else {
		lpCount += int64(pairs + 1)
	}
	n.lpBytes += lpIntSize(flags) + lpIntSize(int64(id.Ms-master.Ms)) + lpIntSize(int64(id.Seq-master.Seq)) + lpIntSize(lpCount)
	if !same {
		n.lpBytes += lpIntSize(int64(pairs))
	}
	for p := range pairs {
		if !same {
			n.addItem(fv[2*p])
			n.lpBytes += lpStringSize(fv[2*p])
		}
		n.addItem(fv[2*p+1])
		n.lpBytes += lpStringSize(fv[2*p+1])
	}
	n.ents = append(n.ents, e)
	n.live++
	s.length++
	s.added++
	s.lastID = id
	if s.length == 1 {
		s.firstID = id
	}
}

func (n *streamNode) addItem(b []byte) {
	n.lens = append(n.lens, uint32(len(b)))
	n.buf = append(n.buf, b...)
}

// lpIntSize is the size of an integer element of a listpack, its back
// length included.
func lpIntSize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 2
	case v >= -4096 && v <= 4095:
		return 3
	case v >= -32768 && v <= 32767:
		return 4
	case v >= -8388608 && v <= 8388607:
		return 5
	case v >= -2147483648 && v <= 2147483647:
		return 6
	}
	return 10
}

// lpStringSize is the size of a string element of a listpack, which stores
// strings that read as integers as integers.
func lpStringSize(b []byte) int {
	if v, ok := decimal.ParseInt(b); ok {
		return lpIntSize(v)
	}
	var enc int
	switch l := len(b); {
	case l < 64:
		enc = 1 + l
	case l < 4096:
		enc = 2 + l
	default:
		enc = 5 + l
	}
	switch {
	case enc <= 127:
		return enc + 1
	case enc < 16383:
		return enc + 2
	case enc < 2097151:
		return enc + 3
	case enc < 268435455:
		return enc + 4
	}
	return enc + 5
}

// locate returns the node holding id and the entry's index in it, deleted
// or not.
func (s *Stream) locate(id StreamID) (*idNode[*streamNode], int, bool) {
	nd := s.nodes.seekLE(id)
	if nd == nil {
		return nil, 0, false
	}
	ents := nd.val.ents
	i, ok := slices.BinarySearchFunc(ents, id, func(e streamEntry, id StreamID) int { return e.id.Compare(id) })
	return nd, i, ok
}

// Get returns the live entry with id.
func (s *Stream) Get(id StreamID) (StreamEntry, bool) {
	nd, i, ok := s.locate(id)
	if !ok || nd.val.ents[i].deleted {
		return StreamEntry{}, false
	}
	return StreamEntry{nd.val, i}, true
}

// Range calls fn on the live entries with start <= ID <= end, ascending, or
// descending when rev is set, until fn returns false. O(log n) to find the
// start, then O(1) per entry (deleted entries in the nodes visited are
// skipped, as in Redis).
func (s *Stream) Range(start, end StreamID, rev bool, fn func(e StreamEntry) bool) {
	if end.Less(start) {
		return
	}
	if !rev {
		nd := s.nodes.seekLE(start)
		if nd == nil {
			nd = s.nodes.first()
		}
		for ; nd != nil; nd = nd.nextNode() {
			n := nd.val
			i, _ := slices.BinarySearchFunc(n.ents, start, func(e streamEntry, id StreamID) int { return e.id.Compare(id) })
			for ; i < len(n.ents); i++ {
				if end.Less(n.ents[i].id) {
					return
				}
				if !n.ents[i].deleted && !fn(StreamEntry{n, i}) {
					return
				}
			}
		}
		return
	}
	for nd := s.nodes.seekLE(end); nd != nil; nd = nd.prev {
		n := nd.val
		i, found := slices.BinarySearchFunc(n.ents, end, func(e streamEntry, id StreamID) int { return e.id.Compare(id) })
		if !found {
			i--
		}
		for ; i >= 0; i-- {
			if n.ents[i].id.Less(start) {
				return
			}
			if !n.ents[i].deleted && !fn(StreamEntry{n, i}) {
				return
			}
		}
	}
}

// edge returns the first (or last) live entry's ID, false when empty.
func (s *Stream) edge(last bool) (StreamID, bool) {
	var id StreamID
	found := false
	s.Range(StreamID{}, MaxStreamID, last, func(e StreamEntry) bool {
		id, found = e.ID(), true
		return false
	})
	return id, found
}

// LastValidID returns the ID of the last live entry, 0-0 when empty.
func (s *Stream) LastValidID() StreamID {
	id, _ := s.edge(true)
	return id
}

// deleteOne flags the live entry id as deleted, dropping its node when it
// was the node's last live entry, and reports whether it was there.
func (s *Stream) deleteOne(id StreamID) bool {
	nd, i, ok := s.locate(id)
	if !ok || nd.val.ents[i].deleted {
		return false
	}
	s.ver++
	n := nd.val
	if n.live == 1 {
		s.nodes.remove(nd.id)
	} else {
		n.ents[i].deleted = true
		n.live--
	}
	s.length--
	return true
}

// Delete removes the entries with ids (XDEL) and returns how many existed,
// keeping the first ID and the max deleted ID as Redis does.
func (s *Stream) Delete(ids []StreamID) int {
	deleted := 0
	first := false
	for _, id := range ids {
		if !s.deleteOne(id) {
			continue
		}
		if id == s.firstID {
			first = true
		}
		if s.maxDeleted.Less(id) {
			s.maxDeleted = id
		}
		deleted++
	}
	if deleted > 0 {
		switch {
		case s.length == 0:
			s.firstID = StreamID{}
		case first:
			s.firstID, _ = s.edge(false)
		}
	}
	return deleted
}

// Trim removes entries from the front (XTRIM, XADD's trimming): down to
// maxLen entries when byID is false, or those below minID when it is. With
// approx only whole nodes go, and with limit > 0 no more than limit entries
// (counted by whole nodes), exactly as Redis's streamTrim. It returns the
// number removed.
func (s *Stream) Trim(byID bool, maxLen int64, minID StreamID, approx bool, limit int64) int64 {
	var deleted int64
	for nd := s.nodes.first(); nd != nil; nd = s.nodes.first() {
		if !byID && int64(s.length) <= maxLen {
			break
		}
		n := nd.val
		entries := int64(n.live)
		if limit > 0 && deleted+entries > limit {
			break
		}
		var remove bool
		if byID {
			remove = n.ents[len(n.ents)-1].id.Less(minID)
		} else {
			remove = int64(s.length)-entries >= maxLen
		}
		if remove {
			s.ver++
			s.nodes.remove(nd.id)
			s.length -= int(entries)
			deleted += entries
			continue
		}
		if approx {
			break
		}
		for i := range n.ents {
			e := &n.ents[i]
			if byID && !e.id.Less(minID) || !byID && int64(s.length) <= maxLen {
				break
			}
			if !e.deleted {
				s.ver++
				e.deleted = true
				n.live--
				s.length--
				deleted++
			}
		}
		break
	}
	if deleted > 0 {
		if s.length == 0 {
			s.firstID = StreamID{}
		} else {
			s.firstID, _ = s.edge(false)
		}
	}
	return deleted
}

// RangeHasTombstones reports whether entries between start and end (nil:
// the ends of the stream) may have been deleted, as Redis decides it from
// the max deleted ID alone.
func (s *Stream) RangeHasTombstones(start, end *StreamID) bool {
	if s.length == 0 || s.maxDeleted.IsZero() || s.maxDeleted.Less(s.firstID) {
		return false
	}
	st, en := StreamID{}, MaxStreamID
	if start != nil {
		st = *start
	}
	if end != nil {
		en = *end
	}
	return st.Compare(s.maxDeleted) <= 0 && s.maxDeleted.Compare(en) <= 0
}

// EstimateDistance returns the number of entries added up to and including
// id (its logical read counter), or -1 when deletions make it unknowable:
// Redis's streamEstimateDistanceFromFirstEverEntry.
func (s *Stream) EstimateDistance(id StreamID) int64 {
	if s.added == 0 {
		return 0
	}
	if s.length == 0 && id.Compare(s.lastID) < 1 {
		return int64(s.added)
	}
	switch c := id.Compare(s.lastID); {
	case c == 0:
		return int64(s.added)
	case c > 0:
		return -1
	}
	if s.maxDeleted.IsZero() || s.maxDeleted.Less(s.firstID) {
		switch id.Compare(s.firstID) {
		case -1:
			return int64(s.added) - int64(s.length)
		case 0:
			return int64(s.added) - int64(s.length) + 1
		}
	}
	return -1
}

// clone returns a deep copy of s with its groups.
func (s *Stream) clone() *Stream {
	c := &Stream{length: s.length, lastID: s.lastID, firstID: s.firstID, maxDeleted: s.maxDeleted, added: s.added}
	for nd := s.nodes.first(); nd != nil; nd = nd.nextNode() {
		n := *nd.val
		n.ents, n.lens, n.buf = slices.Clone(n.ents), slices.Clone(n.lens), slices.Clone(n.buf)
		c.nodes.insert(nd.id, &n)
	}
	if s.groups != nil {
		c.groups = make(map[string]*StreamGroup, len(s.groups))
	}
	for name, g := range s.groups {
		c.groups[name] = g.clone(c)
	}
	return c
}

// Value.Stream and the Entry methods for streams live here rather than in
// entry.go to keep the kinds' code together.

// Stream returns the stream for KindStream and nil otherwise.
func (v Value) Stream() *Stream {
	if v.kind != KindStream {
		return nil
	}
	return ptrStream(v.p)
}

// Stream returns the key's stream for modification, nil when it holds no
// stream.
func (c *Entry) Stream() *Stream {
	c.mutable()
	s := c.Value().Stream()
	if s != nil {
		c.watch(&s.ver)
	}
	return s
}

// SetStream stores s, replacing any value, with the given deadline. The
// store takes ownership of s. A deadline already passed deletes the key.
func (c *Entry) SetStream(s *Stream, expireAt int64) { c.setObject(streamPtr(s), nStream, expireAt) }

// streamSize estimates the bytes of s stored under a key of klen bytes.
func streamSize(s *Stream, klen int) int64 {
	n := int64(entryOverhead + objOverhead + klen)
	for nd := s.nodes.first(); nd != nil; nd = nd.nextNode() {
		n += streamNodeOverhead + int64(cap(nd.val.buf)) + 4*int64(cap(nd.val.lens)) + 48*int64(cap(nd.val.ents))
	}
	for _, g := range s.groups {
		n += objOverhead + int64(g.pel.Len())*pendingOverhead
	}
	return n
}

// Per-node and per-pending-entry costs of a stream: the node struct and its
// skip-list node; a pending entry, its two skip-list nodes (group and
// consumer).
const (
	streamNodeOverhead = 160
	pendingOverhead    = 160
)

// streamEntrySize is what remeasureLocked counts per entry added or removed
// in place: the last entry's bytes and its bookkeeping.
func streamEntrySize(s *Stream) int64 {
	t := s.nodes.last()
	if t == nil || len(t.val.ents) == 0 {
		return 48
	}
	n := t.val
	return int64(len(n.buf)-int(n.ents[len(n.ents)-1].off)) + 48
}
