package rdb

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sid(ms, seq uint64) shard.StreamID { return shard.StreamID{Ms: ms, Seq: seq} }

// testStream builds a stream of several nodes with deleted entries,
// entries with and without the master's fields, and two groups with
// consumers and pending entries.
func testStream() *shard.Stream {
	s := shard.NewStream()
	for i := uint64(1); i <= 350; i++ {
		fv := [][]byte{[]byte("f"), []byte(strconv.FormatUint(i, 10))}
		if i%7 == 0 {
			fv = append(fv, []byte("extra"), []byte(strings.Repeat("v", int(i))))
		}
		s.Add(sid(i, 1), fv)
	}
	s.Delete([]shard.StreamID{sid(3, 1), sid(150, 1), sid(1, 1)})
	s.CreateGroup([]byte("g1"), sid(200, 1), 197)
	s.CreateGroup([]byte("42"), sid(0, 0), -1)
	g := s.Group([]byte("g1"))
	alice, _ := g.CreateConsumer([]byte("alice"), 1700000000123)
	bob, _ := g.CreateConsumer([]byte("bob"), 1700000000456)
	g.CreateConsumer([]byte("idle"), 1700000000789)
	for i := uint64(10); i < 20; i++ {
		c := alice
		if i%2 == 0 {
			c = bob
		}
		p := g.AddPending(sid(i, 1), c, 1700000001000+int64(i))
		p.DeliveryCount = i
	}
	return s
}

// streamState renders everything a stream answers, for comparisons.
func streamState(s *shard.Stream) string {
	var b strings.Builder
	fmt.Fprintf(&b, "len %d last %v first %v maxdel %v added %d nodes %d\n", s.Len(), s.LastID(), s.FirstID(), s.MaxDeletedID(), s.EntriesAdded(), s.Nodes())
	s.EachNode(func(n shard.StreamNode) bool {
		fmt.Fprintf(&b, "node %v entries %d live %d\n", n.Master(), n.Entries(), n.Live())
		for i := range n.Entries() {
			e := n.Entry(i)
			fmt.Fprintf(&b, " %v del=%v same=%v", e.ID(), e.Deleted(), e.SameFields())
			e.Each(func(f, v []byte) { fmt.Fprintf(&b, " %s=%s", f, v) })
			b.WriteByte('\n')
		}
		return true
	})
	s.Groups(func(g *shard.StreamGroup) {
		fmt.Fprintf(&b, "group %s last %v read %d pending %d\n", g.Name(), g.LastID(), g.EntriesRead(), g.Pending())
		g.PendingRange(sid(0, 0), shard.MaxStreamID, func(p *shard.StreamPending) bool {
			fmt.Fprintf(&b, " pel %v %s %d %d\n", p.ID, p.Consumer().Name(), p.DeliveryTime, p.DeliveryCount)
			return true
		})
		g.Consumers(func(c *shard.StreamConsumer) {
			fmt.Fprintf(&b, " consumer %s %d %d\n", c.Name(), c.SeenTime, c.Pending())
		})
	})
	return b.String()
}

func streamDump(t *testing.T, s *shard.Stream, noCompress bool) []byte {
	t.Helper()
	st, err := shard.New(1)
	require.NoError(t, err)
	st.Update([]byte("s"), 0, func(e *shard.Entry) { e.SetStream(s, 0) })
	var payload []byte
	st.View([]byte("s"), 0, func(v shard.Value) { payload = (&Encoder{NoCompress: noCompress}).AppendDump(nil, v) })
	return payload
}

