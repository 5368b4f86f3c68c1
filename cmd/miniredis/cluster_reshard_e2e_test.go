package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reshardCluster is a cluster of miniredis and redis-server processes for
// the resharding tests.
type reshardCluster struct {
	t     *testing.T
	bin   string
	dir   string
	ports []int
	addrs []string
	ids   []string
}

// startReshardCluster starts one node per kind ("mini" or "redis") and,
// unless create is false for a node, makes them one cluster with
// `redis-cli --cluster create`. The nodes are killed when the test ends.
func startReshardCluster(t *testing.T, kinds ...string) *reshardCluster {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and runs a cluster of processes")
	}
	for _, tool := range []string{"redis-cli", "redis-server"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install redis-server redis-tools); skipping the resharding test", tool)
		}
	}
	rc := &reshardCluster{t: t, dir: t.TempDir()}
	rc.bin = filepath.Join(rc.dir, "miniredis")
	built, err := exec.Command("go", "build", "-o", rc.bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", built)
	for _, kind := range kinds {
		rc.add(kind)
	}
	out, err := redisCLI(t, append(append([]string{"--cluster", "create"}, rc.addrs...), "--cluster-yes")...)
	require.NoError(t, err, out)
	require.Contains(t, out, "[OK] All 16384 slots covered.")
	rc.waitAgreed()
	return rc
}

// add starts one more node, not yet in the cluster, and returns its index.
func (rc *reshardCluster) add(kind string) int {
	t := rc.t
	p := clusterPorts(t, 1)[0]
	n := &node{port: p}
	conf := filepath.Join(rc.dir, fmt.Sprintf("nodes-%d.conf", p))
	if kind == "mini" {
		n.args = []string{"--port", strconv.Itoa(p), "--compat", "redis", "--loglevel", "warn", "--dir", rc.dir,
			"--cluster-enabled", "yes", "--cluster-node-timeout", "5000", "--cluster-config-file", conf}
		n.start(t, rc.bin)
	} else {
		n.args = []string{"--port", strconv.Itoa(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", rc.dir, "--logfile", filepath.Join(rc.dir, fmt.Sprintf("redis-%d.log", p)),
			"--cluster-enabled", "yes", "--cluster-node-timeout", "5000", "--cluster-config-file", conf}
		n.start(t, "redis-server")
	}
	t.Cleanup(n.kill)
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(p)})
	defer c.Close()
	id, err := c.ClusterMyID(t.Context()).Result()
	require.NoError(t, err)
	rc.ports = append(rc.ports, p)
	rc.addrs = append(rc.addrs, "127.0.0.1:"+strconv.Itoa(p))
	rc.ids = append(rc.ids, id)
	return len(rc.ports) - 1
}

// waitAgreed waits until every node knows every other and says the
// cluster is ok.
func (rc *reshardCluster) waitAgreed() {
	ctx := rc.t.Context()
	n := strconv.Itoa(len(rc.ports))
	require.Eventually(rc.t, func() bool {
		for _, p := range rc.ports {
			if clusterInfo(ctx, p, "cluster_state") != "ok" || clusterInfo(ctx, p, "cluster_known_nodes") != n {
				return false
			}
		}
		return true
	}, 20*time.Second, 50*time.Millisecond, "cluster_state:ok and %s known nodes everywhere", n)
}

// check runs `redis-cli --cluster check` from every node and requires it
// clean: the nodes agree, every slot is covered, no slot is left open.
func (rc *reshardCluster) check() {
	t := rc.t
	t.Helper()
	for _, a := range rc.addrs {
		out, err := redisCLI(t, "--cluster", "check", a)
		require.NoError(t, err, out)
		assert.Contains(t, out, "[OK] All nodes agree about slots configuration.", "check from %s", a)
		assert.Contains(t, out, "[OK] All 16384 slots covered.", "check from %s", a)
		assert.NotContains(t, out, "[WARNING]", "check from %s:\n%s", a, out)
		assert.NotContains(t, out, "[ERR]", "check from %s:\n%s", a, out)
	}
}

// reshard moves n slots from node from to node to with redis-cli.
func (rc *reshardCluster) reshard(from, to, n int) string {
	t := rc.t
	t.Helper()
	out, err := redisCLI(t, "--cluster", "reshard", rc.addrs[to],
		"--cluster-from", rc.ids[from], "--cluster-to", rc.ids[to],
		"--cluster-slots", strconv.Itoa(n), "--cluster-yes")
	require.NoError(t, err, out)
	require.NotContains(t, out, "[ERR]", out)
	return out
}

