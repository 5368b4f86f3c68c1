package server

import (
	"bufio"
	"errors"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/miniredis/miniredis/codec"
	"github.com/miniredis/miniredis/rdb"
	"github.com/miniredis/miniredis/shard"
)

// MIGRATE moves keys to another server as Redis 7.0's migrateCommand does:
// each key's DUMP payload goes out as a RESTORE (RESTORE-ASKING in cluster
// mode, so that the target takes it into a slot it is importing) with the
// key's remaining TTL, all of them pipelined in one write, and the keys the
// target acknowledged are deleted here unless COPY was given.
//
// The keys' shards stay write-locked from the DUMP to the DEL. Redis holds
// its whole keyspace for the exchange (it is single-threaded); holding less
// than the keys themselves would let a write acknowledged between the DUMP
// and the DEL be lost, which a reshard under load would hit. On an event
// loop the exchange runs off the loop (client.offLoop), so the loop only
// waits if one of its other clients touches one of those shards meanwhile.

// MIGRATE's reply texts, as Redis writes them.
const (
	msgMigrateKeysArg = "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"
	msgMigrateConnect = "IOERR error or timeout connecting to the client"
	msgMigrateWrite   = "IOERR error or timeout writing to target instance"
	msgMigrateRead    = "IOERR error or timeout reading to target instance"
	msgMigrateTarget  = "ERR Target instance replied with error: "
)

// The cache of connections to MIGRATE targets: Redis's
// MIGRATE_SOCKET_CACHE_ITEMS and MIGRATE_SOCKET_CACHE_TTL.
const (
	migrateCacheItems = 64
	migrateCacheTTL   = 10 * time.Second
	// migrateLineMax is the longest reply line read back, the buffer size
	// Redis reads each reply into.
	migrateLineMax = 1024
)

// migrateReq is one parsed MIGRATE call. Its slices point into the
// client's read buffer, which stays put until the command is done (also
// off the loop).
type migrateReq struct {
	host, port    []byte
	db            int64
	timeout       time.Duration
	copy, replace bool
	user, pass    []byte
	auth          bool
	keys          [][]byte
}

// migrateKeys finds MIGRATE's keys as Redis's migrateGetKeys does: the key
// argument, or with an empty one, everything after the first KEYS.
func migrateKeys(dst, args [][]byte) [][]byte {
	if len(args) > 6 && len(args[3]) == 0 {
		for i := 6; i < len(args); i++ {
			if equalFold(args[i], "KEYS") {
				return append(dst, args[i+1:]...)
			}
		}
	}
	if len(args) > 3 {
		dst = append(dst, args[3])
	}
	return dst
}

