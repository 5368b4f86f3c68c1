package server

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miniredis/miniredis/aof"
	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// aofFiles lists the files of dir's append-only directory, the manifest
// left out, sorted.
func aofFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, "appendonlydir"))
	require.NoError(t, err)
	var out []string
	for _, e := range ents {
		if n := e.Name(); !strings.HasSuffix(n, ".manifest") {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// manifestOf reads dir's manifest as text.
func manifestOf(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
	require.NoError(t, err)
	return string(b)
}

// holdBackground makes BGSAVEs and rewrites of s wait, once started, until
// the returned release is called (or the test ends).
func holdBackground(t *testing.T, s *Server) (release func()) {
	hold := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(hold) }) }
	t.Cleanup(release)
	hook := func() { <-hold }
	s.bgHook.Store(&hook)
	return release
}

// persistField returns one field of INFO persistence.
func persistField(t *testing.T, do func(args ...string) redistest.Reply, name string) string {
	t.Helper()
	v := infoField(do("INFO", "persistence").Str, name)
	require.NotEmpty(t, v, "INFO persistence has no %s", name)
	return v
}

// A rewrite while clients write: every acknowledged write is there after a
// restart, the files shrink back to one base and one incremental file, and
// redis-server 7.0 starts from the rewritten directory with the same keys.
func TestBGRewriteAOFWhileClientsWrite(t *testing.T) {
	dir := t.TempDir()
	cfg := aofConfig(dir, newFakeClock())
	s, stop := runUntilStopped(t, cfg)
	release := holdBackground(t, s)
	do := mustDo(t, redistest.Dial(t, s.Addr().String()))
	keys := fillPersist(t, do)

	const writers, perWriter = 4, 200
	conns := make([]*redistest.Conn, writers)
	for i := range conns {
		conns[i] = redistest.Dial(t, s.Addr().String())
	}
	acked := make([]int64, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	started := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctr := "ctr:" + strconv.Itoa(w)
			for j := range perWriter {
				if j == perWriter/4 {
					started <- struct{}{}
				}
				r, err := conns[w].Do("INCR", ctr)
				if err != nil || r.Kind != redistest.Integer {
					errs[w] = err
					return
				}
				acked[w] = r.Int
				if _, err := conns[w].Do("SET", "w:"+strconv.Itoa(w)+":"+strconv.Itoa(j%50), strconv.Itoa(j)); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	for range writers {
		<-started
	}
	assert.Equal(t, msgRewriteStarted, do("BGREWRITEAOF").Str)
	r, err := redistest.Dial(t, s.Addr().String()).Do("BGREWRITEAOF")
	require.NoError(t, err)
	assert.Equal(t, msgRewriteRunning, r.Str)
	assert.Equal(t, "1", persistField(t, do, "aof_rewrite_in_progress"))
	// During the rewrite the manifest names the old files and the new
	// incremental one, so a crash now loads everything.
	assert.Equal(t, "file appendonly.aof.1.base.rdb seq 1 type b\n"+
		"file appendonly.aof.1.incr.aof seq 1 type i\n"+
		"file appendonly.aof.2.incr.aof seq 2 type i\n", manifestOf(t, dir))
	assert.Equal(t, []string{"appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.2.incr.aof"}, aofFiles(t, dir))
	release()
	s.WaitRewrite()
	assert.Equal(t, "file appendonly.aof.2.base.rdb seq 2 type b\n"+
		"file appendonly.aof.2.incr.aof seq 2 type i\n", manifestOf(t, dir))
	assert.Equal(t, []string{"appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof"}, aofFiles(t, dir))

	// A second one, not held, while the writers go on.
	assert.Equal(t, msgRewriteStarted, do("BGREWRITEAOF").Str)
	s.WaitRewrite()
	wg.Wait()
	for w := range writers {
		require.NoError(t, errs[w], "writer %d", w)
		assert.Equal(t, int64(perWriter), acked[w], "writer %d", w)
	}
	assert.Equal(t, []string{"appendonly.aof.3.base.rdb", "appendonly.aof.3.incr.aof"}, aofFiles(t, dir))
	assert.Equal(t, "2", persistField(t, do, "aof_rewrites"))
	assert.Equal(t, "ok", persistField(t, do, "aof_last_bgrewrite_status"))
	assert.Equal(t, "0", persistField(t, do, "aof_rewrite_in_progress"))
	base, err := os.Stat(filepath.Join(dir, "appendonlydir", "appendonly.aof.3.base.rdb"))
	require.NoError(t, err)
	assert.Equal(t, strconv.FormatInt(base.Size(), 10), persistField(t, do, "aof_base_size"))
	stop()
	if bin, err := exec.LookPath("redis-check-aof"); err == nil {
		out, err := exec.Command(bin, filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")).CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), "All AOF files and manifest are valid")
	}

	s2, _ := runUntilStopped(t, cfg)
	do2 := mustDo(t, redistest.Dial(t, s2.Addr().String()))
	for w := range writers {
		assert.Equal(t, strconv.Itoa(perWriter), do2("GET", "ctr:"+strconv.Itoa(w)).Str)
		assert.Equal(t, strconv.Itoa(perWriter-50+49), do2("GET", "w:"+strconv.Itoa(w)+":49").Str)
	}

	addr := redistest.StartRedis(t, "--appendonly", "yes", "--dir", dir)
	p := redistest.NewPair(t, s2.Addr().String(), addr)
	comparePersist(t, p, keys)
	// And by DUMP: each of redis-server's values, restored here beside
	// ours, reads back the same.
	for _, k := range append(keys, "ctr:0", "w:1:7") {
		dump, err := p.Redis.Do("DUMP", k)
		require.NoError(t, err)
		require.Equal(t, redistest.Bulk, dump.Kind, k)
		do2("RESTORE", "from-redis", "0", dump.Str, "REPLACE")
		typ := do2("TYPE", k).Str
		read, unordered := readBack(typ, k)
		ours := do2(read...).Canonical(unordered)
		read[1] = "from-redis"
		assert.Equal(t, ours.String(), do2(read...).Canonical(unordered).String(), k)
	}
	for w := range writers {
		p.Compare(false, "GET", "ctr:"+strconv.Itoa(w))
		p.Compare(false, "GET", "w:"+strconv.Itoa(w)+":7")
	}
}

// A BGREWRITEAOF while a BGSAVE runs is scheduled and starts when the save
// ended; a BGSAVE while a rewrite runs is refused, or scheduled with
// SCHEDULE: Redis's replies for its one child process.
func TestBGRewriteAOFScheduledBehindBgsave(t *testing.T) {
	dir := t.TempDir()
	s, _ := runUntilStopped(t, aofConfig(dir, newFakeClock()))
	release := holdBackground(t, s)
	do := mustDo(t, redistest.Dial(t, s.Addr().String()))
	do("SET", "k", "v")

	assert.Equal(t, "Background saving started", do("BGSAVE").Str)
	assert.Equal(t, msgRewriteScheduled, do("BGREWRITEAOF").Str)
	assert.Equal(t, msgRewriteScheduled, do("BGREWRITEAOF").Str)
	assert.Equal(t, "1", persistField(t, do, "aof_rewrite_scheduled"))
	assert.Equal(t, "1", persistField(t, do, "aof_pending_rewrite"))
	s.checkAOFRewrite() // the cron: nothing while the save runs
	assert.Equal(t, "0", persistField(t, do, "aof_rewrite_in_progress"))
	release()
	s.WaitBgsave()

	release = holdBackground(t, s)
	s.checkAOFRewrite()
	assert.Equal(t, "1", persistField(t, do, "aof_rewrite_in_progress"))
	assert.Equal(t, "0", persistField(t, do, "aof_rewrite_scheduled"))
	assert.Equal(t, "1", persistField(t, do, "aof_rewrites"))
	c := redistest.Dial(t, s.Addr().String())
	r, err := c.Do("BGSAVE")
	require.NoError(t, err)
	assert.Equal(t, msgAnotherChild, r.Str)
	assert.Equal(t, "Background saving scheduled", do("BGSAVE", "SCHEDULE").Str)
	r, err = c.Do("BGREWRITEAOF")
	require.NoError(t, err)
	assert.Equal(t, msgRewriteRunning, r.Str)
	release()
	s.WaitRewrite()
	s.checkSavePoints() // the scheduled BGSAVE starts now
	s.WaitBgsave()
	assert.Equal(t, "2", persistField(t, do, "rdb_saves"))
	assert.Equal(t, "0", persistField(t, do, "aof_rewrite_scheduled"))
	assert.Equal(t, []string{"appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof"}, aofFiles(t, dir))
}

// BGREWRITEAOF inside MULTI is scheduled, as Redis does in EXEC, and runs
// once the transaction let go.
func TestBGRewriteAOFInMultiIsScheduled(t *testing.T) {
	dir := t.TempDir()
	s, _ := runUntilStopped(t, aofConfig(dir, newFakeClock()))
	c := dial(t, s)
	runExchanges(t, c, []exchange{
		{"multi", resp("MULTI"), "+OK\r\n"},
		{"set", resp("SET", "a", "1"), "+QUEUED\r\n"},
		{"rewrite", resp("BGREWRITEAOF"), "+QUEUED\r\n"},
		{"exec", resp("EXEC"), "*2\r\n+OK\r\n+" + msgRewriteScheduled + "\r\n"},
	})
	require.Eventually(t, func() bool { return s.aof.rewrites.Load() == 1 }, 5*time.Second, time.Millisecond)
	s.WaitRewrite()
	assert.Equal(t, []string{"appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof"}, aofFiles(t, dir))
}

// BGREWRITEAOF with the log off writes a base alone, as Redis 7.0 does; a
// later start with appendonly yes loads it and adds an incremental file.
func TestBGRewriteAOFWithLogOff(t *testing.T) {
	dir := t.TempDir()
	cfg := aofConfig(dir, newFakeClock())
	cfg.AppendOnly = false
	s, stop := runUntilStopped(t, cfg)
	do := mustDo(t, redistest.Dial(t, s.Addr().String()))
	do("SET", "k", "v")
	assert.Equal(t, msgRewriteStarted, do("BGREWRITEAOF").Str)
	s.WaitRewrite()
	assert.Equal(t, "file appendonly.aof.1.base.rdb seq 1 type b\n", manifestOf(t, dir))
	assert.Equal(t, "0", persistField(t, do, "aof_enabled"))
	assert.Equal(t, "1", persistField(t, do, "aof_rewrites"))
	stop()

	cfg.AppendOnly = true
	s, stop = runUntilStopped(t, cfg)
	do = mustDo(t, redistest.Dial(t, s.Addr().String()))
	assert.Equal(t, "v", do("GET", "k").Str)
	do("SET", "k2", "v2")
	stop()
	assert.Equal(t, []string{"SELECT 0", "SET k2 v2"}, loggedCommands(t, dir))
}

// CONFIG SET appendonly yes on a running server with data: the reply comes
// after the log's instant, so every write after it is logged, and the
// first base holds everything before; no turns it off again. appendfsync
// changes live too.
func TestConfigSetAppendOnlyLive(t *testing.T) {
	dir := t.TempDir()
	cfg := aofConfig(dir, newFakeClock())
	cfg.AppendOnly = false
	s, stop := runUntilStopped(t, cfg)
	do := mustDo(t, redistest.Dial(t, s.Addr().String()))
	keys := fillPersist(t, do)
	do("SET", "before", "1")
	release := holdBackground(t, s)
	assert.Equal(t, "OK", do("CONFIG", "SET", "appendonly", "yes").Str)
	assert.Equal(t, []string{"appendonly", "yes"}, strs(do("CONFIG", "GET", "appendonly")))
	assert.Equal(t, "1", persistField(t, do, "aof_enabled"))
	assert.Equal(t, "1", persistField(t, do, "aof_rewrite_in_progress"))
	do("SET", "after", "2")
	do("INCR", "before")
	release()
	s.WaitRewrite()
	assert.Equal(t, "file appendonly.aof.1.base.rdb seq 1 type b\n"+
		"file appendonly.aof.1.incr.aof seq 1 type i\n", manifestOf(t, dir))
	assert.Equal(t, "OK", do("CONFIG", "SET", "appendfsync", "always").Str)
	assert.Equal(t, []string{"appendfsync", "always"}, strs(do("CONFIG", "GET", "appendfsync")))
	assert.Equal(t, aof.FsyncAlways, s.aof.log.Load().Policy())
	do("SET", "synced", "3")
	assert.Equal(t, "OK", do("CONFIG", "SET", "appendonly", "no").Str)
	assert.Equal(t, "0", persistField(t, do, "aof_enabled"))
	do("SET", "unlogged", "4")
	stop()
	assert.Equal(t, []string{"SELECT 0", "SET after 2", "INCR before", "SET synced 3"}, loggedCommands(t, dir))

	cfg.AppendOnly = true
	s, _ = runUntilStopped(t, cfg)
	addr := redistest.StartRedis(t)
	p := redistest.NewPair(t, s.Addr().String(), addr)
	fillPersist(t, mustDo(t, p.Redis))
	for _, k := range []string{"before", "after", "synced", "unlogged"} {
		r, err := p.Mini.Do("GET", k)
		require.NoError(t, err)
		want := map[string]string{"before": "2", "after": "2", "synced": "3"}[k]
		if want == "" {
			assert.Equal(t, redistest.Null, r.Kind, k)
		} else {
			assert.Equal(t, want, r.Str, k)
		}
	}
	_, err := p.Mini.Do("DEL", "before", "after", "synced")
	require.NoError(t, err)
	comparePersist(t, p, keys)
}

// Turning the log on waits for a write that began with it off (the gate):
// the write is in the base or in the log, never lost between them.
func TestAppendOnlyOnWaitsForUnloggedWrites(t *testing.T) {
	dir := t.TempDir()
	cfg := aofConfig(dir, newFakeClock())
	cfg.AppendOnly = false
	s, stop := runUntilStopped(t, cfg)
	c := newTestClient(s)
	s.mu.Lock()
	s.clients[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.clients, c)
		s.mu.Unlock()
	}()
	require.True(t, c.aofLock()) // a write in progress, log off
	require.True(t, c.aofGated)
	done := make(chan string, 1)
	go func() { done <- s.configSet([][]byte{[]byte("appendonly"), []byte("yes")}, false) }()
	require.Eventually(t, s.aof.on.Load, 5*time.Second, time.Millisecond)
	select {
	case msg := <-done:
		t.Fatalf("appendonly turned on while a write with the log off ran: %q", msg)
	default:
	}
	c.aofUnlock()
	assert.Equal(t, "", <-done)
	s.WaitRewrite()
	stop()
}

// strs flattens an array reply of strings.
func strs(r redistest.Reply) []string {
	out := make([]string, len(r.Elems))
	for i, e := range r.Elems {
		out[i] = e.Str
	}
	return out
}

// Keys removed by expiry (the active cycle, or met by a write) or by
// eviction are logged as DEL where the keyspace saw them, UNLINK under
// lazyfree; a restart does not bring them back.
func TestAOFLogsExpiredAndEvictedKeys(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	cfg := aofConfig(dir, clock)
	s, stop := runUntilStopped(t, cfg)
	do := mustDo(t, redistest.Dial(t, s.Addr().String()))
	now := clock.UnixMilli()
	do("SET", "cycle", "v", "PX", "1000")
	do("SET", "cycle2", "v", "PX", "1000")
	clock.Advance(2 * time.Second)
	for i := range s.store.Shards() {
		expireTarget{s}.ExpireSample(i, clock.UnixMilli(), 20)
	}
	do("SET", "met2", "v", "PX", "1000")
	clock.Advance(2 * time.Second)
	do("APPEND", "met2", "x") // meets the expired key first
	assert.Equal(t, "OK", do("CONFIG", "SET", "lazyfree-lazy-expire", "yes").Str)
	do("SET", "lazy", "v", "PX", "1000")
	clock.Advance(2 * time.Second)
	do("APPEND", "lazy", "y")
	stop()
	at := func(ms int64) string { return strconv.FormatInt(ms, 10) }
	got := loggedCommands(t, dir)
	require.Len(t, got, 15, "%q", got)
	// The cycle's shard order decides which of the first two goes first.
	assert.ElementsMatch(t, []string{"DEL cycle", "DEL cycle2"}, got[5:7])
	got[5], got[6] = "", ""
	assert.Equal(t, []string{
		"SELECT 0",
		"SET cycle v PX 1000", "PEXPIREAT cycle " + at(now+1000),
		"SET cycle2 v PX 1000", "PEXPIREAT cycle2 " + at(now+1000),
		"", "",
		"SET met2 v PX 1000", "PEXPIREAT met2 " + at(now+3000),
		"DEL met2", "APPEND met2 x",
		"SET lazy v PX 1000", "PEXPIREAT lazy " + at(now+5000),
		"UNLINK lazy", "APPEND lazy y",
	}, got)
}

// Evicted keys are logged as DEL, so a restart without maxmemory has
// exactly the keys the server had kept.
func TestAOFEvictedKeysNotResurrected(t *testing.T) {
	dir := t.TempDir()
	cfg := aofConfig(dir, newFakeClock())
	cfg.MaxMemory = 256 << 10
	cfg.MaxMemoryPolicy = 1 // allkeys-lru
	s, stop := runUntilStopped(t, cfg)
	do := mustDo(t, redistest.Dial(t, s.Addr().String()))
	const n = 400
	val := strings.Repeat("x", 2000)
	for i := range n {
		do("SET", "k"+strconv.Itoa(i), val)
	}
	kept := do("DBSIZE").Int
	require.Less(t, kept, int64(n), "nothing was evicted")
	require.Positive(t, kept)
	live := strs(do("KEYS", "*"))
	stop()
	dels := 0
	for _, cmd := range loggedCommands(t, dir) {
		if strings.HasPrefix(cmd, "DEL ") {
			dels++
		}
	}
	assert.Equal(t, n-int(kept), dels)

	cfg.MaxMemory = 0
	s, _ = runUntilStopped(t, cfg)
	do = mustDo(t, redistest.Dial(t, s.Addr().String()))
	assert.Equal(t, kept, do("DBSIZE").Int)
	slices.Sort(live)
	after := strs(do("KEYS", "*"))
	slices.Sort(after)
	assert.Equal(t, live, after)
}

// The automatic rewrite starts once the log grew by
// auto-aof-rewrite-percentage over auto-aof-rewrite-min-size.
func TestAutoAOFRewrite(t *testing.T) {
	dir := t.TempDir()
	s, _ := runUntilStopped(t, aofConfig(dir, newFakeClock()))
	do := mustDo(t, redistest.Dial(t, s.Addr().String()))
	assert.Equal(t, []string{"auto-aof-rewrite-percentage", "100"}, strs(do("CONFIG", "GET", "auto-aof-rewrite-percentage")))
	assert.Equal(t, []string{"auto-aof-rewrite-min-size", "67108864"}, strs(do("CONFIG", "GET", "auto-aof-rewrite-min-size")))
	do("CONFIG", "SET", "auto-aof-rewrite-min-size", "1kb")
	do("CONFIG", "SET", "auto-aof-rewrite-percentage", "0")
	for i := range 100 {
		do("SET", "k"+strconv.Itoa(i), strings.Repeat("v", 40))
	}
	assert.Equal(t, []string{"auto-aof-rewrite-percentage", "0"}, strs(do("CONFIG", "GET", "auto-aof-rewrite-percentage")))
	s.checkAOFRewrite()
	assert.Equal(t, "0", persistField(t, do, "aof_rewrites"), "percentage 0 is off")
	do("CONFIG", "SET", "auto-aof-rewrite-percentage", "100")
	s.checkAOFRewrite()
	s.WaitRewrite()
	assert.Equal(t, "1", persistField(t, do, "aof_rewrites"))
	// Right after a rewrite the log has not grown.
	s.checkAOFRewrite()
	assert.Equal(t, "1", persistField(t, do, "aof_rewrites"))
	size, err := strconv.Atoi(persistField(t, do, "aof_current_size"))
	require.NoError(t, err)
	assert.Positive(t, size)
}

// INFO persistence has Redis 7.0's aof_* fields in its order, with the
// ones it adds when the log is on.
func TestInfoPersistenceAOFFieldsMatchRedis(t *testing.T) {
	names := func(info string) []string {
		var out []string
		for _, line := range strings.Split(info, "\r\n") {
			if k, _, ok := strings.Cut(line, ":"); ok {
				out = append(out, k)
			}
		}
		return out
	}
	addr := redistest.StartRedis(t, "--appendonly", "yes")
	theirs := mustDo(t, redistest.Dial(t, addr))("INFO", "persistence").Str
	s, _ := runUntilStopped(t, aofConfig(t.TempDir(), newFakeClock()))
	ours := mustDo(t, redistest.Dial(t, s.Addr().String()))("INFO", "persistence").Str
	assert.Equal(t, names(theirs), names(ours))
	for _, f := range []string{"aof_enabled", "aof_rewrite_in_progress", "aof_rewrite_scheduled",
		"aof_last_rewrite_time_sec", "aof_current_rewrite_time_sec", "aof_last_bgrewrite_status",
		"aof_rewrites", "aof_rewrites_consecutive_failures", "aof_last_write_status", "aof_pending_rewrite"} {
		assert.Equal(t, infoField(theirs, f), infoField(ours, f), f)
	}
}

// BenchmarkWriteGate is what a write command pays for the gate with the
// log off (aofLock and aofUnlock), beside the lock it takes with the log
// on, uncontended.
func BenchmarkWriteGate(b *testing.B) {
	s, err := New(redisConfig())
	if err != nil {
		b.Fatal(err)
	}
	c := newTestClient(s)
	b.Run("off", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.aofLock()
			c.aofUnlock()
		}
	})
	s.aof.on.Store(true)
	b.Run("on", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.aofLock()
			c.aofUnlock()
		}
	})
}

// CONFIG SET appendonly yes that cannot create the directory fails with
// Redis's words and leaves the log off.
func TestConfigSetAppendOnlyFails(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "appendonlydir"), nil, 0o644)) // a file where the directory goes
	cfg := aofConfig(dir, newFakeClock())
	cfg.AppendOnly = false
	s, _ := runUntilStopped(t, cfg)
	c := dial(t, s)
	runExchanges(t, c, []exchange{
		{"on", resp("CONFIG", "SET", "appendonly", "yes"),
			"-ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.\r\n"},
		{"get", resp("CONFIG", "GET", "appendonly"), "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"},
		{"write", resp("SET", "k", "v"), "+OK\r\n"},
	})
	assert.False(t, s.aof.want.Load())
	assert.Nil(t, s.aof.log.Load())
}
