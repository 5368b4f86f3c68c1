package server

import (
	"strconv"
	"strings"
	"testing"

	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCommandTableInvariants(t *testing.T) {
	seen := map[string]bool{}
	for _, cmd := range commands {
		t.Run(cmd.name, func(t *testing.T) {
			assert.Equal(t, strings.ToUpper(cmd.name), cmd.name, "names are upper case")
			assert.False(t, seen[cmd.name], "registered once")
			seen[cmd.name] = true
			assert.NotZero(t, cmd.arity, "arity 0 is meaningless")
			assert.NotNil(t, cmd.fn)
			assert.NotEmpty(t, cmd.group)
			assert.NotEmpty(t, cmd.summary)
			isRead, isWrite := cmd.flags&flagRead != 0, cmd.flags&flagWrite != 0
			assert.False(t, isRead && isWrite, "a command is read or write, not both")
			if cmd.firstKey > 0 {
				assert.True(t, isRead != isWrite, "a command with keys is exactly one of read/write")
				assert.GreaterOrEqual(t, cmd.step, 1)
				if cmd.arity > 0 {
					assert.Less(t, cmd.firstKey, cmd.arity, "first key within the arity")
					assert.Less(t, cmd.lastKey, cmd.arity, "last key within the arity")
				}
				if cmd.lastKey >= 0 {
					assert.GreaterOrEqual(t, cmd.lastKey, cmd.firstKey)
				} else {
					assert.Contains(t, []int{-1, -2}, cmd.lastKey, "the last argument, or the one before (BLPOP's timeout follows its keys)")
				}
			} else {
				assert.Zero(t, cmd.lastKey)
				assert.Zero(t, cmd.step)
			}
			assert.Same(t, &commands[indexOf(cmd.name)], lookup([]byte(strings.ToLower(cmd.name))), "lookup ignores case")
		})
	}
}

func indexOf(name string) int {
	for i := range commands {
		if commands[i].name == name {
			return i
		}
	}
	return -1
}

func TestLookupAllocatesNothing(t *testing.T) {
	name := []byte("get")
	allocs := testing.AllocsPerRun(1000, func() {
		if lookup(name) == nil {
			panic("GET not found")
		}
	})
	assert.Zero(t, allocs)
	assert.Nil(t, lookup([]byte(strings.Repeat("x", 100))), "overlong names are unknown")
}

// TestReadCommandsNeverWrite runs every command flagged read against keys
// of each type and checks that the store saw no write: the drift godis
// suffered (GETEX flagged read-only) cannot happen silently here.
func TestReadCommandsNeverWrite(t *testing.T) {
	for _, mode := range []Mode{ModeMini, ModeRedis} {
		s, err := New(testConfig(mode))
		require.NoError(t, err)
		c := newTestClient(s)
		// One key of every type, built by the commands of that type (in
		// redis mode SET does not infer lists and hashes).
		keys := []struct {
			name string
			kind shard.Kind
		}{
			{"str", shard.KindString}, {"list", shard.KindList}, {"hash", shard.KindHash},
			{"set", shard.KindSet}, {"zset", shard.KindZSet}, {"missing", shard.KindNone},
		}
		c.exec(bargs("SET", "str", "v"))
		c.exec(bargs("RPUSH", "list", "a", "b", "c"))
		c.exec(bargs("HSET", "hash", "f", "v", "g", "w"))
		c.exec(bargs("SADD", "set", "a", "b"))
		c.exec(bargs("ZADD", "zset", "1", "a", "2", "b"))
		_ = c.w.Flush()
		now := s.now()
		before := make([]string, len(keys))
		for i, k := range keys {
			got := shard.KindNone
			s.store.View([]byte(k.name), now, func(v shard.Value) { got, before[i] = v.Kind(), dumpValue(v) })
			require.Equal(t, k.kind, got, "%s: the type of %q", mode, k.name)
		}
		for _, cmd := range commands {
			if cmd.flags&flagRead == 0 {
				continue
			}
			for _, k := range keys {
				args := readArgs(&cmd, k.name)
				before := s.store.Stats().Writes
				c.exec(args)
				_ = c.w.Flush()
				assert.Equal(t, before, s.store.Stats().Writes, "%s %s wrote to the store", mode, args)
			}
		}
		// A read that changed a value in place under the read lock takes
		// no write lock; the values show it.
		for i, k := range keys {
			after := ""
			s.store.View([]byte(k.name), now, func(v shard.Value) { after = dumpValue(v) })
			assert.Equal(t, before[i], after, "%s: read commands changed %q", mode, k.name)
		}
	}
}

// dumpValue renders a value's kind and contents, in the store's order.
func dumpValue(v shard.Value) string {
	var b strings.Builder
	b.WriteString(v.Kind().String())
	add := func(p []byte) { b.WriteByte(' '); b.Write(p) }
	switch v.Kind() {
	case shard.KindString:
		add(v.Bytes())
	case shard.KindList:
		v.List().Range(0, -1, func(e []byte) bool { add(e); return true })
	case shard.KindHash:
		v.Hash().Each(func(f, val []byte) bool { add(f); add(val); return true })
	case shard.KindSet:
		v.Set().Each(func(m []byte) bool { add(m); return true })
	case shard.KindZSet:
		v.ZSet().Range(0, v.ZSet().Len()-1, false, func(m []byte, sc float64) bool {
			add(m)
			add(strconv.AppendFloat(nil, sc, 'g', -1, 64))
			return true
		})
	}
	return b.String()
}

// readArgs builds a call of cmd at its minimum arity with key at every key
// position and "0" elsewhere, which every read command accepts or rejects
// without side effects.
func readArgs(cmd *command, key string) [][]byte {
	n := cmd.arity
	if n < 0 {
		n = -n
	}
	args := make([][]byte, n)
	args[0] = []byte(cmd.name)
	for i := 1; i < n; i++ {
		args[i] = []byte("0")
		if cmd.firstKey > 0 && i >= cmd.firstKey && (cmd.lastKey < 0 || i <= cmd.lastKey) && (i-cmd.firstKey)%cmd.step == 0 {
			args[i] = []byte(key)
		}
	}
	return args
}

func bargs(args ...string) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = []byte(a)
	}
	return out
}

