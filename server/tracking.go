package server

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/miniredis/miniredis/codec"
)

// Client-side caching (CLIENT TRACKING), as Redis 7.0 does it.
//
// Default mode: the keys a tracking client reads are remembered in a
// table from key name to client IDs (key names only, every database alike,
// as Redis's), one table per store shard so that readers and writers of
// different shards do not meet on one lock. A change of a remembered key
// (the store's Observer, which also feeds WATCH, blocked clients and
// keyspace notifications) removes it from the table and sends each of its
// clients one "invalidate" message. BCAST mode remembers nothing: every
// changed key that starts with one of the client's prefixes is sent.
//
// What nothing pays while no client tracks: a write's observer call loads
// one atomic (tracker.live) and returns; a command checks two plain fields
// of its own client (track, trkPend). GET and SET do nothing else.
//
// Delivery goes through the outbox Pub/Sub uses: a tracking client gets
// one when it turns tracking on, so a writer on any goroutine or event
// loop appends the message to it and wakes its owner, without a goroutine
// per message. RESP3 clients get a ">2 invalidate [keys]" push; a client
// that redirects (REDIRECT id) has its messages sent to that client
// instead, as a push in RESP3 or, in RESP2, as a Pub/Sub message on
// __redis__:invalidate when the target is in subscribed mode. FLUSHALL and
// FLUSHDB send a null in place of the keys to every tracking client.
//
// Order. A reading client's keys are remembered before the command reads
// them, and while the client has replies not yet handed to its outbox,
// invalidations for it wait behind them (outbox.hold): a change that races
// with the read may cost an extra invalidation, never a stale cache entry.
// So a client's own writes invalidate after their reply, as in Redis, but
// after the reply of its whole pipelined batch rather than of that one
// command. BCAST invalidations are batched per writing command (Redis
// batches them per event-loop iteration) and grouped per prefix, each
// group's keys sorted and unique as Redis's radix tree gives them; other
// clients get them before the writer's reply is sent, as in Redis, where
// they are queued before the replies are written.
//
// Left as Redis has them: a client that turns tracking off keeps its
// entries in the table until the keys change (they are then dropped
// without a message); a broken redirect is noticed when a message is due.
// Changes with no client behind them (the expiry cycle, eviction) are sent
// at once, one key per BCAST message. Not done: a redirect to a RESP3
// client that has no outbox (it never subscribed nor tracked) delivers
// nothing, since only the client's own goroutine may give it one.

// trackConf is a client's CLIENT TRACKING settings; immutable once
// published, so writers on other goroutines read it without a lock.
type trackConf struct {
	bcast, optin, optout, noloop bool
	redirID                      int64
	redir                        *client  // the REDIRECT target, nil without one
	prefixes                     []string // BCAST prefixes, sorted
}

// tracker is the server's tracking state.
type tracker struct {
	s *Server
	// live is the number of table keys plus BCAST prefix registrations:
	// while it is 0 a write's observer call returns at once.
	live atomic.Int64
	// INFO's counters.
	keys, items, nclients atomic.Int64
	nbcast                atomic.Int64 // prefix registrations of BCAST clients

	mu       sync.RWMutex
	clients  map[int64]*client               // tracking clients by ID
	prefixes map[string]map[*client]struct{} // BCAST prefix → its clients
	sorted   []string                        // the keys of prefixes, sorted

	tables []trackTable // by store shard
}

// trackTable is one shard's part of the default mode's table.
type trackTable struct {
	mu   sync.Mutex
	keys map[string]map[int64]struct{}
	_    [40]byte // keep neighbouring tables' locks on separate cache lines
}

func newTracker(s *Server) *tracker {
	return &tracker{
		s:        s,
		clients:  make(map[int64]*client),
		prefixes: make(map[string]map[*client]struct{}),
		tables:   make([]trackTable, s.store.Shards()),
	}
}

// trackPending is the BCAST invalidations one command caused, by prefix,
// sent when the command ends (tracker.flushPending).
type trackPending struct {
	byPrefix map[string][]string
}

