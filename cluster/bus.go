package cluster

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// busState is the running bus: the listener and the goroutines of links
// and the cron.
type busState struct {
	ln     net.Listener
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	iter   uint64 // cron iterations
}

// link is one TCP connection of the bus. An outbound link belongs to the
// node it dials (node.link); an inbound one is accepted, and its node is
// learnt from the first message. Messages go out through a queue drained
// by the link's writer, so nothing ever writes to the network under the
// State's lock.
type link struct {
	s         *State
	node      *Node
	inbound   bool
	ctime     int64
	connected bool // guarded by s.mu
	conn      net.Conn
	out       chan []byte
	outBytes  atomic.Int64 // bytes queued in out, for CLUSTER LINKS
	done      chan struct{}
	closeOnce sync.Once
}

// sendQueue bounds the messages queued on one link; a peer that falls
// that far behind gets its link closed and reconnected later, as Redis
// frees links past cluster-link-sendbuf-limit.
const sendQueue = 256

func (s *State) newLink(n *Node, inbound bool) *link {
	l := &link{s: s, node: n, inbound: inbound, ctime: s.ms(), out: make(chan []byte, sendQueue), done: make(chan struct{})}
	s.links[l] = struct{}{}
	return l
}

func (l *link) queued() int { return int(l.outBytes.Load()) }

// sendLocked queues msg on l; a full queue closes the link.
func (l *link) sendLocked(b []byte, typ uint16) {
	select {
	case <-l.done:
		return
	default:
	}
	select {
	case l.out <- b:
		l.outBytes.Add(int64(len(b)))
		if int(typ) < msgTypes {
			l.s.sent[typ]++
		}
	default:
		l.closeLocked()
	}
}

// closeLocked detaches l from its node and closes it.
func (l *link) closeLocked() {
	if l.node != nil && l.node.link == l {
		l.node.link = nil
	}
	delete(l.s.links, l)
	l.closeOnce.Do(func() {
		close(l.done)
		if l.conn != nil {
			l.conn.Close()
		}
	})
}

// Start binds the bus port and runs the bus until Close.
func (s *State) Start() error {
	ln, err := net.Listen("tcp", net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.BusPort)))
	if err != nil {
		return err
	}
	b := &s.bus
	b.ln = ln
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.wg.Add(2)
	go func() {
		defer b.wg.Done()
		s.acceptLoop()
	}()
	go func() {
		defer b.wg.Done()
		s.cronLoop()
	}()
	return nil
}

// BusAddr returns the bus listener's address, or nil before Start.
func (s *State) BusAddr() net.Addr {
	if s.bus.ln == nil {
		return nil
	}
	return s.bus.ln.Addr()
}

// Close stops the bus, closes every link and writes nodes.conf if it
// changed.
func (s *State) Close() error {
	b := &s.bus
	if b.ln != nil {
		b.cancel()
		b.ln.Close()
	}
	s.mu.Lock()
	for l := range s.links {
		l.closeLocked()
	}
	err := s.saveLocked()
	s.mu.Unlock()
	b.wg.Wait()
	return err
}

func (s *State) acceptLoop() {
	b := &s.bus
	for {
		conn, err := b.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		l := s.newLink(nil, true)
		l.conn = conn
		l.connected = true
		s.mu.Unlock()
		b.wg.Add(2)
		go func() {
			defer b.wg.Done()
			l.writeLoop()
		}()
		go func() {
			defer b.wg.Done()
			l.readLoop()
		}()
	}
}

// dial connects an outbound link, then serves it.
func (l *link) dial(addr string) {
	s := l.s
	d := net.Dialer{Timeout: s.cfg.NodeTimeout}
	ctx, cancel := context.WithCancel(s.bus.ctx)
	go func() {
		select {
		case <-l.done:
		case <-ctx.Done():
		}
		cancel()
	}()
	conn, err := d.DialContext(ctx, "tcp", addr)
	cancel()
	s.mu.Lock()
	if err != nil {
		l.closeLocked()
		s.mu.Unlock()
		return
	}
	select {
	case <-l.done:
		s.mu.Unlock()
		conn.Close()
		return
	default:
	}
	l.conn = conn
	l.connected = true
	if l.node != nil {
		// The MEET queued for this link goes out now; a failed dial
		// keeps the flag, so the next link meets again.
		l.node.Flags &^= FlagMeet
	}
	s.mu.Unlock()
	s.bus.wg.Add(1)
	go func() {
		defer s.bus.wg.Done()
		l.writeLoop()
	}()
	l.readLoop()
}

