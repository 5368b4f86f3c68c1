package scripting

// lrand48 is Redis's redisLrand48 (rand.c): the drand48 linear congruential
// generator, X = (0x5DEECE66D*X + 0xB) mod 2^48, returning the top 31 bits.
// Redis keeps one sequence for the whole server, starting from drand48's unseeded
// state and reseeded only by math.randomseed, so math.random differs from one EVAL to
// the next; the Engine keeps one too.
type lrand48 struct{ x uint64 }

// lrandMax is REDIS_LRAND48_MAX (INT32_MAX).
const lrandMax = 1<<31 - 1

// lrandInit is the generator's state before any seeding ({X0, X1, X2} in
// rand.c), where Redis starts.
const lrandInit = 0x1234ABCD330E

func (r *lrand48) seed(s int32) {
	r.x = uint64(uint32(s))<<16 | 0x330E
}

func (r *lrand48) next() int64 {
	r.x = (0x5DEECE66D*r.x + 0xB) & (1<<48 - 1)
	return int64(r.x >> 17)
}
