package server

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/miniredis/miniredis/aof"
	"github.com/miniredis/miniredis/persist"
	"github.com/miniredis/miniredis/shard"
)

// Rewriting the append-only files (BGREWRITEAOF), as Redis 7 does it with
// its multi-part directory, but without fork: the new base is written from
// the same point-in-time snapshot BGSAVE uses (package persist), as an RDB
// preamble.
//
// At the snapshot's instant, under the write-order lock (so no write is in
// flight), the log moves to a new incremental file and the manifest on
// disk names the old files and the new one, so a crash during the rewrite
// loads everything. The writes after the instant go to the new file only;
// the base holds everything before it. When the base is on disk, the
// manifest is swapped for one naming the new base and the new incremental
// file, with the old files as history; then those are deleted and the
// manifest written once more without them.
//
// Turning the log on while serving (CONFIG SET appendonly yes) is such a
// rewrite too: the gate (see gateEnter) lets the writes that began with the
// log off end first, the instant follows, and the incremental file it
// opens is named by no manifest until the first base is written, as Redis
// keeps its temporary incremental file until then.
//
// One snapshot runs at a time: a BGREWRITEAOF while a BGSAVE runs is
// scheduled and started by aofCron once it ended, and a BGSAVE during a
// rewrite is refused (or scheduled with SCHEDULE), as Redis does with its
// single child process.

// Redis's BGREWRITEAOF and BGSAVE replies.
const (
	msgRewriteRunning   = "ERR Background append only file rewriting already in progress"
	msgRewriteFailed    = "ERR Can't execute an AOF background rewriting. Please check the server logs for more information."
	msgAnotherChild     = "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
	msgRewriteStarted   = "Background append only file rewriting started"
	msgRewriteScheduled = "Background append only file rewriting scheduled"
	msgAOFOnFailed      = "Unable to turn on AOF. Check server logs."
)

// Redis's auto-aof-rewrite defaults.
const (
	defaultAutoAOFPercentage = 100
	defaultAutoAOFMinSize    = 64 << 20
	// aofRetryFailures is how many rewrites in a row may fail before the
	// next waits aofRetryDelay (Redis's aofRewriteLimited starts at a
	// minute).
	aofRetryFailures = 3
	aofRetryDelay    = time.Minute
)

var (
	errRewriteRunning = errors.New("server: background append only file rewriting already in progress")
	errAnotherChild   = errors.New("server: another background save or rewrite is in progress")
)

// rewriteStats is INFO persistence's aof_* counters, and the sizes behind
// auto-aof-rewrite-percentage. Atomics: INFO reads them without a lock.
type rewriteStats struct {
	rewriting  atomic.Bool  // aof_rewrite_in_progress (set and cleared under persist.mu)
	scheduled  atomic.Bool  // aof_rewrite_scheduled
	rwStart    atomic.Int64 // unix ms the running rewrite began
	rwLastTime atomic.Int64 // aof_last_rewrite_time_sec, -1 before any
	rwFailed   atomic.Bool  // the last rewrite failed (aof_last_bgrewrite_status)
	rewrites   atomic.Int64 // aof_rewrites: rewrites started
	failures   atomic.Int64 // aof_rewrites_consecutive_failures
	lastTry    atomic.Int64 // unix ms the last rewrite started
	baseSize   atomic.Int64 // aof_base_size
	otherSize  atomic.Int64 // bytes of the files the log is made of, but the open one
	rwBase     atomic.Int64 // aof_current_size after the last rewrite or load: the growth's base
	rwDone     chan struct{}
}

// setSizes records the sizes of the log's files but the open one.
func (r *rewriteStats) setSizes(base, other int64) {
	r.baseSize.Store(base)
	r.otherSize.Store(other)
}

// currentSize is aof_current_size: every file of the log, l the open one.
func (r *rewriteStats) currentSize(l *aof.Log) int64 {
	n := r.otherSize.Load()
	if l != nil {
		n += l.Size()
	}
	return n
}

