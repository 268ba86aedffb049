package main

import (
	"fmt"
	"io"
)

var (
	levels   = []string{"func", "http"}
	policies = []string{"retry", "retry+breaker"}
	calls    = []string{"first", "third"}
	peers    = map[string][]string{
		"func": {"failsafe-go", "backoff+gobreaker"},
		"http": {"failsafe-go", "backoff+gobreaker", "retryablehttp"},
	}
)

// resilienceTables prints chaos against the best peer of each case: the time
// ratio from the paired benchmark (rounds alternate between peers), the
// allocations from the plain one; then every figure.
func resilienceTables(w io.Writer, r results) {
	fmt.Fprintln(w, "### Resilience overhead (target: no slower, no more allocations than the best peer)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Time ratio: chaos's time per call over the fastest peer's, median of the paired runs (below 1: chaos is faster).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| level | policy | call | chaos ns/call | fastest peer | its ns/call | time ratio (spread) | chaos allocs | fewest peer allocs | met |")
	fmt.Fprintln(w, "| --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: | --- |")
	for _, level := range levels {
		for _, policy := range policies {
			for _, call := range calls {
				c := level + "/" + policy + "/" + call
				paired := "ResiliencePaired/" + c
				ns, _ := r.median(paired, "chaos-ns/call")
				allocs, _ := r.median("Resilience/"+c+"/chaos", "allocs/op")
				best, worst, fewest := "", 0.0, -1.0
				for _, p := range peers[level] {
					if v, ok := r.median(paired, "chaos/"+p); ok && v > worst {
						best, worst = p, v
					}
					if v, ok := r.median("Resilience/"+c+"/"+p, "allocs/op"); ok && (fewest < 0 || v < fewest) {
						fewest = v
					}
				}
				bestNs, _ := r.median(paired, best+"-ns/call")
				met := "yes"
				if worst > 1 || allocs > fewest {
					met = "no"
				}
				fmt.Fprintf(w, "| %s | %s | %s | %.0f | %s | %.0f | %.2f (±%.0f%%) | %.0f | %.0f | %s |\n",
					level, policy, call, ns, best, bestNs, worst, 100*r.spread(paired, "chaos/"+best), allocs, fewest, met)
			}
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Each peer alone (`BenchmarkResilience`): allocations are exact; times are noisier than the paired ones.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| benchmark | runs | ns/op (median ± spread) | B/op | allocs/op |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: |")
	for _, level := range levels {
		for _, policy := range policies {
			for _, call := range calls {
				for _, p := range append([]string{"chaos"}, peers[level]...) {
					name := "Resilience/" + level + "/" + policy + "/" + call + "/" + p
					ns, ok := r.median(name, "ns/op")
					if !ok {
						continue
					}
					bytes, _ := r.median(name, "B/op")
					allocs, _ := r.median(name, "allocs/op")
					fmt.Fprintf(w, "| %s | %d | %.0f ± %.0f%% | %.0f | %.0f |\n",
						name[len("Resilience/"):], r.runs(name), ns, 100*r.spread(name, "ns/op"), bytes, allocs)
				}
			}
		}
	}
	fmt.Fprintln(w)
}
