package server

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pythonWithRedis returns a python3 that can import redis-py (Debian's
// python3-redis), or skips the test.
func pythonWithRedis(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import redis").Run() == nil {
			return path
		}
	}
	t.Skip("python3 with redis-py not installed (apt-get install python3-redis); skipping the redis-py end-to-end test")
	return ""
}

// TestPythonRedisLocks runs redis-py's Lock (Lua scripts, with the NOSCRIPT
// fallback), WATCH transactions and pipelines from many threads against
// miniredis, as applications use them: no increment may be lost and every
// ownership rule of the lock must hold.
func TestPythonRedisLocks(t *testing.T) {
	py := pythonWithRedis(t)
	s := startServer(t, redisConfig())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	addr := s.Addr().String()
	out, err := exec.CommandContext(ctx, py, filepath.Join("testdata", "python", "locks.py"), addr[strings.LastIndexByte(addr, ':')+1:]).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "ok 240 locked and 240 watched increments")
}

// pythonWithRQ returns a python3 that can import rq (Debian's python3-rq),
// or skips the test.
func pythonWithRQ(t *testing.T) string {
	t.Helper()
	py := pythonWithRedis(t)
	if exec.Command(py, "-c", "import rq").Run() != nil {
		t.Skip("python3-rq not installed (apt-get install python3-rq); skipping the rq end-to-end test")
	}
	return py
}

// TestPythonRQ runs a real job queue against miniredis: rq enqueues jobs,
// a burst worker (and a forking one) runs them, and every job must finish
// with its result, the failing one in the failed registry, the dependent
// one after its dependency. rq's workers also subscribe to their Pub/Sub
// command channel.
func TestPythonRQ(t *testing.T) {
	// rq 1.13 keeps results in a stream and cleans its registries by
	// score; those commands come from other branches of issue work.
	for _, name := range []string{"ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZREMRANGEBYSCORE", "XADD", "XREVRANGE"} {
		if lookup([]byte(name)) == nil {
			t.Skipf("rq needs %s, which this build lacks; skipping the rq end-to-end test", name)
		}
	}
	py := pythonWithRQ(t)
	s := startServer(t, redisConfig())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	addr := s.Addr().String()
	cmd := exec.CommandContext(ctx, py, "rq_jobs.py", addr[strings.LastIndexByte(addr, ':')+1:])
	cmd.Dir = filepath.Join("testdata", "python")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "ok 221 jobs finished, 1 failed, 1 dependent")
}
