package server

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Replies checked against redis-server 7.0.15.
func TestGeoCommands(t *testing.T) {
	s := startServer(t, redisConfig())
	runExchanges(t, dial(t, s), []exchange{
		{"geoadd", resp("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"), ":2\r\n"},
		{"geoadd/score", resp("ZSCORE", "g", "Palermo"), "$16\r\n3479099956230698\r\n"},
		{"geoadd/nx xx", resp("GEOADD", "g", "NX", "XX", "1", "2", "m"), "-ERR syntax error\r\n"},
		{"geoadd/bad pair", resp("GEOADD", "g", "200", "100", "x"), "-ERR invalid longitude,latitude pair 200.000000,100.000000\r\n"},
		{"geoadd/inf", resp("GEOADD", "g", "inf", "0", "x"), "-ERR invalid longitude,latitude pair inf,0.000000\r\n"},
		{"geoadd/not a float", resp("GEOADD", "g", "1", "x", "m"), "-ERR value is not a valid float\r\n"},
		{"geopos", resp("GEOPOS", "g", "Palermo", "nope"), "*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*-1\r\n"},
		{"geohash", resp("GEOHASH", "g", "Palermo", "nope"), "*2\r\n$11\r\nsqc8b49rny0\r\n$-1\r\n"},
		{"geodist", resp("GEODIST", "g", "Palermo", "Catania", "km"), "$8\r\n166.2742\r\n"},
		{"geodist/missing member", resp("GEODIST", "g", "Palermo", "nope"), "$-1\r\n"},
		{"geodist/unit", resp("GEODIST", "g", "a", "b", "yd"), "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"},
		{"geosearch/radius", resp("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "WITHDIST", "WITHHASH"),
			"*2\r\n*3\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*3\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n:3479099956230698\r\n"},
		{"geosearch/box", resp("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "DESC", "WITHCOORD"),
			"*2\r\n*2\r\n$7\r\nPalermo\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n" +
				"*2\r\n$7\r\nCatania\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n"},
		{"georadiusbymember", resp("GEORADIUSBYMEMBER", "g", "Palermo", "100", "km"), "*1\r\n$7\r\nPalermo\r\n"},
		{"geosearchstore/storedist", resp("GEOSEARCHSTORE", "dst", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km", "STOREDIST"), ":2\r\n"},
		{"geosearchstore/scores", resp("ZSCORE", "dst", "Catania"), "$18\r\n166.27415156960032\r\n"},
		{"geosearch/no from", resp("geosearch", "g", "BYRADIUS", "1", "km", "ASC", "WITHDIST"), "-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch\r\n"},
		{"geosearch/no by", resp("GEOSEARCH", "g", "FROMLONLAT", "1", "2", "ASC", "WITHDIST"), "-ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH\r\n"},
		{"geosearch/any", resp("GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "ANY"), "-ERR the ANY argument requires COUNT argument\r\n"},
		{"geosearch/member", resp("GEOSEARCH", "g", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"), "-ERR could not decode requested zset member\r\n"},
		{"georadius/store with", resp("GEORADIUS", "g", "1", "2", "1", "km", "WITHDIST", "STORE", "x"),
			"-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n"},
		{"georadius_ro/store", resp("GEORADIUS_RO", "g", "1", "2", "1", "km", "STORE", "x"), "-ERR syntax error\r\n"},
		{"georadius/missing key", resp("GEORADIUS", "nope", "1", "2", "1", "km"), "*0\r\n"},
		{"georadius/missing key store", resp("GEORADIUS", "nope", "1", "2", "1", "km", "STORE", "dst"), ":0\r\n"},
		{"georadius/store deleted", resp("EXISTS", "dst"), ":0\r\n"},
	})
}

func TestGeoRESP3(t *testing.T) {
	s := startServer(t, redisConfig())
	r := dial(t, s)
	runExchanges(t, r, []exchange{
		{"geoadd", resp("GEOADD", "g", "13.361389", "38.115556", "Palermo"), ":1\r\n"},
	})
	r.send(resp("HELLO", "3"))
	line := "" // drain HELLO's map, which ends with the empty modules array
	for !strings.HasSuffix(line, "$7\r\nmodules\r\n*0\r\n") {
		line += r.read(1)
	}
	runExchanges(t, r, []exchange{
		{"geopos", resp("GEOPOS", "g", "Palermo", "nope"), "*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n"},
		{"geodist stays a bulk string", resp("GEODIST", "g", "Palermo", "Palermo"), "$6\r\n0.0000\r\n"},
	})
}

func TestAppendHumanDouble(t *testing.T) {
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{180, "180"}, {0.5, "0.5"}, {-0.12760072946548462, "-0.12760072946548462"}, {85.05112878, "85.0511287799999991"},
		{1e-20, "0"}, {0, "0"},
	} {
		assert.Equal(t, tt.want, string(appendHumanDouble(nil, tt.in)), "%v", tt.in)
	}
}

// Calls that take the sketch, bitmap and geo commands down their full key
// paths in TestCommandKeys (the generic shapes stop at argument errors).
func init() {
	extras := map[string][]struct{ setup, args []string }{
		"GEORADIUS": {
			{[]string{"GEOADD", "key:1", "1", "2", "a"}, []string{"GEORADIUS", "key:1", "1", "2", "100", "km", "STORE", "key:2"}},
			{[]string{"GEOADD", "key:1", "1", "2", "a"}, []string{"GEORADIUS", "key:1", "1", "2", "100", "km", "STOREDIST", "key:3", "WITHDIST"}},
			{nil, []string{"GEORADIUS", "key:1", "1", "2", "100", "km", "STORE", "key:2"}},
		},
		"GEORADIUSBYMEMBER": {
			{[]string{"GEOADD", "key:1", "1", "2", "a"}, []string{"GEORADIUSBYMEMBER", "key:1", "a", "100", "km", "STOREDIST", "key:2"}},
		},
		"GEOSEARCHSTORE": {
			{[]string{"GEOADD", "key:2", "1", "2", "a"}, []string{"GEOSEARCHSTORE", "key:1", "key:2", "FROMMEMBER", "a", "BYBOX", "1", "1", "km"}},
			{nil, []string{"GEOSEARCHSTORE", "key:1", "key:2", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km"}},
		},
		"GEOSEARCH": {
			{[]string{"GEOADD", "key:1", "1", "2", "a"}, []string{"GEOSEARCH", "key:1", "FROMMEMBER", "a", "BYRADIUS", "10", "km", "WITHCOORD"}},
		},
		"BITOP": {
			{[]string{"SET", "key:3", "ab"}, []string{"BITOP", "XOR", "key:2", "key:3", "key:4"}},
			{nil, []string{"BITOP", "AND", "key:2", "key:3"}},
		},
		"PFMERGE": {{[]string{"PFADD", "key:2", "a"}, []string{"PFMERGE", "key:1", "key:2", "key:3"}}},
		"PFCOUNT": {{[]string{"PFADD", "key:2", "a"}, []string{"PFCOUNT", "key:1", "key:2"}}},
	}
	for name, ex := range extras {
		keyShapeExtras[name] = append(keyShapeExtras[name], ex...)
	}
}
