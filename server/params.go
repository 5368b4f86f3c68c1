package server

import (
	"errors"
	"log/slog"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/miniredis/miniredis/aof"
	"github.com/miniredis/miniredis/config"
	"github.com/miniredis/miniredis/shard"
)

// Directives is every configuration directive miniredis accepts, in a
// redis.conf file, as a --name value flag and in CONFIG GET/SET/REWRITE.
//
// To add one, add a row: its Redis name, Kind and bounds, the Default as
// written in a file, Live when CONFIG SET may change it while serving,
// and Get/Set on its Config field. A Live directive also needs its new
// value pushed to the running server in (*Server).applyLive. A directive
// that miniredis accepts for compatibility but does not act on is an
// inert row (see inert): CONFIG GET reports it and CONFIG SET stores it.
var Directives = config.NewTable[Config]()

// slowlogAll is how Config stores a slowlog-log-slower-than of 0 (log every
// command), since 0 there means the default, as for every Config field.
const slowlogAll = math.MinInt64

// Redis's defaults for the directives with a zero-means-default field.
const (
	defaultSlowlogSlowerThan = 10000 // µs
	defaultSlowlogMaxLen     = 128
)

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func init() {
	for _, p := range []config.Param[Config]{
		{Name: "bind", Aliases: []string{"host"}, Kind: config.Multi, Default: "127.0.0.1",
			Get: func(c *Config) string { return c.Host },
			Set: func(c *Config, v config.Value) error {
				// One address is served: the first, without Redis's
				// "-" (optional) mark.
				if len(v.Args) == 0 || v.Args[0] == "" {
					return reason("Too many bind addresses specified.")
				}
				c.Host = strings.TrimPrefix(v.Args[0], "-")
				if c.Host == "*" {
					c.Host = "0.0.0.0"
				}
				return nil
			}},
		{Name: "port", Kind: config.Int, Min: 0, Max: 65535, Default: "6379",
			Get: func(c *Config) string { return strconv.Itoa(c.Port) },
			Set: func(c *Config, v config.Value) error { c.Port = int(v.Int); return nil }},
		{Name: "shards", Kind: config.Int, Min: 1, Max: 1 << 20, Default: strconv.Itoa(shard.DefaultShards),
			Get: func(c *Config) string { return strconv.Itoa(c.Shards) },
			Set: func(c *Config, v config.Value) error { c.Shards = int(v.Int); return nil }},
		{Name: "databases", Kind: config.Int, Min: 1, Max: math.MaxInt32, Default: strconv.Itoa(shard.DefaultDBs),
			Get: func(c *Config) string { return strconv.Itoa(c.Databases) },
			Set: func(c *Config, v config.Value) error { c.Databases = int(v.Int); return nil }},
		{Name: "default-ttl", Kind: config.Duration, Default: "60s",
			Get: func(c *Config) string { return formatSeconds(c.DefaultTTL) },
			Set: func(c *Config, v config.Value) error { c.DefaultTTL = v.Dur; return nil }},
		{Name: "compat", Kind: config.Enum, Enum: []string{"mini", "redis"}, Default: "mini",
			Get: func(c *Config) string { return c.Mode.String() },
			Set: func(c *Config, v config.Value) (err error) { c.Mode, err = ParseMode(v.Str); return err }},
		{Name: "net", Kind: config.Enum, Enum: []string{"eventloop", "std"}, Default: "eventloop",
			Get: func(c *Config) string { return c.Net.String() },
			Set: func(c *Config, v config.Value) (err error) { c.Net, err = ParseNet(v.Str); return err }},
		{Name: "event-loops", Kind: config.Int, Min: 0, Max: 1024, Default: "0",
			Get: func(c *Config) string { return strconv.Itoa(c.EventLoops) },
			Set: func(c *Config, v config.Value) error { c.EventLoops = int(v.Int); return nil }},
		{Name: "maxclients", Kind: config.Int, Min: 1, Max: math.MaxInt32, Default: "10000", Live: true,
			Get: func(c *Config) string { return strconv.Itoa(c.MaxClients) },
			Set: func(c *Config, v config.Value) error { c.MaxClients = int(v.Int); return nil }},
		{Name: "requirepass", Kind: config.String, Default: `""`, Live: true,
			Get: func(c *Config) string { return c.RequirePass },
			Set: func(c *Config, v config.Value) error { c.RequirePass = v.Str; return nil }},
		{Name: "timeout", Kind: config.Duration, Min: 0, Max: math.MaxInt32, Default: "0", Live: true,
			Get: func(c *Config) string { return formatSeconds(c.Timeout) },
			Set: func(c *Config, v config.Value) error { c.Timeout = v.Dur; return nil }},
		{Name: "hz", Kind: config.Int, Default: "10", Live: true,
			Get: func(c *Config) string { return strconv.Itoa(c.Hz) },
			Set: func(c *Config, v config.Value) error {
				// Clamped, not refused, as Redis does.
				c.Hz = int(min(max(v.Int, 1), 500))
				return nil
			}},
		{Name: "maxmemory", Kind: config.Memory, Default: "0", Live: true,
			Get: func(c *Config) string { return itoa64(c.MaxMemory) },
			Set: func(c *Config, v config.Value) error { c.MaxMemory = v.Int; return nil }},
		{Name: "maxmemory-policy", Kind: config.Enum, Default: "noeviction", Live: true,
			Enum: []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"},
			Get:  func(c *Config) string { return c.MaxMemoryPolicy.String() },
			Set: func(c *Config, v config.Value) error {
				p, err := shard.ParsePolicy(v.Str)
				if err != nil {
					return errors.New("maxmemory-policy " + v.Str + " is not supported by miniredis; use noeviction, allkeys-lru or volatile-ttl")
				}
				c.MaxMemoryPolicy = p
				return nil
			}},
		{Name: "maxmemory-samples", Kind: config.Int, Min: 1, Max: 64, Default: strconv.Itoa(shard.DefaultSamples), Live: true,
			Get: func(c *Config) string { return strconv.Itoa(c.MaxMemorySamples) },
			Set: func(c *Config, v config.Value) error { c.MaxMemorySamples = int(v.Int); return nil }},
		{Name: "proto-max-bulk-len", Kind: config.Memory, Min: 1 << 20, Max: math.MaxInt64, Default: "512mb", Live: true,
			Get: func(c *Config) string { return itoa64(c.ProtoMaxBulkLen) },
			Set: func(c *Config, v config.Value) error {
				if v.Int > math.MaxInt32 {
					// The store keeps string lengths in 32 bits.
					return errors.New("argument must be between 1048576 and 2147483647 inclusive")
				}
				c.ProtoMaxBulkLen = v.Int
				return nil
			}},
		{Name: "client-query-buffer-limit", Kind: config.Memory, Min: 1 << 20, Max: math.MaxInt64, Default: "1gb", Live: true,
			Get: func(c *Config) string { return itoa64(c.QueryBufferLimit) },
			Set: func(c *Config, v config.Value) error { c.QueryBufferLimit = v.Int; return nil }},
		{Name: "client-output-buffer-limit", Kind: config.Multi, Default: "normal 4mb 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60", Live: true,
			Get: func(c *Config) string { return c.outputLimits().String() },
			Set: setOutputLimits},
		{Name: "client-output-timeout", Kind: config.Duration, Default: "60s", Live: true,
			Get: func(c *Config) string { return formatSeconds(c.OutputTimeout) },
			Set: func(c *Config, v config.Value) error { c.OutputTimeout = v.Dur; return nil }},
		{Name: "busy-reply-threshold", Aliases: []string{"lua-time-limit"}, Kind: config.Duration, Unit: time.Millisecond, Min: 0, Max: math.MaxInt64 / int64(time.Millisecond), Default: "5000", Live: true,
			Get: func(c *Config) string { return itoa64(c.BusyReplyThreshold.Milliseconds()) },
			Set: func(c *Config, v config.Value) error {
				c.BusyReplyThreshold = v.Dur
				if v.Dur == 0 {
					c.BusyReplyThreshold = time.Millisecond // 0 is the default in Config; Redis's 0 means "at once"
				}
				return nil
			}},
		{Name: "slowlog-log-slower-than", Kind: config.Int, Min: -1, Max: math.MaxInt64, Default: "10000", Live: true,
			Get: func(c *Config) string { return itoa64(c.slowlogSlowerThan()) },
			Set: func(c *Config, v config.Value) error {
				c.SlowlogLogSlowerThan = v.Int
				if v.Int == 0 {
					c.SlowlogLogSlowerThan = slowlogAll
				}
				return nil
			}},
		{Name: "slowlog-max-len", Kind: config.Int, Min: 0, Max: math.MaxInt32, Default: "128", Live: true,
			Get: func(c *Config) string { return itoa64(c.slowlogMaxLen()) },
			Set: func(c *Config, v config.Value) error {
				c.SlowlogMaxLen = v.Int
				if v.Int == 0 {
					c.SlowlogMaxLen = -1
				}
				return nil
			}},
		{Name: "tracking-table-max-keys", Kind: config.Int, Min: 0, Max: math.MaxInt64, Default: "1000000", Live: true,
			Get: func(c *Config) string { return itoa64(c.trackingMaxKeys()) },
			Set: func(c *Config, v config.Value) error { c.TrackingTableMaxKeys = explicitZero(v.Int); return nil }},
		{Name: "latency-monitor-threshold", Kind: config.Int, Min: 0, Max: math.MaxInt64, Default: "0", Live: true,
			Get: func(c *Config) string { return itoa64(c.LatencyMonitorThreshold) },
			Set: func(c *Config, v config.Value) error { c.LatencyMonitorThreshold = v.Int; return nil }},
		{Name: "loglevel", Kind: config.Enum, Enum: []string{"debug", "verbose", "notice", "warning", "info", "warn", "error"}, Default: "notice", Live: true,
			Get: func(c *Config) string { return c.LogLevel },
			Set: func(c *Config, v config.Value) error { c.LogLevel = v.Str; return nil }},
		{Name: "logfile", Kind: config.String, Default: `""`,
			Get: func(c *Config) string { return c.LogFile },
			Set: func(c *Config, v config.Value) error { c.LogFile = v.Str; return nil }},
		{Name: "pidfile", Kind: config.String, Default: `""`,
			Get: func(c *Config) string { return c.PidFile },
			Set: func(c *Config, v config.Value) error { c.PidFile = v.Str; return nil }},
		{Name: "cpuprofile", Kind: config.String, Default: `""`,
			Get: func(c *Config) string { return c.CPUProfile },
			Set: func(c *Config, v config.Value) error { c.CPUProfile = v.Str; return nil }},
	} {
		Directives.Add(p)
	}
	for _, p := range persistenceDirectives {
		Directives.Add(p)
	}
	for _, p := range clusterDirectives {
		Directives.Add(p)
	}
	for _, p := range encodingDirectives {
		Directives.Add(p)
	}
	for _, p := range inertDirectives {
		Directives.Add(inert(p))
	}
}

