package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bullmqResult is run.js's one line of JSON.
type bullmqResult struct {
	Error           string         `json:"error"`
	Completed       int            `json:"completed"`
	Sum             int64          `json:"sum"`
	FailedOnce      int            `json:"failedOnce"`
	Parent          int64          `json:"parent"`
	Counts          map[string]int `json:"counts"`
	EventsCompleted int            `json:"eventsCompleted"`
}

// TestBullMQProcessesEveryJob runs the bullmq job queue (Node.js, from
// npm: Lua scripts with cmsgpack, streams for its events, blocking
// sorted-set pops for delayed jobs) against miniredis: every job completes
// once, retried jobs after their first failure, a parent after its children.
func TestBullMQProcessesEveryJob(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a Node.js job queue")
	}
	node := lookPath(t, "node", "apt-get install nodejs")
	dir, err := filepath.Abs("bullmq")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "bullmq")); err != nil {
		t.Skip("bullmq is not installed (npm ci --prefix e2e/bullmq); skipping")
	}
	addr := startMini(t)
	_, port, _ := strings.Cut(addr, ":")
	const jobs = 1000

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "run.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REDIS_PORT="+port, "JOBS="+strconv.Itoa(jobs))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var res bullmqResult
	require.NoError(t, json.Unmarshal(out, &res), "run.js printed %q (exit %v); stderr:\n%s", out, err, stderr.String())
	require.Empty(t, res.Error, "stderr:\n%s", stderr.String())
	require.NoError(t, err)

	assert.Equal(t, jobs+4, res.Completed, "jobs completed (and 3 children and their parent)")
	assert.EqualValues(t, int64(jobs)*int64(jobs-1), res.Sum, "each job's result is twice its number")
	assert.Equal(t, (jobs+96)/97, res.FailedOnce, "every flaky job failed once, then was retried")
	assert.EqualValues(t, 2*(3*1000000+6), res.Parent, "the parent summed its children's results")
	assert.Equal(t, map[string]int{"completed": jobs + 4, "failed": 0, "waiting": 0, "delayed": 0, "active": 0}, res.Counts)
	assert.Equal(t, jobs+4, res.EventsCompleted, "QueueEvents saw every completion on the events stream")
}
