//go:build race

package server

// raceEnabled: sync.Pool drops items at random under -race, so the store's
// pooled Tx values are reallocated and allocation counts of multi-key
// commands do not hold.
const raceEnabled = true
