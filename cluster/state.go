package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// KeyCounter is the keyspace as the cluster sees it: how many keys a slot
// holds, and dropping them when another node takes the slot over. Its
// methods take store locks, so the State never calls them while holding
// its own lock: a script holding store locks may be waiting for it.
type KeyCounter interface {
	CountKeysInSlot(slot int) int
	DelKeysInSlot(slot int)
}

// Config configures a State. Zero values mean Redis's defaults.
type Config struct {
	Host            string        // address the bus binds; default 127.0.0.1
	Port            int           // the client port
	BusPort         int           // default Port+10000
	AnnounceIP      string        // cluster-announce-ip: the IP peers are told to use
	AnnouncePort    int           // cluster-announce-port
	AnnounceBusPort int           // cluster-announce-bus-port
	NodeTimeout     time.Duration // cluster-node-timeout; default 15 s
	// FullCoverage is cluster-require-full-coverage: with it the cluster
	// is down while any slot is unserved. Redis's default is yes; the
	// caller sets it (the zero value is no).
	FullCoverage bool
	ConfigFile   string // nodes.conf path; "" keeps nothing on disk (tests)
	Keys         KeyCounter
	Log          *slog.Logger
	Now          func() time.Time
}

// State is this node's view of the cluster: the nodes, who serves which
// slot, the epochs, and the bus that keeps them in agreement. All its
// methods are safe for concurrent use.
type State struct {
	cfg Config
	log *slog.Logger
	now func() time.Time

	mu            sync.RWMutex
	myself        *Node
	nodes         map[string]*Node
	slots         [NumSlots]*Node
	migrating     [NumSlots]*Node
	importing     [NumSlots]*Node
	currentEpoch  uint64
	lastVoteEpoch uint64
	// syncedEpochs are currentEpoch, lastVoteEpoch and myself's config
	// epoch as of the last fsynced save of nodes.conf (see saveLocked).
	syncedEpochs [3]uint64
	size         int              // masters serving at least one slot
	firstUpdate  int64            // unix ms of the first state update, for the writable delay
	minorityTime int64            // unix ms this node last saw itself in a minority partition
	blacklist    map[string]int64 // forgotten node names → unix ms until which gossip may not re-add them
	dirty        bool             // nodes.conf needs saving
	pingsSent    uint64           // pings built, for gossip deduplication
	sent, recv   [msgTypes]int64
	links        map[*link]struct{} // every open link, outbound and inbound
	lost         []int              // slots taken from this node, whose keys go once the lock is released

	ok atomic.Bool // cluster_state:ok, read without the lock on every keyed command

	bus busState
}

// Defaults as Redis's.
const (
	DefaultNodeTimeout = 15 * time.Second
	blacklistTTL       = 60 * time.Second
	writableDelay      = 2000 // ms a master stays down after start (CLUSTER_WRITABLE_DELAY)
	minRejoinDelay     = 500  // ms, CLUSTER_MIN_REJOIN_DELAY
	maxRejoinDelay     = 5000 // ms, CLUSTER_MAX_REJOIN_DELAY
	failReportMult     = 2    // CLUSTER_FAIL_REPORT_VALIDITY_MULT
	failUndoMult       = 2    // CLUSTER_FAIL_UNDO_TIME_MULT
)

