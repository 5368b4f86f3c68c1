//go:build cgo

package geo

// #cgo LDFLAGS: -lm
// #include <math.h>
import "C"

// sin, cos and asin are the C library's: redis-server calls them for every
// distance, and they are not always correctly rounded (see trig.go), so
// only they give Redis's STOREDIST scores and search edges to the last bit.
// A call costs tens of nanoseconds, less than the double-double fallback.

func sin(x float64) float64  { return float64(C.sin(C.double(x))) }
func cos(x float64) float64  { return float64(C.cos(C.double(x))) }
func asin(x float64) float64 { return float64(C.asin(C.double(x))) }

// libmIsC tells the tests which functions they are checking.
const libmIsC = true
