package config

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "", want: nil},
		{in: "   ", want: nil},
		{in: "port 6379", want: []string{"port", "6379"}},
		{in: "  save\t900 1  ", want: []string{"save", "900", "1"}},
		{in: `requirepass "a b"`, want: []string{"requirepass", "a b"}},
		{in: `x "\n\r\t\b\a\\\"\x41\x4a"`, want: []string{"x", "\n\r\t\b\a\\\"AJ"}},
		{in: `x "\q"`, want: []string{"x", "q"}},
		{in: `x 'it\'s' ''`, want: []string{"x", "it's", ""}},
		{in: `x 'a\n'`, want: []string{"x", `a\n`}},
		{in: `save ""`, want: []string{"save", ""}},
		{in: `x "a`, err: true},
		{in: `x 'a`, err: true},
		{in: `x "a"b`, err: true},
		{in: `x 'a'b`, err: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := SplitArgs(tc.in)
			if tc.err {
				assert.ErrorIs(t, err, ErrUnbalancedQuotes)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestQuoteRoundTrips(t *testing.T) {
	for _, s := range []string{"", "plain", "a b", `q"uote`, "it's", "back\\slash", "nl\n\r\t\a\b", "\x00\x7f\xff", "ünï"} {
		got, err := SplitArgs("x " + Quote(s))
		require.NoError(t, err, s)
		require.Len(t, got, 2, s)
		assert.Equal(t, s, got[1])
	}
	assert.Equal(t, "plain", Quote("plain"))
	assert.Equal(t, `""`, Quote(""))
}

// conf is the configuration struct of the tests' table.
type conf struct {
	Port    int64
	On      bool
	Mem     int64
	TTL     time.Duration
	Policy  string
	Name    string
	Save    []string
	Touched int
}

func testTable() *Table[conf] {
	return NewTable(
		Param[conf]{Name: "port", Kind: Int, Min: 0, Max: 65535, Default: "6379",
			Get: func(c *conf) string { return strconv.FormatInt(c.Port, 10) },
			Set: func(c *conf, v Value) error { c.Port = v.Int; return nil }},
		Param[conf]{Name: "appendonly", Kind: Bool, Default: "no", Live: true,
			Get: func(c *conf) string { return FormatBool(c.On) },
			Set: func(c *conf, v Value) error { c.On = v.Bool; return nil }},
		Param[conf]{Name: "maxmemory", Kind: Memory, Default: "0", Live: true,
			Get: func(c *conf) string { return strconv.FormatInt(c.Mem, 10) },
			Set: func(c *conf, v Value) error { c.Mem = v.Int; return nil }},
		Param[conf]{Name: "default-ttl", Kind: Duration, Default: "60s",
			Get: func(c *conf) string { return c.TTL.String() },
			Set: func(c *conf, v Value) error { c.TTL = v.Dur; return nil }},
		Param[conf]{Name: "maxmemory-policy", Kind: Enum, Enum: []string{"noeviction", "allkeys-lru"}, Default: "noeviction",
			Get: func(c *conf) string { return c.Policy },
			Set: func(c *conf, v Value) error { c.Policy = v.Str; return nil }},
		Param[conf]{Name: "requirepass", Aliases: []string{"masterauth-old"}, Kind: String, Default: `""`,
			Get: func(c *conf) string { return c.Name },
			Set: func(c *conf, v Value) error { c.Name = v.Str; return nil }},
		Param[conf]{Name: "save", Kind: Multi, Default: "3600 1",
			Get: func(c *conf) string { return joinWords(c.Save) },
			Set: func(c *conf, v Value) error {
				if len(v.Args)%2 != 0 && !(len(v.Args) == 1 && v.Args[0] == "") {
					return errorString("Invalid save parameters")
				}
				c.Save = v.Args
				return nil
			}},
	)
}

type errorString string

func (e errorString) Error() string { return string(e) }

func joinWords(w []string) string {
	s := ""
	for i, x := range w {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s
}

func writeFile(t *testing.T, dir, name, text string) string {
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
	return p
}

func TestLoadFileIncludeAndOverride(t *testing.T) {
	dir := t.TempDir()
	inc := writeFile(t, dir, "inc.conf", "maxmemory 100mb\nport 7001\n")
	main := writeFile(t, dir, "main.conf", "# a comment\n\nport 7000\ninclude "+inc+"\n  APPENDONLY yes\r\nrequirepass \"s e c\"\nsave 900 1 300 10\ndefault-ttl 30\n")
	dirs, err := ReadFile(main)
	require.NoError(t, err)
	tab := testTable()
	var c conf
	tab.SetDefaults(&c)
	assert.Equal(t, int64(6379), c.Port)
	assert.Equal(t, 60*time.Second, c.TTL)
	require.NoError(t, tab.Load(&c, dirs))
	assert.Equal(t, conf{Port: 7001, On: true, Mem: 100 << 20, TTL: 30 * time.Second, Policy: "noeviction", Name: "s e c", Save: []string{"900", "1", "300", "10"}}, c)
	assert.Equal(t, 5, dirs[3].Line, "lines count blank and comment lines")
	assert.Equal(t, inc, dirs[1].File)
}

func TestLoadErrors(t *testing.T) {
	tab := testTable()
	for _, tc := range []struct{ line, reason string }{
		{"bogus 1", "Bad directive or wrong number of arguments"},
		{"port", "wrong number of arguments"},
		{"port 1 2", "wrong number of arguments"},
		{"port abc", "argument couldn't be parsed into an integer"},
		{"port 99999", "argument must be between 0 and 65535 inclusive"},
		{"appendonly maybe", "argument must be 'yes' or 'no'"},
		{"maxmemory foo", "argument must be a memory value"},
		{"maxmemory -1", "argument must be a memory value"},
		{"maxmemory-policy x", "argument(s) must be one of the following: noeviction, allkeys-lru"},
		{"default-ttl soon", "argument must be a duration (60s, 500ms) or a whole number of seconds"},
		{"save 900", "Invalid save parameters"},
		{`requirepass "a`, "Unbalanced quotes in configuration line"},
		{"include", "wrong number of arguments"},
		{"include /nonexistent/x.conf", "Fatal error, can't open config file '/nonexistent/x.conf': no such file or directory"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "x.conf", "port 1\n# c\n"+tc.line+"\n")
			dirs, err := ReadFile(p)
			if err == nil {
				var c conf
				err = tab.Load(&c, dirs)
			}
			var fe *FileError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, 3, fe.Line)
			assert.Equal(t, "Reading the configuration file "+p+", at line 3\n>>> '"+tc.line+"'\n"+tc.reason, fe.Error())
		})
	}
}

