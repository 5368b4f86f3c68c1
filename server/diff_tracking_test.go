package server

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/require"
)

// trkStep is one step of a client-side caching script, played on several
// connections of both servers: send args on connection conn (none: only
// read) and compare the replies replies that follow there. "$R" in args
// stands for the ID of connection 3 on each server, the usual redirect
// target. A negative replies reads that many without comparing them (HELLO,
// which names the version). A step whose args are {"#close"} closes conn and waits until
// the server has let it go.
type trkStep struct {
	conn    int
	replies int
	args    []string
}

func tk(conn, replies int, args ...string) trkStep {
	return trkStep{conn: conn, replies: replies, args: args}
}

// quiet checks that nothing is pending on conn: the next reply is PING's.
func quiet(conn int) trkStep { return tk(conn, 1, "PING") }

// trackingErrors covers CLIENT TRACKING's and CACHING's checks, GETREDIR
// and TRACKINGINFO in each mode. Played in RESP2 and RESP3.
var trackingErrors = []trkStep{
	tk(1, 1, "CLIENT", "TRACKINGINFO"), tk(1, 1, "CLIENT", "GETREDIR"),
	tk(1, 1, "CLIENT", "TRACKING"), tk(1, 1, "CLIENT", "TRACKING", "MAYBE"),
	tk(1, 1, "CLIENT", "TRACKING", "ON", "FOO"), tk(1, 1, "CLIENT", "TRACKING", "ON", "REDIRECT"),
	tk(1, 1, "CLIENT", "TRACKING", "ON", "PREFIX", "a"), tk(1, 1, "CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT"),
	tk(1, 1, "CLIENT", "TRACKING", "ON", "BCAST", "OPTIN"), tk(1, 1, "CLIENT", "TRACKING", "ON", "BCAST", "OPTOUT"),
	tk(1, 1, "CLIENT", "TRACKING", "ON", "REDIRECT", "99999"), tk(1, 1, "CLIENT", "TRACKING", "ON", "REDIRECT", "x"),
	tk(1, 1, "CLIENT", "TRACKING", "ON", "REDIRECT", "$R", "REDIRECT", "$R"),
	tk(1, 1, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "ab", "PREFIX", "a"),
	tk(1, 1, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "ab"),
	tk(1, 1, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "a"),
	tk(1, 1, "CLIENT", "CACHING", "YES"), tk(1, 1, "CLIENT", "CACHING"), tk(1, 1, "CLIENT", "CACHING", "YES", "NO"),
	tk(1, 1, "CLIENT", "GETREDIR", "x"), tk(1, 1, "CLIENT", "TRACKINGINFO", "x"),
	tk(1, 1, "CLIENT", "TRACKING", "OFF", "PREFIX", "x"),
	// default mode
	tk(1, 1, "CLIENT", "TRACKING", "ON"), tk(1, 1, "CLIENT", "TRACKINGINFO"), tk(1, 1, "CLIENT", "GETREDIR"),
	tk(1, 1, "CLIENT", "CACHING", "YES"), tk(1, 1, "CLIENT", "CACHING", "NO"),
	tk(1, 1, "CLIENT", "TRACKING", "ON", "BCAST"), tk(1, 1, "CLIENT", "TRACKING", "ON", "OPTIN"),
	tk(1, 1, "CLIENT", "TRACKING", "ON", "NOLOOP"), tk(1, 1, "CLIENT", "TRACKINGINFO"),
	tk(1, 1, "CLIENT", "TRACKING", "OFF"), tk(1, 1, "CLIENT", "TRACKINGINFO"), tk(1, 1, "CLIENT", "GETREDIR"),
	// BCAST and its prefixes
	tk(1, 1, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "b", "PREFIX", "a"), tk(1, 1, "CLIENT", "TRACKINGINFO"),
	tk(1, 1, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "bc"), tk(1, 1, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "c"),
	tk(1, 1, "CLIENT", "TRACKINGINFO"), tk(1, 1, "CLIENT", "TRACKING", "ON"),
	tk(1, 1, "CLIENT", "TRACKING", "ON", "BCAST", "OPTIN"), tk(1, 1, "CLIENT", "CACHING", "YES"),
	tk(1, 1, "CLIENT", "TRACKING", "OFF"), tk(1, 1, "CLIENT", "TRACKING", "ON", "BCAST", "NOLOOP"),
	tk(1, 1, "CLIENT", "TRACKINGINFO"), tk(1, 1, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "x"),
	tk(1, 1, "CLIENT", "TRACKING", "OFF"),
	// OPTIN and OPTOUT
	tk(1, 1, "CLIENT", "TRACKING", "ON", "OPTIN"), tk(1, 1, "CLIENT", "CACHING", "NO"),
	tk(1, 1, "CLIENT", "CACHING", "MAYBE"), tk(1, 1, "CLIENT", "CACHING", "yes"), tk(1, 1, "CLIENT", "TRACKINGINFO"),
	tk(1, 1, "CLIENT", "TRACKING", "ON", "OPTOUT"), tk(1, 1, "CLIENT", "TRACKING", "OFF"),
	tk(1, 1, "CLIENT", "TRACKING", "ON", "OPTOUT", "REDIRECT", "$R", "NOLOOP"), tk(1, 1, "CLIENT", "CACHING", "YES"),
	tk(1, 1, "CLIENT", "CACHING", "NO"), tk(1, 1, "CLIENT", "TRACKINGINFO"), tk(1, 1, "CLIENT", "GETREDIR"),
	tk(1, 1, "RESET"), tk(1, 1, "CLIENT", "TRACKINGINFO"),
}

