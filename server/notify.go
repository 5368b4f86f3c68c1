package server

import (
	"strconv"

	"github.com/miniredis/miniredis/shard"
)

// Keyspace notifications (notify-keyspace-events): a write publishes
// "__keyspace@<db>__:<key>" with the event's name and
// "__keyevent@<db>__:<event>" with the key, for the event classes enabled.
// With none enabled (the default) a write pays one atomic load.

// The event classes, by their CONFIG letter.
const (
	notifyKeyspace uint32 = 1 << iota // K
	notifyKeyevent                    // E
	notifyGeneric                     // g: DEL, EXPIRE, RENAME...
	notifyString                      // $
	notifyList                        // l
	notifySet                         // s
	notifyHash                        // h
	notifyZSet                        // z
	notifyExpired                     // x
	notifyEvicted                     // e
	notifyStream                      // t
	notifyKeyMiss                     // m
	notifyModule                      // d
	notifyNew                         // n
	// notifyAll is A: every class but key misses and new keys.
	notifyAll = notifyGeneric | notifyString | notifyList | notifySet | notifyHash |
		notifyZSet | notifyExpired | notifyEvicted | notifyStream | notifyModule
)

// notifyLetters pairs each class with its letter, in the order Redis 7.0
// prints them.
var notifyLetters = []struct {
	c    byte
	flag uint32
}{
	{'g', notifyGeneric}, {'$', notifyString}, {'l', notifyList}, {'s', notifySet},
	{'h', notifyHash}, {'z', notifyZSet}, {'x', notifyExpired}, {'e', notifyEvicted},
	{'t', notifyStream}, {'d', notifyModule}, {'n', notifyNew},
}

const msgNotifyClass = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."

// parseNotify parses a notify-keyspace-events value.
func parseNotify(s string) (uint32, bool) {
	var f uint32
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case 'A':
			f |= notifyAll
		case 'K':
			f |= notifyKeyspace
		case 'E':
			f |= notifyKeyevent
		case 'm':
			f |= notifyKeyMiss
		default:
			found := false
			for _, l := range notifyLetters {
				if l.c == ch {
					f |= l.flag
					found = true
				}
			}
			if !found {
				return 0, false
			}
		}
	}
	return f, true
}

// formatNotify renders flags as CONFIG GET does: A for all classes (which
// then hides n, as Redis 7.0 does), else each letter, then K, E and m.
func formatNotify(f uint32) string {
	var b []byte
	if f&notifyAll == notifyAll {
		b = append(b, 'A')
	} else {
		for _, l := range notifyLetters {
			if f&l.flag != 0 {
				b = append(b, l.c)
			}
		}
	}
	if f&notifyKeyspace != 0 {
		b = append(b, 'K')
	}
	if f&notifyKeyevent != 0 {
		b = append(b, 'E')
	}
	if f&notifyKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

// notify publishes event on key of the client's database if its class is
// enabled. The client's own subscription, if any, gets it in order with
// its replies.
func (c *client) notify(class uint32, event string, key []byte) {
	if c.srv.notifyFlags.Load()&class == 0 {
		return
	}
	c.srv.notify(c, c.db.Index(), class, event, key)
}

// notify is client.notify for a database db, from a client or (from nil)
// the expiry cycle and eviction.
func (s *Server) notify(from *client, db int, class uint32, event string, key []byte) {
	f := s.notifyFlags.Load()
	if f&class == 0 || !s.hub.Active() {
		return
	}
	var ch []byte
	if f&notifyKeyspace != 0 {
		ch = append(ch, "__keyspace@"...)
		ch = strconv.AppendInt(ch, int64(db), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, key...)
		s.publish(from, ch, []byte(event), false)
	}
	if f&notifyKeyevent != 0 {
		ch = append(ch[:0], "__keyevent@"...)
		ch = strconv.AppendInt(ch, int64(db), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, event...)
		s.publish(from, ch, key, false)
	}
}

// notifyTouched turns the store's expired and evicted keys into events.
func (s *Server) notifyTouched(db int, key []byte, ev shard.Event) {
	switch ev {
	case shard.Expired:
		s.notify(nil, db, notifyExpired, "expired", key)
	case shard.Evicted:
		s.notify(nil, db, notifyEvicted, "evicted", key)
	}
}

// notifyPairs publishes "set" for each key of MSET's key/value pairs.
func (c *client) notifyPairs(args [][]byte) {
	for i := 1; i < len(args); i += 2 {
		c.notify(notifyString, "set", args[i])
	}
}

// notifyRename publishes RENAME's pair of events.
func (c *client) notifyRename(src, dst []byte) {
	c.notify(notifyGeneric, "rename_from", src)
	c.notify(notifyGeneric, "rename_to", dst)
}

func pushEvent(front bool) string {
	if front {
		return "lpush"
	}
	return "rpush"
}

func popEvent(front bool) string {
	if front {
		return "lpop"
	}
	return "rpop"
}

// notifyPop publishes a pop from the list l at key, and deletes the key
// (publishing del) when the pop emptied it.
func (c *client) notifyPop(e *shard.Entry, l *shard.List, front bool, key []byte) {
	c.notify(notifyList, popEvent(front), key)
	if l.Len() == 0 {
		e.Delete()
		c.notify(notifyGeneric, "del", key)
	}
}

// notifyZPop is notifyPop for a sorted set.
func (c *client) notifyZPop(e *shard.Entry, z *shard.ZSet, max bool, key []byte) {
	if max {
		c.notify(notifyZSet, "zpopmax", key)
	} else {
		c.notify(notifyZSet, "zpopmin", key)
	}
	if z.Len() == 0 {
		e.Delete()
		c.notify(notifyGeneric, "del", key)
	}
}
