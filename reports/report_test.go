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
	"github.com/chaos-harness/chaos/faultserver"
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
			load := mdTable(md, "Load on the server and recovery")
			checkOutcome(outcome)
			checkCompletion(mdTable(md, "Completion time per logical request (ms)"))
			checkLoad(load)
			checkComparisons(mdTable(md, "The best strategy against each other one (A − B)"))
		})

		It("states the ranking rule and the trade-offs right under the headline", func() {
			notes := "\n\n" + analysis.RankingRule() + "\n\n"
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
			checkComparisons(htmlTable(page, "comparisons"))
			var delays [][]string
			for _, r := range htmlTable(page, "retry-delays") {
				if r[0] == "full" {
					delays = append(delays, r)
				}
			}
			full, _ := fixture.Policy("full")
			Expect(delays).To(HaveLen(len(full.RetryDelays)))
			for i, rd := range full.RetryDelays {
				Expect(delays[i][1]).To(Equal(strconv.Itoa(rd.Retry)))
				Expect(delays[i][2]).To(Equal(strconv.Itoa(rd.Count)))
				shows(delays[i][3], rd.Mean, 1)
				shows(delays[i][8], rd.KS.D, 1)
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
		Expect(r[4]).To(Equal(strconv.Itoa(*p.RetryAfterViolations)))
		Expect(r[5]).To(Equal(strconv.Itoa(*p.RetryAfterRetries)))
		Expect(p.TimeToRecoverMs).NotTo(BeNil())
		shows(r[6], *p.TimeToRecoverMs, 1)
		if p.BreakerOpenShare != nil {
			shows(r[7], *p.BreakerOpenShare, 100)
		} else {
			Expect(r[7]).To(Equal("–"))
		}
	}
}

func checkComparisons(rows [][]string) {
	GinkgoHelper()
	Expect(rows).To(HaveLen(len(fixture.Comparisons)))
	for i, c := range fixture.Comparisons {
		r := rows[i]
		Expect(r[0]).To(Equal(c.A))
		Expect(r[1]).To(Equal(c.B))
		shows(r[2], c.SuccessRateDiff, 100)
		ci := strings.Split(r[3], " to ")
		shows(ci[0], c.SuccessRateDiffCI[0], 100)
		shows(ci[1], c.SuccessRateDiffCI[1], 100)
		if c.Completion.P >= 0.0001 {
			shows(r[4], c.Completion.P, 1)
		}
		shows(r[5], c.PeakToMeanDiff, 1)
		ci = strings.Split(r[6], " to ")
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
			rec := faultserver.Record{TMs: float64(25 * i), Client: "127.0.0.1 curl/8", Method: "GET", Path: "/", Phase: "flaky", Fault: "none", Status: 200, LatencyMs: 3}
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