// TestStreamRoundTrip: a stream DUMPed and decoded is the same stream, node
// for node, and encodes to the same bytes again.
func TestStreamRoundTrip(t *testing.T) {
	for _, noCompress := range []bool{false, true} {
		s := testStream()
		want := streamState(s)
		payload := streamDump(t, s, noCompress)
		assert.Equal(t, byte(TypeStream2), payload[0])
		o, err := DecodeDump(payload)
		require.NoError(t, err)
		require.Equal(t, shard.KindStream, o.Kind)
		assert.Equal(t, want, streamState(o.Stream))
		assert.Equal(t, payload, streamDump(t, o.Stream, noCompress))
		// the loaded stream takes entries where the original would
		s.Add(sid(1000, 0), [][]byte{[]byte("f"), []byte("x")})
		o.Stream.Add(sid(1000, 0), [][]byte{[]byte("f"), []byte("x")})
		assert.Equal(t, streamState(s), streamState(o.Stream))
	}
}

// sbuild assembles stream payload bodies by hand for the error cases.
type sbuild struct{ b []byte }

func (sb *sbuild) len(n uint64) *sbuild { sb.b = AppendLen(sb.b, n); return sb }
func (sb *sbuild) str(s []byte) *sbuild {
	sb.b = AppendLen(sb.b, uint64(len(s)))
	sb.b = append(sb.b, s...)
	return sb
}
func (sb *sbuild) raw(id shard.StreamID) *sbuild { sb.b = appendRawID(sb.b, id); return sb }
func (sb *sbuild) ms(v int64) *sbuild {
	sb.b = binary.LittleEndian.AppendUint64(sb.b, uint64(v))
	return sb
}

// node builds a listpack of the given elements (int64 or string).
func node(elems ...any) []byte {
	lp := newListpack(nil)
	for _, e := range elems {
		switch v := e.(type) {
		case int:
			lp = lpAppendInt(lp, int64(v))
		case string:
			lp = lpAppend(lp, []byte(v))
		}
	}
	return finishListpack(lp)
}

// oneNode is a node with master 5-0 and entries 5-0 and 5-1 (same fields),
// live unless deleted says otherwise.
func oneNode(liveCount, deletedCount, flags1, lpCount int) []byte {
	return node(liveCount, deletedCount, 1, "f", 0,
		2, 0, 0, "a", 4,
		flags1, 0, 1, "b", lpCount)
}

func withFooter(body []byte) []byte {
	p := binary.LittleEndian.AppendUint16(append([]byte(nil), body...), Version)
	return binary.LittleEndian.AppendUint64(p, CRC64(0, p))
}

