package server

import "strconv"

// scanOpts parses the MATCH pattern and COUNT options of HSCAN, SSCAN and
// ZSCAN from args[from:], as Redis's scanGenericCommand does (only once the
// key was found). A "*" pattern comes back nil: everything matches. On
// false the error has been written.
func (c *client) scanOpts(args [][]byte, from int) (pattern []byte, count int, ok bool) {
	count = 10
	for i := from; i < len(args); i += 2 {
		if i+1 >= len(args) {
			c.w.Error(msgSyntax)
			return nil, 0, false
		}
		switch {
		case equalFold(args[i], "COUNT"):
			n, ok := parseInt(args[i+1])
			if !ok {
				c.w.Error(msgNotInteger)
				return nil, 0, false
			}
			if n < 1 {
				c.w.Error(msgSyntax)
				return nil, 0, false
			}
			count = int(min(n, maxInt64>>1))
		case equalFold(args[i], "MATCH"):
			pattern = args[i+1]
			if matchAll(pattern) {
				pattern = nil
			}
		default:
			c.w.Error(msgSyntax)
			return nil, 0, false
		}
	}
	return pattern, count, true
}

// writeScan writes a SCAN-family reply, [cursor, [element ...]], from walk,
// which it calls twice under the same lock: once to count the elements for
// the array header, once to write them. walk returns the next cursor and
// calls emit on each element (a member, or a field or member and its value
// or score as two elements).
func (c *client) writeScan(walk func(emit func(b []byte)) uint64) {
	n := 0
	next := walk(func([]byte) { n++ })
	c.w.ArrayLen(2)
	c.tmp = strconv.AppendUint(c.tmp[:0], next, 10)
	c.w.Bulk(c.tmp)
	c.w.ArrayLen(n)
	walk(func(b []byte) { c.w.Bulk(b) })
}

// writeEmptyScan is the reply of a scan of a missing key.
func (c *client) writeEmptyScan() {
	c.w.ArrayLen(2)
	c.w.BulkString("0")
	c.w.ArrayLen(0)
}
