package scripting
import lua "github.com/yuin/gopher-lua"
func openStruct(L *lua.LState) *lua.LTable { return L.NewTable() }
