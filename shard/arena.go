package shard

// The arena of a space: records in a list of pointer-free byte chunks, written
// append-only at the tail chunk. A record is found by its location, a uint32
// holding the chunk's number (1-based) above the record's offset in 8-byte
// units, so a chunk spans at most 1 MiB (a larger record gets a chunk of its
// own at offset 0).
//
// Overwrites and deletes only mark the old record dead. Compaction reclaims
// the dead bytes incrementally: once they exceed a quarter of the bytes
// written (and compactMin), it picks the chunk with the most dead bytes and
// copies its live records to the tail, and drops the chunk when it has been
// walked through. Each write and delete adds the size of the record it
// killed to the space's debt, and the debt is paid when the write's
// callbacks have returned (space.settle), by walking minPay to maxPay bytes
// per byte of debt: the work per write stays proportional to
// what it killed. That is the only time records move or chunks are
// reused, so bytes handed to a callback never change under it. The expiry
// cycle pays a little more, so an idle space also gets compacted.

const (
	locShift  = 17 // bits of the 8-byte-unit offset in a location
	minChunk  = 4 << 10
	maxChunk  = 1 << 20 // 1<<locShift units of 8 bytes
	maxChunks = 1<<(32-locShift) - 1
	// compactMin is the dead bytes a space may keep however small it is.
	compactMin = 64 << 10
	// minPay and maxPay bound how many bytes compaction walks per dead byte
	// a write leaves. The pay is one more than the victim's size over its
	// dead bytes, so the walk frees a little more than the writes kill:
	// the dead share stays near a quarter under any overwrite rate, and
	// chunks are dropped about as fast as the tail needs new ones, so the
	// spares absorb them instead of the garbage collector. The cap bounds
	// the work of one write when the victim is mostly live.
	minPay = 2
	maxPay = 32
	// maxSpare is how many dropped chunks a space keeps for reuse instead
	// of leaving them to the garbage collector.
	maxSpare = 4
)

// chunk is one block of records.
type chunk struct {
	b    []byte // nil once dropped
	off  int    // bytes written
	live int    // bytes of records not dead
}

// objRef is a collection stored under a record: the object and its kind
// marker (see store.go).
type objRef struct {
	p ptr
	n uint32
}

// space is one database's part of a shard: the index, the arena, the
// collections and the volatile index. The shard's lock guards it.
type space struct {
	slots []uint64 // the index (table.go)
	n     int      // keys stored

	chunks []chunk
	free   []int    // numbers of dropped chunks, for reuse
	spare  [][]byte // dropped full-size chunks kept for reuse
	tail   int      // the chunk written to, 1-based; 0 when none
	bytes  int      // bytes written into the chunks not dropped
	live   int      // bytes of live records
	victim int      // the chunk being compacted, 1-based; 0 when none
	vpos   int      // offset of the next record to look at in the victim
	debt   int      // dead bytes left by the writes since the last settle
	pay    int      // bytes walked per byte of debt, set when a victim is picked

	objs    []objRef // collections, indexed from their records
	freeObj []uint32 // free positions in objs

	vol []uint32 // locations of the records with a deadline

	// lent is set when a write callback was handed bytes of a string
	// record (Entry.Value); until the write settles, overwrites then write
	// a new record instead of over the old one.
	lent bool
}

// align8 rounds n up to a multiple of 8.
func align8(n int) int { return (n + 7) &^ 7 }

func hdrOf(volatile bool) int {
	if volatile {
		return hdrVolatile
	}
	return hdrPlain
}

// recSize is the bytes a record takes in a chunk.
func recSize(volatile bool, klen, vlen int) int { return align8(hdrOf(volatile) + klen + vlen) }

// rec returns the record at loc.
func (d *space) rec(loc uint32) rec {
	return recAt(d.chunks[loc>>locShift-1].b, int(loc&(1<<locShift-1))<<3)
}

// alloc reserves size bytes (a multiple of 8) at the tail and returns their
// location and record.
func (d *space) alloc(size int) (uint32, rec) {
	if d.tail == 0 || d.chunks[d.tail-1].off+size > len(d.chunks[d.tail-1].b) {
		d.newChunk(size)
	}
	c := &d.chunks[d.tail-1]
	loc := uint32(d.tail)<<locShift | uint32(c.off>>3)
	r := recAt(c.b, c.off)
	c.off += size
	c.live += size
	d.bytes += size
	d.live += size
	return loc, r
}

// newChunk makes a new tail chunk with room for size bytes. Chunks grow with
// the space, a sixteenth of what it holds, so the unused end of the tail
// wastes at most about a sixteenth while a space grows, and the spares hold
// at most a quarter; a record larger than the chunk size gets a chunk of its
// own.
func (d *space) newChunk(size int) {
	n := min(max(align8(d.bytes/16), minChunk), maxChunk)
	var b []byte
	switch {
	case size > n:
		b = make([]byte, size)
	case len(d.spare) > 0 && len(d.spare[len(d.spare)-1]) >= size:
		// A spare of any size will do: under steady overwrites chunks
		// are dropped as fast as the tail needs new ones, and a spare
		// left unused for want of size would be garbage instead.
		b = d.spare[len(d.spare)-1]
		d.spare[len(d.spare)-1] = nil
		d.spare = d.spare[:len(d.spare)-1]
	default:
		b = make([]byte, n)
	}
	c := chunk{b: b}
	if k := len(d.free); k > 0 {
		d.tail = d.free[k-1] + 1
		d.free = d.free[:k-1]
		d.chunks[d.tail-1] = c
		return
	}
	if len(d.chunks) >= maxChunks {
		panic("shard: arena of one shard's database exceeds its chunk count")
	}
	d.chunks = append(d.chunks, c)
	d.tail = len(d.chunks)
}