// Redis's texts for CLIENT TRACKING and CLIENT CACHING.
const (
	msgTrackPrefixNoBcast = "ERR PREFIX option requires BCAST mode to be enabled"
	msgTrackSwitchBcast   = "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."
	msgTrackBcastOpt      = "ERR OPTIN and OPTOUT are not compatible with BCAST"
	msgTrackOptInOut      = "ERR You can't specify both OPTIN mode and OPTOUT mode"
	msgTrackSwitchOpt     = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."
	msgTrackRedirTwice    = "ERR A client can only redirect to a single other client"
	msgTrackRedirMissing  = "ERR The client ID you want redirect to does not exist"
	msgTrackPrefixExists  = "ERR Prefix '%s' overlaps with an existing prefix '%s'. Prefixes for a single client must not overlap."
	msgTrackPrefixOther   = "ERR Prefix '%s' overlaps with another provided prefix '%s'. Prefixes for a single client must not overlap."
	msgCachingNotTracking = "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"
	msgCachingYes         = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
	msgCachingNo          = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."
)

// clientTracking runs CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO
// and reports whether sub was one of them.
func (c *client) clientTracking(sub []byte, args [][]byte) bool {
	switch {
	case equalFold(sub, "TRACKING"):
		if len(args) < 3 {
			subArityError(c, args[0], sub)
		} else {
			c.trackingCmd(args)
		}
	case equalFold(sub, "CACHING"):
		if len(args) != 3 {
			subArityError(c, args[0], sub)
		} else {
			c.cachingCmd(args[2])
		}
	case equalFold(sub, "GETREDIR"):
		switch {
		case len(args) != 2:
			subArityError(c, args[0], sub)
		case c.track == nil:
			c.w.Int(-1)
		default:
			c.w.Int(c.track.redirID)
		}
	case equalFold(sub, "TRACKINGINFO"):
		if len(args) != 2 {
			subArityError(c, args[0], sub)
		} else {
			c.trackingInfo()
		}
	default:
		return false
	}
	return true
}

