package server

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/miniredis/miniredis/rdb"
	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func persistConfig(dir string) Config {
	cfg := redisConfig()
	cfg.Dir = dir
	return cfg
}

// fillPersist creates every persistValues value twice on c, once with a
// TTL, under keys named by index, in databases 0 and 2.
func fillPersist(t *testing.T, do func(args ...string) redistest.Reply) (keys []string) {
	t.Helper()
	for _, db := range []string{"0", "2"} {
		do("SELECT", db)
		for i, create := range persistValues() {
			for _, suffix := range []string{"", ":ttl"} {
				k := "v" + strconv.Itoa(i) + suffix
				args := append([]string{create[0], k}, create[2:]...)
				do(args...)
				if suffix != "" {
					do("PEXPIREAT", k, "4102444800000")
				}
				if db == "0" {
					keys = append(keys, k)
				}
			}
		}
	}
	do("SELECT", "0")
	return keys
}

// comparePersist reads every key back from both servers of p, in
// databases 0 and 2: value, type and deadline.
func comparePersist(t *testing.T, p *redistest.Pair, keys []string) {
	t.Helper()
	for _, db := range []string{"0", "2"} {
		p.Compare(false, "SELECT", db)
		p.Compare(false, "DBSIZE")
		for _, k := range keys {
			typ := p.Compare(false, "TYPE", k).Str
			read, unordered := readBack(typ, k)
			p.Compare(unordered, read...)
			p.Compare(false, "PEXPIRETIME", k)
		}
	}
	p.Compare(false, "SELECT", "0")
}

func mustDo(t *testing.T, c *redistest.Conn) func(args ...string) redistest.Reply {
	return func(args ...string) redistest.Reply {
		t.Helper()
		r, err := c.Do(args...)
		require.NoError(t, err)
		require.NotEqual(t, redistest.Error, r.Kind, "%.60q: %v", args, r)
		return r
	}
}

// checkRDB runs redis-check-rdb on file, when it is installed.
func checkRDB(t *testing.T, file string) {
	t.Helper()
	if bin, err := exec.LookPath("redis-check-rdb"); err == nil {
		out, err := exec.Command(bin, file).CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), "RDB looks OK")
	}
}

// TestRDBRoundTripsWithRedis: a dump.rdb written by redis-server loads
// here; one written here passes redis-check-rdb and loads in
// redis-server; both hold the same keys, values and deadlines.
func TestRDBRoundTripsWithRedis(t *testing.T) {
	theirDir := t.TempDir()
	redisAddr := redistest.StartRedis(t, "--dir", theirDir)
	rc := redistest.Dial(t, redisAddr)
	keys := fillPersist(t, mustDo(t, rc))
	mustDo(t, rc)("SAVE")

	// Redis's file, loaded here.
	s := startServer(t, persistConfig(theirDir))
	p := redistest.NewPair(t, s.Addr().String(), redisAddr)
	comparePersist(t, p, keys)

	// Our file, after SAVE here: redis-check-rdb, then redis-server loads it.
	ourDir := t.TempDir()
	s2 := startServer(t, persistConfig(ourDir))
	fillPersist(t, mustDo(t, redistest.Dial(t, s2.Addr().String())))
	mustDo(t, redistest.Dial(t, s2.Addr().String()))("SAVE")
	checkRDB(t, filepath.Join(ourDir, "dump.rdb"))
	redis2 := redistest.StartRedis(t, "--dir", ourDir)
	comparePersist(t, redistest.NewPair(t, s2.Addr().String(), redis2), keys)
}

