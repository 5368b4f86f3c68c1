package rdb

import "hash/crc64"

// crcJones is the table of Redis's crc64: the Jones polynomial, reflected.
var crcJones = crc64.MakeTable(0x95AC9329AC4BC9B5)

// CRC64 returns Redis's crc64(crc, b): CRC-64-Jones, reflected, with no
// inversion on entry or exit. Pass 0 to start. Go's crc64 inverts on entry
// and exit, which the two complements undo. Feed it large slices: for a
// custom table Go builds its slicing-by-8 tables per call of 2 KiB or more.
func CRC64(crc uint64, b []byte) uint64 {
	return ^crc64.Update(^crc, crcJones, b)
}
