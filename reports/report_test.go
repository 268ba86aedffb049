package reports_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/reports"
)

// The fixture is costly to draw, so the suite writes it once.
var (
	fixture    analysis.Result
	fixtureDir string
	written    []string
)

var _ = BeforeSuite(func() {
	fixture = outageResult(200, "none", "full", "equal")
	fixtureDir = GinkgoT().TempDir()
	var err error
	written, err = reports.Write(fixtureDir, fixture)
	Expect(err).NotTo(HaveOccurred())
})

func readFile(name string) string {
	GinkgoHelper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

// numberOf parses a report cell: "98.1%", "+1.89", "2425", "< 0.0001".
func numberOf(cell string) float64 {
	GinkgoHelper()
	s := strings.TrimSpace(strings.NewReplacer("%", "", "+", "", "< ", "").Replace(cell))
	v, err := strconv.ParseFloat(s, 64)
	Expect(err).NotTo(HaveOccurred(), "cell %q", cell)
	return v
}

// shows asserts that a cell shows value to the digits it has; scale is 100
// for percentages and points.
func shows(cell string, value, scale float64) {
	GinkgoHelper()
	got := numberOf(cell)
	digits := 0
	if i := strings.IndexByte(cell, '.'); i >= 0 {
		digits = len(strings.TrimRight(cell[i+1:], "%"))
	}
	tol := 0.5*math.Pow(10, -float64(digits)) + 1e-9
	Expect(got).To(BeNumerically("~", value*scale, tol), "cell %q against %v", cell, value)
}

var mdRow = regexp.MustCompile(`(?m)^\| (.*) \|$`)

// mdTable returns the body rows of the Markdown table under the caption.
func mdTable(md, caption string) [][]string {
	GinkgoHelper()
	i := strings.Index(md, "**"+caption+"**")
	Expect(i).To(BeNumerically(">=", 0), "table %q", caption)
	rest := md[i:]
	end := strings.Index(rest, "\n\n**")
	if j := strings.Index(rest, "\n\n#"); end < 0 || (j >= 0 && j < end) {
		end = j
	}
	var rows [][]string
	for _, m := range mdRow.FindAllStringSubmatch(rest[:end], -1) {
		rows = append(rows, strings.Split(m[1], " | "))
	}
	Expect(len(rows)).To(BeNumerically(">=", 2))
	return rows[2:] // header and the alignment row
}

var (
	htmlRow  = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	htmlCell = regexp.MustCompile(`(?s)<td(?: class="[^"]*")?>(.*?)</td>`)
)

// htmlTable returns the body rows of the HTML table with the id.
func htmlTable(page, id string) [][]string {
	GinkgoHelper()
	start := strings.Index(page, `<table id="table-`+id+`"`)
	Expect(start).To(BeNumerically(">=", 0), "table %q", id)
	body := page[start:]
	body = body[strings.Index(body, "<tbody>"):strings.Index(body, "</table>")]
	var rows [][]string
	for _, r := range htmlRow.FindAllStringSubmatch(body, -1) {
		var cells []string
		for _, c := range htmlCell.FindAllStringSubmatch(r[1], -1) {
			cells = append(cells, html.UnescapeString(c[1]))
		}
		rows = append(rows, cells)
	}
	return rows
}

var _ = Describe("a written report", func() {
	It("writes result.json, report.md, report.html and every figure as SVG and PNG", func() {
		names := []string{}
		for _, p := range written {
			names = append(names, filepath.Base(p))
		}
		Expect(names).To(Equal([]string{"result.json", "report.md", "report.html",
			"overview.svg", "overview.png", "arrivals.svg", "arrivals.png", "success.svg", "success.png",
			"completion.svg", "completion.png", "retry-delays.svg", "retry-delays.png"}))
		for _, n := range names {
			b := readFile(n)
			switch filepath.Ext(n) {
			case ".png":
				Expect(b).To(HavePrefix("\x89PNG\r\n\x1a\n"))
			case ".svg":
				dec := xml.NewDecoder(strings.NewReader(b))
				for {
					_, err := dec.Token()
					if err == io.EOF {
						break
					}
					Expect(err).NotTo(HaveOccurred(), n)
				}
			}
		}
	})

	It("writes result.json as the Result, field for field", func() {
		var back analysis.Result
		Expect(json.Unmarshal([]byte(readFile("result.json")), &back)).To(Succeed())
		want, _ := json.Marshal(fixture)
		got, _ := json.Marshal(back)
		Expect(got).To(MatchJSON(want))
	})

	Describe("report.md", func() {
		var md string
		BeforeEach(func() { md = readFile("report.md") })

		It("has its sections, figures and the run's metadata", func() {
			Expect(md).To(HavePrefix("# chaos report: outage-recovery\n"))
			for _, h := range []string{"## Overview", "## What was run", "## Summary", "## Comparison", "## Over time",
				"## Completion times", "## Retries", "## What the server did", "## Methods", "## Glossary"} {
				Expect(md).To(ContainSubstring("\n" + h + "\n"))
			}
			for _, f := range []string{"arrivals", "success", "completion", "retry-delays"} {
				Expect(md).To(ContainSubstring("](" + f + ".svg)"))
			}
			Expect(md).To(ContainSubstring("- scenario: outage-recovery\n"))
			Expect(md).To(ContainSubstring("- engine: sim\n"))
			Expect(md).To(ContainSubstring("- seed: 11\n"))
			Expect(md).To(ContainSubstring("- version: " + fixture.Version))
			Expect(md).To(ContainSubstring("- reproduce with: `" + fixture.Command + "`"))
		})

		It("shows the numbers of result.json in its tables", func() {
			outcome := mdTable(md, "Outcome per strategy")
			checkOutcome(outcome)
			checkCompletion(mdTable(md, "Completion time per logical request (ms)"))
			checkLoad(mdTable(md, "Load on the server and the retry herd (retries in the busiest 16 ms)"))
			checkRetryAfter(mdTable(md, "Retry-After, recovery and the breaker"))
			checkMargin(mdTable(md, "Retry-After margin: each retry's arrival less the earliest time the server allowed (ms; negative is early)"))
			checkComparisons(mdTable(md, "The best strategy, "+fixture.Best+" (A), against each other one (B): A − B"))
		})

		It("states the ranking rule and the trade-offs right under the headline", func() {
			herd, ok := reports.HerdSentence(fixture)
			Expect(ok).To(BeTrue())
			notes := "\n\n" + herd + "\n\n" + analysis.RankingRule() + "\n\n"
			for _, t := range fixture.Tradeoffs {
				notes += t + "\n\n"
			}
			Expect(md).To(ContainSubstring("**" + reports.Headline(fixture) + "**" + notes + "- scenario:"))
		})

		It("says which strategy did best and by how much, with the interval", func() {
			c := fixture.Comparisons[0]
			Expect(md).To(ContainSubstring(fixture.Best + " did best"))
			Expect(md).To(ContainSubstring(strconv.FormatFloat(100*c.SuccessRateDiffCI[0], 'f', 2, 64)))
		})
	})

	Describe("report.html", func() {
		var page string
		BeforeEach(func() { page = readFile("report.html") })

		It("is self-contained: inline SVG figures, no outside assets", func() {
			Expect(strings.Count(page, "<svg")).To(Equal(5))
			Expect(page).NotTo(ContainSubstring("<?xml"))
			Expect(page).NotTo(MatchRegexp(`(?i)<(script|link|img|iframe)\b`))
			Expect(page).NotTo(MatchRegexp(`(?i)(src|href)="(https?:)?//`))
			Expect(page).NotTo(ContainSubstring("url("))
		})

		It("has its sections, figures and the run's metadata", func() {
			for _, id := range []string{"overview", "setup", "summary", "comparison", "over-time", "completion", "retries", "server", "methods", "glossary"} {
				Expect(page).To(ContainSubstring(`<section id="` + id + `">`))
			}
			for _, f := range []string{"arrivals", "success", "completion", "retry-delays"} {
				Expect(page).To(ContainSubstring(`<figure id="fig-` + f + `">`))
			}
			meta := page[strings.Index(page, `<dl class="meta"`):strings.Index(page, "</dl>")]
			Expect(meta).To(ContainSubstring("<dd>outage-recovery</dd>"))
			Expect(meta).To(ContainSubstring("<dd>sim</dd>"))
			Expect(meta).To(ContainSubstring("<dd>11</dd>"))
			Expect(html.UnescapeString(meta)).To(ContainSubstring("<code>" + fixture.Command + "</code>"))
			Expect(html.UnescapeString(meta)).To(ContainSubstring(fixture.Version))
		})

		It("shows the numbers of result.json in its tables", func() {
			checkOutcome(htmlTable(page, "outcome"))
			checkCompletion(htmlTable(page, "completion"))
			checkLoad(htmlTable(page, "load"))
			checkRetryAfter(htmlTable(page, "retry-after"))
			checkMargin(htmlTable(page, "retry-after-margin"))
			checkComparisons(htmlTable(page, "comparisons"))
			var delays, sleeps [][]string
			for _, r := range htmlTable(page, "retry-delays") {
				if r[0] == "full" {
					delays = append(delays, r)
				}
			}
			for _, r := range htmlTable(page, "retry-sleeps") {
				if r[0] == "full" {
					sleeps = append(sleeps, r)
				}
			}
			full, _ := fixture.Policy("full")
			Expect(delays).To(HaveLen(len(full.RetryDelays)))
			Expect(sleeps).To(HaveLen(len(full.RetryDelays)))
			for i, rd := range full.RetryDelays {
				Expect(delays[i][1]).To(Equal(strconv.Itoa(rd.Retry)))
				Expect(delays[i][2]).To(Equal(strconv.Itoa(rd.Count)))
				shows(delays[i][3], rd.Mean, 1)
				// The fixture's Records carry no client times: no sleep, and
				// the KS test is on the server-seen gap.
				Expect(rd.Sleep).To(BeNil())
				Expect(sleeps[i][1]).To(Equal("server gap"))
				Expect(sleeps[i][2]).To(Equal(strconv.Itoa(rd.Retry)))
				Expect(sleeps[i][3:7]).To(Equal([]string{"–", "–", "–", "–"}))
				shows(sleeps[i][7], rd.KS.D, 1)
			}
		})

		It("says the same headline as the Markdown", func() {
			Expect(html.UnescapeString(page)).To(ContainSubstring(reports.Headline(fixture)))
		})
	})
})

func checkOutcome(rows [][]string) {
	GinkgoHelper()
	Expect(rows).To(HaveLen(len(fixture.Policies)))
	for i, p := range fixture.Policies {
		r := rows[i]
		Expect(r[0]).To(Equal(p.Name))
		Expect(r[1]).To(Equal(strconv.Itoa(p.LogicalRequests)))
		Expect(r[2]).To(Equal(strconv.Itoa(p.Succeeded)))
		shows(r[3], p.SuccessRate, 100)
		ci := strings.Split(r[4], " – ")
		shows(ci[0], p.SuccessRateCI[0], 100)
		shows(ci[1], p.SuccessRateCI[1], 100)
		Expect(r[5]).To(Equal(strconv.Itoa(p.Attempts)))
		shows(r[6], *p.Amplification, 1)
	}
}

func checkCompletion(rows [][]string) {
	GinkgoHelper()
	Expect(rows).To(HaveLen(len(fixture.Policies)))
	for i, p := range fixture.Policies {
		r := rows[i]
		Expect(r[0]).To(Equal(p.Name))
		shows(r[1], p.CompletionMs.P50, 1)
		shows(r[2], p.CompletionMs.P90, 1)
		shows(r[3], p.CompletionMs.P99, 1)
		shows(r[4], p.CompletionMs.Max, 1)
		shows(r[5], p.MakespanMs, 1)
		// The fixture's Records carry no client times.
		Expect(p.ClientMakespanMs).To(BeNil())
		Expect(r[6]).To(Equal("–"))
	}
}

func checkLoad(rows [][]string) {
	GinkgoHelper()
	Expect(rows).To(HaveLen(len(fixture.Policies)))
	for i, p := range fixture.Policies {
		r := rows[i]
		Expect(r[0]).To(Equal(p.Name))
		shows(r[1], p.PeakToMean, 1)
		shows(r[2], p.CV, 1)
		Expect(r[3]).To(Equal(strconv.Itoa(p.MaxWindowArrivals)))
		Expect(p.RetryMaxWindow).NotTo(BeNil())
		Expect(r[4]).To(Equal(strconv.Itoa(*p.RetryMaxWindow)))
		shows(r[5], *p.RetryPeakRate, 1)
		// The fixture's server has no capacity model.
		Expect(p.PeakToCapacity).To(BeNil())
		Expect(r[6]).To(Equal("–"))
	}
}

func checkRetryAfter(rows [][]string) {
	GinkgoHelper()
	Expect(rows).To(HaveLen(len(fixture.Policies)))
	for i, p := range fixture.Policies {
		r := rows[i]
		Expect(r[0]).To(Equal(p.Name))
		Expect(r[1]).To(Equal(strconv.Itoa(*p.RetryAfterViolations)))
		Expect(r[2]).To(Equal(strconv.Itoa(*p.RetryAfterRetries)))
		Expect(p.TimeToRecoverMs).NotTo(BeNil())
		shows(r[3], *p.TimeToRecoverMs, 1)
		if p.BreakerOpenShare != nil {
			shows(r[4], *p.BreakerOpenShare, 100)
		} else {
			Expect(r[4]).To(Equal("–"))
		}
	}
}

// checkMargin: every strategy of the fixture retried after a Retry-After.
func checkMargin(rows [][]string) {
	GinkgoHelper()
	Expect(rows).To(HaveLen(len(fixture.Policies)))
	for i, p := range fixture.Policies {
		r, m := rows[i], p.RetryAfterMarginMs
		Expect(m).NotTo(BeNil())
		Expect(r[0]).To(Equal(p.Name))
		Expect(r[1]).To(Equal(strconv.Itoa(m.Count)))
		shows(r[2], m.Min, 1)
		shows(r[3], m.P1, 1)
		shows(r[4], m.P50, 1)
		shows(r[5], m.P99, 1)
		Expect(r[6:]).To(Equal([]string{strconv.Itoa(m.Early), strconv.Itoa(m.EarlyOver100Ms), strconv.Itoa(m.EarlyOver1s)}))
	}
}

func checkComparisons(rows [][]string) {
	GinkgoHelper()
	Expect(rows).To(HaveLen(len(fixture.Comparisons)))
	for i, c := range fixture.Comparisons {
		r := rows[i]
		Expect(c.A).To(Equal(fixture.Best)) // named in the caption
		Expect(r[0]).To(Equal(c.B))
		shows(r[1], c.SuccessRateDiff, 100)
		ci := strings.Split(r[2], " to ")
		shows(ci[0], c.SuccessRateDiffCI[0], 100)
		shows(ci[1], c.SuccessRateDiffCI[1], 100)
		if c.Completion.P >= 0.0001 {
			shows(r[3], c.Completion.P, 1)
		}
		shows(r[4], c.PeakToMeanDiff, 1)
		ci = strings.Split(r[5], " to ")
		shows(ci[0], c.PeakToMeanDiffCI[0], 1)
		shows(ci[1], c.PeakToMeanDiffCI[1], 1)
	}
}

var _ = Describe("the headline", func() {
	pol := func(name string, ok, n int, amp float64) analysis.PolicyResult {
		lo, hi := analysis.Wilson(ok, n, analysis.Z95)
		return analysis.PolicyResult{Name: name, Succeeded: ok, LogicalRequests: n, SuccessRate: float64(ok) / float64(n),
			SuccessRateCI: [2]float64{lo, hi}, Amplification: &amp}
	}
	versus := func(a, b analysis.PolicyResult) analysis.Comparison {
		d, lo, hi := analysis.NewcombeDiff(a.Succeeded, a.LogicalRequests, b.Succeeded, b.LogicalRequests, analysis.Z95)
		return analysis.Comparison{A: a.Name, B: b.Name, SuccessRateDiff: d, SuccessRateDiffCI: [2]float64{lo, hi}}
	}

	It("gives the difference and its interval when the best is ahead for real", func() {
		full, none := pol("full", 990, 1000, 2.4), pol("none", 900, 1000, 3.1)
		res := analysis.Result{Policies: []analysis.PolicyResult{none, full}, Best: "full", Comparisons: []analysis.Comparison{versus(full, none)}}
		c := res.Comparisons[0]
		Expect(reports.Headline(res)).To(Equal(fmt.Sprintf("full did best: 99.00%% of its 1000 logical requests succeeded against 90.0%% for none, the next best, a difference of +9.00 points (95%% CI +%.2f to +%.2f), with 2.40 attempts per logical request against 3.10.",
			100*c.SuccessRateDiffCI[0], 100*c.SuccessRateDiffCI[1])))
	})

	It("says when success rates are within the noise and what decided", func() {
		lean, loud := pol("lean", 990, 1000, 1.5), pol("loud", 991, 1000, 3)
		res := analysis.Result{Policies: []analysis.PolicyResult{loud, lean}, Best: "lean", Comparisons: []analysis.Comparison{versus(lean, loud)}}
		Expect(reports.Headline(res)).To(HavePrefix("lean did best: its success rate of 99.00% is within the noise of loud's 99.10% (difference -0.10 points (95% CI "))
		// Ranking costs (amplification − 1 + p99 in seconds, p99 0 here):
		// lean 0.5, loud 2.
		Expect(reports.Headline(res)).To(HaveSuffix("), and it cost less by the ranking rule: 0.50 (1.50 attempts per logical request, p99 0 ms) against 2.00 (3.00, p99 0 ms)."))
	})

	It("follows with the ranking rule and the trade-offs when strategies were ranked", func() {
		lean, loud := pol("lean", 990, 1000, 1.5), pol("loud", 991, 1000, 3)
		res := analysis.Result{Policies: []analysis.PolicyResult{loud, lean}, Best: "lean", Tradeoffs: []string{"Trade-off: lean ranks first, but loud ..."}}
		Expect(reports.HeadlineNotes(res)).To(Equal([]string{analysis.RankingRule(), "Trade-off: lean ranks first, but loud ..."}))
		res.Policies = res.Policies[1:]
		Expect(reports.HeadlineNotes(res)).To(BeEmpty())
	})

	It("names the worst retry herd against the best, first of the notes", func() {
		// none: 436 retries in one 16 ms window, a server admitting 64 in it
		// (peak_to_capacity 436 / 64 = 6.8125, shown to three digits as the
		// tables and the herd plot show it, 6.81); decorrelated 45;
		// full 91; blind's herd is null (attempts not groupable) and is
		// passed over.
		herd := func(p analysis.PolicyResult, retries int, capacity *float64) analysis.PolicyResult {
			p.RetryMaxWindow, p.PeakToCapacity = &retries, capacity
			return p
		}
		none := herd(pol("none", 990, 1000, 3.1), 436, ptr(6.8125))
		full := herd(pol("full", 990, 1000, 2.4), 91, ptr(1.421875))
		deco := herd(pol("decorrelated", 990, 1000, 2.5), 45, ptr(0.703125))
		blind := pol("blind", 990, 1000, 1)
		res := analysis.Result{RetryWindowMs: 16, Policies: []analysis.PolicyResult{blind, none, full, deco}, Best: "full"}
		want := "none sends the worst retry herd: 436 retries in 16 ms (6.81× capacity) against 45 for decorrelated."
		got, ok := reports.HerdSentence(res)
		Expect(ok).To(BeTrue())
		Expect(got).To(Equal(want))
		Expect(reports.HeadlineNotes(res)).To(Equal([]string{want, analysis.RankingRule()}))

		// Without a capacity model the capacity part goes.
		res.Policies[1].PeakToCapacity = nil
		Expect(herdSentence(res)).To(Equal("none sends the worst retry herd: 436 retries in 16 ms against 45 for decorrelated."))
	})

	It("names no herd unless two strategies have a known and different one", func() {
		one := 1
		a, b := pol("a", 990, 1000, 2), pol("b", 990, 1000, 2)
		a.RetryMaxWindow = &one
		res := analysis.Result{RetryWindowMs: 16, Policies: []analysis.PolicyResult{a, b}, Best: "a"}
		_, ok := reports.HerdSentence(res) // b's herd is null
		Expect(ok).To(BeFalse())
		res.Policies[1].RetryMaxWindow = &one // both 1: no worst
		_, ok = reports.HerdSentence(res)
		Expect(ok).To(BeFalse())
		Expect(reports.HeadlineNotes(res)).To(Equal([]string{analysis.RankingRule()}))
		two := 2
		res.Policies[1].RetryMaxWindow = &two
		Expect(herdSentence(res)).To(Equal("b sends the worst retry herd: 2 retries in 16 ms against 1 for a."))
	})

	It("summarises a single strategy", func() {
		res := analysis.Result{Policies: []analysis.PolicyResult{pol("client", 45, 50, 1.2)}, Best: "client"}
		Expect(reports.Headline(res)).To(Equal("client: 90.0% of 50 logical requests succeeded (95% CI 78.6% to 95.7%), with 1.20 attempts per logical request."))
	})
})

var _ = Describe("an empty result", func() {
	It("is an error, not a panic", func() {
		_, err := reports.Write(GinkgoT().TempDir(), analysis.Result{})
		Expect(err).To(MatchError(ContainSubstring("no strategies")))
	})
})

var _ = Describe("a report of a plain log", func() {
	It("leaves out what the log cannot show, and says so", func() {
		acc, err := analysis.New(analysis.Options{Scenario: "serve"})
		Expect(err).NotTo(HaveOccurred())
		// A client that sends no X-Chaos-* headers: no request ids, no attempt
		// numbers. Its 8 503s (every fifth arrival) are each taken for the
		// first attempt of a request the next arrival retries, 22 ms after
		// the 503's end: 32 logical requests, all succeeded.
		for i := range 40 {
			rec := record.Record{TMs: float64(25 * i), Client: "127.0.0.1 curl/8", Method: "GET", Path: "/", Phase: "flaky", Fault: "none", Status: 200, LatencyMs: 3}
			if i%5 == 0 {
				rec.Fault, rec.Status = "status", 503
			}
			Expect(acc.Add(rec)).To(Succeed())
		}
		res, err := acc.Finish()
		Expect(err).NotTo(HaveOccurred())
		dir := GinkgoT().TempDir()
		files, err := reports.Write(dir, res)
		Expect(err).NotTo(HaveOccurred())
		Expect(files).To(ContainElement(HaveSuffix("retry-delays.svg")))
		md, err := os.ReadFile(filepath.Join(dir, "report.md"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(md)).To(HavePrefix("# chaos report: serve\n\n**client: 100.00% of 32 logical requests succeeded"))
		Expect(string(md)).To(ContainSubstring("- seed: unknown"))
		Expect(string(md)).To(ContainSubstring("- reproduce with: (not recorded)"))
		Expect(string(md)).To(ContainSubstring("40 attempts carried neither X-Chaos-Request nor X-Chaos-Attempt, so they were grouped by inference"))
		Expect(bytes.Count(md, []byte("## Comparison"))).To(Equal(0))
	})
})

func ptr[T any](v T) *T { return &v }

// herdSentence is reports.HerdSentence, which must have one.
func herdSentence(res analysis.Result) string {
	GinkgoHelper()
	s, ok := reports.HerdSentence(res)
	Expect(ok).To(BeTrue())
	return s
}
