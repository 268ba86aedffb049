package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/chaos-harness/chaos/resilience"
)

// classifyShapes are the error shapes of BenchmarkClassify and of the
// allocation spec: what a function under Do or an HTTP client returns.
var classifyShapes = []struct {
	name string
	err  error
}{
	{"kinded/direct", resilience.ErrReset},
	{"kinded/wrapped", fmt.Errorf("attempt 2: %w", resilience.ErrReset)},
	{"kinded/joined", errors.Join(errors.New("first"), resilience.ErrReset)},
	{"status/direct", &resilience.StatusError{Code: http.StatusServiceUnavailable}},
	{"status/wrapped", fmt.Errorf("call: %w", &resilience.StatusError{Code: http.StatusServiceUnavailable})},
	{"status/joined", errors.Join(errors.New("first"), &resilience.StatusError{Code: http.StatusServiceUnavailable})},
	{"canceled/wrapped", fmt.Errorf("call: %w", context.Canceled)},
	{"eof/plain", io.EOF},
	{"eof/url", &url.Error{Op: "Get", URL: "http://x", Err: io.ErrUnexpectedEOF}},
	{"errno/reset", syscall.ECONNRESET},
	{"errno/timedout", syscall.ETIMEDOUT},
	{"syscall/refused", os.NewSyscallError("connect", syscall.ECONNREFUSED)},
	{"operror/reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}},
	{"operror/refused-url", &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}},
	{"operror/dns-url", &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "no such host", Name: "nowhere", IsNotFound: true}}}},
	{"operror/deadline", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}},
	{"operror/closed", &net.OpError{Op: "write", Net: "tcp", Err: net.ErrClosed}},
	{"other/plain", errors.New("validation failed")},
}

var sinkKind resilience.AttemptClass

// BenchmarkClassify is Classify on each error shape; allocs/op should be 0.
func BenchmarkClassify(b *testing.B) {
	for _, s := range classifyShapes {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkKind, _ = resilience.Classify(s.err)
			}
		})
	}
}

// errUnavailable is the failure of BenchmarkDoRetryThird: one shared value,
// so the benchmark does not pay for building an error.
var errUnavailable error = &resilience.StatusError{Code: http.StatusServiceUnavailable}

// BenchmarkDoRetryThird is Do on a call that fails twice with a 503 and
// succeeds on its third attempt, with zero delays: the executor plus two
// classified failures.
func BenchmarkDoRetryThird(b *testing.B) {
	retries := 3
	p := benchPolicy(b, resilience.Config{Retry: &resilience.RetryConfig{
		MaxRetries: retries,
		Backoff:    resilience.BackoffList,
		Delays:     []time.Duration{0},
		Jitter:     resilience.JitterNone,
	}})
	n := 0
	fn := func(context.Context) (int, error) {
		if n++; n < 3 {
			return 0, errUnavailable
		}
		n = 0
		return 1, nil
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if v, err := resilience.Do(ctx, p, fn); err != nil || v != 1 {
			b.Fatal(v, err)
		}
	}
}
