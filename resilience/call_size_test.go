package resilience_test

import (
	"context"
	"testing"
	"time"
	"unsafe"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
)

var _ = Describe("a Call's size", func() {
	It("is at most 88 bytes: a simulated fleet holds one per client in flight", func() {
		Expect(int(unsafe.Sizeof(resilience.Call{}))).To(BeNumerically("<=", 88))
	})

	It("lets Do succeed at once with a breaker, a budget and a fallback without allocating", func() {
		if raceEnabled {
			Skip("the race detector allocates")
		}
		p, err := resilience.New(resilience.Config{
			Retry:    &resilience.RetryConfig{},
			Breaker:  &resilience.BreakerConfig{},
			Budget:   &resilience.BudgetConfig{},
			Fallback: &resilience.FallbackConfig{Static: &resilience.StaticResponse{}},
		})
		Expect(err).NotTo(HaveOccurred())
		ctx := context.Background()
		fn := func(context.Context) (int, error) { return 1, nil }
		Expect(testing.AllocsPerRun(1000, func() {
			if v, err := resilience.Do(ctx, p, fn); err != nil || v != 1 {
				panic(err)
			}
		})).To(BeZero())
	})

	It("keeps a call's key for the stale fallback, which answers with the last good value", func() {
		p, err := resilience.New(resilience.Config{Fallback: &resilience.FallbackConfig{Stale: time.Minute}})
		Expect(err).NotTo(HaveOccurred())
		meta := resilience.RequestMeta{Method: "GET", Key: "GET /orders"}
		ok := p.Begin(epoch, meta)
		Expect(ok.Next(epoch).Action).To(Equal(resilience.ActionSend))
		ok.Report(epoch, resilience.AttemptOutcome{Status: 200, Value: "fresh"})
		Expect(ok.Next(epoch).Action).To(Equal(resilience.ActionSucceed))

		later := epoch.Add(time.Second)
		failed := p.Begin(later, meta)
		Expect(failed.Next(later).Action).To(Equal(resilience.ActionSend))
		failed.Report(later, resilience.AttemptOutcome{Status: 503})
		step := failed.Next(later)
		Expect(step.Action).To(Equal(resilience.ActionFallback))
		Expect(step.Fallback).To(Equal(resilience.FallbackStale))
		Expect(step.Value).To(Equal("fresh"))
		Expect(step.Age).To(Equal(time.Second))
	})
})
