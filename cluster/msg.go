package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Message types of the cluster bus (CLUSTERMSG_TYPE_*).
const (
	MsgPing         = 0
	MsgPong         = 1
	MsgMeet         = 2
	MsgFail         = 3
	MsgPublish      = 4
	MsgAuthRequest  = 5
	MsgAuthAck      = 6
	MsgUpdate       = 7
	MsgMFStart      = 8
	MsgModule       = 9
	MsgPublishShard = 10
	msgTypes        = 11
)

// msgTypeNames are the names CLUSTER INFO's message counters use.
var msgTypeNames = [msgTypes]string{"ping", "pong", "meet", "fail", "publish", "auth-req", "auth-ack", "update", "mfstart", "module", "publishshard"}

// Layout of Redis 7.0's clusterMsg (cluster.h, whose static asserts pin
// these offsets); every integer is big-endian.
const (
	offTotlen       = 4
	offVer          = 8
	offPort         = 10
	offType         = 12
	offCount        = 14
	offCurrentEpoch = 16
	offConfigEpoch  = 24
	offOffset       = 32
	offSender       = 40
	offMySlots      = 80
	offSlaveOf      = 2128
	offMyIP         = 2168
	offExtensions   = 2214
	offPPort        = 2246
	offCPort        = 2248
	offFlags        = 2250
	offState        = 2252
	offMFlags       = 2253
	headerLen       = 2256 // CLUSTERMSG_MIN_LEN: the header without the data union

	ipLen     = 46  // NET_IP_STR_LEN
	gossipLen = 104 // clusterMsgDataGossip
	failLen   = NameLen
	updateLen = 8 + NameLen + NumSlots/8
	extHdrLen = 8

	// MaxMessage bounds the messages accepted; Redis has no fixed bound
	// (PUBLISH can be large), but a peer announcing more is not worth
	// buffering here.
	MaxMessage = 64 << 20
)

// Message flag bits (mflags[0]).
const (
	MFlagPaused   = 1
	MFlagForceAck = 2
	MFlagExtData  = 4
)

// Cluster states as the bus carries them.
const (
	stateOK   = 0
	stateFail = 1
)

// Gossip is one entry of a PING/PONG/MEET gossip section.
type Gossip struct {
	Name     string
	PingSent uint32 // seconds
	PongRecv uint32 // seconds
	IP       string
	Port     uint16
	CPort    uint16
	Flags    Flags
	PPort    uint16
}

// Message is one decoded bus message. Only the part matching Type is set:
// Gossip for PING/PONG/MEET, FailName for FAIL, the Update fields for
// UPDATE.
type Message struct {
	Type         uint16
	Port         uint16
	CurrentEpoch uint64
	ConfigEpoch  uint64
	Offset       uint64
	Sender       string
	MySlots      Bitmap
	SlaveOf      string // "" for a master
	MyIP         string // "" when the sender leaves it to the receiver
	PPort        uint16
	CPort        uint16
	Flags        Flags
	State        uint8
	MFlags       [3]byte

	Gossip   []Gossip
	Hostname string // from the hostname ping extension

	FailName string

	UpdateEpoch uint64
	UpdateName  string
	UpdateSlots Bitmap
}

// Errors of Decode.
var (
	ErrShort     = errors.New("cluster: message shorter than its header")
	ErrSignature = errors.New("cluster: bad message signature")
	ErrLength    = errors.New("cluster: message length does not match its content")
	ErrVersion   = errors.New("cluster: unsupported bus protocol version")
)

// MessageLen returns the total length a message announces in its first 8
// bytes, after checking the signature; the bus reads that many bytes.
func MessageLen(first8 []byte) (int, error) {
	if len(first8) < 8 {
		return 0, ErrShort
	}
	if string(first8[:4]) != "RCmb" {
		return 0, ErrSignature
	}
	n := binary.BigEndian.Uint32(first8[offTotlen:])
	if n < headerLen || n > MaxMessage {
		return 0, fmt.Errorf("%w: %d", ErrLength, n)
	}
	return int(n), nil
}

// cstring returns b up to its first NUL.
func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// name returns a 40-byte name field, "" when it is all zeroes.
func name(b []byte) string {
	for _, c := range b[:NameLen] {
		if c != 0 {
			return string(b[:NameLen])
		}
	}
	return ""
}

