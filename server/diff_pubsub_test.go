package server

import (
	"slices"
	"strings"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/require"
)

// psStep is one step of a Pub/Sub script played on several connections of
// both servers: send args on connection conn (none: only read), then read
// replies replies there. unordered compares them as a multiset, for
// UNSUBSCRIBE without arguments and a message matching several patterns,
// whose order Redis leaves to its dicts.
type psStep struct {
	conn      int
	args      []string
	replies   int
	unordered bool
	resp3     bool // only in RESP3
}

func ps(conn int, replies int, args ...string) psStep {
	return psStep{conn: conn, args: args, replies: replies}
}

func psAny(conn int, replies int, args ...string) psStep {
	return psStep{conn: conn, args: args, replies: replies, unordered: true}
}

// pubsubScript covers subscribe and unsubscribe replies and counts,
// pattern and shard delivery, subscribed-mode errors and PING, PUBSUB's
// subcommands and their errors, and RESET. Connection 0 publishes.
var pubsubScript = []psStep{
	// nothing subscribed yet
	ps(1, 1, "UNSUBSCRIBE"), ps(1, 1, "PUNSUBSCRIBE"), ps(1, 1, "SUNSUBSCRIBE"),
	ps(1, 1, "UNSUBSCRIBE", "x"), ps(1, 1, "PUNSUBSCRIBE", "x*"), ps(1, 1, "SUNSUBSCRIBE", "x"),
	ps(0, 1, "PUBLISH", "news", "nobody"), ps(0, 1, "SPUBLISH", "news", "nobody"),
	ps(0, 1, "PUBSUB", "NUMPAT"), ps(0, 1, "PUBSUB", "CHANNELS"), ps(0, 1, "PUBSUB", "NUMSUB"),
	// errors
	ps(0, 1, "SUBSCRIBE"), ps(0, 1, "PSUBSCRIBE"), ps(0, 1, "SSUBSCRIBE"), ps(0, 1, "PUBLISH", "a"),
	ps(0, 1, "PUBLISH", "a", "b", "c"), ps(0, 1, "SPUBLISH", "a"), ps(0, 1, "PUBSUB"), ps(0, 1, "PUBSUB", "FOO"),
	ps(0, 1, "PUBSUB", "NUMPAT", "x"), ps(0, 1, "PUBSUB", "CHANNELS", "a", "b"), ps(0, 1, "PUBSUB", "shardchannels", "a", "b"),
	ps(0, 1, "PUBSUB", "HELP"), ps(0, 1, "PUBSUB", "help", "x"), ps(0, 1, "RESET", "x"),

	// channels, patterns and shard channels
	ps(1, 2, "SUBSCRIBE", "news", "sport"), ps(1, 1, "SUBSCRIBE", "news"),
	ps(2, 2, "PSUBSCRIBE", "n*", "h?llo"), ps(2, 1, "PSUBSCRIBE", "[ns]*"),
	ps(3, 1, "SSUBSCRIBE", "news"), ps(3, 1, "SUBSCRIBE", "sport"),
	ps(0, 1, "PUBLISH", "news", "m1"), ps(1, 1), psAny(2, 2),
	ps(0, 1, "PUBLISH", "sport", "m2"), ps(1, 1), ps(2, 1), ps(3, 1),
	ps(0, 1, "PUBLISH", "hello", ""), ps(2, 1),
	ps(0, 1, "PUBLISH", "hallo", "\x00bin\r\n"), ps(2, 1),
	ps(0, 1, "SPUBLISH", "news", "shard"), ps(3, 1),
	ps(0, 1, "PUBLISH", "other", "nobody"),
	ps(0, 1, "PUBSUB", "NUMPAT"), psAny(0, 1, "PUBSUB", "CHANNELS"), ps(0, 1, "PUBSUB", "CHANNELS", "n*"),
	ps(0, 1, "PUBSUB", "CHANNELS", "x*"), ps(0, 1, "PUBSUB", "NUMSUB", "news", "sport", "none"),
	ps(0, 1, "PUBSUB", "SHARDCHANNELS"), ps(0, 1, "PUBSUB", "SHARDNUMSUB", "news", "sport"),

	// subscribed mode: only some commands, PING's shape
	ps(1, 1, "GET", "x"), ps(1, 1, "SET", "x", "y"), ps(1, 1, "PING"), ps(1, 1, "PING", "hi"),
	ps(1, 1, "PING", "a", "b"), ps(1, 1, "PUBSUB", "NUMPAT"), ps(1, 1, "NOSUCH"), ps(1, 1, "PUBLISH", "a", "b"),
	ps(3, 1, "GET", "x"), ps(3, 1, "PING"),
	// RESP3: any command, its own messages interleaved with its replies
	{conn: 1, args: []string{"PUBLISH", "sport", "self"}, replies: 2, resp3: true},
	{conn: 3, replies: 1, resp3: true},
	{conn: 1, args: []string{"SET", "k", "v"}, replies: 1, resp3: true},
	{conn: 0, args: []string{"PUBLISH", "news", "between"}, replies: 1, resp3: true},
	{conn: 1, args: []string{"GET", "k"}, replies: 2, resp3: true},
	{conn: 1, args: []string{"DEL", "k"}, replies: 1, resp3: true},
	{conn: 2, replies: 3, unordered: true, resp3: true}, // self and between, by pattern

	// unsubscribing
	ps(1, 1, "UNSUBSCRIBE", "none"), ps(1, 1, "PUNSUBSCRIBE", "n*"), ps(1, 1, "UNSUBSCRIBE", "news"),
	ps(0, 1, "PUBLISH", "news", "m3"), psAny(2, 2),
	psAny(2, 3, "PUNSUBSCRIBE"), ps(2, 1, "PUNSUBSCRIBE"), ps(2, 1, "PING"),
	ps(3, 1, "SUNSUBSCRIBE", "news"), ps(3, 1, "PING"), ps(3, 1, "SUNSUBSCRIBE"), ps(3, 1, "UNSUBSCRIBE"),
	ps(3, 1, "PING"), ps(3, 1, "GET", "x"),
	ps(1, 1, "RESET"), ps(1, 1, "PING"), ps(0, 1, "PUBSUB", "NUMSUB", "sport"), ps(0, 1, "PUBLISH", "sport", "gone"),

	// several channels dropped at once; the counts go down
	ps(1, 3, "SUBSCRIBE", "a", "b", "c"), ps(1, 1, "PSUBSCRIBE", "*"), ps(1, 1, "SSUBSCRIBE", "s"),
	ps(0, 1, "PUBLISH", "a", "both"), psAny(1, 2),
	psAny(1, 3, "UNSUBSCRIBE"), ps(1, 1, "UNSUBSCRIBE"), ps(1, 1, "PING"), ps(1, 1, "PUNSUBSCRIBE", "*", "*"),
	ps(1, 1, "PING"), ps(1, 1, "SUNSUBSCRIBE", "s", "s"), ps(1, 1, "PING"),
}