// encodingDirectives are the thresholds of Redis's compact encodings, which
// OBJECT ENCODING (and ZSCAN's whole-set reply) follow; see EncodingLimits.
var encodingDirectives = []config.Param[Config]{
	encodingParam("hash-max-listpack-entries", "hash-max-ziplist-entries", func(e *EncodingLimits) *int64 { return &e.HashEntries }),
	encodingParam("hash-max-listpack-value", "hash-max-ziplist-value", func(e *EncodingLimits) *int64 { return &e.HashValue }),
	encodingParam("set-max-intset-entries", "", func(e *EncodingLimits) *int64 { return &e.SetIntset }),
	encodingParam("zset-max-listpack-entries", "zset-max-ziplist-entries", func(e *EncodingLimits) *int64 { return &e.ZSetEntries }),
	encodingParam("zset-max-listpack-value", "zset-max-ziplist-value", func(e *EncodingLimits) *int64 { return &e.ZSetValue }),
}

// encodingParam is the directive of the EncodingLimits field that field
// picks: a live count of 0 or more, under name and an optional alias (the
// ziplist spelling Redis 7 still accepts).
func encodingParam(name, alias string, field func(*EncodingLimits) *int64) config.Param[Config] {
	def := encodingDefaults
	p := config.Param[Config]{Name: name, Kind: config.Int, Min: 0, Max: math.MaxInt64, Default: itoa64(*field(&def)), Live: true,
		Get: func(c *Config) string {
			e := c.Encodings.withDefaults()
			return itoa64(*field(&e))
		},
		Set: func(c *Config, v config.Value) error { *field(&c.Encodings) = explicitZero(v.Int); return nil }}
	if alias != "" {
		p.Aliases = []string{alias}
	}
	return p
}