func (l *link) writeLoop() {
	for {
		select {
		case <-l.done:
			return
		case b := <-l.out:
			l.outBytes.Add(-int64(len(b)))
			_ = l.conn.SetWriteDeadline(time.Now().Add(l.s.cfg.NodeTimeout))
			if _, err := l.conn.Write(b); err != nil {
				l.s.mu.Lock()
				l.closeLocked()
				l.s.mu.Unlock()
				return
			}
		}
	}
}

// readLoop reads whole messages and processes each under the lock.
func (l *link) readLoop() {
	s := l.s
	defer func() {
		s.mu.Lock()
		l.closeLocked()
		s.mu.Unlock()
	}()
	var hdr [8]byte
	buf := make([]byte, 0, headerLen+16*gossipLen)
	for {
		if _, err := io.ReadFull(l.conn, hdr[:]); err != nil {
			return
		}
		n, err := MessageLen(hdr[:])
		if err != nil {
			s.log.Debug("cluster: bad bus message; closing link", "err", err)
			return
		}
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		copy(buf, hdr[:])
		if _, err := io.ReadFull(l.conn, buf[8:]); err != nil {
			return
		}
		m, err := Decode(buf)
		if err != nil {
			s.log.Debug("cluster: bad bus message; closing link", "err", err)
			return
		}
		s.mu.Lock()
		keep := s.processLocked(l, m)
		lost := len(s.lost) > 0
		s.mu.Unlock()
		if lost {
			s.dropLostKeys()
		}
		if !keep {
			return
		}
	}
}

// ---- building messages ----

// headerLocked fills the header fields every message carries.
func (s *State) headerLocked(typ uint16) *Message {
	me := s.myself
	master := me
	if me.Flags&FlagSlave != 0 {
		if m := s.nodes[me.Master]; m != nil {
			master = m
		}
	}
	m := &Message{
		Type:         typ,
		Port:         uint16(me.Port),
		CPort:        uint16(me.CPort),
		CurrentEpoch: s.currentEpoch,
		ConfigEpoch:  master.ConfigEpoch,
		Sender:       me.Name,
		MySlots:      master.slots,
		MyIP:         s.cfg.AnnounceIP,
		Flags:        me.Flags,
		Hostname:     me.Hostname,
	}
	if me.Flags&FlagSlave != 0 {
		m.SlaveOf = me.Master
	}
	if !s.ok.Load() {
		m.State = stateFail
	}
	// Like Redis 7.0, always announce that extensions are understood.
	m.MFlags[0] |= MFlagExtData
	return m
}

func gossipOf(n *Node) Gossip {
	return Gossip{
		Name: n.Name, PingSent: uint32(n.PingSent / 1000), PongRecv: uint32(n.PongRecv / 1000),
		IP: n.IP, Port: uint16(n.Port), CPort: uint16(n.CPort), Flags: n.Flags, PPort: uint16(n.PPort),
	}
}

// sendPingLocked sends a PING, PONG or MEET on l with a gossip section:
// about a tenth of the nodes (at least 3), chosen at random, plus every
// node in PFAIL, as clusterSendPing does.
func (s *State) sendPingLocked(l *link, typ uint16) {
	if l.node != nil && typ == MsgPing {
		l.node.PingSent = s.ms()
	}
	m := s.headerLocked(typ)
	s.pingsSent++
	fresh := len(s.nodes) - 2
	wanted := max(len(s.nodes)/10, 3)
	wanted = min(wanted, fresh)
	all := make([]*Node, 0, len(s.nodes))
	for _, n := range s.nodes {
		all = append(all, n)
	}
	for tries := wanted * 3; fresh > 0 && len(m.Gossip) < wanted && tries > 0; tries-- {
		n := all[rand.IntN(len(all))]
		if n == s.myself || n.Flags&FlagPFail != 0 {
			continue
		}
		if n.Flags&(FlagHandshake|FlagNoAddr) != 0 || n.link == nil && n.numSlots == 0 {
			fresh--
			continue
		}
		if n.lastGossip == s.pingsSent {
			continue
		}
		n.lastGossip = s.pingsSent
		m.Gossip = append(m.Gossip, gossipOf(n))
		fresh--
	}
	for _, n := range all {
		if n.Flags&(FlagHandshake|FlagNoAddr) == 0 && n.Flags&FlagPFail != 0 {
			m.Gossip = append(m.Gossip, gossipOf(n))
		}
	}
	l.sendLocked(m.Append(nil), typ)
}

