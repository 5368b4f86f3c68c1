package scripting

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// state is one sandboxed Lua interpreter with Redis's globals. It serves one
// run at a time; the Engine pools them.
//
// Redis 7.0 makes the globals and every library table read-only with a
// patch to its Lua. gopher-lua has no read-only tables, so each protected
// table is seen by scripts through an empty proxy whose metatable reads from
// the real table and refuses writes; the few raw-access builtins (rawset,
// setmetatable, table.insert …) refuse proxies too.
type state struct {
	e     *Engine
	L     *lua.LState
	realG *lua.LTable // the real globals, behind proxyG
	gMeta *lua.LTable // proxyG's metatable; __index switches to loadAPI while a library loads
	// proxyOf maps a protected real table to its proxy, realOf the reverse.
	proxyOf map[*lua.LTable]*lua.LTable
	realOf  map[*lua.LTable]*lua.LTable
	handler *lua.LFunction
	loadAPI *lua.LTable // the globals a function library sees while it loads

	run  *runCtx // the current run (&rc), nil between runs
	rc   runCtx
	load *loadCtx // the library being loaded, nil otherwise
	libs map[*library]map[string]*lua.LFunction
	fgen uint64
}

// runCtx is the per-run state of redis.* functions.
type runCtx struct {
	r      *Run
	name   string // the sha or function name in error texts
	resp   int    // redis.setresp
	args   [][]byte
	buf    []byte
	offs   []int
	killed bool
}

const readonlyMsg = "Attempt to modify a readonly table"