func TestStreamDecodeErrors(t *testing.T) {
	good := oneNode(2, 0, 2, 4)
	// body is a type 19 stream: one node with key and listpack, then meta,
	// then what groups gives.
	body := func(key, lp []byte, length, lastMs uint64, groups func(sb *sbuild)) []byte {
		sb := &sbuild{b: []byte{TypeStream2}}
		sb.len(1).str(key).str(lp)
		sb.len(length).len(lastMs).len(1).len(5).len(0).len(0).len(0).len(2)
		if groups == nil {
			sb.len(0)
		} else {
			groups(sb)
		}
		return sb.b
	}
	key := appendRawID(nil, sid(5, 0))
	group := func(pel []shard.StreamID, consumers map[string][]shard.StreamID, order ...string) func(sb *sbuild) {
		return func(sb *sbuild) {
			sb.len(1).str([]byte("g")).len(5).len(1).len(2).len(uint64(len(pel)))
			for _, id := range pel {
				sb.raw(id).ms(1).len(1)
			}
			sb.len(uint64(len(order)))
			for _, name := range order {
				sb.str([]byte(name)).ms(1).len(uint64(len(consumers[name])))
				for _, id := range consumers[name] {
					sb.raw(id)
				}
			}
		}
	}
	pel := []shard.StreamID{sid(5, 0), sid(5, 1)}
	_, err := DecodeDump(withFooter(body(key, good, 2, 5, group(pel, map[string][]shard.StreamID{"c": pel}, "c"))))
	require.NoError(t, err, "the base case decodes")

	for _, c := range []struct {
		name string
		body []byte
	}{
		{"short node key", body(key[:15], good, 2, 5, nil)},
		{"bad listpack size", body(key, append(good[:len(good)-1:len(good)-1], 0, 0xFF), 2, 5, nil)},
		{"lp-count", body(key, oneNode(2, 0, 2, 5), 2, 5, nil)},
		{"live count", body(key, oneNode(3, 0, 2, 4), 2, 5, nil)},
		{"deleted count", body(key, oneNode(1, 0, 3, 4), 2, 5, nil)},
		{"bad flags", body(key, oneNode(2, 0, 6, 4), 2, 5, nil)},
		{"ids out of order", body(key, node(2, 0, 1, "f", 0, 2, 0, 1, "a", 4, 2, 0, 0, "b", 4), 2, 5, nil)},
		{"no entries", body(key, node(0, 0, 1, "f", 0), 0, 5, nil)},
		{"no master terminator", body(key, node(1, 0, 1, "f", 2, 2, 0, 0, "a", 3), 1, 5, nil)},
		{"length", body(key, good, 3, 5, nil)},
		{"last id below entries", body(key, good, 2, 4, nil)},
		{"truncated", body(key, good, 2, 5, nil)[:20]},
		{"pel without consumer", body(key, good, 2, 5, group(pel, map[string][]shard.StreamID{"c": pel[:1]}, "c"))},
		{"consumer entry not in pel", body(key, good, 2, 5, group(pel[:1], map[string][]shard.StreamID{"c": pel}, "c"))},
		{"entry of two consumers", body(key, good, 2, 5, group(pel, map[string][]shard.StreamID{"c": pel, "d": pel[:1]}, "c", "d"))},
		{"duplicate consumer", body(key, good, 2, 5, group(pel, map[string][]shard.StreamID{"c": pel}, "c", "c"))},
		{"duplicate pel entry", body(key, good, 2, 5, group(append(pel, pel[0]), map[string][]shard.StreamID{"c": pel}, "c"))},
		{"duplicate group", func() []byte {
			b := body(key, good, 2, 5, func(sb *sbuild) {
				sb.len(2)
				for range 2 {
					sb.str([]byte("g")).len(0).len(0).len(0).len(0).len(0)
				}
			})
			return b
		}()},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeDump(withFooter(c.body))
			assert.ErrorIs(t, err, ErrCorrupt)
		})
	}
}

// TestStreamType15 decodes a stream as Redis 5 and 6 wrote it: no first
// ID, max deleted ID, entries added or groups' read counters; they are
// derived as Redis 7.0 derives them.
func TestStreamType15(t *testing.T) {
	sb := &sbuild{b: []byte{TypeStreamListpacks}}
	sb.len(1).str(appendRawID(nil, sid(5, 0))).str(oneNode(1, 1, 3, 4)) // 5-0 live, 5-1 deleted
	sb.len(1).len(5).len(1)                                             // length, last ID
	sb.len(1).str([]byte("g")).len(5).len(0).len(0).len(0)              // a group at 5-0, no PEL or consumers
	o, err := DecodeDump(withFooter(sb.b))
	require.NoError(t, err)
	s := o.Stream
	assert.Equal(t, 1, s.Len())
	assert.Equal(t, sid(5, 1), s.LastID())
	assert.Equal(t, sid(5, 0), s.FirstID())
	assert.Equal(t, uint64(1), s.EntriesAdded())
	assert.True(t, s.MaxDeletedID().IsZero())
	assert.Equal(t, int64(1), s.Group([]byte("g")).EntriesRead())
}

// TestStreamEmpty: an empty stream (all entries deleted) is a value of its
// own, not an empty key.
func TestStreamEmpty(t *testing.T) {
	s := shard.NewStream()
	s.Add(sid(1, 0), [][]byte{[]byte("f"), []byte("v")})
	s.Delete([]shard.StreamID{sid(1, 0)})
	o, err := DecodeDump(streamDump(t, s, false))
	require.NoError(t, err)
	assert.Equal(t, streamState(s), streamState(o.Stream))
}
