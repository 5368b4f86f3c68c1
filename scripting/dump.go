package scripting

import (
	"encoding/binary"
	"sort"

	"github.com/miniredis/miniredis/rdb"
)

// FUNCTION DUMP's payload is Redis's DUMP format: RDB_OPCODE_FUNCTION2 (245)
// and the library code as an RDB string for each library, then the RDB
// version (10, two bytes little-endian) and a CRC64-Jones of everything
// before it (eight bytes little-endian).

const (
	rdbOpcodeFunction  = 246 // 7.0 release candidates' format, refused
	rdbOpcodeFunction2 = 245
	rdbVersion         = rdb.Version
)

// RestorePolicy is FUNCTION RESTORE's policy.
type RestorePolicy int

// The restore policies.
const (
	// RestoreAppend adds the libraries and fails if one already exists.
	RestoreAppend RestorePolicy = iota
	// RestoreReplace adds the libraries, replacing those of the same name.
	RestoreReplace
	// RestoreFlush drops every library first.
	RestoreFlush
)

// MsgBadRestorePolicy answers FUNCTION RESTORE with an unknown policy.
const MsgBadRestorePolicy = "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."

// ParseRestorePolicy reads FLUSH, APPEND or REPLACE in any case.
func ParseRestorePolicy(s []byte) (RestorePolicy, bool) {
	switch string(asciiUpper(s)) {
	case "APPEND":
		return RestoreAppend, true
	case "REPLACE":
		return RestoreReplace, true
	case "FLUSH":
		return RestoreFlush, true
	}
	return 0, false
}

func asciiUpper(s []byte) []byte {
	out := make([]byte, len(s))
	for i, c := range s {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// FunctionDump returns FUNCTION DUMP's payload. Library code is stored
// uncompressed: Redis compresses it with LZF when that saves space, and
// reads either form back.
func (e *Engine) FunctionDump() []byte {
	e.fmu.RLock()
	libs := make([]*library, 0, len(e.libs))
	for _, l := range e.libs {
		libs = append(libs, l)
	}
	e.fmu.RUnlock()
	sort.Slice(libs, func(i, j int) bool { return libs[i].name < libs[j].name })
	var b []byte
	for _, l := range libs {
		b = append(b, rdbOpcodeFunction2)
		b = rdb.AppendLen(b, uint64(len(l.code)))
		b = append(b, l.code...)
	}
	b = binary.LittleEndian.AppendUint16(b, rdbVersion)
	return binary.LittleEndian.AppendUint64(b, rdb.CRC64(0, b))
}

// FunctionRestore loads a FUNCTION DUMP payload (from this package or from
// redis-server) with the given policy, all or nothing. The error text is
// Redis's reply without "-".
func (e *Engine) FunctionRestore(payload []byte, policy RestorePolicy) error {
	if len(payload) < 10 {
		return &Error{Msg: "ERR DUMP payload version or checksum are wrong"}
	}
	footer := payload[len(payload)-10:]
	if binary.LittleEndian.Uint16(footer) > rdbVersion ||
		binary.LittleEndian.Uint64(footer[2:]) != rdb.CRC64(0, payload[:len(payload)-8]) {
		return &Error{Msg: "ERR DUMP payload version or checksum are wrong"}
	}
	e.fmu.Lock()
	defer e.fmu.Unlock()
	// Load into a scratch set first, as Redis loads into a new library
	// context, then join.
	var loaded []*library
	names := map[string]bool{}
	funcs := map[string]bool{}
	p := payload[:len(payload)-10]
	for len(p) > 0 {
		typ := p[0]
		p = p[1:]
		switch typ {
		case rdbOpcodeFunction2:
		case rdbOpcodeFunction:
			// The 7.0 release candidates' layout, which no 7.0 release
			// writes; Redis's generic failure text.
			return &Error{Msg: "ERR failed loading the given functions payload"}
		default:
			return &Error{Msg: "ERR given type is not a function"}
		}
		code, rest, err := rdb.ReadString(p)
		if err != nil {
			return &Error{Msg: "ERR Failed loading library payload"}
		}
		p = rest
		// Within the payload, names must be unique as in one FUNCTION LOAD
		// after another without REPLACE.
		_, name, _, err := parseLibraryShebang(code)
		if err == nil && names[name] {
			return &Error{Msg: "ERR Library '" + name + "' already exists"}
		}
		lib, err := e.prepareDetached(code)
		if err != nil {
			return err
		}
		for _, f := range lib.funcs {
			if funcs[lowerName(f.name)] {
				return &Error{Msg: "ERR Function " + f.name + " already exists"}
			}
			funcs[lowerName(f.name)] = true
		}
		names[lib.name] = true
		loaded = append(loaded, lib)
	}
	if policy == RestoreFlush {
		e.libs = make(map[string]*library)
		e.funcs = make(map[string]*Function)
	} else {
		replaced := map[*library]bool{}
		for _, lib := range loaded {
			if old := e.libs[lib.name]; old != nil {
				if policy != RestoreReplace {
					return &Error{Msg: "ERR Library " + lib.name + " already exists"}
				}
				replaced[old] = true
			}
		}
		for _, lib := range loaded {
			for _, f := range lib.funcs {
				if other, ok := e.funcs[lowerName(f.name)]; ok && !replaced[other.lib] {
					return &Error{Msg: "ERR Function " + f.name + " already exists"}
				}
			}
		}
	}
	for _, lib := range loaded {
		e.installLocked(lib)
	}
	e.fgen++
	return nil
}

// prepareDetached checks, compiles and runs a library's code as
// FunctionLoad does, without comparing it with the installed libraries.
func (e *Engine) prepareDetached(code []byte) (*library, error) {
	saved, savedF := e.libs, e.funcs
	e.libs, e.funcs = map[string]*library{}, map[string]*Function{}
	defer func() { e.libs, e.funcs = saved, savedF }()
	return e.prepareLibrary(code, false)
}
