package server

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miniredis/miniredis/codec"
	"github.com/miniredis/miniredis/netloop"
	"github.com/miniredis/miniredis/pubsub"
)

// Pub/Sub. The subscriptions live in a pubsub.Hub; a publisher runs
// Hub.Publish on its own goroutine and appends the encoded message to each
// subscriber's outbox, so one publisher delivers to subscribers on every
// event loop and std goroutine without a goroutine per message.
//
// A client gets an outbox at its first subscription and keeps it for life:
// from then on its own replies go into the outbox too (its writer's output
// is switched to it), so its replies and its messages leave in the order
// they were made. What drains an outbox is the client's owner: on the std
// path a writer goroutine per subscribed client, woken by a condition
// variable; on the event loops the client's loop, woken by conn.Wake once
// per batch of messages rather than once per message, and only while less
// than the output buffer limit waits in the connection's outbound buffer. An outbox
// that grows past the pubsub class's hard limit, or stays past its soft
// limit for the soft time, closes its client (Redis's
// client-output-buffer-limit pubsub 32mb 8mb 60), so a subscriber that
// stops reading costs at most its own limit.
//
// A subscription made inside EXEC is registered without first moving the
// transaction's earlier replies into the outbox (that would split the EXEC
// reply), so a message published during the rest of that EXEC can reach
// the client before the EXEC reply does.

// Pub/Sub's default output limits, Redis's for the pubsub class.
const (
	defaultPubSubHard     = 32 << 20
	defaultPubSubSoft     = 8 << 20
	defaultPubSubSoftTime = 60 * time.Second
)

// outboxDrainDelay is how soon an event loop looks again at an outbox it
// left undrained because the connection's outbound buffer was over the limit.
const outboxDrainDelay = 10 * time.Millisecond

const msgSubscribedMode = "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"

var errOutboxClosed = errors.New("server: subscriber closed")

// pubsubState is a subscribed client's subscriptions and outbox; owned by
// the client's goroutine, except the outbox, which has its own lock.
type pubsubState struct {
	subs [3]map[string]struct{} // by pubsub.Kind
	ob   *outbox
}

// count is what (P)SUBSCRIBE and (P)UNSUBSCRIBE replies report: channels
// and patterns; shard channels are counted on their own.
func (p *pubsubState) count(k pubsub.Kind) int {
	if k == pubsub.Shard {
		return len(p.subs[pubsub.Shard])
	}
	return len(p.subs[pubsub.Channel]) + len(p.subs[pubsub.Pattern])
}

// subscribed reports whether the client is in subscribed mode.
func (p *pubsubState) subscribed() bool {
	return p != nil && len(p.subs[0])+len(p.subs[1])+len(p.subs[2]) > 0
}

// outbox is a subscribed client's pending output: its own replies and the
// messages published to it. mu guards everything.
type outbox struct {
	mu       sync.Mutex
	cond     sync.Cond // std path: the writer waits on it
	buf      []byte
	spare    []byte // the drained buffer, reused
	inflight int    // bytes the std writer is writing now
	proto    int    // the client's protocol, for encoding messages
	dead     bool   // over a limit or failed: drop everything
	closing  bool   // std path: write what is left, then stop
	woken    bool   // event loop: a wake is pending
	hold     bool   // tracking: invalidations wait in late behind the client's unflushed replies
	late     []byte // tracking: the invalidations held
	stall    bool   // std path: a SUBSCRIBE's reply waits until it is registered
	since    int64  // when the outbox went over the soft limit (unix ms), 0 if under

	c    *client
	gc   *netloop.Conn // the event-loop connection, nil on the std path
	done chan struct{} // std path: closed when the writer stops
}

// newOutbox gives c an outbox and starts what drains it.
func (c *client) newOutbox() *outbox {
	ob := &outbox{c: c, proto: c.w.Proto()}
	ob.cond.L = &ob.mu
	c.obox.Store(ob)
	// What c had buffered goes first.
	ob.buf = append(ob.buf, c.w.Pending()...)
	c.w.Reset()
	c.w.SetOutput(outboxWriter{ob})
	if gc, ok := c.conn.(*netloop.Conn); ok {
		ob.gc = gc
		return ob
	}
	ob.done = make(chan struct{})
	go ob.writeLoop()
	return ob
}