// trackingCmd is CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p]... [BCAST]
// [OPTIN] [OPTOUT] [NOLOOP], with Redis's checks in Redis's order.
func (c *client) trackingCmd(args [][]byte) {
	var next trackConf
	var prefixes []string
	for j := 3; j < len(args); j++ {
		more := j+1 < len(args)
		switch a := args[j]; {
		case equalFold(a, "REDIRECT") && more:
			j++
			if next.redirID != 0 {
				c.w.Error(msgTrackRedirTwice)
				return
			}
			id, ok := parseInt(args[j])
			if !ok {
				c.w.Error(msgNotInteger)
				return
			}
			if next.redir = c.srv.clientByID(id); next.redir == nil {
				c.w.Error(msgTrackRedirMissing)
				return
			}
			next.redirID = id
		case equalFold(a, "BCAST"):
			next.bcast = true
		case equalFold(a, "OPTIN"):
			next.optin = true
		case equalFold(a, "OPTOUT"):
			next.optout = true
		case equalFold(a, "NOLOOP"):
			next.noloop = true
		case equalFold(a, "PREFIX") && more:
			j++
			prefixes = append(prefixes, string(args[j]))
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	switch {
	case equalFold(args[2], "OFF"):
		c.srv.track.disable(c)
		c.w.OK()
		return
	case !equalFold(args[2], "ON"):
		c.w.Error(msgSyntax)
		return
	}
	cur := c.track
	switch {
	case !next.bcast && len(prefixes) > 0:
		c.w.Error(msgTrackPrefixNoBcast)
	case cur != nil && cur.bcast != next.bcast:
		c.w.Error(msgTrackSwitchBcast)
	case next.bcast && (next.optin || next.optout):
		c.w.Error(msgTrackBcastOpt)
	case next.optin && next.optout:
		c.w.Error(msgTrackOptInOut)
	case cur != nil && (next.optin && cur.optout || next.optout && cur.optin):
		c.w.Error(msgTrackSwitchOpt)
	default:
		if next.bcast {
			var old []string
			if cur != nil {
				old = cur.prefixes
			}
			if msg := prefixCollision(old, prefixes); msg != "" {
				c.w.Error(msg)
				return
			}
			if len(prefixes) == 0 {
				prefixes = []string{""}
			}
			next.prefixes = mergePrefixes(old, prefixes)
		}
		c.srv.track.enable(c, &next)
		c.w.OK()
	}
}

// prefixCollision is Redis's checkPrefixCollisionsOrReply: the error for
// the first new prefix that overlaps one the client has or a later new
// one, "" when none does.
func prefixCollision(old, add []string) string {
	overlap := func(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }
	for i, p := range add {
		for _, o := range old {
			if overlap(o, p) {
				return fmt.Sprintf(msgTrackPrefixExists, p, o)
			}
		}
		for _, q := range add[i+1:] {
			if overlap(p, q) {
				return fmt.Sprintf(msgTrackPrefixOther, p, q)
			}
		}
	}
	return ""
}

// mergePrefixes returns old and add together, sorted and unique.
func mergePrefixes(old, add []string) []string {
	all := append(slices.Clone(old), add...)
	slices.Sort(all)
	return slices.Compact(all)
}

// cachingCmd is CLIENT CACHING YES|NO: whether the next command's keys are
// remembered, in OPTIN and OPTOUT mode.
func (c *client) cachingCmd(opt []byte) {
	t := c.track
	yes := equalFold(opt, "YES")
	switch {
	case t == nil:
		c.w.Error(msgCachingNotTracking)
	case !yes && !equalFold(opt, "NO"):
		c.w.Error(msgSyntax)
	case yes && !t.optin:
		c.w.Error(msgCachingYes)
	case !yes && !t.optout:
		c.w.Error(msgCachingNo)
	default:
		// One flag serves both, as Redis's CLIENT_TRACKING_CACHING: its
		// meaning follows the mode.
		c.trkCaching = true
		c.w.OK()
	}
}

// trackingInfo is CLIENT TRACKINGINFO: a map of flags (a set in RESP3),
// redirect and prefixes.
func (c *client) trackingInfo() {
	t := c.track
	flags := []string{"off"}
	if t != nil {
		flags = []string{"on"}
		if t.bcast {
			flags = append(flags, "bcast")
		}
		if t.optin {
			flags = append(flags, "optin")
			if c.trkCaching {
				flags = append(flags, "caching-yes")
			}
		}
		if t.optout {
			flags = append(flags, "optout")
			if c.trkCaching {
				flags = append(flags, "caching-no")
			}
		}
		if t.noloop {
			flags = append(flags, "noloop")
		}
		if c.trkBroken.Load() {
			flags = append(flags, "broken_redirect")
		}
	}
	c.w.MapLen(3)
	c.w.BulkString("flags")
	c.w.SetLen(len(flags))
	for _, f := range flags {
		c.w.BulkString(f)
	}
	c.w.BulkString("redirect")
	if t == nil {
		c.w.Int(-1)
	} else {
		c.w.Int(t.redirID)
	}
	c.w.BulkString("prefixes")
	if t == nil {
		c.w.ArrayLen(0)
		return
	}
	c.w.ArrayLen(len(t.prefixes))
	for _, p := range t.prefixes {
		c.w.BulkString(p)
	}
}

// appendTrackFlags appends CLIENT LIST's tracking letters: t tracking, R
// broken redirect, B broadcast.
func (c *client) appendTrackFlags(b []byte) []byte {
	t := c.trk.Load()
	if t == nil {
		return b
	}
	b = append(b, 't')
	if c.trkBroken.Load() {
		b = append(b, 'R')
	}
	if t.bcast {
		b = append(b, 'B')
	}
	return b
}

// trackRedir is CLIENT LIST's redir field: the redirect, 0 without one,
// -1 when the client does not track.
func (c *client) trackRedir() int64 {
	if t := c.trk.Load(); t != nil {
		return t.redirID
	}
	return -1
}

// clientByID returns the connected client with the ID, nil when there is
// none.
func (s *Server) clientByID(id int64) *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	for o := range s.clients {
		if o.id == id {
			return o
		}
	}
	return nil
}

// prefixCount is INFO's tracking_total_prefixes: distinct BCAST prefixes.
func (t *tracker) prefixCount() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return int64(len(t.prefixes))
}

