package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/miniredis/miniredis/aof"
	"github.com/miniredis/miniredis/cluster"
	"github.com/miniredis/miniredis/expire"
	"github.com/miniredis/miniredis/pubsub"
	"github.com/miniredis/miniredis/scripting"
	"github.com/miniredis/miniredis/shard"
)

// Mode selects between the Mini-Redis dialect and plain Redis behaviour
// (SPEC §3, --compat).
type Mode uint8

const (
	// ModeMini gives every SET/UPDATE a default TTL, types values from
	// "a,b,c" and "k:v,k:v", renders lists and hashes on GET and answers inline
	// requests in plain text.
	ModeMini Mode = iota
	// ModeRedis behaves as Redis does: no default TTL, no type inference,
	// RESP replies to inline requests, WRONGTYPE on GET of a list or hash.
	ModeRedis
)

// ParseMode parses the --compat flag value.
func ParseMode(s string) (Mode, error) {
	switch s {
	case "mini":
		return ModeMini, nil
	case "redis":
		return ModeRedis, nil
	}
	return 0, fmt.Errorf("server: unknown compat mode %q (want mini or redis)", s)
}

func (m Mode) String() string {
	if m == ModeRedis {
		return "redis"
	}
	return "mini"
}

// Config is the server's configuration; the zero value of each field means
// its documented default.
type Config struct {
	Host        string        // address to bind; default 127.0.0.1
	Port        int           // TCP port; default 6379 (0 picks a free port)
	Shards      int           // lock stripes, a power of two; default shard.DefaultShards
	Databases   int           // numbered databases (SELECT); default 16, as Redis
	DefaultTTL  time.Duration // TTL for SET/UPDATE without one in mini mode; 0 means none
	Mode        Mode          // --compat
	MaxClients  int           // default 10000
	RequirePass string        // when set, commands need AUTH first
	Timeout     time.Duration // close clients idle this long; 0 never
	Hz          int           // active-expiry cycles per second; default 10
	Logger      *slog.Logger  // default slog.Default()
	Net         NetMode       // network layer; default NetStd
	EventLoops  int           // event loops in NetEventLoop mode; default GOMAXPROCS/2, at least 1

	// ProtoMaxBulkLen is the largest bulk argument accepted (Redis's
	// proto-max-bulk-len); default 512 MiB.
	ProtoMaxBulkLen int64
	// QueryBufferLimit bounds the bytes buffered for one client's requests
	// (client-query-buffer-limit); default 1 GiB, as Redis, so that the
	// largest bulk still fits. A client past it is closed without a reply.
	QueryBufferLimit int64
	// OutputBufferLimit bounds the replies one client may have waiting: past
	// it the server runs none of the client's further commands until the
	// client has read them (they wait in its query buffer), which bounds the
	// memory a client that does not read can hold. One reply larger than it
	// is still sent whole: a client that reads gets any reply. Default 4 MiB.
	OutputBufferLimit int
	// OutputTimeout closes a client whose pending replies have made no
	// progress in this long (a reader that stopped reading); 0 never.
	OutputTimeout time.Duration
	// MaxMemory bounds the estimated bytes of keys and values; 0 means no
	// bound. Past it, MaxMemoryPolicy evicts keys before each command that
	// may grow memory, or (noeviction, or nothing left to evict) the command
	// is refused with -OOM. While the server serves, it also sets the Go
	// runtime's soft memory limit with headroom above it (see memoryLimit).
	MaxMemory int64
	// MaxMemoryPolicy picks the keys evicted past MaxMemory; the zero value
	// is shard.NoEviction.
	MaxMemoryPolicy shard.Policy
	// MaxMemorySamples is how many keys each eviction samples per shard;
	// default shard.DefaultSamples.
	MaxMemorySamples int

	// BusyReplyThreshold is how long a script runs before other clients get
	// BUSY (Redis's busy-reply-threshold, formerly lua-time-limit); default
	// 5 s.
	BusyReplyThreshold time.Duration

	// Dir is the working directory of the persistence files (Redis's
	// dir); default ".".
	Dir string
	// AppendOnly logs every write to the append-only files (appendonly
	// yes) and replays them at start; AppendFsync is appendfsync (the zero
	// value is everysec); AppendDirName and AppendFilename name the
	// directory under Dir and the files' prefix (defaults appendonlydir
	// and appendonly.aof); AOFStrictLoad refuses a log whose last command
	// was cut short instead of truncating it (aof-load-truncated no).
	AppendOnly     bool
	AppendFsync    aof.Fsync
	AppendDirName  string
	AppendFilename string
	AOFStrictLoad  bool

	// running marks the configuration of a running server (Server.conf),
	// which CONFIG SET changes: settings that only take effect at start
	// refuse a new value there instead of pretending to apply it.
	running bool

	// Now is the server's clock: key deadlines, and the idle and output
	// timeouts and ages of clients; tests inject a fake one. Default time.Now.
	Now func() time.Time

	// PubSubHardLimit closes a subscribed client once this many bytes of
	// its output wait unsent (client-output-buffer-limit pubsub, hard);
	// default 32 MiB, negative for none.
	PubSubHardLimit int64
	// PubSubSoftLimit closes a subscribed client whose unsent output has
	// stayed over it for PubSubSoftTime; default 8 MiB, negative for
	// none.
	PubSubSoftLimit int64
	// PubSubSoftTime is the soft limit's grace; default 60 s.
	PubSubSoftTime time.Duration
	// NotifyKeyspaceEvents selects the keyspace notifications published, in
	// Redis's letters ("KEA", "Ex"); empty, the default, means none.
	NotifyKeyspaceEvents string
	// Operations (SPEC §13); each is a directive in Directives.

	// SlowlogLogSlowerThan is the slowlog threshold in microseconds:
	// 0 means the default, 10000; -1 logs nothing; slowlogAll every command.
	SlowlogLogSlowerThan int64
	// SlowlogMaxLen is how many slow commands SLOWLOG keeps: 0 means the
	// default, 128; negative keeps none.
	SlowlogMaxLen int64
	// LatencyMonitorThreshold is LATENCY's threshold in milliseconds; 0 off.
	LatencyMonitorThreshold int64
	// LogLevel, LogFile, PidFile and CPUProfile are the binary's: the
	// server only reports them in CONFIG GET.
	LogLevel, LogFile, PidFile, CPUProfile string
	// ConfigFile is the configuration file the server was started with,
	// which CONFIG REWRITE rewrites; empty when there is none.
	ConfigFile string
	// LogLevelVar, when set, is the level of Logger's handler, which
	// CONFIG SET loglevel changes.
	LogLevelVar *slog.LevelVar
	// Extra holds the inert directives' values by name (see Directives).
	// The map is never modified in place, so copies of a Config may share it.
	Extra map[string]string

	outputClasses outputLimits // client-output-buffer-limit's classes
	// Cluster mode (SPEC §12), redis-server's cluster-* directives.
	// ClusterEnabled turns it on: keyed commands are routed by hash slot,
	// CLUSTER works, and the cluster bus listens on ClusterPort (default
	// Port+10000).
	ClusterEnabled bool
	// ClusterConfigFile is nodes.conf, loaded at start and rewritten on
	// every topology change; default "nodes.conf".
	ClusterConfigFile string
	// ClusterNodeTimeout is how long a node may not answer before it is
	// suspected failing; default 15 s.
	ClusterNodeTimeout time.Duration
	// ClusterAnnounceIP, ClusterAnnouncePort and ClusterAnnounceBusPort
	// are the address other nodes and clients are told, when it differs
	// from the one they would see (NAT, containers).
	ClusterAnnounceIP      string
	ClusterAnnouncePort    int
	ClusterAnnounceBusPort int
	// ClusterPort is the bus port (cluster-port); 0 means Port+10000.
	ClusterPort int
	// ClusterAllowPartialCoverage is cluster-require-full-coverage no: the
	// cluster stays up while some slots are not served.
	ClusterAllowPartialCoverage bool
	// Persistence (issue 13); Dir, above, is also the RDB file's
	// directory.
	// DBFilename is the RDB file's name (--dbfilename); default dump.rdb.
	// The file is loaded by New when it exists.
	DBFilename string
	// Save lists the automatic save points (--save); none means BGSAVE
	// runs only when asked, and nothing is saved at exit.
	Save []SavePoint
	// RDBNoCompress is rdbcompression no: RDB files and DUMP payloads
	// store strings without LZF.
	RDBNoCompress bool
	// AOF rewrites (issue 13). AutoAOFRewritePercentage starts a
	// BGREWRITEAOF when the log grew by this much since the last one
	// (auto-aof-rewrite-percentage; 0 means Redis's default 100, negative
	// off) once it is over AutoAOFRewriteMinSize bytes (0 means the
	// default 64 MiB, negative none).
	AutoAOFRewritePercentage int
	AutoAOFRewriteMinSize    int64
	// LazyfreeLazyExpire and LazyfreeLazyEviction log the keys that
	// expire or are evicted as UNLINK rather than DEL, as Redis 7.0
	// propagates them.
	LazyfreeLazyExpire   bool
	LazyfreeLazyEviction bool
	// TrackingTableMaxKeys bounds the keys client-side caching remembers
	// (tracking-table-max-keys): past it, random keys are invalidated and
	// forgotten. 0 means the default of 1,000,000; negative, no bound.
	TrackingTableMaxKeys int64
	// Encodings holds the hash-max-listpack-*, set-max-intset-entries and
	// zset-max-listpack-* thresholds that OBJECT ENCODING (and ZSCAN's
	// whole-set reply) follow. A zero field means Redis's default;
	// negative, an explicit 0.
	Encodings EncodingLimits
}

