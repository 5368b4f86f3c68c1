package server

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/miniredis/miniredis/pubsub"
)

// infoSection is one section of INFO: its name as INFO takes it, whether
// INFO with no argument (or "default") prints it, and its writer.
type infoSection struct {
	name      string
	isDefault bool
	fn        func(s *Server, b []byte) []byte
}

// infoSections lists INFO's sections in Redis 7.0's order. A subsystem
// that reports its own fields replaces its section's writer here (the
// persistence section is a placeholder with Redis's field names and the
// values of a server that never saves).
var infoSections = []infoSection{
	{"server", true, (*Server).infoServer},
	{"clients", true, (*Server).infoClients},
	{"memory", true, (*Server).infoMemory},
	{"persistence", true, (*Server).infoPersistence},
	{"stats", true, (*Server).infoStats},
	{"replication", true, (*Server).infoReplication},
	{"cpu", true, (*Server).infoCPU},
	{"modules", true, func(_ *Server, b []byte) []byte { return b }},
	{"commandstats", false, (*Server).infoCommandStats},
	{"errorstats", true, (*Server).infoErrorStats},
	{"latencystats", false, (*Server).infoLatencyStats},
	{"cluster", true, (*Server).infoCluster},
	{"keyspace", true, (*Server).infoKeyspace},
}

// cmdInfo implements INFO [section ...]: no argument or "default" gives
// the default sections, "all" and "everything" every one, and several
// names their union, in Redis's order.
func cmdInfo(c *client, args [][]byte) {
	c.w.Verbatim(string(c.srv.info(args[1:])))
}

func (s *Server) info(args [][]byte) []byte {
	var b []byte
	for _, sec := range infoSections {
		want := len(args) == 0 && sec.isDefault
		for _, a := range args {
			if equalFold(a, strings.ToUpper(sec.name)) || equalFold(a, "ALL") || equalFold(a, "EVERYTHING") ||
				equalFold(a, "DEFAULT") && sec.isDefault {
				want = true
			}
		}
		if !want {
			continue
		}
		if len(b) > 0 {
			b = append(b, "\r\n"...)
		}
		b = append(b, "# "...)
		if sec.name == "cpu" {
			b = append(b, "CPU"...)
		} else {
			b = append(b, strings.ToUpper(sec.name[:1])+sec.name[1:]...)
		}
		b = append(b, "\r\n"...)
		b = sec.fn(s, b)
	}
	return b
}

func infoLine(b []byte, k, v string) []byte {
	b = append(b, k...)
	b = append(b, ':')
	b = append(b, v...)
	return append(b, "\r\n"...)
}

func infoInt(b []byte, k string, v int64) []byte {
	b = append(b, k...)
	b = append(b, ':')
	b = strconv.AppendInt(b, v, 10)
	return append(b, "\r\n"...)
}

func infoFloat(b []byte, k string, v float64, prec int) []byte {
	return infoLine(b, k, strconv.FormatFloat(v, 'f', prec, 64))
}

// runID is this process's run_id: 40 random hex digits, as Redis's.
var runID = func() string {
	var r [20]byte
	_, _ = rand.Read(r[:])
	return hex.EncodeToString(r[:])
}()

// osName is INFO's os field: the kernel's name, release and machine, as
// Redis prints uname.
var osName = func() string {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return runtime.GOOS + " " + runtime.GOARCH
	}
	str := func(f [65]int8) string {
		var b []byte
		for _, c := range f {
			if c == 0 {
				break
			}
			b = append(b, byte(c))
		}
		return string(b)
	}
	return str(u.Sysname) + " " + str(u.Release) + " " + str(u.Machine)
}()