// broadcastLocked sends b on every connected outbound link.
func (s *State) broadcastLocked(b []byte, typ uint16) {
	for _, n := range s.nodes {
		if n.link != nil && n.Flags&(FlagMyself|FlagHandshake) == 0 {
			n.link.sendLocked(b, typ)
		}
	}
}

// broadcastPongLocked tells every node our new configuration at once.
func (s *State) broadcastPongLocked() {
	for _, n := range s.nodes {
		if n.link != nil && n.Flags&(FlagMyself|FlagHandshake) == 0 {
			s.sendPingLocked(n.link, MsgPong)
		}
	}
}

func (s *State) sendFailLocked(name string) {
	m := s.headerLocked(MsgFail)
	m.FailName = name
	s.broadcastLocked(m.Append(nil), MsgFail)
}

func (s *State) sendUpdateLocked(l *link, n *Node) {
	if l == nil {
		return
	}
	m := s.headerLocked(MsgUpdate)
	m.UpdateEpoch = n.ConfigEpoch
	m.UpdateName = n.Name
	m.UpdateSlots = n.slots
	l.sendLocked(m.Append(nil), MsgUpdate)
}

// ---- the cron ----

func (s *State) cronLoop() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.bus.ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		s.cronLocked()
		s.mu.Unlock()
	}
}

// cronLocked is one tick of Redis's clusterCron (10 a second): connect to
// nodes without a link, ping one of five random nodes every second, ping
// nodes not heard of for half the node timeout, flag unresponsive ones
// PFAIL, and save the config when it changed.
func (s *State) cronLocked() {
	b := &s.bus
	b.iter++
	now := s.ms()
	timeout := s.cfg.NodeTimeout.Milliseconds()
	handshakeTimeout := max(timeout, 1000)
	for name, until := range s.blacklist {
		if until < now {
			delete(s.blacklist, name)
		}
	}
	for _, n := range s.nodes {
		if n.Flags&(FlagMyself|FlagNoAddr) != 0 {
			continue
		}
		if n.Flags&FlagHandshake != 0 && now-n.ctime > handshakeTimeout {
			s.delNodeLocked(n)
			continue
		}
		if n.link == nil {
			l := s.newLink(n, false)
			n.link = l
			old := n.PingSent
			typ := uint16(MsgPing)
			if n.Flags&FlagMeet != 0 {
				typ = MsgMeet
			}
			s.sendPingLocked(l, typ)
			if old != 0 {
				n.PingSent = old
			}
			addr := net.JoinHostPort(n.IP, strconv.Itoa(n.CPort))
			b.wg.Add(1)
			go func() {
				defer b.wg.Done()
				l.dial(addr)
			}()
		}
	}
	if b.iter%10 == 0 {
		all := make([]*Node, 0, len(s.nodes))
		for _, n := range s.nodes {
			all = append(all, n)
		}
		var best *Node
		for range 5 {
			n := all[rand.IntN(len(all))]
			if n.link == nil || !n.link.connected || n.PingSent != 0 || n.Flags&(FlagMyself|FlagHandshake) != 0 {
				continue
			}
			if best == nil || n.PongRecv < best.PongRecv {
				best = n
			}
		}
		if best != nil {
			s.sendPingLocked(best.link, MsgPing)
		}
	}
	update := false
	for _, n := range s.nodes {
		if n.Flags&(FlagMyself|FlagNoAddr|FlagHandshake) != 0 {
			continue
		}
		pingDelay := now - n.PingSent
		dataDelay := now - n.DataRecv
		if l := n.link; l != nil && l.connected && now-l.ctime > timeout && n.PingSent != 0 &&
			pingDelay > timeout/2 && dataDelay > timeout/2 {
			l.closeLocked() // reconnected on the next tick
		}
		if l := n.link; l != nil && l.connected && n.PingSent == 0 && now-n.PongRecv > timeout/2 {
			s.sendPingLocked(l, MsgPing)
			continue
		}
		if n.PingSent == 0 {
			continue
		}
		if min(pingDelay, dataDelay) > timeout && n.Flags&(FlagPFail|FlagFail) == 0 {
			n.Flags |= FlagPFail
			update = true
		}
	}
	if update || !s.ok.Load() {
		s.updateStateLocked()
	}
	if err := s.saveLocked(); err != nil {
		s.log.Warn("cluster: saving the node config failed", "err", err)
	}
}

