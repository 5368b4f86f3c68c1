package server

import (
	"math"
	"math/bits"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "unsafe" // for go:linkname
)

type atomicInt = atomic.Int64

// nanotime is the runtime's monotonic clock in nanoseconds. time.Now on
// this kind of host (kvm-clock) costs about 290 ns, nanotime about 120 ns:
// the batch timing below reads it once per batch.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// Command statistics (INFO commandstats, latencystats, errorstats, and the
// keyspace_hits/misses and net byte counters of INFO stats) are counted
// without contention on the hot path:
//
//   - A client adds up the commands of the batch in hand in its own
//     fields (client.pend), with no atomics and no clock reads.
//   - At the end of the batch (flush) it reads the clock once and adds the
//     batch into one stripe of counters, chosen by its id, so that clients
//     on different cores rarely share a cache line.
//   - INFO sums the stripes.
//
// Time is measured per batch: a command alone in its batch (a client that
// does not pipeline) gets its own time, exactly; the commands of a
// pipelined batch share the batch's time evenly. SLOWLOG and the latency
// histograms see those same durations.

// pendMax is how many distinct commands a batch adds up before settling
// early; a pipeline of one or two command kinds never does.
const pendMax = 4

// pendStat is one command's count in the batch in hand.
type pendStat struct {
	cmd    *command
	calls  int64
	failed int64
}

// cmdStat is one command's counters in one stripe.
type cmdStat struct {
	calls    atomic.Int64
	nanos    atomic.Int64
	failed   atomic.Int64
	rejected atomic.Int64
	hist     atomic.Pointer[latencyHist] // made on the command's first call
}

// statStripe is one stripe: every command's counters and the other
// per-batch counters.
type statStripe struct {
	cmds     []cmdStat    // indexed by command.idx
	commands atomic.Int64 // total_commands_processed
	hits     atomic.Int64
	misses   atomic.Int64
	netIn    atomic.Int64
	netOut   atomic.Int64
	errRepl  atomic.Int64
	_        [64]byte // keeps the next stripe's counters off this cache line
}

// cmdStats are all stripes plus the error counts by prefix.
type cmdStats struct {
	stripes []statStripe
	mask    int64

	errMu sync.Mutex
	errs  map[string]int64 // errorstat_<prefix>: error replies by their first word
}

func (cs *cmdStats) init(ncmds int) {
	n := 4
	for n < 2*runtime.GOMAXPROCS(0) {
		n *= 2
	}
	cs.stripes = make([]statStripe, n)
	for i := range cs.stripes {
		cs.stripes[i].cmds = make([]cmdStat, ncmds)
	}
	cs.mask = int64(n - 1)
	cs.errs = make(map[string]int64)
}

func (cs *cmdStats) stripe(id int64) *statStripe { return &cs.stripes[id&cs.mask] }

// noteError counts an error reply under its prefix (ERR, WRONGTYPE...).
func (cs *cmdStats) noteError(msg string) {
	prefix, _, _ := strings.Cut(msg, " ")
	if len(prefix) > 64 {
		prefix = prefix[:64]
	}
	cs.errMu.Lock()
	if _, ok := cs.errs[prefix]; ok || len(cs.errs) < 128 {
		// At most 128 distinct prefixes, as Redis bounds errorstats.
		cs.errs[prefix]++
	}
	cs.errMu.Unlock()
}

// reset is CONFIG RESETSTAT's part: every counter to zero.
func (cs *cmdStats) reset() {
	for i := range cs.stripes {
		st := &cs.stripes[i]
		for j := range st.cmds {
			c := &st.cmds[j]
			c.calls.Store(0)
			c.nanos.Store(0)
			c.failed.Store(0)
			c.rejected.Store(0)
			c.hist.Store(nil)
		}
		st.commands.Store(0)
		st.hits.Store(0)
		st.misses.Store(0)
		st.netIn.Store(0)
		st.netOut.Store(0)
		st.errRepl.Store(0)
	}
	cs.errMu.Lock()
	clear(cs.errs)
	cs.errMu.Unlock()
}

// cmdTotals are one command's counters summed over the stripes.
type cmdTotals struct {
	calls, nanos, failed, rejected int64
	hist                           latencyHist
}

// totals sums command idx over the stripes.
func (cs *cmdStats) totals(idx int) *cmdTotals {
	t := new(cmdTotals)
	for i := range cs.stripes {
		c := &cs.stripes[i].cmds[idx]
		t.calls += c.calls.Load()
		t.nanos += c.nanos.Load()
		t.failed += c.failed.Load()
		t.rejected += c.rejected.Load()
		if h := c.hist.Load(); h != nil {
			t.hist.addAll(h)
		}
	}
	return t
}

// sum adds one per-stripe counter over the stripes.
func (cs *cmdStats) sum(f func(*statStripe) *atomic.Int64) int64 {
	var n int64
	for i := range cs.stripes {
		n += f(&cs.stripes[i]).Load()
	}
	return n
}

// note counts one run of cmd in the batch in hand; failed when it replied
// with an error.
func (c *client) note(cmd *command, failed bool) {
	var f int64
	if failed {
		f = 1
	}
	if n := c.npend; n > 0 && c.pend[n-1].cmd == cmd {
		c.pend[n-1].calls++
		c.pend[n-1].failed += f
		return
	}
	for i := range c.npend {
		if c.pend[i].cmd == cmd {
			c.pend[i].calls++
			c.pend[i].failed += f
			return
		}
	}
	if c.npend == pendMax {
		c.settle()
	}
	c.pend[c.npend] = pendStat{cmd: cmd, calls: 1, failed: f}
	c.npend++
}

