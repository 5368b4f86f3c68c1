package e2e

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildExporter builds redis_exporter from the module pinned in
// e2e/exporter (its own go.mod and go.sum), or skips the test.
func buildExporter(t *testing.T) string {
	t.Helper()
	goBin := lookPath(t, "go", "a Go toolchain")
	bin := filepath.Join(t.TempDir(), "redis_exporter")
	cmd := exec.Command(goBin, "build", "-o", bin, "github.com/oliver006/redis_exporter")
	cmd.Dir = "exporter"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot build redis_exporter (no module proxy?); skipping: %v\n%s", err, out)
	}
	return bin
}

// scrape fetches the exporter's metrics as name{labels} -> value.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// TestRedisExporterScrapes runs redis_exporter (what Prometheus and the
// Grafana Redis dashboards use) against miniredis: it connects, and the
// gauges and counters a dashboard plots are there and follow a workload.
func TestRedisExporterScrapes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds redis_exporter")
	}
	bin := buildExporter(t)
	addr := startMini(t)
	web := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-redis.addr", "redis://"+addr, "-web.listen-address", web)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	url := "http://" + web + "/metrics"
	require.Eventually(t, func() bool {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	}, 20*time.Second, 50*time.Millisecond)

	before := scrape(t, url)
	require.Equal(t, 1.0, before["redis_up"], "the exporter reached miniredis")

	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	for i := range 200 {
		require.NoError(t, c.Set(ctx, "k"+strconv.Itoa(i), "v", 0).Err())
		require.NoError(t, c.Get(ctx, "k"+strconv.Itoa(i)).Err())
		require.ErrorIs(t, c.Get(ctx, "missing"+strconv.Itoa(i)).Err(), redis.Nil)
	}
	require.NoError(t, c.Set(ctx, "short", "v", time.Millisecond).Err())
	require.Eventually(t, func() bool { return c.Exists(ctx, "short").Val() == 0 }, 5*time.Second, 5*time.Millisecond)

	// The expired key is counted once the active expiry cycle has
	// reclaimed it (reads hide it at once but leave it to the cycle).
	var after map[string]float64
	require.Eventually(t, func() bool {
		after = scrape(t, url)
		return after["redis_expired_keys_total"] > before["redis_expired_keys_total"]
	}, 10*time.Second, 50*time.Millisecond, "expired_keys never moved")
	for _, name := range []string{
		"redis_up", "redis_uptime_in_seconds", "redis_connected_clients", "redis_memory_used_bytes",
		"redis_memory_max_bytes", "redis_commands_processed_total", "redis_connections_received_total",
		"redis_net_input_bytes_total", "redis_net_output_bytes_total", "redis_keyspace_hits_total",
		"redis_keyspace_misses_total", "redis_expired_keys_total", "redis_evicted_keys_total",
		`redis_db_keys{db="db0"}`, `redis_commands_total{cmd="set"}`, `redis_commands_total{cmd="get"}`,
		`redis_commands_duration_seconds_total{cmd="get"}`, "redis_memory_used_rss_bytes",
		"redis_memory_used_dataset_bytes", "redis_cpu_user_seconds_total", "redis_config_maxclients",
		`redis_latency_percentiles_usec{cmd="set",quantile="99"}`, `redis_latency_percentiles_usec_count{cmd="set"}`,
	} {
		_, ok := after[name]
		assert.True(t, ok, "metric %s missing", name)
	}
	assert.GreaterOrEqual(t, after["redis_connected_clients"], 2.0, "the exporter and the test's client")
	assert.Equal(t, 200.0, after[`redis_db_keys{db="db0"}`])
	assert.GreaterOrEqual(t, after["redis_keyspace_hits_total"]-before["redis_keyspace_hits_total"], 200.0)
	assert.GreaterOrEqual(t, after["redis_keyspace_misses_total"]-before["redis_keyspace_misses_total"], 200.0)
	assert.GreaterOrEqual(t, after[`redis_commands_total{cmd="set"}`]-before[`redis_commands_total{cmd="set"}`], 201.0)
	assert.Greater(t, after["redis_commands_processed_total"], before["redis_commands_processed_total"])
	assert.Greater(t, after["redis_memory_used_bytes"], 0.0)
	assert.Equal(t, 10000.0, after["redis_config_maxclients"])
	assert.Greater(t, after[`redis_latency_percentiles_usec{cmd="set",quantile="99"}`], 0.0)
	assert.Greater(t, after["redis_cpu_user_seconds_total"], 0.0)
}
