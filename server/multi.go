package server

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/miniredis/miniredis/shard"
)

// Transactions: MULTI queues commands, EXEC runs them with every shard they
// touch write-locked (shard.Held), so no other client sees part of them while
// clients on other shards carry on. WATCH is optimistic locking on top: the
// store's Observer marks a client whose watched key changes, and EXEC then
// answers nil without running anything.

// multiState is a client's open transaction.
type multiState struct {
	queued  [][][]byte // copied arguments of each queued command
	cmds    []*command // their table rows
	abort   bool       // a command was refused while queuing: EXEC answers EXECABORT
	scripts bool       // a script or function is queued
}

// watchKey names a watched key.
type watchKey struct {
	db  int
	key string
}

// watchedKey is a key a client watches, as the client keeps it.
type watchedKey struct {
	watchKey
	expired bool // logically expired when watched
}

// keyWatcher is one client watching one key. expired records that the key was
// already logically expired at WATCH time, so that reclaiming it later is no
// change (Redis 7.0's rule).
type keyWatcher struct {
	c       *client
	expired bool
}

// watchRegistry maps watched keys to their watchers, for every client.
// mu guards m; n counts watched keys so that writes skip the mutex when
// nobody watches. Lock order: a shard lock, then mu (the Observer runs under
// shard locks); WATCH and EXEC never hold a shard lock while taking mu.
type watchRegistry struct {
	mu sync.Mutex
	m  map[watchKey][]keyWatcher
	n  atomic.Int64
}

// touched marks the watchers of key dirty.
func (w *watchRegistry) touched(db int, key []byte, ev shard.Event) {
	if w.n.Load() == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, wt := range w.m[watchKey{db, string(key)}] {
		if ev == shard.Expired && wt.expired {
			continue // already gone when watched: reclaiming it changes nothing
		}
		wt.c.dirtyCAS.Store(true)
	}
}

// flushed marks the watchers of keys that existed in a flushed database.
func (w *watchRegistry) flushed(db int, had func([]byte) bool) {
	if w.n.Load() == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for wk, ws := range w.m {
		if wk.db != db || !had([]byte(wk.key)) {
			continue
		}
		for _, wt := range ws {
			wt.c.dirtyCAS.Store(true)
		}
	}
}

// add registers c as a keyWatcher of key in db, once.
func (w *watchRegistry) add(c *client, db int, key []byte, expired bool) bool {
	wk := watchKey{db, string(key)}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = make(map[watchKey][]keyWatcher)
	}
	for _, wt := range w.m[wk] {
		if wt.c == c {
			return false
		}
	}
	w.m[wk] = append(w.m[wk], keyWatcher{c: c, expired: expired})
	w.n.Add(1)
	return true
}

// remove drops c's watch of wk.
func (w *watchRegistry) remove(c *client, wk watchKey) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ws := w.m[wk]
	for i, wt := range ws {
		if wt.c == c {
			ws = slices.Delete(ws, i, i+1)
			w.n.Add(-1)
			break
		}
	}
	if len(ws) == 0 {
		delete(w.m, wk)
	} else {
		w.m[wk] = ws
	}
}

// observer is what the store reports key changes to; it fans them out to
// the server's subsystems.
type observer struct{ s *Server }

func (o observer) Touched(db int, key []byte, ev shard.Event) { o.TouchedBy(db, key, ev, nil) }

// TouchedBy is Touched with the writing client (nil for the expiry cycle
// and eviction), which client-side caching needs.
func (o observer) TouchedBy(db int, key []byte, ev shard.Event, actor any) {
	if o.s.track.live.Load() != 0 {
		o.s.track.touched(key, actor)
	}
	o.s.watches.touched(db, key, ev)
	o.s.blocks.touched(db, key)
	if ev != shard.Modified {
		o.s.notifyTouched(db, key, ev)
		o.s.logDeletion(db, key, ev)
	}
	if o.s.slotKeys != nil && db == 0 {
		o.s.slotKeys.touch(key, ev)
	}
}
func (o observer) Flushed(db int, had func([]byte) bool) { o.s.watches.flushed(db, had) }

// multiImmediate reports whether cmd runs at once inside MULTI instead of
// being queued.
func multiImmediate(cmd *command) bool {
	switch cmd.name {
	case "EXEC", "DISCARD", "MULTI", "WATCH", "QUIT", "RESET":
		return true
	}
	return false
}

// queue adds a command to the open transaction, copying its arguments (they
// point into the read buffer).
func (c *client) queue(cmd *command, args [][]byte) {
	cp := make([][]byte, len(args))
	for i, a := range args {
		cp[i] = append([]byte(nil), a...)
	}
	c.multi.queued = append(c.multi.queued, cp)
	c.multi.cmds = append(c.multi.cmds, cmd)
	c.multiLen.Add(1)
	if cmd.flags&flagScript != 0 {
		c.multi.scripts = true
	}
	c.w.Simple("QUEUED")
}

func cmdMulti(c *client, args [][]byte) {
	if c.multi != nil {
		c.w.Error(msgMultiNested)
		return
	}
	c.multi = &multiState{}
	c.multiLen.Store(0)
	c.w.OK()
}

func cmdDiscard(c *client, args [][]byte) {
	if c.multi == nil {
		c.w.Error(msgDiscardNoMulti)
		return
	}
	c.multi = nil
	c.multiLen.Store(-1)
	c.unwatchAll()
	c.w.OK()
}

