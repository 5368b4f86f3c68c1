// Package shard is the striped in-memory store of miniredis and its value
// types (strings, lists, hashes, sets and sorted sets).
//
// A Store splits keys over a power-of-two number of shards by
// xxhash.Sum64(key) & mask; each shard is guarded by its own sync.RWMutex,
// so commands on different shards never contend.
//
// # Layout
//
// Each shard holds one space per database. A space keeps its keys in
// records written append-only into pointer-free []byte chunks (arena.go),
// found through a pointer-free open-addressing index (table.go): a []uint64
// of slots, each the upper 32 bits of the key's xxhash above the record's
// location (chunk number and 8-byte offset). The garbage collector sees a
// handful of pointers per space (the chunk and index slices), not one
// allocation per key, so marking no longer grows with the key count.
//
// A record is a 16-byte header (key length and flags, value length or
// object index, access clock, the epoch of the last no-fork snapshot that
// the record was handed to or written during, see snapshot.go), then for a key with a deadline 16 more bytes (the deadline and
// its position in the volatile index), then the key, then a string's value,
// padded to 8 bytes. Lists, hashes, sets and sorted sets (and any later
// kind) stay Go objects in a per-space side slice of {object, kind}; their
// records hold the key and the slice position. Per string key the overhead
// beyond key and value is the header (16 B, 32 with a deadline), 0-7 B of
// padding, the index slot (8 B at a load between 3/8 and 3/4, so 11-21 B),
// 4 B of volatile index for a key with a deadline, and the unused end of the
// tail chunk (chunks grow with the space, a sixteenth of it, up to 1 MiB).
// The volatile index is a []uint32 of record locations, each record
// knowing its position, so expiry sampling and volatile-ttl eviction pick a
// random one in O(1) with no Go string per key.
//
// # Compaction
//
// An overwrite (unless written in place, see below) or a delete marks the
// old record dead; its size becomes the space's compaction debt. When a
// write's callbacks have all returned (the end of Update, UpdateMulti,
// Move, an eviction, an expiry pass), the debt is paid: if more than a
// quarter of the arena (and at least 64 KiB) is dead, the chunk with the
// most dead bytes (never the tail) is walked, live records copied to the
// tail and the index and volatile index re-pointed, 2 to 32 bytes walked
// per byte of debt (one more than the victim's size over its dead bytes),
// and the chunk is dropped (or kept as a spare for reuse) once walked
// through. The work is proportional to what the write killed; there is no
// stop-the-world pass. The expiry cycle adds a small fixed debt per pass,
// so an idle space is compacted too. The index doubles past 3/4 load and
// halves below 1/16 from the slots alone, without reading records.
//
// # Prefetching a pipeline
//
// At tens of millions of keys a lookup is two dependent cache misses, the
// slot and then the record, each with a TLB miss besides. A connection's
// pipelined batch therefore names its keys first (prefetch.go): one pass
// issues a prefetch for each key's home slot, a second, under each shard's
// read lock when it is free (it never waits), one for the record of the
// first slot whose tag matches. The
// misses of the batch overlap instead of queueing behind each other; the
// lookups themselves are unchanged and still compare full keys.
//
// The shard's lock guards everything of its spaces: the index, the chunks
// and records, the objects, the volatile index, the counters. Readers (View,
// ViewMulti, Scan) hold it shared and only read, except for the access
// clock, which they store atomically; records move and chunks are reused
// only under the write lock, at the settle points above, never while a
// callback holds bytes of the space.
//
// Ownership and lifetime rules (as in fastcache):
//
//   - Keys and values passed in as []byte are borrowed. The store copies what
//     it keeps on insert and looks keys up without copying, so callers may pass
//     slices that point into a network buffer and reuse that buffer as soon as
//     the call returns.
//   - A string key and its string value share one record in an arena.
//     Overwriting the key writes a new record and marks the old one dead for
//     compaction, except that a value of the same padded size and deadline
//     class is written over the old record when the write's callback was
//     handed no bytes of the space (Entry.Value) since the last write.
//   - Values handed to callbacks (Value, the bytes it exposes, keys given to
//     Scan callbacks, and Entry/Tx cursors) point into the store and are valid
//     only inside the callback that received them, while the shard lock is held.
//     Callbacks must not keep them, modify the bytes, or call back into the
//     Store (the locks are not reentrant).
//   - A *List, *Hash, *Set or *ZSet passed to Entry.SetList/SetHash/SetSet/
//     SetZSet is owned by the store from then on. The caller may keep using it only inside the same Update callback.
//
// Deadlines are absolute unix milliseconds supplied by the caller (now), so
// tests drive time explicitly. An entry whose deadline has passed is invisible
// to every read; write paths delete it when they meet it, and ExpireSample
// reclaims the rest.
//
// All Store methods are safe for concurrent use.
package shard
