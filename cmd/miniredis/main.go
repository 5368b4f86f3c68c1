// Command miniredis runs the miniredis server: an in-memory key-value store
// that speaks the Redis protocol. It only parses flags and wires packages;
// everything else lives in the server, shard, codec and expire packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"github.com/miniredis/miniredis/codec"
	"github.com/miniredis/miniredis/server"
	"github.com/miniredis/miniredis/shard"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "miniredis:", err)
		os.Exit(1)
	}
}

func run(argv []string) error {
	fs := flag.NewFlagSet("miniredis", flag.ContinueOnError)
	var (
		cfg      server.Config
		compat   string
		netMode  string
		cpuProf  string
		logLevel string
	)
	fs.StringVar(&cfg.Host, "host", "127.0.0.1", "address to bind")
	fs.IntVar(&cfg.Port, "port", 6379, "TCP port")
	fs.IntVar(&cfg.Shards, "shards", shard.DefaultShards, "number of lock stripes (a power of two)")
	fs.IntVar(&cfg.Databases, "databases", shard.DefaultDBs, "number of databases (SELECT 0 to databases-1)")
	fs.DurationVar(&cfg.DefaultTTL, "default-ttl", 60*time.Second, "TTL for SET/UPDATE without one in mini mode; 0 means none")
	fs.StringVar(&compat, "compat", "mini", "mini (Mini-Redis dialect) or redis (behave as Redis)")
	fs.IntVar(&cfg.MaxClients, "maxclients", 10000, "maximum number of connected clients")
	fs.StringVar(&cfg.RequirePass, "requirepass", "", "password clients must AUTH with; empty means none")
	fs.DurationVar(&cfg.Timeout, "timeout", 0, "close clients idle this long; 0 never")
	fs.IntVar(&cfg.Hz, "hz", 10, "active-expiry cycles per second")
	fs.StringVar(&netMode, "net", "eventloop", "network layer: eventloop (epoll event loops) or std (a goroutine per connection)")
	fs.IntVar(&cfg.EventLoops, "event-loops", 0, "event loops for --net eventloop; 0 means half the CPUs, at least 1")
	fs.DurationVar(&cfg.BusyReplyThreshold, "busy-reply-threshold", 5*time.Second, "how long a Lua script runs before other clients get BUSY and SCRIPT KILL may stop it")
	fs.StringVar(&cpuProf, "cpuprofile", "", "write a CPU profile (go tool pprof) to this file until shutdown")
	fs.StringVar(&logLevel, "loglevel", "info", "debug, info, warn or error")
	cfg.ProtoMaxBulkLen = codec.DefaultMaxBulkLen
	fs.Var((*memFlag)(&cfg.ProtoMaxBulkLen), "proto-max-bulk-len", "largest bulk argument accepted (bytes; units as Redis: 512mb, 1gb)")
	cfg.QueryBufferLimit = codec.DefaultMaxQueryLen
	fs.Var((*memFlag)(&cfg.QueryBufferLimit), "client-query-buffer-limit", "most request bytes buffered per client; past it the client is closed")
	outLimit := int64(4 << 20)
	fs.Var((*memFlag)(&outLimit), "client-output-buffer-limit", "most reply bytes waiting per client before the server runs none of its further commands until it reads them")
	fs.DurationVar(&cfg.OutputTimeout, "client-output-timeout", time.Minute, "close a client whose replies have taken no bytes for this long; 0 never")
	fs.Var((*memFlag)(&cfg.MaxMemory), "maxmemory", "bound on the estimated bytes of keys and values (100mb, 2gb...), also setting the Go runtime's soft memory limit at 1.5x plus 64mb; 0 means none")
	policy := "noeviction"
	fs.StringVar(&policy, "maxmemory-policy", policy, "what to do past maxmemory: noeviction, allkeys-lru or volatile-ttl")
	// persistence (issue 13), in redis-server's form: --dir /data --dbfilename dump.rdb --save "3600 1"
	fs.StringVar(&cfg.Dir, "dir", ".", "directory of the RDB file")
	fs.StringVar(&cfg.DBFilename, "dbfilename", "dump.rdb", "RDB file name; loaded at start-up when it exists")
	saveSpec := ""
	fs.StringVar(&saveSpec, "save", "", `automatic RDB save points, "seconds changes ..." as Redis's save; "" means none (default: none in --compat mini, "`+server.DefaultSave+`" in --compat redis)`)
	if err := fs.Parse(argv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if cfg.Mode, err = server.ParseMode(compat); err != nil {
		return err
	}
	if cfg.MaxMemoryPolicy, err = shard.ParsePolicy(policy); err != nil {
		return err
	}
	saveGiven := false
	fs.Visit(func(f *flag.Flag) { saveGiven = saveGiven || f.Name == "save" })
	if !saveGiven && cfg.Mode == server.ModeRedis {
		saveSpec = server.DefaultSave
	}
	if cfg.Save, err = server.ParseSave(saveSpec); err != nil {
		return err
	}
	if outLimit > math.MaxInt32 {
		return fmt.Errorf("client-output-buffer-limit %d too large", outLimit)
	}
	cfg.OutputBufferLimit = int(outLimit)
	if cfg.Net, err = server.ParseNet(netMode); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("bad -loglevel: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	cfg.Logger = log

	if cpuProf != "" {
		f, err := os.Create(cpuProf)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	if err := srv.Listen(); err != nil {
		return err
	}
	if cfg.RequirePass == "" && !isLoopback(cfg.Host) {
		log.Warn("listening on a non-loopback address with no password: anyone who can reach it can read and write every key; set --requirepass")
	}
	log.Info("miniredis ready", "addr", srv.Addr().String(), "shards", cfg.Shards, "compat", compat, "net", cfg.Net.String(),
		"default_ttl", cfg.DefaultTTL.String(), "maxmemory", cfg.MaxMemory, "maxmemory_policy", policy,
		"version", server.Version)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil {
		return err
	}
	// With save points configured Redis saves on SIGTERM; after Shutdown,
	// so the file holds every write a client was answered for.
	if err := srv.FinalSave(); err != nil {
		return fmt.Errorf("saving at exit: %w", err)
	}
	return nil
}

// memFlag is a byte count flag accepting Redis's units (100mb, 2gb).
type memFlag int64

func (m *memFlag) String() string { return strconv.FormatInt(int64(*m), 10) }

func (m *memFlag) Set(s string) error {
	n, err := server.ParseMemory(s)
	if err != nil {
		return err
	}
	*m = memFlag(n)
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
