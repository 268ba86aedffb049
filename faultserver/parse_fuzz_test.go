package faultserver_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/record"
)

// scriptSeeds are scripts that reach every part of the parser and validator.
// The inputs that found bugs are in testdata/fuzz/FuzzParseScript.
var scriptSeeds = []string{
	faultserver.DefaultScript,
	"{}\n",
	"",
	"phases: [{fault: {status: 503, retry_after: 2s}}]\n",
	"response: {status: 200, delay: {dist: lognormal, median: 20ms, p99: 200ms}}\nper: client\n" +
		"phases:\n  - {name: warm, requests: 2, fault: {status: 503, retry_after_date: 1s}}\n  - {name: rest}\n",
	"name: x\nclients: {count: 5}\nserver:\n  capacity: {concurrency: 64, rate: 1000, burst: 100, status: 503, retry_after: 1s}\n" +
		"  phases:\n    - {name: healthy, duration: 5s}\n    - name: limited\n      requests: 200\n      mix:\n" +
		"        - {weight: 70}\n        - {weight: 30, fault: {status: 429, retry_after: 2s}}\n    - {name: recovered}\n" +
		"  routes:\n    - {path: /api/orders, methods: [POST], phases: [{fault: {reset: true}, requests: 3}, {}]}\n",
	"response: {delay: {dist: uniform, min: 1ms, max: 3ms}, body_size: 10}\nphases:\n" +
		"  - {duration: 1s, fault: {delay: 250ms, status: 503, retry_after_date: 2s}}\n" +
		"  - {requests: 3, fault: {slow: 2KiB/s}}\n  - {requests: 3, fault: {malformed: true}}\n" +
		"  - mix: [{weight: 1, fault: {truncate: 0}}, {weight: 2, fault: {malformed: \"HELLO\"}}]\n",
	"phases:\n  - {duration: 1s, fault: {hang: 10s}}\n  - {duration: 1s, fault: {close: true}}\n" +
		"  - {fault: {delay: {dist: pareto, min: 1ms, alpha: 1.5, max: 1s}}}\n",
	"phases: [{fault: {delay: {dist: normal, mean: 10ms, stddev: 5ms}, headers: {X-A: b}, body: hi}}]\n",
	"routes:\n  - {name: r, path: \"/a/{id:[0-9]+}\", headers: {X-T: v}, per: client, response: {status: 201}}\n" +
		"  - {path_prefix: /b/, phases: [{requests: 1, fault: {status: 500}}, {}]}\n",
	"service: {base: 1ms, per_concurrent: 1ms}\nrow: {path: /row, version: 3}\n",
	"phases: [{fault: {slow: 1e30GB/s}}]\n",
	"capacity: {rate: .inf}\n",
	"phases: [{duration: 2562047h, fault: {status: 500}}, {duration: 2562047h}, {}]\n",
	"phases: &p [{requests: 1, mix: [{weight: 1}]}, *p]\n",
	"server: &s {phases: [*s]}\n",
}

// FuzzParseScript: every input gets a spec or located errors, never a panic
// or a hang. A spec that parses compiles, decides requests with sane
// decisions, and writes back to YAML that reads back the same (the admin API
// serves a script this way).
func FuzzParseScript(f *testing.F) {
	for _, s := range scriptSeeds {
		f.Add([]byte(s), uint64(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		spec, _, err := faultserver.ParseScript("f.yaml", data)
		if err != nil {
			checkLocated(t, err)
			return
		}
		if ps := spec.Problems(); len(ps) > 0 {
			t.Fatalf("ParseScript accepted a spec with problems: %v", ps)
		}
		script, err := faultserver.Compile(spec, seed)
		if err != nil {
			t.Fatalf("Compile refused a spec ParseScript accepted: %v", err)
		}
		decideSome(t, script)
		roundTrip(t, spec)
	})
}

// checkLocated fails unless err is a located error of the file.
func checkLocated(t *testing.T, err error) {
	var es yamlfile.Errors
	var e *yamlfile.Error
	switch {
	case errors.As(err, &es):
		if len(es) == 0 {
			t.Fatalf("empty Errors")
		}
		for _, e := range es {
			if e.File != "f.yaml" || e.Msg == "" {
				t.Fatalf("an error without its file or message: %#v", e)
			}
		}
	case errors.As(err, &e):
		if e.File != "f.yaml" || e.Msg == "" {
			t.Fatalf("an error without its file or message: %#v", e)
		}
	default:
		t.Fatalf("ParseScript returned %T: %v", err, err)
	}
}

// decideSome decides a few requests of two clients over a long span of time.
func decideSome(t *testing.T, s *faultserver.Script) {
	kinds := map[string]bool{record.FaultNone: true, record.FaultStatus: true, record.FaultDelay: true,
		record.FaultHang: true, record.FaultReset: true, record.FaultClose: true,
		record.FaultTruncate: true, record.FaultSlow: true, record.FaultMalformed: true,
		record.FaultOverload: true}
	for i, at := range []time.Duration{0, 0, time.Millisecond, time.Second, time.Hour, 1 << 62} {
		req := faultserver.RequestInfo{Method: []string{"GET", "POST", "PUT"}[i%3],
			Path: []string{"/", "/a/12", "/b/x", "/row", "/api/orders"}[i%5], ClientKey: []string{"a", "b"}[i%2]}
		d, ticket := s.Admit(at, &req)
		ticket.Commit(&d, &req)
		ticket.End(at)
		if !kinds[d.Kind] {
			t.Fatalf("decision of kind %q", d.Kind)
		}
		if d.Delay < 0 || d.Param < 0 || d.RetryAfter < 0 {
			t.Fatalf("a negative quantity in %+v", d)
		}
		if st := faultserver.PlayVirtual(&d, 0, 0, false).Status; st != 0 && (st < 100 || st > 599) {
			t.Fatalf("status %d", st)
		}
		if d.Kind == record.FaultTruncate && int64(len(d.Body)) <= d.Param {
			t.Fatalf("truncate %d of a %d-byte body keeps its promise", d.Param, len(d.Body))
		}
	}
}

// roundTrip checks that the YAML of a spec reads back as the same spec.
func roundTrip(t *testing.T, spec *faultserver.Spec) {
	out, err := yaml.Marshal(spec)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	again, _, err := faultserver.ParseScript("out.yaml", out)
	if err != nil {
		t.Fatalf("the YAML of an accepted spec does not read back: %v\n%s", err, out)
	}
	out2, err := yaml.Marshal(again)
	if err != nil || !bytes.Equal(out, out2) {
		t.Fatalf("the YAML of a spec changes when read back:\n%s\n---\n%s", out, out2)
	}
}
