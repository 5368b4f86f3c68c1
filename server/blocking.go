package server

import (
	"errors"
	"math"
	"math/big"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miniredis/miniredis/shard"
)

// Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
// BZPOPMAX, BZMPOP) answer at once when they can, like their non-blocking
// forms. Otherwise the client waits in blockRegistry on each of its keys,
// first in first out per key, until the store's Observer reports a change
// of one of them: the change signals the first waiter of the key, which
// retries the command's Tx function on its own goroutine under the keys'
// locks. A waiter that finds nothing (another client took the element)
// keeps waiting in its place; one that leaves the queue of a key at its
// head signals the next, who may find what it left. Spurious signals cost a
// retry, never a wrong answer. A waiter tries its keys in the order they
// became ready, then the rest in its own order, so that a transaction that
// fills two of them serves it from the first filled, as in Redis.
//
// On the std path the client's goroutine waits; on the event loops the
// wait runs off the loop (client.offLoop, with no grace), so the loop goes
// on serving others and the client's further input stays buffered, and the
// waiter hands the client back with conn.Wake. Timeouts are one timer per
// blocked client; nothing polls.

// Why a blocked client stops waiting without being served (blockWait.reason).
const (
	blockWaiting        int32 = iota
	blockTimedOut             // its timeout passed: the nil reply
	blockUnblockTimeout       // CLIENT UNBLOCK id [TIMEOUT]: the nil reply
	blockUnblockError         // CLIENT UNBLOCK id ERROR
	blockClosed               // the connection closed or the server stops: no reply
)

// blockWait is one blocked client's wait.
type blockWait struct {
	wake   chan struct{} // capacity 1: a key changed, or reason was set
	reason atomic.Int32
	// shared marks a waiter that takes nothing when served (XREAD): every
	// change of its keys signals it, where only the first of the others,
	// who consume what they are served, is signalled.
	shared bool
	// ready are the keys signalled since the last try, in the order
	// they became ready: the waiter is served from the first that can,
	// as Redis serves from the key made ready first. Guarded by
	// blockRegistry.mu.
	ready []string
}

// markReady records key as ready and wakes the waiter; under
// blockRegistry.mu.
func (b *blockWait) markReady(key string) {
	if !slices.Contains(b.ready, key) {
		b.ready = append(b.ready, key)
	}
	b.signal()
}

// signal wakes the waiter; a signal already pending covers this one.
func (b *blockWait) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// end stops the wait for reason r unless it has already stopped, and
// reports whether it did. Safe from any goroutine.
func (b *blockWait) end(r int32) bool {
	if b.reason.CompareAndSwap(blockWaiting, r) {
		b.signal()
		return true
	}
	return false
}

// blockRegistry maps keys to the clients blocked on them, in arrival order.
// mu guards m; n counts its entries so that writes skip the mutex when
// nobody waits. Lock order: a shard lock, then mu (touched runs under shard
// locks); waiters never hold a shard lock while taking mu.
type blockRegistry struct {
	mu      sync.Mutex
	m       map[watchKey][]*blockWait
	n       atomic.Int64
	clients atomic.Int64 // blocked clients, for INFO
	shared  atomic.Int64 // shared waiters queued, so touched can stop early without any
}

// touched signals the first client blocked on key.
func (r *blockRegistry) touched(db int, key []byte) {
	if r.n.Load() == 0 {
		return
	}
	r.mu.Lock()
	first := true
	for _, b := range r.m[watchKey{db, string(key)}] {
		switch {
		case b.shared:
			b.markReady(string(key))
		case first:
			b.markReady(string(key))
			first = false
			if r.shared.Load() == 0 {
				r.mu.Unlock()
				return
			}
		}
	}
	r.mu.Unlock()
}

// add queues b on each of keys (once per distinct key).
func (r *blockRegistry) add(b *blockWait, db int, keys [][]byte) {
	r.mu.Lock()
	if r.m == nil {
		r.m = make(map[watchKey][]*blockWait)
	}
	for _, k := range keys {
		wk := watchKey{db, string(k)}
		q := r.m[wk]
		if slices.Contains(q, b) {
			continue
		}
		r.m[wk] = append(q, b)
		r.n.Add(1)
		if b.shared {
			r.shared.Add(1)
		}
	}
	r.mu.Unlock()
	r.clients.Add(1)
}

