package hll

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzSketch feeds arbitrary values with a HyperLogLog header to every
// operation PFADD, PFCOUNT and PFMERGE run: none may panic, a successful
// add leaves a valid sketch, and a dense sketch always counts.
func FuzzSketch(f *testing.F) {
	f.Add(AppendEmpty(nil), []byte("a"))
	f.Add(append(AppendEmpty(nil)[:HeaderSize], 0x7f), []byte("b"))
	f.Add(append(AppendEmpty(nil)[:HeaderSize], 0x00, 0x80, 0xff), []byte("c"))
	f.Add([]byte("HYLL\x00\x00\x00\x00"), []byte(""))
	f.Fuzz(func(t *testing.T, b, elem []byte) {
		b = slices.Clone(b) // the fuzzer's two slices may share memory
		elem = slices.Clip(elem)
		if len(b) >= 5 {
			copy(b, "HYLL") // the interesting inputs pass the magic check
			b[4] &= 1
		}
		if !Valid(b) {
			return
		}
		orig := string(b)
		_, _ = Count(b)
		var m Max
		_ = m.Merge(b)
		_ = m.Count()
		if d, err := ToDense(nil, b); err == nil {
			_, err := Count(d)
			require.NoError(t, err)
		}
		require.Equal(t, orig, string(b), "read paths must not modify")
		for i := range 3 {
			out, _, err := Add(b, append(elem, byte(i)), DefaultSparseMaxBytes)
			if err != nil {
				return
			}
			require.True(t, Valid(out), "%q → %q", b, out)
			b = out
		}
		_, _ = Count(b)
	})
}