// inertDirectives are redis.conf directives miniredis accepts so that a
// file or command line written for redis-server starts it unchanged, but
// does not act on: CONFIG GET reports them, CONFIG SET stores them. A
// subsystem that starts honouring one replaces its row here with a real
// one.
var inertDirectives = []config.Param[Config]{
	{Name: "daemonize", Kind: config.Bool, Default: "no"},
	{Name: "supervised", Kind: config.Enum, Enum: []string{"upstart", "systemd", "auto", "no"}, Default: "no"},
	{Name: "protected-mode", Kind: config.Bool, Default: "yes"},
	{Name: "tcp-backlog", Kind: config.Int, Min: 0, Max: math.MaxInt32, Default: "511"},
	{Name: "tcp-keepalive", Kind: config.Int, Min: 0, Max: math.MaxInt32, Default: "300", Live: true},
	{Name: "unixsocket", Kind: config.String, Default: `""`},
	{Name: "unixsocketperm", Kind: config.Int, Min: 0, Max: 0o777, Default: "0"},
	{Name: "always-show-logo", Kind: config.Bool, Default: "no"},
	{Name: "set-proc-title", Kind: config.Bool, Default: "yes"},
	{Name: "syslog-enabled", Kind: config.Bool, Default: "no"},
	{Name: "rdbchecksum", Kind: config.Bool, Default: "yes", Live: true},
	{Name: "stop-writes-on-bgsave-error", Kind: config.Bool, Default: "yes", Live: true},
	{Name: "lazyfree-lazy-server-del", Kind: config.Bool, Default: "no", Live: true},
	{Name: "lazyfree-lazy-user-del", Kind: config.Bool, Default: "no", Live: true},
	{Name: "io-threads", Kind: config.Int, Min: 1, Max: 128, Default: "1"},
	{Name: "replica-read-only", Aliases: []string{"slave-read-only"}, Kind: config.Bool, Default: "yes", Live: true},
	{Name: "activerehashing", Kind: config.Bool, Default: "yes", Live: true},
	{Name: "latency-tracking", Kind: config.Bool, Default: "yes", Live: true},
	{Name: "maxmemory-clients", Kind: config.Memory, Default: "0", Live: true},
	{Name: "list-max-listpack-size", Aliases: []string{"list-max-ziplist-size"}, Kind: config.Int, Min: math.MinInt32, Max: math.MaxInt32, Default: "-2", Live: true},
}

