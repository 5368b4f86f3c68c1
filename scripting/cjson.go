package scripting

import (
	"math"
	"strconv"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// The cjson library is lua-cjson 2.1.0 as Redis bundles it. Its settings
// (encode_max_depth, encode_number_precision …) are kept per Engine, like
// the C module's single configuration per server.

type cjsonConfig struct {
	mu                   sync.Mutex
	sparseConvert        int
	sparseRatio          int
	sparseSafe           int
	encodeMaxDepth       int
	decodeMaxDepth       int
	encodeInvalidNumbers int // 0 off, 1 on, 2 null
	decodeInvalidNumbers int
	keepBuffer           int
	precision            int
}

func newCjsonConfig() *cjsonConfig {
	return &cjsonConfig{sparseRatio: 2, sparseSafe: 10, encodeMaxDepth: 1000, decodeMaxDepth: 1000,
		decodeInvalidNumbers: 1, keepBuffer: 1, precision: 14}
}

func (c *cjsonConfig) snapshot() cjsonConfig {
	c.mu.Lock()
	defer c.mu.Unlock()
	return cjsonConfig{sparseConvert: c.sparseConvert, sparseRatio: c.sparseRatio, sparseSafe: c.sparseSafe,
		encodeMaxDepth: c.encodeMaxDepth, decodeMaxDepth: c.decodeMaxDepth, encodeInvalidNumbers: c.encodeInvalidNumbers,
		decodeInvalidNumbers: c.decodeInvalidNumbers, keepBuffer: c.keepBuffer, precision: c.precision}
}

// cjsonNull is the cjson.null value of one Lua state: a userdata standing
// for C's NULL light userdata.
type cjsonLib struct {
	cfg  *cjsonConfig
	null *lua.LUserData
}

func openCjson(L *lua.LState, cfg *cjsonConfig, null *lua.LUserData) *lua.LTable {
	c := &cjsonLib{cfg: cfg, null: null}
	t := L.NewTable()
	set := func(name string, fn lua.LGFunction) { t.RawSetString(name, L.NewFunction(fn)) }
	set("encode", c.encode)
	set("decode", c.decode)
	set("encode_sparse_array", c.cfgSparse)
	set("encode_max_depth", func(L *lua.LState) int {
		return c.intOption(L, 1, "encode_max_depth", &c.cfg.encodeMaxDepth, 1, math.MaxInt32)
	})
	set("decode_max_depth", func(L *lua.LState) int {
		return c.intOption(L, 1, "decode_max_depth", &c.cfg.decodeMaxDepth, 1, math.MaxInt32)
	})
	set("encode_number_precision", func(L *lua.LState) int {
		return c.intOption(L, 1, "encode_number_precision", &c.cfg.precision, 1, 14)
	})
	set("encode_keep_buffer", func(L *lua.LState) int {
		return c.enumOption(L, 1, "encode_keep_buffer", &c.cfg.keepBuffer, nil)
	})
	set("encode_invalid_numbers", func(L *lua.LState) int {
		return c.enumOption(L, 1, "encode_invalid_numbers", &c.cfg.encodeInvalidNumbers, []string{"off", "on", "null"})
	})
	set("decode_invalid_numbers", func(L *lua.LState) int {
		return c.enumOption(L, 1, "decode_invalid_numbers", &c.cfg.decodeInvalidNumbers, nil)
	})
	set("new", func(L *lua.LState) int {
		L.Push(openCjson(L, newCjsonConfig(), null))
		return 1
	})
	t.RawSetString("null", null)
	t.RawSetString("_NAME", lua.LString("cjson"))
	t.RawSetString("_VERSION", lua.LString("2.1.0"))
	return t
}

func (c *cjsonLib) argInit(L *lua.LState, n int, fname string) {
	if L.GetTop() > n {
		argError(L, n+1, fname, "found too many arguments")
	}
}

func (c *cjsonLib) intOption(L *lua.LState, idx int, fname string, setting *int, lo, hi int) int {
	c.argInit(L, 1, fname)
	c.cfg.mu.Lock()
	defer c.cfg.mu.Unlock()
	return c.intOptionLocked(L, idx, fname, setting, lo, hi)
}

func (c *cjsonLib) intOptionLocked(L *lua.LState, idx int, fname string, setting *int, lo, hi int) int {
	if L.Get(idx) != lua.LNil {
		v := int(checkNumber(L, idx, fname))
		if v < lo || v > hi {
			argError(L, 1, fname, "expected integer between "+strconv.Itoa(lo)+" and "+strconv.Itoa(hi))
		}
		*setting = v
	}
	L.Push(lua.LNumber(*setting))
	return 1
}

func (c *cjsonLib) enumOption(L *lua.LState, idx int, fname string, setting *int, options []string) int {
	c.argInit(L, 1, fname)
	c.cfg.mu.Lock()
	defer c.cfg.mu.Unlock()
	return c.enumOptionLocked(L, idx, fname, setting, options)
}

func (c *cjsonLib) enumOptionLocked(L *lua.LState, idx int, fname string, setting *int, options []string) int {
	if options == nil {
		options = []string{"off", "on"}
	}
	if v := L.Get(idx); v != lua.LNil {
		if b, ok := v.(lua.LBool); ok {
			*setting = 0
			if b {
				*setting = 1
			}
		} else {
			s := checkString(L, idx, fname)
			found := false
			for i, o := range options {
				if o == s {
					*setting, found = i, true
					break
				}
			}
			if !found {
				argError(L, idx, fname, "invalid option '"+s+"'")
			}
		}
	}
	if *setting == 0 || *setting == 1 {
		L.Push(lua.LBool(*setting == 1))
	} else {
		L.Push(lua.LString(options[*setting]))
	}
	return 1
}

func (c *cjsonLib) cfgSparse(L *lua.LState) int {
	c.argInit(L, 3, "encode_sparse_array")
	c.cfg.mu.Lock()
	defer c.cfg.mu.Unlock()
	c.enumOptionLocked(L, 1, "encode_sparse_array", &c.cfg.sparseConvert, nil)
	c.intOptionLocked(L, 2, "encode_sparse_array", &c.cfg.sparseRatio, 0, math.MaxInt32)
	c.intOptionLocked(L, 3, "encode_sparse_array", &c.cfg.sparseSafe, 0, math.MaxInt32)
	return 3
}

// --- encode ---

type jsonEncoder struct {
	L    *lua.LState
	cfg  cjsonConfig
	null *lua.LUserData
	buf  []byte
}

func (c *cjsonLib) encode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "encode", "expected 1 argument")
	}
	enc := &jsonEncoder{L: L, cfg: c.cfg.snapshot(), null: c.null}
	enc.value(L.Get(1), 0)
	L.Push(lua.LString(enc.buf))
	return 1
}

