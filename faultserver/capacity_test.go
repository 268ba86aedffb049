package faultserver_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("Capacity", func() {
	It("refuses a request over the concurrency limit until a slot is released", func() {
		c := faultserver.NewCapacity(faultserver.CapacitySpec{Concurrency: 2})
		Expect(c.Admit(0)).To(BeTrue())
		Expect(c.Admit(0)).To(BeTrue())
		Expect(c.Admit(0)).To(BeFalse())
		Expect(c.InFlight()).To(Equal(2))
		c.Release(time.Second)
		Expect(c.Admit(time.Second)).To(BeTrue())
	})

	It("is a token bucket: a burst at once, then the rate", func() {
		c := faultserver.NewCapacity(faultserver.CapacitySpec{Rate: 10, Burst: 3})
		admitted := 0
		for i := 0; i < 10; i++ {
			if c.Admit(0) {
				admitted++
			}
		}
		Expect(admitted).To(Equal(3))
		Expect(c.Admit(50*time.Millisecond)).To(BeFalse(), "half a token")
		Expect(c.Admit(100*time.Millisecond)).To(BeTrue(), "one token after 1/rate")
		// Over 10 s at 100 arrivals per second, 10 per second get through.
		admitted = 0
		for t := time.Second; t < 11*time.Second; t += 10 * time.Millisecond {
			if c.Admit(t) {
				admitted++
			}
		}
		Expect(admitted).To(BeNumerically("~", 100+3, 1))
	})

	It("defaults the burst to one second's worth of rate", func() {
		c := faultserver.NewCapacity(faultserver.CapacitySpec{Rate: 5})
		n := 0
		for c.Admit(0) {
			n++
		}
		Expect(n).To(Equal(5))
	})

	It("answers a refused request with the overload decision of the script", func() {
		s := compile("capacity: {concurrency: 1, status: 429, retry_after: 1s}\nphases: [{requests: 1}, {name: later}]\n", 1)
		info := &faultserver.RequestInfo{ClientKey: "a"}
		first, t1 := s.Admit(0, info)
		Expect(t1.Admitted()).To(BeTrue())
		Expect(first.Phase).To(Equal("phase1"))
		d, t2 := s.Admit(0, info)
		Expect(t2.Admitted()).To(BeFalse())
		Expect(d.Kind).To(Equal(record.FaultOverload))
		Expect(d.Phase).To(Equal(faultserver.PhaseCapacity))
		Expect(d.Status).To(Equal(429))
		Expect(d.RetryAfter).To(Equal(time.Second))
		Expect(d.Injected()).To(BeTrue())
		t1.End(0)
		Expect(s.Decide(0, info).Phase).To(Equal("later"), "the refused request was not counted")
	})

	It("defaults the overload status to 503", func() {
		dur := 2 * time.Second
		s, err := faultserver.Compile(&faultserver.Spec{Capacity: &faultserver.CapacitySpec{Rate: 1, RetryAfterDate: &dur}}, 1)
		Expect(err).NotTo(HaveOccurred())
		s.Admit(0, &faultserver.RequestInfo{})
		d, t := s.Admit(0, &faultserver.RequestInfo{})
		Expect(t.Admitted()).To(BeFalse())
		Expect(d.Status).To(Equal(503))
		Expect(d.RetryAfterDate).To(BeTrue())
	})
})

