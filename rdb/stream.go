package rdb

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/miniredis/miniredis/internal/decimal"
	"github.com/miniredis/miniredis/shard"
)

// Streams, as Redis 7.0 saves them (RDB_TYPE_STREAM_LISTPACKS_2, rdb.c):
//
//	nodes: len, then per node its master ID (a 16-byte big-endian string)
//	       and its listpack (a string)
//	length, last ID (ms, seq), first ID, max deleted ID, entries added: lens
//	groups: len, then per group its name, last ID, entries read (a len;
//	        -1 as 2^64-1), its PEL (len, then per entry the raw 16-byte ID,
//	        the delivery time as 8 bytes little-endian and the delivery
//	        count as a len) and its consumers (len, then per consumer its
//	        name, seen time (8 bytes) and PEL of raw IDs alone)
//
// Type 15 (Redis 5 and 6) lacks the first ID, max deleted ID, entries
// added and the groups' entries read; they are derived as Redis derives
// them. A node's listpack holds the master entry (live count, deleted
// count, the master field count, the fields, 0), then each entry: flags
// (1 deleted, 2 same fields as the master), ms and seq relative to the
// master ID, the field count unless same fields, the fields (unless same)
// and values, and the entry's element count (lp-count).

// Stream entry flags in a node's listpack (t_stream.c).
const (
	streamFlagDeleted    = 1
	streamFlagSameFields = 2
)

func appendRawID(dst []byte, id shard.StreamID) []byte {
	dst = binary.BigEndian.AppendUint64(dst, id.Ms)
	return binary.BigEndian.AppendUint64(dst, id.Seq)
}

func appendLenID(dst []byte, id shard.StreamID) []byte {
	return AppendLen(AppendLen(dst, id.Ms), id.Seq)
}

// appendStream writes s as type 19, byte for byte what Redis 7.0 writes for
// the same stream: the nodes are laid out where Redis lays out its
// listpacks, and groups and consumers go in name order, as its radix trees
// keep them.
func (e *Encoder) appendStream(dst []byte, s *shard.Stream) []byte {
	dst = e.head(dst, TypeStream2)
	dst = AppendLen(dst, uint64(s.Nodes()))
	var key [16]byte
	s.EachNode(func(n shard.StreamNode) bool {
		dst = e.AppendString(dst, appendRawID(key[:0], n.Master()))
		e.lp = appendStreamListpack(newListpack(e.lp[:0]), n)
		dst = e.AppendString(dst, e.lp)
		return true
	})
	dst = AppendLen(dst, uint64(s.Len()))
	dst = appendLenID(dst, s.LastID())
	dst = appendLenID(dst, s.FirstID())
	dst = appendLenID(dst, s.MaxDeletedID())
	dst = AppendLen(dst, s.EntriesAdded())
	dst = AppendLen(dst, uint64(s.NumGroups()))
	s.Groups(func(g *shard.StreamGroup) {
		dst = e.AppendString(dst, []byte(g.Name()))
		dst = appendLenID(dst, g.LastID())
		dst = AppendLen(dst, uint64(g.EntriesRead()))
		dst = AppendLen(dst, uint64(g.Pending()))
		g.PendingRange(shard.StreamID{}, shard.MaxStreamID, func(p *shard.StreamPending) bool {
			dst = appendRawID(dst, p.ID)
			dst = binary.LittleEndian.AppendUint64(dst, uint64(p.DeliveryTime))
			dst = AppendLen(dst, p.DeliveryCount)
			return true
		})
		dst = AppendLen(dst, uint64(g.NumConsumers()))
		g.Consumers(func(c *shard.StreamConsumer) {
			dst = e.AppendString(dst, []byte(c.Name()))
			dst = binary.LittleEndian.AppendUint64(dst, uint64(c.SeenTime))
			dst = AppendLen(dst, uint64(c.Pending()))
			c.PendingRange(shard.StreamID{}, shard.MaxStreamID, func(p *shard.StreamPending) bool {
				dst = appendRawID(dst, p.ID)
				return true
			})
		})
	})
	return dst
}

