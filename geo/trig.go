package geo

import "math"

// Correctly rounded sin, cos and asin for the distance formula.
//
// Redis calls glibc, whose sin, cos and asin return the double nearest to
// the true value; Go's math package is often one unit in the last place
// off (math.Asin of 0.014941267301084644 is 0.014941823275347963, glibc
// gives …965), which shows in the 17 digits of a STOREDIST score and can
// move a member across a search's edge. These evaluate the functions in
// double-double arithmetic (about 106 bits) and round once, which gives
// the nearest double except in cases far rarer than glibc's own.

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

func (a dd) div(b dd) dd {
	q1 := a.hi / b.hi
	r := a.add(b.mul(dd{q1, 0}).neg())
	q2 := r.hi / b.hi
	r = r.add(b.mul(dd{q2, 0}).neg())
	q3 := r.hi / b.hi
	return quickTwoSum(q1, q2).add(dd{q3, 0})
}

// π and π/2 in double-double.
var (
	ddPi     = dd{3.141592653589793116, 1.224646799147353207e-16}
	ddHalfPi = dd{1.570796326794896558, 6.123233995736766036e-17}
)

// sinTaylor is the Taylor series of sin for |x| ≤ π/2.
func sinTaylor(x dd) dd {
	x2 := x.mul(x)
	term, sum := x, x
	for n := 1; n < 40; n++ {
		term = term.mul(x2).divFloat(float64((2 * n) * (2*n + 1))).neg()
		sum = sum.add(term)
		if math.Abs(term.hi) < 1e-36*math.Abs(sum.hi) {
			break
		}
	}
	return sum
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

// sin returns the double nearest to sin(x), for |x| ≤ π (outside, Go's).
func sin(x float64) float64 {
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

// cos returns the double nearest to cos(x), for |x| ≤ π (outside, Go's).
func cos(x float64) float64 {
	if !(math.Abs(x) <= math.Pi) {
		return math.Cos(x)
	}
	r := cosDD(dd{x, 0})
	return r.hi + r.lo
}

// asin returns the double nearest to asin(x) for x in [0, 1]: Go's
// estimate refined by Newton steps on sin(y) = x in double-double.
func asin(x float64) float64 {
	y0 := math.Asin(x)
	if !(x > 0 && x < 1) {
		return y0 // 0, 1 (π/2 exactly rounded) and NaN need no refining
	}
	y := dd{y0, 0}
	for range 2 {
		// y += (x - sin y) / cos y
		y = y.add(dd{x, 0}.add(sinDD(y).neg()).div(cosDD(y)))
	}
	return y.hi + y.lo
}