// inert completes an inert row: its value lives in Config.Extra under its
// name, and an absent entry reads as the default.
func inert(p config.Param[Config]) config.Param[Config] {
	name, def := p.Name, p.Default
	if args, err := config.SplitArgs(def); err == nil {
		def = strings.Join(args, " ")
	}
	p.Get = func(c *Config) string {
		if v, ok := c.Extra[name]; ok {
			return v
		}
		return def
	}
	p.Set = func(c *Config, v config.Value) error {
		s := v.Str
		if p.Kind == config.Memory || p.Kind == config.Int {
			s = itoa64(v.Int)
		}
		extra := make(map[string]string, len(c.Extra)+1)
		for k, x := range c.Extra {
			extra[k] = x
		}
		extra[name] = s
		c.Extra = extra // a new map: Config values are copied, and a copy must not see later changes
		return nil
	}
	return p
}

// formatSeconds prints d in whole seconds, as Redis prints its second
// counts, or as a Go duration when it is not a whole number of seconds.
func formatSeconds(d time.Duration) string {
	if d%time.Second == 0 {
		return itoa64(int64(d / time.Second))
	}
	return d.String()
}

func (c *Config) slowlogSlowerThan() int64 {
	switch c.SlowlogLogSlowerThan {
	case 0:
		return defaultSlowlogSlowerThan
	case slowlogAll:
		return 0
	}
	return c.SlowlogLogSlowerThan
}

