package config

import (
	"errors"
	"strings"
)

// ErrUnbalancedQuotes is returned by SplitArgs for a line whose quotes do not
// close; its text is what Redis prints for such a configuration line.
var ErrUnbalancedQuotes = errors.New("Unbalanced quotes in configuration line") //lint:ignore ST1005 Redis's wording

// SplitArgs splits a configuration line into words the way Redis's
// sdssplitargs does: words are separated by spaces and tabs; a word in
// double quotes may hold \n \r \t \b \a \\ \" and \xHH escapes, one in single
// quotes only \'; a closing quote must be followed by a space or the end of
// the line.
func SplitArgs(line string) ([]string, error) {
	var args []string
	i, n := 0, len(line)
	for {
		for i < n && isSpace(line[i]) {
			i++
		}
		if i >= n {
			return args, nil
		}
		var cur strings.Builder
		inDQ, inSQ := false, false
		for done := false; !done; {
			if inDQ {
				switch {
				case i >= n:
					return nil, ErrUnbalancedQuotes
				case line[i] == '\\' && i+3 < n && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					cur.WriteByte(unhex(line[i+2])<<4 | unhex(line[i+3]))
					i += 3
				case line[i] == '\\' && i+1 < n:
					i++
					switch line[i] {
					case 'n':
						cur.WriteByte('\n')
					case 'r':
						cur.WriteByte('\r')
					case 't':
						cur.WriteByte('\t')
					case 'b':
						cur.WriteByte('\b')
					case 'a':
						cur.WriteByte('\a')
					default:
						cur.WriteByte(line[i])
					}
				case line[i] == '"':
					if i+1 < n && !isSpace(line[i+1]) {
						return nil, ErrUnbalancedQuotes
					}
					done = true
				default:
					cur.WriteByte(line[i])
				}
			} else if inSQ {
				switch {
				case i >= n:
					return nil, ErrUnbalancedQuotes
				case line[i] == '\\' && i+1 < n && line[i+1] == '\'':
					i++
					cur.WriteByte('\'')
				case line[i] == '\'':
					if i+1 < n && !isSpace(line[i+1]) {
						return nil, ErrUnbalancedQuotes
					}
					done = true
				default:
					cur.WriteByte(line[i])
				}
			} else {
				switch {
				case i >= n || isSpace(line[i]):
					done = true
				case line[i] == '"':
					inDQ = true
				case line[i] == '\'':
					inSQ = true
				default:
					cur.WriteByte(line[i])
				}
			}
			if i < n {
				i++
			}
		}
		args = append(args, cur.String())
	}
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

func unhex(b byte) byte {
	switch {
	case b <= '9':
		return b - '0'
	case b <= 'F':
		return b - 'A' + 10
	}
	return b - 'a' + 10
}

// Quote renders s as one word SplitArgs reads back as s: bare when it needs
// no quoting, else in double quotes with escapes, as Redis's CONFIG REWRITE
// writes strings.
func Quote(s string) string {
	plain := s != ""
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '\\'
	}
	if plain {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c < ' ' || c >= 0x7f {
				const hex = "0123456789abcdef"
				b.WriteString(`\x`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&15])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
