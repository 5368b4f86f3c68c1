package server

import (
	"fmt"
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