// outboxWriter is a subscribed client's writer output: Flush appends the
// client's replies to its outbox.
type outboxWriter struct{ ob *outbox }

func (w outboxWriter) Write(b []byte) (int, error) {
	ob := w.ob
	ob.mu.Lock()
	defer ob.mu.Unlock()
	ob.proto = ob.c.w.Proto()
	if ob.dead {
		return 0, errOutboxClosed
	}
	ob.buf = append(ob.buf, b...)
	if ob.hold {
		// Invalidations held behind these replies follow them now
		// (see tracking.go); this runs on the client's own goroutine.
		ob.hold, ob.c.trkHeld = false, false
		ob.buf = append(ob.buf, ob.late...)
		ob.late = ob.late[:0]
	}
	if !ob.checkLimits() {
		return 0, errOutboxClosed
	}
	if ob.gc == nil {
		ob.cond.Signal()
	}
	// On an event loop the client's own flush runs on the loop, which
	// drains the outbox before it returns.
	return len(b), nil
}

// deliver appends one message for kind k (pattern is set for a pattern
// match) and wakes the outbox's drainer; under the hub's read lock.
func (ob *outbox) deliver(k pubsub.Kind, pattern, channel, msg []byte) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if ob.dead {
		return
	}
	ob.buf = appendMessage(ob.buf, ob.proto, k, pattern, channel, msg)
	ob.wakeLocked()
}

// wakeLocked checks the limits after an append and wakes the outbox's
// drainer; under mu.
func (ob *outbox) wakeLocked() {
	if !ob.checkLimits() {
		return
	}
	if ob.gc == nil {
		ob.cond.Signal()
		return
	}
	if !ob.woken {
		ob.woken = true
		_ = ob.gc.Wake(nil)
	}
}

// appendMessage encodes one Pub/Sub message as Redis does: message,
// pmessage or smessage.
func appendMessage(b []byte, proto int, k pubsub.Kind, pattern, channel, msg []byte) []byte {
	switch {
	case pattern != nil:
		b = codec.AppendPushLen(b, 4, proto)
		b = codec.AppendBulkString(b, "pmessage")
		b = codec.AppendBulk(b, pattern)
	case k == pubsub.Shard:
		b = codec.AppendPushLen(b, 3, proto)
		b = codec.AppendBulkString(b, "smessage")
	default:
		b = codec.AppendPushLen(b, 3, proto)
		b = codec.AppendBulkString(b, "message")
	}
	b = codec.AppendBulk(b, channel)
	return codec.AppendBulk(b, msg)
}

// checkLimits closes the client when its outbox is over the hard limit, or
// has been over the soft limit for the soft time, and reports whether it is
// still open; under mu.
func (ob *outbox) checkLimits() bool {
	live := &ob.c.srv.live
	hard, soft := live.pubsubHard.Load(), live.pubsubSoft.Load()
	size := int64(len(ob.buf) + ob.inflight)
	over := hard > 0 && size > hard
	if !over && soft > 0 && size > soft {
		// The clock is read only past the soft limit, which a reading
		// subscriber rarely reaches.
		now := ob.c.srv.now()
		if ob.since == 0 {
			ob.since = now
		}
		over = now-ob.since >= live.pubsubSoftTime.Load()
	} else if !over {
		ob.since = 0
	}
	if over {
		ob.kill()
		return false
	}
	return true
}

// kill drops the outbox and closes its client; under mu.
func (ob *outbox) kill() {
	s := ob.c.srv
	ob.dead = true
	ob.buf, ob.spare = nil, nil
	s.stats.outputLimit.Add(1)
	s.log.Warn("closing client over its pubsub output buffer limit", "id", ob.c.id, "addr", ob.c.addr)
	if ob.gc != nil {
		// The loop closes it (drainOutbox), on the loop.
		ob.woken = true
		_ = ob.gc.Wake(nil)
		return
	}
	ob.c.conn.Close() // the client's read and the writer's write fail
	ob.cond.Signal()
}

