package server

import (
	"errors"
	"fmt"
	"math"

	"github.com/miniredis/miniredis/codec"
	"github.com/miniredis/miniredis/config"
	"github.com/miniredis/miniredis/shard"
)

// setLimitDefaults fills in and checks the protocol, output and memory limits.
func (cfg *Config) setLimitDefaults() error {
	if cfg.ProtoMaxBulkLen == 0 {
		cfg.ProtoMaxBulkLen = codec.DefaultMaxBulkLen
	}
	if cfg.QueryBufferLimit == 0 {
		cfg.QueryBufferLimit = codec.DefaultMaxQueryLen
	}
	if cfg.OutputBufferLimit == 0 {
		cfg.OutputBufferLimit = defaultOutputBufferLimit
	}
	if cfg.MaxMemorySamples == 0 {
		cfg.MaxMemorySamples = shard.DefaultSamples
	}
	switch {
	case cfg.ProtoMaxBulkLen < 1 || cfg.ProtoMaxBulkLen > math.MaxInt32:
		// The store keeps string lengths in 32 bits (shard's maxString).
		return fmt.Errorf("server: proto-max-bulk-len %d out of range [1, %d]", cfg.ProtoMaxBulkLen, math.MaxInt32)
	case cfg.QueryBufferLimit < 1<<20:
		return fmt.Errorf("server: client-query-buffer-limit %d below 1mb", cfg.QueryBufferLimit)
	case cfg.OutputBufferLimit < 0:
		return errors.New("server: client-output-buffer-limit must not be negative")
	case cfg.MaxMemory < 0:
		return errors.New("server: maxmemory must not be negative")
	case cfg.MaxMemorySamples < 1:
		return errors.New("server: maxmemory-samples must be positive")
	}
	return nil
}

// accountingGrain is how far each shard's byte count may run ahead of the
// store-wide total: about 1/64 of maxmemory over all shards, at most 64 KiB
// per shard, so the total the policy reads is off by under 2 %.
func accountingGrain(maxMemory int64, shards int) int64 {
	if maxMemory <= 0 {
		return shard.DefaultGrain
	}
	return min(maxMemory/int64(shards)/64, shard.DefaultGrain)
}

// maxEvictionsPerCommand bounds the work one command does to make room: past
// it the command runs anyway and the next one continues (Redis bounds this by
// time, maxmemory-eviction-tenacity).
const maxEvictionsPerCommand = 10000

// freeMemory evicts keys by the maxmemory policy until the estimated memory
// is back under --maxmemory and reports whether a command that may grow
// memory can run: false under noeviction, or when nothing could be evicted.
func (c *client) freeMemory() bool {
	s := c.srv
	limit := s.maxMemory()
	if s.store.UsedMemory() <= limit {
		return true
	}
	policy := s.maxMemoryPolicy()
	if policy == shard.NoEviction {
		return false
	}
	if !c.aofHeld && !c.aofGated {
		// Evictions run under the write-order lock, so that their DELs
		// take their place in the log (see logDeletion); inside EXEC or
		// a script the client holds it, or its gate, already.
		s.aof.mu.Lock()
		defer s.aof.mu.Unlock()
	}
	now := s.now()
	for range maxEvictionsPerCommand {
		if !s.store.Evict(policy, now, int(s.live.samples.Load())) {
			return false
		}
		if s.store.UsedMemory() <= limit {
			return true
		}
	}
	return true
}

// ParseMemory parses a byte count the way Redis's configuration does: a
// plain number of bytes, or a number followed by k, kb, m, mb, g or gb in any
// case (k = 1000, kb = 1024, and so on). It is config.ParseMemory.
func ParseMemory(s string) (int64, error) { return config.ParseMemory(s) }