// cmdMigrate is MIGRATE host port key|"" destination-db timeout [COPY]
// [REPLACE] [AUTH password] [AUTH2 username password] [KEYS key ...].
func cmdMigrate(c *client, args [][]byte) {
	m := migrateReq{host: args[1], port: args[2], keys: args[3:4]}
	for j := 6; j < len(args); j++ {
		more := len(args) - 1 - j
		switch {
		case equalFold(args[j], "COPY"):
			m.copy = true
		case equalFold(args[j], "REPLACE"):
			m.replace = true
		case equalFold(args[j], "AUTH") && more >= 1:
			j++
			m.pass, m.auth = args[j], true
		case equalFold(args[j], "AUTH2") && more >= 2:
			m.user, m.pass, m.auth = args[j+1], args[j+2], true
			j += 2
		case equalFold(args[j], "KEYS"):
			if len(args[3]) != 0 {
				c.w.Error(msgMigrateKeysArg)
				return
			}
			m.keys = args[j+1:]
			j = len(args)
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	timeout, ok := c.intArg(args[5])
	if !ok {
		return
	}
	db, ok := c.intArg(args[4])
	if !ok {
		return
	}
	if timeout <= 0 {
		timeout = 1000
	}
	m.db = int64(db)
	m.timeout = time.Duration(min(int64(timeout), int64(time.Duration(1<<62)/time.Millisecond))) * time.Millisecond
	if c.loop != nil && c.db.Held() == nil {
		// Connecting and waiting for the target can take up to the
		// timeout: the loop goes on serving its other clients meanwhile.
		c.offLoop = func() { c.migrate(&m) }
		c.offLoopNow = true
		return
	}
	c.migrate(&m)
}

// migrate runs a parsed MIGRATE on the goroutine that owns the client.
func (c *client) migrate(m *migrateReq) {
	// The DELs are logged in the order of the writes to those keys: the
	// write-order lock comes before the shard locks, as for any write.
	if !m.copy {
		if locked := c.aofLock(); locked {
			defer func() {
				c.effects = false
				c.aofUnlock()
			}()
		}
	}
	now := c.now()
	c.db.UpdateMulti(m.keys, now, func(tx *shard.Tx) {
		c.migrateHeld(m, tx, now)
	})
}

// migrateHeld is the exchange with the target while the keys' shards are
// held: the present keys' payloads, one pipelined write, a reply line per
// command, and the deletion of what the target took.
func (c *client) migrateHeld(m *migrateReq, tx *shard.Tx, now int64) {
	enc := encoders.Get().(*rdb.Encoder)
	defer encoders.Put(enc)
	var (
		keys     [][]byte
		payloads [][]byte
		ttls     []int64
	)
	for _, k := range m.keys {
		e := tx.Entry(k)
		if !e.Exists() {
			continue
		}
		v := e.Value()
		if !rdb.Supports(v.Kind()) {
			c.w.Error(msgDumpUnsupported)
			return
		}
		var ttl int64
		if exp := v.ExpireAt(); exp > 0 {
			ttl = max(exp-now, 1)
		}
		keys = append(keys, k)
		payloads = append(payloads, enc.AppendDump(nil, v))
		ttls = append(ttls, ttl)
	}
	if len(keys) == 0 {
		c.w.Simple("NOKEY")
		return
	}
	s := c.srv
	restore := "RESTORE"
	if s.cluster != nil {
		restore = "RESTORE-ASKING"
	}
	target := string(m.host) + ":" + string(m.port)
	retry := true
	for {
		mc, err := s.migrateConns.take(target, m.timeout)
		if err != nil {
			// Redis connects without blocking and waits for the socket
			// to become writable: only a timeout fails the connection;
			// a refused one fails the write that follows.
			if isTimeout(err) {
				c.w.Error(msgMigrateConnect)
				return
			}
			if retry {
				retry = false
				continue
			}
			c.w.Error(msgMigrateWrite)
			return
		}
		sel := mc.lastDB != m.db
		var buf []byte
		if m.auth {
			if m.user != nil {
				buf = codec.AppendArrayLen(buf, 3)
				buf = codec.AppendBulkString(buf, "AUTH")
				buf = codec.AppendBulk(buf, m.user)
			} else {
				buf = codec.AppendArrayLen(buf, 2)
				buf = codec.AppendBulkString(buf, "AUTH")
			}
			buf = codec.AppendBulk(buf, m.pass)
		}
		if sel {
			buf = codec.AppendArrayLen(buf, 2)
			buf = codec.AppendBulkString(buf, "SELECT")
			buf = codec.AppendBulk(buf, strconv.AppendInt(nil, m.db, 10))
		}
		for i, k := range keys {
			n := 4
			if m.replace {
				n = 5
			}
			buf = codec.AppendArrayLen(buf, n)
			buf = codec.AppendBulkString(buf, restore)
			buf = codec.AppendBulk(buf, k)
			buf = codec.AppendBulk(buf, strconv.AppendInt(nil, ttls[i], 10))
			buf = codec.AppendBulk(buf, payloads[i])
			if m.replace {
				buf = codec.AppendBulkString(buf, "REPLACE")
			}
		}
		res := mc.exchange(buf, m.auth, sel, len(keys), m.timeout)
		var moved [][]byte
		for i, k := range keys {
			if m.copy || !res.took[i] {
				continue
			}
			tx.Entry(k).Delete()
			c.notify(notifyGeneric, "del", k)
			moved = append(moved, k)
		}
		if len(moved) > 0 {
			c.effect(append([][]byte{[]byte("DEL")}, moved...)...)
		}
		switch {
		case res.targetErr != "":
			// After an error reply Redis no longer trusts the target's
			// selected database.
			mc.lastDB = -1
			if res.err != nil {
				mc.close()
			} else {
				s.migrateConns.put(target, mc)
			}
			c.w.Error(msgMigrateTarget + res.targetErr)
			return
		case res.err == nil:
			mc.lastDB = m.db
			s.migrateConns.put(target, mc)
			c.w.OK()
			return
		}
		mc.close()
		// A cached connection the target closed meanwhile is common:
		// Redis tries a new one once, unless the first try timed out or
		// the target answered a RESTORE already.
		if retry && res.replies == 0 && !isTimeout(res.err) {
			retry = false
			continue
		}
		if res.writeErr {
			c.w.Error(msgMigrateWrite)
		} else {
			c.w.Error(msgMigrateRead)
		}
		return
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// migrateResult is what came back of one exchange.
type migrateResult struct {
	took      []bool // per key: the target answered its RESTORE without error
	replies   int    // RESTORE replies read
	targetErr string // the first error the target replied, without its '-'
	err       error  // a write or read failure
	writeErr  bool   // err happened writing
}

// migrateConn is a connection to a MIGRATE target, kept for the next
// MIGRATE to the same address.
type migrateConn struct {
	conn    net.Conn
	r       *bufio.Reader
	lastDB  int64 // the database the target has selected; -1 unknown
	lastUse time.Time
}

// exchange writes buf in 64 KiB chunks and reads the replies of its AUTH
// and SELECT (when sent) and of n RESTOREs, each within timeout, as
// Redis's connSyncWrite and connSyncReadLine do.
func (mc *migrateConn) exchange(buf []byte, auth, sel bool, n int, timeout time.Duration) migrateResult {
	res := migrateResult{took: make([]bool, n)}
	for len(buf) > 0 {
		chunk := buf[:min(len(buf), 64<<10)]
		_ = mc.conn.SetWriteDeadline(time.Now().Add(timeout))
		if _, err := mc.conn.Write(chunk); err != nil {
			res.err, res.writeErr = err, true
			return res
		}
		buf = buf[len(chunk):]
	}
	var authLine, selLine string
	var err error
	if auth {
		if authLine, err = mc.readLine(timeout); err != nil {
			res.err = err
			return res
		}
	}
	if sel {
		if selLine, err = mc.readLine(timeout); err != nil {
			res.err = err
			return res
		}
	}
	for i := range n {
		line, err := mc.readLine(timeout)
		if err != nil {
			res.err = err
			return res
		}
		res.replies++
		// A failed AUTH or SELECT fails every RESTORE behind it; the
		// first error is the one reported.
		bad := line
		switch {
		case auth && isErrLine(authLine):
			bad = authLine
		case sel && isErrLine(selLine):
			bad = selLine
		}
		switch {
		case !isErrLine(bad):
			res.took[i] = true
		case res.targetErr == "":
			res.targetErr = bad[1:]
		}
	}
	return res
}

func isErrLine(s string) bool { return len(s) > 0 && s[0] == '-' }

// readLine reads one reply line without its CRLF, truncated to
// migrateLineMax bytes as Redis's buffer truncates it.
func (mc *migrateConn) readLine(timeout time.Duration) (string, error) {
	_ = mc.conn.SetReadDeadline(time.Now().Add(timeout))
	var line []byte
	for {
		b, err := mc.r.ReadSlice('\n')
		if len(line) < migrateLineMax {
			line = append(line, b[:min(len(b), migrateLineMax-len(line))]...)
		}
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return "", err
		}
	}
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	return string(line), nil
}

func (mc *migrateConn) close() { _ = mc.conn.Close() }

// migrateCache keeps the idle connections to MIGRATE targets by
// "host:port". A MIGRATE takes its connection out while it uses it, so
// two at once to one target each get one; the second to come back is
// closed.
type migrateCache struct {
	mu     sync.Mutex
	conns  map[string]*migrateConn
	closed bool
}

// take returns the cached connection to target, or a new one.
func (mc *migrateCache) take(target string, timeout time.Duration) (*migrateConn, error) {
	mc.mu.Lock()
	if c := mc.conns[target]; c != nil {
		delete(mc.conns, target)
		mc.mu.Unlock()
		return c, nil
	}
	mc.mu.Unlock()
	host, port, _ := cutLast(target, ':')
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), timeout)
	if err != nil {
		return nil, err
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	return &migrateConn{conn: conn, r: bufio.NewReader(conn), lastDB: -1}, nil
}

// cutLast splits s around the last sep (hosts may be IPv6 addresses).
func cutLast(s string, sep byte) (before, after string, found bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// put returns c to the cache, making room as Redis does (a random entry
// goes when it is full).
func (mc *migrateCache) put(target string, c *migrateConn) {
	c.lastUse = time.Now()
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if mc.closed || mc.conns[target] != nil {
		c.close()
		return
	}
	if mc.conns == nil {
		mc.conns = make(map[string]*migrateConn)
	}
	if len(mc.conns) >= migrateCacheItems {
		victim := rand.IntN(len(mc.conns))
		for k, old := range mc.conns {
			if victim == 0 {
				old.close()
				delete(mc.conns, k)
				break
			}
			victim--
		}
	}
	mc.conns[target] = c
}

// closeIdle closes the connections unused for migrateCacheTTL, as Redis's
// migrateCloseTimedoutSockets does once a second.
func (mc *migrateCache) closeIdle(now time.Time) {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	for k, c := range mc.conns {
		if now.Sub(c.lastUse) > migrateCacheTTL {
			c.close()
			delete(mc.conns, k)
		}
	}
}

// closeAll closes every cached connection at shutdown.
func (mc *migrateCache) closeAll() {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	mc.closed = true
	for k, c := range mc.conns {
		c.close()
		delete(mc.conns, k)
	}
}
