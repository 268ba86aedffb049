package scenarios_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("load variants", func() {
	parse := func(text string) *scenarios.Scenario {
		sc, err := scenarios.Parse("load.yaml", []byte(text))
		Expect(err).NotTo(HaveOccurred())
		return sc
	}
	var open, closed *scenarios.Scenario
	BeforeEach(func() {
		open = parse(`name: open
server: {response: {status: 200}}
clients:
  count: 10
  open:
    rate: [{at: 0s, rate: 4/s}, {at: 20s, rate: 8/s}, {at: 25s, rate: 4/s}]
    duration: 80s
policies: [{name: p}]
`)
		closed = parse(`name: closed
server: {response: {status: 200}}
clients:
  count: 20
  spike: {at: 1s, count: 5}
policies: [{name: p}]
`)
	})

	It("scales every step of an open-loop schedule, leaving the scenario it came from alone", func() {
		sc, err := open.WithLoad(1.5)
		Expect(err).NotTo(HaveOccurred())
		Expect(sc.Clients.Open.Rate).To(Equal([]scenarios.RateStep{{At: 0, Rate: 6}, {At: 20 * time.Second, Rate: 12}, {At: 25 * time.Second, Rate: 6}}))
		Expect(sc.Clients.Count).To(Equal(10))
		Expect(open.Clients.Open.Rate[1].Rate).To(Equal(8.0))
	})

	It("scales a closed-loop fleet's clients and its spike, to the nearest client", func() {
		sc, err := closed.WithLoad(0.33)
		Expect(err).NotTo(HaveOccurred())
		Expect(sc.Clients.Count).To(Equal(7))       // 6.6
		Expect(sc.Clients.Spike.Count).To(Equal(2)) // 1.65
		Expect(closed.Clients.Count).To(Equal(20))
		Expect(closed.Clients.Spike.Count).To(Equal(5))
		_, err = closed.WithLoad(0.02)
		Expect(err).To(MatchError(ContainSubstring("20 clients times 0.02 is less than one client")))
		for _, bad := range []float64{0, -1} {
			_, err = closed.WithLoad(bad)
			Expect(err).To(MatchError(ContainSubstring("must be a positive factor")))
		}
	})

	It("removes the trigger: the schedule held at its first rate, no spike", func() {
		Expect(open.HasLoadTrigger()).To(BeTrue())
		sc, err := open.WithoutTrigger()
		Expect(err).NotTo(HaveOccurred())
		Expect(sc.Clients.Open.Rate).To(Equal([]scenarios.RateStep{{At: 0, Rate: 4}}))
		Expect(sc.HasLoadTrigger()).To(BeFalse())
		Expect(open.Clients.Open.Rate).To(HaveLen(3))

		sc, err = closed.WithoutTrigger()
		Expect(err).NotTo(HaveOccurred())
		Expect(sc.Clients.Spike).To(BeNil())
		Expect(sc.Clients.Count).To(Equal(20))
		Expect(closed.Clients.Spike).NotTo(BeNil())

		_, err = sc.WithoutTrigger()
		Expect(err).To(MatchError(ContainSubstring("scenario closed has no load trigger to remove")))
		// A schedule that only falls has no surge.
		falling := parse(`name: falling
server: {response: {status: 200}}
clients:
  open: {rate: [{at: 0s, rate: 8/s}, {at: 5s, rate: 4/s}], duration: 10s}
policies: [{name: p}]
`)
		Expect(falling.HasLoadTrigger()).To(BeFalse())
	})
})
