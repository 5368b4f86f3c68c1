package server

// globMatch reports whether s matches the glob pattern as Redis's
// stringmatchlen does (KEYS, SCAN MATCH, CONFIG GET): '*', '?', '[abc]',
// '[^a-z]' and '\' escapes. nocase folds ASCII case.
func globMatch(pattern, s []byte, nocase bool) bool {
	var skipLonger bool
	return globMatchDepth(pattern, s, nocase, 0, &skipLonger)
}

// maxGlobDepth bounds the recursion on '*' so a hostile pattern such as
// "a*a*a*…" cannot exhaust the stack (Redis bounds it the same way).
const maxGlobDepth = 1000

// skipLonger is stringmatchlen's skipLongerMatches (the fix for
// CVE-2022-36021): once the rest of the pattern after a '*' has failed to
// match at every position of the string, no earlier '*' can do better by
// matching more, so every pending '*' gives up at once. Without it a pattern
// like "a*a*a*…b" takes exponential time.
func globMatchDepth(p, s []byte, nocase bool, depth int, skipLonger *bool) bool {
	if depth > maxGlobDepth {
		return false
	}
	// As in stringmatchlen, the loop stops when the string runs out, so an
	// empty string matches only the empty pattern ("**" does not match "";
	// KEYS and SCAN special-case the pattern "*" before calling this).
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for ; len(s) > 0; s = s[1:] {
				if globMatchDepth(p[1:], s, nocase, depth+1, skipLonger) {
					return true
				}
				if *skipLonger {
					return false
				}
			}
			*skipLonger = true
			return false
		case '?':
			if len(s) == 0 {
				return false
			}
			s = s[1:]
		case '[':
			if len(s) == 0 {
				return false
			}
			p = p[1:]
			not := len(p) > 0 && p[0] == '^'
			if not {
				p = p[1:]
			}
			match := false
			for {
				if len(p) == 0 {
					break
				}
				if p[0] == '\\' && len(p) >= 2 {
					p = p[1:]
					if p[0] == s[0] {
						match = true
					}
				} else if p[0] == ']' {
					break
				} else if len(p) >= 3 && p[1] == '-' {
					lo, hi, c := p[0], p[2], s[0]
					if lo > hi {
						lo, hi = hi, lo
					}
					if nocase {
						lo, hi, c = lower(lo), lower(hi), lower(c)
					}
					if c >= lo && c <= hi {
						match = true
					}
					p = p[2:]
				} else if fold(p[0], nocase) == fold(s[0], nocase) {
					match = true
				}
				p = p[1:]
			}
			if len(p) == 0 {
				// An unterminated class: Redis treats the end as ']'.
				if not {
					match = !match
				}
				if !match {
					return false
				}
				s = s[1:]
				continue
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s = s[1:]
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if len(s) == 0 || fold(p[0], nocase) != fold(s[0], nocase) {
				return false
			}
			s = s[1:]
		}
		p = p[1:]
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func fold(c byte, nocase bool) byte {
	if nocase {
		return lower(c)
	}
	return c
}
