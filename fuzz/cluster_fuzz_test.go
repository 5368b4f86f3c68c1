package fuzz

import (
	"testing"

	"github.com/miniredis/miniredis/cluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzNodesConf: the nodes.conf parser never panics, and whatever it
// accepts, rendered and parsed again, renders the same (the file a node
// writes is one it reads back).
func FuzzNodesConf(f *testing.F) {
	const a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	const b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	for _, s := range []string{
		a + " :7000@17000 myself,master - 0 0 0 connected\nvars currentEpoch 0 lastVoteEpoch 0\n",
		a + " 127.0.0.1:7000@17000 myself,master - 0 0 3 connected 0-5460 [5461-<-" + b + "] [7->-" + b + "]\n" +
			b + " 127.0.0.1:7001@17001,host master - 0 1700000000000 2 connected 5461-10922\nvars currentEpoch 5 lastVoteEpoch 2\n",
		b + " 10.0.0.1:6379 slave,fail " + a + " 1 1 0 disconnected\n" + a + " :1@2 myself,master - 0 0 0 connected 16383\n",
		a + " [::1]:7000@17000 myself,master,noaddr - 0 0 0 connected 1 2 3-4\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		once, err := cluster.NormalizeConfig(data)
		if err != nil {
			return
		}
		twice, err := cluster.NormalizeConfig(once)
		require.NoError(t, err, "rendered config does not parse:\n%s", once)
		assert.Equal(t, string(once), string(twice))
	})
}

// FuzzBusMessage: the bus decoder never panics, and re-encoding what it
// decodes is a fixed point: decode(encode(m)) encodes to the same bytes.
func FuzzBusMessage(f *testing.F) {
	ping := &cluster.Message{Type: cluster.MsgPing, Sender: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Port: 7000, CPort: 17000,
		Gossip: []cluster.Gossip{{Name: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", IP: "127.0.0.1", Port: 7001, CPort: 17001, Flags: cluster.FlagMaster}}}
	f.Add(ping.Append(nil))
	f.Add((&cluster.Message{Type: cluster.MsgFail, FailName: "cccccccccccccccccccccccccccccccccccccccc"}).Append(nil))
	f.Add((&cluster.Message{Type: cluster.MsgUpdate, UpdateEpoch: 3}).Append(nil))
	f.Add((&cluster.Message{Type: cluster.MsgMeet, Hostname: "h"}).Append(nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := cluster.Decode(data)
		if err != nil {
			return
		}
		switch m.Type {
		case cluster.MsgPing, cluster.MsgPong, cluster.MsgMeet, cluster.MsgFail, cluster.MsgUpdate:
		default:
			return // decoded but not re-encoded: this node ignores them
		}
		once := m.Append(nil)
		m2, err := cluster.Decode(once)
		require.NoError(t, err)
		assert.Equal(t, once, m2.Append(nil))
	})
}
