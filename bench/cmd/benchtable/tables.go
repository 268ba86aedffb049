package main

import (
	"fmt"
	"io"
)

// serverTable prints the fault server's throughput as a share of its peers'.
func serverTable(w io.Writer, r results) {
	fmt.Fprintln(w, "### Fault server throughput over loopback (targets: ≥ 0.9 of plain, ≥ 1.0 of go-httpbin)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| path | runs | faultserver µs/req | plain µs/req | go-httpbin µs/req | share of plain | share of go-httpbin |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, path := range []string{"nofault", "nofault+log", "503"} {
		name := "FaultServer/" + path
		if r.runs(name) == 0 {
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s |\n", path, r.runs(name),
			micros(r, name, "faultserver-ns/req"), micros(r, name, "plain-ns/req"), micros(r, name, "go-httpbin-ns/req"),
			ratio(r, name, "share-of-plain"), ratio(r, name, "share-of-go-httpbin"))
	}
	fmt.Fprintln(w)
}

// simTable prints the simulator's speed and memory per client, and the
// marginal memory of a client between sizes (flat: linear growth).
func simTable(w io.Writer, r results) {
	fmt.Fprintln(w, "### Simulator (sim engine, clients started together, 1 request each)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| clients | runs | attempts/s | attempts/cpu-s | peak live MB | live B/client | peak heap MB | heap B/client | marginal live B/client |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	prevN, prevMB := 0.0, 0.0
	for _, n := range []float64{1e3, 1e5, 1e6} {
		name := fmt.Sprintf("Sim/%.0f", n)
		if r.runs(name) == 0 {
			continue
		}
		mb, _ := r.median(name, "peak-live-MB")
		marginal := "–"
		if prevN > 0 {
			marginal = fmt.Sprintf("%.0f", (mb-prevMB)*(1<<20)/(n-prevN))
		}
		fmt.Fprintf(w, "| %.0f | %d | %s | %s | %.1f | %s | %s | %s | %s |\n", n, r.runs(name), num(r, name, "attempts/s"),
			num(r, name, "attempts/cpu-s"), mb, num(r, name, "live-B/client"), num(r, name, "peak-heap-MB"), num(r, name, "heap-B/client"), marginal)
		prevN, prevMB = n, mb
	}
	fmt.Fprintln(w)
}

// analysisTable prints the Accumulator's rate and peak memory.
func analysisTable(w io.Writer, r results) {
	fmt.Fprintln(w, "### Analysis (Accumulator.Add for every Record, then Finish)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| input | runs | records/s | records/cpu-s | peak live MB | live B/record | peak heap MB |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, in := range []string{"gen-1M", "1M", "10M", "1M-jsonl"} {
		name := "Analysis/" + in
		if r.runs(name) == 0 {
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s |\n", in, r.runs(name), num(r, name, "records/s"),
			num(r, name, "records/cpu-s"),
			num(r, name, "peak-live-MB"), num(r, name, "live-B/record"), num(r, name, "peak-heap-MB"))
	}
	fmt.Fprintln(w)
}

func num(r results, name, unit string) string {
	v, ok := r.median(name, unit)
	if !ok {
		return "–"
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func micros(r results, name, unit string) string {
	v, ok := r.median(name, unit)
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.1f", v/1000)
}

func ratio(r results, name, unit string) string {
	v, ok := r.median(name, unit)
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.2f (±%.0f%%)", v, 100*r.spread(name, unit))
}
