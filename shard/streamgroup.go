package shard

import (
	"maps"
	"slices"
)

// StreamGroup is a consumer group of a stream: the last ID it delivered,
// its logical read counter, its consumers, and its pending entries list
// (PEL) of entries delivered and not yet acknowledged, ordered by ID; each
// consumer keeps the ordered list of its own pending entries too, sharing
// the StreamPending values. Every method is O(log n) in the PEL size.
//
// Changes to groups do not count as changes of the key (the store's
// Observer does not hear of them): Redis 7.0 does not signal them to WATCH
// either, only the stream's entries and IDs.
type StreamGroup struct {
	s           *Stream
	name        string
	lastID      StreamID
	entriesRead int64
	pel         idList[*StreamPending]
	consumers   map[string]*StreamConsumer
}

// StreamConsumer is a consumer of a group.
type StreamConsumer struct {
	name string
	// SeenTime is the unix ms of the consumer's last read or claim.
	SeenTime int64
	pel      idList[*StreamPending]
}

// StreamPending is an entry delivered to a consumer and not acknowledged.
// Callers may change DeliveryTime and DeliveryCount.
type StreamPending struct {
	ID            StreamID
	consumer      *StreamConsumer
	DeliveryTime  int64 // unix ms of the last delivery
	DeliveryCount uint64
}

// Consumer returns the consumer the entry is pending with.
func (p *StreamPending) Consumer() *StreamConsumer { return p.consumer }

// Name returns the consumer's name.
func (c *StreamConsumer) Name() string { return c.name }

// Pending returns the number of entries pending with the consumer.
func (c *StreamConsumer) Pending() int { return c.pel.Len() }

// PendingRange calls fn on the consumer's pending entries with start <= ID
// <= end in ID order until fn returns false.
func (c *StreamConsumer) PendingRange(start, end StreamID, fn func(p *StreamPending) bool) {
	pendingRange(&c.pel, start, end, fn)
}

func pendingRange(l *idList[*StreamPending], start, end StreamID, fn func(p *StreamPending) bool) {
	for n := l.seekGE(start); n != nil && n.id.Compare(end) <= 0; {
		next := n.nextNode() // fn may remove n
		if !fn(n.val) {
			return
		}
		n = next
	}
}

// Group returns the group called name, nil when there is none.
func (s *Stream) Group(name []byte) *StreamGroup { return s.groups[string(name)] }

// NumGroups returns the number of groups.
func (s *Stream) NumGroups() int { return len(s.groups) }

// Groups calls fn on every group in name order.
func (s *Stream) Groups(fn func(g *StreamGroup)) {
	for _, name := range slices.Sorted(maps.Keys(s.groups)) {
		fn(s.groups[name])
	}
}

// CreateGroup adds a group called name that has delivered up to last, with
// read counter entriesRead (-1: unknown), and reports false when one exists.
func (s *Stream) CreateGroup(name []byte, last StreamID, entriesRead int64) bool {
	if _, ok := s.groups[string(name)]; ok {
		return false
	}
	if s.groups == nil {
		s.groups = make(map[string]*StreamGroup)
	}
	g := &StreamGroup{s: s, name: string(name), lastID: last, entriesRead: entriesRead, consumers: make(map[string]*StreamConsumer)}
	s.groups[g.name] = g
	return true
}

// DestroyGroup removes the group called name and reports whether it existed.
func (s *Stream) DestroyGroup(name []byte) bool {
	if _, ok := s.groups[string(name)]; !ok {
		return false
	}
	delete(s.groups, string(name))
	return true
}

// Name returns the group's name.
func (g *StreamGroup) Name() string { return g.name }

// LastID returns the ID of the last entry delivered (last-delivered-id).
func (g *StreamGroup) LastID() StreamID { return g.lastID }

// EntriesRead returns the group's logical read counter, -1 when unknown.
func (g *StreamGroup) EntriesRead() int64 { return g.entriesRead }

// SetID sets the last delivered ID and the read counter (XGROUP SETID).
func (g *StreamGroup) SetID(id StreamID, entriesRead int64) {
	g.lastID, g.entriesRead = id, entriesRead
}

// Delivered moves the group's last ID forward to id when it is larger,
// keeping the read counter as Redis's streamReplyWithRange does.
func (g *StreamGroup) Delivered(id StreamID) {
	if !g.lastID.Less(id) {
		return
	}
	s := g.s
	if g.entriesRead != -1 && !s.RangeHasTombstones(&id, nil) {
		g.entriesRead++
	} else if s.added > 0 {
		g.entriesRead = s.EstimateDistance(id)
	}
	g.lastID = id
}

// Lag returns the number of entries not yet delivered to the group, false
// when deletions make it unknown (XINFO GROUPS lag).
func (g *StreamGroup) Lag() (int64, bool) {
	s := g.s
	if s.added == 0 {
		return 0, true
	}
	if g.entriesRead != -1 && !s.RangeHasTombstones(&g.lastID, nil) {
		return int64(s.added) - g.entriesRead, true
	}
	if r := s.EstimateDistance(g.lastID); r != -1 {
		return int64(s.added) - r, true
	}
	return 0, false
}

