package server

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/miniredis/miniredis/cluster"
	"github.com/miniredis/miniredis/shard"
)

// Cluster mode (SPEC §12): every keyed command is routed by its keys' hash
// slot with Redis's getNodeByQuery rules, and the cluster package keeps the
// topology and talks to the other nodes. Out of cluster mode s.cluster is
// nil and dispatch pays one nil check.

// Redis's cluster redirection and refusal texts.
const (
	msgCrossSlot        = "CROSSSLOT Keys in request don't hash to the same slot"
	msgTryAgain         = "TRYAGAIN Multiple keys request during rehashing of slot"
	msgClusterDown      = "CLUSTERDOWN The cluster is down"
	msgClusterUnbound   = "CLUSTERDOWN Hash slot not served"
	msgClusterDisabled  = "ERR This instance has cluster support disabled"
	msgSelectCluster    = "ERR SELECT is not allowed in cluster mode"
	msgScriptNonLocal   = "ERR Script attempted to access a non local key in a cluster node"
	msgScriptDown       = "ERR Script attempted to execute a command while the cluster is down"
	defaultClusterFile  = "nodes.conf"
	defaultClusterNodeT = 15 * time.Second
)

// redirect is getNodeByQuery's verdict on a command.
type redirect uint8

const (
	redirNone redirect = iota
	redirCrossSlot
	redirUnstable
	redirAsk
	redirMoved
	redirDownState
	redirDownUnbound
)

// listenCluster builds the cluster state and starts its bus on
// port+10000 (or ClusterPort) before the client port is bound, so that no
// client is ever served without it. Port 0 picks a free port whose bus
// port is free too.
func (s *Server) listenCluster() error {
	if s.cfg.Port == 0 {
		p, err := freeClusterPort(s.cfg.Host)
		if err != nil {
			return err
		}
		s.cfg.Port = p
	}
	port := s.cfg.Port
	if s.cfg.ClusterPort == 0 && port+10000 > 65535 {
		return errClusterPort
	}
	cfg := s.cfg
	file := cfg.ClusterConfigFile
	if file == "" {
		file = defaultClusterFile
	}
	st, err := cluster.New(cluster.Config{
		Host:            cfg.Host,
		Port:            port,
		BusPort:         cfg.ClusterPort,
		AnnounceIP:      cfg.ClusterAnnounceIP,
		AnnouncePort:    cfg.ClusterAnnouncePort,
		AnnounceBusPort: cfg.ClusterAnnounceBusPort,
		NodeTimeout:     orDefault(cfg.ClusterNodeTimeout, defaultClusterNodeT),
		FullCoverage:    !cfg.ClusterAllowPartialCoverage,
		ConfigFile:      filepath.Clean(file),
		Keys:            clusterKeys{s},
		Log:             s.log,
	})
	if err != nil {
		return err
	}
	if err := st.Start(); err != nil {
		return fmt.Errorf("server: cluster bus: %w", err)
	}
	s.cluster = st
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// freeClusterPort finds a port p with p and p+10000 free a moment ago.
func freeClusterPort(host string) (int, error) {
	for range 100 {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return 0, err
		}
		p := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if p+10000 > 65535 {
			continue
		}
		bus, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p+10000)))
		if err != nil {
			continue
		}
		bus.Close()
		return p, nil
	}
	return 0, errors.New("server: no free port pair for the cluster bus")
}

// clusterCheck routes cmd by its keys, answering the client itself when the
// command must not run here, and reports whether it did. It also ends the
// one-command life of ASKING.
func (c *client) clusterCheck(cmd *command, args [][]byte) bool {
	// RESTORE-ASKING carries its own ASKING (Redis's CMD_ASKING flag), and
	// MIGRATE runs here while the slot is open, whichever way it moves.
	asking := c.asking || cmd.name == "RESTORE-ASKING"
	migrate := cmd.name == "MIGRATE"
	c.askingCmd = asking
	if c.multi == nil && cmd.name != "ASKING" && cmd.name != "MULTI" {
		c.asking = false
	}
	var keys [][]byte
	switch {
	case cmd.name == "EXEC":
		if c.multi == nil {
			return false
		}
		keys = c.keys[:0]
		for i, q := range c.multi.queued {
			keys = c.multi.cmds[i].appendKeys(keys, q)
		}
	case cmd.firstKey > 0 || cmd.keysFn != nil:
		keys = cmd.appendKeys(c.keys[:0], args)
	default:
		return false
	}
	r, slot := c.srv.route(c.db, c.now(), keys, asking, migrate)
	clear(keys)
	c.keys = keys[:0]
	if r == redirNone {
		return false
	}
	if cmd.name == "EXEC" {
		c.discardMulti()
	}
	c.reject(c.srv.redirectText(r, slot))
	return true
}