// remove takes b off the queues of keys. Where b was first, the next waiter
// is signalled: b may have been woken for an element it did not take.
func (r *blockRegistry) remove(b *blockWait, db int, keys [][]byte) {
	r.mu.Lock()
	for _, k := range keys {
		wk := watchKey{db, string(k)}
		q := r.m[wk]
		i := slices.Index(q, b)
		if i < 0 {
			continue
		}
		// Was b the first consuming waiter? Then the next one is.
		head := !b.shared && !slices.ContainsFunc(q[:i], func(w *blockWait) bool { return !w.shared })
		q = slices.Delete(q, i, i+1)
		r.n.Add(-1)
		if b.shared {
			r.shared.Add(-1)
		}
		if len(q) == 0 {
			delete(r.m, wk)
			continue
		}
		r.m[wk] = q
		if head {
			if j := slices.IndexFunc(q[i:], func(w *blockWait) bool { return !w.shared }); j >= 0 {
				q[i+j].markReady(wk.key)
			}
		}
	}
	r.mu.Unlock()
	r.clients.Add(-1)
}

// order returns keys with those b found ready first, in the order they
// became ready, and clears b's ready list for the next wake. It reuses dst.
func (r *blockRegistry) order(b *blockWait, keys, dst [][]byte) [][]byte {
	dst = dst[:0]
	r.mu.Lock()
	for _, rk := range b.ready {
		for _, k := range keys {
			if string(k) == rk {
				dst = append(dst, k)
				break
			}
		}
	}
	b.ready = b.ready[:0]
	r.mu.Unlock()
	for _, k := range keys {
		if !slices.ContainsFunc(dst, func(d []byte) bool { return string(d) == string(k) }) {
			dst = append(dst, k)
		}
	}
	return dst
}

// parseTimeout parses a blocking command's timeout in seconds as Redis 7.0's
// getTimeoutFromObjectOrReply does: a long double, scaled to milliseconds
// and rounded up. 0 means forever. On false it has written the error.
func (c *client) parseTimeout(b []byte) (time.Duration, bool) {
	f, ok := parseLongDouble(b)
	if !ok {
		c.w.Error(msgTimeoutNotFloat)
		return 0, false
	}
	ms := new(big.Float).SetPrec(longDoublePrec).Mul(f, big.NewFloat(1000))
	if ms.Cmp(big.NewFloat(math.MaxInt64)) > 0 {
		// Redis 7.0 converts to long long without a range check, and
		// x86-64 makes every out-of-range value LLONG_MIN.
		c.w.Error(msgTimeoutNegative)
		return 0, false
	}
	if ms.Sign() < 0 {
		// Rounded up first, as Redis does: -0.0001 is 0, forever.
		if ms.Cmp(big.NewFloat(-1)) > 0 {
			return 0, true
		}
		c.w.Error(msgTimeoutNegative)
		return 0, false
	}
	i, acc := ms.Int64()
	if acc == big.Below {
		i++ // ceil
	}
	if i > math.MaxInt64/int64(time.Millisecond) {
		// Longer than time.Duration holds (292 years): forever, in effect.
		return 0, true
	}
	return time.Duration(i) * time.Millisecond, true
}

// block makes the client wait on keys until try serves it (try runs the
// command under the keys' locks and reports whether it wrote the answer),
// or the timeout passes (0: never), and then nilReply answers. Inside a
// transaction or a script it does not wait: nilReply answers at once, as
// Redis does. On an event loop the wait runs off the loop.
func (c *client) block(keys [][]byte, timeout time.Duration, try func(order [][]byte) bool, nilReply func()) {
	c.blockOn(keys, timeout, false, try, nilReply)
}

