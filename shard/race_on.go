//go:build race

package shard

// raceEnabled is whether the race detector is built in. Prefetch then reads
// the index under the shard's lock (the detector would report the unlocked
// read, harmless by design), and tests know that sync.Pool drops items at
// random, so pooled Tx values are reallocated and allocation counts of
// Multi calls do not hold.
const raceEnabled = true