// discardMulti ends the open transaction as DISCARD does.
func (c *client) discardMulti() {
	c.multi = nil
	c.multiLen.Store(-1)
	c.unwatchAll()
}

// redirectText is the error reply for a redirection.
func (s *Server) redirectText(r redirect, slot int) string {
	switch r {
	case redirCrossSlot:
		return msgCrossSlot
	case redirUnstable:
		return msgTryAgain
	case redirDownState:
		return msgClusterDown
	case redirDownUnbound:
		return msgClusterUnbound
	case redirAsk:
		return s.cluster.Redirect(slot, true)
	default:
		return s.cluster.Redirect(slot, false)
	}
}

// route decides where keys must be served, as Redis 7.0's getNodeByQuery:
// all keys in one slot, the slot served, the cluster up, and this node its
// owner, or an open slot that lets the request through (the keys still
// here while migrating, ASKING while importing).
func (s *Server) route(db shard.DB, now int64, keys [][]byte, asking, migrate bool) (redirect, int) {
	var (
		first             []byte
		slot              int
		info              cluster.SlotInfo
		multiple          bool
		missing, existing int
	)
	for _, k := range keys {
		ks := cluster.KeySlot(k)
		if first == nil {
			first, slot = k, ks
			info = s.cluster.Slot(slot)
			if !info.Served {
				return redirDownUnbound, slot
			}
		} else if !bytes.Equal(first, k) {
			if ks != slot {
				return redirCrossSlot, slot
			}
			multiple = true
		}
		if info.Migrating || info.Importing {
			if db.View(k, now, func(shard.Value) {}) {
				existing++
			} else {
				missing++
			}
		}
	}
	switch {
	case first == nil:
		return redirNone, 0
	case !s.cluster.OK():
		return redirDownState, slot
	case migrate && (info.Migrating || info.Importing):
		return redirNone, slot
	case info.Migrating && missing > 0:
		if existing > 0 {
			return redirUnstable, slot
		}
		return redirAsk, slot
	case info.Importing && !info.Migrating && asking:
		if multiple && missing > 0 {
			return redirUnstable, slot
		}
		return redirNone, slot
	case !info.Mine:
		return redirMoved, slot
	}
	return redirNone, slot
}

// clusterRefused is route for a command a script runs: a key this node
// may not serve is an error of the script (written to the script's
// writer), as Redis's scriptVerifyClusterState has it.
func (s *scriptCaller) clusterRefused(cmd *command, args [][]byte) bool {
	if cmd.firstKey <= 0 && cmd.keysFn == nil {
		return false
	}
	keys := cmd.appendKeys(s.sc.keys[:0], args)
	defer func() { clear(keys); s.sc.keys = keys[:0] }()
	r, _ := s.c.srv.route(s.sc.db, s.sc.now(), keys, s.c.askingCmd, false)
	switch r {
	case redirNone:
		return false
	case redirDownState:
		s.sc.w.Error(msgScriptDown)
	default:
		s.sc.w.Error(msgScriptNonLocal)
	}
	return true
}

// ---- the per-slot key index ----

// slotIndex lists the keys of database 0 by hash slot, so that
// COUNTKEYSINSLOT, GETKEYSINSLOT and the deletion of a lost slot's keys do
// not scan the keyspace. It exists only in cluster mode.
//
// It learns keys from the store's Observer, which reports changes but not
// whether the key still exists afterwards (it runs under the shard lock and
// may not look). So a slot's set holds every key written since it was last
// checked: keys expired or evicted are dropped at once, keys deleted by a
// command stay as candidates until a query on the slot checks them against
// the store. Each candidate carries the sequence number of its last write,
// so a check never drops a key written again while it looked.
type slotIndex struct {
	slots [cluster.NumSlots]slotKeys
}

