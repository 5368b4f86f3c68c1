package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
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
// writes. Reads never take it, and with the log off nothing does.
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
	mu     sync.Mutex // serializes write commands (see above)
	log    *aof.Log
	dir    string
	prefix string
}

// aofDir is the directory of the append-only files.
func (s *Server) aofDir() string {
	return filepath.Join(s.cfg.Dir, s.cfg.AppendDirName)
}

// openAOF loads the append-only directory, or starts one, before the
// server serves; with appendonly off it does nothing.
func (s *Server) openAOF() error {
	if !s.cfg.AppendOnly {
		return nil
	}
	dir, prefix := s.aofDir(), s.cfg.AppendFilename
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("server: appendonly: %w", err)
	}
	m, err := aof.ReadManifest(dir, prefix)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		m, err = s.startAOF(dir, prefix)
	case err == nil:
		err = s.loadAOF(dir, prefix)
	}
	if err != nil {
		return fmt.Errorf("server: appendonly: %w", err)
	}
	last := m.Incr[len(m.Incr)-1]
	l, err := aof.OpenLog(filepath.Join(dir, last.Name), s.cfg.AppendFsync)
	if err != nil {
		return fmt.Errorf("server: appendonly: %w", err)
	}
	s.aof = &aofState{log: l, dir: dir, prefix: prefix}
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
	if err := persist.WriteFile(filepath.Join(dir, m.Base.Name), func(w io.Writer) error { return job.WriteTo(w, s.rdbHeader()) }); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, m.Incr[0].Name), os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return nil, err
	}
	return m, aof.WriteManifest(dir, prefix, m)
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

// closeAOF flushes and closes the log at shutdown.
func (s *Server) closeAOF() {
	if s.aof == nil {
		return
	}
	s.aof.mu.Lock()
	defer s.aof.mu.Unlock()
	if err := s.aof.log.Close(); err != nil {
		s.log.Error("closing the append only file failed", "err", err)
	}
}

// aofCron fsyncs the log once a second under appendfsync everysec.
func (s *Server) aofCron(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.aof.log.Sync(); err != nil {
				s.log.Error("fsync of the append only file failed", "err", err)
			}
		}
	}
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

// callLogged runs a write command while the log is on: under the
// write-order lock, logging it after it ran. A blocking command that waits
// lets the lock go meanwhile (see wait).
func (c *client) callLogged(cmd *command, args [][]byte) {
	locked := c.aofLock()
	defer func() {
		if locked && c.aofHeld {
			c.aofUnlock()
		}
	}()
	errs, _ := c.w.Errors()
	cmd.fn(c, args)
	if c.aofHeld {
		c.aofAfter(cmd, args, errs)
	}
}

// aofLock takes the write-order lock for a write command when the log is
// on and the client does not hold it already (inside EXEC or a script, the
// transaction holds it for all its commands).
func (c *client) aofLock() bool {
	a := c.srv.aof
	if a == nil || c.aofHeld {
		return false
	}
	a.mu.Lock()
	c.aofHeld = true
	return true
}

// aofUnlock lets the write-order lock go.
func (c *client) aofUnlock() {
	c.aofHeld = false
	c.srv.aof.mu.Unlock()
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
	c.srv.aof.log.Append(c.db.Index(), args)
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
	l := s.aof.log
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
	if c.srv.aof == nil || c.loading {
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
	a := c.srv.aof
	if a == nil {
		return true
	}
	if err := a.log.Flush(); err != nil {
		c.srv.log.Error("writing the append only file failed; closing the client unanswered", "err", err)
		return false
	}
	return true
}
