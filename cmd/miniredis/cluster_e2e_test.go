package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clusterPorts returns n ports p with p and p+10000 (the bus) free.
func clusterPorts(t *testing.T, n int) []int {
	t.Helper()
	var out []int
	for tries := 0; len(out) < n && tries < 200; tries++ {
		p := freePort(t)
		if p+10000 > 65535 {
			continue
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000))
		if err != nil {
			continue
		}
		ln.Close()
		out = append(out, p)
	}
	require.Len(t, out, n, "free port pairs")
	return out
}

// node is one miniredis process of the e2e cluster.
type node struct {
	port int
	args []string
	cmd  *exec.Cmd
}

func (n *node) start(t *testing.T, bin string) {
	t.Helper()
	n.cmd = exec.Command(bin, n.args...)
	var stderr strings.Builder
	n.cmd.Stderr = &stderr
	require.NoError(t, n.cmd.Start())
	addr := "127.0.0.1:" + strconv.Itoa(n.port)
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 5*time.Second, 20*time.Millisecond, "node %d up; its log: %s", n.port, &stderr)
}

func (n *node) kill() {
	if n.cmd != nil && n.cmd.Process != nil {
		_ = n.cmd.Process.Signal(syscall.SIGKILL)
		_ = n.cmd.Wait()
		n.cmd = nil
	}
}

// redisCLI runs redis-cli with a time bound and returns its output.
func redisCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput()
	return string(out), err
}

// clusterInfo returns one field of a node's CLUSTER INFO.
func clusterInfo(ctx context.Context, port int, field string) string {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), MaxRetries: -1})
	defer c.Close()
	s, err := c.ClusterInfo(ctx).Result()
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// TestClusterEndToEnd builds the binary and runs what a Redis Cluster user
// runs: three nodes, `redis-cli --cluster create`, `--cluster check`, a
// go-redis ClusterClient writing and reading keys through MOVED
// redirections, then a node killed (the others go cluster_state:fail, its
// slots uncovered) and restarted from its nodes.conf (back to ok).
func TestClusterEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a three-node cluster")
	}
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli not installed (apt-get install redis-tools); skipping the cluster end-to-end test")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "miniredis")
	built, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", built)

	ports := clusterPorts(t, 3)
	nodes := make([]*node, 3)
	var addrs []string
	for i, p := range ports {
		nodes[i] = &node{port: p, args: []string{
			"--port", strconv.Itoa(p), "--compat", "redis", "--loglevel", "warn", "--dir", dir,
			"--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
			"--cluster-config-file", filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", p)),
		}}
		nodes[i].start(t, bin)
		t.Cleanup(nodes[i].kill)
		addrs = append(addrs, "127.0.0.1:"+strconv.Itoa(p))
	}

	out, err := redisCLI(t, append(append([]string{"--cluster", "create"}, addrs...), "--cluster-yes")...)
	require.NoError(t, err, out)
	assert.Contains(t, out, "[OK] All 16384 slots covered.")
	ctx := t.Context()
	require.Eventually(t, func() bool {
		for _, p := range ports {
			if clusterInfo(ctx, p, "cluster_state") != "ok" {
				return false
			}
		}
		return true
	}, 15*time.Second, 50*time.Millisecond, "cluster_state:ok everywhere")
	out, err = redisCLI(t, "--cluster", "check", addrs[1])
	require.NoError(t, err, out)
	assert.Contains(t, out, "[OK] All nodes agree about slots configuration.")
	assert.Contains(t, out, "[OK] All 16384 slots covered.")

	// A cluster client writes and reads through MOVED redirections.
	const keys = 20000
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	defer cc.Close()
	for start := 0; start < keys; start += 1000 {
		_, err := cc.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := start; i < start+1000; i++ {
				p.Set(ctx, "key:"+strconv.Itoa(i), i, 0)
			}
			return nil
		})
		require.NoError(t, err)
	}
	for start := 0; start < keys; start += 1000 {
		cmds, err := cc.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := start; i < start+1000; i++ {
				p.Get(ctx, "key:"+strconv.Itoa(i))
			}
			return nil
		})
		require.NoError(t, err)
		for j, c := range cmds {
			require.Equal(t, strconv.Itoa(start+j), c.(*redis.StringCmd).Val())
		}
	}
	total := 0
	for _, p := range ports {
		n, err := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(p)}).DBSize(ctx).Result()
		require.NoError(t, err)
		assert.Greater(t, n, int64(keys/5), "every node holds its share")
		total += int(n)
	}
	assert.Equal(t, keys, total)
	// One plain client following MOVED by hand, as redis-cli -c does.
	out, err = redisCLI(t, "-c", "-p", strconv.Itoa(ports[0]), "GET", "key:7")
	require.NoError(t, err, out)
	assert.Equal(t, "7\n", out)

	// A node dies: the others find it failing (two of three masters agree)
	// and, with its slots uncovered, the cluster is down.
	nodes[2].kill()
	require.Eventually(t, func() bool {
		return clusterInfo(ctx, ports[0], "cluster_state") == "fail" && clusterInfo(ctx, ports[1], "cluster_state") == "fail"
	}, 15*time.Second, 50*time.Millisecond, "cluster_state:fail after a node died")
	assert.Equal(t, "5461", clusterInfo(ctx, ports[0], "cluster_slots_fail"))

	// Restarted with its nodes.conf, it rejoins with its slots.
	nodes[2].start(t, bin)
	require.Eventually(t, func() bool {
		for _, p := range ports {
			if clusterInfo(ctx, p, "cluster_state") != "ok" {
				return false
			}
		}
		return true
	}, 20*time.Second, 50*time.Millisecond, "cluster_state:ok after the restart")
	out, err = redisCLI(t, "--cluster", "check", addrs[0])
	require.NoError(t, err, out)
	assert.Contains(t, out, "[OK] All 16384 slots covered.")
	require.NoError(t, cc.Set(ctx, "key:after", "1", 0).Err())
	assert.Equal(t, "1", cc.Get(ctx, "key:after").Val())
}