// trackingResp3 is the RESP3 flow: connection 1 tracks with pushes on its
// own connection, 0 writes.
var trackingResp3 = []trkStep{
	tk(1, 1, "CLIENT", "TRACKING", "ON"),
	tk(1, 1, "GET", "k"), tk(1, 1, "MGET", "k", "k2"),
	tk(0, 1, "SET", "k", "1"), tk(1, 1), quiet(1),
	tk(0, 1, "SET", "k", "2"), quiet(1), // told once
	// its own writes: the reply, then the push
	tk(1, 1, "GET", "k"), tk(1, 2, "SET", "k", "3"),
	tk(1, 1, "MGET", "k", "k2"), tk(1, 3, "MSET", "k", "1", "k2", "2"), quiet(1),
	// any database: the table is by key name
	tk(1, 1, "GET", "k"), tk(0, 1, "SELECT", "1"), tk(0, 1, "SET", "k", "x"), tk(1, 1), tk(0, 1, "SELECT", "0"),
	// deletes, type changes, expiry set by a command
	tk(1, 1, "GET", "k"), tk(0, 1, "DEL", "k"), tk(1, 1),
	tk(1, 1, "LRANGE", "l", "0", "-1"), tk(0, 1, "RPUSH", "l", "a"), tk(1, 1),
	tk(1, 1, "LLEN", "l"), tk(0, 1, "EXPIRE", "l", "100"), tk(1, 1),
	tk(1, 1, "EXISTS", "l"), tk(0, 1, "EXPIRE", "nokey", "100"), quiet(1),
	// a write command's keys are not remembered
	tk(1, 1, "INCR", "n"), tk(0, 1, "INCR", "n"), quiet(1),
	// FLUSHALL and FLUSHDB: a null, to every tracking client
	tk(1, 1, "GET", "k"), tk(1, 2, "FLUSHALL"), tk(0, 1, "FLUSHDB"), tk(1, 1), quiet(1),
	// MULTI: the pushes follow EXEC's reply
	tk(1, 1, "GET", "k"), tk(1, 1, "MULTI"), tk(1, 1, "SET", "k", "v"), tk(1, 1, "GET", "k"), tk(1, 2, "EXEC"),
	tk(0, 1, "SET", "k", "9"), tk(1, 1),
	// a read inside a script makes its declared keys tracked (Redis 7.0)
	tk(1, 1, "EVAL_RO", "return redis.call('GET', KEYS[1])", "1", "s1"),
	tk(1, 1, "EVAL_RO", "return 1", "1", "s2"), tk(1, 1, "EVAL", "return redis.call('STRLEN', 's3')", "0"),
	tk(1, 1, "EVAL", "return redis.call('STRLEN', 's5')", "1", "s4"),
	tk(0, 1, "MSET", "s1", "a", "s2", "b", "s3", "c", "s4", "d", "s5", "e"), tk(1, 1), tk(1, 1), quiet(1),
	// NOLOOP: its own writes are not told, but still drop the key
	tk(1, 1, "CLIENT", "TRACKING", "OFF"), tk(1, 1, "CLIENT", "TRACKING", "ON", "NOLOOP"),
	tk(1, 1, "GET", "n1"), tk(1, 1, "SET", "n1", "1"), tk(0, 1, "SET", "n1", "2"), quiet(1),
	tk(1, 1, "GET", "n1"), tk(0, 1, "SET", "n1", "3"), tk(1, 1),
	// OPTIN: only after CACHING YES, for one command
	tk(1, 1, "CLIENT", "TRACKING", "OFF"), tk(1, 1, "CLIENT", "TRACKING", "ON", "OPTIN"),
	tk(1, 1, "GET", "o1"), tk(1, 1, "CLIENT", "CACHING", "YES"), tk(1, 1, "GET", "o2"), tk(1, 1, "GET", "o3"),
	tk(0, 1, "MSET", "o1", "a", "o2", "b", "o3", "c"), tk(1, 1), quiet(1),
	tk(1, 1, "CLIENT", "CACHING", "YES"), tk(1, 1, "MULTI"), tk(1, 1, "GET", "o1"), tk(1, 1, "GET", "o3"), tk(1, 1, "EXEC"),
	tk(0, 1, "DEL", "o1", "o3"), tk(1, 1), tk(1, 1), quiet(1),
	// OPTOUT: all but after CACHING NO
	tk(1, 1, "CLIENT", "TRACKING", "OFF"), tk(1, 1, "CLIENT", "TRACKING", "ON", "OPTOUT"),
	tk(1, 1, "GET", "p1"), tk(1, 1, "CLIENT", "CACHING", "NO"), tk(1, 1, "GET", "p2"), tk(1, 1, "GET", "p3"),
	tk(0, 1, "MSET", "p1", "a", "p2", "b", "p3", "c"), tk(1, 1), tk(1, 1), quiet(1),
	// BCAST: every change under a prefix, grouped per prefix
	tk(1, 1, "CLIENT", "TRACKING", "OFF"), tk(1, 1, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "u:", "PREFIX", "v:"),
	tk(0, 1, "MSET", "u:1", "a", "v:1", "b", "w", "c", "u:0", "d", "u:1", "e"), tk(1, 1), tk(1, 1), quiet(1),
	tk(1, 2, "SET", "u:3", "x"), tk(0, 1, "DEL", "u:1", "u:0", "zz"), tk(1, 1), tk(0, 1, "SET", "w", "1"), quiet(1),
	// a script's writes: one batch (off the event loop on that layer)
	tk(0, 1, "EVAL", "redis.call('SET', KEYS[1], 'x') redis.call('SET', KEYS[2], 'y')", "2", "u:9", "u:8"), tk(1, 1), quiet(1),
	tk(1, 2, "FLUSHALL"),
	tk(1, 1, "CLIENT", "TRACKING", "OFF"), tk(1, 1, "CLIENT", "TRACKING", "ON", "BCAST", "NOLOOP"),
	tk(1, 1, "SET", "any", "x"), tk(0, 1, "SET", "other", "x"), tk(1, 1), quiet(1),
	tk(1, 1, "CLIENT", "TRACKING", "OFF"),
	// a redirect to a RESP2 subscriber from a RESP3 client
	tk(3, -1, "HELLO", "2"), tk(3, 1, "SUBSCRIBE", "__redis__:invalidate"),
	tk(1, 1, "CLIENT", "TRACKING", "ON", "REDIRECT", "$R"), tk(1, 1, "GET", "r"),
	tk(0, 1, "SET", "r", "1"), tk(3, 1), quiet(1),
	tk(1, 1, "CLIENT", "TRACKINGINFO"),
	// the redirect target goes away: the next message is a broken redirect
	tk(1, 1, "GET", "r"), tk(3, 0, "#close"), tk(0, 1, "SET", "r", "2"), tk(1, 1),
	tk(1, 1, "CLIENT", "TRACKINGINFO"), tk(0, 1, "SET", "r", "3"), quiet(1),
}

