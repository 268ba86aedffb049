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
		func(err error, kind resilience.AttemptClass, status int) {
			k, s := resilience.Classify(err)
			Expect(k).To(Equal(kind), "%v", err)
			Expect(s).To(Equal(status))
		},
		Entry("nil is ok", nil, resilience.ClassOK, 0),
		Entry("simulated reset", resilience.ErrReset, resilience.ClassReset, 0),
		Entry("wrapped simulated reset", fmt.Errorf("attempt 2: %w", resilience.ErrReset), resilience.ClassReset, 0),
		Entry("real reset by peer", wrapURL(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), resilience.ClassReset, 0),
		Entry("broken pipe", wrapURL(&net.OpError{Op: "write", Err: syscall.EPIPE}), resilience.ClassReset, 0),
		Entry("simulated refused", resilience.ErrRefused, resilience.ClassRefused, 0),
		Entry("real refused dial", wrapURL(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), resilience.ClassRefused, 0),
		Entry("DNS failure", wrapURL(&net.DNSError{Err: "no such host", Name: "nowhere"}), resilience.ClassRefused, 0),
		Entry("unexpected EOF", wrapURL(io.ErrUnexpectedEOF), resilience.ClassEOF, 0),
		Entry("EOF before a response", wrapURL(io.EOF), resilience.ClassEOF, 0),
		Entry("simulated EOF", resilience.ErrEOF, resilience.ClassEOF, 0),
		Entry("network timeout", wrapURL(timeoutErr{}), resilience.ClassTimeout, 0),
		Entry("attempt timeout", resilience.ErrAttemptTimeout, resilience.ClassTimeout, 0),
		Entry("malformed response", wrapURL(errors.New(`net/http: HTTP/1.x transport connection broken: malformed HTTP response "garbage"`)), resilience.ClassMalformed, 0),
		Entry("simulated malformed", resilience.ErrMalformed, resilience.ClassMalformed, 0),
		Entry("caller's cancellation", wrapURL(context.Canceled), resilience.ClassCanceled, 0),
		Entry("caller's deadline", wrapURL(context.DeadlineExceeded), resilience.ClassCanceled, 0),
		Entry("an error with a status", fmt.Errorf("call: %w", &resilience.StatusError{Code: 503}), resilience.ClassStatus, 503),
		Entry("breaker rejection", resilience.ErrBreakerOpen, resilience.ClassRejected, 0),
		Entry("anything else", errors.New("validation failed"), resilience.ClassError, 0),
	)

	It("maps kinds to arrival-log outcomes", func() {
		Expect(resilience.ClassReset.RecordOutcome()).To(Equal("reset"))
		Expect(resilience.ClassEOF.RecordOutcome()).To(Equal("reset"))
		Expect(resilience.ClassTimeout.RecordOutcome()).To(Equal("timeout"))
		Expect(resilience.ClassStatus.RecordOutcome()).To(Equal("status"))
		Expect(resilience.ClassOK.RecordOutcome()).To(Equal("ok"))
		Expect(resilience.ClassRefused.RecordOutcome()).To(Equal("error"))
	})
})

var _ = Describe("attemptSet", func() {
	It("retries by default on 408, 429, 500, 502, 503, 504 and network failures only", func() {
		m, err := resilience.ParseAttemptSet(resilience.DefaultRetryOn)
		Expect(err).NotTo(HaveOccurred())
		for _, s := range []int{408, 429, 500, 502, 503, 504} {
			Expect(m.Matches(resilience.ClassStatus, s)).To(BeTrue(), "%d", s)
		}
		for _, s := range []int{400, 401, 403, 404, 409, 422, 501, 505} {
			Expect(m.Matches(resilience.ClassStatus, s)).To(BeFalse(), "%d", s)
		}
		for _, k := range []resilience.AttemptClass{resilience.ClassRefused, resilience.ClassReset, resilience.ClassEOF, resilience.ClassTimeout, resilience.ClassMalformed} {
			Expect(m.Matches(k, 0)).To(BeTrue(), "%v", k)
		}
		for _, k := range []resilience.AttemptClass{resilience.ClassCanceled, resilience.ClassError, resilience.ClassRejected, resilience.ClassOK} {
			Expect(m.Matches(k, 0)).To(BeFalse(), "%v", k)
		}
	})

	It("reads classes, leaving 501 out of 5xx unless listed", func() {
		m, err := resilience.ParseAttemptSet([]string{"5xx", "reset"})
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Matches(resilience.ClassStatus, 599)).To(BeTrue())
		Expect(m.Matches(resilience.ClassStatus, 501)).To(BeFalse())
		Expect(m.Matches(resilience.ClassReset, 0)).To(BeTrue())
		Expect(m.Matches(resilience.ClassTimeout, 0)).To(BeFalse())
		m, _ = resilience.ParseAttemptSet([]string{"5xx", "501"})
		Expect(m.Matches(resilience.ClassStatus, 501)).To(BeTrue())
	})

	It("names the bad token and its index", func() {
		_, err := resilience.ParseAttemptSet([]string{"429", "rest"})
		var te *resilience.TokenError
		Expect(errors.As(err, &te)).To(BeTrue())
		Expect(te.Index).To(Equal(1))
		_, err = resilience.ParseAttemptSet([]string{"200"})
		Expect(err).To(MatchError(ContainSubstring("not a failure status")))
	})
})
