package server

import (
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/miniredis/miniredis/aof"
	"github.com/miniredis/miniredis/shard"
)

// liveConfig holds the values of the directives CONFIG SET may change while
// the server serves, each in an atomic so that clients on any goroutine
// read the current one without a lock. Code reads these, never the same
// fields of Server.cfg, which keeps the values the server started with.
type liveConfig struct {
	maxMemory        atomic.Int64
	policy           atomic.Int32 // shard.Policy
	samples          atomic.Int32
	maxClients       atomic.Int64
	timeout          atomic.Int64 // time.Duration
	requirePass      atomic.Pointer[string]
	protoMaxBulkLen  atomic.Int64
	queryLimit       atomic.Int64
	outputLimit      atomic.Int64
	outputTimeout    atomic.Int64 // time.Duration
	busyThreshold    atomic.Int64 // time.Duration
	slowlogSlower    atomic.Int64 // µs; -1 off
	slowlogMaxLen    atomic.Int64
	latencyThreshold atomic.Int64 // ms; 0 off
	save             atomic.Pointer[[]SavePoint]
	dbFilename       atomic.Pointer[string]
	rdbNoCompress    atomic.Bool
	appendFsync      atomic.Int32 // aof.Fsync
	autoAOFPerc      atomic.Int64 // auto-aof-rewrite-percentage; 0 off
	autoAOFMinSize   atomic.Int64
	lazyExpire       atomic.Bool  // lazyfree-lazy-expire: expired keys are logged as UNLINK
	lazyEviction     atomic.Bool  // lazyfree-lazy-eviction: evicted keys are logged as UNLINK
	trackingMaxKeys  atomic.Int64 // 0: no bound
	// The pubsub class of client-output-buffer-limit, which outboxes
	// check on every append, so a change reaches subscribers already
	// connected.
	pubsubHard, pubsubSoft atomic.Int64                   // bytes; <= 0 no limit
	pubsubSoftTime         atomic.Int64                   // ms
	encodings              atomic.Pointer[EncodingLimits] // with defaults resolved
}

// store publishes cfg's live values.
func (l *liveConfig) store(cfg *Config) {
	l.maxMemory.Store(cfg.MaxMemory)
	l.policy.Store(int32(cfg.MaxMemoryPolicy))
	l.samples.Store(int32(cfg.MaxMemorySamples))
	l.maxClients.Store(int64(cfg.MaxClients))
	l.timeout.Store(int64(cfg.Timeout))
	pass := cfg.RequirePass
	l.requirePass.Store(&pass)
	l.protoMaxBulkLen.Store(cfg.ProtoMaxBulkLen)
	l.queryLimit.Store(cfg.QueryBufferLimit)
	l.outputLimit.Store(int64(cfg.OutputBufferLimit))
	l.outputTimeout.Store(int64(cfg.OutputTimeout))
	l.busyThreshold.Store(int64(cfg.BusyReplyThreshold))
	l.slowlogSlower.Store(cfg.slowlogSlowerThan())
	l.slowlogMaxLen.Store(cfg.slowlogMaxLen())
	l.latencyThreshold.Store(cfg.LatencyMonitorThreshold)
	save, file := cfg.Save, cfg.DBFilename
	l.save.Store(&save)
	l.dbFilename.Store(&file)
	l.rdbNoCompress.Store(cfg.RDBNoCompress)
	l.appendFsync.Store(int32(cfg.AppendFsync))
	l.autoAOFPerc.Store(int64(cfg.autoAOFPercentage()))
	l.autoAOFMinSize.Store(cfg.autoAOFMinSize())
	l.lazyExpire.Store(cfg.LazyfreeLazyExpire)
	l.lazyEviction.Store(cfg.LazyfreeLazyEviction)
	l.trackingMaxKeys.Store(cfg.trackingMaxKeys())
	l.pubsubHard.Store(cfg.PubSubHardLimit)
	l.pubsubSoft.Store(cfg.PubSubSoftLimit)
	l.pubsubSoftTime.Store(cfg.PubSubSoftTime.Milliseconds())
	enc := cfg.Encodings.withDefaults()
	l.encodings.Store(&enc)
}

// encodingLimits are the live compact-encoding thresholds.
func (s *Server) encodingLimits() *EncodingLimits { return s.live.encodings.Load() }