// trackingResp2 is the RESP2 flow: invalidations reach only a redirect
// target in subscribed mode, as __redis__:invalidate messages.
var trackingResp2 = []trkStep{
	// no redirect: tracked, but RESP2 has no pushes
	tk(1, 1, "CLIENT", "TRACKING", "ON"), tk(1, 1, "GET", "k"), tk(0, 1, "SET", "k", "1"), quiet(1),
	tk(1, 1, "CLIENT", "TRACKING", "OFF"),
	// a redirect to a client that is not subscribed: nothing
	tk(1, 1, "CLIENT", "TRACKING", "ON", "REDIRECT", "$R"), tk(1, 1, "GET", "k"), tk(0, 1, "SET", "k", "2"), quiet(3),
	// a subscribed one
	tk(3, 1, "SUBSCRIBE", "__redis__:invalidate"),
	tk(1, 1, "GET", "k"), tk(0, 1, "SET", "k", "3"), tk(3, 1),
	tk(1, 1, "GET", "k"), tk(1, 1, "MGET", "k2", "k3"), tk(0, 1, "MSET", "k", "1", "k3", "1"), tk(3, 2),
	tk(1, 1, "FLUSHALL"), tk(3, 1), tk(3, 1, "PING"),
	// BCAST through the redirect
	tk(1, 1, "CLIENT", "TRACKING", "OFF"), tk(1, 1, "CLIENT", "TRACKING", "ON", "BCAST", "REDIRECT", "$R", "PREFIX", "b:"),
	tk(0, 1, "MSET", "b:2", "x", "a", "y", "b:1", "z"), tk(3, 1), tk(1, 1, "SET", "b:3", "x"), tk(3, 1), tk(3, 1, "PING"),
}