// blockOn is block for a consuming waiter, or a shared one (see
// blockWait.shared).
func (c *client) blockOn(keys [][]byte, timeout time.Duration, shared bool, try func(order [][]byte) bool, nilReply func()) {
	if c.db.Held() != nil {
		nilReply()
		return
	}
	if c.loop != nil {
		c.offLoop = func() { c.wait(keys, timeout, shared, try, nilReply) }
		c.offLoopNow = true
		return
	}
	c.wait(keys, timeout, shared, try, nilReply)
}

// wait is the waiting half of block, on the goroutine that owns the client.
// keys point into the reader's buffer, which nothing touches meanwhile.
func (c *client) wait(keys [][]byte, timeout time.Duration, shared bool, try func(order [][]byte) bool, nilReply func()) {
	s := c.srv
	b := &blockWait{wake: make(chan struct{}, 1), shared: shared}
	db := c.db.Index()
	// Queued before the first try, so that no change in between is missed.
	s.blocks.add(b, db, keys)
	c.blocked.Store(b)
	if c.stopping.Load() {
		b.end(blockClosed) // stop ran before blocked was set
	}
	var t *time.Timer
	if timeout > 0 {
		t = time.AfterFunc(timeout, func() { b.end(blockTimedOut) })
	}
	var unwatch func()
	if c.loop == nil {
		unwatch = c.watchConn(b)
	}
	c.trackUnhold()
	// The command that blocked took the append-only log's lock (or its
	// gate); writers must not wait for a waiter. Each try takes it again.
	c.aofUnlock()
	served := false
	var order [][]byte
	for b.reason.Load() == blockWaiting {
		c.startBatch()
		order = s.blocks.order(b, keys, order)
		locked := c.aofLock()
		served = try(order)
		if locked {
			c.effects = false
			c.aofUnlock()
		}
		if served {
			break
		}
		<-b.wake
	}
	c.blocked.Store(nil)
	if t != nil {
		t.Stop()
	}
	s.blocks.remove(b, db, keys)
	if unwatch != nil {
		unwatch()
	}
	if served {
		return
	}
	switch b.reason.Load() {
	case blockTimedOut, blockUnblockTimeout:
		nilReply()
	case blockUnblockError:
		c.w.Error(msgUnblocked)
	}
	// blockClosed: nobody to answer.
}

// watchConn notices, on the std path, that a blocked client disconnects:
// a goroutine reads the connection meanwhile, keeping what arrives for the
// reader (within the query buffer limit), and ends the wait on EOF or an
// error. The returned func stops it and hands the input to the reader.
func (c *client) watchConn(b *blockWait) func() {
	done := make(chan struct{})
	var buf []byte
	var timedOut bool
	go func() {
		defer close(done)
		p := make([]byte, 4096)
		for {
			n, err := c.conn.Read(p)
			buf = append(buf, p[:n]...)
			if err != nil {
				var ne net.Error
				timedOut = errors.As(err, &ne) && ne.Timeout() && !c.stopping.Load()
				if !timedOut {
					b.end(blockClosed)
				}
				return
			}
			if int64(len(buf)) > c.srv.queryBufferLimit() {
				b.end(blockClosed)
				return
			}
		}
	}()
	return func() {
		_ = c.conn.SetReadDeadline(time.Unix(1, 0))
		<-done
		if c.stopping.Load() {
			_ = c.conn.SetReadDeadline(time.Unix(1, 0))
		} else {
			_ = c.conn.SetReadDeadline(time.Time{})
			if c.stopping.Load() { // stop ran in between: keep its deadline
				_ = c.conn.SetReadDeadline(time.Unix(1, 0))
			}
		}
		if len(buf) > 0 {
			_ = c.r.Feed(buf) // an error reaches the serve loop's next read
		}
		if !timedOut && !c.stopping.Load() {
			c.quit = true // the peer went away: close after this command
		}
	}
}

// unblock ends c's wait for reason r, reporting whether c was blocked.
func (c *client) unblock(r int32) bool {
	if b := c.blocked.Load(); b != nil {
		return b.end(r)
	}
	return false
}

// serveFirst is popFirst for a waiter: it pops from the first of keys
// holding kind and skips the others, since a key of another type does not
// serve (nor fail) a blocked client.
func serveFirst(tx *shard.Tx, keys [][]byte, kind shard.Kind, pop func(key []byte, e *shard.Entry)) bool {
	for _, k := range keys {
		if e := tx.Entry(k); e.Kind() == kind {
			pop(k, e)
			return true
		}
	}
	return false
}