// slotsOf is the number of slots node i serves, as CLUSTER SHARDS of node
// j shows it.
func (rc *reshardCluster) slotsOf(i, j int) int {
	c := redis.NewClient(&redis.Options{Addr: rc.addrs[j]})
	defer c.Close()
	shards, err := c.ClusterShards(rc.t.Context()).Result()
	require.NoError(rc.t, err)
	n := 0
	for _, sh := range shards {
		if !slices.ContainsFunc(sh.Nodes, func(nd redis.Node) bool { return nd.ID == rc.ids[i] && nd.Role == "master" }) {
			continue
		}
		for _, r := range sh.Slots {
			n += int(r.End - r.Start + 1)
		}
	}
	return n
}

// ledger remembers, per key, the last value a write of it was acknowledged
// with and the values of writes after it whose outcome is unknown (an
// error reply may come after the write took effect).
type ledger struct {
	mu    sync.Mutex
	acked []string
	maybe [][]string
}

func newLedger(n int) *ledger {
	return &ledger{acked: make([]string, n), maybe: make([][]string, n)}
}

// note records a write's outcome.
func (l *ledger) note(i int, v string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		l.acked[i], l.maybe[i] = v, nil
	} else {
		l.maybe[i] = append(l.maybe[i], v)
	}
}

// ok reports whether got is a value key i may hold now.
func (l *ledger) ok(i int, got string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if got == l.acked[i] {
		return true
	}
	for _, v := range l.maybe[i] {
		if got == v {
			return true
		}
	}
	return false
}

func keyName(i int) string { return "key:" + strconv.Itoa(i) }

// fill writes keys 0..n-1 with round 0 through cc, pipelined.
func fill(t *testing.T, cc *redis.ClusterClient, l *ledger, n int) {
	ctx := t.Context()
	for start := 0; start < n; start += 2000 {
		end := min(start+2000, n)
		cmds, err := cc.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := start; i < end; i++ {
				p.Set(ctx, keyName(i), strconv.Itoa(i)+":0", 0)
			}
			return nil
		})
		require.NoError(t, err)
		for j, c := range cmds {
			l.note(start+j, strconv.Itoa(start+j)+":0", c.Err())
		}
	}
}

// verify reads every key back through cc and requires each to hold a
// value the ledger allows.
func verify(t *testing.T, cc *redis.ClusterClient, l *ledger, n int) {
	ctx := t.Context()
	bad := 0
	for start := 0; start < n; start += 2000 {
		end := min(start+2000, n)
		cmds, err := cc.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := start; i < end; i++ {
				p.Get(ctx, keyName(i))
			}
			return nil
		})
		require.NoError(t, err)
		for j, c := range cmds {
			if got := c.(*redis.StringCmd).Val(); !l.ok(start+j, got) {
				if bad++; bad <= 5 {
					t.Errorf("%s = %q; acknowledged %q", keyName(start+j), got, l.acked[start+j])
				}
			}
		}
	}
	assert.Zero(t, bad, "keys whose acknowledged write is lost")
}

// loadStats counts what a load goroutine did.
type loadStats struct {
	writes, reads, errs, stale int
}

// runLoad keeps writing and reading keys through cc, in pipelines of 50 (a
// write of each of 25 keys, then a read of each), until ctx ends or
// maxRounds pass. A read must see the write just acknowledged.
func runLoad(ctx context.Context, cc *redis.ClusterClient, l *ledger, n, maxRounds int) loadStats {
	var st loadStats
	next := 0
	for round := 1; round <= maxRounds && ctx.Err() == nil; round++ {
		idx := make([]int, 25)
		vals := make([]string, 25)
		for j := range idx {
			idx[j] = (next + j*7919) % n
			vals[j] = strconv.Itoa(idx[j]) + ":" + strconv.Itoa(round)
		}
		next = (next + 1) % n
		cmds, _ := cc.Pipelined(ctx, func(p redis.Pipeliner) error {
			for j := range idx {
				p.Set(ctx, keyName(idx[j]), vals[j], 0)
			}
			for j := range idx {
				p.Get(ctx, keyName(idx[j]))
			}
			return nil
		})
		if ctx.Err() != nil {
			// Stopped midway: these writes may or may not have landed,
			// and their errors are the cancellation's.
			for j := range idx {
				l.note(idx[j], vals[j], ctx.Err())
			}
			break
		}
		for j := range idx {
			err := cmds[j].Err()
			l.note(idx[j], vals[j], err)
			if err != nil {
				st.errs++
				continue
			}
			st.writes++
			g := cmds[len(idx)+j]
			switch {
			case g.Err() != nil:
				st.errs++
			case g.(*redis.StringCmd).Val() != vals[j]:
				st.stale++
			default:
				st.reads++
			}
		}
	}
	return st
}

