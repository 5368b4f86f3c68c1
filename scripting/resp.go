package scripting

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/miniredis/miniredis/codec"
	lua "github.com/yuin/gopher-lua"
)

// maxReplyDepth bounds the nesting of tables turned into a reply, where
// Redis runs out of Lua stack ("reached lua stack limit"); it also stops a
// table that contains itself.
const maxReplyDepth = 1000

// toRESP appends the Lua value v as a reply, as luaReplyToRedisReply does:
// proto is the client's protocol, resp the script's (redis.setresp), which
// decides how booleans are sent.
func (st *state) toRESP(dst []byte, v lua.LValue, proto, resp, depth int) []byte {
	if depth > maxReplyDepth {
		return appendErrorLine(dst, "ERR reached lua stack limit")
	}
	switch v := v.(type) {
	case lua.LString:
		return codec.AppendBulkString(dst, string(v))
	case lua.LBool:
		if resp == 2 {
			if v {
				return codec.AppendInt(dst, 1)
			}
			return codec.AppendNull(dst, proto)
		}
		return codec.AppendBool(dst, bool(v), proto)
	case lua.LNumber:
		return codec.AppendInt(dst, luaToInt64(float64(v)))
	case *lua.LTable:
		return st.tableToRESP(dst, v, proto, resp, depth)
	}
	return codec.AppendNull(dst, proto)
}

// luaToInt64 is C's (long long) cast of a double as x86-64 does it: out of
// range and NaN give the "integer indefinite" value.
func luaToInt64(f float64) int64 {
	if math.IsNaN(f) || f >= 9223372036854775807.0 || f < -9223372036854775808.0 {
		return math.MinInt64
	}
	return int64(f)
}

func (st *state) tableToRESP(dst []byte, t *lua.LTable, proto, resp, depth int) []byte {
	if e, ok := t.RawGetString("err").(lua.LString); ok {
		return appendErrorLine(dst, string(e))
	}
	if s, ok := t.RawGetString("ok").(lua.LString); ok {
		return codec.AppendSimple(dst, string(s))
	}
	if d, ok := t.RawGetString("double").(lua.LNumber); ok {
		return codec.AppendDouble(dst, float64(d), proto)
	}
	if s, ok := t.RawGetString("big_number").(lua.LString); ok {
		b := []byte(s)
		for i, c := range b {
			if c == '\r' || c == '\n' {
				b[i] = ' '
			}
		}
		if proto == 3 {
			dst = append(dst, '(')
			dst = append(dst, b...)
			return append(dst, '\r', '\n')
		}
		return codec.AppendBulk(dst, b)
	}
	if vt, ok := t.RawGetString("verbatim_string").(*lua.LTable); ok {
		format, ok1 := vt.RawGetString("format").(lua.LString)
		str, ok2 := vt.RawGetString("string").(lua.LString)
		if ok1 && ok2 {
			if proto == 3 {
				f := string(format)
				if len(f) > 3 {
					f = f[:3]
				}
				for len(f) < 3 {
					f += " "
				}
				dst = append(dst, '=')
				dst = strconv.AppendInt(dst, int64(len(str)+4), 10)
				dst = append(dst, '\r', '\n')
				dst = append(dst, f...)
				dst = append(dst, ':')
				dst = append(dst, str...)
				return append(dst, '\r', '\n')
			}
			return codec.AppendBulkString(dst, string(str))
		}
	}
	if m, ok := t.RawGetString("map").(*lua.LTable); ok {
		n := 0
		for k, _ := m.Next(lua.LNil); k != lua.LNil; k, _ = m.Next(k) {
			n++
		}
		dst = codec.AppendMapLen(dst, n, proto)
		for k, v := m.Next(lua.LNil); k != lua.LNil; k, v = m.Next(k) {
			dst = st.toRESP(dst, k, proto, resp, depth+1)
			dst = st.toRESP(dst, v, proto, resp, depth+1)
		}
		return dst
	}
	if s, ok := t.RawGetString("set").(*lua.LTable); ok {
		n := 0
		for k, _ := s.Next(lua.LNil); k != lua.LNil; k, _ = s.Next(k) {
			n++
		}
		dst = codec.AppendSetLen(dst, n, proto)
		for k, _ := s.Next(lua.LNil); k != lua.LNil; k, _ = s.Next(k) {
			dst = st.toRESP(dst, k, proto, resp, depth+1)
		}
		return dst
	}
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	dst = codec.AppendArrayLen(dst, n)
	for i := 1; i <= n; i++ {
		dst = st.toRESP(dst, t.RawGetInt(i), proto, resp, depth+1)
	}
	return dst
}

var errBadReply = errors.New("scripting: malformed reply from the caller")

// respToLua turns one RESP reply into a Lua value as Redis's
// redisProtocolToLuaType does, returning the value and the bytes it used.
func respToLua(L *lua.LState, b []byte, depth int) (lua.LValue, int) {
	v, n, err := parseReply(L, b, depth)
	if err != nil {
		t := L.NewTable()
		t.RawSetString("err", lua.LString("ERR "+err.Error()))
		return t, len(b)
	}
	return v, n
}