// EncodingLimits are the sizes up to which Redis keeps a collection in its
// compact encoding: hash-max-listpack-entries and -value,
// set-max-intset-entries, zset-max-listpack-entries and -value.
type EncodingLimits struct {
	HashEntries, HashValue, SetIntset, ZSetEntries, ZSetValue int64
}

// encodingDefaults are Redis's defaults for EncodingLimits.
var encodingDefaults = EncodingLimits{HashEntries: 128, HashValue: 64, SetIntset: 512, ZSetEntries: 128, ZSetValue: 64}

// withDefaults resolves zero fields to Redis's defaults and explicit zeros
// (negative) to 0.
func (e EncodingLimits) withDefaults() EncodingLimits {
	d := encodingDefaults
	return EncodingLimits{
		HashEntries: zeroDefault(e.HashEntries, d.HashEntries), HashValue: zeroDefault(e.HashValue, d.HashValue),
		SetIntset:   zeroDefault(e.SetIntset, d.SetIntset),
		ZSetEntries: zeroDefault(e.ZSetEntries, d.ZSetEntries), ZSetValue: zeroDefault(e.ZSetValue, d.ZSetValue),
	}
}

// autoAOFPercentage is AutoAOFRewritePercentage with its default; 0 off.
func (c *Config) autoAOFPercentage() int {
	return zeroDefault(c.AutoAOFRewritePercentage, defaultAutoAOFPercentage)
}

