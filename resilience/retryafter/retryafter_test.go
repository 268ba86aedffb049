package retryafter_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience/retryafter"
)

var _ = Describe("ParseRetryAfter", func() {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	DescribeTable("reads delta-seconds and HTTP-dates",
		func(value string, want time.Duration, ok bool) {
			d, got := retryafter.Parse(value, now)
			Expect(got).To(Equal(ok))
			Expect(d).To(Equal(want))
		},
		Entry("delta-seconds", "120", 2*time.Minute, true),
		Entry("zero", "0", time.Duration(0), true),
		Entry("spaces around", "  7 ", 7*time.Second, true),
		Entry("IMF-fixdate in the future", now.Add(90*time.Second).Format(http.TimeFormat), 90*time.Second, true),
		Entry("RFC 850 date", now.Add(time.Hour).Format(time.RFC850), time.Hour, true),
		Entry("asctime date", now.Add(30*time.Second).Format(time.ANSIC), 30*time.Second, true),
		Entry("a date in the past asks for no wait", now.Add(-time.Hour).Format(http.TimeFormat), time.Duration(0), true),
		Entry("huge delta saturates", "99999999999999999999999", time.Duration(1<<63-1), true),
		Entry("empty", "", time.Duration(0), false),
		Entry("negative", "-5", time.Duration(0), false),
		Entry("fractional", "1.5", time.Duration(0), false),
		Entry("garbage", "soon", time.Duration(0), false),
		Entry("number with unit", "5s", time.Duration(0), false),
		Entry("milliseconds, as Millis writes them", "ms=300", 300*time.Millisecond, true),
		Entry("milliseconds with nothing after", "ms=", time.Duration(0), false),
		Entry("milliseconds, negative", "ms=-3", time.Duration(0), false),
		Entry("milliseconds, huge, saturate", "ms=99999999999999999999999", time.Duration(1<<63-1), true),
	)

	It("writes a wait as whole milliseconds that Parse reads back", func() {
		Expect(retryafter.Millis(300*time.Millisecond + 999*time.Microsecond)).To(Equal("ms=300")) // truncated
		Expect(retryafter.Millis(-time.Second)).To(Equal("ms=0"))
		d, ok := retryafter.Parse(retryafter.Millis(1500*time.Millisecond), now)
		Expect(ok).To(BeTrue())
		Expect(d).To(Equal(1500 * time.Millisecond)) // not rounded to 1s or 2s
	})
})
