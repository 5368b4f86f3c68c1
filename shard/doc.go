// Package shard is the striped in-memory store of miniredis and its value
// types (strings, lists, hashes, sets and sorted sets).
//
// A Store splits keys over a power-of-two number of shards by
// xxhash.Sum64(key) & mask; each shard is a map guarded by its own
// sync.RWMutex, so commands on different shards never contend.
//
// Ownership and lifetime rules (as in fastcache):
//
//   - Keys and values passed in as []byte are borrowed. The store copies what
//     it keeps on insert and looks keys up without copying, so callers may pass
//     slices that point into a network buffer and reuse that buffer as soon as
//     the call returns.
//   - A string key and its string value share one allocation. Overwriting the
//     key replaces that allocation, so memory is released as soon as the old
//     value is no longer referenced.
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
