//go:build !cgo

package geo

// Without cgo (no C toolchain on the build machine), the correctly rounded
// functions of trig.go stand in for the C library's: they agree with glibc
// except where glibc itself misrounds.

func sin(x float64) float64  { return sinCR(x) }
func cos(x float64) float64  { return cosCR(x) }
func asin(x float64) float64 { return asinCR(x) }

// libmIsC tells the tests which functions they are checking.
const libmIsC = false
