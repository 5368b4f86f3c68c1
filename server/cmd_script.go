package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miniredis/miniredis/codec"
	"github.com/miniredis/miniredis/scripting"
	"github.com/miniredis/miniredis/shard"
)

// Scripting: EVAL and FCALL run a Lua script (package scripting) whose
// redis.call commands go through the same handlers as every other command,
// against a handle that holds the shards of the script's declared keys. A
// script is atomic like a transaction. Scripts run one at a time (as in
// Redis), which is also what lets one that touches a key it did not declare
// wait for that key's shard safely (see shard.Held); one that has not
// written yet is stopped and run again holding every shard instead.

// errRetryAll stops a script that needs a shard another client holds before
// it wrote anything: it runs again with every shard held.
var errRetryAll = errors.New("server: script touches undeclared keys; retry holding every shard")

// scriptRun is the script in progress, for BUSY and SCRIPT KILL.
type scriptRun struct {
	c      *client
	start  time.Time
	cancel context.CancelCauseFunc
	wrote  atomic.Bool
	name   string // the function's name (FUNCTION STATS), empty for an EVAL script
}

// scriptState is the server's script state. mu is held for the whole run
// of a script (or of a transaction that contains one); active is set while
// mu is, from before the script holds any shard to after it let them go,
// and is what every client's dispatch reads (whileScript); running is the
// script itself, for BUSY and SCRIPT KILL.
type scriptState struct {
	engine  *scripting.Engine
	mu      sync.Mutex
	active  atomic.Bool
	running atomic.Pointer[scriptRun]
}

// lock takes the script lock and marks a script active; the event loops
// then stop running commands on the loop (whileScript), before the script
// holds the shards they could wait for.
func (st *scriptState) lock() {
	st.mu.Lock()
	st.active.Store(true)
}

func (st *scriptState) unlock() {
	st.active.Store(false)
	st.mu.Unlock()
}

// isFunction reports whether the run is an FCALL rather than an EVAL.
func (r *scriptRun) isFunction() bool { return r.name != "" }

// busy reports whether a script has run longer than busy-reply-threshold,
// in which case other clients get BUSY for most commands.
func (s *Server) busy() *scriptRun {
	r := s.scripts.running.Load()
	if r == nil || time.Since(r.start) < s.busyReplyThreshold() {
		return nil
	}
	return r
}

// busyAllowed reports whether a command may run while a script is busy:
// Redis's allow-busy commands, and SCRIPT KILL / FUNCTION KILL.
func busyAllowed(cmd *command, args [][]byte) bool {
	switch cmd.name {
	case "AUTH", "HELLO", "QUIT", "MULTI", "DISCARD", "WATCH", "UNWATCH":
		return true
	case "SCRIPT", "FUNCTION":
		return len(args) > 1 && (equalFold(args[1], "KILL") || cmd.name == "FUNCTION" && equalFold(args[1], "STATS"))
	}
	return false
}

// busyError is the BUSY reply for the script in progress.
func busyError(r *scriptRun) string {
	if r.isFunction() {
		return msgBusyFunction
	}
	return msgBusyScript
}

func cmdEval(c *client, args [][]byte)   { c.evalBody(args, false) }
func cmdEvalRO(c *client, args [][]byte) { c.evalBody(args, true) }

func (c *client) evalBody(args [][]byte, ro bool) {
	s, err := c.srv.scripts.engine.Load(args[1])
	if err != nil {
		c.w.Error(errText(err))
		return
	}
	c.evalScript(s, args, ro)
}

func cmdEvalSHA(c *client, args [][]byte)   { c.evalSHA(args, false) }
func cmdEvalSHARO(c *client, args [][]byte) { c.evalSHA(args, true) }

func (c *client) evalSHA(args [][]byte, ro bool) {
	s, ok := c.srv.scripts.engine.Lookup(args[1])
	if !ok {
		c.w.Error(scripting.MsgNoScript)
		return
	}
	c.evalScript(s, args, ro)
}

// evalScript checks EVAL's arguments and the script's flags, then runs it.
func (c *client) evalScript(s *scripting.Script, args [][]byte, ro bool) {
	keys, argv, msg := scripting.SplitKeys(args[2], args[3:], false)
	if msg != "" {
		c.w.Error(msg)
		return
	}
	noWrites, ok := c.scriptAllowed(s.Flags(), ro)
	if !ok {
		return
	}
	c.runScript(keys, ro || noWrites, "", func(r *scripting.Run, dst []byte) []byte {
		return c.srv.scripts.engine.Run(dst, r, s, keys, argv)
	})
}

