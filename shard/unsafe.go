package shard

import "unsafe"

// This file holds every use of package unsafe in shard.
//
// String keys and values, and the keys of collections, live in records
// inside pointer-free byte chunks (see arena.go). A record is addressed by
// rec, a pointer to its first byte; the header fields are read and written
// through typed pointers at fixed offsets. Records start 8-byte aligned, so
// the clock can be accessed atomically and the deadline read as an int64.
// The index (table.go) holds record locations as integers, never pointers,
// so the garbage collector has nothing to trace per key.
//
// Value bytes may be rewritten in place under the shard's write lock
// (Entry.PatchString: INCR, SETRANGE); keys never are. Both are only handed
// out as []byte valid inside a callback that holds the shard lock, and
// records only move (compaction) or chunks get reused once every callback of
// the write that did it has returned, so a slice handed out stays valid for
// the callback's life.

// rec points at the first byte of a record in a chunk.
type rec struct{ p unsafe.Pointer }

// Record header layout, in bytes from the start of the record.
const (
	offKlen  = 0  // uint32: key length | recObject | recVolatile
	offVlen  = 4  // uint32: value length (string) or object index | recDead
	offClock = 8  // uint32: access clock, seconds (atomic); see evict.go
	offVer   = 12 // uint32: snapshot epoch (low 30 bits): the record was handed to, or written since, that snapshot (snapshot.go); a string's Encoding (top 2 bits)
	offExp   = 16 // int64: deadline in unix ms, volatile records only
	offVidx  = 24 // uint32: position in the space's vol, volatile records only

	hdrPlain    = 16 // header of a record without a deadline
	hdrVolatile = 32 // header of a record with a deadline (4 bytes of padding at 28)
)

// Flag bits in the length words; the lengths use the bits below them.
const (
	recObject   = 1 << 31 // in klen: the value is an object in space.objs, vlen its index
	recVolatile = 1 << 30 // in klen: the header carries a deadline and a vol position
	recDead     = 1 << 31 // in vlen: overwritten or deleted, waiting for compaction
	klenMask    = recVolatile - 1
	vlenMask    = recDead - 1
	// The ver word holds the snapshot epoch below a string's Encoding.
	encShift = 30
	verMask  = 1<<encShift - 1
	// maxKey and maxString are the longest key and string value a record
	// can describe, both above Redis's 512 MiB proto-max-bulk-len.
	maxKey    = klenMask
	maxString = vlenMask
)

func (r rec) u32(off uintptr) *uint32 { return (*uint32)(unsafe.Add(r.p, off)) }

func (r rec) klen() int        { return int(*r.u32(offKlen) & klenMask) }
func (r rec) isObject() bool   { return *r.u32(offKlen)&recObject != 0 }
func (r rec) volatile() bool   { return *r.u32(offKlen)&recVolatile != 0 }
func (r rec) dead() bool       { return *r.u32(offVlen)&recDead != 0 }
func (r rec) vlen() uint32     { return *r.u32(offVlen) & vlenMask }
func (r rec) clock() *uint32   { return r.u32(offClock) }
func (r rec) setDead()         { *r.u32(offVlen) |= recDead }
func (r rec) setVlen(n uint32) { *r.u32(offVlen) = n }
func (r rec) ver() uint32      { return *r.u32(offVer) & verMask }
func (r rec) setVer(v uint32)  { p := r.u32(offVer); *p = *p&^verMask | v }
func (r rec) enc() Encoding    { return Encoding(*r.u32(offVer) >> encShift) }
func (r rec) setEnc(e Encoding) {
	p := r.u32(offVer)
	*p = *p&verMask | uint32(e)<<encShift
}

// exp returns the deadline, 0 for a record without one.
func (r rec) exp() int64 {
	if !r.volatile() {
		return 0
	}
	return *(*int64)(unsafe.Add(r.p, offExp))
}

func (r rec) setExp(ms int64)  { *(*int64)(unsafe.Add(r.p, offExp)) = ms }
func (r rec) vidx() uint32     { return *r.u32(offVidx) }
func (r rec) setVidx(i uint32) { *r.u32(offVidx) = i }
func (r rec) hdr() int         { return hdrOf(r.volatile()) }
func (r rec) size() int        { return recSize(r.volatile(), r.klen(), r.valueLen()) }

// valueLen is the number of value bytes in the record: none for an object.
func (r rec) valueLen() int {
	if r.isObject() {
		return 0
	}
	return int(r.vlen())
}

