package breaker_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience/breaker"
)

var _ = Describe("Settings.Within: N failures within a sliding period", func() {
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// play reports r at each second offset and returns when the breaker
	// opened (-1: never).
	play := func(s breaker.Settings, ops []struct {
		at int
		r  breaker.Result
	}) int {
		opened := -1
		b, err := breaker.New(s, func(c breaker.Change) {
			if c.To == breaker.Open && opened < 0 {
				opened = int(c.At.Sub(epoch) / time.Second)
			}
		})
		Expect(err).NotTo(HaveOccurred())
		for _, o := range ops {
			now := epoch.Add(time.Duration(o.at) * time.Second)
			t, err := b.Allow(now)
			if err != nil {
				continue
			}
			b.Report(now, t, o.r)
		}
		return opened
	}
	F, S := breaker.Failure, breaker.Success
	type op = struct {
		at int
		r  breaker.Result
	}

	It("counts failures within the period whatever succeeds between them", func() {
		ops := []op{{0, F}, {1, S}, {2, F}, {3, S}, {4, F}}
		Expect(play(breaker.Settings{Failures: 3, Within: 10 * time.Second}, ops)).To(Equal(4), "3 failures in [0s, 4s], 4s < 10s")
		Expect(play(breaker.Settings{Failures: 3}, ops)).To(Equal(-1), "never 3 consecutive")
	})

	It("forgets failures that slid out of the period", func() {
		// The period ending at now is (now-10s, now]. At 12s the failures
		// at 0s and 2s are 12s and 10s ago, outside it: 1. At 13s: 12s and
		// 13s: 2. At 14s: 12, 13, 14: 3, so it opens at 14s.
		ops := []op{{0, F}, {2, F}, {12, F}, {13, F}, {14, F}}
		Expect(play(breaker.Settings{Failures: 3, Within: 10 * time.Second}, ops)).To(Equal(14))
	})

	It("refuses a negative period", func() {
		_, err := breaker.New(breaker.Settings{Within: -time.Second}, nil)
		Expect(err).To(MatchError(breaker.ErrSettings))
	})
})