// New builds the State: it loads cfg.ConfigFile when it exists, or creates
// a node with a fresh ID and writes the file. The bus does not run until
// Start.
func New(cfg Config) (*State, error) {
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.BusPort == 0 {
		cfg.BusPort = cfg.Port + 10000
	}
	if cfg.NodeTimeout <= 0 {
		cfg.NodeTimeout = DefaultNodeTimeout
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AnnounceIP != "" && net.ParseIP(cfg.AnnounceIP) == nil {
		return nil, fmt.Errorf("cluster: bad cluster-announce-ip %q", cfg.AnnounceIP)
	}
	s := &State{
		cfg:       cfg,
		log:       cfg.Log,
		now:       cfg.Now,
		nodes:     make(map[string]*Node),
		blacklist: make(map[string]int64),
		links:     make(map[*link]struct{}),
		size:      1, // as Redis reports it until the first real update
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	loaded, err := s.loadLocked()
	if err != nil {
		return nil, err
	}
	if !loaded {
		me := s.newNode(randomName(), FlagMyself|FlagMaster)
		s.myself = me
		s.addNodeLocked(me)
	}
	s.setMyselfAddrLocked()
	s.dirty = true
	if err := s.saveLocked(); err != nil {
		return nil, err
	}
	s.updateStateLocked()
	return s, nil
}

func (s *State) ms() int64 { return s.now().UnixMilli() }

func (s *State) newNode(name string, flags Flags) *Node {
	return &Node{Name: name, Flags: flags, ctime: s.ms()}
}

// setMyselfAddrLocked applies the announced address and ports to myself.
func (s *State) setMyselfAddrLocked() {
	me := s.myself
	if s.cfg.AnnounceIP != "" {
		me.IP = s.cfg.AnnounceIP
	}
	me.Port = s.cfg.Port
	if s.cfg.AnnouncePort != 0 {
		me.Port = s.cfg.AnnouncePort
	}
	me.CPort = s.cfg.BusPort
	if s.cfg.AnnounceBusPort != 0 {
		me.CPort = s.cfg.AnnounceBusPort
	}
}

func (s *State) addNodeLocked(n *Node) { s.nodes[n.Name] = n }

// lookupLocked finds a node by ID; invalid IDs find nothing, as in Redis.
func (s *State) lookupLocked(name string) *Node {
	if !validName(name) {
		return nil
	}
	return s.nodes[name]
}

// addSlotLocked gives slot to n; the slot must be unassigned.
func (s *State) addSlotLocked(n *Node, slot int) bool {
	if s.slots[slot] != nil {
		return false
	}
	n.slots.Set(slot)
	n.numSlots++
	s.slots[slot] = n
	return true
}

// delSlotLocked unassigns slot.
func (s *State) delSlotLocked(slot int) bool {
	n := s.slots[slot]
	if n == nil {
		return false
	}
	n.slots.Clear(slot)
	n.numSlots--
	s.slots[slot] = nil
	return true
}

// delNodeLocked forgets n: its slots become unassigned, open slots toward
// it close, its failure reports on others go, and its link closes.
func (s *State) delNodeLocked(n *Node) {
	for j := range NumSlots {
		if s.importing[j] == n {
			s.importing[j] = nil
		}
		if s.migrating[j] == n {
			s.migrating[j] = nil
		}
		if s.slots[j] == n {
			s.delSlotLocked(j)
		}
	}
	for _, o := range s.nodes {
		delete(o.failReports, n.Name)
	}
	if n.link != nil {
		n.link.closeLocked()
	}
	delete(s.nodes, n.Name)
}

// renameLocked gives a handshake node the name its peer announced.
func (s *State) renameLocked(n *Node, name string) {
	delete(s.nodes, n.Name)
	n.Name = name
	s.nodes[name] = n
}

// maxEpochLocked is the largest epoch known: currentEpoch or any node's
// config epoch.
func (s *State) maxEpochLocked() uint64 {
	m := s.currentEpoch
	for _, n := range s.nodes {
		m = max(m, n.ConfigEpoch)
	}
	return m
}

// bumpEpochLocked gives myself a new config epoch without agreement from
// the others (clusterBumpConfigEpochWithoutConsensus), unless it already
// holds the largest one.
func (s *State) bumpEpochLocked() bool {
	maxEpoch := s.maxEpochLocked()
	if s.myself.ConfigEpoch == 0 || s.myself.ConfigEpoch != maxEpoch {
		s.currentEpoch++
		s.myself.ConfigEpoch = s.currentEpoch
		s.dirty = true
		return true
	}
	return false
}

// updateStateLocked recomputes cluster_state and the cluster size as
// Redis's clusterUpdateState does, delays included: a master stays down
// for its first two seconds (so a restarted node hears the cluster's news
// before it serves), and after being in a minority partition for the
// node timeout (clamped to 0.5-5 s) before it serves again.
func (s *State) updateStateLocked() {
	now := s.ms()
	if s.firstUpdate == 0 {
		s.firstUpdate = now
	}
	if s.myself.isMaster() && !s.ok.Load() && now-s.firstUpdate < writableDelay {
		return
	}
	ok := true
	if s.cfg.FullCoverage {
		for _, n := range s.slots {
			if n == nil || n.Flags&FlagFail != 0 {
				ok = false
				break
			}
		}
	}
	s.size = 0
	reachable := 0
	for _, n := range s.nodes {
		if n.isMaster() && n.numSlots > 0 {
			s.size++
			if n.Flags&(FlagFail|FlagPFail) == 0 {
				reachable++
			}
		}
	}
	if reachable < s.size/2+1 {
		ok = false
		s.minorityTime = now
	}
	if ok && !s.ok.Load() && s.myself.isMaster() {
		delay := min(max(s.cfg.NodeTimeout.Milliseconds(), minRejoinDelay), maxRejoinDelay)
		if now-s.minorityTime < delay {
			return
		}
	}
	s.ok.Store(ok)
}

// failReportsLocked drops n's stale failure reports and counts the rest.
func (s *State) failReportsLocked(n *Node) int {
	limit := s.ms() - int64(s.cfg.NodeTimeout/time.Millisecond)*failReportMult
	for who, t := range n.failReports {
		if t < limit {
			delete(n.failReports, who)
		}
	}
	return len(n.failReports)
}

// ---- what the server asks on every keyed command ----

// OK reports whether the cluster state is ok. It takes no lock.
func (s *State) OK() bool { return s.ok.Load() }

// SlotInfo says how this node stands toward one slot.
type SlotInfo struct {
	Served    bool // some node serves the slot
	Mine      bool // this node does
	Migrating bool // it is mine and moving to another node
	Importing bool // another node's slot this node is taking over
}

// Slot returns how this node stands toward slot.
func (s *State) Slot(slot int) SlotInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	owner := s.slots[slot]
	return SlotInfo{
		Served:    owner != nil,
		Mine:      owner == s.myself && owner != nil,
		Migrating: owner == s.myself && s.migrating[slot] != nil,
		Importing: s.importing[slot] != nil,
	}
}

// Redirect returns the reply text of a MOVED (ask false) or ASK
// redirection for slot: "MOVED 3999 127.0.0.1:6381".
func (s *State) Redirect(slot int, ask bool) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, kind := s.slots[slot], "MOVED "
	if ask {
		n, kind = s.migrating[slot], "ASK "
	}
	if n == nil {
		return "CLUSTERDOWN Hash slot not served"
	}
	return kind + strconv.Itoa(slot) + " " + n.Addr()
}

