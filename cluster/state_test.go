package cluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeKeys is a KeyCounter with fixed counts.
type fakeKeys struct {
	counts  map[int]int
	deleted []int
}

func (f *fakeKeys) CountKeysInSlot(slot int) int { return f.counts[slot] }
func (f *fakeKeys) DelKeysInSlot(slot int) {
	f.deleted = append(f.deleted, slot)
	delete(f.counts, slot)
}

func newTestState(t *testing.T, cfg Config) *State {
	t.Helper()
	if cfg.Port == 0 {
		cfg.Port = 7000
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.UnixMilli(1_700_000_000_000) }
	}
	s, err := New(cfg)
	require.NoError(t, err)
	return s
}

const (
	idA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	idB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	idC = "cccccccccccccccccccccccccccccccccccccccc"
)

func TestNewWritesConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nodes.conf")
	s := newTestState(t, Config{ConfigFile: path})
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	want := s.MyID() + " :7000@17000 myself,master - 0 0 0 connected\nvars currentEpoch 0 lastVoteEpoch 0\n"
	assert.Equal(t, want, string(data))
	// No temporary file is left behind.
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1)
}

func TestConfigRoundTrip(t *testing.T) {
	conf := idA + " 127.0.0.1:7000@17000 myself,master - 0 0 3 connected 0-5460 [5461-<-" + idB + "] [7->-" + idC + "]\n" +
		idB + " 127.0.0.1:7001@17001,host-b master - 0 1700000000000 2 connected 5461-10922\n" +
		idC + " 127.0.0.1:7002@17002 master,fail - 1700000000000 1700000000000 1 disconnected 10923-16383\n" +
		"vars currentEpoch 5 lastVoteEpoch 2\n"
	path := filepath.Join(t.TempDir(), "nodes.conf")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o644))
	s := newTestState(t, Config{ConfigFile: path, FullCoverage: true})
	assert.Equal(t, idA, s.MyID())

	info := string(s.Info())
	assert.Contains(t, info, "cluster_slots_assigned:16384\r\n")
	assert.Contains(t, info, "cluster_slots_fail:5461\r\n")
	assert.Contains(t, info, "cluster_current_epoch:5\r\n")
	assert.Contains(t, info, "cluster_my_epoch:3\r\n")
	assert.Contains(t, info, "cluster_state:fail\r\n", "slots of a failed node are not covered")

	// Open slots are shown in slot order on myself's line; ping and pong
	// times count from the load.
	nodes := string(s.Nodes())
	assert.Contains(t, nodes, idA+" 127.0.0.1:7000@17000 myself,master - 0 0 3 connected 0-5460 [7->-"+idC+"] [5461-<-"+idB+"]\n")
	assert.Contains(t, nodes, idB+" 127.0.0.1:7001@17001,host-b master - 0 1700000000000 2 disconnected 5461-10922\n")

	// Saved and loaded again, the config is the same.
	saved, err := os.ReadFile(path)
	require.NoError(t, err)
	once, err := NormalizeConfig(saved)
	require.NoError(t, err)
	twice, err := NormalizeConfig(once)
	require.NoError(t, err)
	assert.Equal(t, string(once), string(twice))
	assert.Equal(t, strings.Count(string(saved), "\n"), strings.Count(string(once), "\n"))
}

func TestConfigCorrupt(t *testing.T) {
	for name, conf := range map[string]string{
		"no myself":     idB + " 127.0.0.1:7001@17001 master - 0 0 2 connected\n",
		"few fields":    idA + " 127.0.0.1:7000@17000 myself,master - 0 0\n",
		"bad id":        "xyz 127.0.0.1:7000@17000 myself,master - 0 0 0 connected\n",
		"bad flags":     idA + " 127.0.0.1:7000@17000 myself,boss - 0 0 0 connected\n",
		"bad slot":      idA + " 127.0.0.1:7000@17000 myself,master - 0 0 0 connected 16384\n",
		"bad range":     idA + " 127.0.0.1:7000@17000 myself,master - 0 0 0 connected 9-3\n",
		"twice claimed": idA + " :7000@17000 myself,master - 0 0 0 connected 1\n" + idB + " :1@2 master - 0 0 0 connected 1\n",
		"bad vars":      idA + " :7000@17000 myself,master - 0 0 0 connected\nvars currentEpoch x\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "nodes.conf")
			require.NoError(t, os.WriteFile(path, []byte(conf), 0o644))
			_, err := New(Config{Port: 7000, ConfigFile: path})
			assert.ErrorIs(t, err, ErrCorruptConfig)
		})
	}
}