// scriptAllowed applies a script's or function's flags before it runs: a
// *_RO call of one that may write, and one that may write while the server
// is out of memory (unless allow-oom), are refused with Redis's errors.
// Scripts without a shebang (legacy EVAL) are checked per command instead.
// It reports whether the script may not write, and whether it may run.
func (c *client) scriptAllowed(flags scripting.Flags, ro bool) (noWrites, ok bool) {
	compat := flags&scripting.FlagEvalCompat != 0
	noWrites = flags&scripting.FlagNoWrites != 0
	switch {
	case ro && !compat && !noWrites:
		c.w.Error(scripting.MsgROWriteFunction)
		return noWrites, false
	case !compat && !noWrites && flags&scripting.FlagAllowOOM == 0 && c.srv.maxMemory() > 0 && !c.freeMemory():
		c.w.Error(msgOOM)
		return noWrites, false
	}
	return noWrites, true
}

func cmdFCall(c *client, args [][]byte)   { c.fcall(args, false) }
func cmdFCallRO(c *client, args [][]byte) { c.fcall(args, true) }

func (c *client) fcall(args [][]byte, ro bool) {
	f, ok := c.srv.scripts.engine.Function(args[1])
	if !ok {
		c.w.Error(scripting.MsgFunctionNotFound)
		return
	}
	keys, argv, msg := scripting.SplitKeys(args[2], args[3:], true)
	if msg != "" {
		c.w.Error(msg)
		return
	}
	noWrites, ok := c.scriptAllowed(f.Flags(), ro)
	if !ok {
		return
	}
	c.runScript(keys, ro || noWrites, f.Name(), func(r *scripting.Run, dst []byte) []byte {
		return c.srv.scripts.engine.FCall(dst, r, f, keys, argv)
	})
}

// runScript runs one script, or the function named function, atomically: it holds the shards of
// keys (every shard when a first run had to stop, see errRetryAll), runs exec
// with a Caller bound to them, and writes the reply. Inside EXEC it runs
// under the transaction's held shards instead; EXEC took the script lock
// before them, keeping the order script lock, then shards.
func (c *client) runScript(keys [][]byte, ro bool, function string, exec func(r *scripting.Run, dst []byte) []byte) {
	if outer := c.db.Held(); outer != nil {
		reply, _ := c.runOnce(outer, ro, function, false, exec)
		c.w.Encoded(reply)
		return
	}
	if c.loop != nil {
		// On an event loop the script runs on a goroutine of its own, so
		// the loop goes on serving its other clients (BUSY, SCRIPT KILL),
		// as Redis serves events while a script is busy. keys and exec's
		// arguments point into the read buffer, which the loop leaves
		// alone until the script is done.
		c.offLoop = func() { c.runScriptNow(keys, ro, function, exec) }
		return
	}
	c.runScriptNow(keys, ro, function, exec)
}

// runScriptNow is runScript outside a transaction, on the goroutine that
// runs it: it waits for the script lock, then for the shards.
func (c *client) runScriptNow(keys [][]byte, ro bool, function string, exec func(r *scripting.Run, dst []byte) []byte) {
	// Lock order: the append-only log's (held already when the script
	// runs on the goroutine that called it), the script lock, then shards.
	if !ro && c.aofLock() {
		defer c.aofUnlock()
	}
	st := &c.srv.scripts
	st.lock()
	defer st.unlock()
	h := c.srv.store.Hold(keys)
	reply, retry := c.runOnce(h, ro, function, true, exec)
	h.Release()
	if retry {
		h = c.srv.store.HoldAll()
		reply, _ = c.runOnce(h, ro, function, false, exec)
		h.Release()
	}
	c.w.Encoded(reply)
}

