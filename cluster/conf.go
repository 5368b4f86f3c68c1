package cluster

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/miniredis/miniredis/internal/atomicfile"
)

// ErrCorruptConfig is returned for a nodes.conf that cannot be read back.
var ErrCorruptConfig = errors.New("cluster: corrupted cluster config file")

// loadLocked reads cfg.ConfigFile into s, reporting whether there was one.
func (s *State) loadLocked() (bool, error) {
	if s.cfg.ConfigFile == "" {
		return false, nil
	}
	data, err := os.ReadFile(s.cfg.ConfigFile)
	if errors.Is(err, os.ErrNotExist) || err == nil && len(bytes.TrimSpace(data)) == 0 {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cluster: %w", err)
	}
	if err := s.parseConfigLocked(data); err != nil {
		return false, fmt.Errorf("%w %s: %v", ErrCorruptConfig, s.cfg.ConfigFile, err)
	}
	return true, nil
}

// parseConfigLocked reads a nodes.conf as Redis 7.0's clusterLoadConfig
// does: one line per node, in CLUSTER NODES's format, and a "vars" line.
func (s *State) parseConfigLocked(data []byte) error {
	now := s.ms()
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if f[0] == "vars" {
			if len(f)%2 != 1 {
				return fmt.Errorf("line %d: odd vars", line)
			}
			for i := 1; i < len(f); i += 2 {
				v, err := strconv.ParseUint(f[i+1], 10, 64)
				if err != nil {
					return fmt.Errorf("line %d: %v", line, err)
				}
				switch f[i] {
				case "currentEpoch":
					s.currentEpoch = v
				case "lastVoteEpoch":
					s.lastVoteEpoch = v
				}
			}
			continue
		}
		if len(f) < 8 {
			return fmt.Errorf("line %d: %d fields, want at least 8", line, len(f))
		}
		if !validName(f[0]) {
			return fmt.Errorf("line %d: bad node ID %q", line, f[0])
		}
		n := s.nodes[f[0]]
		if n == nil {
			n = s.newNode(f[0], 0)
			s.addNodeLocked(n)
		}
		if err := parseAddr(n, f[1]); err != nil {
			return fmt.Errorf("line %d: %v", line, err)
		}
		flags, ok := parseFlags(f[2])
		if !ok {
			return fmt.Errorf("line %d: bad flags %q", line, f[2])
		}
		n.Flags = flags
		if flags&FlagMyself != 0 {
			if s.myself != nil && s.myself != n {
				return fmt.Errorf("line %d: a second myself", line)
			}
			s.myself = n
		}
		if f[3] != "-" {
			if !validName(f[3]) {
				return fmt.Errorf("line %d: bad master ID %q", line, f[3])
			}
			n.Master = f[3]
			if s.nodes[f[3]] == nil {
				s.addNodeLocked(s.newNode(f[3], FlagMaster))
			}
		}
		// As Redis: a pending ping or a pong on record counts from now.
		if f[4] != "0" {
			n.PingSent = now
		}
		if f[5] != "0" {
			n.PongRecv = now
		}
		epoch, err := strconv.ParseUint(f[6], 10, 64)
		if err != nil {
			return fmt.Errorf("line %d: bad config epoch %q", line, f[6])
		}
		n.ConfigEpoch = epoch
		for _, r := range f[8:] {
			if err := s.parseSlotLocked(n, r); err != nil {
				return fmt.Errorf("line %d: %v", line, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if s.myself == nil {
		return errors.New("no myself line")
	}
	s.currentEpoch = max(s.currentEpoch, s.maxEpochLocked())
	return nil
}

// parseAddr reads "ip:port@cport[,hostname]" (or the pre-4.0 "ip:port").
func parseAddr(n *Node, a string) error {
	if i := strings.IndexByte(a, ','); i >= 0 {
		n.Hostname = a[i+1:]
		a = a[:i]
	}
	colon := strings.LastIndexByte(a, ':')
	if colon < 0 {
		return fmt.Errorf("bad address %q", a)
	}
	n.IP = a[:colon]
	rest := a[colon+1:]
	cport := -1
	if at := strings.IndexByte(rest, '@'); at >= 0 {
		c, err := strconv.Atoi(rest[at+1:])
		if err != nil || c < 0 || c > 65535 {
			return fmt.Errorf("bad bus port in %q", a)
		}
		cport = c
		rest = rest[:at]
	}
	p, err := strconv.Atoi(rest)
	if err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("bad port in %q", a)
	}
	n.Port = p
	if cport < 0 {
		cport = p + 10000
	}
	n.CPort = cport
	return nil
}

// parseSlotLocked reads one slot field: "5", "0-5460", or an open slot of
// myself, "[5->-id]" (migrating) or "[5-<-id]" (importing).
func (s *State) parseSlotLocked(n *Node, r string) error {
	if strings.HasPrefix(r, "[") {
		body, ok := strings.CutSuffix(r[1:], "]")
		if !ok {
			return fmt.Errorf("bad open slot %q", r)
		}
		sep, dir := "->-", 0
		i := strings.Index(body, sep)
		if i < 0 {
			sep, dir = "-<-", 1
			i = strings.Index(body, sep)
		}
		if i < 0 {
			return fmt.Errorf("bad open slot %q", r)
		}
		slot, err := strconv.Atoi(body[:i])
		if err != nil || slot < 0 || slot >= NumSlots {
			return fmt.Errorf("bad open slot %q", r)
		}
		id := body[i+len(sep):]
		if !validName(id) {
			return fmt.Errorf("bad node in %q", r)
		}
		peer := s.nodes[id]
		if peer == nil {
			peer = s.newNode(id, 0)
			s.addNodeLocked(peer)
		}
		if dir == 0 {
			s.migrating[slot] = peer
		} else {
			s.importing[slot] = peer
		}
		return nil
	}
	lo, hi, found := strings.Cut(r, "-")
	start, err := strconv.Atoi(lo)
	if err != nil {
		return fmt.Errorf("bad slot %q", r)
	}
	end := start
	if found {
		if end, err = strconv.Atoi(hi); err != nil {
			return fmt.Errorf("bad slot %q", r)
		}
	}
	if start < 0 || end >= NumSlots || start > end {
		return fmt.Errorf("bad slot range %q", r)
	}
	for j := start; j <= end; j++ {
		if s.slots[j] != nil && s.slots[j] != n {
			return fmt.Errorf("slot %d claimed twice", j)
		}
		s.addSlotLocked(n, j)
	}
	return nil
}

// configLocked renders nodes.conf: the nodes as CLUSTER NODES shows them,
// less those in handshake, then the vars line.
func (s *State) configLocked() []byte {
	b := s.nodesLocked(true)
	return fmt.Appendf(b, "vars currentEpoch %d lastVoteEpoch %d\n", s.currentEpoch, s.lastVoteEpoch)
}

// saveLocked writes nodes.conf when it changed, before the command or
// message that changed it is answered, as Redis does.
//
// When an epoch changed since the last such save, the file is replaced
// atomically and durably: a temporary file beside it, fsynced, renamed
// over it, the directory fsynced. Epochs must survive even a power loss
// (a node that forgot its vote or its config epoch could break the
// cluster's agreement). Any other change (slots moving, nodes' addresses
// and flags) is written over the old file in one write, padded with
// newlines to the old length and then truncated, which is Redis's own
// clusterSaveConfig without fsync: a crash of the process leaves the old
// contents or the new (a blank line is skipped on load), a power loss may
// lose the change, and the slots are learnt again from the others. The
// split is Redis's (CLUSTER_TODO_FSYNC_CONFIG only with epoch changes),
// and it matters: a rename over an existing file makes ext4 write the new
// file's blocks out at once (about 1.4 ms here, 40 µs for the write in
// place), and a reshard sends five CLUSTER SETSLOT per slot moved.
func (s *State) saveLocked() error {
	if !s.dirty || s.cfg.ConfigFile == "" {
		return nil
	}
	s.dirty = false
	epochs := [3]uint64{s.currentEpoch, s.lastVoteEpoch, s.myself.ConfigEpoch}
	var err error
	if epochs != s.syncedEpochs {
		err = atomicfile.WriteBytes(s.cfg.ConfigFile, 0o644, s.configLocked())
	} else {
		err = overwritePadded(s.cfg.ConfigFile, s.configLocked())
	}
	if err != nil {
		s.dirty = true
		return err
	}
	s.syncedEpochs = epochs
	return nil
}

// overwritePadded writes data over the file at path in one write, padded
// with newlines to the file's old length, then truncates the padding.
func overwritePadded(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	size := int64(len(data))
	if old := st.Size(); old > size {
		data = append(data, bytes.Repeat([]byte{'\n'}, int(old-size))...)
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		f.Close()
		return err
	}
	if int64(len(data)) != size {
		// A failed truncate leaves blank lines, which load as nothing.
		_ = f.Truncate(size)
	}
	return f.Close()
}

// NormalizeConfig parses a nodes.conf and renders it back as this package
// would save it; for tests and the fuzz target of the parser.
func NormalizeConfig(data []byte) ([]byte, error) {
	s := &State{
		cfg:       Config{NodeTimeout: DefaultNodeTimeout},
		now:       func() time.Time { return time.UnixMilli(1) },
		nodes:     make(map[string]*Node),
		blacklist: make(map[string]int64),
		links:     make(map[*link]struct{}),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.parseConfigLocked(data); err != nil {
		return nil, err
	}
	return s.configLocked(), nil
}
