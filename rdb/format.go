package rdb

// Version is the RDB version this package writes: Redis 7.0's.
const Version = 10

// Value types as RDB stores them (rdb.h).
const (
	TypeString          = 0
	TypeList            = 1
	TypeSet             = 2
	TypeZSet            = 3
	TypeHash            = 4
	TypeZSet2           = 5
	TypeModule          = 6
	TypeModule2         = 7
	TypeHashZipmap      = 9
	TypeListZiplist     = 10
	TypeSetIntset       = 11
	TypeZSetZiplist     = 12
	TypeHashZiplist     = 13
	TypeListQuicklist   = 14
	TypeStreamListpacks = 15
	TypeHashListpack    = 16
	TypeZSetListpack    = 17
	TypeListQuicklist2  = 18
	TypeStream2         = 19
	TypeSetListpack     = 20
	TypeStream3         = 21
)

// Opcodes between key-value records.
const (
	opFunction2    = 245
	opFunction     = 246
	opModuleAux    = 247
	opIdle         = 248
	opFreq         = 249
	opAux          = 250
	opResizeDB     = 251
	opExpireTimeMS = 252
	opExpireTime   = 253
	opSelectDB     = 254
	opEOF          = 255
)

// Length and string encodings.
const (
	len6     = 0
	len14    = 1
	len32    = 0x80
	len64    = 0x81
	encVal   = 3 // the top two bits of an encoded string
	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// Quicklist node containers (quicklist 2).
const (
	containerPlain  = 1
	containerPacked = 2
)

// Redis 7.0's default encoding limits: a collection within them is written
// compact (listpack, intset), a bigger one as a hashtable or skiplist, as
// redis-server would hold it, so that Redis loads it into the same encoding.
const (
	hashMaxListpackEntries = 512 // the compiled-in default; redis.conf sets 128
	hashMaxListpackValue   = 64
	zsetMaxListpackEntries = 128
	zsetMaxListpackValue   = 64
	setMaxIntsetEntries    = 512
	// listMaxListpackSize is list-max-listpack-size -2: 8 KiB per node.
	listMaxListpackSize = 8 << 10
	// listpackSafeLimit: a single element this big goes into a node alone
	// (SIZE_SAFETY_LIMIT in quicklist.c).
	listSizeSafetyLimit = 8 << 10
)

// typeName names a value type for errors.
func typeName(t byte) string {
	switch t {
	case TypeStream3:
		return "Redis 7.2 stream"
	case TypeModule, TypeModule2:
		return "module"
	}
	return "unknown"
}
