package scenarios_test

import (
	"context"
	"errors"
	"math"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/scenarios"
)

// limitOf returns the *LimitError err carries, failing the spec if none.
func limitOf(err error) *scenarios.LimitError {
	GinkgoHelper()
	var limit *scenarios.LimitError
	Expect(errors.As(err, &limit)).To(BeTrue(), "%v", err)
	return limit
}

// hangs is a live scenario that cannot end by itself: the server holds its
// one request for an hour and the client has no timeout.
const hangs = `
server: {phases: [{fault: {hang: 1h}}]}
clients: {count: 1}
policies: [{name: patient, retry: {max_retries: 0}}]
`

var _ = Describe("the estimate of a run", func() {
	It("works out the least time and the memory from the fleet", func() {
		s := parse(`
server: {}
clients: {count: 10, requests: 5, think: 100ms, time_scale: 0.5, spike: {at: 3s, count: 2}}
policies: [{name: a, retry: {max_retries: 1}}, {name: b, breaker: {failures: 3}}]
`)
		e, err := s.Estimate(scenarios.Options{Engine: scenarios.EngineLive})
		Expect(err).NotTo(HaveOccurred())
		// The spike's clients start last, at 3 s, then think 4 × 100 ms.
		Expect(e.LastStart).To(Equal(3 * time.Second))
		Expect(e.MinScenarioTime).To(Equal(3400 * time.Millisecond))
		// Two policies one after another, each compressed by 0.5.
		Expect(e.MinRealTime).To(Equal(3400 * time.Millisecond))
		Expect(e.Logical).To(Equal(int64(50)))
		// 64 MiB, 2 × 50 logical requests of analysis at 160 B, and in live
		// 10 clients at 128 KiB and 50 logical requests at 1 KiB.
		Expect(e.Memory).To(Equal(int64(64<<20 + 100*160 + 10*128<<10 + 50<<10)))

		sim, err := s.Estimate(scenarios.Options{Policies: []string{"a"}})
		Expect(err).NotTo(HaveOccurred())
		Expect(sim.MinRealTime).To(BeZero()) // virtual time
		Expect(sim.Memory).To(Equal(int64(64<<20 + 50*160 + 10*1<<10)))
	})

	It("takes the last start of a spread fleet as the run draws it", func() {
		s := parse(`
server: {}
clients: {count: 50, start: {spread: 10s}}
policies: [{name: a}]
`)
		e, err := s.Estimate(scenarios.Options{})
		Expect(err).NotTo(HaveOccurred())
		run, recs := execute(s, scenarios.Options{})
		last := 0.0
		for _, r := range recs {
			last = math.Max(last, r.TMs)
		}
		Expect(e.LastStart).To(Equal(time.Duration(last * float64(time.Millisecond))))
		Expect(run.Policies[0].Duration).To(BeNumerically(">=", e.MinScenarioTime))
	})

	It("saturates instead of overflowing for a fleet that would run for ages", func() {
		s := parse(`
server: {}
clients: {count: 2, requests: 2000000000, think: 1000h, start: {poisson: 0.000001/h}}
policies: [{name: a}]
`)
		e, err := s.Estimate(scenarios.Options{Engine: scenarios.EngineLive})
		Expect(err).NotTo(HaveOccurred())
		Expect(e.MinScenarioTime).To(BeNumerically(">", 200*365*24*time.Hour))
		Expect(e.MinRealTime).To(BeNumerically(">=", e.MinScenarioTime))
		Expect(e.Memory).To(BeNumerically(">", 0))
	})
})

var _ = Describe("the limits of a run", func() {
	It("refuse before it starts a live run that would outlast --max-duration, with the estimate", func() {
		s := parse(`
server: {}
clients: {count: 3, requests: 100, think: 1m}
policies: [{name: a}, {name: b}]
`)
		_, err := s.Run(context.Background(), scenarios.Options{Engine: scenarios.EngineLive, MaxDuration: 30 * time.Minute})
		limit := limitOf(err)
		Expect(limit.Limit).To(Equal(scenarios.LimitDuration))
		Expect(limit.Before).To(BeTrue())
		Expect(err).To(MatchError(ContainSubstring("would take at least 3h18m0s of real time (2 policies, each at least 1h39m0s")))
		Expect(err).To(MatchError(ContainSubstring("more than the limit of 30m0s: raise it (--max-duration, 0 for none)")))
	})

	It("refuse before it starts a run that would need more than --max-memory", func() {
		s := parse(`
server: {}
clients: {count: 1000000, requests: 100}
policies: [{name: a}]
`)
		_, err := s.Run(context.Background(), scenarios.Options{MaxMemory: 4 << 30})
		limit := limitOf(err)
		Expect(limit.Limit).To(Equal(scenarios.LimitMemory))
		Expect(limit.Before).To(BeTrue())
		Expect(err).To(MatchError(ContainSubstring("the run would need about 15.9 GiB of memory (1000000 clients and 100000000 logical requests per policy")))
		Expect(err).To(MatchError(ContainSubstring("raise it (--max-memory, 0 for none)")))
	})

	It("stop a live run that goes on past --max-duration", func() {
		_, err := parse(hangs).Run(context.Background(),
			scenarios.Options{Engine: scenarios.EngineLive, MaxDuration: 200 * time.Millisecond})
		limit := limitOf(err)
		Expect(limit.Before).To(BeFalse())
		Expect(err).To(MatchError(ContainSubstring("policy patient: the run was stopped after 200ms of wall-clock time, its limit, with 0 of 1 logical requests done")))
	})

	It("stop a run whose memory passes --max-memory", func() {
		defer scenarios.SetMemoryInUse(func() int64 { return 5 << 30 })()
		_, err := parse(hangs).Run(context.Background(),
			scenarios.Options{Engine: scenarios.EngineLive, MaxMemory: 4 << 30})
		limit := limitOf(err)
		Expect(limit.Limit).To(Equal(scenarios.LimitMemory))
		Expect(limit.Before).To(BeFalse())
		Expect(err).To(MatchError(ContainSubstring("stopped when it used 5 GiB of memory, more than its limit of 4 GiB")))
	})

	It("reach the sim engine, which stops at its next look at the context", func() {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(&scenarios.LimitError{Limit: scenarios.LimitDuration, Msg: "out of time"})
		s, err := scenarios.LoadBuiltin("outage-recovery")
		Expect(err).NotTo(HaveOccurred())
		_, err = s.Run(ctx, scenarios.Options{})
		Expect(limitOf(err).Msg).To(Equal("out of time"))
	})
})

