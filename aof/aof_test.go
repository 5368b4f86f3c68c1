package aof

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func cmd(args ...string) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = []byte(a)
	}
	return out
}

func strs(cmds [][][]byte) []string {
	var out []string
	for _, c := range cmds {
		parts := make([]string, len(c))
		for i, a := range c {
			parts[i] = string(a)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func TestManifestRoundTripAndRedisForm(t *testing.T) {
	// What redis-server 7.0 writes for a fresh appendonly directory.
	redis := "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
	m, err := ParseManifest([]byte(redis))
	require.NoError(t, err)
	require.NotNil(t, m.Base)
	assert.Equal(t, FileInfo{"appendonly.aof.1.base.rdb", 1, TypeBase}, *m.Base)
	assert.Equal(t, []FileInfo{{"appendonly.aof.1.incr.aof", 1, TypeIncr}}, m.Incr)
	assert.Equal(t, redis, string(m.Bytes()))

	m.History = []FileInfo{{"old name.rdb", 0, TypeHistory}}
	m.Incr = append(m.Incr, FileInfo{"appendonly.aof.2.incr.aof", 2, TypeIncr})
	back, err := ParseManifest(m.Bytes())
	require.NoError(t, err)
	assert.Equal(t, m, back)
	assert.Equal(t, "appendonly.aof.3.base.aof", BaseName("appendonly.aof", 3, false))
	assert.Equal(t, "appendonly.aof.3.base.rdb", BaseName("appendonly.aof", 3, true))
	assert.Equal(t, "appendonly.aof.4.incr.aof", IncrName("appendonly.aof", 4))
}

func TestManifestErrors(t *testing.T) {
	for name, text := range map[string]string{
		"empty":           "",
		"comments only":   "# nothing\n",
		"two bases":       "file a seq 1 type b\nfile b seq 2 type b\n",
		"non-monotonic":   "file a seq 2 type i\nfile b seq 2 type i\n",
		"unknown type":    "file a seq 1 type x\n",
		"no seq":          "file a type i\n",
		"bad seq":         "file a seq -1 type i\n",
		"odd words":       "file a seq\n",
		"path in name":    "file ../a seq 1 type i\n",
		"unbalanced":      "file \"a seq 1 type i\n",
		"too long":        "file " + strings.Repeat("a", 1100) + " seq 1 type i\n",
		"quote then text": "file \"a\"b seq 1 type i\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseManifest([]byte(text))
			assert.ErrorIs(t, err, ErrManifest)
		})
	}
	// Comments, blank lines, CRLF and unknown keys are fine.
	m, err := ParseManifest([]byte("# made by hand\r\n\r\nfile 'x y' seq 7 type i future 1\r\n"))
	require.NoError(t, err)
	assert.Equal(t, []FileInfo{{"x y", 7, TypeIncr}}, m.Incr)
}

func TestLogSelectsAndFlushes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, IncrName("appendonly.aof", 1))
	l, err := OpenLog(path, FsyncAlways)
	require.NoError(t, err)
	l.Append(0, cmd("set", "a", "1"))
	l.Append(0, cmd("incr", "a"))
	l.AppendStrings(2, "SET", "f", "1.5", "KEEPTTL")
	assert.True(t, l.Pending())
	b, _ := os.ReadFile(path)
	assert.Empty(t, b, "nothing is written before Flush")
	require.NoError(t, l.Flush())
	assert.False(t, l.Pending())
	l.Append(2, cmd("del", "f"))
	require.NoError(t, l.Close())

	var got [][][]byte
	b, err = os.ReadFile(path)
	require.NoError(t, err)
	valid, err := Replay(bytes.NewReader(b), func(a [][]byte) error { got = append(got, a); return nil })
	require.NoError(t, err)
	assert.EqualValues(t, len(b), valid)
	assert.Equal(t, []string{"SELECT 0", "set a 1", "incr a", "SELECT 2", "SET f 1.5 KEEPTTL", "del f"}, strs(got))

	// Reopened, the log knows nothing of the file's last SELECT, so it
	// selects again.
	l, err = OpenLog(path, FsyncNo)
	require.NoError(t, err)
	assert.EqualValues(t, len(b), l.Size())
	l.Append(2, cmd("del", "g"))
	require.NoError(t, l.Close())
	b2, _ := os.ReadFile(path)
	assert.True(t, bytes.HasSuffix(b2, AppendCommand(AppendCommand(nil, cmd("SELECT", "2")), cmd("del", "g"))))
}

func TestParseFsync(t *testing.T) {
	for _, s := range []string{"always", "everysec", "no"} {
		p, err := ParseFsync(s)
		require.NoError(t, err)
		assert.Equal(t, s, p.String())
	}
	_, err := ParseFsync("sometimes")
	assert.Error(t, err)
}

