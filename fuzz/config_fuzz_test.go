package fuzz

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/miniredis/miniredis/config"
	"github.com/miniredis/miniredis/server"
)

// FuzzConfigFile: any file either loads into a Config or is refused with
// an error, never a panic, through the whole directive table (every kind,
// bound and Set function); and every word read from it survives the
// quoting CONFIG REWRITE writes it back with.
func FuzzConfigFile(f *testing.F) {
	f.Add([]byte("port 7000\nmaxmemory 100mb\nsave 900 1 300 10\nrequirepass \"s3 cret\\x41\"\n"))
	f.Add([]byte("client-output-buffer-limit normal 8mb 0 0 pubsub 64mb 16mb 30\nappendonly yes\nappendfsync always\n"))
	f.Add([]byte("notify-keyspace-events KEA\ncluster-enabled yes\ncluster-node-timeout 5000\nbind 127.0.0.1 -::1\n"))
	f.Add([]byte("busy-reply-threshold 2000\nhz 500\nmaxmemory-policy allkeys-lru\n'unterminated\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.Contains(bytes.ToLower(data), []byte("include")) {
			return // includes would read files outside the test
		}
		path := filepath.Join(t.TempDir(), "f.conf")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		dirs, err := config.ReadFile(path)
		if err != nil {
			return
		}
		for _, d := range dirs {
			for _, w := range d.Args {
				back, err := config.SplitArgs(config.Quote(w))
				if err != nil || len(back) != 1 || back[0] != w {
					t.Fatalf("word %q quoted as %q reads back as %q (%v)", w, config.Quote(w), back, err)
				}
			}
		}
		var cfg server.Config
		server.Directives.SetDefaults(&cfg)
		_ = server.Directives.Load(&cfg, dirs)
	})
}
