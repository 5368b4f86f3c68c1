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
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

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
	fs.DurationVar(&cfg.DefaultTTL, "default-ttl", 60*time.Second, "TTL for SET/UPDATE without one in mini mode; 0 means none")
	fs.StringVar(&compat, "compat", "mini", "mini (Mini-Redis dialect) or redis (behave as Redis)")
	fs.IntVar(&cfg.MaxClients, "maxclients", 10000, "maximum number of connected clients")
	fs.StringVar(&cfg.RequirePass, "requirepass", "", "password clients must AUTH with; empty means none")
	fs.DurationVar(&cfg.Timeout, "timeout", 0, "close clients idle this long; 0 never")
	fs.IntVar(&cfg.Hz, "hz", 10, "active-expiry cycles per second")
	fs.StringVar(&netMode, "net", "eventloop", "network layer: eventloop (epoll event loops) or std (a goroutine per connection)")
	fs.IntVar(&cfg.EventLoops, "event-loops", 0, "event loops for --net eventloop; 0 means half the CPUs, at least 1")
	fs.StringVar(&cpuProf, "cpuprofile", "", "write a CPU profile (go tool pprof) to this file until shutdown")
	fs.StringVar(&logLevel, "loglevel", "info", "debug, info, warn or error")
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
		"default_ttl", cfg.DefaultTTL.String(), "version", server.Version)

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
	return <-errc
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