func parseLine(b []byte) (line []byte, n int, err error) {
	for i := 1; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			return b[1:i], i + 2, nil
		}
	}
	return nil, 0, errBadReply
}

func parseReply(L *lua.LState, b []byte, depth int) (lua.LValue, int, error) {
	if len(b) == 0 || depth > maxReplyDepth {
		return lua.LNil, 0, errBadReply
	}
	line, n, err := parseLine(b)
	if err != nil {
		return lua.LNil, 0, err
	}
	switch b[0] {
	case ':':
		i, ok := codec.ParseInt(line)
		if !ok {
			return lua.LNil, 0, errBadReply
		}
		return lua.LNumber(i), n, nil
	case '$', '=':
		l, ok := codec.ParseInt(line)
		if !ok {
			return lua.LNil, 0, errBadReply
		}
		if l < 0 {
			return lua.LFalse, n, nil
		}
		if int64(len(b)-n) < l+2 {
			return lua.LNil, 0, errBadReply
		}
		s := b[n : n+int(l)]
		n += int(l) + 2
		if b[0] == '$' {
			return lua.LString(s), n, nil
		}
		if len(s) < 4 {
			return lua.LNil, 0, errBadReply
		}
		vt := L.CreateTable(0, 2)
		vt.RawSetString("string", lua.LString(s[4:]))
		vt.RawSetString("format", lua.LString(s[:3]))
		t := L.CreateTable(0, 1)
		t.RawSetString("verbatim_string", vt)
		return t, n, nil
	case '+':
		t := L.CreateTable(0, 1)
		t.RawSetString("ok", lua.LString(line))
		return t, n, nil
	case '-':
		t := L.CreateTable(0, 2)
		t.RawSetString("err", lua.LString(errorText("-"+string(line))))
		t.RawSetString("ignore_error_stats_update", lua.LTrue)
		return t, n, nil
	case '_':
		return lua.LNil, n, nil
	case '#':
		return lua.LBool(len(line) == 1 && line[0] == 't'), n, nil
	case ',':
		f, err := parseDouble(string(line))
		if err != nil {
			return lua.LNil, 0, errBadReply
		}
		t := L.CreateTable(0, 1)
		t.RawSetString("double", lua.LNumber(f))
		return t, n, nil
	case '(':
		t := L.CreateTable(0, 1)
		t.RawSetString("big_number", lua.LString(line))
		return t, n, nil
	case '*', '~', '%', '|', '>':
		cnt, ok := codec.ParseInt(line)
		if !ok {
			return lua.LNil, 0, errBadReply
		}
		if cnt < 0 {
			return lua.LFalse, n, nil
		}
		if cnt > int64(len(b)) {
			return lua.LNil, 0, errBadReply
		}
		var t *lua.LTable
		switch b[0] {
		case '*', '>':
			t = L.CreateTable(int(cnt), 0)
		default:
			t = L.CreateTable(0, int(cnt))
		}
		for j := int64(0); j < cnt; j++ {
			v, m, err := parseReply(L, b[n:], depth+1)
			if err != nil {
				return lua.LNil, 0, err
			}
			n += m
			switch b[0] {
			case '*', '>':
				if v != lua.LNil {
					t.RawSetInt(int(j)+1, v)
				}
			case '~':
				if v != lua.LNil {
					t.RawSet(v, lua.LTrue)
				}
			case '%', '|':
				val, m, err := parseReply(L, b[n:], depth+1)
				if err != nil {
					return lua.LNil, 0, err
				}
				n += m
				if v != lua.LNil && val != lua.LNil {
					t.RawSet(v, val)
				}
			}
		}
		switch b[0] {
		case '~':
			w := L.CreateTable(0, 1)
			w.RawSetString("set", t)
			return w, n, nil
		case '%':
			w := L.CreateTable(0, 1)
			w.RawSetString("map", t)
			return w, n, nil
		case '|':
			// Attributes are skipped; the reply that follows is the value.
			v, m, err := parseReply(L, b[n:], depth+1)
			return v, n + m, err
		}
		return t, n, nil
	}
	return lua.LNil, 0, errBadReply
}

// parseDouble reads a RESP3 double as strtod does ("inf", "-inf", "nan").
func parseDouble(s string) (float64, error) {
	switch strings.ToLower(s) {
	case "inf", "+inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	case "nan", "-nan":
		return math.NaN(), nil
	}
	return strconv.ParseFloat(s, 64)
}

// parseNumberStrict is lua_str2number: a decimal or 0x hex number with
// optional surrounding space.
func parseNumberStrict(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsRune(s, '_') {
		return 0, strconv.ErrSyntax
	}
	t := s
	neg := false
	if t[0] == '-' || t[0] == '+' {
		neg = t[0] == '-'
		t = t[1:]
	}
	if len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		u, err := strconv.ParseUint(t[2:], 16, 64)
		if err != nil {
			return 0, err
		}
		f := float64(u)
		if neg {
			f = -f
		}
		return f, nil
	}
	if strings.ContainsAny(t, "pP") && strings.ContainsAny(t, "xX") {
		return 0, strconv.ErrSyntax
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return f, nil
		}
	}
	return f, err
}
