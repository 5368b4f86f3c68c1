package shard

// prefetchOn is whether Prefetch does anything: whether prefetch is an
// instruction here.
const prefetchOn = true

// prefetch asks the CPU to start loading the cache line at addr. It never
// faults, whatever addr is.
//
//go:noescape
func prefetch(addr uintptr)
