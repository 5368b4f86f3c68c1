package server

import (
	"bytes"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"time"
)

// memoryLimitHeadroom is the part of the Go runtime's soft memory limit
// above --maxmemory that does not scale with it: the runtime itself
// (goroutine stacks, GC metadata), client buffers and the Lua engine, none
// of which --maxmemory counts. An empty server holds about 10 MiB.
const memoryLimitHeadroom = 64 << 20

// memoryLimit is the soft memory limit (debug.SetMemoryLimit) for a server
// bounded by maxMemory bytes of keys and values: maxMemory plus half of it
// plus memoryLimitHeadroom, or no limit (math.MaxInt64) when maxMemory is
// 0. Go's limit counts the whole heap, garbage not yet collected included,
// and the runtime's overhead, while maxmemory is the store's estimate of
// live keys and values, so the limit must sit well above it: at maxmemory
// the live heap is about maxmemory, and a limit at 1.5× leaves the GC half
// of the live heap for garbage (GOGC=100 alone lets the heap reach 2×).
// The limit thus keeps a full server's footprint near 1.5× maxmemory
// instead of 2×, at the cost of collecting more often; if the estimate
// runs low and the live heap nears the limit, the runtime caps the GC at
// half the CPU rather than thrash.
func memoryLimit(maxMemory int64) int64 {
	if maxMemory <= 0 || maxMemory > (math.MaxInt64-memoryLimitHeadroom)/3*2 {
		return math.MaxInt64
	}
	return maxMemory + maxMemory/2 + memoryLimitHeadroom
}

// applyMemoryLimit sets the runtime's soft memory limit for maxMemory and
// returns a function that puts back the limit there was before. A lower
// limit already set (GOMEMLIMIT) is kept, and with maxMemory 0 nothing
// changes. The limit is process-wide: with several servers in one process
// the lowest wins while they all serve.
//
// base receives the limit there was before, while the server serves, so
// that a live maxmemory change (setMemoryLimit) stays within it.
func applyMemoryLimit(maxMemory int64, base *atomic.Int64) (restore func()) {
	old := debug.SetMemoryLimit(-1)
	base.Store(old)
	if maxMemory > 0 {
		debug.SetMemoryLimit(min(old, memoryLimit(maxMemory)))
	}
	return func() {
		base.Store(0)
		if debug.SetMemoryLimit(-1) != old {
			debug.SetMemoryLimit(old)
		}
	}
}

// memMetrics are the runtime/metrics INFO memory reads. Unlike
// runtime.ReadMemStats they need no stop-the-world, so a monitor polling
// INFO does not pause every client. The first three are the sample
// memoryCron takes.
var memMetrics = [...]string{
	"/memory/classes/heap/objects:bytes",    // live and unswept heap objects: MemStats.HeapAlloc
	"/memory/classes/heap/stacks:bytes",     // goroutine stacks: MemStats.StackInuse
	"/memory/classes/os-stacks:bytes",       // stacks of threads the OS made
	"/memory/classes/total:bytes",           // all memory mapped by the runtime: MemStats.Sys
	"/memory/classes/heap/released:bytes",   // returned to the OS: MemStats.HeapReleased
	"/gc/cycles/total:gc-cycles",            // MemStats.NumGC
	"/cpu/classes/gc/total:cpu-seconds",     // as of the last GC, as are the two below
	"/cpu/classes/gc/mark/idle:cpu-seconds", // GC work on otherwise idle CPUs
	"/cpu/classes/total:cpu-seconds",        // GOMAXPROCS × wall time
}

// memReading is one reading of memMetrics.
type memReading struct {
	used     uint64  // heap objects and stacks: what the program has allocated
	mapped   uint64  // memory the runtime holds from the OS
	gcCycles uint64  // GC cycles completed
	gcCPU    float64 // GC's share of the available CPU since the start
	gcSecs   float64 // CPU seconds the GC took from the program since the start
}

// readMemMetrics reads the first n of memMetrics (n ≤ len(memMetrics)).
func readMemMetrics(n int) memReading {
	var samples [len(memMetrics)]metrics.Sample
	for i, name := range memMetrics[:n] {
		samples[i].Name = name
	}
	metrics.Read(samples[:n])
	u := func(i int) uint64 {
		if i >= n || samples[i].Value.Kind() != metrics.KindUint64 {
			return 0 // not read, or not in this Go release
		}
		return samples[i].Value.Uint64()
	}
	f := func(i int) float64 {
		if i >= n || samples[i].Value.Kind() != metrics.KindFloat64 {
			return 0
		}
		return samples[i].Value.Float64()
	}
	r := memReading{used: u(0) + u(1) + u(2), mapped: u(3) - u(4), gcCycles: u(5)}
	if total := f(8); total > 0 {
		// As MemStats.GCCPUFraction: GC work on idle CPUs took no time
		// from clients.
		r.gcSecs = f(6) - f(7)
		r.gcCPU = r.gcSecs / total
	}
	return r
}