// enable turns tracking on for c with conf, or changes its settings.
func (t *tracker) enable(c *client, conf *trackConf) {
	c.ensureOutbox()
	t.mu.Lock()
	defer t.mu.Unlock()
	if old := c.track; old != nil {
		t.dropPrefixesLocked(c, old)
	} else {
		t.nclients.Add(1)
	}
	for _, p := range conf.prefixes {
		set := t.prefixes[p]
		if set == nil {
			set = make(map[*client]struct{})
			t.prefixes[p] = set
			i, _ := slices.BinarySearch(t.sorted, p)
			t.sorted = slices.Insert(t.sorted, i, p)
		}
		set[c] = struct{}{}
		t.nbcast.Add(1)
		t.live.Add(1)
	}
	t.clients[c.id] = c
	c.trkBroken.Store(false)
	c.track = conf
	c.trk.Store(conf)
}

// disable turns tracking off for c (CLIENT TRACKING OFF, RESET, close).
func (t *tracker) disable(c *client) {
	old := c.track
	if old == nil {
		return
	}
	t.mu.Lock()
	t.dropPrefixesLocked(c, old)
	delete(t.clients, c.id)
	t.mu.Unlock()
	t.nclients.Add(-1)
	c.track = nil
	c.trk.Store(nil)
	c.trkCaching = false
	c.trkBroken.Store(false)
}

// dropPrefixesLocked unregisters c's BCAST prefixes; under t.mu.
func (t *tracker) dropPrefixesLocked(c *client, conf *trackConf) {
	for _, p := range conf.prefixes {
		set := t.prefixes[p]
		if _, ok := set[c]; !ok {
			continue
		}
		delete(set, c)
		t.nbcast.Add(-1)
		t.live.Add(-1)
		if len(set) == 0 {
			delete(t.prefixes, p)
			if i, ok := slices.BinarySearch(t.sorted, p); ok {
				t.sorted = slices.Delete(t.sorted, i, i+1)
			}
		}
	}
}

// ensureOutbox gives c an outbox if it has none yet (see pubsub.go).
func (c *client) ensureOutbox() *outbox {
	if c.ps == nil {
		c.ps = &pubsubState{}
		for i := range c.ps.subs {
			c.ps.subs[i] = make(map[string]struct{})
		}
	}
	if c.ps.ob == nil {
		c.ps.ob = c.newOutbox()
	}
	return c.ps.ob
}

// trackBefore runs before each command of a tracking client: it holds the
// client's invalidations behind its replies, and remembers the keys of a
// read command as Redis's trackingRememberKeys would after it.
func (c *client) trackBefore(cmd *command, args [][]byte) {
	t := c.track
	if !c.trkHeld {
		if ob := c.obox.Load(); ob != nil {
			ob.mu.Lock()
			ob.hold = true
			ob.mu.Unlock()
			c.trkHeld = true
		}
	}
	if cmd.flags&flagScript != 0 {
		// Redis 7.0 remembers a script's declared keys when a command
		// the script runs reads (its trackingRememberKeys looks at the
		// caller's command); the script's client takes them from here.
		// They point into the read buffer, which outlives the script.
		c.trkScript = cmd.appendKeys(c.trkScript[:0], args)
		return
	}
	if t.bcast || cmd.flags&flagRead == 0 || t.optin && !c.trkCaching || t.optout && c.trkCaching {
		return
	}
	if c.script {
		c.srv.track.remember(c.id, c.trkScript)
		return
	}
	keys := cmd.appendKeys(c.keys[:0], args)
	c.srv.track.remember(c.id, keys)
	clear(keys)
	c.keys = keys[:0]
}

// trackAfter runs after each command of a client that tracks or has BCAST
// invalidations pending. Outside a transaction or script it sends the
// pending invalidations, lets go of the held ones when no reply is
// buffered to carry them, and ends a CLIENT CACHING that applied to this
// command (Redis keeps it for a whole MULTI ... EXEC, and CLIENT itself
// does not use it up).
func (c *client) trackAfter(cmd *command) {
	if c.db.Held() != nil {
		return
	}
	c.flushTrackPending()
	if c.track == nil {
		return
	}
	if c.multi == nil && cmd.name != "CLIENT" {
		c.trkCaching = false
	}
	if cmd.name == "HELLO" {
		// Invalidations are encoded for the protocol the outbox knows,
		// which otherwise follows only at the next flush: one arriving
		// before it would be encoded, or dropped, as RESP2.
		if ob := c.obox.Load(); ob != nil {
			ob.mu.Lock()
			ob.proto = c.w.Proto()
			ob.mu.Unlock()
		}
	}
	if c.w.Buffered() == 0 {
		c.trackUnhold()
	}
}