// appendFsync is the live appendfsync policy.
func (s *Server) appendFsync() aof.Fsync { return aof.Fsync(s.live.appendFsync.Load()) }

// autoAOFRewrite is auto-aof-rewrite-percentage (0 off) and -min-size.
func (s *Server) autoAOFRewrite() (perc, minSize int64) {
	return s.live.autoAOFPerc.Load(), s.live.autoAOFMinSize.Load()
}

// trackingMaxKeys is tracking-table-max-keys as the tracker reads it: 0
// for no bound.
func (c *Config) trackingMaxKeys() int64 {
	return zeroDefault(c.TrackingTableMaxKeys, defaultTrackingMaxKeys)
}

// defaultTrackingMaxKeys is Redis's tracking-table-max-keys default.
const defaultTrackingMaxKeys = 1000000

// savePoints are the live save points (CONFIG SET save).
func (s *Server) savePoints() []SavePoint { return *s.live.save.Load() }

// dbFilename is the live RDB file name (CONFIG SET dbfilename).
func (s *Server) dbFilename() string { return *s.live.dbFilename.Load() }

func (s *Server) maxMemory() int64              { return s.live.maxMemory.Load() }
func (s *Server) maxMemoryPolicy() shard.Policy { return shard.Policy(s.live.policy.Load()) }
func (s *Server) maxClients() int               { return int(s.live.maxClients.Load()) }
func (s *Server) idleTimeout() time.Duration    { return time.Duration(s.live.timeout.Load()) }
func (s *Server) requirePass() string           { return *s.live.requirePass.Load() }
func (s *Server) protoMaxBulkLen() int64        { return s.live.protoMaxBulkLen.Load() }
func (s *Server) queryBufferLimit() int64       { return s.live.queryLimit.Load() }
func (s *Server) outputBufferLimit() int        { return int(s.live.outputLimit.Load()) }
func (s *Server) outputTimeout() time.Duration  { return time.Duration(s.live.outputTimeout.Load()) }
func (s *Server) busyReplyThreshold() time.Duration {
	return time.Duration(s.live.busyThreshold.Load())
}

// applyLive makes the running server follow next, the configuration after
// a CONFIG SET; prev is the one before. Called with confMu held. The
// append-only log's changes are configSet's (applyAOFConfig).
func (s *Server) applyLive(prev, next *Config) {
	s.live.store(next)
	if next.Hz != prev.Hz {
		s.cycle.SetHz(next.Hz)
	}
	if next.MaxMemory != prev.MaxMemory {
		s.setMemoryLimit(next.MaxMemory)
	}
	if next.LogLevelVar != nil && next.LogLevel != prev.LogLevel {
		next.LogLevelVar.Set(ParseLogLevel(next.LogLevel))
	}
	if n := next.slowlogMaxLen(); n != prev.slowlogMaxLen() {
		s.slowlog.trim(int(n))
	}
	if next.trackingMaxKeys() < prev.trackingMaxKeys() {
		s.track.limit()
	}
	if next.NotifyKeyspaceEvents != prev.NotifyKeyspaceEvents {
		f, _ := parseNotify(next.NotifyKeyspaceEvents)
		s.notifyFlags.Store(f)
	}
}

// applyAOFConfig follows live appendonly and appendfsync values, one
// change at a time.
func (s *Server) applyAOFConfig(on bool, fsync aof.Fsync) error {
	a := &s.aof
	a.confMu.Lock()
	defer a.confMu.Unlock()
	a.mu.Lock()
	if l := a.log.Load(); l != nil && l.Policy() != fsync {
		if err := l.SetPolicy(fsync); err != nil {
			s.log.Error("fsync of the append only file failed", "err", err)
		}
	}
	a.mu.Unlock()
	if err := s.setAppendOnly(on); err != nil {
		s.log.Warn("turning the append only file on failed", "err", err)
		return reason(msgAOFOnFailed)
	}
	return nil
}

// setMemoryLimit follows a live maxmemory change with the runtime's soft
// memory limit (see memoryLimit), within the limit there was before Serve.
func (s *Server) setMemoryLimit(maxMemory int64) {
	base := s.memLimitBase.Load()
	if base == 0 {
		return // not serving: Serve sets the limit when it starts
	}
	debug.SetMemoryLimit(min(base, memoryLimit(maxMemory)))
}
