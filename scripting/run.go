package scripting

import (
	"crypto/sha1"
	"encoding/hex"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// getState takes an idle Lua state from the pool or makes one.
func (e *Engine) getState() *state {
	e.poolMu.Lock()
	if n := len(e.pool); n > 0 {
		s := e.pool[n-1]
		e.pool = e.pool[:n-1]
		e.poolMu.Unlock()
		return s
	}
	e.poolMu.Unlock()
	return newState(e)
}

func (e *Engine) putState(s *state) {
	e.poolMu.Lock()
	if len(e.pool) < e.opts.MaxStates {
		e.pool = append(e.pool, s)
		e.poolMu.Unlock()
		return
	}
	e.poolMu.Unlock()
	s.L.Close()
}

// Run runs script s (EVAL, EVALSHA) with keys and argv and appends its reply
// to dst as RESP in protocol r.Proto. keys and argv are copied; Run keeps
// nothing of them. r.Killed and r.Err report how it ended.
func (e *Engine) Run(dst []byte, r *Run, s *Script, keys, argv [][]byte) []byte {
	st := e.getState()
	defer e.putState(st)
	L := st.L
	G := st.realG
	G.RawSetString("KEYS", newArray(L, keys))
	G.RawSetString("ARGV", newArray(L, argv))
	L.Push(st.handler)
	L.Push(L.NewFunctionFromProto(s.proto))
	dst = st.call(dst, r, s.sha, 0)
	G.RawSetString("KEYS", lua.LNil)
	G.RawSetString("ARGV", lua.LNil)
	return dst
}

// call runs the function below nargs arguments on the stack (with the error
// handler below it) and appends the reply.
func (st *state) call(dst []byte, r *Run, name string, nargs int) []byte {
	L := st.L
	rc := &st.rc
	rc.r, rc.name, rc.resp, rc.killed = r, name, 2, false
	if cap(rc.buf) > 64<<10 {
		rc.buf = nil // don't pin one huge script's arguments
	}
	st.run = rc
	r.Killed, r.Err = false, false
	st.setContext(r.Ctx)
	err := L.PCall(nargs, 1, st.handler)
	st.clearContext()
	st.run = nil
	rc.r = nil
	if err != nil {
		var obj lua.LValue = lua.LString(err.Error())
		if ae, ok := err.(*lua.ApiError); ok {
			obj = ae.Object
		}
		L.SetTop(0)
		r.Err = true
		r.Killed = rc.killed
		if rc.killed {
			st.e.log(LogWarning, "Lua script killed by user with SCRIPT KILL.")
		}
		return st.appendError(dst, obj, name)
	}
	v := L.Get(-1)
	L.SetTop(0)
	dst = st.toRESP(dst, v, r.Proto, rc.resp, 0)
	if len(dst) > 0 && isErrReply(v) {
		r.Err = true
	}
	return dst
}

func isErrReply(v lua.LValue) bool {
	t, ok := v.(*lua.LTable)
	if !ok {
		return false
	}
	_, ok = t.RawGetString("err").(lua.LString)
	return ok
}

// appendError formats a failed run as luaCallFunction does: "-MSG script:
// NAME, on SOURCE:LINE." from the error handler's table.
func (st *state) appendError(dst []byte, obj lua.LValue, name string) []byte {
	t, ok := obj.(*lua.LTable)
	if s, isStr := obj.(lua.LString); !ok && isStr {
		// The error handler could not run: the call stack was full ("stack
		// overflow"). C Lua still runs its handler there; rebuild what it
		// would have made from the message's own position.
		if src, line, ok := messagePosition(string(s)); ok {
			return appendErrorLine(dst, "ERR "+string(s)+" script: "+name+", on @"+src+":"+line+".")
		}
	}
	if !ok {
		msg := "execution failure"
		if s, ok := obj.(lua.LString); ok {
			msg = string(s)
		}
		if len(msg) > 100 {
			msg = msg[:100]
		}
		return appendErrorLine(dst, "ERR Error running script "+name+", "+msg)
	}
	// A table without err crashes Redis 7.0 (a NULL message); say so.
	msg := "ERR unknown error"
	if s, ok := luaString(t.RawGetString("err")); ok {
		msg = s
	}
	src, okSrc := luaString(t.RawGetString("source"))
	line, okLine := luaString(t.RawGetString("line"))
	if okSrc && okLine {
		msg += " script: " + name + ", on " + src + ":" + line + "."
	}
	return appendErrorLine(dst, msg)
}

// luaString is lua_isstring + lua_tostring: strings, and numbers as "%.14g".
func luaString(v lua.LValue) (string, bool) {
	switch v := v.(type) {
	case lua.LString:
		return string(v), true
	case lua.LNumber:
		return fmtNumber14(float64(v)), true
	}
	return "", false
}

// appendErrorLine appends "-msg\r\n" with CR and LF turned into spaces, as
// addReplyErrorFormat does.
func appendErrorLine(dst []byte, msg string) []byte {
	dst = append(dst, '-')
	n := len(dst)
	dst = append(dst, msg...)
	for i := n; i < len(dst); i++ {
		if dst[i] == '\r' || dst[i] == '\n' {
			dst[i] = ' '
		}
	}
	return append(dst, '\r', '\n')
}

func newArray(L *lua.LState, elems [][]byte) *lua.LTable {
	t := L.CreateTable(len(elems), 0)
	for i, e := range elems {
		t.RawSetInt(i+1, lua.LString(e))
	}
	return t
}

// errorHandler is Redis's __redis__err__handler: it turns the error into a
// table {err=..., source=..., line=...} naming the Lua function that failed
// (the caller when a Go builtin raised it).
func (st *state) errorHandler(L *lua.LState) int {
	errv := L.Get(1)
	var t *lua.LTable
	if tt, ok := errv.(*lua.LTable); ok {
		t = tt
	} else {
		t = L.NewTable()
		t.RawSetString("err", lua.LString("ERR "+tostringPlain(errv)))
	}
	if rc := st.run; rc != nil && rc.r.Ctx != nil && rc.r.Ctx.Err() != nil {
		rc.killed = true
		t = L.NewTable()
		t.RawSetString("err", lua.LString(MsgKilled))
	}
	dbg, ok := L.GetStack(1)
	if ok {
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			ok = false
		} else if dbg.What == "G" {
			dbg, ok = L.GetStack(2)
			if ok {
				if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
					ok = false
				}
			}
		}
	}
	if ok {
		src := dbg.Source
		switch {
		case dbg.What == "G":
			src = "=[C]"
		case strings.HasPrefix(src, `[string "`) && strings.HasSuffix(src, `"]`):
			src = src[len(`[string "`) : len(src)-2]
		default:
			src = "@" + src
		}
		t.RawSetString("source", lua.LString(src))
		t.RawSetString("line", lua.LNumber(dbg.CurrentLine))
	}
	L.Push(t)
	return 1
}

