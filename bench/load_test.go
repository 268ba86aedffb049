package bench

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// A load generator sends GETs from keep-alive workers in one process. Every
// loop is bounded by a request count and every request by the client timeout.
type load struct {
	client  *http.Client
	workers int
}

func newLoad(workers int) *load {
	tr := &http.Transport{MaxIdleConns: 2 * workers, MaxIdleConnsPerHost: 2 * workers}
	return &load{client: &http.Client{Transport: tr, Timeout: 10 * time.Second}, workers: workers}
}

func (l *load) close() { l.client.Transport.(*http.Transport).CloseIdleConnections() }

// burst sends n GETs to url, expecting status, and returns how long they took.
func (l *load) burst(url string, n, status int) (time.Duration, error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, l.workers)
	start := time.Now()
	for range l.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := l.get(url, status); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	return elapsed, <-errs
}

func (l *load) get(url string, status int) error {
	resp, err := l.client.Get(url)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != status {
		return fmt.Errorf("%s: status %d, want %d", url, resp.StatusCode, status)
	}
	return nil
}
