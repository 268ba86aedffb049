package bench

import (
	"testing"
	"time"
)

// A peer is one library, and build makes the call its user writes, over a
// script that fails the first attempts.
type peer struct {
	name  string
	build func(s *script, withBreaker bool) (func() error, error)
}

// levels are the two ways to call: a function under a policy, and an HTTP
// request through the library's client over a scripted RoundTripper (no
// network: the policies plus the HTTP plumbing each library adds).
var levels = []struct {
	name  string
	peers []peer
}{{"func", funcPeers}, {"http", httpPeers}}

var policies = []string{"retry", "retry+breaker"}

// attemptCases are the calls measured: success on the first attempt, and on
// the third after two failures with zero delays.
var attemptCases = []struct {
	name  string
	fails int
}{{"first", 0}, {"third", 2}}

// forEachCase runs fn as a sub-benchmark per level, policy and call.
func forEachCase(b *testing.B, fn func(b *testing.B, peers []peer, withBreaker bool, fails int)) {
	for _, l := range levels {
		for _, policy := range policies {
			for _, c := range attemptCases {
				b.Run(l.name+"/"+policy+"/"+c.name, func(b *testing.B) {
					fn(b, l.peers, policy != "retry", c.fails)
				})
			}
		}
	}
}

func build(b *testing.B, p peer, withBreaker bool, fails int) func() error {
	call, err := p.build(&script{fails: fails}, withBreaker)
	if err != nil {
		b.Fatal(err)
	}
	return call
}

// BenchmarkResilience is each peer alone: ns/op, B/op and allocs/op of one
// call. Allocations are exact; times are the peer's own, so compare them
// with the paired ratios below on a busy machine.
func BenchmarkResilience(b *testing.B) {
	forEachCase(b, func(b *testing.B, peers []peer, withBreaker bool, fails int) {
		for _, p := range peers {
			b.Run(p.name, func(b *testing.B) {
				call := build(b, p, withBreaker, fails)
				b.ReportAllocs()
				for b.Loop() {
					if err := call(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}

// pairedRound is how many calls a peer makes before the next takes over.
const pairedRound = 200

// BenchmarkResiliencePaired runs every peer in alternating rounds of
// pairedRound calls, so a burst of load from elsewhere hits all of them
// alike. One op is one call of each peer. It reports each peer's ns/call
// and chaos's time as a multiple of each peer's (below 1: chaos is faster).
func BenchmarkResiliencePaired(b *testing.B) {
	forEachCase(b, func(b *testing.B, peers []peer, withBreaker bool, fails int) {
		calls := make([]func() error, len(peers))
		for i, p := range peers {
			calls[i] = build(b, p, withBreaker, fails)
		}
		spent := make([]time.Duration, len(peers))
		for done := 0; b.Loop(); done++ {
			if done%pairedRound != 0 {
				continue
			}
			n := pairedRound // the last round may run past b.N; counted below
			for i, call := range calls {
				start := time.Now()
				for range n {
					if err := call(); err != nil {
						b.Fatal(err)
					}
				}
				spent[i] += time.Since(start)
			}
		}
		rounds := (b.N + pairedRound - 1) / pairedRound
		total := float64(rounds * pairedRound)
		for i, p := range peers {
			b.ReportMetric(float64(spent[i].Nanoseconds())/total, p.name+"-ns/call")
			if i > 0 {
				b.ReportMetric(float64(spent[0])/float64(spent[i]), "chaos/"+p.name)
			}
		}
	})
}