func (enc *jsonEncoder) exception(v lua.LValue, reason string) {
	luaLError(enc.L, "Cannot serialise %s: %s", luaTypeName(v), reason)
}

func luaTypeName(v lua.LValue) string {
	switch v.(type) {
	case *lua.LUserData:
		return "userdata"
	case *lua.LFunction:
		return "function"
	case *lua.LState:
		return "thread"
	}
	return v.Type().String()
}

func (enc *jsonEncoder) value(v lua.LValue, depth int) {
	switch v := v.(type) {
	case lua.LString:
		enc.buf = appendJSONString(enc.buf, string(v))
	case lua.LNumber:
		enc.number(v)
	case lua.LBool:
		if v {
			enc.buf = append(enc.buf, "true"...)
		} else {
			enc.buf = append(enc.buf, "false"...)
		}
	case *lua.LTable:
		depth++
		if depth > enc.cfg.encodeMaxDepth {
			luaLError(enc.L, "Cannot serialise, excessive nesting (%d)", depth)
		}
		n := enc.arrayLength(v)
		if n > 0 {
			enc.buf = append(enc.buf, '[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					enc.buf = append(enc.buf, ',')
				}
				enc.value(v.RawGetInt(i), depth)
			}
			enc.buf = append(enc.buf, ']')
			return
		}
		enc.buf = append(enc.buf, '{')
		comma := false
		for k, val := v.Next(lua.LNil); k != lua.LNil; k, val = v.Next(k) {
			if comma {
				enc.buf = append(enc.buf, ',')
			}
			comma = true
			switch k := k.(type) {
			case lua.LNumber:
				enc.buf = append(enc.buf, '"')
				enc.number(k)
				enc.buf = append(enc.buf, '"', ':')
			case lua.LString:
				enc.buf = appendJSONString(enc.buf, string(k))
				enc.buf = append(enc.buf, ':')
			default:
				enc.exception(k, "table key must be a number or string")
			}
			enc.value(val, depth)
		}
		enc.buf = append(enc.buf, '}')
	case *lua.LNilType:
		enc.buf = append(enc.buf, "null"...)
	case *lua.LUserData:
		if v == enc.null {
			enc.buf = append(enc.buf, "null"...)
			return
		}
		enc.exception(v, "type not supported")
	default:
		enc.exception(v, "type not supported")
	}
}

