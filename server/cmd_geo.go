package server

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/miniredis/miniredis/geo"
	"github.com/miniredis/miniredis/shard"
)

// The geo commands keep positions in sorted sets as Redis does: a member's
// score is the 52-bit geohash of its position (package geo), so ZRANGE,
// ZREM and the rest work on geo sets unchanged.

// cFloat6 formats f as C's printf("%f") does, for the coordinates error.
func cFloat6(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// lonLatArgs parses a longitude and a latitude as Redis's
// extractLongLatOrReply does, writing its error when they are not numbers
// or out of range.
func (c *client) lonLatArgs(args [][]byte) (lon, lat float64, ok bool) {
	if lon, ok = parseScore(args[0]); !ok {
		c.w.Error(msgNotFloat)
		return 0, 0, false
	}
	if lat, ok = parseScore(args[1]); !ok {
		c.w.Error(msgNotFloat)
		return 0, 0, false
	}
	if lon < geo.LonMin || lon > geo.LonMax || lat < geo.LatMin || lat > geo.LatMax {
		c.w.Error(fmt.Sprintf(msgGeoInvalidPair, cFloat6(lon), cFloat6(lat)))
		return 0, 0, false
	}
	return lon, lat, true
}

// geoUnit returns the length in meters of a unit word, or writes Redis's
// error and returns a negative value.
func (c *client) geoUnit(b []byte) float64 {
	switch {
	case equalFold(b, "M"):
		return 1
	case equalFold(b, "KM"):
		return 1000
	case equalFold(b, "FT"):
		return 0.3048
	case equalFold(b, "MI"):
		return 1609.34
	}
	c.w.Error(msgGeoUnit)
	return -1
}

// geoNumber parses a radius, width or height, writing errMsg when it is not
// a number.
func (c *client) geoNumber(b []byte, errMsg string) (float64, bool) {
	f, ok := parseScore(b)
	if !ok {
		c.w.Error(errMsg)
	}
	return f, ok
}

// appendHumanDouble formats f as Redis's ld2string with LD_STR_HUMAN:
// "%.17Lf" with the trailing zeros (and a bare point) removed.
func appendHumanDouble(dst []byte, f float64) []byte {
	n := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', 17, 64)
	for len(dst) > n && dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	if len(dst) > n && dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// writeHumanDouble writes a coordinate as Redis's addReplyHumanLongDouble
// does: a bulk string in RESP2, a double in RESP3, both in that format.
func (c *client) writeHumanDouble(f float64) {
	var buf [64]byte
	b := appendHumanDouble(buf[:0], f)
	if c.w.Proto() < 3 || c.w.Plain() {
		c.w.Bulk(b)
		return
	}
	c.w.Raw([]byte{','})
	c.w.Raw(b)
	c.w.Raw([]byte("\r\n"))
}

// writeDistance writes a distance as a bulk string with four decimals, in
// both protocols (Redis's addReplyDoubleDistance).
func (c *client) writeDistance(d float64) {
	var buf [64]byte
	c.w.Bulk(strconv.AppendFloat(buf[:0], d, 'f', 4, 64))
}

// cmdGeoAdd implements GEOADD key [NX|XX] [CH] lon lat member ...: every
// position is checked before the set is touched, as in Redis, which runs
// ZADD on the encoded scores.
func cmdGeoAdd(c *client, args [][]byte) {
	nx, xx, ch := false, false, false
	i := 2
options:
	for ; i < len(args); i++ {
		switch a := args[i]; {
		case equalFold(a, "NX"):
			nx = true
		case equalFold(a, "XX"):
			xx = true
		case equalFold(a, "CH"):
			ch = true
		default:
			break options
		}
	}
	triples := args[i:]
	if len(triples)%3 != 0 || nx && xx || len(triples) == 0 {
		c.w.Error(msgSyntax)
		return
	}
	for j := 0; j < len(triples); j += 3 {
		if _, _, ok := c.lonLatArgs(triples[j : j+2]); !ok {
			return
		}
	}
	c.db.Update(args[1], c.now(), func(e *shard.Entry) {
		if c.wrongKind(e, shard.KindZSet) {
			return
		}
		z := e.Value().ZSet()
		if z == nil {
			if xx {
				c.w.Int(0)
				return
			}
			z = shard.NewZSet()
			e.SetZSet(z, 0)
		}
		var added, changed int64
		for j := 0; j < len(triples); j += 3 {
			lon, _ := parseScore(triples[j])
			lat, _ := parseScore(triples[j+1])
			bits, _ := geo.Encode(lon, lat)
			score, member := float64(bits), triples[j+2]
			old, exists := z.Score(member)
			switch {
			case exists && (nx || old == score):
			case exists:
				z.Add(member, score)
				changed++
			case !xx:
				z.Add(member, score)
				added++
			}
		}
		if ch {
			added += changed
		}
		c.w.Int(added)
	})
}

// viewZSet runs fn on the sorted set at key (nil when missing) under the
// shard's read lock; it writes WRONGTYPE and returns false for another type.
func (c *client) viewZSet(key []byte, fn func(z *shard.ZSet)) {
	wrong := false
	found := c.db.View(key, c.now(), func(v shard.Value) {
		if v.Kind() != shard.KindZSet {
			wrong = true
			return
		}
		fn(v.ZSet())
	})
	switch {
	case wrong:
		c.w.Error(msgWrongType)
	case !found:
		fn(nil)
	}
}

// cmdGeoPos answers the position of each member, a null array for a
// missing one.
func cmdGeoPos(c *client, args [][]byte) {
	c.viewZSet(args[1], func(z *shard.ZSet) {
		c.w.ArrayLen(len(args) - 2)
		for _, m := range args[2:] {
			score, ok := zScore(z, m)
			if !ok {
				c.w.NullArray()
				continue
			}
			lon, lat := geo.Decode(score)
			c.w.ArrayLen(2)
			c.writeHumanDouble(lon)
			c.writeHumanDouble(lat)
		}
	})
}

func zScore(z *shard.ZSet, m []byte) (float64, bool) {
	if z == nil {
		return 0, false
	}
	return z.Score(m)
}

// cmdGeoHash answers the standard 11-character geohash of each member,
// null for a missing one.
func cmdGeoHash(c *client, args [][]byte) {
	c.viewZSet(args[1], func(z *shard.ZSet) {
		c.w.ArrayLen(len(args) - 2)
		var buf [11]byte
		for _, m := range args[2:] {
			if score, ok := zScore(z, m); ok {
				c.w.Bulk(geo.AppendHash(buf[:0], score))
			} else {
				c.w.Null()
			}
		}
	})
}

// cmdGeoDist answers the distance between two members in a unit, null when
// the key or either member is missing.
func cmdGeoDist(c *client, args [][]byte) {
	conv := 1.0
	switch {
	case len(args) == 5:
		if conv = c.geoUnit(args[4]); conv < 0 {
			return
		}
	case len(args) > 5:
		c.w.Error(msgSyntax)
		return
	}
	c.viewZSet(args[1], func(z *shard.ZSet) {
		s1, ok1 := zScore(z, args[2])
		s2, ok2 := zScore(z, args[3])
		if !ok1 || !ok2 {
			c.w.Null()
			return
		}
		lon1, lat1 := geo.Decode(s1)
		lon2, lat2 := geo.Decode(s2)
		c.writeDistance(geo.Distance(lon1, lat1, lon2, lat2) / conv)
	})
}

// Variants of Redis's georadiusGeneric.
const (
	geoCoords      = 1 << iota // GEORADIUS: centre from lon lat arguments
	geoMember                  // GEORADIUSBYMEMBER: centre from a member
	geoNoStore                 // the _RO forms: no STORE/STOREDIST
	geoSearch                  // GEOSEARCH's FROM.../BY... arguments
	geoSearchStore             // GEOSEARCHSTORE: destination first
)

func cmdGeoRadius(c *client, args [][]byte)   { c.geoRadius(args, geoCoords) }
func cmdGeoRadiusRO(c *client, args [][]byte) { c.geoRadius(args, geoCoords|geoNoStore) }
func cmdGeoRadiusByMember(c *client, args [][]byte) {
	c.geoRadius(args, geoMember)
}
func cmdGeoRadiusByMemberRO(c *client, args [][]byte) {
	c.geoRadius(args, geoMember|geoNoStore)
}
func cmdGeoSearch(c *client, args [][]byte)      { c.geoRadius(args, geoSearch) }
func cmdGeoSearchStore(c *client, args [][]byte) { c.geoRadius(args, geoSearch|geoSearchStore) }

// geoRadiusKeys names the keys of GEORADIUS and GEORADIUSBYMEMBER: the
// source and any argument after a STORE or STOREDIST word (an over-count
// only locks a shard more).
func geoRadiusKeys(dst, args [][]byte) [][]byte {
	if len(args) < 2 {
		return dst
	}
	dst = append(dst, args[1])
	for i := 2; i+1 < len(args); i++ {
		if equalFold(args[i], "STORE") || equalFold(args[i], "STOREDIST") {
			dst = append(dst, args[i+1])
		}
	}
	return dst
}

// geoPoint is one member a search found.
type geoPoint struct {
	member   []byte // valid while the source's shard is locked
	score    float64
	dist     float64 // meters
	lon, lat float64
}

// geoQuery is a parsed search.
type geoQuery struct {
	shape                         geo.Shape
	withDist, withHash, withCoord bool
	any                           bool
	sort                          int // 0 none, 1 asc, 2 desc
	count                         int64
	store                         []byte
	storeDist                     bool
}

// geoRadius is Redis's georadiusGeneric for all six commands. The source
// and the destination (when one may be given) are locked together, so a
// store is atomic with the search it stores.
func (c *client) geoRadius(args [][]byte, flags int) {
	src := 1
	if flags&geoSearchStore != 0 {
		src = 2
	}
	c.keys = c.keys[:0]
	switch {
	case flags&geoSearchStore != 0:
		c.keys = append(c.keys, args[1], args[2])
	case flags&(geoSearch|geoNoStore) != 0:
		c.keys = append(c.keys, args[1])
	default:
		c.keys = geoRadiusKeys(c.keys, args)
	}
	run := func(tx *shard.Tx) {
		v := tx.Entry(args[src]).Value()
		if k := v.Kind(); k != shard.KindNone && k != shard.KindZSet {
			c.w.Error(msgWrongType)
			return
		}
		z := v.ZSet()
		q, ok := c.parseGeoQuery(args, flags, z)
		if !ok {
			return
		}
		c.runGeoQuery(tx, z, &q)
	}
	if len(c.keys) > 1 {
		c.db.UpdateMulti(c.keys, c.now(), run)
	} else {
		c.db.ViewMulti(c.keys, c.now(), run)
	}
	clear(c.keys)
}

// parseGeoQuery reads the centre, the shape and the options, in Redis's
// order of checks; z is the source set (nil when missing, in which case a
// member centre is not looked up).
func (c *client) parseGeoQuery(args [][]byte, flags int, z *shard.ZSet) (q geoQuery, ok bool) {
	var base int
	fromMember, fromLoc, byRadius, byBox := false, false, false, false
	switch {
	case flags&geoCoords != 0:
		base = 6
		if q.shape.Lon, q.shape.Lat, ok = c.lonLatArgs(args[2:4]); !ok {
			return q, false
		}
		if !c.geoRadiusArgs(args[4:6], &q.shape) {
			return q, false
		}
	case flags&geoMember != 0:
		base = 5
		if z != nil {
			if !c.memberCentre(z, args[2], &q.shape) || !c.geoRadiusArgs(args[3:5], &q.shape) {
				return q, false
			}
		}
	default:
		base = 2
		if flags&geoSearchStore != 0 {
			base = 3
			q.store = args[1]
		}
	}
	rest := args[base:]
	for i := 0; i < len(rest); i++ {
		a, more := rest[i], len(rest)-i-1
		search := flags&geoSearch != 0
		canStore := flags&(geoNoStore|geoSearch) == 0
		switch {
		case equalFold(a, "WITHDIST"):
			q.withDist = true
		case equalFold(a, "WITHHASH"):
			q.withHash = true
		case equalFold(a, "WITHCOORD"):
			q.withCoord = true
		case equalFold(a, "ANY"):
			q.any = true
		case equalFold(a, "ASC"):
			q.sort = 1
		case equalFold(a, "DESC"):
			q.sort = 2
		case equalFold(a, "COUNT") && more >= 1:
			n, ok := parseInt(rest[i+1])
			if !ok {
				c.w.Error(msgNotInteger)
				return q, false
			}
			if n <= 0 {
				c.w.Error(msgGeoCount)
				return q, false
			}
			q.count = n
			i++
		case equalFold(a, "STORE") && more >= 1 && canStore:
			q.store, q.storeDist = rest[i+1], false
			i++
		case equalFold(a, "STOREDIST") && more >= 1 && canStore:
			q.store, q.storeDist = rest[i+1], true
			i++
		case equalFold(a, "STOREDIST") && flags&geoSearchStore != 0:
			q.storeDist = true
		case equalFold(a, "FROMMEMBER") && more >= 1 && search && !fromLoc:
			if z != nil && !c.memberCentre(z, rest[i+1], &q.shape) {
				return q, false
			}
			fromMember = true
			i++
		case equalFold(a, "FROMLONLAT") && more >= 2 && search && !fromMember:
			if q.shape.Lon, q.shape.Lat, ok = c.lonLatArgs(rest[i+1 : i+3]); !ok {
				return q, false
			}
			fromLoc = true
			i += 2
		case equalFold(a, "BYRADIUS") && more >= 2 && search && !byBox:
			if !c.geoRadiusArgs(rest[i+1:i+3], &q.shape) {
				return q, false
			}
			q.shape.Box = false
			byRadius = true
			i += 2
		case equalFold(a, "BYBOX") && more >= 3 && search && !byRadius:
			if !c.geoBoxArgs(rest[i+1:i+4], &q.shape) {
				return q, false
			}
			byBox = true
			i += 3
		default:
			c.w.Error(msgSyntax)
			return q, false
		}
	}
	name := "STORE option in GEORADIUS"
	if flags&geoSearchStore != 0 {
		name = "GEOSEARCHSTORE"
	}
	switch {
	case q.store != nil && (q.withDist || q.withHash || q.withCoord):
		c.w.Error(fmt.Sprintf(msgGeoStoreOpts, name))
	case flags&geoSearch != 0 && !fromMember && !fromLoc:
		c.w.Error(fmt.Sprintf(msgGeoFrom, args[0]))
	case flags&geoSearch != 0 && !byRadius && !byBox:
		c.w.Error(fmt.Sprintf(msgGeoBy, args[0]))
	case q.any && q.count == 0:
		c.w.Error(msgGeoAnyCount)
	default:
		return q, true
	}
	return q, false
}

// memberCentre sets the shape's centre to a member's position.
func (c *client) memberCentre(z *shard.ZSet, member []byte, s *geo.Shape) bool {
	score, ok := z.Score(member)
	if !ok {
		c.w.Error(msgGeoMember)
		return false
	}
	s.Lon, s.Lat = geo.Decode(score)
	return true
}

// geoRadiusArgs parses "radius unit" (Redis's extractDistanceOrReply).
func (c *client) geoRadiusArgs(args [][]byte, s *geo.Shape) bool {
	r, ok := c.geoNumber(args[0], msgGeoRadius)
	if !ok {
		return false
	}
	if r < 0 {
		c.w.Error(msgGeoRadiusNeg)
		return false
	}
	conv := c.geoUnit(args[1])
	if conv < 0 {
		return false
	}
	s.Radius, s.Conversion = r, conv
	return true
}

// geoBoxArgs parses "width height unit" (Redis's extractBoxOrReply).
func (c *client) geoBoxArgs(args [][]byte, s *geo.Shape) bool {
	w, ok := c.geoNumber(args[0], msgGeoWidth)
	if !ok {
		return false
	}
	h, ok := c.geoNumber(args[1], msgGeoHeight)
	if !ok {
		return false
	}
	if h < 0 || w < 0 {
		c.w.Error(msgGeoBoxNeg)
		return false
	}
	conv := c.geoUnit(args[2])
	if conv < 0 {
		return false
	}
	s.Box, s.Width, s.Height, s.Conversion = true, w, h, conv
	return true
}

// runGeoQuery searches z, sorts and trims the matches, and replies with
// them or stores them.
func (c *client) runGeoQuery(tx *shard.Tx, z *shard.ZSet, q *geoQuery) {
	if z == nil {
		if q.store != nil {
			tx.Entry(q.store).Delete()
			c.w.Int(0)
		} else {
			c.w.ArrayLen(0)
		}
		return
	}
	if q.count != 0 && q.sort == 0 && !q.any {
		q.sort = 1 // the closest COUNT members, not any COUNT members
	}
	var limit int64
	if q.any {
		limit = q.count
	}
	var pts []geoPoint
	q.shape.Boxes(func(lo, hi float64) bool {
		if limit > 0 && int64(len(pts)) >= limit {
			return false
		}
		start, stop := z.CountBelow(lo, false), z.CountBelow(hi, false)-1
		if start > stop {
			return true
		}
		z.Range(start, stop, false, func(member []byte, score float64) bool {
			lon, lat := geo.Decode(score)
			if d, ok := q.shape.Contains(lon, lat); ok {
				pts = append(pts, geoPoint{member: member, score: score, dist: d, lon: lon, lat: lat})
				if limit > 0 && int64(len(pts)) >= limit {
					return false
				}
			}
			return true
		})
		return true
	})
	if len(pts) == 0 && q.store == nil {
		c.w.ArrayLen(0)
		return
	}
	switch q.sort {
	case 1:
		slices.SortStableFunc(pts, func(a, b geoPoint) int { return cmpDist(a.dist, b.dist) })
	case 2:
		slices.SortStableFunc(pts, func(a, b geoPoint) int { return cmpDist(b.dist, a.dist) })
	}
	if q.count > 0 && int64(len(pts)) > q.count {
		pts = pts[:q.count]
	}
	if q.store != nil {
		c.storeGeoResult(tx, q, pts)
		return
	}
	opts := 0
	for _, on := range []bool{q.withDist, q.withHash, q.withCoord} {
		if on {
			opts++
		}
	}
	c.w.ArrayLen(len(pts))
	for _, p := range pts {
		if opts > 0 {
			c.w.ArrayLen(opts + 1)
		}
		c.w.Bulk(p.member)
		if q.withDist {
			c.writeDistance(p.dist / q.shape.Conversion)
		}
		if q.withHash {
			c.w.Int(int64(p.score))
		}
		if q.withCoord {
			c.w.ArrayLen(2)
			c.writeHumanDouble(p.lon)
			c.writeHumanDouble(p.lat)
		}
	}
}

func cmpDist(a, b float64) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}

// storeGeoResult replaces the destination with the matches (scored by
// geohash, or by distance in the query's unit with STOREDIST), deleting it
// when there are none, and answers their number.
func (c *client) storeGeoResult(tx *shard.Tx, q *geoQuery, pts []geoPoint) {
	e := tx.Entry(q.store)
	if len(pts) == 0 {
		e.Delete()
		c.w.Int(0)
		return
	}
	z := shard.NewZSet()
	for _, p := range pts {
		score := p.score
		if q.storeDist {
			score = p.dist / q.shape.Conversion
		}
		z.Add(p.member, score)
	}
	e.SetZSet(z, 0)
	c.w.Int(int64(len(pts)))
}