// autoAOFMinSize is AutoAOFRewriteMinSize with its default.
func (c *Config) autoAOFMinSize() int64 {
	return zeroDefault(c.AutoAOFRewriteMinSize, defaultAutoAOFMinSize)
}

// zeroDefault reads a Config field whose 0 means def (Config's zero value
// is the defaults) and whose negative values stand for an explicit 0 (see
// explicitZero).
func zeroDefault[T int | int64](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// explicitZero stores a directive's value n in a zeroDefault field.
func explicitZero(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
}

const (
	defaultMaxClients        = 10000
	defaultHz                = 10
	defaultOutputBufferLimit = 4 << 20
)

// Server is a miniredis server: a store, an expiry cycle and the clients
// connected to it. Its methods are safe for concurrent use.
type Server struct {
	cfg     Config
	store   *shard.Store
	cycle   *expire.Cycle
	log     *slog.Logger
	started time.Time // set by New and never written again: INFO reads it from any goroutine
	nowFn   func() time.Time

	// mu guards ln, clients and closing.
	mu      sync.Mutex
	ln      net.Listener
	loop    *eventLoop // the event loops in NetEventLoop mode, set by Listen
	clients map[*client]struct{}
	closing bool

	wg      sync.WaitGroup // client goroutines, the expiry cycle and memoryCron
	cancel  context.CancelFunc
	nextID  atomic.Int64
	stats   stats
	memPeak atomic.Uint64 // used_memory_peak, kept by memoryCron and INFO; RESETSTAT keeps it, as Redis 7.0 does
	watches watchRegistry // WATCHed keys of every client
	blocks  blockRegistry // keys clients are blocked on
	scripts scriptState   // the Lua engine and the script in progress
	// aof is the append-only log's state (see aof.go): opened by Listen
	// before any client runs, turned on and off by CONFIG SET appendonly.
	aof aofState

	// bgHook, when set (by tests), runs on a BGSAVE's or an AOF
	// rewrite's goroutine before it writes, so a test can hold one in
	// progress.
	bgHook atomic.Pointer[func()]

	pause       pauseState           // CLIENT PAUSE
	hub         *pubsub.Hub[*client] // Pub/Sub subscriptions
	track       *tracker             // client-side caching (CLIENT TRACKING)
	notifyFlags atomic.Uint32        // notify-keyspace-events classes

	// live holds the values CONFIG SET may change (see liveConfig).
	live liveConfig
	// confMu serialises CONFIG SET and REWRITE, and guards conf, the
	// current configuration: cfg with every CONFIG SET applied.
	confMu sync.Mutex
	conf   Config
	// memLimitBase is the runtime's soft memory limit before Serve set
	// one, while serving; 0 otherwise.
	memLimitBase atomic.Int64
	slowlog      slowlog
	latency      latencyMonitor
	monitors     monitorRegistry
	ops          opsMeter
	cmdStats     cmdStats
	// wall, when the server runs on the real clock (Config.Now unset),
	// turns nanotime readings into the time of day, so that a batch's one
	// clock read serves both (see nowAt).
	wall *wallClock

	// cluster is the cluster state in cluster mode, nil otherwise; set by
	// Listen before any client is served and never changed after.
	cluster  *cluster.State
	slotKeys *slotIndex   // keys by hash slot, in cluster mode only
	persist  persistState // RDB saves and their bookkeeping
	// migrateConns are the connections MIGRATE keeps to its targets.
	migrateConns migrateCache
}

// stats are server-wide counters reported by INFO and zeroed by CONFIG
// RESETSTAT.
type stats struct {
	connections atomic.Int64 // total_connections_received
	rejected    atomic.Int64 // rejected_connections

	panics      atomic.Int64 // commands that panicked and were recovered
	oom         atomic.Int64 // commands refused with -OOM
	slowWriters atomic.Int64 // clients closed by client-output-timeout
	outputLimit atomic.Int64 // clients closed for a reply too large to build (SRANDMEMBER/HRANDFIELD with a huge negative count) or over the pubsub output limit

	// The store counts expired and evicted keys since it was made; INFO
	// reports them less these values, taken by the last RESETSTAT.
	expiredBase atomic.Uint64
	evictedBase atomic.Uint64
}

// New checks cfg and builds a server that is not yet listening.
func New(cfg Config) (*Server, error) {
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("server: port %d out of range", cfg.Port)
	}
	if cfg.Shards == 0 {
		cfg.Shards = shard.DefaultShards
	}
	if cfg.MaxClients == 0 {
		cfg.MaxClients = defaultMaxClients
	}
	if cfg.MaxClients < 0 {
		return nil, fmt.Errorf("server: maxclients %d must be positive", cfg.MaxClients)
	}
	if cfg.Hz == 0 {
		cfg.Hz = defaultHz
	}
	if cfg.DefaultTTL < 0 || cfg.Timeout < 0 || cfg.OutputTimeout < 0 {
		return nil, errors.New("server: default-ttl, timeout and client-output-timeout must not be negative")
	}
	if err := cfg.setLimitDefaults(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Dir == "" {
		cfg.Dir = "."
	}
	if cfg.DBFilename == "" {
		cfg.DBFilename = "dump.rdb"
	}
	if cfg.AppendDirName == "" {
		cfg.AppendDirName = "appendonlydir"
	}
	if cfg.AppendFilename == "" {
		cfg.AppendFilename = "appendonly.aof"
	}
	if cfg.BusyReplyThreshold == 0 {
		cfg.BusyReplyThreshold = 5 * time.Second
	}
	realClock := cfg.Now == nil
	if realClock {
		cfg.Now = time.Now
	}
	if cfg.PubSubHardLimit == 0 {
		cfg.PubSubHardLimit = defaultPubSubHard
	}
	if cfg.PubSubSoftLimit == 0 {
		cfg.PubSubSoftLimit = defaultPubSubSoft
	}
	if cfg.PubSubSoftTime == 0 {
		cfg.PubSubSoftTime = defaultPubSubSoftTime
	}
	if cfg.Databases == 0 {
		cfg.Databases = shard.DefaultDBs
	}
	st, err := shard.NewDBs(cfg.Shards, cfg.Databases)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:     cfg,
		store:   st,
		log:     cfg.Logger,
		nowFn:   cfg.Now,
		started: time.Now(),
		clients: make(map[*client]struct{}),
	}
	s.hub = pubsub.New[*client](func(p, ch []byte) bool { return globMatch(p, ch, false) })
	s.track = newTracker(s)
	if f, ok := parseNotify(cfg.NotifyKeyspaceEvents); ok {
		s.notifyFlags.Store(f)
	} else {
		return nil, fmt.Errorf("server: notify-keyspace-events %q: %s", cfg.NotifyKeyspaceEvents, msgNotifyClass)
	}
	s.cmdStats.init(len(commands))
	if realClock {
		s.wall = newWallClock()
	}
	if cfg.LogLevel == "" {
		cfg.LogLevel = "notice" // CONFIG GET and REWRITE show the default's name
	}
	cfg.running = true
	s.conf = cfg
	s.live.store(&cfg)
	if cfg.ClusterEnabled {
		s.slotKeys = new(slotIndex)
	}
	st.SetObserver(observer{s})
	s.scripts.engine = scripting.New(scripting.Options{Log: s.scriptLog})
	st.SetAccounting(shard.Accounting{
		Grain:       accountingGrain(cfg.MaxMemory, cfg.Shards),
		LRU:         cfg.MaxMemory > 0 && cfg.MaxMemoryPolicy == shard.AllKeysLRU,
		Collections: cfg.MaxMemory > 0,
	})
	s.cycle, err = expire.New(expireTarget{s}, expire.Options{Hz: cfg.Hz, Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	if err := s.initPersist(); err != nil {
		return nil, err
	}
	return s, nil
}

// Store returns the server's keyspace (for tests and benchmarks).
func (s *Server) Store() *shard.Store { return s.store }

// Addr returns the listening address, or nil before Listen.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loop != nil {
		return s.loop.addr
	}
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Listen binds the configured host and port; in cluster mode it first
// loads or creates nodes.conf and starts the cluster bus.
func (s *Server) Listen() error {
	// The log is loaded before the first client can run a command.
	if s.aof.dir == "" {
		if err := s.openAOF(); err != nil {
			return err
		}
	}
	if s.cfg.ClusterEnabled {
		if err := s.listenCluster(); err != nil {
			return err
		}
	}
	if s.cfg.Net == NetEventLoop {
		err := s.listenEventLoop()
		if err != nil && s.cluster != nil {
			_ = s.cluster.Close()
		}
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port)))
	if err != nil {
		if s.cluster != nil {
			_ = s.cluster.Close()
		}
		return fmt.Errorf("server: listen: %w", err)
	}
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	return nil
}

