package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildBinary builds the server once per test.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "miniredis")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// startBinary starts the built server with args on a free port and waits
// until it answers.
func startBinary(t *testing.T, bin string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(bin, append([]string{"--port", strconv.Itoa(port), "--compat", "redis", "--loglevel", "warn"}, args...)...)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 10*time.Millisecond)
	return cmd, addr
}

// TestAppendFsyncAlwaysLosesNoAcknowledgedWrite kills the server with
// SIGKILL while clients write and BGREWRITEAOF runs, at a random moment,
// three times over: after each restart from the append-only files every
// write that was acknowledged is there.
func TestAppendFsyncAlwaysLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	args := []string{"--dir", dir, "--appendonly", "yes", "--appendfsync", "always"}
	ctx := context.Background()
	acked := map[string]string{} // key -> value, every acknowledged SET so far
	var incrs int64              // acknowledged INCRs of "counter"

	for round := range 3 {
		cmd, addr := startBinary(t, bin, args...)
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
		// What the previous rounds were told is there.
		for k, v := range acked {
			got, err := c.Get(ctx, k).Result()
			require.NoError(t, err, "round %d: acknowledged key %s lost", round, k)
			require.Equal(t, v, got, "round %d: key %s", round, k)
		}
		n, err := c.Get(ctx, "counter").Int64()
		if incrs > 0 {
			require.NoError(t, err)
		}
		require.GreaterOrEqual(t, n, incrs, "round %d: acknowledged INCRs lost", round)
		incrs = n

		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wc := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
				defer wc.Close()
				for i := range 5000 {
					k, v := fmt.Sprintf("r%d:w%d:%d", round, w, i), strconv.Itoa(i)
					if wc.Set(ctx, k, v, 0).Err() != nil {
						return // the server is gone
					}
					mu.Lock()
					acked[k] = v
					mu.Unlock()
					if wc.Incr(ctx, "counter").Err() != nil {
						return
					}
					mu.Lock()
					incrs++
					mu.Unlock()
				}
			}()
		}
		// Rewrites run back to back meanwhile, so the kill lands during
		// one, or between its steps (new incremental file, base written,
		// manifest swapped, history deleted), as often as not.
		var rewrites int
		wg.Add(1)
		go func() {
			defer wg.Done()
			rc := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
			defer rc.Close()
			for i := 0; i < 1000; i++ {
				err := rc.Do(ctx, "BGREWRITEAOF").Err()
				if err != nil && !strings.Contains(err.Error(), "already in progress") {
					return // the server is gone
				}
				if err == nil {
					rewrites++
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
		time.Sleep(time.Duration(100+rand.IntN(400)) * time.Millisecond) // a random moment
		require.NoError(t, cmd.Process.Kill())
		_ = cmd.Wait()
		wg.Wait()
		c.Close()
		t.Logf("round %d: %d keys and %d INCRs acknowledged so far, %d rewrites started", round, len(acked), incrs, rewrites)
	}
	_, addr := startBinary(t, bin, args...)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	for k, v := range acked {
		got, err := c.Get(ctx, k).Result()
		require.NoError(t, err, "acknowledged key %s lost", k)
		assert.Equal(t, v, got)
	}
	n, err := c.Get(ctx, "counter").Int64()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, incrs)
}
