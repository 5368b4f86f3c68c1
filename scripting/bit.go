package scripting
import lua "github.com/yuin/gopher-lua"
func openBit(L *lua.LState) *lua.LTable { return L.NewTable() }