// ---- processing messages ----

// processLocked handles one message from l as clusterProcessPacket does and
// reports whether the link stays open.
func (s *State) processLocked(l *link, m *Message) bool {
	now := s.ms()
	if int(m.Type) < msgTypes {
		s.recv[m.Type]++
	}
	var sender *Node
	if l.inbound {
		sender = s.nodes[m.Sender]
	} else {
		sender = l.node
	}
	if sender != nil && sender.Flags&FlagHandshake != 0 && !l.inbound {
		// The handshake node's random name is not the sender's name.
		sender = s.nodes[m.Sender]
	}
	if sender != nil {
		sender.DataRecv = now
		if l.inbound && l.node == nil {
			l.node = sender
		}
	}
	if sender != nil && sender.Flags&FlagHandshake == 0 {
		if m.CurrentEpoch > s.currentEpoch {
			s.currentEpoch = m.CurrentEpoch
			s.dirty = true
		}
		if m.ConfigEpoch > sender.ConfigEpoch {
			sender.ConfigEpoch = m.ConfigEpoch
			s.dirty = true
		}
	}

	if m.Type == MsgPing || m.Type == MsgMeet {
		// An incoming MEET tells us our own address, as others reach us.
		if (m.Type == MsgMeet || s.myself.IP == "") && s.cfg.AnnounceIP == "" {
			if la, ok := l.conn.LocalAddr().(*net.TCPAddr); ok {
				if ip := la.IP.String(); ip != s.myself.IP {
					s.myself.IP = ip
					s.dirty = true
				}
			}
		}
		if sender == nil && m.Type == MsgMeet {
			n := s.newNode(randomName(), FlagHandshake)
			n.IP = peerIP(l, m)
			n.Port, n.PPort, n.CPort = int(m.Port), int(m.PPort), int(m.CPort)
			s.addNodeLocked(n)
			s.dirty = true
			s.gossipLocked(m, nil)
		}
		s.sendPingLocked(l, MsgPong)
	}

	switch m.Type {
	case MsgPing, MsgPong, MsgMeet:
		if !l.inbound && l.node != nil {
			if l.node.Flags&FlagHandshake != 0 {
				if known := s.nodes[m.Sender]; known != nil {
					// We already know the node: keep it, with the address
					// this handshake reached it at, and drop the duplicate.
					s.updateAddressLocked(known, l, m)
					s.delNodeLocked(l.node)
					return false
				}
				s.renameLocked(l.node, m.Sender)
				l.node.Flags &^= FlagHandshake
				l.node.Flags |= m.Flags & (FlagMaster | FlagSlave)
				s.dirty = true
				sender = l.node
			} else if l.node.Name != m.Sender {
				// Someone else answers at this address now.
				l.node.Flags |= FlagNoAddr
				l.node.IP, l.node.Port, l.node.CPort = "", 0, 0
				s.dirty = true
				return false
			}
		}
		if sender != nil {
			sender.Flags = sender.Flags&^FlagNoFailover | m.Flags&FlagNoFailover
		}
		if sender != nil && m.Type == MsgPing && sender.Flags&FlagHandshake == 0 && s.updateAddressLocked(sender, l, m) {
			s.dirty = true
		}
		if !l.inbound && m.Type == MsgPong && l.node != nil {
			n := l.node
			n.PongRecv = now
			n.PingSent = 0
			if n.Flags&FlagPFail != 0 {
				n.Flags &^= FlagPFail
			} else if n.Flags&FlagFail != 0 {
				s.clearFailureLocked(n)
			}
		}
		if sender != nil && m.SlaveOf == "" && sender.Flags&FlagSlave != 0 {
			sender.Flags = sender.Flags&^FlagSlave | FlagMaster
			sender.Master = ""
			s.dirty = true
		} else if sender != nil && m.SlaveOf != "" && sender.Flags&FlagMaster != 0 {
			// A master turned replica: it serves nothing any more.
			for j := range NumSlots {
				if s.slots[j] == sender {
					s.delSlotLocked(j)
				}
			}
			sender.Flags = sender.Flags&^FlagMaster | FlagSlave
			sender.Master = m.SlaveOf
			s.dirty = true
		} else if sender != nil && m.SlaveOf != "" {
			sender.Master = m.SlaveOf
		}
		var dirtySlots bool
		if sender != nil {
			owner := sender
			if sender.Flags&FlagSlave != 0 {
				owner = s.nodes[sender.Master]
			}
			dirtySlots = owner != nil && owner.slots != m.MySlots
		}
		if sender != nil && sender.isMaster() && dirtySlots {
			s.updateSlotsLocked(sender, m.ConfigEpoch, &m.MySlots)
		}
		if sender != nil && dirtySlots {
			for j := range NumSlots {
				if !m.MySlots.Has(j) {
					continue
				}
				o := s.slots[j]
				if o == sender || o == nil {
					continue
				}
				if o.ConfigEpoch > m.ConfigEpoch {
					s.sendUpdateLocked(sender.link, o)
					break
				}
			}
		}
		if sender != nil && s.myself.isMaster() && sender.isMaster() && m.ConfigEpoch == s.myself.ConfigEpoch {
			s.epochCollisionLocked(sender)
		}
		if sender != nil {
			s.gossipLocked(m, sender)
			if m.Hostname != sender.Hostname {
				sender.Hostname = m.Hostname
				s.dirty = true
			}
		}
		s.updateStateLocked()
	case MsgFail:
		if sender == nil {
			return true
		}
		f := s.lookupLocked(m.FailName)
		if f != nil && f.Flags&(FlagFail|FlagMyself) == 0 {
			f.Flags = f.Flags&^FlagPFail | FlagFail
			f.FailTime = now
			s.dirty = true
			s.updateStateLocked()
		}
	case MsgUpdate:
		if sender == nil {
			return true
		}
		n := s.lookupLocked(m.UpdateName)
		if n == nil || n.ConfigEpoch >= m.UpdateEpoch {
			return true
		}
		if n.Flags&FlagSlave != 0 {
			n.Flags = n.Flags&^FlagSlave | FlagMaster
			n.Master = ""
		}
		n.ConfigEpoch = m.UpdateEpoch
		s.dirty = true
		s.updateSlotsLocked(n, m.UpdateEpoch, &m.UpdateSlots)
		s.updateStateLocked()
	}
	return true
}