// Serve accepts connections on the listener opened by Listen until Shutdown,
// running one goroutine per client and the active-expiry cycle beside them.
// It returns nil after Shutdown.
func (s *Server) Serve() error {
	s.mu.Lock()
	ln, loop := s.ln, s.loop
	if ln == nil && loop == nil {
		s.mu.Unlock()
		return errors.New("server: Serve before Listen")
	}
	if s.closing {
		// Shutdown came first. On the event loops clients are served from
		// Listen on, so a client can even have asked for it before Serve ran.
		s.mu.Unlock()
		if loop != nil {
			<-loop.done
		}
		return nil
	}
	s.confMu.Lock()
	defer applyMemoryLimit(s.maxMemory(), &s.memLimitBase)() // before cancel is set, so a test can tell it ran
	s.confMu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	// Registered under mu, so a Shutdown that follows sees the cancel
	// function and waits for these goroutines.
	// clientsCron runs even with no timeout set, since CONFIG SET may set
	// one; once a second it is no cost.
	s.wg.Add(4) // with aofCron, which CONFIG SET appendonly may need

	if s.slotKeys != nil {
		s.wg.Add(1)
	}
	s.wg.Add(1) // saveCron
	s.mu.Unlock()

	go func() {
		defer s.wg.Done()
		tick(ctx, time.Second, s.checkSavePoints) // saveCron
	}()

	go func() {
		defer s.wg.Done()
		s.cycle.Run(ctx)
	}()
	go func() {
		defer s.wg.Done()
		tick(ctx, memPeakInterval, s.memoryCron)
	}()
	go func() {
		defer s.wg.Done()
		tick(ctx, time.Second, s.clientsCron)
	}()
	go func() {
		defer s.wg.Done()
		tick(ctx, time.Second, s.aofTick) // aofCron
	}()
	if s.slotKeys != nil {
		go func() {
			defer s.wg.Done()
			next := 0
			tick(ctx, sweepEvery, func() { next = s.slotKeys.sweep(s.store.DB(0), s.now(), next, sweepSlots) })
		}()
	}

	if loop != nil {
		// The event loops accept and serve; wait until Shutdown stops them.
		err := <-loop.done
		if s.isClosing() {
			return nil
		}
		return fmt.Errorf("server: event loop: %w", err)
	}

	var delay time.Duration // backoff on temporary accept errors, as net/http does
	for {
		conn, err := ln.Accept()
		if err != nil {
			if s.isClosing() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed; retrying", "err", err, "delay", delay)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("server: accept: %w", err)
		}
		delay = 0
		s.stats.connections.Add(1)
		s.startClient(conn)
	}
}

