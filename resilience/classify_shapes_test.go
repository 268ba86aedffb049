package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
)

// kindErr is a caller's error that knows its kind.
type kindErr struct{ kind resilience.AttemptClass }

func (e kindErr) Error() string                         { return "kind " + e.kind.String() }
func (e kindErr) AttemptClass() resilience.AttemptClass { return e.kind }

// codeErr is a caller's error that carries a status, as a value type.
type codeErr struct{ code int }

func (e codeErr) Error() string   { return http.StatusText(e.code) }
func (e codeErr) StatusCode() int { return e.code }

// kindCodeErr knows both its kind and a status: the kind wins.
type kindCodeErr struct{}

func (kindCodeErr) Error() string                         { return "both" }
func (kindCodeErr) AttemptClass() resilience.AttemptClass { return resilience.ClassReset }
func (kindCodeErr) StatusCode() int                       { return 502 }

// isErr is an error whose Is method claims target, as net/http's client
// timeout claims context.DeadlineExceeded.
type isErr struct{ target error }

func (e isErr) Error() string        { return "is " + e.target.Error() }
func (e isErr) Is(target error) bool { return target == e.target }

// asDNSErr is an error whose As method turns it into a *net.DNSError, the
// way net/http's HTTP/2 stream error turns itself into x/net's.
type asDNSErr struct{}

func (asDNSErr) Error() string { return "as DNS" }
func (asDNSErr) As(target any) bool {
	if p, ok := target.(**net.DNSError); ok {
		*p = &net.DNSError{Err: "converted", Name: "as"}
		return true
	}
	return false
}

// asNothingErr has an As method that never matches.
type asNothingErr struct{ err error }

func (e asNothingErr) Error() string { return "as nothing: " + e.err.Error() }
func (e asNothingErr) As(any) bool   { return false }
func (e asNothingErr) Unwrap() error { return e.err }

// multiErr wraps several errors, nil entries included.
type multiErr []error

func (e multiErr) Error() string   { return "multi" }
func (e multiErr) Unwrap() []error { return e }

// nilWrapErr wraps nothing: its Unwrap returns nil.
type nilWrapErr struct{}

func (nilWrapErr) Error() string { return "wraps nil" }
func (nilWrapErr) Unwrap() error { return nil }

// notTimeoutNetErr is a net.Error that is not a timeout.
type notTimeoutNetErr struct{ err error }

func (e notTimeoutNetErr) Error() string   { return "net: " + e.err.Error() }
func (e notTimeoutNetErr) Timeout() bool   { return false }
func (e notTimeoutNetErr) Temporary() bool { return false }
func (e notTimeoutNetErr) Unwrap() error   { return e.err }

func opErr(op string, err error) error { return &net.OpError{Op: op, Net: "tcp", Err: err} }

func dialRefused() error {
	return opErr("dial", os.NewSyscallError("connect", syscall.ECONNREFUSED))
}

func dnsNotFound() error {
	return &net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}
}

const malformedText = `net/http: HTTP/1.x transport connection broken: malformed HTTP response "garbage"`

// classifyCase is one error shape and what Classify makes of it.
type classifyCase struct {
	err    error
	kind   resilience.AttemptClass
	status int
}