// memPeakInterval is how often memoryCron samples the memory in use, as
// often as Redis's cron updates its peak.
const memPeakInterval = 100 * time.Millisecond

// memoryCron keeps used_memory_peak (INFO alone would see only the peaks
// it happens to run at); Serve runs it every memPeakInterval.
func (s *Server) memoryCron() {
	s.notePeak(readMemMetrics(3).used)
	if s.wall != nil {
		s.wall.rebase()
	}
	s.sampleOps()
}

// notePeak raises used_memory_peak to used if that is higher.
func (s *Server) notePeak(used uint64) uint64 {
	for {
		p := s.memPeak.Load()
		if used <= p {
			return p
		}
		if s.memPeak.CompareAndSwap(p, used) {
			return used
		}
	}
}

// processRSS is the resident set of this process from /proc/self/statm
// (no stop-the-world, unlike ReadMemStats), or 0 where there is no /proc.
func processRSS() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b) // size resident shared text lib data dt, in pages
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// infoMemory reports the fields of Redis 7.0's INFO memory that have a
// meaning here, under Redis's names: used_memory is what the Go program
// has allocated (heap objects and stacks, as Redis counts what it
// allocates), used_memory_dataset the store's estimate of its keys and
// values, the one --maxmemory bounds, and mem_fragmentation_ratio RSS over
// used_memory, as Redis computes it. The gc_ fields are Go's own.
func (s *Server) infoMemory(b []byte) []byte {
	m := readMemMetrics(len(memMetrics))
	rss := processRSS()
	peak := s.notePeak(m.used)
	b = infoInt(b, "used_memory", int64(m.used))
	b = infoLine(b, "used_memory_human", humanBytes(m.used))
	b = infoInt(b, "used_memory_rss", int64(rss))
	b = infoLine(b, "used_memory_rss_human", humanBytes(rss))
	b = infoInt(b, "used_memory_peak", int64(peak))
	b = infoLine(b, "used_memory_peak_human", humanBytes(peak))
	dataset := s.store.Stats().UsedMemory
	b = infoLine(b, "used_memory_peak_perc", strconv.FormatFloat(percent(m.used, peak), 'f', 2, 64)+"%")
	b = infoInt(b, "used_memory_dataset", dataset)
	b = infoLine(b, "used_memory_dataset_perc", strconv.FormatFloat(percent(uint64(max(dataset, 0)), m.used), 'f', 2, 64)+"%")
	sys := totalSystemMemory()
	b = infoInt(b, "total_system_memory", sys)
	b = infoLine(b, "total_system_memory_human", humanBytes(uint64(sys)))
	b = infoLine(b, "mem_allocator", "go-"+runtime.Version())
	b = infoInt(b, "maxmemory", s.maxMemory())
	b = infoLine(b, "maxmemory_human", humanBytes(uint64(s.maxMemory())))
	b = infoLine(b, "maxmemory_policy", s.maxMemoryPolicy().String())
	frag := 0.0
	if m.used > 0 {
		frag = float64(rss) / float64(m.used)
	}
	b = infoLine(b, "mem_fragmentation_ratio", strconv.FormatFloat(frag, 'f', 2, 64))
	b = infoInt(b, "mem_fragmentation_bytes", int64(rss)-int64(m.used))
	b = infoInt(b, "evicted_keys", s.evictedKeys())
	b = infoInt(b, "gc_cycles", int64(m.gcCycles))
	b = infoLine(b, "gc_cpu_fraction", strconv.FormatFloat(m.gcCPU, 'f', 4, 64))
	// The seconds themselves, so a benchmark can take the GC's share of
	// the CPU over a window of its own (scale-compare.sh does).
	b = infoLine(b, "gc_cpu_seconds", strconv.FormatFloat(m.gcSecs, 'f', 6, 64))
	b = infoInt(b, "gc_memory_mapped", int64(m.mapped)) // what the runtime holds the limit against
	limit := debug.SetMemoryLimit(-1)
	if limit == math.MaxInt64 {
		limit = 0 // none, as maxmemory prints it
	}
	return infoInt(b, "gc_memory_limit", limit)
}

// percent is part/whole in percent, 0 when whole is 0.
func percent(part, whole uint64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) * 100 / float64(whole)
}