var _ = Describe("VersionedRow", func() {
	It("lets a write with the current version through and refuses a stale one", func() {
		r := faultserver.NewVersionedRow(0)
		v := r.Read()
		Expect(v).To(Equal(uint64(1)))
		got, status := r.Write(v)
		Expect([]any{got, status}).To(Equal([]any{uint64(2), 200}))
		got, status = r.Write(v)
		Expect([]any{got, status}).To(Equal([]any{uint64(2), 409}))
		_, status = r.Write(0)
		Expect(status).To(Equal(428))
	})

	It("parses the wire forms of a version", func() {
		Expect(faultserver.ParseVersion(`"7"`)).To(Equal(uint64(7)))
		Expect(faultserver.ParseVersion(`W/"7"`)).To(Equal(uint64(7)))
		Expect(faultserver.ParseVersion(`7`)).To(Equal(uint64(7)))
		Expect(faultserver.ParseVersion(`*`)).To(Equal(uint64(0)))
		Expect(faultserver.ETag(7)).To(Equal(`"7"`))
	})

	It("makes writers that read the same version contend through the script", func() {
		s := compile("row: {path: /row}\nservice: {base: 5ms}\n", 1)
		read := func(client string) uint64 {
			d, t := s.Admit(0, &faultserver.RequestInfo{Method: "GET", Path: "/row", ClientKey: client})
			defer t.End(0)
			Expect(d.Row).To(Equal(faultserver.RowRead))
			return t.Commit(&d, &faultserver.RequestInfo{})
		}
		va, vb := read("a"), read("b")
		Expect(va).To(Equal(vb))
		write := func(client string, v uint64) faultserver.Plan {
			req := &faultserver.RequestInfo{Method: "PUT", Path: "/row", ClientKey: client, Version: v}
			d, t := s.Admit(0, req)
			defer t.End(0)
			Expect(d.Row).To(Equal(faultserver.RowWrite))
			t.Commit(&d, req)
			return d
		}
		Expect(write("a", va).Status).To(Equal(200))
		lost := write("b", vb)
		Expect(lost.Status).To(Equal(409))
		Expect(string(lost.Body)).To(Equal("Conflict\n"))
		Expect(write("b", read("b")).Status).To(Equal(200))
		Expect(decide(s, 0, "a", "GET", "/other").Row).To(Equal(faultserver.RowNone))
	})

	It("leaves the row alone for a request that draws a fault", func() {
		s := compile("row: {path: /row}\nphases: [{requests: 1, fault: {status: 503}}, {}]\n", 1)
		d, t := s.Admit(0, &faultserver.RequestInfo{Method: "PUT", Path: "/row", ClientKey: "a"})
		defer t.End(0)
		Expect(d.Row).To(Equal(faultserver.RowNone))
		Expect(t.Commit(&d, &faultserver.RequestInfo{Version: 1})).To(BeZero())
		Expect(d.Status).To(Equal(503))
	})
})

var _ = Describe("NewRecord", func() {
	It("builds a Record from the request, the decision and what was delivered, as both engines do", func() {
		s := compile("phases: [{fault: {status: 429, retry_after: 2s}}]\n", 1)
		req := &faultserver.RequestInfo{Method: "GET", Path: "/a", ClientKey: "c1", RequestID: "c1/3", Attempt: 2}
		d := s.Decide(1500*time.Millisecond, req)
		out := faultserver.Delivery{Status: 429, BodyBytes: 18, HasRetryAfter: true, RetryAfter: 2 * time.Second}
		rec := faultserver.NewRecord(1500*time.Millisecond, 1501*time.Millisecond, req, &d, &out)
		// Accepted at 1500 ms, done at 1501 ms: 1 ms of latency.
		Expect(rec).To(Equal(record.Record{TMs: 1500, Client: "c1", Request: "c1/3", Attempt: 2,
			Method: "GET", Path: "/a", Phase: "phase1", Fault: "status", Status: 429, BodyBytes: 18,
			RetryAfterMs: 2000, LatencyMs: 1}))
	})

	It("keeps no Retry-After and no incompleteness without a status line", func() {
		s := compile("phases: [{fault: {reset: true}}]\n", 1)
		req := &faultserver.RequestInfo{ClientKey: "c"}
		d := s.Decide(0, req)
		out := faultserver.Delivery{Incomplete: true, HasRetryAfter: true, RetryAfter: time.Second}
		rec := faultserver.NewRecord(0, 0, req, &d, &out)
		Expect([]any{rec.Status, rec.Incomplete, rec.RetryAfterMs}).To(Equal([]any{0, false, 0.0}))
	})
})
