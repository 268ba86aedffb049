package chaostest_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/chaos-harness/chaos/resilience/breaker"
	"github.com/chaos-harness/chaos/resilience/retryafter"
)

// fleet is a small retrying Go HTTP client, run as concurrent clients: the
// client under test in these specs. Its knobs switch on the behaviours the
// matchers judge, good and bad.
type fleet struct {
	clients  int
	requests int           // logical requests per client
	retries  int           // retries after the first attempt
	base     time.Duration // backoff before each retry
	jitter   bool          // full jitter: U(0, base) instead of base
	think    time.Duration // pause between a client's logical requests
	// honourRetryAfter waits at least what Retry-After asks.
	honourRetryAfter bool
	// retryAll retries every failing status (4xx too); otherwise 429 and 5xx.
	retryAll bool
	// breaker, when set, guards each client's attempts with its own breaker.
	breaker *breaker.Settings
	// anonymous sends no X-Chaos-* headers.
	anonymous bool
}

// run runs the fleet against url and returns when every client is done.
func (f fleet) run(url string) {
	hc := &http.Client{Timeout: 2 * time.Second}
	var wg sync.WaitGroup
	for i := range f.clients {
		wg.Go(func() { f.client(hc, url, i) })
	}
	wg.Wait()
}

func (f fleet) client(hc *http.Client, url string, i int) {
	rng := rand.New(rand.NewPCG(7, uint64(i)))
	name := fmt.Sprintf("c%d", i)
	var br *breaker.Breaker
	if f.breaker != nil {
		var err error
		if br, err = breaker.New(*f.breaker, nil); err != nil {
			panic(err)
		}
	}
	for n := 1; n <= f.requests; n++ {
		f.logical(hc, url, name, fmt.Sprintf("%s/%d", name, n), br, rng)
		time.Sleep(f.think)
	}
}

// logical makes one logical request: attempts until success, a status it
// does not retry, or the retries run out.
func (f fleet) logical(hc *http.Client, url, client, request string, br *breaker.Breaker, rng *rand.Rand) {
	for attempt := 1; attempt <= 1+f.retries; attempt++ {
		var ticket breaker.Ticket
		if br != nil {
			var err error
			if ticket, err = br.Allow(time.Now()); err != nil {
				return // refused by the open breaker: never reaches the server
			}
		}
		status, retryAfter := f.attempt(hc, url, client, request, attempt)
		if br != nil {
			result := breaker.Success
			if status == 0 || status >= 500 {
				result = breaker.Failure
			}
			br.Report(time.Now(), ticket, result)
		}
		if status > 0 && status < 400 || !f.retryable(status) {
			return
		}
		wait := f.base
		if f.jitter {
			wait = time.Duration(rng.Int64N(int64(f.base) + 1))
		}
		if d, ok := retryafter.Parse(retryAfter, time.Now()); ok && f.honourRetryAfter {
			wait = max(wait, d)
		}
		if attempt <= f.retries {
			time.Sleep(wait)
		}
	}
}

func (f fleet) retryable(status int) bool {
	return status == 0 || status == http.StatusTooManyRequests || status >= 500 || f.retryAll && status >= 400
}

// attempt sends one attempt and returns its status (0 for a transport error)
// and Retry-After.
func (f fleet) attempt(hc *http.Client, url, client, request string, attempt int) (int, string) {
	req, err := http.NewRequest(http.MethodGet, url+"/api/orders", nil)
	if err != nil {
		panic(err)
	}
	if !f.anonymous {
		req.Header.Set("X-Chaos-Client", client)
		req.Header.Set("X-Chaos-Request", request)
		req.Header.Set("X-Chaos-Attempt", strconv.Itoa(attempt))
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, ""
	}
	return resp.StatusCode, resp.Header.Get("Retry-After")
}
