package realclients_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/failsafe-go/failsafe-go/failsafehttp"
	"github.com/failsafe-go/failsafe-go/retrypolicy"
	"github.com/hashicorp/go-retryablehttp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/chaostest"
	"github.com/chaos-harness/chaos/record"
)

// fleetSize clients start together, as after a deploy or a network blip.
const fleetSize = 50

// outage is down for 2 s from the server's start, then healthy.
const outage = `
phases:
  - {name: outage, duration: 2s, fault: {status: 503}}
  - {name: recovered}
routes:
  - {path: /warm, phases: [{}]}
`

// warmPath never faults: each client opens its connection there before the
// barrier, so the fleet's first attempts go out together on open
// connections, not staggered by dials on a loaded machine.
const warmPath = "/warm"

// sender sends one logical request and returns the final status.
type sender func(ctx context.Context, req *http.Request) (int, error)

// fleet makes client i's sender for the server at base and opens its
// connection with a GET of warmPath. It runs inside the spec, before the
// barrier, so it may register cleanups and building clients does not
// stagger the start.
type fleet func(i int, base string) sender

// warm opens c's connection to base.
func warm(c *http.Client, base string) {
	status, err := drained(c.Get(base + warmPath))
	Expect(err).NotTo(HaveOccurred())
	Expect(status).To(Equal(http.StatusOK))
}

// runFleet starts fleetSize clients at one barrier against a fresh fault
// server running script and returns the server's Records of the fleet's
// requests (not the warm-ups) once every client has finished. Each client
// sends one logical request, named on the wire.
func runFleet(script string, clients fleet) []record.Record {
	srv := chaostest.NewServer(GinkgoT(), script)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	senders := make([]sender, fleetSize)
	for i := range senders {
		senders[i] = clients(i, srv.URL)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	statuses := make([]int, fleetSize)
	errs := make([]error, fleetSize)
	for i := range fleetSize {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/orders", nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set(record.HeaderClient, fmt.Sprintf("c%02d", i))
		req.Header.Set(record.HeaderRequest, fmt.Sprintf("c%02d/1", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i], errs[i] = senders[i](ctx, req)
		}()
	}
	close(start)
	wg.Wait()
	for i := range fleetSize {
		Expect(errs[i]).NotTo(HaveOccurred(), "client %d", i)
		Expect(statuses[i]).To(Equal(http.StatusOK), "client %d", i)
	}
	var records []record.Record
	for _, r := range srv.Records() {
		if r.Path != warmPath {
			records = append(records, r)
		}
	}
	return records
}

// drained reads a response to its end and returns its status.
func drained(resp *http.Response, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// retryable is go-retryablehttp with the given backoff between 200 ms and
// 1.6 s, up to 8 retries, each client with its own pooled transport as
// NewClient makes it. Its RequestLogHook numbers attempts (it counts from 0).
func retryable(backoff retryablehttp.Backoff) fleet {
	return func(_ int, base string) sender {
		c := retryablehttp.NewClient()
		c.Logger = nil
		c.RetryMax = 8
		c.RetryWaitMin = 200 * time.Millisecond
		c.RetryWaitMax = 1600 * time.Millisecond
		c.Backoff = backoff
		c.RequestLogHook = func(_ retryablehttp.Logger, req *http.Request, attempt int) {
			req.Header.Set(record.HeaderAttempt, strconv.Itoa(attempt+1))
		}
		DeferCleanup(c.HTTPClient.CloseIdleConnections)
		warm(c.HTTPClient, base)
		return func(_ context.Context, req *http.Request) (int, error) {
			r, err := retryablehttp.FromRequest(req)
			if err != nil {
				return 0, err
			}
			return drained(c.Do(r))
		}
	}
}

// numbered sets X-Chaos-Attempt on each attempt failsafe-go sends through
// it, counting per logical request (one per client here).
type numbered struct {
	next http.RoundTripper
	n    atomic.Int32
}

func (t *numbered) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set(record.HeaderAttempt, strconv.Itoa(int(t.n.Add(1))))
	return t.next.RoundTrip(req)
}

type failsafeBuilder = retrypolicy.Builder[*http.Response]

// failsafe is failsafe-go's HTTP retry policy (8 retries) with the delay
// that configure sets, each client with its own transport.
func failsafe(configure func(failsafeBuilder) failsafeBuilder) fleet {
	return func(_ int, base string) sender {
		policy := configure(failsafehttp.NewRetryPolicyBuilder().WithMaxRetries(8)).Build()
		transport := &http.Transport{}
		DeferCleanup(transport.CloseIdleConnections)
		warm(&http.Client{Transport: transport}, base)
		client := &http.Client{Transport: failsafehttp.NewRoundTripper(&numbered{next: transport}, policy)}
		return func(_ context.Context, req *http.Request) (int, error) { return drained(client.Do(req)) }
	}
}
