// Command miniredis runs the miniredis server: an in-memory key-value store
// that speaks the Redis protocol. It only reads its configuration and wires
// packages; everything else lives in the server, shard, codec and expire
// packages.
//
// Usage, as redis-server's:
//
//	miniredis [/path/to/miniredis.conf] [--directive value ...]
//
// The file is in redis.conf syntax; every directive (server.Directives) is
// also a flag, "--name value" with several words for a directive that
// takes several ("--save 900 1"), or "--name=value"; flags override the file.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/miniredis/miniredis/config"
	"github.com/miniredis/miniredis/server"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "miniredis:", err)
		os.Exit(1)
	}
}

// load reads the configuration from argv: defaults, then the file, then
// the flags.
func load(argv []string) (cfg server.Config, help bool, err error) {
	for _, a := range argv {
		if a == "-h" || a == "-help" || a == "--help" {
			return cfg, true, nil
		}
	}
	file, flags, err := config.ParseArgs(argv)
	if err != nil {
		return cfg, false, err
	}
	server.Directives.SetDefaults(&cfg)
	var dirs []config.Directive
	if file != "" {
		if dirs, err = config.ReadFile(file); err != nil {
			return cfg, false, fatalConfig(err)
		}
		if cfg.ConfigFile, err = filepath.Abs(file); err != nil {
			return cfg, false, err
		}
	}
	all := append(dirs, flags...)
	if err := server.Directives.Load(&cfg, all); err != nil {
		return cfg, false, fatalConfig(err)
	}
	if cfg.Mode == server.ModeRedis && !slices.ContainsFunc(all, func(d config.Directive) bool { return d.Args[0] == "save" }) {
		// Redis saves by default; Mini-Redis, whose keys expire in a
		// minute, does not.
		cfg.Save, _ = server.ParseSave(server.DefaultSave)
	}
	return cfg, false, nil
}

// fatalConfig words a refused directive as redis-server does.
func fatalConfig(err error) error {
	var fe *config.FileError
	if errors.As(err, &fe) {
		return fmt.Errorf("\n*** FATAL CONFIG FILE ERROR (miniredis %s) ***\n%w", server.Version, err)
	}
	return err
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: miniredis [/path/to/miniredis.conf] [--directive value ...]")
	fmt.Fprintln(w, "Directives (redis.conf names; flags override the file):")
	for _, p := range server.Directives.Params() {
		fmt.Fprintf(w, "  --%s (default %s)\n", p.Name, p.Default)
	}
}

func run(argv []string) error {
	cfg, help, err := load(argv)
	if err != nil {
		return err
	}
	if help {
		usage(os.Stdout)
		return nil
	}

	logOut := io.Writer(os.Stderr)
	if cfg.LogFile != "" {
		f, err := os.OpenFile(cfg.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("can't open the log file: %w", err)
		}
		defer f.Close()
		logOut = f
	}
	cfg.LogLevelVar = new(slog.LevelVar)
	cfg.LogLevelVar.Set(server.ParseLogLevel(cfg.LogLevel))
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: cfg.LogLevelVar}))
	cfg.Logger = log

	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	// Signals are caught from before the port opens, so a SIGTERM sent
	// as soon as the server answers stops it cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	// The pid file is there before clients can connect, so whoever
	// waits for the port can read it.
	if cfg.PidFile != "" {
		if err := os.WriteFile(cfg.PidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			log.Warn("failed to write the pid file", "path", cfg.PidFile, "err", err)
		} else {
			defer os.Remove(cfg.PidFile)
		}
	}
	if err := srv.Listen(); err != nil {
		return err
	}
	if cfg.RequirePass == "" && !isLoopback(cfg.Host) {
		log.Warn("listening on a non-loopback address with no password: anyone who can reach it can read and write every key; set --requirepass")
	}
	log.Info("miniredis ready", "addr", srv.Addr().String(), "shards", cfg.Shards, "compat", cfg.Mode.String(), "net", cfg.Net.String(),
		"default_ttl", cfg.DefaultTTL.String(), "maxmemory", cfg.MaxMemory, "maxmemory_policy", cfg.MaxMemoryPolicy.String(),
		"config_file", cfg.ConfigFile, "version", server.Version)

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

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
