package scenarios_test

import (
	"context"
	"errors"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

// RunAnalyzed hands the Records to its sink and the analysis on a goroutine
// of their own (recordPipe): these specs pin what a caller relies on.
var _ = Describe("RunAnalyzed's sink beside the engine", func() {
	// 3,000 clients, one request each, all failing with 4 attempts: 12,000
	// Records, so more than ten batches of 1,024 cross between the goroutines.
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
})
