package scenarios_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/scenarios"
)

// fuzzSeeds are scenario texts to start from: the built-in library, and
// small files that touch each section.
func fuzzSeeds(f *testing.F) {
	list, err := scenarios.Builtins()
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range list {
		src, err := scenarios.BuiltinSource(b.Name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, s := range []string{
		minimalScenario,
		"server: {}\npolicies: [{name: a}]\n",
		"server: {}\nclients: {count: 3, start: {poisson: 50/s}, spike: {at: 1s, count: 2}, network: {dist: normal, mean: 10ms, stddev: 2ms}}\npolicies: [{name: a, retry: {max_retries: 2}}]\n",
		"server: {per: client, phases: [{requests: 1, fault: {reset: true}}, {}]}\nclients: {count: 2, time_scale: 0.5}\npolicies: [{name: a}]\nassert: {success_rate: \">= 0.5\", a: {completion_ms.p99: \"<= 2s\"}}\n",
		"server: {row: {path: /row}}\nclients: {method: PUT, path: /row}\npolicies: [{name: a}]\n",
		"server: {phases: [{fault: {hang: 1h}}]}\nclients: {count: 1, requests: 2000000000, think: 1000h, start: {spread: 100h}}\npolicies: [{name: a}]\n",
		"a: &a [*a, *a]\n",
		"server: {}\nclients: {count: -1, time_scale: .nan}\npolicies: [{name: unsent}]\n",
		"[]", "", "---\n---\n", "server:\n\t- x",
	} {
		f.Add([]byte(s))
	}
}

const minimalScenario = `name: tiny
seed: 9
server:
  phases:
    - {name: down, duration: 1s, fault: {status: 503}}
    - {name: up}
clients: {count: 10, requests: 2, timeout: 1s}
policies:
  - {name: retry, retry: {max_retries: 2, base: 10ms, jitter: full}}
assert:
  success_rate: ">= 0.9"
`

// FuzzParse feeds arbitrary text to the scenario parser and validator. Every
// input gives a Scenario or located problems, never a panic; a Scenario it
// gives is one the runner can take: its numbers are in range, its estimate
// is finite, its assertions evaluate, and a small one runs in sim.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scenarios.Parse("fuzz.yaml", data)
		if err != nil {
			checkProblems(t, err)
			return
		}
		checkScenario(t, s)
	})
}

// checkProblems: a refusal is a list of problems, each naming the file.
func checkProblems(t *testing.T, err error) {
	var es yamlfile.Errors
	var e *yamlfile.Error
	switch {
	case errors.As(err, &es):
		if len(es) == 0 {
			t.Fatalf("an empty list of problems")
		}
		for _, p := range es {
			if !strings.HasPrefix(p.Error(), "fuzz.yaml") {
				t.Fatalf("a problem that does not name the file: %v", p)
			}
		}
	case errors.As(err, &e):
	default:
		if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
			t.Fatalf("an error that does not name the file: %v", err)
		}
	}
}

// checkScenario: what Parse accepts, the runner can take.
func checkScenario(t *testing.T, s *scenarios.Scenario) {
	c := s.Clients
	if len(s.Policies) == 0 || c.ClientCount() < 1 || c.RequestsPerClient() < 1 ||
		c.ClientCount() > math.MaxInt32 || c.RequestsPerClient() > math.MaxInt32 {
		t.Fatalf("accepted a fleet the runner cannot run: %d policies, %+v", len(s.Policies), c)
	}
	if k := c.Scale(); !(k > 0 && k <= 1000) {
		t.Fatalf("accepted time_scale %v", k)
	}
	for _, engine := range scenarios.Engines {
		e, err := s.Estimate(scenarios.Options{Engine: engine})
		if engine == scenarios.EngineLive && s.Downstream != nil && s.Server.Protocol == faultserver.ProtocolGRPC { // gRPC layers run on the sim engine only
			if err == nil {
				t.Fatalf("a live estimate for a layered gRPC scenario")
			}
			continue
		}
		if err != nil {
			t.Fatalf("no estimate in %s: %v", engine, err)
		}
		if e.MinScenarioTime < 0 || e.MinRealTime < 0 || e.Memory <= 0 {
			t.Fatalf("an estimate out of range in %s: %+v", engine, e)
		}
	}
	res := analysis.Result{}
	for _, name := range s.PolicyNames() {
		res.Policies = append(res.Policies, analysis.PolicyResult{Name: name})
	}
	_ = s.Evaluate(&res)
	if int64(c.ClientCount())*int64(c.RequestsPerClient()) <= 20 {
		runSmall(t, s)
	}
}

// runSmall runs a small fleet in sim, bounded in wall-clock time: it must end
// with a Run or an error, never a panic.
func runSmall(t *testing.T, s *scenarios.Scenario) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, _ = s.RunAnalyzed(ctx, scenarios.Options{MaxDuration: 200 * time.Millisecond}, "")
}

// FuzzScenarioValues fills a valid scenario's values from the fuzzer, to
// reach past the YAML syntax into validation, the estimate and the sim
// engine: every combination gives a Scenario the runner can take, or
// located problems.
func FuzzScenarioValues(f *testing.F) {
	f.Add("global", "1s", "{status: 503}", 3, 2, "10ms", "1s", "together", 0.0, "{name: a, retry: {max_retries: 2}}")
	f.Add("client", "50ms", "{status: 429, retry_after: 2s}", 2, 3, "0s", "0s", "{spread: 1s}", 0.5, "{name: b, retry: {max_retries: 3, jitter: decorrelated}, breaker: {failures: 2, open: 100ms}}")
	f.Add("global", "100ms", "{hang: 1h}", 1, 1, "1h", "50ms", "{poisson: 10/s}", 1.0, "{name: c, budget: {}, fallback: {stale: 1s}}")
	f.Add("global", "1ms", "{reset: true}", 4, 5, "1ms", "10ms", "together", 0.0, "{name: d, rate_limit: {rate: 10, burst: 1, mode: reject}}")
	f.Add("global", "2s", "{truncate: 10, body: abcdefghijklmnop}", 2, 2, "5ms", "1s", "together", 0.0, "{name: e, timeout: {attempt: 10ms, overall: 20ms}}")
	f.Add("global", "2s", "{delay: {dist: pareto, min: 1ms, alpha: 0.5}}", 2, 2, "5ms", "1s", "together", 0.0, "{name: f, retry: {max_retries: 1000000, base: 0s}}")
	f.Fuzz(func(t *testing.T, per, duration, fault string, count, requests int, think, timeout, start string, scale float64, policy string) {
		src := fmt.Sprintf(`server:
  per: %s
  phases:
    - {duration: %s, fault: %s}
    - {}
clients: {count: %d, requests: %d, think: %s, timeout: %s, start: %s, time_scale: %v}
policies:
  - %s
`, per, duration, fault, count, requests, think, timeout, start, scale, policy)
		s, err := scenarios.Parse("fuzz.yaml", []byte(src))
		if err != nil {
			checkProblems(t, err)
			return
		}
		checkScenario(t, s)
	})
}
