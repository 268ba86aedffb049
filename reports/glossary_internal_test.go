package reports

import (
	. "github.com/onsi/ginkgo/v2"
	g "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/resilience"
)

// everyTable is a Result that fills every table a report can have.
func everyTable() analysis.Result {
	ms := 300.0
	share := 0.25
	amplification := 1.4
	pol := func(name string) analysis.PolicyResult {
		return analysis.PolicyResult{Name: name, LogicalRequests: 10, Succeeded: 9, SuccessRate: 0.9, Attempts: 14, Amplification: &amplification,
			AttemptsPerRequest: []analysis.AttemptCount{{Attempts: 1, Requests: 6}, {Attempts: 2, Requests: 4}},
			Faults:             map[string]int{"none": 9, "status": 5},
			RetryDelays:        []analysis.RetryDelay{{Retry: 1, Count: 4, KS: &analysis.KS{D: 0.1, P: 0.9, N: 4}}},
			RetrySpread:        []analysis.RetrySpread{{Retry: 1, Count: 4}},
			TimeToRecoverMs:    &ms, BreakerOpenShare: &share,
			RetryAfterMarginMs: &analysis.RetryAfterMargin{Count: 2, Min: -5, P1: -5, P50: 3, P99: 8, Early: 1},
			Recovery:           []analysis.Recovery{{Phase: "down", EndMs: 1000, TimeToRecoverMs: &ms}},
			Layers:             []analysis.LayerFigures{{Layer: 0, Attempts: 14, Amplification: &amplification, Succeeded: 9}}}
	}
	return analysis.Result{
		Policies:    []analysis.PolicyResult{pol("a"), pol("b")},
		Best:        "a",
		Standings:   []string{"a", "b"},
		Comparisons: []analysis.Comparison{{A: "a", B: "b"}},
		Ranking:     []analysis.Ranked{{Name: "a", Rank: 1, Pareto: true}, {Name: "b", Rank: 2}},
		Run: &analysis.RunInfo{
			Fleet:    []analysis.Setting{{Key: "count", Value: "10"}},
			Policies: []analysis.PolicySettings{{Name: "a", Settings: []analysis.Setting{{Key: "retry", Value: "max_retries: 1"}, {Key: "breaker", Value: "none"}}}},
			Server: &analysis.ServerScript{Response: "200 OK", Per: "global",
				Phases: []analysis.ScriptPhase{{Name: "down", Ends: "after 1s", Fault: "{status: 503}"}},
				Routes: []analysis.ScriptRoute{{Name: "/x", Match: "/x", Phases: []analysis.ScriptPhase{{Name: "phase1", Ends: "never (open-ended)", Fault: "response"}}}}},
		},
	}
}

var _ = Describe("the glossary", func() {
	It("defines every column of every table", func() {
		d := newDocument(everyTable(), nil)
		tables := 0
		for _, s := range d.Sections {
			for _, t := range s.Tables {
				tables++
				Expect(t.Terms).To(g.HaveLen(len(t.Header)), "table %s", t.ID)
				for i, name := range t.Terms {
					_, ok := glossaryTerm(name)
					Expect(ok).To(g.BeTrue(), "table %s, column %q: no glossary line for %q", t.ID, t.Header[i], name)
					Expect(t.Definition(i)).NotTo(BeEmpty())
				}
			}
		}
		// outcome, completion, load, retry-after, retry-after-margin,
		// comparisons, recovery, attempts, retry-delays, retry-sleeps,
		// retry-spread, ranking, faults, layers; fleet, policies, server
		// settings, phases, one route.
		Expect(tables).To(Equal(19))
	})

	It("lists columns and metrics, then the strategies and backoffs", func() {
		groups := glossaryGroups()
		Expect(groups).To(g.HaveLen(2))
		Expect(len(groups[0].Terms) + len(groups[1].Terms)).To(Equal(len(glossary)))
		for _, t := range groups[1].Terms {
			Expect(t.Label).To(BeEmpty(), "%s is a strategy or backoff, not a column", t.Name)
		}
		for _, j := range resilience.Jitters {
			Expect(groups[1].Terms).To(g.ContainElement(g.HaveField("Name", string(j))))
		}
	})

	It("has one line per name, each with its text", func() {
		seen := map[string]bool{}
		for _, t := range glossary {
			Expect(seen[t.Name]).To(g.BeFalse(), "%s twice", t.Name)
			seen[t.Name] = true
			Expect(t.Text).NotTo(BeEmpty(), t.Name)
		}
	})

	It("defines every jitter and backoff of resilience, with its source", func() {
		for _, j := range resilience.Jitters {
			t, ok := glossaryTerm(string(j))
			Expect(ok).To(g.BeTrue(), "jitter %s", j)
			Expect(t.Text).To(g.ContainSubstring("sleep ="), "jitter %s gives its formula", j)
		}
		for _, b := range []string{resilience.BackoffConstant, resilience.BackoffLinear, resilience.BackoffExponential, resilience.BackoffList} {
			_, ok := glossaryTerm(b)
			Expect(ok).To(g.BeTrue(), "backoff %s", b)
		}
		full, _ := glossaryTerm("full")
		Expect(full.Text).To(Equal(`full jitter: sleep = random(0, min(cap, base·2^n)) (Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog 2015).`))
	})

	It("already defines the herd, Retry-After margin and client makespan figures", func() {
		for _, name := range []string{"retry_max_window", "retry_peak_rate", "retry_window_ms", "peak_to_capacity", "retry_after_margin_ms", "client_makespan_ms"} {
			_, ok := glossaryTerm(name)
			Expect(ok).To(g.BeTrue(), name)
		}
	})
})