func TestDiffPubSub(t *testing.T) {
	miniAddr, redisAddr := startDiff(t)
	for _, proto := range []string{"2", "3"} {
		t.Run("resp"+proto, func(t *testing.T) {
			var pairs []*redistest.Pair
			for range 4 {
				p := redistest.NewPair(t, miniAddr, redisAddr)
				hello(t, p, proto)
				pairs = append(pairs, p)
			}
			for i, st := range pubsubScript {
				if st.resp3 && proto != "3" {
					continue
				}
				p := pairs[st.conn]
				if st.args != nil {
					require.NoError(t, p.Redis.Send(st.args...))
					require.NoError(t, p.Mini.Send(st.args...))
				}
				var want, got []string
				for range st.replies {
					r, err := p.Redis.Read()
					require.NoError(t, err, "step %d %q: redis-server", i, st.args)
					want = append(want, r.Canonical(st.unordered && st.replies == 1).String())
					m, err := p.Mini.Read()
					require.NoError(t, err, "step %d %q: miniredis (redis said %v)", i, st.args, r)
					got = append(got, m.Canonical(st.unordered && st.replies == 1).String())
				}
				if st.unordered {
					// Each reply sorted, then the replies: a multiset. The
					// counts that UNSUBSCRIBE replies end with follow the
					// order, so they are compared as a multiset of their own.
					want, got = unorderedReplies(want), unorderedReplies(got)
				}
				require.Equal(t, strings.Join(want, "\n"), strings.Join(got, "\n"), "step %d: conn %d %q", i, st.conn, st.args)
			}
		})
	}
}

// unorderedReplies sorts rendered replies, moving a trailing count (" :n]")
// of each into a sorted list of its own.
func unorderedReplies(rs []string) []string {
	var rest, counts []string
	for _, r := range rs {
		if i := strings.LastIndex(r, " :"); i >= 0 && strings.HasSuffix(r, "]") {
			rest = append(rest, r[:i])
			counts = append(counts, r[i:])
			continue
		}
		rest = append(rest, r)
	}
	slices.Sort(rest)
	slices.Sort(counts)
	return append(rest, counts...)
}
