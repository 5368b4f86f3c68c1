package scripting

import (
	"encoding/binary"
	"errors"
	"hash/crc64"
	"sort"
	"strconv"
)

// FUNCTION DUMP's payload is Redis's DUMP format: RDB_OPCODE_FUNCTION2 (245)
// and the library code as an RDB string for each library, then the RDB
// version (10, two bytes little-endian) and a CRC64-Jones of everything
// before it (eight bytes little-endian).

const (
	rdbOpcodeFunction  = 246 // 7.0 release candidates' format, refused
	rdbOpcodeFunction2 = 245
	rdbVersion         = 10
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

// crcJones is the table of Redis's crc64 (Jones polynomial, reflected).
var crcJones = crc64.MakeTable(0x95AC9329AC4BC9B5)

// CRC64 is Redis's crc64(0, b): CRC-64-Jones, reflected, no final xor.
// Go's crc64 inverts on entry and exit, which the two ^ undo.
func CRC64(b []byte) uint64 {
	return ^crc64.Update(^uint64(0), crcJones, b)
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
		b = appendRDBLen(b, uint64(len(l.code)))
		b = append(b, l.code...)
	}
	b = binary.LittleEndian.AppendUint16(b, rdbVersion)
	return binary.LittleEndian.AppendUint64(b, CRC64(b))
}

func appendRDBLen(b []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n))
	case n < 1<<14:
		return append(b, byte(n>>8)|0x40, byte(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, 0x80), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0x81), n)
}

var errRDB = errors.New("scripting: bad RDB string")

// FunctionRestore loads a FUNCTION DUMP payload (from this package or from
// redis-server) with the given policy, all or nothing. The error text is
// Redis's reply without "-".
func (e *Engine) FunctionRestore(payload []byte, policy RestorePolicy) error {
	if len(payload) < 10 {
		return &Error{Msg: "ERR DUMP payload version or checksum are wrong"}
	}
	footer := payload[len(payload)-10:]
	if binary.LittleEndian.Uint16(footer) > rdbVersion ||
		binary.LittleEndian.Uint64(footer[2:]) != CRC64(payload[:len(payload)-8]) {
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
		code, rest, err := readRDBString(p)
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

// readRDBString reads one RDB string (length-prefixed, integer-encoded or
// LZF-compressed) and returns it with the rest of p.
func readRDBString(p []byte) (s, rest []byte, err error) {
	if len(p) == 0 {
		return nil, nil, errRDB
	}
	first := p[0]
	var n uint64
	switch first >> 6 {
	case 0:
		n, p = uint64(first&0x3f), p[1:]
	case 1:
		if len(p) < 2 {
			return nil, nil, errRDB
		}
		n, p = uint64(first&0x3f)<<8|uint64(p[1]), p[2:]
	case 2:
		switch first {
		case 0x80:
			if len(p) < 5 {
				return nil, nil, errRDB
			}
			n, p = uint64(binary.BigEndian.Uint32(p[1:])), p[5:]
		case 0x81:
			if len(p) < 9 {
				return nil, nil, errRDB
			}
			n, p = binary.BigEndian.Uint64(p[1:]), p[9:]
		default:
			return nil, nil, errRDB
		}
	case 3:
		switch first & 0x3f {
		case 0:
			if len(p) < 2 {
				return nil, nil, errRDB
			}
			return strconv.AppendInt(nil, int64(int8(p[1])), 10), p[2:], nil
		case 1:
			if len(p) < 3 {
				return nil, nil, errRDB
			}
			return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(p[1:]))), 10), p[3:], nil
		case 2:
			if len(p) < 5 {
				return nil, nil, errRDB
			}
			return strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(p[1:]))), 10), p[5:], nil
		case 3:
			clen, rest, err := readRDBLen(p[1:])
			if err != nil {
				return nil, nil, err
			}
			ulen, rest, err := readRDBLen(rest)
			if err != nil || clen > uint64(len(rest)) || ulen > 512<<20 {
				return nil, nil, errRDB
			}
			out, err := lzfDecompress(rest[:clen], int(ulen))
			if err != nil {
				return nil, nil, err
			}
			return out, rest[clen:], nil
		}
		return nil, nil, errRDB
	}
	if n > uint64(len(p)) {
		return nil, nil, errRDB
	}
	return p[:n], p[n:], nil
}

func readRDBLen(p []byte) (uint64, []byte, error) {
	if len(p) == 0 {
		return 0, nil, errRDB
	}
	switch p[0] >> 6 {
	case 0:
		return uint64(p[0] & 0x3f), p[1:], nil
	case 1:
		if len(p) < 2 {
			return 0, nil, errRDB
		}
		return uint64(p[0]&0x3f)<<8 | uint64(p[1]), p[2:], nil
	}
	switch p[0] {
	case 0x80:
		if len(p) < 5 {
			return 0, nil, errRDB
		}
		return uint64(binary.BigEndian.Uint32(p[1:])), p[5:], nil
	case 0x81:
		if len(p) < 9 {
			return 0, nil, errRDB
		}
		return binary.BigEndian.Uint64(p[1:]), p[9:], nil
	}
	return 0, nil, errRDB
}

// lzfDecompress is liblzf's lzf_decompress: literal runs (ctrl < 32) and
// back references (length ctrl>>5, +7 when that is 7).
func lzfDecompress(in []byte, outLen int) ([]byte, error) {
	out := make([]byte, 0, outLen)
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 32 {
			n := ctrl + 1
			if i+n > len(in) || len(out)+n > outLen {
				return nil, errRDB
			}
			out = append(out, in[i:i+n]...)
			i += n
			continue
		}
		n := ctrl >> 5
		if n == 7 {
			if i >= len(in) {
				return nil, errRDB
			}
			n += int(in[i])
			i++
		}
		if i >= len(in) {
			return nil, errRDB
		}
		ref := len(out) - ((ctrl&0x1f)<<8 | int(in[i])) - 1
		i++
		n += 2
		if ref < 0 || len(out)+n > outLen {
			return nil, errRDB
		}
		for j := 0; j < n; j++ {
			out = append(out, out[ref+j])
		}
	}
	if len(out) != outLen {
		return nil, errRDB
	}
	return out, nil
}
