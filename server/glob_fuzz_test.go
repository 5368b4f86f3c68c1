package server

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

// globTok is one token of a glob pattern for the reference matcher.
type globTok struct {
	kind  byte // '*', '?', '[' (class), 'c' (literal)
	lit   byte
	not   bool
	items []classItem
}

type classItem struct {
	lo, hi byte
	exact  bool // an escaped byte: compared without case folding, as Redis does
}

// tokenize splits a pattern with Redis's stringmatchlen parsing rules: '\'
// escapes the next byte (a trailing '\' is literal), a class runs to ']' or to
// the end of the pattern, "x-y" is a range (either order) and '^' negates.
func tokenize(p []byte) []globTok {
	var toks []globTok
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '*':
			toks = append(toks, globTok{kind: '*'})
		case '?':
			toks = append(toks, globTok{kind: '?'})
		case '\\':
			if i+1 < len(p) {
				i++
			}
			toks = append(toks, globTok{kind: 'c', lit: p[i]})
		case '[':
			t := globTok{kind: '['}
			i++
			if i < len(p) && p[i] == '^' {
				t.not = true
				i++
			}
			for ; i < len(p) && p[i] != ']'; i++ {
				switch {
				case p[i] == '\\' && i+1 < len(p):
					i++
					t.items = append(t.items, classItem{p[i], p[i], true})
				case i+2 < len(p) && p[i+1] == '-':
					lo, hi := p[i], p[i+2]
					if lo > hi {
						lo, hi = hi, lo
					}
					t.items = append(t.items, classItem{lo: lo, hi: hi})
					i += 2
				default:
					t.items = append(t.items, classItem{lo: p[i], hi: p[i]})
				}
			}
			toks = append(toks, t)
		default:
			toks = append(toks, globTok{kind: 'c', lit: p[i]})
		}
	}
	return toks
}

func (t globTok) matches(c byte, nocase bool) bool {
	switch t.kind {
	case '?':
		return true
	case 'c':
		return fold(t.lit, nocase) == fold(c, nocase)
	}
	in := false
	for _, it := range t.items {
		switch {
		case it.exact:
			in = in || c == it.lo
		case it.lo == it.hi:
			in = in || fold(it.lo, nocase) == fold(c, nocase)
		case nocase:
			in = in || lower(c) >= lower(it.lo) && lower(c) <= lower(it.hi)
		default:
			in = in || c >= it.lo && c <= it.hi
		}
	}
	return in != t.not
}

// refMatch is the reference: dynamic programming over tokens and bytes,
// with none of globMatch's recursion, depth limit or early exits. As in
// Redis 7.0's stringmatchlen, whose loop runs only while both pattern and
// string are non-empty, an empty string matches only the empty pattern
// ("*" does not match it; KEYS and SCAN special-case "*" themselves).
func refMatch(p, s []byte, nocase bool) bool {
	if len(s) == 0 {
		return len(p) == 0
	}
	toks := tokenize(p)
	// m[j] reports whether toks[:i] matches s[:j] for the current i.
	m := make([]bool, len(s)+1)
	m[0] = true
	for _, t := range toks {
		next := make([]bool, len(s)+1)
		for j := 0; j <= len(s); j++ {
			if t.kind == '*' {
				next[j] = m[j] || j > 0 && next[j-1]
			} else if j > 0 {
				next[j] = m[j-1] && t.matches(s[j-1], nocase)
			}
		}
		m = next
	}
	return m[len(s)]
}

// FuzzGlob checks globMatch against the reference matcher. Patterns and
// strings are kept short, and stars few, because globMatch backtracks (as
// Redis's stringmatchlen does) and is exponential on patterns like
// "*a*a*a*b".
func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{
		{"*", "anything"}, {"h?llo", "hello"}, {"h[ae]llo", "hallo"}, {"h[^e]llo", "hello"},
		{"h[a-b]llo", "hbllo"}, {"[z-a]", "m"}, {`\*`, "*"}, {`a\`, `a\`}, {"[abc", "b"},
		{"*a*b?", "xxaxxbz"}, {"[\\]]", "]"}, {"[a-]", "-"}, {"user:*:name", "user:42:name"},
	} {
		f.Add([]byte(s[0]), []byte(s[1]), false)
		f.Add([]byte(s[0]), []byte(s[1]), true)
	}
	f.Fuzz(func(t *testing.T, p, s []byte, nocase bool) {
		if len(p) > 40 || len(s) > 24 || bytes.Count(p, []byte("*")) > 5 {
			return
		}
		assert.Equal(t, refMatch(p, s, nocase), globMatch(p, s, nocase), "pattern %q string %q nocase %v", p, s, nocase)
	})
}
