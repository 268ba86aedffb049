package faultserver_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("the gRPC fields of a fault", func() {
	plan := func(src string) faultserver.Plan {
		spec, _, err := faultserver.ParseScript("s.yaml", []byte(src))
		Expect(err).NotTo(HaveOccurred())
		script, err := faultserver.Compile(spec, 1)
		Expect(err).NotTo(HaveOccurred())
		d, t := script.Admit(0, &faultserver.RequestInfo{Method: "POST", Path: "/a.B/C", ClientKey: "c"})
		t.End(0)
		return d
	}

	It("compile into the plan's GRPC answer, and grpc_code alone gives the HTTP status it stands for", func() {
		d := plan("phases: [{fault: {grpc_code: RESOURCE_EXHAUSTED, grpc_message: slow down, grpc_trailers: {q: x}, grpc_pushback: 1500ms}}]")
		Expect(d.Kind).To(Equal(record.FaultStatus))
		Expect(d.Status).To(Equal(429)) // google.rpc.Code: RESOURCE_EXHAUSTED is 429
		Expect(string(d.Body)).To(Equal("Too Many Requests\n"))
		Expect(d.GRPC).To(Equal(&faultserver.GRPCAnswer{Code: "RESOURCE_EXHAUSTED", Message: "slow down",
			Trailers: map[string]string{"q": "x"}, Pushback: 1500 * time.Millisecond, HasPushback: true}))
	})

	It("keep a status given beside grpc_code for HTTP", func() {
		d := plan("phases: [{fault: {status: 500, grpc_code: UNAVAILABLE}}]")
		Expect(d.Status).To(Equal(500))
		Expect(d.GRPC.Code).To(Equal("UNAVAILABLE"))
	})

	It("leave a plan without them as it was, and a fault without a status keeps the response's answer", func() {
		Expect(plan("phases: [{fault: {status: 503}}]").GRPC).To(BeNil())
		d := plan("response: {body: pong, grpc_trailers: {v: \"1\"}}\nphases: [{fault: {delay: 1ms}}]")
		Expect(d.Kind).To(Equal(record.FaultDelay))
		Expect(string(d.GRPC.Reply)).To(Equal("pong"))
		Expect(d.GRPC.Trailers).To(Equal(map[string]string{"v": "1"}))
	})

	It("make the HTTP server answer grpc_code's HTTP status", func() {
		srv := startServer("phases: [{fault: {grpc_code: UNAVAILABLE}}]", faultserver.Options{})
		resp, body, err := call(freshClient(10*time.Second), http.MethodGet, srv.URL()+"/x", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(http.StatusServiceUnavailable))
		Expect(body).To(Equal("Service Unavailable\n"))
		Expect(resp.Header.Get(record.HeaderFault)).To(Equal(record.FaultStatus))
	})

	DescribeTable("are checked, each problem at its field",
		func(fault, field, msg string) {
			es := parseErrors("phases: [{fault: " + fault + "}]")
			Expect(es).To(HaveLen(1))
			Expect(es[0].Field).To(Equal("phases[0].fault." + field))
			Expect(es[0].Msg).To(ContainSubstring(msg))
		},
		Entry("an unknown code", "{grpc_code: UNAVAILBLE}", "grpc_code", `"UNAVAILBLE" is not a gRPC status code (did you mean "UNAVAILABLE"?)`),
		Entry("a code in the wrong case", "{grpc_code: Unavailable}", "grpc_code", `(did you mean "UNAVAILABLE"?)`),
		Entry("a code far from any", "{grpc_code: BROKEN}", "grpc_code", `"BROKEN" is not a gRPC status code; use one of OK, CANCELLED`),
		Entry("a negative pushback", "{grpc_code: UNAVAILABLE, grpc_pushback: -1s}", "grpc_pushback", "is negative"),
		Entry("an upper-case trailer key", "{grpc_trailers: {Region: x}}", "grpc_trailers.Region", "not a gRPC metadata key"),
		Entry("gRPC's own trailer", "{grpc_trailers: {grpc-retry-pushback-ms: \"5\"}}", "grpc_trailers.grpc-retry-pushback-ms", "use grpc_pushback"),
		Entry("a value that is not printable", "{grpc_trailers: {k: \"a\\nb\"}}", "grpc_trailers.k", "printable ASCII"),
		Entry("a code beside an action that sends nothing", "{reset: true, grpc_code: UNAVAILABLE}", "grpc_code", "has no effect with reset"),
	)

	It("are checked in a Spec built in Go too", func() {
		neg := -time.Second
		spec := faultserver.Spec{Response: faultserver.FaultSpec{GRPCPushback: &neg}}
		Expect(spec.Problems()).To(ConsistOf(HaveField("Path", "response.grpc_pushback")))
	})

	It("map HTTP statuses to codes as gRPC does, and codes to statuses as google.rpc.Code does", func() {
		// grpc/grpc doc/http-grpc-status-mapping.md
		for status, code := range map[int]string{200: "OK", 204: "OK", 400: "INTERNAL", 401: "UNAUTHENTICATED",
			403: "PERMISSION_DENIED", 404: "UNIMPLEMENTED", 429: "UNAVAILABLE", 502: "UNAVAILABLE",
			503: "UNAVAILABLE", 504: "UNAVAILABLE", 500: "UNKNOWN", 409: "UNKNOWN", 302: "UNKNOWN"} {
			Expect(faultserver.GRPCCodeForStatus(status)).To(Equal(code), "HTTP %d", status)
		}
		for _, name := range faultserver.GRPCCodes {
			Expect(faultserver.GRPCHTTPStatus(name)).To(BeNumerically(">=", 200), name)
		}
		Expect(faultserver.GRPCHTTPStatus("DEADLINE_EXCEEDED")).To(Equal(504))
		Expect(faultserver.GRPCHTTPStatus("nope")).To(Equal(0))
	})
})