// retry returns a try for block that runs tx over keys, given the keys in
// the order to try them (see blockRegistry.order), and reports whether it
// served the client.
func (c *client) retry(keys [][]byte, tx func(tx *shard.Tx, order [][]byte) bool) func([][]byte) bool {
	return func(order [][]byte) bool {
		served := false
		c.db.UpdateMulti(keys, c.now(), func(t *shard.Tx) { served = tx(t, order) })
		return served
	}
}

// The blocking list pops: BLPOP/BRPOP key [key ...] timeout answer [key,
// element].
func cmdBLPop(c *client, args [][]byte) { c.blpop(args, true) }
func cmdBRPop(c *client, args [][]byte) { c.blpop(args, false) }

// popNowOrBlock serves the client with pop from the first of keys that
// holds a value (WRONGTYPE when that is of another kind, as popFirst), or
// blocks until one of them holds a value of kind.
func (c *client) popNowOrBlock(keys [][]byte, timeout time.Duration, kind shard.Kind, pop func(key []byte, e *shard.Entry)) {
	done := false
	c.db.UpdateMulti(keys, c.now(), func(tx *shard.Tx) { done = c.popFirst(tx, keys, kind, pop) })
	if !done {
		c.blockPop(keys, timeout, kind, func(_ *shard.Tx, key []byte, e *shard.Entry) { pop(key, e) })
	}
}

// blockPop blocks until one of keys holds a value of kind, then serves the
// client with pop on the first such key in the order the keys were filled;
// nil at the timeout. The shape shared by every blocking pop.
func (c *client) blockPop(keys [][]byte, timeout time.Duration, kind shard.Kind, pop func(tx *shard.Tx, key []byte, e *shard.Entry)) {
	c.block(keys, timeout, c.retry(keys, func(tx *shard.Tx, order [][]byte) bool {
		return serveFirst(tx, order, kind, func(key []byte, e *shard.Entry) { pop(tx, key, e) })
	}), c.w.NullArray)
}

func (c *client) blpop(args [][]byte, left bool) {
	timeout, ok := c.parseTimeout(args[len(args)-1])
	if !ok {
		return
	}
	keys := args[1 : len(args)-1]
	pop := func(key []byte, e *shard.Entry) {
		l := e.List()
		c.w.ArrayLen(2)
		c.w.Bulk(key)
		c.w.Bulk(popEnd(l, left))
		c.notifyPop(e, l, left, key)
		if c.logging() {
			c.effect(endName(left, "LPOP", "RPOP"), key)
		}
	}
	c.popNowOrBlock(keys, timeout, shard.KindList, pop)
}

// cmdBLMove implements BLMOVE source destination LEFT|RIGHT LEFT|RIGHT
// timeout.
func cmdBLMove(c *client, args [][]byte) {
	from, ok1 := listEnd(args[3])
	to, ok2 := listEnd(args[4])
	if !ok1 || !ok2 {
		c.w.Error(msgSyntax)
		return
	}
	c.blmove(args[1:3], args[5], from, to)
}

// cmdBRPopLPush is BLMOVE source destination RIGHT LEFT timeout.
func cmdBRPopLPush(c *client, args [][]byte) { c.blmove(args[1:3], args[3], false, true) }

func (c *client) blmove(keys [][]byte, timeoutArg []byte, from, to bool) {
	timeout, ok := c.parseTimeout(timeoutArg)
	if !ok {
		return
	}
	done := false
	c.db.UpdateMulti(keys, c.now(), func(tx *shard.Tx) {
		done = c.lmoveTx(tx, keys[0], keys[1], from, to)
	})
	effect := func() {
		if c.logging() {
			c.effect([]byte("LMOVE"), keys[0], keys[1], endName(from, "LEFT", "RIGHT"), endName(to, "LEFT", "RIGHT"))
		}
	}
	if done {
		effect()
		return
	}
	c.block(keys[:1], timeout, c.retry(keys, func(tx *shard.Tx, _ [][]byte) bool {
		// A source of another type does not serve a waiter.
		if tx.Entry(keys[0]).Kind() == shard.KindList && c.lmoveTx(tx, keys[0], keys[1], from, to) {
			effect()
			return true
		}
		return false
	}), c.w.Null)
}

