package scripting

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/miniredis/miniredis/codec"
	lua "github.com/yuin/gopher-lua"
)

// More Redis 7.0 reply texts for functions.
const (
	// MsgROWriteFunction answers FCALL_RO (and EVAL_RO of a script with
	// flags) when the function may write.
	MsgROWriteFunction = "ERR Can not execute a script with write flag using *_ro command."
	// MsgFCallBadKeys answers FCALL whose numkeys is not an integer.
	MsgFCallBadKeys = "ERR Bad number of keys provided"
	// MsgEvalBadKeys answers EVAL whose numkeys is not an integer.
	MsgEvalBadKeys = "ERR value is not an integer or out of range"
	// MsgKeysGreater answers EVAL and FCALL with more keys than arguments.
	MsgKeysGreater = "ERR Number of keys can't be greater than number of args"
	// MsgKeysNegative answers EVAL and FCALL with a negative numkeys.
	MsgKeysNegative = "ERR Number of keys can't be negative"
)

// loadTimeout is Redis's LOAD_TIMEOUT_MS: a library's top-level code must
// finish registering within it.
const loadTimeout = 500 * time.Millisecond

// library is one loaded function library. Immutable once installed.
type library struct {
	name  string
	code  string
	proto *lua.FunctionProto
	funcs []*Function // in registration order
}

// Function is one function registered by a library (FCALL's target). It is
// immutable and safe for concurrent use.
type Function struct {
	name    string
	desc    string
	hasDesc bool
	flags   Flags
	lib     *library
}

// Name returns the function's name.
func (f *Function) Name() string { return f.name }

// Library returns the name of the library that registered it.
func (f *Function) Library() string { return f.lib.name }

// Flags returns the flags it was registered with (never FlagEvalCompat).
func (f *Function) Flags() Flags { return f.flags }

// loadCtx is the state of a library's top-level code while it runs.
type loadCtx struct {
	lib       *library
	callbacks map[string]*lua.LFunction
	funcs     []*Function
	replay    bool // the library is re-created in another Lua state: no logging
}

// SplitKeys splits EVAL/FCALL's numkeys and the arguments after it into
// keys and argv. errMsg, when not empty, is the reply (without "-"); fcall
// picks FCALL's wording for a numkeys that is not a number.
func SplitKeys(numkeys []byte, rest [][]byte, fcall bool) (keys, argv [][]byte, errMsg string) {
	n, ok := codec.ParseInt(numkeys)
	if !ok {
		if fcall {
			return nil, nil, MsgFCallBadKeys
		}
		return nil, nil, MsgEvalBadKeys
	}
	if n > int64(len(rest)) {
		return nil, nil, MsgKeysGreater
	}
	if n < 0 {
		return nil, nil, MsgKeysNegative
	}
	return rest[:n], rest[n:], ""
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlnum(c) || c == '_') {
			return false
		}
	}
	return true
}

const msgBadLibName = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

// parseLibraryShebang reads "#!lua name=mylib" as functionExtractLibMetaData
// does and returns the engine, the name and the shebang's length.
func parseLibraryShebang(code []byte) (engine, name string, n int, err error) {
	if len(code) < 2 || code[0] != '#' || code[1] != '!' {
		return "", "", 0, &Error{Msg: "ERR Missing library metadata"}
	}
	nl := strings.IndexByte(string(code), '\n')
	if nl < 0 {
		return "", "", 0, &Error{Msg: "ERR Invalid library metadata"}
	}
	parts, ok := splitArgs(string(code[:nl]))
	if !ok || len(parts) == 0 {
		return "", "", 0, &Error{Msg: "ERR Invalid library metadata"}
	}
	engine = parts[0][2:]
	gotName := false
	for _, p := range parts[1:] {
		if len(p) >= 5 && strings.EqualFold(p[:5], "name=") {
			if gotName {
				return "", "", 0, &Error{Msg: "ERR Invalid metadata value, name argument was given multiple times"}
			}
			name, gotName = p[5:], true
			continue
		}
		return "", "", 0, &Error{Msg: "ERR Invalid metadata value given: " + p}
	}
	if !gotName {
		return "", "", 0, &Error{Msg: "ERR Library name was not given"}
	}
	return engine, name, nl, nil
}

// FunctionLoad loads a library (FUNCTION LOAD [REPLACE]): code starts with
// "#!lua name=<lib>" and registers functions with redis.register_function.
// It returns the library's name, or an error whose text is Redis's reply
// without "-".
func (e *Engine) FunctionLoad(code []byte, replace bool) (string, error) {
	e.fmu.Lock()
	defer e.fmu.Unlock()
	lib, err := e.prepareLibrary(code, replace)
	if err != nil {
		return "", err
	}
	e.installLocked(lib)
	return lib.name, nil
}

