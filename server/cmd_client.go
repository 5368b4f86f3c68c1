package server

import (
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// CLIENT KILL, PAUSE, UNPAUSE, NO-EVICT and REPLY, and SWAPDB's wake-up of
// the clients blocked on keys it swaps in.

// clientAdmin runs the CLIENT subcommands of this file and reports whether
// sub was one of them.
func (c *client) clientAdmin(sub []byte, args [][]byte) bool {
	switch {
	case equalFold(sub, "KILL"):
		if len(args) < 3 {
			subArityError(c, args[0], sub)
		} else {
			c.clientKill(args)
		}
	case equalFold(sub, "PAUSE"):
		switch {
		case len(args) < 3:
			subArityError(c, args[0], sub)
		case len(args) > 4:
			c.w.Error("ERR unknown subcommand or wrong number of arguments for '" + string(sub) + "'. Try CLIENT HELP.")
		default:
			c.clientPause(args)
		}
	case equalFold(sub, "UNPAUSE"):
		if len(args) != 2 {
			subArityError(c, args[0], sub)
		} else {
			c.srv.pause.end()
			c.w.OK()
		}
	case equalFold(sub, "NO-EVICT"):
		// miniredis evicts keys, never clients: the flag is accepted and
		// changes nothing.
		switch {
		case len(args) != 3:
			subArityError(c, args[0], sub)
		case equalFold(args[2], "ON") || equalFold(args[2], "OFF"):
			c.w.OK()
		default:
			c.w.Error(msgSyntax)
		}
	case equalFold(sub, "REPLY"):
		switch {
		case len(args) != 3:
			subArityError(c, args[0], sub)
		case equalFold(args[2], "ON"):
			c.replyMode, c.replySets = replyOn, c.replySets+1
			c.w.OK()
		case equalFold(args[2], "OFF"):
			c.replyMode, c.replySets = replyOff, c.replySets+1
		case equalFold(args[2], "SKIP"):
			c.replyMode, c.replySets = replySkip, c.replySets+1
		default:
			c.w.Error(msgSyntax)
		}
	default:
		return false
	}
	return true
}

// clientKill implements both forms: CLIENT KILL ip:port (+OK, or an error
// when no client has that address) and CLIENT KILL <filter value> ...
// (the number of clients closed; SKIPME yes by default). A client that
// kills itself gets its reply first.
func (c *client) clientKill(args [][]byte) {
	type filter struct {
		id          int64
		addr, laddr string
		hasAddr     bool
		hasLaddr    bool
		typ         string
		skipMe      bool
	}
	f := filter{skipMe: true}
	old := len(args) == 3
	if old {
		f.addr, f.hasAddr, f.skipMe = string(args[2]), true, false
	} else {
		if len(args)%2 != 0 {
			c.w.Error(msgSyntax)
			return
		}
		for i := 2; i < len(args); i += 2 {
			opt, v := args[i], args[i+1]
			switch {
			case equalFold(opt, "ID"):
				id, ok := parseInt(v)
				if !ok || id <= 0 {
					c.w.Error("ERR client-id should be greater than 0")
					return
				}
				f.id = id
			case equalFold(opt, "ADDR"):
				f.addr, f.hasAddr = string(v), true
			case equalFold(opt, "LADDR"):
				f.laddr, f.hasLaddr = string(v), true
			case equalFold(opt, "TYPE"):
				switch {
				case equalFold(v, "NORMAL"), equalFold(v, "PUBSUB"), equalFold(v, "MASTER"),
					equalFold(v, "REPLICA"), equalFold(v, "SLAVE"):
					f.typ = strings.ToLower(string(v))
				default:
					c.w.Error("ERR Unknown client type '" + string(v) + "'")
					return
				}
			case equalFold(opt, "USER"):
				if string(v) != "default" {
					c.w.Error("ERR No such user '" + string(v) + "'")
					return
				}
			case equalFold(opt, "SKIPME"):
				switch {
				case equalFold(v, "YES"):
					f.skipMe = true
				case equalFold(v, "NO"):
					f.skipMe = false
				default:
					c.w.Error(msgSyntax)
					return
				}
			default:
				c.w.Error(msgSyntax)
				return
			}
		}
	}
	var victims []*client
	c.srv.mu.Lock()
	for o := range c.srv.clients {
		pubsub := o.subscribed.Load()
		switch {
		case f.id != 0 && o.id != f.id,
			f.hasAddr && o.addr != f.addr,
			f.hasLaddr && o.laddr != f.laddr,
			f.typ != "" && !(f.typ == "normal" && !pubsub || f.typ == "pubsub" && pubsub),
			f.skipMe && o == c:
			continue
		}
		victims = append(victims, o)
	}
	c.srv.mu.Unlock()
	for _, o := range victims {
		if o == c {
			c.quit = true // after this reply
			continue
		}
		o.stop()
		o.conn.Close()
	}
	switch {
	case !old:
		c.w.Int(int64(len(victims)))
	case len(victims) == 0:
		c.w.Error("ERR No such client")
	default:
		c.w.OK()
	}
}

// CLIENT REPLY modes (client.replyMode).
const (
	replyOn   = iota
	replyOff  // no replies until CLIENT REPLY ON
	replySkip // no reply to the next command
)

// execQuiet runs a command while CLIENT REPLY is OFF or SKIP: its reply is
// dropped, unless it is CLIENT REPLY itself, which sets the mode and
// answers as it will (ON with OK).
func (c *client) execQuiet(args [][]byte) {
	mode, sets := c.replyMode, c.replySets
	c.replyMode = replyOn
	mark := c.w.Buffered()
	c.exec(args)
	if c.replySets != sets {
		return
	}
	if mode == replyOff {
		c.replyMode = replyOff
	}
	if c.w.Buffered() >= mark {
		c.w.Truncate(mark)
	}
}

// Pause modes (CLIENT PAUSE).
const (
	pauseNone  = iota
	pauseWrite // commands that may write wait
	pauseAll   // every command waits
)

// pauseState is the server's CLIENT PAUSE. active lets exec skip the lock
// when no pause is on.
type pauseState struct {
	active atomic.Bool
	mu     sync.Mutex
	mode   int
	until  time.Time
	done   chan struct{} // closed when the pause ends
	timer  *time.Timer
}

// start pauses mode for d, or extends a pause in progress: the stricter
// mode and the later end win, as in Redis.
func (p *pauseState) start(mode int, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	until := time.Now().Add(d)
	if p.mode == pauseNone {
		p.done = make(chan struct{})
		p.mode, p.until = mode, until
	} else {
		p.mode = max(p.mode, mode)
		if until.After(p.until) {
			p.until = until
		}
	}
	if p.timer != nil {
		p.timer.Stop()
	}
	p.timer = time.AfterFunc(time.Until(p.until), p.end)
	p.active.Store(true)
}

// end lifts the pause: CLIENT UNPAUSE, its timeout, or Shutdown.
func (p *pauseState) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == pauseNone {
		return
	}
	p.mode = pauseNone
	if p.timer != nil {
		p.timer.Stop()
	}
	close(p.done)
	p.active.Store(false)
}

