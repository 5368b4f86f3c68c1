package server

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestGlobMatch is a table of stringmatchlen's behaviour (Redis 7.0 util.c);
// TestDiffGlob checks the same against a live redis-server.
func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		nocase     bool
		want       bool
	}{
		{"", "", false, true},
		{"*", "", false, false}, // callers special-case "*"; the matcher alone, like Redis's, needs a byte
		{"**", "", false, false},
		{"", "a", false, false},
		{"*", "anything", false, true},
		{"a*", "a", false, true},
		{"a*", "abc", false, true},
		{"a**", "a", false, true},
		{"*c", "abc", false, true},
		{"*c", "abd", false, false},
		{"a*b*c", "aXbYc", false, true},
		{"a*b*c", "aXbY", false, false},
		{"?", "a", false, true},
		{"?", "", false, false},
		{"?", "ab", false, false},
		{"h?llo", "hello", false, true},
		{"h[ae]llo", "hallo", false, true},
		{"h[ae]llo", "hillo", false, false},
		{"h[^e]llo", "hallo", false, true},
		{"h[^e]llo", "hello", false, false},
		{"h[a-b]llo", "hbllo", false, true},
		{"h[b-a]llo", "hallo", false, true}, // reversed range
		{"h[a-b]llo", "hcllo", false, false},
		{"[a\\]]", "]", false, true},
		{"[\\-]", "-", false, true},
		{"[a-]", "-", false, false}, // "a-" then end of pattern: '-' is a literal only at the end
		{"a[", "a", false, false},
		{"a[c", "ac", false, true}, // unterminated class ends at the pattern's end
		{"a[^", "ab", false, true},
		{"a\\*c", "a*c", false, true},
		{"a\\*c", "abc", false, false},
		{"a\\", "a\\", false, true},
		{"\\", "\\", false, true},
		{"[]", "]", false, false},
		{"HELLO", "hello", true, true},
		{"H[A-Z]LLO", "hello", true, true},
		{"HELLO", "hello", false, false},
		{"日*", "日本", false, true},
		{"?", "日", false, false}, // '?' is one byte, not one rune
		{"??????", "日本", false, true},
	} {
		t.Run(tc.pattern+"/"+tc.s, func(t *testing.T) {
			assert.Equal(t, tc.want, globMatch([]byte(tc.pattern), []byte(tc.s), tc.nocase))
		})
	}
}

// TestGlobMatchHostile: a pattern of many stars against a long string that
// does not match must end quickly (bounded recursion), not hang or overflow
// the stack.
func TestGlobMatchHostile(t *testing.T) {
	pattern := []byte(strings.Repeat("a*", 2000) + "b")
	s := []byte(strings.Repeat("a", 3000))
	assert.False(t, globMatch(pattern, s, false))
}