func TestIncludeLoopRefused(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "self.conf")
	writeFile(t, dir, "self.conf", "include "+p+"\n")
	_, err := ReadFile(p)
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "includes nested too deeply", fe.Reason)
}

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		name string
		argv []string
		file string
		want [][]string
		err  string
	}{
		{name: "none"},
		{name: "file only", argv: []string{"/etc/x.conf"}, file: "/etc/x.conf"},
		{name: "redis form", argv: []string{"/etc/x.conf", "--port", "7000", "--appendonly", "yes", "--save", "900", "1", "300", "10", "--save", ""},
			file: "/etc/x.conf", want: [][]string{{"port", "7000"}, {"appendonly", "yes"}, {"save", "900", "1", "300", "10"}, {"save", ""}}},
		{name: "go forms", argv: []string{"-port=7000", "--compat=redis", "-default-ttl", "30s", "--Maxmemory", "1gb"},
			want: [][]string{{"port", "7000"}, {"compat", "redis"}, {"default-ttl", "30s"}, {"maxmemory", "1gb"}}},
		{name: "negative and v6 values", argv: []string{"--timeout", "-1", "--bind", "127.0.0.1", "-::1"},
			want: [][]string{{"timeout", "-1"}, {"bind", "127.0.0.1", "-::1"}}},
		{name: "flag without value", argv: []string{"--port"}, want: [][]string{{"port"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file, dirs, err := ParseArgs(tc.argv)
			require.NoError(t, err)
			assert.Equal(t, tc.file, file)
			var got [][]string
			for i, d := range dirs {
				got = append(got, d.Args)
				assert.Equal(t, CommandLine, d.File)
				assert.Equal(t, i+1, d.Line)
			}
			assert.Equal(t, tc.want, got)
		})
	}
	_, dirs, err := ParseArgs([]string{"--requirepass", "a b"})
	require.NoError(t, err)
	assert.Equal(t, `requirepass "a b"`, dirs[0].Text)
	err = testTable().Load(&conf{}, dirs[:0:0])
	require.NoError(t, err)
	_, dirs, err = ParseArgs([]string{"--port", "x"})
	require.NoError(t, err)
	err = testTable().Load(&conf{}, dirs)
	assert.EqualError(t, err, "Reading the command line, at option 1\n>>> 'port x'\nargument couldn't be parsed into an integer")
}

func TestMemoryUnits(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "100": 100, "1k": 1000, "1kb": 1024, "1KB": 1024, "2m": 2e6, "2mb": 2 << 20, "3g": 3e9, "3gb": 3 << 30, "7b": 7} {
		got, err := ParseMemory(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "x", "1tb", "-1", "1.5mb", "99999999999gb"} {
		_, err := ParseMemory(bad)
		assert.Error(t, err, bad)
	}
	for n, want := range map[int64]string{0: "0", 100: "100", 1024: "1kb", 3 << 20: "3mb", 1 << 30: "1gb", 1536: "1536"} {
		assert.Equal(t, want, FormatMemory(n))
	}
}

func TestRewriteKeepsCommentsAndOrder(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "r.conf", "# Top comment\nmaxmemory 1mb\n\n# port below\nport 7000\nport 7001\ninclude /dev/null\nappendonly no\n")
	tab := testTable()
	var c conf
	tab.SetDefaults(&c)
	dirs, err := ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, tab.Load(&c, dirs))
	c.Mem = 2 << 30
	c.Policy = "allkeys-lru"
	c.Name = "p w"
	require.NoError(t, tab.Rewrite(p, &c))
	got, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "# Top comment\nmaxmemory 2gb\n\n# port below\nport 7001\ninclude /dev/null\nappendonly no\n"+
		"# Generated by CONFIG REWRITE\nmaxmemory-policy allkeys-lru\nrequirepass \"p w\"\n", string(got))

	// A second rewrite is stable, and reading the file back gives the same values.
	require.NoError(t, tab.Rewrite(p, &c))
	again, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, string(got), string(again))
	dirs, err = ReadFile(p)
	require.NoError(t, err)
	var back conf
	tab.SetDefaults(&back)
	require.NoError(t, tab.Load(&back, dirs))
	assert.Equal(t, c, back)
}

func TestTablePanicsOnDuplicates(t *testing.T) {
	p := Param[conf]{Name: "x", Get: func(*conf) string { return "" }, Set: func(*conf, Value) error { return nil }}
	assert.Panics(t, func() { NewTable(p, p) })
	q := p
	q.Name, q.Aliases = "y", []string{"x"}
	assert.Panics(t, func() { NewTable(p, q) })
	r := p
	r.Get = nil
	assert.Panics(t, func() { NewTable(r) })
}