// peerIP is the address a node is reached at: the one it announces, or
// the one its connection comes from.
func peerIP(l *link, m *Message) string {
	if m.MyIP != "" {
		return m.MyIP
	}
	if ra, ok := l.conn.RemoteAddr().(*net.TCPAddr); ok {
		return ra.IP.String()
	}
	return ""
}

// updateAddressLocked takes a node's new address from a message that came
// on another link than our own to it, and drops our stale link.
func (s *State) updateAddressLocked(n *Node, l *link, m *Message) bool {
	if l == n.link {
		return false
	}
	ip := peerIP(l, m)
	if n.Port == int(m.Port) && n.CPort == int(m.CPort) && n.PPort == int(m.PPort) && n.IP == ip {
		return false
	}
	n.IP, n.Port, n.CPort, n.PPort = ip, int(m.Port), int(m.CPort), int(m.PPort)
	if n.link != nil {
		n.link.closeLocked()
	}
	n.Flags &^= FlagNoAddr
	return true
}

// clearFailureLocked lifts FAIL from a node we reach again: at once for a
// node without slots, after twice the node timeout for a master still
// serving its slots (nobody took them over).
func (s *State) clearFailureLocked(n *Node) {
	now := s.ms()
	if n.Flags&FlagSlave != 0 || n.numSlots == 0 ||
		now-n.FailTime > s.cfg.NodeTimeout.Milliseconds()*failUndoMult {
		n.Flags &^= FlagFail
		s.dirty = true
		s.updateStateLocked()
	}
}

