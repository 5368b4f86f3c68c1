package scripting

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLeafImports keeps scripting a leaf: of this module it may import only
// codec, rdb for FUNCTION DUMP's format (and internal test helpers in tests).
func TestLeafImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range af.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(path, "github.com/miniredis/miniredis/") {
				continue
			}
			switch path {
			case "github.com/miniredis/miniredis/codec":
			case "github.com/miniredis/miniredis/rdb":
				// FUNCTION DUMP/RESTORE's RDB strings and CRC64 have one
				// implementation, rdb's (issue 13); rdb imports no server
				// code (its own leaf test).
				require.Equal(t, "dump.go", f, "only FUNCTION DUMP/RESTORE use rdb")
			case "github.com/miniredis/miniredis/internal/redistest":
				require.True(t, strings.HasSuffix(f, "_test.go"), "%s: %s outside tests", f, path)
			default:
				t.Errorf("%s imports %s; scripting must stay a leaf", f, path)
			}
		}
	}
}