// endName is yes when left (or min, or max) is true and no otherwise, as
// bytes for an effect.
func endName(left bool, yes, no string) []byte {
	if left {
		return []byte(yes)
	}
	return []byte(no)
}

// cmdBLMPop implements BLMPOP timeout numkeys key [key ...] LEFT|RIGHT
// [COUNT count].
func cmdBLMPop(c *client, args [][]byte) {
	c.bmpop(args, "LMPOP", "LEFT", "RIGHT", shard.KindList, c.lmpopTx)
}

// bmpop is BLMPOP and BZMPOP: pop from the first non-empty key at once, or
// block until one fills; pop takes the keys, whether the first of the two
// end words was given, and the count. Served, it is logged to the AOF as
// the non-blocking effect (LMPOP, ZMPOP).
func (c *client) bmpop(args [][]byte, effect, first, second string, kind shard.Kind, pop func(tx *shard.Tx, keys [][]byte, isFirst bool, count int64) bool) {
	// The timeout is checked last, as in Redis.
	keys, isFirst, count, ok := c.mpopArgs(args, 2, first, second)
	if !ok {
		return
	}
	timeout, ok := c.parseTimeout(args[1])
	if !ok {
		return
	}
	logEffect := func(keys [][]byte) {
		if !c.logging() {
			return
		}
		// The same keys pop the same elements when the log is replayed,
		// as nothing else runs in between.
		args := [][]byte{[]byte(effect), strconv.AppendInt(nil, int64(len(keys)), 10)}
		args = append(args, keys...)
		c.effect(append(args, endName(isFirst, first, second), []byte("COUNT"), strconv.AppendInt(nil, count, 10))...)
	}
	done := false
	c.db.UpdateMulti(keys, c.now(), func(tx *shard.Tx) { done = pop(tx, keys, isFirst, count) })
	if done {
		logEffect(keys)
		return
	}
	c.blockPop(keys, timeout, kind, func(tx *shard.Tx, key []byte, _ *shard.Entry) {
		pop(tx, [][]byte{key}, isFirst, count)
		logEffect([][]byte{key})
	})
}

// The blocking sorted-set pops: BZPOPMIN/BZPOPMAX key [key ...] timeout
// answer [key, member, score].
func cmdBZPopMin(c *client, args [][]byte) { c.bzpop(args, false) }
func cmdBZPopMax(c *client, args [][]byte) { c.bzpop(args, true) }

func (c *client) bzpop(args [][]byte, max bool) {
	timeout, ok := c.parseTimeout(args[len(args)-1])
	if !ok {
		return
	}
	keys := args[1 : len(args)-1]
	pop := func(key []byte, e *shard.Entry) {
		z := e.ZSet()
		c.w.ArrayLen(3)
		c.w.Bulk(key)
		var member []byte
		z.Range(0, 0, max, func(m []byte, s float64) bool {
			c.w.Bulk(m)
			c.w.Double(s)
			member = m
			return false
		})
		z.Delete(member)
		c.notifyZPop(e, z, max, key)
		if c.logging() {
			c.effect(endName(max, "ZPOPMAX", "ZPOPMIN"), key)
		}
	}
	c.popNowOrBlock(keys, timeout, shard.KindZSet, pop)
}

// cmdBZMPop implements BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT
// count].
func cmdBZMPop(c *client, args [][]byte) {
	c.bmpop(args, "ZMPOP", "MIN", "MAX", shard.KindZSet, func(tx *shard.Tx, keys [][]byte, isMin bool, count int64) bool {
		return c.zmpopTx(tx, keys, !isMin, count)
	})
}

// bmpopKeys finds the keys of BLMPOP and BZMPOP: numkeys at args[2], after
// the timeout.
func bmpopKeys(dst, args [][]byte) [][]byte { return keysAfterNumkeys(dst, args, 2) }
