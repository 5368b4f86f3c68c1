package server

import (
	"bytes"
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRedisBenchmarkDefaultSuite runs redis-benchmark's default suite (no
// -t: PING, SET, GET, INCR, LPUSH, RPUSH, LPOP, RPOP, SADD, HSET, SPOP, ZADD,
// ZPOPMIN, LRANGE_100..600, MSET) against miniredis in redis mode and fails
// on any error it prints. It is a compatibility check, not a measurement:
// 2000 requests per test over 4 connections.
func TestRedisBenchmarkDefaultSuite(t *testing.T) {
	bin, err := exec.LookPath("redis-benchmark")
	if err != nil {
		t.Skip("redis-benchmark not installed (apt-get install redis-tools); skipping the default-suite check")
	}
	for _, name := range []string{"INCR", "MSET"} {
		if lookup([]byte(name)) == nil {
			t.Skipf("%s is not implemented on this branch; the default suite needs it", name)
		}
	}
	s := startServer(t, redisConfig())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, portStr, _ := strings.Cut(s.Addr().String(), ":")
	if _, err := strconv.Atoi(portStr); err != nil {
		t.Fatalf("server address %q has no port", s.Addr())
	}
	cmd := exec.CommandContext(ctx, bin, "-h", "127.0.0.1", "-p", portStr, "-q", "-n", "2000", "-c", "4")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("redis-benchmark: %v\n%s", err, out.String())
	}
	lines := 0
	for _, line := range strings.Split(out.String(), "\r") {
		for _, l := range strings.Split(line, "\n") {
			l = strings.TrimSpace(l)
			if l == "" {
				continue
			}
			lines++
			low := strings.ToLower(l)
			if strings.Contains(low, "err") || strings.Contains(low, "wrongtype") || strings.Contains(low, "unknown") {
				t.Errorf("redis-benchmark reported: %s", l)
			}
		}
	}
	if lines == 0 {
		t.Errorf("redis-benchmark printed nothing")
	}
	t.Logf("redis-benchmark output:\n%s", out.String())
}