// Consumer returns the consumer called name, nil when there is none.
func (g *StreamGroup) Consumer(name []byte) *StreamConsumer { return g.consumers[string(name)] }

// NumConsumers returns the number of consumers.
func (g *StreamGroup) NumConsumers() int { return len(g.consumers) }

// Consumers calls fn on every consumer in name order.
func (g *StreamGroup) Consumers(fn func(c *StreamConsumer)) {
	for _, name := range slices.Sorted(maps.Keys(g.consumers)) {
		fn(g.consumers[name])
	}
}

// CreateConsumer returns the consumer called name, creating it with seen
// time now when missing; created tells which.
func (g *StreamGroup) CreateConsumer(name []byte, now int64) (c *StreamConsumer, created bool) {
	if c := g.consumers[string(name)]; c != nil {
		return c, false
	}
	c = &StreamConsumer{name: string(name), SeenTime: now}
	g.consumers[c.name] = c
	return c, true
}

// DeleteConsumer removes the consumer called name with its pending entries
// and returns how many it had; ok is false when it did not exist.
func (g *StreamGroup) DeleteConsumer(name []byte) (pending int, ok bool) {
	c := g.consumers[string(name)]
	if c == nil {
		return 0, false
	}
	pending = c.pel.Len()
	for n := c.pel.first(); n != nil; n = n.nextNode() {
		g.pel.remove(n.id)
	}
	delete(g.consumers, c.name)
	return pending, true
}

// Pending returns the number of pending entries.
func (g *StreamGroup) Pending() int { return g.pel.Len() }

// PendingEdges returns the smallest and largest pending IDs.
func (g *StreamGroup) PendingEdges() (first, last StreamID) {
	if f := g.pel.first(); f != nil {
		first, last = f.id, g.pel.last().id
	}
	return first, last
}

// PendingEntry returns the pending entry id, nil when it is not pending.
func (g *StreamGroup) PendingEntry(id StreamID) *StreamPending {
	p, _ := g.pel.get(id)
	return p
}

// PendingRange calls fn on the pending entries with start <= ID <= end in
// ID order until fn returns false. fn may acknowledge the entry it is given.
func (g *StreamGroup) PendingRange(start, end StreamID, fn func(p *StreamPending) bool) {
	pendingRange(&g.pel, start, end, fn)
}

// Deliver records that id was delivered to c at now: a new pending entry
// with one delivery, or, when another consumer (or c) had it pending, the
// entry handed to c with its delivery count reset to 1, as Redis does for
// XREADGROUP ">".
func (g *StreamGroup) Deliver(id StreamID, c *StreamConsumer, now int64) {
	if p, ok := g.pel.get(id); ok {
		p.consumer.pel.remove(id)
		p.consumer, p.DeliveryTime, p.DeliveryCount = c, now, 1
		c.pel.insert(id, p)
		return
	}
	p := &StreamPending{ID: id, consumer: c, DeliveryTime: now, DeliveryCount: 1}
	g.pel.insert(id, p)
	c.pel.insert(id, p)
}

// Claim hands the pending entry p to c (XCLAIM, XAUTOCLAIM); the caller
// sets the delivery fields.
func (g *StreamGroup) Claim(p *StreamPending, c *StreamConsumer) {
	if p.consumer != c {
		p.consumer.pel.remove(p.ID)
		p.consumer = c
		c.pel.insert(p.ID, p)
	}
}

// AddPending creates a pending entry for id with c (XCLAIM FORCE) and
// returns it; it must not be pending already.
func (g *StreamGroup) AddPending(id StreamID, c *StreamConsumer, now int64) *StreamPending {
	p := &StreamPending{ID: id, consumer: c, DeliveryTime: now, DeliveryCount: 1}
	g.pel.insert(id, p)
	c.pel.insert(id, p)
	return p
}

// Ack removes id from the pending entries and reports whether it was there.
func (g *StreamGroup) Ack(id StreamID) bool {
	p, ok := g.pel.remove(id)
	if !ok {
		return false
	}
	p.consumer.pel.remove(id)
	return true
}

// clone copies g into stream s.
func (g *StreamGroup) clone(s *Stream) *StreamGroup {
	c := &StreamGroup{s: s, name: g.name, lastID: g.lastID, entriesRead: g.entriesRead, consumers: make(map[string]*StreamConsumer, len(g.consumers))}
	for name, oc := range g.consumers {
		c.consumers[name] = &StreamConsumer{name: name, SeenTime: oc.SeenTime}
	}
	for n := g.pel.first(); n != nil; n = n.nextNode() {
		op := n.val
		nc := c.consumers[op.consumer.name]
		p := &StreamPending{ID: op.ID, consumer: nc, DeliveryTime: op.DeliveryTime, DeliveryCount: op.DeliveryCount}
		c.pel.insert(p.ID, p)
		nc.pel.insert(p.ID, p)
	}
	return c
}
