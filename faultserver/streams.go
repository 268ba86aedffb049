package faultserver

import (
	"math/rand/v2"

	"github.com/chaos-harness/chaos/internal/hashmix"
)

// Random streams. Every (route, client key) pair has its own stream, and each
// of that client's requests on that route draws from a sub-stream seeded by
// (script seed, route, client key, request index). So a request's fault
// depends only on the seed, its route, its client and how many requests that
// client made on that route before: never on other clients, on other routes,
// or on how many values earlier requests happened to draw.

// stream is one client's random source on one route, reseeded per request.
// It is held by value (in clientState), so a new client costs no allocation
// of its own for it; it must not be copied once in use, since rng points at
// pcg.
type stream struct {
	pcg rand.PCG
	rng rand.Rand
}

// init points the stream's Rand at its own PCG; call it once the stream is
// at its final address.
func (s *stream) init() { s.rng = *rand.New(&s.pcg) }

// seedFor positions the stream at request n of the client keyed by clientHash
// on the route keyed by routeSeed.
func (s *stream) seedFor(routeSeed, clientHash, n uint64) *rand.Rand {
	seedPCG(&s.pcg, routeSeed, clientHash, n)
	return &s.rng
}

// seedPCG positions pcg at item n of the key hashed keyHash in the family
// seeded by familySeed. Both halves of the PCG state vary with every input,
// so neighbouring keys and items start far apart.
func seedPCG(pcg *rand.PCG, familySeed, keyHash, n uint64) {
	x := hashmix.SplitMix64(keyHash ^ hashmix.SplitMix64(n))
	pcg.Seed(hashmix.SplitMix64(familySeed^x), hashmix.SplitMix64(x+familySeed))
}

// routeSeed derives a route's seed from the script seed and the route's name,
// so adding a route does not perturb the streams of the others.
func routeSeed(seed uint64, routeName string) uint64 {
	return hashmix.SplitMix64(seed ^ hashmix.SplitMix64(hashmix.String(routeName)))
}
