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
	x := hashmix.SplitMix64(clientHash ^ hashmix.SplitMix64(n))
	s.pcg.Seed(hashmix.SplitMix64(routeSeed^x), hashmix.SplitMix64(x+routeSeed))
	return s.rng
}

// routeSeed derives a route's seed from the script seed and the route's name,
// so adding a route does not perturb the streams of the others.
func routeSeed(seed uint64, routeName string) uint64 {
	return hashmix.SplitMix64(seed ^ hashmix.SplitMix64(hashmix.String(routeName)))
}