func TestDiffTracking(t *testing.T) {
	miniAddr, redisAddr := startDiff(t)
	cases := []struct {
		name   string
		proto  string
		script []trkStep
	}{
		{"errors/resp2", "2", trackingErrors},
		{"errors/resp3", "3", trackingErrors},
		{"resp3", "3", trackingResp3},
		{"resp2", "2", trackingResp2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var pairs []*redistest.Pair
			for range 4 {
				p := redistest.NewPair(t, miniAddr, redisAddr)
				hello(t, p, tc.proto)
				pairs = append(pairs, p)
			}
			flush(t, pairs[0])
			ids := [2]string{clientID(t, pairs[3].Mini), clientID(t, pairs[3].Redis)}
			for i, st := range tc.script {
				p := pairs[st.conn]
				if len(st.args) == 1 && st.args[0] == "#close" {
					closeAndWait(t, p.Mini, pairs[0].Mini, ids[0])
					closeAndWait(t, p.Redis, pairs[0].Redis, ids[1])
					continue
				}
				if st.args != nil {
					require.NoError(t, p.Mini.Send(withID(st.args, ids[0])...))
					require.NoError(t, p.Redis.Send(withID(st.args, ids[1])...))
				}
				if st.replies < 0 {
					for range -st.replies {
						_, err := p.Redis.Read()
						require.NoError(t, err)
						_, err = p.Mini.Read()
						require.NoError(t, err)
					}
					continue
				}
				var want, got []string
				for range st.replies {
					r, err := p.Redis.Read()
					require.NoError(t, err, "step %d %q: redis-server", i, st.args)
					want = append(want, r.String())
					m, err := p.Mini.Read()
					require.NoError(t, err, "step %d %q: miniredis (redis said %v)", i, st.args, r)
					got = append(got, m.String())
				}
				w, g := strings.Join(want, "\n"), strings.Join(got, "\n")
				// The servers' client IDs differ; compare them by role.
				w = strings.ReplaceAll(w, ":"+ids[1], ":$R")
				g = strings.ReplaceAll(g, ":"+ids[0], ":$R")
				require.Equal(t, w, g, "step %d: conn %d %q", i, st.conn, st.args)
			}
		})
	}
}

// withID replaces "$R" in args with id.
func withID(args []string, id string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "$R" {
			a = id
		}
		out[i] = a
	}
	return out
}

func clientID(t *testing.T, c *redistest.Conn) string {
	t.Helper()
	r, err := c.Do("CLIENT", "ID")
	require.NoError(t, err)
	require.Equal(t, redistest.Integer, r.Kind)
	return strconv.FormatInt(r.Int, 10)
}

// closeAndWait closes c and waits, asking on other, until the server no
// longer lists client id.
func closeAndWait(t *testing.T, c, other *redistest.Conn, id string) {
	t.Helper()
	require.NoError(t, c.Close())
	require.Eventually(t, func() bool {
		r, err := other.Do("CLIENT", "LIST")
		return err == nil && !strings.Contains(r.Str, "id="+id+" ")
	}, 5*time.Second, time.Millisecond, "client %s still listed", id)
}
