package server

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/cluster"
	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clusterConfig is a cluster-mode config with its nodes.conf in a temp dir.
func clusterConfig(t *testing.T) Config {
	cfg := redisConfig()
	cfg.ClusterEnabled = true
	cfg.ClusterConfigFile = filepath.Join(t.TempDir(), "nodes.conf")
	cfg.ClusterNodeTimeout = 2 * time.Second
	cfg.ClusterAllowPartialCoverage = true
	return cfg
}

// waitFor polls cond every 20 ms until it holds or 10 s pass. The cluster
// bus is asynchronous by nature; the wait is bounded and the condition is
// what is asserted, not the time it took.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestClusterDisabled(t *testing.T) {
	s := startServer(t, redisConfig())
	r := dial(t, s)
	runExchanges(t, r, []exchange{
		{"info", resp("CLUSTER", "INFO"), "-ERR This instance has cluster support disabled\r\n"},
		{"keyslot", resp("CLUSTER", "KEYSLOT", "a"), "-ERR This instance has cluster support disabled\r\n"},
		{"unknown first", resp("CLUSTER", "FOO"), "-ERR unknown subcommand 'FOO'. Try CLUSTER HELP.\r\n"},
		{"arity first", resp("CLUSTER", "INFO", "x"), "-ERR wrong number of arguments for 'cluster|info' command\r\n"},
		{"asking", resp("ASKING"), "-ERR This instance has cluster support disabled\r\n"},
		{"readonly", resp("READONLY"), "-ERR This instance has cluster support disabled\r\n"},
		{"readwrite", resp("READWRITE"), "-ERR This instance has cluster support disabled\r\n"},
		{"select still works", resp("SELECT", "1"), "+OK\r\n"},
	})
}

// TestClusterSingleNode runs the commands of one node against itself.
func TestClusterSingleNode(t *testing.T) {
	s := startServer(t, clusterConfig(t))
	r := dial(t, s)
	id := s.cluster.MyID()
	runExchanges(t, r, []exchange{
		{"down before slots", resp("GET", "foo"), "-CLUSTERDOWN Hash slot not served\r\n"},
		{"keyless runs", resp("PING"), "+PONG\r\n"},
		{"select 1", resp("SELECT", "1"), "-ERR SELECT is not allowed in cluster mode\r\n"},
		{"select 0", resp("SELECT", "0"), "+OK\r\n"},
		{"select x", resp("SELECT", "x"), "-ERR value is not an integer or out of range\r\n"},
		{"move checks its key first", resp("MOVE", "a", "1"), "-CLUSTERDOWN Hash slot not served\r\n"},
		{"swapdb", resp("SWAPDB", "0", "1"), "-ERR SWAPDB is not allowed in cluster mode\r\n"},
		{"addslotsrange", resp("CLUSTER", "ADDSLOTSRANGE", "0", "16383"), "+OK\r\n"},
	})
	waitFor(t, "cluster_state:ok", s.cluster.OK)
	runExchanges(t, r, []exchange{
		{"move", resp("MOVE", "a", "1"), "-ERR MOVE is not allowed in cluster mode\r\n"},
		{"set", resp("SET", "foo", "bar"), "+OK\r\n"},
		{"set tagged", resp("SET", "{foo}2", "x"), "+OK\r\n"},
		{"crossslot", resp("MGET", "foo", "a"), "-CROSSSLOT Keys in request don't hash to the same slot\r\n"},
		{"same slot", resp("MGET", "foo", "{foo}2"), "*2\r\n$3\r\nbar\r\n$1\r\nx\r\n"},
		{"count", resp("CLUSTER", "COUNTKEYSINSLOT", "12182"), ":2\r\n"},
		{"getkeys", resp("CLUSTER", "GETKEYSINSLOT", "12182", "10"), "*2\r\n$3\r\nfoo\r\n$6\r\n{foo}2\r\n"},
		{"getkeys limit", resp("CLUSTER", "GETKEYSINSLOT", "12182", "1"), "*1\r\n$3\r\nfoo\r\n"},
		{"del", resp("DEL", "{foo}2"), ":1\r\n"},
		{"count after del", resp("CLUSTER", "COUNTKEYSINSLOT", "12182"), ":1\r\n"},
		{"flushslots refused", resp("CLUSTER", "FLUSHSLOTS"), "-ERR DB must be empty to perform CLUSTER FLUSHSLOTS.\r\n"},
		{"reset refused", resp("CLUSTER", "RESET"), "-ERR CLUSTER RESET can't be called with master nodes containing keys\r\n"},
		{"eval crossslot", resp("EVAL", "return 1", "2", "foo", "a"), "-CROSSSLOT Keys in request don't hash to the same slot\r\n"},
		{"multi", resp("MULTI"), "+OK\r\n"},
		{"queued 1", resp("GET", "foo"), "+QUEUED\r\n"},
		{"queued 2", resp("GET", "a"), "+QUEUED\r\n"},
		{"exec crossslot", resp("EXEC"), "-CROSSSLOT Keys in request don't hash to the same slot\r\n"},
		{"exec discarded the transaction", resp("EXEC"), "-ERR EXEC without MULTI\r\n"},
		{"myid", resp("CLUSTER", "MYID"), "$40\r\n" + id + "\r\n"},
		{"bumpepoch", resp("CLUSTER", "BUMPEPOCH"), "+BUMPED 1\r\n"},
		{"bumpepoch again", resp("CLUSTER", "BUMPEPOCH"), "+STILL 1\r\n"},
		{"replicas", resp("CLUSTER", "REPLICAS", id), "*0\r\n"},
		{"help", resp("CLUSTER", "HELP"), helpReply()},
		{"flushall", resp("FLUSHALL"), "+OK\r\n"},
		{"count after flush", resp("CLUSTER", "COUNTKEYSINSLOT", "12182"), ":0\r\n"},
		{"flushslots", resp("CLUSTER", "FLUSHSLOTS"), "+OK\r\n"},
		{"down again", resp("GET", "foo"), "-CLUSTERDOWN Hash slot not served\r\n"},
	})
}

