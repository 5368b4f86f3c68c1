package server

import (
	"crypto/subtle"
	"fmt"
	"github.com/miniredis/miniredis/shard"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

const (
	// redisVersion is the Redis release whose behaviour we follow; clients
	// that gate features on the server version read it from HELLO and INFO.
	redisVersion = "7.0.0"
	// Version is miniredis's own version.
	Version = "0.1.0"
)

func cmdPing(c *client, args [][]byte) {
	switch len(args) {
	case 1:
		c.w.Simple("PONG")
	case 2:
		c.w.Bulk(args[1])
	default:
		c.w.Error(fmt.Sprintf(msgWrongArgs, "ping"))
	}
}

func cmdEcho(c *client, args [][]byte) { c.w.Bulk(args[1]) }

// cmdQuit answers OK and closes the connection; nothing pipelined behind it
// runs (SPEC §4).
func cmdQuit(c *client, args [][]byte) {
	c.w.OK()
	c.quit = true
}

func cmdSelect(c *client, args [][]byte) {
	n, ok := c.dbArg(args[1])
	if !ok {
		return
	}
	c.selectDB(n)
	c.w.OK()
}

// dbArg parses a database number, writing Redis's error when it is not an
// integer or out of range.
func (c *client) dbArg(b []byte) (int, bool) {
	n, ok := parseInt(b)
	switch {
	case !ok:
		c.w.Error(msgNotInteger)
		return 0, false
	case n < 0 || n >= int64(c.srv.store.DBs()):
		c.w.Error(msgDBIndex)
		return 0, false
	}
	return int(n), true
}

// selectDB switches the client to database n, inside a transaction or script
// as well as outside one.
func (c *client) selectDB(n int) {
	c.db = c.dbN(n)
	c.dbNum.Store(int32(n))
}

// dbN returns a handle on database n that locks as the current one does:
// under the transaction's or script's locks when there are any.
func (c *client) dbN(n int) shard.DB {
	if h := c.db.Held(); h != nil {
		return h.DB(n)
	}
	return c.srv.store.DB(n)
}

// checkPassword compares in constant time so the reply's timing does not
// reveal how much of a guess was right.
func (c *client) checkPassword(user, pass []byte) bool {
	want := c.srv.cfg.RequirePass
	if user != nil && string(user) != "default" {
		return false
	}
	if want == "" {
		return true // the default user has nopass, as in Redis
	}
	return subtle.ConstantTimeCompare(pass, []byte(want)) == 1
}

func (c *client) setAuthed() {
	c.authed = true
	c.r.SetAuthenticated(true)
}

func cmdAuth(c *client, args [][]byte) {
	var user, pass []byte
	switch len(args) {
	case 2:
		if c.srv.cfg.RequirePass == "" {
			c.w.Error(msgAuthNotSet)
			return
		}
		pass = args[1]
	case 3:
		user, pass = args[1], args[2]
	default:
		c.w.Error(msgSyntax)
		return
	}
	if !c.checkPassword(user, pass) {
		c.srv.log.Warn("AUTH failed", "id", c.id, "addr", c.addr)
		c.w.Error(msgWrongPass)
		return
	}
	c.setAuthed()
	c.w.OK()
}

// cmdHello implements HELLO [protover [AUTH user pass] [SETNAME name]].
func cmdHello(c *client, args [][]byte) {
	proto := c.w.Proto()
	if len(args) >= 2 {
		n, ok := parseInt(args[1])
		if !ok {
			c.w.Error("ERR Protocol version is not an integer or out of range")
			return
		}
		if n != 2 && n != 3 {
			c.w.Error(msgNoProto)
			return
		}
		proto = int(n)
	}
	var user, pass, name []byte
	hasAuth, hasName := false, false
	for i := 2; i < len(args); i++ {
		more := len(args) - i - 1
		switch {
		case equalFold(args[i], "AUTH") && more >= 2:
			user, pass, hasAuth = args[i+1], args[i+2], true
			i += 2
		case equalFold(args[i], "SETNAME") && more >= 1:
			name, hasName = args[i+1], true
			i++
		default:
			c.w.Error("ERR Syntax error in HELLO option '" + string(args[i]) + "'")
			return
		}
	}
	if hasAuth {
		if !c.checkPassword(user, pass) {
			c.w.Error(msgWrongPass)
			return
		}
		c.setAuthed()
	}
	if !c.authed {
		c.w.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if hasName {
		if !validClientName(name) {
			c.w.Error(msgClientName)
			return
		}
		c.setName(string(name))
	}
	c.w.SetProto(proto)
	c.w.MapLen(7)
	c.w.BulkString("server")
	c.w.BulkString("redis")
	c.w.BulkString("version")
	c.w.BulkString(redisVersion)
	c.w.BulkString("proto")
	c.w.Int(int64(proto))
	c.w.BulkString("id")
	c.w.Int(c.id)
	c.w.BulkString("mode")
	c.w.BulkString("standalone")
	c.w.BulkString("role")
	c.w.BulkString("master")
	c.w.BulkString("modules")
	c.w.ArrayLen(0)
}

func validClientName(name []byte) bool {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

func (c *client) setName(name string) {
	c.mu.Lock()
	c.name = name
	c.mu.Unlock()
}

func subArityError(c *client, cmd, sub []byte) {
	c.w.Error(fmt.Sprintf(msgWrongArgs, strings.ToLower(string(cmd))+"|"+strings.ToLower(string(sub))))
}

func cmdClient(c *client, args [][]byte) {
	sub := args[1]
	switch {
	case equalFold(sub, "ID") && len(args) == 2:
		c.w.Int(c.id)
	case equalFold(sub, "SETNAME") && len(args) == 3:
		if !validClientName(args[2]) {
			c.w.Error(msgClientName)
			return
		}
		c.setName(string(args[2]))
		c.w.OK()
	case equalFold(sub, "GETNAME") && len(args) == 2:
		if name := c.getName(); name != "" {
			c.w.BulkString(name)
		} else {
			c.w.Null()
		}
	case equalFold(sub, "SETINFO") && len(args) == 4:
		if !equalFold(args[2], "LIB-NAME") && !equalFold(args[2], "LIB-VER") {
			c.w.Error("ERR Unrecognized option '" + string(args[2]) + "'")
			return
		}
		c.w.OK()
	case equalFold(sub, "LIST") && len(args) == 2:
		var b []byte
		now := c.now()
		c.srv.mu.Lock()
		for other := range c.srv.clients {
			b = other.appendInfo(b, now)
		}
		c.srv.mu.Unlock()
		c.w.Verbatim(string(b))
	case equalFold(sub, "UNBLOCK") && (len(args) == 3 || len(args) == 4):
		c.clientUnblock(args)
	case equalFold(sub, "INFO") && len(args) == 2:
		c.w.Verbatim(string(c.appendInfo(nil, c.now())))
	case equalFold(sub, "HELP") && len(args) == 2:
		help := []string{
			"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"GETNAME", "    Return the name of the current connection.",
			"ID", "    Return the ID of the current connection.",
			"INFO", "    Return information about the current client connection.",
			"LIST", "    Return information about client connections.",
			"SETINFO <option> <value>", "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
			"SETNAME <name>", "    Assign the name <name> to the current connection.",
			"UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
		}
		c.w.ArrayLen(len(help))
		for _, h := range help {
			c.w.Simple(h)
		}
	case equalFold(sub, "ID") || equalFold(sub, "SETNAME") || equalFold(sub, "GETNAME") ||
		equalFold(sub, "SETINFO") || equalFold(sub, "LIST") || equalFold(sub, "INFO") ||
		equalFold(sub, "UNBLOCK"):
		subArityError(c, args[0], sub)
	default:
		c.w.Error(fmt.Sprintf(msgUnknownSub, sub, "CLIENT"))
	}
}

// appendInfo appends this client's CLIENT LIST line as of now (unix ms on
// the server's clock).
func (c *client) appendInfo(b []byte, now int64) []byte {
	c.mu.Lock()
	name := c.name
	c.mu.Unlock()
	age := (now - c.created.UnixMilli()) / 1000
	idle := (now - c.lastActive.Load()) / 1000
	b = append(b, "id="...)
	b = strconv.AppendInt(b, c.id, 10)
	b = append(b, " addr="...)
	b = append(b, c.addr...)
	b = append(b, " laddr="...)
	b = append(b, c.laddr...)
	b = append(b, " name="...)
	b = append(b, name...)
	b = append(b, " age="...)
	b = strconv.AppendInt(b, max(age, 0), 10)
	b = append(b, " idle="...)
	b = strconv.AppendInt(b, max(idle, 0), 10)
	multi := c.multiLen.Load()
	if multi >= 0 {
		b = append(b, " flags=x db="...)
	} else {
		b = append(b, " flags=N db="...)
	}
	b = strconv.AppendInt(b, int64(c.dbNum.Load()), 10)
	b = append(b, " sub=0 psub=0 ssub=0 multi="...)
	b = strconv.AppendInt(b, int64(multi), 10)
	b = append(b, " user=default"...)
	return append(b, '\n')
}

// cmdCommand implements COMMAND, COMMAND COUNT/LIST/INFO/DOCS: enough for
// redis-cli's hints and for clients that read command metadata.
func cmdCommand(c *client, args [][]byte) {
	if len(args) == 1 {
		c.w.ArrayLen(len(commands))
		for i := range commands {
			writeCommandInfo(c, &commands[i])
		}
		return
	}
	sub := args[1]
	switch {
	case equalFold(sub, "COUNT") && len(args) == 2:
		c.w.Int(int64(len(commands)))
	case equalFold(sub, "LIST") && len(args) == 2:
		c.w.ArrayLen(len(commands))
		for i := range commands {
			c.w.BulkString(commands[i].lowerName())
		}
	case equalFold(sub, "INFO"):
		if len(args) == 2 {
			c.w.ArrayLen(len(commands))
			for i := range commands {
				writeCommandInfo(c, &commands[i])
			}
			return
		}
		c.w.ArrayLen(len(args) - 2)
		for _, name := range args[2:] {
			if cmd := lookup(name); cmd != nil {
				writeCommandInfo(c, cmd)
			} else {
				c.w.NullArray()
			}
		}
	case equalFold(sub, "DOCS"):
		var found []*command
		if len(args) == 2 {
			for i := range commands {
				found = append(found, &commands[i])
			}
		} else {
			for _, name := range args[2:] {
				if cmd := lookup(name); cmd != nil {
					found = append(found, cmd)
				}
			}
		}
		c.w.MapLen(len(found))
		for _, cmd := range found {
			c.w.BulkString(cmd.lowerName())
			c.w.MapLen(4)
			c.w.BulkString("summary")
			c.w.BulkString(cmd.summary)
			c.w.BulkString("since")
			c.w.BulkString("1.0.0")
			c.w.BulkString("group")
			c.w.BulkString(cmd.group)
			c.w.BulkString("complexity")
			c.w.BulkString(complexity(cmd))
		}
	default:
		c.w.Error(fmt.Sprintf(msgUnknownSub, sub, "COMMAND"))
	}
}

func complexity(cmd *command) string {
	if cmd.flags&flagFast != 0 {
		return "O(1)"
	}
	return "O(N)"
}

// writeCommandInfo writes one COMMAND INFO entry in Redis 7's ten-field form.
func writeCommandInfo(c *client, cmd *command) {
	c.w.ArrayLen(10)
	c.w.BulkString(cmd.lowerName())
	c.w.Int(int64(cmd.arity))
	var fl []string
	for _, f := range []struct {
		bit  flag
		name string
	}{{flagWrite, "write"}, {flagRead, "readonly"}, {flagDenyOOM, "denyoom"}, {flagAdmin, "admin"}, {flagNoAuth, "no_auth"}, {flagFast, "fast"}} {
		if cmd.flags&f.bit != 0 {
			fl = append(fl, f.name)
		}
	}
	c.w.SetLen(len(fl))
	for _, f := range fl {
		c.w.Simple(f)
	}
	c.w.Int(int64(cmd.firstKey))
	c.w.Int(int64(cmd.lastKey))
	c.w.Int(int64(cmd.step))
	c.w.SetLen(1)
	c.w.Simple("@" + cmd.group)
	c.w.SetLen(0) // tips
	c.w.ArrayLen(0)
	c.w.ArrayLen(0)
}

// configParams lists the parameters CONFIG GET answers, computed from the
// live configuration.
func (s *Server) configParams() [][2]string {
	cfg := s.cfg
	return [][2]string{
		{"bind", cfg.Host},
		{"port", strconv.Itoa(cfg.Port)},
		{"databases", "1"},
		{"maxclients", strconv.Itoa(cfg.MaxClients)},
		{"timeout", strconv.Itoa(int(cfg.Timeout / time.Second))},
		{"requirepass", cfg.RequirePass},
		{"hz", strconv.Itoa(cfg.Hz)},
		{"save", formatSave(cfg.Save)},
		{"dir", s.absDir()},
		{"dbfilename", cfg.DBFilename},
		{"appendonly", "no"},
		{"maxmemory", strconv.FormatInt(cfg.MaxMemory, 10)},
		{"maxmemory-policy", cfg.MaxMemoryPolicy.String()},
		{"maxmemory-samples", strconv.Itoa(cfg.MaxMemorySamples)},
		{"proto-max-bulk-len", strconv.FormatInt(cfg.ProtoMaxBulkLen, 10)},
		{"client-query-buffer-limit", strconv.FormatInt(cfg.QueryBufferLimit, 10)},
		{"client-output-buffer-limit", strconv.Itoa(cfg.OutputBufferLimit)},
		{"client-output-timeout", strconv.Itoa(int(cfg.OutputTimeout / time.Second))},
		{"default-ttl", strconv.FormatInt(int64(cfg.DefaultTTL/time.Second), 10)},
		{"compat", cfg.Mode.String()},
		{"shards", strconv.Itoa(cfg.Shards)},
	}
}

func cmdConfig(c *client, args [][]byte) {
	sub := args[1]
	switch {
	case equalFold(sub, "GET") && len(args) >= 3:
		var match [][2]string
		for _, p := range c.srv.configParams() {
			for _, pat := range args[2:] {
				if globMatch(pat, []byte(p[0]), true) {
					match = append(match, p)
					break
				}
			}
		}
		c.w.MapLen(len(match))
		for _, p := range match {
			c.w.BulkString(p[0])
			c.w.BulkString(p[1])
		}
	case equalFold(sub, "GET"):
		subArityError(c, args[0], sub)
	case equalFold(sub, "RESETSTAT") && len(args) == 2:
		c.srv.resetStats()
		c.w.OK()
	case equalFold(sub, "RESETSTAT"):
		subArityError(c, args[0], sub)
	default:
		c.w.Error(fmt.Sprintf(msgUnknownSub, sub, "CONFIG"))
	}
}

func cmdTime(c *client, args [][]byte) {
	now := c.srv.nowFn()
	c.w.ArrayLen(2)
	c.w.BulkString(strconv.FormatInt(now.Unix(), 10))
	c.w.BulkString(strconv.FormatInt(int64(now.Nanosecond()/1000), 10))
}

// infoSections lists INFO's sections in Redis's order with their writers.
var infoSections = []struct {
	name string
	fn   func(s *Server, b []byte) []byte
}{
	{"server", (*Server).infoServer},
	{"clients", (*Server).infoClients},
	{"memory", (*Server).infoMemory},
	{"persistence", (*Server).infoPersistence},
	{"stats", (*Server).infoStats},
	{"keyspace", (*Server).infoKeyspace},
}

// cmdInfo implements INFO [section ...]; "all", "default" and "everything"
// select every section.
func cmdInfo(c *client, args [][]byte) {
	var b []byte
	for _, sec := range infoSections {
		want := len(args) == 1
		for _, a := range args[1:] {
			if equalFold(a, strings.ToUpper(sec.name)) || equalFold(a, "ALL") || equalFold(a, "DEFAULT") || equalFold(a, "EVERYTHING") {
				want = true
			}
		}
		if !want {
			continue
		}
		if len(b) > 0 {
			b = append(b, "\r\n"...)
		}
		b = append(b, "# "...)
		b = append(b, strings.ToUpper(sec.name[:1])+sec.name[1:]...)
		b = append(b, "\r\n"...)
		b = sec.fn(c.srv, b)
	}
	c.w.Verbatim(string(b))
}

func infoLine(b []byte, k, v string) []byte {
	b = append(b, k...)
	b = append(b, ':')
	b = append(b, v...)
	return append(b, "\r\n"...)
}

func infoInt(b []byte, k string, v int64) []byte {
	b = append(b, k...)
	b = append(b, ':')
	b = strconv.AppendInt(b, v, 10)
	return append(b, "\r\n"...)
}

func (s *Server) infoServer(b []byte) []byte {
	up := time.Since(s.started)
	exe, _ := os.Executable()
	b = infoLine(b, "redis_version", redisVersion)
	b = infoLine(b, "miniredis_version", Version)
	b = infoLine(b, "redis_mode", "standalone")
	b = infoLine(b, "compat", s.cfg.Mode.String())
	b = infoLine(b, "os", runtime.GOOS+" "+runtime.GOARCH)
	b = infoInt(b, "arch_bits", strconv.IntSize)
	b = infoLine(b, "go_version", runtime.Version())
	b = infoInt(b, "process_id", int64(os.Getpid()))
	b = infoInt(b, "tcp_port", int64(s.port()))
	b = infoInt(b, "uptime_in_seconds", int64(up/time.Second))
	b = infoInt(b, "uptime_in_days", int64(up/(24*time.Hour)))
	b = infoInt(b, "hz", int64(s.cfg.Hz))
	b = infoInt(b, "shards", int64(s.store.Shards()))
	return infoLine(b, "executable", exe)
}

func (s *Server) port() int {
	if a, ok := s.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return s.cfg.Port
}

func (s *Server) infoClients(b []byte) []byte {
	s.mu.Lock()
	n := len(s.clients)
	s.mu.Unlock()
	b = infoInt(b, "connected_clients", int64(n))
	b = infoInt(b, "maxclients", int64(s.cfg.MaxClients))
	return infoInt(b, "blocked_clients", s.blocks.clients.Load())
}

func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatUint(n, 10) + "B"
	}
	f, suffix := float64(n), "KMGTPE"
	i := -1
	for f >= unit && i < len(suffix)-1 {
		f /= unit
		i++
	}
	return strconv.FormatFloat(f, 'f', 2, 64) + string(suffix[i])
}

func (s *Server) infoStats(b []byte) []byte {
	st := s.store.Stats()
	cs := s.cycle.Stats()
	b = infoInt(b, "total_connections_received", s.stats.connections.Load())
	b = infoInt(b, "total_commands_processed", s.stats.commands.Load())
	b = infoInt(b, "rejected_connections", s.stats.rejected.Load())
	b = infoInt(b, "expired_keys", int64(st.ExpiredKeys-s.stats.expiredBase.Load()))
	b = infoLine(b, "expired_stale_perc", strconv.FormatFloat(cs.StalePerc, 'f', 2, 64))
	b = infoInt(b, "expired_time_cap_reached_count", int64(cs.TimeCapReached))
	b = infoInt(b, "expire_cycles", int64(cs.Cycles))
	b = infoInt(b, "evicted_keys", int64(st.EvictedKeys-s.stats.evictedBase.Load()))
	b = infoInt(b, "oom_rejected_commands", s.stats.oom.Load())
	b = infoInt(b, "client_output_timeouts", s.stats.slowWriters.Load())
	b = infoInt(b, "client_output_buffer_limit_disconnections", s.stats.outputLimit.Load())
	return infoInt(b, "command_panics", s.stats.panics.Load())
}

// evictedKeys is INFO's evicted_keys: evictions since the last RESETSTAT.
func (s *Server) evictedKeys() int64 {
	return int64(s.store.Stats().EvictedKeys - s.stats.evictedBase.Load())
}

// resetStats is CONFIG RESETSTAT: it zeroes every counter INFO stats
// reports, as Redis's resetServerStats does (the expiry cycle's included).
// The store's own counters only grow, so INFO reports them less the
// values they had now.
func (s *Server) resetStats() {
	st := s.store.Stats()
	s.stats.expiredBase.Store(st.ExpiredKeys)
	s.stats.evictedBase.Store(st.EvictedKeys)
	s.stats.connections.Store(0)
	s.stats.rejected.Store(0)
	s.stats.commands.Store(0)
	s.stats.panics.Store(0)
	s.stats.oom.Store(0)
	s.stats.slowWriters.Store(0)
	s.stats.outputLimit.Store(0)
	s.cycle.ResetStats()
}

// infoKeyspace prints a line per database that holds keys, as Redis does.
func (s *Server) infoKeyspace(b []byte) []byte {
	now := s.now()
	for n := range s.store.DBs() {
		db := s.store.DB(n)
		keys, volatile := db.Size()
		if keys == 0 {
			continue
		}
		b = append(b, "db"...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, ":keys="...)
		b = strconv.AppendInt(b, int64(keys), 10)
		b = append(b, ",expires="...)
		b = strconv.AppendInt(b, int64(volatile), 10)
		b = append(b, ",avg_ttl="...)
		b = strconv.AppendInt(b, db.AvgTTL(now), 10)
		b = append(b, "\r\n"...)
	}
	return b
}

// clientUnblock implements CLIENT UNBLOCK id [TIMEOUT|ERROR]: the blocked
// client answers as if timed out, or with the UNBLOCKED error; 1 when the
// client was blocked.
func (c *client) clientUnblock(args [][]byte) {
	id, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	reason := blockUnblockTimeout
	if len(args) == 4 {
		switch {
		case equalFold(args[3], "TIMEOUT"):
		case equalFold(args[3], "ERROR"):
			reason = blockUnblockError
		default:
			c.w.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	}
	var target *client
	c.srv.mu.Lock()
	for other := range c.srv.clients {
		if other.id == id {
			target = other
			break
		}
	}
	c.srv.mu.Unlock()
	if target != nil && target.unblock(reason) {
		c.w.Int(1)
		return
	}
	c.w.Int(0)
}