// appendStreamListpack appends node n's entries to listpack lp (begun with
// newListpack) and finishes it.
func appendStreamListpack(lp []byte, n shard.StreamNode) []byte {
	lp = lpAppendInt(lp, int64(n.Live()))
	lp = lpAppendInt(lp, int64(n.Entries()-n.Live()))
	fields := 0
	n.MasterFields(func([]byte) { fields++ })
	lp = lpAppendInt(lp, int64(fields))
	n.MasterFields(func(f []byte) { lp = lpAppend(lp, f) })
	lp = lpAppendInt(lp, 0)
	m := n.Master()
	for i := range n.Entries() {
		en := n.Entry(i)
		flags := int64(0)
		if en.Deleted() {
			flags |= streamFlagDeleted
		}
		same := en.SameFields()
		if same {
			flags |= streamFlagSameFields
		}
		id := en.ID()
		lp = lpAppendInt(lp, flags)
		lp = lpAppendInt(lp, int64(id.Ms-m.Ms))
		lp = lpAppendInt(lp, int64(id.Seq-m.Seq))
		pairs := int64(en.Pairs())
		count := pairs + 3
		if !same {
			lp = lpAppendInt(lp, pairs)
			count += pairs + 1
		}
		en.Each(func(f, v []byte) {
			if !same {
				lp = lpAppend(lp, f)
			}
			lp = lpAppend(lp, v)
		})
		lp = lpAppendInt(lp, count)
	}
	return finishListpack(lp)
}

// lpReader walks a listpack's elements, checking every bound; integer
// elements are formatted into num for the callers that want bytes.
type lpReader struct {
	lp  []byte
	p   int
	end int
	num [20]byte
}

func newLPReader(lp []byte) (*lpReader, error) {
	if len(lp) < lpHeader+1 || int(binary.LittleEndian.Uint32(lp)) != len(lp) || lp[len(lp)-1] != 0xFF {
		return nil, errListpack
	}
	return &lpReader{lp: lp, p: lpHeader, end: len(lp) - 1}, nil
}

func (r *lpReader) done() bool { return r.p >= r.end }

// next returns the next element: a string (s non-nil) or an integer.
func (r *lpReader) next() (s []byte, v int64, err error) {
	if r.done() {
		return nil, 0, errStreamListpack
	}
	s, v, next, err := lpNext(r.lp[:r.end], r.p)
	if err != nil {
		return nil, 0, err
	}
	r.p = next
	return s, v, nil
}

// int reads an element that must be an integer; like Redis's lpGetInteger
// it takes a string that reads as one.
func (r *lpReader) int() (int64, error) {
	s, v, err := r.next()
	if err != nil || s == nil {
		return v, err
	}
	if v, ok := decimal.ParseInt(s); ok {
		return v, nil
	}
	return 0, errStreamListpack
}

// bytes reads an element as bytes, valid until the next call.
func (r *lpReader) bytes() ([]byte, error) {
	s, v, err := r.next()
	if err != nil || s != nil {
		return s, err
	}
	return strconv.AppendInt(r.num[:0], v, 10), nil
}

var errStreamListpack = corrupt("stream listpack integrity check failed")

// streamNodeScratch holds one entry's items while a node is parsed: the
// bytes of the items (integers formatted) and where each ends.
type streamNodeScratch struct {
	buf   []byte
	ends  []int
	items [][]byte
}

func (sc *streamNodeScratch) reset() { sc.buf, sc.ends = sc.buf[:0], sc.ends[:0] }

func (sc *streamNodeScratch) add(b []byte) {
	sc.buf = append(sc.buf, b...)
	sc.ends = append(sc.ends, len(sc.buf))
}

// slices returns the items added since reset, valid until the next reset.
func (sc *streamNodeScratch) slices() [][]byte {
	sc.items = sc.items[:0]
	start := 0
	for _, end := range sc.ends {
		sc.items = append(sc.items, sc.buf[start:end:end])
		start = end
	}
	return sc.items
}

