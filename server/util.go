package server

import "github.com/miniredis/miniredis/codec"

// parseInt parses b as Redis's string2ll does (codec.ParseInt).
func parseInt(b []byte) (int64, bool) { return codec.ParseInt(b) }

// equalFold reports whether b equals the upper-case ASCII word up, ignoring
// case, without allocating (option parsing: "ex", "EX", "Ex").
func equalFold(b []byte, up string) bool {
	if len(b) != len(up) {
		return false
	}
	for i, ch := range b {
		if 'a' <= ch && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		if ch != up[i] {
			return false
		}
	}
	return true
}
