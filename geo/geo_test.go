package geo

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// human formats as Redis's %.17Lf with trailing zeros trimmed.
func human(f float64) string {
	s := strconv.FormatFloat(f, 'f', 17, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// Scores, GEOPOS and GEOHASH replies of redis-server 7.0.15 after
// GEOADD gt lon lat name for each row.
var redisPoints = []struct {
	name               string
	lon, lat           float64
	score              uint64
	posLon, posLat, gh string
}{
	{"Palermo", 13.361389, 38.115556, 3479099956230698, "13.36138933897018433", "38.11555639549629859", "sqc8b49rny0"},
	{"Catania", 15.087269, 37.502669, 3479447370796909, "15.08726745843887329", "37.50266842333162032", "sqdtr74hyu0"},
	{"SF", -122.4194, 37.7749, 1367859919124626, "-122.41940170526504517", "37.77490001056577995", "9q8yyk8ytp0"},
	{"zero", 0, 0, 3377699720527872, "0.00000268220901489", "0.00000126736058093", "s0000000000"},
	{"sw", -180, -85.05112878, 0, "-179.99999731779098511", "-85.05112751263942528", "00bh0hbj200"},
	{"ne", 180, 85.05112878, 13510798882111488, "180", "85.0511287799999991", "bp05b5048p0"},
	{"Tokyo", 139.6917, 35.6895, 4171231230197045, "139.69170123338699341", "35.68950126697937009", "xn774c06kt0"},
	{"London", -0.1276, 51.5072, 2163557714838307, "-0.12760072946548462", "51.50720053692975853", "gcpvj0e54w0"},
	{"Sydney", 151.2093, -33.8688, 3252046221964352, "151.20929986238479614", "-33.86880091934155956", "r3gx2f77bj0"},
}

func TestEncodeDecodeMatchRedis(t *testing.T) {
	for _, p := range redisPoints {
		t.Run(p.name, func(t *testing.T) {
			score, ok := Encode(p.lon, p.lat)
			require.True(t, ok)
			assert.Equal(t, p.score, score)
			lon, lat := Decode(float64(score))
			assert.Equal(t, p.posLon, human(lon))
			assert.Equal(t, p.posLat, human(lat))
			assert.Equal(t, p.gh, string(AppendHash(nil, float64(score))))
		})
	}
}

func TestEncodeRejectsOutOfRange(t *testing.T) {
	for _, c := range [][2]float64{{180.0001, 0}, {-180.0001, 0}, {0, 85.06}, {0, -85.06}} {
		_, ok := Encode(c[0], c[1])
		assert.False(t, ok, "%v", c)
	}
}

func TestDistanceMatchesRedis(t *testing.T) {
	pos := map[string][2]float64{}
	for _, p := range redisPoints {
		lon, lat := Decode(float64(p.score))
		pos[p.name] = [2]float64{lon, lat}
	}
	// GEODIST gt a b unit on redis-server 7.0.15.
	tests := []struct {
		a, b string
		conv float64
		want string
	}{
		{"Palermo", "Catania", 1, "166274.1516"},
		{"SF", "Tokyo", 1000, "8273.0474"},
		{"London", "Sydney", 1609.34, "10562.5456"},
		{"sw", "ne", 0.3048, "62072980.9353"},
		{"zero", "zero", 1, "0.0000"},
	}
	for _, tt := range tests {
		a, b := pos[tt.a], pos[tt.b]
		d := Distance(a[0], a[1], b[0], b[1]) / tt.conv
		assert.Equal(t, tt.want, strconv.FormatFloat(d, 'f', 4, 64), "%s-%s", tt.a, tt.b)
	}
}

func TestInterleaveRoundTrip(t *testing.T) {
	for _, v := range [][2]uint32{{0, 0}, {1, 0}, {0, 1}, {0xffffffff, 0}, {0x3ffffff, 0x2aaaaaa}, {12345, 67890}} {
		got := deinterleave64(interleave64(v[0], v[1]))
		assert.Equal(t, v[0], uint32(got), "%v", v)
		assert.Equal(t, v[1], uint32(got>>32), "%v", v)
	}
}

func TestShapeContains(t *testing.T) {
	circle := Shape{Lon: 15, Lat: 37, Radius: 200, Conversion: 1000}
	d, ok := circle.Contains(13.361389, 38.115556)
	assert.True(t, ok)
	assert.Equal(t, "190.4424", strconv.FormatFloat(d/1000, 'f', 4, 64)) // GEOSEARCH … WITHDIST on redis-server
	_, ok = circle.Contains(0, 0)
	assert.False(t, ok)
	box := Shape{Lon: 15, Lat: 37, Box: true, Width: 400, Height: 400, Conversion: 1000}
	_, ok = box.Contains(13.361389, 38.115556)
	assert.True(t, ok)
	small := Shape{Lon: 15, Lat: 37, Box: true, Width: 100, Height: 400, Conversion: 1000}
	_, ok = small.Contains(13.361389, 38.115556)
	assert.False(t, ok, "too far east-west for a 100 km wide box")
}

func TestBoxesCoverTheCentre(t *testing.T) {
	// Whatever the radius, the scanned ranges include the centre's score.
	for _, r := range []float64{0, 1, 1000, 1e6, 1e7, 5e7} {
		s := Shape{Lon: 13.361389, Lat: 38.115556, Radius: r, Conversion: 1}
		score, _ := Encode(s.Lon, s.Lat)
		covered, boxes := false, 0
		s.Boxes(func(lo, hi float64) bool {
			boxes++
			covered = covered || float64(score) >= lo && float64(score) < hi
			return true
		})
		assert.True(t, covered, "radius %v", r)
		assert.LessOrEqual(t, boxes, 9)
	}
}