// key returns the record's key bytes. An empty key's record may end where
// its chunk does, so no pointer past the header is formed for it.
func (r rec) key() []byte {
	if r.klen() == 0 {
		return emptyBytes
	}
	return unsafe.Slice((*byte)(unsafe.Add(r.p, r.hdr())), r.klen())
}

// value returns the start of a string record's value, nil when it is empty
// (a pointer just past the value could point past the chunk, which the
// garbage collector rejects).
func (r rec) value() unsafe.Pointer {
	if r.vlen() == 0 {
		return nil
	}
	return unsafe.Add(r.p, r.hdr()+r.klen())
}

// write fills a fresh record: header, key and value (val is ignored for an
// object, whose index goes in vlen).
func (r rec) write(key, val []byte, obj bool, vlen uint32, exp int64, clock uint32) {
	klen := uint32(len(key))
	if obj {
		klen |= recObject
	}
	if exp > 0 {
		klen |= recVolatile
		r.setExp(exp)
		*r.u32(28) = 0
	}
	*r.u32(offKlen) = klen
	*r.u32(offVlen) = vlen
	*r.u32(offClock) = clock
	*r.u32(offVer) = 0
	h := r.hdr()
	if len(key) > 0 { // an empty key's object record can end at its chunk's end
		copy(unsafe.Slice((*byte)(unsafe.Add(r.p, h)), len(key)), key)
	}
	if !obj && len(val) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Add(r.p, h+len(key))), len(val)), val)
	}
}

// copyRec copies the size bytes of record src to dst.
func copyRec(dst, src rec, size int) {
	copy(unsafe.Slice((*byte)(dst.p), size), unsafe.Slice((*byte)(src.p), size))
}

// recAt returns the record at byte off of chunk b.
func recAt(b []byte, off int) rec { return rec{unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), off)} }

// emptyBytes is returned for an empty string value, so that Bytes can tell
// "empty string" (non-nil) from "not a string" (nil) without allocating.
var emptyBytes = []byte{}

// valueBytes turns a value pointer from rec.value back into a slice.
func valueBytes(p unsafe.Pointer, n uint32) []byte {
	if n == 0 {
		return emptyBytes
	}
	return unsafe.Slice((*byte)(p), n)
}

// listPtr, hashPtr, setPtr and zsetPtr store/recover the object pointer of
// a collection entry.
func listPtr(l *List) unsafe.Pointer { return unsafe.Pointer(l) }
func hashPtr(h *Hash) unsafe.Pointer { return unsafe.Pointer(h) }
func ptrList(p unsafe.Pointer) *List { return (*List)(p) }
func ptrHash(p unsafe.Pointer) *Hash { return (*Hash)(p) }
func setPtr(s *Set) unsafe.Pointer   { return unsafe.Pointer(s) }
func zsetPtr(z *ZSet) unsafe.Pointer { return unsafe.Pointer(z) }
func ptrSet(p unsafe.Pointer) *Set   { return (*Set)(p) }
func ptrZSet(p unsafe.Pointer) *ZSet { return (*ZSet)(p) }

func streamPtr(s *Stream) unsafe.Pointer { return unsafe.Pointer(s) }
func ptrStream(p unsafe.Pointer) *Stream { return (*Stream)(p) }

// shardPad is the number of bytes that rounds shardData up to a multiple of a
// 64-byte cache line.
const shardPad = (64 - unsafe.Sizeof(shardData{})%64) % 64

// ptr lets the other files hold pointers of either representation without
// importing unsafe themselves.
type ptr = unsafe.Pointer

// shardSize lets tests check the cache-line padding.
const shardSize = unsafe.Sizeof(shard{})

// keyBytes exposes a string the store holds (a hash field, a set member) as
// bytes for callbacks, which must not modify or keep them.
func keyBytes(k string) []byte {
	return unsafe.Slice(unsafe.StringData(k), len(k))
}

// addr is the record's address, for a prefetch.
func (r rec) addr() uintptr { return uintptr(r.p) }

// homeAddr returns the address of tag's home slot in d's index, or 0 for
// an empty index. It may be called without the shard's lock: a concurrent
// resize may then tear the slice header and yield a wrong address, so use
// the result only to prefetch, which never faults.
func homeAddr(d *space, tag uint32) uintptr {
	slots := d.slots
	n := uintptr(len(slots))
	if n == 0 {
		return 0
	}
	return uintptr(unsafe.Pointer(unsafe.SliceData(slots))) + (uintptr(tag)&(n-1))*8
}
