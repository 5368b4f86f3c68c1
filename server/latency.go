package server

import (
	"sync"
	"time"
)

// latencyHistoryLen is how many samples LATENCY HISTORY keeps per event,
// as Redis's LATENCY_TS_LEN.
const latencyHistoryLen = 160

type latencySample struct{ time, ms int64 }

// latencyEvent is one event's history: at most one sample per second,
// keeping the largest, as Redis's latencyAddSample does.
type latencyEvent struct {
	samples []latencySample // oldest first
	max     int64
}

// latencyMonitor is LATENCY's store of events over
// latency-monitor-threshold; only slow events reach it, so one mutex does.
type latencyMonitor struct {
	mu     sync.Mutex
	events map[string]*latencyEvent
}

func (l *latencyMonitor) add(event string, at, ms int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.events == nil {
		l.events = make(map[string]*latencyEvent)
	}
	e := l.events[event]
	if e == nil {
		e = &latencyEvent{}
		l.events[event] = e
	}
	e.max = max(e.max, ms)
	if n := len(e.samples); n > 0 && e.samples[n-1].time == at {
		e.samples[n-1].ms = max(e.samples[n-1].ms, ms)
		return
	}
	e.samples = append(e.samples, latencySample{at, ms})
	if len(e.samples) > latencyHistoryLen {
		e.samples = append(e.samples[:0], e.samples[1:]...)
	}
}

// opsSamples is how many 100 ms samples instantaneous_ops_per_sec averages,
// as Redis's STATS_METRIC_SAMPLES.
const opsSamples = 16

// opsMeter keeps the instantaneous rates of INFO stats, sampled by
// memoryCron every 100 ms as Redis's trackInstantaneousMetric.
type opsMeter struct {
	mu              sync.Mutex
	last            time.Time
	lastOps, lastIn int64
	lastOut         int64
	ops, in, out    [opsSamples]float64
	next            int
	haveLast        bool
}

func (s *Server) sampleOps() {
	now := time.Now()
	ops := s.cmdStats.sum(func(st *statStripe) *atomicInt { return &st.commands })
	in := s.cmdStats.sum(func(st *statStripe) *atomicInt { return &st.netIn })
	out := s.cmdStats.sum(func(st *statStripe) *atomicInt { return &st.netOut })
	m := &s.ops
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.haveLast {
		dt := now.Sub(m.last).Seconds()
		if dt > 0 {
			m.ops[m.next] = float64(ops-m.lastOps) / dt
			m.in[m.next] = float64(in-m.lastIn) / dt / 1024
			m.out[m.next] = float64(out-m.lastOut) / dt / 1024
			m.next = (m.next + 1) % opsSamples
		}
	}
	m.last, m.lastOps, m.lastIn, m.lastOut, m.haveLast = now, ops, in, out, true
}

// rates returns instantaneous ops per second and input and output KiB per
// second, averaged over the samples.
func (s *Server) rates() (ops, in, out float64) {
	m := &s.ops
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range opsSamples {
		ops += m.ops[i]
		in += m.in[i]
		out += m.out[i]
	}
	return ops / opsSamples, in / opsSamples, out / opsSamples
}
