package main

import (
	"fmt"
	"io"
)

// serverTable prints the fault server's throughput as a share of each
// peer's (wall time, then CPU time, in one run: above 1 the fault server is
// faster).
func serverTable(w io.Writer, r results) {
	shareTable(w, r, "### Fault server throughput over loopback (issue 16 target: ≥ 0.95 of plain net/http, logging every request)",
		"FaultServer/", []string{"nofault", "nofault+log", "503", "503+log"},
		[]string{"plain", "net/http", "net/http+limits", "net/http+wire", "go-httpbin"},
		"plain is net/http behind gorilla/mux, net/http has no router, net/http+limits has the fault server's connection limits, net/http+wire writes the fault server's response byte for byte; go-httpbin runs for the 503 paths only")
}

// proxyTable prints the fault server's proxy mode (no fault) against the
// peers that forward the same requests to the same upstream.
func proxyTable(w io.Writer, r results) {
	shareTable(w, r, "### Proxy mode over loopback (issue 16 target: ≥ 1.5 of Toxiproxy's passthrough)",
		"Proxy/", []string{"passthrough", "passthrough+log"},
		[]string{"toxiproxy", "reverseproxy", "upstream"},
		"toxiproxy is Toxiproxy v2's TCP passthrough, reverseproxy net/http/httputil.ReverseProxy, upstream the upstream asked directly")
}

// shareTable prints, per path, the fault server's time per request and its
// share of each peer's, wall and CPU.
func shareTable(w io.Writer, r results, title, prefix string, paths, peers []string, legend string) {
	fmt.Fprintln(w, title)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Share of a peer: the peer's time (wall; CPU) over the fault server's, for the same requests in alternating rounds; above 1 the fault server is faster. "+legend+".")
	fmt.Fprintln(w)
	header := "| path | runs | faultserver µs/req |"
	rule := "| --- | ---: | ---: |"
	for _, p := range peers {
		header += " " + p + " (wall; CPU) |"
		rule += " ---: |"
	}
	fmt.Fprintln(w, header)
	fmt.Fprintln(w, rule)
	for _, path := range paths {
		name := prefix + path
		if r.runs(name) == 0 {
			continue
		}
		row := fmt.Sprintf("| %s | %d | %s |", path, r.runs(name), micros(r, name, "faultserver-ns/req"))
		for _, p := range peers {
			cell := "–"
			if _, ok := r.median(name, "share-of-"+p); ok {
				cell = ratio(r, name, "share-of-"+p) + "; " + ratio(r, name, "cpu-share-of-"+p)
			}
			row += " " + cell + " |"
		}
		fmt.Fprintln(w, row)
	}
	fmt.Fprintln(w)
}

// analyzeFileTable prints reading and analysing a log file: the sequential
// reader against the chunked one (chaos analyze).
func analyzeFileTable(w io.Writer, r results) {
	fmt.Fprintln(w, "### Reading and analysing a log file (issue 16 target: ≥ 2 M Records/s)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| reader | runs | records/s | records/cpu-s |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: |")
	for _, in := range []string{"sequential", "chunked"} {
		name := "AnalyzeFile/" + in
		if r.runs(name) == 0 {
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s |\n", in, r.runs(name), num(r, name, "records/s"), num(r, name, "records/cpu-s"))
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