func TestChangeSlots(t *testing.T) {
	s := newTestState(t, Config{})
	require.NoError(t, s.ChangeSlots([][2]int{{1, 3}, {10, 20}}, false))
	assert.Contains(t, string(s.Nodes()), " connected 1-3 10-20\n")
	assert.EqualError(t, s.ChangeSlots([][2]int{{1, 1}}, false), "Slot 1 is already busy")
	assert.EqualError(t, s.ChangeSlots([][2]int{{30, 30}, {30, 30}}, false), "Slot 30 specified multiple times")
	assert.EqualError(t, s.ChangeSlots([][2]int{{5, 5}}, true), "Slot 5 is already unassigned")
	// All or nothing: 30 was not assigned by the failed call.
	assert.True(t, !s.Slot(30).Served)
	require.NoError(t, s.ChangeSlots([][2]int{{2, 2}}, true))
	assert.Contains(t, string(s.Nodes()), " connected 1 3 10-20\n")
	assert.Equal(t, SlotInfo{Served: true, Mine: true}, s.Slot(1))
	assert.Equal(t, SlotInfo{}, s.Slot(2))
}

func TestClusterStateAndCoverage(t *testing.T) {
	ms := int64(1_700_000_000_000)
	clock := func() time.Time { return time.UnixMilli(ms) }
	s := newTestState(t, Config{FullCoverage: true, Now: clock})
	require.NoError(t, s.ChangeSlots([][2]int{{0, NumSlots - 1}}, false))
	assert.False(t, s.OK(), "a master serves nothing in its first two seconds")
	ms += writableDelay
	s.FlushSlots()
	assert.False(t, s.OK(), "no slots")
	require.NoError(t, s.ChangeSlots([][2]int{{0, NumSlots - 2}}, false))
	assert.False(t, s.OK(), "one slot uncovered")
	ms += maxRejoinDelay // no slots counted as a minority: the rejoin delay
	require.NoError(t, s.ChangeSlots([][2]int{{NumSlots - 1, NumSlots - 1}}, false))
	assert.True(t, s.OK())

	// Seen in a minority (no slots served at all), a master waits out the
	// rejoin delay before it serves.
	ms += 100
	partial := newTestState(t, Config{FullCoverage: false, Now: clock, NodeTimeout: time.Second})
	ms += writableDelay
	partial.mu.Lock()
	partial.updateStateLocked()
	partial.mu.Unlock()
	require.NoError(t, partial.ChangeSlots([][2]int{{0, 0}}, false))
	assert.False(t, partial.OK(), "within the rejoin delay")
	ms += 1000
	partial.mu.Lock()
	partial.updateStateLocked()
	partial.mu.Unlock()
	assert.True(t, partial.OK())
}

func TestSetSlotAndRedirect(t *testing.T) {
	keys := &fakeKeys{counts: map[int]int{}}
	s := newTestState(t, Config{Keys: keys})
	s.mu.Lock()
	b := s.newNode(idB, FlagMaster)
	b.IP, b.Port, b.CPort = "10.0.0.2", 7001, 17001
	s.addNodeLocked(b)
	s.mu.Unlock()
	require.NoError(t, s.ChangeSlots([][2]int{{0, 100}}, false))

	assert.EqualError(t, s.SetSlot(200, "migrating", idB), "I'm not the owner of hash slot 200")
	assert.EqualError(t, s.SetSlot(5, "migrating", "nope"), "I don't know about node nope")
	assert.EqualError(t, s.SetSlot(5, "importing", idB), "I'm already the owner of hash slot 5")
	assert.EqualError(t, s.SetSlot(5, "node", idC), "Unknown node "+idC)
	require.NoError(t, s.SetSlot(5, "migrating", idB))
	assert.Equal(t, SlotInfo{Served: true, Mine: true, Migrating: true}, s.Slot(5))
	assert.Equal(t, "ASK 5 10.0.0.2:7001", s.Redirect(5, true))

	keys.counts[5] = 2
	assert.EqualError(t, s.SetSlot(5, "node", idB), "Can't assign hashslot 5 to a different node while I still hold keys for this hash slot.")
	keys.counts[5] = 0
	require.NoError(t, s.SetSlot(5, "node", idB))
	assert.Equal(t, SlotInfo{Served: true}, s.Slot(5))
	assert.Equal(t, "MOVED 5 10.0.0.2:7001", s.Redirect(5, false))

	// Importing a slot and taking it bumps this node's epoch.
	require.NoError(t, s.SetSlot(5, "importing", idB))
	assert.Contains(t, string(s.Nodes()), "[5-<-"+idB+"]")
	require.NoError(t, s.SetSlot(5, "node", s.MyID()))
	assert.Equal(t, SlotInfo{Served: true, Mine: true}, s.Slot(5))
	assert.Contains(t, string(s.Info()), "cluster_my_epoch:1\r\n")
}