var _ = Describe("a live run whose clients cannot reach the server", func() {
	AfterEach(func() { scenarios.SetLiveServerStarted(nil) })

	It("stops at the first refused connection, saying so", func() {
		scenarios.SetLiveServerStarted(func(srv *faultserver.Server) { _ = srv.Close() })
		s := parse(`
server: {}
clients: {count: 5, requests: 1000, think: 10ms}
policies: [{name: a, retry: {max_retries: 3, base: 1s}}]
`)
		_, err := s.Run(context.Background(), scenarios.Options{Engine: scenarios.EngineLive})
		Expect(err).To(MatchError(scenarios.ErrUnreachable))
		// Refused, or reset when the dial was in the listener's backlog as it
		// closed.
		Expect(err).To(MatchError(MatchRegexp(`policy a: the clients cannot reach the fault server at http://127\.0\.0\.1:\d+ \(dial tcp .*(connection refused|connection reset by peer)\): it stopped accepting connections`)))
	})

	It("blames a client out of file descriptors on the client, not on the server", func() {
		// A dial that cannot open a socket fails with EMFILE (ENFILE when the
		// whole system is out), and is classed as refused.
		for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE} {
			e := resilience.Event{Outcome: resilience.ClassRefused,
				Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", errno)}}
			Expect(scenarios.Unreachable(e)).To(HavePrefix("the clients could not open a socket: this process is out of file descriptors"), errno.Error())
		}
		refused := resilience.Event{Outcome: resilience.ClassRefused,
			Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
		Expect(scenarios.Unreachable(refused)).To(Equal("it stopped accepting connections"))
	})

	It("stops when the server's listener closes mid-run", func() {
		scenarios.SetLiveServerStarted(func(srv *faultserver.Server) {
			go func() {
				// Close it once it has answered a few requests (bounded: the run
				// has 2000 of them, a few ms apart).
				for i := 0; i < 10_000 && srv.Stats().Requests < 5; i++ {
					time.Sleep(time.Millisecond)
				}
				_ = srv.Close()
			}()
		})
		s := parse(`
server: {}
clients: {count: 2, requests: 1000, think: 5ms}
policies: [{name: a}]
`)
		_, err := s.Run(context.Background(), scenarios.Options{Engine: scenarios.EngineLive})
		Expect(err).To(MatchError(scenarios.ErrUnreachable))
	})

	It("keeps the Records of a live run interrupted mid-policy", func() {
		ctx, interrupt := context.WithCancel(context.Background())
		defer interrupt()
		var answered int64
		scenarios.SetLiveServerStarted(func(srv *faultserver.Server) {
			go func() {
				// Interrupt once it has answered a few requests (bounded: the
				// run has 2000 of them, a few ms apart).
				for i := 0; i < 10_000 && srv.Stats().Requests < 5; i++ {
					time.Sleep(time.Millisecond)
				}
				atomic.StoreInt64(&answered, srv.Stats().Requests)
				interrupt()
			}()
		})
		s := parse(`
server: {}
clients: {count: 2, requests: 1000, think: 5ms}
policies: [{name: a}]
`)
		var kept []record.Record
		_, err := s.Run(ctx, scenarios.Options{Engine: scenarios.EngineLive,
			Sink: func(r *record.Record) error { kept = append(kept, *r); return nil }})
		Expect(err).To(MatchError(context.Canceled))
		Expect(int64(len(kept))).To(BeNumerically(">=", atomic.LoadInt64(&answered)))
		Expect(atomic.LoadInt64(&answered)).To(BeNumerically(">=", 5))
		for _, r := range kept {
			Expect(r.Policy).To(Equal("a"))
			Expect(r.Client).To(MatchRegexp(`^c[12]$`))
			Expect(r.Status).To(Equal(200))
		}
	})
})
