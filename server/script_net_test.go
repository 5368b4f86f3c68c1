package server

import (
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/scripting"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Scripts on both network layers: on the event loops a script runs off the
// loop, and these tests pin what that must not change (reply order,
// pipelined commands behind a script, a client that leaves mid-script).

var netModes = []NetMode{NetStd, NetEventLoop}

// busyConfig is a Redis-mode config on layer nm with a short busy threshold.
func busyConfig(nm NetMode, threshold time.Duration) Config {
	cfg := redisConfig()
	cfg.Net = nm
	cfg.BusyReplyThreshold = threshold
	return cfg
}

// probeKey is a key on another shard than key, for a client that must not
// wait for the shards a script holds.
func probeKey(s *Server, key string) string {
	probe := "probe"
	for i := 0; s.Store().ShardOf([]byte(probe)) == s.Store().ShardOf([]byte(key)); i++ {
		probe = "probe" + strconv.Itoa(i)
	}
	return probe
}

// readReplies reads n replies from r and joins them.
func readReplies(t *testing.T, r *rawConn, n int) string {
	t.Helper()
	require.NoError(t, r.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	var b strings.Builder
	for range n {
		got, err := readReply(r.rd)
		require.NoError(t, err, "after %q", b.String())
		b.WriteString(got)
	}
	return b.String()
}

// assertKilled reads the reply of a script that SCRIPT KILL ended.
func assertKilled(t *testing.T, r *rawConn) {
	t.Helper()
	got := readReplies(t, r, 1)
	assert.True(t, strings.HasPrefix(got, "-"+scripting.MsgKilled+" script: "), got)
}

// TestScriptPipelineOrder sends commands behind scripts in one write: their
// replies come in order, each after the script's, and QUIT behind a script
// closes the connection after it.
func TestScriptPipelineOrder(t *testing.T) {
	for _, nm := range netModes {
		t.Run(nm.String(), func(t *testing.T) {
			s := startServer(t, busyConfig(nm, 5*time.Second))
			r := dial(t, s)
			for _, tc := range []struct {
				name, req, want string
			}{
				{
					"eval",
					resp("SET", "a", "1") + resp("EVAL", "return redis.call('incr', KEYS[1])", "1", "a") +
						resp("GET", "a") + resp("EVAL", "return ARGV[1]", "0", "x") + resp("PING"),
					"+OK\r\n:2\r\n$1\r\n2\r\n$1\r\nx\r\n+PONG\r\n",
				},
				{
					"back-to-back",
					resp("EVAL", "return redis.call('incr', KEYS[1])", "1", "a") +
						resp("EVAL", "return redis.call('incr', KEYS[1])", "1", "a") +
						resp("EVAL", "return redis.call('incr', KEYS[1])", "1", "a"),
					":3\r\n:4\r\n:5\r\n",
				},
				{
					"exec",
					resp("MULTI") + resp("EVAL", "return redis.call('incr', KEYS[1])", "1", "a") + resp("GET", "a") +
						resp("EXEC") + resp("GET", "a"),
					"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:6\r\n$1\r\n6\r\n$1\r\n6\r\n",
				},
				{
					"fcall",
					resp("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('inc', function(k) return redis.call('incr', k[1]) end)") +
						resp("FCALL", "inc", "1", "a") + resp("GET", "a"),
					"$3\r\nlib\r\n:7\r\n$1\r\n7\r\n",
				},
			} {
				t.Run(tc.name, func(t *testing.T) {
					assert.Equal(t, tc.want, r.do(tc.req, tc.want))
				})
			}
			t.Run("quit", func(t *testing.T) {
				want := "$1\r\ny\r\n+OK\r\n"
				assert.Equal(t, want, r.do(resp("EVAL", "return ARGV[1]", "0", "y")+resp("QUIT")+resp("PING"), want))
				assert.True(t, r.closed())
			})
		})
	}
}

// TestScriptBusyPipeline queues commands behind a script that never ends,
// in the script's own write and in later ones: they wait, and run in
// order once SCRIPT KILL from another client has ended it.
func TestScriptBusyPipeline(t *testing.T) {
	for _, nm := range netModes {
		t.Run(nm.String(), func(t *testing.T) {
			s := startServer(t, busyConfig(nm, 20*time.Millisecond))
			runner, other := dial(t, s), dial(t, s)
			probe := probeKey(s, "n")
			runner.send(resp("SET", "n", "1") + resp("EVAL", "while true do end", "0") + resp("INCR", "n") + resp("GET", "n"))
			busy := waitReply(t, other, resp("GET", probe), func(r string) bool { return strings.HasPrefix(r, "-BUSY") })
			assert.Equal(t, "-"+msgBusyScript+"\r\n", busy)
			runner.send(resp("INCR", "n") + resp("QUIT") + resp("PING"))
			assert.Equal(t, "+OK\r\n", roundTrip(t, other, resp("SCRIPT", "KILL")))
			assert.Equal(t, "+OK\r\n", readReplies(t, runner, 1))
			assertKilled(t, runner)
			assert.Equal(t, ":2\r\n$1\r\n2\r\n:3\r\n+OK\r\n", readReplies(t, runner, 4))
			assert.True(t, runner.closed())
			assert.Equal(t, "$1\r\n3\r\n", roundTrip(t, other, resp("GET", "n")))
		})
	}
}

// TestScriptHeldShard has a client wait for a shard a never-ending script
// holds. Its wait must not keep the server from answering others: BUSY,
// then SCRIPT KILL, after which the waiting client gets its reply.
func TestScriptHeldShard(t *testing.T) {
	for _, nm := range netModes {
		t.Run(nm.String(), func(t *testing.T) {
			s := startServer(t, busyConfig(nm, time.Second))
			runner, waiter, other := dial(t, s), dial(t, s), dial(t, s)
			probe := probeKey(s, "w")
			runner.send(resp("EVAL", "redis.call('get', KEYS[1]); while true do end", "1", "w"))
			for i := 0; s.scripts.running.Load() == nil; i++ {
				require.Less(t, i, 500, "the script did not start")
				time.Sleep(10 * time.Millisecond)
			}
			waiter.send(resp("GET", "w")) // waits for the script's shard
			busy := waitReply(t, other, resp("GET", probe), func(r string) bool { return strings.HasPrefix(r, "-BUSY") })
			assert.Equal(t, "-"+msgBusyScript+"\r\n", busy)
			assert.Equal(t, "+OK\r\n", roundTrip(t, other, resp("SCRIPT", "KILL")))
			assertKilled(t, runner)
			assert.Equal(t, "$-1\r\n", readReplies(t, waiter, 1))
		})
	}
}

// TestScriptKillPipelined sends SCRIPT KILL behind a command whose second
// argument hashes to the shard the busy script holds: looking ahead at a
// pipeline's keys (shard.Prefetch) must not wait for that shard, or the
// kill would never be read.
func TestScriptKillPipelined(t *testing.T) {
	for _, nm := range netModes {
		t.Run(nm.String(), func(t *testing.T) {
			s := startServer(t, busyConfig(nm, 20*time.Millisecond))
			runner, other := dial(t, s), dial(t, s)
			runner.send(resp("EVAL", "redis.call('get', KEYS[1]); while true do end", "1", "w"))
			for i := 0; s.scripts.running.Load() == nil; i++ {
				require.Less(t, i, 500, "the script did not start")
				time.Sleep(10 * time.Millisecond)
			}
			waitReply(t, other, resp("GET", probeKey(s, "w")), func(r string) bool { return strings.HasPrefix(r, "-BUSY") })
			other.send(resp("ECHO", "w") + resp("SCRIPT", "KILL"))
			assert.Equal(t, "-"+msgBusyScript+"\r\n+OK\r\n", readReplies(t, other, 2))
			assertKilled(t, runner)
		})
	}
}

// TestScriptClientCloses closes the client of a running script. A script
// that can be killed is, and the server forgets the client; one that
// wrote runs until Shutdown, which ends it and returns.
func TestScriptClientCloses(t *testing.T) {
	for _, nm := range netModes {
		t.Run(nm.String(), func(t *testing.T) {
			for _, tc := range []struct {
				name, script, killReply string
			}{
				{"read-only", "while true do end", "+OK\r\n"},
				{"wrote", "redis.call('set', 'w', 1); while true do end", "-" + msgUnkillable + "\r\n"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					s := startServer(t, busyConfig(nm, 20*time.Millisecond))
					runner, other := dial(t, s), dial(t, s)
					probe := probeKey(s, "w")
					runner.send(resp("EVAL", tc.script, "0") + resp("PING"))
					waitReply(t, other, resp("GET", probe), func(r string) bool { return strings.HasPrefix(r, "-BUSY") })
					require.NoError(t, runner.conn.Close())
					assert.Equal(t, tc.killReply, roundTrip(t, other, resp("SCRIPT", "KILL")))
					if tc.killReply == "+OK\r\n" {
						waitReply(t, other, resp("INFO", "clients"), func(r string) bool {
							return strings.Contains(r, "connected_clients:1\r\n")
						})
						assert.Equal(t, "$-1\r\n", roundTrip(t, other, resp("GET", probe)))
						return
					}
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					require.NoError(t, s.Shutdown(ctx))
					s.mu.Lock()
					defer s.mu.Unlock()
					assert.Empty(t, s.clients, "clients left after Shutdown")
				})
			}
		})
	}
}

// TestPanicWhileScriptRuns makes a command panic while a script runs (on
// the event loops it then runs off the loop): the client gets the error and
// is closed, the command behind it does not run, and the server goes on.
func TestPanicWhileScriptRuns(t *testing.T) {
	for _, nm := range netModes {
		t.Run(nm.String(), func(t *testing.T) {
			s := startServer(t, busyConfig(nm, time.Minute))
			runner, c, other := dial(t, s), dial(t, s), dial(t, s)
			runner.send(resp("EVAL", "while true do end", "0"))
			for i := 0; s.scripts.running.Load() == nil; i++ {
				require.Less(t, i, 500, "the script did not start")
				time.Sleep(10 * time.Millisecond)
			}
			want := "+partial reply\r\n-ERR internal error while executing the command\r\n"
			assert.Equal(t, want, c.do(resp(testPanicCommand)+resp("SET", "after-panic", "x"), want))
			assert.True(t, c.closed())
			assert.Equal(t, "+OK\r\n", roundTrip(t, other, resp("SCRIPT", "KILL")))
			assertKilled(t, runner)
			assert.Equal(t, "$-1\r\n", roundTrip(t, other, resp("GET", "after-panic")))
		})
	}
}

// TestScriptHalfClose sends EVALs and a PING, inline and in RESP, then
// half-closes the connection, as `printf ... | nc` does: every reply still
// arrives before the server closes, on both layers (on the event loops a
// short script ends within the loop's grace and is answered in the same
// callback, before the end of input closes the connection).
func TestScriptHalfClose(t *testing.T) {
	for _, mode := range []Mode{ModeMini, ModeRedis} {
		t.Run(mode.String(), func(t *testing.T) {
			s := startServer(t, testConfig(mode))
			conn, err := net.Dial("tcp", s.Addr().String())
			require.NoError(t, err)
			defer conn.Close()
			req := "EVAL \"return {1,'x'}\" 0\r\n" + resp("EVAL", "return redis.call('ping')", "0") + "PING\r\n"
			_, err = conn.Write([]byte(req))
			require.NoError(t, err)
			require.NoError(t, conn.(*net.TCPConn).CloseWrite())
			require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
			got, err := io.ReadAll(conn)
			require.NoError(t, err)
			want := "*2\r\n:1\r\n$1\r\nx\r\n+PONG\r\n+PONG\r\n"
			if mode == ModeMini {
				want = "1\r\nx\r\n+PONG\r\nPONG\r\n" // inline requests get plain replies
			}
			assert.Equal(t, want, string(got))
		})
	}
}
