package breaker_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience/breaker"
)

var _ = Describe("Settings", func() {
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	It("takes the zero value as the defaults: 5 consecutive failures trip it for 30s", func() {
		var changes []breaker.Change
		b, err := breaker.New(breaker.Settings{}, func(c breaker.Change) { changes = append(changes, c) })
		Expect(err).NotTo(HaveOccurred())
		for i := range 5 {
			t, err := b.Allow(epoch)
			Expect(err).NotTo(HaveOccurred(), "call %d", i)
			b.Report(epoch, t, breaker.Failure)
		}
		_, err = b.Allow(epoch.Add(30*time.Second - 1))
		Expect(err).To(MatchError(breaker.ErrOpen))
		Expect(b.State(epoch.Add(30 * time.Second))).To(Equal(breaker.HalfOpen))
		Expect(changes).To(Equal([]breaker.Change{
			{From: breaker.Closed, To: breaker.Open, At: epoch},
			{From: breaker.Open, To: breaker.HalfOpen, At: epoch.Add(30 * time.Second)},
		}))
	})

	It("refuses settings no breaker can run with", func() {
		for _, s := range []breaker.Settings{
			{Failures: -1}, {Ratio: 1.5}, {OpenMultiplier: 0.5}, {Open: time.Minute, OpenMax: time.Second},
			{HalfOpenProbes: 1, HalfOpenSuccesses: 2},
		} {
			_, err := breaker.New(s, nil)
			Expect(err).To(MatchError(breaker.ErrSettings), "%+v", s)
		}
	})
})