func TestEpochs(t *testing.T) {
	s := newTestState(t, Config{})
	assert.EqualError(t, s.SetConfigEpoch(-1), "Invalid config epoch specified: -1")
	require.NoError(t, s.SetConfigEpoch(7))
	assert.EqualError(t, s.SetConfigEpoch(8), "Node config epoch is already non-zero")
	assert.Equal(t, "STILL 7", s.BumpEpoch())
	s.mu.Lock()
	s.addNodeLocked(&Node{Name: idB, Flags: FlagMaster, ConfigEpoch: 9})
	s.mu.Unlock()
	assert.Equal(t, "BUMPED 8", s.BumpEpoch(), "currentEpoch 7 + 1; Redis bumps currentEpoch, not the max")
	assert.EqualError(t, s.SetConfigEpoch(1), "The user can assign a config epoch only when the node does not know any other node.")
}

func TestForgetAndReset(t *testing.T) {
	s := newTestState(t, Config{})
	s.mu.Lock()
	b := s.newNode(idB, FlagMaster)
	s.addNodeLocked(b)
	s.addSlotLocked(b, 9)
	s.mu.Unlock()
	assert.EqualError(t, s.Forget(s.MyID()), "I tried hard but I can't forget myself...")
	assert.EqualError(t, s.Forget("x"), "Unknown node x")
	require.NoError(t, s.Forget(idB))
	assert.False(t, s.Slot(9).Served)
	assert.NotContains(t, string(s.Nodes()), idB)

	old := s.MyID()
	require.NoError(t, s.ChangeSlots([][2]int{{1, 1}}, false))
	s.Reset(false)
	assert.Equal(t, old, s.MyID())
	assert.False(t, s.Slot(1).Served)
	s.Reset(true)
	assert.NotEqual(t, old, s.MyID())
	assert.Len(t, strings.Split(strings.TrimSpace(string(s.Nodes())), "\n"), 1)
}

func TestFlagsRoundTrip(t *testing.T) {
	for _, f := range []Flags{0, FlagMyself | FlagMaster, FlagSlave | FlagPFail, FlagMaster | FlagFail | FlagNoAddr, FlagHandshake | FlagNoFailover} {
		s := string(appendFlags(nil, f))
		got, ok := parseFlags(s)
		require.True(t, ok, s)
		assert.Equal(t, f, got, s)
	}
	assert.Equal(t, "noflags", string(appendFlags(nil, 0)))
	assert.Equal(t, "myself,master", string(appendFlags(nil, FlagMaster|FlagMyself)))
}

// TestClaimWithHigherEpoch: a master claiming slots with a newer config
// epoch takes them (clusterUpdateSlotsConfigWith); this node's keys in the
// slots it lost are deleted, once the lock is released; an importing slot
// is left alone; an older claim changes nothing.
func TestClaimWithHigherEpoch(t *testing.T) {
	keys := &fakeKeys{counts: map[int]int{7: 3}}
	s := newTestState(t, Config{Keys: keys})
	require.NoError(t, s.SetConfigEpoch(2))
	require.NoError(t, s.ChangeSlots([][2]int{{5, 9}}, false))
	s.mu.Lock()
	b := s.newNode(idB, FlagMaster)
	b.ConfigEpoch = 1
	s.addNodeLocked(b)
	s.importing[8] = b
	s.mu.Unlock()

	var claim Bitmap
	for _, j := range []int{6, 7, 8} {
		claim.Set(j)
	}
	s.mu.Lock()
	s.updateSlotsLocked(b, 1, &claim)
	s.mu.Unlock()
	assert.True(t, s.Slot(7).Mine, "epoch 1 does not beat epoch 2")

	s.mu.Lock()
	s.updateSlotsLocked(b, 3, &claim)
	s.mu.Unlock()
	assert.False(t, s.Slot(6).Mine)
	assert.False(t, s.Slot(7).Mine)
	assert.Equal(t, SlotInfo{Served: true, Mine: true, Importing: true}, s.Slot(8), "importing slots are closed by hand")
	assert.Empty(t, keys.deleted, "no store call under the lock")
	s.dropLostKeys()
	assert.ElementsMatch(t, []int{6, 7}, keys.deleted)
}
