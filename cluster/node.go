package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
)

// NameLen is the length of a node ID: 40 hex digits, as Redis's.
const NameLen = 40

// Flags are a node's CLUSTER_NODE_* flags, with Redis's bit values (they
// travel on the bus as they are).
type Flags uint16

// Node flags.
const (
	FlagMaster     Flags = 1
	FlagSlave      Flags = 2
	FlagPFail      Flags = 4
	FlagFail       Flags = 8
	FlagMyself     Flags = 16
	FlagHandshake  Flags = 32
	FlagNoAddr     Flags = 64
	FlagMeet       Flags = 128
	FlagMigrateTo  Flags = 256
	FlagNoFailover Flags = 512
)

// flagNames is the order and spelling CLUSTER NODES uses.
var flagNames = [...]struct {
	f    Flags
	name string
}{
	{FlagMyself, "myself"}, {FlagMaster, "master"}, {FlagSlave, "slave"},
	{FlagPFail, "fail?"}, {FlagFail, "fail"}, {FlagHandshake, "handshake"},
	{FlagNoAddr, "noaddr"}, {FlagNoFailover, "nofailover"},
}

// appendFlags renders f as CLUSTER NODES does ("noflags" for none).
func appendFlags(dst []byte, f Flags) []byte {
	n := len(dst)
	for _, fn := range flagNames {
		if f&fn.f != 0 {
			if len(dst) > n {
				dst = append(dst, ',')
			}
			dst = append(dst, fn.name...)
		}
	}
	if len(dst) == n {
		dst = append(dst, "noflags"...)
	}
	return dst
}

// parseFlags is appendFlags's inverse, for nodes.conf.
func parseFlags(s string) (Flags, bool) {
	var f Flags
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != ',' {
			i++
		}
		word := s[:i]
		if i < len(s) {
			i++
		}
		s = s[i:]
		switch word {
		case "noflags":
			continue
		case "meet":
			f |= FlagMeet
			continue
		}
		ok := false
		for _, fn := range flagNames {
			if fn.name == word {
				f |= fn.f
				ok = true
			}
		}
		if !ok {
			return 0, false
		}
	}
	return f, true
}

// Node is what this node knows of one cluster member. Its fields are
// guarded by the State's lock.
type Node struct {
	Name        string
	Flags       Flags
	IP          string
	Port        int // client port
	CPort       int // bus port
	PPort       int // plaintext port when Port is TLS; unused here
	Hostname    string
	Master      string // the master's name when this node is a replica
	PingSent    int64  // unix ms of the ping awaiting its pong; 0 none
	PongRecv    int64  // unix ms of the last pong
	DataRecv    int64  // unix ms of the last bus data of any kind
	ConfigEpoch uint64
	FailTime    int64
	ctime       int64

	slots    Bitmap
	numSlots int
	// failReports maps the names of masters that reported this node
	// failing to the unix ms of their latest report.
	failReports map[string]int64

	link *link // our outbound connection, nil when there is none
	// lastGossip is the pingsSent count of the ping that last carried this
	// node in its gossip section, so one ping never gossips a node twice.
	lastGossip uint64
}

// NumSlots returns how many slots the node serves.
func (n *Node) NumSlots() int { return n.numSlots }

// Addr returns "ip:port", the address MOVED and ASK name.
func (n *Node) Addr() string { return n.IP + ":" + strconv.Itoa(n.Port) }

func (n *Node) isMaster() bool { return n.Flags&FlagMaster != 0 }

// randomName returns a fresh node ID.
func randomName() string {
	var b [NameLen / 2]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validName reports whether s can be a node ID: 40 bytes of [0-9a-z], the
// rule of Redis's verifyClusterNodeId (looser than hex, as Redis is).
func validName(s string) bool {
	if len(s) != NameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// appendDescription renders n as one CLUSTER NODES line (without the
// newline), as Redis 7.0's clusterGenNodeDescription does. Open slots
// ([slot->-id], [slot-<-id]) are added by the caller for myself.
func (n *Node) appendDescription(dst []byte, masterEpoch uint64) []byte {
	dst = append(dst, n.Name...)
	dst = append(dst, ' ')
	dst = append(dst, n.IP...)
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, int64(n.Port), 10)
	dst = append(dst, '@')
	dst = strconv.AppendInt(dst, int64(n.CPort), 10)
	if n.Hostname != "" {
		dst = append(dst, ',')
		dst = append(dst, n.Hostname...)
	}
	dst = append(dst, ' ')
	dst = appendFlags(dst, n.Flags)
	dst = append(dst, ' ')
	if n.Master != "" {
		dst = append(dst, n.Master...)
	} else {
		dst = append(dst, '-')
	}
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, n.PingSent, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, n.PongRecv, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, masterEpoch, 10)
	if n.link != nil && n.link.connected || n.Flags&FlagMyself != 0 {
		dst = append(dst, " connected"...)
	} else {
		dst = append(dst, " disconnected"...)
	}
	for _, r := range n.slots.Ranges() {
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(r[0]), 10)
		if r[1] != r[0] {
			dst = append(dst, '-')
			dst = strconv.AppendInt(dst, int64(r[1]), 10)
		}
	}
	return dst
}