// aofRewrite is the rewrite in progress (guarded by aofState.mu).
type aofRewrite struct {
	base      aof.FileInfo
	incr      string // the incremental file opened at the instant, "" when the log was off
	cancelled bool   // the log was turned off or the server stopped: the base is thrown away
}

// bgrewrite starts a rewrite: the instant is fixed before it returns, the
// base is written by a goroutine. It fails with errRewriteRunning, or
// errAnotherChild while a BGSAVE runs.
func (s *Server) bgrewrite() error {
	p, a := &s.persist, &s.aof
	p.mu.Lock()
	defer p.mu.Unlock()
	if a.rewriting.Load() {
		return errRewriteRunning
	}
	if p.inProgress.Load() {
		return errAnotherChild
	}
	a.scheduled.Store(false)
	a.rewrites.Add(1)
	a.lastTry.Store(s.now())
	a.mu.Lock()
	rw, job, err := s.rewriteInstantLocked()
	a.mu.Unlock()
	if err != nil {
		s.rewriteFailed(err)
		return err
	}
	start := time.Now()
	a.rwStart.Store(start.UnixMilli())
	a.rwDone = make(chan struct{})
	a.rewriting.Store(true)
	done := a.rwDone
	s.log.Info("background append only file rewriting started", "base", rw.base.Name, "incr", rw.incr)
	go func() {
		if h := s.bgHook.Load(); h != nil {
			(*h)()
		}
		path := filepath.Join(a.dir, rw.base.Name)
		err := persist.WriteFile(path, func(w io.Writer) error { return job.WriteTo(w, s.aofHeader()) })
		if err == nil {
			err = s.rewriteDone(rw, job.Stats())
		} else {
			s.abandonRewrite(rw)
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		a.rwLastTime.Store(int64(time.Since(start) / time.Second))
		if err != nil {
			s.rewriteFailed(err)
		} else {
			a.rwFailed.Store(false)
			a.failures.Store(0)
		}
		a.rewriting.Store(false)
		close(done)
	}()
	return nil
}

// rewriteFailed records a failed rewrite. A rewrite that was turning the
// log on is tried again (by aofCron), as Redis does.
func (s *Server) rewriteFailed(err error) {
	a := &s.aof
	s.log.Warn("background append only file rewriting failed", "err", err)
	a.rwFailed.Store(true)
	a.failures.Add(1)
	if a.want.Load() && a.enablingNow() {
		a.scheduled.Store(true)
	}
}

// enablingNow reports whether the log is still waiting for its first
// base.
func (a *aofState) enablingNow() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.enabling || a.log.Load() == nil
}

// rewriteInstantLocked fixes the rewrite's instant (under aof.mu and
// persist.mu): it turns the log on if it is wanted and off, moves it to a
// new incremental file, and begins the snapshot.
func (s *Server) rewriteInstantLocked() (*aofRewrite, *persist.Job, error) {
	a := &s.aof
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return nil, nil, err
	}
	if a.man == nil {
		// The directory may hold the files of an earlier run; the new
		// base replaces them.
		m, err := aof.ReadManifest(a.dir, a.prefix)
		switch {
		case err == nil:
			a.man = m
			a.incrSeq = max(a.incrSeq, m.NextIncrSeq()-1)
		case !errors.Is(err, os.ErrNotExist):
			return nil, nil, err
		}
	}
	if a.want.Load() && a.log.Load() == nil {
		a.on.Store(true)
		s.waitGates()
		a.enabling = true
	}
	baseSeq := int64(1)
	if a.man != nil {
		baseSeq = a.man.NextBaseSeq()
	}
	rw := &aofRewrite{base: aof.FileInfo{Name: aof.BaseName(a.prefix, baseSeq, true), Seq: baseSeq, Type: aof.TypeBase}}
	if a.want.Load() {
		if err := s.openNextIncrLocked(rw); err != nil {
			if a.log.Load() == nil {
				a.on.Store(false)
				a.enabling = false
			}
			return nil, nil, err
		}
	}
	a.rw = rw
	return rw, persist.Begin(s.store, s.now()), nil
}

