package faultserver_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
)

var _ = Describe("the request gate", func() {
	It("lets requests in until it closes, and drains when the last one is out", func() {
		var g faultserver.RequestGate
		Expect(g.Enter()).To(BeTrue())
		Expect(g.Enter()).To(BeTrue())
		g.Done()
		g.Close()
		Expect(g.Enter()).To(BeFalse(), "no request gets in once it is closed")
		Expect(g.Drained()).To(BeFalse(), "one request is still in")
		g.Done()
		Expect(g.Drained()).To(BeTrue())
		g.Wait() // returns at once
	})

	It("drains at once when it closes with no request in", func() {
		var g faultserver.RequestGate
		g.Close()
		Expect(g.Drained()).To(BeTrue())
		Expect(g.Enter()).To(BeFalse())
		Expect(g.Drained()).To(BeTrue())
	})
})