// runOnce runs exec once under h. With canRetry, a command that needs a shard
// another client holds stops a script that has not written yet, and retry
// reports it; without, the script waits for the shard.
func (c *client) runOnce(h *shard.Held, ro bool, function string, canRetry bool, exec func(r *scripting.Run, dst []byte) []byte) (reply []byte, retry bool) {
	st := &c.srv.scripts
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	run := &scriptRun{c: c, start: time.Now(), cancel: cancel, name: function}
	sc := newScriptCaller(c, h, run, ro, canRetry)
	defer sc.release()
	if !ro {
		// The script's commands run under what its client took: the
		// write-order lock or the gate.
		sc.sc.aofHeld, sc.sc.aofGated = c.aofHeld, c.aofGated
	}
	if !ro && c.logging() {
		// The script's writes are logged as one MULTI/EXEC block, or
		// inside the block of the EXEC that runs it.
		if c.aofBlock != nil {
			sc.sc.aofBlock = c.aofBlock
		} else {
			b := sc.sc.aofBeginBlock()
			defer c.srv.aofEndBlock(b)
		}
	}
	st.running.Store(run)
	if c.stopping.Load() {
		// Shutdown stops clients before it cancels the running script, so
		// a script that starts after that cancel is ended here.
		cancel(context.Canceled)
	}
	reply = exec(&scripting.Run{Caller: sc, Proto: c.w.Proto(), Ctx: ctx}, c.tmp[:0])
	st.running.Store(nil)
	c.tmp = reply[:0]
	return reply, errors.Is(context.Cause(ctx), errRetryAll)
}

// scriptCaller runs a script's redis.call commands: Redis's checks, then the
// handler on a client of the script's own whose handle runs under the held
// shards, adding a shard the script did not declare when a command needs it.
type scriptCaller struct {
	c   *client // the calling client
	sc  *client // the script's client: its writer collects each reply
	h   *shard.Held
	run *scriptRun
	ro  bool
	// retry: the script may be stopped to run again holding every shard
	// (not inside EXEC, nor on that second run).
	retry bool
}

func newScriptCaller(c *client, h *shard.Held, run *scriptRun, ro, retry bool) *scriptCaller {
	sc := &client{
		srv:      c.srv,
		w:        codec.NewWriter(nil),
		id:       c.id,
		authed:   true,
		batchNow: c.now(), // time stands still inside a script, as in Redis 7
		db:       h.DB(c.db.Index()).WithActor(c),
		script:   true,
		// The script's commands are counted in its client's stripe,
		// sharing the script's time when the caller is released.
		stripe:    c.stripe,
		markNanos: nanotime(),
		addr:      "lua",
	}
	// A read by the script's commands makes the caller track the
	// script's keys, as Redis remembers them for its script_caller.
	sc.track, sc.trkCaching, sc.trkScript = c.track, c.trkCaching, c.trkScript
	return &scriptCaller{c: c, sc: sc, h: h, run: run, ro: ro, retry: retry}
}

func (s *scriptCaller) release() {
	s.sc.lastArgs = nil // the script's arguments are gone by now
	s.sc.settle()
	s.sc.w.Release()
}

// Call implements scripting.Caller.
func (s *scriptCaller) Call(args [][]byte, resp int) []byte {
	w := s.sc.w
	w.Reset()
	w.SetProto(resp)
	cmd := lookup(args[0])
	switch {
	case cmd == nil:
		w.Error(msgScriptUnknownCmd)
	case !cmd.arityOK(len(args)):
		w.Error(msgScriptWrongArgs)
	case cmd.flags&flagNoScript != 0:
		w.Error(msgScriptNotAllowed)
	case cmd.flags&flagWrite != 0 && s.ro:
		w.Error(msgScriptReadOnly)
	case !s.reach(cmd, args):
		w.Error(msgScriptRetry)
	case s.c.srv.cluster != nil && s.clusterRefused(cmd, args):
	default:
		if cmd.flags&flagWrite != 0 {
			s.run.wrote.Store(true)
		}
		s.sc.call(cmd, args)
		s.sc.quit = false
	}
	return w.Pending()
}

// reach makes sure the held set covers the shards cmd's keys live in. A
// shard held by another client is waited for once the script has written
// (it cannot start over then); before that the script is stopped to run
// again holding every shard, which is cheaper than waiting out of order.
func (s *scriptCaller) reach(cmd *command, args [][]byte) bool {
	if cmd.needsAll(args) {
		return s.reachAll()
	}
	keys := cmd.appendKeys(s.sc.keys[:0], args)
	defer func() { clear(keys); s.sc.keys = keys[:0] }()
	for _, k := range keys {
		if s.h.TryAdd(k) {
			continue
		}
		if s.retry && !s.run.wrote.Load() {
			s.run.cancel(errRetryAll)
			return false
		}
		s.h.Add(k)
	}
	return true
}

// reachAll is reach for a command that needs every shard.
func (s *scriptCaller) reachAll() bool {
	st := s.c.srv.store
	for j := range st.Shards() {
		if !s.h.TryAddShard(j) {
			if s.retry && !s.run.wrote.Load() {
				s.run.cancel(errRetryAll)
				return false
			}
			s.h.AddShard(j)
		}
	}
	return true
}

