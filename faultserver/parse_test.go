package faultserver_test

import (
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/internal/yamlfile"
)

// parseErrors returns the located errors of a script that must not parse.
func parseErrors(src string) yamlfile.Errors {
	_, _, err := faultserver.ParseScript("s.yaml", []byte(src))
	var es yamlfile.Errors
	Expect(errors.As(err, &es)).To(BeTrue(), "got %T: %v", err, err)
	return es
}

var _ = Describe("ParseScript", func() {
	It("reads a bare server script", func() {
		spec, _, err := faultserver.ParseScript("s.yaml", []byte(`
response: {status: 200, delay: {dist: lognormal, median: 20ms, p99: 200ms}}
per: client
phases:
  - {name: warm, requests: 2, fault: {status: 503, retry_after: 2s}}
  - {name: rest}
`))
		Expect(err).NotTo(HaveOccurred())
		Expect(spec.Per).To(Equal(faultserver.PerClient))
		Expect(spec.Response.Delay.Dist).To(Equal(faultserver.DistLognormal))
		Expect(spec.Response.Delay.P99).To(Equal(200 * time.Millisecond))
		Expect(spec.Phases).To(HaveLen(2))
		Expect(*spec.Phases[0].Fault.RetryAfter).To(Equal(2 * time.Second))
	})

	It("takes the server section of a whole scenario file and leaves the rest alone", func() {
		spec, doc, err := faultserver.ParseScript("sc.yaml", []byte(`
name: outage
clients: {count: 5, whatever: ignored}
server:
  capacity: {concurrency: 64, rate: 1000, burst: 100, status: 503}
  phases:
    - {name: healthy, duration: 5s}
    - {name: outage, duration: 10s, fault: {status: 503}}
    - name: limited
      requests: 200
      mix:
        - {weight: 70}
        - {weight: 30, fault: {status: 429, retry_after: 2s}}
    - {name: recovered}
  routes:
    - {path: /api/orders, methods: [POST], phases: [{fault: {reset: true}, requests: 3}, {}]}
`))
		Expect(err).NotTo(HaveOccurred())
		Expect(doc.File).To(Equal("sc.yaml"))
		Expect(spec.Capacity.Concurrency).To(Equal(64))
		Expect(spec.Phases[2].Mix[1].Fault.Status).To(Equal(429))
		Expect(spec.Routes[0].Phases[0].Fault.Reset).To(BeTrue())
	})

	It("gives the zero spec for a scenario without a server section", func() {
		spec, _, err := faultserver.ParseScript("sc.yaml", []byte("clients: {count: 1}\n"))
		Expect(err).NotTo(HaveOccurred())
		Expect(*spec).To(BeZero())
	})

	It("names file, line and full field path of an unknown key in a scenario's server", func() {
		es := parseErrors("name: x\nserver:\n  phases:\n    - {fault: {stauts: 503}}\n")
		Expect(es[0].Error()).To(HavePrefix("s.yaml:4:"))
		Expect(es[0].Field).To(Equal("server.phases[0].fault.stauts"))
		Expect(es[0].Msg).To(ContainSubstring(`did you mean "status"?`))
	})

	It("refuses an unknown key of a delay distribution with a suggestion", func() {
		es := parseErrors("response:\n  delay: {dist: lognormal, median: 20ms, p90: 200ms}\n")
		Expect(es[0].Line).To(Equal(2))
		Expect(es[0].Msg).To(ContainSubstring(`did you mean "p99"?`))
	})

	DescribeTable("validation problems are located at their field",
		func(src string, line int, field, msg string) {
			es := parseErrors(src)
			Expect(es[0].Line).To(Equal(line), es.Error())
			Expect(es[0].Field).To(Equal(field), es.Error())
			Expect(es[0].Msg).To(ContainSubstring(msg))
		},
		Entry("open-ended phase before the last", "phases:\n  - {name: a}\n  - {name: b}\n",
			2, "phases[0]", "only the last phase may be open-ended"),
		Entry("bad per", "per: everyone\n", 1, "per", `per must be "global" or "client"`),
		Entry("two actions", "phases:\n  - fault: {reset: true, close: true}\n", 2, "phases[0].fault.close", "at most one of"),
		Entry("status out of range", "phases:\n  - fault:\n      status: 42\n", 3, "phases[0].fault.status", "not a final HTTP status"),
		Entry("an interim 1xx status", "phases:\n  - fault:\n      status: 103\n", 3, "phases[0].fault.status", "1xx are interim"),
		Entry("status on reset", "phases:\n  - fault: {reset: true, status: 500}\n", 2, "phases[0].fault.status", "no effect with reset"),
		Entry("fractional retry_after", "phases:\n  - fault: {status: 429, retry_after: 1500ms}\n", 2, "phases[0].fault.retry_after", "whole seconds"),
		Entry("both retry afters", "response: {retry_after: 1s, retry_after_date: 1s}\n", 1, "response.retry_after_date", "not both"),
		Entry("fault and mix", "phases:\n  - fault: {status: 500}\n    mix: [{weight: 1}]\n", 3, "phases[0].mix", "not both"),
		Entry("zero weight", "phases:\n  - mix:\n      - {weight: 0}\n", 3, "phases[0].mix[0].weight", "positive"),
		Entry("bad mux template", "routes:\n  - {path: \"/a/{id\"}\n", 2, "routes[0].path", "invalid path template"),
		Entry("capture group in a route path (mux would panic)", "routes:\n  - {path: \"/{id:(a)}\"}\n", 2, "routes[0].path", "capture groups"),
		Entry("capture group in a route path prefix", "routes:\n  - {path_prefix: \"/x/{id:(?P<n>a)}\"}\n", 2, "routes[0].path_prefix", "capture groups"),
		Entry("capture group in the row path", "row: {path: \"/rows/{id:(a|b)}\"}\n", 1, "row.path", "capture groups"),
		Entry("route without path", "routes:\n  - {methods: [GET]}\n", 2, "routes[0].path", "missing path"),
		Entry("lognormal p99 below median", "response:\n  delay: {dist: lognormal, median: 20ms, p99: 10ms}\n", 2, "response.delay.p99", "above median"),
		Entry("unknown dist", "response:\n  delay: {dist: lognormel, median: 20ms}\n", 2, "response.delay.dist", `did you mean "lognormal"?`),
		Entry("capacity without limits", "capacity: {status: 503}\n", 1, "capacity", "give concurrency, rate or both"),
		Entry("bad bandwidth", "phases:\n  - fault: {slow: fast}\n", 2, "phases[0].fault.slow", "invalid bandwidth"),
		Entry("malformed false", "phases:\n  - fault: {malformed: false}\n", 2, "phases[0].fault.malformed", "malformed: false"),
		Entry("duration without unit", "phases:\n  - {duration: 5}\n  - {}\n", 2, "phases[0].duration", "needs a unit"),
		Entry("row without path", "row: {version: 3}\n", 1, "row.path", "missing path"),
		Entry("server section not a mapping", "name: x\nserver: [1, 2]\n", 2, "server", "expected a mapping"),
		Entry("header name with a space", "phases:\n  - fault: {status: 500, headers: {\"x bad\": 1}}\n", 2, "phases[0].fault.headers.x bad", "not a valid header name"),
		Entry("duplicate route names", "routes:\n  - {path: /a}\n  - {path: /a}\n", 3, "routes[1].name", "already used"),
	)

	It("reports the other problems of a script beside an unknown key", func() {
		// Line 1 misspells "phases"; line 2's status is out of range; line 4's
		// route has no path. All three are reported, in one pass.
		es := parseErrors("phasse: []\nresponse: {status: 42}\nroutes:\n  - {methods: [GET]}\n")
		Expect(es).To(HaveLen(3), es.Error())
		Expect([]string{es[0].Field, es[1].Field, es[2].Field}).To(ConsistOf("phasse", "response.status", "routes[0].path"))
		Expect([]int{es[0].Line, es[1].Line, es[2].Line}).To(ConsistOf(1, 2, 4))
	})

	It("reports every problem at once", func() {
		es := parseErrors("per: x\nphases:\n  - fault: {status: 1}\n  - {}\n")
		Expect(es).To(HaveLen(3))
		Expect([]string{es[0].Field, es[1].Field, es[2].Field}).To(Equal(
			[]string{"per", "phases[0]", "phases[0].fault.status"}))
	})

	It("writes back what it read (the admin API serves the script this way)", func() {
		src := `
response: {delay: {dist: uniform, min: 1ms, max: 3ms}, body_size: 10}
phases:
  - {duration: 1s, fault: {delay: 250ms, status: 503, retry_after_date: 2s}}
  - {requests: 3, fault: {slow: 2KiB/s}}
  - {requests: 3, fault: {malformed: true}}
  - mix: [{weight: 1, fault: {truncate: 0}}, {weight: 2, fault: {malformed: "HELLO"}}]
`
		spec, _, err := faultserver.ParseScript("s.yaml", []byte(src))
		Expect(err).NotTo(HaveOccurred())
		out, err := yaml.Marshal(spec)
		Expect(err).NotTo(HaveOccurred())
		again, _, err := faultserver.ParseScript("out.yaml", out)
		Expect(err).NotTo(HaveOccurred(), string(out))
		Expect(again).To(Equal(spec))
	})
})