// prepareLibrary checks, compiles and runs a library's code without
// installing it. Called with fmu held.
func (e *Engine) prepareLibrary(code []byte, replace bool) (*library, error) {
	engine, name, n, err := parseLibraryShebang(code)
	if err != nil {
		return nil, err
	}
	if !validName(name) {
		return nil, &Error{Msg: "ERR " + msgBadLibName}
	}
	if !strings.EqualFold(engine, "lua") {
		return nil, &Error{Msg: "ERR Engine '" + engine + "' not found"}
	}
	old := e.libs[name]
	if old != nil && !replace {
		return nil, &Error{Msg: "ERR Library '" + name + "' already exists"}
	}
	proto, err := compile(code[n:], "user_function")
	if err != nil {
		return nil, &Error{Msg: "ERR Error compiling function: " + err.Error()}
	}
	lib := &library{name: name, code: string(code), proto: proto}
	st := e.getState()
	defer e.putState(st)
	lc, err := st.loadLibrary(lib, false)
	if err != nil {
		return nil, err
	}
	if len(lc.funcs) == 0 {
		return nil, &Error{Msg: "ERR No functions registered"}
	}
	for _, f := range lc.funcs {
		if other, ok := e.funcs[lowerName(f.name)]; ok && other.lib != old {
			return nil, &Error{Msg: "ERR Function " + f.name + " already exists"}
		}
	}
	lib.funcs = lc.funcs
	st.libs[lib] = lc.callbacks
	return lib, nil
}

// installLocked makes lib current, replacing a library of the same name.
func (e *Engine) installLocked(lib *library) {
	if old := e.libs[lib.name]; old != nil {
		e.unlinkLocked(old)
	}
	e.libs[lib.name] = lib
	for _, f := range lib.funcs {
		// Redis's global function dict ignores case (a library may still
		// register "ab" and "AB"; which one answers FCALL is Redis's dict
		// order, here the later one).
		e.funcs[lowerName(f.name)] = f
	}
	e.fgen++
}