func (enc *jsonEncoder) number(n lua.LNumber) {
	f := float64(n)
	switch enc.cfg.encodeInvalidNumbers {
	case 0:
		if math.IsInf(f, 0) || math.IsNaN(f) {
			enc.exception(n, "must not be NaN or Inf")
		}
	case 1:
		if math.IsNaN(f) {
			enc.buf = append(enc.buf, "nan"...)
			return
		}
	default:
		if math.IsInf(f, 0) || math.IsNaN(f) {
			enc.buf = append(enc.buf, "null"...)
			return
		}
	}
	enc.buf = appendG(enc.buf, f, enc.cfg.precision)
}

// arrayLength is lua_array_length: the largest index when every key is a
// positive integer (0 for an empty table), -1 otherwise.
func (enc *jsonEncoder) arrayLength(t *lua.LTable) int {
	maxIdx, items := 0.0, 0
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		if n, ok := k.(lua.LNumber); ok {
			f := float64(n)
			if math.Floor(f) == f && f >= 1 {
				if f > maxIdx {
					maxIdx = f
				}
				items++
				continue
			}
		}
		return -1
	}
	if enc.cfg.sparseRatio > 0 && maxIdx > float64(items*enc.cfg.sparseRatio) && maxIdx > float64(enc.cfg.sparseSafe) {
		if enc.cfg.sparseConvert == 0 {
			enc.exception(t, "excessively sparse array")
		}
		return -1
	}
	return int(maxIdx)
}

func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			dst = append(dst, '\\', '"')
		case c == '\\':
			dst = append(dst, '\\', '\\')
		case c == '/':
			dst = append(dst, '\\', '/')
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20 || c == 0x7f:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// --- decode ---

type jsonTokenType int

const (
	tObjBegin jsonTokenType = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tWhitespace
	tError
	tUnknown
)

var jsonTokenNames = [...]string{"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING",
	"T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR", "T_UNKNOWN"}

type jsonToken struct {
	typ   jsonTokenType
	index int
	str   string
	num   float64
	b     bool
	err   string
}

type jsonDecoder struct {
	L     *lua.LState
	cfg   cjsonConfig
	null  *lua.LUserData
	data  string // up to the first NUL, as C sees the string
	pos   int
	depth int
	tmp   []byte
}

func (c *cjsonLib) decode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "decode", "expected 1 argument")
	}
	s := checkString(L, 1, "decode")
	if len(s) >= 2 && (s[0] == 0 || s[1] == 0) {
		luaLError(L, "JSON parser does not support UTF-16 or UTF-32")
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	d := &jsonDecoder{L: L, cfg: c.cfg.snapshot(), null: c.null, data: s}
	var tok jsonToken
	d.next(&tok)
	v := d.value(&tok)
	d.next(&tok)
	if tok.typ != tEnd {
		d.parseError("the end", &tok)
	}
	L.Push(v)
	return 1
}

func (d *jsonDecoder) parseError(exp string, tok *jsonToken) {
	found := jsonTokenNames[tok.typ]
	if tok.typ == tError {
		found = tok.err
	}
	luaLError(d.L, "Expected %s but found %s at character %d", exp, found, tok.index+1)
}

func (d *jsonDecoder) at(i int) byte {
	if i < len(d.data) {
		return d.data[i]
	}
	return 0
}

func (d *jsonDecoder) setError(tok *jsonToken, msg string) {
	tok.typ = tError
	tok.index = d.pos
	tok.err = msg
}