// TestSaveAndLoad: SAVE, then a new server on the same directory holds the
// same keyspace; expired keys are left out; LASTSAVE and INFO move.
func TestSaveAndLoad(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	cfg := withClock(persistConfig(dir), clock)
	s := startServer(t, cfg)
	c := redistest.Dial(t, s.Addr().String())
	do := mustDo(t, c)
	keys := fillPersist(t, do)
	do("SET", "short", "x", "PX", "6000") // live at the SAVE, expired at the load
	assert.Contains(t, do("INFO", "persistence").Str, "rdb_changes_since_last_save:")
	assert.NotContains(t, do("INFO", "persistence").Str, "rdb_changes_since_last_save:0\r\n")
	before := do("LASTSAVE").Int
	clock.Advance(5 * time.Second)
	assert.Equal(t, "OK", do("SAVE").Str)
	assert.Equal(t, before+5, do("LASTSAVE").Int)
	info := do("INFO", "persistence").Str
	assert.Contains(t, info, "rdb_changes_since_last_save:0\r\n")
	assert.Contains(t, info, "rdb_saves:1\r\n")
	assert.Contains(t, info, "rdb_last_save_time:"+strconv.FormatInt(before+5, 10)+"\r\n")

	clock.Advance(2 * time.Second) // "short" has expired by the load
	s2 := startServer(t, cfg)
	c2 := redistest.Dial(t, s2.Addr().String())
	for _, db := range []string{"0", "2"} {
		mustDo(t, c)("SELECT", db)
		mustDo(t, c2)("SELECT", db)
		for _, k := range keys {
			a, _ := c.Do("DUMP", k)
			b, _ := c2.Do("DUMP", k)
			assert.Equal(t, a, b, "%s in db %s", k, db)
			a, _ = c.Do("PEXPIRETIME", k)
			b, _ = c2.Do("PEXPIRETIME", k)
			assert.Equal(t, a, b)
		}
	}
	mustDo(t, c2)("SELECT", "0")
	assert.Equal(t, int64(0), mustDo(t, c2)("EXISTS", "short").Int)
	info = mustDo(t, c2)("INFO", "persistence").Str
	assert.Contains(t, info, "rdb_last_load_keys_expired:1\r\n")
	assert.Contains(t, info, "rdb_last_load_keys_loaded:"+strconv.Itoa(4*len(persistValues()))+"\r\n")
	assert.Contains(t, info, "rdb_changes_since_last_save:0\r\n", "loading is not a change")
}

// TestBgsavePointInTime: writes after BGSAVE has replied do not reach the
// file, which holds the keyspace as of the BGSAVE.
func TestBgsavePointInTime(t *testing.T) {
	dir := t.TempDir()
	cfg := persistConfig(dir)
	cfg.Shards = 64
	s := startServer(t, cfg)
	c := redistest.Dial(t, s.Addr().String())
	do := mustDo(t, c)
	const n = 5000
	for i := 0; i < n; i += 500 {
		args := []string{"MSET"}
		for j := i; j < i+500; j++ {
			args = append(args, "k"+strconv.Itoa(j), "old"+strconv.Itoa(j))
		}
		do(args...)
	}
	do("RPUSH", "list", "a", "b")
	assert.Equal(t, "Background saving started", do("BGSAVE").Str)
	// Every shard is written to right away, most before the saver gets
	// there.
	for i := range n {
		switch i % 3 {
		case 0:
			do("SET", "k"+strconv.Itoa(i), "new")
		case 1:
			do("DEL", "k"+strconv.Itoa(i))
		default:
			do("SET", "extra"+strconv.Itoa(i), "new")
		}
	}
	do("RPUSH", "list", "c")
	do("FLUSHDB")
	s.WaitBgsave()
	info := do("INFO", "persistence").Str
	assert.Contains(t, info, "rdb_bgsave_in_progress:0\r\n")
	assert.Contains(t, info, "rdb_last_bgsave_status:ok\r\n")

	s2, err := New(persistConfig(dir))
	require.NoError(t, err)
	keys, _ := s2.Store().DB(0).Size()
	assert.Equal(t, n+1, keys)
	for i := range n {
		s2.Store().View([]byte("k"+strconv.Itoa(i)), 0, func(v shard.Value) {
			assert.Equal(t, "old"+strconv.Itoa(i), string(v.Bytes()))
		})
	}
	var list []string
	s2.Store().View([]byte("list"), 0, func(v shard.Value) {
		v.List().Range(0, -1, func(e []byte) bool { list = append(list, string(e)); return true })
	})
	assert.Equal(t, []string{"a", "b"}, list)
}

