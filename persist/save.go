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

// chunk is the encoded records of one database of one shard.
type chunk struct {
	db   int
	recs []byte
}

// Job is one point-in-time snapshot of a Store being written. Begin fixes
// its instant; WriteTo writes it out while writers carry on. A key a writer
// is about to change is encoded by that writer first (under its shard's
// lock) and held until WriteTo reaches its shard; a FLUSHDB or SWAPDB
// encodes what is left of its shards the same way; WriteTo encodes the
// rest itself, a shard at a time. The memory a job holds is therefore the
// encoded keys written to since it began, in shards not yet written out.
type Job struct {
	st      *shard.Store
	sn      *shard.Snapshot
	started time.Time

	mu     sync.Mutex // guards held (writers of different shards fill it at once)
	held   map[int][]chunk
	heldSz int64

	// Counters for INFO and the benchmarks.
	keys     atomic.Int64 // records encoded so far
	copied   atomic.Int64 // shards encoded by writers
	peakHeld atomic.Int64 // most bytes held at once
	skipped  atomic.Int64 // values of types the RDB writer does not know
	encoders sync.Pool
}

// Begin starts a snapshot of st as of now (unix ms; keys expired by then
// are left out). End it with WriteTo or Abort.
func Begin(st *shard.Store, now int64) *Job {
	j := &Job{st: st, started: time.Now(), held: map[int][]chunk{}}
	j.encoders.New = func() any { return new(rdb.Encoder) }
	j.sn = st.BeginSnapshot(now, j.copyShard, j.copyKey)
	return j
}

// copyKey encodes one key a writer is about to change; it runs under the
// key's shard's write lock.
func (j *Job) copyKey(i, db int, key []byte, val shard.Value) {
	if !rdb.Supports(val.Kind()) {
		j.skipped.Add(1)
		return
	}
	enc := j.encoders.Get().(*rdb.Encoder)
	rec := enc.AppendEntry(nil, key, val)
	j.encoders.Put(enc)
	j.keys.Add(1)
	j.copied.Add(1)
	j.mu.Lock()
	defer j.mu.Unlock()
	j.held[i] = append(j.held[i], chunk{db: db, recs: rec})
	j.heldSz += int64(len(rec))
	if j.heldSz > j.peakHeld.Load() {
		j.peakHeld.Store(j.heldSz)
	}
}

// copyShard encodes shard i's contents; it runs under the shard's lock,
// from WriteTo's Visit or from the first writer of the shard.
func (j *Job) copyShard(i int, v shard.ShardView) {
	enc := j.encoders.Get().(*rdb.Encoder)
	defer j.encoders.Put(enc)
	var chunks []chunk
	var size int64
	for db := range j.st.DBs() {
		if n, _ := v.Size(db); n == 0 {
			continue
		}
		var recs []byte
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
	j.heldSz += size
	if j.heldSz > j.peakHeld.Load() {
		j.peakHeld.Store(j.heldSz)
	}
	j.mu.Unlock()
}

// take removes and returns the chunks of shard i.
func (j *Job) take(i int) []chunk {
	j.mu.Lock()
	defer j.mu.Unlock()
	c := j.held[i]
	delete(j.held, i)
	for _, ch := range c {
		j.heldSz -= int64(len(ch.recs))
	}
	return c
}

// Stats describe a job so far.
type Stats struct {
	Keys            int64 // records written or encoded
	CopiedByWriters int64 // shards a writer had to encode before changing them
	PeakHeld        int64 // most encoded bytes held in memory at once for writers' copies
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
		for _, ch := range j.take(i) {
			rw.Raw(ch.db, ch.recs)
		}
	}
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
