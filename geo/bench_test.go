package geo

import "testing"

var sink float64

func BenchmarkTrig(b *testing.B) {
	b.Run("sin-small", func(b *testing.B) {
		for b.Loop() {
			sink = sin(0.0012345)
		}
	})
	b.Run("cos-lat", func(b *testing.B) {
		for b.Loop() {
			sink = cos(0.66)
		}
	})
	b.Run("asin-small", func(b *testing.B) {
		for b.Loop() {
			sink = asin(0.0012345)
		}
	})
	b.Run("Distance", func(b *testing.B) {
		for b.Loop() {
			sink = Distance(15, 38, 15.1, 38.2)
		}
	})
	b.Run("fastDistance", func(b *testing.B) {
		for b.Loop() {
			sink = fastDistance(15, 38, 15.1, 38.2)
		}
	})
}
