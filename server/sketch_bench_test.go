package server

import (
	"strconv"
	"testing"
)

// BenchmarkSketchExec runs the bitmap, HyperLogLog and geo commands through
// a client's dispatch without a network, as BenchmarkExec does for GET/SET.
func BenchmarkSketchExec(b *testing.B) {
	s, err := New(redisConfig())
	if err != nil {
		b.Fatal(err)
	}
	c := newTestClient(s)
	c.exec(bargs("SETBIT", "bits", "100000", "1"))
	for i := range 5000 {
		c.exec(bargs("PFADD", "dense", "e"+strconv.Itoa(i)))
	}
	c.exec(bargs("PFADD", "sparse", "a", "b", "c"))
	for i := range 1000 {
		lon := strconv.FormatFloat(13+float64(i%40)/10, 'f', 3, 64)
		lat := strconv.FormatFloat(37+float64(i/40)/10, 'f', 3, 64)
		c.exec(bargs("GEOADD", "geo", lon, lat, "m"+strconv.Itoa(i)))
	}
	elems := make([][][]byte, 1000)
	for i := range elems {
		elems[i] = bargs("PFADD", "dense", "x"+strconv.Itoa(i))
	}
	cases := []struct {
		name string
		args func(i int) [][]byte
	}{
		{"SETBIT", func(i int) [][]byte { return bargs("SETBIT", "bits", strconv.Itoa(i%100000), "1") }},
		{"GETBIT", func(i int) [][]byte { return bargs("GETBIT", "bits", strconv.Itoa(i%100000)) }},
		{"BITCOUNT", func(int) [][]byte { return bargs("BITCOUNT", "bits") }},
		{"PFADD-dense", func(i int) [][]byte { return elems[i%len(elems)] }},
		{"PFADD-sparse", func(i int) [][]byte { return bargs("PFADD", "sparse", "y"+strconv.Itoa(i%50)) }},
		{"PFCOUNT-cached", func(int) [][]byte { return bargs("PFCOUNT", "dense") }},
		{"GEOSEARCH-50km", func(int) [][]byte {
			return bargs("GEOSEARCH", "geo", "FROMLONLAT", "15", "38", "BYRADIUS", "50", "km", "ASC", "COUNT", "10")
		}},
		{"GEODIST", func(int) [][]byte { return bargs("GEODIST", "geo", "m1", "m999", "km") }},
	}
	for _, tc := range cases {
		argv := make([][][]byte, 256)
		for i := range argv {
			argv[i] = tc.args(i)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c.exec(argv[i%len(argv)])
				i++
				c.w.Reset()
			}
		})
	}
}