func TestUnknownCommandAndArity(t *testing.T) {
	s := startServer(t, redisConfig())
	long := strings.Repeat("x", 200)
	runExchanges(t, dial(t, s), []exchange{
		{"unknown", resp("FOO", "a", "b"), "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n"},
		{"unknown no args", resp("nope"), "-ERR unknown command 'nope', with args beginning with: \r\n"},
		{"unknown newline blanked", resp("FOO", "a\r\nb"), "-ERR unknown command 'FOO', with args beginning with: 'a  b' \r\n"},
		{"unknown long arg cut at 128", resp("FOO", long), "-ERR unknown command 'FOO', with args beginning with: '" + long[:128] + "' \r\n"},
		{"arity exact", resp("ECHO"), "-ERR wrong number of arguments for 'echo' command\r\n"},
		{"arity minimum", resp("DEL"), "-ERR wrong number of arguments for 'del' command\r\n"},
		{"still serving", resp("PING"), "+PONG\r\n"},
	})
}

// keylessCommands touch the keyspace without naming keys: a transaction or
// script that runs one holds every shard.
var keylessCommands = map[string]bool{
	"KEYS": true, "SCAN": true, "RANDOMKEY": true, "DBSIZE": true,
	"FLUSHALL": true, "FLUSHDB": true, "SWAPDB": true, "CLEARALL": true,
}