// helpReply is CLUSTER HELP's reply: Redis 7.0's 56 lines less the four of
// REPLICATE and FAILOVER.
func helpReply() string {
	b := "*52\r\n"
	for _, l := range clusterHelpLines {
		b += "+" + l + "\r\n"
	}
	return b
}

// TestClusterSlotIndexExpiry: an expired key leaves the slot's index.
func TestClusterSlotIndexExpiry(t *testing.T) {
	clock := newFakeClock()
	cfg := withClock(clusterConfig(t), clock)
	s := startServer(t, cfg)
	r := dial(t, s)
	slot := strconv.Itoa(cluster.KeySlot([]byte("k")))
	runExchanges(t, r, []exchange{
		{"slots", resp("CLUSTER", "ADDSLOTSRANGE", "0", "16383"), "+OK\r\n"},
	})
	waitFor(t, "cluster_state:ok", s.cluster.OK)
	runExchanges(t, r, []exchange{
		{"set", resp("SET", "k", "v", "PX", "100"), "+OK\r\n"},
		{"count", resp("CLUSTER", "COUNTKEYSINSLOT", slot), ":1\r\n"},
	})
	clock.Advance(time.Second)
	r.do(resp("CLUSTER", "COUNTKEYSINSLOT", slot), ":0\r\n")
	s.slotKeys.slots[cluster.KeySlot([]byte("k"))].mu.Lock()
	n := len(s.slotKeys.slots[cluster.KeySlot([]byte("k"))].keys)
	s.slotKeys.slots[cluster.KeySlot([]byte("k"))].mu.Unlock()
	assert.Zero(t, n, "the checked candidate was dropped")
}

// clusterPair starts two miniredis nodes that know each other.
func clusterPair(t *testing.T) (a, b *Server) {
	t.Helper()
	a = startServer(t, clusterConfig(t))
	b = startServer(t, clusterConfig(t))
	ra := dial(t, a)
	bp := strconv.Itoa(b.cfg.Port)
	ra.do(resp("CLUSTER", "MEET", "127.0.0.1", bp), "+OK\r\n")
	waitFor(t, "the nodes to know each other", func() bool {
		na, nb := string(a.cluster.Nodes()), string(b.cluster.Nodes())
		return strings.Contains(na, b.cluster.MyID()+" 127.0.0.1:") && strings.Contains(nb, a.cluster.MyID()+" 127.0.0.1:") &&
			!strings.Contains(na, "handshake") && !strings.Contains(nb, "handshake")
	})
	return a, b
}

