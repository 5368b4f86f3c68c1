// Package geo is the geohash arithmetic behind Redis's GEO commands, as
// Redis 7.0 computes it (geohash.c, geohash_helper.c and geo.c): a position
// becomes a 52-bit interleaved geohash stored as a sorted-set score, and a
// radius or box search becomes up to nine score ranges to scan, whose
// members are then filtered by their exact distance.
//
// Following Redis's float operations step by step keeps the scores, the
// decoded coordinates, the distances and the set of members a search finds
// the same as redis-server's. Everything here is pure computation, safe for
// concurrent use.
package geo

import "math"

// The coordinate limits of Redis's geohash (Web Mercator's latitude bound).
const (
	LonMin = -180.0
	LonMax = 180.0
	LatMin = -85.05112878
	LatMax = 85.05112878

	stepMax = 26 // 52 bits

	// EarthRadius is the Earth's radius in meters Redis's distances use.
	EarthRadius = 6372797.560856
	mercatorMax = 20037726.37
	degToRad    = math.Pi / 180.0
)

// Bits is a geohash of step*2 bits; step 0 marks an unused neighbour.
type Bits struct {
	Bits uint64
	Step uint8
}

func (b Bits) zero() bool { return b.Bits == 0 && b.Step == 0 }

// rng is a coordinate range.
type rng struct{ min, max float64 }

var (
	lonRange = rng{LonMin, LonMax}
	latRange = rng{LatMin, LatMax}
)

// area is the box a geohash stands for.
type area struct{ lon, lat rng }

func interleave64(xlo, ylo uint32) uint64 {
	b := [...]uint64{0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF}
	s := [...]uint{1, 2, 4, 8, 16}
	x, y := uint64(xlo), uint64(ylo)
	for i := 4; i >= 0; i-- {
		x = (x | x<<s[i]) & b[i]
		y = (y | y<<s[i]) & b[i]
	}
	return x | y<<1
}

func deinterleave64(v uint64) uint64 {
	b := [...]uint64{0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF, 0x00000000FFFFFFFF}
	s := [...]uint{0, 1, 2, 4, 8, 16}
	x, y := v, v>>1
	for i := range b {
		x = (x | x>>s[i]) & b[i]
		y = (y | y>>s[i]) & b[i]
	}
	return x | y<<32
}

// encode is Redis's geohashEncode: ok is false outside the ranges.
func encode(lonR, latR rng, lon, lat float64, step uint8) (Bits, bool) {
	if lon > LonMax || lon < LonMin || lat > LatMax || lat < LatMin {
		return Bits{}, false
	}
	h := Bits{Step: step}
	if lat < latR.min || lat > latR.max || lon < lonR.min || lon > lonR.max {
		return h, false
	}
	latOff := (lat - latR.min) / (latR.max - latR.min)
	lonOff := (lon - lonR.min) / (lonR.max - lonR.min)
	latOff *= float64(uint64(1) << step)
	lonOff *= float64(uint64(1) << step)
	h.Bits = interleave64(uint32(latOff), uint32(lonOff))
	return h, true
}

// decode is Redis's geohashDecode.
func decode(lonR, latR rng, h Bits) area {
	sep := deinterleave64(h.Bits)
	latScale, lonScale := latR.max-latR.min, lonR.max-lonR.min
	ilat, ilon := uint32(sep), uint32(sep>>32)
	div := float64(uint64(1) << h.Step)
	return area{
		lat: rng{latR.min + (float64(ilat)*1.0/div)*latScale, latR.min + (float64(ilat+1)*1.0/div)*latScale},
		lon: rng{lonR.min + (float64(ilon)*1.0/div)*lonScale, lonR.min + (float64(ilon+1)*1.0/div)*lonScale},
	}
}

// Encode returns the score of a position: its 52-bit geohash. ok is false
// outside the valid longitude and latitude ranges.
func Encode(lon, lat float64) (score uint64, ok bool) {
	h, ok := encode(lonRange, latRange, lon, lat, stepMax)
	return h.Bits, ok
}

// Decode returns the position a score stands for: the centre of its
// geohash box, clamped to the valid ranges.
func Decode(score float64) (lon, lat float64) {
	a := decode(lonRange, latRange, Bits{Bits: scoreBits(score), Step: stepMax})
	lon = min(max((a.lon.min+a.lon.max)/2, LonMin), LonMax)
	lat = min(max((a.lat.min+a.lat.max)/2, LatMin), LatMax)
	return lon, lat
}

// scoreBits converts a score to geohash bits as C's (uint64_t) cast does on
// x86-64 for the scores a geo set holds; other scores (negative, huge, NaN)
// get the same value the hardware gives for out-of-range conversions.
func scoreBits(score float64) uint64 {
	switch {
	case score >= 0 && score < 1<<63:
		return uint64(score)
	case score >= 1<<63 && score < 1<<64:
		return uint64(score-(1<<63)) ^ 1<<63
	case score >= 1<<64:
		return 0 // the unsigned path's subtraction overflows, then flips back
	case score < 0 && score > -(1<<63):
		return uint64(int64(score))
	}
	return 1 << 63 // the "integer indefinite" of an invalid conversion
}

