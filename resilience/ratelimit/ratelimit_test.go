package ratelimit_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience/ratelimit"
)

var _ = Describe("Bucket", func() {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	It("serves a full bucket at once, then makes the next caller wait for its token", func() {
		b, err := ratelimit.New(2, 1) // 2 tokens/s: one every 500ms; 1 in the bucket
		Expect(err).NotTo(HaveOccurred())
		wait, ok := b.Reserve(t0, -1)
		Expect(ok).To(BeTrue())
		Expect(wait).To(Equal(time.Duration(0)))
		// The bucket is at 0: a token refills in 1/2 s.
		_, ok = b.Reserve(t0, 100*time.Millisecond)
		Expect(ok).To(BeFalse(), "a 500ms wait is longer than maxWait 100ms: nothing taken")
		wait, ok = b.Reserve(t0, -1)
		Expect(ok).To(BeTrue())
		Expect(wait).To(Equal(500 * time.Millisecond))
		// -1 token at t0, +2/s * 0.5s = 0 at t0+500ms.
		Expect(b.Available(t0.Add(500 * time.Millisecond))).To(BeNumerically("~", 0, 1e-9))
	})

	It("refuses a rate or a burst no bucket can have", func() {
		_, err := ratelimit.New(0, 1)
		Expect(err).To(MatchError(ContainSubstring("rate must be a finite number > 0")))
		_, err = ratelimit.New(1, 0)
		Expect(err).To(MatchError(ContainSubstring("burst must be 1 or more")))
	})
})