// sample is a log with an annotation, a transaction and a binary argument.
func sample() []byte {
	var b []byte
	b = AppendCommand(b, cmd("SELECT", "0"))
	b = AppendCommand(b, cmd("set", "k", "v"))
	b = append(b, "#TS:1700000000\r\n"...)
	b = AppendCommand(b, cmd("MULTI"))
	b = AppendCommand(b, cmd("incr", "n"))
	b = AppendCommand(b, cmd("set", "bin", "a\r\nb\x00"))
	b = AppendCommand(b, cmd("EXEC"))
	b = AppendCommand(b, cmd("del", "k"))
	return b
}

// Cut anywhere, a log replays the commands before the cut, holds back an
// unfinished transaction, and reports the torn tail from the end of the
// last complete command on.
func TestReplayEveryCut(t *testing.T) {
	full := sample()
	var all [][][]byte
	_, err := Replay(bytes.NewReader(full), func(a [][]byte) error { all = append(all, a); return nil })
	require.NoError(t, err)
	require.Equal(t, []string{"SELECT 0", "set k v", "MULTI", "incr n", "set bin a\r\nb\x00", "EXEC", "del k"}, strs(all))
	// Offsets just past each applied command (MULTI's block counts at EXEC).
	ends := []int{}
	off := 0
	for _, c := range [][]string{{"SELECT", "0"}, {"set", "k", "v"}} {
		off += len(AppendCommand(nil, cmd(c...)))
		ends = append(ends, off)
	}
	off += len("#TS:1700000000\r\n")
	for _, c := range [][]string{{"MULTI"}, {"incr", "n"}, {"set", "bin", "a\r\nb\x00"}, {"EXEC"}} {
		off += len(AppendCommand(nil, cmd(c...)))
	}
	ends = append(ends, off)
	ends = append(ends, len(full))

	for cut := 0; cut <= len(full); cut++ {
		var got [][][]byte
		valid, err := Replay(bytes.NewReader(full[:cut]), func(a [][]byte) error { got = append(got, a); return nil })
		want := 0
		applied := 0
		for i, e := range ends {
			if e <= cut {
				want = e
				applied = []int{1, 2, 6, 7}[i]
			}
		}
		// A cut that removes only the annotation's tail or falls between
		// commands is clean; anything else is torn.
		assert.EqualValues(t, want, valid, "cut %d", cut)
		assert.Len(t, got, applied, "cut %d", cut)
		if err != nil {
			assert.True(t, errors.Is(err, errTorn), "cut %d: %v", cut, err)
		}
	}
}

func TestReplayRejectsGarbage(t *testing.T) {
	for name, text := range map[string]string{
		"not resp":      "SET a b\r\n",
		"zero args":     "*0\r\n",
		"negative bulk": "*1\r\n$-1\r\n",
		"bad number":    "*1\r\n$x\r\n",
		"no crlf":       "*1\r\n$1\r\naXY",
		"inline in arr": "*1\r\n:1\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Replay(strings.NewReader(text), func([][]byte) error { return nil })
			assert.ErrorIs(t, err, ErrFormat)
		})
	}
}

// recorder is a Handler that keeps what it is given.
type recorder struct {
	rdb  int
	cmds [][][]byte
}

func (r *recorder) LoadRDB(rd io.Reader) error {
	b, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(b, []byte("REDIS")) {
		return errors.New("not an RDB")
	}
	r.rdb++
	return nil
}

func (r *recorder) Command(args [][]byte) error {
	r.cmds = append(r.cmds, args)
	return nil
}

func writeDir(t *testing.T, files map[string][]byte, m *Manifest) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	require.NoError(t, WriteManifest(dir, "appendonly.aof", m))
	return dir
}

