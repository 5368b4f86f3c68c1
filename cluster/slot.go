package cluster

// NumSlots is the number of hash slots, as in Redis.
const NumSlots = 16384

// crcTable is CRC16-CCITT (XMODEM: polynomial 0x1021, initial 0), the
// checksum Redis's keyHashSlot uses.
var crcTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// CRC16 returns the XMODEM CRC16 of b.
func CRC16(b []byte) uint16 {
	var c uint16
	for _, x := range b {
		c = c<<8 ^ crcTable[byte(c>>8)^x]
	}
	return c
}

// KeySlot returns the hash slot of key with Redis's hash tag rule: when the
// key holds a '{' followed later by a '}' with at least one byte between
// them, only the bytes between the first '{' and the next '}' are hashed.
// It allocates nothing.
func KeySlot(key []byte) int {
	for s := 0; s < len(key); s++ {
		if key[s] != '{' {
			continue
		}
		for e := s + 1; e < len(key); e++ {
			if key[e] == '}' {
				if e == s+1 {
					break // "{}": hash the whole key
				}
				return int(CRC16(key[s+1:e]) & (NumSlots - 1))
			}
		}
		break // only the first '{' counts
	}
	return int(CRC16(key) & (NumSlots - 1))
}

// Bitmap is a set of slots in the bus's layout: slot j is bit j&7 of byte
// j/8.
type Bitmap [NumSlots / 8]byte

// Has reports whether slot j is in the set.
func (b *Bitmap) Has(j int) bool { return b[j>>3]&(1<<(j&7)) != 0 }

// Set adds slot j.
func (b *Bitmap) Set(j int) { b[j>>3] |= 1 << (j & 7) }

// Clear removes slot j.
func (b *Bitmap) Clear(j int) { b[j>>3] &^= 1 << (j & 7) }

// Ranges returns the set as inclusive [start, end] pairs in ascending order.
func (b *Bitmap) Ranges() [][2]int {
	var out [][2]int
	start := -1
	for j := 0; j <= NumSlots; j++ {
		in := j < NumSlots && b.Has(j)
		switch {
		case in && start < 0:
			start = j
		case !in && start >= 0:
			out = append(out, [2]int{start, j - 1})
			start = -1
		}
	}
	return out
}
