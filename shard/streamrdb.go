package shard

// The node-level view of a stream that RDB encoding needs: Redis saves a
// stream as its listpack nodes (deleted entries included, flagged), so the
// encoder walks the nodes as they are, and the loader rebuilds them node
// by node, so that a loaded stream splits, trims and reports
// radix-tree-keys exactly as the stream that was saved.

// StreamNode is a view of one node of a stream, valid until the stream
// next changes.
type StreamNode struct {
	master StreamID
	n      *streamNode
}

// EachNode calls fn on every node in ID order until fn returns false.
func (s *Stream) EachNode(fn func(n StreamNode) bool) {
	for nd := s.nodes.first(); nd != nil; nd = nd.nextNode() {
		if !fn(StreamNode{nd.id, nd.val}) {
			return
		}
	}
}

// Master returns the node's master ID (its key in Redis's radix tree), to
// which its entries' IDs are relative.
func (n StreamNode) Master() StreamID { return n.master }

// Entries returns the number of entries in the node, deleted ones included.
func (n StreamNode) Entries() int { return len(n.n.ents) }

// Live returns the number of entries not deleted.
func (n StreamNode) Live() int { return n.n.live }

// MasterFields calls fn on the node's master field names in order.
func (n StreamNode) MasterFields(fn func(f []byte)) {
	off := uint32(0)
	for _, l := range n.n.lens[:n.n.master] {
		fn(n.n.buf[off : off+l : off+l])
		off += l
	}
}

// Entry returns the node's i-th entry, deleted or not.
func (n StreamNode) Entry(i int) StreamEntry { return StreamEntry{n.n, i} }

// Deleted reports whether the entry is flagged deleted (only a node's
// entries seen through StreamNode.Entry can be).
func (e StreamEntry) Deleted() bool { return e.n.ents[e.i].deleted }

// SameFields reports whether the entry's field names are its node's master
// fields (Redis's STREAM_ITEM_FLAG_SAMEFIELDS: only the values are stored).
func (e StreamEntry) SameFields() bool { return e.n.ents[e.i].same }

// LoadNode appends an empty node with master ID master and master fields
// (copied) to a stream being loaded; lpBytes is the size of its listpack,
// which decides when the node is full. ok is false when the stream already
// has a node under master. The node must be given at least one live entry
// with LoadEntry before the stream is used.
func (s *Stream) LoadNode(master StreamID, fields [][]byte, lpBytes int) (n StreamNode, ok bool) {
	nd := &streamNode{master: uint32(len(fields)), lpBytes: lpBytes}
	for _, f := range fields {
		nd.addItem(f)
	}
	nd.mbytes = uint32(len(nd.buf))
	if !s.nodes.insert(master, nd) {
		return StreamNode{}, false
	}
	s.ver++
	return StreamNode{master, nd}, true
}

// LoadEntry appends an entry to a node made by LoadNode. The caller gives
// IDs in increasing order across the whole stream. items (copied) are the
// values alone when same is set, else field-value pairs.
func (n StreamNode) LoadEntry(id StreamID, same, deleted bool, items [][]byte) {
	nd := n.n
	pairs := len(items)
	if !same {
		pairs /= 2
	}
	nd.ents = append(nd.ents, streamEntry{id: id, off: uint32(len(nd.buf)), item: uint32(len(nd.lens)), pairs: uint32(pairs), same: same, deleted: deleted})
	for _, it := range items {
		nd.addItem(it)
	}
	if !deleted {
		nd.live++
	}
}

// LoadMeta sets what a loaded stream records beside its entries: its
// length (the live entries given to LoadEntry; the caller checks), last
// generated ID, first ID, max deleted ID and entries-added counter.
func (s *Stream) LoadMeta(length int, last, first, maxDeleted StreamID, added uint64) {
	s.ver++
	s.length, s.lastID, s.firstID, s.maxDeleted, s.added = length, last, first, maxDeleted, added
}

// LastEntryID returns the ID of the stream's last entry, deleted or not,
// false when it has none: a stream's last generated ID must not be
// smaller, or new IDs would not sort after the entries.
func (s *Stream) LastEntryID() (StreamID, bool) {
	t := s.nodes.last()
	if t == nil || len(t.val.ents) == 0 {
		return StreamID{}, false
	}
	return t.val.ents[len(t.val.ents)-1].id, true
}