// classifyCases pin Classify's result for every error shape, in the order
// of its checks: kind, status, context, refused errno, DNS, dial, reset,
// EOF, timeout, text. They were written against the errors.As version of
// Classify, so they pin its behaviour, quirks included.
var classifyCases = []TableEntry{
	Entry("nil", classifyCase{nil, resilience.ClassOK, 0}),

	// Errors that know their kind.
	Entry("sentinel reset", classifyCase{resilience.ErrReset, resilience.ClassReset, 0}),
	Entry("sentinel refused", classifyCase{resilience.ErrRefused, resilience.ClassRefused, 0}),
	Entry("sentinel EOF", classifyCase{resilience.ErrEOF, resilience.ClassEOF, 0}),
	Entry("sentinel timeout", classifyCase{resilience.ErrAttemptTimeout, resilience.ClassTimeout, 0}),
	Entry("sentinel malformed", classifyCase{resilience.ErrMalformed, resilience.ClassMalformed, 0}),
	Entry("breaker rejection", classifyCase{resilience.ErrBreakerOpen, resilience.ClassRejected, 0}),
	Entry("caller's kinded value", classifyCase{kindErr{resilience.ClassTimeout}, resilience.ClassTimeout, 0}),
	Entry("caller's kinded, wrapped", classifyCase{fmt.Errorf("op: %w", kindErr{resilience.ClassEOF}), resilience.ClassEOF, 0}),
	Entry("caller's kinded, wrapped twice", classifyCase{fmt.Errorf("a: %w", fmt.Errorf("b: %w", kindErr{resilience.ClassMalformed})), resilience.ClassMalformed, 0}),
	Entry("kinded, joined after a plain error", classifyCase{errors.Join(errors.New("x"), resilience.ErrReset), resilience.ClassReset, 0}),
	Entry("kinded, two %w", classifyCase{fmt.Errorf("%w and %w", errors.New("x"), resilience.ErrRefused), resilience.ClassRefused, 0}),
	Entry("first kinded of a join wins", classifyCase{errors.Join(resilience.ErrEOF, resilience.ErrReset), resilience.ClassEOF, 0}),
	Entry("kinded ClassUnset is returned as is", classifyCase{kindErr{resilience.ClassUnset}, resilience.ClassUnset, 0}),
	Entry("kinded ClassOK is returned as is", classifyCase{kindErr{resilience.ClassOK}, resilience.ClassOK, 0}),
	Entry("kind beats status on one error", classifyCase{kindCodeErr{}, resilience.ClassReset, 0}),
	Entry("kind anywhere beats an earlier status", classifyCase{errors.Join(&resilience.StatusError{Code: 503}, resilience.ErrReset), resilience.ClassReset, 0}),
	Entry("kind deep in a join beats a status", classifyCase{errors.Join(&resilience.StatusError{Code: 503}, fmt.Errorf("w: %w", errors.Join(io.EOF, resilience.ErrMalformed))), resilience.ClassMalformed, 0}),
	Entry("kind in a wrapped give-up error", classifyCase{&resilience.GiveUpError{Err: resilience.ErrReset}, resilience.ClassReset, 0}),

	// Errors that carry a status.
	Entry("status error", classifyCase{&resilience.StatusError{Code: 503}, resilience.ClassStatus, 503}),
	Entry("status error, wrapped", classifyCase{fmt.Errorf("call: %w", &resilience.StatusError{Code: 429}), resilience.ClassStatus, 429}),
	Entry("status error, joined", classifyCase{errors.Join(errors.New("x"), &resilience.StatusError{Code: 502}), resilience.ClassStatus, 502}),
	Entry("caller's status value", classifyCase{codeErr{418}, resilience.ClassStatus, 418}),
	Entry("caller's status value, wrapped", classifyCase{fmt.Errorf("call: %w", codeErr{404}), resilience.ClassStatus, 404}),
	Entry("status 200 is still ClassStatus", classifyCase{codeErr{200}, resilience.ClassStatus, 200}),
	Entry("first status of a join wins", classifyCase{errors.Join(codeErr{500}, &resilience.StatusError{Code: 503}), resilience.ClassStatus, 500}),
	Entry("status beats a context error", classifyCase{errors.Join(context.Canceled, &resilience.StatusError{Code: 500}), resilience.ClassStatus, 500}),
	Entry("status beats a network error", classifyCase{errors.Join(dialRefused(), io.EOF, codeErr{504}), resilience.ClassStatus, 504}),

	// The caller's own cancellation.
	Entry("context canceled", classifyCase{context.Canceled, resilience.ClassCanceled, 0}),
	Entry("context deadline", classifyCase{context.DeadlineExceeded, resilience.ClassCanceled, 0}),
	Entry("context canceled, wrapped in url.Error", classifyCase{wrapURL(context.Canceled), resilience.ClassCanceled, 0}),
	Entry("context deadline, joined", classifyCase{errors.Join(io.EOF, context.DeadlineExceeded), resilience.ClassCanceled, 0}),
	Entry("context beats a refused dial", classifyCase{errors.Join(dialRefused(), context.Canceled), resilience.ClassCanceled, 0}),
	Entry("an Is method claiming the deadline", classifyCase{wrapURL(isErr{context.DeadlineExceeded}), resilience.ClassCanceled, 0}),

	// Refused: errno, DNS, dial.
	Entry("bare ECONNREFUSED", classifyCase{syscall.ECONNREFUSED, resilience.ClassRefused, 0}),
	Entry("ECONNREFUSED in a SyscallError", classifyCase{os.NewSyscallError("connect", syscall.ECONNREFUSED), resilience.ClassRefused, 0}),
	Entry("ECONNREFUSED in a dial OpError", classifyCase{dialRefused(), resilience.ClassRefused, 0}),
	Entry("ECONNREFUSED in a dial OpError in url.Error", classifyCase{wrapURL(dialRefused()), resilience.ClassRefused, 0}),
	Entry("ECONNREFUSED in a read OpError", classifyCase{opErr("read", syscall.ECONNREFUSED), resilience.ClassRefused, 0}),
	Entry("EHOSTUNREACH", classifyCase{opErr("dial", os.NewSyscallError("connect", syscall.EHOSTUNREACH)), resilience.ClassRefused, 0}),
	Entry("ENETUNREACH", classifyCase{fmt.Errorf("x: %w", syscall.ENETUNREACH), resilience.ClassRefused, 0}),
	Entry("refused errno beats a reset errno", classifyCase{errors.Join(syscall.ECONNRESET, syscall.ECONNREFUSED), resilience.ClassRefused, 0}),
	Entry("an Is method claiming ECONNREFUSED", classifyCase{isErr{syscall.ECONNREFUSED}, resilience.ClassRefused, 0}),
	Entry("DNS error", classifyCase{dnsNotFound(), resilience.ClassRefused, 0}),
	Entry("DNS error in a dial OpError in url.Error", classifyCase{wrapURL(opErr("dial", dnsNotFound())), resilience.ClassRefused, 0}),
	Entry("DNS timeout is refused", classifyCase{&net.DNSError{Err: "timeout", Name: "slow", IsTimeout: true}, resilience.ClassRefused, 0}),
	Entry("DNS error wrapping a reset is refused", classifyCase{&net.DNSError{Err: "x", UnwrapErr: syscall.ECONNRESET}, resilience.ClassRefused, 0}),
	Entry("DNS error beats an earlier read OpError", classifyCase{errors.Join(opErr("read", io.EOF), dnsNotFound()), resilience.ClassRefused, 0}),
	Entry("As method producing a DNS error", classifyCase{fmt.Errorf("x: %w", asDNSErr{}), resilience.ClassRefused, 0}),
	Entry("dial OpError of any cause", classifyCase{opErr("dial", errors.New("no route")), resilience.ClassRefused, 0}),
	Entry("dial OpError wrapping a reset", classifyCase{opErr("dial", syscall.ECONNRESET), resilience.ClassRefused, 0}),
	Entry("dial OpError wrapping EOF", classifyCase{opErr("dial", io.EOF), resilience.ClassRefused, 0}),
	Entry("dial OpError that timed out", classifyCase{opErr("dial", os.ErrDeadlineExceeded), resilience.ClassTimeout, 0}),
	Entry("dial OpError with a custom timeout", classifyCase{wrapURL(opErr("dial", timeoutErr{})), resilience.ClassTimeout, 0}),
	Entry("only the first OpError is looked at", classifyCase{errors.Join(opErr("read", errors.New("x")), opErr("dial", errors.New("y"))), resilience.ClassError, 0}),
	Entry("outer read OpError hides an inner dial", classifyCase{opErr("read", opErr("dial", errors.New("y"))), resilience.ClassError, 0}),

	// Reset.
	Entry("bare ECONNRESET", classifyCase{syscall.ECONNRESET, resilience.ClassReset, 0}),
	Entry("ECONNRESET in SyscallError in read OpError", classifyCase{opErr("read", os.NewSyscallError("read", syscall.ECONNRESET)), resilience.ClassReset, 0}),
	Entry("EPIPE", classifyCase{opErr("write", os.NewSyscallError("write", syscall.EPIPE)), resilience.ClassReset, 0}),
	Entry("ECONNABORTED", classifyCase{wrapURL(syscall.ECONNABORTED), resilience.ClassReset, 0}),
	Entry("net.ErrClosed", classifyCase{net.ErrClosed, resilience.ClassReset, 0}),
	Entry("net.ErrClosed in a read OpError", classifyCase{opErr("read", net.ErrClosed), resilience.ClassReset, 0}),
	Entry("reset beats EOF", classifyCase{errors.Join(io.EOF, syscall.EPIPE), resilience.ClassReset, 0}),
	Entry("an Is method claiming net.ErrClosed", classifyCase{isErr{net.ErrClosed}, resilience.ClassReset, 0}),
	Entry("idle connection closed, as text", classifyCase{wrapURL(errors.New("http: server closed idle connection")), resilience.ClassReset, 0}),

	// EOF.
	Entry("io.EOF", classifyCase{io.EOF, resilience.ClassEOF, 0}),
	Entry("io.ErrUnexpectedEOF", classifyCase{io.ErrUnexpectedEOF, resilience.ClassEOF, 0}),
	Entry("io.EOF, wrapped", classifyCase{fmt.Errorf("read body: %w", io.EOF), resilience.ClassEOF, 0}),
	Entry("io.ErrUnexpectedEOF in a read OpError", classifyCase{opErr("read", io.ErrUnexpectedEOF), resilience.ClassEOF, 0}),
	Entry("EOF beats a timeout", classifyCase{errors.Join(os.ErrDeadlineExceeded, io.EOF), resilience.ClassEOF, 0}),
	Entry("EOF beats malformed text", classifyCase{fmt.Errorf(malformedText+": %w", io.EOF), resilience.ClassEOF, 0}),

	// Timeouts.
	Entry("os.ErrDeadlineExceeded", classifyCase{os.ErrDeadlineExceeded, resilience.ClassTimeout, 0}),
	Entry("deadline in a read OpError", classifyCase{opErr("read", os.ErrDeadlineExceeded), resilience.ClassTimeout, 0}),
	Entry("custom timeout in url.Error", classifyCase{wrapURL(timeoutErr{}), resilience.ClassTimeout, 0}),
	Entry("ETIMEDOUT is a timeout", classifyCase{syscall.ETIMEDOUT, resilience.ClassTimeout, 0}),
	Entry("EAGAIN is a timeout", classifyCase{os.NewSyscallError("read", syscall.EAGAIN), resilience.ClassTimeout, 0}),
	Entry("a timeout behind fmt in url.Error is not", classifyCase{wrapURL(fmt.Errorf("x: %w", timeoutErr{})), resilience.ClassError, 0}),
	Entry("only the first net.Error is looked at", classifyCase{notTimeoutNetErr{timeoutErr{}}, resilience.ClassError, 0}),
	Entry("a later net.Error is not looked at", classifyCase{errors.Join(notTimeoutNetErr{errors.New("x")}, timeoutErr{}), resilience.ClassError, 0}),
	Entry("timeout, joined after plain errors", classifyCase{errors.Join(errors.New("x"), timeoutErr{}), resilience.ClassTimeout, 0}),

	// Text.
	Entry("malformed HTTP", classifyCase{errors.New(malformedText), resilience.ClassMalformed, 0}),
	Entry("malformed HTTP in url.Error", classifyCase{wrapURL(errors.New(malformedText)), resilience.ClassMalformed, 0}),
	Entry("malformed HTTP in a read OpError", classifyCase{opErr("read", errors.New(malformedText)), resilience.ClassMalformed, 0}),
	Entry("malformed beats idle-closed text", classifyCase{errors.New("server closed idle connection; malformed HTTP"), resilience.ClassMalformed, 0}),

	// Anything else.
	Entry("plain error", classifyCase{errors.New("validation failed"), resilience.ClassError, 0}),
	Entry("ENOENT", classifyCase{syscall.ENOENT, resilience.ClassError, 0}),
	Entry("os.ErrNotExist in a PathError", classifyCase{&os.PathError{Op: "open", Path: "/x", Err: os.ErrNotExist}, resilience.ClassError, 0}),
	Entry("an Is method claiming nothing of ours", classifyCase{isErr{os.ErrNotExist}, resilience.ClassError, 0}),
	Entry("As method matching nothing", classifyCase{asNothingErr{errors.New("x")}, resilience.ClassError, 0}),
	Entry("As method, then a reset", classifyCase{asNothingErr{syscall.ECONNRESET}, resilience.ClassReset, 0}),
	Entry("Unwrap() []error with nil entries", classifyCase{multiErr{nil, errors.New("x"), nil, io.EOF}, resilience.ClassEOF, 0}),
	Entry("Unwrap() []error, all nil", classifyCase{multiErr{nil, nil}, resilience.ClassError, 0}),
	Entry("Unwrap() error returning nil", classifyCase{fmt.Errorf("x: %w", nilWrapErr{}), resilience.ClassError, 0}),
	Entry("an Is method claiming io.EOF", classifyCase{isErr{io.EOF}, resilience.ClassEOF, 0}),
}

