package server

// Reply texts of the bitmap, HyperLogLog and geo commands, byte for byte as
// Redis 7.0 words them. They sit in their own file, beside errors.go, so
// that the branches adding command groups in parallel do not collide.
const (
	msgBitOffset      = "ERR bit offset is not an integer or out of range"
	msgBitValue       = "ERR bit is not an integer or out of range"
	msgBitArg         = "ERR The bit argument must be 1 or 0."
	msgBitopNot       = "ERR BITOP NOT must be called with a single source key."
	msgBitfieldType   = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	msgBitfieldOvf    = "ERR Invalid OVERFLOW type specified"
	msgBitfieldRO     = "ERR BITFIELD_RO only supports the GET subcommand"
	msgHLLWrongType   = "WRONGTYPE Key is not a valid HyperLogLog string value."
	msgHLLInvalid     = "INVALIDOBJ Corrupted HLL object detected"
	msgGeoInvalidPair = "ERR invalid longitude,latitude pair %.6f,%.6f"
	msgGeoUnit        = "ERR unsupported unit provided. please use M, KM, FT, MI"
	msgGeoNeedNumber  = "ERR need numeric radius"
	msgGeoRadiusNeg   = "ERR radius cannot be negative"
	msgGeoMember      = "ERR could not decode requested zset member"
	msgGeoCountPos    = "ERR COUNT must be > 0"
	msgGeoAnyCount    = "ERR the ANY argument requires COUNT argument"
	msgGeoXXNX        = "ERR XX and NX options at the same time are not compatible"
	msgGeoStoreOpts   = "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORDS options"
	msgGeoSearchStore = "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORDS options"
	msgGeoFromBoth    = "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s"
	msgGeoByBoth      = "ERR exactly one of BYRADIUS and BYBOX can be specified for %s"
	msgGeoFromNone    = "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s"
	msgGeoByNone      = "ERR exactly one of BYRADIUS and BYBOX can be specified for %s"
	msgGeoStoreDist   = "ERR STOREDIST option can only be used with STORE"
)
