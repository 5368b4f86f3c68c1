package server

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// infoParse splits an INFO reply into its section headers in order and the
// field names of each section.
func infoParse(body string) (headers []string, fields map[string][]string) {
	fields = make(map[string][]string)
	cur := ""
	for _, line := range strings.Split(strings.TrimSpace(body), "\r\n") {
		switch {
		case strings.HasPrefix(line, "# "):
			cur = line[2:]
			headers = append(headers, cur)
		case line == "":
		default:
			k, _, _ := strings.Cut(line, ":")
			fields[cur] = append(fields[cur], k)
		}
	}
	return headers, fields
}

// infoSkipped are Redis 7.0 INFO fields miniredis does not print, because
// what they describe does not exist here (jemalloc, fork, replicas, I/O
// threads, defrag, Lua's own heap, client tracking, ...). Every other
// field redis-server prints must be there.
var infoSkipped = regexp.MustCompile(`^(gcc_version|` +
	`client_recent_max_(input|output)_buffer|clients_in_timeout_table|` +
	`used_memory_(overhead|startup|lua.*|vm_.*|scripts.*|functions)|number_of_.*|allocator_.*|rss_overhead_.*|mem_not_counted_for_evict|mem_replication_backlog|mem_total_replication_buffers|mem_clients_.*|mem_cluster_links|mem_aof_buffer|active_defrag_running|lazyfree.*|` +
	`current_cow_.*|current_fork_perc|current_save_keys_.*|rdb_last_cow_size|rdb_last_load_keys_.*|aof_rewrites_consecutive_failures|aof_last_cow_size|module_fork_.*|` +
	`total_net_repl_.*|instantaneous_.*_repl_kbps|sync_.*|expire_cycle_cpu_milliseconds|total_eviction_exceeded_time|current_eviction_exceeded_time|pubsub_.*|pubsubshard_channels|latest_fork_usec|total_forks|migrate_cached_sockets|slave_expires_tracked_keys|active_defrag_.*|total_active_defrag_time|current_active_defrag_time|tracking_total_.*|dump_payload_sanitizations|total_(reads|writes)_processed|io_threaded_.*|reply_buffer_.*|` +
	`used_cpu_(sys|user)_main_thread|` +
	`cmdstat_.*|latency_percentiles_.*|errorstat_.*|db\d+)$`)

// TestDiffInfoSections checks INFO's section selection against
// redis-server (which sections, in which order, for each argument list),
// and that every field Redis prints in a section is printed by miniredis
// too unless infoSkipped names it.
func TestDiffInfoSections(t *testing.T) {
	miniAddr, redisAddr := startDiff(t)
	p := redistest.NewPair(t, miniAddr, redisAddr)
	for _, args := range [][]string{
		{}, {"default"}, {"all"}, {"everything"}, {"server"}, {"SERVER"}, {"server", "clients"},
		{"keyspace", "server"}, {"commandstats"}, {"latencystats"}, {"errorstats"}, {"cpu"},
		{"bogus"}, {"default", "commandstats"}, {"persistence", "replication", "cluster", "modules"},
	} {
		t.Run(strings.Join(args, "+"), func(t *testing.T) {
			want, err := p.Redis.Do(append([]string{"INFO"}, args...)...)
			require.NoError(t, err)
			got, err := p.Mini.Do(append([]string{"INFO"}, args...)...)
			require.NoError(t, err)
			wh, wf := infoParse(want.Str)
			gh, gf := infoParse(got.Str)
			assert.Equal(t, wh, gh, "sections")
			for sec, names := range wf {
				have := make(map[string]bool)
				for _, n := range gf[sec] {
					have[n] = true
				}
				var missing []string
				for _, n := range names {
					if !have[n] && !infoSkipped.MatchString(n) {
						missing = append(missing, n)
					}
				}
				sort.Strings(missing)
				assert.Empty(t, missing, "section %s", sec)
			}
		})
	}
}