func (d *jsonDecoder) next(tok *jsonToken) {
	for {
		c := d.at(d.pos)
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			d.pos++
			continue
		}
		break
	}
	tok.index = d.pos
	c := d.at(d.pos)
	switch c {
	case '{':
		tok.typ = tObjBegin
		d.pos++
		return
	case '}':
		tok.typ = tObjEnd
		d.pos++
		return
	case '[':
		tok.typ = tArrBegin
		d.pos++
		return
	case ']':
		tok.typ = tArrEnd
		d.pos++
		return
	case ':':
		tok.typ = tColon
		d.pos++
		return
	case ',':
		tok.typ = tComma
		d.pos++
		return
	case 0:
		tok.typ = tEnd
		return
	case '"':
		d.nextString(tok)
		return
	}
	rest := d.data[d.pos:]
	switch {
	case c == '-' || ('0' <= c && c <= '9'):
		if d.cfg.decodeInvalidNumbers == 0 && d.isInvalidNumber() {
			d.setError(tok, "invalid number")
			return
		}
		d.nextNumber(tok)
	case strings.HasPrefix(rest, "true"):
		tok.typ, tok.b = tBoolean, true
		d.pos += 4
	case strings.HasPrefix(rest, "false"):
		tok.typ, tok.b = tBoolean, false
		d.pos += 5
	case strings.HasPrefix(rest, "null"):
		tok.typ = tNull
		d.pos += 4
	case d.cfg.decodeInvalidNumbers != 0 && d.isInvalidNumber():
		d.nextNumber(tok)
	default:
		d.setError(tok, "invalid token")
	}
}

func (d *jsonDecoder) isInvalidNumber() bool {
	p := d.pos
	if d.at(p) == '+' {
		return true
	}
	if d.at(p) == '-' {
		p++
	}
	if d.at(p) == '0' {
		c2 := d.at(p + 1)
		return c2|0x20 == 'x' || ('0' <= c2 && c2 <= '9')
	} else if d.at(p) <= '9' {
		return false
	}
	rest := strings.ToLower(d.data[p:min(p+3, len(d.data))])
	return rest == "inf" || rest == "nan"
}

func (d *jsonDecoder) nextNumber(tok *jsonToken) {
	f, n := strtod(d.data[d.pos:])
	if n == 0 {
		d.setError(tok, "invalid number")
		return
	}
	tok.typ, tok.num = tNumber, f
	d.pos += n
}

var jsonEscape = func() [256]byte {
	var t [256]byte
	t['"'], t['\\'], t['/'] = '"', '\\', '/'
	t['b'], t['t'], t['n'], t['f'], t['r'] = '\b', '\t', '\n', '\f', '\r'
	t['u'] = 'u'
	return t
}()

func (d *jsonDecoder) nextString(tok *jsonToken) {
	d.pos++
	d.tmp = d.tmp[:0]
	for {
		c := d.at(d.pos)
		if c == '"' {
			break
		}
		if c == 0 {
			d.setError(tok, "unexpected end of string")
			return
		}
		if c == '\\' {
			c = jsonEscape[d.at(d.pos+1)]
			if c == 'u' {
				if d.unicodeEscape() {
					continue
				}
				d.setError(tok, "invalid unicode escape code")
				return
			}
			if c == 0 {
				d.setError(tok, "invalid escape code")
				return
			}
			d.pos++
		}
		d.tmp = append(d.tmp, c)
		d.pos++
	}
	d.pos++
	tok.typ, tok.str = tString, string(d.tmp)
}

func (d *jsonDecoder) hex4(p int) int {
	v := 0
	for i := 0; i < 4; i++ {
		c := d.at(p + i)
		if !isHex(c) {
			return -1
		}
		v = v<<4 | int(hexVal(c))
	}
	return v
}

func (d *jsonDecoder) unicodeEscape() bool {
	cp := d.hex4(d.pos + 2)
	if cp < 0 {
		return false
	}
	escLen := 6
	if cp&0xF800 == 0xD800 {
		if cp&0x400 != 0 {
			return false
		}
		if d.at(d.pos+6) != '\\' || d.at(d.pos+7) != 'u' {
			return false
		}
		low := d.hex4(d.pos + 8)
		if low < 0 || low&0xFC00 != 0xDC00 {
			return false
		}
		cp = ((cp&0x3FF)<<10 | low&0x3FF) + 0x10000
		escLen = 12
	}
	d.tmp = appendUTF8(d.tmp, cp)
	d.pos += escLen
	return true
}