func (c *Config) slowlogMaxLen() int64 {
	switch {
	case c.SlowlogMaxLen == 0:
		return defaultSlowlogMaxLen
	case c.SlowlogMaxLen < 0:
		return 0
	}
	return c.SlowlogMaxLen
}

// outputLimitClass is one class of client-output-buffer-limit.
type outputLimitClass struct {
	name       string
	hard, soft int64
	seconds    int64
}

type outputLimits [3]outputLimitClass

func (l outputLimits) String() string {
	var b []byte
	for i, c := range l {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, c.name...)
		for _, n := range []int64{c.hard, c.soft, c.seconds} {
			b = append(b, ' ')
			b = strconv.AppendInt(b, n, 10)
		}
	}
	return string(b)
}

// outputLimits returns the classes as CONFIG GET shows them: normal is
// OutputBufferLimit (where a client that does not read is paused; see
// Config), the others as set.
func (c *Config) outputLimits() outputLimits {
	l := c.outputClasses
	if l[0].name == "" {
		l = outputLimits{{"normal", 0, 0, 0}, {"slave", 256 << 20, 64 << 20, 60}, {"pubsub", 32 << 20, 8 << 20, 60}}
	}
	switch l[0].hard = int64(c.OutputBufferLimit); l[0].hard {
	case 0:
		l[0].hard = defaultOutputBufferLimit
	case math.MaxInt32:
		l[0].hard = 0 // set as 0, "no limit"
	}
	return l
}

