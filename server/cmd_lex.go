package server

import (
	"bytes"

	"github.com/miniredis/miniredis/shard"
)

// A BYLEX range is meaningful when all scores are equal: the members are
// then in lex order, and a bound is a rank found in O(log n). Over unequal
// scores Redis's answer is "unspecified" but, for a set it keeps as a
// listpack (up to zsetMaxListpackEntries members), fixed by how it walks:
// from the head (the tail for REV) to the first member on the right side of
// the near bound, then on while members stay on the right side of the far
// one. Such small sets are walked the same way here, so replies agree with
// Redis's even then; larger sets use the ranks (Redis's skip-list descent
// over unsorted members depends on its random levels, so no answer could
// match there).

// lexLimit is a parsed lex bound: "-" (kind -1), "+" (kind 1) or a member,
// inclusive ("[") or exclusive ("(").
type lexLimit struct {
	kind int8
	v    []byte
	ex   bool
}

func parseLexLimit(b []byte) lexLimit {
	switch b[0] {
	case '-':
		return lexLimit{kind: -1}
	case '+':
		return lexLimit{kind: 1}
	}
	return lexLimit{v: b[1:], ex: b[0] == '('}
}

// cmpMember compares member m with bound b (sdscmplex).
func (b lexLimit) cmpMember(m []byte) int {
	switch b.kind {
	case -1:
		return 1
	case 1:
		return -1
	}
	return bytes.Compare(m, b.v)
}

func (b lexLimit) belowMin(m []byte) bool {
	c := b.cmpMember(m)
	return c < 0 || c == 0 && b.ex
}

func (b lexLimit) aboveMax(m []byte) bool {
	c := b.cmpMember(m)
	return c > 0 || c == 0 && b.ex
}

// emptyLexRange reports the ranges Redis rejects before any walk: min above
// max, or equal with either end exclusive.
func emptyLexRange(lo, hi lexLimit) bool {
	var c int
	switch {
	case lo.kind == hi.kind && lo.kind != 0:
		c = 0
	case lo.kind == -1 || hi.kind == 1:
		c = -1
	case lo.kind == 1 || hi.kind == -1:
		c = 1
	default:
		c = bytes.Compare(lo.v, hi.v)
	}
	return c > 0 || c == 0 && (lo.ex || hi.ex)
}

// lexSpan returns the ascending ranks [lo, hi) of the members of z in the
// lex range minArg..maxArg (as given, already validated), walking as Redis
// does from the head, or from the tail when rev.
func lexSpan(z *shard.ZSet, minArg, maxArg []byte, rev bool) (lo, hi int) {
	lmin, lmax := parseLexLimit(minArg), parseLexLimit(maxArg)
	n := z.Len()
	if n > zsetMaxListpackEntries {
		return lexRank(z, lmin, false), lexRank(z, lmax, true)
	}
	if emptyLexRange(lmin, lmax) {
		return 0, 0
	}
	members := make([][]byte, 0, n)
	z.Range(0, n-1, false, func(m []byte, _ float64) bool {
		members = append(members, m)
		return true
	})
	if lmin.belowMin(members[n-1]) || lmax.aboveMax(members[0]) {
		return 0, 0
	}
	if !rev {
		i := 0
		for i < n && lmin.belowMin(members[i]) {
			i++
		}
		j := i
		for j < n && !lmax.aboveMax(members[j]) {
			j++
		}
		return i, j
	}
	i := n - 1
	for i >= 0 && lmax.aboveMax(members[i]) {
		i--
	}
	j := i
	for j >= 0 && !lmin.belowMin(members[j]) {
		j--
	}
	return j + 1, i + 1
}

// lexRank is the rank a lex bound stands at in z, whose members are in lex
// order: the members before a minimum, or up to a maximum. O(log n).
func lexRank(z *shard.ZSet, b lexLimit, isMax bool) int {
	switch b.kind {
	case -1:
		return 0
	case 1:
		return z.Len()
	}
	// Inclusive: members up to and including v count for a maximum and not
	// for a minimum; exclusive the other way round.
	return z.CountBelowLex(b.v, isMax != b.ex)
}