var _ = Describe("ParseBandwidth", func() {
	DescribeTable("forms",
		func(in string, want faultserver.Bandwidth) {
			Expect(faultserver.ParseBandwidth(in)).To(Equal(want))
		},
		Entry("bytes", "512B/s", faultserver.Bandwidth(512)),
		Entry("kilobytes", "10KB/s", faultserver.Bandwidth(10000)),
		Entry("kibibytes", "2KiB/s", faultserver.Bandwidth(2048)),
		Entry("megabytes", "1.5MB/s", faultserver.Bandwidth(1500000)),
		Entry("bare", "300", faultserver.Bandwidth(300)),
	)
	It("refuses zero and garbage", func() {
		_, err := faultserver.ParseBandwidth("0B/s")
		Expect(err).To(HaveOccurred())
		_, err = faultserver.ParseBandwidth("quick")
		Expect(err).To(MatchError(ContainSubstring("invalid bandwidth")))
	})
})

var _ = Describe("DefaultSpec", func() {
	It("parses and compiles, and mixes successes with faults", func() {
		s, err := faultserver.Compile(faultserver.DefaultSpec(), 1)
		Expect(err).NotTo(HaveOccurred())
		seen := map[string]bool{}
		for i := 0; i < 200; i++ {
			seen[decide(s, 0, "c", "GET", "/").Kind] = true
		}
		Expect(seen).To(HaveKey("none"))
		Expect(seen).To(HaveKey("status"))
		Expect(seen).To(HaveKey("reset"))
	})
})
