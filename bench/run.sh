#!/usr/bin/env bash
# Runs every benchmark of bench/ with repeated counts and prints the tables of
# README.md. Output goes to results/ (raw.txt: go test output; tables.md: the
# tables with the machine). Takes about 10 minutes on 2 cores.
#   COUNT=N scales the repetitions of the fast benchmarks (default 8).
set -euo pipefail
cd "$(dirname "$0")"
count=${COUNT:-8}
out=${OUT:-results}
mkdir -p "$out"
bench() { go test -run '^$' -benchmem "$@" . ; }
{
	# one run of every peer per round, so the machine's noise hits all alike
	for _ in $(seq "$count"); do bench -bench '^BenchmarkResilience' -benchtime 500ms; done
	bench -bench '^BenchmarkFaultServer' -benchtime 20000x -count 5
	bench -bench '^BenchmarkSim' -count 3
	bench -bench '^BenchmarkAnalysis' -count 3
	bench -bench '^BenchmarkProxy' -benchtime 10000x -count 3
	bench -bench '^BenchmarkAnalyzeFile' -benchtime 5x -count 3
} | tee "$out/raw.txt"
{
	echo "Machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/{print $2}') GiB, $(go version | cut -d' ' -f3-)"
	echo
	go run ./cmd/benchtable <"$out/raw.txt"
} | tee "$out/tables.md"
