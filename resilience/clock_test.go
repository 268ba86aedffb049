package resilience_test

import (
	"context"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
)

var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

var _ = Describe("VirtualClock", func() {
	It("wakes sleepers in wake-up order only when advanced far enough", func() {
		clock := resilience.NewVirtualClock(epoch)
		var mu sync.Mutex
		var order []time.Duration
		var wg sync.WaitGroup
		for _, d := range []time.Duration{300 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				Expect(clock.Sleep(context.Background(), d)).To(Succeed())
				mu.Lock()
				order = append(order, clock.Now().Sub(epoch))
				mu.Unlock()
			}()
		}
		Expect(clock.WaitForSleepers(context.Background(), 3)).To(Succeed())
		Expect(clock.Sleepers()).To(Equal([]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}))
		clock.Advance(150 * time.Millisecond)
		Eventually(func() int { return len(clock.Sleepers()) }).Should(Equal(2))
		clock.Advance(time.Second)
		wg.Wait()
		Expect(clock.Now()).To(Equal(epoch.Add(1150 * time.Millisecond)))
		Expect(order).To(HaveLen(3))
	})

	It("returns the context's error when canceled while sleeping", func() {
		clock := resilience.NewVirtualClock(epoch)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- clock.Sleep(ctx, time.Hour) }()
		Expect(clock.WaitForSleepers(context.Background(), 1)).To(Succeed())
		cancel()
		Eventually(done).Should(Receive(MatchError(context.Canceled)))
		Expect(clock.Sleepers()).To(BeEmpty())
	})

	It("runs AfterFunc timers on advance and lets them be stopped", func() {
		clock := resilience.NewVirtualClock(epoch)
		fired := make(chan struct{}, 2)
		clock.AfterFunc(time.Second, func() { fired <- struct{}{} })
		stop := clock.AfterFunc(2*time.Second, func() { fired <- struct{}{} })
		Expect(stop()).To(BeTrue())
		clock.Advance(5 * time.Second)
		Eventually(fired).Should(Receive())
		Consistently(fired, 50*time.Millisecond).ShouldNot(Receive())
	})

	It("advances by itself on Sleep in auto-advance mode", func() {
		clock := resilience.NewVirtualClock(epoch)
		clock.SetAutoAdvance(true)
		Expect(clock.Sleep(context.Background(), 1500*time.Millisecond)).To(Succeed())
		Expect(clock.Sleep(context.Background(), 0)).To(Succeed())
		Expect(clock.Now()).To(Equal(epoch.Add(1500 * time.Millisecond)))
		clock.Set(epoch) // never backwards
		Expect(clock.Now()).To(Equal(epoch.Add(1500 * time.Millisecond)))
	})
})

var _ = Describe("RealClock", func() {
	It("sleeps briefly and stops at cancellation", func() {
		var clock resilience.RealClock
		Expect(clock.Sleep(context.Background(), time.Millisecond)).To(Succeed())
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		Expect(clock.Sleep(ctx, time.Hour)).To(MatchError(context.Canceled))
	})
})
