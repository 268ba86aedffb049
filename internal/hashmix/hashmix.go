// Package hashmix holds the two non-cryptographic hash formulas the harness
// uses to turn keys and structured seeds into well-spread 64-bit numbers: the
// fault server's per-client random streams and analysis's logical-request
// index both rely on them, so each formula is written once.
package hashmix

// FNV-1a's 64-bit offset basis and prime (Fowler, Noll, Vo).
const (
	FNVOffset uint64 = 14695981039346656037
	FNVPrime  uint64 = 1099511628211
)

// String is 64-bit FNV-1a of s, written out so hashing a key does not allocate.
func String(s string) uint64 {
	h := FNVOffset
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= FNVPrime
	}
	return h
}

// SplitMix64 is the finaliser of SplitMix64 (Steele, Lea, Flood, OOPSLA 2014),
// a bijective mixer that turns structured inputs into well-spread ones.
func SplitMix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
