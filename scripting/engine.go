package scripting

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// Caller runs one command on behalf of a running script (redis.call and
// redis.pcall) and returns its reply RESP-encoded in protocol resp (2 or 3,
// as the script chose with redis.setresp). The returned bytes are only read
// until the next Call; args are only valid during the Call. The server
// performs Redis's pre-checks (unknown command, arity, "not allowed from
// script", a write from a read-only script, OOM) and returns those as error
// replies with the Call* texts.
type Caller interface {
	Call(args [][]byte, resp int) []byte
}

// ACLChecker is optionally implemented by a Caller to answer
// redis.acl_check_cmd: known reports whether args[0] names a command,
// allowed whether the calling user may run args. Without it every command is
// allowed.
type ACLChecker interface {
	CheckACL(args [][]byte) (known, allowed bool)
}

// Log levels passed to Options.Log, Redis's LL_* values (redis.LOG_DEBUG …
// redis.LOG_WARNING).
const (
	LogDebug   = 0
	LogVerbose = 1
	LogNotice  = 2
	LogWarning = 3
)

// Options configures an Engine.
type Options struct {
	// Log receives redis.log lines and Redis's warning when a script is
	// killed; nil drops them. Filtering by verbosity is the callee's. It may
	// be called from several goroutines at once.
	Log func(level int, msg string)
	// MaxStates bounds the idle Lua states kept for reuse (default 8).
	MaxStates int
}

// Redis reply texts the server sends for scripts, byte-exact with Redis 7.0.
const (
	// MsgNoScript answers EVALSHA of an unknown sha.
	MsgNoScript = "NOSCRIPT No matching script. Please use EVAL."
	// MsgKilled is the error a killed script or function ends with; Run
	// appends it (with the script position, as Redis does) and sets
	// Run.Killed.
	MsgKilled = "ERR Script killed by user with SCRIPT KILL..."
	// MsgNotBusy answers SCRIPT KILL and FUNCTION KILL when nothing runs.
	MsgNotBusy = "NOTBUSY No scripts in execution right now."
	// MsgLibraryNotFound answers FUNCTION DELETE of an unknown library.
	MsgLibraryNotFound = "ERR Library not found"
	// MsgFunctionNotFound answers FCALL of an unknown function.
	MsgFunctionNotFound = "ERR Function not found"
)

// Error replies a Caller returns (as "-" + text + "\r\n") when Redis's
// pre-checks refuse a command from a script; Run then raises them in the
// script (redis.call) or hands them to it (redis.pcall), as Redis does.
const (
	CallUnknownCommand = "ERR Unknown Redis command called from script"
	CallWrongArity     = "ERR Wrong number of args calling Redis command from script"
	// CallNotAllowed refuses commands flagged noscript (MULTI, SUBSCRIBE,
	// EVAL …).
	CallNotAllowed = "ERR This Redis command is not allowed from script"
	// CallWriteReadOnly refuses a write from EVAL_RO, FCALL_RO or a script
	// or function with the no-writes flag.
	CallWriteReadOnly = "ERR Write commands are not allowed from read-only scripts."
	// CallOOM refuses a write over maxmemory from a script without
	// allow-oom.
	CallOOM = "OOM command not allowed when used memory > 'maxmemory'."
)

// Flags are the script and function flags of Redis 7.0, from a script's
// "#!lua flags=..." shebang or a function's registration.
type Flags uint64

// The flags, with Redis's bit values.
const (
	// FlagNoWrites: the script only reads (no-writes).
	FlagNoWrites Flags = 1 << 0
	// FlagAllowOOM: the script may run when the server is out of memory.
	FlagAllowOOM Flags = 1 << 1
	// FlagAllowStale: the script may run on a stale replica.
	FlagAllowStale Flags = 1 << 2
	// FlagNoCluster: the script refuses to run in cluster mode.
	FlagNoCluster Flags = 1 << 3
	// FlagEvalCompat marks a script without a shebang: Redis's legacy rules
	// apply (writes decided per command, OOM checked per write command).
	FlagEvalCompat Flags = 1 << 4
	// FlagAllowCrossSlot: the script may touch keys of several slots.
	FlagAllowCrossSlot Flags = 1 << 5
)

