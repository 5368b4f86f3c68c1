package shard

import "unsafe"

// This file holds every use of package unsafe in shard.
//
// A string entry keeps its key and value in one allocation (kv): the map key
// is kv[:klen] and entry.p points at the first byte of kv. The value is found
// from p and the key length, which every caller knows because it looked the
// key up. Keeping p at the start of the allocation (not at the value) means a
// zero-length value never produces a pointer past the end of the object,
// which the garbage collector would reject. The bytes are never written after
// the allocation is built, so handing out string headers over them is sound.

// zeroByte gives empty key+value allocations a valid address.
var zeroByte byte

// newKV copies key and val into one fresh allocation and returns the map key
// (a string over the first len(key) bytes) and the allocation's start.
func newKV(key, val []byte) (string, unsafe.Pointer) {
	n := len(key) + len(val)
	if n == 0 {
		return "", unsafe.Pointer(&zeroByte)
	}
	b := make([]byte, n)
	copy(b, key)
	copy(b[len(key):], val)
	return unsafe.String(&b[0], len(key)), unsafe.Pointer(&b[0])
}

// kvKey returns the stored key string of a string entry whose allocation
// starts at p.
func kvKey(p unsafe.Pointer, klen int) string {
	return unsafe.String((*byte)(p), klen)
}

// kvValue returns the start of the value of a string entry, or nil when the
// value is empty.
func kvValue(p unsafe.Pointer, klen int, n uint32) unsafe.Pointer {
	if n == 0 {
		return nil
	}
	return unsafe.Add(p, klen)
}

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