var _ = Describe("Classify on every error shape", func() {
	DescribeTable("names the kind and status, as its errors.As path does",
		func(c classifyCase) {
			k, s := resilience.Classify(c.err)
			Expect(k).To(Equal(c.kind), "kind of %#v", c.err)
			Expect(s).To(Equal(c.status), "status of %#v", c.err)
			if c.err != nil {
				k, s = resilience.ClassifyAs(c.err)
				Expect(k).To(Equal(c.kind), "errors.As kind of %#v", c.err)
				Expect(s).To(Equal(c.status), "errors.As status of %#v", c.err)
			}
		},
		classifyCases,
	)

	It("agrees with its errors.As path on random error trees", func() {
		r := rand.New(rand.NewPCG(7, 11))
		seen := map[resilience.AttemptClass]int{}
		for range 20000 {
			err := randomError(r, 4)
			k, s := resilience.Classify(err)
			wk, ws := resilience.ClassifyAs(err)
			Expect([]any{k, s}).To(Equal([]any{wk, ws}), "%#v", err)
			seen[k]++
		}
		for k := resilience.ClassStatus; k <= resilience.ClassRejected; k++ {
			Expect(seen[k]).To(BeNumerically(">", 100), "trees of kind %v", k)
		}
	})

	It("may skip syscall.Errno's Is method: it claims none of Classify's targets", func() {
		targets := []error{context.Canceled, context.DeadlineExceeded,
			syscall.ECONNREFUSED, syscall.EHOSTUNREACH, syscall.ENETUNREACH,
			syscall.ECONNRESET, syscall.EPIPE, syscall.ECONNABORTED, net.ErrClosed,
			io.ErrUnexpectedEOF, io.EOF}
		for n := range 4096 {
			for _, t := range targets {
				Expect(syscall.Errno(n).Is(t)).To(BeFalse(), "errno %d, target %v", n, t)
			}
		}
	})

	It("allocates nothing on the common error shapes", func() {
		if raceEnabled {
			Skip("the race detector allocates")
		}
		for _, c := range classifyShapes {
			Expect(testing.AllocsPerRun(1000, func() {
				sinkKind, _ = resilience.Classify(c.err)
			})).To(BeZero(), c.name)
		}
	})

	It("lets Do retry a failed call without allocating", func() {
		if raceEnabled {
			Skip("the race detector allocates")
		}
		retries := 3
		p, err := resilience.New(resilience.Config{Retry: &resilience.RetryConfig{
			MaxRetries: retries,
			Backoff:    resilience.BackoffList,
			Delays:     []time.Duration{0},
			Jitter:     resilience.JitterNone,
		}})
		Expect(err).NotTo(HaveOccurred())
		n := 0
		fn := func(context.Context) (int, error) {
			if n++; n < 3 {
				return 0, errUnavailable
			}
			n = 0
			return 1, nil
		}
		ctx := context.Background()
		Expect(testing.AllocsPerRun(1000, func() {
			if v, err := resilience.Do(ctx, p, fn); err != nil || v != 1 {
				panic(fmt.Sprint(v, err))
			}
		})).To(BeZero())
	})
})