// setOutputLimits parses client-output-buffer-limit: Redis's groups of
// <class> <hard> <soft> <seconds>, or one byte count (miniredis's older
// form) for the normal class.
func setOutputLimits(c *Config, v config.Value) error {
	if len(v.Args) == 1 {
		n, err := config.ParseMemory(v.Args[0])
		if err != nil || n > math.MaxInt32 {
			return errors.New("argument must be a memory value")
		}
		c.OutputBufferLimit = int(n)
		return nil
	}
	if len(v.Args) == 0 || len(v.Args)%4 != 0 {
		return reason("Wrong number of arguments in buffer limit configuration.")
	}
	l := c.outputLimits()
	for i := 0; i < len(v.Args); i += 4 {
		var k int
		switch strings.ToLower(v.Args[i]) {
		case "normal":
			k = 0
		case "slave", "replica":
			k = 1
		case "pubsub":
			k = 2
		default:
			return reason("Invalid client class specified in buffer limit configuration.")
		}
		hard, err1 := config.ParseMemory(v.Args[i+1])
		soft, err2 := config.ParseMemory(v.Args[i+2])
		secs, err3 := strconv.ParseInt(v.Args[i+3], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || secs < 0 || k == 0 && hard > math.MaxInt32 {
			return reason("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
		}
		l[k].hard, l[k].soft, l[k].seconds = hard, soft, secs
	}
	if l[0].hard == 0 {
		// Redis's 0 is "no limit"; a client that does not read is still
		// paused, at the largest bound an int holds.
		l[0].hard = math.MaxInt32
	}
	c.OutputBufferLimit = int(l[0].hard)
	c.outputClasses = l
	// The pubsub class is what the Pub/Sub outboxes enforce; Redis's 0
	// there means no limit, the fields' negative.
	c.PubSubHardLimit, c.PubSubSoftLimit = noLimit(l[2].hard), noLimit(l[2].soft)
	c.PubSubSoftTime = time.Duration(l[2].seconds) * time.Second
	return nil
}

// ParseLogLevel maps a loglevel directive, in Redis's names (debug,
// verbose, notice, warning) or slog's (info, warn, error), onto slog's
// levels.
func ParseLogLevel(s string) slog.Level {
	switch s {
	case "debug", "verbose":
		return slog.LevelDebug
	case "warning", "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// reason is a reason for refusing a value in Redis's own words, which
// start with a capital and may end in a full stop.
type reason string

func (r reason) Error() string { return string(r) }

// persistenceDirectives configure the append-only file and the files'
// directory (see aof.go and aof_rewrite.go). dir and the files' names take
// effect at start; appendonly and appendfsync change the running server
// (applyLive).
var persistenceDirectives = []config.Param[Config]{
	{Name: "dir", Kind: config.String, Default: "./",
		Get: func(c *Config) string {
			// Redis answers with the absolute directory it changed into.
			if abs, err := filepath.Abs(c.Dir); err == nil {
				return abs
			}
			return c.Dir
		},
		Set: func(c *Config, v config.Value) error {
			if c.running && v.Str != c.Dir {
				return errAtStartOnly
			}
			c.Dir = v.Str
			return nil
		}},
	{Name: "dbfilename", Kind: config.String, Default: "dump.rdb", Live: true,
		Get: func(c *Config) string { return c.DBFilename },
		Set: func(c *Config, v config.Value) error {
			if strings.ContainsAny(v.Str, "/\\") {
				return reason("dbfilename can't be a path, just a filename")
			}
			c.DBFilename = v.Str
			return nil
		}},
	{Name: "rdbcompression", Kind: config.Bool, Default: "yes", Live: true,
		Get: func(c *Config) string { return yesNo(!c.RDBNoCompress) },
		Set: func(c *Config, v config.Value) error { c.RDBNoCompress = !v.Bool; return nil }},
	{Name: "save", Kind: config.Multi, Default: `""`, Live: true,
		Get: func(c *Config) string { return formatSave(c.Save) },
		Set: func(c *Config, v config.Value) error {
			sp, err := ParseSave(strings.Join(v.Args, " "))
			if err != nil {
				return reason("Invalid save parameters")
			}
			c.Save = sp
			return nil
		}},
	{Name: "appendonly", Kind: config.Bool, Default: "no", Live: true,
		Get: func(c *Config) string { return yesNo(c.AppendOnly) },
		Set: func(c *Config, v config.Value) error { c.AppendOnly = v.Bool; return nil }},
	{Name: "appendfsync", Kind: config.Enum, Enum: []string{"always", "everysec", "no"}, Default: "everysec", Live: true,
		Get: func(c *Config) string { return c.AppendFsync.String() },
		Set: func(c *Config, v config.Value) (err error) { c.AppendFsync, err = aof.ParseFsync(v.Str); return err }},
	{Name: "auto-aof-rewrite-percentage", Kind: config.Int, Min: 0, Max: math.MaxInt32, Default: "100", Live: true,
		Get: func(c *Config) string { return strconv.Itoa(c.autoAOFPercentage()) },
		Set: func(c *Config, v config.Value) error {
			c.AutoAOFRewritePercentage = int(explicitZero(v.Int))
			return nil
		}},
	{Name: "auto-aof-rewrite-min-size", Kind: config.Memory, Min: 0, Max: math.MaxInt64, Default: "64mb", Live: true,
		Get: func(c *Config) string { return itoa64(c.autoAOFMinSize()) },
		Set: func(c *Config, v config.Value) error { c.AutoAOFRewriteMinSize = explicitZero(v.Int); return nil }},
	{Name: "lazyfree-lazy-expire", Kind: config.Bool, Default: "no", Live: true,
		Get: func(c *Config) string { return yesNo(c.LazyfreeLazyExpire) },
		Set: func(c *Config, v config.Value) error { c.LazyfreeLazyExpire = v.Bool; return nil }},
	{Name: "lazyfree-lazy-eviction", Kind: config.Bool, Default: "no", Live: true,
		Get: func(c *Config) string { return yesNo(c.LazyfreeLazyEviction) },
		Set: func(c *Config, v config.Value) error { c.LazyfreeLazyEviction = v.Bool; return nil }},
	{Name: "appendfilename", Kind: config.String, Default: "appendonly.aof",
		Get: func(c *Config) string { return c.AppendFilename },
		Set: func(c *Config, v config.Value) error { c.AppendFilename = v.Str; return nil }},
	{Name: "appenddirname", Kind: config.String, Default: "appendonlydir",
		Get: func(c *Config) string { return c.AppendDirName },
		Set: func(c *Config, v config.Value) error { c.AppendDirName = v.Str; return nil }},
	{Name: "aof-load-truncated", Kind: config.Bool, Default: "yes",
		Get: func(c *Config) string { return yesNo(!c.AOFStrictLoad) },
		Set: func(c *Config, v config.Value) error { c.AOFStrictLoad = !v.Bool; return nil }},
	{Name: "notify-keyspace-events", Kind: config.String, Default: `""`, Live: true,
		Get: func(c *Config) string { return c.NotifyKeyspaceEvents },
		Set: func(c *Config, v config.Value) error {
			f, ok := parseNotify(v.Str)
			if !ok {
				return reason(msgNotifyClass)
			}
			c.NotifyKeyspaceEvents = formatNotify(f)
			return nil
		}},
}

// errAtStartOnly refuses CONFIG SET of a setting miniredis applies at start
// only.
var errAtStartOnly = reason("miniredis applies this setting at start only; set it in the configuration file and restart")

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// noLimit turns Redis's 0 ("no limit") into the negative the Pub/Sub
// limits use for it, since their 0 means the default.
func noLimit(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
}

// clusterDirectives are redis-server's cluster-* settings (see cluster.go);
// they take effect at start.
var clusterDirectives = []config.Param[Config]{
	{Name: "cluster-enabled", Kind: config.Bool, Default: "no",
		Get: func(c *Config) string { return yesNo(c.ClusterEnabled) },
		Set: func(c *Config, v config.Value) error { c.ClusterEnabled = v.Bool; return nil }},
	{Name: "cluster-config-file", Kind: config.String, Default: "nodes.conf",
		Get: func(c *Config) string { return c.ClusterConfigFile },
		Set: func(c *Config, v config.Value) error { c.ClusterConfigFile = v.Str; return nil }},
	{Name: "cluster-node-timeout", Kind: config.Int, Min: 1, Max: math.MaxInt64 / int64(time.Millisecond), Default: "15000",
		Get: func(c *Config) string { return itoa64(c.ClusterNodeTimeout.Milliseconds()) },
		Set: func(c *Config, v config.Value) error {
			c.ClusterNodeTimeout = time.Duration(v.Int) * time.Millisecond
			return nil
		}},
	{Name: "cluster-announce-ip", Kind: config.String, Default: `""`,
		Get: func(c *Config) string { return c.ClusterAnnounceIP },
		Set: func(c *Config, v config.Value) error { c.ClusterAnnounceIP = v.Str; return nil }},
	{Name: "cluster-announce-port", Kind: config.Int, Min: 0, Max: 65535, Default: "0",
		Get: func(c *Config) string { return strconv.Itoa(c.ClusterAnnouncePort) },
		Set: func(c *Config, v config.Value) error { c.ClusterAnnouncePort = int(v.Int); return nil }},
	{Name: "cluster-announce-bus-port", Kind: config.Int, Min: 0, Max: 65535, Default: "0",
		Get: func(c *Config) string { return strconv.Itoa(c.ClusterAnnounceBusPort) },
		Set: func(c *Config, v config.Value) error { c.ClusterAnnounceBusPort = int(v.Int); return nil }},
	{Name: "cluster-port", Kind: config.Int, Min: 0, Max: 65535, Default: "0",
		Get: func(c *Config) string { return strconv.Itoa(c.ClusterPort) },
		Set: func(c *Config, v config.Value) error { c.ClusterPort = int(v.Int); return nil }},
	{Name: "cluster-require-full-coverage", Kind: config.Bool, Default: "yes",
		Get: func(c *Config) string { return yesNo(!c.ClusterAllowPartialCoverage) },
		Set: func(c *Config, v config.Value) error { c.ClusterAllowPartialCoverage = !v.Bool; return nil }},
}