// streamNode parses a node's listpack with the given master ID, checking
// it as Redis's deep sanitization does (the master entry, every entry's
// flags, field count and lp-count, the live and deleted counts), and
// that its IDs increase from after (the previous node's last entry; nil
// for the first node). Unless n is nil it loads the entries into n. It
// returns the node's live entries, its last ID, and its master fields,
// which stay in sc until the next call.
func streamNode(lp []byte, master shard.StreamID, after *shard.StreamID, n *shard.StreamNode, sc *streamNodeScratch) (live int, last shard.StreamID, masterFields [][]byte, err error) {
	fail := func(err error) (int, shard.StreamID, [][]byte, error) { return 0, last, nil, err }
	r, err := newLPReader(lp)
	if err != nil {
		return fail(errStreamListpack)
	}
	var head [3]int64 // live count, deleted count, master fields
	for i := range head {
		if head[i], err = r.int(); err != nil {
			return fail(err)
		}
		if head[i] < 0 || head[i] > int64(len(lp)) {
			return fail(errStreamListpack)
		}
	}
	fields := head[2]
	sc.reset()
	for range fields {
		f, err := r.bytes()
		if err != nil {
			return fail(err)
		}
		sc.add(f)
	}
	if z, err := r.int(); err != nil || z != 0 {
		return fail(errStreamListpack)
	}
	// the master fields stay at the start of sc; each entry's items follow
	mark, markEnds := len(sc.buf), len(sc.ends)
	var seenLive, seenDeleted int64
	for !r.done() {
		var eh [3]int64 // flags, ms and seq relative to the master
		for i := range eh {
			if eh[i], err = r.int(); err != nil {
				return fail(err)
			}
		}
		flags := eh[0]
		if flags&^(streamFlagDeleted|streamFlagSameFields) != 0 {
			return fail(errStreamListpack)
		}
		id := shard.StreamID{Ms: master.Ms + uint64(eh[1]), Seq: master.Seq + uint64(eh[2])}
		if after != nil && id.Compare(*after) <= 0 {
			return fail(corrupt("stream IDs out of order"))
		}
		same := flags&streamFlagSameFields != 0
		pairs, items := fields, fields
		if !same {
			if pairs, err = r.int(); err != nil {
				return fail(err)
			}
			if pairs < 0 || pairs > int64(len(lp)) {
				return fail(errStreamListpack)
			}
			items = 2 * pairs
		}
		sc.buf, sc.ends = sc.buf[:mark], sc.ends[:markEnds]
		for range items {
			b, err := r.bytes()
			if err != nil {
				return fail(err)
			}
			sc.add(b)
		}
		want := pairs + 3
		if !same {
			want += pairs + 1
		}
		if lpCount, err := r.int(); err != nil || lpCount != want {
			return fail(errStreamListpack)
		}
		del := flags&streamFlagDeleted != 0
		if del {
			seenDeleted++
		} else {
			seenLive++
		}
		if n != nil {
			n.LoadEntry(id, same, del, sc.slices()[fields:])
		}
		last = id
		after = &last
	}
	if seenLive != head[0] || seenDeleted != head[1] || seenLive+seenDeleted == 0 {
		return fail(errStreamListpack)
	}
	if c := binary.LittleEndian.Uint16(lp[4:]); c != 65535 && int(c) != lpCountElements(lp) {
		return fail(errStreamListpack)
	}
	sc.buf, sc.ends = sc.buf[:mark], sc.ends[:markEnds]
	return int(seenLive), last, sc.slices(), nil
}

// lpCountElements counts a listpack's elements (already bounds-checked).
func lpCountElements(lp []byte) int {
	n := 0
	for p := lpHeader; p < len(lp)-1; n++ {
		_, _, next, err := lpNext(lp[:len(lp)-1], p)
		if err != nil {
			return -1
		}
		p = next
	}
	return n
}

func (d *decoder) rawID() (shard.StreamID, error) {
	b, err := d.bytes(16)
	if err != nil {
		return shard.StreamID{}, err
	}
	return shard.StreamID{Ms: binary.BigEndian.Uint64(b), Seq: binary.BigEndian.Uint64(b[8:])}, nil
}

func (d *decoder) lenID() (shard.StreamID, error) {
	ms, err := d.plainLen()
	if err != nil {
		return shard.StreamID{}, err
	}
	seq, err := d.plainLen()
	return shard.StreamID{Ms: ms, Seq: seq}, err
}

func (d *decoder) msTime() (int64, error) {
	b, err := d.bytes(8)
	if err != nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(b)), nil
}