var flagNames = []struct {
	name string
	flag Flags
}{
	{"no-writes", FlagNoWrites},
	{"allow-oom", FlagAllowOOM},
	{"allow-stale", FlagAllowStale},
	{"no-cluster", FlagNoCluster},
	{"allow-cross-slot-keys", FlagAllowCrossSlot},
}

func flagByName(s string) (Flags, bool) {
	for _, f := range flagNames {
		if f.name == s {
			return f.flag, true
		}
	}
	return 0, false
}

// Script is one compiled EVAL script. It is immutable and safe for
// concurrent use.
type Script struct {
	sha   string
	body  string
	flags Flags
	proto *lua.FunctionProto
}

// SHA returns the script's lower-case hex SHA1, its EVALSHA name.
func (s *Script) SHA() string { return s.sha }

// Body returns the script's source as given to Load.
func (s *Script) Body() string { return s.body }

// Flags returns the shebang flags; FlagEvalCompat alone when the script has
// no shebang.
func (s *Script) Flags() Flags { return s.flags }

// Engine holds the script cache (by SHA1), the function libraries and a pool
// of Lua states. A Lua state serves one Run at a time; the Engine itself is
// safe for concurrent use.
//
// Known differences from Redis's C Lua, which gopher-lua does not let us
// patch from outside:
//   - String concatenation (..) and other implicit number-to-string
//     conversions print floats in Go's shortest form (1/3 gives
//     0.3333333333333333, not 0.33333333333333); tostring, string.format,
//     redis.call arguments, cjson and error texts use C's formats.
//   - Errors the VM itself raises keep gopher-lua's wording ("attempt to
//     call a non-function object" for "attempt to call local 'f' (a nil
//     value)"); their position and the " script: …, on @user_script:N."
//     suffix match. Syntax errors other than the common "unexpected symbol
//     near ..." may be worded differently.
//   - Table iteration order (pairs, RESP3 maps and sets built from tables,
//     cjson objects, cmsgpack maps) is gopher-lua's, not C Lua's hash
//     order; Redis does not define it either.
//   - An integer table key below 2^26 grows a table's array part up to it
//     (t[60000000] = 1 costs about a gigabyte), as gopher-lua stores tables.
//   - Lua calls nest about 1000 deep (a fixed 1024-frame call stack) where
//     C Lua allows 20000; past it the script fails with Redis's "stack
//     overflow" error text.
//   - error({}) (a table without an err field) crashes Redis 7.0; here it
//     replies "-ERR unknown error script: …".
type Engine struct {
	opts Options

	mu      sync.RWMutex
	scripts map[string]*Script

	fmu   sync.RWMutex
	libs  map[string]*library
	funcs map[string]*Function
	fgen  uint64 // bumped whenever the set of libraries changes

	poolMu sync.Mutex
	pool   []*state

	rngMu sync.Mutex
	rng   lrand48

	cjson *cjsonConfig
}

// New returns an Engine.
func New(opts Options) *Engine {
	if opts.MaxStates <= 0 {
		opts.MaxStates = 8
	}
	e := &Engine{
		opts:    opts,
		scripts: make(map[string]*Script),
		libs:    make(map[string]*library),
		funcs:   make(map[string]*Function),
		cjson:   newCjsonConfig(),
	}
	e.rng.x = lrandInit
	return e
}

func (e *Engine) log(level int, msg string) {
	if e.opts.Log != nil {
		e.opts.Log(level, msg)
	}
}