// Decode parses one whole message, checking its length against its type
// as Redis's clusterIsValidPacket does. It never panics; the Message does
// not retain b.
func Decode(b []byte) (*Message, error) {
	if len(b) < headerLen {
		return nil, ErrShort
	}
	if string(b[:4]) != "RCmb" {
		return nil, ErrSignature
	}
	be := binary.BigEndian
	if int(be.Uint32(b[offTotlen:])) != len(b) {
		return nil, ErrLength
	}
	if be.Uint16(b[offVer:]) != 1 {
		return nil, ErrVersion
	}
	m := &Message{
		Type:         be.Uint16(b[offType:]),
		Port:         be.Uint16(b[offPort:]),
		CurrentEpoch: be.Uint64(b[offCurrentEpoch:]),
		ConfigEpoch:  be.Uint64(b[offConfigEpoch:]),
		Offset:       be.Uint64(b[offOffset:]),
		Sender:       name(b[offSender:]),
		SlaveOf:      name(b[offSlaveOf:]),
		MyIP:         cstring(b[offMyIP : offMyIP+ipLen-1]),
		PPort:        be.Uint16(b[offPPort:]),
		CPort:        be.Uint16(b[offCPort:]),
		Flags:        Flags(be.Uint16(b[offFlags:])),
		State:        b[offState],
	}
	copy(m.MySlots[:], b[offMySlots:offSlaveOf])
	copy(m.MFlags[:], b[offMFlags:offMFlags+3])
	data := b[headerLen:]
	switch m.Type {
	case MsgPing, MsgPong, MsgMeet:
		count := int(be.Uint16(b[offCount:]))
		if len(data) < count*gossipLen {
			return nil, ErrLength
		}
		if count > 0 {
			m.Gossip = make([]Gossip, count)
		}
		for i := range m.Gossip {
			g := data[i*gossipLen:]
			m.Gossip[i] = Gossip{
				Name:     string(g[:NameLen]),
				PingSent: be.Uint32(g[40:]),
				PongRecv: be.Uint32(g[44:]),
				IP:       cstring(g[48 : 48+ipLen-1]),
				Port:     be.Uint16(g[94:]),
				CPort:    be.Uint16(g[96:]),
				Flags:    Flags(be.Uint16(g[98:])),
				PPort:    be.Uint16(g[100:]),
			}
		}
		ext := data[count*gossipLen:]
		n := 0
		if m.MFlags[0]&MFlagExtData != 0 {
			n = int(be.Uint16(b[offExtensions:]))
		}
		for ; n > 0; n-- {
			if len(ext) < extHdrLen {
				return nil, ErrLength
			}
			l := be.Uint32(ext)
			if l < extHdrLen || uint64(l) > uint64(len(ext)) {
				return nil, ErrLength
			}
			if be.Uint16(ext[4:]) == 0 { // CLUSTERMSG_EXT_TYPE_HOSTNAME
				m.Hostname = cstring(ext[extHdrLen:l])
			}
			ext = ext[l:]
		}
		if len(ext) != 0 {
			return nil, ErrLength
		}
	case MsgFail:
		if len(data) != failLen {
			return nil, ErrLength
		}
		m.FailName = string(data[:NameLen])
	case MsgUpdate:
		if len(data) != updateLen {
			return nil, ErrLength
		}
		m.UpdateEpoch = be.Uint64(data)
		m.UpdateName = string(data[8 : 8+NameLen])
		copy(m.UpdateSlots[:], data[8+NameLen:])
	}
	// Other types (PUBLISH, failover votes, modules) are accepted and
	// ignored: this node has no replicas to elect and no modules.
	return m, nil
}

// Append encodes m after dst in the wire format and returns the result.
func (m *Message) Append(dst []byte) []byte {
	start := len(dst)
	var dataLen int
	switch m.Type {
	case MsgPing, MsgPong, MsgMeet:
		dataLen = len(m.Gossip) * gossipLen
		if m.Hostname != "" {
			dataLen += hostnameExtLen(m.Hostname)
		}
	case MsgFail:
		dataLen = failLen
	case MsgUpdate:
		dataLen = updateLen
	}
	total := headerLen + dataLen
	dst = append(dst, make([]byte, total)...)
	b := dst[start:]
	be := binary.BigEndian
	copy(b, "RCmb")
	be.PutUint32(b[offTotlen:], uint32(total))
	be.PutUint16(b[offVer:], 1)
	be.PutUint16(b[offPort:], m.Port)
	be.PutUint16(b[offType:], m.Type)
	be.PutUint64(b[offCurrentEpoch:], m.CurrentEpoch)
	be.PutUint64(b[offConfigEpoch:], m.ConfigEpoch)
	be.PutUint64(b[offOffset:], m.Offset)
	copy(b[offSender:offSender+NameLen], m.Sender)
	copy(b[offMySlots:offSlaveOf], m.MySlots[:])
	copy(b[offSlaveOf:offSlaveOf+NameLen], m.SlaveOf)
	copy(b[offMyIP:offMyIP+ipLen-1], m.MyIP)
	be.PutUint16(b[offPPort:], m.PPort)
	be.PutUint16(b[offCPort:], m.CPort)
	be.PutUint16(b[offFlags:], uint16(m.Flags))
	b[offState] = m.State
	copy(b[offMFlags:offMFlags+3], m.MFlags[:])
	data := b[headerLen:]
	switch m.Type {
	case MsgPing, MsgPong, MsgMeet:
		be.PutUint16(b[offCount:], uint16(len(m.Gossip)))
		for i, g := range m.Gossip {
			e := data[i*gossipLen:]
			copy(e[:NameLen], g.Name)
			be.PutUint32(e[40:], g.PingSent)
			be.PutUint32(e[44:], g.PongRecv)
			copy(e[48:48+ipLen-1], g.IP)
			be.PutUint16(e[94:], g.Port)
			be.PutUint16(e[96:], g.CPort)
			be.PutUint16(e[98:], uint16(g.Flags))
			be.PutUint16(e[100:], g.PPort)
		}
		if m.Hostname != "" {
			b[offMFlags] |= MFlagExtData
			be.PutUint16(b[offExtensions:], 1)
			e := data[len(m.Gossip)*gossipLen:]
			l := hostnameExtLen(m.Hostname)
			be.PutUint32(e, uint32(l))
			copy(e[extHdrLen:], m.Hostname)
		}
	case MsgFail:
		copy(data[:NameLen], m.FailName)
	case MsgUpdate:
		be.PutUint64(data, m.UpdateEpoch)
		copy(data[8:8+NameLen], m.UpdateName)
		copy(data[8+NameLen:], m.UpdateSlots[:])
	}
	return dst
}

// hostnameExtLen is the padded length of a hostname extension: header,
// the name and its NUL, rounded up to 8 bytes.
func hostnameExtLen(h string) int { return extHdrLen + (len(h)+1+7)/8*8 }