// underLoad runs fn while a load goroutine works the keys, and returns
// what the load did.
func underLoad(t *testing.T, cc *redis.ClusterClient, l *ledger, n int, fn func()) loadStats {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	done := make(chan loadStats, 1)
	go func() { done <- runLoad(ctx, cc, l, n, 1_000_000) }()
	fn()
	cancel()
	st := <-done
	t.Logf("load during the move: %d writes, %d reads, %d errors, %d stale reads", st.writes, st.reads, st.errs, st.stale)
	assert.Zero(t, st.stale, "a read missed the write acknowledged before it")
	assert.Greater(t, st.writes, 100, "the load ran during the move")
	return st
}

func newClusterClient(rc *reshardCluster) *redis.ClusterClient {
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: rc.addrs, MaxRedirects: 16, ReadTimeout: 10 * time.Second})
}

// TestClusterReshardEndToEnd is issue 15's demonstration on the built
// binary: three miniredis nodes, 100k keys written and read by a go-redis
// ClusterClient, `redis-cli --cluster reshard` moving 1000 slots while the
// client keeps writing and reading, then a fourth node joined with
// `add-node` and given its share by `rebalance --cluster-use-empty-masters`;
// after each step `--cluster check` is clean and every acknowledged write
// reads back.
func TestClusterReshardEndToEnd(t *testing.T) {
	rc := startReshardCluster(t, "mini", "mini", "mini")
	rc.check()
	const keys = 100_000
	cc := newClusterClient(rc)
	defer cc.Close()
	l := newLedger(keys)
	start := time.Now()
	fill(t, cc, l, keys)
	verify(t, cc, l, keys)
	t.Logf("100k keys written and read in %v", time.Since(start).Round(time.Millisecond))

	before := rc.slotsOf(1, 0)
	underLoad(t, cc, l, keys, func() {
		start := time.Now()
		rc.reshard(0, 1, 1000)
		t.Logf("reshard of 1000 slots took %v", time.Since(start).Round(time.Millisecond))
	})
	assert.Equal(t, before+1000, rc.slotsOf(1, 0), "node 1 serves 1000 more slots")
	rc.waitAgreed()
	rc.check()
	verify(t, cc, l, keys)

	i := rc.add("mini")
	out, err := redisCLI(t, "--cluster", "add-node", rc.addrs[i], rc.addrs[0])
	require.NoError(t, err, out)
	require.Contains(t, out, "[OK] New node added correctly.")
	rc.waitAgreed()
	// The rebalance moves about 4000 slots; without a load beside it on
	// a small machine it takes seconds, not a minute.
	start = time.Now()
	out, err = redisCLI(t, "--cluster", "rebalance", rc.addrs[0], "--cluster-use-empty-masters")
	require.NoError(t, err, out)
	require.NotContains(t, out, "[ERR]", out)
	t.Logf("rebalance took %v", time.Since(start).Round(time.Millisecond))
	rc.waitAgreed()
	rc.check()
	for j := range rc.ports {
		got := rc.slotsOf(j, 0)
		assert.InDelta(t, 4096, got, 2*16384/100, "node %d's share after rebalance", j)
	}
	verify(t, cc, l, keys)
	c := redis.NewClient(&redis.Options{Addr: rc.addrs[i]})
	defer c.Close()
	n, err := c.DBSize(t.Context()).Result()
	require.NoError(t, err)
	assert.Greater(t, n, int64(keys/5), "the new node holds its share of the keys")
}

// TestClusterMixedReshardEndToEnd moves slots under load from a
// redis-server node to a miniredis node (redis-server sends us
// RESTORE-ASKING) and back again (we send it MIGRATE's RESTORE-ASKING), in
// a cluster of two of each; nothing acknowledged is lost.
func TestClusterMixedReshardEndToEnd(t *testing.T) {
	rc := startReshardCluster(t, "redis", "mini", "redis", "mini")
	rc.check()
	const keys = 20_000
	cc := newClusterClient(rc)
	defer cc.Close()
	l := newLedger(keys)
	fill(t, cc, l, keys)
	verify(t, cc, l, keys)

	for _, move := range [][2]int{{0, 1}, {1, 0}, {3, 2}} {
		from, to := move[0], move[1]
		before := rc.slotsOf(to, from)
		underLoad(t, cc, l, keys, func() { rc.reshard(from, to, 500) })
		assert.Equal(t, before+500, rc.slotsOf(to, from), "slots moved %d -> %d", from, to)
		rc.waitAgreed()
		rc.check()
		verify(t, cc, l, keys)
	}
	for _, p := range rc.ports {
		out, err := redisCLI(t, "-p", strconv.Itoa(p), "CLUSTER", "INFO")
		require.NoError(t, err, out)
		assert.True(t, strings.Contains(out, "cluster_state:ok"), "node %d: %s", p, out)
	}
}
