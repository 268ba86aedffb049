package scenarios_test

import (
	"errors"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/scenarios"
)

// minimal is a valid scenario that specs vary one line of.
const minimal = `name: tiny
seed: 9
server:
  phases:
    - {name: down, duration: 1s, fault: {status: 503}}
    - {name: up}
clients:
  count: 10
  start: together
  requests: 2
  timeout: 1s
policies:
  - name: retry
    retry: {max_retries: 2, base: 10ms, jitter: full}
assert:
  success_rate: ">= 0.9"
`

// problemsOf parses src and returns its located problems.
func problemsOf(src string) yamlfile.Errors {
	_, err := scenarios.Parse("s.yaml", []byte(src))
	Expect(err).To(HaveOccurred())
	var es yamlfile.Errors
	Expect(errors.As(err, &es)).To(BeTrue(), "got %T: %v", err, err)
	return es
}

// problemAt finds the problem of a field.
func problemAt(es yamlfile.Errors, field string) *yamlfile.Error {
	for _, e := range es {
		if e.Field == field {
			return e
		}
	}
	Fail("no problem at " + field + " in:\n" + es.Error())
	return nil
}

var _ = Describe("Parse", func() {
	It("reads every section of a valid scenario", func() {
		s, err := scenarios.Parse("s.yaml", []byte(minimal))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Name).To(Equal("tiny"))
		Expect(s.Seed).To(Equal(uint64(9)))
		Expect(s.Server.Phases).To(HaveLen(2))
		Expect(s.Clients.ClientCount()).To(Equal(10))
		Expect(s.Clients.RequestsPerClient()).To(Equal(2))
		Expect(s.Clients.AttemptTimeout()).To(Equal(time.Second))
		Expect(s.Clients.HTTPMethod()).To(Equal("GET"))
		Expect(s.Clients.RequestPath()).To(Equal("/"))
		Expect(s.PolicyNames()).To(Equal([]string{"retry"}))
		Expect(s.Assert).To(HaveLen(1))
		Expect(s.Assert[0].String()).To(Equal("success_rate >= 0.9"))
	})

	It("names a scenario without a name after its file", func() {
		s, err := scenarios.Parse("dir/my-case.yaml", []byte(strings.Replace(minimal, "name: tiny\n", "", 1)))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Name).To(Equal("my-case"))
	})

	DescribeTable("reports a problem with its file, line, field and message",
		func(from, to, field string, line int, msg string) {
			Expect(minimal).To(ContainSubstring(from))
			es := problemsOf(strings.Replace(minimal, from, to, 1))
			e := problemAt(es, field)
			Expect(e.File).To(Equal("s.yaml"))
			Expect(e.Line).To(Equal(line))
			Expect(e.Msg).To(ContainSubstring(msg))
		},
		Entry("unknown top-level key, with the near name", "seed: 9", "sed: 9",
			"sed", 2, `unknown field "sed" (did you mean "seed"?)`),
		Entry("unknown clients key", "  requests: 2", "  requets: 2",
			"clients.requets", 10, `did you mean "requests"?`),
		Entry("wrong type", "  count: 10", "  count: many",
			"clients.count", 8, "many"),
		Entry("negative count", "  count: 10", "  count: -3",
			"clients.count", 8, "at least 1"),
		Entry("duration without a unit", "  timeout: 1s", "  timeout: 5",
			"clients.timeout", 11, "needs a unit"),
		Entry("unknown start", "  start: together", "  start: altogether",
			"clients.start", 9, `unknown start "altogether"`),
		Entry("misspelt start form", "  start: together", "  start: {spred: 2s}",
			"clients.start.spred", 9, `did you mean "spread"?`),
		Entry("rate without a unit", "  start: together", "  start: {poisson: 50}",
			"clients.start.poisson", 9, "needs a unit"),
		Entry("path without a slash", "  timeout: 1s", "  timeout: 1s\n  path: api",
			"clients.path", 12, "must start with /"),
		Entry("server field, by faultserver", "fault: {status: 503}", "fault: {status: 999}",
			"server.phases[0].fault.status", 5, "not a final HTTP status"),
		Entry("unknown server key", "  phases:", "  phase:",
			"server.phase", 4, `did you mean "phases"?`),
		Entry("policy field, by resilience", "max_retries: 2", "max_retries: -1",
			"policies[0].retry.max_retries", 14, "must be 0 or more"),
		Entry("unknown policy key", "    retry: {", "    retyr: {",
			"policies[0].retyr", 14, `did you mean "retry"?`),
		Entry("unknown metric", "  success_rate:", "  sucess_rate:",
			"assert.sucess_rate", 16, `did you mean "success_rate"?`),
		Entry("condition without an operator", `">= 0.9"`, `"0.9"`,
			"assert.success_rate", 16, "needs a comparison"),
		Entry("condition that is not a number", `">= 0.9"`, `">= high"`,
			"assert.success_rate", 16, "not a number"),
		Entry("network delay, by faultserver", "  timeout: 1s", "  timeout: 1s\n  network: {dist: normal, mean: 10ms}",
			"clients.network.stddev", 12, "positive"),
		Entry("spike larger than the fleet", "  timeout: 1s", "  timeout: 1s\n  spike: {at: 1s, count: 11}",
			"clients.spike.count", 12, "between 1 and the client count 10"),
	)

	It("reports every problem of every section at once", func() {
		src := strings.Replace(minimal, "seed: 9", "sed: 9", 1)
		src = strings.Replace(src, "max_retries: 2", "max_retries: -1", 1)
		src = strings.Replace(src, "  count: 10", "  count: -1", 1)
		src = strings.Replace(src, "fault: {status: 503}", "fault: {stats: 503}", 1)
		es := problemsOf(src)
		Expect(es).To(HaveLen(4))
		Expect(es.Error()).To(ContainSubstring(`s.yaml:2:1: sed: unknown field "sed" (did you mean "seed"?)`))
		Expect(es.Error()).To(ContainSubstring(`s.yaml:5:42: server.phases[0].fault.stats: unknown field "stats"`))
		Expect(es.Error()).To(ContainSubstring("s.yaml:8:3: clients.count: must be at least 1"))
		Expect(es.Error()).To(ContainSubstring("s.yaml:14:13: policies[0].retry.max_retries: must be 0 or more"))
	})

	It("needs a server and a policy", func() {
		es := problemsOf("name: x\nclients: {count: 1}\n")
		Expect(problemAt(es, "server").Msg).To(ContainSubstring("needs a server section"))
		Expect(problemAt(es, "policies").Msg).To(ContainSubstring("at least one policy"))
	})

	It("refuses duplicate policy names and names that are metrics", func() {
		src := strings.Replace(minimal, "assert:", `  - {name: retry}
  - {name: attempts}
assert:`, 1)
		es := problemsOf(src)
		Expect(problemAt(es, "policies[1].name").Msg).To(ContainSubstring("already used by policies[0]"))
		Expect(problemAt(es, "policies[2].name").Msg).To(ContainSubstring("is a result metric"))
	})

	It("reads assertions for one policy and for all", func() {
		src := strings.Replace(minimal, "assert:\n", `  - {name: none}
assert:
  makespan_ms: "<= 12s"
  none:
    amplification: "== 1"
    completion_ms.p99: "< 250"
`, 1)
		s, err := scenarios.Parse("s.yaml", []byte(src))
		Expect(err).NotTo(HaveOccurred())
		var got []string
		for _, a := range s.Assert {
			got = append(got, a.String())
		}
		Expect(got).To(Equal([]string{
			"makespan_ms <= 12000",
			"none: amplification == 1",
			"none: completion_ms.p99 < 250",
			"success_rate >= 0.9",
		}))
	})

	It("refuses an assertion for a policy the scenario does not have", func() {
		es := problemsOf(strings.Replace(minimal, "  success_rate:", "  retyr:\n    success_rate: \">= 1\"\n  attempts:", 1))
		Expect(problemAt(es, "assert.retyr").Msg).To(ContainSubstring(`did you mean "retry"?`))
	})
})