// updateSlotsLocked applies the slots a master claims with its config
// epoch (clusterUpdateSlotsConfigWith): a slot unassigned or held under a
// lower epoch goes to the claimant, unless this node is importing it.
// Slots this node loses are queued in s.lost, to be emptied of their keys
// once the lock is released.
func (s *State) updateSlotsLocked(sender *Node, epoch uint64, claimed *Bitmap) {
	if sender == s.myself {
		return
	}
	for j := range NumSlots {
		if !claimed.Has(j) {
			continue
		}
		o := s.slots[j]
		if o == sender || s.importing[j] != nil {
			continue
		}
		if o == nil || o.ConfigEpoch < epoch {
			if o == s.myself {
				s.lost = append(s.lost, j)
				s.migrating[j] = nil
			}
			s.delSlotLocked(j)
			s.addSlotLocked(sender, j)
			s.dirty = true
		}
	}
}

// epochCollisionLocked resolves two masters with the same config epoch:
// the one with the smaller ID takes a new epoch
// (clusterHandleConfigEpochCollision).
func (s *State) epochCollisionLocked(sender *Node) {
	if sender.Name <= s.myself.Name {
		return
	}
	s.currentEpoch++
	s.myself.ConfigEpoch = s.currentEpoch
	s.dirty = true
	s.log.Debug("cluster: config epoch collision resolved", "epoch", s.currentEpoch)
}

// gossipLocked processes a gossip section: failure reports from masters,
// pong times, new addresses, and nodes not yet known.
func (s *State) gossipLocked(m *Message, sender *Node) {
	now := s.ms()
	for _, g := range m.Gossip {
		n := s.lookupLocked(g.Name)
		if n == nil {
			if sender != nil && g.Flags&FlagNoAddr == 0 && s.blacklist[g.Name] == 0 && validName(g.Name) {
				nn := s.newNode(g.Name, g.Flags&^(FlagMyself|FlagMeet|FlagPFail|FlagFail))
				nn.IP, nn.Port, nn.CPort, nn.PPort = g.IP, int(g.Port), int(g.CPort), int(g.PPort)
				s.addNodeLocked(nn)
				s.dirty = true
			}
			continue
		}
		if sender != nil && sender.isMaster() && n != s.myself {
			if g.Flags&(FlagFail|FlagPFail) != 0 {
				if n.failReports == nil {
					n.failReports = make(map[string]int64)
				}
				n.failReports[sender.Name] = now
				s.markFailingLocked(n)
			} else {
				delete(n.failReports, sender.Name)
			}
		}
		if n != s.myself && g.Flags&(FlagFail|FlagPFail) == 0 && n.PingSent == 0 && s.failReportsLocked(n) == 0 {
			pong := int64(g.PongRecv) * 1000
			if pong <= now+500 && pong > n.PongRecv {
				n.PongRecv = pong
			}
		}
		if n.Flags&(FlagFail|FlagPFail) != 0 && g.Flags&FlagNoAddr == 0 && g.Flags&(FlagFail|FlagPFail) == 0 &&
			(n.IP != g.IP || n.Port != int(g.Port) || n.CPort != int(g.CPort)) {
			if n.link != nil {
				n.link.closeLocked()
			}
			n.IP, n.Port, n.CPort, n.PPort = g.IP, int(g.Port), int(g.CPort), int(g.PPort)
			n.Flags &^= FlagNoAddr
		}
	}
}

// markFailingLocked turns PFAIL into FAIL once a majority of the masters
// (counting this one) report the node failing, and tells everyone.
func (s *State) markFailingLocked(n *Node) {
	quorum := s.size/2 + 1
	if n.Flags&FlagPFail == 0 || n.Flags&FlagFail != 0 {
		return
	}
	failures := s.failReportsLocked(n)
	if s.myself.isMaster() {
		failures++
	}
	if failures < quorum {
		return
	}
	n.Flags = n.Flags&^FlagPFail | FlagFail
	n.FailTime = s.ms()
	s.sendFailLocked(n.Name)
	s.dirty = true
	s.updateStateLocked()
}