// tostringPlain is Lua's tostring for error values.
func tostringPlain(v lua.LValue) string {
	switch v := v.(type) {
	case lua.LNumber:
		return fmtNumber14(float64(v))
	case *lua.LNilType:
		return "nil"
	}
	return v.String()
}

// pcall is Redis's replacement for pcall: an error table with an err field
// comes back as its message string, as in Redis before 7.
func (st *state) pcall(L *lua.LState) int {
	L.CheckAny(1)
	nargs := L.GetTop() - 1
	if err := L.PCall(nargs, lua.MultRet, nil); err != nil {
		L.Push(lua.LFalse)
		var obj lua.LValue = lua.LString(err.Error())
		if ae, ok := err.(*lua.ApiError); ok {
			obj = ae.Object
		}
		if t, ok := obj.(*lua.LTable); ok {
			if s, ok := luaString(t.RawGetString("err")); ok {
				obj = lua.LString(s)
			}
		}
		L.Push(obj)
		return 2
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

// pushError pushes the table luaPushErrorBuff makes: "-CODE msg" keeps its
// code, a message without "-" gets "ERR".
func pushError(L *lua.LState, s string) *lua.LTable {
	t := L.CreateTable(0, 2)
	t.RawSetString("err", lua.LString(errorText(s)))
	L.Push(t)
	return t
}

func errorText(s string) string {
	code, msg := "ERR", s
	if len(s) > 0 && s[0] == '-' {
		sp := -1
		for i := 0; i < len(s); i++ {
			if s[i] == ' ' {
				sp = i
				break
			}
		}
		if sp < 0 {
			msg = s[1:]
		} else {
			code, msg = s[1:sp], s[sp+1:]
		}
	}
	// sdstrim(msg, "\r\n")
	i, j := 0, len(msg)
	for i < j && (msg[i] == '\r' || msg[i] == '\n') {
		i++
	}
	for j > i && (msg[j-1] == '\r' || msg[j-1] == '\n') {
		j--
	}
	return code + " " + msg[i:j]
}

func raiseError(L *lua.LState, s string) int {
	t := pushError(L, s)
	L.Error(t, 0)
	return 0
}

// redisAPI builds the redis table of a script.
func (st *state) redisAPI() *lua.LTable {
	L := st.L
	t := L.NewTable()
	set := func(name string, fn lua.LGFunction) { t.RawSetString(name, L.NewFunction(fn)) }
	set("call", func(L *lua.LState) int { return st.redisCall(L, true) })
	set("pcall", func(L *lua.LState) int { return st.redisCall(L, false) })
	st.registerLog(t)
	registerVersion(t)
	set("setresp", st.setresp)
	set("sha1hex", sha1hexLua)
	set("error_reply", errorReply)
	set("status_reply", statusReply)
	set("set_repl", st.setRepl)
	t.RawSetString("REPL_NONE", lua.LNumber(0))
	t.RawSetString("REPL_AOF", lua.LNumber(1))
	t.RawSetString("REPL_SLAVE", lua.LNumber(2))
	t.RawSetString("REPL_REPLICA", lua.LNumber(2))
	t.RawSetString("REPL_ALL", lua.LNumber(3))
	set("acl_check_cmd", st.aclCheckCmd)
	set("replicate_commands", func(L *lua.LState) int { L.Push(lua.LTrue); return 1 })
	set("breakpoint", func(L *lua.LState) int { L.Push(lua.LFalse); return 1 })
	set("debug", func(L *lua.LState) int { return 0 })
	return t
}

func (st *state) registerLog(t *lua.LTable) {
	t.RawSetString("log", st.L.NewFunction(st.redisLog))
	t.RawSetString("LOG_DEBUG", lua.LNumber(LogDebug))
	t.RawSetString("LOG_VERBOSE", lua.LNumber(LogVerbose))
	t.RawSetString("LOG_NOTICE", lua.LNumber(LogNotice))
	t.RawSetString("LOG_WARNING", lua.LNumber(LogWarning))
}

// RedisVersion and RedisVersionNum are what redis.REDIS_VERSION and
// redis.REDIS_VERSION_NUM report: the Redis version whose behaviour this
// package follows.
const (
	RedisVersion    = "7.0.15"
	RedisVersionNum = 0x07000f
)

func registerVersion(t *lua.LTable) {
	t.RawSetString("REDIS_VERSION_NUM", lua.LNumber(RedisVersionNum))
	t.RawSetString("REDIS_VERSION", lua.LString(RedisVersion))
}

// redisCall is redis.call (raise) and redis.pcall.
func (st *state) redisCall(L *lua.LState, raise bool) int {
	rc := st.run
	if rc == nil {
		return raiseError(L, "redis.call/pcall can only be called inside a script invocation")
	}
	argc := L.GetTop()
	if argc == 0 {
		pushError(L, "Please specify at least one argument for this redis lib call")
		if raise {
			L.Error(L.Get(-1), 0)
		}
		return 1
	}
	rc.buf = rc.buf[:0]
	rc.offs = rc.offs[:0]
	for i := 1; i <= argc; i++ {
		switch v := L.Get(i).(type) {
		case lua.LNumber:
			rc.buf = appendG(rc.buf, float64(v), 17)
		case lua.LString:
			rc.buf = append(rc.buf, v...)
		default:
			L.SetTop(0)
			pushError(L, "Lua redis lib command arguments must be strings or integers")
			if raise {
				L.Error(L.Get(-1), 0)
			}
			return 1
		}
		rc.offs = append(rc.offs, len(rc.buf))
	}
	L.SetTop(0)
	rc.args = rc.args[:0]
	start := 0
	for _, end := range rc.offs {
		rc.args = append(rc.args, rc.buf[start:end:end])
		start = end
	}
	reply := rc.r.Caller.Call(rc.args, rc.resp)
	v, _ := respToLua(L, reply, 0)
	L.Push(v)
	if raise && len(reply) > 0 && reply[0] == '-' {
		L.Error(v, 0)
	}
	return 1
}

func (st *state) setresp(L *lua.LState) int {
	rc := st.run
	if rc == nil {
		return raiseError(L, "redis.setresp can only be called inside a script invocation")
	}
	if L.GetTop() != 1 {
		return raiseError(L, "redis.setresp() requires one argument.")
	}
	resp := int(toNumber(L.Get(1)))
	if resp != 2 && resp != 3 {
		return raiseError(L, "RESP version must be 2 or 3.")
	}
	rc.resp = resp
	return 0
}

// toNumber is lua_tonumber: numbers, and strings that convert; else 0.
func toNumber(v lua.LValue) float64 {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		if n, err := parseNumberStrict(string(v)); err == nil {
			return n
		}
	}
	return 0
}

func isNumber(v lua.LValue) bool {
	switch v := v.(type) {
	case lua.LNumber:
		return true
	case lua.LString:
		_, err := parseNumberStrict(string(v))
		return err == nil
	}
	return false
}

func (st *state) redisLog(L *lua.LState) int {
	argc := L.GetTop()
	if argc < 2 {
		return raiseError(L, "redis.log() requires two arguments or more.")
	}
	if !isNumber(L.Get(1)) {
		return raiseError(L, "First argument must be a number (log level).")
	}
	level := int(toNumber(L.Get(1)))
	if level < LogDebug || level > LogWarning {
		return raiseError(L, "Invalid debug level.")
	}
	var msg []byte
	for j := 2; j <= argc; j++ {
		if s, ok := luaString(L.Get(j)); ok {
			if j != 2 {
				msg = append(msg, ' ')
			}
			msg = append(msg, s...)
		}
	}
	if st.load != nil && st.load.replay {
		// The library is being re-created in another Lua state; its load
		// already logged this line.
		return 0
	}
	st.e.log(level, string(msg))
	return 0
}

func sha1hexLua(L *lua.LState) int {
	if L.GetTop() != 1 {
		return raiseError(L, "wrong number of arguments")
	}
	s, _ := luaString(L.Get(1))
	sum := sha1.Sum([]byte(s))
	L.Push(lua.LString(hex.EncodeToString(sum[:])))
	return 1
}

func errorReply(L *lua.LState) int {
	s, ok := L.Get(-1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		pushError(L, "wrong number or type of arguments")
		return 1
	}
	msg := string(s)
	if len(msg) == 0 || msg[0] != '-' {
		msg = "-" + msg
	}
	pushError(L, msg)
	return 1
}

func statusReply(L *lua.LState) int {
	s, ok := L.Get(-1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		pushError(L, "wrong number or type of arguments")
		return 1
	}
	t := L.CreateTable(0, 1)
	t.RawSetString("ok", s)
	L.Push(t)
	return 1
}

func (st *state) setRepl(L *lua.LState) int {
	if st.run == nil {
		return raiseError(L, "redis.set_repl can only be called inside a script invocation")
	}
	if L.GetTop() != 1 {
		return raiseError(L, "redis.set_repl() requires two arguments.")
	}
	flags := int(toNumber(L.Get(-1)))
	if flags&^3 != 0 {
		return raiseError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
	}
	return 0
}

func (st *state) aclCheckCmd(L *lua.LState) int {
	rc := st.run
	if rc == nil {
		return raiseError(L, "redis.acl_check_cmd can only be called inside a script invocation")
	}
	argc := L.GetTop()
	if argc == 0 {
		return raiseError(L, "Please specify at least one argument for this redis lib call")
	}
	args := make([][]byte, 0, argc)
	for i := 1; i <= argc; i++ {
		switch v := L.Get(i).(type) {
		case lua.LNumber:
			args = append(args, appendG(nil, float64(v), 17))
		case lua.LString:
			args = append(args, []byte(v))
		default:
			return raiseError(L, "Lua redis lib command arguments must be strings or integers")
		}
	}
	allowed := true
	if c, ok := rc.r.Caller.(ACLChecker); ok {
		known, ok := c.CheckACL(args)
		if !known {
			return raiseError(L, "Invalid command passed to redis.acl_check_cmd()")
		}
		allowed = ok
	}
	L.Push(lua.LBool(allowed))
	return 1
}

func (st *state) mathRandom(L *lua.LState) int {
	if st.run == nil {
		luaLError(L, "math.random can only be called inside a script invocation")
	}
	e := st.e
	e.rngMu.Lock()
	v := e.rng.next()
	e.rngMu.Unlock()
	r := float64(v%lrandMax) / float64(lrandMax)
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
	case 1:
		u := checkInt(L, 1)
		if u < 1 {
			luaLError(L, "bad argument #1 to 'random' (interval is empty)")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u)) + 1))
	case 2:
		l := checkInt(L, 1)
		u := checkInt(L, 2)
		if l > u {
			luaLError(L, "bad argument #2 to 'random' (interval is empty)")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u-l+1)) + float64(l)))
	default:
		luaLError(L, "wrong number of arguments")
	}
	return 1
}

func (st *state) mathRandomseed(L *lua.LState) int {
	if st.run == nil {
		luaLError(L, "math.randomseed can only be called inside a script invocation")
	}
	seed := checkInt(L, 1)
	st.e.rngMu.Lock()
	st.e.rng.seed(int32(seed))
	st.e.rngMu.Unlock()
	return 0
}

// checkInt is luaL_checkint: a number or a numeric string, truncated.
func checkInt(L *lua.LState, n int) int64 {
	v := L.Get(n)
	if !isNumber(v) {
		L.TypeError(n, lua.LTNumber)
	}
	return int64(toNumber(v))
}

// messagePosition splits "user_script:12: text" into its chunk and line.
func messagePosition(msg string) (src, line string, ok bool) {
	for _, chunk := range []string{"user_script:", "user_function:"} {
		if !strings.HasPrefix(msg, chunk) {
			continue
		}
		rest := msg[len(chunk):]
		i := strings.IndexByte(rest, ':')
		if i <= 0 {
			return "", "", false
		}
		if _, err := strconv.Atoi(rest[:i]); err != nil {
			return "", "", false
		}
		return chunk[:len(chunk)-1], rest[:i], true
	}
	return "", "", false
}
