package geo

import "math"

// Correctly rounded sin, cos and asin for the distance formula, for builds
// without cgo (libm_cgo.go calls the C library's, as Redis does).
//
// Go's math package is often one unit in the last place off the C
// library (math.Asin of 0.014941267301084644 is 0.014941823275347963,
// glibc gives …965), which shows in the 17 digits of a STOREDIST score
// and can move a member across a search's edge. These evaluate the
// functions in double-double arithmetic (about 106 bits) and round once,
// which gives the nearest double. glibc is usually that close too, but
// not always (asin of 0x1.e8a1a0de32d7bp-6 is …00efp-6, glibc 2.36 gives
// …00eep-6), so only the C library itself matches Redis bit for bit.

// dd is an unevaluated sum hi+lo with |lo| ≤ ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func twoProd(a, b float64) dd {
	p := a * b
	return dd{p, math.FMA(a, b, -p)}
}

func (a dd) add(b dd) dd {
	s := twoSum(a.hi, b.hi)
	t := twoSum(a.lo, b.lo)
	s.lo += t.hi
	s = quickTwoSum(s.hi, s.lo)
	s.lo += t.lo
	return quickTwoSum(s.hi, s.lo)
}

func (a dd) neg() dd { return dd{-a.hi, -a.lo} }

func (a dd) mul(b dd) dd {
	p := twoProd(a.hi, b.hi)
	p.lo += a.hi*b.lo + a.lo*b.hi
	return quickTwoSum(p.hi, p.lo)
}

func (a dd) divFloat(b float64) dd {
	q1 := a.hi / b
	p := twoProd(q1, b)
	s := twoSum(a.hi, -p.hi)
	s.lo -= p.lo
	s.lo += a.lo
	q2 := (s.hi + s.lo) / b
	return quickTwoSum(q1, q2)
}

// π and π/2 in double-double.
var (
	ddPi     = dd{3.141592653589793116, 1.224646799147353207e-16}
	ddHalfPi = dd{1.570796326794896558, 6.123233995736766036e-17}
)

// sinCoef[n] is (-1)^n/(2n+1)!, in double-double.
var sinCoef = func() [18]dd {
	var c [18]dd
	f := dd{1, 0}
	for n := range c {
		c[n] = f
		f = f.divFloat(float64((2*n + 2) * (2*n + 3))).neg()
	}
	return c
}()

// sinTaylor is the Taylor series of sin for |x| ≤ π/2, evaluated by
// Horner's rule with as many terms as the size of x needs for a remainder
// below 2^-110 of the result.
func sinTaylor(x dd) dd {
	a := math.Abs(x.hi)
	var n int
	switch {
	case a < 1e-4:
		n = 4
	case a < 1e-2:
		n = 7
	case a < 0.25:
		n = 11
	case a < 0.8:
		n = 14
	default:
		n = len(sinCoef) - 1
	}
	x2 := x.mul(x)
	p := sinCoef[n]
	for i := n - 1; i >= 0; i-- {
		p = p.mul(x2).add(sinCoef[i])
	}
	return p.mul(x)
}

// sinDD is sin of a double-double argument in [-π, π], folded into
// [-π/2, π/2] by sin(x) = sin(π-x).
func sinDD(x dd) dd {
	switch {
	case x.hi > ddHalfPi.hi:
		x = ddPi.add(x.neg())
	case x.hi < -ddHalfPi.hi:
		x = ddPi.neg().add(x.neg())
	}
	return sinTaylor(x)
}

// sinCR returns the double nearest to sin(x), for |x| ≤ π (outside, Go's).
func sinCR(x float64) float64 {
	if !(math.Abs(x) <= math.Pi) {
		return math.Sin(x)
	}
	r := sinDD(dd{x, 0})
	return r.hi + r.lo
}

// cosDD is cos x = sin(π/2 - |x|), for |x| ≤ π.
func cosDD(x dd) dd {
	if x.hi < 0 {
		x = x.neg()
	}
	return sinDD(ddHalfPi.add(x.neg()))
}

// cosCR returns the double nearest to cos(x), for |x| ≤ π (outside, Go's).
func cosCR(x float64) float64 {
	if !(math.Abs(x) <= math.Pi) {
		return math.Cos(x)
	}
	r := cosDD(dd{x, 0})
	return r.hi + r.lo
}

// asinCR returns the double nearest to asin(x) for x in [0, 1]: Go's
// estimate refined by Newton steps on sin(y) = x in double-double.
func asinCR(x float64) float64 {
	y0 := math.Asin(x)
	if !(x > 0 && x < 1) {
		return y0 // 0, 1 (π/2 exactly rounded) and NaN need no refining
	}
	// Newton's step y += (x - sin y)/cos y squares the error, so from
	// Go's few-ulp estimate one step lands within 2^-100 (two near 1,
	// where the slope grows); the step is tiny, so cos y in plain double
	// precision is enough.
	y := dd{y0, 0}
	steps := 1
	if x > 0.9 {
		steps = 2
	}
	for range steps {
		y = y.add(dd{x, 0}.add(sinDD(y).neg()).divFloat(math.Cos(y.hi)))
	}
	return y.hi + y.lo
}
