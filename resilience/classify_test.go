package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func wrapURL(err error) error { return &url.Error{Op: "Get", URL: "http://x", Err: err} }

var _ = Describe("Classify", func() {
	DescribeTable("names the kind of an error",
		func(err error, kind resilience.OutcomeKind, status int) {
			k, s := resilience.Classify(err)
			Expect(k).To(Equal(kind), "%v", err)
			Expect(s).To(Equal(status))
		},
		Entry("nil is ok", nil, resilience.KindOK, 0),
		Entry("simulated reset", resilience.ErrReset, resilience.KindReset, 0),
		Entry("wrapped simulated reset", fmt.Errorf("attempt 2: %w", resilience.ErrReset), resilience.KindReset, 0),
		Entry("real reset by peer", wrapURL(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), resilience.KindReset, 0),
		Entry("broken pipe", wrapURL(&net.OpError{Op: "write", Err: syscall.EPIPE}), resilience.KindReset, 0),
		Entry("simulated refused", resilience.ErrRefused, resilience.KindRefused, 0),
		Entry("real refused dial", wrapURL(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), resilience.KindRefused, 0),
		Entry("DNS failure", wrapURL(&net.DNSError{Err: "no such host", Name: "nowhere"}), resilience.KindRefused, 0),
		Entry("unexpected EOF", wrapURL(io.ErrUnexpectedEOF), resilience.KindEOF, 0),
		Entry("EOF before a response", wrapURL(io.EOF), resilience.KindEOF, 0),
		Entry("simulated EOF", resilience.ErrEOF, resilience.KindEOF, 0),
		Entry("network timeout", wrapURL(timeoutErr{}), resilience.KindTimeout, 0),
		Entry("attempt timeout", resilience.ErrAttemptTimeout, resilience.KindTimeout, 0),
		Entry("malformed response", wrapURL(errors.New(`net/http: HTTP/1.x transport connection broken: malformed HTTP response "garbage"`)), resilience.KindMalformed, 0),
		Entry("simulated malformed", resilience.ErrMalformed, resilience.KindMalformed, 0),
		Entry("caller's cancellation", wrapURL(context.Canceled), resilience.KindCanceled, 0),
		Entry("caller's deadline", wrapURL(context.DeadlineExceeded), resilience.KindCanceled, 0),
		Entry("an error with a status", fmt.Errorf("call: %w", &resilience.StatusError{Code: 503}), resilience.KindStatus, 503),
		Entry("breaker rejection", resilience.ErrBreakerOpen, resilience.KindRejected, 0),
		Entry("anything else", errors.New("validation failed"), resilience.KindError, 0),
	)

	It("maps kinds to arrival-log outcomes", func() {
		Expect(resilience.KindReset.RecordOutcome()).To(Equal("reset"))
		Expect(resilience.KindEOF.RecordOutcome()).To(Equal("reset"))
		Expect(resilience.KindTimeout.RecordOutcome()).To(Equal("timeout"))
		Expect(resilience.KindStatus.RecordOutcome()).To(Equal("status"))
		Expect(resilience.KindOK.RecordOutcome()).To(Equal("ok"))
		Expect(resilience.KindRefused.RecordOutcome()).To(Equal("error"))
	})
})

var _ = Describe("Match", func() {
	It("retries by default on 408, 429, 500, 502, 503, 504 and network failures only", func() {
		m, err := resilience.ParseMatch(resilience.DefaultRetryOn)
		Expect(err).NotTo(HaveOccurred())
		for _, s := range []int{408, 429, 500, 502, 503, 504} {
			Expect(m.Matches(resilience.KindStatus, s)).To(BeTrue(), "%d", s)
		}
		for _, s := range []int{400, 401, 403, 404, 409, 422, 501, 505} {
			Expect(m.Matches(resilience.KindStatus, s)).To(BeFalse(), "%d", s)
		}
		for _, k := range []resilience.OutcomeKind{resilience.KindRefused, resilience.KindReset, resilience.KindEOF, resilience.KindTimeout, resilience.KindMalformed} {
			Expect(m.Matches(k, 0)).To(BeTrue(), "%v", k)
		}
		for _, k := range []resilience.OutcomeKind{resilience.KindCanceled, resilience.KindError, resilience.KindRejected, resilience.KindOK} {
			Expect(m.Matches(k, 0)).To(BeFalse(), "%v", k)
		}
	})

	It("reads classes, leaving 501 out of 5xx unless listed", func() {
		m, err := resilience.ParseMatch([]string{"5xx", "reset"})
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Matches(resilience.KindStatus, 599)).To(BeTrue())
		Expect(m.Matches(resilience.KindStatus, 501)).To(BeFalse())
		Expect(m.Matches(resilience.KindReset, 0)).To(BeTrue())
		Expect(m.Matches(resilience.KindTimeout, 0)).To(BeFalse())
		m, _ = resilience.ParseMatch([]string{"5xx", "501"})
		Expect(m.Matches(resilience.KindStatus, 501)).To(BeTrue())
	})

	It("names the bad token and its index", func() {
		_, err := resilience.ParseMatch([]string{"429", "rest"})
		var te *resilience.TokenError
		Expect(errors.As(err, &te)).To(BeTrue())
		Expect(te.Index).To(Equal(1))
		_, err = resilience.ParseMatch([]string{"200"})
		Expect(err).To(MatchError(ContainSubstring("not a failure status")))
	})
})