func newState(e *Engine) *state {
	// A fixed call stack of 1024 frames: C Lua allows 20000 nested calls,
	// but gopher-lua's growable call stack panics when full instead of
	// raising "stack overflow" with a position. The data stack starts
	// small and grows to a million slots.
	L := lua.NewState(lua.Options{SkipOpenLibs: true, CallStackSize: 1024,
		RegistrySize: 1024, RegistryMaxSize: 1024 * 1024, RegistryGrowStep: 1024})
	s := &state{
		e:       e,
		L:       L,
		proxyOf: make(map[*lua.LTable]*lua.LTable),
		realOf:  make(map[*lua.LTable]*lua.LTable),
		libs:    make(map[*library]map[string]*lua.LFunction),
	}
	for _, open := range []struct {
		name string
		fn   lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
	} {
		L.Push(L.NewFunction(open.fn))
		L.Push(lua.LString(open.name))
		L.Call(1, 0)
	}
	G := L.G.Global
	s.realG = G
	for _, name := range []string{"dofile", "loadfile", "print", "_printregs", "module", "require", "newproxy", "getfenv", "setfenv", "package", "channel", "_GOPHER_LUA_VERSION"} {
		G.RawSetString(name, lua.LNil)
	}
	// The string table doubles as the string metatable in gopher-lua; Redis
	// has no string.__index.
	strTab := G.RawGetString("string").(*lua.LTable)
	strTab.RawSetString("__index", lua.LNil)
	strTab.RawSetString("format", L.NewFunction(strFormat))
	tab := G.RawGetString("table").(*lua.LTable)
	tab.RawSetString("foreach", L.NewFunction(tableForeach))
	tab.RawSetString("foreachi", L.NewFunction(tableForeachi))
	tab.RawSetString("setn", L.NewFunction(tableSetn))
	for _, n := range []string{"insert", "remove", "sort", "setn"} {
		tab.RawSetString(n, s.guardFirstArg(tab.RawGetString(n).(*lua.LFunction)))
	}
	G.RawSetString("gcinfo", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LNumber(0)); return 1 }))
	G.RawSetString("collectgarbage", L.NewFunction(collectgarbage))
	G.RawSetString("error", L.NewFunction(luaErrorFn))
	G.RawSetString("tonumber", L.NewFunction(luaTonumber))
	G.RawSetString("loadstring", L.NewFunction(loadstring))
	G.RawSetString("tostring", L.NewFunction(luaTostring))
	G.RawSetString("pcall", L.NewFunction(s.pcall))
	G.RawSetString("rawset", L.NewFunction(s.rawset))
	G.RawSetString("setmetatable", s.guardFirstArg(G.RawGetString("setmetatable").(*lua.LFunction)))
	G.RawSetString("getmetatable", L.NewFunction(s.getmetatable))
	G.RawSetString("next", L.NewFunction(s.next))
	G.RawSetString("pairs", L.NewFunction(s.pairs))
	G.RawSetString("rawget", L.NewFunction(s.rawget))

	mathTab := G.RawGetString("math").(*lua.LTable)
	mathTab.RawSetString("random", L.NewFunction(s.mathRandom))
	mathTab.RawSetString("randomseed", L.NewFunction(s.mathRandomseed))
	// gopher-lua's math.huge is the largest float; C's HUGE_VAL is +Inf.
	mathTab.RawSetString("huge", lua.LNumber(math.Inf(1)))

	null := L.NewUserData()
	G.RawSetString("cjson", openCjson(L, e.cjson, null))
	G.RawSetString("cmsgpack", openCmsgpack(L))
	G.RawSetString("bit", openBit(L))
	G.RawSetString("struct", openStruct(L))
	G.RawSetString("redis", s.redisAPI())
	s.handler = L.NewFunction(s.errorHandler)
	G.RawSetString("__redis__err__handler", s.handler)

	// Protect every table reachable from the globals, then the globals.
	var names []string
	G.ForEach(func(k, v lua.LValue) {
		if _, ok := v.(*lua.LTable); ok {
			names = append(names, k.String())
		}
	})
	for _, n := range names {
		if n == "_G" {
			continue
		}
		G.RawSetString(n, s.protect(G.RawGetString(n).(*lua.LTable), nil))
	}
	gMissing := L.NewTable()
	gMissing.RawSetString("__index", L.NewFunction(nonexistentGlobal))
	L.SetMetatable(G, gMissing)
	s.gMeta = L.NewTable()
	proxyG := s.protect(G, s.gMeta)
	G.RawSetString("_G", proxyG)
	L.G.Global = proxyG
	L.Env = proxyG
	// Strings index the protected string table.
	smt := L.NewTable()
	smt.RawSetString("__index", G.RawGetString("string"))
	L.SetMetatable(lua.LString(""), smt)
	s.protect(smt, nil)

	// The globals a function library sees while it loads: redis with
	// register_function, log and the version, nothing else.
	api := L.NewTable()
	red := L.NewTable()
	red.RawSetString("register_function", L.NewFunction(s.registerFunction))
	s.registerLog(red)
	registerVersion(red)
	L.SetMetatable(red, gMissing)
	api.RawSetString("redis", s.protect(red, nil))
	L.SetMetatable(api, gMissing)
	s.protect(api, nil) // so that views of it (getmetatable(_G).__index) are read-only
	s.loadAPI = api
	return s
}

// protect returns the proxy of t, creating it with metatable mt (a new one
// when nil).
func (s *state) protect(t *lua.LTable, mt *lua.LTable) *lua.LTable {
	if p, ok := s.proxyOf[t]; ok {
		return p
	}
	if mt == nil {
		mt = s.L.NewTable()
	}
	p := s.L.NewTable()
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", s.L.NewFunction(readonlyError))
	s.L.SetMetatable(p, mt)
	s.proxyOf[t] = p
	s.realOf[p] = t
	s.realOf[mt] = mt
	return p
}

// protectView returns a read-only proxy of t whose reads hand out views of
// protected tables, never the tables themselves.
func (s *state) protectView(t *lua.LTable) *lua.LTable {
	if p, ok := s.proxyOf[t]; ok {
		return p
	}
	mt := s.L.NewTable()
	mt.RawSetString("__index", s.L.NewFunction(func(L *lua.LState) int {
		L.Push(s.view(t.RawGet(L.Get(2))))
		return 1
	}))
	mt.RawSetString("__newindex", s.L.NewFunction(readonlyError))
	p := s.L.NewTable()
	s.L.SetMetatable(p, mt)
	s.proxyOf[t] = p
	s.realOf[p] = t
	s.realOf[mt] = mt
	return p
}

func readonlyError(L *lua.LState) int {
	L.RaiseError(readonlyMsg)
	return 0
}