// ---- CLUSTER subcommands ----

// Error is a CLUSTER subcommand's refusal; its text is Redis's reply,
// without the "ERR " prefix.
type Error string

func (e Error) Error() string { return string(e) }

// MyID returns this node's ID.
func (s *State) MyID() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.myself.Name
}

// Nodes renders CLUSTER NODES.
func (s *State) Nodes() []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.nodesLocked(false)
}

// sortedNodesLocked returns the nodes in ID order, so replies and the
// config file are stable.
func (s *State) sortedNodesLocked() []*Node {
	ns := make([]*Node, 0, len(s.nodes))
	for _, n := range s.nodes {
		ns = append(ns, n)
	}
	sort.Slice(ns, func(i, j int) bool { return ns[i].Name < ns[j].Name })
	return ns
}

// nodesLocked renders every node, one line each; forConfig leaves out
// nodes still in handshake, as nodes.conf does.
func (s *State) nodesLocked(forConfig bool) []byte {
	var b []byte
	for _, n := range s.sortedNodesLocked() {
		if forConfig && n.Flags&FlagHandshake != 0 {
			continue
		}
		epoch := n.ConfigEpoch
		if m := s.nodes[n.Master]; n.Flags&FlagSlave != 0 && m != nil {
			epoch = m.ConfigEpoch
		}
		b = n.appendDescription(b, epoch)
		if n == s.myself {
			for j := range NumSlots {
				if t := s.migrating[j]; t != nil {
					b = fmt.Appendf(b, " [%d->-%s]", j, t.Name)
				} else if f := s.importing[j]; f != nil {
					b = fmt.Appendf(b, " [%d-<-%s]", j, f.Name)
				}
			}
		}
		b = append(b, '\n')
	}
	return b
}

