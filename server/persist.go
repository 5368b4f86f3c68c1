package server

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miniredis/miniredis/persist"
	"github.com/miniredis/miniredis/rdb"
	"github.com/miniredis/miniredis/scripting"
)

// SavePoint is one automatic save rule (Redis's save directive): a
// background save starts when at least Changes keys changed and Seconds
// seconds passed since the last successful save.
type SavePoint struct {
	Seconds int64
	Changes int64
}

// DefaultSave is Redis's default save points, used in --compat redis when
// --save is not given.
const DefaultSave = "3600 1 300 100 60 10000"

// ParseSave parses --save in Redis's syntax: pairs of seconds and changes
// separated by spaces; "" means no automatic saves.
func ParseSave(s string) ([]SavePoint, error) {
	f := strings.Fields(s)
	if len(f)%2 != 0 {
		return nil, fmt.Errorf("server: invalid save parameters %q (want pairs of seconds and changes)", s)
	}
	var out []SavePoint
	for i := 0; i < len(f); i += 2 {
		sec, err1 := strconv.ParseInt(f[i], 10, 64)
		ch, err2 := strconv.ParseInt(f[i+1], 10, 64)
		if err1 != nil || err2 != nil || sec < 1 || ch < 0 {
			return nil, fmt.Errorf("server: invalid save parameters %q", s)
		}
		out = append(out, SavePoint{Seconds: sec, Changes: ch})
	}
	return out, nil
}

// formatSave renders save points as CONFIG GET save shows them.
func formatSave(sp []SavePoint) string {
	var b []byte
	for i, p := range sp {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, p.Seconds, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, p.Changes, 10)
	}
	return string(b)
}

const (
	msgBgsaveInProgress = "ERR Background save already in progress"
	msgNotInMulti       = "ERR Command not allowed inside a transaction"
	msgShutdownErrors   = "ERR Errors trying to SHUTDOWN. Check logs."
	msgNoShutdown       = "ERR No shutdown in progress."
	// bgsaveRetryDelay is how long automatic saves wait after a failed one
	// (CONFIG_BGSAVE_RETRY_DELAY).
	bgsaveRetryDelay = 5 * time.Second
)

// persistState is the server's RDB bookkeeping, INFO persistence's source.
type persistState struct {
	// mu serializes saves: SAVE, BGSAVE, the save at shutdown.
	mu         sync.Mutex
	inProgress atomic.Bool  // a BGSAVE is writing
	scheduled  atomic.Bool  // BGSAVE asked for inside a transaction, to start when it ends
	bgStart    atomic.Int64 // unix ms the running BGSAVE began
	lastSave   atomic.Int64 // unix s of the last successful save (start-up time at first)
	lastTry    atomic.Int64 // unix ms of the last BGSAVE attempt
	lastOK     atomic.Bool  // the last BGSAVE succeeded
	lastBgTime atomic.Int64 // seconds the last BGSAVE took, -1 before any
	saves      atomic.Int64 // rdb_saves
	base       atomic.Uint64
	// base is the store's change count when the last successful save
	// began: rdb_changes_since_last_save is the count less it.
	loadLoaded  atomic.Int64
	loadExpired atomic.Int64
	bgDone      chan struct{} // closed when the running BGSAVE ends (under mu)
}

// rdbPath is where the RDB file lives.
func (s *Server) rdbPath() string { return filepath.Join(s.cfg.Dir, s.dbFilename()) }

// initPersist sets the bookkeeping up and loads the RDB file if there is
// one, before the server serves anything. Called by New.
func (s *Server) initPersist() error {
	p := &s.persist
	p.lastOK.Store(true)
	p.lastBgTime.Store(-1)
	s.aof.rwLastTime.Store(-1)
	p.lastSave.Store(s.nowFn().Unix())
	if s.cfg.AppendOnly && s.aofExists() {
		// The append-only files hold the data; Listen replays them.
		p.base.Store(s.store.Changes())
		return nil
	}
	start := time.Now()
	res, found, err := persist.LoadFile(s.rdbPath(), s.store, s.now(), s.loadFunction)
	if err != nil {
		return err
	}
	if found {
		s.log.Info("DB loaded from disk", "path", s.rdbPath(), "keys", res.Loaded, "expired", res.Expired,
			"empty_keys_skipped", res.EmptyKeys, "seconds", time.Since(start).Seconds())
	}
	p.loadLoaded.Store(int64(res.Loaded))
	p.loadExpired.Store(int64(res.Expired))
	p.base.Store(s.store.Changes())
	return nil
}

// loadFunction installs one function library found in an RDB file.
func (s *Server) loadFunction(code []byte) error {
	payload := rdb.AppendLen([]byte{245}, uint64(len(code)))
	payload = append(payload, code...)
	payload = binary.LittleEndian.AppendUint16(payload, rdb.Version)
	payload = binary.LittleEndian.AppendUint64(payload, rdb.CRC64(0, payload))
	return s.scripts.engine.FunctionRestore(payload, scripting.RestoreAppend)
}