// treeLeaves and randomError build random error trees for the comparison
// of Classify with its errors.As path.
var treeLeaves = []error{
	resilience.ErrReset, resilience.ErrRefused, resilience.ErrEOF, resilience.ErrAttemptTimeout,
	resilience.ErrMalformed, resilience.ErrBreakerOpen, kindErr{resilience.ClassTimeout}, kindCodeErr{},
	&resilience.StatusError{Code: 503}, codeErr{429},
	context.Canceled, context.DeadlineExceeded,
	syscall.ECONNREFUSED, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ECONNRESET,
	syscall.EPIPE, syscall.ECONNABORTED, syscall.ETIMEDOUT, syscall.EAGAIN, syscall.ENOENT,
	net.ErrClosed, io.EOF, io.ErrUnexpectedEOF, os.ErrDeadlineExceeded, os.ErrNotExist, timeoutErr{},
	dnsNotFound(), &net.DNSError{Err: "timeout", Name: "slow", IsTimeout: true},
	errors.New(malformedText), errors.New("http: server closed idle connection"), errors.New("plain"),
	isErr{context.DeadlineExceeded}, isErr{syscall.ECONNREFUSED}, isErr{net.ErrClosed}, isErr{io.EOF},
	isErr{os.ErrNotExist}, nilWrapErr{},
}

var treeOps = []string{"dial", "read", "write"}

func randomError(r *rand.Rand, depth int) error {
	if depth == 0 || r.IntN(4) == 0 {
		if r.IntN(200) == 0 {
			return asDNSErr{}
		}
		return treeLeaves[r.IntN(len(treeLeaves))]
	}
	inner := func() error { return randomError(r, depth-1) }
	switch r.IntN(11) {
	case 0:
		return fmt.Errorf("w: %w", inner())
	case 1:
		return errors.Join(inner(), inner())
	case 2:
		return fmt.Errorf("%w; %w; %w", inner(), inner(), inner())
	case 3:
		return multiErr{nil, inner(), nil, inner()}
	case 4, 5:
		return opErr(treeOps[r.IntN(len(treeOps))], inner())
	case 6:
		return os.NewSyscallError("read", inner())
	case 7:
		return wrapURL(inner())
	case 8:
		return notTimeoutNetErr{inner()}
	case 9:
		return &net.DNSError{Err: "x", Name: "y", UnwrapErr: inner()}
	}
	if r.IntN(20) == 0 {
		return asNothingErr{inner()}
	}
	return &resilience.GiveUpError{Attempts: 2, Err: inner()}
}