// writeLoop is the std path's drainer: it writes whatever the outbox holds
// until the client closes.
func (ob *outbox) writeLoop() {
	defer close(ob.done)
	conn := ob.c.conn
	for {
		ob.mu.Lock()
		for (len(ob.buf) == 0 || ob.stall) && !ob.dead && !ob.closing {
			ob.cond.Wait()
		}
		if ob.dead || len(ob.buf) == 0 {
			ob.mu.Unlock()
			return
		}
		out := ob.buf
		ob.buf, ob.spare = ob.spare[:0], nil
		ob.inflight = len(out)
		ob.mu.Unlock()

		_, err := conn.Write(out)

		ob.mu.Lock()
		ob.inflight = 0
		if err != nil {
			ob.dead = true
			ob.buf = nil
			ob.mu.Unlock()
			conn.Close()
			return
		}
		if cap(out) <= 64<<10 {
			ob.spare = out[:0] // a burst's big buffer is not kept
		}
		ob.checkLimits() // the drained size may be back under the soft limit
		ob.mu.Unlock()
	}
}

// finish lets the std writer send what is left (within the write deadline
// stop sets, or the conn's own failure) and waits for it to stop.
func (ob *outbox) finish() {
	ob.mu.Lock()
	ob.closing = true
	ob.cond.Signal()
	ob.mu.Unlock()
	<-ob.done
}

// drainOutbox hands an event-loop client's outbox to its connection and reports
// whether the connection stays open. It leaves the outbox for later (a
// timer wake) while more than the output buffer limit is still waiting in
// the connection's outbound buffer, unless final is set (the connection is about to
// close after its last reply).
func (lc *loopConn) drainOutbox(conn *netloop.Conn, final bool) bool {
	ob := lc.c.obox.Load()
	ob.mu.Lock()
	ob.woken = false
	if ob.dead {
		ob.mu.Unlock()
		return false
	}
	if len(ob.buf) == 0 {
		ob.mu.Unlock()
		return true
	}
	if !final && conn.OutboundBuffered() > lc.c.srv.cfg.OutputBufferLimit {
		ob.mu.Unlock()
		if !lc.paused {
			lc.delay = outboxDrainDelay
			lc.armWake(conn)
		}
		return true
	}
	out := ob.buf
	ob.buf, ob.spare = ob.spare[:0], nil
	ob.checkLimits()
	ob.mu.Unlock()
	_, err := conn.Write(out) // netloop keeps what the socket does not take
	if cap(out) <= 64<<10 {
		ob.mu.Lock()
		ob.spare = out[:0]
		ob.mu.Unlock()
	}
	return err == nil
}

// subscribe registers the client on name and writes the reply Redis does.
func (c *client) subscribe(k pubsub.Kind, name []byte) {
	c.ensureOutbox()
	if _, ok := c.ps.subs[k][string(name)]; !ok {
		c.ps.subs[k][string(name)] = struct{}{}
	}
	c.w.PushLen(3)
	c.w.BulkString(subscribeVerb[k])
	c.w.Bulk(name)
	c.w.Int(int64(c.ps.count(k)))
	ob := c.ps.ob
	if c.db.Held() == nil {
		// The reply goes out before any message on name (see above),
		// but not before the subscription is registered: a client that
		// has read the reply must get what is published next. The std
		// writer waits meanwhile (an event loop drains only after the
		// command).
		ob.mu.Lock()
		ob.stall = true
		ob.mu.Unlock()
		c.w.Flush()
	}
	c.srv.hub.Subscribe(k, name, c)
	c.subscribed.Store(true)
	ob.mu.Lock()
	if ob.stall {
		ob.stall = false
		ob.cond.Signal()
	}
	ob.mu.Unlock()
}

var subscribeVerb = [...]string{"subscribe", "psubscribe", "ssubscribe"}
var unsubscribeVerb = [...]string{"unsubscribe", "punsubscribe", "sunsubscribe"}

// unsubscribe removes the client from name and writes the reply.
func (c *client) unsubscribe(k pubsub.Kind, name []byte) {
	c.srv.hub.Unsubscribe(k, name, c)
	if c.ps != nil {
		delete(c.ps.subs[k], string(name))
	}
	c.w.PushLen(3)
	c.w.BulkString(unsubscribeVerb[k])
	c.w.Bulk(name)
	n := 0
	if c.ps != nil {
		n = c.ps.count(k)
	}
	c.w.Int(int64(n))
	c.subscribed.Store(c.ps.subscribed())
}