// openNextIncrLocked moves the log to a new incremental file (under
// aof.mu): the old one is flushed, fsynced and closed, and the manifest on
// disk names the new one after it, unless the log is turning on.
func (s *Server) openNextIncrLocked(rw *aofRewrite) error {
	a := &s.aof
	seq := a.incrSeq + 1
	fi := aof.FileInfo{Name: aof.IncrName(a.prefix, seq), Seq: seq, Type: aof.TypeIncr}
	path := filepath.Join(a.dir, fi.Name)
	l, err := aof.OpenLog(path, s.appendFsync())
	if err != nil {
		return err
	}
	old := a.log.Load()
	if old != nil {
		if err := old.Flush(); err != nil {
			l.Close()
			os.Remove(path)
			return err
		}
	}
	if !a.enabling && a.man != nil {
		m := a.man.Clone()
		m.Incr = append(m.Incr, fi)
		if err := aof.WriteManifest(a.dir, a.prefix, m); err != nil {
			l.Close()
			os.Remove(path)
			return err
		}
		a.man = m
	} else {
		a.pending = append(a.pending, fi.Name)
	}
	if old != nil {
		if err := old.Close(); err != nil {
			s.log.Error("closing the append only file failed", "err", err)
		}
		a.otherSize.Add(old.Size())
	}
	s.log.Info("creating AOF incr file on background rewrite", "file", fi.Name)
	a.incr, a.incrSeq = fi, seq
	rw.incr = fi.Name
	a.log.Store(l)
	a.on.Store(true)
	return nil
}

// waitGates waits until no client runs a write that began with the log
// off (see gateEnter); called with aof.mu held and on set.
func (s *Server) waitGates() {
	s.mu.Lock()
	gated := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		gated = append(gated, c)
	}
	s.mu.Unlock()
	for _, c := range gated {
		for c.aofGate.Load() {
			runtime.Gosched()
		}
	}
}

