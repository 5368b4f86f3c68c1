package shard

import "github.com/cespare/xxhash/v2"

// The index of a space: open addressing with linear probing over []uint64.
// A slot is the upper 32 bits of the key's xxhash (the tag) above the
// record's location; 0 is an empty slot (no location is 0). The probe
// starts at tag & mask and compares tags first, so a lookup reads the arena
// only for a tag match: a miss almost never leaves the index. Deletion
// shifts the following slots back (no tombstones), so probe chains stay as
// short as the load allows. The table doubles past 3/4 full and halves below
// 1/16, rehashing from the tags alone, without touching the records.

// minTable is the slot count of a table's first allocation.
const minTable = 8

func tagOf(h uint64) uint32              { return uint32(h >> 32) }
func slotOf(tag, loc uint32) uint64      { return uint64(tag)<<32 | uint64(loc) }
func slotTag(s uint64) uint32            { return uint32(s >> 32) }
func slotLoc(s uint64) uint32            { return uint32(s) }
func hashKey(key []byte) (h uint64)      { return xxhash.Sum64(key) }
func (d *space) home(tag uint32) int     { return int(tag) & (len(d.slots) - 1) }
func (d *space) next(i int) int          { return (i + 1) & (len(d.slots) - 1) }
func (d *space) keyAt(loc uint32) []byte { return d.rec(loc).key() }

// find returns the slot index of key (hash h) and its record location, or
// -1 when the key is not stored.
func (d *space) find(key []byte, h uint64) (int, uint32) {
	if d.n == 0 {
		return -1, 0
	}
	tag := tagOf(h)
	for i := d.home(tag); ; i = d.next(i) {
		s := d.slots[i]
		if s == 0 {
			return -1, 0
		}
		if slotTag(s) == tag && string(d.keyAt(slotLoc(s))) == string(key) {
			return i, slotLoc(s)
		}
	}
}

// firstTagMatch returns the location in the first slot of tag's probe chain
// whose tag matches, without comparing keys: the record find would most
// likely read first.
func (d *space) firstTagMatch(tag uint32) (uint32, bool) {
	if d.n == 0 {
		return 0, false
	}
	for i := d.home(tag); ; i = d.next(i) {
		switch s := d.slots[i]; {
		case s == 0:
			return 0, false
		case slotTag(s) == tag:
			return slotLoc(s), true
		}
	}
}

// findSlot returns the index of the slot whose value is s, -1 when none: the
// record is identified by its location, so no key comparison is needed.
func (d *space) findSlot(s uint64) int {
	if d.n == 0 {
		return -1
	}
	for i := d.home(slotTag(s)); ; i = d.next(i) {
		switch d.slots[i] {
		case 0:
			return -1
		case s:
			return i
		}
	}
}

// insertSlot adds s for a key known to be absent.
func (d *space) insertSlot(s uint64) {
	if (d.n+1)*4 > len(d.slots)*3 {
		d.resize(max(minTable, 2*len(d.slots)))
	}
	d.place(s)
	d.n++
}

// place puts s in the first free slot of its probe chain.
func (d *space) place(s uint64) {
	i := d.home(slotTag(s))
	for d.slots[i] != 0 {
		i = d.next(i)
	}
	d.slots[i] = s
}

// deleteSlot empties slot i and shifts back the slots after it that probed
// past it, so every key stays reachable from its home slot.
func (d *space) deleteSlot(i int) {
	mask := len(d.slots) - 1
	for j := d.next(i); d.slots[j] != 0; j = d.next(j) {
		k := d.home(slotTag(d.slots[j]))
		// The slot at j may fill the hole at i unless its home lies
		// cyclically in (i, j].
		if (j-k)&mask >= (j-i)&mask {
			d.slots[i] = d.slots[j]
			i = j
		}
	}
	d.slots[i] = 0
	d.n--
	if len(d.slots) > minTable && d.n*16 < len(d.slots) {
		d.resize(len(d.slots) / 2)
	}
}

// resize rehashes the table into n slots.
func (d *space) resize(n int) {
	old := d.slots
	d.slots = make([]uint64, n)
	for _, s := range old {
		if s != 0 {
			d.place(s)
		}
	}
}
