package pubsub

import (
	"sort"
	"sync"
	"sync/atomic"
)

// Kind is the kind of a subscription.
type Kind uint8

const (
	// Channel is a SUBSCRIBE to one channel by name.
	Channel Kind = iota
	// Pattern is a PSUBSCRIBE to every channel matching a glob pattern.
	Pattern
	// Shard is an SSUBSCRIBE to a shard channel, which only SPUBLISH reaches.
	Shard
	kinds
)

// Hub maps channels, patterns and shard channels to their subscribers.
// S identifies a subscriber (a client pointer); the zero Hub is not usable,
// make one with New.
type Hub[S comparable] struct {
	match func(pattern, channel []byte) bool

	mu   sync.RWMutex
	subs [kinds]map[string]*entry[S]
	// patterns counts the distinct patterns subscribed to, so that a
	// publish skips the pattern scan without the lock when there are none.
	patterns atomic.Int64
	// active is non-zero while anyone subscribes to anything, so that a
	// PUBLISH nobody hears and a keyspace event nobody listens for cost an
	// atomic load and no lock.
	active atomic.Int64
}

// entry is one channel's (or pattern's) subscribers; name keeps the bytes of
// a pattern so that matching it allocates nothing.
type entry[S comparable] struct {
	name []byte
	set  map[S]struct{}
}

// New returns an empty hub matching patterns with match (Redis's glob
// rules, case-sensitive).
func New[S comparable](match func(pattern, channel []byte) bool) *Hub[S] {
	h := &Hub[S]{match: match}
	for k := range h.subs {
		h.subs[k] = make(map[string]*entry[S])
	}
	return h
}

// Subscribe adds s to name's subscribers of kind k and reports whether it
// was not subscribed already. name is copied.
func (h *Hub[S]) Subscribe(k Kind, name []byte, s S) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.subs[k][string(name)]
	if e == nil {
		e = &entry[S]{name: append([]byte(nil), name...), set: make(map[S]struct{})}
		h.subs[k][string(name)] = e
		if k == Pattern {
			h.patterns.Add(1)
		}
	}
	if _, ok := e.set[s]; ok {
		return false
	}
	e.set[s] = struct{}{}
	h.active.Add(1)
	return true
}

// Unsubscribe removes s from name's subscribers of kind k and reports
// whether it was subscribed.
func (h *Hub[S]) Unsubscribe(k Kind, name []byte, s S) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.subs[k][string(name)]
	if e == nil {
		return false
	}
	if _, ok := e.set[s]; !ok {
		return false
	}
	delete(e.set, s)
	if len(e.set) == 0 {
		delete(h.subs[k], string(name))
		if k == Pattern {
			h.patterns.Add(-1)
		}
	}
	h.active.Add(-1)
	return true
}

// Active reports whether anyone subscribes to anything; without a lock.
func (h *Hub[S]) Active() bool { return h.active.Load() != 0 }

// Publish calls deliver for every subscriber of channel (pattern is nil)
// and, unless shard is set, for every subscriber of a pattern matching it
// (once per matching pattern, with that pattern), and returns how many
// deliveries it made: the reply of PUBLISH. With shard set only shard
// subscribers of channel are reached (SPUBLISH). deliver runs under the
// hub's read lock; its arguments are valid only during the call.
func (h *Hub[S]) Publish(channel []byte, shard bool, deliver func(s S, pattern []byte)) int {
	if !h.Active() {
		return 0
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	k := Channel
	if shard {
		k = Shard
	}
	if e := h.subs[k][string(channel)]; e != nil {
		for s := range e.set {
			deliver(s, nil)
			n++
		}
	}
	if shard || h.patterns.Load() == 0 {
		return n
	}
	for _, e := range h.subs[Pattern] {
		if !h.match(e.name, channel) {
			continue
		}
		for s := range e.set {
			deliver(s, e.name)
			n++
		}
	}
	return n
}

// Names returns the channels of kind k (Channel or Shard) that have
// subscribers and, when pattern is not nil, match it: PUBSUB CHANNELS and
// SHARDCHANNELS. They are sorted, so that replies are stable.
func (h *Hub[S]) Names(k Kind, pattern []byte) []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []string
	for name := range h.subs[k] {
		if pattern == nil || h.match(pattern, []byte(name)) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Count returns how many subscribers name has of kind k: PUBSUB NUMSUB and
// SHARDNUMSUB.
func (h *Hub[S]) Count(k Kind, name []byte) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if e := h.subs[k][string(name)]; e != nil {
		return len(e.set)
	}
	return 0
}

// Len returns how many channels (or patterns, or shard channels) of kind k
// have subscribers: INFO's pubsub_channels and pubsubshard_channels.
func (h *Hub[S]) Len(k Kind) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs[k])
}

// NumPat returns the number of distinct patterns subscribed to: PUBSUB
// NUMPAT and INFO's pubsub_patterns, which Redis 7.0 counts this way.
func (h *Hub[S]) NumPat() int { return int(h.patterns.Load()) }
