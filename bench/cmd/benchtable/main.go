// Command benchtable reads the output of `go test -bench` (several -count
// runs allowed) and prints the Markdown tables of bench/README.md: medians
// per benchmark and the ratios of chaos against its peers.
//
//	go test -run '^$' -bench . -benchmem -count 5 | go run ./cmd/benchtable
package main

import (
	"fmt"
	"os"
)

func main() {
	results, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	w := os.Stdout
	resilienceTables(w, results)
	serverTable(w, results)
	proxyTable(w, results)
	simTable(w, results)
	analysisTable(w, results)
	analyzeFileTable(w, results)
}
