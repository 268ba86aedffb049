package reports_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"math"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/reports"
)

// junitDoc reads back what CI tools read.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Time     string `xml:"time,attr"`
		Props    []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			ClassName string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

var _ = Describe("JUnit XML", func() {
	It("has one case per scenario, policy and assertion, and failures carry the measured value", func() {
		suites := reports.AssertionSuites([]reports.Assertion{
			{Scenario: "outage-recovery", Policy: "full", Metric: "success_rate", Condition: ">= 0.99", Measured: 0.982, Time: 1500 * time.Millisecond},
			{Scenario: "outage-recovery", Policy: "full", Metric: "amplification", Condition: "<= 2.5", Measured: 2.4, Passed: true},
			{Scenario: "retry-after", Policy: "honour", Metric: "retry_after_violations", Condition: "== 0", Measured: 0, Passed: true, Time: 250 * time.Millisecond},
			{Scenario: "retry-after", Policy: "honour", Metric: "p99 <& \"x\"", Condition: "< 1", Err: errors.New("no such metric")},
		})
		suites[0].Properties = []reports.JUnitProperty{{Name: "seed", Value: "42"}}
		suites[1].Cases = append(suites[1].Cases, reports.JUnitCase{Name: "later", ClassName: "retry-after.honour", Skipped: "not run in sim"})
		var buf bytes.Buffer
		Expect(reports.WriteJUnit(&buf, suites)).To(Succeed())
		Expect(buf.String()).To(HavePrefix(`<?xml version="1.0" encoding="UTF-8"?>`))

		var doc junitDoc
		Expect(xml.Unmarshal(buf.Bytes(), &doc)).To(Succeed())
		Expect([]int{doc.Tests, doc.Failures, doc.Errors}).To(Equal([]int{5, 1, 1}))
		Expect(doc.Suites).To(HaveLen(2))

		s := doc.Suites[0]
		Expect(s.Name).To(Equal("outage-recovery"))
		Expect([]int{s.Tests, s.Failures, s.Errors, s.Skipped}).To(Equal([]int{2, 1, 0, 0}))
		Expect(s.Time).To(Equal("1.500"))
		Expect(s.Props).To(HaveLen(1))
		Expect(s.Props[0].Value).To(Equal("42"))
		failed := s.Cases[0]
		Expect(failed.Name).To(Equal("full: success_rate >= 0.99"))
		Expect(failed.ClassName).To(Equal("outage-recovery.full"))
		Expect(failed.Failure).NotTo(BeNil())
		Expect(failed.Failure.Message).To(Equal("success_rate = 0.982, want >= 0.99"))
		Expect(failed.Failure.Type).To(Equal("assertion"))
		Expect(failed.Failure.Text).To(ContainSubstring("measured success_rate = 0.982"))
		passed := s.Cases[1]
		Expect(passed.Failure).To(BeNil())
		Expect(passed.SystemOut).To(Equal("amplification = 2.4"))

		s = doc.Suites[1]
		Expect([]int{s.Tests, s.Failures, s.Errors, s.Skipped}).To(Equal([]int{3, 0, 1, 1}))
		Expect(s.Cases[1].Name).To(Equal(`honour: p99 <& "x" < 1`)) // escaped on the way out, intact on the way in
		Expect(s.Cases[1].Error.Message).To(Equal("no such metric"))
		Expect(s.Cases[2].Skipped.Message).To(Equal("not run in sim"))
	})

	It("fails an inconclusive assertion, with \"inconclusive: \" and the reason, never as a pass", func() {
		suites := reports.AssertionSuites([]reports.Assertion{
			{Scenario: "s", Policy: "full", Metric: "time_to_recover_ms", Condition: "<= 5000", Measured: math.NaN(),
				Inconclusive: "time_to_recover_ms is null in this result: the run gave no figure for it"},
		})
		var buf bytes.Buffer
		Expect(reports.WriteJUnit(&buf, suites)).To(Succeed())
		var doc junitDoc
		Expect(xml.Unmarshal(buf.Bytes(), &doc)).To(Succeed())
		Expect([]int{doc.Tests, doc.Failures, doc.Errors}).To(Equal([]int{1, 1, 0}))
		c := doc.Suites[0].Cases[0]
		Expect(c.Failure.Message).To(Equal("inconclusive: time_to_recover_ms is null in this result: the run gave no figure for it"))
		Expect(c.Failure.Type).To(Equal("inconclusive"))
		Expect(c.Failure.Text).To(ContainSubstring("full: time_to_recover_ms <= 5000 is inconclusive"))
		Expect(c.Failure.Text).NotTo(ContainSubstring("NaN"))
	})

	It("writes an empty document when there is nothing to report", func() {
		var buf bytes.Buffer
		Expect(reports.WriteJUnit(&buf, nil)).To(Succeed())
		var doc junitDoc
		Expect(xml.Unmarshal(buf.Bytes(), &doc)).To(Succeed())
		Expect(doc.Tests).To(Equal(0))
	})
})
