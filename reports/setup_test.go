package reports_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/reports"
)

// handRun is a RunInfo as the runner writes it, made by hand.
func handRun(rate *float64) *analysis.RunInfo {
	capacity := &analysis.CapacityInfo{Settings: "{concurrency: 8, status: 503}"}
	if rate != nil {
		capacity = &analysis.CapacityInfo{Settings: "{rate: 150, burst: 150, status: 503}", RatePerS: rate}
	}
	return &analysis.RunInfo{
		Description: "the backend is down for 4 s while 200 clients keep calling",
		Source:      "outage.yaml",
		Fleet: []analysis.Setting{
			{Key: "count", Value: "200"},
			{Key: "start", Value: "{spread: 3s}"},
			{Key: "requests", Value: "3 per client"},
		},
		Policies: []analysis.PolicySettings{{Name: "full", Settings: []analysis.Setting{
			{Key: "retry", Value: "max_retries: 6, backoff: exponential, base: 100ms, cap: 2s, multiplier: 2, jitter: full"},
			{Key: "breaker", Value: "none"},
			{Key: "fallback", Value: "none"},
			{Key: "order", Value: "fallback → retry → breaker → rate_limit"},
		}}},
		Server: &analysis.ServerScript{Response: "200 OK", Per: "global", Capacity: capacity,
			Phases: []analysis.ScriptPhase{
				{Name: "healthy", Ends: "after 2s", Fault: "response"},
				{Name: "outage", Ends: "after 4s", Fault: "mix: 66.7% {status: 503}; 33.3% {status: 503, retry_after: 1s}"},
				{Name: "recovered", Ends: "never (open-ended)", Fault: "response"},
			},
			Routes: []analysis.ScriptRoute{{Name: "pay", Match: "POST /api/pay", Phases: []analysis.ScriptPhase{{Name: "phase1", Ends: "after 3 requests", Fault: "{reset: true}"}}}},
		},
	}
}

func figureNamed(res analysis.Result, name string) (reports.Figure, bool) {
	GinkgoHelper()
	figs, err := reports.Figures(res)
	Expect(err).NotTo(HaveOccurred())
	for _, f := range figs {
		if f.Name == name {
			return f, true
		}
	}
	return reports.Figure{}, false
}

var _ = Describe("what was run", Ordered, func() {
	var md, page string
	BeforeAll(func() {
		res := fixture
		rate := 150.0
		res.Run = handRun(&rate)
		dir := GinkgoT().TempDir()
		_, err := reports.Write(dir, res)
		Expect(err).NotTo(HaveOccurred())
		b, err := os.ReadFile(filepath.Join(dir, "report.md"))
		Expect(err).NotTo(HaveOccurred())
		md = string(b)
		b, err = os.ReadFile(filepath.Join(dir, "report.html"))
		Expect(err).NotTo(HaveOccurred())
		page = string(b)
	})

	It("comes second, after the overview, with the description and the source", func() {
		Expect(strings.Index(md, "## Overview")).To(BeNumerically("<", strings.Index(md, "## What was run")))
		Expect(strings.Index(md, "## What was run")).To(BeNumerically("<", strings.Index(md, "## Summary")))
		Expect(md).To(ContainSubstring("## What was run\n\nThe backend is down for 4 s while 200 clients keep calling. Scenario: outage.yaml (its text is scenario\\_text in result.json).\n"))
	})

	It("shows the fleet, every policy's settings and the server script as tables", func() {
		Expect(mdTable(md, "The fleet (clients section, defaults filled in)")).To(Equal([][]string{
			{"count", "200"}, {"start", "{spread: 3s}"}, {"requests", "3 per client"}}))
		Expect(mdTable(md, "Policies as run, every default filled in")).To(Equal([][]string{
			{"full", "retry", "max\\_retries: 6, backoff: exponential, base: 100ms, cap: 2s, multiplier: 2, jitter: full"},
			{"", "order; not used", "order: fallback → retry → breaker → rate\\_limit; not used: breaker, fallback"},
		}))
		Expect(mdTable(md, "The server (server section, defaults filled in)")).To(Equal([][]string{
			{"response", "200 OK"}, {"per", "global"}, {"capacity", "{rate: 150, burst: 150, status: 503}"}}))
		Expect(mdTable(md, "The server's phases, in order")).To(Equal([][]string{
			{"healthy", "after 2s", "response"},
			{"outage", "after 4s", "mix: 66.7% {status: 503}; 33.3% {status: 503, retry\\_after: 1s}"},
			{"recovered", "never (open-ended)", "response"},
		}))
		Expect(mdTable(md, "Route pay (POST /api/pay): its own phases")).To(Equal([][]string{{"phase1", "after 3 requests", "{reset: true}"}}))
		Expect(htmlTable(page, "phases")).To(Equal([][]string{
			{"healthy", "after 2s", "response"},
			{"outage", "after 4s", "mix: 66.7% {status: 503}; 33.3% {status: 503, retry_after: 1s}"},
			{"recovered", "never (open-ended)", "response"},
		}))
		Expect(htmlTable(page, "policies")[0]).To(Equal([]string{"full", "retry", "max_retries: 6, backoff: exponential, base: 100ms, cap: 2s, multiplier: 2, jitter: full"}))
	})

	It("ends with the glossary, in both formats, defining every column as a tooltip too", func() {
		Expect(md).To(ContainSubstring("\n## Glossary\n\n### Columns and metrics\n\n- **strategy**: "))
		Expect(md).To(ContainSubstring("\n### Strategies (jitter) and backoffs\n\n- **none**: no jitter"))
		Expect(md).To(ContainSubstring("- **full**: full jitter: sleep = random(0, min(cap, base·2^n))"))
		Expect(md).To(ContainSubstring("- **peak\\_to\\_mean** (peak-to-mean): largest bin of the arrival rate over its mean"))
		Expect(page).To(ContainSubstring(`<dt id="term-retry_peak_rate">retry_peak_rate</dt>`))
		headers := regexp.MustCompile(`<th(?: [^>]*)?>`).FindAllString(page, -1)
		Expect(headers).NotTo(BeEmpty())
		for _, h := range headers {
			Expect(h).To(MatchRegexp(`title="[^"]+"`), "every column header has its glossary line")
		}
	})
})