// TestClusterRedirects checks MOVED, ASK, ASKING and TRYAGAIN between two
// nodes, with the slot key k37999 (slot 1) and k48492 (also slot 1).
func TestClusterRedirects(t *testing.T) {
	a, b := clusterPair(t)
	ra, rb := dial(t, a), dial(t, b)
	aid, bid := a.cluster.MyID(), b.cluster.MyID()
	aAddr := "127.0.0.1:" + strconv.Itoa(a.cfg.Port)
	bAddr := "127.0.0.1:" + strconv.Itoa(b.cfg.Port)
	ra.do(resp("CLUSTER", "ADDSLOTSRANGE", "0", "8191"), "+OK\r\n")
	rb.do(resp("CLUSTER", "ADDSLOTSRANGE", "8192", "16383"), "+OK\r\n")
	waitFor(t, "b to learn a's slots", func() bool { return b.cluster.Slot(0).Served })
	waitFor(t, "a to learn b's slots", func() bool { return a.cluster.Slot(16383).Served })
	waitFor(t, "cluster_state:ok on both", func() bool { return a.cluster.OK() && b.cluster.OK() })

	moved := "-MOVED 12182 " + bAddr + "\r\n"
	runExchanges(t, ra, []exchange{
		{"moved", resp("GET", "foo"), moved},
		{"set here", resp("SET", "k37999", "1"), "+OK\r\n"},
		{"moved in multi", resp("MULTI"), "+OK\r\n"},
		{"moved queued", resp("SET", "foo", "1"), moved},
		{"execabort", resp("EXEC"), "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		{"script non local", resp("EVAL", "return redis.call('get','foo')", "0"),
			"-ERR Script attempted to access a non local key in a cluster node"},
	})
	line, err := ra.rd.ReadString('\n')
	require.NoError(t, err)
	assert.Contains(t, line, "script: ", "the scripting layer names the script")

	// Slot 1 moves from a to b.
	runExchanges(t, rb, []exchange{{"importing", resp("CLUSTER", "SETSLOT", "1", "IMPORTING", aid), "+OK\r\n"}})
	runExchanges(t, ra, []exchange{
		{"migrating", resp("CLUSTER", "SETSLOT", "1", "MIGRATING", bid), "+OK\r\n"},
		{"present key served", resp("GET", "k37999"), "$1\r\n1\r\n"},
		{"missing key asks", resp("GET", "k48492"), "-ASK 1 " + bAddr + "\r\n"},
		{"half there", resp("MGET", "k37999", "k48492"), "-TRYAGAIN Multiple keys request during rehashing of slot\r\n"},
	})
	runExchanges(t, rb, []exchange{
		{"importing without asking", resp("GET", "k48492"), "-MOVED 1 " + aAddr + "\r\n"},
		{"asking", resp("ASKING"), "+OK\r\n"},
		{"asked", resp("SET", "k48492", "2"), "+OK\r\n"},
		{"asking lasts one command", resp("GET", "k48492"), "-MOVED 1 " + aAddr + "\r\n"},
		{"asking again", resp("ASKING"), "+OK\r\n"},
		{"multi-key with one missing", resp("MGET", "k48492", "k37999"), "-TRYAGAIN Multiple keys request during rehashing of slot\r\n"},
	})
	// The key moves with MIGRATE, which runs here while the slot is open
	// and reaches b as RESTORE-ASKING; then the slot moves.
	runExchanges(t, rb, []exchange{
		{"restore-asking outside an importing slot", resp("RESTORE-ASKING", "bar", "0", "x"), "-MOVED 5061 " + aAddr + "\r\n"},
	})
	runExchanges(t, ra, []exchange{
		{"migrate", resp("MIGRATE", "127.0.0.1", strconv.Itoa(b.cfg.Port), "k37999", "0", "1000"), "+OK\r\n"},
		{"gone from a", resp("GET", "k37999"), "-ASK 1 " + bAddr + "\r\n"},
		{"migrate nokey", resp("MIGRATE", "127.0.0.1", strconv.Itoa(b.cfg.Port), "k37999", "0", "1000"), "+NOKEY\r\n"},
		{"migrate of another slot", resp("MIGRATE", "127.0.0.1", strconv.Itoa(b.cfg.Port), "foo", "0", "1000"), moved},
	})
	runExchanges(t, rb, []exchange{
		{"asking", resp("ASKING"), "+OK\r\n"},
		{"arrived on b", resp("GET", "k37999"), "$1\r\n1\r\n"},
	})
	runExchanges(t, ra, []exchange{
		{"node b", resp("CLUSTER", "SETSLOT", "1", "NODE", bid), "+OK\r\n"},
		{"now moved", resp("GET", "k37999"), "-MOVED 1 " + bAddr + "\r\n"},
	})
	runExchanges(t, rb, []exchange{
		{"b takes it", resp("CLUSTER", "SETSLOT", "1", "NODE", bid), "+OK\r\n"},
		{"served", resp("GET", "k48492"), "$1\r\n2\r\n"},
	})
	// b's new epoch carries the slot to a's view too.
	waitFor(t, "a to see slot 1 on b", func() bool {
		return strings.Contains(string(a.cluster.Nodes()), bid+" 127.0.0.1:"+strconv.Itoa(b.cfg.Port)+"@"+strconv.Itoa(b.cfg.Port+10000)+" master - ") &&
			!a.cluster.Slot(1).Mine
	})
	assert.Contains(t, string(b.cluster.Info()), "cluster_my_epoch:")
}