// AppendHash appends the 11-character standard geohash of a score (GEOHASH):
// its position re-encoded with the latitude range ±90.
func AppendHash(dst []byte, score float64) []byte {
	const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
	lon, lat := Decode(score)
	h, _ := encode(rng{-180, 180}, rng{-90, 90}, lon, lat, stepMax)
	for i := range 11 {
		idx := 0
		if i < 10 {
			idx = int(h.Bits >> (52 - (uint(i)+1)*5) & 0x1f)
		}
		dst = append(dst, alphabet[idx])
	}
	return dst
}

func latDistance(lat1, lat2 float64) float64 {
	return EarthRadius * math.Abs(lat2*degToRad-lat1*degToRad)
}

// Distance is the haversine distance in meters between two positions, as
// Redis's geohashGetDistance computes it.
func Distance(lon1, lat1, lon2, lat2 float64) float64 {
	return distance(lon1, lat1, lon2, lat2, math.NaN())
}

// distance is Distance with cos(lat1 in radians) given when known (NaN
// when not), so a search computes its centre's once.
func distance(lon1, lat1, lon2, lat2, cosLat1 float64) float64 {
	lon1r, lon2r := lon1*degToRad, lon2*degToRad
	v := sin((lon2r - lon1r) / 2)
	if v == 0 {
		return latDistance(lat1, lat2)
	}
	lat1r, lat2r := lat1*degToRad, lat2*degToRad
	u := sin((lat2r - lat1r) / 2)
	if math.IsNaN(cosLat1) {
		cosLat1 = cos(lat1r)
	}
	a := u*u + cosLat1*cos(lat2r)*v*v
	return 2.0 * EarthRadius * asin(math.Sqrt(a))
}

// Shape is a search area: a circle of Radius, or a box of Width by Height
// (Box set), centred on Lon, Lat. Sizes are in the unit whose length in
// meters is Conversion.
type Shape struct {
	Lon, Lat              float64
	Box                   bool
	Radius, Width, Height float64
	Conversion            float64

	cosLat    float64 // cos of Lat in radians, once computed
	cosLatFor float64 // the Lat it was computed for
	hasCosLat bool
}

// centreDistance is the exact distance from the centre to a position.
func (s *Shape) centreDistance(lon, lat float64) float64 {
	if !s.hasCosLat || s.cosLatFor != s.Lat {
		s.cosLat, s.cosLatFor, s.hasCosLat = cos(s.Lat*degToRad), s.Lat, true
	}
	return distance(s.Lon, s.Lat, lon, lat, s.cosLat)
}

// fastDistance is Distance with Go's sin, cos and asin: within a few ulps
// of it, and some fifty times cheaper.
func fastDistance(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r, lon2r := lon1*degToRad, lon2*degToRad
	v := math.Sin((lon2r - lon1r) / 2)
	if v == 0 {
		return latDistance(lat1, lat2)
	}
	lat1r, lat2r := lat1*degToRad, lat2*degToRad
	u := math.Sin((lat2r - lat1r) / 2)
	a := u*u + math.Cos(lat1r)*math.Cos(lat2r)*v*v
	return 2.0 * EarthRadius * math.Asin(math.Sqrt(a))
}

// within reports whether Distance(lon1, lat1, lon2, lat2) <= limit. Most
// members are decided by fastDistance; only those within a hair of the
// limit (a relative 1e-9, far beyond its error) pay for the exact one.
func within(lon1, lat1, lon2, lat2, limit float64) bool {
	d := fastDistance(lon1, lat1, lon2, lat2)
	margin := 1e-9*math.Abs(limit) + 1e-9
	switch {
	case d > limit+margin:
		return false
	case d < limit-margin:
		return true
	}
	return Distance(lon1, lat1, lon2, lat2) <= limit
}

// Contains reports whether a position lies in the shape, with its distance
// from the centre in meters (Redis's geoAppendIfWithinShape).
func (s *Shape) Contains(lon, lat float64) (dist float64, ok bool) {
	if !s.Box {
		if !within(s.Lon, s.Lat, lon, lat, s.Radius*s.Conversion) {
			return 0, false
		}
		return s.centreDistance(lon, lat), true
	}
	w, h := s.Width*s.Conversion, s.Height*s.Conversion
	if latDistance(lat, s.Lat) > h/2 {
		return 0, false
	}
	if !within(lon, lat, s.Lon, lat, w/2) {
		return 0, false
	}
	return s.centreDistance(lon, lat), true
}

