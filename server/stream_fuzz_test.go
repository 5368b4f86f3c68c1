package server

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzStreamID parses arbitrary stream ID arguments in every mode the
// commands use. It must never panic; an ID it accepts prints back as an
// argument that parses to the same ID; and for plain "ms-seq" digits it
// agrees with strconv.ParseUint.
func FuzzStreamID(f *testing.F) {
	for _, s := range []string{"0-0", "1", "1-1", "1-*", "-", "+", "(5", "18446744073709551615-18446744073709551615",
		"18446744073709551616", " 5", "+5", "-5", "5-", "-0", "0x10", "1-2-3", "\x005", "5\x00junk", "-18446744073709551615"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, mode := range []struct{ strict, star bool }{{false, false}, {true, false}, {true, true}} {
			id, seqGiven, ok := parseStreamID(b, 7, mode.strict, mode.star)
			if !ok {
				continue
			}
			if !seqGiven {
				require.True(t, mode.star, "only ms-* leaves the sequence open")
				continue
			}
			back, _, ok := parseStreamID(id.Append(nil), 0, true, false)
			require.True(t, ok, "%q printed as %q", b, id.Append(nil))
			assert.Equal(t, id, back)
		}
		ms, seq, dash := bytes.Cut(b, []byte("-"))
		if !dash || !digits(ms) || !digits(seq) {
			return
		}
		wantMs, err1 := strconv.ParseUint(string(ms), 10, 64)
		wantSeq, err2 := strconv.ParseUint(string(seq), 10, 64)
		id, _, ok := parseStreamID(b, 0, true, false)
		require.Equal(t, err1 == nil && err2 == nil && len(b) < 128, ok, "%q", b)
		if ok {
			assert.Equal(t, wantMs, id.Ms)
			assert.Equal(t, wantSeq, id.Seq)
		}
	})
}

// digits reports a non-empty run of decimal digits.
func digits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}