// holds reports whether cmd must wait, and if so, the channel closed when
// the current pause ends.
func (p *pauseState) holds(c *client, cmd *command) (bool, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.mode {
	case pauseAll:
		return true, p.done
	case pauseWrite:
		return mayWrite(c, cmd), p.done
	}
	return false, nil
}

// mayWrite reports whether cmd is held by a WRITE pause: writes, scripts,
// PUBLISH, and an EXEC with a write queued (Redis's may-replicate rule).
func mayWrite(c *client, cmd *command) bool {
	switch {
	case cmd.flags&(flagWrite|flagScript) != 0:
		return true
	case cmd.name == "PUBLISH" || cmd.name == "SPUBLISH":
		return true
	case cmd.name == "EXEC" && c.multi != nil:
		for _, q := range c.multi.cmds {
			if q.flags&(flagWrite|flagScript) != 0 {
				return true
			}
		}
	}
	return false
}

// paused handles a command that arrives during CLIENT PAUSE and reports
// whether it did: a held command waits for the pause to end, then runs;
// on an event loop the wait runs off the loop, like a blocking command's.
func (c *client) paused(cmd *command, args [][]byte) bool {
	hold, _ := c.srv.pause.holds(c, cmd)
	if !hold || c.db.Held() != nil {
		return false
	}
	run := func() {
		for {
			hold, done := c.srv.pause.holds(c, cmd)
			if !hold || c.stopping.Load() {
				break
			}
			<-done
		}
		if !c.stopping.Load() {
			c.call(cmd, args)
		}
	}
	if c.loop != nil {
		c.offLoop, c.offLoopNow = run, true
		return true
	}
	run()
	return true
}

// clientPause implements CLIENT PAUSE timeout [WRITE|ALL].
func (c *client) clientPause(args [][]byte) {
	ms, ok := parseInt(args[2])
	if !ok {
		c.w.Error("ERR timeout is not an integer or out of range")
		return
	}
	if ms < 0 {
		c.w.Error("ERR timeout is negative")
		return
	}
	mode := pauseAll
	if len(args) == 4 {
		switch {
		case equalFold(args[3], "WRITE"):
			mode = pauseWrite
		case equalFold(args[3], "ALL"):
		default:
			c.w.Error("ERR CLIENT PAUSE mode must be WRITE or ALL")
			return
		}
	}
	c.srv.pause.start(mode, time.Duration(min(ms, math.MaxInt64/int64(time.Millisecond)))*time.Millisecond)
	c.w.OK()
}

// touchedDBs wakes the first client blocked on each key of databases a and
// b: SWAPDB may have put a list where one waits, as Redis 7.0 serves them.
func (r *blockRegistry) touchedDBs(a, b int) {
	if r.n.Load() == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, q := range r.m {
		if (k.db == a || k.db == b) && len(q) > 0 {
			q[0].markReady(k.key)
		}
	}
}