// TestCommandKeys checks every command names its keys: a command that
// touches the keyspace has key positions or a key function, unless it is one
// of the known keyless ones. Then each command with keys runs, with several
// argument shapes, under a held set of exactly the shards of the keys it
// declares; a touch of any other shard fails the test. That is what lets
// EXEC and scripts lock only what they need.
func TestCommandKeys(t *testing.T) {
	for _, mode := range []Mode{ModeMini, ModeRedis} {
		cfg := testConfig(mode)
		cfg.Shards = 256
		s, err := New(cfg)
		require.NoError(t, err)
		c := newTestClient(s)
		for _, cmd := range commands {
			touches := cmd.flags&(flagRead|flagWrite) != 0
			switch {
			case !touches:
				continue
			case keylessCommands[cmd.name]:
				assert.True(t, cmd.keyless(), "%s is keyless", cmd.name)
				continue
			}
			require.False(t, cmd.keyless(), "%s touches keys but names none", cmd.name)
			for _, ks := range keyShapes(&cmd) {
				shape := ks.args
				c.db = s.store.DB(0)
				for _, k := range cmd.appendKeys(nil, shape) {
					c.exec(bargs("DEL", string(k)))
				}
				// Values that take the handler down its full path.
				for _, setup := range ks.setup {
					c.exec(bargs(setup...))
				}
				c.w.Reset()
				declared := cmd.appendKeys(nil, shape)
				h := s.store.Hold(declared)
				h.Miss = func(j int) {
					t.Errorf("%s %q touched shard %d outside its declared keys %q", mode, shape, j, declared)
				}
				c.db = h.DB(0)
				c.call(&cmd, shape)
				c.multi, c.quit = nil, false
				h.Release()
				c.db = s.store.DB(0)
				c.w.Reset()
			}
		}
	}
}

// keyShape is one call for TestCommandKeys and the commands that prepare
// its keys.
type keyShape struct {
	setup [][]string
	args  [][]byte
}

