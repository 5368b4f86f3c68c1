package server

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miniredis/miniredis/aof"
	"github.com/miniredis/miniredis/codec"
	"github.com/miniredis/miniredis/persist"
	"github.com/miniredis/miniredis/shard"
)

// The append-only file (appendonly yes): every write command is logged, in
// the order the writes happened, to the incremental file of a Redis 7
// multi-part directory (package aof), and replayed at start.
//
// Order. Writes to different shards run in parallel here, where Redis runs
// one at a time, so two clients' writes to one key could reach the log in
// the other order than they reached the key. While the log is on, every
// write command therefore runs under aofState.mu, taken before any shard
// (lock order: aofState.mu, then the script lock, then shards), and is
// logged before the lock is let go: the log's order is the order of the
// writes. Reads never take it; with the log off, writes take only their
// client's gate (see gateEnter), and the expiry cycle and eviction take
// the lock uncontended.
//
// Keys that expire or are evicted are logged as DEL (UNLINK under
// lazyfree-lazy-expire/eviction yes), as Redis 7.0 propagates them, so
// that a replay never brings back a key the server had removed: every
// such deletion runs under the lock too (inside a write command, the
// expiry cycle, or eviction before a command), so its DEL falls among
// the writes in keyspace order.
//
// What is logged. A write command's own arguments, except where replaying
// them would not give the same result: a command with a relative deadline
// (EXPIRE, SET EX, GETEX, Mini-Redis's default TTL...) is followed by the
// key's absolute deadline (PEXPIREAT, or PERSIST), commands that choose
// at random or wait (SPOP, the blocking pops) log what they did (their
// effects: SREM, LPOP...), and the writes of a transaction or a script are
// logged as their commands in one MULTI/EXEC block, as Redis 7 does.
//
// Durability. Logged commands are written, and with appendfsync always
// fsynced, before the replies of the batch that ran them are sent, so an
// acknowledged write survives a crash; everysec fsyncs from a background
// task once a second.
type aofState struct {
	mu     sync.Mutex // serializes write commands while the log is on (see above)
	confMu sync.Mutex // serializes CONFIG SET appendonly/appendfsync
	// on says the log is on: write commands take mu. It is a hint read
	// without mu; under mu, log says it.
	on atomic.Bool
	// log is the incremental file being appended to, nil while the log is
	// off. Changed only under mu; read without it by the observer (the
	// DEL of an expired or evicted key), flushes and INFO.
	log atomic.Pointer[aof.Log]
	// want is appendonly as configured: on, or turning on (a rewrite
	// must write the first base before the log is complete).
	want atomic.Bool

	// Under mu: the directory's manifest as on disk (nil when there is
	// none), the incremental file log appends to, the highest incremental
	// sequence used, and the incremental files opened since a rewrite
	// that turned the log on began, which no manifest names yet
	// (enabling).
	dir, prefix string
	man         *aof.Manifest
	incr        aof.FileInfo
	incrSeq     int64
	pending     []string
	enabling    bool
	rw          *aofRewrite // the rewrite in progress, nil when none

	rewriteStats
}

// aofDir is the directory of the append-only files.
func (s *Server) aofDir() string {
	return filepath.Join(s.cfg.Dir, s.cfg.AppendDirName)
}

