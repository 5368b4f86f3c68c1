package persist

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miniredis/miniredis/rdb"
	"github.com/miniredis/miniredis/shard"

	"github.com/miniredis/miniredis/internal/atomicfile"
)

// RedisVersion is the redis-ver aux field written into files: the Redis
// release whose format and behaviour miniredis follows.
const RedisVersion = "7.0.15"

// chunk is encoded records of one database.
type chunk struct {
	db   int
	recs []byte
}

// Job is one point-in-time snapshot of a Store being written. Begin fixes
// its instant; WriteTo writes it out while writers carry on. A key a writer
// is about to change is encoded by that writer first (under its shard's
// lock) and queued; a FLUSHDB or SWAPDB encodes what is left of its shards
// the same way, held by shard; WriteTo encodes the rest itself, a shard at
// a time, and after each shard writes out the queue of writers' copies
// too: an RDB file may switch databases between any two records, so a
// copy need not wait for its shard's turn. The memory a job holds is
// therefore the writers' copies made while one shard is written (and the
// whole-shard copies of flushes in shards not yet reached), in buffers it
// reuses, so that a BGSAVE under heavy writes makes little garbage.
type Job struct {
	st      *shard.Store
	sn      *shard.Snapshot
	started time.Time

	mu     sync.Mutex // guards what follows (writers of different shards fill it at once)
	held   map[int][]chunk
	queue  []chunk  // writers' copies of single keys, in arrival order
	spare  []chunk  // the queue's previous backing array, reused
	free   [][]byte // emptied record buffers, reused
	heldSz int64

	// Counters for INFO and the benchmarks.
	keys     atomic.Int64 // records encoded so far
	copied   atomic.Int64 // keys and shards encoded by writers
	peakHeld atomic.Int64 // most bytes held at once
	skipped  atomic.Int64 // values of types the RDB writer does not know
	encoders sync.Pool    // of *encoder
}

// encoder is an rdb.Encoder with a buffer for one key's record.
type encoder struct {
	rdb.Encoder
	rec []byte
}

// maxFree bounds the reused buffers a job keeps.
const maxFree = 16

// Begin starts a snapshot of st as of now (unix ms; keys expired by then
// are left out). End it with WriteTo or Abort.
func Begin(st *shard.Store, now int64) *Job { return BeginWith(st, now, Options{}) }

// Options change how a Job encodes.
type Options struct {
	// NoCompress stores strings without LZF (rdbcompression no).
	NoCompress bool
}

// BeginWith is Begin with options.
func BeginWith(st *shard.Store, now int64, opt Options) *Job {
	j := &Job{st: st, started: time.Now(), held: map[int][]chunk{}}
	j.encoders.New = func() any { return &encoder{Encoder: rdb.Encoder{NoCompress: opt.NoCompress}} }
	j.sn = st.BeginSnapshot(now, j.copyShard, j.copyKey)
	return j
}

// buffer returns an empty reused record buffer, or nil; j.mu is held.
func (j *Job) buffer() []byte {
	if n := len(j.free); n > 0 {
		b := j.free[n-1]
		j.free = j.free[:n-1]
		return b
	}
	return nil
}

// recycle keeps the record buffers of chunks for reuse; j.mu is held.
func (j *Job) recycle(chunks []chunk) {
	for i := range chunks {
		if len(j.free) < maxFree && chunks[i].recs != nil {
			j.free = append(j.free, chunks[i].recs[:0])
		}
		chunks[i].recs = nil
	}
}

// grew records that the held bytes grew by n; j.mu is held.
func (j *Job) grew(n int64) {
	j.heldSz += n
	if j.heldSz > j.peakHeld.Load() {
		j.peakHeld.Store(j.heldSz)
	}
}

// copyKey encodes one key a writer is about to change and queues it; it
// runs under the key's shard's write lock.
func (j *Job) copyKey(i, db int, key []byte, val shard.Value) {
	if !rdb.Supports(val.Kind()) {
		j.skipped.Add(1)
		return
	}
	enc := j.encoders.Get().(*encoder)
	enc.rec = enc.AppendEntry(enc.rec[:0], key, val)
	j.keys.Add(1)
	j.copied.Add(1)
	j.mu.Lock()
	if n := len(j.queue); n > 0 && j.queue[n-1].db == db {
		j.queue[n-1].recs = append(j.queue[n-1].recs, enc.rec...)
	} else {
		j.queue = append(j.queue, chunk{db: db, recs: append(j.buffer(), enc.rec...)})
	}
	j.grew(int64(len(enc.rec)))
	j.mu.Unlock()
	j.encoders.Put(enc)
}