func TestPersistCommandErrors(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, persistConfig(dir))
	runExchanges(t, dial(t, s), []exchange{
		{"bgsave syntax", resp("BGSAVE", "NOW"), "-ERR syntax error\r\n"},
		{"bgsave too many", resp("BGSAVE", "SCHEDULE", "X"), "-ERR syntax error\r\n"},
		{"shutdown syntax", resp("SHUTDOWN", "MAYBE"), "-ERR syntax error\r\n"},
		{"shutdown both", resp("SHUTDOWN", "SAVE", "NOSAVE"), "-ERR syntax error\r\n"},
		{"shutdown abort", resp("SHUTDOWN", "ABORT"), "-ERR No shutdown in progress.\r\n"},
		{"save in multi", resp("MULTI") + resp("SAVE") + resp("EXEC"), "+OK\r\n+QUEUED\r\n*1\r\n-ERR Command not allowed inside a transaction\r\n"},
		{"lastsave arity", resp("LASTSAVE", "x"), "-ERR wrong number of arguments for 'lastsave' command\r\n"},
	})
}

// TestPersistErrorsRedis compares the replies redis-server gives.
func TestPersistErrorsRedis(t *testing.T) {
	redisAddr := redistest.StartRedis(t)
	s := startServer(t, persistConfig(t.TempDir()))
	p := redistest.NewPair(t, s.Addr().String(), redisAddr)
	for _, args := range [][]string{
		{"BGSAVE", "NOW"}, {"BGSAVE", "SCHEDULE", "X"}, {"SHUTDOWN", "MAYBE"}, {"SHUTDOWN", "SAVE", "NOSAVE"},
		{"SHUTDOWN", "ABORT"}, {"SHUTDOWN", "ABORT", "NOW"}, {"SAVE"}, {"LASTSAVE", "x"}, {"SAVE", "x"},
	} {
		p.Compare(false, args...)
	}
	// INFO persistence has Redis's fields, in Redis's order.
	want, err := p.Redis.Do("INFO", "persistence")
	require.NoError(t, err)
	got, err := p.Mini.Do("INFO", "persistence")
	require.NoError(t, err)
	assert.Equal(t, infoFieldNames(want.Str), infoFieldNames(got.Str))
}

func infoFieldNames(info string) []string {
	var out []string
	for _, line := range strings.Split(info, "\r\n") {
		if k, _, ok := strings.Cut(line, ":"); ok {
			out = append(out, k)
		}
	}
	return out
}

// TestSavePoints: a background save starts when a save point is reached,
// on the server's clock, and not before.
func TestSavePoints(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	cfg := withClock(persistConfig(dir), clock)
	cfg.Save, _ = ParseSave("10 2")
	s, err := New(cfg)
	require.NoError(t, err)
	file := filepath.Join(dir, "dump.rdb")
	set := func(k string) { s.Store().Update([]byte(k), 0, func(e *shard.Entry) { e.SetString([]byte("v"), 0) }) }
	set("a")
	clock.Advance(11 * time.Second)
	s.checkSavePoints()
	s.WaitBgsave()
	assert.NoFileExists(t, file, "one change is below the save point")
	set("b")
	clock.Advance(time.Second)
	s.checkSavePoints()
	s.WaitBgsave()
	assert.FileExists(t, file)
	assert.Equal(t, int64(1), s.persist.saves.Load())
	s.checkSavePoints()
	s.WaitBgsave()
	assert.Equal(t, int64(1), s.persist.saves.Load(), "no change since")
}

func TestParseSave(t *testing.T) {
	sp, err := ParseSave(DefaultSave)
	require.NoError(t, err)
	assert.Equal(t, []SavePoint{{3600, 1}, {300, 100}, {60, 10000}}, sp)
	assert.Equal(t, DefaultSave, formatSave(sp))
	sp, err = ParseSave("")
	require.NoError(t, err)
	assert.Empty(t, sp)
	for _, bad := range []string{"1", "a 1", "1 a", "0 1", "1 -1"} {
		_, err := ParseSave(bad)
		assert.Error(t, err, bad)
	}
}

