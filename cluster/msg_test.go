package cluster

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMessageLayout(t *testing.T) {
	m := &Message{Type: MsgPing, Port: 7000, CPort: 17000, CurrentEpoch: 5, ConfigEpoch: 3, Sender: idA, Flags: FlagMaster | FlagMyself, MyIP: "10.1.2.3"}
	m.MySlots.Set(0)
	m.MySlots.Set(9)
	m.Gossip = []Gossip{{Name: idB, PingSent: 1, PongRecv: 2, IP: "10.1.2.4", Port: 7001, CPort: 17001, Flags: FlagMaster}}
	b := m.Append(nil)
	require.Len(t, b, headerLen+gossipLen)
	be := binary.BigEndian
	// Offsets from Redis 7.0's cluster.h static asserts.
	assert.Equal(t, "RCmb", string(b[:4]))
	assert.Equal(t, uint32(len(b)), be.Uint32(b[4:]))
	assert.Equal(t, uint16(1), be.Uint16(b[8:]), "ver")
	assert.Equal(t, uint16(7000), be.Uint16(b[10:]), "port")
	assert.Equal(t, uint16(MsgPing), be.Uint16(b[12:]), "type")
	assert.Equal(t, uint16(1), be.Uint16(b[14:]), "count")
	assert.Equal(t, uint64(5), be.Uint64(b[16:]), "currentEpoch")
	assert.Equal(t, uint64(3), be.Uint64(b[24:]), "configEpoch")
	assert.Equal(t, idA, string(b[40:80]), "sender")
	assert.Equal(t, byte(1<<1), b[80+1], "slot 9 is bit 1 of byte 1")
	assert.Equal(t, byte(1), b[80], "slot 0 is bit 0 of byte 0")
	assert.Equal(t, "10.1.2.3\x00", string(b[2168:2177]), "myip")
	assert.Equal(t, uint16(17000), be.Uint16(b[2248:]), "cport")
	assert.Equal(t, uint16(FlagMaster|FlagMyself), be.Uint16(b[2250:]), "flags")
	assert.Equal(t, idB, string(b[2256:2296]), "gossip name")
	assert.Equal(t, uint16(7001), be.Uint16(b[2256+94:]), "gossip port")

	got, err := Decode(b)
	require.NoError(t, err)
	assert.Equal(t, m, got)
}

func TestMessageRoundTrip(t *testing.T) {
	fail := &Message{Type: MsgFail, Sender: idA, FailName: idC}
	upd := &Message{Type: MsgUpdate, Sender: idA, UpdateEpoch: 9, UpdateName: idB}
	upd.UpdateSlots.Set(16383)
	host := &Message{Type: MsgPong, Sender: idA, Hostname: "node-a.example"}
	host.MFlags[0] = MFlagExtData
	for name, m := range map[string]*Message{"fail": fail, "update": upd, "hostname": host} {
		t.Run(name, func(t *testing.T) {
			b := m.Append(nil)
			got, err := Decode(b)
			require.NoError(t, err)
			assert.Equal(t, m, got)
			n, err := MessageLen(b[:8])
			require.NoError(t, err)
			assert.Equal(t, len(b), n)
		})
	}
	assert.Len(t, fail.Append(nil), headerLen+40)
	assert.Len(t, upd.Append(nil), headerLen+2096)
	assert.Len(t, host.Append(nil), headerLen+8+16, "hostname padded to 8 bytes")
}

func TestDecodeRejects(t *testing.T) {
	good := (&Message{Type: MsgPing, Sender: idA, Gossip: []Gossip{{Name: idB}}}).Append(nil)
	cut := func(b []byte, n int) []byte {
		c := append([]byte(nil), b[:n]...)
		binary.BigEndian.PutUint32(c[4:], uint32(n))
		return c
	}
	bad := map[string][]byte{
		"short":      good[:100],
		"signature":  append([]byte("XXmb"), good[4:]...),
		"totlen":     append(append([]byte(nil), good...), 0),
		"gossip cut": cut(good, len(good)-1),
	}
	v := append([]byte(nil), good...)
	binary.BigEndian.PutUint16(v[8:], 2)
	bad["version"] = v
	for name, b := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(b)
			assert.Error(t, err)
		})
	}
	_, err := MessageLen([]byte("RCmb\x00\x00\x00\x10"))
	assert.ErrorIs(t, err, ErrLength)
}