// header gathers what an RDB file carries besides keys.
func (s *Server) rdbHeader() persist.Header {
	fn := s.scripts.engine.FunctionDump()
	return persist.Header{UsedMem: s.store.UsedMemory(), Functions: fn[:len(fn)-10]}
}

// save writes a snapshot as of now to the RDB file and waits for it
// (SAVE, SHUTDOWN, the save at exit). It fails while a BGSAVE runs unless
// wait is set, in which case it waits for that first.
func (s *Server) save(wait bool) error {
	p := &s.persist
	p.mu.Lock()
	for p.inProgress.Load() || s.aof.rewriting.Load() {
		// One snapshot at a time: SAVE waits for an AOF rewrite (Redis
		// saves beside its child), and for a BGSAVE only when asked to.
		done := s.aof.rwDone
		if p.inProgress.Load() {
			if !wait {
				p.mu.Unlock()
				return errBgsaveRunning
			}
			done = p.bgDone
		}
		p.mu.Unlock()
		<-done
		p.mu.Lock()
	}
	defer p.mu.Unlock()
	base := s.store.Changes()
	job := persist.BeginWith(s.store, s.now(), s.persistOptions())
	err := persist.WriteFile(s.rdbPath(), func(w io.Writer) error { return job.WriteTo(w, s.rdbHeader()) })
	if err != nil {
		s.log.Warn("save failed", "path", s.rdbPath(), "err", err)
		return err
	}
	s.saved(base)
	s.log.Info("DB saved on disk", "path", s.rdbPath(), "keys", job.Stats().Keys)
	return nil
}

// persistOptions are the live options of RDB snapshots.
func (s *Server) persistOptions() persist.Options {
	return persist.Options{NoCompress: s.live.rdbNoCompress.Load()}
}

var errBgsaveRunning = errors.New("server: background save already in progress")

// saved records a successful save that began at change count base.
func (s *Server) saved(base uint64) {
	p := &s.persist
	p.base.Store(base)
	p.lastSave.Store(s.nowFn().Unix())
	p.saves.Add(1)
}

// bgsave starts a background save as of now: the snapshot's instant is
// fixed before it returns, the file is written by a goroutine.
func (s *Server) bgsave() error {
	p := &s.persist
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inProgress.Load() {
		return errBgsaveRunning
	}
	if s.aof.rewriting.Load() {
		return errAnotherChild
	}
	base := s.store.Changes()
	start := time.Now()
	p.lastTry.Store(s.now())
	job := persist.BeginWith(s.store, s.now(), s.persistOptions())
	p.inProgress.Store(true)
	p.bgStart.Store(start.UnixMilli())
	p.bgDone = make(chan struct{})
	done := p.bgDone
	s.log.Info("background saving started")
	go func() {
		if h := s.bgHook.Load(); h != nil {
			(*h)()
		}
		err := persist.WriteFile(s.rdbPath(), func(w io.Writer) error { return job.WriteTo(w, s.rdbHeader()) })
		p.mu.Lock()
		defer p.mu.Unlock()
		p.lastBgTime.Store(int64(time.Since(start) / time.Second))
		p.lastOK.Store(err == nil)
		if err != nil {
			s.log.Warn("background saving failed", "path", s.rdbPath(), "err", err)
		} else {
			s.saved(base)
			st := job.Stats()
			s.log.Info("background saving terminated with success", "keys", st.Keys,
				"keys_copied_by_writers", st.CopiedByWriters, "peak_copied_bytes", st.PeakHeld)
		}
		p.inProgress.Store(false)
		close(done)
	}()
	return nil
}

// WaitBgsave blocks until no background save is running (for tests and
// shutdown).
func (s *Server) WaitBgsave() {
	p := &s.persist
	p.mu.Lock()
	done := p.bgDone
	running := p.inProgress.Load()
	p.mu.Unlock()
	if running {
		<-done
	}
}

// FinalSave is the save at exit (SIGTERM): it writes the RDB file when save
// points are configured, as Redis does, waiting for a background save in
// progress first. Call it after Shutdown.
func (s *Server) FinalSave() error {
	if len(s.savePoints()) == 0 {
		return nil
	}
	return s.save(true)
}

// checkSavePoints is saveCron's round, on the server's clock: it starts a
// background save when a save point is reached, or one was scheduled. Serve
// runs it once a second, as Redis's serverCron checks.
func (s *Server) checkSavePoints() {
	p := &s.persist
	if p.inProgress.Load() || s.aof.rewriting.Load() {
		return
	}
	if p.scheduled.Load() {
		if err := s.bgsave(); !errors.Is(err, errAnotherChild) {
			p.scheduled.Store(false)
		}
		return
	}
	if len(s.savePoints()) == 0 {
		return
	}
	nowMs := s.now()
	if !p.lastOK.Load() && nowMs-p.lastTry.Load() < bgsaveRetryDelay.Milliseconds() {
		return
	}
	changes := int64(s.store.Changes() - p.base.Load())
	since := nowMs/1000 - p.lastSave.Load()
	for _, sp := range s.savePoints() {
		if changes >= sp.Changes && since >= sp.Seconds && changes > 0 {
			s.log.Info("save point reached; saving", "changes", changes, "seconds", sp.Seconds)
			_ = s.bgsave()
			return
		}
	}
}