// slotKeys is one slot's candidates, each with the sequence number of its
// last write in this slot.
//
// The sequence number sits behind a pointer so that writing an indexed key
// again updates it without a map assignment, which would allocate the key
// string (Go elides the conversion only for lookups).
type slotKeys struct {
	mu       sync.Mutex
	seq      uint64
	keys     map[string]*uint64
	verified int // len(keys) after the last check against the store
}

// touch records a change of key (db 0 only: cluster mode has no other).
func (x *slotIndex) touch(key []byte, ev shard.Event) {
	sk := &x.slots[cluster.KeySlot(key)]
	sk.mu.Lock()
	switch p := sk.keys[string(key)]; {
	case ev == shard.Expired || ev == shard.Evicted:
		delete(sk.keys, string(key))
	case p != nil:
		sk.seq++
		*p = sk.seq
	default:
		if sk.keys == nil {
			sk.keys = make(map[string]*uint64)
		}
		sk.seq++
		q := sk.seq
		sk.keys[string(key)] = &q
	}
	sk.mu.Unlock()
}

// keys returns the slot's keys that exist now, sorted, dropping candidates
// that turned out to be gone.
func (x *slotIndex) keys(db shard.DB, now int64, slot int) []string {
	sk := &x.slots[slot]
	sk.mu.Lock()
	type cand struct {
		k   string
		seq uint64
	}
	cands := make([]cand, 0, len(sk.keys))
	for k, q := range sk.keys {
		cands = append(cands, cand{k, *q})
	}
	sk.mu.Unlock()
	var live []string
	var gone []cand
	for _, c := range cands {
		// Checked without the slot's lock: the store's Observer takes it
		// under a shard lock, so holding it here would invert the order.
		if db.View([]byte(c.k), now, func(shard.Value) {}) {
			live = append(live, c.k)
		} else {
			gone = append(gone, c)
		}
	}
	sk.mu.Lock()
	for _, c := range gone {
		if q := sk.keys[c.k]; q != nil && *q == c.seq {
			delete(sk.keys, c.k)
		}
	}
	sk.verified = len(sk.keys)
	sk.mu.Unlock()
	slices.Sort(live)
	return live
}

// Sweep pacing: every tick checks the next sweepSlots slots, each only when
// its candidates grew by an eighth (and 16) since its last check, so a
// full pass takes about 100 s and costs one store lookup per candidate.
const (
	sweepEvery = 100 * time.Millisecond
	sweepSlots = 16
)

// sweep checks up to n slots from slot from on, those that grew since
// their last check, and returns where the next sweep starts. Serve runs it
// every sweepEvery, dropping candidates of deleted keys (DEL, FLUSHALL) in
// the background, so the index of a workload that keeps making new keys
// stays within about 9/8 of the live keys.
func (x *slotIndex) sweep(db shard.DB, now int64, from, n int) int {
	for range n {
		sk := &x.slots[from]
		sk.mu.Lock()
		grown := len(sk.keys) > sk.verified+max(16, sk.verified/8)
		sk.mu.Unlock()
		if grown {
			x.keys(db, now, from)
		}
		from = (from + 1) % cluster.NumSlots
	}
	return from
}

// clusterKeys is the KeyCounter the cluster package asks.
type clusterKeys struct{ s *Server }

func (k clusterKeys) CountKeysInSlot(slot int) int {
	return len(k.s.slotKeys.keys(k.s.store.DB(0), k.s.now(), slot))
}

func (k clusterKeys) DelKeysInSlot(slot int) {
	db := k.s.store.DB(0)
	now := k.s.now()
	for _, key := range k.s.slotKeys.keys(db, now, slot) {
		db.Update([]byte(key), now, func(e *shard.Entry) { e.Delete() })
	}
}

var errClusterPort = errors.New("server: cluster bus port out of range (port+10000 > 65535); set ClusterPort")

// infoCluster is INFO's cluster section; redis-cli --cluster checks it.
func (s *Server) infoCluster(b []byte) []byte {
	if s.cluster != nil {
		return infoInt(b, "cluster_enabled", 1)
	}
	return infoInt(b, "cluster_enabled", 0)
}

// redisMode is INFO's redis_mode.
func (s *Server) redisMode() string {
	if s.cfg.ClusterEnabled {
		return "cluster"
	}
	return "standalone"
}
