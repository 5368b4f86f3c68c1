package server

import (
	"fmt"
	"github.com/miniredis/miniredis/shard"
	"math"
	"slices"
	"strings"
)

// Operations commands: SLOWLOG and LATENCY.

var slowlogHelp = []string{
	"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"GET [<count>]",
	"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
	"    Entries are made of:",
	"    id, timestamp, time in microseconds, arguments array, client IP and port,",
	"    client name",
	"LEN",
	"    Return the length of the slowlog.",
	"RESET",
	"    Reset the slowlog.",
	"HELP",
	"    Prints this help.",
}

func writeHelp(c *client, lines []string) {
	c.w.ArrayLen(len(lines))
	for _, h := range lines {
		c.w.Simple(h)
	}
}

// cmdSlowlog implements SLOWLOG GET/LEN/RESET/HELP.
func cmdSlowlog(c *client, args [][]byte) {
	sub := args[1]
	l := &c.srv.slowlog
	switch {
	case equalFold(sub, "GET") && len(args) <= 3:
		count := int64(10)
		if len(args) == 3 {
			n, ok := parseInt(args[2])
			if !ok || n < -1 {
				c.w.Error("ERR count should be greater than or equal to -1")
				return
			}
			count = n
		}
		entries := l.newest(int(min(count, math.MaxInt32)))
		c.w.ArrayLen(len(entries))
		for _, e := range entries {
			c.w.ArrayLen(6)
			c.w.Int(e.id)
			c.w.Int(e.time)
			c.w.Int(e.duration)
			c.w.ArrayLen(len(e.args))
			for _, a := range e.args {
				c.w.BulkString(a)
			}
			c.w.BulkString(e.addr)
			c.w.BulkString(e.name)
		}
	case equalFold(sub, "LEN") && len(args) == 2:
		c.w.Int(int64(l.len()))
	case equalFold(sub, "RESET") && len(args) == 2:
		l.reset()
		c.w.OK()
	case equalFold(sub, "HELP") && len(args) == 2:
		writeHelp(c, slowlogHelp)
	case equalFold(sub, "LEN") || equalFold(sub, "RESET") || equalFold(sub, "HELP"):
		subArityError(c, args[0], sub)
	case equalFold(sub, "GET"):
		c.w.Error("ERR unknown subcommand or wrong number of arguments for '" + string(sub) + "'. Try SLOWLOG HELP.")
	default:
		c.w.Error(fmt.Sprintf(msgUnknownSub, sub, "SLOWLOG"))
	}
}

var latencyHelp = []string{
	"LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"DOCTOR",
	"    Return a human readable latency analysis report.",
	"HISTORY <event>",
	"    Return time-latency samples for the <event> class.",
	"LATEST",
	"    Return the latest latency samples for all events.",
	"RESET [<event> ...]",
	"    Reset latency data of one or more <event> classes.",
	"    (default: reset all data for all event classes)",
	"HISTOGRAM [COMMAND ...]",
	"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
	"    If no commands are specified then all histograms are replied.",
	"HELP",
	"    Prints this help.",
}

// cmdLatency implements LATENCY LATEST/HISTORY/RESET/HISTOGRAM/DOCTOR/HELP.
// The events are "command" (a command that ran for at least
// latency-monitor-threshold milliseconds), as Redis names it.
func cmdLatency(c *client, args [][]byte) {
	sub := args[1]
	m := &c.srv.latency
	switch {
	case equalFold(sub, "LATEST") && len(args) == 2:
		m.mu.Lock()
		names := m.names()
		c.w.ArrayLen(len(names))
		for _, n := range names {
			e := m.events[n]
			last := e.samples[len(e.samples)-1]
			c.w.ArrayLen(4)
			c.w.BulkString(n)
			c.w.Int(last.time)
			c.w.Int(last.ms)
			c.w.Int(e.max)
		}
		m.mu.Unlock()
	case equalFold(sub, "HISTORY") && len(args) == 3:
		m.mu.Lock()
		e := m.events[string(args[2])]
		if e == nil {
			c.w.ArrayLen(0)
		} else {
			c.w.ArrayLen(len(e.samples))
			for _, smp := range e.samples {
				c.w.ArrayLen(2)
				c.w.Int(smp.time)
				c.w.Int(smp.ms)
			}
		}
		m.mu.Unlock()
	case equalFold(sub, "RESET"):
		m.mu.Lock()
		n := 0
		if len(args) == 2 {
			n = len(m.events)
			clear(m.events)
		}
		for _, a := range args[2:] {
			if _, ok := m.events[string(a)]; ok {
				delete(m.events, string(a))
				n++
			}
		}
		m.mu.Unlock()
		c.w.Int(int64(n))
	case equalFold(sub, "HISTOGRAM"):
		c.latencyHistogram(args[2:])
	case equalFold(sub, "DOCTOR") && len(args) == 2:
		c.w.Verbatim(c.srv.latencyDoctor())
	case equalFold(sub, "HELP") && len(args) == 2:
		writeHelp(c, latencyHelp)
	case equalFold(sub, "LATEST") || equalFold(sub, "HISTORY") || equalFold(sub, "DOCTOR") || equalFold(sub, "HELP"):
		subArityError(c, args[0], sub)
	default:
		c.w.Error(fmt.Sprintf(msgUnknownSub, sub, "LATENCY"))
	}
}