// SHA1Hex returns the lower-case hex SHA1 of b, the name EVAL gives a script.
func SHA1Hex(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

// Load compiles body (SCRIPT LOAD, and EVAL before it runs) and caches it by
// its SHA1; a body already cached is not compiled again. The error text is
// Redis's without the "-" ("ERR Error compiling script (new function): …").
func (e *Engine) Load(body []byte) (*Script, error) {
	var shaBuf [40]byte
	sum := sha1.Sum(body)
	hex.Encode(shaBuf[:], sum[:])
	e.mu.RLock()
	s, ok := e.scripts[string(shaBuf[:])]
	e.mu.RUnlock()
	if ok {
		return s, nil
	}
	flags, shebangLen, err := parseScriptShebang(body)
	if err != nil {
		return nil, err
	}
	// The shebang line is skipped but its line feed kept, so line numbers
	// stay the user's (as Redis does).
	proto, err := compile(body[shebangLen:], "user_script")
	if err != nil {
		return nil, &Error{Msg: "ERR Error compiling script (new function): " + err.Error()}
	}
	s = &Script{sha: string(shaBuf[:]), body: string(body), flags: flags, proto: proto}
	e.mu.Lock()
	if old, ok := e.scripts[s.sha]; ok {
		s = old
	} else {
		e.scripts[s.sha] = s
	}
	e.mu.Unlock()
	return s, nil
}

// Lookup finds a cached script by its SHA1 in hex, in any letter case
// (EVALSHA). The server answers a miss with MsgNoScript.
func (e *Engine) Lookup(sha []byte) (*Script, bool) {
	var low [40]byte
	if !lowerSHA(&low, sha) {
		return nil, false
	}
	e.mu.RLock()
	s, ok := e.scripts[string(low[:])]
	e.mu.RUnlock()
	return s, ok
}

// Exists reports whether a script with this SHA1 is cached (SCRIPT EXISTS).
func (e *Engine) Exists(sha []byte) bool {
	_, ok := e.Lookup(sha)
	return ok
}

// Flush empties the script cache (SCRIPT FLUSH). Functions are kept.
func (e *Engine) Flush() {
	e.mu.Lock()
	e.scripts = make(map[string]*Script)
	e.mu.Unlock()
}

// Scripts returns the number of cached scripts (INFO's number_of_cached_scripts).
func (e *Engine) Scripts() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(e.scripts)
}

func lowerSHA(dst *[40]byte, sha []byte) bool {
	if len(sha) != 40 {
		return false
	}
	for i, c := range sha {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst[i] = c
	}
	return true
}

// Error is a script-level error whose Msg is the Redis error reply text
// without the leading "-" (for example "ERR Error compiling script …").
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// parseScriptShebang reads an EVAL script's "#!lua flags=a,b" line as
// Redis's evalExtractShebangFlags does.
func parseScriptShebang(body []byte) (Flags, int, error) {
	if len(body) < 2 || body[0] != '#' || body[1] != '!' {
		return FlagEvalCompat, 0, nil
	}
	nl := strings.IndexByte(string(body), '\n')
	if nl < 0 {
		return 0, 0, &Error{Msg: "ERR Invalid script shebang"}
	}
	parts, ok := splitArgs(string(body[:nl]))
	if !ok || len(parts) == 0 {
		return 0, 0, &Error{Msg: "ERR Invalid engine in script shebang"}
	}
	if parts[0] != "#!lua" {
		return 0, 0, &Error{Msg: "ERR Unexpected engine in script shebang: " + parts[0]}
	}
	var flags Flags
	for _, p := range parts[1:] {
		if !strings.HasPrefix(p, "flags=") {
			return 0, 0, &Error{Msg: "ERR Unknown lua shebang option: " + p}
		}
		for _, f := range strings.Split(p[len("flags="):], ",") {
			fl, ok := flagByName(f)
			if !ok {
				return 0, 0, &Error{Msg: "ERR Unexpected flag in script shebang: " + f}
			}
			flags |= fl
		}
	}
	return flags, nl, nil
}