var _ = Describe("Assertion", func() {
	DescribeTable("Holds",
		func(op string, value, measured float64, want bool) {
			a := scenarios.Assertion{Metric: "m", Op: op, Value: value}
			Expect(a.Holds(measured)).To(Equal(want))
		},
		Entry(">= at the bound", ">=", 0.99, 0.99, true),
		Entry(">= below", ">=", 0.99, 0.98, false),
		Entry("<= above", "<=", 2.5, 2.6, false),
		Entry("== within rounding", "==", 0.3, 0.1+0.2, true),
		Entry("== different", "==", 0.0, 1.0, false),
		Entry("> at the bound", ">", 1.0, 1.0, false),
		Entry("< below", "<", 1.0, 0.5, true),
	)
})

var _ = Describe("ParseRate", func() {
	DescribeTable("rates",
		func(in string, want float64, wantErr string) {
			got, err := scenarios.ParseRate(in)
			if wantErr != "" {
				Expect(err).To(MatchError(ContainSubstring(wantErr)))
				return
			}
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(BeNumerically("~", want, 1e-12))
		},
		Entry("per second", "50/s", 50.0, ""),
		Entry("per minute", "120/m", 2.0, ""),
		Entry("per millisecond", "0.5/ms", 500.0, ""),
		Entry("no unit", "50", 0.0, "needs a unit"),
		Entry("unknown unit", "50/day", 0.0, "unknown unit"),
		Entry("zero", "0/s", 0.0, "above 0"),
		Entry("not a number", "x/s", 0.0, "not a number"),
	)
})

var _ = Describe("Parse after a decode error", func() {
	It("still validates the rest of the section, without spurious problems", func() {
		src := strings.Replace(minimal, "    retry: {", "    retyr: {", 1)
		src = strings.Replace(src, "  timeout: 1s", "  timeout: 1", 1)
		es := problemsOf(src)
		Expect(es).To(HaveLen(2), es.Error())
		Expect(problemAt(es, "policies[0].retyr")).NotTo(BeNil())
		Expect(problemAt(es, "clients.timeout")).NotTo(BeNil())
	})
})