// names lists the events in order; called with mu held.
func (l *latencyMonitor) names() []string {
	names := make([]string, 0, len(l.events))
	for n := range l.events {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// latencyHistogram writes each command's calls and cumulative counts per
// power-of-two microsecond bucket, as Redis 7's LATENCY HISTOGRAM.
func (c *client) latencyHistogram(names [][]byte) {
	var cmds []*command
	if len(names) == 0 {
		for i := range commands {
			cmds = append(cmds, &commands[i])
		}
	} else {
		for _, n := range names {
			if cmd := lookup(n); cmd != nil && !slices.Contains(cmds, cmd) {
				cmds = append(cmds, cmd)
			}
		}
	}
	type entry struct {
		cmd *command
		t   *cmdTotals
	}
	var out []entry
	for _, cmd := range cmds {
		if t := c.srv.cmdStats.totals(cmd.idx); t.calls > 0 {
			out = append(out, entry{cmd, t})
		}
	}
	c.w.MapLen(len(out))
	for _, e := range out {
		c.w.BulkString(e.cmd.lowerName())
		c.w.MapLen(2)
		c.w.BulkString("calls")
		c.w.Int(e.t.calls)
		c.w.BulkString("histogram_usec")
		var buckets [][2]int64 // upper bound in µs, cumulative count
		var cum int64
		next := int64(1)
		for i := range e.t.hist.counts {
			n := e.t.hist.counts[i].Load()
			if n == 0 {
				continue
			}
			usec := (histUpper(i) + 999) / 1000
			for next < usec {
				next *= 2
			}
			cum += n
			if k := len(buckets); k > 0 && buckets[k-1][0] == next {
				buckets[k-1][1] = cum
			} else {
				buckets = append(buckets, [2]int64{next, cum})
			}
		}
		c.w.MapLen(len(buckets))
		for _, b := range buckets {
			c.w.Int(b[0])
			c.w.Int(b[1])
		}
	}
}

// latencyDoctor is LATENCY DOCTOR's report: Redis's words when monitoring
// is off, else a line per event with its latest and worst latency.
func (s *Server) latencyDoctor() string {
	if s.live.latencyThreshold.Load() == 0 {
		return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
	}
	m := &s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.events) == 0 {
		return "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep as sleeping is good for the soul.\n"
	}
	var b strings.Builder
	b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
	for i, n := range m.names() {
		e := m.events[n]
		var sum int64
		for _, smp := range e.samples {
			sum += smp.ms
		}
		fmt.Fprintf(&b, "%d. %s: %d latency spikes (average %dms, mean deviation 0ms, period 0 sec). Worst all time event %dms.\n",
			i+1, n, len(e.samples), sum/int64(len(e.samples)), e.max)
	}
	b.WriteString("\nI have a few advices for you:\n\n- Check SLOWLOG GET for the commands that ran longest, and INFO commandstats for where the time goes.\n")
	return b.String()
}

var memoryHelp = []string{
	"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"DOCTOR",
	"    Return memory problems reports.",
	"STATS",
	"    Return information about the memory usage of the server.",
	"USAGE <key> [SAMPLES <count>]",
	"    Return memory in bytes used by <key> and its value. Nested values are",
	"    sampled up to <count> times (default: 5, 0 means sample all).",
	"HELP",
	"    Prints this help.",
}

// Per-object overheads MEMORY USAGE adds, in bytes: a key's entry in the
// store's table and a collection's header, an element's own header. They
// are estimates of this implementation's layout (a Go map entry, a slice
// header), the way Redis's objectComputeSize estimates its own.
const (
	memKeyOverhead  = 48
	memCollOverhead = 64
	memElemOverhead = 24
)

// cmdMemory implements MEMORY USAGE/STATS/DOCTOR/HELP.
func cmdMemory(c *client, args [][]byte) {
	sub := args[1]
	switch {
	case equalFold(sub, "USAGE") && len(args) >= 3:
		samples := int64(5)
		for i := 3; i < len(args); i++ {
			if equalFold(args[i], "SAMPLES") && i+1 < len(args) {
				n, ok := parseInt(args[i+1])
				if !ok || n < 0 {
					c.w.Error(msgNotInteger)
					return
				}
				samples = n
				i++
				continue
			}
			c.w.Error(msgSyntax)
			return
		}
		var size int64
		if !c.db.View(args[2], c.now(), func(v shard.Value) { size = valueUsage(v, int(samples)) }) {
			c.w.Null()
			return
		}
		c.w.Int(int64(len(args[2])) + memKeyOverhead + size)
	case equalFold(sub, "STATS") && len(args) == 2:
		c.memoryStats()
	case equalFold(sub, "DOCTOR") && len(args) == 2:
		c.w.Verbatim(c.srv.memoryDoctor())
	case equalFold(sub, "HELP") && len(args) == 2:
		writeHelp(c, memoryHelp)
	case equalFold(sub, "USAGE") || equalFold(sub, "STATS") || equalFold(sub, "DOCTOR") || equalFold(sub, "HELP"):
		subArityError(c, args[0], sub)
	default:
		c.w.Error(fmt.Sprintf(msgUnknownSub, sub, "MEMORY"))
	}
}

// valueUsage estimates a value's bytes: a string's length, or for a
// collection its header plus its length times the average size of up to
// samples elements (all with 0), as Redis samples nested values.
func valueUsage(v shard.Value, samples int) int64 {
	var n, seen, bytes int64
	take := func(b ...[]byte) bool {
		for _, x := range b {
			bytes += int64(len(x))
		}
		bytes += memElemOverhead
		seen++
		return samples == 0 || seen < int64(samples)
	}
	switch v.Kind() {
	case shard.KindString:
		return int64(len(v.Bytes()))
	case shard.KindList:
		l := v.List()
		n = int64(l.Len())
		l.Range(0, -1, func(x []byte) bool { return take(x) })
	case shard.KindHash:
		h := v.Hash()
		n = int64(h.Len())
		h.Each(func(f, x []byte) bool { return take(f, x) })
	case shard.KindSet:
		s := v.Set()
		n = int64(s.Len())
		s.Each(func(x []byte) bool { return take(x) })
	case shard.KindZSet:
		z := v.ZSet()
		n = int64(z.Len())
		z.Range(0, -1, false, func(x []byte, _ float64) bool { return take(x, make([]byte, 8)) })
	}
	if seen == 0 {
		return memCollOverhead
	}
	return memCollOverhead + bytes*n/seen
}

// memoryStats writes MEMORY STATS's map with the fields that apply, in
// Redis's names.
func (c *client) memoryStats() {
	s := c.srv
	m := readMemMetrics(len(memMetrics))
	peak := s.notePeak(m.used)
	dataset := s.store.Stats().UsedMemory
	var keys int64
	for n := range s.store.DBs() {
		k, _ := s.store.DB(n).Size()
		keys += int64(k)
	}
	rss := processRSS()
	type field struct {
		name string
		i    int64
		f    float64
		isF  bool
	}
	fields := []field{
		{name: "peak.allocated", i: int64(peak)},
		{name: "total.allocated", i: int64(m.used)},
		{name: "startup.allocated", i: 0},
		{name: "replication.backlog", i: 0},
		{name: "clients.slaves", i: 0},
		{name: "clients.normal", i: 0},
		{name: "aof.buffer", i: 0},
		{name: "keys.count", i: keys},
		{name: "dataset.bytes", i: dataset},
		{name: "dataset.percentage", f: percent(uint64(max(dataset, 0)), m.used), isF: true},
		{name: "peak.percentage", f: percent(m.used, peak), isF: true},
		{name: "fragmentation", f: float64(rss) / float64(max(m.used, 1)), isF: true},
		{name: "fragmentation.bytes", i: int64(rss) - int64(m.used)},
	}
	if keys > 0 {
		fields = append(fields, field{name: "keys.bytes-per-key", i: int64(m.used) / keys})
	}
	c.w.MapLen(len(fields))
	for _, f := range fields {
		c.w.BulkString(f.name)
		if f.isF {
			c.w.Double(f.f)
		} else {
			c.w.Int(f.i)
		}
	}
}

// memoryDoctor is MEMORY DOCTOR's report, in Redis's words where they fit.
func (s *Server) memoryDoctor() string {
	m := readMemMetrics(len(memMetrics))
	if m.used < 5<<20 {
		return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
	}
	var issues []string
	peak := s.notePeak(m.used)
	if peak > 0 && float64(peak)/float64(m.used) > 1.5 {
		issues = append(issues, " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The Go runtime returns freed pages to the system over time; RSS may stay high until it does.")
	}
	if rss := processRSS(); rss > 0 && float64(rss)/float64(m.used) > 1.4 {
		issues = append(issues, " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the process is much larger than the heap in use). The Go garbage collector's headroom (GOGC) accounts for most of it.")
	}
	if len(issues) == 0 {
		return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
	}
	return "Sam, I detected a few issues in this Redis instance memory implants:\n\n" + strings.Join(issues, "\n\n") + "\n\nI'm here to keep you safe, Sam. I want to help you.\n"
}

// memoryKeys finds MEMORY USAGE's key; the other subcommands have none.
func memoryKeys(dst, args [][]byte) [][]byte {
	if len(args) >= 3 && equalFold(args[1], "USAGE") {
		return append(dst, args[2])
	}
	return dst
}