// unsubscribeAll is (P|S)UNSUBSCRIBE without arguments: every subscription
// of kind k, or one reply with a null channel when there are none.
func (c *client) unsubscribeAll(k pubsub.Kind) {
	if c.ps == nil || len(c.ps.subs[k]) == 0 {
		c.w.PushLen(3)
		c.w.BulkString(unsubscribeVerb[k])
		c.w.Null()
		n := 0
		if c.ps != nil {
			n = c.ps.count(k)
		}
		c.w.Int(int64(n))
		return
	}
	for name := range c.ps.subs[k] {
		c.unsubscribe(k, []byte(name))
	}
}

// dropSubscriptions leaves every subscription without replies (RESET, or
// the connection closing).
func (c *client) dropSubscriptions() {
	if c.ps == nil {
		return
	}
	for k := range c.ps.subs {
		for name := range c.ps.subs[k] {
			c.srv.hub.Unsubscribe(pubsub.Kind(k), []byte(name), c)
			delete(c.ps.subs[k], name)
		}
	}
	c.subscribed.Store(false)
}

// releasePubSub unregisters a closing client and, on the std path, lets
// its writer send what is left.
func (c *client) releasePubSub() {
	c.dropSubscriptions()
	if c.ps == nil || c.ps.ob == nil {
		return
	}
	ob := c.ps.ob
	if ob.done != nil {
		ob.finish()
		return
	}
	ob.mu.Lock()
	ob.dead = true
	ob.buf, ob.spare = nil, nil
	ob.mu.Unlock()
}

// publish delivers msg on channel to every subscriber and returns how many
// got it. The publishing client's own copy goes into its writer, after the
// replies before it; any other subscriber's into its outbox.
func (s *Server) publish(from *client, channel, msg []byte, shard bool) int {
	k := pubsub.Channel
	if shard {
		k = pubsub.Shard
	}
	return s.hub.Publish(channel, shard, func(sub *client, pattern []byte) {
		if sub == from {
			from.tmp = appendMessage(from.tmp[:0], from.w.Proto(), k, pattern, channel, msg)
			from.w.Raw(from.tmp)
			return
		}
		sub.ps.ob.deliver(k, pattern, channel, msg)
	})
}

// fullName is the name Redis prints for a call: "get", or for a container
// command "pubsub|numpat".
func fullName(cmd *command, args [][]byte) string {
	if len(args) > 1 && strings.HasPrefix(cmd.summary, "A container") {
		return cmd.lowerName() + "|" + strings.ToLower(string(args[1]))
	}
	return cmd.lowerName()
}

// subscribedModeOK reports whether cmd may run in RESP2 subscribed mode.
func subscribedModeOK(cmd *command) bool {
	switch cmd.name {
	case "SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE", "SSUBSCRIBE", "SUNSUBSCRIBE", "PING", "QUIT", "RESET":
		return true
	}
	return false
}

func cmdSubscribe(c *client, args [][]byte)  { subscribeAll(c, pubsub.Channel, args[1:]) }
func cmdPSubscribe(c *client, args [][]byte) { subscribeAll(c, pubsub.Pattern, args[1:]) }
func cmdSSubscribe(c *client, args [][]byte) { subscribeAll(c, pubsub.Shard, args[1:]) }

func subscribeAll(c *client, k pubsub.Kind, names [][]byte) {
	for _, name := range names {
		c.subscribe(k, name)
	}
}

func cmdUnsubscribe(c *client, args [][]byte)  { unsubscribeArgs(c, pubsub.Channel, args[1:]) }
func cmdPUnsubscribe(c *client, args [][]byte) { unsubscribeArgs(c, pubsub.Pattern, args[1:]) }
func cmdSUnsubscribe(c *client, args [][]byte) { unsubscribeArgs(c, pubsub.Shard, args[1:]) }

func unsubscribeArgs(c *client, k pubsub.Kind, names [][]byte) {
	if len(names) == 0 {
		c.unsubscribeAll(k)
		return
	}
	for _, name := range names {
		c.unsubscribe(k, name)
	}
}

func cmdPublish(c *client, args [][]byte) {
	c.w.Int(int64(c.srv.publish(c, args[1], args[2], false)))
}

func cmdSPublish(c *client, args [][]byte) {
	c.w.Int(int64(c.srv.publish(c, args[1], args[2], true)))
}