var _ = Describe("a Result without a run description", func() {
	It("says so instead of leaving the section empty", func() {
		res := fixture
		res.Run = nil
		dir := GinkgoT().TempDir()
		_, err := reports.Write(dir, res)
		Expect(err).NotTo(HaveOccurred())
		b, err := os.ReadFile(filepath.Join(dir, "report.md"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(b)).To(ContainSubstring("## What was run\n\nThe result does not say what was run"))
	})
})

var _ = Describe("the capacity line on the arrivals plot", func() {
	const dashed = "stroke:#A01010;stroke-width:1.2;stroke-dasharray:5,3"

	It("is drawn at the admitted rate when the server has a token-bucket capacity", func() {
		res := fixture
		rate := 150.0
		res.Run = handRun(&rate)
		f, ok := figureNamed(res, "arrivals")
		Expect(ok).To(BeTrue())
		// One dashed line per strategy panel, and its legend once.
		Expect(strings.Count(string(f.SVG), dashed)).To(Equal(len(res.Policies) + 1))
		Expect(string(f.SVG)).To(ContainSubstring(">capacity: 150/s admitted</text>"))
		Expect(f.Caption).To(ContainSubstring("Dashed: the server's capacity, 150 requests/s admitted"))
	})

	It("is absent when the server has no capacity model", func() {
		res := fixture
		res.Run = handRun(nil)
		res.Run.Server.Capacity = nil
		f, _ := figureNamed(res, "arrivals")
		Expect(string(f.SVG)).NotTo(ContainSubstring(dashed))
		Expect(string(f.SVG)).NotTo(ContainSubstring("capacity"))
		Expect(f.Caption).NotTo(ContainSubstring("Dashed"))
		Expect(f.Caption).NotTo(ContainSubstring("limits only concurrency"))
	})

	It("is absent, and the caption says why, when only concurrency bounds the server", func() {
		res := fixture
		res.Run = handRun(nil)
		f, _ := figureNamed(res, "arrivals")
		Expect(string(f.SVG)).NotTo(ContainSubstring(dashed))
		Expect(f.Caption).To(ContainSubstring("limits only concurrency"))
	})
})

var _ = Describe("the retry-delay plot", func() {
	It("has a panel for every retry the table shows", func() {
		md := readFile("report.md")
		rows := mdTable(md, "Delay before each retry as the server saw it: from the end of the previous response to the retry's arrival")
		svg := readFile("retry-delays.svg")
		Expect(len(rows)).To(BeNumerically(">", 12)) // three strategies, up to six retries each
		want := map[string]int{}
		for _, p := range fixture.Policies {
			for _, rd := range p.RetryDelays {
				want[fmt.Sprintf(">retry %d, n=%d", rd.Retry, rd.Count-rd.AfterRetryAfter)]++
			}
		}
		panels := 0
		for title, n := range want {
			Expect(strings.Count(svg, title)).To(Equal(n), title)
			panels += n
		}
		Expect(panels).To(Equal(len(rows)))
		for _, p := range fixture.Policies {
			Expect(svg).To(ContainSubstring(">" + p.Name + "</text>")) // each row names its strategy
		}
	})

	It("fits each retry's axis to the data, to the p99 when one delay is an outlier, and says so", func() {
		// 100 delays of 10, 20, …, 1000 ms and one of 60 s: the p99 is the
		// 100th of 101, 1000 ms, and 60 s is more than 1.5 times it.
		cdf := []analysis.Point{}
		for i := 1; i <= 100; i++ {
			cdf = append(cdf, analysis.Point{X: float64(10 * i), Y: float64(i) / 101})
		}
		cdf = append(cdf, analysis.Point{X: 60000, Y: 1})
		tidy := []analysis.Point{{X: 100, Y: 0.5}, {X: 200, Y: 1}}
		res := analysis.Result{BinWidthMs: 100, WindowMs: 1000, Policies: []analysis.PolicyResult{
			{Name: "spiky", Series: analysis.Series{Arrivals: []int{1}, Succeeded: []int{1}},
				RetryDelays: []analysis.RetryDelay{{Retry: 1, Count: 101, CDF: cdf}, {Retry: 2, Count: 2, CDF: tidy}}},
		}}
		f, ok := figureNamed(res, "retry-delays")
		Expect(ok).To(BeTrue())
		svg := string(f.SVG)
		Expect(svg).To(ContainSubstring(">retry 1, n=101 (axis to p99; max 60 s)</text>"))
		Expect(svg).To(ContainSubstring(">retry 2, n=2</text>")) // 200 ms is its own longest: no clipping
		Expect(f.Caption).To(ContainSubstring("the axis ends past the p99"))
		// Retry 1's axis ends at 1000 ms × 1.05: its last label is 1k, not 60k.
		Expect(svg).To(ContainSubstring(">1k</text>"))
		Expect(svg).NotTo(ContainSubstring(">60k</text>"))
	})
})

var _ = Describe("the overview chart", func() {
	It("comes first, one row per strategy with its success rate, amplification, p99 and retry peak", func() {
		f, ok := figureNamed(fixture, "overview")
		Expect(ok).To(BeTrue())
		svg := string(f.SVG)
		for _, title := range []string{">success rate (%)<", ">amplification<", ">p99 completion (s)<", ">retries/s, busiest 16 ms<"} {
			Expect(svg).To(ContainSubstring(title))
		}
		for _, p := range fixture.Policies {
			Expect(svg).To(ContainSubstring(">" + p.Name + "</text>"))
			// retry_peak_rate is retry_max_window / 16 ms × 1000, a whole
			// multiple of 62.5 /s: at 100 /s and up, num shows it to the unit.
			Expect(*p.RetryPeakRate).To(BeNumerically("~", float64(*p.RetryMaxWindow)*1000/16, 1e-9))
			Expect(svg).To(ContainSubstring(fmt.Sprintf(">%.0f</text>", *p.RetryPeakRate)))
		}
		md := readFile("report.md")
		Expect(md).To(MatchRegexp(`(?s)^# chaos report: outage-recovery\n.*?\n## Overview\n\n!\[Overview\]\(overview.svg\)`))
	})
})

var _ = Describe("the overview's retry peak", func() {
	It("shows – where retries cannot be told from first attempts", func() {
		rate := 2812.5 // 45 retries in 16 ms: 45 / 0.016 s
		res := analysis.Result{BinWidthMs: 100, WindowMs: 1000, RetryWindowMs: 16, Policies: []analysis.PolicyResult{
			{Name: "grouped", RetryPeakRate: &rate, Series: analysis.Series{Arrivals: []int{1}, Succeeded: []int{1}}},
			{Name: "headerless", Series: analysis.Series{Arrivals: []int{1}, Succeeded: []int{1}}},
		}}
		f, ok := figureNamed(res, "overview")
		Expect(ok).To(BeTrue())
		svg := string(f.SVG)
		Expect(svg).To(ContainSubstring(">2812</text>")) // num shows 2812.5 to the unit, rounding half to even
		// Amplification is null for both, the retry peak for headerless:
		// three "–" labels.
		Expect(strings.Count(svg, ">–</text>")).To(Equal(3))
	})
})

var _ = Describe("result.json", func() {
	It("has schema_version 2, created and scenario_text", func() {
		var raw map[string]any
		Expect(json.Unmarshal([]byte(readFile("result.json")), &raw)).To(Succeed())
		Expect(raw).To(HaveKeyWithValue("schema_version", 2.0))
		Expect(raw).To(HaveKey("created"))
		Expect(raw["created"]).To(MatchRegexp(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`))
		Expect(raw).To(HaveKey("scenario_text"))
		Expect(raw).To(HaveKey("run"))
	})
})
