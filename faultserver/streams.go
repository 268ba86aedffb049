package faultserver

import "math/rand/v2"

// Random streams. Every (route, client key) pair has its own stream, and each
// of that client's requests on that route draws from a sub-stream seeded by
// (script seed, route, client key, request index). So a request's fault
// depends only on the seed, its route, its client and how many requests that
// client made on that route before: never on other clients, on other routes,
// or on how many values earlier requests happened to draw.

// hashString is 64-bit FNV-1a (Fowler, Noll, Vo), written out so hashing a
// client key does not allocate.
func hashString(s string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	return h
}

// splitmix64 is the finaliser of SplitMix64 (Steele, Lea, Flood 2014), a
// bijective mixer used here to turn structured seeds into well spread ones.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// stream is one client's random source on one route, reseeded per request.
type stream struct {
	pcg rand.PCG
	rng *rand.Rand
}

func newStream() *stream {
	s := &stream{}
	s.rng = rand.New(&s.pcg)
	return s
}

// seedFor positions the stream at request n of the client keyed by clientHash
// on the route keyed by routeSeed.
func (s *stream) seedFor(routeSeed, clientHash, n uint64) *rand.Rand {
	// Both halves of the PCG state vary with every input, so neighbouring
	// clients and requests start far apart.
	x := splitmix64(clientHash ^ splitmix64(n))
	s.pcg.Seed(splitmix64(routeSeed^x), splitmix64(x+routeSeed))
	return s.rng
}

// routeSeed derives a route's seed from the script seed and the route's name,
// so adding a route does not perturb the streams of the others.
func routeSeed(seed uint64, routeName string) uint64 {
	return splitmix64(seed ^ splitmix64(hashString(routeName)))
}