func cmdPubSub(c *client, args [][]byte) {
	sub := args[1]
	hub := c.srv.hub
	switch {
	case (equalFold(sub, "CHANNELS") || equalFold(sub, "SHARDCHANNELS")) && len(args) <= 3:
		k := pubsub.Channel
		if equalFold(sub, "SHARDCHANNELS") {
			k = pubsub.Shard
		}
		var pattern []byte
		if len(args) == 3 {
			pattern = args[2]
		}
		names := hub.Names(k, pattern)
		c.w.ArrayLen(len(names))
		for _, n := range names {
			c.w.BulkString(n)
		}
	case equalFold(sub, "NUMSUB") || equalFold(sub, "SHARDNUMSUB"):
		k := pubsub.Channel
		if equalFold(sub, "SHARDNUMSUB") {
			k = pubsub.Shard
		}
		// Redis 7.0 answers both with a flat array, in RESP3 too.
		c.w.ArrayLen(2 * (len(args) - 2))
		for _, name := range args[2:] {
			c.w.Bulk(name)
			c.w.Int(int64(hub.Count(k, name)))
		}
	case equalFold(sub, "NUMPAT") && len(args) == 2:
		c.w.Int(int64(hub.NumPat()))
	case (equalFold(sub, "NUMPAT") || equalFold(sub, "HELP")) && len(args) != 2:
		subArityError(c, args[0], sub)
	case equalFold(sub, "HELP") && len(args) == 2:
		help := []string{
			"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"CHANNELS [<pattern>]",
			"    Return the currently active channels matching a <pattern> (default: '*').",
			"NUMPAT",
			"    Return number of subscriptions to patterns.",
			"NUMSUB [<channel> ...]",
			"    Return the number of subscribers for the specified channels, excluding",
			"    pattern subscriptions(default: no channels).",
			"SHARDCHANNELS [<pattern>]",
			"    Return the currently active shard level channels matching a <pattern> (default: '*').",
			"SHARDNUMSUB [<shardchannel> ...]",
			"    Return the number of subscribers for the specified shard level channel(s)",
			"HELP",
			"    Prints this help.",
		}
		c.w.ArrayLen(len(help))
		for _, h := range help {
			c.w.Simple(h)
		}
	case equalFold(sub, "CHANNELS") || equalFold(sub, "SHARDCHANNELS"):
		c.w.Error("ERR unknown subcommand or wrong number of arguments for '" + string(sub) + "'. Try PUBSUB HELP.")
	default:
		c.w.Error(fmt.Sprintf(msgUnknownSub, sub, "PUBSUB"))
	}
}

// cmdReset restores the connection's defaults, as Redis's RESET: no
// transaction, nothing watched, no subscriptions, RESP2, database 0, no
// name, CLIENT REPLY ON, and unauthenticated when a password is set.
func cmdReset(c *client, args [][]byte) {
	if c.multi != nil {
		c.multi = nil
		c.multiLen.Store(-1)
	}
	c.unwatchAll()
	c.dropSubscriptions()
	c.replyMode, c.replySets = replyOn, c.replySets+1
	c.w.SetProto(2)
	c.db = c.srv.store.DB(0).WithActor(c)
	c.dbNum.Store(0)
	c.srv.track.disable(c)
	c.setName("")
	c.authed = c.srv.cfg.RequirePass == ""
	c.r.SetAuthenticated(c.authed)
	c.w.Simple("RESET")
}

// ParseOutputLimit parses a client-output-buffer-limit class value, "hard
// soft seconds" (e.g. "32mb 8mb 60"; 0 turns a limit off), into Config's
// PubSub fields' form.
func ParseOutputLimit(s string) (hard, soft int64, softTime time.Duration, err error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return 0, 0, 0, fmt.Errorf("server: output limit %q: want \"hard soft seconds\"", s)
	}
	if hard, err = ParseMemory(f[0]); err == nil {
		soft, err = ParseMemory(f[1])
	}
	if err != nil {
		return 0, 0, 0, fmt.Errorf("server: output limit %q: %w", s, err)
	}
	secs, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || secs < 0 {
		return 0, 0, 0, fmt.Errorf("server: output limit %q: bad seconds", s)
	}
	if hard == 0 {
		hard = -1
	}
	if soft == 0 {
		soft = -1
	}
	return hard, soft, time.Duration(secs) * time.Second, nil
}
