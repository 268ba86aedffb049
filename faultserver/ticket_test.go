package faultserver_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("Ticket", func() {
	req := func(method, path string) *faultserver.RequestInfo {
		return &faultserver.RequestInfo{Method: method, Path: path, ClientKey: "a"}
	}

	It("frees its capacity slot once, however often End is called", func() {
		s := compile("capacity: {concurrency: 2}\n", 1)
		_, a := s.Admit(0, req("GET", "/"))
		_, b := s.Admit(0, req("GET", "/"))
		Expect(s.InFlight()).To(Equal(2))
		a.End(0)
		a.End(0) // a second release would free b's slot too
		Expect(s.InFlight()).To(Equal(1), "b still holds its slot")
		_, c := s.Admit(0, req("GET", "/"))
		_, d := s.Admit(0, req("GET", "/"))
		Expect(c.Admitted()).To(BeTrue())
		Expect(d.Admitted()).To(BeFalse(), "b and c hold both slots")
		d.End(0) // a refused ticket holds nothing to free
		Expect(s.InFlight()).To(Equal(2))
		b.End(0)
		c.End(0)
		Expect(s.InFlight()).To(BeZero(), "no slot leaked")
	})

	It("keeps the in-flight count of the service time exact without a capacity model", func() {
		s := compile("service: {base: 1ms}\n", 1)
		_, a := s.Admit(0, req("GET", "/"))
		a.End(0)
		a.End(0)
		Expect(s.InFlight()).To(BeZero(), "End twice is one release, not -1 in flight")
	})

	It("commits its row operation once, before or after End", func() {
		s := compile("row: {path: /row}\n", 1)
		read, rt := s.Admit(0, req("GET", "/row"))
		rt.End(0)
		Expect(rt.Commit(&read, &faultserver.RequestInfo{})).To(Equal(uint64(1)), "a commit after End still reads")
		Expect(rt.Commit(&read, &faultserver.RequestInfo{})).To(BeZero(), "and only once")

		write, wt := s.Admit(0, req("PUT", "/row"))
		Expect(wt.Commit(&write, &faultserver.RequestInfo{Version: 1})).To(Equal(uint64(2)))
		again := write
		Expect(wt.Commit(&again, &faultserver.RequestInfo{Version: 2})).To(BeZero(), "a second commit writes nothing")
		Expect(again.Status).To(Equal(200), "and leaves the decision as the first commit set it")
		wt.End(0)
		wt.End(0)
		Expect(s.InFlight()).To(BeZero())

		// The row is at version 2: one write went through, not two.
		check, ct := s.Admit(0, req("GET", "/row"))
		defer ct.End(0)
		Expect(ct.Commit(&check, &faultserver.RequestInfo{})).To(Equal(uint64(2)))
	})

	It("holds nothing when the capacity model refuses, and the zero Ticket neither", func() {
		s := compile("capacity: {concurrency: 1}\nrow: {path: /row}\n", 1)
		_, held := s.Admit(0, req("GET", "/"))
		d, refused := s.Admit(0, req("PUT", "/row"))
		Expect(d.Kind).To(Equal(record.FaultOverload))
		Expect(refused.Commit(&d, &faultserver.RequestInfo{Version: 1})).To(BeZero())
		refused.End(0)
		var zero faultserver.Ticket
		zero.End(0)
		Expect(zero.Commit(&d, &faultserver.RequestInfo{})).To(BeZero())
		Expect(s.InFlight()).To(Equal(1))
		held.End(0)
		Expect(s.InFlight()).To(BeZero())
	})
})