func (s *Server) infoServer(b []byte) []byte {
	up := time.Since(s.started)
	exe, _ := os.Executable()
	now := s.nowFn()
	s.confMu.Lock()
	hz, file := s.conf.Hz, s.conf.ConfigFile
	s.confMu.Unlock()
	b = infoLine(b, "redis_version", redisVersion)
	b = infoLine(b, "redis_git_sha1", "00000000")
	b = infoInt(b, "redis_git_dirty", 0)
	b = infoLine(b, "redis_build_id", runID[:16])
	b = infoLine(b, "redis_mode", s.redisMode())
	b = infoLine(b, "os", osName)
	b = infoInt(b, "arch_bits", strconv.IntSize)
	b = infoLine(b, "monotonic_clock", "Go runtime nanotime")
	b = infoLine(b, "multiplexing_api", map[NetMode]string{NetStd: "go netpoll", NetEventLoop: "epoll (gnet)"}[s.cfg.Net])
	b = infoLine(b, "atomicvar_api", "sync/atomic")
	b = infoLine(b, "go_version", runtime.Version())
	b = infoInt(b, "process_id", int64(os.Getpid()))
	b = infoLine(b, "process_supervised", "no")
	b = infoLine(b, "run_id", runID)
	b = infoInt(b, "tcp_port", int64(s.port()))
	b = infoInt(b, "server_time_usec", now.UnixMicro())
	b = infoInt(b, "uptime_in_seconds", int64(up/time.Second))
	b = infoInt(b, "uptime_in_days", int64(up/(24*time.Hour)))
	b = infoInt(b, "hz", int64(hz))
	b = infoInt(b, "configured_hz", int64(hz))
	b = infoInt(b, "lru_clock", now.Unix()&(1<<24-1))
	b = infoLine(b, "executable", exe)
	b = infoLine(b, "config_file", file)
	b = infoInt(b, "io_threads_active", 0)
	b = infoLine(b, "miniredis_version", Version)
	b = infoLine(b, "compat", s.cfg.Mode.String())
	return infoInt(b, "shards", int64(s.store.Shards()))
}

func (s *Server) port() int {
	if a, ok := s.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return s.cfg.Port
}

func (s *Server) infoClients(b []byte) []byte {
	s.mu.Lock()
	n := len(s.clients)
	s.mu.Unlock()
	b = infoInt(b, "connected_clients", int64(n))
	b = infoInt(b, "cluster_connections", 0)
	b = infoInt(b, "maxclients", int64(s.maxClients()))
	b = infoInt(b, "blocked_clients", s.blocks.clients.Load())
	return infoInt(b, "tracking_clients", s.track.nclients.Load())
}

func (s *Server) infoStats(b []byte) []byte {
	st := s.store.Stats()
	cs := s.cycle.Stats()
	sum := s.cmdStats.sum
	ops, in, out := s.rates()
	b = infoInt(b, "total_connections_received", s.stats.connections.Load())
	b = infoInt(b, "total_commands_processed", sum(func(st *statStripe) *atomicInt { return &st.commands }))
	b = infoInt(b, "instantaneous_ops_per_sec", int64(ops+0.5))
	b = infoInt(b, "total_net_input_bytes", sum(func(st *statStripe) *atomicInt { return &st.netIn }))
	b = infoInt(b, "total_net_output_bytes", sum(func(st *statStripe) *atomicInt { return &st.netOut }))
	b = infoFloat(b, "instantaneous_input_kbps", in, 2)
	b = infoFloat(b, "instantaneous_output_kbps", out, 2)
	b = infoInt(b, "rejected_connections", s.stats.rejected.Load())
	b = infoInt(b, "expired_keys", int64(st.ExpiredKeys-s.stats.expiredBase.Load()))
	b = infoFloat(b, "expired_stale_perc", cs.StalePerc, 2)
	b = infoInt(b, "expired_time_cap_reached_count", int64(cs.TimeCapReached))
	b = infoInt(b, "expire_cycles", int64(cs.Cycles))
	b = infoInt(b, "evicted_keys", int64(st.EvictedKeys-s.stats.evictedBase.Load()))
	b = infoInt(b, "evicted_clients", 0)
	b = infoInt(b, "keyspace_hits", sum(func(st *statStripe) *atomicInt { return &st.hits }))
	b = infoInt(b, "keyspace_misses", sum(func(st *statStripe) *atomicInt { return &st.misses }))
	b = infoInt(b, "pubsub_channels", int64(s.hub.Len(pubsub.Channel)))
	b = infoInt(b, "pubsub_patterns", int64(s.hub.NumPat()))
	b = infoInt(b, "pubsubshard_channels", int64(s.hub.Len(pubsub.Shard)))
	b = infoInt(b, "tracking_total_keys", s.track.keys.Load())
	b = infoInt(b, "tracking_total_items", s.track.items.Load())
	b = infoInt(b, "tracking_total_prefixes", s.track.prefixCount())
	b = infoInt(b, "unexpected_error_replies", 0)
	b = infoInt(b, "total_error_replies", sum(func(st *statStripe) *atomicInt { return &st.errRepl }))
	b = infoInt(b, "oom_rejected_commands", s.stats.oom.Load())
	b = infoInt(b, "client_output_timeouts", s.stats.slowWriters.Load())
	b = infoInt(b, "client_output_buffer_limit_disconnections", s.stats.outputLimit.Load())
	return infoInt(b, "command_panics", s.stats.panics.Load())
}