// Info renders CLUSTER INFO.
func (s *State) Info() []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	assigned, pfail, fail := 0, 0, 0
	for _, n := range s.slots {
		if n == nil {
			continue
		}
		assigned++
		switch {
		case n.Flags&FlagFail != 0:
			fail++
		case n.Flags&FlagPFail != 0:
			pfail++
		}
	}
	state := "fail"
	if s.ok.Load() {
		state = "ok"
	}
	myEpoch := s.myself.ConfigEpoch
	if m := s.nodes[s.myself.Master]; s.myself.Flags&FlagSlave != 0 && m != nil {
		myEpoch = m.ConfigEpoch
	}
	b := fmt.Appendf(nil, "cluster_state:%s\r\ncluster_slots_assigned:%d\r\ncluster_slots_ok:%d\r\ncluster_slots_pfail:%d\r\ncluster_slots_fail:%d\r\ncluster_known_nodes:%d\r\ncluster_size:%d\r\ncluster_current_epoch:%d\r\ncluster_my_epoch:%d\r\n",
		state, assigned, assigned-fail-pfail, pfail, fail, len(s.nodes), s.size, s.currentEpoch, myEpoch)
	var tot int64
	for t, n := range s.sent {
		if n > 0 {
			b = fmt.Appendf(b, "cluster_stats_messages_%s_sent:%d\r\n", msgTypeNames[t], n)
			tot += n
		}
	}
	b = fmt.Appendf(b, "cluster_stats_messages_sent:%d\r\n", tot)
	tot = 0
	for t, n := range s.recv {
		if n > 0 {
			b = fmt.Appendf(b, "cluster_stats_messages_%s_received:%d\r\n", msgTypeNames[t], n)
			tot += n
		}
	}
	b = fmt.Appendf(b, "cluster_stats_messages_received:%d\r\n", tot)
	b = append(b, "total_cluster_links_buffer_limit_exceeded:0\r\n"...)
	return b
}

// SlotRange is one CLUSTER SLOTS entry: a run of slots and who serves it.
type SlotRange struct {
	Start, End int
	Nodes      []NodeAddr // the master first, then its replicas
}

// NodeAddr is a node as CLUSTER SLOTS and SHARDS list it.
type NodeAddr struct {
	IP       string
	Port     int
	Name     string
	Hostname string
	Master   bool
	Failed   bool
}

func addrOf(n *Node) NodeAddr {
	return NodeAddr{IP: n.IP, Port: n.Port, Name: n.Name, Hostname: n.Hostname, Master: n.isMaster(), Failed: n.Flags&FlagFail != 0}
}

// replicasLocked lists the replicas of m that are not failing.
func (s *State) replicasLocked(m *Node, all bool) []*Node {
	var out []*Node
	for _, n := range s.sortedNodesLocked() {
		if n.Master == m.Name && n.Flags&FlagSlave != 0 && (all || n.Flags&FlagFail == 0) {
			out = append(out, n)
		}
	}
	return out
}

// Slots returns CLUSTER SLOTS: runs of consecutive slots with one owner.
func (s *State) Slots() []SlotRange {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []SlotRange
	start := -1
	for j := 0; j <= NumSlots; j++ {
		if start >= 0 && (j == NumSlots || s.slots[j] != s.slots[start]) {
			m := s.slots[start]
			r := SlotRange{Start: start, End: j - 1, Nodes: []NodeAddr{addrOf(m)}}
			for _, rep := range s.replicasLocked(m, false) {
				r.Nodes = append(r.Nodes, addrOf(rep))
			}
			out = append(out, r)
			start = -1
		}
		if j < NumSlots && start < 0 && s.slots[j] != nil {
			start = j
		}
	}
	return out
}

// Shard is one CLUSTER SHARDS entry.
type Shard struct {
	Slots [][2]int
	Nodes []NodeAddr
}

// Shards returns CLUSTER SHARDS: each master with its slots and replicas.
func (s *State) Shards() []Shard {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Shard
	for _, n := range s.sortedNodesLocked() {
		if !n.isMaster() || n.Flags&FlagHandshake != 0 {
			continue
		}
		sh := Shard{Slots: n.slots.Ranges(), Nodes: []NodeAddr{addrOf(n)}}
		for _, rep := range s.replicasLocked(n, true) {
			sh.Nodes = append(sh.Nodes, addrOf(rep))
		}
		out = append(out, sh)
	}
	return out
}

// ChangeSlots assigns (del false) or unassigns slots, all or none: the
// checks of Redis's checkSlotAssignmentsOrReply run on every slot first.
// ranges are inclusive pairs already checked to be in range and ordered.
func (s *State) ChangeSlots(ranges [][2]int, del bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[int]bool)
	for _, r := range ranges {
		for j := r[0]; j <= r[1]; j++ {
			switch {
			case del && s.slots[j] == nil:
				return Error(fmt.Sprintf("Slot %d is already unassigned", j))
			case !del && s.slots[j] != nil:
				return Error(fmt.Sprintf("Slot %d is already busy", j))
			case seen[j]:
				return Error(fmt.Sprintf("Slot %d specified multiple times", j))
			}
			seen[j] = true
		}
	}
	for _, r := range ranges {
		for j := r[0]; j <= r[1]; j++ {
			s.importing[j] = nil
			if del {
				s.delSlotLocked(j)
			} else {
				s.addSlotLocked(s.myself, j)
			}
		}
	}
	return s.changedLocked()
}