// TestFailedSaveReported: a save that cannot complete replies -ERR (SAVE)
// or sets rdb_last_bgsave_status:err (BGSAVE), and the server carries on.
// (That the last good file survives is persist's TestWriteFileFailure.)
func TestFailedSaveReported(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, persistConfig(dir))
	c := redistest.Dial(t, s.Addr().String())
	do := mustDo(t, c)
	do("SET", "a", "1")
	// A non-empty directory where the file goes: the rename fails, even
	// for root.
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "dump.rdb", "x"), 0o755))
	r, err := c.Do("SAVE")
	require.NoError(t, err)
	assert.Equal(t, "ERR", r.Str)
	assert.Equal(t, "Background saving started", do("BGSAVE").Str)
	s.WaitBgsave()
	info := do("INFO", "persistence").Str
	assert.Contains(t, info, "rdb_last_bgsave_status:err\r\n")
	assert.Contains(t, info, "rdb_saves:0\r\n")
	assert.NotContains(t, info, "rdb_changes_since_last_save:0\r\n")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")
	assert.Equal(t, "1", do("GET", "a").Str)
}

// TestShutdownSaves: SHUTDOWN SAVE writes the file and stops the server;
// SHUTDOWN NOSAVE does not write, even with save points.
func TestShutdownSaves(t *testing.T) {
	for _, c := range []struct {
		args  []string
		save  string
		wrote bool
	}{
		{[]string{"SHUTDOWN", "SAVE"}, "", true},
		{[]string{"SHUTDOWN"}, "3600 1", true},
		{[]string{"SHUTDOWN"}, "", false},
		{[]string{"SHUTDOWN", "NOSAVE"}, "3600 1", false},
	} {
		t.Run(strings.Join(c.args, " ")+"/save="+c.save, func(t *testing.T) {
			dir := t.TempDir()
			cfg := persistConfig(dir)
			cfg.Save, _ = ParseSave(c.save)
			s := startServer(t, cfg)
			conn := dial(t, s)
			conn.do(resp("SET", "k", "v"), "+OK\r\n")
			conn.send(resp(c.args...))
			assert.True(t, conn.closed(), "SHUTDOWN closes the connection without a reply")
			for !s.isClosing() {
				time.Sleep(time.Millisecond) // the shutdown runs beside the client; no timing is asserted
			}
			if c.wrote {
				assert.FileExists(t, filepath.Join(dir, "dump.rdb"))
			} else {
				assert.NoFileExists(t, filepath.Join(dir, "dump.rdb"))
			}
		})
	}
}

// TestLoadRefusesModuleValues: a file with a value type miniredis does not
// hold (a module's) stops the server from starting, with the key named.
// (Streams, which this test refused before they were supported, load: see
// TestStreamRDBRoundTripsRedis.)
func TestLoadRefusesModuleValues(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "dump.rdb"))
	require.NoError(t, err)
	w := rdb.NewWriter(f, "redis-ver", "7.0.15")
	w.Raw(0, append([]byte{rdb.TypeModule2, 8}, "mymodule\x00"...))
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
	_, err = New(persistConfig(dir))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"mymodule"`)
	assert.Contains(t, err.Error(), "module")
}

// TestFunctionsPersist: function libraries go into the RDB file, as Redis
// 7.0 writes them, both ways.
func TestFunctionsPersist(t *testing.T) {
	const lib = "#!lua name=mylib\nredis.register_function('myfn', function() return 'hi' end)"
	dir := t.TempDir()
	s := startServer(t, persistConfig(dir))
	do := mustDo(t, redistest.Dial(t, s.Addr().String()))
	do("FUNCTION", "LOAD", lib)
	do("SET", "k", "v")
	do("SAVE")
	s2 := startServer(t, persistConfig(dir))
	assert.Equal(t, "hi", mustDo(t, redistest.Dial(t, s2.Addr().String()))("FCALL", "myfn", "0").Str)

	addr := redistest.StartRedis(t, "--dir", dir)
	rc := redistest.Dial(t, addr)
	assert.Equal(t, "hi", mustDo(t, rc)("FCALL", "myfn", "0").Str, "redis-server loads our functions")
	mustDo(t, rc)("FUNCTION", "LOAD", strings.Replace(strings.Replace(lib, "mylib", "lib2", 1), "myfn", "fn2", 1))
	mustDo(t, rc)("SAVE")
	s3 := startServer(t, persistConfig(dir))
	assert.Equal(t, "hi", mustDo(t, redistest.Dial(t, s3.Addr().String()))("FCALL", "fn2", "0").Str, "we load redis-server's")
}