// copyShard encodes shard i's contents; it runs under the shard's lock,
// from WriteTo's Visit or from the first writer of the shard.
func (j *Job) copyShard(i int, v shard.ShardView) {
	enc := j.encoders.Get().(*encoder)
	defer j.encoders.Put(enc)
	var chunks []chunk
	var size int64
	for db := range j.st.DBs() {
		if n, _ := v.Size(db); n == 0 {
			continue
		}
		j.mu.Lock()
		recs := j.buffer()
		j.mu.Unlock()
		n := int64(0)
		v.Each(db, func(key []byte, val shard.Value) {
			if !rdb.Supports(val.Kind()) {
				j.skipped.Add(1)
				return
			}
			recs = enc.AppendEntry(recs, key, val)
			n++
		})
		j.keys.Add(n)
		if len(recs) > 0 {
			chunks = append(chunks, chunk{db: db, recs: recs})
			size += int64(len(recs))
		}
	}
	j.mu.Lock()
	j.held[i] = append(j.held[i], chunks...)
	j.grew(size)
	j.mu.Unlock()
}

// write writes chunks out, then recycles their buffers.
func (j *Job) write(rw *rdb.Writer, chunks []chunk) {
	var n int64
	for _, ch := range chunks {
		rw.Raw(ch.db, ch.recs)
		n += int64(len(ch.recs))
	}
	j.mu.Lock()
	j.heldSz -= n
	j.recycle(chunks)
	j.mu.Unlock()
}

// take removes and returns the chunks of shard i.
func (j *Job) take(i int) []chunk {
	j.mu.Lock()
	defer j.mu.Unlock()
	c := j.held[i]
	delete(j.held, i)
	return c
}

// drain writes out the writers' queued copies.
func (j *Job) drain(rw *rdb.Writer) {
	j.mu.Lock()
	q := j.queue
	j.queue = j.spare[:0]
	j.mu.Unlock()
	if len(q) == 0 {
		j.spare = q
		return
	}
	j.write(rw, q)
	j.mu.Lock()
	j.spare = q[:0]
	j.mu.Unlock()
}

// Stats describe a job so far.
type Stats struct {
	Keys            int64 // records written or encoded
	CopiedByWriters int64 // keys a writer had to encode before changing them
	PeakHeld        int64 // most encoded bytes held in memory at once for writers' and flushes' copies
	Skipped         int64 // values of types RDB cannot hold here, left out
}

// Stats returns the job's counters; safe to call while it runs.
func (j *Job) Stats() Stats {
	return Stats{Keys: j.keys.Load(), CopiedByWriters: j.copied.Load(), PeakHeld: j.peakHeld.Load(), Skipped: j.skipped.Load()}
}

// Header is what a file says besides its keys.
type Header struct {
	UsedMem   int64  // used-mem aux field
	Functions []byte // function library records (FUNCTION DUMP's payload without its footer)
	AOFBase   bool   // the file is the base of an append-only directory (aof-base aux field 1)
}

// WriteTo writes the snapshot as an RDB file to w, visiting the shards in
// order, and ends the job. w should be buffered by the caller only if it
// is slow to take 64 KiB writes.
func (j *Job) WriteTo(w io.Writer, h Header) error {
	defer j.sn.End()
	rw := rdb.NewWriter(w,
		"redis-ver", RedisVersion,
		"redis-bits", strconv.Itoa(strconv.IntSize),
		"ctime", strconv.FormatInt(j.started.Unix(), 10),
		"used-mem", strconv.FormatInt(h.UsedMem, 10),
		"aof-base", aofBase(h.AOFBase))
	rw.RawRecords(h.Functions) // functions precede the databases, as Redis writes them
	for i := range j.st.Shards() {
		j.sn.Visit(i)
		j.write(rw, j.take(i))
		j.drain(rw)
	}
	// Writers' copies queued after the last drain; none come once every
	// shard is visited, since a visited shard owes the snapshot nothing.
	j.drain(rw)
	return rw.Close()
}

func aofBase(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// Abort ends a job that will not be written.
func (j *Job) Abort() { j.sn.End() }

// WriteFile writes a file atomically: into a temporary file in the same
// directory, synced, then renamed over path, and the directory synced, so
// that path holds either the old complete file or the new one.
func WriteFile(path string, write func(w io.Writer) error) error {
	if err := atomicfile.Write(path, 0o644, write); err != nil {
		return fmt.Errorf("persist: %w", err)
	}
	return nil
}