// ListenAndServe is Listen followed by Serve.
func (s *Server) ListenAndServe() error {
	if err := s.Listen(); err != nil {
		return err
	}
	return s.Serve()
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// startClient registers conn and starts its goroutine, or refuses it when
// the server is full or shutting down.
func (s *Server) startClient(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		// Replies are already batched per pipeline; Nagle would only add delay.
		_ = tc.SetNoDelay(true)
		_ = tc.SetKeepAlive(true)
		_ = tc.SetKeepAlivePeriod(time.Minute)
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		conn.Close()
		return
	}
	if len(s.clients) >= s.maxClients() {
		s.mu.Unlock()
		s.stats.rejected.Add(1)
		_, _ = conn.Write([]byte("-" + msgMaxClients + "\r\n"))
		conn.Close()
		return
	}
	c := newClient(s, conn)
	s.clients[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		c.serve()
	}()
}

func (s *Server) removeClient(c *client) {
	s.mu.Lock()
	delete(s.clients, c)
	s.mu.Unlock()
}

// Shutdown stops accepting, lets every client finish the commands it has
// already read, closes the connections and stops the expiry cycle. It waits
// until all of that is done or ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	if s.ln != nil {
		s.ln.Close()
	}
	for c := range s.clients {
		c.stop()
	}
	s.pause.end() // paused clients go on to see that they stop
	if r := s.scripts.running.Load(); r != nil {
		// Shutting down ends a script even after it wrote, as SHUTDOWN
		// NOSAVE does in Redis; its client gets the killed error. After
		// the clients' stop: a script that starts later sees its client
		// stopping and ends itself (runOnce).
		r.cancel(context.Canceled)
	}
	if s.cancel != nil {
		s.cancel()
	}
	loop := s.loop
	s.mu.Unlock()
	s.migrateConns.closeAll()
	if s.cluster != nil {
		if err := s.cluster.Close(); err != nil {
			s.log.Warn("cluster: saving nodes.conf at shutdown failed", "err", err)
		}
	}
	if loop != nil {
		// Stop closes every connection once its event loop is done with
		// the batch in hand.
		if err := loop.eng.Stop(ctx); err != nil {
			return err
		}
	}

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		// Every client has stopped: what they logged is flushed and
		// fsynced now, whatever the appendfsync policy. A rewrite in
		// progress is abandoned; its goroutine is waited for, so that it
		// touches no file after Shutdown returns.
		s.closeAOF()
		s.WaitRewrite()
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// clientsCron closes clients idle longer than --timeout and clients whose
// write has been blocked longer than --client-output-timeout, checking once
// a second as Redis's clientsCron does, so the hot path never touches a
// deadline or a timer.
func (s *Server) clientsCron() {
	s.checkClients(s.nowFn())
	s.migrateConns.closeIdle(time.Now())
}