// openAOF loads the append-only directory, or starts one, before the
// server serves; with appendonly off it does nothing.
func (s *Server) openAOF() error {
	a := &s.aof
	a.dir, a.prefix = s.aofDir(), s.cfg.AppendFilename
	if !s.cfg.AppendOnly {
		return nil
	}
	dir, prefix := a.dir, a.prefix
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("server: appendonly: %w", err)
	}
	m, err := aof.ReadManifest(dir, prefix)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		m, err = s.startAOF(dir, prefix)
	case err == nil:
		err = s.loadAOF(dir, prefix)
		if err == nil && len(m.Incr) == 0 {
			// A base alone (BGREWRITEAOF while the log was off): the
			// writes from now on need an incremental file, as Redis
			// adds one at start.
			m.Incr = []aof.FileInfo{{Name: aof.IncrName(prefix, 1), Seq: 1, Type: aof.TypeIncr}}
			err = errors.Join(createEmpty(filepath.Join(dir, m.Incr[0].Name)), aof.WriteManifest(dir, prefix, m))
		}
	}
	if err != nil {
		return fmt.Errorf("server: appendonly: %w", err)
	}
	last := m.Incr[len(m.Incr)-1]
	l, err := aof.OpenLog(filepath.Join(dir, last.Name), s.cfg.AppendFsync)
	if err != nil {
		return fmt.Errorf("server: appendonly: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.man, a.incr, a.incrSeq = m, last, last.Seq
	a.setSizes(fileSizes(dir, m.Live(), last.Name))
	a.rwBase.Store(a.currentSize(l))
	a.want.Store(true)
	a.log.Store(l)
	a.on.Store(true)
	return nil
}

// startAOF writes a fresh directory: an RDB base holding the keyspace as
// it is (empty, or what a dump.rdb loaded at start held, as Redis 7 does
// when appendonly is turned on over an RDB file), an empty incremental
// file, and the manifest naming them.
func (s *Server) startAOF(dir, prefix string) (*aof.Manifest, error) {
	m := &aof.Manifest{
		Base: &aof.FileInfo{Name: aof.BaseName(prefix, 1, true), Seq: 1, Type: aof.TypeBase},
		Incr: []aof.FileInfo{{Name: aof.IncrName(prefix, 1), Seq: 1, Type: aof.TypeIncr}},
	}
	job := persist.Begin(s.store, s.now())
	if err := persist.WriteFile(filepath.Join(dir, m.Base.Name), func(w io.Writer) error { return job.WriteTo(w, s.aofHeader()) }); err != nil {
		return nil, err
	}
	if err := createEmpty(filepath.Join(dir, m.Incr[0].Name)); err != nil {
		return nil, err
	}
	return m, aof.WriteManifest(dir, prefix, m)
}

// createEmpty creates an empty file and fsyncs it.
func createEmpty(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// aofHeader is rdbHeader for a base file.
func (s *Server) aofHeader() persist.Header {
	h := s.rdbHeader()
	h.AOFBase = true
	return h
}

// fileSizes returns the size of the base and the sizes of the other files
// of files except skip (the one a Log counts).
func fileSizes(dir string, files []aof.FileInfo, skip string) (base, other int64) {
	for _, f := range files {
		st, err := os.Stat(filepath.Join(dir, f.Name))
		if err != nil || f.Name == skip {
			continue
		}
		if f.Type == aof.TypeBase {
			base = st.Size()
		}
		other += st.Size()
	}
	return base, other
}

// aofExists reports whether the append-only directory has a manifest: then
// it, not dump.rdb, is what start-up loads, as in Redis.
func (s *Server) aofExists() bool {
	_, err := os.Stat(filepath.Join(s.aofDir(), aof.ManifestName(s.cfg.AppendFilename)))
	return err == nil
}

// loadAOF replays the directory into the store.
func (s *Server) loadAOF(dir, prefix string) error {
	start := time.Now()
	r := newAOFReplayer(s)
	defer r.c.w.Release()
	st, err := aof.Load(dir, prefix, r, aof.LoadOptions{
		Truncate: !s.cfg.AOFStrictLoad,
		Logf:     func(f string, a ...any) { s.log.Warn(fmt.Sprintf(f, a...)) },
	})
	if err != nil {
		return err
	}
	s.log.Info("DB loaded from append only file", "files", st.Files, "commands", st.Commands,
		"truncated_bytes", st.Truncated, "seconds", time.Since(start).Seconds())
	return nil
}

// closeAOF flushes and closes the log at shutdown; a rewrite in progress
// is abandoned, as Redis kills its child.
func (s *Server) closeAOF() {
	a := &s.aof
	a.mu.Lock()
	defer a.mu.Unlock()
	a.want.Store(false) // a rewrite scheduled meanwhile must not turn it on again
	s.stopLogLocked()
}

// stopLogLocked turns the log off (under aof.mu): what was logged is
// flushed and fsynced, the file closed.
func (s *Server) stopLogLocked() {
	a := &s.aof
	a.on.Store(false)
	if a.rw != nil {
		a.rw.cancelled = true
	}
	l := a.log.Load()
	if l == nil {
		return
	}
	a.log.Store(nil)
	if err := l.Close(); err != nil {
		s.log.Error("closing the append only file failed", "err", err)
	}
}

// aofTick is aofCron's round, which Serve runs once a second: the parts of
// Redis's serverCron that concern the log, the fsync under appendfsync
// everysec (and the write of DELs that expiry logged while no client
// wrote), a scheduled rewrite, and the automatic one
// (auto-aof-rewrite-percentage).
func (s *Server) aofTick() {
	a := &s.aof
	a.mu.Lock()
	if l := a.log.Load(); l != nil {
		err := l.Flush()
		if err == nil && l.Policy() == aof.FsyncEverySec {
			err = l.Sync()
		}
		if err != nil {
			s.log.Error("fsync of the append only file failed", "err", err)
		}
	}
	a.mu.Unlock()
	s.checkAOFRewrite()
}

// aofReplayer applies loaded commands through a client of its own, with
// the log not yet open, so nothing is logged again.
type aofReplayer struct {
	s *Server
	c *client
}

func newAOFReplayer(s *Server) *aofReplayer {
	return &aofReplayer{s: s, c: &client{
		srv:     s,
		w:       codec.NewWriter(io.Discard),
		authed:  true,
		db:      s.store.DB(0),
		loading: true,
	}}
}

// LoadRDB implements aof.Handler: a base file written as an RDB preamble.
func (r *aofReplayer) LoadRDB(rd io.Reader) error {
	data, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	_, err = persist.Load(data, "the append only base file", r.s.store, r.s.now(), r.s.loadFunction)
	return err
}

// Command implements aof.Handler. A block's MULTI and EXEC need no
// ceremony here: the loader hands over complete blocks only, and nothing
// else runs meanwhile.
func (r *aofReplayer) Command(args [][]byte) error {
	cmd := lookup(args[0])
	if cmd == nil || !cmd.arityOK(len(args)) {
		return fmt.Errorf("unknown command or wrong arity in the append only file: %q", args[0])
	}
	switch cmd.name {
	case "MULTI", "EXEC":
		return nil
	}
	r.c.startBatch()
	r.c.call(cmd, args)
	r.c.w.Reset()
	return nil
}

// callLogged runs a write command: while the log is on under the
// write-order lock, logging it after it ran; while it is off under the
// client's gate (see aofGate). A blocking command that waits lets either go
// meanwhile (see wait).
func (c *client) callLogged(cmd *command, args [][]byte) {
	locked := c.aofLock()
	if locked {
		defer c.aofUnlock()
	}
	if c.aofGated {
		cmd.fn(c, args)
		return
	}
	errs, _ := c.w.Errors()
	cmd.fn(c, args)
	if c.logging() {
		c.aofAfter(cmd, args, errs)
	}
}

// The gate. Turning the log on while serving must not let a write that
// began with the log off land after the instant the first base is taken
// from: it would be in neither the base nor the log. So a write command
// running with the log off sets its client's gate, and then looks at
// aofState.on again; the rewrite that turns the log on sets on, under
// aofState.mu, and waits until no client's gate is set. A write that saw
// the log off has then ended, and every later one takes the lock. The
// cost with the log off is two atomic stores per write command, on the
// client's own cache line.

// gateEnter sets c's gate when the log is off and reports whether it did.
func (c *client) gateEnter() bool {
	on := &c.srv.aof.on
	if on.Load() {
		return false
	}
	c.aofGate.Store(true)
	if on.Load() {
		c.aofGate.Store(false)
		return false
	}
	c.aofGated = true
	return true
}

// aofLock takes the write-order lock for a write command when the log is
// on, or c's gate when it is off, unless the client holds one already
// (inside EXEC or a script, the transaction holds it for all its
// commands), and reports whether it took one.
func (c *client) aofLock() bool {
	if c.aofHeld || c.aofGated {
		return false
	}
	if c.gateEnter() {
		return true
	}
	c.srv.aof.mu.Lock()
	c.aofHeld = true
	return true
}

// aofUnlock lets go of what aofLock took, if c still holds it.
func (c *client) aofUnlock() {
	switch {
	case c.aofGated:
		c.aofGated = false
		c.aofGate.Store(false)
	case c.aofHeld:
		c.aofHeld = false
		c.srv.aof.mu.Unlock()
	}
}

// logging reports whether c's writes are being logged: it holds the
// write-order lock and the log is on.
func (c *client) logging() bool {
	return c.aofHeld && !c.loading && c.srv.aof.log.Load() != nil
}

// aofRecord logs one command of c's (or queues it inside a block).
func (c *client) aofRecord(args [][]byte) {
	if c.aofBlock != nil {
		cp := make([][]byte, len(args))
		for i, a := range args {
			cp[i] = append([]byte(nil), a...)
		}
		*c.aofBlock = append(*c.aofBlock, aofCmd{db: c.db.Index(), args: cp})
		return
	}
	c.srv.aof.log.Load().Append(c.db.Index(), args)
}

// aofCmd is a command waiting in a MULTI/EXEC block.
type aofCmd struct {
	db   int
	args [][]byte
}

// aofBeginBlock starts collecting the writes of a transaction or script,
// which aofEndBlock logs as one MULTI/EXEC block if there were any.
func (c *client) aofBeginBlock() *[]aofCmd {
	b := new([]aofCmd)
	c.aofBlock = b
	return b
}

func (s *Server) aofEndBlock(b *[]aofCmd) {
	if len(*b) == 0 {
		return
	}
	l := s.aof.log.Load()
	db := (*b)[0].db
	l.AppendStrings(db, "MULTI")
	for _, cmd := range *b {
		l.Append(cmd.db, cmd.args)
	}
	l.AppendStrings((*b)[len(*b)-1].db, "EXEC")
}

// effect records what a command that may not be replayed as it was sent
// (a random or blocking one) did instead; with the log off it costs one
// nil check.
func (c *client) effect(args ...[]byte) {
	if !c.logging() {
		return
	}
	c.effects = true
	c.aofRecord(args)
}

// aofAfter logs a write command that has run (under aofLock): its effects
// if it recorded any, else its arguments, followed by the key's absolute
// deadline when the command set a relative one.
func (c *client) aofAfter(cmd *command, args [][]byte, errsBefore int64) {
	if c.effects {
		c.effects = false
		return
	}
	if errs, _ := c.w.Errors(); cmd.flags&(flagEffects|flagScript) != 0 || errs != errsBefore {
		return
	}
	c.aofRecord(args)
	if key, ok := relativeDeadlineKey(c, cmd, args); ok {
		exp, exists := int64(0), false
		c.db.View(key, c.now(), func(v shard.Value) {
			exists = v.Kind() != shard.KindNone
			exp = v.ExpireAt()
		})
		switch {
		case !exists:
		case exp > 0:
			c.aofRecord([][]byte{[]byte("PEXPIREAT"), key, strconv.AppendInt(nil, exp, 10)})
		default:
			c.aofRecord([][]byte{[]byte("PERSIST"), key})
		}
	}
}

// relativeDeadlineKey reports the key of a command whose replay would
// compute a deadline from the time of the replay, not of the command.
func relativeDeadlineKey(c *client, cmd *command, args [][]byte) ([]byte, bool) {
	switch cmd.name {
	case "EXPIRE", "PEXPIRE", "SETEX", "PSETEX", "GETEX", "RESTORE", "UPDATE":
		return args[1], true
	case "SET":
		return args[1], c.mini() || len(args) > 3
	}
	return nil, false
}

// aofFlush writes (and under appendfsync always fsyncs) the logged
// commands before a batch's replies go out; false when that failed, and
// then the replies must not be sent.
func (c *client) aofFlush() bool {
	l := c.srv.aof.log.Load()
	if l == nil {
		return true
	}
	if err := l.Flush(); err != nil {
		c.srv.log.Error("writing the append only file failed; closing the client unanswered", "err", err)
		return false
	}
	return true
}