// errText is an error's reply text: a scripting.Error's Redis wording, or
// the error's own text.
func errText(err error) string {
	var se *scripting.Error
	if errors.As(err, &se) {
		return se.Msg
	}
	return "ERR " + err.Error()
}

// cmdScript implements SCRIPT LOAD, EXISTS, FLUSH, KILL and HELP.
func cmdScript(c *client, args [][]byte) {
	e := c.srv.scripts.engine
	sub := args[1]
	switch {
	case equalFold(sub, "LOAD") && len(args) == 3:
		s, err := e.Load(args[2])
		if err != nil {
			c.w.Error(errText(err))
			return
		}
		c.w.BulkString(s.SHA())
	case equalFold(sub, "EXISTS") && len(args) >= 3:
		c.w.ArrayLen(len(args) - 2)
		for _, sha := range args[2:] {
			if e.Exists(sha) {
				c.w.Int(1)
			} else {
				c.w.Int(0)
			}
		}
	case equalFold(sub, "FLUSH") && len(args) <= 3:
		if len(args) == 3 && !equalFold(args[2], "ASYNC") && !equalFold(args[2], "SYNC") {
			c.w.Error(msgScriptFlushMode)
			return
		}
		e.Flush()
		c.w.OK()
	case equalFold(sub, "KILL") && len(args) == 2:
		c.killScript(false)
	case equalFold(sub, "HELP") && len(args) == 2:
		c.writeHelp("SCRIPT", scriptHelp)
	case equalFold(sub, "LOAD"), equalFold(sub, "EXISTS"), equalFold(sub, "FLUSH"), equalFold(sub, "KILL"):
		subArityError(c, args[0], sub)
	default:
		c.w.Error(fmt.Sprintf(msgUnknownSub, sub, "SCRIPT"))
	}
}

// killScript answers SCRIPT KILL (function false) or FUNCTION KILL.
func (c *client) killScript(function bool) {
	r := c.srv.scripts.running.Load()
	switch {
	case r == nil:
		c.w.Error(scripting.MsgNotBusy)
	case r.isFunction() != function && function:
		c.w.Error(msgKillNotFunction)
	case r.isFunction() != function:
		c.w.Error(msgKillNotScript)
	case r.wrote.Load():
		c.w.Error(msgUnkillable)
	default:
		r.cancel(context.Canceled)
		c.w.OK()
	}
}

// cmdFunction implements FUNCTION LOAD, DELETE, FLUSH, LIST, STATS, KILL and
// HELP.
func cmdFunction(c *client, args [][]byte) {
	e := c.srv.scripts.engine
	sub := args[1]
	switch {
	case equalFold(sub, "LOAD") && (len(args) == 3 || len(args) == 4):
		replace := false
		if len(args) == 4 {
			if !equalFold(args[2], "REPLACE") {
				c.w.Error("ERR Unknown option given: " + string(args[2]))
				return
			}
			replace = true
		}
		lib, err := e.FunctionLoad(args[len(args)-1], replace)
		if err != nil {
			c.w.Error(errText(err))
			return
		}
		c.w.BulkString(lib)
	case equalFold(sub, "DELETE") && len(args) == 3:
		if !e.FunctionDelete(args[2]) {
			c.w.Error(scripting.MsgLibraryNotFound)
			return
		}
		c.w.OK()
	case equalFold(sub, "FLUSH") && len(args) <= 3:
		if len(args) == 3 && !equalFold(args[2], "ASYNC") && !equalFold(args[2], "SYNC") {
			c.w.Error(msgFunctionFlushMode)
			return
		}
		e.FunctionFlush()
		c.w.OK()
	case equalFold(sub, "LIST"):
		c.functionList(args[2:])
	case equalFold(sub, "STATS") && len(args) == 2:
		c.functionStats()
	case equalFold(sub, "DUMP") && len(args) == 2:
		c.w.Bulk(c.srv.scripts.engine.FunctionDump())
	case equalFold(sub, "RESTORE") && (len(args) == 3 || len(args) == 4):
		c.functionRestore(args)
	case equalFold(sub, "KILL") && len(args) == 2:
		c.killScript(true)
	case equalFold(sub, "HELP") && len(args) == 2:
		c.writeHelp("FUNCTION", functionHelp)
	case equalFold(sub, "LOAD"), equalFold(sub, "DELETE"), equalFold(sub, "FLUSH"), equalFold(sub, "STATS"), equalFold(sub, "KILL"), equalFold(sub, "DUMP"), equalFold(sub, "RESTORE"):
		subArityError(c, args[0], sub)
	default:
		c.w.Error(fmt.Sprintf(msgUnknownSub, sub, "FUNCTION"))
	}
}

