package scripting

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// callLib calls lib.fn(data) on a fresh sandboxed state and fails the test
// when Go code panicked (a Lua error is an expected outcome). It returns the
// results when the call succeeded.
func callLib(t *testing.T, st *state, lib, fn string, data []byte) []lua.LValue {
	t.Helper()
	L := st.L
	L.SetTop(0)
	tbl := st.real(st.realG.RawGetString(lib).(*lua.LTable))
	L.Push(tbl.RawGetString(fn))
	L.Push(lua.LString(data))
	err := L.PCall(1, lua.MultRet, nil)
	if err != nil {
		if ae, ok := err.(*lua.ApiError); ok && ae.Type == lua.ApiErrorPanic {
			t.Fatalf("%s.%s(%q) panicked: %v", lib, fn, data, ae)
		}
		L.SetTop(0)
		return nil
	}
	out := make([]lua.LValue, L.GetTop())
	for i := range out {
		out[i] = L.Get(i + 1)
	}
	L.SetTop(0)
	return out
}

func repack(t *testing.T, st *state, lib, fn string, vals []lua.LValue) {
	t.Helper()
	L := st.L
	tbl := st.real(st.realG.RawGetString(lib).(*lua.LTable))
	L.Push(tbl.RawGetString(fn))
	for _, v := range vals {
		L.Push(v)
	}
	if err := L.PCall(len(vals), 1, nil); err != nil {
		if ae, ok := err.(*lua.ApiError); ok && ae.Type == lua.ApiErrorPanic {
			t.Fatalf("%s.%s panicked: %v", lib, fn, ae)
		}
	}
	L.SetTop(0)
}

// FuzzCmsgpackUnpack feeds random bytes to cmsgpack.unpack, unpack_one and
// unpack_limit: they may fail with a Lua error but never panic, and what
// they decode packs again.
func FuzzCmsgpackUnpack(f *testing.F) {
	for _, s := range []string{"", "\x93\x01\xa1a\xc3", "\x81\xa1k\x92\x01\x02", "\xdc\x00\x02\x01\x02", "\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00", "\xd9\x03abc", "\xc7", "\x81\xc0\x01", "\xdd\xff\xff\xff\xff"} {
		f.Add([]byte(s))
	}
	// gopher-lua stores an integer key below lua.MaxArrayIndex (64M) in a
	// table's array part, filling the gap: a map key of 60000000 costs a
	// gigabyte, as t[60000000] = 1 does in any script. That is the VM's
	// cost model, not a cmsgpack bug; keep the fuzzer's inputs cheap.
	defer func(old int) { lua.MaxArrayIndex = old }(lua.MaxArrayIndex)
	lua.MaxArrayIndex = 1 << 16
	st := newState(New(Options{}))
	f.Fuzz(func(t *testing.T, data []byte) {
		if vals := callLib(t, st, "cmsgpack", "unpack", data); len(vals) > 0 {
			repack(t, st, "cmsgpack", "pack", vals)
		}
		callLib(t, st, "cmsgpack", "unpack_one", data)
	})
}

// FuzzCjsonDecode feeds random bytes to cjson.decode: it may fail with a
// Lua error but never panics, and what it decodes encodes again.
func FuzzCjsonDecode(f *testing.F) {
	for _, s := range []string{"", "{}", "[1,2,{\"a\":null}]", "\"\\ud83d\\ude00\"", "[[[[", "0x1p4", "-Infinity", "{\"a\" 1}", "\"\\u12\"", "1e400"} {
		f.Add([]byte(s))
	}
	st := newState(New(Options{}))
	f.Fuzz(func(t *testing.T, data []byte) {
		if vals := callLib(t, st, "cjson", "decode", data); len(vals) > 0 {
			repack(t, st, "cjson", "encode", vals[:1])
		}
	})
}

// FuzzFunctionRestore feeds random payloads to FUNCTION RESTORE: a bad one
// is refused with an error and leaves the libraries as they were; nothing
// panics. The seeds are a real dump and broken copies of it.
func FuzzFunctionRestore(f *testing.F) {
	e := New(Options{})
	_, err := e.FunctionLoad([]byte("#!lua name=lib\nredis.register_function('f', function() return 1 end)"), false)
	if err != nil {
		f.Fatal(err)
	}
	dump := e.FunctionDump()
	f.Add(dump)
	f.Add(dump[:len(dump)/2])
	f.Add([]byte{})
	f.Add([]byte("\xf5\xc3garbage\x0a\x00"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		e := New(Options{})
		if _, err := e.FunctionLoad([]byte("#!lua name=keep\nredis.register_function('k', function() return 1 end)"), false); err != nil {
			t.Fatal(err)
		}
		if err := e.FunctionRestore(payload, RestoreAppend); err != nil {
			libs, funcs := e.FunctionCounts()
			if libs != 1 || funcs != 1 {
				t.Fatalf("a refused restore changed the libraries: %d libraries, %d functions", libs, funcs)
			}
		}
	})
}
