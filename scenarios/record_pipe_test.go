package scenarios_test

import (
	"context"
	"errors"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

// RunAnalyzed hands the Records to its sink and the analysis on a goroutine
// of their own (recordPipe): these specs pin what a caller relies on.
var _ = Describe("RunAnalyzed's sink beside the engine", func() {
	// 3,000 clients, one request each, all failing with 4 attempts: 12,000
	// Records, so three batches of 4,096 cross between the goroutines.
	const fleet = `
name: pipe
seed: 3
server: {phases: [{fault: {status: 503}}]}
clients: {count: 3000}
policies:
  - {name: p, retry: {max_retries: 3, base: 1ms, cap: 10ms, jitter: full}}
`

	It("sees every Record once, in the engine's order, as Run hands them out", func() {
		s := parse(fleet)
		_, direct := execute(s, scenarios.Options{})
		Expect(direct).To(HaveLen(12000))

		var seen []record.Record
		out, err := s.RunAnalyzed(context.Background(), scenarios.Options{
			KeepRecords: true,
			Sink:        func(r *record.Record) error { seen = append(seen, *r); return nil },
		}, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(seen).To(Equal(direct))
		Expect(out.Records).To(Equal(direct))
		Expect(out.Result.Policies[0].Attempts).To(Equal(12000))
	})

	It("stops the run at a sink's error and returns that error, not a stand-in", func() {
		s := parse(fleet)
		full := errors.New("disk full")
		n := 0
		_, err := s.RunAnalyzed(context.Background(), scenarios.Options{
			Sink: func(*record.Record) error {
				if n++; n == 5000 {
					return full
				}
				return nil
			},
		}, "")
		Expect(err).To(MatchError(full))
		// The sink is not called again after it failed, though the engine
		// may have made a few batches more before it heard of it.
		Expect(n).To(Equal(5000))
	})

	// The pipe itself, with two consumers as RunAnalyzed gives it a sink.
	tms := func(seen *[]float64) func(*record.Record) error {
		return func(r *record.Record) error { *seen = append(*seen, r.TMs); return nil }
	}
	failAt := func(k int, err error, seen *[]float64) func(*record.Record) error {
		return func(r *record.Record) error {
			if len(*seen) == k-1 {
				return err
			}
			*seen = append(*seen, r.TMs)
			return nil
		}
	}

	// On one consumer goroutine (two cores: the stages take turns beside the
	// engine) and on a goroutine each, the stages see the same.
	for _, lanes := range []int{1, 2} {
		It(fmt.Sprintf("gives each stage every Record, in order, across many batches, on %d goroutines", lanes), func() {
			var a, b []float64
			Expect(scenarios.PipeRecords(lanes, 20000, tms(&a), tms(&b))).To(Succeed())
			Expect(a).To(HaveLen(20000))
			for i, v := range a {
				Expect(v).To(Equal(float64(i + 1)))
			}
			Expect(b).To(Equal(a))
		})

		It(fmt.Sprintf("returns the failing stage's error, and the first stage's when both fail, on %d goroutines", lanes), func() {
			second := errors.New("analysis refused")
			var a, b []float64
			Expect(scenarios.PipeRecords(lanes, 20000, tms(&a), failAt(9000, second, &b))).To(MatchError(second))
			Expect(b).To(HaveLen(8999)) // not called again after it failed
			// The other stage goes on with the batches the engine made
			// before it heard of the failure: at least up to the failing
			// Record's batch.
			Expect(len(a)).To(BeNumerically(">=", 9000))

			// Both fail within the first batch, which both always see: the
			// second first, yet the first's error is the one returned.
			first := errors.New("disk full")
			var c, d []float64
			err := scenarios.PipeRecords(lanes, 20000, failAt(20, first, &c), failAt(10, second, &d))
			Expect(err).To(MatchError(first))
			Expect(c).To(HaveLen(19))
			Expect(d).To(HaveLen(9))
		})
	}
})