// functionList answers FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE].
func (c *client) functionList(opts [][]byte) {
	var pattern []byte
	withCode := false
	for i := 0; i < len(opts); i++ {
		switch {
		case equalFold(opts[i], "WITHCODE") && !withCode:
			withCode = true
		case equalFold(opts[i], "LIBRARYNAME") && pattern == nil && i+1 < len(opts):
			i++
			pattern = opts[i]
		case equalFold(opts[i], "LIBRARYNAME") && pattern == nil:
			c.w.Error("ERR library name argument was not given")
			return
		default:
			c.w.Error("ERR Unknown argument " + string(opts[i]))
			return
		}
	}
	var match func(string) bool
	if pattern != nil {
		match = func(lib string) bool { return globMatch(pattern, []byte(lib), false) }
	}
	c.tmp = c.srv.scripts.engine.FunctionList(c.tmp[:0], c.w.Proto(), match, withCode)
	c.w.Encoded(c.tmp)
}

// functionStats answers FUNCTION STATS: the running function, if any, and
// the Lua engine's library and function counts.
func (c *client) functionStats() {
	var running *scripting.Running
	if r := c.srv.scripts.running.Load(); r != nil && r.isFunction() {
		running = &scripting.Running{Name: r.name, DurationMS: time.Since(r.start).Milliseconds()}
	}
	c.tmp = c.srv.scripts.engine.FunctionStats(c.tmp[:0], c.w.Proto(), running)
	c.w.Encoded(c.tmp)
}

// functionRestore answers FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE].
func (c *client) functionRestore(args [][]byte) {
	policy := scripting.RestoreAppend
	if len(args) == 4 {
		p, ok := scripting.ParseRestorePolicy(args[3])
		if !ok {
			c.w.Error(scripting.MsgBadRestorePolicy)
			return
		}
		policy = p
	}
	if err := c.srv.scripts.engine.FunctionRestore(args[2], policy); err != nil {
		c.w.Error(errText(err))
		return
	}
	c.w.OK()
}

// writeHelp writes a HELP reply: the container's usage lines.
func (c *client) writeHelp(name string, lines []string) {
	c.w.ArrayLen(len(lines) + 1)
	c.w.Simple(name + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.w.Simple(l)
	}
}

var scriptHelp = []string{
	"EXISTS <sha1> [<sha1> ...]",
	"    Return information about the existence of the scripts in the script cache.",
	"FLUSH [ASYNC|SYNC]",
	"    Flush the Lua scripts cache. Very dangerous on replicas.",
	"    When called without the optional mode argument, the behavior is determined by the",
	"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
	"    * ASYNC: Asynchronously flush the scripts cache.",
	"    * SYNC: Synchronously flush the scripts cache.",
	"KILL",
	"    Kill the currently executing Lua script.",
	"LOAD <script>",
	"    Load a script into the scripts cache without executing it.",
	"HELP",
	"    Prints this help.",
}

var functionHelp = []string{
	"LOAD [REPLACE] <FUNCTION CODE>",
	"DELETE <LIBRARY NAME>",
	"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
	"FLUSH [ASYNC|SYNC]",
	"DUMP",
	"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
	"KILL",
	"STATS",
	"HELP",
}

// numkeysKeys finds the keys of EVAL and FCALL: numkeys at args[2], the keys
// after it.
func numkeysKeys(dst, args [][]byte) [][]byte { return keysAfterNumkeys(dst, args, 2) }

// keysAfterNumkeys appends the keys of a numkeys-style call, whose key count
// is args[at] and whose keys follow it. A bad numkeys names no keys (the
// handler answers the error).
func keysAfterNumkeys(dst, args [][]byte, at int) [][]byte {
	if len(args) <= at {
		return dst
	}
	n, ok := parseInt(args[at])
	if !ok || n < 0 || n > int64(len(args)-at-1) {
		return dst
	}
	return append(dst, args[at+1:at+1+int(n)]...)
}

// scriptLog sends redis.log lines to the server's logger at the matching
// level.
func (s *Server) scriptLog(level int, msg string) {
	switch level {
	case scripting.LogDebug, scripting.LogVerbose:
		s.log.Debug(msg, "source", "script")
	case scripting.LogNotice:
		s.log.Info(msg, "source", "script")
	default:
		s.log.Warn(msg, "source", "script")
	}
}