// kill marks the record at loc dead and owes compaction for it.
func (d *space) kill(loc uint32, r rec) {
	size := r.size()
	r.setDead()
	d.chunks[loc>>locShift-1].live -= size
	d.live -= size
	d.debt += size
}

// dropChunk releases chunk i (0-based), keeping it as a spare when spares
// are short and it is no record's own.
func (d *space) dropChunk(i int) {
	c := &d.chunks[i]
	if len(c.b) <= maxChunk && len(d.spare) < maxSpare {
		d.spare = append(d.spare, c.b)
	}
	d.bytes -= c.off
	d.live -= c.live // zero unless compaction left records (it does not)
	*c = chunk{}
	d.free = append(d.free, i)
	if d.victim == i+1 {
		d.victim = 0
	}
	if d.tail == i+1 {
		d.tail = 0
	}
}

// settle pays the space's compaction debt. Call it only where no callback
// holds bytes of the space: at the end of a write.
func (d *space) settle() {
	d.lent = false
	if d.debt > 0 {
		if d.victim != 0 || d.pickVictim() {
			d.compact(d.debt * d.pay)
		}
		d.debt = 0
	}
}

// compact walks up to budget bytes of records, moving the live ones out of
// the victim chunk, and reports how many bytes it walked.
func (d *space) compact(budget int) int {
	walked := 0
	for walked < budget {
		if d.victim == 0 && !d.pickVictim() {
			break
		}
		i := d.victim - 1
		c := &d.chunks[i]
		if c.live == 0 || d.vpos >= c.off {
			d.dropChunk(i)
			continue
		}
		r := recAt(c.b, d.vpos)
		size := r.size()
		if !r.dead() {
			d.move(uint32(d.victim)<<locShift|uint32(d.vpos>>3), r, size)
		}
		d.vpos += size
		walked += size
	}
	return walked
}

// pickVictim chooses the chunk to compact when the dead bytes justify it:
// the one with the most dead bytes, never the tail.
func (d *space) pickVictim() bool {
	dead := d.bytes - d.live
	if dead < compactMin || 4*dead < d.bytes {
		return false
	}
	best, most := -1, 0
	for i := range d.chunks {
		c := &d.chunks[i]
		if c.b != nil && i+1 != d.tail && c.off-c.live > most {
			best, most = i, c.off-c.live
		}
	}
	if best < 0 {
		return false
	}
	d.victim, d.vpos = best+1, 0
	d.pay = min(max(d.chunks[best].off/most+1, minPay), maxPay)
	return true
}

// move copies the live record r at loc to the tail and points the index
// and the volatile index at the copy.
func (d *space) move(loc uint32, r rec, size int) {
	s := slotOf(tagOf(hashKey(r.key())), loc)
	i := d.findSlot(s)
	if i < 0 {
		panic("shard: live record missing from the index")
	}
	nloc, nr := d.alloc(size)
	copyRec(nr, r, size)
	d.slots[i] = slotOf(slotTag(s), nloc)
	if nr.volatile() {
		d.vol[nr.vidx()] = nloc
	}
	r.setDead()
	d.chunks[loc>>locShift-1].live -= size
	d.live -= size
}

// newObj stores o in objs and returns its position.
func (d *space) newObj(o objRef) uint32 {
	if k := len(d.freeObj); k > 0 {
		i := d.freeObj[k-1]
		d.freeObj = d.freeObj[:k-1]
		d.objs[i] = o
		return i
	}
	d.objs = append(d.objs, o)
	return uint32(len(d.objs) - 1)
}

// freeObjAt forgets the object at position i.
func (d *space) freeObjAt(i uint32) {
	d.objs[i] = objRef{}
	d.freeObj = append(d.freeObj, i)
}

// unvol removes position i from vol by moving the last location into it.
func (d *space) unvol(i uint32) {
	last := uint32(len(d.vol) - 1)
	if i != last {
		moved := d.vol[last]
		d.vol[i] = moved
		d.rec(moved).setVidx(i)
	}
	d.vol = d.vol[:last]
}

// remove deletes the key whose entry is e: index slot, volatile index,
// object and record.
func (d *space) remove(e entry) {
	if e.r.volatile() {
		d.unvol(e.r.vidx())
	}
	if e.r.isObject() {
		d.freeObjAt(e.r.vlen())
	}
	d.deleteSlot(e.slot)
	d.kill(e.loc, e.r)
}

// decode builds the entry of the record at loc, found in slot i.
func (d *space) decode(i int, loc uint32) entry {
	r := d.rec(loc)
	e := entry{r: r, loc: loc, slot: i, exp: r.exp()}
	if r.isObject() {
		o := d.objs[r.vlen()]
		e.p, e.n = o.p, o.n
	} else {
		e.n = r.vlen()
		e.p = r.value()
	}
	return e
}

// get returns the entry stored under key (hash h), live or not.
func (d *space) get(key []byte, h uint64) (entry, bool) {
	i, loc := d.find(key, h)
	if i < 0 {
		return entry{}, false
	}
	return d.decode(i, loc), true
}

// had reports whether key is stored in d (live or not yet reclaimed).
func (d *space) had(key []byte) bool {
	i, _ := d.find(key, hashKey(key))
	return i >= 0
}

// each calls fn on every stored entry until it returns false.
func (d *space) each(fn func(e entry) bool) {
	for i, s := range d.slots {
		if s != 0 && !fn(d.decode(i, slotLoc(s))) {
			return
		}
	}
}