// trackUnhold lets a tracking client's invalidations flow while it waits
// in a blocking command, which may be for ever: the replies before the
// command go out first, which releases the hold (outboxWriter.Write).
func (c *client) trackUnhold() {
	if !c.trkHeld {
		return
	}
	if c.w.Buffered() > 0 {
		_ = c.w.Flush()
		return
	}
	if ob := c.obox.Load(); ob != nil {
		ob.mu.Lock()
		ob.releaseLocked()
		ob.mu.Unlock()
	}
	c.trkHeld = false
}

// flushTrackPending sends the BCAST invalidations c's writes left
// pending, if any: after a command, and after the part of one that ran
// off an event loop (a script, a served blocking pop), which c.call's
// trackAfter does not follow.
func (c *client) flushTrackPending() {
	if p := c.trkPend; p != nil {
		c.trkPend = nil
		c.srv.track.flushPending(c, p)
	}
}

// remember adds client id to the table entries of keys, then keeps the
// table within tracking-table-max-keys.
func (t *tracker) remember(id int64, keys [][]byte) {
	for _, k := range keys {
		tb := &t.tables[t.s.store.ShardOf(k)]
		tb.mu.Lock()
		if tb.keys == nil {
			tb.keys = make(map[string]map[int64]struct{})
		}
		ids := tb.keys[string(k)]
		if ids == nil {
			ids = make(map[int64]struct{}, 1)
			tb.keys[string(k)] = ids
			t.keys.Add(1)
			t.live.Add(1)
		}
		if _, ok := ids[id]; !ok {
			ids[id] = struct{}{}
			t.items.Add(1)
		}
		tb.mu.Unlock()
	}
	t.limit()
}

// limit evicts tracked keys while the table holds more than
// tracking-table-max-keys (0: no limit), sending their invalidations, as
// Redis's trackingLimitUsedSlots; Go's map order makes the choice random.
func (t *tracker) limit() {
	max := t.s.live.trackingMaxKeys.Load()
	if max <= 0 {
		return
	}
	for j := range t.tables {
		if t.keys.Load() <= max {
			return
		}
		tb := &t.tables[j]
		var victims []string
		tb.mu.Lock()
		for k := range tb.keys {
			if t.keys.Load()-int64(len(victims)) <= max {
				break
			}
			victims = append(victims, k)
		}
		tb.mu.Unlock()
		for _, k := range victims {
			t.invalidateKey([]byte(k), nil)
		}
	}
}

// touched is the observer's hook: key changed, by actor (a *client, or
// nil for the expiry cycle and eviction). The caller has seen live != 0.
// It runs under the key's shard lock.
func (t *tracker) touched(key []byte, actor any) {
	w, _ := actor.(*client)
	if t.keys.Load() > 0 {
		t.invalidateKey(key, w)
	}
	if t.nbcast.Load() == 0 {
		return
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, p := range t.sorted {
		if !bytes.HasPrefix(key, []byte(p)) {
			continue
		}
		if w != nil {
			if w.trkPend == nil {
				w.trkPend = &trackPending{byPrefix: make(map[string][]string)}
			}
			w.trkPend.byPrefix[p] = append(w.trkPend.byPrefix[p], string(key))
			continue
		}
		keys := []string{string(key)}
		for tc := range t.prefixes[p] {
			t.send(tc, tc.trk.Load(), keys, false)
		}
	}
}

// invalidateKey drops key from the table and tells the clients that had
// it, but a NOLOOP client its own change (w).
func (t *tracker) invalidateKey(key []byte, w *client) {
	tb := &t.tables[t.s.store.ShardOf(key)]
	tb.mu.Lock()
	ids := tb.keys[string(key)]
	if ids != nil {
		delete(tb.keys, string(key))
		t.keys.Add(-1)
		t.live.Add(-1)
		t.items.Add(-int64(len(ids)))
	}
	tb.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	keys := []string{string(key)}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for id := range ids {
		tc := t.clients[id]
		if tc == nil {
			continue
		}
		conf := tc.trk.Load()
		if conf == nil || conf.bcast || conf.noloop && tc == w {
			continue
		}
		t.send(tc, conf, keys, false)
	}
}

// flushPending sends the BCAST invalidations of w's command: per prefix,
// its keys sorted and unique, to each client of the prefix but a NOLOOP
// writer itself.
func (t *tracker) flushPending(w *client, p *trackPending) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, prefix := range t.sorted {
		keys := p.byPrefix[prefix]
		if len(keys) == 0 {
			continue
		}
		sort.Strings(keys)
		keys = slices.Compact(keys)
		for tc := range t.prefixes[prefix] {
			conf := tc.trk.Load()
			if conf == nil || conf.noloop && tc == w {
				continue
			}
			t.send(tc, conf, keys, false)
		}
	}
}

