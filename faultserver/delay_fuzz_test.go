package faultserver_test

import (
	"math"
	"testing"
	"time"

	"github.com/chaos-harness/chaos/faultserver"
)

var dists = []string{faultserver.DistFixed, faultserver.DistUniform, faultserver.DistNormal,
	faultserver.DistLognormal, faultserver.DistPareto, "", "lognormel"}

// FuzzDelay: any parameters of any distribution are either refused by the
// validator or draw delays that are never negative, stay within [min, max]
// for uniform and under max for the others, and are exact for fixed.
func FuzzDelay(f *testing.F) {
	ms := int64(time.Millisecond)
	f.Add(uint8(0), 250*ms, int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), 0.0, uint64(1))
	f.Add(uint8(1), int64(0), 10*ms, 50*ms, int64(0), int64(0), int64(0), int64(0), 0.0, uint64(2))
	f.Add(uint8(2), int64(0), int64(0), int64(0), 100*ms, 20*ms, int64(0), int64(0), 0.0, uint64(3))
	f.Add(uint8(3), int64(0), int64(0), 150*ms, int64(0), int64(0), 20*ms, 200*ms, 0.0, uint64(4))
	f.Add(uint8(4), int64(0), 10*ms, int64(0), int64(0), int64(0), int64(0), int64(0), 1.5, uint64(5))
	f.Add(uint8(4), int64(0), int64(1), int64(0), int64(0), int64(0), int64(0), int64(0), 1e-300, uint64(6))
	f.Add(uint8(3), int64(0), int64(0), int64(0), int64(0), int64(0), int64(1), int64(math.MaxInt64), 0.0, uint64(7))
	f.Add(uint8(2), int64(0), int64(0), int64(0), int64(math.MaxInt64), int64(math.MaxInt64), int64(0), int64(0), 0.0, uint64(8))
	f.Add(uint8(1), int64(0), int64(-5), int64(1), int64(0), int64(0), int64(0), int64(0), 0.0, uint64(9))
	f.Fuzz(func(t *testing.T, dist uint8, value, lo, hi, mean, sd, median, p99 int64, alpha float64, seed uint64) {
		d := &faultserver.Delay{Dist: dists[int(dist)%len(dists)], Value: time.Duration(value),
			Min: time.Duration(lo), Max: time.Duration(hi), Mean: time.Duration(mean),
			Stddev: time.Duration(sd), Median: time.Duration(median), P99: time.Duration(p99), Alpha: alpha}
		spec := &faultserver.Spec{Phases: []faultserver.PhaseSpec{{Fault: &faultserver.FaultSpec{Delay: d}}}}
		script, err := faultserver.Compile(spec, seed)
		if err != nil {
			return // refused with its problems
		}
		for i := 0; i < 16; i++ {
			got := decide(script, 0, "c", "GET", "/").Delay
			switch {
			case got < 0:
				t.Fatalf("%+v drew %v", d, got)
			case d.Dist == faultserver.DistFixed && d.Value >= 0 && got != d.Value:
				t.Fatalf("%+v drew %v", d, got)
			case d.Dist == faultserver.DistUniform && (got < max(0, d.Min) || got > d.Max):
				t.Fatalf("%+v drew %v outside [min, max]", d, got)
			case d.Dist != faultserver.DistUniform && d.Max > 0 && got > d.Max:
				t.Fatalf("%+v drew %v over max", d, got)
			}
		}
	})
}

// FuzzDelayYAML: any YAML for a delay is a distribution or a located error.
func FuzzDelayYAML(f *testing.F) {
	for _, s := range []string{"250ms", "0", "5", "-1s", "{dist: fixed, value: 1s}", "{dist: uniform, min: 1ms, max: 3ms}",
		"{dist: normal, mean: 1s, stddev: 2s, max: 3s}", "{dist: lognormal, median: 20ms, p99: 200ms}",
		"{dist: pareto, min: 10ms, alpha: 1.5}", "{dist: pareto, min: 10ms, alpha: .nan}", "{dist: pareto, min: 1ns, alpha: 1e-320}",
		"{dist: lognormal, median: 1ns, p99: 2562047h}", "{dist: uniform, min: 5ms, max: 1ms}", "{dits: fixed}", "[1s]", "{}",
		"{dist: fixed, value: 1s, max: 1ms}", "{dist: normal, mean: 2562047h, stddev: 2562047h}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, delay string) {
		src := []byte("phases:\n  - fault:\n      delay: " + delay + "\n")
		spec, _, err := faultserver.ParseScript("f.yaml", src)
		if err != nil {
			checkLocated(t, err)
			return
		}
		script, err := faultserver.Compile(spec, 1)
		if err != nil {
			t.Fatalf("Compile refused what ParseScript accepted: %v", err)
		}
		for i := 0; i < 8; i++ {
			if got := decide(script, 0, "c", "GET", "/").Delay; got < 0 {
				t.Fatalf("drew %v", got)
			}
		}
		roundTrip(t, spec)
	})
}

// FuzzParseBandwidth: a positive rate or an error; its String reads back.
func FuzzParseBandwidth(f *testing.F) {
	for _, s := range []string{"512B/s", "10KB/s", "2KiB/s", "1.5MB/s", "300", "0B/s", "quick", "1e30GB/s",
		"infB/s", "NaN", "-1KB/s", "0.5B/s", "9223372036854775807", " 1 KiB/s ", "KB/s", "1GiB/s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := faultserver.ParseBandwidth(s)
		if err != nil {
			return
		}
		if b <= 0 {
			t.Fatalf("ParseBandwidth(%q) = %d", s, b)
		}
		back, err := faultserver.ParseBandwidth(b.String())
		if err != nil || back != b {
			t.Fatalf("ParseBandwidth(%q) = %v, which reads back as %v, %v", s, b, back, err)
		}
	})
}