// rewriteDone installs a written base: the new manifest names it and the
// incremental file opened at the instant, the old files become history
// and are deleted.
func (s *Server) rewriteDone(rw *aofRewrite, st persist.Stats) error {
	a := &s.aof
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rw = nil
	if rw.cancelled {
		os.Remove(filepath.Join(a.dir, rw.base.Name))
		return nil
	}
	base := rw.base
	m := &aof.Manifest{Base: &base}
	l := a.log.Load()
	if rw.incr != "" && l != nil && l.Name() == rw.incr {
		m.Incr = []aof.FileInfo{a.incr}
	}
	var history []aof.FileInfo
	if a.man != nil {
		for _, f := range append(a.man.Live(), a.man.History...) {
			if f.Name != rw.incr {
				f.Type = aof.TypeHistory
				history = append(history, f)
			}
		}
	}
	for _, name := range a.pending {
		if name != rw.incr {
			history = append(history, aof.FileInfo{Name: name, Type: aof.TypeHistory})
		}
	}
	m.History = history
	if err := aof.WriteManifest(a.dir, a.prefix, m); err != nil {
		os.Remove(filepath.Join(a.dir, base.Name))
		return err
	}
	a.man, a.pending, a.enabling = m, nil, false
	for _, f := range history {
		if err := os.Remove(filepath.Join(a.dir, f.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("removing an AOF history file failed", "file", f.Name, "err", err)
		}
	}
	clean := m.Clone()
	clean.History = nil
	if err := aof.WriteManifest(a.dir, a.prefix, clean); err == nil {
		a.man = clean
	}
	baseSize, _ := fileSizes(a.dir, []aof.FileInfo{base}, "")
	a.setSizes(baseSize, baseSize)
	a.rwBase.Store(a.currentSize(a.log.Load()))
	s.log.Info("background AOF rewrite finished successfully", "base", base.Name, "keys", st.Keys,
		"shards_copied_by_writers", st.CopiedByWriters, "peak_copied_bytes", st.PeakHeld)
	return nil
}

// abandonRewrite forgets a rewrite whose base could not be written; the
// files the manifest names are untouched.
func (s *Server) abandonRewrite(rw *aofRewrite) {
	a := &s.aof
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rw = nil
}

// checkAOFRewrite starts a scheduled rewrite, or the automatic one when the
// log grew by auto-aof-rewrite-percentage since the last, as Redis's
// serverCron does; nothing while a BGSAVE or a rewrite runs.
func (s *Server) checkAOFRewrite() {
	a, p := &s.aof, &s.persist
	if a.rewriting.Load() || p.inProgress.Load() {
		return
	}
	if a.failures.Load() >= aofRetryFailures && s.now()-a.lastTry.Load() < aofRetryDelay.Milliseconds() {
		return
	}
	if a.scheduled.Load() {
		_ = s.bgrewrite()
		return
	}
	perc, minSize := s.autoAOFRewrite()
	l := a.log.Load()
	if l == nil || perc <= 0 {
		return
	}
	cur := a.currentSize(l)
	if cur <= minSize {
		return
	}
	base := max(a.rwBase.Load(), 1)
	if growth := cur*100/base - 100; growth >= perc {
		s.log.Info("starting automatic rewriting of AOF", "growth_percent", growth)
		_ = s.bgrewrite()
	}
}

// setAppendOnly turns the log on or off while serving (CONFIG SET
// appendonly). On, it starts the rewrite that writes the first base, or
// schedules it behind a BGSAVE; the log takes writes from that rewrite's
// instant, which has passed when it returns. Off, it flushes and closes
// the log and abandons a rewrite in progress.
func (s *Server) setAppendOnly(on bool) error {
	a := &s.aof
	if a.want.Swap(on) == on && (!on || a.log.Load() != nil) {
		return nil
	}
	if !on {
		a.mu.Lock()
		s.stopLogLocked()
		for _, name := range a.pending {
			os.Remove(filepath.Join(a.dir, name))
		}
		a.pending, a.enabling, a.man = nil, false, nil
		a.mu.Unlock()
		a.scheduled.Store(false)
		s.log.Info("append only file turned off")
		return nil
	}
	switch err := s.bgrewrite(); {
	case errors.Is(err, errAnotherChild), errors.Is(err, errRewriteRunning):
		s.log.Info("AOF was enabled but there is already another background operation; an AOF rewrite is scheduled")
		a.scheduled.Store(true)
	case err != nil:
		a.want.Store(false)
		return err
	}
	return nil
}

// WaitRewrite blocks until no rewrite is running (for tests).
func (s *Server) WaitRewrite() {
	p, a := &s.persist, &s.aof
	p.mu.Lock()
	done, running := a.rwDone, a.rewriting.Load()
	p.mu.Unlock()
	if running {
		<-done
	}
}

func cmdBgrewriteaof(c *client, args [][]byte) {
	s := c.srv
	a := &s.aof
	switch {
	case a.rewriting.Load():
		c.w.Error(msgRewriteRunning)
	case c.inTransaction():
		// As Redis in EXEC: the rewrite starts once the transaction has
		// let go of its shards and the write-order lock.
		a.scheduled.Store(true)
		a.failures.Store(0)
		go s.checkAOFRewrite()
		c.w.Simple(msgRewriteScheduled)
	default:
		switch err := s.bgrewrite(); {
		case errors.Is(err, errRewriteRunning):
			c.w.Error(msgRewriteRunning)
		case errors.Is(err, errAnotherChild):
			a.scheduled.Store(true)
			a.failures.Store(0)
			c.w.Simple(msgRewriteScheduled)
		case err != nil:
			c.w.Error(msgRewriteFailed)
		default:
			c.w.Simple(msgRewriteStarted)
		}
	}
}

// inTransaction reports whether c runs inside EXEC or a script, holding
// shards or the write-order lock that a snapshot would wait for.
func (c *client) inTransaction() bool {
	return c.db.Held() != nil || c.aofHeld || c.aofGated
}

// infoAOF is INFO persistence's aof_* fields.
func (s *Server) infoAOF(b []byte) []byte {
	a := &s.aof
	cur := int64(-1)
	if a.rewriting.Load() {
		cur = (time.Now().UnixMilli() - a.rwStart.Load()) / 1000
	}
	b = infoInt(b, "aof_enabled", b2i(a.want.Load()))
	b = infoInt(b, "aof_rewrite_in_progress", b2i(a.rewriting.Load()))
	b = infoInt(b, "aof_rewrite_scheduled", b2i(a.scheduled.Load()))
	b = infoInt(b, "aof_last_rewrite_time_sec", a.rwLastTime.Load())
	b = infoInt(b, "aof_current_rewrite_time_sec", cur)
	b = infoLine(b, "aof_last_bgrewrite_status", okErr(!a.rwFailed.Load()))
	b = infoInt(b, "aof_rewrites", a.rewrites.Load())
	b = infoInt(b, "aof_rewrites_consecutive_failures", a.failures.Load())
	l := a.log.Load()
	b = infoLine(b, "aof_last_write_status", okErr(l == nil || l.Err() == nil))
	return infoInt(b, "aof_last_cow_size", 0)
}

// infoAOFSizes is the fields Redis adds when the log is on, after the
// module fork ones.
func (s *Server) infoAOFSizes(b []byte) []byte {
	a := &s.aof
	if !a.want.Load() {
		return b
	}
	l := a.log.Load()
	pending := 0
	if l != nil && l.Pending() {
		pending = 1
	}
	b = infoInt(b, "aof_current_size", a.currentSize(l))
	b = infoInt(b, "aof_base_size", a.baseSize.Load())
	b = infoInt(b, "aof_pending_rewrite", b2i(a.scheduled.Load()))
	b = infoInt(b, "aof_buffer_length", int64(pending))
	b = infoInt(b, "aof_pending_bio_fsync", 0)
	return infoInt(b, "aof_delayed_fsync", 0)
}

func okErr(ok bool) string {
	if ok {
		return "ok"
	}
	return "err"
}

// expireTarget is what the active expiry cycle samples: the store, with
// each sample under the write-order lock, so that the DELs of the keys it
// expires take their place in the log among the writes around them.
type expireTarget struct{ s *Server }

func (t expireTarget) Shards() int { return t.s.store.Shards() }

func (t expireTarget) ExpireSample(i int, now int64, n int) (sampled, expired int) {
	a := &t.s.aof
	a.mu.Lock()
	defer a.mu.Unlock()
	return t.s.store.ExpireSample(i, now, n)
}

// logDeletion logs the DEL (UNLINK with lazyfree-lazy-expire or -eviction
// yes, as Redis 7.0 propagates it) of a key that expired or was evicted,
// from the store's observer: it runs under the key's shard lock, and the
// deletion's own context holds the write-order lock while the log is on
// (a write command, the expiry cycle, eviction), so the DEL lands in the
// log where the keyspace saw it.
func (s *Server) logDeletion(db int, key []byte, ev shard.Event) {
	l := s.aof.log.Load()
	if l == nil {
		return
	}
	lazy := s.live.lazyExpire.Load()
	if ev == shard.Evicted {
		lazy = s.live.lazyEviction.Load()
	}
	name := "DEL"
	if lazy {
		name = "UNLINK"
	}
	l.AppendKey(db, name, key)
}