// stream reads a stream of type 15 or 19.
func (d *decoder) stream(t byte) (Object, error) {
	s := shard.NewStream()
	nodes, err := d.plainLen()
	if err != nil {
		return Object{}, err
	}
	var sc streamNodeScratch
	length := 0
	var last shard.StreamID
	var after *shard.StreamID
	for range nodes {
		key, err := d.str()
		if err != nil {
			return Object{}, err
		}
		if len(key) != 16 {
			return Object{}, corrupt("stream node key entry is not the size of a stream ID")
		}
		master := shard.StreamID{Ms: binary.BigEndian.Uint64(key), Seq: binary.BigEndian.Uint64(key[8:])}
		lp, err := d.str()
		if err != nil {
			return Object{}, err
		}
		// a first pass checks the node, so that nothing half-made is kept
		live, nodeLast, fields, err := streamNode(lp, master, after, nil, &sc)
		if err != nil {
			return Object{}, err
		}
		n, ok := s.LoadNode(master, fields, len(lp))
		if !ok {
			return Object{}, corrupt("stream listpack re-added with existing key")
		}
		if _, _, _, err := streamNode(lp, master, after, &n, &sc); err != nil {
			return Object{}, err
		}
		length += live
		last = nodeLast
		after = &last
	}
	var vals [8]uint64 // length, last ID, then for type 19 first ID, max deleted ID, entries added
	meta := vals[:3]
	if t == TypeStream2 {
		meta = vals[:]
	}
	for i := range meta {
		if meta[i], err = d.plainLen(); err != nil {
			return Object{}, err
		}
	}
	if vals[0] != uint64(length) {
		return Object{}, corrupt("stream length inconsistent with its entries")
	}
	lastID := shard.StreamID{Ms: vals[1], Seq: vals[2]}
	if after != nil && lastID.Less(last) {
		return Object{}, corrupt("stream last ID smaller than its last entry")
	}
	if t == TypeStream2 {
		s.LoadMeta(length, lastID, shard.StreamID{Ms: vals[3], Seq: vals[4]}, shard.StreamID{Ms: vals[5], Seq: vals[6]}, vals[7])
	} else {
		// Redis 5 and 6 kept no such counters: Redis 7.0 takes the length
		// for entries added and finds the first entry.
		var first shard.StreamID
		s.Range(shard.StreamID{}, shard.MaxStreamID, false, func(e shard.StreamEntry) bool {
			first = e.ID()
			return false
		})
		s.LoadMeta(length, lastID, first, shard.StreamID{}, uint64(length))
	}
	if err := d.streamGroups(t, s); err != nil {
		return Object{}, err
	}
	return Object{Kind: shard.KindStream, Stream: s}, nil
}

type nack struct {
	time  int64
	count uint64
	owned bool
}

// streamGroups reads the consumer groups of s: each group's PEL first,
// then its consumers, whose PELs name entries of the group's.
func (d *decoder) streamGroups(t byte, s *shard.Stream) error {
	groups, err := d.plainLen()
	if err != nil {
		return err
	}
	for range groups {
		name, err := d.ownStr()
		if err != nil {
			return err
		}
		lastID, err := d.lenID()
		if err != nil {
			return err
		}
		var read int64
		if t == TypeStream2 {
			r, err := d.plainLen()
			if err != nil {
				return err
			}
			read = int64(r)
		} else {
			read = s.EstimateDistance(lastID)
		}
		if !s.CreateGroup(name, lastID, read) {
			return corrupt(fmt.Sprintf("duplicated consumer group name %s", name))
		}
		g := s.Group(name)
		pel, err := d.plainLen()
		if err != nil {
			return err
		}
		if pel > uint64(len(d.b)-d.p)/17 { // each takes at least 17 bytes
			return errShort
		}
		nacks := make(map[shard.StreamID]*nack, pel)
		for range pel {
			id, err := d.rawID()
			if err != nil {
				return err
			}
			tm, err := d.msTime()
			if err != nil {
				return err
			}
			cnt, err := d.plainLen()
			if err != nil {
				return err
			}
			if _, dup := nacks[id]; dup {
				return corrupt("duplicated global PEL entry loading stream consumer group")
			}
			nacks[id] = &nack{time: tm, count: cnt}
		}
		consumers, err := d.plainLen()
		if err != nil {
			return err
		}
		for range consumers {
			cname, err := d.str()
			if err != nil {
				return err
			}
			seen, err := d.msTime()
			if err != nil {
				return err
			}
			c, created := g.CreateConsumer(cname, seen)
			if !created {
				return corrupt("duplicate stream consumer detected")
			}
			n, err := d.plainLen()
			if err != nil {
				return err
			}
			for range n {
				id, err := d.rawID()
				if err != nil {
					return err
				}
				nk := nacks[id]
				switch {
				case nk == nil:
					return corrupt("consumer entry not found in group global PEL")
				case nk.owned:
					return corrupt("duplicated consumer PEL entry loading a stream consumer group")
				}
				nk.owned = true
				p := g.AddPending(id, c, nk.time)
				p.DeliveryCount = nk.count
			}
		}
		for _, nk := range nacks {
			if !nk.owned {
				return corrupt("stream CG PEL entry without consumer")
			}
		}
	}
	return nil
}
