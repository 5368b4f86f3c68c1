package cluster

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// freeBusPort returns a client port whose bus port (+10000) is free; the
// client port itself is never bound in these tests.
func freeBusPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		p := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if p > 10000 {
			return p - 10000 // the bus port p was just free
		}
	}
	t.Fatal("no free port")
	return 0
}

func startState(t *testing.T, timeout time.Duration) *State {
	t.Helper()
	s, err := New(Config{Port: freeBusPort(t), NodeTimeout: timeout, FullCoverage: true})
	require.NoError(t, err)
	require.NoError(t, s.Start())
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// eventually polls cond every 10 ms for at most 10 s: the bus is
// asynchronous, the wait is bounded, and the condition is what is checked.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBusThreeNodes: MEET one node from each of the others, gossip makes
// all three know all three; slots assigned anywhere reach everyone; a
// stopped node becomes fail? then fail (two masters of three agree), and
// the cluster is down with its slots uncovered.
func TestBusThreeNodes(t *testing.T) {
	a, b := startState(t, 500*time.Millisecond), startState(t, 500*time.Millisecond)
	c, err := New(Config{Port: freeBusPort(t), NodeTimeout: 500 * time.Millisecond, FullCoverage: true})
	require.NoError(t, err)
	require.NoError(t, c.Start())
	require.NoError(t, a.Meet("127.0.0.1", int64(b.cfg.Port), int64(b.cfg.BusPort)))
	require.NoError(t, c.Meet("127.0.0.1", int64(a.cfg.Port), int64(a.cfg.BusPort)))
	all := []*State{a, b, c}
	eventually(t, "every node to know every node", func() bool {
		for _, s := range all {
			nodes := string(s.Nodes())
			if strings.Count(nodes, "\n") != 3 || strings.Contains(nodes, "handshake") || strings.Contains(nodes, "disconnected") {
				return false
			}
		}
		return true
	})
	require.NoError(t, a.ChangeSlots([][2]int{{0, 5460}}, false))
	require.NoError(t, b.ChangeSlots([][2]int{{5461, 10922}}, false))
	require.NoError(t, c.ChangeSlots([][2]int{{10923, 16383}}, false))
	eventually(t, "every node to see every slot served", func() bool {
		for _, s := range all {
			if !strings.Contains(string(s.Info()), "cluster_slots_assigned:16384\r\n") {
				return false
			}
		}
		return true
	})
	eventually(t, "cluster_state:ok", func() bool { return a.OK() && b.OK() && c.OK() })
	for _, s := range all {
		assert.Equal(t, "MOVED 16000 127.0.0.1:"+strconv.Itoa(c.cfg.Port), s.Redirect(16000, false))
	}
	assert.True(t, c.Slot(16000).Mine)
	// Three masters that all started at epoch 0 end with distinct epochs.
	epochs := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(a.Nodes())), "\n") {
		epochs[strings.Fields(l)[6]] = true
	}
	assert.Len(t, epochs, 3, "config epochs after collision handling:\n%s", a.Nodes())

	cid := c.MyID()
	require.NoError(t, c.Close())
	eventually(t, "the stopped node to be flagged fail by both", func() bool {
		return strings.Contains(string(a.Nodes()), cid+" 127.0.0.1:"+strconv.Itoa(c.cfg.Port)+"@"+strconv.Itoa(c.cfg.BusPort)+" master,fail ") &&
			strings.Contains(string(b.Nodes()), "master,fail - ")
	})
	eventually(t, "cluster_state:fail", func() bool { return !a.OK() && !b.OK() })
	assert.Contains(t, string(a.Info()), "cluster_slots_fail:5461\r\n")
	n, err := a.CountFailureReports(cid)
	require.NoError(t, err)
	assert.LessOrEqual(t, n, 1, "at most b's report")
}