func cmdSave(c *client, args [][]byte) {
	if c.db.Held() != nil {
		// Inside EXEC the transaction holds shards the snapshot must lock.
		c.w.Error(msgNotInMulti)
		return
	}
	switch err := c.srv.save(false); {
	case errors.Is(err, errBgsaveRunning):
		c.w.Error(msgBgsaveInProgress)
	case err != nil:
		c.w.Error("ERR")
	default:
		c.w.OK()
	}
}

func cmdBgsave(c *client, args [][]byte) {
	schedule := false
	if len(args) > 1 {
		if len(args) != 2 || !equalFold(args[1], "SCHEDULE") {
			c.w.Error(msgSyntax)
			return
		}
		schedule = true
	}
	p := &c.srv.persist
	switch {
	case p.inProgress.Load():
		c.w.Error(msgBgsaveInProgress)
	case c.db.Held() != nil:
		// Inside EXEC, as Redis does for BGSAVE in a transaction: the save
		// starts once the transaction has released its shards.
		p.scheduled.Store(true)
		go c.srv.checkSavePoints()
		c.w.Simple("Background saving scheduled")
	default:
		switch err := c.srv.bgsave(); {
		case errors.Is(err, errAnotherChild) && schedule:
			// An AOF rewrite holds the snapshot; saveCron starts the
			// save when it ends.
			p.scheduled.Store(true)
			c.w.Simple("Background saving scheduled")
		case errors.Is(err, errAnotherChild):
			c.w.Error(msgAnotherChild)
		case err != nil:
			c.w.Error(msgBgsaveInProgress)
		default:
			c.w.Simple("Background saving started")
		}
	}
}

func cmdLastSave(c *client, args [][]byte) {
	c.w.Int(c.srv.persist.lastSave.Load())
}

// cmdShutdown is SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: it saves
// when asked or when save points are configured, then stops the server
// without a reply, as Redis closes the connection. A failed save keeps the
// server up (unless FORCE).
func cmdShutdown(c *client, args [][]byte) {
	var noSave, doSave, force, abort bool
	for _, a := range args[1:] {
		switch {
		case equalFold(a, "NOSAVE"):
			noSave = true
		case equalFold(a, "SAVE"):
			doSave = true
		case equalFold(a, "NOW"):
		case equalFold(a, "FORCE"):
			force = true
		case equalFold(a, "ABORT"):
			abort = true
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	if noSave && doSave || abort && len(args) > 2 {
		c.w.Error(msgSyntax)
		return
	}
	if abort {
		c.w.Error(msgNoShutdown)
		return
	}
	if c.db.Held() != nil {
		c.w.Error(msgNotInMulti)
		return
	}
	s := c.srv
	if !noSave && (doSave || len(s.savePoints()) > 0) {
		if err := s.save(true); err != nil && !force {
			c.w.Error(msgShutdownErrors)
			return
		}
	}
	s.log.Info("user requested shutdown; exiting")
	c.quit = true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	}()
}

// infoPersistence is INFO's persistence section with Redis 7.0's field
// names. There is no fork, so the copy-on-write fields stay 0.
func (s *Server) infoPersistence(b []byte) []byte {
	p := &s.persist
	now := s.now()
	running := p.inProgress.Load()
	cur := int64(-1)
	if running {
		cur = (now - p.bgStart.Load()) / 1000
	}
	status := "ok"
	if !p.lastOK.Load() {
		status = "err"
	}
	b = infoInt(b, "loading", 0)
	b = infoInt(b, "async_loading", 0)
	b = infoInt(b, "current_cow_peak", 0)
	b = infoInt(b, "current_cow_size", 0)
	b = infoInt(b, "current_cow_size_age", 0)
	b = infoLine(b, "current_fork_perc", "0.00")
	b = infoInt(b, "current_save_keys_processed", 0)
	b = infoInt(b, "current_save_keys_total", 0)
	b = infoInt(b, "rdb_changes_since_last_save", int64(s.store.Changes()-p.base.Load()))
	b = infoInt(b, "rdb_bgsave_in_progress", b2i(running))
	b = infoInt(b, "rdb_last_save_time", p.lastSave.Load())
	b = infoLine(b, "rdb_last_bgsave_status", status)
	b = infoInt(b, "rdb_last_bgsave_time_sec", p.lastBgTime.Load())
	b = infoInt(b, "rdb_current_bgsave_time_sec", cur)
	b = infoInt(b, "rdb_saves", p.saves.Load())
	b = infoInt(b, "rdb_last_cow_size", 0)
	b = infoInt(b, "rdb_last_load_keys_expired", p.loadExpired.Load())
	b = infoInt(b, "rdb_last_load_keys_loaded", p.loadLoaded.Load())
	b = s.infoAOF(b)
	b = infoInt(b, "module_fork_in_progress", 0)
	b = infoInt(b, "module_fork_last_cow_size", 0)
	return s.infoAOFSizes(b)
}
