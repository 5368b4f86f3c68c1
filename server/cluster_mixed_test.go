package server

import (
	"strconv"
	"strings"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nodesOf returns a redis-server's CLUSTER NODES.
func nodesOf(t *testing.T, c *redistest.Conn) string {
	t.Helper()
	rep, err := c.Do("CLUSTER", "NODES")
	require.NoError(t, err)
	return rep.Str
}

// nodeLine returns the CLUSTER NODES line of node id, "" when absent.
func nodeLine(nodes, id string) string {
	for _, l := range strings.Split(nodes, "\n") {
		if strings.HasPrefix(l, id+" ") {
			return l
		}
	}
	return ""
}

// TestClusterMixedWithRedis forms one cluster of a redis-server 7.0 node
// and a miniredis node over Redis's own bus format: the handshake, slots
// assigned on either side seen on the other, redirection between them, a
// stopped node suspected failing (fail?) and, restarted from its
// nodes.conf on another port, back with its slots at its new address.
func TestClusterMixedWithRedis(t *testing.T) {
	busPort := freeBusPort(t)
	redisAddr := redistest.StartRedis(t, "--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(busPort),
		"--cluster-node-timeout", "2000")
	rc := redistest.Dial(t, redisAddr)
	rid, err := rc.Do("CLUSTER", "MYID")
	require.NoError(t, err)
	_, redisPort, _ := strings.Cut(redisAddr, ":")

	cfg := clusterConfig(t)
	cfg.ClusterAllowPartialCoverage = false
	mini, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, mini.Listen())
	done := make(chan error, 1)
	go func() { done <- mini.Serve() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = mini.Shutdown(t.Context())
			<-done
		}
	})
	mid := mini.cluster.MyID()
	mc := redistest.Dial(t, mini.Addr().String())

	rep, err := mc.Do("CLUSTER", "MEET", "127.0.0.1", redisPort, strconv.Itoa(busPort))
	require.NoError(t, err)
	require.Equal(t, "OK", rep.Str)
	waitFor(t, "each node to know the other", func() bool {
		r, m := nodeLine(nodesOf(t, rc), mid), nodeLine(string(mini.cluster.Nodes()), rid.Str)
		return strings.Contains(r, " master - ") && strings.Contains(r, " connected") &&
			strings.Contains(m, " master - ") && strings.Contains(m, " connected")
	})

	// Slots assigned on one side appear on the other.
	rep, err = rc.Do("CLUSTER", "ADDSLOTSRANGE", "0", "8191")
	require.NoError(t, err)
	require.Equal(t, "OK", rep.Str)
	rep, err = mc.Do("CLUSTER", "ADDSLOTSRANGE", "8192", "16383")
	require.NoError(t, err)
	require.Equal(t, "OK", rep.Str)
	waitFor(t, "the slots to propagate both ways", func() bool {
		return strings.HasSuffix(nodeLine(nodesOf(t, rc), mid), " 8192-16383") &&
			strings.HasSuffix(nodeLine(string(mini.cluster.Nodes()), rid.Str), " 0-8191")
	})
	waitFor(t, "cluster_state:ok on both", func() bool {
		info, err := rc.Do("CLUSTER", "INFO")
		return err == nil && strings.HasPrefix(info.Str, "cluster_state:ok") && mini.cluster.OK()
	})
	miniAddr := mini.Addr().String()
	rep, err = rc.Do("SET", "foo", "1") // slot 12182: miniredis's
	require.NoError(t, err)
	assert.Equal(t, "MOVED 12182 "+miniAddr, rep.Str)
	rep, err = mc.Do("SET", "a{b}", "1") // slot 3300: redis-server's
	require.NoError(t, err)
	assert.Equal(t, "MOVED 3300 "+redisAddr, rep.Str)
	rep, err = mc.Do("SET", "foo", "1")
	require.NoError(t, err)
	assert.Equal(t, "OK", rep.Str)
	// The epochs collided at 0 and were resolved to distinct ones.
	rl, ml := nodeLine(nodesOf(t, rc), mid), nodeLine(nodesOf(t, rc), rid.Str)
	assert.NotEqual(t, strings.Fields(rl)[6], strings.Fields(ml)[6], "config epochs differ:\n%s\n%s", rl, ml)

	// miniredis stops: redis-server suspects it after the node timeout.
	require.NoError(t, mini.Shutdown(t.Context()))
	require.NoError(t, <-done)
	stopped = true
	waitFor(t, "redis-server to flag miniredis fail?", func() bool {
		return strings.Contains(nodeLine(nodesOf(t, rc), mid), "master,fail? ")
	})

	// Restarted from its nodes.conf (on a new port), it is the same node
	// with the same slots, and redis-server takes its new address.
	again := startServer(t, cfg)
	assert.Equal(t, mid, again.cluster.MyID())
	newPort := strconv.Itoa(again.cfg.Port)
	waitFor(t, "redis-server to see miniredis back at its new address", func() bool {
		l := nodeLine(nodesOf(t, rc), mid)
		return strings.Contains(l, " 127.0.0.1:"+newPort+"@") && strings.Contains(l, " master - ") &&
			strings.HasSuffix(l, " connected 8192-16383")
	})
	waitFor(t, "cluster_state:ok on both", func() bool {
		info, err := rc.Do("CLUSTER", "INFO")
		return err == nil && strings.HasPrefix(info.Str, "cluster_state:ok") && again.cluster.OK()
	})
	rep, err = rc.Do("GET", "foo")
	require.NoError(t, err)
	assert.Equal(t, "MOVED 12182 127.0.0.1:"+newPort, rep.Str)
}