// flushed sends the null invalidation of FLUSHALL and FLUSHDB to every
// tracking client and empties the table, as Redis's
// trackingInvalidateKeysOnFlush.
func (t *tracker) flushed() {
	if t.live.Load() == 0 && t.nclients.Load() == 0 {
		return
	}
	for j := range t.tables {
		tb := &t.tables[j]
		tb.mu.Lock()
		n := len(tb.keys)
		var items int
		for _, ids := range tb.keys {
			items += len(ids)
		}
		tb.keys = nil
		tb.mu.Unlock()
		t.keys.Add(-int64(n))
		t.live.Add(-int64(n))
		t.items.Add(-int64(items))
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, tc := range t.clients {
		if conf := tc.trk.Load(); conf != nil {
			t.send(tc, conf, nil, true)
		}
	}
}

// send delivers one invalidation (keys, or null) for tracking client tc:
// to its redirect target when it has one, else to itself. A redirect whose
// target is gone marks tc broken and tells a RESP3 tc so, as Redis does.
func (t *tracker) send(tc *client, conf *trackConf, keys []string, null bool) {
	if conf == nil {
		return
	}
	to, redirected := tc, false
	if conf.redir != nil {
		if conf.redir.closed.Load() {
			tc.trkBroken.Store(true)
			if ob := tc.obox.Load(); ob != nil {
				ob.redirBroken(conf.redirID)
			}
			return
		}
		to, redirected = conf.redir, true
	}
	if ob := to.obox.Load(); ob != nil {
		ob.invalidate(keys, null, redirected)
	}
}

// invalidate appends an invalidation to the outbox: a RESP3 push, or for a
// RESP2 client that receives another's redirected messages in subscribed
// mode, a message on __redis__:invalidate. A RESP2 client otherwise gets
// nothing (RESP2 has no pushes), as in Redis.
func (ob *outbox) invalidate(keys []string, null, redirected bool) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if ob.dead || ob.proto < 3 && !(redirected && ob.c.subscribed.Load()) {
		return
	}
	dst := &ob.buf
	if ob.hold {
		dst = &ob.late
	}
	b := *dst
	if ob.proto >= 3 {
		b = codec.AppendPushLen(b, 2, 3)
		b = codec.AppendBulkString(b, "invalidate")
	} else {
		b = codec.AppendArrayLen(b, 3)
		b = codec.AppendBulkString(b, "message")
		b = codec.AppendBulkString(b, "__redis__:invalidate")
	}
	if null {
		b = codec.AppendNull(b, ob.proto)
	} else {
		b = codec.AppendArrayLen(b, len(keys))
		for _, k := range keys {
			b = codec.AppendBulkString(b, k)
		}
	}
	*dst = b
	if !ob.hold {
		ob.wakeLocked()
	}
}

// redirBroken sends a RESP3 client the tracking-redir-broken push.
func (ob *outbox) redirBroken(id int64) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if ob.dead || ob.proto < 3 {
		return
	}
	dst := &ob.buf
	if ob.hold {
		dst = &ob.late
	}
	b := codec.AppendPushLen(*dst, 2, 3)
	b = codec.AppendBulkString(b, "tracking-redir-broken")
	*dst = codec.AppendInt(b, id)
	if !ob.hold {
		ob.wakeLocked()
	}
}

// releaseLocked ends a hold: what waited behind the client's replies
// follows them; under mu.
func (ob *outbox) releaseLocked() {
	ob.hold = false
	if len(ob.late) == 0 || ob.dead {
		return
	}
	ob.buf = append(ob.buf, ob.late...)
	ob.late = ob.late[:0]
	ob.wakeLocked()
}
