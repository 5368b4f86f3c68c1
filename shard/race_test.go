//go:build race

package shard

// raceEnabled: sync.Pool drops items at random under -race, so pooled Tx
// values are reallocated and allocation counts of Multi calls do not hold.
const raceEnabled = true
