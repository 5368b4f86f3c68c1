package geo

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const refPrec = 300

func bigF(x float64) *big.Float { return new(big.Float).SetPrec(refPrec).SetFloat64(x) }

// refSin and refCos are Taylor series in 300-bit floats: slow, exact
// enough to round correctly.
func refSin(x float64) float64 {
	X := bigF(x)
	x2 := new(big.Float).SetPrec(refPrec).Mul(X, X)
	term, sum := new(big.Float).SetPrec(refPrec).Set(X), new(big.Float).SetPrec(refPrec).Set(X)
	for n := 1; n < 80; n++ {
		term.Mul(term, x2).Quo(term, bigF(float64((2*n)*(2*n+1)))).Neg(term)
		sum.Add(sum, term)
	}
	f, _ := sum.Float64()
	return f
}

func refCos(x float64) float64 {
	X := bigF(x)
	x2 := new(big.Float).SetPrec(refPrec).Mul(X, X)
	term, sum := bigF(1), bigF(1)
	for n := 1; n < 80; n++ {
		term.Mul(term, x2).Quo(term, bigF(float64((2*n-1)*(2*n)))).Neg(term)
		sum.Add(sum, term)
	}
	f, _ := sum.Float64()
	return f
}

func TestTrigCorrectlyRounded(t *testing.T) {
	seed := uint64(20261202)
	r := rand.New(rand.NewPCG(seed, 0))
	for i := range 600 {
		x := (r.Float64()*2 - 1) * math.Pi
		if i%4 == 0 {
			x *= 1e-3 // small half-differences, the common case
		}
		if !assert.Equal(t, refSin(x), sinCR(x), "sin(%v) seed %d", x, seed) ||
			!assert.Equal(t, refCos(x), cosCR(x), "cos(%v) seed %d", x, seed) {
			return
		}
		// asin: y is correct when sin of its neighbours brackets s worse.
		s := math.Abs(math.Sin(x))
		y := asinCR(s)
		d := math.Abs(refSin(y) - s)
		for _, n := range []float64{math.Nextafter(y, 0), math.Nextafter(y, 2)} {
			if !assert.LessOrEqual(t, d, math.Abs(refSin(n)-s), "asin(%v) = %v, %v is closer; seed %d", s, y, n, seed) {
				return
			}
		}
	}
}

func TestAsinFixesGoRounding(t *testing.T) {
	// A case from a differential run: Go's math.Asin is one ulp below
	// the correctly rounded value, which glibc gives here.
	assert.Equal(t, 0.014941823275347965, asinCR(0.014941267301084644))
	assert.Equal(t, math.Pi/2, asinCR(1))
	assert.Equal(t, 0.0, asinCR(0))
}

// TestTrigIsTheCLibrarys checks that a cgo build computes distances with
// the C library's functions, the ones redis-server calls: in the case a
// random differential run found, glibc's asin is one ulp below the true
// value, and Redis's STOREDIST score (redis-server 7.0.15 on Debian 12's
// glibc 2.36, RESP3's 17 digits) shows it.
func TestTrigIsTheCLibrarys(t *testing.T) {
	if !libmIsC {
		t.Skip("built without cgo: distances use the correctly rounded functions, not the C library's")
	}
	x := 0x1.e8a1a0de32d7bp-6
	require.Equal(t, 0x1.e8b42deae00efp-6, asinCR(x), "the true value")
	if asin(x) == asinCR(x) {
		t.Skipf("this C library rounds asin(%x) correctly; the case shows nothing here", x)
	}
	score, ok := Encode(11.765734, 40.959052)
	require.True(t, ok)
	lon, lat := Decode(float64(score))
	d := Distance(12.021056, 37.546720, lon, lat) / 1000
	assert.Equal(t, "380.17706885406324", strconv.FormatFloat(d, 'g', 17, 64))
}

func TestFastDistanceCloseToExact(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 0))
	for range 2000 {
		lon1, lon2 := r.Float64()*360-180, r.Float64()*360-180
		lat1, lat2 := r.Float64()*170-85, r.Float64()*170-85
		if r.IntN(2) == 0 { // near neighbours too
			lon2, lat2 = lon1+r.Float64()*1e-3, lat1+r.Float64()*1e-3
		}
		exact, fast := Distance(lon1, lat1, lon2, lat2), fastDistance(lon1, lat1, lon2, lat2)
		assert.InDelta(t, exact, fast, 1e-11*exact+1e-12, "%v,%v %v,%v", lon1, lat1, lon2, lat2)
	}
}