func nonexistentGlobal(L *lua.LState) int {
	L.RaiseError("Script attempted to access nonexistent global variable '%s'", L.ToString(2))
	return 0
}

// guardFirstArg wraps fn so that it refuses a protected table as its first
// argument, as Redis's read-only tables refuse raw writes.
func (s *state) guardFirstArg(fn *lua.LFunction) *lua.LFunction {
	return s.L.NewFunction(func(L *lua.LState) int {
		if t, ok := L.Get(1).(*lua.LTable); ok && s.isProtected(t) {
			// Redis raises this from C, without a position.
			L.Error(lua.LString(readonlyMsg), 0)
		}
		top := L.GetTop()
		L.Push(fn)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, lua.MultRet)
		return L.GetTop() - top
	})
}

func (s *state) rawset(L *lua.LState) int {
	t := L.CheckTable(1)
	if s.isProtected(t) {
		// Redis raises this from C, without a position.
		L.Error(lua.LString(readonlyMsg), 0)
	}
	L.RawSet(t, L.CheckAny(2), L.CheckAny(3))
	L.SetTop(1)
	return 1
}

// isProtected reports whether t is a proxy, a proxy's metatable or a
// protected real table.
func (s *state) isProtected(t *lua.LTable) bool {
	_, proxy := s.realOf[t]
	_, real := s.proxyOf[t]
	return proxy || real
}

// real returns the table a proxy stands for, or t itself.
func (s *state) real(t *lua.LTable) *lua.LTable {
	if r, ok := s.realOf[t]; ok && r != t {
		return r
	}
	return t
}

func (s *state) rawget(L *lua.LState) int {
	t := L.CheckTable(1)
	L.Push(s.view(s.real(t).RawGet(L.CheckAny(2))))
	return 1
}

func (s *state) getmetatable(L *lua.LState) int {
	mt := L.GetMetatable(L.CheckAny(1))
	if t, ok := mt.(*lua.LTable); ok {
		if p, ok := s.proxyOf[t]; ok {
			mt = p
		} else if _, prot := s.realOf[t]; prot {
			// A proxy's own metatable holds the real table in __index: show
			// a read-only view whose reads are views too.
			mt = s.protectView(t)
		}
	}
	L.Push(mt)
	return 1
}

func (s *state) next(L *lua.LState) int {
	t := s.real(L.CheckTable(1))
	k, v := t.Next(L.Get(2))
	if k == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(k)
	L.Push(s.view(v))
	return 2
}

// view returns what a script sees of a value read raw from a real table:
// protected tables through their proxies.
func (s *state) view(v lua.LValue) lua.LValue {
	if t, ok := v.(*lua.LTable); ok {
		if p, ok := s.proxyOf[t]; ok {
			return p
		}
	}
	return v
}

func (s *state) pairs(L *lua.LState) int {
	t := L.CheckTable(1)
	L.Push(L.NewFunction(s.next))
	L.Push(t)
	L.Push(lua.LNil)
	return 3
}