// TestClusterMixedEndToEnd: two redis-server 7.0 nodes and two miniredis
// nodes made one cluster by `redis-cli --cluster create`, which then passes
// `--cluster check`; a go-redis ClusterClient writes and reads keys on all
// four.
func TestClusterMixedEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a four-node cluster")
	}
	for _, tool := range []string{"redis-cli", "redis-server"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install redis-server redis-tools); skipping the mixed cluster test", tool)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "miniredis")
	built, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", built)

	ports := clusterPorts(t, 4)
	var addrs []string
	for i, p := range ports {
		n := &node{port: p}
		conf := filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", p))
		if i%2 == 0 {
			n.args = []string{"--port", strconv.Itoa(p), "--compat", "redis", "--loglevel", "warn", "--dir", dir,
				"--cluster-enabled", "yes", "--cluster-node-timeout", "2000", "--cluster-config-file", conf}
			n.start(t, bin)
		} else {
			n.args = []string{"--port", strconv.Itoa(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
				"--dir", dir, "--logfile", filepath.Join(dir, fmt.Sprintf("redis-%d.log", p)),
				"--cluster-enabled", "yes", "--cluster-node-timeout", "2000", "--cluster-config-file", conf}
			n.start(t, "redis-server")
		}
		t.Cleanup(n.kill)
		addrs = append(addrs, "127.0.0.1:"+strconv.Itoa(p))
	}
	out, err := redisCLI(t, append(append([]string{"--cluster", "create"}, addrs...), "--cluster-yes")...)
	require.NoError(t, err, out)
	assert.Contains(t, out, "[OK] All 16384 slots covered.")
	ctx := t.Context()
	require.Eventually(t, func() bool {
		for _, p := range ports {
			if clusterInfo(ctx, p, "cluster_state") != "ok" || clusterInfo(ctx, p, "cluster_known_nodes") != "4" {
				return false
			}
		}
		return true
	}, 15*time.Second, 50*time.Millisecond, "cluster_state:ok everywhere")
	for _, a := range addrs {
		out, err = redisCLI(t, "--cluster", "check", a)
		require.NoError(t, err, out)
		assert.Contains(t, out, "[OK] All nodes agree about slots configuration.", "check from %s", a)
	}

	const keys = 10000
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	defer cc.Close()
	_, err = cc.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range keys {
			p.Set(ctx, "m:"+strconv.Itoa(i), i, 0)
		}
		return nil
	})
	require.NoError(t, err)
	cmds, err := cc.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range keys {
			p.Get(ctx, "m:"+strconv.Itoa(i))
		}
		return nil
	})
	require.NoError(t, err)
	for i, c := range cmds {
		require.Equal(t, strconv.Itoa(i), c.(*redis.StringCmd).Val())
	}
	for _, p := range ports {
		n, err := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(p)}).DBSize(ctx).Result()
		require.NoError(t, err)
		assert.Greater(t, n, int64(keys/8), "node %d holds its share", p)
	}
}
