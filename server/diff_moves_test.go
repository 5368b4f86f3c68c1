package server

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// Differential cases for the commands that move or pop across keys (LMOVE,
// RPOPLPUSH, LMPOP, ZMPOP, SMOVE): every error path in Redis 7.0's order of
// checks, the edge values of numkeys and COUNT, WRONGTYPE on either side
// (each followed by reads showing that nothing changed) and a source that is
// its own destination. Run in RESP2 and again in RESP3.
var movesScript = []diffCmd{
	// LMOVE and RPOPLPUSH
	x("RPUSH", "l", "a", "b", "c", "d"),
	x("LMOVE", "l", "m", "LEFT", "RIGHT"), x("LMOVE", "l", "m", "right", "left"), x("LMOVE", "l", "m", "Left", "Left"),
	x("LMOVE", "m", "l", "RIGHT", "RIGHT"), x("LRANGE", "l", "0", "-1"), x("LRANGE", "m", "0", "-1"),
	x("LMOVE", "l", "l", "LEFT", "RIGHT"), x("LMOVE", "l", "l", "RIGHT", "LEFT"), x("LMOVE", "l", "l", "LEFT", "LEFT"),
	x("LMOVE", "l", "l", "RIGHT", "RIGHT"), x("LRANGE", "l", "0", "-1"),
	x("LMOVE", "nol", "m", "LEFT", "LEFT"), x("LMOVE", "nol", "nol", "LEFT", "LEFT"), x("EXISTS", "nol"),
	x("LMOVE", "l", "m", "UP", "LEFT"), x("LMOVE", "l", "m", "LEFT", "DOWN"), x("LMOVE", "nol", "m", "UP", "LEFT"),
	x("LMOVE", "l", "m", "", "LEFT"), x("LMOVE", "l", "m", "LEFTX", "LEFT"),
	x("LMOVE", "l", "m", "LEFT"), x("LMOVE", "l", "m", "LEFT", "LEFT", "LEFT"), x("LMOVE", "l"),
	x("SET", "str", "v"), x("SADD", "set", "x"),
	x("LMOVE", "str", "m", "LEFT", "LEFT"), x("LMOVE", "l", "str", "LEFT", "LEFT"), x("LMOVE", "l", "set", "RIGHT", "LEFT"),
	x("LMOVE", "str", "str", "LEFT", "LEFT"), x("LMOVE", "nol", "str", "LEFT", "LEFT"), x("LMOVE", "str", "l", "UP", "LEFT"),
	x("LRANGE", "l", "0", "-1"), x("LRANGE", "m", "0", "-1"), x("GET", "str"), x("TYPE", "set"),
	x("RPUSH", "one", "x"), x("LMOVE", "one", "one", "LEFT", "RIGHT"), x("LRANGE", "one", "0", "-1"),
	x("LMOVE", "one", "two", "LEFT", "RIGHT"), x("EXISTS", "one"), x("LRANGE", "two", "0", "-1"),
	x("RPOPLPUSH", "two", "one"), x("EXISTS", "two"), x("LRANGE", "one", "0", "-1"),
	x("RPOPLPUSH", "l", "m"), x("RPOPLPUSH", "l", "l"), x("LRANGE", "l", "0", "-1"), x("LRANGE", "m", "0", "-1"),
	x("RPOPLPUSH", "nol", "m"), x("RPOPLPUSH", "nol", "str"), x("RPOPLPUSH", "str", "m"), x("RPOPLPUSH", "m", "str"),
	x("RPOPLPUSH", "m", "set"), x("LRANGE", "m", "0", "-1"), x("RPOPLPUSH", "m"), x("RPOPLPUSH", "m", "l", "x"),
	x("SET", "vol", "v", "EX", "1000"), x("DEL", "vol"), x("RPUSH", "vol", "1", "2"), x("EXPIRE", "vol", "1000"),
	x("LMOVE", "vol", "vol2", "LEFT", "LEFT"), x("TTL", "vol"), x("TTL", "vol2"), x("LMOVE", "vol", "vol2", "LEFT", "LEFT"),
	x("EXISTS", "vol"), x("TTL", "vol2"), x("LRANGE", "vol2", "0", "-1"),
	x("RPUSH", "{t}a", "1", "2"), x("LMOVE", "{t}a", "{t}b", "LEFT", "LEFT"), x("LMOVE", "{t}a", "other", "LEFT", "LEFT"),
	x("EXISTS", "{t}a"), x("LRANGE", "{t}b", "0", "-1"), x("LRANGE", "other", "0", "-1"),

	// LMPOP
	x("DEL", "l", "m"), x("RPUSH", "l", "a", "b", "c", "d", "e"), x("RPUSH", "m", "x", "y"),
	x("LMPOP", "1", "l", "LEFT"), x("LMPOP", "1", "l", "right"), x("LMPOP", "2", "nol", "l", "LEFT", "COUNT", "2"),
	x("LMPOP", "2", "l", "m", "RIGHT", "count", "9223372036854775807"), x("EXISTS", "l"),
	x("LMPOP", "3", "nol", "l", "m", "LEFT", "COUNT", "1"), x("LMPOP", "2", "nol", "nol2", "LEFT"),
	x("LMPOP", "1", "m", "LEFT", "COUNT", "5"), x("EXISTS", "m"), x("LMPOP", "1", "m", "LEFT"),
	x("LMPOP", "2", "l", "l", "LEFT"), x("RPUSH", "l", "a", "b", "c"), x("LMPOP", "2", "l", "l", "LEFT", "COUNT", "2"),
	// numkeys: not a number, zero, negative, too large for the arguments,
	// and values around the int64, int32 and argument-count edges
	x("LMPOP", "0", "l", "LEFT"), x("LMPOP", "-1", "l", "LEFT"), x("LMPOP", "x", "l", "LEFT"), x("LMPOP", "", "l", "LEFT"),
	x("LMPOP", "1.5", "l", "LEFT"), x("LMPOP", "+1", "l", "LEFT"), x("LMPOP", "01", "l", "LEFT"), x("LMPOP", " 1", "l", "LEFT"),
	x("LMPOP", "2", "l", "LEFT"), x("LMPOP", "3", "l", "LEFT"), x("LMPOP", "2", "l", "m", "COUNT"),
	x("LMPOP", "9223372036854775807", "l", "LEFT"), x("LMPOP", "9223372036854775806", "l", "LEFT"),
	x("LMPOP", "9223372036854775808", "l", "LEFT"), x("LMPOP", "-9223372036854775808", "l", "LEFT"),
	x("LMPOP", "2147483648", "l", "LEFT"), x("LMPOP", "4294967297", "l", "LEFT"), x("LMPOP", "4294967296", "l", "LEFT"),
	x("LMPOP", "-4294967295", "l", "LEFT"),
	// direction and options
	x("LMPOP", "1", "l", "MIDDLE"), x("LMPOP", "1", "l", "MIN"), x("LMPOP", "1", "l", "LEFT", "COUNT"),
	x("LMPOP", "1", "l", "LEFT", "COUNT", "0"), x("LMPOP", "1", "l", "LEFT", "COUNT", "-1"), x("LMPOP", "1", "l", "LEFT", "COUNT", "x"),
	x("LMPOP", "1", "l", "LEFT", "COUNT", "9223372036854775808"), x("LMPOP", "1", "l", "LEFT", "COUNT", "-9223372036854775808"),
	x("LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1"), x("LMPOP", "1", "l", "LEFT", "FOO"), x("LMPOP", "1", "l", "LEFT", "FOO", "1"),
	x("LMPOP", "1", "l", "LEFT", "COUNT", "0", "FOO"), x("LMPOP", "1", "l", "LEFT", "FOO", "COUNT", "0"),
	x("LMPOP", "1", "l", "LEFT", "COUNT", "1", "FOO"), x("LMPOP", "1", "str", "MIDDLE"), x("LMPOP", "1", "str", "LEFT", "COUNT", "0"),
	x("LMPOP", "0", "str", "MIDDLE"), x("LMPOP", "1", "l"), x("LMPOP", "1"), x("LMPOP"),
	// WRONGTYPE: the first existing key decides
	x("LMPOP", "1", "str", "LEFT"), x("LMPOP", "2", "nol", "str", "LEFT"), x("LMPOP", "2", "str", "l", "LEFT"),
	x("LMPOP", "2", "l", "str", "RIGHT"), x("LMPOP", "3", "set", "nol", "l", "LEFT"), x("LRANGE", "l", "0", "-1"), x("GET", "str"),

	// ZMPOP
	x("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "-inf", "lo", "+inf", "hi", "2.5", "mid"), x("ZADD", "z2", "0.1", "x"),
	x("ZMPOP", "1", "z", "MIN"), x("ZMPOP", "1", "z", "max"), x("ZMPOP", "1", "z", "MIN", "COUNT", "2"),
	x("ZMPOP", "2", "noz", "z", "MAX", "COUNT", "1"), x("ZMPOP", "2", "noz", "noz2", "MIN"),
	x("ZMPOP", "2", "z", "z2", "Min", "count", "9223372036854775807"), x("EXISTS", "z"),
	x("ZMPOP", "1", "z2", "MAX", "COUNT", "100"), x("EXISTS", "z2"), x("ZMPOP", "1", "z2", "MAX"),
	x("ZADD", "z", "1", "a", "1", "b", "1", "c"), x("ZMPOP", "2", "z", "z", "MAX", "COUNT", "2"), x("ZMPOP", "1", "z", "MIN", "COUNT", "1"),
	x("ZADD", "z", "1", "a", "2", "b", "3", "c"),
	x("ZMPOP", "0", "z", "MIN"), x("ZMPOP", "-1", "z", "MIN"), x("ZMPOP", "x", "z", "MIN"), x("ZMPOP", "", "z", "MIN"),
	x("ZMPOP", "2", "z", "MIN"), x("ZMPOP", "9223372036854775807", "z", "MIN"), x("ZMPOP", "9223372036854775808", "z", "MIN"),
	x("ZMPOP", "2147483648", "z", "MIN"), x("ZMPOP", "4294967297", "z", "MIN"), x("ZMPOP", "-9223372036854775808", "z", "MIN"),
	x("ZMPOP", "1", "z", "LEFT"), x("ZMPOP", "1", "z", "MINIMUM"), x("ZMPOP", "1", "z", "MIN", "COUNT"),
	x("ZMPOP", "1", "z", "MIN", "COUNT", "0"), x("ZMPOP", "1", "z", "MIN", "COUNT", "-5"), x("ZMPOP", "1", "z", "MIN", "COUNT", "1.0"),
	x("ZMPOP", "1", "z", "MIN", "COUNT", "9223372036854775808"), x("ZMPOP", "1", "z", "MIN", "COUNT", "2", "COUNT", "2"),
	x("ZMPOP", "1", "z", "MIN", "WITHSCORES"), x("ZMPOP", "1", "z", "MIN", "COUNT", "x", "FOO"), x("ZMPOP", "1", "z"), x("ZMPOP", "1"),
	x("ZMPOP", "1", "str", "MIN"), x("ZMPOP", "2", "noz", "str", "MAX"), x("ZMPOP", "2", "str", "z", "MIN"),
	x("ZMPOP", "2", "z", "str", "MIN"), x("ZMPOP", "2", "l", "z", "MIN"), x("ZMPOP", "1", "str", "UP"),
	x("ZRANGE", "z", "0", "-1", "WITHSCORES"),

	// SMOVE
	x("SADD", "s", "a", "b", "c"), x("SADD", "t", "c", "d"),
	x("SMOVE", "s", "t", "a"), x("SMOVE", "s", "t", "c"), x("SMOVE", "s", "t", "nope"), x("SMOVE", "s", "new", "b"),
	u("SMEMBERS", "s"), u("SMEMBERS", "t"), u("SMEMBERS", "new"), x("EXISTS", "s"),
	x("SMOVE", "nos", "t", "a"), x("SMOVE", "nos", "str", "a"), x("SMOVE", "nos", "nos", "a"), x("EXISTS", "nos"),
	x("SMOVE", "t", "t", "a"), x("SMOVE", "t", "t", "zz"), u("SMEMBERS", "t"),
	x("SMOVE", "str", "t", "a"), x("SMOVE", "t", "str", "a"), x("SMOVE", "t", "l", "a"), x("SMOVE", "t", "str", "zz"),
	x("SMOVE", "str", "str", "a"), x("SMOVE", "z", "t", "a"), u("SMEMBERS", "t"), x("GET", "str"),
	x("SMOVE", "t", "u"), x("SMOVE", "t", "u", "a", "b"),
	x("SADD", "solo", "only"), x("SMOVE", "solo", "solo", "only"), x("SMOVE", "solo", "dest", "only"), x("EXISTS", "solo"),
	u("SMEMBERS", "dest"), x("SADD", "{t}s", "1"), x("SMOVE", "{t}s", "{t}u", "1"), x("SMEMBERS", "{t}u"),
	x("SADD", "vs", "1", "2"), x("EXPIRE", "vs", "1000"), x("SMOVE", "vs", "vt", "1"), x("TTL", "vs"), x("TTL", "vt"),
	x("DBSIZE"),
}

func TestDiffMovesScript(t *testing.T) {
	p := redisPair(t)
	for _, proto := range []string{"RESP2", "RESP3"} {
		t.Run(proto, func(t *testing.T) {
			if proto == "RESP3" {
				hello3(t, p)
			}
			p.Compare(false, "FLUSHALL")
			st := runDiff(t, p, movesScript)
			t.Logf("%d commands compared: %d errors, %d nil or empty replies", st.cmds, st.errors, st.empty)
		})
	}
}

// The random differential run (TestDiffRandom) mixes the moves with the
// string and key commands on the same few keys, so they meet strings,
// missing keys and each other's lists, sets and sorted sets; the writers
// and readers of those types come along so that there is something to move.
func init() {
	diffGens = append(diffGens,
		diffGen{name: "RPUSH", weight: 6, args: func(r *rand.Rand) []string {
			return append([]string{"RPUSH", diffTypedKey(r, 0)}, diffMembers(r, 1+r.IntN(3))...)
		}},
		diffGen{name: "LPUSH", weight: 2, args: func(r *rand.Rand) []string {
			return append([]string{"LPUSH", diffTypedKey(r, 0)}, diffMembers(r, 1+r.IntN(2))...)
		}},
		diffGen{name: "LRANGE", args: func(r *rand.Rand) []string { return []string{"LRANGE", diffTypedKey(r, 0), "0", "-1"} }},
		diffGen{name: "SADD", weight: 6, args: func(r *rand.Rand) []string {
			return append([]string{"SADD", diffTypedKey(r, 1)}, diffMembers(r, 1+r.IntN(3))...)
		}},
		diffGen{name: "SMEMBERS", unordered: true, args: func(r *rand.Rand) []string { return []string{"SMEMBERS", diffTypedKey(r, 1)} }},
		diffGen{name: "ZADD", weight: 6, args: func(r *rand.Rand) []string {
			args := []string{"ZADD", diffTypedKey(r, 2)}
			for range 1 + r.IntN(3) {
				args = append(args, pick(r, []string{"1", "2", "2.5", "-1", "0", "inf"}), diffMember(r))
			}
			return args
		}},
		diffGen{name: "ZRANGE", args: func(r *rand.Rand) []string {
			return []string{"ZRANGE", diffTypedKey(r, 2), "0", "-1", "WITHSCORES"}
		}},
		// TYPE shows a key left behind holding an empty collection.
		diffGen{name: "TYPE", weight: 3, args: func(r *rand.Rand) []string { return []string{"TYPE", diffTypedKey(r, r.IntN(3))} }},
		diffGen{name: "LMOVE", weight: 3, args: func(r *rand.Rand) []string {
			return []string{"LMOVE", diffTypedKey(r, 0), diffTypedKey(r, 0), diffDirection(r, "LEFT", "RIGHT"), diffDirection(r, "LEFT", "RIGHT")}
		}},
		diffGen{name: "RPOPLPUSH", weight: 2, args: func(r *rand.Rand) []string {
			return []string{"RPOPLPUSH", diffTypedKey(r, 0), diffTypedKey(r, 0)}
		}},
		diffGen{name: "LMPOP", weight: 3, args: func(r *rand.Rand) []string {
			return genMPop(r, "LMPOP", func() string { return diffTypedKey(r, 0) }, "LEFT", "RIGHT")
		}},
		diffGen{name: "ZMPOP", weight: 3, args: func(r *rand.Rand) []string {
			return genMPop(r, "ZMPOP", func() string { return diffTypedKey(r, 2) }, "MIN", "MAX")
		}},
		diffGen{name: "SMOVE", weight: 3, args: func(r *rand.Rand) []string {
			return []string{"SMOVE", diffTypedKey(r, 1), diffTypedKey(r, 1), diffMember(r)}
		}},
	)
}

// diffTypedKey is, half of the time, one of two keys that only the
// generators of one type (0 lists, 1 sets, 2 sorted sets) use, so that moves
// find sources and destinations of their type often enough to succeed; the
// other half it is a key of the shared vocabulary, where the string and key
// commands create, overwrite, rename and delete what the moves touch.
func diffTypedKey(r *rand.Rand, kind int) string {
	if r.IntN(2) == 0 {
		return diffKey(r)
	}
	return []string{"l0", "l1", "s0", "s1", "z0", "z1"}[2*kind+r.IntN(2)]
}

// diffMember is an element, member or field: few of them, so that moves and
// pops meet existing ones.
func diffMember(r *rand.Rand) string { return pick(r, []string{"a", "b", "c", "d", "1", ""}) }

func diffMembers(r *rand.Rand, n int) []string {
	m := make([]string, n)
	for i := range m {
		m[i] = diffMember(r)
	}
	return m
}

// diffDirection is mostly one of the two words in some case, and now and
// then a word the command refuses.
func diffDirection(r *rand.Rand, first, last string) string {
	switch r.IntN(12) {
	case 0:
		return pick(r, []string{"UP", "", "LEFTX", "MIN", "LEFT", "MAX"})
	case 1:
		return pick(r, []string{strings.ToLower(first), strings.ToLower(last)})
	}
	return pick(r, []string{first, last})
}

// genMPop is LMPOP/ZMPOP: mostly a right numkeys with 1-3 keys, a direction
// and an optional COUNT; sometimes a numkeys that is wrong, past the
// arguments or an int64 edge, a bad or repeated COUNT, or a stray option.
func genMPop(r *rand.Rand, name string, key func() string, first, last string) []string {
	keys := make([]string, 1+r.IntN(3))
	for i := range keys {
		keys[i] = key()
	}
	numkeys := strconv.Itoa(len(keys))
	if r.IntN(10) == 0 {
		numkeys = pick(r, append([]string{"0", "-1", "x", "", strconv.Itoa(len(keys) + 1), strconv.Itoa(len(keys) + 3)}, diffEdgeInts...))
	}
	args := append([]string{name, numkeys}, keys...)
	args = append(args, diffDirection(r, first, last))
	switch r.IntN(8) {
	case 0, 1, 2:
		args = append(args, "COUNT", pick(r, []string{"1", "2", "3", "10"}))
	case 3:
		args = append(args, "count", pick(r, append([]string{"x", "1.5", ""}, diffEdgeInts...)))
	case 4:
		tails := [][]string{{"COUNT"}, {"COUNT", "1", "COUNT", "2"}, {"FOO"}, {"COUNT", "1", "FOO"}}
		args = append(args, tails[r.IntN(len(tails))]...)
	}
	return args
}
