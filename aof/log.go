package aof

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// Fsync is the appendfsync policy.
type Fsync uint8

const (
	// FsyncEverySec fsyncs once a second from a background task: a crash
	// loses about a second of writes. Redis's default.
	FsyncEverySec Fsync = iota
	// FsyncAlways fsyncs before the replies of the logged commands are
	// sent: a crash loses no acknowledged write.
	FsyncAlways
	// FsyncNo leaves flushing to the operating system.
	FsyncNo
)

// ParseFsync parses appendfsync's values.
func ParseFsync(s string) (Fsync, error) {
	switch s {
	case "always":
		return FsyncAlways, nil
	case "everysec":
		return FsyncEverySec, nil
	case "no":
		return FsyncNo, nil
	}
	return 0, fmt.Errorf("invalid appendfsync %q (want always, everysec or no)", s)
}

func (f Fsync) String() string {
	switch f {
	case FsyncAlways:
		return "always"
	case FsyncNo:
		return "no"
	}
	return "everysec"
}

// Log appends commands to one incremental file. Commands are encoded into a
// buffer as they run and written by Flush, which the server calls before it
// sends the replies of a batch, so that with FsyncAlways a reply is never
// sent before its command is on disk. All methods are safe for concurrent
// use; mu guards every field and is never held across anything but the
// file's own write and fsync.
type Log struct {
	mu     sync.Mutex
	f      *os.File
	path   string
	policy Fsync
	buf    []byte // encoded, not yet written
	db     int    // the database the file's last SELECT chose; -1 before any
	size   int64  // bytes written to the file
	dirty  bool   // written since the last fsync
	err    error  // the first write or fsync error; sticky
}

// OpenLog opens (creating it if needed) the incremental file at path for
// appending.
func OpenLog(path string, policy Fsync) (*Log, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Log{f: f, path: path, policy: policy, db: -1, size: st.Size()}, nil
}

// Append encodes one command run against database db, preceded by a
// SELECT when the file's last command chose another database.
func (l *Log) Append(db int, args [][]byte) {
	l.mu.Lock()
	l.buf = l.appendSelect(l.buf, db)
	l.buf = AppendCommand(l.buf, args)
	l.mu.Unlock()
}

// AppendKey appends a command of one key, such as the DEL of a key that
// expired or was evicted; key is copied.
func (l *Log) AppendKey(db int, name string, key []byte) {
	l.mu.Lock()
	l.buf = l.appendSelect(l.buf, db)
	l.buf = appendArrayLen(l.buf, 2)
	l.buf = appendBulkString(l.buf, name)
	l.buf = append(l.buf, '$')
	l.buf = strconv.AppendInt(l.buf, int64(len(key)), 10)
	l.buf = append(l.buf, '\r', '\n')
	l.buf = append(l.buf, key...)
	l.buf = append(l.buf, '\r', '\n')
	l.mu.Unlock()
}

// AppendStrings is Append for commands the server makes up (PEXPIREAT for
// EXPIRE, SET for INCRBYFLOAT).
func (l *Log) AppendStrings(db int, args ...string) {
	l.mu.Lock()
	l.buf = l.appendSelect(l.buf, db)
	l.buf = appendArrayLen(l.buf, len(args))
	for _, a := range args {
		l.buf = appendBulkString(l.buf, a)
	}
	l.mu.Unlock()
}

func (l *Log) appendSelect(b []byte, db int) []byte {
	if db == l.db {
		return b
	}
	l.db = db
	b = appendArrayLen(b, 2)
	b = appendBulkString(b, "SELECT")
	return appendBulkString(b, strconv.Itoa(db))
}

// Flush writes what Append buffered, and fsyncs it under FsyncAlways. A
// failed write is kept and returned from then on: the server stops
// acknowledging writes it cannot log, as Redis does.
func (l *Log) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	if len(l.buf) == 0 {
		return nil
	}
	n, err := l.f.Write(l.buf)
	l.size += int64(n)
	if err != nil {
		l.err = fmt.Errorf("aof: write %s: %w", l.path, err)
		return l.err
	}
	l.dirty = true
	if cap(l.buf) > 1<<20 {
		l.buf = nil
	} else {
		l.buf = l.buf[:0]
	}
	if l.policy == FsyncAlways {
		return l.syncLocked()
	}
	return nil
}

// Sync fsyncs what has been written; the server's everysec task calls it.
func (l *Log) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.syncLocked()
}

func (l *Log) syncLocked() error {
	if l.err != nil || !l.dirty {
		return l.err
	}
	if err := l.f.Sync(); err != nil {
		l.err = fmt.Errorf("aof: fsync %s: %w", l.path, err)
		return l.err
	}
	l.dirty = false
	return nil
}

// Pending reports whether Append has buffered bytes that Flush has not
// written.
func (l *Log) Pending() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buf) > 0
}

// Size is the number of bytes in the file.
func (l *Log) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.size
}

// Err is the sticky write or fsync error, nil while all is well.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Policy is the log's appendfsync policy.
func (l *Log) Policy() Fsync {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.policy
}

// SetPolicy changes the appendfsync policy (CONFIG SET appendfsync). A
// change to always fsyncs what was written before it at once, so that
// every write acknowledged from then on is on disk with all before it.
func (l *Log) SetPolicy(p Fsync) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.policy = p
	if p == FsyncAlways {
		return l.syncLocked()
	}
	return nil
}

// Name is the base name of the log's file.
func (l *Log) Name() string { return filepath.Base(l.path) }

// Close flushes, fsyncs and closes the file.
func (l *Log) Close() error {
	err := l.Flush()
	if serr := l.Sync(); err == nil {
		err = serr
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// AppendCommand appends args as a RESP array of bulk strings, the form of
// every command in an append-only file.
func AppendCommand(b []byte, args [][]byte) []byte {
	b = appendArrayLen(b, len(args))
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

func appendArrayLen(b []byte, n int) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

func appendBulkString(b []byte, s string) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, '\r', '\n')
	b = append(b, s...)
	return append(b, '\r', '\n')
}