// changedLocked is what follows every topology change made by a command:
// the state is recomputed and nodes.conf written before the reply.
func (s *State) changedLocked() error {
	s.dirty = true
	s.updateStateLocked()
	if err := s.saveLocked(); err != nil {
		s.log.Warn("cluster: saving the node config failed", "err", err)
	}
	return nil
}

// FlushSlots unassigns every slot of this node (the caller checked the
// keyspace is empty).
func (s *State) FlushSlots() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for j := range NumSlots {
		if s.slots[j] == s.myself {
			s.delSlotLocked(j)
		}
	}
	_ = s.changedLocked()
}

// SetSlot runs CLUSTER SETSLOT slot action [node].
func (s *State) SetSlot(slot int, action, nodeID string) error {
	keys := 0
	if action == "node" {
		keys = s.countKeys(slot) // before the lock: see KeyCounter
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	me := s.myself
	if me.Flags&FlagSlave != 0 {
		return Error("Please use SETSLOT only with masters.")
	}
	switch action {
	case "migrating":
		if s.slots[slot] != me {
			return Error(fmt.Sprintf("I'm not the owner of hash slot %d", slot))
		}
		n := s.lookupLocked(nodeID)
		if n == nil {
			return Error("I don't know about node " + nodeID)
		}
		if n.Flags&FlagSlave != 0 {
			return Error("Target node is not a master")
		}
		s.migrating[slot] = n
	case "importing":
		if s.slots[slot] == me {
			return Error(fmt.Sprintf("I'm already the owner of hash slot %d", slot))
		}
		n := s.lookupLocked(nodeID)
		if n == nil {
			return Error("I don't know about node " + nodeID)
		}
		if n.Flags&FlagSlave != 0 {
			return Error("Target node is not a master")
		}
		s.importing[slot] = n
	case "stable":
		s.importing[slot] = nil
		s.migrating[slot] = nil
	case "node":
		n := s.lookupLocked(nodeID)
		if n == nil {
			return Error("Unknown node " + nodeID)
		}
		if n.Flags&FlagSlave != 0 {
			return Error("Target node is not a master")
		}
		if s.slots[slot] == me && n != me && keys != 0 {
			return Error(fmt.Sprintf("Can't assign hashslot %d to a different node while I still hold keys for this hash slot.", slot))
		}
		if keys == 0 && s.migrating[slot] != nil {
			s.migrating[slot] = nil
		}
		s.delSlotLocked(slot)
		s.addSlotLocked(n, slot)
		if n == me && s.importing[slot] != nil {
			// The slot was moved by hand: a new epoch lets the rest of
			// the cluster take this node's claim over the old owner's.
			s.bumpEpochLocked()
			s.importing[slot] = nil
			s.broadcastPongLocked()
		}
	default:
		panic("cluster: SetSlot action " + action)
	}
	return s.changedLocked()
}

// dropLostKeys deletes the keys of the slots this node lost to a node
// with a newer epoch; called without the lock.
func (s *State) dropLostKeys() {
	s.mu.Lock()
	lost := s.lost
	s.lost = nil
	s.mu.Unlock()
	if s.cfg.Keys == nil {
		return
	}
	for _, j := range lost {
		s.cfg.Keys.DelKeysInSlot(j)
	}
}

func (s *State) countKeys(slot int) int {
	if s.cfg.Keys == nil {
		return 0
	}
	return s.cfg.Keys.CountKeysInSlot(slot)
}

// Forget runs CLUSTER FORGET.
func (s *State) Forget(nodeID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.lookupLocked(nodeID)
	switch {
	case n == nil:
		return Error("Unknown node " + nodeID)
	case n == s.myself:
		return Error("I tried hard but I can't forget myself...")
	case s.myself.Flags&FlagSlave != 0 && s.myself.Master == n.Name:
		return Error("Can't forget my master!")
	}
	s.blacklist[n.Name] = s.ms() + blacklistTTL.Milliseconds()
	s.delNodeLocked(n)
	return s.changedLocked()
}

// CountFailureReports runs CLUSTER COUNT-FAILURE-REPORTS.
func (s *State) CountFailureReports(nodeID string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.lookupLocked(nodeID)
	if n == nil {
		return 0, Error("Unknown node " + nodeID)
	}
	return s.failReportsLocked(n), nil
}

// SetConfigEpoch runs CLUSTER SET-CONFIG-EPOCH.
func (s *State) SetConfigEpoch(epoch int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case epoch < 0:
		return Error(fmt.Sprintf("Invalid config epoch specified: %d", epoch))
	case len(s.nodes) > 1:
		return Error("The user can assign a config epoch only when the node does not know any other node.")
	case s.myself.ConfigEpoch != 0:
		return Error("Node config epoch is already non-zero")
	}
	s.myself.ConfigEpoch = uint64(epoch)
	s.currentEpoch = max(s.currentEpoch, uint64(epoch))
	return s.changedLocked()
}

