package server

import (
	"crypto/subtle"
	"fmt"
	"strconv"
	"strings"

	"github.com/miniredis/miniredis/shard"
)

const (
	// redisVersion is the Redis release whose behaviour we follow; clients
	// that gate features on the server version read it from HELLO and INFO.
	redisVersion = "7.0.0"
	// Version is miniredis's own version.
	Version = "0.1.0"
)

func cmdPing(c *client, args [][]byte) {
	if len(args) <= 2 && c.ps.subscribed() && c.w.Proto() == 2 {
		// A subscribed RESP2 client tells replies from messages by shape.
		c.w.ArrayLen(2)
		c.w.BulkString("pong")
		if len(args) == 2 {
			c.w.Bulk(args[1])
		} else {
			c.w.BulkString("")
		}
		return
	}
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
	if c.srv.cluster != nil {
		// Redis parses the index as an int, then refuses all but 0.
		if n, ok := parseInt(args[1]); ok && n != 0 && n == int64(int32(n)) {
			c.w.Error(msgSelectCluster)
			return
		}
	}
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
		return h.DB(n).WithActor(c.db.Actor())
	}
	return c.srv.store.DB(n).WithActor(c.db.Actor())
}

// checkPassword compares in constant time so the reply's timing does not
// reveal how much of a guess was right.
func (c *client) checkPassword(user, pass []byte) bool {
	want := c.srv.requirePass()
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
		if c.srv.requirePass() == "" {
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
	c.resp.Store(int32(proto))
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
			b = other.appendInfo(b, now, other == c)
		}
		c.srv.mu.Unlock()
		c.w.Verbatim(string(b))
	case equalFold(sub, "UNBLOCK") && (len(args) == 3 || len(args) == 4):
		c.clientUnblock(args)
	case equalFold(sub, "INFO") && len(args) == 2:
		c.w.Verbatim(string(c.appendInfo(nil, c.now(), true)))
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
	case c.clientAdmin(sub, args):
	case c.clientTracking(sub, args):
	case equalFold(sub, "ID") || equalFold(sub, "SETNAME") || equalFold(sub, "GETNAME") ||
		equalFold(sub, "SETINFO") || equalFold(sub, "LIST") || equalFold(sub, "INFO") ||
		equalFold(sub, "UNBLOCK"):
		subArityError(c, args[0], sub)
	default:
		c.w.Error(fmt.Sprintf(msgUnknownSub, sub, "CLIENT"))
	}
}

// appendInfo appends this client's CLIENT LIST line as of now (unix ms on
// the server's clock), with Redis 7.0's fields in its order. self is true
// when the client describes itself (CLIENT INFO, or its own line in CLIENT
// LIST): then its buffers are read exactly; another client's are its own
// goroutine's, and show as of its last batch or as 0.
func (c *client) appendInfo(b []byte, now int64, self bool) []byte {
	c.mu.Lock()
	name := c.name
	c.mu.Unlock()
	age := (now - c.created.UnixMilli()) / 1000
	idle := (now - c.lastActive.Load()) / 1000
	var qbuf, qfree, argvMem, obl int64
	if self {
		qbuf = int64(c.r.Buffered())
		obl = int64(c.w.Buffered())
		for _, a := range c.lastArgs {
			argvMem += int64(len(a))
		}
	}
	b = append(b, "id="...)
	b = strconv.AppendInt(b, c.id, 10)
	b = append(b, " addr="...)
	b = append(b, c.addr...)
	b = append(b, " laddr="...)
	b = append(b, c.laddr...)
	b = append(b, " fd="...)
	b = strconv.AppendInt(b, int64(c.fd), 10)
	b = append(b, " name="...)
	b = append(b, name...)
	b = append(b, " age="...)
	b = strconv.AppendInt(b, max(age, 0), 10)
	b = append(b, " idle="...)
	b = strconv.AppendInt(b, max(idle, 0), 10)
	multi := c.multiLen.Load()
	b = append(b, " flags="...)
	switch {
	case multi >= 0:
		b = append(b, 'x')
	case c.blocked.Load() != nil:
		b = append(b, 'b')
	}
	b = c.appendTrackFlags(b)
	if b[len(b)-1] == '=' {
		b = append(b, 'N')
	}
	b = append(b, " db="...)
	b = strconv.AppendInt(b, int64(c.dbNum.Load()), 10)
	b = append(b, " sub=0 psub=0 ssub=0 multi="...)
	b = strconv.AppendInt(b, int64(multi), 10)
	b = append(b, " qbuf="...)
	b = strconv.AppendInt(b, qbuf, 10)
	b = append(b, " qbuf-free="...)
	b = strconv.AppendInt(b, qfree, 10)
	b = append(b, " argv-mem="...)
	b = strconv.AppendInt(b, argvMem, 10)
	b = append(b, " multi-mem=0 rbs=0 rbp=0 obl="...)
	b = strconv.AppendInt(b, obl, 10)
	b = append(b, " oll=0 omem=0 tot-mem="...)
	b = strconv.AppendInt(b, qbuf+argvMem+obl, 10)
	b = append(b, " events=r cmd="...)
	if cmd := c.lastCmd.Load(); cmd != nil {
		b = append(b, cmd.lowerName()...)
	} else {
		b = append(b, "NULL"...)
	}
	b = append(b, " user=default redir="...)
	b = strconv.AppendInt(b, c.trackRedir(), 10)
	b = append(b, " resp="...)
	b = strconv.AppendInt(b, int64(c.resp.Load()), 10)
	return append(b, '\n')
}

func cmdTime(c *client, args [][]byte) {
	now := c.srv.nowFn()
	c.w.ArrayLen(2)
	c.w.BulkString(strconv.FormatInt(now.Unix(), 10))
	c.w.BulkString(strconv.FormatInt(int64(now.Nanosecond()/1000), 10))
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
	s.stats.panics.Store(0)
	s.stats.oom.Store(0)
	s.stats.slowWriters.Store(0)
	s.stats.outputLimit.Store(0)
	s.cycle.ResetStats()
	s.cmdStats.reset()
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
