package scripting

import lua "github.com/yuin/gopher-lua"

type library struct{}
type loadCtx struct{}

// Function is a registered function.
type Function struct{}

func (st *state) registerFunction(L *lua.LState) int { return 0 }
