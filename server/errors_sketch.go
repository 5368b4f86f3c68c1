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
	msgGeoInvalidPair = "ERR invalid longitude,latitude pair %s,%s"
	msgGeoUnit        = "ERR unsupported unit provided. please use M, KM, FT, MI"
	msgGeoRadius      = "ERR need numeric radius"
	msgGeoRadiusNeg   = "ERR radius cannot be negative"
	msgGeoWidth       = "ERR need numeric width"
	msgGeoHeight      = "ERR need numeric height"
	msgGeoBoxNeg      = "ERR height or width cannot be negative"
	msgGeoMember      = "ERR could not decode requested zset member"
	msgGeoCount       = "ERR COUNT must be > 0"
	msgGeoAnyCount    = "ERR the ANY argument requires COUNT argument"
	msgGeoStoreOpts   = "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
	msgGeoFrom        = "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s"
	msgGeoBy          = "ERR exactly one of BYRADIUS and BYBOX can be specified for %s"
)