// TestClusterConfigReload: a restarted node comes back with its ID, slots
// and epoch from nodes.conf.
func TestClusterConfigReload(t *testing.T) {
	cfg := clusterConfig(t)
	s, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, s.Listen())
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	r := dial(t, s)
	r.do(resp("CLUSTER", "ADDSLOTS", "5", "6", "7"), "+OK\r\n")
	r.do(resp("CLUSTER", "SET-CONFIG-EPOCH", "4"), "+OK\r\n")
	id := s.cluster.MyID()
	require.NoError(t, s.Shutdown(t.Context()))
	require.NoError(t, <-done)

	// A fresh port: the event loops may not rebind the old one at once.
	s2 := startServer(t, cfg)
	assert.Equal(t, id, s2.cluster.MyID())
	assert.Contains(t, string(s2.cluster.Nodes()), "myself,master - 0 0 4 connected 5-7\n")
}

// TestClusterDiffRedis sends the same CLUSTER and routing commands to a
// redis-server 7.0 in cluster mode and to miniredis, replies compared.
func TestClusterDiffRedis(t *testing.T) {
	busPort := freeBusPort(t)
	redisAddr := redistest.StartRedis(t, "--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(busPort),
		"--cluster-require-full-coverage", "no")
	s := startServer(t, clusterConfig(t))
	p := redistest.NewPair(t, s.Addr().String(), redisAddr)
	compare := func(cmds ...[]string) {
		t.Helper()
		for _, cmd := range cmds {
			p.Compare(false, cmd...)
		}
	}
	// No slots yet: the cluster is down for keyed commands.
	compare([]string{"GET", "foo"}, []string{"SET", "foo", "1"}, []string{"MGET", "foo", "a"},
		[]string{"SELECT", "1"}, []string{"SELECT", "0"}, []string{"SELECT", "99"}, []string{"SELECT", "x"},
		[]string{"MOVE", "a", "1"}, []string{"SWAPDB", "0", "1"})
	compare(
		[]string{"CLUSTER", "KEYSLOT", "{user1000}.following"}, []string{"CLUSTER", "KEYSLOT", ""},
		[]string{"CLUSTER", "ADDSLOTS", "x"}, []string{"CLUSTER", "ADDSLOTS", "16384"}, []string{"CLUSTER", "ADDSLOTS", "-1"},
		[]string{"CLUSTER", "ADDSLOTS", "1", "2", "3"}, []string{"CLUSTER", "ADDSLOTS", "1"}, []string{"CLUSTER", "ADDSLOTS", "9", "9"},
		[]string{"CLUSTER", "ADDSLOTSRANGE", "10", "20"}, []string{"CLUSTER", "ADDSLOTSRANGE", "30", "25"},
		[]string{"CLUSTER", "ADDSLOTSRANGE", "30"}, []string{"CLUSTER", "ADDSLOTSRANGE", "30", "31", "32"},
		[]string{"CLUSTER", "ADDSLOTSRANGE", "19", "22"},
		[]string{"CLUSTER", "DELSLOTS", "5"}, []string{"CLUSTER", "DELSLOTS", "3"}, []string{"CLUSTER", "DELSLOTSRANGE", "15", "16"},
		[]string{"CLUSTER", "DELSLOTSRANGE", "14", "16"},
		[]string{"CLUSTER", "SETSLOT", "1"}, []string{"CLUSTER", "SETSLOT", "1", "foo"}, []string{"CLUSTER", "SETSLOT", "1", "migrating"},
		[]string{"CLUSTER", "SETSLOT", "x", "stable"}, []string{"CLUSTER", "SETSLOT", "1", "migrating", "abc"},
		[]string{"CLUSTER", "SETSLOT", "1", "importing", "abc"}, []string{"CLUSTER", "SETSLOT", "1", "node", "abc"},
		[]string{"CLUSTER", "SETSLOT", "500", "migrating", "abc"}, []string{"CLUSTER", "SETSLOT", "1", "stable"},
		[]string{"CLUSTER", "SETSLOT", "1", "stable", "x"},
		[]string{"CLUSTER", "COUNTKEYSINSLOT", "1"}, []string{"CLUSTER", "COUNTKEYSINSLOT", "16384"}, []string{"CLUSTER", "COUNTKEYSINSLOT", "x"},
		[]string{"CLUSTER", "GETKEYSINSLOT", "1", "-1"}, []string{"CLUSTER", "GETKEYSINSLOT", "99999", "1"},
		[]string{"CLUSTER", "GETKEYSINSLOT", "x", "1"}, []string{"CLUSTER", "GETKEYSINSLOT", "1", "x"},
		[]string{"CLUSTER", "GETKEYSINSLOT", "1", "10"},
		[]string{"CLUSTER", "MEET", "1.2.3", "5"}, []string{"CLUSTER", "MEET", "127.0.0.1", "x"},
		[]string{"CLUSTER", "MEET", "127.0.0.1", "1", "x"}, []string{"CLUSTER", "MEET", "127.0.0.1", "70000"},
		[]string{"CLUSTER", "MEET", "127.0.0.1", "60000"}, []string{"CLUSTER", "MEET", "127.0.0.1", "1", "2", "3"},
		[]string{"CLUSTER", "FORGET", "x"}, []string{"CLUSTER", "COUNT-FAILURE-REPORTS", "x"}, []string{"CLUSTER", "REPLICAS", "x"},
		[]string{"CLUSTER", "SET-CONFIG-EPOCH", "-1"}, []string{"CLUSTER", "SET-CONFIG-EPOCH", "x"},
		[]string{"CLUSTER", "INFO", "x"}, []string{"CLUSTER", "NOPE"}, []string{"CLUSTER"},
		[]string{"CLUSTER", "RESET", "x"}, []string{"CLUSTER", "RESET", "soft", "x"},
		[]string{"ASKING"}, []string{"READONLY"}, []string{"READWRITE"}, []string{"ASKING", "x"},
	)
	// SLOTS, SHARDS and NODES agree but for each node's ID, port and times.
	_, redisPort, _ := strings.Cut(redisAddr, ":")
	targets := []struct {
		c          *redistest.Conn
		port, cbus string
	}{
		{p.Redis, redisPort, strconv.Itoa(busPort)},
		{p.Mini, strconv.Itoa(s.cfg.Port), strconv.Itoa(s.cfg.Port + 10000)},
	}
	for _, sub := range []string{"SLOTS", "SHARDS", "NODES"} {
		var views [2]string
		for i, tg := range targets {
			id, err := tg.c.Do("CLUSTER", "MYID")
			require.NoError(t, err)
			rep, err := tg.c.Do("CLUSTER", sub)
			require.NoError(t, err)
			v := strings.ReplaceAll(rep.String(), id.Str, "ID")
			v = strings.ReplaceAll(v, tg.cbus, "BUSPORT")
			views[i] = strings.ReplaceAll(v, tg.port, "PORT")
		}
		assert.Equal(t, views[0], views[1], "CLUSTER %s", sub)
	}

	// With slots served and the state ok: routing of keyed commands.
	for _, c := range []*redistest.Conn{p.Redis, p.Mini} {
		waitFor(t, "cluster_state:ok", func() bool {
			rep, err := c.Do("CLUSTER", "INFO")
			return err == nil && strings.HasPrefix(rep.Str, "cluster_state:ok")
		})
	}
	compare(
		[]string{"SET", "k37999", "v"}, []string{"CLUSTER", "COUNTKEYSINSLOT", "1"}, []string{"CLUSTER", "GETKEYSINSLOT", "1", "10"},
		[]string{"MGET", "k37999", "k48492"}, []string{"MGET", "k37999", "foo"}, []string{"MGET", "k37999", "k2603"},
		[]string{"MOVE", "k37999", "1"}, []string{"EVAL", "return 1", "2", "k37999", "foo"},
		[]string{"EVAL", "return redis.call('get', KEYS[1])", "1", "k37999"},
		[]string{"CLUSTER", "FLUSHSLOTS"}, []string{"CLUSTER", "RESET"},
		[]string{"DEL", "k37999"}, []string{"CLUSTER", "COUNTKEYSINSLOT", "1"},
	)
	compare([]string{"CLUSTER", "FLUSHSLOTS"}, []string{"GET", "k37999"})
	// FORGET of myself names the node's own ID, which differs.
	for _, c := range []*redistest.Conn{p.Redis, p.Mini} {
		id, err := c.Do("CLUSTER", "MYID")
		require.NoError(t, err)
		rep, err := c.Do("CLUSTER", "FORGET", id.Str)
		require.NoError(t, err)
		assert.Equal(t, "ERR I tried hard but I can't forget myself...", rep.Str)
	}
	// The CLUSTER INFO fields agree (the message counters aside: the
	// MEETs above were to nowhere, and the handshakes may still be in
	// progress).
	want, err := p.Redis.Do("CLUSTER", "INFO")
	require.NoError(t, err)
	got, err := p.Mini.Do("CLUSTER", "INFO")
	require.NoError(t, err)
	assert.Equal(t, infoHead(want.Str), infoHead(got.Str))
}