// boundingBox is Redis's geohashBoundingBox: min lon, min lat, max lon,
// max lat.
func (s *Shape) boundingBox() (minLon, minLat, maxLon, maxLat float64) {
	height, width := s.Radius, s.Radius
	if s.Box {
		height, width = s.Height/2, s.Width/2
	}
	height *= s.Conversion
	width *= s.Conversion
	latDelta := height / EarthRadius / degToRad
	lonDeltaTop := width / EarthRadius / cos((s.Lat+latDelta)*degToRad) / degToRad
	lonDeltaBottom := width / EarthRadius / cos((s.Lat-latDelta)*degToRad) / degToRad
	if s.Lat < 0 {
		minLon, maxLon = s.Lon-lonDeltaBottom, s.Lon+lonDeltaBottom
	} else {
		minLon, maxLon = s.Lon-lonDeltaTop, s.Lon+lonDeltaTop
	}
	return minLon, s.Lat - latDelta, maxLon, s.Lat + latDelta
}

// estimateSteps is Redis's geohashEstimateStepsByRadius.
func estimateSteps(meters, lat float64) uint8 {
	if meters == 0 {
		return stepMax
	}
	step := 1
	for meters < mercatorMax {
		meters *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), stepMax))
}

func moveX(h *Bits, d int) {
	x := h.Bits & 0xaaaaaaaaaaaaaaaa
	y := h.Bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - uint(h.Step)*2)
	if d > 0 {
		x += zz + 1
	} else {
		x |= zz
		x -= zz + 1
	}
	x &= 0xaaaaaaaaaaaaaaaa >> (64 - uint(h.Step)*2)
	h.Bits = x | y
}

func moveY(h *Bits, d int) {
	x := h.Bits & 0xaaaaaaaaaaaaaaaa
	y := h.Bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - uint(h.Step)*2)
	if d > 0 {
		y += zz + 1
	} else {
		y |= zz
		y -= zz + 1
	}
	y &= 0x5555555555555555 >> (64 - uint(h.Step)*2)
	h.Bits = x | y
}

// Neighbour order as Redis scans them: the centre, N, S, E, W, NE, NW,
// SE, SW.
const (
	nCenter = iota
	nNorth
	nSouth
	nEast
	nWest
	nNorthEast
	nNorthWest
	nSouthEast
	nSouthWest
)

// neighbours returns the centre box and its eight neighbours.
func neighbours(h Bits) [9]Bits {
	var n [9]Bits
	for i := range n {
		n[i] = h
	}
	moves := [9][2]int{{0, 0}, {0, 1}, {0, -1}, {1, 0}, {-1, 0}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1}}
	for i, m := range moves {
		if m[0] != 0 {
			moveX(&n[i], m[0])
		}
		if m[1] != 0 {
			moveY(&n[i], m[1])
		}
	}
	return n
}

// Boxes calls fn with the score range [min, max) of every geohash box a
// search of the shape scans, in Redis's order, skipping the boxes Redis
// skips; it stops when fn returns false. Members in range must still be
// checked with Contains.
func (s *Shape) Boxes(fn func(min, max float64) bool) {
	minLon, minLat, maxLon, maxLat := s.boundingBox()
	meters := s.Radius
	if s.Box {
		meters = math.Sqrt((s.Width/2)*(s.Width/2) + (s.Height/2)*(s.Height/2))
	}
	meters *= s.Conversion
	steps := estimateSteps(meters, s.Lat)
	h, _ := encode(lonRange, latRange, s.Lon, s.Lat, steps)
	n := neighbours(h)
	a := decode(lonRange, latRange, h)
	north, south := decode(lonRange, latRange, n[nNorth]), decode(lonRange, latRange, n[nSouth])
	east, west := decode(lonRange, latRange, n[nEast]), decode(lonRange, latRange, n[nWest])
	if steps > 1 && (north.lat.max < maxLat || south.lat.min > minLat || east.lon.max < maxLon || west.lon.min > minLon) {
		steps--
		h, _ = encode(lonRange, latRange, s.Lon, s.Lat, steps)
		n = neighbours(h)
		a = decode(lonRange, latRange, h)
	}
	if steps >= 2 {
		if a.lat.min < minLat {
			n[nSouth], n[nSouthWest], n[nSouthEast] = Bits{}, Bits{}, Bits{}
		}
		if a.lat.max > maxLat {
			n[nNorth], n[nNorthEast], n[nNorthWest] = Bits{}, Bits{}, Bits{}
		}
		if a.lon.min < minLon {
			n[nWest], n[nSouthWest], n[nNorthWest] = Bits{}, Bits{}, Bits{}
		}
		if a.lon.max > maxLon {
			n[nEast], n[nSouthEast], n[nNorthEast] = Bits{}, Bits{}, Bits{}
		}
	}
	last := 0
	for i, b := range n {
		if b.zero() {
			continue
		}
		// Redis compares with the last box scanned only once that is not
		// the centre (its last_processed starts at 0).
		if last != 0 && b == n[last] {
			continue
		}
		shift := 52 - uint(b.Step)*2
		lo := float64(b.Bits << shift)
		hi := float64((b.Bits + 1) << shift)
		if !fn(lo, hi) {
			return
		}
		last = i
	}
}