// keyShapeExtras are calls that get past a command's argument checks to its
// key work, for commands whose generic shapes below stop at a syntax error
// or a missing key, with the values that lead them down their full paths.
var keyShapeExtras = map[string][]struct{ setup, args []string }{
	"LMOVE": {
		{[]string{"RPUSH", "key:1", "a", "b"}, []string{"LMOVE", "key:1", "key:2", "LEFT", "RIGHT"}},
		{[]string{"RPUSH", "key:1", "a"}, []string{"LMOVE", "key:1", "key:1", "RIGHT", "LEFT"}},
	},
	"RPOPLPUSH": {{[]string{"RPUSH", "key:1", "a"}, []string{"RPOPLPUSH", "key:1", "key:2"}}},
	"LMPOP": {
		{[]string{"RPUSH", "key:4", "a", "b", "c"}, []string{"LMPOP", "3", "key:2", "key:3", "key:4", "LEFT", "COUNT", "2"}},
		{nil, []string{"LMPOP", "2", "key:2", "key:3", "RIGHT"}},
	},
	"ZMPOP": {
		{[]string{"ZADD", "key:3", "1", "a", "2", "b"}, []string{"ZMPOP", "2", "key:2", "key:3", "MAX", "COUNT", "5"}},
		{nil, []string{"ZMPOP", "2", "key:2", "key:3", "MIN"}},
	},
	"SMOVE": {{[]string{"SADD", "key:1", "a", "b"}, []string{"SMOVE", "key:1", "key:2", "a"}}},
	// issue 14, i-types
	"ZRANGESTORE": {{[]string{"ZADD", "key:2", "1", "a", "2", "b"}, []string{"ZRANGESTORE", "key:1", "key:2", "0", "-1"}}},
	"ZUNIONSTORE": {{[]string{"ZADD", "key:3", "1", "a"}, []string{"ZUNIONSTORE", "key:1", "2", "key:3", "key:4", "WEIGHTS", "1", "2"}}},
	"ZINTERSTORE": {{[]string{"SADD", "key:4", "a"}, []string{"ZINTERSTORE", "key:1", "2", "key:3", "key:4"}}},
	"ZDIFFSTORE":  {{[]string{"ZADD", "key:3", "1", "a"}, []string{"ZDIFFSTORE", "key:1", "2", "key:3", "key:4"}}},
	"ZUNION":      {{[]string{"ZADD", "key:3", "1", "a"}, []string{"ZUNION", "2", "key:3", "key:4", "WITHSCORES"}}},
	"ZINTERCARD":  {{[]string{"ZADD", "key:3", "1", "a"}, []string{"ZINTERCARD", "2", "key:3", "key:4", "LIMIT", "1"}}},
	"SINTERSTORE": {{[]string{"SADD", "key:2", "a"}, []string{"SINTERSTORE", "key:1", "key:2", "key:3"}}},
	"SUNIONSTORE": {{[]string{"SADD", "key:2", "a"}, []string{"SUNIONSTORE", "key:1", "key:2", "key:3"}}},
	"SDIFFSTORE":  {{[]string{"SADD", "key:2", "a"}, []string{"SDIFFSTORE", "key:1", "key:2", "key:3"}}},
	"SINTERCARD":  {{[]string{"SADD", "key:2", "a"}, []string{"SINTERCARD", "2", "key:2", "key:3", "LIMIT", "1"}}},
	"COPY":        {{[]string{"SET", "key:1", "v"}, []string{"COPY", "key:1", "key:2", "DB", "1", "REPLACE"}}},
	"LCS":         {{[]string{"SET", "key:1", "ab"}, []string{"LCS", "key:1", "key:2", "IDX"}}},
	"OBJECT":      {{[]string{"SET", "key:2", "v"}, []string{"OBJECT", "ENCODING", "key:2"}}},
	"SORT":        {{[]string{"RPUSH", "key:1", "3", "1"}, []string{"SORT", "key:1", "DESC", "LIMIT", "0", "1", "GET", "#"}}},
	"SORT_RO":     {{[]string{"RPUSH", "key:1", "3", "1"}, []string{"SORT_RO", "key:1", "ALPHA"}}},
	// streams
	"XREAD": {
		{[]string{"XADD", "key:3", "1-1", "f", "v"}, []string{"XREAD", "COUNT", "5", "STREAMS", "key:2", "key:3", "0", "0"}},
		{nil, []string{"XREAD", "STREAMS", "key:2", "$"}},
	},
	"XREADGROUP": {
		{[]string{"XGROUP", "CREATE", "key:3", "g", "0", "MKSTREAM"}, []string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "key:3", ">"}},
		{[]string{"XADD", "key:3", "1-1", "f", "v"}, []string{"XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "key:3", "0"}},
	},
	"XGROUP": {
		{nil, []string{"XGROUP", "CREATE", "key:2", "g", "$", "MKSTREAM"}},
		{[]string{"XADD", "key:2", "1-1", "f", "v"}, []string{"XGROUP", "CREATECONSUMER", "key:2", "g", "c"}},
	},
	"XINFO": {{[]string{"XADD", "key:2", "1-1", "f", "v"}, []string{"XINFO", "STREAM", "key:2", "FULL"}}},
	"MEMORY": {
		{[]string{"RPUSH", "key:1", "a", "b"}, []string{"MEMORY", "USAGE", "key:1", "SAMPLES", "0"}},
		{[]string{"SET", "key:2", "v"}, []string{"MEMORY", "USAGE", "key:2"}},
		{nil, []string{"MEMORY", "STATS"}},
	},
}

// keyShapes returns a few calls of cmd: its minimum arity and a longer one,
// with distinct keys (spread over shards) at the key positions and small
// numbers elsewhere, and its keyShapeExtras.
func keyShapes(cmd *command) []keyShape {
	n := cmd.arity
	if n < 0 {
		n = -n
	}
	var shapes []keyShape
	for _, ex := range keyShapeExtras[cmd.name] {
		var setup [][]string
		if ex.setup != nil {
			setup = append(setup, ex.setup)
		}
		shapes = append(shapes, keyShape{setup: setup, args: bargs(ex.args...)})
	}
	for _, extra := range []int{0, 2, 4} {
		if cmd.arity > 0 && extra > 0 {
			break
		}
		args := make([]string, n+extra)
		args[0] = cmd.name
		for i := 1; i < len(args); i++ {
			args[i] = "1"
		}
		probe := make([][]byte, len(args))
		for i := range args {
			probe[i] = []byte(args[i])
		}
		if cmd.keysFn != nil && len(args) < 3 {
			// Too short for numkeys: the extras above cover it.
			continue
		}
		if cmd.keysFn != nil {
			// numkeys-style: say all remaining arguments are keys.
			args[2] = strconv.Itoa(len(args) - 3)
			for i := 3; i < len(args); i++ {
				args[i] = "key:" + strconv.Itoa(i)
			}
			if strings.HasPrefix(cmd.name, "EVAL") {
				args[1] = "return 1"
			}
		} else {
			last := cmd.lastKey
			if last < 0 {
				last += len(args)
			}
			for i := cmd.firstKey; i <= last && i < len(args); i += max(cmd.step, 1) {
				args[i] = "key:" + strconv.Itoa(i)
			}
		}
		shapes = append(shapes, keyShape{args: bargs(args...)})
	}
	return shapes
}
