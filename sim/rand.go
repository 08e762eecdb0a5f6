package sim

import "math/rand/v2"

// Stream returns the random stream called name under the root seed.
//
// Streams are independent: each is a PCG generator keyed by a hash of
// (seed, name), so the draws of "node/3" do not depend on whether
// "node/4" or "client/9" exist or how often they draw. The scheme is fixed
// arithmetic, so a stream is the same on every machine.
func Stream(seed uint64, name string) *rand.Rand {
	h := fnv64(name)
	return rand.New(rand.NewPCG(splitmix(seed^h), splitmix(h+seed*0x9e3779b97f4a7c15)))
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// splitmix is SplitMix64's finaliser: a bijective scramble of 64 bits.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