func TestLoadBaseThenIncrementsAndTruncation(t *testing.T) {
	base := AppendCommand(nil, cmd("SET", "a", "1"))
	incr1 := AppendCommand(nil, cmd("INCR", "a"))
	incr2 := append(AppendCommand(nil, cmd("INCR", "a")), "*2\r\n$3\r\nDEL"...) // torn
	m := &Manifest{
		Base: &FileInfo{BaseName("appendonly.aof", 1, false), 1, TypeBase},
		Incr: []FileInfo{{IncrName("appendonly.aof", 1), 1, TypeIncr}, {IncrName("appendonly.aof", 2), 2, TypeIncr}},
	}
	files := map[string][]byte{m.Base.Name: base, m.Incr[0].Name: incr1, m.Incr[1].Name: incr2}

	dir := writeDir(t, files, m)
	_, err := Load(dir, "appendonly.aof", &recorder{}, LoadOptions{})
	require.Error(t, err, "a torn last file fails the load without aof-load-truncated")
	assert.Contains(t, err.Error(), m.Incr[1].Name)

	var logged []string
	r := &recorder{}
	st, err := Load(dir, "appendonly.aof", r, LoadOptions{Truncate: true, Logf: func(f string, a ...any) { logged = append(logged, f) }})
	require.NoError(t, err)
	assert.Equal(t, []string{"SET a 1", "INCR a", "INCR a"}, strs(r.cmds))
	assert.Equal(t, LoadStats{Files: 3, Commands: 3, Truncated: int64(len("*2\r\n$3\r\nDEL"))}, st)
	assert.Len(t, logged, 1)
	b, _ := os.ReadFile(filepath.Join(dir, m.Incr[1].Name))
	assert.Equal(t, AppendCommand(nil, cmd("INCR", "a")), b, "the torn tail was cut off")

	// A torn file that is not the last one is never cut.
	files[m.Incr[0].Name] = incr2
	files[m.Incr[1].Name] = incr1
	dir = writeDir(t, files, m)
	_, err = Load(dir, "appendonly.aof", &recorder{}, LoadOptions{Truncate: true})
	require.Error(t, err)

	// A missing file fails, naming it.
	delete(files, m.Incr[0].Name)
	dir = writeDir(t, files, m)
	_, err = Load(dir, "appendonly.aof", &recorder{}, LoadOptions{Truncate: true})
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestLoadRDBBase(t *testing.T) {
	m := &Manifest{
		Base: &FileInfo{BaseName("appendonly.aof", 1, true), 1, TypeBase},
		Incr: []FileInfo{{IncrName("appendonly.aof", 1), 1, TypeIncr}},
	}
	dir := writeDir(t, map[string][]byte{
		m.Base.Name:    []byte("REDIS0010\xff00000000"),
		m.Incr[0].Name: AppendCommand(nil, cmd("SET", "x", "y")),
	}, m)
	r := &recorder{}
	_, err := Load(dir, "appendonly.aof", r, LoadOptions{})
	require.NoError(t, err)
	assert.Equal(t, 1, r.rdb)
	assert.Equal(t, []string{"SET x y"}, strs(r.cmds))
	_, err = Load(t.TempDir(), "appendonly.aof", r, LoadOptions{})
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// AppendKey logs a one-key command (the DEL of an expired key) with the
// SELECT it needs; SetPolicy changes the fsync policy of an open log.
func TestLogAppendKeyAndSetPolicy(t *testing.T) {
	path := filepath.Join(t.TempDir(), IncrName("appendonly.aof", 3))
	l, err := OpenLog(path, FsyncNo)
	require.NoError(t, err)
	assert.Equal(t, "appendonly.aof.3.incr.aof", l.Name())
	l.AppendKey(1, "DEL", []byte("gone key"))
	require.NoError(t, l.SetPolicy(FsyncAlways))
	assert.Equal(t, FsyncAlways, l.Policy())
	l.AppendKey(1, "UNLINK", []byte("k"))
	require.NoError(t, l.Close())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var got [][][]byte
	_, err = Replay(bytes.NewReader(b), func(a [][]byte) error { got = append(got, a); return nil })
	require.NoError(t, err)
	assert.Equal(t, []string{"SELECT 1", "DEL gone key", "UNLINK k"}, strs(got))
}

// The sequence numbers of a rewrite's files follow the manifest's, as
// Redis numbers them; Clone is deep; Live lists the base first.
func TestManifestNextSeqAndClone(t *testing.T) {
	for _, tc := range []struct {
		name       string
		m          Manifest
		base, incr int64
	}{
		{"empty", Manifest{}, 1, 1},
		{"base only", Manifest{Base: &FileInfo{Name: "b", Seq: 4, Type: TypeBase}}, 5, 1},
		{"base and incrs", Manifest{Base: &FileInfo{Name: "b", Seq: 2, Type: TypeBase},
			Incr: []FileInfo{{Name: "i1", Seq: 2, Type: TypeIncr}, {Name: "i2", Seq: 3, Type: TypeIncr}}}, 3, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.base, tc.m.NextBaseSeq())
			assert.Equal(t, tc.incr, tc.m.NextIncrSeq())
			c := tc.m.Clone()
			assert.Equal(t, tc.m.Bytes(), c.Bytes())
			assert.Equal(t, len(tc.m.Incr)+btoi(tc.m.Base != nil), len(c.Live()))
			if c.Base != nil {
				c.Base.Seq = 99
				assert.NotEqual(t, int64(99), tc.m.Base.Seq, "Clone shares the base")
				assert.Equal(t, byte(TypeBase), c.Live()[0].Type)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
