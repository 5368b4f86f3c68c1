package rdb

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLeafImports keeps rdb a leaf: of this module it imports only shard,
// for the value types, and internal/decimal, the string2ll parser that
// imports nothing (and the redis-server helpers in tests), never the
// server, so scripting and persist can use it.
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
			case "github.com/miniredis/miniredis/shard", "github.com/miniredis/miniredis/internal/decimal":
			case "github.com/miniredis/miniredis/internal/redistest":
				require.True(t, strings.HasSuffix(f, "_test.go"), "%s: %s outside tests", f, path)
			default:
				t.Errorf("%s imports %s; rdb must stay a leaf", f, path)
			}
		}
	}
}
