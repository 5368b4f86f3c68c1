//go:build !amd64

package shard

const prefetchOn = false

func prefetch(uintptr) {}