// tick calls fn every period until ctx ends: the body of each of the
// server's crons, the parts of Redis's serverCron, on a goroutine of its
// own.
func tick(ctx context.Context, period time.Duration, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fn()
	}
}

// checkClients runs one round of clientsCron as of now, on the server's
// clock (Config.Now), the clock the clients stamp lastActive and
// writeSince with.
func (s *Server) checkClients(now time.Time) {
	idle, output := s.idleTimeout(), s.outputTimeout()
	idleLimit := now.Add(-idle).UnixMilli()
	writeLimit := now.Add(-output).UnixMilli()
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.clients {
		switch w := c.writeSince.Load(); {
		case output > 0 && w != 0 && w < writeLimit:
			s.log.Warn("closing client that does not read its replies", "id", c.id, "addr", c.addr)
			s.stats.slowWriters.Add(1)
		case idle > 0 && w == 0 && c.lastActive.Load() < idleLimit && c.blocked.Load() == nil && !c.subscribed.Load():
			// A client whose replies are still going out is not idle;
			// the output timeout governs it. Nor is a blocked client:
			// its own timeout governs it, as in Redis. A subscriber
			// waits for messages, as Redis lets it.
			s.log.Info("closing idle client", "id", c.id, "addr", c.addr)
		default:
			continue
		}
		c.stop()
		c.conn.Close() // also unblocks a pending Write
	}
}

// now returns the current time in unix milliseconds, the unit of deadlines.
func (s *Server) now() int64 {
	if s.wall != nil {
		return s.wall.at(nanotime())
	}
	return s.nowFn().UnixMilli()
}

// nowAt is now for a nanotime reading mono just taken.
func (s *Server) nowAt(mono int64) int64 {
	if s.wall != nil {
		return s.wall.at(mono)
	}
	return s.nowFn().UnixMilli()
}