// BumpEpoch runs CLUSTER BUMPEPOCH: "BUMPED n" or "STILL n".
func (s *State) BumpEpoch() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	word := "STILL"
	if s.bumpEpochLocked() {
		word = "BUMPED"
		_ = s.changedLocked()
	}
	return word + " " + strconv.FormatUint(s.myself.ConfigEpoch, 10)
}

// IsMaster reports whether this node is a master (CLUSTER RESET's check).
func (s *State) IsMaster() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.myself.isMaster()
}

// Reset runs CLUSTER RESET: every slot unassigned, every other node
// forgotten; a hard reset also zeroes the epochs and takes a new ID.
func (s *State) Reset(hard bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for j := range NumSlots {
		s.migrating[j], s.importing[j] = nil, nil
		s.delSlotLocked(j)
	}
	for _, n := range s.nodes {
		if n != s.myself {
			s.delNodeLocked(n)
		}
	}
	if hard {
		s.currentEpoch, s.lastVoteEpoch, s.myself.ConfigEpoch = 0, 0, 0
		s.renameLocked(s.myself, randomName())
	}
	_ = s.changedLocked()
}

// SaveConfig writes nodes.conf now (CLUSTER SAVECONFIG).
func (s *State) SaveConfig() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dirty = true
	return s.saveLocked()
}

// ErrBadAddress is Meet's refusal of an address it cannot use.
var ErrBadAddress = errors.New("cluster: invalid node address")

// Meet starts a handshake with the node at ip, client port port and bus
// port cport, as CLUSTER MEET does; the caller defaults cport to
// port+10000 as Redis does.
func (s *State) Meet(ip string, port, cport int64) error {
	addr := net.ParseIP(ip)
	if addr == nil || port <= 0 || port > 65535 || cport <= 0 || cport > 65535 {
		return ErrBadAddress
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.startHandshakeLocked(addr.String(), int(port), int(cport))
	return nil
}

// startHandshakeLocked adds a node under a random name in handshake, unless
// one with that address is already in handshake.
func (s *State) startHandshakeLocked(ip string, port, cport int) {
	for _, n := range s.nodes {
		if n.Flags&FlagHandshake != 0 && n.IP == ip && n.Port == port && n.CPort == cport {
			return
		}
	}
	n := s.newNode(randomName(), FlagHandshake|FlagMeet)
	n.IP, n.Port, n.CPort = ip, port, cport
	s.addNodeLocked(n)
}

// LinkInfo is one CLUSTER LINKS entry.
type LinkInfo struct {
	Direction string // "to" or "from"
	Node      string
	Created   int64 // unix ms
	Queued    int   // bytes waiting to be sent
}

// Links returns CLUSTER LINKS.
func (s *State) Links() []LinkInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []LinkInfo
	for _, n := range s.sortedNodesLocked() {
		if l := n.link; l != nil {
			out = append(out, LinkInfo{Direction: "to", Node: n.Name, Created: l.ctime, Queued: l.queued()})
		}
		for l := range s.links {
			if l.inbound && l.node == n {
				out = append(out, LinkInfo{Direction: "from", Node: n.Name, Created: l.ctime, Queued: l.queued()})
			}
		}
	}
	return out
}

// Replicas runs CLUSTER REPLICAS: the CLUSTER NODES lines of a master's
// replicas.
func (s *State) Replicas(nodeID string) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.lookupLocked(nodeID)
	if n == nil {
		return nil, Error("Unknown node " + nodeID)
	}
	if n.Flags&FlagSlave != 0 {
		return nil, Error("The specified node is not a master")
	}
	var out []string
	for _, r := range s.replicasLocked(n, true) {
		out = append(out, string(r.appendDescription(nil, n.ConfigEpoch)))
	}
	return out, nil
}