// splitArgs splits a line as Redis's sdssplitargs does (spaces separate,
// double quotes with escapes, single quotes); ok is false on unbalanced
// quotes.
func splitArgs(line string) ([]string, bool) {
	var out []string
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			return out, true
		}
		var cur []byte
		inq, insq := false, false
		for done := false; !done; {
			switch {
			case inq:
				if i >= len(line) {
					return nil, false
				}
				if line[i] == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]) {
					cur = append(cur, hexVal(line[i+2])<<4|hexVal(line[i+3]))
					i += 3
				} else if line[i] == '\\' && i+1 < len(line) {
					i++
					c := line[i]
					switch c {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'b':
						c = '\b'
					case 'a':
						c = '\a'
					}
					cur = append(cur, c)
				} else if line[i] == '"' {
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				} else {
					cur = append(cur, line[i])
				}
			case insq:
				if i >= len(line) {
					return nil, false
				}
				if line[i] == '\\' && i+1 < len(line) && line[i+1] == '\'' {
					i++
					cur = append(cur, '\'')
				} else if line[i] == '\'' {
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				} else {
					cur = append(cur, line[i])
				}
			default:
				if i >= len(line) {
					done = true
					break
				}
				switch line[i] {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					cur = append(cur, line[i])
				}
			}
			if i < len(line) {
				i++
			}
		}
		out = append(out, string(cur))
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// compile parses and compiles a chunk; the proto is immutable and shared by
// every Lua state. Parse errors are reworded toward Lua 5.1's
// "user_script:LINE: MESSAGE near 'TOKEN'".
func compile(src []byte, name string) (*lua.FunctionProto, error) {
	chunk, err := parse.Parse(strings.NewReader(string(src)), name)
	if err != nil {
		return nil, compileError(err, src, name)
	}
	proto, err := lua.Compile(chunk, name)
	if err != nil {
		return nil, compileError(err, src, name)
	}
	// gopher-lua flags every vararg function for Lua 5.0's implicit "arg"
	// table, and builds it on each call; a main chunk has no "arg" local
	// (as in C Lua 5.1), so that table is garbage. Measured: a third of
	// Run's allocated bytes.
	proto.IsVarArg &^= lua.VarArgNeedsArg
	return proto, nil
}

type compileErr struct{ msg string }

func (c *compileErr) Error() string { return c.msg }

func compileError(err error, src []byte, name string) error {
	pe, ok := err.(*parse.Error)
	if !ok {
		msg := strings.TrimSpace(err.Error())
		if !strings.HasPrefix(msg, name+":") {
			msg = name + ":1: " + msg
		}
		return &compileErr{msg}
	}
	msg := pe.Message
	if msg == "syntax error" || strings.HasPrefix(msg, "syntax error") {
		msg = "unexpected symbol"
	}
	line, tok := pe.Pos.Line, pe.Token
	if line == parse.EOF || line <= 0 {
		line = 1 + strings.Count(string(src), "\n")
		tok = "<eof>"
	}
	return &compileErr{name + ":" + itoa(int64(line)) + ": " + msg + " near '" + tok + "'"}
}

// Run is one script or function invocation: what the server supplies and,
// after Engine.Run or Engine.FCall returns, what happened. Engine.Run writes
// to it, so a Run serves one invocation at a time.
type Run struct {
	// Caller runs redis.call and redis.pcall commands.
	Caller Caller
	// Proto is the calling client's protocol, 2 or 3; the reply is encoded
	// in it.
	Proto int
	// Ctx, when cancelled, stops the script at its next instruction (SCRIPT
	// KILL, FUNCTION KILL); nil never stops it.
	Ctx context.Context

	// Killed is set by Engine.Run when the script was stopped through Ctx;
	// the reply is then MsgKilled followed by the script position.
	Killed bool
	// Err is set by Engine.Run when the reply is an error reply (for the
	// server's error statistics).
	Err bool
}