// settle adds the batch's counts since the last settle into the client's
// stripe, sharing the time since then evenly among its commands, and
// notes a slow command. One clock read.
func (c *client) settle() {
	now := nanotime()
	elapsed := max(now-c.markNanos, 0)
	c.markNanos = now
	st := c.stripe
	if c.npend > 0 {
		var n int64
		for i := range c.npend {
			n += c.pend[i].calls
		}
		each := elapsed / n
		for i := range c.npend {
			p := &c.pend[i]
			cs := &st.cmds[p.cmd.idx]
			cs.calls.Add(p.calls)
			cs.nanos.Add(each * p.calls)
			if p.failed != 0 {
				cs.failed.Add(p.failed)
			}
			h := cs.hist.Load()
			if h == nil {
				h = new(latencyHist)
				if !cs.hist.CompareAndSwap(nil, h) {
					h = cs.hist.Load()
				}
			}
			h.add(each, p.calls)
		}
		c.lastCmd.Store(c.pend[c.npend-1].cmd)
		if n == 1 && c.lastArgs != nil {
			c.checkSlow(c.pend[0].cmd, c.lastArgs, elapsed)
		}
		c.npend = 0
	}
	c.lastArgs = nil
	if c.hits != 0 {
		st.hits.Add(c.hits)
		c.hits = 0
	}
	if c.misses != 0 {
		st.misses.Add(c.misses)
		c.misses = 0
	}
	if c.errs != 0 {
		st.errRepl.Add(c.errs)
		c.errs = 0
	}
	if c.r == nil {
		return // a script's caller: no connection of its own
	}
	if in := c.r.BytesRead(); in != c.netIn {
		st.netIn.Add(in - c.netIn)
		c.netIn = in
	}
}

// keyspace counts a key looked up by a read command as keyspace_hits or
// keyspace_misses. GET, MGET and the collection reads (through viewKind)
// count, as Redis's lookupKeyRead does.
func (c *client) keyspace(found bool) {
	if found {
		c.hits++
	} else {
		c.misses++
	}
}

// noteOutput counts the bytes a flush sent.
func (c *client) noteOutput(n int64) {
	if n > 0 {
		c.stripe.netOut.Add(n)
	}
}

// checkSlow adds a command that ran longer than slowlog-log-slower-than
// to SLOWLOG and logs it, and feeds LATENCY. args are still valid: the
// reader has not read past them.
func (c *client) checkSlow(cmd *command, args [][]byte, nanos int64) {
	s := c.srv
	usec := nanos / 1000
	if ms := s.live.latencyThreshold.Load(); ms > 0 && usec/1000 >= ms {
		s.latency.add("command", time.Now().Unix(), usec/1000)
	}
	lim := s.live.slowlogSlower.Load()
	if lim < 0 || usec < lim {
		return
	}
	at := time.Now().Unix()
	s.slowlog.add(args, at, usec, c.addr, c.getName(), int(s.live.slowlogMaxLen.Load()))
	s.log.Warn("slow command", "cmd", cmd.lowerName(), "usec", usec, "id", c.id, "addr", c.addr)
}

// latencyHist is a log-linear histogram of durations in nanoseconds: 8
// sub-buckets per power of two, so a percentile read from it is within
// 12.5% of the true value, as Redis's HdrHistogram reports to about 1%
// but with a fixed 4 KiB per command and stripe.
type latencyHist struct {
	counts [64 * 8]atomic.Int64
}

func histBucket(v int64) int {
	if v < 8 {
		return int(max(v, 0))
	}
	exp := 63 - bits.LeadingZeros64(uint64(v)) // v in [2^exp, 2^(exp+1))
	sub := int(v>>(exp-3)) & 7
	return (exp-2)*8 + sub
}

// histUpper is the largest value bucket b holds.
func histUpper(b int) int64 {
	if b < 8 {
		return int64(b)
	}
	exp := b/8 + 2
	sub := int64(b % 8)
	return (8+sub+1)<<(exp-3) - 1
}

func (h *latencyHist) add(v, n int64) { h.counts[histBucket(v)].Add(n) }

func (h *latencyHist) addAll(o *latencyHist) {
	for i := range o.counts {
		if n := o.counts[i].Load(); n != 0 {
			h.counts[i].Add(n)
		}
	}
}

// percentile is the value at percentile p (0..100), the upper bound of its
// bucket, in nanoseconds.
func (h *latencyHist) percentile(p float64) int64 {
	var total int64
	for i := range h.counts {
		total += h.counts[i].Load()
	}
	if total == 0 {
		return 0
	}
	want := int64(math.Ceil(p / 100 * float64(total)))
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= max(want, 1) {
			return histUpper(i)
		}
	}
	return histUpper(len(h.counts) - 1)
}

// wallClock derives the time of day from nanotime: a reading of both
// clocks at a base, re-taken by memoryCron ten times a second, so that
// the time of day follows adjustments of the system clock within 100 ms,
// much as Redis caches its mstime per event loop turn. nanotime costs
// less than half of time.Now on this kind of host.
type wallClock struct {
	base atomic.Pointer[wallBase]
}

type wallBase struct{ wallNanos, mono int64 }

func newWallClock() *wallClock {
	w := new(wallClock)
	w.rebase()
	return w
}

func (w *wallClock) rebase() {
	mono := nanotime()
	wall := time.Now().UnixNano()
	w.base.Store(&wallBase{wallNanos: wall, mono: mono})
}

// at is the unix milliseconds at the nanotime reading mono.
func (w *wallClock) at(mono int64) int64 {
	b := w.base.Load()
	return (b.wallNanos + mono - b.mono) / int64(time.Millisecond)
}