func cmdWatch(c *client, args [][]byte) {
	if c.multi != nil {
		c.w.Error(msgWatchInMulti)
		return
	}
	now := c.now()
	for _, k := range args[1:] {
		// Registered before the key is looked at: a change in between
		// marks the client, which errs on the safe side.
		db := c.db.Index()
		expired := c.db.Expired(k, now)
		if c.srv.watches.add(c, db, k, expired) {
			c.watched = append(c.watched, watchedKey{watchKey{db, string(k)}, expired})
		}
	}
	c.w.OK()
}

func cmdUnwatch(c *client, args [][]byte) {
	c.unwatchAll()
	c.w.OK()
}

// unwatchAll drops every watch of the client and clears its dirty mark.
func (c *client) unwatchAll() {
	for _, wk := range c.watched {
		c.srv.watches.remove(c, wk.watchKey)
	}
	c.watched = c.watched[:0]
	c.dirtyCAS.Store(false)
}

// watchFailed reports whether a watched key changed since WATCH, or has
// expired since (Redis 7.0 counts an expiry that nobody has reclaimed yet).
// h holds the shards of the watched keys.
func (c *client) watchFailed(h *shard.Held) bool {
	if c.dirtyCAS.Load() {
		return true
	}
	now := c.now()
	for _, wk := range c.watched {
		if !wk.expired && h.DB(wk.db).Expired([]byte(wk.key), now) {
			return true
		}
	}
	return false
}

func cmdExec(c *client, args [][]byte) {
	m := c.multi
	if m == nil {
		c.w.Error(msgExecNoMulti)
		return
	}
	c.multi = nil
	c.multiLen.Store(-1)
	if m.abort {
		c.unwatchAll()
		c.w.Error(msgExecAbort)
		return
	}
	if m.scripts && c.loop != nil {
		// The script lock and the script itself may take long: off the
		// event loop, as for a script outside a transaction (runScript).
		c.offLoop = func() { c.execQueued(m) }
		return
	}
	c.execQueued(m)
}

// execQueued runs the queued commands of m under the shards they need.
func (c *client) execQueued(m *multiState) {
	// Lock order: the append-only log's, the script lock, then shards.
	if c.aofLock() {
		defer c.aofUnlock()
	}
	if c.logging() {
		b := c.aofBeginBlock()
		defer func() {
			c.aofBlock = nil
			c.srv.aofEndBlock(b)
		}()
	}
	if m.scripts {
		// A script in the transaction may wait for a shard it did not
		// declare; only the holder of the script lock may, so take it
		// first (lock order: script lock, then shards).
		c.srv.scripts.lock()
		defer c.srv.scripts.unlock()
	}
	h := c.holdFor(m)
	defer c.unwatchAll()
	if c.watchFailed(h) {
		h.Release()
		c.w.NullArray()
		return
	}
	plain := c.db
	c.db = h.DB(plain.Index()).WithActor(c)
	defer func() {
		// SELECT inside the transaction sticks, as in Redis.
		c.db = c.srv.store.DB(c.db.Index()).WithActor(c)
		c.dbNum.Store(int32(c.db.Index()))
		h.Release()
	}()
	c.w.ArrayLen(len(m.queued))
	for i, qa := range m.queued {
		c.call(m.cmds[i], qa)
	}
}

// holdFor locks the shards the queued commands (and the watched keys) need:
// those of their keys, or all of them when a command works on the keyspace
// without naming keys (KEYS, SCAN, DBSIZE, FLUSHALL...).
func (c *client) holdFor(m *multiState) *shard.Held {
	keys := c.keys[:0]
	for _, wk := range c.watched {
		keys = append(keys, []byte(wk.key))
	}
	for i, qa := range m.queued {
		cmd := m.cmds[i]
		if cmd.needsAll(qa) {
			c.keys = keys[:0]
			return c.srv.store.HoldAll()
		}
		keys = cmd.appendKeys(keys, qa)
	}
	h := c.srv.store.Hold(keys)
	clear(keys)
	c.keys = keys[:0]
	return h
}

// keyless reports whether cmd touches the keyspace without naming its keys
// in its arguments, so a transaction must hold every shard to run it.
func (cmd *command) keyless() bool {
	return cmd.flags&(flagRead|flagWrite) != 0 && cmd.firstKey == 0 && cmd.keysFn == nil
}

// needsAll reports whether a call of cmd with args must see every shard:
// it names no keys (keyless), or it reaches keys it does not name (SORT's
// BY and GET patterns).
func (cmd *command) needsAll(args [][]byte) bool {
	return cmd.keyless() || cmd.reaches != nil && cmd.reaches(args)
}

// appendKeys appends the keys that args of cmd name, by the table's key
// positions (or its key function), to dst.
func (cmd *command) appendKeys(dst [][]byte, args [][]byte) [][]byte {
	if cmd.keysFn != nil {
		return cmd.keysFn(dst, args)
	}
	if cmd.firstKey <= 0 {
		return dst
	}
	last := cmd.lastKey
	if last < 0 {
		last += len(args)
	}
	step := max(cmd.step, 1)
	for i := cmd.firstKey; i <= last && i < len(args); i += step {
		dst = append(dst, args[i])
	}
	return dst
}