// infoHead is CLUSTER INFO up to the message counters.
func infoHead(s string) string {
	i := strings.Index(s, "cluster_stats_messages")
	if i < 0 {
		return s
	}
	return s[:i]
}

// freeBusPort returns a free port p below 55536 with p+10000 free too.
func freeBusPort(t *testing.T) int {
	t.Helper()
	p, err := freeClusterPort("127.0.0.1")
	require.NoError(t, err)
	return p
}

// TestClusterSlotSweep: candidates of deleted keys are dropped by the sweep
// (which a goroutine runs over every slot in about 100 s) once their slot's
// set has grown, not only when the slot is queried.
func TestClusterSlotSweep(t *testing.T) {
	s := startServer(t, clusterConfig(t))
	r := dial(t, s)
	r.do(resp("CLUSTER", "ADDSLOTSRANGE", "0", "16383"), "+OK\r\n")
	waitFor(t, "cluster_state:ok", s.cluster.OK)
	for i := range 40 {
		k := "{t}" + strconv.Itoa(i)
		r.do(resp("SET", k, "v"), "+OK\r\n")
		r.do(resp("DEL", k), ":1\r\n")
	}
	slot := cluster.KeySlot([]byte("{t}"))
	size := func() int {
		sk := &s.slotKeys.slots[slot]
		sk.mu.Lock()
		defer sk.mu.Unlock()
		return len(sk.keys)
	}
	assert.Equal(t, 40, size(), "deleted keys stay candidates until checked")
	next := s.slotKeys.sweep(s.store.DB(0), s.now(), slot, 1)
	assert.Equal(t, slot+1, next)
	assert.Zero(t, size())
	// A slot whose set has not grown past the threshold is left alone.
	for i := range 5 {
		r.do(resp("SET", "{t}y"+strconv.Itoa(i), "v"), "+OK\r\n")
		r.do(resp("DEL", "{t}y"+strconv.Itoa(i)), ":1\r\n")
	}
	s.slotKeys.sweep(s.store.DB(0), s.now(), slot, 1)
	assert.Equal(t, 5, size(), "5 new candidates do not trigger a check")
	r.do(resp("CLUSTER", "COUNTKEYSINSLOT", strconv.Itoa(slot)), ":0\r\n")
	assert.Zero(t, size(), "a query checks them")
}

// TestClusterRoutingAllocs: in cluster mode a GET or SET of a key this node
// serves allocates no more than it does without cluster mode.
func TestClusterRoutingAllocs(t *testing.T) {
	s := startServer(t, clusterConfig(t))
	dial(t, s).do(resp("CLUSTER", "ADDSLOTSRANGE", "0", "16383"), "+OK\r\n")
	waitFor(t, "cluster_state:ok", s.cluster.OK)
	c := newTestClient(s)
	set, get := bargs("SET", "foo", "bar"), bargs("GET", "foo")
	c.exec(set)
	plain := newTestClient(startServer(t, redisConfig()))
	plain.exec(set)
	for _, args := range [][][]byte{get, set} {
		clustered := testing.AllocsPerRun(200, func() { c.exec(args); c.w.Reset() })
		base := testing.AllocsPerRun(200, func() { plain.exec(args); plain.w.Reset() })
		assert.Equal(t, base, clustered, "%s", args[0])
	}
	assert.Zero(t, testing.AllocsPerRun(200, func() { c.exec(get); c.w.Reset() }), "GET")
}