// lowerName lower-cases ASCII letters, as Redis's case-insensitive dicts
// compare.
func lowerName(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func (e *Engine) unlinkLocked(lib *library) {
	delete(e.libs, lib.name)
	for _, f := range lib.funcs {
		if e.funcs[lowerName(f.name)] == f {
			delete(e.funcs, lowerName(f.name))
		}
	}
	e.fgen++
}

// FunctionDelete removes a library and its functions (FUNCTION DELETE); it
// reports false when there is none of that name (MsgLibraryNotFound).
func (e *Engine) FunctionDelete(name []byte) bool {
	e.fmu.Lock()
	defer e.fmu.Unlock()
	lib, ok := e.libs[string(name)]
	if !ok {
		return false
	}
	e.unlinkLocked(lib)
	return true
}

// FunctionFlush removes every library (FUNCTION FLUSH).
func (e *Engine) FunctionFlush() {
	e.fmu.Lock()
	defer e.fmu.Unlock()
	e.libs = make(map[string]*library)
	e.funcs = make(map[string]*Function)
	e.fgen++
}

// Function finds a function by name, ignoring case as Redis does (FCALL);
// a miss is MsgFunctionNotFound.
func (e *Engine) Function(name []byte) (*Function, bool) {
	var buf [64]byte
	key := name
	if len(name) <= len(buf) {
		for i, c := range name {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		key = buf[:len(name)]
	} else {
		key = []byte(lowerName(string(name)))
	}
	e.fmu.RLock()
	f, ok := e.funcs[string(key)]
	e.fmu.RUnlock()
	return f, ok
}

// FunctionCounts returns the number of libraries and functions (FUNCTION
// STATS's engines section).
func (e *Engine) FunctionCounts() (libraries, functions int) {
	e.fmu.RLock()
	defer e.fmu.RUnlock()
	for _, l := range e.libs {
		functions += len(l.funcs)
	}
	return len(e.libs), functions
}

// FunctionList appends FUNCTION LIST's reply in protocol proto: the
// libraries whose name match accepts (all when match is nil; Redis matches
// LIBRARYNAME as a case-insensitive glob), sorted by
// name (Redis's own order is its dict's), each with its functions and, with
// withCode, its code.
func (e *Engine) FunctionList(dst []byte, proto int, match func(lib string) bool, withCode bool) []byte {
	e.fmu.RLock()
	libs := make([]*library, 0, len(e.libs))
	for _, l := range e.libs {
		if match == nil || match(l.name) {
			libs = append(libs, l)
		}
	}
	e.fmu.RUnlock()
	sort.Slice(libs, func(i, j int) bool { return libs[i].name < libs[j].name })
	dst = codec.AppendArrayLen(dst, len(libs))
	for _, l := range libs {
		n := 3
		if withCode {
			n = 4
		}
		dst = codec.AppendMapLen(dst, n, proto)
		dst = codec.AppendBulkString(dst, "library_name")
		dst = codec.AppendBulkString(dst, l.name)
		dst = codec.AppendBulkString(dst, "engine")
		dst = codec.AppendBulkString(dst, "LUA")
		dst = codec.AppendBulkString(dst, "functions")
		dst = codec.AppendArrayLen(dst, len(l.funcs))
		for _, f := range l.funcs {
			dst = codec.AppendMapLen(dst, 3, proto)
			dst = codec.AppendBulkString(dst, "name")
			dst = codec.AppendBulkString(dst, f.name)
			dst = codec.AppendBulkString(dst, "description")
			if f.hasDesc {
				dst = codec.AppendBulkString(dst, f.desc)
			} else {
				dst = codec.AppendNull(dst, proto)
			}
			dst = codec.AppendBulkString(dst, "flags")
			names := flagList(f.flags)
			dst = codec.AppendSetLen(dst, len(names), proto)
			for _, fl := range names {
				dst = codec.AppendSimple(dst, fl)
			}
		}
		if withCode {
			dst = codec.AppendBulkString(dst, "library_code")
			dst = codec.AppendBulkString(dst, l.code)
		}
	}
	return dst
}

func flagList(f Flags) []string {
	var out []string
	for _, fl := range flagNames {
		if f&fl.flag != 0 {
			out = append(out, fl.name)
		}
	}
	return out
}

// FCall runs function f (FCALL, FCALL_RO) with keys and argv and appends
// its reply to dst as RESP in protocol r.Proto, as Run does for scripts.
func (e *Engine) FCall(dst []byte, r *Run, f *Function, keys, argv [][]byte) []byte {
	st := e.getState()
	defer e.putState(st)
	cb, err := st.callback(f)
	if err != nil {
		r.Err = true
		return appendErrorLine(dst, err.Error())
	}
	L := st.L
	L.Push(st.handler)
	L.Push(cb)
	L.Push(newArray(L, keys))
	L.Push(newArray(L, argv))
	return st.call(dst, r, f.name, 2)
}

// callback returns f's Lua function in this state, running its library's
// code here first when this state has not seen that library yet.
func (st *state) callback(f *Function) (*lua.LFunction, error) {
	e := st.e
	e.fmu.RLock()
	gen := e.fgen
	e.fmu.RUnlock()
	if st.fgen != gen {
		// Forget libraries that were replaced or deleted.
		e.fmu.RLock()
		for lib := range st.libs {
			if e.libs[lib.name] != lib {
				delete(st.libs, lib)
			}
		}
		e.fmu.RUnlock()
		st.fgen = gen
	}
	cbs, ok := st.libs[f.lib]
	if !ok {
		lc, err := st.loadLibrary(f.lib, true)
		if err != nil {
			return nil, err
		}
		cbs = lc.callbacks
		st.libs[f.lib] = cbs
	}
	cb, ok := cbs[f.name]
	if !ok {
		return nil, &Error{Msg: MsgFunctionNotFound}
	}
	return cb, nil
}

// loadLibrary runs lib's top-level code with the load-time globals (only
// redis.register_function, redis.log and the version) and collects what it
// registers.
func (st *state) loadLibrary(lib *library, replay bool) (*loadCtx, error) {
	L := st.L
	lc := &loadCtx{lib: lib, callbacks: make(map[string]*lua.LFunction), replay: replay}
	st.load = lc
	st.gMeta.RawSetString("__index", st.loadAPI)
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	L.SetContext(ctx)
	L.Push(L.NewFunctionFromProto(lib.proto))
	err := L.PCall(0, 0, nil)
	L.RemoveContext()
	timedOut := ctx.Err() != nil
	cancel()
	st.gMeta.RawSetString("__index", st.realG)
	st.load = nil
	L.SetTop(0)
	if err != nil {
		msg := "ERR FUNCTION LOAD timeout"
		if !timedOut {
			var obj lua.LValue = lua.LString(err.Error())
			if ae, ok := err.(*lua.ApiError); ok {
				obj = ae.Object
			}
			msg = extractErrMsg(obj)
		}
		return nil, &Error{Msg: "ERR Error registering functions: " + msg}
	}
	return lc, nil
}

// extractErrMsg is luaExtractErrorInformation's message: a string error
// gets "ERR ", a table gives its err field.
func extractErrMsg(obj lua.LValue) string {
	if s, ok := luaString(obj); ok {
		return "ERR " + s
	}
	if t, ok := obj.(*lua.LTable); ok {
		if s, ok := luaString(t.RawGetString("err")); ok {
			return s
		}
	}
	return ""
}

// registerFunction is redis.register_function, in its positional form
// (name, callback) and its table form {function_name=, callback=, flags=,
// description=}.
func (st *state) registerFunction(L *lua.LState) int {
	lc := st.load
	if lc == nil {
		return raiseError(L, "redis.register_function can only be called on FUNCTION LOAD command")
	}
	argc := L.GetTop()
	if argc < 1 || argc > 2 {
		return raiseError(L, "wrong number of arguments to redis.register_function")
	}
	f := &Function{lib: lc.lib}
	var cb *lua.LFunction
	if argc == 1 {
		t, ok := L.Get(1).(*lua.LTable)
		if !ok {
			return raiseError(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).")
		}
		var failed string
		gotName := false
		for k, v := t.Next(lua.LNil); k != lua.LNil && failed == ""; k, v = t.Next(k) {
			key, ok := luaString(k)
			if !ok {
				failed = "named argument key given to redis.register_function is not a string"
				break
			}
			switch strings.ToLower(key) {
			case "function_name":
				s, ok := luaString(v)
				if !ok {
					failed = "function_name argument given to redis.register_function must be a string"
				}
				f.name, gotName = s, true
			case "description":
				s, ok := luaString(v)
				if !ok {
					failed = "description argument given to redis.register_function must be a string"
				}
				f.desc, f.hasDesc = s, true
			case "callback":
				fn, ok := v.(*lua.LFunction)
				if !ok {
					failed = "callback argument given to redis.register_function must be a function"
				}
				cb = fn
			case "flags":
				ft, ok := v.(*lua.LTable)
				if !ok {
					failed = "flags argument to redis.register_function must be a table representing function flags"
					break
				}
				flags, ok := readFlags(ft)
				if !ok {
					failed = "unknown flag given"
				}
				f.flags = flags
			default:
				failed = "unknown argument given to redis.register_function"
			}
		}
		switch {
		case failed != "":
			return raiseError(L, failed)
		case !gotName:
			return raiseError(L, "redis.register_function must get a function name argument")
		case cb == nil:
			return raiseError(L, "redis.register_function must get a callback argument")
		}
	} else {
		s, ok := luaString(L.Get(1))
		if !ok {
			return raiseError(L, "first argument to redis.register_function must be a string")
		}
		fn, ok := L.Get(2).(*lua.LFunction)
		if !ok {
			return raiseError(L, "second argument to redis.register_function must be a function")
		}
		f.name, cb = s, fn
	}
	if !validName(f.name) {
		// Redis 7.0 words a bad function name this way too.
		return raiseError(L, msgBadLibName)
	}
	if _, dup := lc.callbacks[f.name]; dup {
		return raiseError(L, "Function already exists in the library")
	}
	lc.callbacks[f.name] = cb
	lc.funcs = append(lc.funcs, f)
	return 0
}

// readFlags reads a flags array, case-insensitively, as
// luaRegisterFunctionReadFlags does.
func readFlags(t *lua.LTable) (Flags, bool) {
	var flags Flags
	for j := 1; ; j++ {
		v := t.RawGetInt(j)
		if v == lua.LNil {
			return flags, true
		}
		s, ok := luaString(v)
		if !ok {
			return 0, false
		}
		fl, ok := flagByName(strings.ToLower(s))
		if !ok {
			return 0, false
		}
		flags |= fl
	}
}

// Running describes the script or function in progress for FUNCTION STATS.
type Running struct {
	Name       string   // the function's name (Redis shows the sha for EVAL)
	Command    [][]byte // the calling command's arguments
	DurationMS int64
}

// FunctionStats appends FUNCTION STATS's reply in protocol proto; running
// is nil when nothing runs.
func (e *Engine) FunctionStats(dst []byte, proto int, running *Running) []byte {
	libs, funcs := e.FunctionCounts()
	dst = codec.AppendMapLen(dst, 2, proto)
	dst = codec.AppendBulkString(dst, "running_script")
	if running == nil {
		dst = codec.AppendNull(dst, proto)
	} else {
		dst = codec.AppendMapLen(dst, 3, proto)
		dst = codec.AppendBulkString(dst, "name")
		dst = codec.AppendBulkString(dst, running.Name)
		dst = codec.AppendBulkString(dst, "command")
		dst = codec.AppendArrayLen(dst, len(running.Command))
		for _, a := range running.Command {
			dst = codec.AppendBulk(dst, a)
		}
		dst = codec.AppendBulkString(dst, "duration_ms")
		dst = codec.AppendInt(dst, running.DurationMS)
	}
	dst = codec.AppendBulkString(dst, "engines")
	dst = codec.AppendMapLen(dst, 1, proto)
	dst = codec.AppendBulkString(dst, "LUA")
	dst = codec.AppendMapLen(dst, 2, proto)
	dst = codec.AppendBulkString(dst, "libraries_count")
	dst = codec.AppendInt(dst, int64(libs))
	dst = codec.AppendBulkString(dst, "functions_count")
	return codec.AppendInt(dst, int64(funcs))
}