func (s *Server) infoReplication(b []byte) []byte {
	b = infoLine(b, "role", "master")
	b = infoInt(b, "connected_slaves", 0)
	b = infoLine(b, "master_failover_state", "no-failover")
	b = infoLine(b, "master_replid", runID)
	b = infoLine(b, "master_replid2", strings.Repeat("0", 40))
	b = infoInt(b, "master_repl_offset", 0)
	b = infoInt(b, "second_repl_offset", -1)
	b = infoInt(b, "repl_backlog_active", 0)
	b = infoInt(b, "repl_backlog_size", 1<<20)
	b = infoInt(b, "repl_backlog_first_byte_offset", 0)
	return infoInt(b, "repl_backlog_histlen", 0)
}

func rusageSeconds(tv syscall.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}

func (s *Server) infoCPU(b []byte) []byte {
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	b = infoFloat(b, "used_cpu_sys", rusageSeconds(self.Stime), 6)
	b = infoFloat(b, "used_cpu_user", rusageSeconds(self.Utime), 6)
	b = infoFloat(b, "used_cpu_sys_children", rusageSeconds(children.Stime), 6)
	return infoFloat(b, "used_cpu_user_children", rusageSeconds(children.Utime), 6)
}

// infoCommandStats prints a cmdstat_ line per command that has run or
// been refused since the start or the last CONFIG RESETSTAT.
func (s *Server) infoCommandStats(b []byte) []byte {
	for i := range commands {
		t := s.cmdStats.totals(i)
		if t.calls == 0 && t.rejected == 0 && t.failed == 0 {
			continue
		}
		usec := t.nanos / 1000
		per := 0.0
		if t.calls > 0 {
			per = float64(t.nanos) / 1000 / float64(t.calls)
		}
		b = append(b, "cmdstat_"...)
		b = append(b, commands[i].lowerName()...)
		b = append(b, ":calls="...)
		b = strconv.AppendInt(b, t.calls, 10)
		b = append(b, ",usec="...)
		b = strconv.AppendInt(b, usec, 10)
		b = append(b, ",usec_per_call="...)
		b = strconv.AppendFloat(b, per, 'f', 2, 64)
		b = append(b, ",rejected_calls="...)
		b = strconv.AppendInt(b, t.rejected, 10)
		b = append(b, ",failed_calls="...)
		b = strconv.AppendInt(b, t.failed, 10)
		b = append(b, "\r\n"...)
	}
	return b
}

func (s *Server) infoErrorStats(b []byte) []byte {
	s.cmdStats.errMu.Lock()
	names := make([]string, 0, len(s.cmdStats.errs))
	for k := range s.cmdStats.errs {
		names = append(names, k)
	}
	slices.Sort(names)
	counts := make([]int64, len(names))
	for i, k := range names {
		counts[i] = s.cmdStats.errs[k]
	}
	s.cmdStats.errMu.Unlock()
	for i, k := range names {
		b = append(b, "errorstat_"...)
		b = append(b, k...)
		b = append(b, ":count="...)
		b = strconv.AppendInt(b, counts[i], 10)
		b = append(b, "\r\n"...)
	}
	return b
}

// infoLatencyStats prints each command's p50, p99 and p99.9 in
// microseconds from its histogram.
func (s *Server) infoLatencyStats(b []byte) []byte {
	for i := range commands {
		t := s.cmdStats.totals(i)
		if t.calls == 0 {
			continue
		}
		b = append(b, "latency_percentiles_usec_"...)
		b = append(b, commands[i].lowerName()...)
		for j, p := range []struct {
			name string
			p    float64
		}{{"p50", 50}, {"p99", 99}, {"p99.9", 99.9}} {
			if j == 0 {
				b = append(b, ':')
			} else {
				b = append(b, ',')
			}
			b = append(b, p.name...)
			b = append(b, '=')
			b = strconv.AppendFloat(b, float64(t.hist.percentile(p.p))/1000, 'f', 3, 64)
		}
		b = append(b, "\r\n"...)
	}
	return b
}

// totalSystemMemory is MemTotal from /proc/meminfo, 0 where there is none.
func totalSystemMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n * 1024
		}
	}
	return 0
}
