package faultserver_test

import (
	"reflect"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("the action kinds", func() {
	It("are registered by their fault_<kind>.go, named as their FaultSpec fields, in field order", func() {
		Expect(faultserver.ActionKindNames()).To(Equal([]string{record.FaultHang, record.FaultReset, record.FaultClose,
			record.FaultTruncate, record.FaultSlow, record.FaultMalformed, record.FaultStream, record.FaultTLSStall, record.FaultTLSBadCert,
			record.FaultTLSClose, record.FaultAcceptStall, record.FaultGoAway, record.FaultRSTStream}))
		t := reflect.TypeFor[faultserver.FaultSpec]()
		fields := map[string]bool{}
		for i := range t.NumField() {
			fields[strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]] = true
		}
		for _, name := range faultserver.ActionKindNames() {
			Expect(fields).To(HaveKey(name), "the kind's field in a fault: spec")
		}
	})

	It("are listed by name in the error of a fault that asks for two", func() {
		_, _, err := faultserver.ParseScript("s.yaml", []byte("phases: [{fault: {reset: true, slow: 1KB/s}}]\n"))
		Expect(err).To(MatchError(ContainSubstring("phases[0].fault.slow: a fault has at most one of hang, reset, close, truncate, slow, malformed, stream, tls_stall, tls_bad_cert, tls_close, accept_stall, goaway, rst_stream; this one also has reset")))
	})
})
