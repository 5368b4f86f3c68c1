package shard

import "unsafe"

// This file holds every use of package unsafe in shard.
//
// A string entry keeps its access clock, key and value in one allocation
// (kv): four bytes of clock (seconds, read and written atomically, for
// allkeys-lru), then the key, then the value. The map key is a string over
// the key bytes and entry.p points at the first byte of kv. The value is
// found from p and the key length, which every caller knows because it
// looked the key up. Keeping p at the start of the allocation (not at the
// value) means a zero-length value never produces a pointer past the end of
// the object, which the garbage collector would reject. The key bytes are
// never written after the allocation is built, so handing out string headers
// over them (map key, volatile index) is sound. Value bytes may be rewritten
// in place under the shard's write lock (Entry.PatchString: INCR, SETRANGE);
// they are only ever handed out as []byte valid inside a callback that holds
// the lock, never as a string.

// kvHeader is the size of the access clock in front of a string entry's key.
const kvHeader = 4

// newKV copies key and val into one fresh allocation behind a clock set to
// clock, and returns the map key (a string over the key bytes) and the
// allocation's start. The size is rounded up to a multiple of 8 so that even
// the tiny allocator aligns the clock for atomic access; that costs no
// memory, as every size class above 8 bytes is a multiple of 8.
func newKV(key, val []byte, clock uint32) (string, unsafe.Pointer) {
	n := (kvHeader + len(key) + len(val) + 7) &^ 7
	b := make([]byte, n)
	copy(b[kvHeader:], key)
	copy(b[kvHeader+len(key):], val)
	p := unsafe.Pointer(&b[0])
	*(*uint32)(p) = clock
	return unsafe.String(&b[kvHeader], len(key)), p
}

// kvKey returns the stored key string of a string entry whose allocation
// starts at p.
func kvKey(p unsafe.Pointer, klen int) string {
	return unsafe.String((*byte)(unsafe.Add(p, kvHeader)), klen)
}

// kvValue returns the start of the value of a string entry, or nil when the
// value is empty.
func kvValue(p unsafe.Pointer, klen int, n uint32) unsafe.Pointer {
	if n == 0 {
		return nil
	}
	return unsafe.Add(p, kvHeader+klen)
}

// kvClock returns the access clock of a string entry whose allocation starts
// at p.
func kvClock(p unsafe.Pointer) *uint32 { return (*uint32)(p) }

// emptyBytes is returned for an empty string value, so that Bytes can tell
// "empty string" (non-nil) from "not a string" (nil) without allocating.
var emptyBytes = []byte{}

// valueBytes turns a value pointer from kvValue back into a slice.
func valueBytes(p unsafe.Pointer, n uint32) []byte {
	if n == 0 {
		return emptyBytes
	}
	return unsafe.Slice((*byte)(p), n)
}

// keyBytes exposes a stored key as bytes for Scan callbacks, which must not
// modify or keep them.
func keyBytes(k string) []byte {
	return unsafe.Slice(unsafe.StringData(k), len(k))
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

// sameData reports whether two strings share their backing bytes; tests use
// it to check that the volatile index holds the map's own key headers.
func sameData(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.StringData(a) == unsafe.StringData(b))
}

// shardSize lets tests check the cache-line padding.
const shardSize = unsafe.Sizeof(shard{})
