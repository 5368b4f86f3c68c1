package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniredis/miniredis/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRedisExporter starts redis_exporter (Debian's
// prometheus-redis-exporter) against miniredis, runs a workload and checks
// that the metrics a Grafana Redis dashboard plots are there, sane, and
// move with the workload. Skipped when the exporter is not installed.
func TestRedisExporter(t *testing.T) {
	bin, err := exec.LookPath("prometheus-redis-exporter")
	if err != nil {
		if bin, err = exec.LookPath("redis_exporter"); err != nil {
			t.Skip("redis_exporter not installed (apt-get install prometheus-redis-exporter); skipping the scrape test")
		}
	}
	s := startServer(t, redisConfig())
	webAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(redistest.FreePort(t)))
	cmd := exec.Command(bin, "-redis.addr", "redis://"+s.Addr().String(), "-web.listen-address", webAddr)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	scrape := func() map[string]float64 {
		t.Helper()
		var body string
		require.Eventually(t, func() bool {
			resp, err := http.Get("http://" + webAddr + "/metrics")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			body = string(b)
			return err == nil && resp.StatusCode == 200
		}, 10*time.Second, 50*time.Millisecond, "exporter output: %s", out)
		return parseMetrics(body)
	}

	c := redistest.Dial(t, s.Addr().String())
	for i := range 100 {
		_, err := c.Do("SET", "k"+strconv.Itoa(i), "v")
		require.NoError(t, err)
	}
	for i := range 50 {
		_, err := c.Do("GET", "k"+strconv.Itoa(i*3)) // 34 hits, 16 misses
		require.NoError(t, err)
	}
	_, err = c.Do("SET", "gone", "v", "PX", "1")
	require.NoError(t, err)

	m := scrape()
	assert.Equal(t, 1.0, m["redis_up"], "redis_up")
	assert.GreaterOrEqual(t, m["redis_connected_clients"], 2.0, "the workload's client and the exporter's")
	assert.Equal(t, 10000.0, m["redis_config_maxclients"])
	assert.InDelta(t, 100, m[`redis_db_keys{db="db0"}`], 1)
	assert.GreaterOrEqual(t, m[`redis_commands_total{cmd="set"}`], 101.0)
	assert.Equal(t, 50.0, m[`redis_commands_total{cmd="get"}`])
	assert.Greater(t, m[`redis_commands_duration_seconds_total{cmd="set"}`], 0.0)
	assert.Equal(t, 34.0, m["redis_keyspace_hits_total"])
	assert.Equal(t, 16.0, m["redis_keyspace_misses_total"])
	assert.Greater(t, m["redis_memory_used_bytes"], 0.0)
	assert.Greater(t, m["redis_memory_used_rss_bytes"], 0.0)
	assert.Greater(t, m["redis_memory_used_dataset_bytes"], 0.0)
	assert.Greater(t, m["redis_commands_processed_total"], 150.0)
	assert.Greater(t, m["redis_net_input_bytes_total"], 1000.0)
	assert.Greater(t, m["redis_cpu_user_seconds_total"], 0.0)
	assert.Contains(t, m, "redis_expired_keys_total")
	assert.Contains(t, m, "redis_evicted_keys_total")
	assert.Greater(t, m[`redis_latency_percentiles_usec{cmd="set",quantile="99"}`], 0.0)
	assert.Contains(t, m, "redis_uptime_in_seconds")
	assert.Contains(t, m, `redis_latency_percentiles_usec_count{cmd="set"}`)

	for i := range 40 {
		_, err := c.Do("GET", "k"+strconv.Itoa(i))
		require.NoError(t, err)
	}
	m2 := scrape()
	assert.Equal(t, 90.0, m2[`redis_commands_total{cmd="get"}`], "counters move with the workload")
	assert.Equal(t, 74.0, m2["redis_keyspace_hits_total"])
}

var metricLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$`)

// parseMetrics reads Prometheus text: series (name with labels) to value.
// Labels other than the first are dropped, which is enough for the series
// checked here.
func parseMetrics(body string) map[string]float64 {
	m := make(map[string]float64)
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		mm := metricLine.FindStringSubmatch(line)
		if mm == nil {
			continue
		}
		v, err := strconv.ParseFloat(mm[2], 64)
		if err != nil {
			continue
		}
		m[mm[1]] = v
	}
	return m
}