func appendUTF8(b []byte, cp int) []byte {
	switch {
	case cp <= 0x7F:
		return append(b, byte(cp))
	case cp <= 0x7FF:
		return append(b, byte(cp>>6|0xC0), byte(cp&0x3F|0x80))
	case cp <= 0xFFFF:
		return append(b, byte(cp>>12|0xE0), byte(cp>>6&0x3F|0x80), byte(cp&0x3F|0x80))
	}
	return append(b, byte(cp>>18|0xF0), byte(cp>>12&0x3F|0x80), byte(cp>>6&0x3F|0x80), byte(cp&0x3F|0x80))
}

func (d *jsonDecoder) descend() {
	d.depth++
	if d.depth > d.cfg.decodeMaxDepth {
		luaLError(d.L, "Found too many nested data structures (%d) at character %d", d.depth, d.pos)
	}
}

func (d *jsonDecoder) value(tok *jsonToken) lua.LValue {
	switch tok.typ {
	case tString:
		return lua.LString(tok.str)
	case tNumber:
		return lua.LNumber(tok.num)
	case tBoolean:
		return lua.LBool(tok.b)
	case tNull:
		return d.null
	case tObjBegin:
		d.descend()
		t := d.L.NewTable()
		d.next(tok)
		if tok.typ == tObjEnd {
			d.depth--
			return t
		}
		for {
			if tok.typ != tString {
				d.parseError("object key string", tok)
			}
			key := lua.LString(tok.str)
			d.next(tok)
			if tok.typ != tColon {
				d.parseError("colon", tok)
			}
			d.next(tok)
			t.RawSet(key, d.value(tok))
			d.next(tok)
			if tok.typ == tObjEnd {
				d.depth--
				return t
			}
			if tok.typ != tComma {
				d.parseError("comma or object end", tok)
			}
			d.next(tok)
		}
	case tArrBegin:
		d.descend()
		t := d.L.NewTable()
		d.next(tok)
		if tok.typ == tArrEnd {
			d.depth--
			return t
		}
		for i := 1; ; i++ {
			t.RawSetInt(i, d.value(tok))
			d.next(tok)
			if tok.typ == tArrEnd {
				d.depth--
				return t
			}
			if tok.typ != tComma {
				d.parseError("comma or array end", tok)
			}
			d.next(tok)
		}
	}
	d.parseError("value", tok)
	return lua.LNil
}

// strtod parses the longest prefix of s that C's strtod accepts (decimal,
// hex, inf, infinity, nan) and returns the value and the bytes used; 0
// bytes when there is no number.
func strtod(s string) (float64, int) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	low := strings.ToLower(s[i:min(len(s), i+8)])
	switch {
	case strings.HasPrefix(low, "infinity"):
		return sign(math.Inf(1)), i + 8
	case strings.HasPrefix(low, "inf"):
		return sign(math.Inf(1)), i + 3
	case strings.HasPrefix(low, "nan"):
		n := i + 3
		if n < len(s) && s[n] == '(' {
			if j := strings.IndexByte(s[n:], ')'); j >= 0 {
				n += j + 1
			}
		}
		return sign(math.NaN()), n
	}
	if i+1 < len(s) && s[i] == '0' && (s[i+1]|0x20) == 'x' {
		j := i + 2
		digits := 0
		for j < len(s) && isHex(s[j]) {
			j++
			digits++
		}
		frac := 0
		if j < len(s) && s[j] == '.' {
			k := j + 1
			for k < len(s) && isHex(s[k]) {
				k++
				frac++
			}
			if digits+frac > 0 {
				j = k
			}
		}
		if digits+frac == 0 {
			return 0, i + 1 // "0" then "x…"
		}
		if j < len(s) && (s[j]|0x20) == 'p' {
			k := j + 1
			if k < len(s) && (s[k] == '+' || s[k] == '-') {
				k++
			}
			if k < len(s) && isDigit(s[k]) {
				for k < len(s) && isDigit(s[k]) {
					k++
				}
				j = k
			}
		}
		text := s[i:j]
		if !strings.ContainsAny(text, "pP") {
			text += "p0"
		}
		f, _ := strconv.ParseFloat(text, 64)
		return sign(f), j
	}
	j := i
	digits := 0
	for j < len(s) && isDigit(s[j]) {
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		k := j + 1
		for k < len(s) && isDigit(s[k]) {
			k++
			digits++
		}
		j = k
	}
	if digits == 0 {
		return 0, 0
	}
	if j < len(s) && (s[j]|0x20) == 'e' {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			j = k
		}
	}
	f, err := strconv.ParseFloat(s[i:j], 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, 0
		}
	}
	return sign(f), j
}
