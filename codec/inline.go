package codec

// splitArgs splits an inline request line into arguments exactly as Redis's
// sdssplitargs does, appending the unescaped bytes to scratch and each
// argument's position in scratch to spans. ok is false on unbalanced quotes.
//
// sdssplitargs works on a C string, so a NUL byte ends the line there; the
// same is done here to give the same arguments as Redis.
func splitArgs(line []byte, spans []span, scratch []byte) (_ []span, _ []byte, ok bool) {
	for i, c := range line {
		if c == 0 {
			line = line[:i]
			break
		}
	}
	at := func(i int) byte {
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	p := 0
	for {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p >= len(line) {
			return spans, scratch, true
		}
		lo := len(scratch)
		inq, insq, done := false, false, false
		for !done {
			c := at(p)
			switch {
			case inq:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					scratch = append(scratch, unhex(at(p+2))<<4|unhex(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					switch e := line[p]; e {
					case 'n':
						scratch = append(scratch, '\n')
					case 'r':
						scratch = append(scratch, '\r')
					case 't':
						scratch = append(scratch, '\t')
					case 'b':
						scratch = append(scratch, '\b')
					case 'a':
						scratch = append(scratch, '\a')
					default:
						scratch = append(scratch, e)
					}
				case c == '"':
					// The closing quote must be followed by a space or nothing.
					if n := at(p + 1); n != 0 && !isSpace(n) {
						return spans, scratch, false
					}
					done = true
				case c == 0:
					return spans, scratch, false
				default:
					scratch = append(scratch, c)
				}
			case insq:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					scratch = append(scratch, '\'')
				case c == '\'':
					if n := at(p + 1); n != 0 && !isSpace(n) {
						return spans, scratch, false
					}
					done = true
				case c == 0:
					return spans, scratch, false
				default:
					scratch = append(scratch, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					scratch = append(scratch, c)
				}
			}
			if c != 0 {
				p++
			}
		}
		spans = append(spans, span{lo, len(scratch)})
	}
}

// isSpace is C's isspace in the "C" locale, which sdssplitargs uses to skip
// blanks and to accept what follows a closing quote.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