func tableForeach(L *lua.LState) int {
	t := L.CheckTable(1)
	f := L.CheckFunction(2)
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		L.Push(f)
		L.Push(k)
		L.Push(v)
		L.Call(2, 1)
		if r := L.Get(-1); r != lua.LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

func tableForeachi(L *lua.LState) int {
	t := L.CheckTable(1)
	f := L.CheckFunction(2)
	n := t.Len()
	for i := 1; i <= n; i++ {
		L.Push(f)
		L.Push(lua.LNumber(i))
		L.Push(t.RawGetInt(i))
		L.Call(2, 1)
		if r := L.Get(-1); r != lua.LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

func tableSetn(L *lua.LState) int {
	L.RaiseError("'setn' is obsolete")
	return 0
}

// luaTostring is tostring with Lua 5.1's "%.14g" for numbers.
func luaTostring(L *lua.LState) int {
	v := L.CheckAny(1)
	switch v := v.(type) {
	case lua.LNumber:
		L.Push(lua.LString(fmtNumber14(float64(v))))
		return 1
	case *lua.LUserData:
		if v.Value == nil && v.Metatable == lua.LNil {
			// cjson.null, C's NULL light userdata.
			L.Push(lua.LString("userdata: (nil)"))
			return 1
		}
	}
	L.Push(L.ToStringMeta(v))
	return 1
}

// fmtNumber14 formats f as C's "%.14g" (LUA_NUMBER_FMT).
func fmtNumber14(f float64) string {
	var b [32]byte
	return string(appendG(b[:0], f, 14))
}

// appendG appends f as C's "%.<prec>g".
func appendG(dst []byte, f float64, prec int) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		if math.Signbit(f) {
			return append(dst, "-nan"...)
		}
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', prec, 64)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// setContext arms the kill switch for ctx; a nil ctx or one that is never
// done leaves it off, sparing gopher-lua's per-instruction check.
func (s *state) setContext(ctx context.Context) {
	if ctx != nil && ctx.Done() != nil {
		s.L.SetContext(ctx)
	}
}

// clearContext disarms the kill switch.
func (s *state) clearContext() {
	if s.L.Context() != nil {
		s.L.RemoveContext()
	}
}

// collectgarbage accepts Lua 5.1's options; "count" reports a size in KB.
func collectgarbage(L *lua.LState) int {
	switch L.OptString(1, "collect") {
	case "count":
		L.Push(lua.LNumber(0))
	default:
		L.Push(lua.LNumber(0))
	}
	return 1
}

// luaErrorFn is Lua 5.1's error: a string or number message gets the
// position of the function at level (none when that is a builtin).
func luaErrorFn(L *lua.LState) int {
	v := L.Get(1)
	level := L.OptInt(2, 1)
	if s, ok := luaString(v); ok && level > 0 {
		v = lua.LString(where(L, level) + s)
	}
	L.Error(v, 0)
	return 0
}

// where is luaL_where: "chunk:line: " of the function at level, or "" for a
// builtin.
func where(L *lua.LState, level int) string {
	dbg, ok := L.GetStack(level)
	if !ok {
		return ""
	}
	if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil || dbg.What == "G" || dbg.CurrentLine <= 0 {
		return ""
	}
	return dbg.Source + ":" + itoa(int64(dbg.CurrentLine)) + ": "
}

// luaTonumber is Lua 5.1's tonumber.
func luaTonumber(L *lua.LState) int {
	v := L.CheckAny(1)
	base := L.OptInt(2, 10)
	if base == 10 {
		switch v := v.(type) {
		case lua.LNumber:
			L.Push(v)
			return 1
		case lua.LString:
			if f, err := parseNumberStrict(string(v)); err == nil {
				L.Push(lua.LNumber(f))
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}
	if base < 2 || base > 36 {
		L.ArgError(2, "base out of range")
	}
	s := strings.TrimSpace(L.CheckString(1))
	if n, err := strconv.ParseUint(s, base, 64); err == nil {
		L.Push(lua.LNumber(n))
	} else {
		L.Push(lua.LNil)
	}
	return 1
}

// loadstring is Lua 5.1's loadstring, naming the chunk [string "..."] as
// luaO_chunkid does.
func loadstring(L *lua.LState) int {
	src := L.CheckString(1)
	name := L.OptString(2, src)
	proto, err := compile([]byte(src), chunkID(name))
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(L.NewFunctionFromProto(proto))
	return 1
}

// chunkID is luaO_chunkid for a string chunk name (LUA_IDSIZE 60).
func chunkID(source string) string {
	if strings.HasPrefix(source, "=") {
		return source[1:]
	}
	if strings.HasPrefix(source, "@") {
		return source[1:]
	}
	const bufflen = 60 - len(`[string "..."]`) - 1
	l := strings.IndexAny(source, "\n\r")
	if l < 0 {
		l = len(source)
	}
	trunc := l < len(source)
	if l > bufflen {
		l, trunc = bufflen, true
	}
	if trunc {
		return `[string "` + source[:l] + `..."]`
	}
	return `[string "` + source + `"]`
}

// luaLError is luaL_error: the message prefixed with the position of the
// function that called the builtin (none when that is a builtin too, as
// when a library function is called through pcall).
func luaLError(L *lua.LState, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	L.Error(lua.LString(where(L, 1)+msg), 0)
}
